"""Aggregation up the tree — methods-reference §2.2 and §3.

Each function takes the values of one node's components for every unit-year as an
array ``V`` of shape (T, n, k) and weights ``w`` of shape (k,) or (T, k), and returns
(T, n) scores. Missing components are skipped and the remaining weights rescaled
(COINr's rule); a unit-year whose available weight share is below ``min_coverage``
gets no score (the engine records why).
"""
from __future__ import annotations

import warnings
from typing import Literal

import numpy as np

from .._errors import MethodError
from .._validation import check_option

__all__ = [
    "AggMethod",
    "TopsisDistance",
    "coverage",
    "arithmetic",
    "geometric",
    "harmonic",
    "topsis",
    "copeland",
]

AggMethod = Literal["arithmetic", "geometric", "harmonic", "topsis", "copeland"]
TopsisDistance = Literal["weighted_values", "weights_inside"]


def _w3(w: np.ndarray, V: np.ndarray) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    if w.ndim == 1:
        return np.broadcast_to(w[None, None, :], V.shape)
    return np.broadcast_to(w[:, None, :], V.shape)


def coverage(V: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Share of the node's weight carried by available (non-missing) components, (T, n)."""
    W = _w3(w, V)
    tot = W.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(~np.isnan(V), W, 0.0).sum(axis=2) / tot


def arithmetic(V: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean ``Σ w v / Σ w`` over available components."""
    W = np.where(np.isnan(V), 0.0, _w3(w, V))
    num = np.where(np.isnan(V), 0.0, V * W).sum(axis=2)
    den = W.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def geometric(V: np.ndarray, w: np.ndarray, *, node: str = "") -> np.ndarray:
    """Weighted geometric mean ``exp(Σ w ln v / Σ w)``; requires v > 0."""
    if np.nanmin(V) <= 0:
        n_bad = int(np.sum(V <= 0))
        raise MethodError(
            f"aggregate(method='geometric') requires strictly positive values; node {node!r} has {n_bad} "
            "component values <= 0 after normalisation. Use normalise.method='minmax' with range = [1, 100] "
            "(or a positive shift), or aggregate.method='arithmetic'."
        )
    W = np.where(np.isnan(V), 0.0, _w3(w, V))
    lv = np.where(np.isnan(V), 0.0, np.log(np.where(np.isnan(V), 1.0, V)))
    den = W.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, np.exp((lv * W).sum(axis=2) / den), np.nan)


def harmonic(V: np.ndarray, w: np.ndarray, *, node: str = "") -> np.ndarray:
    """Weighted harmonic mean ``Σ w / Σ (w / v)``; requires v > 0."""
    if np.nanmin(V) <= 0:
        raise MethodError(
            f"aggregate(method='harmonic') requires strictly positive values; node {node!r} has values <= 0. "
            "Use normalise.method='minmax' with range = [1, 100] or aggregate.method='arithmetic'."
        )
    W = np.where(np.isnan(V), 0.0, _w3(w, V))
    inv = np.where(np.isnan(V), 0.0, W / np.where(np.isnan(V), 1.0, V))
    den = inv.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, W.sum(axis=2) / den, np.nan)


def topsis(V: np.ndarray, w: np.ndarray, *, ideal: Literal["pooled", "year"] = "pooled",
           distance: str = "weighted_values") -> np.ndarray:
    """TOPSIS closeness (Hwang & Yoon 1981), methods-reference §2.2.

    ``distance="weighted_values"``: v = w·z, ideal v⁺ = max v, anti-ideal v⁻ = min v,
    ``D± = sqrt(Σ (v − v±)²)``; ``"weights_inside"``: ``D± = sqrt(Σ w (z − z±)²)``.
    ``C = D⁻/(D⁺ + D⁻)``. Ideals are taken over all unit-years (``"pooled"``) or per year.
    Direction is already in the normalised values (higher = better). Missing components
    are left out of both distances.
    """
    check_option(ideal, Literal["pooled", "year"], param="topsis_ideal", caller="aggregate")
    check_option(distance, TopsisDistance, param="topsis_distance", caller="aggregate")
    W = _w3(w, V)
    with np.errstate(invalid="ignore", divide="ignore"):
        W = W / W.sum(axis=2, keepdims=True)
    A = V * W if distance == "weighted_values" else V
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if ideal == "pooled":
            best = np.nanmax(A, axis=(0, 1), keepdims=True)
            worst = np.nanmin(A, axis=(0, 1), keepdims=True)
        else:
            best = np.nanmax(A, axis=1, keepdims=True)
            worst = np.nanmin(A, axis=1, keepdims=True)
    dp2 = (A - best) ** 2
    dm2 = (A - worst) ** 2
    if distance == "weights_inside":
        dp2 = W * dp2
        dm2 = W * dm2
    miss = np.isnan(V)
    dp = np.sqrt(np.where(miss, 0.0, dp2).sum(axis=2))
    dm = np.sqrt(np.where(miss, 0.0, dm2).sum(axis=2))
    allmiss = miss.all(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = dm / (dp + dm)
    c = np.where(allmiss, np.nan, c)
    return np.where((dp + dm) == 0, 0.5, c) if not allmiss.all() else c


def copeland(V: np.ndarray, w: np.ndarray, *, chunk: int = 512) -> np.ndarray:
    """Weighted Copeland score per year: wins − losses in weighted pairwise majority contests.

    Unit a beats b if the weight of components where a > b exceeds the weight where b > a
    (components missing for either unit are left out of that contest).
    """
    T, n, k = V.shape
    W = _w3(w, V)
    out = np.full((T, n), np.nan)
    for t in range(T):
        v, wt = V[t], W[t]
        valid = ~np.isnan(v).all(axis=1)
        score = np.zeros(n)
        for s in range(0, n, chunk):
            a = v[s:s + chunk, None, :]
            b = v[None, :, :]
            wa = wt[s:s + chunk, None, :]
            both = ~np.isnan(a) & ~np.isnan(b)
            win = np.where(both & (a > b), wa, 0.0).sum(axis=2)
            lose = np.where(both & (a < b), wa, 0.0).sum(axis=2)
            res = np.sign(win - lose)
            res[:, ~valid] = 0.0
            score[s:s + chunk] = res.sum(axis=1)
        out[t] = np.where(valid, score, np.nan)
    return out
