# Reference numbers of R Synth 1.1-8 (CRAN) for tests/test_synthetic_control*.py.
# Run from the project root with Synth (and its imports kernlab, optimx) installed:
#
#     Rscript tests/results/make_synth_reference.R
#
# Writes, with 12 significant digits:
#   synth_basque.csv     the Basque panel shipped with Synth (Abadie & Gardeazabal 2003; 17
#                        Spanish regions and Spain, 1955-1997), as R has it
#   synth_reference.csv  scenario, quantity, key, value
#
# Scenarios:
#   basque         the second example of ?synth without its re-coding of the schooling
#                  predictors: 13 predictors (schooling and investment averaged over
#                  1964-1969, GDP per capita 1960-1969, sector shares of the odd years
#                  1961-1969, population density 1969), V optimised over 1960-1969.
#                  "v", "w", "loss_v" are Synth's defaults (Nelder-Mead and BFGS from two
#                  starts, ipop with margin 5e-4 and 5 significant figures); "w_tight",
#                  "loss_v_tight", "balance_*" and "gap" use Synth's V with ipop at 12
#                  significant figures, so they are the exact weights for that V.
#   prop99_outcome California (Proposition 99: california_prop99.csv, written by
#                  make_synthdid_reference.R from synthdid's data) with the outcome of each year
#                  1970-1988 as predictors and custom.v proportional to each predictor's
#                  variance across all units: Synth scales predictors by their standard
#                  deviation, so this V weights every pre-period year equally and the weights
#                  minimise the plain pre-period MSPE; ipop at 12 significant figures.
suppressMessages(library(Synth))
here <- file.path("tests", "results")
g12 <- function(x) trimws(formatC(x, digits = 12, format = "g"))
ref <- list()
add <- function(scenario, quantity, key, value) {
  ref[[length(ref) + 1]] <<- data.frame(
    scenario = scenario, quantity = quantity, key = as.character(key), value = g12(as.numeric(value)),
    stringsAsFactors = FALSE
  )
}
quiet <- function(expr) {
  out <- NULL
  invisible(capture.output(out <- expr))
  out
}

# -------------------------------------------------------------------------------------------
# Basque Country
# -------------------------------------------------------------------------------------------
data(basque)
write.csv(basque, file.path(here, "synth_basque.csv"), row.names = FALSE)
dp <- quiet(dataprep(
  foo = basque,
  predictors = c("school.illit", "school.prim", "school.med", "school.high",
                 "school.post.high", "invest"),
  predictors.op = "mean",
  dependent = "gdpcap",
  unit.variable = "regionno",
  time.variable = "year",
  special.predictors = list(
    list("gdpcap", 1960:1969, "mean"),
    list("sec.agriculture", seq(1961, 1969, 2), "mean"),
    list("sec.energy", seq(1961, 1969, 2), "mean"),
    list("sec.industry", seq(1961, 1969, 2), "mean"),
    list("sec.construction", seq(1961, 1969, 2), "mean"),
    list("sec.services.venta", seq(1961, 1969, 2), "mean"),
    list("sec.services.nonventa", seq(1961, 1969, 2), "mean"),
    list("popdens", 1969, "mean")
  ),
  treatment.identifier = 17,
  controls.identifier = c(2:16, 18),
  time.predictors.prior = 1964:1969,
  time.optimize.ssr = 1960:1969,
  unit.names.variable = "regionname",
  time.plot = 1955:1997
))
s <- quiet(synth(dp))
preds <- rownames(dp$X1)
donors <- as.character(dp$names.and.numbers$unit.numbers[dp$names.and.numbers$unit.numbers != 17])
v_opt <- as.numeric(s$solution.v)
for (k in seq_along(preds)) add("basque", "v", preds[k], v_opt[k])
for (i in seq_along(donors)) add("basque", "w", donors[i], s$solution.w[i])
add("basque", "loss_v", "", s$loss.v)
add("basque", "loss_w", "", s$loss.w)
tight <- quiet(synth(dp, custom.v = v_opt, Sigf.ipop = 12))
w <- as.numeric(tight$solution.w)
for (i in seq_along(donors)) add("basque", "w_tight", donors[i], w[i])
add("basque", "loss_v_tight", "", tight$loss.v)
for (k in seq_along(preds)) {
  add("basque", "balance_treated", preds[k], dp$X1[k, 1])
  add("basque", "balance_synthetic", preds[k], sum(dp$X0[k, ] * w))
  add("basque", "balance_sample_mean", preds[k], mean(dp$X0[k, ]))
}
gap <- dp$Y1plot - dp$Y0plot %*% w
for (t in seq_along(gap)) add("basque", "gap", rownames(dp$Y1plot)[t], gap[t])

# -------------------------------------------------------------------------------------------
# Proposition 99, outcome path only
# -------------------------------------------------------------------------------------------
prop <- read.csv(file.path(here, "california_prop99.csv"), stringsAsFactors = FALSE)
states <- sort(unique(prop$State))
prop$id <- match(prop$State, states)
ca <- match("California", states)
dp2 <- quiet(dataprep(
  foo = prop,
  predictors = NULL,
  dependent = "PacksPerCapita",
  unit.variable = "id",
  time.variable = "Year",
  special.predictors = lapply(1970:1988, function(y) list("PacksPerCapita", y, "mean")),
  treatment.identifier = ca,
  controls.identifier = setdiff(seq_along(states), ca),
  time.predictors.prior = 1970:1988,
  time.optimize.ssr = 1970:1988,
  unit.names.variable = "State",
  time.plot = 1970:2000
))
v <- apply(cbind(dp2$X0, dp2$X1), 1, var)
s2 <- quiet(synth(dp2, custom.v = v, Sigf.ipop = 12))
w2 <- as.numeric(s2$solution.w)
for (i in seq_along(w2)) add("prop99_outcome", "w_tight", states[setdiff(seq_along(states), ca)][i], w2[i])
add("prop99_outcome", "loss_v_tight", "", s2$loss.v)
gap2 <- dp2$Y1plot - dp2$Y0plot %*% w2
for (t in seq_along(gap2)) add("prop99_outcome", "gap", rownames(dp2$Y1plot)[t], gap2[t])

write.csv(do.call(rbind, ref), file.path(here, "synth_reference.csv"), row.names = FALSE)
cat("Synth", as.character(packageVersion("Synth")), "on", R.version.string, "\n")
