# Reference numbers of R synthdid 0.0.9 (github.com/synth-inference/synthdid, commit 70c1ce3)
# for tests/test_synthetic_did*.py. Run from the project root with synthdid installed:
#
#     Rscript tests/results/make_synthdid_reference.R
#
# Writes, with 12 significant digits:
#   california_prop99.csv      the Proposition 99 panel shipped with synthdid (see
#                              california_prop99.md for its source)
#   synthdid_reference.csv     scenario, estimator, quantity, key, value: estimates, unit and
#                              time weights, effect curves, standard errors, every placebo
#                              estimate with one control as the treated unit
#   synthdid_draws.csv         scenario, estimator, method, draw, units, estimate: R's own
#                              placebo and bootstrap draws (set.seed as below) with the units of
#                              each draw, so that the same draws can be fed to the Python code
#
# Scenarios: "prop99" (California, 38 control states, 1970-2000, onset 1989); "sim_block"
# (synth_simulated_panel.csv, outcome y, controls and the 2011 cohort); "sim_staggered" (all
# units, cohorts 2011 and 2014: one synthdid estimate per cohort with the never-treated units,
# aggregated with weights N_a T_a as in Clarke et al. 2023; its jackknife, placebo and bootstrap
# draws computed here from synthdid's estimator with the same rules as the Python code).
suppressMessages(library(synthdid))
here <- file.path("tests", "results")
g12 <- function(x) trimws(formatC(x, digits = 12, format = "g"))

ref <- list()
add <- function(scenario, estimator, quantity, key, value) {
  ref[[length(ref) + 1]] <<- data.frame(
    scenario = scenario, estimator = estimator, quantity = quantity,
    key = as.character(key), value = g12(as.numeric(value)), stringsAsFactors = FALSE
  )
}
draws <- list()
add_draw <- function(scenario, estimator, method, draw, units, estimate) {
  draws[[length(draws) + 1]] <<- data.frame(
    scenario = scenario, estimator = estimator, method = method, draw = draw,
    units = paste(units, collapse = ";"), estimate = g12(estimate), stringsAsFactors = FALSE
  )
}
estimators <- list(sdid = synthdid_estimate, sc = sc_estimate, did = did_estimate)

# the estimate for a subset of rows with the original weights as start (as R's placebo and
# bootstrap do) or fixed (as R's jackknife does)
# rows: rows of the estimate's Y in the new order (controls first); n0: how many are controls
refit <- function(est, rows, n0, fixed = FALSE) {
  setup <- attr(est, "setup")
  opts <- attr(est, "opts")
  w <- attr(est, "weights")
  if (fixed) opts$update.omega <- opts$update.lambda <- FALSE
  w$omega <- synthdid:::sum_normalize(w$omega[rows[seq_len(n0)]])
  do.call(synthdid_estimate, c(list(
    Y = setup$Y[rows, ], N0 = n0, T0 = setup$T0, X = setup$X[rows, , ], weights = w
  ), opts))
}
record <- function(scenario, name, est) {
  setup <- attr(est, "setup")
  w <- attr(est, "weights")
  add(scenario, name, "estimate", "tau", c(est))
  units <- rownames(setup$Y)
  for (i in seq_len(setup$N0)) add(scenario, name, "omega", units[i], w$omega[i])
  years <- colnames(setup$Y)
  for (t in seq_len(setup$T0)) add(scenario, name, "lambda", years[t], w$lambda[t])
  curve <- synthdid_effect_curve(est)
  for (k in seq_along(curve)) add(scenario, name, "curve", years[setup$T0 + k], curve[k])
}

# -------------------------------------------------------------------------------------------
# California Proposition 99
# -------------------------------------------------------------------------------------------
data(california_prop99)
write.csv(california_prop99, file.path(here, "california_prop99.csv"), row.names = FALSE)
setup <- panel.matrices(california_prop99)
units <- rownames(setup$Y)
B_PROP99 <- 100
for (name in names(estimators)) {
  est <- estimators[[name]](setup$Y, setup$N0, setup$T0)
  record("prop99", name, est)
  # every control state once as the (placebo) treated unit, the others as controls
  for (j in seq_len(setup$N0)) {
    rows <- c(setdiff(seq_len(setup$N0), j), j)
    add("prop99", name, "placebo_each", units[j], c(refit(est, rows, setup$N0 - 1)))
  }
  # R's placebo standard error and its draws (vcov draws sample(1:N0) per replication)
  set.seed(1)
  se <- sqrt(vcov(est, method = "placebo", replications = B_PROP99))
  set.seed(1)
  perms <- replicate(B_PROP99, sample(1:setup$N0))
  vals <- apply(perms, 2, function(p) c(refit(est, p, setup$N0 - 1)))
  stopifnot(isTRUE(all.equal(c(se), sqrt((B_PROP99 - 1) / B_PROP99) * sd(vals), tolerance = 1e-12)))
  add("prop99", name, "se", "placebo_seed1", se)
  for (b in seq_len(B_PROP99)) {
    add_draw("prop99", name, "placebo", b, units[perms[, b]], vals[b])
  }
}

# -------------------------------------------------------------------------------------------
# simulated panel: one cohort (block design)
# -------------------------------------------------------------------------------------------
sim <- read.csv(file.path(here, "synth_simulated_panel.csv"), stringsAsFactors = FALSE)
block <- sim[sim$cohort %in% c(0, 2011), ]
block$treated <- as.integer(block$cohort == 2011 & block$year >= 2011)
setup <- panel.matrices(block, unit = "unit", time = "year", outcome = "y", treatment = "treated")
units <- rownames(setup$Y)
N <- nrow(setup$Y)
B_SIM <- 50
for (name in names(estimators)) {
  est <- estimators[[name]](setup$Y, setup$N0, setup$T0)
  record("sim_block", name, est)
  add("sim_block", name, "se", "jackknife", sqrt(vcov(est, method = "jackknife")))
  set.seed(2)
  se <- sqrt(vcov(est, method = "placebo", replications = B_SIM))
  set.seed(2)
  perms <- replicate(B_SIM, sample(1:setup$N0))
  n1 <- N - setup$N0
  vals <- apply(perms, 2, function(p) c(refit(est, p, setup$N0 - n1)))
  stopifnot(isTRUE(all.equal(c(se), sqrt((B_SIM - 1) / B_SIM) * sd(vals), tolerance = 1e-12)))
  add("sim_block", name, "se", "placebo_seed2", se)
  for (b in seq_len(B_SIM)) add_draw("sim_block", name, "placebo", b, units[perms[, b]], vals[b])
  set.seed(3)
  se <- sqrt(vcov(est, method = "bootstrap", replications = B_SIM))
  set.seed(3)
  vals <- c()
  while (length(vals) < B_SIM) {
    ind <- sample(1:N, replace = TRUE)
    if (all(ind <= setup$N0) || all(ind > setup$N0)) next
    rows <- sort(ind)
    vals <- c(vals, c(refit(est, rows, sum(ind <= setup$N0))))
    add_draw("sim_block", name, "bootstrap", length(vals), units[rows], vals[length(vals)])
  }
  stopifnot(isTRUE(all.equal(c(se), sqrt((B_SIM - 1) / B_SIM) * sd(vals), tolerance = 1e-12)))
  add("sim_block", name, "se", "bootstrap_seed3", se)
}

# -------------------------------------------------------------------------------------------
# simulated panel: staggered adoption, cohort by cohort (Clarke et al. 2023)
# -------------------------------------------------------------------------------------------
sim$treated <- as.integer(sim$cohort > 0 & sim$year >= sim$cohort)
Y_all <- with(sim, tapply(y, list(unit, year), identity))
controls <- sort(unique(sim$unit[sim$cohort == 0]))
cohorts <- sort(unique(sim$cohort[sim$cohort > 0]))
members <- lapply(cohorts, function(a) sort(unique(sim$unit[sim$cohort == a])))
years <- as.integer(colnames(Y_all))
order_all <- c(controls, unlist(members)) # controls, then each cohort's treated units
n0 <- length(controls)
fits <- list()
for (k in seq_along(cohorts)) {
  Yk <- Y_all[c(controls, members[[k]]), ]
  fits[[k]] <- synthdid_estimate(Yk, n0, sum(years < cohorts[k]))
}
t1 <- sapply(cohorts, function(a) sum(years >= a))
aggregate_att <- function(taus, ns) sum(taus * ns * t1) / sum(ns * t1)
aggregate_curves <- function(curves, ns) {
  out <- rep(0, max(t1))
  wt <- rep(0, max(t1))
  for (k in seq_along(curves)) {
    if (is.na(ns[k]) || ns[k] == 0) next
    out[seq_along(curves[[k]])] <- out[seq_along(curves[[k]])] + ns[k] * curves[[k]]
    wt[seq_along(curves[[k]])] <- wt[seq_along(curves[[k]])] + ns[k]
  }
  out / wt
}
ns <- sapply(members, length)
taus <- sapply(fits, c)
curves <- lapply(fits, synthdid_effect_curve)
for (k in seq_along(cohorts)) {
  add("sim_staggered", "sdid", "cohort_estimate", cohorts[k], taus[k])
  w <- attr(fits[[k]], "weights")
  for (i in seq_len(n0)) add("sim_staggered", "sdid", paste0("omega_", cohorts[k]), controls[i], w$omega[i])
}
add("sim_staggered", "sdid", "estimate", "att", aggregate_att(taus, ns))
ev <- aggregate_curves(curves, ns)
for (e in seq_along(ev)) add("sim_staggered", "sdid", "event", e - 1, ev[e])
# jackknife: leave out each unit, weights of every cohort fixed
u <- sapply(order_all, function(drop) {
  tk <- sapply(seq_along(cohorts), function(k) {
    rows <- which(c(controls, members[[k]]) != drop)
    c(refit(fits[[k]], rows, sum(controls != drop), fixed = TRUE))
  })
  nk <- sapply(members, function(m) length(setdiff(m, drop)))
  aggregate_att(tk, nk)
})
n <- length(u)
add("sim_staggered", "sdid", "se", "jackknife", sqrt((n - 1) / n * sum((u - mean(u))^2)))
# placebo: random never-treated units receive the treated units' cohorts
set.seed(4)
B_STAG <- 30
n_tr <- sum(ns)
for (b in seq_len(B_STAG)) {
  perm <- sample(1:n0)
  ctrl <- perm[1:(n0 - n_tr)]
  fake <- perm[(n0 - n_tr + 1):n0]
  start <- 0
  tk <- c()
  for (k in seq_along(cohorts)) {
    pseudo <- fake[start + seq_len(ns[k])]
    start <- start + ns[k]
    est <- fits[[k]]
    opts <- attr(est, "opts")
    w <- attr(est, "weights")
    w$omega <- synthdid:::sum_normalize(w$omega[ctrl])
    Yk <- Y_all[controls[c(ctrl, pseudo)], ]
    tk <- c(tk, c(do.call(synthdid_estimate, c(list(
      Y = Yk, N0 = length(ctrl), T0 = attr(est, "setup")$T0, weights = w
    ), opts))))
  }
  add_draw("sim_staggered", "sdid", "placebo", b, controls[perm], aggregate_att(tk, ns))
}
# bootstrap: units resampled; cohorts absent from a draw drop out of its average
set.seed(5)
count <- 0
N <- length(order_all)
while (count < B_STAG) {
  ind <- sort(sample(1:N, replace = TRUE))
  if (all(ind <= n0) || all(ind > n0)) next
  count <- count + 1
  ctrl <- ind[ind <= n0]
  tk <- rep(NA, length(cohorts))
  nk <- rep(0, length(cohorts))
  offset <- n0
  for (k in seq_along(cohorts)) {
    mine <- ind[ind > offset & ind <= offset + ns[k]]
    offset <- offset + ns[k]
    nk[k] <- length(mine)
    if (length(mine) == 0) next
    est <- fits[[k]]
    opts <- attr(est, "opts")
    w <- attr(est, "weights")
    w$omega <- synthdid:::sum_normalize(w$omega[ctrl])
    Yk <- Y_all[order_all[c(ctrl, mine)], ]
    tk[k] <- c(do.call(synthdid_estimate, c(list(
      Y = Yk, N0 = length(ctrl), T0 = attr(est, "setup")$T0, weights = w
    ), opts)))
  }
  keep <- nk > 0
  att <- sum(tk[keep] * nk[keep] * t1[keep]) / sum(nk[keep] * t1[keep])
  add_draw("sim_staggered", "sdid", "bootstrap", count, order_all[ind], att)
}

write.csv(do.call(rbind, ref), file.path(here, "synthdid_reference.csv"), row.names = FALSE,
          quote = TRUE)
write.csv(do.call(rbind, draws), file.path(here, "synthdid_draws.csv"), row.names = FALSE,
          quote = TRUE)
cat("synthdid", as.character(packageVersion("synthdid")), "on", R.version.string, "\n")
