"""The sections of the full report, one module each."""
