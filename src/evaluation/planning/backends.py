"""Seeded replications on a local process, local worker processes (joblib) or a Dask cluster.

The one primitive is :func:`run_replications`: it calls ``task(rng, params)`` once per
replication and returns the outputs in replication order. No scheduler is written here:
replications are grouped into chunks and the chunks are handed to joblib or to
``dask.distributed``; both are imported only when asked for (``pip install
'evaluation[parallel]'``).

Randomness and reproducibility
------------------------------
``numpy.random.SeedSequence(seed).spawn(n_sims)`` gives one independent child seed per
replication, and replication ``r`` always draws from ``numpy.random.default_rng(child[r])``.
Chunks only group replications for efficiency (one transfer per chunk, not per replication);
which worker runs a chunk, how many workers there are and how large the chunks are does not
change any draw. The same ``seed`` therefore gives bit-for-bit the same results serially, with
joblib and on a Dask cluster, with any number of workers and any ``chunk_size``, as long as the
task itself is deterministic given its generator.

Backends
--------
``"serial"`` (default)
    Every chunk in this process, one after the other.
``"joblib"``
    Local worker processes via ``joblib.Parallel(n_jobs=n_jobs)`` (the loky backend; tasks
    may be closures, joblib pickles them with cloudpickle).
``"dask"``
    The Dask client already running in this process (``distributed.get_client()``).
a ``distributed.Client``
    That client's cluster, e.g. ``backend=Client("tcp://scheduler:8786")`` for an existing
    cluster, or ``Client(LocalCluster(n_workers=4))`` on one machine. The workers need the
    same version of ``evaluation`` installed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DataError, OptionError
from ..options import BackendName, choices

BACKENDS: tuple[str, ...] = choices(BackendName)

#: Largest number of replications one call may ask for (a typo guard, not a memory estimate).
MAX_SIMS = 10_000_000

Task = Callable[[np.random.Generator, Any], Any]


def check_seed(seed: Any, what: str = "simulation") -> np.random.SeedSequence:
    """The seed as a SeedSequence; an explicit integer (or SeedSequence) is required."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if seed is None:
        raise OptionError(
            f"a {what} needs an explicit seed, e.g. seed=1 (the same seed gives the same results)"
        )
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise OptionError(f"seed must be a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def check_n_sims(n_sims: Any) -> int:
    """The number of replications: an integer from 1 to :data:`MAX_SIMS`."""
    if isinstance(n_sims, bool) or not isinstance(n_sims, int | np.integer):
        raise OptionError(f"n_sims must be an integer, got {n_sims!r}")
    if not 1 <= n_sims <= MAX_SIMS:
        raise OptionError(f"n_sims must be between 1 and {MAX_SIMS:,}, got {n_sims}")
    return int(n_sims)


def check_backend(backend: Any) -> Any:
    """A backend name of :data:`BACKENDS` or an object with ``submit`` and ``gather`` (a
    ``distributed.Client``)."""
    if isinstance(backend, str):
        if backend not in BACKENDS:
            raise OptionError(
                f"backend must be one of {list(BACKENDS)} or a dask Client, got {backend!r}"
            )
        return backend
    if hasattr(backend, "submit") and hasattr(backend, "gather"):
        return backend
    raise OptionError(
        f"backend must be one of {list(BACKENDS)} or a dask.distributed.Client, got "
        f"{type(backend).__name__}"
    )


def chunks(n: int, chunk_size: int) -> list[range]:
    """Consecutive replication indices grouped into chunks of ``chunk_size`` (the last may be
    shorter)."""
    return [range(i, min(i + chunk_size, n)) for i in range(0, n, chunk_size)]


def default_chunk_size(n_sims: int) -> int:
    """About 20 chunks (progress in steps of 5 %), at most 1,000 replications per chunk."""
    return max(1, min(1000, math.ceil(n_sims / 20)))


def run_chunk(task: Task, params: Any, seeds: Sequence[np.random.SeedSequence]) -> list[Any]:
    """Run ``task`` once per seed; replication k draws from ``default_rng(seeds[k])``."""
    return [task(np.random.default_rng(s), params) for s in seeds]


def run_replications(
    task: Task,
    n_sims: int,
    *,
    seed: int | np.random.SeedSequence | None,
    params: Any = None,
    backend: BackendName | Any = "serial",
    n_jobs: int = -1,
    chunk_size: int | None = None,
    progress: bool = False,
    description: str = "",
) -> list[Any]:
    """Run ``task(rng, params)`` for ``n_sims`` replications and return the outputs in order.

    Parameters
    ----------
    task
        A function of a ``numpy.random.Generator`` and ``params`` returning a small object
        (a dict of numbers, an array). It must draw all its randomness from the generator.
        For the process and Dask backends it must be picklable (a module-level function or
        an instance of a module-level class; joblib and Dask also take closures).
    n_sims
        Number of replications.
    seed
        Integer seed (or a ``SeedSequence``); replication r uses the r-th child of
        ``SeedSequence(seed).spawn(n_sims)``.
    params
        Passed unchanged to every call (sent once per chunk).
    backend
        ``"serial"``, ``"joblib"``, ``"dask"`` (the current Dask client) or a
        ``distributed.Client``; see the module docstring.
    n_jobs
        Worker processes of the joblib backend (-1: one per core).
    chunk_size
        Replications per chunk (default about ``n_sims / 20``); does not change results.
    progress
        Show a progress bar (tqdm; a widget in notebooks).
    description
        Label of the progress bar.
    """
    n_sims = check_n_sims(n_sims)
    ss = check_seed(seed)
    backend = check_backend(backend)
    if chunk_size is None:
        chunk_size = default_chunk_size(n_sims)
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer):
        raise OptionError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if chunk_size < 1:
        raise OptionError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    if not callable(task):
        raise DataError(f"task must be callable as task(rng, params), got {type(task).__name__}")
    seeds = ss.spawn(n_sims)
    groups = [[seeds[i] for i in r] for r in chunks(n_sims, int(chunk_size))]
    bar = _progress_bar(n_sims, progress, description)
    try:
        if backend == "serial":
            out = []
            for g in groups:
                out.append(run_chunk(task, params, g))
                bar.update(len(g))
        elif backend == "joblib":
            out = _run_joblib(task, params, groups, n_jobs, bar)
        else:
            client = _dask_client() if backend == "dask" else backend
            out = _run_dask(client, task, params, groups, bar)
    finally:
        bar.close()
    return [x for chunk in out for x in chunk]


def _progress_bar(total: int, progress: bool, description: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not progress, desc=description or None, unit="sim")


def _run_joblib(task: Task, params: Any, groups: list, n_jobs: int, bar) -> list[list[Any]]:
    try:
        from joblib import Parallel, delayed
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise DataError(
            "backend='joblib' needs joblib: pip install 'evaluation[parallel]'"
        ) from exc
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs == 0:
        raise OptionError(f"n_jobs must be a non-zero integer (-1: all cores), got {n_jobs!r}")
    parallel = Parallel(n_jobs=int(n_jobs), return_as="generator")
    out = []
    for g, res in zip(
        groups, parallel(delayed(run_chunk)(task, params, g) for g in groups), strict=True
    ):
        out.append(res)
        bar.update(len(g))
    return out


def _dask_client():
    try:
        from distributed import get_client
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise DataError(
            "backend='dask' needs dask.distributed: pip install 'evaluation[parallel]'"
        ) from exc
    try:
        return get_client()
    except ValueError as exc:
        raise DataError(
            "backend='dask' found no running Dask client; start one (from distributed import "
            "Client; client = Client()) or pass backend=Client('tcp://scheduler:8786')"
        ) from exc


def _run_dask(client, task: Task, params: Any, groups: list, bar) -> list[list[Any]]:
    from distributed import as_completed

    shared = client.scatter(params, broadcast=True, hash=False) if params is not None else None
    futures = [client.submit(run_chunk, task, shared, g, pure=False) for g in groups]
    sizes = {f.key: len(g) for f, g in zip(futures, groups, strict=True)}
    for f in as_completed(futures):
        bar.update(sizes[f.key])
    return client.gather(futures)
