"""Ranks of scores — one implementation for the whole package.

Competition ranking ("1224", pandas ``method="min"``): rank 1 = largest, tied values share the
smallest rank of their group, missing values are unranked (NaN). Scores are sums of products of
floating-point weights, so two units with the same exact score can differ in their last bits
(26.000000000000007 vs 26.0 after rescaling the weights); values equal within a relative
tolerance are ties:

    rank_i = 1 + #{ j : s_j > s_i  and  |s_j − s_i| > rtol · max(|s_i|, |s_j|) },   rtol = 1e-12.

For s_j > s_i the tolerance condition reads ``s_j > s_i / (1 − rtol)`` when s_i ≥ 0 and
``s_j > s_i (1 − rtol)`` when s_i < 0, so each count is a position in the sorted values.
"""
from __future__ import annotations

import numpy as np

__all__ = ["RANK_RTOL", "rank_desc"]

#: relative tolerance within which two scores are the same score (tie)
RANK_RTOL = 1e-12
#: values ranked at once by :func:`rank_desc` (the temporaries of a block are a few times this many numbers)
_CHUNK = 1 << 16


def rank_desc(values: np.ndarray, *, axis: int = 0, rtol: float = RANK_RTOL) -> np.ndarray:
    """Competition ranks (1 = largest, ties within ``rtol`` share the minimum rank) along ``axis``.

    Parameters
    ----------
    values
        Array of any shape; NaN values are unranked.
    axis
        The axis along which the units are ranked (one ranking per position of the other axes).
    rtol
        Relative tolerance of a tie (see the module docstring for the formula).

    Returns
    -------
    Float array of the same shape (NaN where the value is NaN).

    Examples
    --------
    >>> rank_desc(np.array([26.0, 26.000000000000007, 30.0, np.nan, 1.0])).tolist()
    [2.0, 2.0, 1.0, nan, 4.0]
    """
    a = np.asarray(values, dtype=float)
    if a.size == 0:
        return a.copy()
    moved = np.moveaxis(a, axis, -1)
    flat = moved.reshape(-1, moved.shape[-1])
    ranks = np.empty(flat.shape)
    step = max(1, _CHUNK // flat.shape[1])  # rankings computed a block of rows at a time: bounded temporaries
    for lo in range(0, flat.shape[0], step):
        ranks[lo:lo + step] = _rank_rows(flat[lo:lo + step], rtol)
    return np.moveaxis(ranks.reshape(moved.shape), -1, axis)


def _rank_rows(flat: np.ndarray, rtol: float) -> np.ndarray:
    """Competition ranks along the rows of a 2-D array (:func:`rank_desc` on one block)."""
    R, n = flat.shape
    order = np.argsort(flat, axis=1, kind="stable")  # ascending, NaN last
    s = np.take_along_axis(flat, order, axis=1)
    n_valid = (~np.isnan(flat)).sum(axis=1, keepdims=True)
    rows = np.arange(R)[:, None]
    # end[p] = 1 + last position of the run of values equal to s[p]: #{j : s_j <= s_p}
    last = np.ones((R, n), dtype=bool)
    last[:, :-1] = s[:, 1:] != s[:, :-1]
    end = np.minimum.accumulate(np.where(last, np.arange(n)[None, :], n)[:, ::-1], axis=1)[:, ::-1] + 1
    with np.errstate(invalid="ignore", over="ignore"):
        thr = np.where(s >= 0, s / (1.0 - rtol), s * (1.0 - rtol))  # s_j > thr(s_i) ⇔ j ranks above i
    # #{j : s_j <= thr(s_p)}: move past the next runs while they lie within the tolerance (rare, few steps)
    le = end
    while True:
        nxt = np.minimum(le, n - 1)
        step = (le < n_valid) & (s[rows, nxt] <= thr)
        if not step.any():
            break
        le = np.where(step, end[rows, nxt], le)
    ranks = np.empty((R, n))
    ranks[rows, order] = 1.0 + n_valid - le
    ranks[np.isnan(flat)] = np.nan
    return ranks
