"""The public entry points: the full report, the yearly summary, verification and the demo."""

from __future__ import annotations

import filecmp
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import ConfigError, DataError, EvaluationError
from ..i18n import Text
from .config import ALL_ESTIMATORS, ReportConfig, load_config
from .context import Context
from .document import Code, Heading, Section
from .figures import report_style
from .output import OutputExistsError, atomic_folder, check_target, output_lock
from .provenance import (
    DETERMINISTIC_SUFFIXES,
    RECORD_NAME,
    build_record,
    describe_inputs,
    describe_tables,
    finish_record,
    read_record,
    relative,
    sha256_file,
)
from .render import Document, write_document

StudyLike = Any  # a Study, or the path of a study folder


def _load(study: StudyLike) -> tuple[Any, Path | None]:
    from ..study.model import Study, load_study

    if isinstance(study, Study):
        return study, study.source
    path = Path(study)
    if not path.is_dir():
        raise EvaluationError(f"study folder not found: {path}")
    return load_study(path), path


def _progress(enabled: bool, total: int, desc: str) -> tuple[Callable[[str], None], Callable]:
    if not enabled:
        return (lambda label: None), (lambda: None)
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="step", file=sys.stderr, leave=True)

    def step(label: str) -> None:
        bar.set_postfix_str(label[:40], refresh=False)
        bar.update(1)

    def close() -> None:
        bar.n = bar.total = max(bar.n, 1)
        bar.close()

    return step, close


def report_year(study: Any, config: ReportConfig) -> int:
    """The report year: configured, or the latest year with indicator values or reports."""
    if config.report.year:
        return config.report.year
    years = pd.concat(
        [
            pd.to_numeric(study.indicators["year"], errors="coerce"),
            pd.to_numeric(study.measure_reports["report_year"], errors="coerce"),
        ]
    ).dropna()
    if not len(years):
        raise EvaluationError(
            "the study has neither indicator values nor annual reports: set report.year"
        )
    return int(years.max())


def _inputs(study: Any, source: Path | None) -> list[dict[str, Any]]:
    return describe_inputs(source) if source is not None else describe_tables(study)


CONFIGURATION = Text("Konfiguration", "Configuration")


def _config_section(ctx: Context, section: Section) -> None:
    section.add(Heading(ctx.tr(CONFIGURATION), level=3))
    section.add(Code(ctx.config.to_toml().rstrip("\n")))


def _prepare(
    kind: str, study: StudyLike, config: Any, out: str | Path, force: bool
) -> tuple[ReportConfig, Path, Any, Path | None]:
    """Shared start of a report and a summary: the checked configuration, the output folder
    (refused if it exists, unless forced and an earlier output of the same kind; checked again
    before the move) and the study with its source."""
    cfg = load_config(config)
    out = Path(out)
    check_target(out, kind, force)
    st, source = _load(study)
    if source is not None:
        _not_inside(out, Path(source))
    if not len(st.municipalities):
        raise DataError(
            "the study has no units: its municipalities table is empty; fill in the tables "
            "(see CODEBOOK.md) before writing a report"
        )
    cfg.check_study(st)
    return cfg, out, st, source


def _not_inside(out: Path, source: Path) -> None:
    """Refuse an output folder inside the study folder (or the study folder itself): the
    study is only read."""
    o, s = out.resolve(), source.resolve()
    if o == s or s in o.parents:
        raise OutputExistsError(
            f"{out} is inside the study folder {source}; the study is only read: write the "
            "output to a folder outside it"
        )


# titles of the sections, for a section whose builder failed as a whole
SECTION_TITLES = {
    "findings": Text("Kurzfassung", "Summary of findings"),
    "data": Text("Die Daten", "The data"),
    "implementation": Text("Umsetzungserfolg", "Implementation success"),
    "mixed_methods": Text(
        "Zielerreichung, Maßnahmenarten, Befragungen und Kosten",
        "Goal attainment, types of measure, surveys and costs",
    ),
    "impact": Text("Wirkung auf die Indikatoren", "Impact on the indicators"),
    "implementation_impact": Text("Umsetzung und Wirkung", "Implementation and impact"),
    "power": Text("Planung/Power", "Planning/power"),
    "methods": Text("Anhang: Methoden", "Appendix: methods"),
    "details": Text("Anhang: Einzelheiten je Indikator", "Appendix: details per indicator"),
    "provenance": Text("Anhang: Herkunft", "Appendix: provenance"),
}
SUBTITLE = Text("Evaluationsbericht, Berichtsjahr {year}", "Evaluation report, report year {year}")


def _section(
    ctx: Context, name: str, builder: Callable[[Context], Section | None]
) -> Section | None:
    """A section, or (when its builder fails) a section with the error as a note; None when
    the study has nothing for it (a section of optional data)."""
    try:
        return builder(ctx)
    except Exception as exc:  # noqa: BLE001 - a failing section is a note, not a crash
        if ctx.config.report.on_error == "raise":
            raise
        sec = Section(name, ctx.tr(SECTION_TITLES[name]))
        msg = " ".join(f"{type(exc).__name__}: {exc}".split())
        ctx.failed(sec, sec.title, msg[:300])
        return sec


def failed_analyses(folder: str | Path) -> list[str]:
    """The analyses that a report or summary in ``folder`` was asked for and that failed,
    from its ``provenance.json``; empty when all ran."""
    rec = read_record(folder)
    out = []
    for key in ("failed_analyses", "missing"):
        items = rec.get(key) or []
        if not isinstance(items, list):
            raise DataError(f"{Path(folder) / RECORD_NAME}: {key!r} is not a list")
        out += [str(i) for i in items]
    return out


def _start(kind, st, cfg, source, out, year: int, total: int, desc: str, progress, parameters):
    """Progress bar, analysis context and provenance record of a report or a summary."""
    step, close = _progress(progress, total, desc)
    ctx = Context(st, cfg, year, step=step, progress=progress)
    record = build_record(
        kind=kind,
        inputs=_inputs(st, source),
        study_path=source,
        config=cfg,
        seed=cfg.seed,
        parameters={"year": year, **(parameters or {})},
        final_dir=out,
    )
    return ctx, record, step, close


def render_report(
    study: StudyLike,
    config: str | Path | dict | ReportConfig | None = None,
    out: str | Path = "report",
    *,
    force: bool = False,
    progress: bool = False,
    parameters: dict[str, Any] | None = None,
    formats: Sequence[str] | None = None,
) -> Path:
    """Write the full evaluation report of ``study`` into the folder ``out``.

    ``study`` is a :class:`~evaluation.Study` or the path of a study folder; ``config`` a
    TOML file, a dict, a :class:`ReportConfig` or None (defaults). Writes ``report.html``,
    ``report.pdf``, ``report.md`` (as configured in ``report.formats``), ``tables/*.csv|tex``,
    ``figures/*.svg|png``, ``config.toml`` and ``provenance.json``; returns ``out``.
    Raises :class:`OutputExistsError` if ``out`` exists and ``force`` is false.
    ``parameters`` are recorded in ``provenance.json`` (e.g. the seed that generated the data);
    ``formats`` overrides ``report.formats`` for this run (the files of the other formats do not
    change).
    """
    from .sections import (
        appendix,
        data,
        details,
        findings,
        impact,
        implementation,
        implementation_impact,
        mixed,
        power,
    )

    cfg, out, st, source = _prepare("report", study, config, out, force)
    year = report_year(st, cfg)
    n_steps = _count_steps(cfg, formats)
    ctx, record, step, close = _start(
        "report", st, cfg, source, out, year, n_steps, "report", progress, parameters
    )
    builders = {
        "findings": findings.build,
        "data": data.build,
        "implementation": implementation.build,
        "mixed_methods": mixed.build,
        "impact": impact.build,
        "implementation_impact": implementation_impact.build,
        "power": power.build,
        "methods": appendix.methods,
        "details": details.build,
        "provenance": lambda c: appendix.provenance(c, record),
    }
    try:
        with report_style(), atomic_folder(out, force=force, kind="report") as tmp:
            built: dict[str, Section] = {}
            # the methods appendix describes what ran: it is built after every other section
            order = [n for n in cfg.report.sections if n not in ("methods", "provenance")]
            for name in [*order, "methods"]:
                if name in cfg.report.sections:
                    step(f"section {name}")
                    sec = _section(ctx, name, builders[name])
                    if sec is not None:
                        built[name] = sec
            sections = [built[n] for n in cfg.report.sections if n in built]
            if "provenance" in cfg.report.sections:
                prov = _section(ctx, "provenance", builders["provenance"])
                if prov is not None:  # always: the provenance appendix has no optional data
                    _config_section(ctx, prov)
                    sections.append(prov)
            subtitle = cfg.study.description or ctx.tr(SUBTITLE.format(year=year))
            doc = Document(
                kind="report",
                title=cfg.study.title,
                subtitle=subtitle,
                sections=sections,
                lang=cfg.lang,
                digits=cfg.report.digits,
                threshold=cfg.report.small_cell_threshold,
            )
            write_document(doc, tmp, _formats(cfg, formats), step)
            _finish(ctx, cfg, record, tmp)
    finally:
        close()
    return out


def _finish(ctx: Context, cfg: ReportConfig, record: dict[str, Any], tmp: Path) -> None:
    (tmp / "config.toml").write_text(cfg.to_toml(), encoding="utf-8")
    record["missing"] = []
    record["warnings"] = list(ctx.warnings)
    record["failures"] = list(ctx.failures)
    record["failed_analyses"] = list(ctx.failed_analyses)
    finish_record(record, tmp)


def _count_steps(cfg: ReportConfig, formats: Sequence[str] | None) -> int:
    """How many progress steps a report takes (for the progress bar's total)."""
    sections = [s for s in cfg.report.sections if s != "provenance"]
    imp = cfg.impact
    rob = imp.robustness
    att = "att_gt" in imp.estimators
    per_indicator = (
        2  # panel, randomisation inference
        + sum(e in imp.estimators for e in ALL_ESTIMATORS if e != "trends")
        + (cfg.comparison.design == "matched" or rob.matched)
        + (att and rob.not_yet_treated and imp.att_gt.control_group != "not_yet_treated")
        + (att and rob.never_treated and imp.att_gt.control_group != "never_treated")
        + (att and rob.anticipation > 0)
        + 13  # the steps of the indicator's appendix
    )
    n_indicators = max(len(imp.indicators), 1)
    out = _formats(cfg, formats)
    return (
        len(sections)
        + (8 if "implementation" in sections else 0)
        + (per_indicator * n_indicators if "impact" in sections else 0)
        + (2 + 5 * n_indicators if "implementation_impact" in sections else 0)
        + 1
        + ("markdown" in out)
        + ("pdf" in out)
    )


def _formats(cfg: ReportConfig, formats: Sequence[str] | None) -> tuple[str, ...]:
    if formats is None:
        return tuple(cfg.report.formats)
    allowed = ("html", "pdf", "markdown", "docx")
    bad = [f for f in formats if f not in allowed]
    if bad:
        raise ConfigError(f"formats: {bad[0]!r} is not allowed; choose from {', '.join(allowed)}")
    return tuple(formats)


def render_summary(*args: Any, **kwargs: Any) -> Path:
    """Deprecated alias of :func:`evaluation.report.yearly.render_yearly_summary` (the yearly
    summary; "summary" alone is what a result's ``summary()`` gives)."""
    import warnings

    from .yearly import render_yearly_summary

    warnings.warn(
        "render_summary is renamed render_yearly_summary; the old name goes in the next release",
        DeprecationWarning,
        stacklevel=2,
    )
    return render_yearly_summary(*args, **kwargs)


# -- verification ----------------------------------------------------------------------------


@dataclass
class Verification:
    """What :func:`verify_report` found: ``ok`` is true when everything matches."""

    folder: Path
    differences: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        if self.ok:
            return f"{self.folder}: OK, {self.checked} files match"
        return f"{self.folder}: {len(self.differences)} differences\n" + "\n".join(
            f"  - {d}" for d in self.differences
        )


def verify_report(folder: str | Path) -> Verification:
    """Re-hash a report's inputs and configuration and re-render it into a temporary folder;
    list every input, configuration or output file that differs."""
    folder = Path(folder)
    rec = read_record(folder)
    for key in ("study", "config", "parameters"):
        if key in rec and not isinstance(rec[key], dict):
            raise DataError(
                f"{folder / 'provenance.json'}: {key!r} is {type(rec[key]).__name__}, not an "
                "object: the record is damaged; render the report again"
            )
    res = Verification(folder)
    study_rel = rec.get("study", {}).get("path")
    if study_rel is None:
        res.differences.append(
            "the report was made from a study in memory; its inputs cannot be re-read"
        )
        return res
    study_dir = (folder / study_rel).resolve()
    if not study_dir.is_dir():
        res.differences.append(f"study folder {study_rel} not found")
        return res
    # inputs
    recorded = {i["name"]: i["sha256"] for i in rec.get("inputs") or []}
    current = {i["name"]: i["sha256"] for i in describe_inputs(study_dir)}
    for name in sorted(set(recorded) | set(current)):
        if name not in current:
            res.differences.append(f"input {name}: missing now")
        elif name not in recorded:
            res.differences.append(f"input {name}: new file, not in the record")
        elif recorded[name] != current[name]:
            res.differences.append(f"input {name}: content changed (SHA-256 differs)")
    # configuration
    cfg_info = rec.get("config", {})
    cfg_rel = cfg_info.get("path")
    if cfg_rel is not None and (folder / cfg_rel).is_file():
        cfg_path = folder / cfg_rel
        cfg = load_config(cfg_path)
        if cfg.sha256() != cfg_info.get("sha256"):
            res.differences.append(f"configuration {cfg_rel}: settings changed")
        elif cfg_info.get("file_sha256") and sha256_file(cfg_path) != cfg_info["file_sha256"]:
            res.differences.append(f"configuration {cfg_rel}: file changed (settings the same)")
    else:
        if cfg_rel is not None:
            res.differences.append(
                f"configuration {cfg_rel} not found; using the copy in the report"
            )
        copy = folder / "config.toml"
        if not copy.is_file():
            raise DataError(
                f"{folder}: the configuration is neither at the recorded path "
                f"({cfg_rel or 'none recorded'}) nor in the report (config.toml is missing): "
                "the report cannot be re-created"
            )
        cfg = load_config(copy)
    # outputs
    year = rec.get("parameters", {}).get("year")
    with tempfile.TemporaryDirectory(prefix="verify-") as tmpdir:
        again = Path(tmpdir) / folder.name
        # the PDF is not compared: render its HTML only
        formats = sorted({"html" if f == "pdf" else f for f in cfg.report.formats})
        if rec.get("kind") == "summary":
            from .yearly import render_yearly_summary

            params = rec.get("parameters", {})
            render_yearly_summary(
                study_dir,
                int(year),
                again,
                config=cfg,
                formats=formats,
                municipalities=params.get("municipalities"),
                profiles=params.get("profiles", True),
            )
        else:
            render_report(study_dir, cfg, again, formats=formats)
        res.checked = _compare_outputs(folder, again, rec.get("outputs", {}), res.differences)
    return res


def _compare_outputs(old: Path, new: Path, recorded: dict[str, str], diffs: list[str]) -> int:
    def files(root: Path) -> set[str]:
        return {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and p.name != RECORD_NAME and p.suffix in DETERMINISTIC_SUFFIXES
        }

    a, b = files(old), files(new)
    checked = 0
    for name in sorted(a | b):
        if name not in b:
            diffs.append(f"output {name}: not produced again")
        elif name not in a:
            diffs.append(f"output {name}: new in the re-run")
        else:
            checked += 1
            if not filecmp.cmp(old / name, new / name, shallow=False):
                diffs.append(f"output {name}: differs from the re-run")
            elif name in recorded and recorded[name] != sha256_file(old / name):
                diffs.append(f"output {name}: edited after it was written")
    return checked


# -- the demo --------------------------------------------------------------------------------

DEMO_SEED = 1
FALLBACK_DEMO_CONFIG: dict[str, Any] = {
    "study": {"title": "Audit familiengerechte Kommune: Evaluation der Demo-Studie"},
    "impact": {
        "indicators": [
            "childcare_u3",
            "births_per_1000_women",
            "family_net_migration",
            "sgb2_children",
            "share_65plus",
        ],
        "estimators": ["trends", "before_after", "twfe", "event_study", "att_gt", "bacon"],
    },
}


def demo_parameters(seed: int) -> dict[str, Any]:
    """What ``provenance.json`` of the demo records about the generated data."""
    return {
        "data_generator": "evaluation.datasets.synthetic_study",
        "data_seed": seed,
        "mixed_methods_generator": "evaluation.add_mixed_methods",
    }


def summary_year(study: StudyLike, config: str | Path | dict | ReportConfig | None) -> int:
    """The year of the demo's summary: ``report.year``, else the last year of the reports."""
    cfg = load_config(config)
    if cfg.report.year:
        return cfg.report.year
    st, _ = _load(study)
    years = pd.to_numeric(st.measure_reports["report_year"], errors="coerce").dropna()
    if not len(years):
        raise EvaluationError("the study has no annual reports: give the summary year")
    return int(years.max())


def demo_config_path() -> Path:
    """The demo report's configuration, shipped inside the package (``evaluation/report/
    demo.toml``, read through :mod:`importlib.resources`; ``reports/demo.toml`` of the source
    tree is an identical copy, checked by a test)."""
    from importlib import resources

    return Path(str(resources.files(__package__).joinpath("demo.toml")))


def run_demo(
    out_dir: str | Path = "reports/demo",
    seed: int = DEMO_SEED,
    *,
    config: str | Path | dict | ReportConfig | None = None,
    progress: bool = True,
    force: bool = False,
) -> dict[str, Path]:
    """The whole chain on the synthetic study: generate, write to ``out_dir/data``, validate,
    write the report to ``out_dir/report`` and the summary of the last year to
    ``out_dir/summary``. Returns the three folders. With ``force`` earlier output is replaced.
    """
    from ..study.model import load_study

    out_dir = Path(out_dir)
    if config is None:
        # one configuration for `make demo` and the installed `audit-eval demo`
        path = demo_config_path()
        config = path if path.is_file() else FALLBACK_DEMO_CONFIG
    cfg = load_config(config)
    data_dir, report_dir, summary_dir = out_dir / "data", out_dir / "report", out_dir / "summary"
    # all three are checked before anything is generated (and each again before its move)
    check_target(data_dir, "demo-data", force, legacy=_earlier_demo_data)
    for d, kind in ((report_dir, "report"), (summary_dir, "summary")):
        check_target(d, kind, force)
    _make_folder(out_dir)
    say = (lambda m: print(m, file=sys.stderr, flush=True)) if progress else (lambda m: None)
    with output_lock(out_dir):
        say(f"demo: generating the synthetic study (seed {seed})")
        write_demo_study(data_dir, seed, force=force)
        say(f"demo: wrote {relative(data_dir, Path.cwd())}; validating")
        loaded = load_study(data_dir, validate=True)
        say("demo: validation passed; writing the report")
        generated = demo_parameters(seed)
        render_report(
            data_dir, cfg, report_dir, force=force, progress=progress, parameters=generated
        )
        last = summary_year(loaded, cfg)
        say(f"demo: writing the summary of {last}")
        from .yearly import render_yearly_summary

        render_yearly_summary(
            data_dir,
            last,
            summary_dir,
            config=cfg,
            force=force,
            progress=progress,
            parameters=generated,
        )
    say(f"demo: done -> {relative(out_dir, Path.cwd())}")
    return {"data": data_dir, "report": report_dir, "summary": summary_dir}


def write_demo_study(folder: str | Path, seed: int = DEMO_SEED, *, force: bool = False) -> Path:
    """Write the synthetic demo study into ``folder`` (atomically). An existing folder is
    replaced only with ``force`` and only if it holds an earlier demo study and nothing else."""
    from ..mixed.synthetic import add_mixed_methods
    from ..study.synthetic import synthetic_study

    folder = Path(folder)
    check_target(folder, "demo-data", force, legacy=_earlier_demo_data)
    # with goal ratings, measure codes, a family survey and costs (same seed)
    study = add_mixed_methods(synthetic_study(seed=seed), seed=seed)
    with atomic_folder(folder, force=force, kind="demo-data", legacy=_earlier_demo_data) as tmp:
        study.save(tmp)
    return folder


def _earlier_demo_data(folder: Path) -> set[str] | None:
    """A demo study written before folders carried a marker: recognised by the demo report
    beside it, whose provenance.json records the generator and the SHA-256 of every file of
    the folder (a study of the user's never matches). Its files, or None."""
    try:
        rec = read_record(folder.parent / "report")
        generated = rec.get("parameters", {}).get("data_generator")
        study = rec.get("study", {}).get("path")
        recorded = {i["name"]: i["sha256"] for i in rec.get("inputs", [])}
    except EvaluationError:
        return None
    if generated != demo_parameters(DEMO_SEED)["data_generator"] or not recorded:
        return None
    if study is None or (folder.parent / "report" / study).resolve() != folder.resolve():
        return None
    current = {i["name"]: i["sha256"] for i in describe_inputs(folder)}
    return set(recorded) if current == recorded else None


def _make_folder(folder: Path) -> None:
    from .output import output_error

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OutputExistsError(f"{folder} exists and is not a folder") from None
    except OSError as exc:
        raise output_error(exc, folder) from None
