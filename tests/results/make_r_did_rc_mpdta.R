# Reference numbers of R `did` for repeated cross-sections: mpdta treated as repeated
# cross-sections (att_gt(..., panel = FALSE), each row its own observation), ATT(g,t) with
# analytic standard errors (bstrap = FALSE) for the DRDID estimators drdid_rc ("dr"),
# std_ipw_did_rc ("ipw") and reg_did_rc ("reg"), without and with the covariate lpop, and
# the simple and dynamic aggregations.
#
# Made with R 4.2, did 2.5.1, DRDID 1.2.3. Run from the repository root:
#   Rscript tests/results/make_r_did_rc_mpdta.R ../shared/data/external/mpdta/mpdta.csv tests/results
# and commit the CSVs it writes (r_did_rc_mpdta.csv, and r_did_rc_mpdta_weights.csv with
# survey weights w = 1 + (countyreal mod 3) / 2; 15 significant digits).
suppressPackageStartupMessages(library(did))
args <- commandArgs(trailingOnly = TRUE)
mpdta <- read.csv(args[1])
out <- args[2]
scenarios <- expand.grid(method = c("dr", "ipw", "reg"), covariates = c("none", "lpop"),
                         control = c("nevertreated", "notyettreated"),
                         stringsAsFactors = FALSE)
rows <- list()
for (i in seq_len(nrow(scenarios))) {
  s <- scenarios[i, ]
  f <- if (s$covariates == "none") ~1 else ~lpop
  res <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
                xformla = f, data = mpdta, panel = FALSE, control_group = s$control,
                est_method = s$method, bstrap = FALSE, cband = FALSE)
  key <- data.frame(method = s$method, covariates = s$covariates, control = s$control)
  rows[[length(rows) + 1]] <- cbind(key, kind = "attgt", group = res$group, t = res$t,
                                    estimate = res$att, std_error = res$se)
  simple <- aggte(res, type = "simple", bstrap = FALSE, cband = FALSE)
  rows[[length(rows) + 1]] <- cbind(key, kind = "simple", group = NA, t = NA,
                                    estimate = simple$overall.att, std_error = simple$overall.se)
  dyn <- aggte(res, type = "dynamic", bstrap = FALSE, cband = FALSE)
  rows[[length(rows) + 1]] <- cbind(key, kind = "dynamic", group = NA, t = dyn$egt,
                                    estimate = dyn$att.egt, std_error = dyn$se.egt)
  rows[[length(rows) + 1]] <- cbind(key, kind = "dynamic_overall", group = NA, t = NA,
                                    estimate = dyn$overall.att, std_error = dyn$overall.se)
}
tab <- do.call(rbind, rows)
write.csv(tab, file.path(out, "r_did_rc_mpdta.csv"), row.names = FALSE)

# survey weights (a made-up design weight, the same in the test): the three methods with lpop
mpdta$w <- 1 + (mpdta$countyreal %% 3) / 2
rows <- list()
for (m in c("dr", "ipw", "reg")) {
  res <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
                xformla = ~lpop, data = mpdta, panel = FALSE, control_group = "nevertreated",
                est_method = m, weightsname = "w", bstrap = FALSE, cband = FALSE)
  rows[[length(rows) + 1]] <- data.frame(method = m, kind = "attgt", group = res$group,
                                         t = res$t, estimate = res$att, std_error = res$se)
  simple <- aggte(res, type = "simple", bstrap = FALSE, cband = FALSE)
  rows[[length(rows) + 1]] <- data.frame(method = m, kind = "simple", group = NA, t = NA,
                                         estimate = simple$overall.att,
                                         std_error = simple$overall.se)
}
write.csv(do.call(rbind, rows), file.path(out, "r_did_rc_mpdta_weights.csv"), row.names = FALSE)
