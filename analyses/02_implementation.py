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
# # Implementation success of the agreed measures
#
# Did the municipalities implement what they agreed in their target agreements, and did they
# do so in every action field? This notebook runs every implementation analysis on the
# synthetic demo study, whose true implementation probabilities are known
# (`study.truth.implementation_probability`), so the estimates can be checked against them:
#
# 1. implementation rates per action field (and other groupings) with honest intervals,
# 2. the status of the measures over the implementation phase and the transitions between
#    reports,
# 3. first report against end of phase, first audit against re-audit,
# 4. differences between the action fields,
# 5. a logistic model of success,
# 6. the time until a measure is implemented.
#
# Conventions: report 1, 2, 3 are the annual reports (report year minus certification year),
# report 0 is "at certification"; `as_of="end"` is the last due report up to report 3;
# `success="implemented"` counts implemented measures only, `"at_least_partial"` also the
# partially implemented ones; discontinued measures never count as successful.

# %%
import warnings

from IPython.display import display

import evaluation as ev
from evaluation.datasets import synthetic_study
from evaluation.implementation import ImplementationDataWarning

warnings.simplefilter("ignore", ImplementationDataWarning)  # notes list the same facts
study = synthetic_study(seed=0)
print(study)

# %% [markdown]
# ## 1. Implementation rates per action field
#
# Share of measures implemented in report 3, with the Wilson interval (measures treated as
# independent) and a municipality-clustered bootstrap interval (measures of one municipality
# are correlated). The true probabilities of the simulation are shown beside them.

# %%
rates = ev.implementation_rates(study, by="action_field", success="implemented", as_of=3)
truth = study.truth.implementation_probability[["action_field", "probability"]]
display(
    rates.tidy()[
        [
            "action_field",
            "n_measures",
            "share",
            "ci_low",
            "ci_high",
            "cluster_ci_low",
            "cluster_ci_high",
        ]
    ].merge(truth, on="action_field")
)
fig = rates.plot()
# %% [markdown]
# The same with the looser success definition, at the end of the implementation phase, and
# broken down by administrative level and audit cycle:

# %%
ev.implementation_rates(study, by=["level", "cycle"], success="at_least_partial", as_of="end")

# %% [markdown]
# ## 2. Status over the implementation phase

# %%
progression = ev.status_progression(study)
fig = progression.plot()
# %%
transitions = ev.status_transitions(study)
display(transitions.matrix())
fig = transitions.plot()
# %% [markdown]
# ## 3. Before and after within audits; first audit against re-audit

# %%
before_after = ev.before_after_implementation(study, success="implemented")
display(before_after)
fig = before_after.plot()
# %%
ev.cycle_comparison(study, success="implemented")

# %% [markdown]
# ## 4. Differences between action fields
#
# Chi-square test of independence of status and action field (a simulated p-value replaces
# the asymptotic one when expected counts are small), then pairwise comparisons of the
# success shares with Holm's correction.

# %%
differences = ev.field_differences(study, outcome="status")
differences.tidy().head(8)

# %%
fig = differences.plot()
# %% [markdown]
# ## 5. A model of success
#
# GEE logit with exchangeable working correlation within municipalities: odds ratios and
# average marginal effects against the reference action field (steering).

# %%
model = ev.implementation_model(study, covariates=["log_population", "level", "cohort"])
display(model)
fig = model.plot(quantity="marginal_effect")
# %% [markdown]
# ## 6. Time to implementation
#
# Kaplan-Meier curves of the share implemented by report number; discontinued measures stay
# at risk without being implemented. Median report numbers and a Cox model with
# municipality-clustered standard errors.

# %%
timing = ev.time_to_implementation(study)
display(timing.medians)
display(timing.cox)
fig = timing.plot(lang="en")
# %% [markdown]
# ## Export
#
# Every result exports its tidy table and its summary:

# %%
print(rates.to_markdown(lang="en")[:600])
