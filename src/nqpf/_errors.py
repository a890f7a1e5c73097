"""Exceptions and warnings shared by every nqpf module.

Message template (one for the whole package)::

    <where>: <what is wrong>; got <actual, incl. offending names>. <how to fix>.

Use :func:`located` to build the ``<where>`` part for a cell of an input file
(file, row, column) so that every data error names the exact cell.
"""
from __future__ import annotations

__all__ = [
    "NqpfError",
    "DataError",
    "FrameworkError",
    "ConfigError",
    "MethodError",
    "NqpfWarning",
    "DataWarning",
    "ConstantIndicatorWarning",
    "MethodWarning",
    "located",
]


class NqpfError(ValueError):
    """Base class of every error nqpf raises on bad input or bad parameters."""


class DataError(NqpfError):
    """Input data cannot be used as given (bad cell, duplicate key, unknown unit …)."""


class FrameworkError(NqpfError):
    """The indicator framework (tree, tags, derivations) is invalid."""


class ConfigError(NqpfError):
    """The run configuration is invalid."""


class MethodError(NqpfError):
    """A method cannot be applied to these data with these parameters."""


class NqpfWarning(UserWarning):
    """Base class of nqpf warnings: the run goes on, the issue is recorded."""


class DataWarning(NqpfWarning):
    """Something in the data deserves attention but does not stop the run."""


class ConstantIndicatorWarning(DataWarning):
    """An indicator has zero variance in its normalisation scope."""


class MethodWarning(NqpfWarning):
    """A method was applied with a caveat (e.g. a fallback, a refused input)."""


def located(file: str | None = None, row: int | None = None, column: str | None = None) -> str:
    """Return the ``<where>`` prefix of an error message.

    ``row`` is the spreadsheet-style line number (header = row 1, first data row = 2).

    >>> located("data.csv", 7, "value")
    "data.csv, row 7, column 'value'"
    """
    parts = []
    if file:
        parts.append(str(file))
    if row is not None:
        parts.append(f"row {row}")
    if column is not None:
        parts.append(f"column {column!r}")
    return ", ".join(parts) if parts else "input"
