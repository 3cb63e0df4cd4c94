# Reference numbers for evaluation.survey_estimates: design-based means, shares, domain
# estimates and domain differences with Taylor-linearisation standard errors from R survey.
#
# Data: the California Academic Performance Index samples shipped with R survey (data(api)):
# apistrat (stratified by school type), apiclus1 (one-stage cluster sample of districts) and
# apiclus2 (two-stage sample of districts and schools). The data are public, from the
# California Department of Education (API data files 1999/2000), as distributed with the
# R package survey (Lumley). Only the columns the tests use are written.
#
# Run from the repository root (R 4.2, survey 4.1-1 from Debian's r-cran-survey):
#   TZ=UTC Rscript tests/results/make_survey_reference.R
# Writes tests/results/api_{strat,clus1,clus2}.csv and tests/results/survey_reference.csv.

suppressPackageStartupMessages(library(survey))
data(api)
out_dir <- "tests/results"

keep <- c("cds", "stype", "dnum", "snum", "api00", "api99", "meals", "ell", "avg.ed",
          "enroll", "acs.46", "sch.wide", "awards", "comp.imp", "pw")
write_api <- function(df, extra, name) {
  cols <- c(keep, extra)
  d <- df[, cols]
  for (c in names(d)) if (is.factor(d[[c]])) d[[c]] <- as.character(d[[c]])
  write.csv(d, file.path(out_dir, name), row.names = FALSE, na = "")
}
write_api(apistrat, "fpc", "api_strat.csv")
write_api(apiclus1, "fpc", "api_clus1.csv")
write_api(apiclus2, c("fpc1", "fpc2"), "api_clus2.csv")

designs <- list(
  strat_fpc = list(svydesign(id = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc,
                             data = apistrat), apistrat),
  strat = list(svydesign(id = ~1, strata = ~stype, weights = ~pw, data = apistrat), apistrat),
  strat_clus = list(svydesign(id = ~dnum, strata = ~stype, weights = ~pw, data = apistrat,
                              nest = TRUE), apistrat),
  clus1_fpc = list(svydesign(id = ~dnum, weights = ~pw, fpc = ~fpc, data = apiclus1), apiclus1),
  clus1 = list(svydesign(id = ~dnum, weights = ~pw, data = apiclus1), apiclus1),
  clus2 = list(svydesign(id = ~dnum + snum, weights = ~pw, data = apiclus2), apiclus2)
)
means <- c("api00", "api99", "meals", "ell", "avg.ed", "enroll", "acs.46")
factors <- c("sch.wide", "awards", "comp.imp", "stype")

rows <- list()
add <- function(design, statistic, item, by, domain, category, est, se) {
  rows[[length(rows) + 1]] <<- data.frame(
    design = design, statistic = statistic, item = item, by = by, domain = domain,
    category = category, estimate = est, std_error = se, stringsAsFactors = FALSE
  )
}

for (dn in names(designs)) {
  des <- designs[[dn]][[1]]
  dat <- designs[[dn]][[2]]
  for (v in means) {
    f <- as.formula(paste0("~`", v, "`"))
    m <- svymean(f, des, na.rm = TRUE)
    add(dn, "mean", v, "", "", "", coef(m)[[1]], SE(m)[[1]])
    for (by in c("awards", "stype")) {
      if (by == "stype" && startsWith(dn, "strat")) next
      b <- svyby(f, as.formula(paste0("~", by)), des, svymean, na.rm = TRUE)
      for (i in seq_len(nrow(b))) {
        add(dn, "mean", v, by, as.character(b[[by]][i]), "", coef(b)[[i]], SE(b)[[i]])
      }
    }
  }
  for (v in factors) {
    if (v == "stype" && startsWith(dn, "strat")) next
    f <- as.formula(paste0("~", v))
    m <- svymean(f, des)
    levs <- sort(unique(as.character(dat[[v]])))
    for (i in seq_along(levs)) add(dn, "share", v, "", "", levs[i], coef(m)[[i]], SE(m)[[i]])
    if (v != "awards") {
      # shares in domains: the mean of the category's 0/1 indicator in each domain
      for (lev in levs) {
        ind <- update(des, ind_ = as.numeric(as.character(dat[[v]]) == lev))
        b <- svyby(~ind_, ~awards, ind, svymean)
        for (i in seq_len(nrow(b))) {
          add(dn, "share", v, "awards", as.character(b$awards[i]), lev, coef(b)[[i]],
              SE(b)[[i]])
        }
      }
    }
  }
  # difference between the domains awards = Yes and awards = No (Yes minus No)
  for (v in c("api00", "meals", "avg.ed", "enroll")) {
    # subset() of a design keeps its strata and clusters (a domain, not a new design);
    # svyby(covmat = TRUE) does not combine with na.rm = TRUE
    ok <- des[!is.na(dat[[v]]), ]
    b <- svyby(as.formula(paste0("~", v)), ~awards, ok, svymean, covmat = TRUE)
    ct <- svycontrast(b, c(No = -1, Yes = 1))
    add(dn, "difference", v, "awards", "Yes-No", "", coef(ct)[[1]], SE(ct)[[1]])
  }
}

ref <- do.call(rbind, rows)
ref$estimate <- sprintf("%.15g", ref$estimate)
ref$std_error <- sprintf("%.15g", ref$std_error)
write.csv(ref, file.path(out_dir, "survey_reference.csv"), row.names = FALSE)
cat("wrote", nrow(ref), "reference rows\n")
