# Reference numbers of R `did` for repeated cross-sections on a simulated design with known
# truth: 4 periods (2001-2004), cohorts 2002 and 2003 and never-treated units, 1,500 new
# observations per period, a covariate x that shifts the outcome and the cohort shares, and a
# true effect of 1 + (t - g) in every post-treatment cell (0 before onset).
#
# Made with R 4.2, did 2.5.1, DRDID 1.2.3. Run from the repository root:
#   Rscript tests/results/make_r_did_rc_simulated.R tests/results
# and commit the two CSVs it writes (did_rc_simulated.csv: the data; r_did_rc_simulated.csv:
# ATT(g,t) and its analytic standard error for dr, ipw and reg with xformla = ~x).
suppressPackageStartupMessages(library(did))
out <- commandArgs(trailingOnly = TRUE)[1]
set.seed(20261201)
rows <- list()
for (t in 2001:2004) {
  n <- 1500
  x <- rnorm(n)
  p <- cbind(exp(0), exp(0.3 * x), exp(-0.2 * x))
  p <- p / rowSums(p)
  g <- apply(p, 1, function(pr) sample(c(0, 2002, 2003), 1, prob = pr))
  effect <- ifelse(g > 0 & t >= g, 1 + (t - g), 0)
  y <- 1 + 0.5 * (t - 2001) + 0.8 * x + 0.3 * (g == 2002) - 0.2 * (g == 2003) + effect +
    rnorm(n)
  rows[[length(rows) + 1]] <- data.frame(id = seq_len(n) + (t - 2001) * n, year = t,
                                         cohort = g, x = x, y = y)
}
data <- do.call(rbind, rows)
write.csv(data, file.path(out, "did_rc_simulated.csv"), row.names = FALSE)
ref <- list()
for (m in c("dr", "ipw", "reg")) {
  res <- att_gt(yname = "y", tname = "year", idname = "id", gname = "cohort", xformla = ~x,
                data = data, panel = FALSE, est_method = m, bstrap = FALSE, cband = FALSE)
  ref[[m]] <- data.frame(method = m, group = res$group, t = res$t, estimate = res$att,
                         std_error = res$se)
}
write.csv(do.call(rbind, ref), file.path(out, "r_did_rc_simulated.csv"), row.names = FALSE)
