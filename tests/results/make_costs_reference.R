# Reference numbers for evaluation.measure_costs: cost per implemented measure as a ratio
# estimator with the linearised standard error over municipality clusters (R survey
# svyratio, cluster sample with replacement, equal weights), per action field and overall.
#
# Run from the repository root (R 4.2, survey 4.1-1 from Debian's r-cran-survey):
#   TZ=UTC Rscript tests/results/make_costs_reference.R
# Writes tests/results/costs_data.csv (simulated measures) and costs_reference.csv.

suppressPackageStartupMessages(library(survey))
set.seed(20261201)
out_dir <- "tests/results"
fields <- c("steering", "work_family", "education", "counselling", "living_environment",
            "seniors_generations")
statuses <- c("planned", "in_progress", "partially_implemented", "implemented", "discontinued")
rows <- list()
for (m in 1:25) {
  k <- sample(3:15, 1)
  rows[[m]] <- data.frame(
    measure_id = sprintf("M%02d-%02d", m, 1:k),
    municipality_id = sprintf("099%02d000", m),
    action_field = sample(fields, k, replace = TRUE),
    status = sample(statuses, k, replace = TRUE, prob = c(0.1, 0.15, 0.2, 0.45, 0.1)),
    cost_planned_eur = round(exp(rnorm(k, 9, 0.8)), 2),
    staff_hours = round(exp(rnorm(k, 4, 0.6)), 1),
    stringsAsFactors = FALSE
  )
}
d <- do.call(rbind, rows)
d$cost_spent_eur <- round(d$cost_planned_eur * runif(nrow(d), 0, 1.3), 2)
d$cost_spent_eur[sample(nrow(d), 12)] <- NA
d$staff_hours[sample(nrow(d), 5)] <- NA
write.csv(d, file.path(out_dir, "costs_data.csv"), row.names = FALSE, na = "")

design <- svydesign(id = ~municipality_id, data = d)
ref <- list()
impl <- as.numeric(d$status == "implemented")
for (cost in c("cost_planned_eur", "cost_spent_eur", "staff_hours")) {
  known <- !is.na(d[[cost]])
  c0 <- ifelse(known, d[[cost]], 0)
  for (basis in c("all_measures", "implemented")) {
    num <- if (basis == "all_measures") c0 else c0 * impl
    den <- impl * known
    for (f in c("", fields)) {
      inf <- if (f == "") rep(1, nrow(d)) else as.numeric(d$action_field == f)
      des <- update(design, num_ = num * inf, den_ = den * inf)
      r <- svyratio(~num_, ~den_, des)
      ref[[length(ref) + 1]] <- data.frame(
        cost = cost, basis = basis, action_field = f,
        estimate = sprintf("%.15g", coef(r)[[1]]), std_error = sprintf("%.15g", SE(r)[[1]])
      )
    }
  }
}
write.csv(do.call(rbind, ref), file.path(out_dir, "costs_reference.csv"), row.names = FALSE)
cat("wrote", length(ref), "reference rows\n")
