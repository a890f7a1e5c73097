"""Aggregation of one normalised panel under many weight sets at once.

The index engine aggregates one run. For uncertainty and sensitivity analysis,
thousands of runs share their treated and normalised data and differ only in
weights (noise, leave-one-out) and aggregation method; here the tree is
aggregated for R weight sets in one pass (arrays with a trailing run axis), with
the same rules as :mod:`nqpf.index.aggregate` (missing components skipped and the
remaining weights rescaled; ``min_coverage``; the two TOPSIS distance variants).
"""
from __future__ import annotations


import numpy as np

from .._errors import MethodError
from ..framework.model import Framework
from ..index.aggregate import topsis_sets, weighted_means

__all__ = ["within_sets", "aggregate_runs"]


def within_sets(fw: Framework, base: dict[str, np.ndarray], T: int, *, noise: list[dict[str, float] | None],
                zero: list[set[str]]) -> dict[str, np.ndarray]:
    """Per aggregate node, child weights of shape (T, k, R) for R runs.

    ``noise[r]`` multiplies the weight of node c in its parent by ``noise[r][c]``; ``zero[r]`` is the set of
    nodes/indicators whose weight is set to 0 (leave-out). Weights are renormalised within each parent.
    """
    R = len(noise)
    kids = {nid: fw.children(nid) for nid in fw.aggregates}
    pos = {c: i for i, c in enumerate(c for ch in kids.values() for c in ch)}
    M = np.ones((len(pos), R))  # every child's weight multiplier in every run: noise, then 0 if left out
    for r in range(R):
        for c, v in (noise[r] or {}).items():
            if c in pos:
                M[pos[c], r] = v
        for c in zero[r]:
            if c in pos:
                M[pos[c], r] = 0.0
    out = {}
    for nid, ch in kids.items():
        b = np.asarray(base[nid], dtype=float)
        b = np.broadcast_to(b if b.ndim == 2 else b[None, :], (T, len(ch)))
        mult = M[[pos[c] for c in ch]]
        w = b[:, :, None] * mult[None, :, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            tot = w.sum(axis=1, keepdims=True)
            out[nid] = np.where(tot > 0, w / tot, 0.0)
    return out


def aggregate_runs(fw: Framework, Zagg: np.ndarray, Z: np.ndarray, W: dict[str, np.ndarray], *, method: str,
                   target: str, min_coverage: float = 0.0, scale: float = 1.0, topsis_ideal: str = "pooled",
                   topsis_distance: str = "weighted_values", node_methods: dict[str, str] | None = None) -> np.ndarray:
    """Scores of ``target`` for every run: (T, n, R)."""
    col = {ind: j for j, ind in enumerate(fw.indicators)}
    node_methods = node_methods or {}
    cache: dict[str, np.ndarray] = {}

    def score(nid: str) -> np.ndarray:
        if nid in cache:
            return cache[nid]
        if fw.by_id[nid].is_indicator:
            return Zagg[:, :, col[nid]][:, :, None]
        m = node_methods.get(nid, method)
        if m == "topsis":
            leaves = fw.leaves_under(nid)
            eff = _eff(nid, leaves)
            s = topsis_sets(Z[:, :, [col[x] for x in leaves]], eff, ideal=topsis_ideal, distance=topsis_distance)
            cov = None
            if min_coverage > 0:
                avail = ~np.isnan(Z[:, :, [col[x] for x in leaves]])
                cov = np.einsum("tnm,tmr->tnr", avail.astype(float), eff) / eff.sum(axis=1)[:, None, :]
        else:
            kids = fw.children(nid)
            parts = [score(c) for c in kids]
            Rv = max(p.shape[2] for p in parts)
            V = np.stack([np.broadcast_to(p, p.shape[:2] + (Rv,)) for p in parts], axis=2)
            if m not in ("arithmetic", "geometric", "harmonic"):
                raise MethodError(f"vectorised aggregation supports arithmetic, geometric, harmonic and topsis; got {m!r}.")
            s, cov = weighted_means(V, W[nid], m, node=nid)
        if min_coverage > 0 and cov is not None:
            s = np.where(cov < min_coverage, np.nan, s)
        cache[nid] = s
        return s

    def _eff(node: str, leaves: list[str]) -> np.ndarray:
        out = []
        for leaf in leaves:
            w = 1.0
            cur = leaf
            while cur != node:
                parent = fw.by_id[cur].parent
                w = w * W[parent][:, fw.children(parent).index(cur), :]
                cur = parent
            out.append(w)
        return np.stack(out, axis=1)

    s = score(target)
    cache.clear()  # ``score`` refers to itself: free the node scores now, not at the next garbage collection
    if not fw.by_id[target].is_indicator:
        s = s * scale
    return s
