# Covariances of the aggregations of group-time effects from R did's influence functions, for
# tests/test_staggered_inference.py.
#
# Run from the repository root (R package did 2.5.x on R_LIBS_USER; 2.5.1 built from its
# CRAN source made the stored numbers):
#   Rscript tests/results/make_r_did_vcov.R [path/to/mpdta.csv]
#
# mpdta (lemp, never-treated controls, doubly robust, no covariates, varying base period):
#   gt <- att_gt(..., bstrap = FALSE); a <- aggte(gt, type, bstrap = FALSE)
#   levels:  V = crossprod(IF) / n^2 with IF = a$inf.function$<type>.inf.func.<g|e|t>
#            (for "simple" the one column a$inf.function$simple.att)
#   overall: var = sum(IF_o^2) / n^2 with IF_o the overall influence function
#            (selective.inf.func, dynamic.inf.func, calendar.inf.func; simple.att)
# Written to r_did_mpdta_vcov.csv: type, row, col ("overall" for the overall effect), value,
# with 12 significant digits.

suppressPackageStartupMessages(library(did))

args <- commandArgs(trailingOnly = TRUE)
path <- if (length(args) >= 1) args[1] else "../shared/data/external/mpdta/mpdta.csv"
mpdta <- read.csv(path)
gt <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
             xformla = ~1, data = mpdta, control_group = "nevertreated", est_method = "dr",
             base_period = "varying", bstrap = FALSE)
fmt <- function(x) formatC(x, digits = 12, format = "g")
rows <- list()
add <- function(type, labels, inf, inf_o) {
  n <- nrow(inf)
  v <- crossprod(inf) / n^2
  for (i in seq_along(labels)) for (j in seq_along(labels)) {
    rows[[length(rows) + 1]] <<- data.frame(type = type, row = labels[i], col = labels[j],
                                             value = fmt(v[i, j]))
  }
  rows[[length(rows) + 1]] <<- data.frame(type = type, row = "overall", col = "overall",
                                           value = fmt(sum(inf_o^2) / n^2))
}
a <- aggte(gt, type = "simple", bstrap = FALSE)
add("simple", "ATT", as.matrix(a$inf.function$simple.att), a$inf.function$simple.att)
a <- aggte(gt, type = "group", bstrap = FALSE)
add("group", a$egt, a$inf.function$selective.inf.func.g, a$inf.function$selective.inf.func)
a <- aggte(gt, type = "dynamic", bstrap = FALSE)
add("dynamic", a$egt, a$inf.function$dynamic.inf.func.e, a$inf.function$dynamic.inf.func)
a <- aggte(gt, type = "calendar", bstrap = FALSE)
add("calendar", a$egt, a$inf.function$calendar.inf.func.t, a$inf.function$calendar.inf.func)
out <- do.call(rbind, rows)
write.csv(out, "tests/results/r_did_mpdta_vcov.csv", row.names = FALSE, quote = FALSE)
cat("R did", as.character(packageVersion("did")), ":", nrow(out), "rows\n")
