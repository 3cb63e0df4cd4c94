"""The report configuration: a small TOML file, read with :mod:`tomllib` and checked key by key.

Only names and values live in a configuration (indicator codes, column names, options from
fixed lists); nothing in it is evaluated as code. Unknown keys and wrong values raise
:class:`~evaluation.errors.ConfigError` naming the key, e.g. ``impact.estimators[2]``. Numbers
have documented limits (:data:`LIMITS`), so that a typo cannot start hours of work. The file
may be UTF-8 (with or without BOM), UTF-16 (with BOM) or Windows-1252; anything else is refused
with the encodings tried.

A complete example with every key and its default is ``reports/demo.toml``; the defaults are
those of the dataclasses below, so a configuration may be as short as::

    [impact]
    indicators = ["childcare_u3"]
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..errors import ConfigError

# the vocabularies of the configuration are those of evaluation.options
from ..options import (
    BasePeriod,
    ControlGroup,
    DRMethod,
    MatchMethod,
    OnError,
    Onset,
    PrimaryEstimator,
    Success,
    Unbalanced,
)
from ..options import ComparisonDesign as Design
from ..options import Lang as Language
from ..options import OutputFormat as Format
from ..options import ReportEstimator as EstimatorName
from ..options import ReportSection as SectionName
from .text import BIDI

ALL_SECTIONS: tuple[str, ...] = typing.get_args(SectionName)
#: the sections written by default: all but "power" (planning, asked for by name)
DEFAULT_SECTIONS: tuple[str, ...] = tuple(s for s in ALL_SECTIONS if s != "power")
ALL_ESTIMATORS: tuple[str, ...] = typing.get_args(EstimatorName)

#: upper limits of numbers (key: (limit, why)); documented in the README and reports/demo.toml
LIMITS: dict[str, tuple[int, str]] = {
    "impact.robustness.randomization_draws": (100_000, "permutations"),
    "impact.att_gt.bootstrap": (100_000, "bootstrap draws"),
    "impact.robustness.anticipation": (10, "years"),
    "impact.window": (50, "years before or after onset"),
    "comparison.ratio": (100, "comparison units per audited unit"),
    "treatment.cycle": (50, "audit cycles"),
}
#: a report configuration is a small text file; larger ones are refused unread
MAX_CONFIG_BYTES = 1_000_000


@dataclass(frozen=True)
class StudySettings:
    """``[study]``: what the report is about."""

    title: str = "Audit familiengerechte Kommune: Evaluation"
    """Title of the report."""
    description: str = ""
    """A short description shown under the title (plain text)."""


@dataclass(frozen=True)
class ReportSettings:
    """``[report]``: language, year, seed, what to write."""

    language: Language = "de"
    """Language of every text in the report: German (``de``) or English (``en``)."""
    year: int = 0
    """The report year (last year shown; the yearly summary's default year); 0 = latest in data."""
    seed: int = 0
    """Seed of every random step (bootstrap, permutations); recorded in ``provenance.json``."""
    sections: tuple[SectionName, ...] = DEFAULT_SECTIONS  # type: ignore[assignment]
    """The sections to write, in this order (``power``, the minimum detectable effects of the
    study's design, only when listed)."""
    formats: tuple[Format, ...] = ("html", "pdf", "markdown")
    """Document formats; tables (CSV, LaTeX) and figures (SVG, PNG) are always written."""
    small_cell_threshold: int = 0
    """Counts below this are shown as "<n" in published tables (0 = no suppression)."""
    digits: int = 3
    """Decimals of estimates in HTML, PDF, Markdown and LaTeX tables (CSV keeps 6 significant)."""
    on_error: OnError = "note"
    """An analysis that fails: a note in its section (``note``) or stop the report (``raise``)."""


@dataclass(frozen=True)
class TreatmentSettings:
    """``[treatment]``: when an audited municipality counts as treated."""

    onset: Onset = "certification"
    """The date that starts treatment: audit start, council agreement or certification."""
    cycle: int = 1
    """Audit cycle whose onset defines the cohort (1 = first audit, 2 = re-audit)."""


@dataclass(frozen=True)
class ComparisonSettings:
    """``[comparison]``: all comparison municipalities, or a matched set."""

    design: Design = "all"
    """All comparison units (``all``), or a matched set (``matched``)."""
    method: MatchMethod = "propensity"
    """Matching on the propensity score or by Mahalanobis distance."""
    covariates: tuple[str, ...] = ("population", "urbanisation")
    """Covariate columns of the municipalities table used for matching."""
    ratio: int = 1
    """Comparison units matched to each audited unit."""
    caliper: float = 0.0
    """Caliper in standard deviations of the distance (0 = none)."""
    replace: bool = False
    """Whether a comparison unit may be matched more than once."""
    exact: tuple[str, ...] = ("level",)
    """Columns that must agree exactly (e.g. "level", "state")."""


@dataclass(frozen=True)
class ImplementationSettings:
    """``[implementation]``: the implementation-success section."""

    success: Success = "implemented"
    """Success is status ``implemented``, or (``at_least_partial``) also partly implemented."""
    model_covariates: tuple[str, ...] = ("population", "level", "cycle")
    """Covariates of the implementation model (column names)."""


@dataclass(frozen=True)
class RobustnessSettings:
    """``[impact.robustness]``: the robustness checks of the impact section."""

    not_yet_treated: bool = True
    """Also run ``att_gt`` with not-yet-treated comparison units (when the primary estimate
    uses never-treated ones)."""
    never_treated: bool = True
    """Also run ``att_gt`` with never-treated comparison units (when the primary estimate
    uses not-yet-treated ones)."""
    anticipation: int = 1
    """Also run ``att_gt`` allowing this many years of anticipation (0 = skip)."""
    matched: bool = True
    """With ``comparison.design = "all"``: also match, show the balance and run TWFE on the
    matched set."""
    randomization_max_treated: int = 50
    """Run randomisation inference when at most this many units are treated (0 = never)."""
    randomization_draws: int = 199
    """Draws of the randomisation inference (at least 19)."""


@dataclass(frozen=True)
class AttGtSettings:
    """``[impact.att_gt]``: options of the group-time estimator."""

    control_group: ControlGroup = "not_yet_treated"
    """Comparison units: never treated, or never and not yet treated (the default: more
    comparisons per cell, and it works when the never-treated units are few)."""
    method: DRMethod = "dr"
    """Doubly robust (``dr``), inverse probability weighting (``ipw``) or regression (``reg``)."""
    base_period: BasePeriod = "varying"
    """Base period of the pre-treatment cells: ``varying`` (R's default) or ``universal``."""
    bootstrap: int = 0
    """Multiplier-bootstrap draws for simultaneous bands (0 = analytic standard errors only)."""


@dataclass(frozen=True)
class PrimarySettings:
    """``[impact.primary]``: the estimate that the summary of findings grades, per indicator."""

    estimator: PrimaryEstimator = "att_gt"
    """``att_gt`` (Callaway & Sant'Anna as set in [impact.att_gt], with impact.covariates;
    simple aggregation over all post-treatment cells) or ``twfe`` (two-way fixed effects)."""


@dataclass(frozen=True)
class ImpactSettings:
    """``[impact]``: the indicators and estimators of the impact section."""

    indicators: tuple[str, ...] = ()
    """Indicator codes to analyse (empty: every indicator of the study's catalogue)."""
    placebo: tuple[str, ...] = ()
    """Indicators on which the audit cannot act (a placebo outcome: its true effect is 0);
    analysed like the others and flagged in the summary of findings."""
    estimators: tuple[EstimatorName, ...] = ALL_ESTIMATORS  # type: ignore[assignment]
    """The designs to run for each indicator, in this order."""
    covariates: tuple[str, ...] = ()
    """Baseline covariate columns for the estimators that use them (TWFE, att_gt)."""
    unbalanced: Unbalanced = "pairwise"
    """Units missing some years in ``att_gt``: ``pairwise`` (default; each comparison uses
    the units observed in both of its years) or ``drop`` (R did's default: such units are
    left out entirely)."""
    primary: PrimarySettings = field(default_factory=PrimarySettings)
    """The primary estimate graded in the summary of findings."""
    window: tuple[int, int] = (-5, 5)
    """The event window (first and last relative year shown)."""
    reference_period: int = -1
    """The relative year fixed at 0 in the event study (negative, inside the window)."""
    att_gt: AttGtSettings = field(default_factory=AttGtSettings)
    """Options of the group-time estimator."""
    robustness: RobustnessSettings = field(default_factory=RobustnessSettings)
    """The robustness checks."""


@dataclass(frozen=True)
class ReportConfig:
    """A checked report configuration (see ``reports/demo.toml`` for every key)."""

    study: StudySettings = field(default_factory=StudySettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    treatment: TreatmentSettings = field(default_factory=TreatmentSettings)
    comparison: ComparisonSettings = field(default_factory=ComparisonSettings)
    implementation: ImplementationSettings = field(default_factory=ImplementationSettings)
    impact: ImpactSettings = field(default_factory=ImpactSettings)
    source_text: str = field(default="", compare=False, repr=False)
    """The TOML text the configuration was read from ("" when built in code)."""
    source_path: Path | None = field(default=None, compare=False, repr=False)
    """The file it was read from, if any."""
    source_sha256: str | None = field(default=None, compare=False, repr=False)
    """SHA-256 of that file's bytes."""

    @property
    def lang(self) -> Language:
        return self.report.language

    @property
    def seed(self) -> int:
        return self.report.seed

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain data (all keys, defaults filled in), sorted by key."""
        return _to_plain(self)

    def to_toml(self) -> str:
        """The full configuration (all keys) as TOML text, stable across runs."""
        return _dump_toml(self.to_dict())

    def sha256(self) -> str:
        """SHA-256 of the configuration's content (of its full TOML form)."""
        return hashlib.sha256(self.to_toml().encode("utf-8")).hexdigest()

    def indicators(self, study: Any) -> tuple[str, ...]:
        """The indicators the report analyses: ``impact.indicators``, or (when empty) every
        indicator of the study's catalogue that has values; placebo indicators are added
        at the end when they are not listed."""
        listed = tuple(self.impact.indicators)
        if not listed:
            present = set(study.indicators["indicator"].dropna().astype(str))
            cat = study.indicator_catalogue["indicator"].dropna().astype(str).tolist()
            listed = tuple(i for i in cat if i in present) or tuple(sorted(present))
        return listed + tuple(p for p in self.impact.placebo if p not in listed)

    def check_study(self, study: Any) -> None:
        """Check the names in the configuration against a study: indicators and columns."""
        catalogue = set(study.indicator_catalogue["indicator"].dropna().astype(str))
        present = set(study.indicators["indicator"].dropna().astype(str))
        known = catalogue | present
        for key, names in (
            ("impact.indicators", self.impact.indicators),
            ("impact.placebo", self.impact.placebo),
        ):
            for i, ind in enumerate(names):
                if ind not in known:
                    raise ConfigError(
                        f"{key}[{i}]: unknown indicator {ind!r}; the study has "
                        f"{sorted(known) or 'no indicators'}"
                    )
        columns = set(study.municipalities.columns)
        for key, cols in (
            ("comparison.covariates", self.comparison.covariates),
            ("comparison.exact", self.comparison.exact),
            ("impact.covariates", self.impact.covariates),
        ):
            for i, c in enumerate(cols):
                if c not in columns:
                    raise ConfigError(
                        f"{key}[{i}]: no column {c!r} in the municipalities table; "
                        f"columns are {sorted(columns)}"
                    )


def load_config(source: str | Path | dict[str, Any] | ReportConfig | None = None) -> ReportConfig:
    """Read and check a report configuration.

    ``source`` is a path to a TOML file, a dict of the same shape, a ``ReportConfig`` (returned
    as is) or None (all defaults). Raises :class:`ConfigError` naming the offending key.
    """
    if isinstance(source, ReportConfig):
        return source
    if source is None:
        return ReportConfig()
    text = ""
    path: Path | None = None
    digest = None
    if isinstance(source, dict):
        data = source
    elif isinstance(source, str | Path):
        path = Path(source)
        raw = _read_file(path)
        digest = hashlib.sha256(raw).hexdigest()
        text = decode_config(raw, path.name)
        data = _parse(text, path.name)
    else:
        raise ConfigError(
            f"a configuration is a TOML file, a dict or a ReportConfig, not {type(source).__name__}"
        )
    cfg = _build(ReportConfig, data, "")
    return dataclasses.replace(cfg, source_text=text, source_path=path, source_sha256=digest)


def parse_config(text: str) -> ReportConfig:
    """Read a configuration from TOML text."""
    data = _parse(text, "the configuration")
    return dataclasses.replace(_build(ReportConfig, data, ""), source_text=text)


def _read_file(path: Path) -> bytes:
    if path.is_dir():
        raise ConfigError(f"configuration {path} is a folder, not a TOML file")
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{path.name}: {size:,} bytes is too large for a report configuration (at most "
                f"{MAX_CONFIG_BYTES:,}); is it the right file?"
            )
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def decode_config(raw: bytes, name: str = "the configuration") -> str:
    """The text of a configuration file: UTF-8 (a BOM is dropped), UTF-16 or UTF-32 with a
    BOM, UTF-16 without BOM (recognised by its zero bytes), else Windows-1252 (as German
    editors on Windows save). Raises :class:`ConfigError` naming the encodings tried."""
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    )
    for bom, enc in boms:
        if raw.startswith(bom):
            try:
                return raw.decode(enc)
            except UnicodeDecodeError as exc:
                raise ConfigError(
                    f"{name}: starts like {enc.upper()} (byte order mark) but is not valid "
                    f"{enc.upper()} ({exc.reason} at byte {exc.start}); save it as UTF-8"
                ) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = _utf16_without_bom(raw)
    if guess:
        try:
            return raw.decode(guess)
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{name}: unknown text encoding: neither UTF-8, UTF-16 nor Windows-1252 (byte "
            f"0x{raw[exc.start]:02x} at position {exc.start}); save it as UTF-8"
        ) from None


def _utf16_without_bom(raw: bytes) -> str | None:
    """'utf-16-le' / 'utf-16-be' when most odd / even bytes are zero (ASCII text in UTF-16)."""
    if len(raw) < 4 or len(raw) % 2:
        return None
    even, odd = raw[0::2], raw[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _parse(text: str, name: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{name}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{name}: not valid TOML: nested too deeply") from None


# -- checking ------------------------------------------------------------------------------

_INTERNAL = {"source_text", "source_path", "source_sha256"}


def _build(cls: type, data: Any, prefix: str) -> Any:
    where = prefix or "the configuration"
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a table of keys, got {_show(data)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in _INTERNAL}
    bad_keys = [k for k in data if not isinstance(k, str)]
    if bad_keys:
        raise ConfigError(f"{where}: keys are names (text), got {_show(bad_keys[0])}")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        key = f"{prefix}.{unknown[0]}" if prefix else unknown[0]
        raise ConfigError(
            f"unknown key {key!r}; allowed {'in [' + prefix + ']' if prefix else 'tables'}: "
            f"{', '.join(sorted(fields))}"
        )
    kwargs = {}
    for name, value in data.items():
        key = f"{prefix}.{name}" if prefix else name
        kwargs[name] = _check(hints[name], value, key)
    obj = cls(**kwargs)
    _check_ranges(obj, prefix)
    return obj


def _check(tp: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build(tp, value, key)
    if origin is Literal:
        allowed = typing.get_args(tp)
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(
                f"{key}: {_show(value)} is not allowed; choose one of {', '.join(allowed)}"
            )
        return value
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(value, list):
            raise ConfigError(f"{key}: expected a list, got {_show(value)}")
        if len(args) == 2 and args[1] is Ellipsis:
            out = tuple(_check(args[0], v, f"{key}[{i}]") for i, v in enumerate(value))
            if len(set(out)) != len(out):
                raise ConfigError(f"{key}: an entry appears twice in {_show(value)}")
            return out
        if len(value) != len(args):
            raise ConfigError(f"{key}: expected {len(args)} values, got {_show(value)}")
        return tuple(
            _check(a, v, f"{key}[{i}]") for i, (a, v) in enumerate(zip(args, value, strict=True))
        )
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key}: expected true or false, got {_show(value)}")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            limit = f" (at most {LIMITS[key][0]:,})" if key in LIMITS else ""
            raise ConfigError(f"{key}: expected a whole number{limit}, got {_show(value)}")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key}: expected a number, got {_show(value)}")
        if not math.isfinite(value):
            raise ConfigError(f"{key}: expected a finite number, got {_show(value)}")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key}: expected text, got {_show(value)}")
        return value
    raise ConfigError(f"{key}: cannot be set in a configuration file")  # pragma: no cover


def _check_ranges(obj: Any, prefix: str) -> None:
    def bad(name: str, msg: str) -> ConfigError:
        return ConfigError(f"{prefix + '.' if prefix else ''}{name}: {msg}")

    for name in dataclasses.fields(obj):
        key = f"{prefix}.{name.name}" if prefix else name.name
        if key in LIMITS:
            limit, unit = LIMITS[key]
            value = getattr(obj, name.name)
            values = value if isinstance(value, tuple) else (value,)
            if any(isinstance(v, int | float) and abs(v) > limit for v in values):
                raise bad(
                    name.name,
                    f"{_show(value)} is too large: at most {limit:,} {unit} (a limit of the "
                    "package, so that a typo cannot start days of computing)",
                )

    if isinstance(obj, ReportSettings):
        if obj.year != 0 and not 1900 <= obj.year <= 2100:
            raise bad("year", f"{obj.year} is not a plausible year (or 0 for the latest)")
        if obj.small_cell_threshold < 0:
            raise bad("small_cell_threshold", "must be 0 (off) or a positive count")
        if not 0 <= obj.digits <= 10:
            raise bad("digits", "must be between 0 and 10")
        if obj.seed < 0:
            raise bad("seed", "must be a non-negative whole number")
    elif isinstance(obj, TreatmentSettings):
        if obj.cycle < 1:
            raise bad("cycle", "must be 1 (first audit) or higher")
    elif isinstance(obj, ComparisonSettings):
        if obj.ratio < 1:
            raise bad("ratio", "must be at least 1")
        if obj.caliper < 0:
            raise bad("caliper", "must be 0 (none) or positive")
    elif isinstance(obj, ImpactSettings):
        lo, hi = obj.window
        if not lo < 0 <= hi:
            raise bad("window", f"must be [first, last] with first < 0 <= last, got {[lo, hi]}")
        if not lo <= obj.reference_period < 0:
            raise bad("reference_period", "must be a negative relative year inside the window")
    elif isinstance(obj, RobustnessSettings):
        if obj.anticipation < 0:
            raise bad("anticipation", "must be 0 or positive")
        if obj.randomization_draws < 19:
            raise bad("randomization_draws", "must be at least 19")
        if obj.randomization_max_treated < 0:
            raise bad("randomization_max_treated", "must be 0 (never) or positive")
    elif isinstance(obj, AttGtSettings):
        if obj.bootstrap < 0:
            raise bad("bootstrap", "must be 0 (analytic only) or a number of draws")


def _show(value: Any) -> str:
    s = repr(value)
    return s if len(s) <= 60 else s[:57] + "..."


# -- writing -------------------------------------------------------------------------------


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return {
            f.name: _to_plain(getattr(obj, f.name))
            for f in dataclasses.fields(obj)
            if f.name not in _INTERNAL
        }
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return '"' + "".join(_toml_char(c) for c in v) + '"'
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(type(v))  # pragma: no cover


def _toml_char(c: str) -> str:
    """A character inside a TOML basic string: quotes, backslashes and every control or
    direction-changing character escaped (the text is read back unchanged, and shown safely)."""
    if c == "\\":
        return "\\\\"
    if c == '"':
        return '\\"'
    if c == "\n":
        return "\\n"
    if c == "\t":
        return "\\t"
    if ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c in BIDI:
        return f"\\u{ord(c):04X}"
    return c


def _dump_toml(data: dict[str, Any], prefix: str = "") -> str:
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, dict)]
    lines = []
    if prefix and scalars:
        lines.append(f"[{prefix}]")
    lines += [f"{k} = {_toml_value(v)}" for k, v in scalars]
    out = "\n".join(lines) + ("\n" if lines else "")
    for k, v in tables:
        name = f"{prefix}.{k}" if prefix else k
        sub = _dump_toml(v, name)
        out += ("\n" if out else "") + sub
    return out


# -- the commented template --------------------------------------------------------------


def _field_docs(cls: type) -> dict[str, str]:
    """The docstrings written under the fields of a settings class (from its source)."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(cls)))
    except (OSError, TypeError):  # pragma: no cover - no source (frozen application)
        return {}
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for node, nxt in zip(body, body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[node.target.id] = " ".join(nxt.value.value.split())
    return docs


def _template_table(cls: type, obj: Any, prefix: str) -> list[str]:
    import textwrap

    docs = _field_docs(cls)
    hints = typing.get_type_hints(cls)
    lines: list[str] = []
    if prefix:
        lines += ["", f"[{prefix}]"]
        doc = (cls.__doc__ or "").strip().splitlines()[0].split(": ", 1)[-1]
        lines.append(f"# {doc.replace('``', '')}")
    subtables = []
    for f in dataclasses.fields(cls):
        if f.name in _INTERNAL:
            continue
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            subtables.append((hints[f.name], value, f.name))
            continue
        tp = hints[f.name]
        choices = ""
        if typing.get_origin(tp) is Literal:
            choices = " Choices: " + ", ".join(f'"{c}"' for c in typing.get_args(tp)) + "."
        elif typing.get_origin(tp) is tuple:
            inner = typing.get_args(tp)[0]
            if typing.get_origin(inner) is Literal:
                choices = (
                    " Entries from: " + ", ".join(f'"{c}"' for c in typing.get_args(inner)) + "."
                )
        key = f"{prefix}.{f.name}" if prefix else f.name
        limit = f" At most {LIMITS[key][0]:,} {LIMITS[key][1]}." if key in LIMITS else ""
        text = (docs.get(f.name, "").replace("``", "") + choices + limit).strip()

        for line in textwrap.wrap(text, 92):
            lines.append(f"# {line}")
        lines.append(f"{f.name} = {_toml_value(_to_plain(value))}")
    for tp, value, name in subtables:
        lines += _template_table(tp, value, f"{prefix}.{name}" if prefix else name)
    return lines


def template_text() -> str:
    """A commented ``report.toml`` with every key at its default, the choices and limits.

    Written by ``audit-eval init`` into a new study folder and printed by
    ``audit-eval config --example``; it reads back as the default configuration.
    """
    head = [
        "# Configuration of the evaluation report (audit-eval report STUDY --config report.toml).",
        "# Every key is optional: a missing key has the default shown here. Only names and",
        "# values from fixed lists: nothing in this file is evaluated as code.",
    ]
    cfg = ReportConfig()
    body: list[str] = []
    for f in dataclasses.fields(ReportConfig):
        if f.name in _INTERNAL:
            continue
        tp = typing.get_type_hints(ReportConfig)[f.name]
        body += _template_table(tp, getattr(cfg, f.name), f.name)
    return "\n".join(head + body).strip() + "\n"


def write_config_template(path: str | Path) -> Path:
    """Write :func:`template_text` to ``path`` (atomically); an existing file is never
    replaced (:class:`~evaluation.errors.OutputExistsError`)."""
    import os
    import tempfile

    from ..errors import OutputExistsError

    target = Path(path)
    if target.exists():
        raise OutputExistsError(f"{target} exists; it is left as it is")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(template_text())
        os.link(tmp, target)  # fails if the file appeared meanwhile
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target
