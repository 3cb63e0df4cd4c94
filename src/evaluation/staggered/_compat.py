"""Deprecated ways of calling the staggered estimators, accepted for one release.

Role arguments are keyword-only after ``data, outcome`` (as in the panel estimators); renamed
keywords (``bootstrap`` -> ``n_draws``, ``control`` -> ``control_group``) keep working. Both
issue a :class:`DeprecationWarning` that says what to write instead.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

ROLES = ("unit", "time", "cohort")


def legacy_arguments(
    *, roles: tuple[str, ...] = ROLES, renamed: Mapping[str, str] | None = None
) -> Callable[[F], F]:
    """Accept ``roles`` given positionally after ``data, outcome`` and the old names of
    ``renamed`` (old -> new), with a :class:`DeprecationWarning`."""
    renamed = dict(renamed or {})

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(data: Any, outcome: Any = None, *args: Any, **kwargs: Any) -> Any:
            if args:
                if len(args) > len(roles):
                    raise TypeError(
                        f"{fn.__name__}() takes data, outcome and the keyword arguments "
                        f"{', '.join(roles)}; got {2 + len(args)} positional arguments"
                    )
                given = roles[: len(args)]
                for name, value in zip(given, args, strict=True):
                    if name in kwargs:
                        raise TypeError(f"{fn.__name__}() got {name!r} twice")
                    kwargs[name] = value
                warnings.warn(
                    f"{fn.__name__}(): pass {', '.join(given)} as keyword arguments "
                    f"({', '.join(f'{n}=...' for n in given)}); positional role arguments "
                    "are deprecated",
                    DeprecationWarning,
                    stacklevel=2,
                )
            for old, new in renamed.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{fn.__name__}(): give {new!r} only (not also {old!r})")
                    warnings.warn(
                        f"{fn.__name__}(): {old}= is deprecated; use {new}=",
                        DeprecationWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return fn(data, outcome, **kwargs)

        return call  # type: ignore[return-value]

    return wrap
