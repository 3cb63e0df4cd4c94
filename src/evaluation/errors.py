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


class OutputError(EvaluationError):
    """The output cannot be written: the message names the path and the cause."""
