"""Build hook: execute the analysis notebooks and put them, with their outputs, into the site.

The notebooks are the jupytext scripts ``analyses/NN_*.py`` (outputs stripped in the
repository). Every build executes each of them from top to bottom with nbclient, in the
project folder, with figures drawn inline (as in Jupyter) and files written into a temporary
folder; the executed notebook is handed to mkdocs-jupyter, which renders it with its outputs
under ``tutorials/``. A cell that fails stops the build with the notebook's name, the cell and
the error, so the tutorials cannot rot. This is the one execution of the notebooks in
``make test`` (``tests/test_notebooks.py`` checks only that they are found and stripped).

Notebooks that need the public data (``NEEDS_PUBLIC_DATA``) are not executed when the data
are absent: their page shows the code without outputs under a note that says why.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jupytext
import nbclient
import nbformat
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
ANALYSES = ROOT / "analyses"
PATTERN = "[0-9][0-9]_*.py"
#: notebooks that cannot run without the public data, with the files they read (relative to
#: the data folder); the others run anywhere
NEEDS_PUBLIC_DATA: dict[str, tuple[str, ...]] = {
    "06_case_study_districts.py": (
        "kreise/gerda_county_covariates_inkar_1995_2022.csv",
        "gemeindeverzeichnis/31122023_Auszug_GV.xlsx",
    ),
}
#: seconds a single cell may take before the build stops
CELL_TIMEOUT = 900
#: notebooks executed at the same time
PARALLEL = 2

log = logging.getLogger("mkdocs.hooks.notebooks")
_state: dict[str, Path] = {}


def notebooks() -> list[Path]:
    """The analysis notebooks, in the order of their number."""
    return sorted(ANALYSES.glob(PATTERN))


def public_data() -> Path:
    """Where the public data are looked for (as in the tests and the notebooks)."""
    default = ROOT.parent / "shared" / "data" / "external"
    return Path(os.environ.get("EVALUATION_SHARED_DATA", default))


def _skip_note(path: Path) -> str:
    return (
        '<div class="admonition note"><p class="admonition-title">Not executed in this build'
        "</p><p>This notebook needs the public data (the district panel and the Destatis "
        "directory) and they were not found when this site was built: set "
        "<code>EVALUATION_SHARED_DATA</code> to the folder that holds them (default "
        "<code>../shared/data/external</code> beside the project) and build again. The code "
        f"below is <code>analyses/{path.name}</code>, shown without outputs.</p></div>"
    )


def _execute(path: Path, out_dir: Path) -> Path:
    nb = jupytext.reads(path.read_text(encoding="utf-8"), fmt="py:percent")
    needed = NEEDS_PUBLIC_DATA.get(path.name, ())
    if not all((public_data() / name).is_file() for name in needed):
        nb.cells.insert(0, nbformat.v4.new_markdown_cell(_skip_note(path)))
        # info, not warning: the strict build must still pass; the page carries the note
        log.info("%s: not executed, the public data are absent", path.name)
    else:
        env = {
            **os.environ,
            # figures become outputs of their cells (PNG), without a display
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "CASE_STUDY_OUT": str(out_dir / f"{path.stem}_out"),
        }
        client = nbclient.NotebookClient(
            nb,
            timeout=CELL_TIMEOUT,
            kernel_name="python3",
            # the kernel's own log (e.g. its note on unencrypted local TCP) only clutters the build
            extra_arguments=["--log-level=ERROR"],
            resources={"metadata": {"path": str(ROOT)}},
        )
        start = time.perf_counter()
        try:
            client.execute(env=env)
        except nbclient.exceptions.CellExecutionError as exc:
            raise PluginError(f"analyses/{path.name}: a cell failed:\n{exc}") from None
        except nbclient.exceptions.CellTimeoutError as exc:
            raise PluginError(f"analyses/{path.name}: a cell took too long: {exc}") from None
        log.info("%s executed in %.1f s", path.name, time.perf_counter() - start)
    target = out_dir / "tutorials" / f"{path.stem}.ipynb"
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


def on_pre_build(config) -> None:
    _state["tmp"] = Path(tempfile.mkdtemp(prefix="evaluation-docs-"))


@event_priority(50)  # before mkdocs-jupyter looks at the files
def on_files(files, config):
    out_dir = _state["tmp"]
    found = notebooks()
    if not found:
        raise PluginError(f"no notebooks {PATTERN} in analyses/")
    unknown = set(NEEDS_PUBLIC_DATA) - {p.name for p in found}
    if unknown:
        raise PluginError(f"NEEDS_PUBLIC_DATA names notebooks that do not exist: {unknown}")
    start = time.perf_counter()
    # two kernels at a time: the notebooks are independent, and the machine has two cores
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        executed = list(pool.map(lambda p: _execute(p, out_dir), found))
    log.info("%d notebooks ready in %.1f s", len(executed), time.perf_counter() - start)
    for ipynb in executed:
        # a real file under the temporary folder (mkdocs-jupyter reads it from its path)
        uri = ipynb.relative_to(out_dir).as_posix()
        files.append(File(uri, str(out_dir), config.site_dir, config.use_directory_urls))
    return files


def _cleanup() -> None:
    tmp = _state.pop("tmp", None)
    if tmp is not None:
        shutil.rmtree(tmp, ignore_errors=True)


def on_post_build(config) -> None:
    _cleanup()


def on_build_error(error) -> None:
    _cleanup()


def on_serve(server, config, builder):
    server.watch(str(ANALYSES))
    return server
