# Reference values for evaluation.did_multiplegt (tests/test_dcdh.py) from R DIDmultiplegtDYN 2.2.0.
# Run from this folder: Rscript make_dcdh_reference.R
# Writes the simulated panels (dcdh_panel_*.csv) and the estimates (dcdh_reference.csv).
suppressPackageStartupMessages(library(DIDmultiplegtDYN))
stopifnot(as.character(packageVersion("DIDmultiplegtDYN")) == "2.2.0")

# 1. staggered binary absorbing treatment, balanced
set.seed(42)
G <- 60; T <- 8
a <- expand.grid(id = 1:G, t = 1:T)
first <- sample(c(3, 5, 7, Inf), G, replace = TRUE, prob = c(.25, .25, .25, .25))
a$D <- as.integer(a$t >= first[a$id])
a$y <- 0.5 * a$id / G + 0.2 * a$t + 2 * a$D + rnorm(nrow(a))

# 2. treatment that switches on and off (certificates that lapse), units starting treated
#    that leave, missing outcomes, and clusters of units
set.seed(7)
G <- 90; T <- 10
b <- expand.grid(id = 1:G, t = 1:T)
type <- sample(c("never0", "in", "in_out", "always1", "out"), G, replace = TRUE,
               prob = c(.25, .25, .2, .15, .15))
start <- sample(3:7, G, replace = TRUE)
len <- sample(2:4, G, replace = TRUE)
d_of <- function(g, t) {
  switch(type[g],
    never0 = 0L,
    always1 = 1L,
    `in` = as.integer(t >= start[g]),
    in_out = as.integer(t >= start[g] & t < start[g] + len[g]),
    out = as.integer(t < start[g]))
}
b$D <- mapply(d_of, b$id, b$t)
b$cl <- (b$id - 1) %/% 3 + 1
alpha <- rnorm(G)
b$y <- alpha[b$id] + 0.3 * b$t + 1.5 * b$D + rnorm(nrow(b))
b$y[sample(nrow(b), 25)] <- NA

write.csv(a, "dcdh_panel_staggered.csv", row.names = FALSE)
write.csv(b, "dcdh_panel_switching.csv", row.names = FALSE)

rows <- list()
add <- function(case, res) {
  for (kind in c("Effects", "Placebos")) {
    m <- res$results[[kind]]
    if (is.null(m)) next
    for (k in seq_len(nrow(m))) {
      rows[[length(rows) + 1]] <<- data.frame(
        case = case,
        rel_time = if (kind == "Effects") k else -k,
        estimate = sprintf("%.15g", m[k, "Estimate"]),
        std_error = sprintf("%.15g", m[k, "SE"]),
        n_switchers = m[k, "Switchers"])
    }
  }
}
run <- function(df, ...) did_multiplegt_dyn(df = df, outcome = "y", group = "id", time = "t",
                                            treatment = "D", graph_off = TRUE, ...)
add("staggered", run(a, effects = 3, placebo = 2))
add("switching", run(b, effects = 4, placebo = 2))
add("switching_cluster", run(b, effects = 4, placebo = 2, cluster = "cl"))
add("switching_one", run(b, effects = 1))
out <- do.call(rbind, rows)
write.csv(out, "dcdh_reference.csv", row.names = FALSE, quote = FALSE)
print(out)
