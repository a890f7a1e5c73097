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
    "weighted_means",
    "arithmetic",
    "geometric",
    "harmonic",
    "topsis",
    "topsis_distances",
    "topsis_sets",
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


def _check_positive(V: np.ndarray, method: str, node: str) -> None:
    if np.nanmin(V) > 0:
        return
    if method == "geometric":
        n_bad = int(np.sum(V <= 0))
        raise MethodError(
            f"aggregate(method='geometric') requires strictly positive values; node {node!r} has {n_bad} "
            "component values <= 0 after normalisation. Use normalise.method='minmax' with range = [1, 100] "
            "(or a positive shift), or aggregate.method='arithmetic'."
        )
    raise MethodError(
        f"aggregate(method='harmonic') requires strictly positive values; node {node!r} has values <= 0. "
        "Use normalise.method='minmax' with range = [1, 100] or aggregate.method='arithmetic'."
    )


def weighted_means(V: np.ndarray, W: np.ndarray, method: str, *, node: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Weighted arithmetic / geometric / harmonic means for R weight sets at once.

    ``V`` has shape (T, n, k, Rv) with Rv ∈ {1, R} (component values, NaN = missing), ``W`` shape
    (T, k, R). Returns the scores (T, n, R) and the available weight share (T, n, R). Missing
    components are skipped and the remaining weights rescaled:

    * arithmetic ``Σ w v / Σ w``; geometric ``exp(Σ w ln v / Σ w)``; harmonic ``Σ w / Σ (w / v)``
      (the last two require v > 0), sums over the available components.

    The index engine calls it with R = 1 (:func:`arithmetic`, :func:`geometric`, :func:`harmonic`);
    the sensitivity analysis with one weight set per run.
    """
    if method in ("geometric", "harmonic"):
        _check_positive(V, method, node)
    avail = ~np.isnan(V)
    Wb = W[:, None, :, :]
    Wa = np.where(avail, Wb, 0.0)
    den = Wa.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            s = (np.where(avail, V, 0.0) * Wa).sum(axis=2) / den
        elif method == "geometric":
            s = np.exp((np.where(avail, np.log(np.where(avail, V, 1.0)), 0.0) * Wa).sum(axis=2) / den)
        elif method == "harmonic":
            s = den / (np.where(avail, Wa / np.where(avail, V, 1.0), 0.0)).sum(axis=2)
        else:
            raise MethodError(f"weighted_means: method must be arithmetic, geometric or harmonic; got {method!r}.")
        cov = den / Wb.sum(axis=2)
    return np.where(den > 0, s, np.nan), cov


def _one_set(V: np.ndarray, w: np.ndarray, method: str, node: str) -> np.ndarray:
    w = np.asarray(w, dtype=float)
    W = np.broadcast_to(w[None, :] if w.ndim == 1 else w, (V.shape[0], V.shape[2]))[:, :, None]
    return weighted_means(V[:, :, :, None], W, method, node=node)[0][:, :, 0]


def arithmetic(V: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean ``Σ w v / Σ w`` over available components (see :func:`weighted_means`)."""
    return _one_set(V, w, "arithmetic", "")


def geometric(V: np.ndarray, w: np.ndarray, *, node: str = "") -> np.ndarray:
    """Weighted geometric mean ``exp(Σ w ln v / Σ w)``; requires v > 0 (see :func:`weighted_means`)."""
    return _one_set(V, w, "geometric", node)


def harmonic(V: np.ndarray, w: np.ndarray, *, node: str = "") -> np.ndarray:
    """Weighted harmonic mean ``Σ w / Σ (w / v)``; requires v > 0 (see :func:`weighted_means`)."""
    return _one_set(V, w, "harmonic", node)


def _topsis_distances(V: np.ndarray, W: np.ndarray, *, ideal: str, distance: str) -> tuple[np.ndarray, np.ndarray]:
    """D⁺ and D⁻ of :func:`topsis_sets`, each (T, n, R)."""
    check_option(ideal, Literal["pooled", "year"], param="topsis_ideal", caller="aggregate")
    check_option(distance, TopsisDistance, param="topsis_distance", caller="aggregate")
    with np.errstate(invalid="ignore", divide="ignore"):
        W = W / W.sum(axis=1, keepdims=True)
    miss = np.isnan(V)
    axes = (0, 1) if ideal == "pooled" else (1,)
    if ideal == "year" or np.all(W == W[:1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            zmax = np.nanmax(V, axis=axes, keepdims=True)
            zmin = np.nanmin(V, axis=axes, keepdims=True)
        wpow = W ** 2 if distance == "weighted_values" else W
        dp = np.sqrt(np.einsum("tnm,tmr->tnr", np.where(miss, 0.0, (V - zmax) ** 2), wpow))
        dm = np.sqrt(np.einsum("tnm,tmr->tnr", np.where(miss, 0.0, (V - zmin) ** 2), wpow))
    else:  # pooled ideal with weights that change by year: v = w z formed explicitly
        Wb = W[:, None, :, :]
        A = V[..., None] * Wb if distance == "weighted_values" else np.broadcast_to(V[..., None], V.shape + W.shape[-1:])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            best = np.nanmax(A, axis=(0, 1), keepdims=True)
            worst = np.nanmin(A, axis=(0, 1), keepdims=True)
        dp2, dm2 = (A - best) ** 2, (A - worst) ** 2
        if distance == "weights_inside":
            dp2, dm2 = Wb * dp2, Wb * dm2
        m4 = miss[..., None]
        dp = np.sqrt(np.where(m4, 0.0, dp2).sum(axis=2))
        dm = np.sqrt(np.where(m4, 0.0, dm2).sum(axis=2))
    return dp, dm


def topsis_sets(V: np.ndarray, W: np.ndarray, *, ideal: str = "pooled", distance: str = "weighted_values") -> np.ndarray:
    """TOPSIS closeness (Hwang & Yoon 1981; methods-reference §2.2) for R weight sets at once.

    ``V`` (T, n, m) normalised values (higher = better, NaN = missing), ``W`` (T, m, R) weights
    (rescaled to sum 1 per year and set). ``distance="weighted_values"``: v = w·z, ideal v⁺ = max v,
    anti-ideal v⁻ = min v, ``D± = sqrt(Σ (v − v±)²)``; ``"weights_inside"``: ``D± = sqrt(Σ w (z − z±)²)``.
    ``C = D⁻/(D⁺ + D⁻)`` (0.5 when D⁺ = D⁻ = 0), no score when every component is missing. Ideals
    over all unit-years (``"pooled"``) or per year. Returns (T, n, R).

    Notes
    -----
    When the weights do not vary across the ideal's reference set (per-year ideal, or the same weights
    every year), max v_j = w_j max z_j (w ≥ 0), so ``D±² = Σ_j w_j^p (z_j − z±_j)²`` with p = 2
    (weighted values) or 1 (weights inside) is one matrix product for all R sets; otherwise v is formed
    explicitly.
    """
    dp, dm = _topsis_distances(V, W, ideal=ideal, distance=distance)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = dm / (dp + dm)
    c = np.where((dp + dm) == 0, 0.5, c)
    return np.where(np.isnan(V).all(axis=2)[:, :, None], np.nan, c)


def topsis(V: np.ndarray, w: np.ndarray, *, ideal: Literal["pooled", "year"] = "pooled",
           distance: str = "weighted_values") -> np.ndarray:
    """TOPSIS closeness of one weight set ``w`` ((k,) or (T, k)): :func:`topsis_sets` with R = 1, shape (T, n)."""
    w = np.asarray(w, dtype=float)
    W = np.broadcast_to(w[None, :] if w.ndim == 1 else w, (V.shape[0], V.shape[2]))[:, :, None]
    return topsis_sets(V, W, ideal=ideal, distance=distance)[:, :, 0]


def topsis_distances(V: np.ndarray, w: np.ndarray, *, ideal: Literal["pooled", "year"] = "pooled",
                     distance: str = "weighted_values") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(D⁺, D⁻, C)`` of one weight set, each (T, n): the distances behind :func:`topsis` (same formulas).

    Examples
    --------
    >>> import numpy as np
    >>> V = np.array([[[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]])
    >>> dp, dm, c = topsis_distances(V, np.array([0.75, 0.25]))
    >>> np.round(dp[0], 4).tolist(), np.round(dm[0], 4).tolist(), bool(np.allclose(c, topsis(V, np.array([0.75, 0.25]))))
    ([0.25, 0.75, 0.3953], [0.75, 0.25, 0.3953], True)
    """
    w = np.asarray(w, dtype=float)
    W = np.broadcast_to(w[None, :] if w.ndim == 1 else w, (V.shape[0], V.shape[2]))[:, :, None]
    dp, dm = _topsis_distances(V, W, ideal=ideal, distance=distance)
    with np.errstate(invalid="ignore", divide="ignore"):
        c = dm / (dp + dm)
    c = np.where((dp + dm) == 0, 0.5, c)
    none = np.isnan(V).all(axis=2)
    return (np.where(none, np.nan, dp[:, :, 0]), np.where(none, np.nan, dm[:, :, 0]), np.where(none, np.nan, c[:, :, 0]))


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
