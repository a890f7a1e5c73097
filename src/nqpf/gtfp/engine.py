"""Model specification and evaluation of points against reference sets (shared by every API).

:class:`ModelSpec` names a DEA model and its options; :func:`evaluate` scores a set of
unit-years of a :class:`~nqpf.gtfp.panel.DEAData` against another set (the frontier), with one
batched LP call; :func:`efficiency_frames` assembles the result tables of the cross-sectional
APIs (:func:`~nqpf.gtfp.dea.dea`, :func:`~nqpf.gtfp.sbm.sbm`, :func:`~nqpf.gtfp.ddf.ddf`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import MethodError
from ._build import solve_ddf, solve_radial, solve_sbm, solve_super_sbm
from ._lp import STATUS_NAMES
from .panel import DEAData

__all__ = [
    "RTS",
    "Orientation",
    "SBMOrientation",
    "Frontier",
    "DirectionBasis",
    "Disposability",
    "ModelSpec",
    "evaluate",
    "frontier_masks",
    "efficiency_frames",
]

RTS = Literal["crs", "vrs", "nirs", "ndrs"]
Orientation = Literal["input", "output"]
SBMOrientation = Literal["non", "input", "output"]
#: reference set of each year for cross-sectional scores
Frontier = Literal["year", "sequential", "pooled"]
DirectionBasis = Literal["own", "mean", "unit"]
Disposability = Literal["weak", "strong"]


@dataclass(frozen=True)
class ModelSpec:
    """A DEA model and its options.

    ``model``: ``radial`` (CCR/BCC), ``sbm``, ``super_sbm`` or ``ddf``. ``direction`` maps
    variable names to non-negative factors (improvement = less input, more good output, less
    bad output); ``direction_basis`` multiplies the factor by the unit's own value (``own``), the
    sample mean (``mean``) or 1 (``unit``).
    """

    model: Literal["radial", "sbm", "super_sbm", "ddf"]
    rts: str = "crs"
    orientation: str = "input"
    slacks: str = "max"
    slack_weights: str = "unit"
    direction: tuple = ()
    direction_basis: str = "own"
    disposability: str = "weak"
    allow_negative: bool = False

    def direction_arrays(self, data: DEAData, idx: np.ndarray):
        """(Gx, Gy, Gb) for the evaluated rows ``idx``."""
        fac = dict(self.direction)
        names = data.variables
        f = np.array([float(fac.get(v, 0.0)) for v in names])
        V = np.hstack([data.X[idx], data.Y[idx], data.B[idx]])
        if self.direction_basis == "own":
            G = V * f[None, :]
        elif self.direction_basis == "mean":
            allv = np.hstack([data.X, data.Y, data.B])
            G = np.repeat((allv.mean(axis=0) * f)[None, :], len(idx), axis=0)
        else:
            G = np.repeat(f[None, :], len(idx), axis=0)
        m, s1 = data.X.shape[1], data.Y.shape[1]
        return G[:, :m], G[:, m : m + s1], G[:, m + s1 :]


def evaluate(
    spec: ModelSpec, data: DEAData, eval_idx: np.ndarray, ref_idx: np.ndarray, *, exclude_self: bool = False,
    hint: np.ndarray | None = None,
) -> dict:
    """Score the rows ``eval_idx`` of ``data`` against the reference rows ``ref_idx``.

    Returns a dict with ``status`` (n,) str, ``score`` (efficiency-equivalent: θ, 1/η, ρ, δ or
    1/(1 + β)), ``raw`` (θ, η, ρ, δ or β), ``slacks`` (n, p) in data units (input, good, bad
    order), ``lam`` (list of (global row indices, λ)).
    """
    eval_idx = np.asarray(eval_idx, dtype=int)
    ref_idx = np.asarray(ref_idx, dtype=int)
    Xe, Ye, Be = data.X[eval_idx], data.Y[eval_idx], data.B[eval_idx]
    Xr, Yr, Br = data.X[ref_idx], data.Y[ref_idx], data.B[ref_idx]
    pos = {int(g): i for i, g in enumerate(ref_idx)}
    own = np.array([pos.get(int(g), -1) for g in eval_idx], dtype=int)
    exclude = None
    if exclude_self:
        exclude = own
        own = np.full(len(eval_idx), -1, dtype=int)
    hint_local = None
    if hint is not None and len(hint):
        pos_r = {int(g): i for i, g in enumerate(ref_idx)}
        hint_local = np.array([pos_r[int(g)] for g in hint if int(g) in pos_r], dtype=int)
    nb = Be.shape[1]
    if spec.model == "radial":
        if nb:
            raise MethodError(
                f"dea: radial CCR/BCC models take no undesirable outputs; got {list(data.undesirable)}. "
                "Use sbm(..., undesirable=...) or ddf(...), or enter the bad output as an input."
            )
        r = solve_radial(Xe, Ye, Xr, Yr, rts=spec.rts, orientation=spec.orientation, exclude=exclude, own=own,
                         hint=hint_local, slacks=spec.slacks, slack_weights=spec.slack_weights)
        score, raw = r["efficiency"], r["theta"]
        slacks = np.hstack([r["slack_x"], r["slack_y"]])
    elif spec.model == "sbm":
        r = solve_sbm(Xe, Ye, Be, Xr, Yr, Br, rts=spec.rts, orientation=spec.orientation, exclude=exclude, hint=hint_local, own=own)
        score = raw = r["efficiency"]
        slacks = np.hstack([r["slack_x"], r["slack_y"], r["slack_b"]])
    elif spec.model == "super_sbm":
        r = solve_super_sbm(Xe, Ye, Be, Xr, Yr, Br, rts=spec.rts, exclude=exclude, hint=hint_local, own=own)
        score = raw = r["efficiency"]
        slacks = np.hstack([r["super_slack_x"], r["super_slack_y"], r["super_slack_b"]])
    else:
        Gx, Gy, Gb = spec.direction_arrays(data, eval_idx)
        r = solve_ddf(Xe, Ye, Be, Xr, Yr, Br, Gx, Gy, Gb, rts=spec.rts, weak_bads=spec.disposability == "weak",
                      allow_negative=spec.allow_negative, exclude=exclude, hint=hint_local, own=own)
        raw = r["beta"]
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 1.0 / (1.0 + raw)
        slacks = np.hstack([r["slack_x"], r["slack_y"], r["slack_b"]])
    status = np.array([STATUS_NAMES.get(int(s), "numerical") for s in r["status"]], dtype=object)
    lam = [(ref_idx[cols], vals) for cols, vals in r["lam"]]
    # "+ 0.0" turns LP negative zeros into 0.0 in every table
    return {"status": status, "score": score + 0.0, "raw": raw + 0.0, "slacks": slacks + 0.0, "lam": lam}


def frontier_masks(years: np.ndarray, frontier: str) -> dict[int, np.ndarray]:
    """Reference rows of each year: its own year, all years ≤ it (sequential) or all (pooled)."""
    out = {}
    for y in sorted(set(int(v) for v in years)):
        if frontier == "year":
            out[y] = np.flatnonzero(years == y)
        elif frontier == "sequential":
            out[y] = np.flatnonzero(years <= y)
        else:
            out[y] = np.arange(len(years))
    return out


def efficiency_frames(spec: ModelSpec, data: DEAData, *, frontier: str, super_efficiency: bool = False):
    """Scores, slacks/targets and peers tables of ``spec`` on every unit-year of ``data``."""
    n = len(data.unit)
    refs = frontier_masks(data.year, frontier)
    status = np.empty(n, dtype=object)
    score = np.full(n, np.nan)
    raw = np.full(n, np.nan)
    p = len(data.variables)
    slacks = np.full((n, p), np.nan)
    lam: list = [None] * n
    extra: dict[str, np.ndarray] = {}
    for y, ref in refs.items():
        ev = np.flatnonzero(data.year == y)
        r = evaluate(spec, data, ev, ref)
        status[ev], score[ev], raw[ev], slacks[ev] = r["status"], r["score"], r["raw"], r["slacks"]
        for i, g in enumerate(ev):
            lam[g] = r["lam"][i]
        if super_efficiency:
            eff_rows = ev[(r["status"] == "optimal") & (r["score"] >= 1 - 1e-9)]
            if "super_sbm" not in extra:
                extra["super_sbm"] = np.full(n, np.nan)
                extra["super_status"] = np.full(n, "not efficient", dtype=object)
            if len(eff_rows):
                sspec = ModelSpec("super_sbm", rts=spec.rts)
                rs = evaluate(sspec, data, eff_rows, ref, exclude_self=True)
                extra["super_sbm"][eff_rows] = rs["score"]
                extra["super_status"][eff_rows] = rs["status"]
    cols = {"unit": data.unit, "year": data.year,
            "frontier": [frontier if frontier == "pooled" else f"{frontier}:{y}" for y in data.year]}
    if spec.model == "radial":
        cols["efficiency"] = score
        cols["theta" if spec.orientation == "input" else "eta"] = raw
    elif spec.model == "ddf":
        cols["efficiency"] = score
        cols["beta"] = raw
    else:
        cols["sbm"] = score
        if super_efficiency:
            cols["super_sbm"] = extra["super_sbm"]
            comb = np.where(score >= 1 - 1e-9, extra["super_sbm"], score)
            cols["efficiency"] = comb
            cols["super_status"] = extra["super_status"]
        else:
            cols["efficiency"] = score
    cols["status"] = status
    scores = pd.DataFrame(cols)
    order = ["unit", "year", "frontier", "efficiency"] + [c for c in cols if c not in ("unit", "year", "frontier", "efficiency", "status")] + ["status"]
    scores = scores[order]
    V = np.hstack([data.X, data.Y, data.B])
    m, s1 = data.X.shape[1], data.Y.shape[1]
    sign = np.concatenate([-np.ones(m), np.ones(s1), -np.ones(V.shape[1] - m - s1)])
    if spec.model == "radial" and spec.orientation == "input":
        base = np.hstack([data.X * raw[:, None], data.Y])
    elif spec.model == "radial":
        base = np.hstack([data.X, data.Y * raw[:, None]])
    elif spec.model == "ddf":
        Gx, Gy, Gb = spec.direction_arrays(data, np.arange(n))
        G = np.hstack([-Gx, Gy, -Gb])
        base = V + raw[:, None] * G
    else:
        base = V
    slacks = slacks + 0.0  # no negative zeros in tables
    targets = base + sign[None, :] * slacks
    sl = pd.DataFrame({"unit": data.unit, "year": data.year})
    for j, v in enumerate(data.variables):
        sl[f"slack_{v}"] = slacks[:, j]
    for j, v in enumerate(data.variables):
        sl[f"target_{v}"] = targets[:, j]
    pu, py, pr, pl, pyr = [], [], [], [], []
    for g in range(n):
        if lam[g] is None or status[g] != "optimal":
            continue
        cols_, vals = lam[g]
        for c, v in zip(cols_, vals):
            if v > 1e-12:
                pu.append(data.unit[g]); py.append(int(data.year[g]))
                pr.append(data.unit[c]); pyr.append(int(data.year[c])); pl.append(float(v))
    peers = pd.DataFrame({"unit": pu, "year": py, "peer_unit": pr, "peer_year": pyr, "lambda": pl})
    return scores, sl, peers
