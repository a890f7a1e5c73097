"""Explicit parsing of numbers typed into spreadsheets and CSV exports.

Statistical yearbook tables and hand-made spreadsheets carry thousands separators
(``1,234.5``, ``1，234``), full-width digits (``１２３．４``), stray spaces, percent signs and
a zoo of "no data" markers (``—``, ``..``, ``无`` …). :func:`parse_number_series` turns such a
column into floats, **records** every missing marker, and refuses any other text with one
:class:`~nqpf.DataError` that names file, row, column and value.

Examples
--------
>>> import pandas as pd
>>> from nqpf.data import parse_number_series
>>> values, problems = parse_number_series(pd.Series(["1,234.5", "１２３．４", "—", " 7 "]),
...                                        file="t.csv", column="gdp")
>>> values.tolist()
[1234.5, 123.4, nan, 7.0]
>>> problems[["row", "value", "kind"]].values.tolist()
[[4, '—', 'missing']]
"""
from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, located
from .._validation import check_option

__all__ = [
    "PercentPolicy",
    "ParseErrors",
    "MISSING_MARKERS",
    "parse_number",
    "parse_number_series",
    "invalid_cells_error",
]

PercentPolicy = Literal["error", "divide", "keep"]
ParseErrors = Literal["raise", "return"]

#: cell texts read as missing (compared after NFKC normalisation, stripping and case-folding)
MISSING_MARKERS: frozenset[str] = frozenset(
    {"", "—", "——", "–", "-", "--", "---", "..", "...", "…", "……", "na", "n/a", "n.a.", "nan", "null", "none",
     "无", "/", "#n/a"}
)

_NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_PLAIN_RE = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN_THOUSANDS_RE = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
_DASHES = str.maketrans({"\u2212": "-", "\u2012": "-", "\ufe63": "-"})
_MAX_LISTED = 10

#: problem-table columns
PROBLEM_COLUMNS = ["file", "row", "column", "value", "kind", "message"]


#: the reason recorded for an infinite number (callers may word it their own way)
INFINITE = "infinite values are not allowed"


def _classify(raw: Any, percent: PercentPolicy, markers: bool = True) -> tuple[float, str | None, str | None]:
    """Parse one cell: ``(value, kind, message)``; kind is None (plain number), 'missing',
    'percent' (converted) or 'invalid'. ``markers=False``: only empty cells, None and NaN are missing;
    a text marker such as ``n/a`` is invalid."""
    if raw is None:
        return math.nan, "missing", None
    if isinstance(raw, (bool, np.bool_)):
        return math.nan, "invalid", "a true/false value is not a number"
    if isinstance(raw, (int, float, np.integer, np.floating)):
        v = float(raw)
        if math.isnan(v):
            return math.nan, "missing", None
        if math.isinf(v):
            return math.nan, "invalid", INFINITE
        return v, None, None
    text = str(raw)
    folded = text.strip().casefold()
    if folded in MISSING_MARKERS:
        return (math.nan, "missing", None) if markers or not folded else (math.nan, "invalid", "not a number")
    norm = unicodedata.normalize("NFKC", text).translate(_DASHES).strip()
    nfold = norm.casefold()
    if nfold in MISSING_MARKERS:
        return (math.nan, "missing", None) if markers or not nfold else (math.nan, "invalid", "not a number")
    is_percent = norm.endswith("%")
    body = norm[:-1].strip() if is_percent else norm
    if "," in body:
        if not _THOUSANDS_RE.match(body):
            return math.nan, "invalid", "commas must group thousands (1,234.5)"
        body = body.replace(",", "")
    if not _NUMBER_RE.match(body):
        return math.nan, "invalid", "not a number"
    value = float(body)
    if is_percent:
        if percent == "error":
            return math.nan, "invalid", "percent sign"
        return (value / 100.0 if percent == "divide" else value), "percent", None
    return value, None, None


def _fast_path(ser: pd.Series | None, obj: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Vectorised parsing of the common cells (finite numbers, plain ASCII numbers, thousands
    separators); fills ``out`` and returns the mask of cells done. The rest goes through
    :func:`_classify`. numpy's str → float64 conversion is correctly rounded, like ``float()``."""
    if _numbers(ser):
        vals = ser.to_numpy(dtype=float, na_value=np.nan)
        finite = np.isfinite(vals)
        out[finite] = vals[finite]
        return finite
    if obj is None:
        return _fast_path_arrow(ser, out)
    n = len(obj)
    done = np.zeros(n, dtype=bool)
    if n == 0:
        return done
    kinds = np.fromiter((_NUM_TYPES.get(type(v), 0) for v in obj), dtype=np.int8, count=n)
    num = np.flatnonzero(kinds == 2)
    if len(num):
        vals = np.asarray(obj[num], dtype=float)
        finite = np.isfinite(vals)
        out[num[finite]] = vals[finite]
        done[num[finite]] = True
    is_str = kinds == 1
    if not is_str.any():
        return done
    pos = np.flatnonzero(is_str)
    texts = pd.Series(obj[pos], dtype=object)
    plain = texts.str.fullmatch(_PLAIN_RE).to_numpy(dtype=bool)
    if plain.any():
        out[pos[plain]] = np.asarray(texts[plain].to_numpy(), dtype=str).astype(np.float64)
        done[pos[plain]] = True
    rest = ~plain
    if rest.any():
        grouped = texts[rest].str.fullmatch(_PLAIN_THOUSANDS_RE).to_numpy(dtype=bool)
        if grouped.any():
            sel = pos[rest][grouped]
            stripped = texts[rest][grouped].str.replace(",", "", regex=False).to_numpy()
            out[sel] = np.asarray(stripped, dtype=str).astype(np.float64)
            done[sel] = True
    return done


def _arrow_strings(ser: pd.Series | None):
    """The pyarrow ChunkedArray of an Arrow-backed string Series, else None."""
    if ser is None or not isinstance(ser.dtype, pd.StringDtype) or ser.dtype.storage != "pyarrow":
        return None
    import pyarrow as pa

    arr = ser.array.__arrow_array__()
    return arr if isinstance(arr, pa.ChunkedArray) else pa.chunked_array([arr])


def _numbers(ser: pd.Series | None) -> bool:
    """A column of numbers (not true/false): parsed without a Python object per cell."""
    return ser is not None and pd.api.types.is_numeric_dtype(ser) and not pd.api.types.is_bool_dtype(ser)


def _fast_path_arrow(ser: pd.Series, out: np.ndarray) -> np.ndarray:
    """:func:`_fast_path` for Arrow strings: RE2 matching and Arrow's correctly rounded string → float64 cast,
    without creating a Python object per cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = _arrow_strings(ser)
    n = len(ser)
    done = np.zeros(n, dtype=bool)
    if n == 0:
        return done
    for pattern, strip_commas in ((_PLAIN_RE, False), (_PLAIN_THOUSANDS_RE, True)):
        m = pc.fill_null(pc.match_substring_regex(arr, f"^{pattern}$"), False).to_numpy(zero_copy_only=False)
        m = np.asarray(m, dtype=bool) & ~done
        if not m.any():
            continue
        sel = pc.filter(arr, pa.array(m))
        if strip_commas:
            sel = pc.replace_substring(sel, ",", "")
        vals = pc.cast(sel, pa.float64()).to_numpy(zero_copy_only=False)
        idx = np.flatnonzero(m)
        fin = np.isfinite(vals)
        out[idx[fin]] = vals[fin]
        done[idx[fin]] = True
    return done


#: cell type → 1 (text) or 2 (real number) for the vectorised path; bools and others are 0
_NUM_TYPES: dict[type, int] = {str: 1, float: 2, int: 2, np.float64: 2, np.float32: 2, np.int64: 2, np.int32: 2}


def _parse_array(obj: np.ndarray, rows: np.ndarray, columns: Any, file: str | None, percent: PercentPolicy,
                 ser: pd.Series | None = None, markers: bool = True) -> tuple[np.ndarray, pd.DataFrame]:
    """Parse an object array of cells; ``columns`` is one name or one name per cell."""
    if obj is None:  # Arrow strings or numbers: only the cells the fast path leaves become Python objects
        n = len(ser)
        out = np.full(n, np.nan)
        done = _fast_path(ser, None, out)
        rest_idx = np.flatnonzero(~done)
        rest = ser.iloc[rest_idx].astype(object).to_numpy()
        obj = np.empty(n, dtype=object) if len(rest_idx) else np.empty(0, dtype=object)
        if len(rest_idx):
            obj[rest_idx] = rest
    else:
        n = len(obj)
        out = np.full(n, np.nan)
        done = _fast_path(ser, obj, out)
    cache: dict[Any, tuple[float, str | None, str | None]] = {}
    flagged: list[int] = []
    kinds: list[tuple[str, str | None]] = []
    for i in np.flatnonzero(~done):
        raw = obj[i]
        try:
            res = cache[raw]
        except KeyError:
            res = _classify(raw, percent, markers)
            if raw is not None and not (isinstance(raw, float) and math.isnan(raw)):
                cache[raw] = res
        except TypeError:  # unhashable cell (a list in an object column)
            res = (math.nan, "invalid", "not a number")
        out[i] = res[0]
        if res[1] is not None:
            flagged.append(int(i))
            kinds.append((res[1], res[2]))
    idx = np.asarray(flagged, dtype=int)
    col_values = (np.asarray(columns, dtype=object)[idx] if isinstance(columns, np.ndarray)
                  else [columns] * len(idx))
    problems = pd.DataFrame(
        {
            "file": pd.Series([file] * len(idx), dtype=object),
            "row": pd.Series(rows[idx] if len(idx) else [], dtype="Int64"),
            "column": pd.Series(col_values, dtype=object),
            "value": pd.Series(obj[idx] if len(idx) else [], dtype=object),
            "kind": pd.Series([k for k, _ in kinds], dtype=object),
            "message": pd.Series([m for _, m in kinds], dtype=object),
        },
        columns=PROBLEM_COLUMNS,
    )
    return out, problems


def parse_number(raw: Any, *, percent: PercentPolicy = "error") -> float:
    """Parse a single cell (see :func:`parse_number_series`); missing markers give NaN.

    Examples
    --------
    >>> parse_number("1，234"), parse_number("12.5%", percent="divide")
    (1234.0, 0.125)
    """
    check_option(percent, PercentPolicy, param="percent", caller="parse_number")
    value, kind, msg = _classify(raw, percent)
    if kind == "invalid":
        raise DataError(_cell_fix_message(None, [(None, None, raw, msg)], 1))
    return value


def _cell_fix_message(file: str | None, shown: list[tuple[Any, Any, Any, str | None]], total: int) -> str:
    """One error message for invalid cells; ``shown`` = [(row, column, value, reason)], first 10."""
    fix = "Replace the text by a number or leave the cell empty"
    if any(why == "percent sign" for *_, why in shown):
        fix += ("; for percentages remove the % signs in the file (write 12.5 or 0.125), or set percent = \"divide\" "
                "(12.5% → 0.125) or percent = \"keep\" (12.5% → 12.5) in the [data] section of the run config "
                "(nqpf.read_panel(..., percent='divide') in Python)")

    def reason(why: str | None) -> str:
        return f" ({why})" if why and why != "not a number" else ""

    if total == 1:
        row, col, val, why = shown[0]
        return f"{located(file, row, col)}: not a number{reason(why)}; got {val!r}. {fix}."
    cells = "; ".join(f"{located(None, row, col)}: {val!r}{reason(why)}" for row, col, val, why in shown)
    more = f"; … and {total - len(shown)} more" if total > len(shown) else ""
    return f"{file or 'input'}: {total} cells are not numbers; got {cells}{more}. {fix}."


def invalid_cells_error(problems: pd.DataFrame, *, file: str | None = None) -> DataError:
    """Build the single :class:`DataError` for the ``kind == 'invalid'`` rows of a problem table.

    Lists the first 10 cells (row, column, value) and the total count.
    """
    bad = problems[problems["kind"] == "invalid"]
    shown = [
        (None if pd.isna(r.row) else int(r.row), r.column, r.value, r.message)
        for r in bad.head(_MAX_LISTED).itertuples(index=False)
    ]
    return DataError(_cell_fix_message(file, shown, len(bad)))


def parse_number_series(
    values: pd.Series,
    *,
    file: str | None = None,
    column: str | None = None,
    row_offset: int = 2,
    rows: Any = None,
    percent: PercentPolicy = "error",
    errors: ParseErrors = "raise",
    markers: bool = True,
) -> tuple[pd.Series, pd.DataFrame]:
    """Parse a column of numbers written as text.

    Parameters
    ----------
    values : pandas.Series
        Cells (str, numbers or None).
    file, column : str, optional
        Where the cells come from (used in messages and in the problem table).
    row_offset : int, default 2
        Spreadsheet row of the first cell (header = row 1, so 2 for a table whose header is
        the first line). Ignored when ``rows`` is given.
    rows : array-like of int, optional
        Spreadsheet row of each cell (e.g. the index of :func:`~nqpf.data.read_table`).
    percent : {'error', 'divide', 'keep'}, default 'error'
        A trailing ``%`` is an error, or the number is divided by 100, or kept as written.
    errors : {'raise', 'return'}, default 'raise'
        Raise one :class:`DataError` for all invalid cells, or return them in ``problems``
        (their value is NaN) so that a caller can gather several columns into one error.
    markers : bool, default True
        Read the missing markers (``—``, ``n/a`` …) as missing. ``False`` (tables passed in Python,
        where missing is NaN/None/empty): a marker is an invalid cell.

    Returns
    -------
    floats : pandas.Series of float64
        Same index as ``values``; NaN for missing (and, with ``errors='return'``, invalid) cells.
    problems : pandas.DataFrame
        One row per cell that was not a plain number: ``file, row, column, value, kind,
        message`` with ``kind`` in ``'missing'`` (a missing marker or an empty cell),
        ``'percent'`` (converted by the percent policy) or ``'invalid'``.

    Notes
    -----
    Accepted: surrounding spaces; full-width digits, signs, dots, commas and spaces (Unicode
    NFKC); the minus signs U+2212/U+2012/U+FE63; thousands separators when they group exactly
    three digits (``1,234,567.8``; ``1,2`` is refused as ambiguous); exponents (``1e5``).
    Missing markers (:data:`MISSING_MARKERS`, case-insensitive): empty, ``—``, ``——``, ``–``,
    ``-``, ``--``, ``..``, ``...``, ``…``, ``NA``, ``N/A``, ``nan``, ``null``, ``none``, ``无``,
    ``/``, ``#N/A``. Everything else (``inf``, ``1 234``, ``(12)``, ``约5``) is invalid.

    Examples
    --------
    >>> import pandas as pd
    >>> parse_number_series(pd.Series(["3", "x"]), file="a.csv", column="rd")
    Traceback (most recent call last):
    nqpf._errors.DataError: a.csv, row 3, column 'rd': not a number; got 'x'. Replace the text by a number or leave the cell empty.
    """
    check_option(percent, PercentPolicy, param="percent", caller="parse_number_series")
    check_option(errors, ParseErrors, param="errors", caller="parse_number_series")
    ser = values if isinstance(values, pd.Series) else pd.Series(values)
    n = len(ser)
    row_arr = np.arange(row_offset, row_offset + n) if rows is None else np.asarray(rows)
    if len(row_arr) != n:
        raise DataError(
            f"parse_number_series: 'rows' must have one entry per value; got {len(row_arr)} rows for {n} values. "
            "Pass rows aligned with values or use row_offset."
        )
    cells = None if _numbers(ser) or _arrow_strings(ser) is not None else ser.astype(object).to_numpy()
    out, problems = _parse_array(cells, row_arr, column, file, percent, ser=ser, markers=markers)
    if errors == "raise" and (problems["kind"] == "invalid").any():
        raise invalid_cells_error(problems, file=file)
    return pd.Series(out, index=ser.index, name=ser.name, dtype="float64"), problems
