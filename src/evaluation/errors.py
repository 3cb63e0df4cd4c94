"""Every exception and warning the package raises or emits, in one place.

Exceptions are for problems of the user's input or request, never for the package's own bugs;
their messages name the table or column, the row and what to do. The command line catches
:class:`EvaluationError` and prints its message without a traceback.

Warnings derive from :class:`EvaluationWarning`, so a report (or a user) can keep exactly the
package's own warnings, e.g. ``warnings.simplefilter("error", EvaluationWarning)``.
"""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of every error about the user's data, configuration or request."""


class DataError(EvaluationError, ValueError):
    """The data cannot be analysed as asked: the message names the table or column, the row
    where it applies, and what to do."""


class OptionError(EvaluationError, ValueError):
    """An option has a value outside its vocabulary or range: the message names the option,
    the valid values and the closest one."""


class ConfigError(EvaluationError, ValueError):
    """A report configuration is wrong: the message names the key."""


class OutputError(EvaluationError, OSError):
    """The output cannot be written: the message names the path and the cause."""


# -- warnings ----------------------------------------------------------------------------
class EvaluationWarning(UserWarning):
    """Base class of the package's warnings about results that hold but need care."""


class DataWarning(EvaluationWarning):
    """Something in the data was left out or repaired; the message says what and why."""


class FewClustersWarning(EvaluationWarning):
    """Cluster-robust standard errors come from fewer clusters (or fewer treated clusters)
    than they need to be reliable: the result carries ``few_clusters = True`` and its summary
    shows no p-values. See :data:`evaluation.results.MIN_CLUSTERS`."""


class OutputError(EvaluationError):
    """The output cannot be written: the message names the path and the cause."""
