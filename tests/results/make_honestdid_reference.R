# Reference confidence sets and breakdown values of the sensitivity analysis
# (Rambachan & Roth 2023) from R HonestDiD 0.2.6, for tests/test_sensitivity_reference.py.
#
# Run from the repository root (R packages did 2.5.x and HonestDiD 0.2.6 on R_LIBS_USER):
#   python tests/results/make_honestdid_inputs.py      # synthetic-study inputs
#   Rscript tests/results/make_honestdid_reference.R inputs [path/to/mpdta.csv]
#   Rscript tests/results/make_honestdid_reference.R sets CASE       # CASE: mpdta, mpdta_e0,
#   Rscript tests/results/make_honestdid_reference.R breakdown CASE  # synthetic (may run at once)
#
# Inputs (written to honestdid_inputs.csv, 17 significant digits, read back by the test):
#   mpdta:      R did att_gt(lemp, never-treated controls, base_period = "universal",
#               no covariates) -> aggte(type = "dynamic"); betahat = att.egt without e = -1,
#               sigma = crossprod(dynamic.inf.func.e) / n^2 (as HonestDiD's honest_did()).
#   mpdta_e0:   the same with the first post-period only (the one-post-period code path).
#   synthetic:  read from honestdid_synthetic_inputs.csv.
# Outputs:
#   honestdid_reference_CASE.csv  case, restriction, method, target, value (Mbar or M), lb, ub
#   honestdid_breakdown_CASE.csv  smallest Mbar / M at which theta = 0 is accepted: bisection
#                                 to 1e-7 (relative to the start value) of the test at theta = 0
#                                 alone (no grid); for the FLCI the root of
#                                 half-length(M) - |centre(M)| (uniroot, tol 1e-9)
#   honestdid_lf_normals.csv the standard normals R draws after set.seed(0); HonestDiD's
#                            least-favourable critical value uses them (rmvnorm, eigen method),
#                            so the test can feed the same draws to the Python code.
# Documented change: HonestDiD computes the folded-normal quantile of the FLCI from 10^6
# simulated draws (.qfoldednormal, simulation error about 1e-3 in the half-length). For the
# reference it is replaced by the exact quantile (root of pnorm(q - mu) - pnorm(-q - mu) = p);
# the column lb_sim / ub_sim keeps HonestDiD's own simulated FLCI for comparison.

suppressPackageStartupMessages({
  library(did)
  library(HonestDiD)
})

args <- commandArgs(trailingOnly = TRUE)
part <- if (length(args) >= 1) args[1] else "inputs"
mpdta_path <- if (part == "inputs" && length(args) >= 2) args[2] else "../shared/data/external/mpdta/mpdta.csv"
only <- if (part != "inputs" && length(args) >= 2) args[2] else NULL
here <- "tests/results"
fmt <- function(x) formatC(x, digits = 12, format = "g")

# -- inputs ------------------------------------------------------------------------------------
if (part == "inputs") {
mpdta <- read.csv(mpdta_path)
gt <- att_gt(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat",
             xformla = ~1, data = mpdta, control_group = "nevertreated",
             base_period = "universal", bstrap = FALSE)
es <- aggte(gt, type = "dynamic", bstrap = FALSE)
inf <- es$inf.function$dynamic.inf.func.e
V <- t(inf) %*% inf / nrow(inf)^2
keep <- es$egt != -1
cases <- list(
  mpdta = list(beta = es$att.egt[keep], sigma = V[keep, keep], rel = es$egt[keep]),
  synthetic = NULL
)
syn <- read.csv(file.path(here, "honestdid_synthetic_inputs.csv"))
ns <- nrow(syn)
cases$synthetic <- list(beta = syn$betahat, sigma = as.matrix(syn[, paste0("s", 1:ns)]),
                        rel = syn$rel_time)
m <- cases$mpdta
pre <- sum(m$rel < 0)
cases$mpdta_e0 <- list(beta = m$beta[1:(pre + 1)], sigma = m$sigma[1:(pre + 1), 1:(pre + 1)],
                       rel = m$rel[1:(pre + 1)])

inputs <- do.call(rbind, lapply(names(cases), function(nm) {
  cs <- cases[[nm]]
  n <- length(cs$beta)
  s <- matrix(NA_real_, n, 7)
  s[, 1:n] <- cs$sigma
  df <- data.frame(case = nm, rel_time = cs$rel, betahat = formatC(cs$beta, digits = 17, format = "g"))
  for (j in 1:7) df[[paste0("s", j)]] <- ifelse(is.na(s[, j]), "", formatC(s[, j], digits = 17, format = "g"))
  df
}))
write.csv(inputs, file.path(here, "honestdid_inputs.csv"), row.names = FALSE, quote = FALSE)

set.seed(0)
normals <- rnorm(1000 * 10)  # enough for up to 10 moments
writeLines(c("z", formatC(normals, digits = 17, format = "g")), file.path(here, "honestdid_lf_normals.csv"))
quit(save = "no")
}

# read the inputs back (as the Python test does)
inp <- read.csv(file.path(here, "honestdid_inputs.csv"))
cases <- list()
for (nm in unique(inp$case)) {
  d <- inp[inp$case == nm, ]
  n <- nrow(d)
  cases[[nm]] <- list(beta = d$betahat, sigma = as.matrix(d[, paste0("s", 1:n)]), rel = d$rel_time)
}
if (!is.null(only)) cases <- cases[only]
tag <- if (is.null(only)) "" else paste0("_", only)

# -- exact folded-normal quantile ------------------------------------------------------------
sim_qfn <- get(".qfoldednormal", envir = asNamespace("HonestDiD"))
exact_qfn <- function(p, mu = 0, sd = 1, numSims = 10^6, seed = 0) {
  sapply(mu, function(mu) {
    mu <- abs(mu)
    uniroot(function(q) pnorm(q - mu) - pnorm(-q - mu) - p, c(0, mu + qnorm(p) + 10),
            tol = 1e-15)$root * sd
  })
}
set_qfn <- function(f) assignInNamespace(".qfoldednormal", f, ns = "HonestDiD")

# -- confidence sets ---------------------------------------------------------------------------
target_vec <- function(name, npost) {
  if (name == "first") basisVector(1, npost) else matrix(rep(1 / npost, npost), ncol = 1)
}
targets <- list(mpdta = c("first", "average"), mpdta_e0 = "first", synthetic = "first")
# breakdown values for the target whose original interval excludes zero
bd_target <- list(mpdta = "average", mpdta_e0 = "first", synthetic = "first")
scale_m <- list(mpdta = c(0, 0.005, 0.01, 0.02), mpdta_e0 = c(0, 0.005, 0.01, 0.02),
                synthetic = c(0, 0.1, 0.2, 0.4))
mbars <- c(0, 0.5, 1, 2)

if (part == "sets") {
rows <- list()
add <- function(...) rows[[length(rows) + 1]] <<- data.frame(...)
for (nm in names(cases)) {
  cs <- cases[[nm]]
  npre <- sum(cs$rel < 0); npost <- sum(cs$rel >= 0)
  for (tn in targets[[nm]]) {
    l <- target_vec(tn, npost)
    for (meth in c("Conditional", "C-LF")) {
      r <- suppressWarnings(createSensitivityResults_relativeMagnitudes(
        betahat = cs$beta, sigma = cs$sigma, numPrePeriods = npre, numPostPeriods = npost,
        l_vec = l, Mbarvec = mbars, method = meth, gridPoints = 1000))
      add(case = nm, restriction = "relative_magnitude", method = meth, target = tn,
          value = r$Mbar, lb = fmt(r$lb), ub = fmt(r$ub), lb_sim = "", ub_sim = "")
      cat(nm, tn, "RM", meth, "done\n")
    }
    for (meth in c("FLCI", "Conditional", "C-LF")) {
      set_qfn(exact_qfn)
      r <- suppressWarnings(createSensitivityResults(
        betahat = cs$beta, sigma = cs$sigma, numPrePeriods = npre, numPostPeriods = npost,
        l_vec = l, Mvec = scale_m[[nm]], method = meth))
      lb_sim <- ""; ub_sim <- ""
      if (meth == "FLCI" && nm == "mpdta" && tn == "first") {  # once: HonestDiD's own FLCI
        set_qfn(sim_qfn)
        rs <- createSensitivityResults(
          betahat = cs$beta, sigma = cs$sigma, numPrePeriods = npre, numPostPeriods = npost,
          l_vec = l, Mvec = scale_m[[nm]], method = meth)
        lb_sim <- fmt(rs$lb); ub_sim <- fmt(rs$ub)
        set_qfn(exact_qfn)
      }
      add(case = nm, restriction = "smoothness", method = meth, target = tn,
          value = r$M, lb = fmt(r$lb), ub = fmt(r$ub), lb_sim = lb_sim, ub_sim = ub_sim)
      cat(nm, tn, "SD", meth, "done\n")
    }
  }
}
write.csv(do.call(rbind, rows), file.path(here, paste0("honestdid_reference", tag, ".csv")),
          row.names = FALSE, quote = FALSE)
quit(save = "no")
}

# -- breakdown values ----------------------------------------------------------------------
zero_in <- function(cs, restriction, meth, value) {
  npre <- sum(cs$rel < 0); npost <- sum(cs$rel >= 0)
  l <- target_vec(cs$target, npost)
  if (restriction == "smoothness" && meth == "FLCI") {
    f <- findOptimalFLCI(betahat = cs$beta, sigma = cs$sigma, M = value, numPrePeriods = npre,
                         numPostPeriods = npost, l_vec = l)
    return(f$FLCI[1] <= 0 && 0 <= f$FLCI[2])
  }
  flag <- if (meth == "C-LF") "LF" else "ARP"
  r <- suppressWarnings(if (restriction == "relative_magnitude") {
    computeConditionalCS_DeltaRM(betahat = cs$beta, sigma = cs$sigma, numPrePeriods = npre,
                                 numPostPeriods = npost, l_vec = l, Mbar = value,
                                 hybrid_flag = flag, gridPoints = 1, grid.lb = 0, grid.ub = 0)
  } else {
    computeConditionalCS_DeltaSD(betahat = cs$beta, sigma = cs$sigma, numPrePeriods = npre,
                                 numPostPeriods = npost, l_vec = l, M = value,
                                 hybrid_flag = flag, gridPoints = 1, grid.lb = 0, grid.ub = 0)
  })
  r$accept[1] == 1
}
breakdown <- function(cs, restriction, meth, start) {
  if (zero_in(cs, restriction, meth, 0)) return(0)
  if (restriction == "smoothness" && meth == "FLCI") {
    npre <- sum(cs$rel < 0); npost <- sum(cs$rel >= 0)
    gap <- function(M) {
      f <- findOptimalFLCI(betahat = cs$beta, sigma = cs$sigma, M = M, numPrePeriods = npre,
                           numPostPeriods = npost, l_vec = target_vec(cs$target, npost))
      f$optimalHalfLength - abs(sum(f$optimalVec * cs$beta))
    }
    hi <- start
    while (gap(hi) < 0) hi <- 2 * hi
    return(uniroot(gap, c(0, hi), tol = 1e-9 * start)$root)
  }
  lo <- 0; hi <- start
  while (!zero_in(cs, restriction, meth, hi)) { lo <- hi; hi <- 2 * hi }
  while (hi - lo > 1e-7 * start) {
    mid <- (lo + hi) / 2
    if (zero_in(cs, restriction, meth, mid)) hi <- mid else lo <- mid
  }
  (lo + hi) / 2
}
set_qfn(exact_qfn)
brows <- list()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  cs$target <- bd_target[[nm]]
  for (spec in list(c("relative_magnitude", "Conditional"), c("relative_magnitude", "C-LF"),
                    c("smoothness", "FLCI"), c("smoothness", "Conditional"))) {
    start <- if (spec[1] == "relative_magnitude") 1 else sqrt(cs$sigma[1, 1])
    b <- breakdown(cs, spec[1], spec[2], start)
    brows[[length(brows) + 1]] <- data.frame(case = nm, target = cs$target, restriction = spec[1],
                                             method = spec[2], breakdown = fmt(b))
    cat(nm, spec, b, "\n")
  }
}
write.csv(do.call(rbind, brows), file.path(here, paste0("honestdid_breakdown", tag, ".csv")),
          row.names = FALSE, quote = FALSE)
