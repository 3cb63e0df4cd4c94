# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Exploratory case study on real data: audited districts and childcare rates
#
# **This is an exploratory exercise, not an evaluation of the audit.** It uses a handful of
# districts (five with a publicly documented certification date), dates collected from press
# releases and municipal web pages, and public INKAR indicators that were not chosen for the
# audit and that moved with the nationwide expansion of childcare (legal entitlement to a
# place for children from age one since 1 August 2013). Nothing below can be read as an effect
# of the audit; the notebook shows how the package handles real, messy public data and how
# wide the uncertainty is with so few treated units.
#
# Data (all public, see `../shared/data/external/PROVENANCE.md`):
#
# * the district panel `kreise/gerda_county_covariates_inkar_1995_2022.csv`: 400 districts in
#   the boundaries of 2021, INKAR indicators 1995-2022, childcare rates 2006-2020;
# * the Destatis municipality directory of 31.12.2023
#   (`gemeindeverzeichnis/31122023_Auszug_GV.xlsx`) for names, levels, population and area.
#
# **Your own copy of the data.** Set the environment variable `EVALUATION_SHARED_DATA` to the
# folder that holds `kreise/` and `gemeindeverzeichnis/` (default: `../shared/data/external`
# beside the project). `CASE_STUDY_OUT` sets the report folder (default
# `reports/case_study_districts`).

# %%
import os
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
from IPython.display import display

import evaluation as ev
from evaluation.ingest import (
    AUDITED_MUNICIPALITIES,
    district_case_study,
    public_district_audits,
)

ROOT = Path.cwd() if (Path.cwd() / "pyproject.toml").exists() else Path.cwd().parent
DATA = Path(os.environ.get("EVALUATION_SHARED_DATA", ROOT.parent / "shared" / "data" / "external"))
PANEL = DATA / "kreise" / "gerda_county_covariates_inkar_1995_2022.csv"
DIRECTORY = DATA / "gemeindeverzeichnis" / "31122023_Auszug_GV.xlsx"
CONFIG = ROOT / "analyses" / "case_study_districts.toml"
OUT = Path(os.environ.get("CASE_STUDY_OUT", ROOT / "reports" / "case_study_districts"))
SEED = 20240611

missing = [p.name for p in (PANEL, DIRECTORY) if not p.exists()]
if missing:
    raise FileNotFoundError(
        f"public data not found: {', '.join(missing)} in {DATA}. Set EVALUATION_SHARED_DATA to "
        "the folder with kreise/ and gemeindeverzeichnis/."
    )

# %% [markdown]
# ## 1. Which districts count as audited, and from when
#
# The onset is the **certification year** of the first audit (start dates are not public).
# Where only the year of certification is known (Kyffhäuserkreis), the date is set to 1 July.
# Three districts are known to take part but have no public certification date: they are
# **left out** altogether, neither audited nor comparison.

# %%
audits = public_district_audits()
display(
    audits[
        [
            "municipality_id",
            "name",
            "certification_date",
            "date_precision",
            "onset_year",
            "use",
            "fact",
        ]
    ]
)

# %% [markdown]
# Districts that contain an audited *Gemeinde* (Aachen and Stolberg in the Städteregion
# Aachen, Lippstadt in the Kreis Soest, ...) are partly treated. They are left out of the
# comparison group. "Neuenkirchen" names twelve Gemeinden and cannot be placed.

# %%
partly = sorted({ags[:5] for ags, _ in AUDITED_MUNICIPALITIES} - set(audits["municipality_id"]))
print(len(partly), "partly audited districts left out of the comparison group:", partly)

# %% [markdown]
# ## 2. The study
#
# Indicators come from the district panel; baseline covariates are the values of 2009 (the
# year before the first cohort), `east` marks Berlin and the eastern states (childcare rates
# there are about three times the western ones), `population_density` comes from the
# directory.

# %%
study = district_case_study(PANEL, DIRECTORY).validate()
print(study)
display(study.onsets())
display(study.municipalities.groupby(["group", "east"]).size().rename("districts"))

# %% [markdown]
# ## 3. The childcare rate under three, 2006-2020
#
# Each audited district against the mean of the comparison districts of the same part of the
# country. The vertical mark is the certification year.

# %%
panel = study.panel("childcare_u3", years=(2006, 2020))
names = study.municipalities.set_index("municipality_id")["name"]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
for ax, east in zip(axes, (0, 1), strict=True):
    part = panel[panel["east"] == east]
    comp = part[part["cohort"] == 0].groupby("year")["childcare_u3"].mean()
    ax.plot(comp.index, comp.to_numpy(), color="grey", lw=2, label="comparison (mean)")
    for uid, d in part[part["cohort"] > 0].groupby("municipality_id"):
        line = ax.plot(d["year"], d["childcare_u3"], lw=1.5, label=names[uid])[0]
        if d["cohort"].iloc[0] <= 2020:
            ax.axvline(d["cohort"].iloc[0], color=line.get_color(), ls=":", lw=1)
    ax.set_title("East (incl. Berlin)" if east else "West")
    ax.set_xlabel("year")
    ax.legend(fontsize=7)
axes[0].set_ylabel("childcare rate under 3 (%)")
fig.tight_layout()

# %% [markdown]
# ## 4. Before and after, audited districts alone
#
# The mean of each audited district in the three years before and after certification. The
# change contains the general expansion of childcare, so it is not an effect.

# %%
ba = ev.before_after(panel, window=(-3, 3))
ba.tidy()

# %% [markdown]
# ## 5. Staggered difference-in-differences (Callaway & Sant'Anna)
#
# Never-treated comparison districts, outcome regression. The Kreis Herford (certified 2021)
# has no year after onset in this panel and serves as a (not yet treated) comparison unit.
# With one to two districts per cohort, the standard errors rest on very few units.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    gt = ev.att_gt(panel, control_group="never_treated", method="reg")
display(gt.aggregate("simple").tidy())
gt.aggregate("dynamic").tidy()

# %% [markdown]
# Sun & Abraham's interaction-weighted event study gives the same picture. Event times carried
# by a single district (Düsseldorf alone beyond five years after onset) have standard errors
# that rest on one unit: their small p-values mean nothing.

# %%
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    sa = ev.sun_abraham(panel)
sa.tidy()

# %% [markdown]
# ## 6. A matched comparison group
#
# Five comparison districts per audited district, nearest in Mahalanobis distance of the 2009
# childcare rate, share 65+ and unemployment rate plus the pre-onset level and trend of the
# outcome, exactly matched on East/West.

# %%
matched = ev.match_comparison(
    panel,
    covariates=["childcare_u3_2009", "share_65plus_2009", "unemployment_rate_2009"],
    method="mahalanobis",
    ratio=5,
    exact=["east"],
)
display(matched.balance())
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    gt_matched = ev.att_gt(matched.panel, control_group="never_treated", method="reg")
gt_matched.aggregate("simple").tidy()

# %% [markdown]
# ## 7. Randomisation inference
#
# With five treated units, asymptotic standard errors are not to be trusted. Re-assigning the
# observed onset years at random among all districts gives the distribution of the TWFE
# estimate under "no effect anywhere".

# %%
ri = ev.randomization_inference(panel, estimator="twfe", n_draws=499, seed=SEED)
ri.tidy()

# %% [markdown]
# ## 8. The full report
#
# The same analyses and more (event study, Sun & Abraham, Bacon decomposition, the 3-6
# childcare rate and the share aged 65+) as a report, from `analyses/case_study_districts.toml`.

# %%
report = ev.render_report(study, CONFIG, OUT, force=True)
print("report written to", report)
sorted(p.name for p in Path(report).iterdir())

# %% [markdown]
# ## What this shows, and what it does not
#
# * The audited districts follow the childcare expansion of their part of the country; the
#   estimated differences are small against their uncertainty, and the randomisation p-value
#   says the same.
# * With five treated districts, public dates and indicators not chosen for the audit, the
#   exercise cannot detect an effect of the audit, and it is not designed to. An evaluation
#   needs the measures, their implementation status and indicators that the measures target.
