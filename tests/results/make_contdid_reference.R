# Reference values for evaluation.continuous_did (tests/test_continuous_did.py) from R contdid 0.1.0
# (with ptetools 1.0.2, splines2). Run from this folder: Rscript make_contdid_reference.R
# Writes the simulated panels (contdid_panel_*.csv) and contdid_reference.csv.
#
# contdid evaluates ATT(d) and ACRT(d) on a spline basis whose boundary knots are the range of the
# dose grid, while each cell's regression uses the range of that cohort's doses; the two agree
# only when they coincide. The panel below therefore gives every cohort units at both ends of the
# dose range (0.02 and 0.98) and the grid runs from 0.02 to 0.98. Standard errors here are the
# analytic ones from contdid's influence functions, sqrt(sum(IF^2)) / n (contdid itself reports
# bootstrap standard errors).
suppressPackageStartupMessages({library(contdid); library(sandwich)})
stopifnot(as.character(packageVersion("contdid")) == "0.1.0")

sim <- function(n, T, groups, seed) {
  set.seed(seed)
  G <- sample(groups, n, replace = TRUE)
  D <- 0.02 + 0.96 * runif(n)
  for (g in setdiff(unique(G), 0)) {
    idx <- which(G == g)
    D[idx[1]] <- 0.02
    D[idx[2]] <- 0.98
  }
  D[G == 0] <- 0
  eta <- rnorm(n, mean = G / 2)
  df <- expand.grid(id = 1:n, time_period = 1:T)
  df$G <- G[df$id]
  df$D <- D[df$id]
  post <- df$G > 0 & df$time_period >= df$G
  df$Y <- eta[df$id] + df$time_period + post * (1 + 2 * df$D - 1.5 * df$D^2) +
    0.5 * post * (df$time_period - df$G) * df$D + rnorm(nrow(df))
  df[order(df$id, df$time_period), ]
}
# (contdid stops unless its cell weights sum to exactly 1 in floating point; n = 1000 passes)
a <- sim(1000, 4, c(0, 2, 3, 4), 11)
b <- sim(700, 2, c(0, 2), 12)
write.csv(a, "contdid_panel_staggered.csv", row.names = FALSE)
write.csv(b, "contdid_panel_two_period.csv", row.names = FALSE)
grid <- seq(0.02, 0.98, length.out = 25)
fmt <- function(x) sprintf("%.15g", x)
rows <- list()
add <- function(case, parameter, dose, est, se) {
  rows[[length(rows) + 1]] <<- data.frame(case = case, parameter = parameter, dose = fmt(dose),
                                          estimate = fmt(est), std_error = fmt(se))
}
ase <- function(inf) sqrt(colSums(as.matrix(inf)^2)) / nrow(as.matrix(inf))
dose_case <- function(case, df, cg, degree, knots) {
  set.seed(1)
  r <- cont_did(yname = "Y", tname = "time_period", idname = "id", dname = "D", data = df,
                gname = "G", target_parameter = "slope", aggregation = "dose",
                treatment_type = "continuous", control_group = cg, biters = 200,
                degree = degree, num_knots = knots, dvals = grid)
  add(case, "att_d", grid, r$att.d, ase(r$att.d_inffunc))
  add(case, "acrt_d", grid, r$acrt.d, ase(r$acrt.d_inffunc))
  add(case, "att_overall", NA, r$overall_att, ase(r$overall_att_inffunc))
  # contdid's own influence function of ACRT^o (scaled by n / units in the cell, see the test)
  add(case, "acrt_overall", NA, r$overall_acrt, NA)
  add(case, "acrt_overall_contdid_if", NA, r$overall_acrt, ase(r$overall_acrt_inffunc))
}
dose_case("staggered_nyt", a, "notyettreated", 3, 1)
dose_case("staggered_never", a, "nevertreated", 2, 0)
dose_case("two_period", b, "nevertreated", 3, 0)

# independent check of the ACRT^o standard error in the two-period case: OLS of the long
# difference on the spline among the treated, sandwich (HC0) delta method for the mean slope
w <- reshape(b[, c("id", "time_period", "Y", "D", "G")], idvar = c("id", "D", "G"),
             timevar = "time_period", direction = "wide")
w$dy <- w$Y.2 - w$Y.1
tr <- w[w$G == 2, ]
B <- splines2::bSpline(tr$D, degree = 3)
fit <- lm(tr$dy ~ B)
dB <- cbind(0, splines2::dbs(tr$D, degree = 3))
slope <- as.numeric(dB %*% coef(fit))
psi <- estfun(fit) %*% bread(fit)
inf <- (slope - mean(slope)) + psi %*% colMeans(dB)
add("two_period", "acrt_overall", NA, mean(slope), sqrt(sum(inf^2)) / nrow(tr))

es <- function(case, tp) {
  set.seed(1)
  r <- cont_did(yname = "Y", tname = "time_period", idname = "id", dname = "D", data = a,
                gname = "G", target_parameter = tp, aggregation = "eventstudy",
                treatment_type = "continuous", control_group = "notyettreated", biters = 200,
                degree = 3, num_knots = 1)
  e <- r$event_study
  add(case, if (tp == "level") "att" else "acrt", e$egt, e$att.egt, NA)
}
es("eventstudy", "level")
es("eventstudy", "slope")
out <- do.call(rbind, rows)
write.csv(out, "contdid_reference.csv", row.names = FALSE, quote = FALSE)
print(out[out$parameter != "att_d" & out$parameter != "acrt_d", ])
