"""Numbers as text: the one set of formatting rules of the report page, the journal tables, the regression
tables and the printed summaries.

Rules shared by every function:

* ``None`` and ``pd.NA`` are empty (``""``); so are NaN (and, in the fixed-decimal formats, ±inf);
* booleans print as ``True`` / ``False``, integers (Python or numpy) as their digits, without thousands
  separators (a code such as 110000 or a year stays as it is);
* everything that is not a number prints as ``str(value)``.

Floats differ by use:

* :func:`fmt_fixed` — fixed decimals (journal tables three, regression tables ``digits``);
* :func:`fmt_display` — the report's table cells: whole numbers as integers, four decimals, four significant
  digits in scientific form for magnitudes ≥ 10⁴ or < 10⁻³;
* :func:`fmt_general` — printed summaries: ``digits`` significant digits (``%g``), NaN as ``nan``.

:func:`stars` gives the significance stars the regression and journal tables put after a coefficient.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

__all__ = ["fmt_fixed", "fmt_display", "fmt_general", "stars"]


def _kind(v: Any) -> str:
    """``empty`` (None, pd.NA), ``bool``, ``int``, ``float`` or ``other``."""
    if v is None or v is pd.NA:
        return "empty"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float"
    return "other"


def _common(v: Any, kind: str) -> str:
    return "" if kind == "empty" else str(bool(v)) if kind == "bool" else str(int(v)) if kind == "int" else str(v)


def fmt_fixed(v: Any, digits: int = 3, *, as_int: bool = False) -> str:
    """Fixed decimals; ``as_int`` rounds floats to whole numbers (counts). NaN and ±inf are empty.

    Examples
    --------
    >>> fmt_fixed(0.12345), fmt_fixed(2.5, as_int=True), fmt_fixed(7), fmt_fixed(float("nan")), fmt_fixed(1.0, 2)
    ('0.123', '2', '7', '', '1.00')
    """
    kind = _kind(v)
    if kind != "float":
        return _common(v, kind)
    f = float(v)
    if math.isnan(f) or math.isinf(f):
        return ""
    return str(int(round(f))) if as_int else f"{f:.{digits}f}"


def fmt_display(v: Any) -> str:
    """A table cell of the report: whole floats as integers (below 10¹²), else four decimals, or four
    significant digits for magnitudes ≥ 10⁴ or < 10⁻³. NaN is empty.

    Examples
    --------
    >>> fmt_display(3.0), fmt_display(0.123456), fmt_display(12345.6), fmt_display(0.0001234), fmt_display(float("nan"))
    ('3', '0.1235', '1.235e+04', '0.0001234', '')
    """
    kind = _kind(v)
    if kind != "float":
        return _common(v, kind)
    f = float(v)
    if math.isnan(f):
        return ""
    if f.is_integer() and abs(f) < 1e12:
        return str(int(f))
    return f"{f:.4g}" if abs(f) >= 1e4 or abs(f) < 1e-3 else f"{f:.4f}"


def fmt_general(v: Any, digits: int = 6) -> str:
    """A value of a printed summary: floats with ``digits`` significant digits (NaN as ``nan``), anything else
    as ``str(value)``.

    Examples
    --------
    >>> fmt_general(0.123456789), fmt_general(float("nan")), fmt_general(31), fmt_general("ok")
    ('0.123457', 'nan', '31', 'ok')
    """
    if isinstance(v, (float, np.floating)):
        return "nan" if math.isnan(v) else f"{v:.{digits}g}"
    return str(v)


def stars(p: float, levels: Sequence[float] = (0.1, 0.05, 0.01)) -> str:
    """Significance stars: one per level passed (levels in decreasing order).

    Examples
    --------
    >>> stars(0.003), stars(0.04), stars(0.2)
    ('***', '**', '')
    """
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "*" * sum(p < lv for lv in levels)
