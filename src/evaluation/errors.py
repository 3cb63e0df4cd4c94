"""Every exception and warning the package raises or emits, in one place.

Exceptions are for problems of the user's input or request, never for the package's own bugs;
their messages name the table or column, the row and what to do. The command line catches
:class:`EvaluationError` and prints its message without a traceback.

Warnings derive from :class:`EvaluationWarning`, so a report (or a user) can keep exactly the
package's own warnings, e.g. ``warnings.simplefilter("error", EvaluationWarning)``.

=============================  ============================================================
class                          raised when
=============================  ============================================================
``DataError``                  the data cannot be analysed as asked
``StudyValidationError``       a study has problems (``problems`` lists every one)
``CellNotEstimable``           one group-time cell of a staggered estimator cannot be estimated
``SeparationError``            a propensity model separates treated and comparison units
``OptionError``                an option is outside its vocabulary or range
``ConfigError``                a report configuration is wrong
``OutputError``                an output cannot be written
``OutputExistsError``          an output exists and may not be replaced
``OutputBusyError``            another run is writing the same output
=============================  ============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar


class EvaluationError(Exception):
    """Base class of every error about the user's data, configuration or request."""


class DataError(EvaluationError, ValueError):
    """The data cannot be analysed as asked: the message names the table or column, the row
    where it applies, and what to do."""


class StudyValidationError(DataError):
    """The study has problems; ``problems`` lists every one of them (table, row, field,
    value, message), and the message is their readable list."""

    #: formats the problems into the message, a table and JSON (set by
    #: :mod:`evaluation.study.validation`, which defines the problems)
    formatter: ClassVar[Callable[[list[Any]], str] | None] = None
    frame_maker: ClassVar[Callable[[list[Any]], Any] | None] = None
    json_maker: ClassVar[Callable[[list[Any]], str] | None] = None

    def __init__(self, problems: Iterable[Any], message: str | None = None) -> None:
        self.problems = list(problems)
        if message is None:
            fmt = type(self).formatter
            message = fmt(self.problems) if fmt else f"{len(self.problems)} problem(s)"
        super().__init__(message)

    @property
    def errors(self) -> list[Any]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def n_errors(self) -> int:
        """Every error, also those counted but not listed one by one."""
        return sum(p.count for p in self.problems if p.severity == "error")

    def to_frame(self) -> Any:
        """The problems as a DataFrame (table, row, field, value, message, ...)."""
        maker = type(self).frame_maker
        if maker is None:
            raise RuntimeError("evaluation.study.validation is not imported")
        return maker(self.problems)

    def to_json(self) -> str:
        """The problems as JSON, for machines."""
        maker = type(self).json_maker
        if maker is None:
            raise RuntimeError("evaluation.study.validation is not imported")
        return maker(self.problems)


class CellNotEstimable(DataError):
    """One group-time comparison cannot be estimated (the message says why); the other cells
    can still be."""


class SeparationError(CellNotEstimable):
    """The propensity score model separates treated and comparison units perfectly."""


class OptionError(EvaluationError, ValueError):
    """An option has a value outside its vocabulary or range: the message names the option,
    the valid values and the closest one."""


class ConfigError(EvaluationError, ValueError):
    """A report configuration is wrong: the message names the key."""


class UsageError(EvaluationError):
    """The command line was used wrongly (exit code 2), e.g. an input path that does not
    exist."""


class OutputError(EvaluationError, OSError):
    """The output cannot be written: the message names the path and the cause."""


class OutputExistsError(OutputError, FileExistsError):
    """The output folder exists and is not replaced (``force`` not given, or the folder holds
    something this package did not write).

    ``str()`` is the message for Python users; :attr:`cli_message` the same for the command
    line (``--force`` instead of ``force=True``).
    """

    def __init__(self, message: str, cli_message: str | None = None) -> None:
        super().__init__(message)
        self.cli_message = cli_message or message

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutputBusyError(OutputError):
    """Another run is writing the same output folder (its lock file exists)."""


# -- warnings ----------------------------------------------------------------------------
class EvaluationWarning(UserWarning):
    """Base class of the package's warnings about results that hold but need care."""


class DataWarning(EvaluationWarning):
    """Something in the data was left out or repaired; the message says what and why."""


class ImplementationDataWarning(DataWarning):
    """Measures were left out of an implementation analysis or completed by a documented
    rule (see the message)."""


class StaggeredWarning(DataWarning):
    """Units or cells were left out of a staggered-adoption estimator, or are tiny."""


class SurveyFileWarning(DataWarning):
    """Columns of a survey file were left out (see the message)."""


class FewClustersWarning(EvaluationWarning):
    """Cluster-robust standard errors come from fewer clusters (or fewer treated clusters)
    than they need to be reliable: the result carries ``few_clusters = True`` and its summary
    shows no p-values. See :data:`evaluation.results.MIN_CLUSTERS`."""
