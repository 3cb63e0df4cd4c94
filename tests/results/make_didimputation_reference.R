# Reference values of the imputation estimator (Borusyak, Jaravel & Spiess) from R
# didimputation, for tests/test_imputation_reference.py.
#
# Made with R 4.2.2, didimputation 0.5.0, fixest 0.14.2, data.table 1.14.8.
# Run from the project root (the arguments are the three input files):
#
#   Rscript tests/results/make_didimputation_reference.R \
#     ../shared/data/external/mpdta/mpdta.csv \
#     tests/results/did2s_df_het.csv.gz \
#     tests/results/didimputation_sim.csv
#
# did2s_df_het.csv.gz is written by make_did2s_reference.R (the df_het example data of R
# did2s); didimputation_sim.csv by make_didimputation_sim.py.
#
# Output: tests/results/didimputation_reference.csv with one row per dataset, specification
# and term: estimate and std_error as didimputation reports them (13 significant digits).
# Specifications: "static"; "horizons" (event-study weights); "pretrends" (the pre-trend
# coefficients of did_imputation(pretrends=)); "pretest" (fixest::wald on the same pre-trend
# regression: terms F, df1, df2, p in the estimate column).

suppressPackageStartupMessages({
  library(didimputation)
  library(fixest)
  library(data.table)
})

# fixest's default convergence tolerance of the fixed effects (1e-6) leaves errors of about
# 1e-8 in the imputed outcomes; the references are computed to near machine precision
setFixest_estimation(fixef.tol = 1e-11, fixef.iter = 1e6)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 3) stop("usage: make_didimputation_reference.R mpdta.csv df_het.csv.gz sim.csv")
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)))
out_file <- file.path(script_dir, "didimputation_reference.csv")

mpdta <- fread(args[1])
setnames(mpdta, "first.treat", "first_treat")
df_het <- as.data.table(read.csv(gzfile(args[2])))
sim <- fread(args[3])

rows <- list()
add <- function(dataset, spec, res) {
  rows[[length(rows) + 1]] <<- data.table(
    dataset = dataset, spec = spec, term = as.character(res$term),
    estimate = res$estimate, std_error = res$std.error
  )
}

# the pre-trend regression of did_imputation (same formula and sample), for fixest::wald
pretest <- function(dataset, data, yname, gname, tname, idname, first_stage, pretrends,
                    wname = NULL, cluster_var = idname) {
  d <- copy(data)
  d[, et := ifelse(get(gname) == 0, -Inf, get(tname) - get(gname))]
  d <- d[!(get(gname) > 0 & get(tname) >= get(gname))]
  keep <- if (isTRUE(pretrends)) "" else
    paste0(", keep = c(", paste(pretrends, collapse = ", "), ")")
  fml <- as.formula(paste0(yname, " ~ i(et", keep, ") + ", first_stage))
  w <- if (is.null(wname)) NULL else as.formula(paste0("~", wname))
  est <- feols(fml, d, cluster = cluster_var, weights = w, warn = FALSE, notes = FALSE,
               fixef.rm = "none")
  wt <- wald(est, keep = "^et::", print = FALSE)
  rows[[length(rows) + 1]] <<- data.table(
    dataset = dataset, spec = "pretest", term = c("F", "df1", "df2", "p"),
    estimate = c(wt$stat, wt$df1, wt$df2, wt$p), std_error = NA_real_
  )
}

run <- function(dataset, data, yname, gname, tname, idname, first_stage = NULL,
                horizon = TRUE, pretrends = TRUE, wname = NULL, cluster_var = NULL,
                suffix = "") {
  args <- list(data = data, yname = yname, gname = gname, tname = tname, idname = idname,
               first_stage = first_stage, wname = wname, cluster_var = cluster_var)
  add(dataset, paste0("static", suffix), do.call(did_imputation, args))
  add(dataset, paste0("horizons", suffix), do.call(did_imputation, c(args, list(horizon = horizon))))
  if (!is.null(pretrends)) {
    pre <- do.call(did_imputation, c(args, list(pretrends = pretrends)))
    pre <- pre[!(pre$term %in% "treat"), ]
    add(dataset, paste0("pretrends", suffix), pre)
    fs <- if (is.null(first_stage)) paste0("0 | ", idname, " + ", tname) else
      as.character(first_stage)[[2]]
    cl <- if (is.null(cluster_var)) idname else cluster_var
    pretest(dataset, data, yname, gname, tname, idname, fs, pretrends, wname, cl)
    rows[[length(rows)]]$spec <<- paste0("pretest", suffix)
  }
}

# mpdta: county employment, cohorts 2004, 2006, 2007 and never treated
run("mpdta", mpdta, "lemp", "first_treat", "year", "countyreal")
run("mpdta", mpdta, "lemp", "first_treat", "year", "countyreal",
    pretrends = c(-3, -2, -1), suffix = "_pre3")

# did2s' df_het: heterogeneous effects, cohorts 2000 and 2010, clustered by state
run("df_het", df_het, "dep_var", "g", "year", "unit", cluster_var = "state",
    pretrends = -5:-1)

# simulated panel with known effects: unbalanced, time-varying covariate, units treated
# from the first year (left out), clustered by state, and weighted
run("sim", sim, "y", "cohort", "year", "unit", first_stage = ~ x | unit + year,
    horizon = 0:7, pretrends = c(-3, -2, -1), cluster_var = "state")
run("sim", sim, "y", "cohort", "year", "unit", first_stage = ~ x | unit + year,
    horizon = 0:7, pretrends = NULL, wname = "w", suffix = "_weighted")

out <- rbindlist(rows)
out[, estimate := signif(estimate, 13)]
out[, std_error := signif(std_error, 13)]
fwrite(out, out_file)
cat("wrote", out_file, ":", nrow(out), "rows\n")
