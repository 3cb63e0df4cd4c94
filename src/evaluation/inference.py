"""Deprecated: this module moved to :mod:`evaluation.panel.inference` (the name still works for one
release and is the same module object)."""

import importlib
import sys

sys.modules[__name__] = importlib.import_module("evaluation.panel.inference")
