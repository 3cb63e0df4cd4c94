# Reference numbers for the Cox model of time_to_implementation: R survival::coxph with
# Efron ties and cluster-robust (sandwich) standard errors.
#
# Made with R 4.2.2 and survival 3.5.3. Reads cox_demo_input.csv and cox_ties_input.csv (written
# by make_cox_inputs.py) from the folder of this script and writes cox_survival.csv beside them:
# one row per data set and term with the coefficient (log hazard ratio), the naive standard
# error (inverse information) and the robust standard error clustered by `cluster`.
#
# Run from the project root:
#     Rscript tests/results/make_cox_survival.R tests/results
library(survival)

args <- commandArgs(trailingOnly = TRUE)
here <- if (length(args) >= 1) args[1] else "."

fit_one <- function(data, formula, name) {
  fit <- coxph(formula, data = data, ties = "efron", cluster = cluster)
  data.frame(
    dataset = name,
    term = names(coef(fit)),
    estimate = unname(coef(fit)),
    std_error_naive = sqrt(diag(fit$naive.var)),
    std_error_robust = sqrt(diag(fit$var)),
    n = fit$n,
    n_events = fit$nevent,
    loglik = fit$loglik[2]
  )
}

demo <- read.csv(file.path(here, "cox_demo_input.csv"), colClasses = c(cluster = "character"))
fields <- c("steering", "work_family", "education", "counselling", "living_environment",
            "seniors_generations")
demo$action_field <- factor(demo$action_field, levels = fields)
ties <- read.csv(file.path(here, "cox_ties_input.csv"))

out <- rbind(
  fit_one(demo, Surv(time, event) ~ action_field, "demo"),
  fit_one(ties, Surv(time, event) ~ x1 + x2, "ties")
)
num <- vapply(out, is.numeric, logical(1))
out[num] <- lapply(out[num], function(v) sprintf("%.15g", v))
write.csv(out, file.path(here, "cox_survival.csv"), row.names = FALSE, quote = FALSE)
