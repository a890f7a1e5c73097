"""Normalisation (无量纲化) of indicator data — methods-reference §1.

Every method is a pure function on a 2-D array ``x`` of shape (rows, indicators)
whose rows form the reference set (one year, all years pooled, or a base year),
with the direction vector ``d`` (+1 benefit 正向, −1 cost 负向) applied inside.
:func:`normalise_panel` applies a method to a (years, units, indicators) panel
with a *scope*:

* ``"year"``   – min/max (mean/sd …) within each year (截面): not comparable over time;
* ``"pooled"`` – over all years and units (全局/面板): comparable over time;
* ``"base_year"`` – parameters from one year, applied to every year (values may leave [a, b]).

Missing values stay missing and are ignored by the statistics.
"""
from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from .._errors import ConstantIndicatorWarning, MethodError
from .._validation import check_option

__all__ = [
    "NormMethod",
    "NormScope",
    "NORM_METHODS",
    "minmax",
    "zscore",
    "ratio_max",
    "vector",
    "percentile_rank",
    "rank",
    "borda",
    "dist_max",
    "dist_target",
    "normalise_block",
    "normalise_panel",
]

NormMethod = Literal[
    "minmax", "zscore", "ratio_max", "vector", "percentile_rank", "rank", "borda", "dist_max", "target", "none"
]
NormScope = Literal["year", "pooled", "base_year"]


def _oriented(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    return x * d[None, :]


def _stat(fn, x: np.ndarray) -> np.ndarray:
    """Column statistic ignoring NaN; all-NaN columns give NaN without a RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(x, axis=0)


def minmax(x: np.ndarray, d: np.ndarray, *, low: float = 0.0, high: float = 1.0, ref: np.ndarray | None = None) -> np.ndarray:
    """Min–max (极差标准化): ``a + (b − a)(d·x − min)/(max − min)``.

    For a cost indicator (d = −1) this is ``(max x − x)/(max x − min x)`` scaled to [a, b].
    A column with max = min (zero variance in the reference set) maps to the midpoint
    ``(a + b)/2`` — a deliberate, recorded choice (it carries no information; the entropy and
    CRITIC weights of such a column are 0).
    """
    xo = _oriented(x, d)
    r = xo if ref is None else _oriented(ref, d)
    mn, mx = _stat(np.nanmin, r), _stat(np.nanmax, r)
    rng = mx - mn
    with np.errstate(invalid="ignore", divide="ignore"):
        z = low + (high - low) * (xo - mn) / rng
    const = ~(rng > 0)
    if const.any():
        z[:, const] = np.where(np.isnan(xo[:, const]), np.nan, (low + high) / 2.0)
    return z


def zscore(x: np.ndarray, d: np.ndarray, *, mean: float = 0.0, sd: float = 1.0, ddof: int = 1, ref: np.ndarray | None = None) -> np.ndarray:
    """Standardisation: ``mean + sd · (d·x − x̄)/s`` (s with ``ddof``; COINr and R use ddof = 1)."""
    xo = _oriented(x, d)
    r = xo if ref is None else _oriented(ref, d)
    mu = _stat(np.nanmean, r)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.nanstd(r, axis=0, ddof=ddof)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = mean + sd * (xo - mu) / s
    const = ~(s > 0)
    if const.any():
        z[:, const] = np.where(np.isnan(xo[:, const]), np.nan, mean)
    return z


def ratio_max(x: np.ndarray, d: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """Ratio to the best value: ``x / max x`` (benefit), ``min x / x`` (cost). Needs x > 0."""
    r = x if ref is None else ref
    if np.nanmin(np.concatenate([x.ravel(), r.ravel()])) <= 0:
        raise MethodError(
            "normalise(method='ratio_max') needs raw values > 0; got values <= 0. "
            "Use method='minmax' or shift the data."
        )
    mx, mn = _stat(np.nanmax, r), _stat(np.nanmin, r)
    return np.where(d[None, :] > 0, x / mx, mn / x)


def vector(x: np.ndarray, d: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """Vector normalisation (classical TOPSIS): ``x / sqrt(Σ x²)``; cost: ``1 − x / sqrt(Σ x²)``."""
    r = x if ref is None else ref
    norm = np.sqrt(_stat(np.nansum, r * r))
    with np.errstate(invalid="ignore", divide="ignore"):
        v = x / norm
    return np.where(d[None, :] > 0, v, 1.0 - v)


def _rank_cols(xo: np.ndarray, method: str) -> np.ndarray:
    from scipy.stats import rankdata  # here, not at import: scipy.stats takes ~0.8 s to import, every command paid it

    out = np.full(xo.shape, np.nan)
    for j in range(xo.shape[1]):
        col = xo[:, j]
        ok = ~np.isnan(col)
        if ok.any():
            out[ok, j] = rankdata(col[ok], method=method)
    return out


def percentile_rank(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Percentile rank ``(r − 1)/(n − 1)`` with r the ascending rank (ties = min), as dplyr/COINr ``n_prank``."""
    r = _rank_cols(_oriented(x, d), "min")
    n = np.sum(~np.isnan(x), axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (r - 1.0) / (n - 1.0)


def rank(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Rank 1 … n, higher = better (ties = min), as COINr ``n_rank``."""
    return _rank_cols(_oriented(x, d), "min")


def borda(x: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Borda points: the number of units a unit beats on the indicator (``rank − 1``, ties = min)."""
    return _rank_cols(_oriented(x, d), "min") - 1.0


def dist_max(x: np.ndarray, d: np.ndarray, *, ref: np.ndarray | None = None) -> np.ndarray:
    """Distance to the leader (OECD/JRC Handbook, 'distance to a reference'): ``(x − x*)/|x*|``.

    x* = max (benefit) or min (cost) of the reference set; 0 for the leader, negative otherwise
    (for a cost indicator ``(x* − x)/|x*|``).
    """
    r = x if ref is None else ref
    best = np.where(d > 0, _stat(np.nanmax, r), _stat(np.nanmin, r))
    with np.errstate(invalid="ignore", divide="ignore"):
        return d[None, :] * (x - best) / np.abs(best)


def dist_target(x: np.ndarray, d: np.ndarray, target: np.ndarray, *, ref: np.ndarray | None = None, cap: bool = True) -> np.ndarray:
    """Distance to a target (COINr ``n_dist2targ``): ``(x − min)/(target − min)`` (benefit),
    ``(max − x)/(max − target)`` (cost), capped at 1 when ``cap``."""
    r = x if ref is None else ref
    mn, mx = _stat(np.nanmin, r), _stat(np.nanmax, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(d[None, :] > 0, (x - mn) / (target - mn), (mx - x) / (mx - target))
    return np.minimum(z, 1.0) if cap else z


def normalise_block(x: np.ndarray, d: np.ndarray, method: str, *, ref: np.ndarray | None = None, params: dict | None = None) -> np.ndarray:
    """Apply one method to a 2-D block (rows = units of the reference set)."""
    p = dict(params or {})
    if method == "none":
        return x.copy()
    if method == "minmax":
        lo, hi = p.get("range", (0.0, 1.0))
        return minmax(x, d, low=lo, high=hi, ref=ref)
    if method == "zscore":
        return zscore(x, d, mean=p.get("mean", 0.0), sd=p.get("sd", 1.0), ddof=p.get("ddof", 1), ref=ref)
    if method == "ratio_max":
        return ratio_max(x, d, ref=ref)
    if method == "vector":
        return vector(x, d, ref=ref)
    if method == "percentile_rank":
        return percentile_rank(x, d)
    if method == "rank":
        return rank(x, d)
    if method == "borda":
        return borda(x, d)
    if method == "dist_max":
        return dist_max(x, d, ref=ref)
    if method == "target":
        target = p.get("target")
        if target is None:
            raise MethodError("normalise(method='target') needs a target per indicator; got none. Set a 'target' tag on every indicator.")
        return dist_target(x, d, np.asarray(target, dtype=float), ref=ref, cap=p.get("cap", True))
    check_option(method, NormMethod, param="method", caller="normalise")
    raise AssertionError("unreachable")


NORM_METHODS = ("minmax", "zscore", "ratio_max", "vector", "percentile_rank", "rank", "borda", "dist_max", "target", "none")
_RANK_METHODS = {"percentile_rank", "rank", "borda"}


def normalise_panel(
    X: np.ndarray,
    direction: np.ndarray,
    *,
    method: str = "minmax",
    scope: str = "pooled",
    base_index: int | None = None,
    shift: float = 0.0,
    params: dict | None = None,
    indicator_names: list[str] | None = None,
    year_labels: list | None = None,
) -> np.ndarray:
    """Normalise a (years, units, indicators) panel.

    Parameters
    ----------
    X
        Array of shape (T, n, m); NaN = missing (or excluded).
    direction
        Array of ±1 of length m.
    method, scope
        See :data:`NormMethod`, :data:`NormScope`.
    base_index
        Position of the base year (``scope="base_year"``).
    shift
        Constant A added after normalisation (平移, e.g. 0.0001 before the entropy method).

    Notes
    -----
    Rank-based methods ignore the base year (ranks are taken within the scope's rows).
    A zero-variance column in a reference set raises :class:`ConstantIndicatorWarning`.
    """
    check_option(method, NormMethod, param="method", caller="normalise")
    check_option(scope, NormScope, param="scope", caller="normalise")
    T, n, m = X.shape
    d = np.asarray(direction, dtype=float)
    names = indicator_names or [f"#{j}" for j in range(m)]
    if method == "ratio_max":
        with np.errstate(invalid="ignore"):
            bad = (X <= 0).reshape(-1, m).any(axis=0)
        if bad.any():
            j = int(np.flatnonzero(bad)[0])
            raise MethodError(
                f"normalise(method='ratio_max'), indicator {names[j]!r}: ratios to the best value need raw values > 0; "
                f"got a minimum of {np.nanmin(X[..., j]):g} ({int(bad.sum())} indicator(s) affected: "
                f"{[names[i] for i in np.flatnonzero(bad)][:10]}). Use method='minmax' or shift the data."
            )
    Z = np.empty_like(X, dtype=float)
    if scope == "pooled":
        flat = X.reshape(T * n, m)
        _warn_constant(flat, names, "all years pooled")
        Z = normalise_block(flat, d, method, params=params).reshape(T, n, m)
    elif scope == "year":
        for t in range(T):
            _warn_constant(X[t], names, f"year {year_labels[t] if year_labels else t}")
            Z[t] = normalise_block(X[t], d, method, params=params)
    else:
        if base_index is None:
            raise MethodError("normalise(scope='base_year') needs base_year; got none. Set normalise.base_year = YYYY.")
        ref = X[base_index]
        _warn_constant(ref, names, "the base year")
        for t in range(T):
            Z[t] = normalise_block(X[t], d, method, ref=None if method in _RANK_METHODS else ref, params=params)
    if shift:
        Z = Z + shift
    return Z


def _warn_constant(block: np.ndarray, names: list[str], where: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        rng = np.nanmax(block, axis=0) - np.nanmin(block, axis=0)
    const = [names[j] for j in np.where(rng == 0)[0]]
    if const:
        warnings.warn(
            f"Indicators {const} are constant across units in {where}; min–max sets them to the midpoint "
            "of the range and objective weights give them weight 0.",
            ConstantIndicatorWarning,
            stacklevel=3,
        )
