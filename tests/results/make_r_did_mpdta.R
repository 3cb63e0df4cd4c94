# Reference numbers of R `did` on mpdta: ATT(g,t) with analytic standard errors and the four
# aggregations (simple, group, dynamic, calendar), for three scenarios without covariates.
#
# Made with R 4.2.2, did 2.5.1 (DRDID 1.2.3, BMisc 1.4.8); the numbers equal those of did 2.5.0
# that are published with the mpdta data. Run from the repository root:
#   Rscript tests/results/make_r_did_mpdta.R ../shared/data/external/mpdta/mpdta.csv tests/results
# and commit the two CSV files it writes (r_did_mpdta_attgt.csv, r_did_mpdta_aggte.csv;
# write.csv keeps 15 significant digits).
suppressPackageStartupMessages(library(did))
args <- commandArgs(trailingOnly = TRUE)
mpdta <- read.csv(args[1])
out <- args[2]
scenarios <- list(
  mpdta_nev_dr = list(control = "nevertreated", method = "dr"),
  mpdta_nev_ipw = list(control = "nevertreated", method = "ipw"),
  mpdta_nyt_dr = list(control = "notyettreated", method = "dr")
)
cells <- list(); aggs <- list()
for (name in names(scenarios)) {
  s <- scenarios[[name]]
  res <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
                xformla = ~1, data = mpdta, control_group = s$control, est_method = s$method,
                bstrap = FALSE)
  cells[[name]] <- data.frame(scenario = name, group = res$group, t = res$t, att = res$att,
                              se = res$se)
  for (type in c("simple", "group", "dynamic", "calendar")) {
    a <- aggte(res, type = type, bstrap = FALSE)
    if (type == "simple") {
      aggs[[paste(name, type)]] <- data.frame(scenario = name, type = type, egt = NA,
        att_egt = NA, se_egt = NA, overall_att = a$overall.att, overall_se = a$overall.se)
    } else {
      aggs[[paste(name, type)]] <- data.frame(scenario = name, type = type, egt = a$egt,
        att_egt = a$att.egt, se_egt = a$se.egt, overall_att = a$overall.att,
        overall_se = a$overall.se)
    }
  }
}
write.csv(do.call(rbind, cells), file.path(out, "r_did_mpdta_attgt.csv"), row.names = FALSE)
write.csv(do.call(rbind, aggs), file.path(out, "r_did_mpdta_aggte.csv"), row.names = FALSE)
