# Reference numbers for att_gt(method = "dr" | "ipw") when the propensity score is
# (quasi-)separated: R did.
#
# Made with R 4.2.2, did 2.5.1, DRDID 1.2.3, fastglm 0.0.4 and BMisc 1.4.8 (see
# make_did_synthetic_covariates.R). Reads attgt_separation_input.csv (written by
# make_attgt_separation_inputs.py) from the folder given as argument and writes
# did_separation.csv beside it: ATT(g, t) and analytic standard error of
#   att_gt(yname = "y", tname = "period", idname = "id", gname = "cohort", xformla = ~ b + x,
#          est_method = <dr | ipw>, control_group = <nevertreated | notyettreated>,
#          bstrap = FALSE, cband = FALSE, faster_mode = FALSE)
# for each scenario; cells R reports as missing ("overlap condition violated") have an empty
# att and se. Run from the project root:
#   Rscript tests/results/make_did_separation.R tests/results
suppressPackageStartupMessages(library(did))

args <- commandArgs(trailingOnly = TRUE)
here <- if (length(args) >= 1) args[1] else "."
input <- read.csv(file.path(here, "attgt_separation_input.csv"))
rows <- list()
for (sc in unique(input$scenario)) {
  data <- input[input$scenario == sc, ]
  for (method in c("dr", "ipw")) {
    for (cg in c("nevertreated", "notyettreated")) {
      res <- suppressWarnings(att_gt(
        yname = "y", tname = "period", idname = "id", gname = "cohort", xformla = ~ b + x,
        data = data, est_method = method, control_group = cg, bstrap = FALSE, cband = FALSE,
        faster_mode = FALSE
      ))
      rows[[length(rows) + 1]] <- data.frame(
        scenario = sc, method = method, control_group = cg, group = res$group, t = res$t,
        att = res$att, se = res$se
      )
    }
  }
}
out <- do.call(rbind, rows)
for (col in c("att", "se")) out[[col]] <- ifelse(is.na(out[[col]]), "", sprintf("%.15g", out[[col]]))
write.csv(out, file.path(here, "did_separation.csv"), row.names = FALSE, quote = FALSE)
