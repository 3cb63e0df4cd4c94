# Reference values of Gardner's two-stage DiD from R did2s (GMM-corrected standard errors),
# for tests/test_two_stage_reference.py; also writes did2s_df_het.csv.gz, the df_het example
# data of did2s (MIT licence, copyright the did2s authors; see did2s_df_het_LICENSE.txt).
#
# Made with R 4.2.2, did2s 1.2.1, fixest 0.14.2, data.table 1.14.8.
# Run from the project root (the arguments are the input files):
#
#   Rscript tests/results/make_did2s_reference.R \
#     ../shared/data/external/mpdta/mpdta.csv \
#     tests/results/didimputation_sim.csv
#
# Output: tests/results/did2s_reference.csv with one row per dataset, specification and term
# (estimate and std_error, 13 significant digits). Specifications: "static" (second stage
# ~ treat), "event" (~ i(rel_year, ref = c(-1, Inf)), leads and lags), suffix "_weighted"
# with weights. The estimates use the CSV files as read back, so Python sees the same data.

suppressPackageStartupMessages({
  library(did2s)
  library(fixest)
  library(data.table)
})

# fixest's default convergence tolerance of the fixed effects (1e-6) leaves errors of about
# 1e-8 in the residualised outcomes; the references are computed to near machine precision
setFixest_estimation(fixef.tol = 1e-11, fixef.iter = 1e6)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: make_did2s_reference.R mpdta.csv sim.csv")
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
out_file <- file.path(script_dir, "did2s_reference.csv")
het_file <- file.path(script_dir, "did2s_df_het.csv.gz")

# df_het: the columns the tests use, 15 significant digits
data("df_het", package = "did2s")
het <- as.data.table(df_het)[, .(unit, state, g = as.integer(g), year,
                                 dep_var = signif(dep_var, 15))]
fwrite(het, het_file, compress = "gzip")
het <- as.data.table(read.csv(gzfile(het_file)))

mpdta <- fread(args[1])
setnames(mpdta, "first.treat", "first_treat")
sim <- fread(args[2])

rows <- list()
run <- function(dataset, data, yname, gname, tname, idname, covariates = NULL,
                cluster_var = idname, weights = NULL, suffix = "") {
  d <- copy(as.data.frame(data))
  d$treat <- as.integer(d[[gname]] > 0 & d[[tname]] >= d[[gname]])
  d$rel_year <- ifelse(d[[gname]] > 0, d[[tname]] - d[[gname]], Inf)
  fs <- as.formula(paste0("~ ", if (is.null(covariates)) "0" else
    paste(covariates, collapse = " + "), " | ", idname, " + ", tname))
  specs <- list(static = ~ treat, event = ~ i(rel_year, ref = c(-1, Inf)))
  for (s in names(specs)) {
    est <- did2s(d, yname = yname, first_stage = fs, second_stage = specs[[s]],
                 treatment = "treat", cluster_var = cluster_var, weights = weights,
                 verbose = FALSE)
    ct <- coeftable(est)
    term <- sub("^rel_year::", "", rownames(ct))
    term[term == "treat"] <- "treat"
    rows[[length(rows) + 1]] <<- data.table(
      dataset = dataset, spec = paste0(s, suffix), term = term,
      estimate = unname(ct[, 1]), std_error = unname(ct[, 2])
    )
  }
}

run("mpdta", mpdta, "lemp", "first_treat", "year", "countyreal")
run("df_het", het, "dep_var", "g", "year", "unit", cluster_var = "state")
run("sim", sim, "y", "cohort", "year", "unit", covariates = "x", cluster_var = "state")
run("sim", sim, "y", "cohort", "year", "unit", covariates = "x", weights = "w",
    suffix = "_weighted")

out <- rbindlist(rows)
out[, estimate := signif(estimate, 13)]
out[, std_error := signif(std_error, 13)]
fwrite(out, out_file)
cat("wrote", out_file, ":", nrow(out), "rows\n")
