"""Exceptions the package raises for problems of the user's input (never for its own bugs).

The command line catches :class:`EvaluationError` and prints its message without a traceback.
"""

from __future__ import annotations


class EvaluationError(Exception):
    """Base class of every error about the user's data, configuration or request."""


class DataError(EvaluationError, ValueError):
    """The data cannot be analysed as asked: the message names the table or column, the row
    where it applies, and what to do."""


class ConfigError(EvaluationError, ValueError):
    """A report configuration is wrong: the message names the key."""


class EvaluationWarning(UserWarning):
    """Base class of the package's warnings about results that hold but need care."""


class FewClustersWarning(EvaluationWarning):
    """Cluster-robust standard errors come from fewer clusters (or fewer treated clusters)
    than they need to be reliable: the result carries ``few_clusters = True`` and its summary
    shows no p-values. See :data:`evaluation.results.MIN_CLUSTERS`."""


class OutputError(EvaluationError):
    """The output cannot be written: the message names the path and the cause."""
