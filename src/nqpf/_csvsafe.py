"""CSV-injection safety for every CSV nqpf writes (run outputs, workbook exports, dashboard downloads).

Base layer: used by :func:`nqpf.index.result.write_csv` and the report package alike.
"""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["quote_formula_cells", "unquote_formula_cells"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _risky(v: str) -> bool:
    """Would a spreadsheet run ``v`` as a formula — or is it an apostrophe followed by such text?

    The second case makes quoting exactly reversible: ``"'=x"`` (written by a user) is quoted to
    ``"''=x"``, so :func:`unquote_formula_cells` never strips an apostrophe that was in the data."""
    if v.startswith("'"):
        return _risky(v[1:])
    if not v.startswith(_FORMULA_START):
        return False
    try:  # a plain negative or signed number stays a number
        float(v)
        return False
    except ValueError:
        return True


def _quote_cell(v: Any) -> Any:
    return "'" + v if isinstance(v, str) and _risky(v) else v


def _unquote_cell(v: Any) -> Any:
    return v[1:] if isinstance(v, str) and v.startswith("'") and _risky(v[1:]) else v


def _map_text_cells(df: pd.DataFrame, starts: tuple[str, ...], fn) -> pd.DataFrame:
    """``df`` with ``fn`` applied to the text cells (and column names) starting with one of ``starts``;
    the frame itself when nothing changes. The prefix test is vectorised; the (rare) matching cells go one by one."""
    out = None
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):  # the categories are the texts (fn is one-to-one: still distinct)
            cats = s.cat.categories
            if pd.api.types.is_object_dtype(cats) or pd.api.types.is_string_dtype(cats):
                new = [fn(v) for v in cats]
                if new != list(cats):
                    out = df.copy() if out is None else out
                    out[c] = s.cat.rename_categories(new)
            continue
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)):
            continue
        hit = s.astype("string").str.startswith(starts).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            out = df.copy() if out is None else out
            col = s.astype(object).copy()
            col[hit] = [fn(v) for v in col[hit]]
            out[c] = col.astype(s.dtype)  # text columns keep their dtype (object or str)
    names = [fn(c) for c in df.columns]
    if names != list(df.columns):
        out = df.copy() if out is None else out
        out.columns = names
    return df if out is None else out


def quote_formula_cells(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells that a spreadsheet would run as a formula are quoted (CSV injection).

    Text cells (and column names) starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    get a leading apostrophe (OWASP's advice), unless the text is a plain number such as ``-1.5``.
    Numeric columns are untouched. Use it before writing any CSV meant to be opened in Excel/WPS.

    Examples
    --------
    >>> quote_formula_cells(pd.DataFrame({"unit": ["=HYPERLINK(1)", "-1.5", "北京"], "x": [-1.0, 2.0, 3.0]})).values.tolist()
    [["'=HYPERLINK(1)", -1.0], ['-1.5', 2.0], ['北京', 3.0]]
    """
    return _map_text_cells(df, _FORMULA_START + ("'",), _quote_cell)


def unquote_formula_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`quote_formula_cells`: a run's CSV read back holds exactly the text that was written.

    Only an apostrophe that :func:`quote_formula_cells` added is removed (``'-0.223*`` → ``-0.223*``);
    an apostrophe that was in the data stays, because the writer doubled it.

    Examples
    --------
    >>> t = pd.DataFrame({"a": ["=1+1", "'=x", "-0.2*", "-1.5", "北京"]})
    >>> unquote_formula_cells(quote_formula_cells(t)).equals(t)
    True
    >>> unquote_formula_cells(pd.DataFrame({"a": ["'-0.223*", "'plain"]}))["a"].tolist()
    ['-0.223*', "'plain"]
    """
    return _map_text_cells(df, ("'",), _unquote_cell)
