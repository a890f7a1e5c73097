"""Derive indicators from raw series: a small, safe expression language (no ``eval``).

Grammar::

    expr  := call [ ("*" | "/") number ]  |  name
    call  := op "(" name { "," name } ")"

Operations (x, a, b are raw series; every operation works unit × year):

=====================  ===============================================  ======================
op                     value                                            typical use
=====================  ===============================================  ======================
``series(x)``          x                                                raw series as is
``ratio(a, b)``        a / b                                            per GDP, intensity
``per_capita(a, p)``   a / p                                            per person
``share(a, b)``        a / b                                            share of a total
``sum(a, b, …)``       a + b + …  (missing if any term is missing)      totals
``diff(a, b)``         a − b
``product(a, b)``      a · b
``growth(x)``          x_t / x_{t−1} − 1 (within unit, consecutive)     growth rate
``log(x)``             ln x (x > 0)
``within_year_share(x)``  x / Σ_units x in the same year               series with price-base breaks
``index_growth(x)``    x / 100 − 1 (x is an index, previous year = 100)  real growth from NBS indices
``gtfp(k, l, …, y, b)``  cumulative green TFP (base year = 1): global     优化组合: green TFP
                       Malmquist–Luenberger, SBM, CRS; inputs, then the
                       desirable output y, then the undesirable output b
=====================  ===============================================  ======================

A division by zero or ``log`` of a non-positive value yields a missing value that is
recorded (never an infinity).
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._errors import FrameworkError
from .model import Framework

__all__ = ["Derivation", "parse_derivation", "derive_indicators", "derive_wide", "long_to_wide", "OPS", "required_series"]

OPS = {
    "series": (1, 1),
    "ratio": (2, 2),
    "per_capita": (2, 2),
    "share": (2, 2),
    "sum": (1, 64),
    "diff": (2, 2),
    "product": (2, 2),
    "growth": (1, 1),
    "log": (1, 1),
    "within_year_share": (1, 1),
    "index_growth": (1, 1),
    "gtfp": (3, 16),
}

_NAME = r"[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff.\-]*"
_CALL = re.compile(rf"^\s*({_NAME})\s*\(\s*([^()]*)\)\s*(?:([*/])\s*([0-9.eE+\-]+))?\s*$")
_BARE = re.compile(rf"^\s*({_NAME})\s*$")
_SERIES_ANY = re.compile(r"^\s*series\((.+)\)\s*$")


@dataclass(frozen=True)
class Derivation:
    """A parsed derivation: ``op(args) * scale``."""

    op: str
    args: tuple[str, ...]
    scale: float = 1.0

    def __str__(self) -> str:
        s = f"{self.op}({', '.join(self.args)})"
        if self.scale != 1.0:
            s += f" * {self.scale:g}"
        return s


def parse_derivation(text: str, *, indicator: str = "", default_series: str = "") -> Derivation:
    """Parse a derivation expression; empty text means ``series(default_series)``.

    >>> str(parse_derivation("ratio(rd_expenditure_total, gdp) * 100"))
    'ratio(rd_expenditure_total, gdp) * 100'
    """
    where = f"Indicator {indicator!r}" if indicator else "Derivation"
    text = (text or "").strip()
    if not text:
        return Derivation("series", (default_series or indicator,))
    m = _BARE.match(text)
    if m:
        return Derivation("series", (m.group(1),))
    m = _SERIES_ANY.match(text)
    if m and "," not in m.group(1):  # series(R&D经费(万元)): a data column named with brackets, as yearbook exports are
        return Derivation("series", (m.group(1).strip(),))
    m = _CALL.match(text)
    if not m:
        raise FrameworkError(
            f"{where}: cannot parse derive expression; got {text!r}. "
            f"Write op(series, ...) optionally followed by '* number', e.g. 'ratio(rd_expenditure_total, gdp) * 100'."
        )
    op, argtext, sign, num = m.groups()
    if op not in OPS:
        close = difflib.get_close_matches(op, list(OPS), n=2)
        raise FrameworkError(
            f"{where}: unknown derive operation; got {op!r}. Use one of {', '.join(OPS)}"
            + (f" (did you mean {close[0]!r}?)" if close else "") + "."
        )
    args = tuple(a.strip() for a in argtext.split(",") if a.strip())
    lo, hi = OPS[op]
    if not lo <= len(args) <= hi:
        raise FrameworkError(f"{where}: {op}() takes {lo if lo == hi else f'{lo}–{hi}'} series; got {len(args)} in {text!r}.")
    scale = 1.0
    if num is not None:
        try:
            scale = float(num)
        except ValueError:
            raise FrameworkError(f"{where}: the scale after {sign!r} must be a number; got {num!r}.") from None
        if sign == "/":
            if scale == 0:
                raise FrameworkError(f"{where}: cannot divide by 0 in {text!r}.")
            scale = 1.0 / scale
    return Derivation(op, args, scale)


def required_series(framework: Framework) -> dict[str, Derivation]:
    """``{indicator: Derivation}`` for every indicator of the framework."""
    return {i: parse_derivation(framework.by_id[i].derive, indicator=i) for i in framework.indicators}


def _safe_div(a: pd.Series, b: pd.Series) -> pd.Series:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a / b
    return out.where(np.isfinite(out))


def _gtfp(d: Derivation, cols: dict[str, pd.Series], units: pd.Series, years: pd.Series) -> pd.Series:
    """Cumulative green TFP from :func:`nqpf.gtfp.gtfp_indicator` on the unit-years with every series."""
    from ..gtfp import gtfp_indicator

    names = list(d.args)
    frame = pd.DataFrame({"unit": units.to_numpy(), "year": years.to_numpy(), **{n: cols[n].to_numpy() for n in names}},
                         index=units.index)
    complete = frame.dropna(subset=names)
    out = pd.Series(np.nan, index=units.index)
    if complete.empty:
        return out
    g = gtfp_indicator(complete, inputs=names[:-2], outputs=names[-2], undesirable=names[-1])
    values = g.set_index(["unit", "year"])["value"]
    key = pd.MultiIndex.from_arrays([units.to_numpy(), years.to_numpy()])
    return pd.Series(values.reindex(key).to_numpy(), index=units.index)


def _apply(d: Derivation, cols: dict[str, pd.Series], units: pd.Series, years: pd.Series) -> pd.Series:
    a = [cols[x] for x in d.args]
    if d.op == "series":
        out = a[0]
    elif d.op in ("ratio", "per_capita", "share"):
        out = _safe_div(a[0], a[1])
    elif d.op == "sum":
        out = a[0]
        for s in a[1:]:
            out = out + s
    elif d.op == "diff":
        out = a[0] - a[1]
    elif d.op == "product":
        out = a[0] * a[1]
    elif d.op == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log(a[0].where(a[0] > 0))
    elif d.op == "growth":
        frame = pd.DataFrame({"u": units, "y": years, "x": a[0]})
        prev = frame.groupby("u")["x"].shift(1)
        prev_year = frame.groupby("u")["y"].shift(1)
        prev = prev.where(prev_year == frame["y"] - 1)
        out = _safe_div(frame["x"], prev) - 1.0
    elif d.op == "within_year_share":
        tot = a[0].groupby(years).transform("sum")
        out = _safe_div(a[0], tot)
    elif d.op == "index_growth":
        out = a[0] / 100.0 - 1.0
    elif d.op == "gtfp":
        out = _gtfp(d, cols, units, years)
    else:  # pragma: no cover - parse_derivation guards ops
        raise FrameworkError(f"unknown derive operation {d.op!r}")
    return out * d.scale if d.scale != 1.0 else out


def long_to_wide(raw: pd.DataFrame, *, series_col: str = "indicator") -> pd.DataFrame:
    """Fast pivot of ``unit, year, <series_col>, value`` to a (unit, year) × series table.

    Every unit × year combination is present (missing ones are all-NaN rows). Duplicate
    (unit, year, series) keys are an error naming them.
    """
    u_codes, u_uniq = pd.factorize(raw["unit"].astype(str), sort=True)
    y_codes, y_uniq = pd.factorize(raw["year"], sort=True)
    s_codes, s_uniq = pd.factorize(raw[series_col], sort=True)
    nu, ny, ns = len(u_uniq), len(y_uniq), len(s_uniq)
    key = (u_codes.astype(np.int64) * ny + y_codes) * ns + s_codes
    counts = np.bincount(key, minlength=nu * ny * ns)
    if counts.max(initial=0) > 1:
        dup = raw.loc[raw.duplicated(["unit", "year", series_col], keep=False), ["unit", "year", series_col]]
        first = dup.drop_duplicates().head(5).to_dict(orient="records")
        raise FrameworkError(
            f"Raw series: duplicate (unit, year, series) keys; got {int((counts > 1).sum())} duplicated keys, e.g. {first}. "
            "Remove the duplicate rows (or give each source a distinct series name)."
        )
    arr = np.full(nu * ny * ns, np.nan)
    arr[key] = raw["value"].to_numpy(dtype=float)
    index = pd.MultiIndex.from_product([list(u_uniq), list(y_uniq)], names=["unit", "year"])
    return pd.DataFrame(arr.reshape(nu * ny, ns), index=index, columns=list(s_uniq))


def derive_wide(raw: pd.DataFrame, framework: Framework, *, series_col: str = "indicator") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Like :func:`derive_indicators` but returns the (unit, year) × indicator table."""
    derivs = required_series(framework)
    available = set(raw[series_col].unique())
    missing = {}
    for ind, d in derivs.items():
        miss = [x for x in d.args if x not in available]
        if miss:
            missing[ind] = miss
    if missing:
        parts = []
        for ind, miss in list(missing.items())[:10]:
            close = {m: difflib.get_close_matches(m, sorted(map(str, available)), n=1) for m in miss}
            hint = "; ".join(f"{m!r}" + (f" (did you mean {c[0]!r}?)" if c else "") for m, c in close.items())
            parts.append(f"{ind!r} needs {hint}")
        raise FrameworkError(
            f"Framework {framework.id!r}: indicators refer to series not in the data; got {'; '.join(parts)}"
            + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
            + ". Add the series to the data or correct the derive expressions."
        )
    needed = sorted({x for d in derivs.values() for x in d.args})
    wide = long_to_wide(raw[raw[series_col].isin(needed)], series_col=series_col)
    units = pd.Series(wide.index.get_level_values(0), index=wide.index)
    years = pd.Series(wide.index.get_level_values(1), index=wide.index)
    cols = {c: wide[c] for c in wide.columns}
    out = {}
    logs = []
    for ind, d in derivs.items():
        val = _apply(d, cols, units, years)
        inputs_present = np.logical_and.reduce([cols[x].notna().to_numpy() for x in d.args])
        lost = inputs_present & val.isna().to_numpy()
        if lost.any():
            reason = {
                "growth": "no value for the previous year",
                "log": "log of a non-positive value",
            }.get(d.op, "division by zero")
            idx = wide.index[lost]
            logs.append(pd.DataFrame({
                "step": "derive", "unit": idx.get_level_values(0), "year": idx.get_level_values(1),
                "indicator": ind, "old": np.nan, "new": np.nan, "reason": f"{d}: {reason}",
            }))
        out[ind] = val.to_numpy(dtype=float)
    frame = pd.DataFrame(out, index=wide.index)
    log = pd.concat(logs, ignore_index=True) if logs else pd.DataFrame(columns=["step", "unit", "year", "indicator", "old", "new", "reason"])
    return frame, log


def derive_indicators(raw: pd.DataFrame, framework: Framework, *, series_col: str = "indicator") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compute the framework's indicators from a long table of raw series.

    Parameters
    ----------
    raw
        Long table with columns ``unit, year, <series_col>, value``.
    framework
        The framework whose indicators carry ``derive`` expressions.

    Returns
    -------
    indicators : DataFrame ``unit, year, indicator, value`` (one row per unit × year × indicator).
    log : DataFrame ``step, unit, year, indicator, old, new, reason`` of derived cells that are
        missing because of a division by zero, a non-positive log argument or a missing lag.
    """
    frame, log = derive_wide(raw, framework, series_col=series_col)
    long = frame.stack(future_stack=True).rename("value").reset_index()
    long.columns = ["unit", "year", "indicator", "value"]
    return long, log
