# Reference p-values and confidence intervals of the restricted wild cluster bootstrap (WCR)
# from R fwildclusterboot 0.13.0 (boottest on lm), for tests/test_wild_bootstrap.py.
#
# Run from the repository root (fwildclusterboot on R_LIBS_USER):
#   python tests/results/make_wild_examples.py
#   Rscript tests/results/make_wild_reference.R
#
# Model: y ~ treat + z + unit and year dummies, clustered by state (boottest on a fixest
# model with fe = fails with fixest 0.14 in get_cluster; dummies give the same bootstrap).
# g6: 2^6 = 64 < B, so boottest enumerates all Rademacher sign vectors (deterministic).
# g20: random Rademacher and Webb draws (B = 99999, dqrng seeds below); compare within Monte
# Carlo error. Output: wild_reference.csv with 12 significant digits.

suppressPackageStartupMessages({
    library(fwildclusterboot)
})
here <- "tests/results"
fmt <- function(x) formatC(x, digits = 12, format = "g")
rows <- list()
run <- function(case, param, r, weights, B, seed, type = "two-tailed") {
  dat <<- read.csv(file.path(here, paste0("wild_", case, ".csv")))
  fit <- lm(y ~ treat + z + factor(unit) + factor(year), data = dat)
  dqrng::dqset.seed(seed)
  bt <- boottest(fit, param = param, clustid = "state", B = B, r = r, 
                 type = weights, p_val_type = type, sign_level = 0.05, impose_null = TRUE)
  ci <- if (is.null(bt$conf_int)) c(NA, NA) else bt$conf_int
  rows[[length(rows) + 1]] <<- data.frame(
    case = case, param = param, r = r, weights = weights, p_val_type = type, B = B,
    estimate = fmt(coef(fit)[[param]]), t_stat = fmt(bt$t_stat), p_value = fmt(bt$p_val),
    ci_low = fmt(ci[1]), ci_high = fmt(ci[2]), n_draws = length(bt$t_boot))
  print(rows[[length(rows)]])
}
run("g6", "treat", 0, "rademacher", 9999, 1)
run("g6", "treat", 0.5, "rademacher", 9999, 1)
run("g6", "z", 0, "rademacher", 9999, 1)
run("g6", "treat", 0, "rademacher", 9999, 1, type = "equal-tailed")
run("g20", "treat", 0, "rademacher", 99999, 2)
run("g20", "treat", 0, "webb", 99999, 3)
run("g20", "z", 0.4, "rademacher", 99999, 4)
write.csv(do.call(rbind, rows), file.path(here, "wild_reference.csv"), row.names = FALSE,
          quote = FALSE)
