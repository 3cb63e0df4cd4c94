"""Subcommand ``power``: what a study's design can detect (power curve and minimum detectable
effect of one indicator)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import sys
from pathlib import Path

from ..i18n import LANGS
from ..options import Onset, choices
from . import need_path

ESTIMATORS = ("twfe", "event_study", "att_gt")


def _effects(text: str) -> list[float]:
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"effects must be numbers separated by commas (e.g. 0,1,2.5), got {text!r}"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one effect, e.g. --effects 0,1,2")
    return values


def _event_time(text: str):
    if text == "post":
        return "post"
    try:
        e = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"event time must be 'post' or an integer >= 0, got {text!r}"
        ) from None
    if e < 0:
        raise argparse.ArgumentTypeError(f"event time must be >= 0, got {e}")
    return e


def _share(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number between 0 and 1, got {text!r}"
        ) from None
    if not 0 < v < 1:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {text!r}")
    return v


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return v


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``power``."""
    p = sub.add_parser(
        "power",
        help="power and minimum detectable effect of a study's design for one indicator",
        description="Estimate the design of STUDY for the indicator (cohorts, comparison units, "
        "years, noise from the untreated years) and print what it can detect: the minimum "
        "detectable effect and the power at each effect size, for the chosen estimator. "
        "Nothing is written.",
    )
    p.add_argument("study", type=Path, help="study folder (with datapackage.json)")
    p.add_argument("--indicator", required=True, help="indicator code, e.g. childcare_u3")
    p.add_argument("--estimator", choices=ESTIMATORS, default="twfe", help="default twfe")
    p.add_argument(
        "--event-time",
        type=_event_time,
        default="post",
        help="'post' (default: the overall effect after onset) or an event time e >= 0 "
        "(event_study, att_gt)",
    )
    p.add_argument("--cluster", choices=("unit", "state"), default="unit", help="default unit")
    p.add_argument(
        "--onset",
        choices=choices(Onset),
        default="certification",
        help="treatment date (default certification)",
    )
    p.add_argument(
        "--effects",
        type=_effects,
        default=None,
        help="effect sizes, comma-separated, in the indicator's unit (default: 0 to twice the "
        "analytic MDE)",
    )
    p.add_argument("--power", type=_share, default=0.8, help="target power (default 0.8)")
    p.add_argument("--alpha", type=_share, default=0.05, help="test level (default 0.05)")
    p.add_argument(
        "--method",
        choices=("simulation", "analytic"),
        default="simulation",
        help="default simulation",
    )
    p.add_argument("--n-sims", type=_positive, default=200, help="simulated panels (200)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument(
        "--backend",
        choices=("serial", "joblib", "dask"),
        default="serial",
        help="where the simulations run (default serial)",
    )
    p.add_argument("--n-jobs", type=int, default=-1, help="joblib processes (-1: all cores)")
    p.add_argument(
        "--scheduler",
        default=None,
        help="address of a running Dask scheduler for --backend dask, e.g. "
        "tcp://scheduler:8786 (default: a local cluster)",
    )
    p.add_argument("--lang", choices=LANGS, default="de", help="language (default de)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_power)


def cmd_power(args: argparse.Namespace) -> int:
    """``power``: :func:`evaluation.minimum_detectable_effect` and :func:`evaluation.power`
    of the design estimated from the study (:meth:`evaluation.PanelDesign.from_study`)."""
    from ..planning import PanelDesign, minimum_detectable_effect, power
    from ..study.model import load_study

    if args.backend != "dask" and args.scheduler:
        print("error: --scheduler needs --backend dask", file=sys.stderr)
        return 2
    need_path(args.study, "study folder", folder=True)
    study = load_study(args.study)
    design = PanelDesign.from_study(study, args.indicator, onset=args.onset)
    common = dict(estimator=args.estimator, event_time=args.event_time, cluster=args.cluster)
    effects = args.effects
    if effects is None:
        m = float(
            minimum_detectable_effect(design, args.power, args.alpha, method="analytic", **common)
            .tidy()["mde"]
            .iloc[0]
        )
        # 0 to twice the analytic MDE, rounded to two significant digits
        effects = sorted({float(f"{f * m:.2g}") for f in (0.0, 0.5, 1.0, 1.5, 2.0)})
    with _backend(args) as backend:
        curve = power(
            design,
            effects,
            alpha=args.alpha,
            method=args.method,
            n_sims=args.n_sims,
            seed=args.seed,
            backend=backend,
            n_jobs=args.n_jobs,
            progress=not args.quiet,
            **common,
        )
    mde = curve.mde(args.power)
    print(mde.summary(args.lang).as_text())
    print()
    # the curve's header without the design, which the MDE table above already shows
    table = curve.summary(args.lang)
    print(dataclasses.replace(table, facts=table.facts[:3]).as_text())
    return 0


@contextlib.contextmanager
def _backend(args: argparse.Namespace):
    if args.backend != "dask" or args.method == "analytic":
        yield args.backend
        return
    from ..errors import DataError

    try:
        from distributed import Client
    except ImportError:
        raise DataError(
            "--backend dask needs dask.distributed: pip install 'evaluation[parallel]'"
        ) from None
    try:
        client = Client(args.scheduler) if args.scheduler else Client(processes=False)
    except OSError as exc:
        raise DataError(f"cannot reach the Dask scheduler {args.scheduler}: {exc}") from None
    with client:
        yield client
