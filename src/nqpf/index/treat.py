"""Outlier treatment — COINr's skew/kurtosis rule with iterative Winsorisation, percentile
Winsorisation and log transforms.

All functions work on one indicator vector (1-D, NaN ignored) and return the
treated vector plus a record of what changed; :func:`treat_panel` applies them to
a (years, units, indicators) panel per year or pooled.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._errors import MethodError
from .._validation import check_option

__all__ = [
    "TreatMethod",
    "skew",
    "kurt",
    "check_skew_kurt",
    "winsorise_coinr",
    "log_ct",
    "winsorise_percentile",
    "TreatDetail",
    "treat_vector",
    "treat_panel",
    "skew_kurt_cols",
    "check_log_positive",
]

TreatMethod = Literal["none", "coinr", "winsorise", "log", "log_ct"]


def skew(x: np.ndarray) -> float:
    """Bias-adjusted sample skewness G1 (Excel SKEW, e1071 type 2):
    ``sqrt(n) Σ d³ / (Σ d²)^{3/2} · sqrt(n(n−1))/(n−2)``."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    s2 = np.sum(d * d)
    if s2 == 0:
        return 0.0
    y = np.sqrt(n) * np.sum(d ** 3) / s2 ** 1.5
    return float(y * np.sqrt(n * (n - 1)) / (n - 2))


def kurt(x: np.ndarray) -> float:
    """Bias-adjusted excess kurtosis G2 (Excel KURT, e1071 type 2):
    ``((n+1)(r − 3) + 6)(n−1)/((n−2)(n−3))`` with ``r = n Σ d⁴ / (Σ d²)²``."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    s2 = np.sum(d * d)
    if s2 == 0:
        return float("nan")
    r = n * np.sum(d ** 4) / s2 ** 2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def check_skew_kurt(x: np.ndarray, *, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> tuple[bool, float, float]:
    """COINr ``check_SkewKurt``: passes if ``|skew| < skew_thresh`` OR ``kurt < kurt_thresh``."""
    sk, kt = skew(x), kurt(x)
    if np.isnan(sk) or np.isnan(kt):
        return True, sk, kt
    return bool(abs(sk) < skew_thresh or kt < kurt_thresh), sk, kt


def winsorise_coinr(x: np.ndarray, *, winmax: int | None = 5, skew_thresh: float = 2.0, kurt_thresh: float = 3.5) -> tuple[np.ndarray, int]:
    """COINr ``winsorise``: while the skew/kurtosis test fails and fewer than ``winmax`` points
    are Winsorised, reassign the point(s) equal to the maximum (skew ≥ 0) to the largest
    remaining value, or those equal to the minimum (skew < 0) to the smallest remaining value.

    Returns the treated vector and ``nwin`` as COINr counts it: the number of points at the
    clipped extreme(s) after the last pass.
    """
    x = x.astype(float).copy()
    passing = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)[0]
    nwin = 0
    imax = np.array([], dtype=int)
    imin = np.array([], dtype=int)
    ok = ~np.isnan(x)
    while not passing and (winmax is None or nwin < winmax):
        if skew(x) >= 0:
            imax = np.where(ok & (x == np.nanmax(x)))[0]
            rest = np.delete(x, imax)
            if np.all(np.isnan(rest)):
                break
            x[imax] = np.nanmax(rest)
        else:
            imin = np.where(ok & (x == np.nanmin(x)))[0]
            rest = np.delete(x, imin)
            if np.all(np.isnan(rest)):
                break
            x[imin] = np.nanmin(rest)
        nwin = len(imax) + len(imin)
        passing = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)[0]
    return x, nwin


def log_ct(x: np.ndarray) -> np.ndarray:
    """COINr ``log_CT``: ``ln(x − min x + 0.01 (max x − min x))``."""
    mn, mx = np.nanmin(x), np.nanmax(x)
    return np.log(x - mn + 0.01 * (mx - mn))


def winsorise_percentile(x: np.ndarray, *, lower: float = 0.01, upper: float = 0.99) -> np.ndarray:
    """Clip to the ``lower`` and ``upper`` quantiles (linear interpolation, as numpy/Stata ``winsor2``)."""
    lo, hi = np.nanquantile(x, [lower, upper])
    return np.clip(x, lo, hi)


@dataclass(frozen=True)
class TreatDetail:
    """What treatment did to one indicator in one scope."""

    skew0: float
    kurt0: float
    pass0: bool
    nwin: int
    skew1: float
    kurt1: float
    pass1: bool
    action: str  # "none", "winsorised", "log_ct", "winsorised(percentile)", "log"


def treat_vector(x: np.ndarray, method: str = "coinr", *, winmax: int | None = 5, skew_thresh: float = 2.0,
                 kurt_thresh: float = 3.5, lower: float = 0.01, upper: float = 0.99) -> tuple[np.ndarray, TreatDetail]:
    """Treat one indicator vector; returns the treated vector and a :class:`TreatDetail`.

    ``"coinr"``: test; if failing, COINr Winsorisation; if still failing, ``log_CT`` of the
    *original* values (COINr default ``combine_treat = FALSE``).
    """
    p0, s0, k0 = check_skew_kurt(x, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
    if method == "none":
        return x.copy(), TreatDetail(s0, k0, p0, 0, s0, k0, p0, "none")
    if method == "coinr":
        if p0:
            return x.copy(), TreatDetail(s0, k0, p0, 0, np.nan, np.nan, p0, "none")
        xw, nwin = winsorise_coinr(x, winmax=winmax, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        p1, s1, k1 = check_skew_kurt(xw, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        if p1:
            return xw, TreatDetail(s0, k0, p0, nwin, s1, k1, p1, "winsorised")
        xl = log_ct(x)
        p2, s2, k2 = check_skew_kurt(xl, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        return xl, TreatDetail(s0, k0, p0, nwin, s2, k2, p2, "log_ct")
    if method == "winsorise":
        xw = winsorise_percentile(x, lower=lower, upper=upper)
        p1, s1, k1 = check_skew_kurt(xw, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        n = int(np.sum((xw != x) & ~np.isnan(x)))
        return xw, TreatDetail(s0, k0, p0, n, s1, k1, p1, "winsorised(percentile)")
    if method == "log":
        if np.nanmin(x) <= 0:
            raise MethodError(f"treat(method='log'): the logarithm needs raw values > 0; got a minimum of {np.nanmin(x):g}. "
                              "Use method='log_ct' (shifted log) or correct the values.")
        xl = np.log(x)
        p1, s1, k1 = check_skew_kurt(xl, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        return xl, TreatDetail(s0, k0, p0, 0, s1, k1, p1, "log")
    if method == "log_ct":
        xl = log_ct(x)
        p1, s1, k1 = check_skew_kurt(xl, skew_thresh=skew_thresh, kurt_thresh=kurt_thresh)
        return xl, TreatDetail(s0, k0, p0, 0, s1, k1, p1, "log_ct")
    check_option(method, TreatMethod, param="method", caller="treat")
    raise AssertionError("unreachable")


def skew_kurt_cols(B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column-wise :func:`skew` and :func:`kurt` of a 2-D block (NaN ignored), vectorised."""
    ok = ~np.isnan(B)
    n = ok.sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(ok, B, 0.0).sum(axis=0) / n
        d = np.where(ok, B - mean, 0.0)
        d2 = d * d
        s2 = d2.sum(axis=0)
        s3 = (d2 * d).sum(axis=0)
        s4 = (d2 * d2).sum(axis=0)
        sk = np.sqrt(n) * s3 / s2 ** 1.5 * np.sqrt(n * (n - 1)) / (n - 2)
        r = n * s4 / s2 ** 2
        kt = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    sk = np.where(n < 3, np.nan, np.where(s2 == 0, 0.0, sk))
    kt = np.where((n < 4) | (s2 == 0), np.nan, kt)
    return sk, kt


def _passes(sk: np.ndarray, kt: np.ndarray, skew_thresh: float, kurt_thresh: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isnan(sk) | np.isnan(kt) | (np.abs(sk) < skew_thresh) | (kt < kurt_thresh)


def check_log_positive(X: np.ndarray, names: list[str] | None = None, *, where: str = "treat(method='log')",
                       units: list[str] | None = None, years: list | None = None) -> None:
    """Refuse values ≤ 0 before a logarithm, naming indicator, unit and year (a pure check; nothing changes).

    ``X`` is (rows, m) or (T, n, m) of raw values (NaN ignored); ``names`` the m indicator ids,
    ``units``/``years`` the labels of the n units and T years of a 3-D panel. Used by
    :func:`treat_panel` and callable on its own (``nqpf validate``).

    Examples
    --------
    >>> check_log_positive(np.array([[1.0, -2.0]]), ["gdp", "profit"])
    Traceback (most recent call last):
    nqpf._errors.MethodError: treat(method='log'), indicator 'profit': the logarithm needs raw values > 0; got 1 value(s) <= 0, e.g. -2 (row 1). Use method='log_ct' (shifted log), treat only positive indicators ([treat] indicators), or correct the values.
    """
    A = np.asarray(X, dtype=float)
    with np.errstate(invalid="ignore"):
        bad = A <= 0
    if not bad.any():
        return
    m = A.shape[-1]
    j = int(np.flatnonzero(bad.reshape(-1, m).any(axis=0))[0])
    col = A[..., j]
    idx = np.argwhere(col <= 0)
    first = tuple(int(i) for i in idx[0])
    if A.ndim == 3:
        t, u = first
        at = (f"unit {units[u]!r}" if units is not None else f"unit #{u}") + ", " + \
             (f"year {years[t]}" if years is not None else f"year #{t}")
    else:
        at = f"row {first[0] + 1}"
    name = names[j] if names is not None and len(names) == m else f"#{j}"
    raise MethodError(
        f"{where}, indicator {name!r}: the logarithm needs raw values > 0; got {len(idx)} value(s) <= 0, e.g. "
        f"{col[first]:g} ({at}). Use method='log_ct' (shifted log), treat only positive indicators ([treat] "
        "indicators), or correct the values."
    )


def _treat_block(B: np.ndarray, method: str, params: dict) -> tuple[np.ndarray, list[tuple[int, TreatDetail]]]:
    """Treat every column of a 2-D block; vectorised except COINr's iterative Winsorisation."""
    st, kt_ = params.get("skew_thresh", 2.0), params.get("kurt_thresh", 3.5)
    params = dict(params)
    params.pop("_names", None) if method != "log" else None
    vec_params = {k: v for k, v in params.items() if not k.startswith("_")}
    out = B.copy()
    enough = (~np.isnan(B)).sum(axis=0) >= 4
    sk0, kt0 = skew_kurt_cols(B)
    p0 = _passes(sk0, kt0, st, kt_)
    details: list[tuple[int, TreatDetail]] = []
    if method == "coinr":
        for j in np.nonzero(enough)[0]:
            if p0[j]:
                details.append((j, TreatDetail(sk0[j], kt0[j], True, 0, np.nan, np.nan, True, "none")))
            else:
                out[:, j], det = treat_vector(B[:, j], "coinr", **vec_params)
                details.append((j, det))
        return out, details
    if method == "winsorise":
        lo, hi = np.nanquantile(B[:, enough], [params.get("lower", 0.01), params.get("upper", 0.99)], axis=0)
        out[:, enough] = np.clip(B[:, enough], lo, hi)
        action = "winsorised(percentile)"
    elif method == "log":
        names = params.get("_names")
        check_log_positive(B[:, enough], None if names is None else [n for n, e in zip(names, enough) if e],
                           where=params.get("_where", "treat(method='log')"))
        out[:, enough] = np.log(B[:, enough])
        action = "log"
    else:  # log_ct
        mn, mx = np.nanmin(B[:, enough], axis=0), np.nanmax(B[:, enough], axis=0)
        out[:, enough] = np.log(B[:, enough] - mn + 0.01 * (mx - mn))
        action = "log_ct"
    sk1, kt1 = skew_kurt_cols(out)
    p1 = _passes(sk1, kt1, st, kt_)
    changed = ((out != B) & ~np.isnan(B)).sum(axis=0)
    for j in np.nonzero(enough)[0]:
        details.append((j, TreatDetail(sk0[j], kt0[j], bool(p0[j]), int(changed[j]) if method == "winsorise" else 0,
                                       sk1[j], kt1[j], bool(p1[j]), action)))
    return out, details


def treat_panel(X: np.ndarray, *, method: str = "coinr", scope: str = "year", names: list[str] | None = None,
                year_labels: list | None = None, **params) -> tuple[np.ndarray, list[tuple[int | None, int, TreatDetail]]]:
    """Treat every indicator of a (T, n, m) panel, per year (``scope="year"``) or pooled.

    Returns the treated array and ``[(year_index or None, indicator_index, TreatDetail)]``.
    Indicators with fewer than 4 values in a scope are left as they are. ``names`` (indicator
    ids) and ``year_labels`` are named in errors (e.g. a log of values ≤ 0).
    """
    if names is not None:
        params["_names"] = list(names)
    check_option(method, TreatMethod, param="method", caller="treat")
    check_option(scope, Literal["year", "pooled"], param="scope", caller="treat")
    T, n, m = X.shape
    out = np.array(X, dtype=float)  # a copy
    details: list[tuple[int | None, int, TreatDetail]] = []
    if method == "none":
        return out, details
    if scope == "pooled":
        flat, det = _treat_block(out.reshape(T * n, m), method, params)
        return flat.reshape(T, n, m), [(None, j, d) for j, d in det]
    for t in range(T):
        if year_labels is not None:
            params["_where"] = f"treat(method='log'), year {year_labels[t]}"
        out[t], det = _treat_block(out[t], method, params)
        details += [(t, j, d) for j, d in det]
    return out, details
