# Reference numbers for att_gt with covariates on the synthetic demo study: R did.
#
# Made with R 4.2.2, did 2.5.1, DRDID 1.2.3, fastglm 0.0.4 and BMisc 1.4.8 (built from their
# CRAN sources; did's DESCRIPTION asks for DRDID >= 1.3.0, relaxed to 1.1.0, which gives
# identical numbers on mpdta). For seeds 1-20 it reads panel_seed<NN>.csv from the folder given
# as first argument (written by make_attgt_synthetic_panels.py) and runs
#
#   att_gt(yname = "y", tname = "year", idname = "id", gname = "cohort",
#          xformla = ~ log_population + urbanisation, est_method = <dr | ipw>,
#          control_group = <nevertreated | notyettreated>, bstrap = FALSE, cband = FALSE,
#          faster_mode = FALSE)
#
# (faster_mode = TRUE, the default, stops with "Internal error: treated group ... not found in
# cohort_vec" when every unit of a cohort is dropped for a missing year, as for some seeds.)
#
# (balanced panel: units missing in some year are dropped, R's default). It writes every
# ATT(g, t) with its analytic standard error to did_synthetic_covariates.csv in the folder of
# the second argument; cells R cannot estimate (it warns "overlap condition violated" or about a
# singular covariate matrix) have an empty att and se. Run from the project root:
#
#   python tests/results/make_attgt_synthetic_panels.py /tmp/panels
#   Rscript tests/results/make_did_synthetic_covariates.R /tmp/panels tests/results
suppressPackageStartupMessages(library(did))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript make_did_synthetic_covariates.R PANELS OUT")
rows <- list()
for (seed in 1:20) {
  data <- read.csv(file.path(args[1], sprintf("panel_seed%02d.csv", seed)))
  for (method in c("dr", "ipw")) {
    for (cg in c("nevertreated", "notyettreated")) {
      res <- suppressWarnings(att_gt(
        yname = "y", tname = "year", idname = "id", gname = "cohort",
        xformla = ~ log_population + urbanisation, data = data, est_method = method,
        control_group = cg, bstrap = FALSE, cband = FALSE, faster_mode = FALSE
      ))
      rows[[length(rows) + 1]] <- data.frame(
        seed = seed, method = method, control_group = cg, group = res$group, t = res$t,
        att = res$att, se = res$se
      )
    }
  }
}
out <- do.call(rbind, rows)
for (col in c("att", "se")) out[[col]] <- ifelse(is.na(out[[col]]), "", sprintf("%.15g", out[[col]]))
write.csv(out, file.path(args[2], "did_synthetic_covariates.csv"), row.names = FALSE, quote = FALSE)
