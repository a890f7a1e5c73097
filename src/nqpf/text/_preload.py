"""Imported once by the forkserver of the local process pool (see ``corpus._run_local``).

Loading the counting modules and building the default normalisation table here means every
worker forked from the server starts with both ready, instead of paying ~1 s each.
"""
from __future__ import annotations

from . import corpus  # noqa: F401  (imports numpy, pandas and the text modules)
from .normalise import _table

__all__: list[str] = []

_table(True, True, True)
