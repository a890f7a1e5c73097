"""LP builders of the DEA models (numpy only): radial, SBM, super-SBM and directional distance.

Each ``build_*`` returns a :class:`~nqpf.gtfp._lp.BlockLP` for a batch of evaluated points
against one reference set, and the matching ``read_*`` turns a
:class:`~nqpf.gtfp._lp.BlockSolution` into scores, slacks and targets. Rows are scaled by the
evaluated DMU's own value (by the reference mean when the own value is 0) so that every LP is
invariant to the units of measurement of each variable.
"""
from __future__ import annotations

from typing import Literal

import numpy as np

from ._lp import BlockLP, solve_blocks

__all__ = [
    "own_scale",
    "solve_radial",
    "solve_sbm",
    "solve_super_sbm",
    "solve_ddf",
]

RTSName = Literal["crs", "vrs", "nirs", "ndrs"]


def own_scale(V_eval: np.ndarray, V_ref: np.ndarray) -> np.ndarray:
    """Row scale 1/v_o of each evaluated point; 1/mean(reference) where v_o = 0 (1 if that is 0)."""
    V_eval = np.atleast_2d(V_eval)
    if V_ref.shape[0]:
        mean = V_ref.mean(axis=0)
    else:
        mean = np.ones(V_eval.shape[1])
    fallback = np.where(mean > 0, 1.0 / np.where(mean > 0, mean, 1.0), 1.0)
    with np.errstate(divide="ignore"):
        sc = np.where(V_eval > 0, 1.0 / np.where(V_eval > 0, V_eval, 1.0), fallback[None, :])
    return sc


def _rts_row(rts: str, n_ref: int, n: int):
    """Convexity row (A row, row sign, rhs, is_eq) for VRS / NIRS / NDRS, None for CRS."""
    if rts == "crs":
        return None
    ones = np.ones((1, n_ref))
    if rts == "vrs":
        return ones, np.ones((n, 1)), np.ones((n, 1)), np.array([True])
    if rts == "nirs":  # Σλ ≤ 1
        return ones, np.ones((n, 1)), np.ones((n, 1)), np.array([False])
    return ones, -np.ones((n, 1)), -np.ones((n, 1)), np.array([False])  # ndrs: −Σλ ≤ −1


def _exclude(n: int, exclude: np.ndarray | None) -> np.ndarray:
    return np.full(n, -1, dtype=int) if exclude is None else np.asarray(exclude, dtype=int)


def _own(n: int, own) -> np.ndarray | None:
    return None if own is None else np.asarray(own, dtype=int)


def _hint(hint) -> np.ndarray:
    return np.zeros(0, dtype=int) if hint is None else np.asarray(hint, dtype=int)


# ----------------------------------------------------------------------------- radial (CCR / BCC)


def solve_radial(
    Xe, Ye, Xr, Yr, *, rts: RTSName = "crs", orientation: str = "input", exclude=None, hint=None, own=None,
    slacks: str = "max", slack_weights: str = "unit",
) -> dict:
    """Radial envelopment model (Charnes, Cooper & Rhodes 1978; Banker, Charnes & Cooper 1984).

    Input orientation: θ* = min θ s.t. Σλx_j ≤ θx_o, Σλy_j ≥ y_o, λ ≥ 0 (+ Σλ = 1 for VRS).
    Output orientation: η* = max η s.t. Σλx_j ≤ x_o, Σλy_j ≥ ηy_o; efficiency = 1/η*.
    Second stage (``slacks="max"``, as deaR/DEAP/Benchmarking): with θ* (η*) fixed, maximise
    Σ w_i s⁻_i + Σ w_r s⁺_r (w = 1 in raw units for ``slack_weights="unit"``, w = 1/x_io, 1/y_ro
    for ``"relative"``).

    Returns dict with ``status`` (n,), ``efficiency``, ``theta`` (θ or η), ``slack_x`` (n, m),
    ``slack_y`` (n, s), ``lam`` (list of (cols, values)).
    """
    Xe, Ye, Xr, Yr = (np.asarray(a, dtype=float) for a in (Xe, Ye, Xr, Yr))
    n, m = Xe.shape
    s = Ye.shape[1]
    n_ref = Xr.shape[0]
    scx = own_scale(Xe, Xr)
    scy = own_scale(Ye, Yr)
    rr = _rts_row(rts, n_ref, n)
    A = np.vstack([Xr.T, Yr.T] + ([rr[0]] if rr else []))
    row_scale = np.hstack([scx, -scy] + ([rr[1]] if rr else []))
    eq = np.concatenate([np.zeros(m + s, dtype=bool)] + ([rr[3]] if rr else []))
    R = A.shape[0]
    E = np.zeros((n, R, 1))
    b = np.zeros((n, R))
    if orientation == "input":
        E[:, :m, 0] = -Xe * scx
        b[:, m : m + s] = -Ye * scy
        c = np.ones((n, 1))
    else:
        b[:, :m] = Xe * scx
        E[:, m : m + s, 0] = Ye * scy
        c = -np.ones((n, 1))
    if rr:
        b[:, m + s :] = rr[2]
    lo = np.zeros((n, 1))
    hi = np.full((n, 1), np.inf)
    ex = _exclude(n, exclude)
    sol = solve_blocks(BlockLP(A, row_scale, eq, E, b, c, lo, hi, ex, _hint(hint), _own(n, own)))
    ok = sol.status == 0
    theta = np.where(ok, sol.z[:, 0], np.nan)
    if orientation == "input":
        eff = theta
    else:
        with np.errstate(divide="ignore"):
            eff = np.where(ok, 1.0 / theta, np.nan)
    slack_x = np.full((n, m), np.nan)
    slack_y = np.full((n, s), np.nan)
    lam = sol.lam
    status = sol.status.copy()
    if slacks == "max" and ok.any():
        idx = np.flatnonzero(ok)
        k = m + s
        E2 = np.zeros((len(idx), R, k))
        E2[:, np.arange(m), np.arange(m)] = 1.0
        E2[:, m + np.arange(s), m + np.arange(s)] = 1.0
        b2 = np.zeros((len(idx), R))
        if orientation == "input":
            b2[:, :m] = (Xe[idx] * scx[idx]) * theta[idx, None]
            b2[:, m : m + s] = -(Ye[idx] * scy[idx])
        else:
            b2[:, :m] = Xe[idx] * scx[idx]
            b2[:, m : m + s] = -(Ye[idx] * scy[idx]) * theta[idx, None]
        if rr:
            b2[:, m + s :] = rr[2][idx]
        eq2 = np.concatenate([np.ones(m + s, dtype=bool)] + ([rr[3]] if rr else []))
        if slack_weights == "unit":
            c2 = -np.hstack([1.0 / scx[idx], 1.0 / scy[idx]])
        else:
            c2 = -np.ones((len(idx), k))
        sol2 = solve_blocks(BlockLP(
            A, row_scale[idx], eq2, E2, b2, c2, np.zeros((len(idx), k)), np.full((len(idx), k), np.inf),
            ex[idx], _hint(hint), None if own is None else np.asarray(own)[idx],
        ))
        ok2 = sol2.status == 0
        slack_x[idx[ok2]] = sol2.z[ok2, :m] / scx[idx[ok2]]
        slack_y[idx[ok2]] = sol2.z[ok2, m:] / scy[idx[ok2]]
        lam = list(lam)
        for a, o in enumerate(idx):
            if ok2[a]:
                lam[o] = sol2.lam[a]
            else:
                status[o] = 4
    elif ok.any():
        L = sol.lam_dense(n_ref)
        tx = L @ Xr
        ty = L @ Yr
        base_x = Xe * theta[:, None] if orientation == "input" else Xe
        base_y = Ye if orientation == "input" else Ye * theta[:, None]
        slack_x = np.where(ok[:, None], base_x - tx, np.nan)
        slack_y = np.where(ok[:, None], ty - base_y, np.nan)
    return {"status": status, "efficiency": eff, "theta": theta, "slack_x": slack_x, "slack_y": slack_y, "lam": lam}


# ----------------------------------------------------------------------------- SBM


def _sbm_weights(V: np.ndarray, zeros_tone: bool) -> np.ndarray:
    """Objective weights 1/p' per variable, 0 for a zero own value (Tone 2001 §: term deleted)."""
    pos = V > 0
    cnt = pos.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(pos, 1.0 / np.where(cnt > 0, cnt, 1), 0.0)
    return w


def _solve_charnes_cooper(A, row_scale, eq, E, b, c, *, exclude=None, hint=None, own=None) -> tuple:
    """Solve the Charnes–Cooper form of an SBM model and undo the transformation.

    The variables are z = (t, S) ≥ 0 with t = 1/denominator and S = t·s (Charnes & Cooper 1962;
    Tone 2001); the optimum gives s = S/t and λ = Λ/t. Returns ``(status, efficiency, rel, lam)``:
    the LP status (n,), the objective (NaN unless optimal), ``rel`` = S/t (n, k − 1) in the
    scaled units of the rows and ``lam`` as (cols, λ) per DMU (Λ left as solved when not optimal).
    """
    n, k = c.shape
    lo = np.zeros((n, k))
    hi = np.full((n, k), np.inf)
    sol = solve_blocks(BlockLP(A, row_scale, eq, E, b, c, lo, hi, _exclude(n, exclude), _hint(hint), _own(n, own)))
    ok = sol.status == 0
    t = np.where(ok, sol.z[:, 0], np.nan)
    rel = sol.z[:, 1:] / t[:, None]
    lam = [(cols, vals / t[i]) if ok[i] else (cols, vals) for i, (cols, vals) in enumerate(sol.lam)]
    return sol.status, np.where(ok, sol.objective, np.nan), rel, lam


def solve_sbm(
    Xe, Ye, Be, Xr, Yr, Br, *, rts: RTSName = "crs", orientation: str = "non", exclude=None, hint=None, own=None,
) -> dict:
    """Slacks-based measure with undesirable outputs (Tone 2001; Tone 2004; Cooper et al. 2007).

    ρ* = min [1 − (1/m) Σ s⁻_i/x_io] / [1 + (1/(s₁+s₂)) (Σ s^g_r/y_ro + Σ s^b_k/b_ko)]
    s.t. x_o = Xλ + s⁻, y_o = Yλ − s^g, b_o = Bλ + s^b, λ, s ≥ 0 (+ Σλ = 1 for VRS), solved by the
    Charnes–Cooper transformation (t = 1/denominator, Λ = tλ, S = ts):
    min t − (1/m)Σ S⁻_i/x_io s.t. t + (1/(s₁+s₂))(Σ S^g_r/y_ro + Σ S^b_k/b_ko) = 1,
    t·x_o = XΛ + S⁻, t·y_o = YΛ − S^g, t·b_o = BΛ + S^b (+ ΣΛ = t). ``orientation="input"``
    drops the output terms (ρ = 1 − (1/m)Σ s⁻/x), ``"output"`` the input terms. Terms whose own
    value is 0 are deleted and the means run over the remaining terms (Tone 2001).

    Returns dict with ``status``, ``efficiency`` (ρ*), ``slack_x``, ``slack_y``, ``slack_b`` (raw
    units), ``lam`` (λ = Λ/t).
    """
    Xe, Ye, Be, Xr, Yr, Br = (np.asarray(a, dtype=float) for a in (Xe, Ye, Be, Xr, Yr, Br))
    n, m = Xe.shape
    s1, s2 = Ye.shape[1], Be.shape[1]
    n_ref = Xr.shape[0]
    scx, scy, scb = own_scale(Xe, Xr), own_scale(Ye, Yr), own_scale(Be, Br)
    rr = _rts_row(rts, n_ref, n)
    # rows: norm | inputs | goods | bads | rts
    A = np.vstack([np.zeros((1, n_ref)), Xr.T, Yr.T, Br.T] + ([rr[0]] if rr else []))
    row_scale = np.hstack([np.ones((n, 1)), scx, scy, scb] + ([np.ones((n, 1))] if rr else []))
    R = A.shape[0]
    eq = np.ones(R, dtype=bool)
    if rts in ("nirs", "ndrs"):
        eq[-1] = False
    k = 1 + m + s1 + s2
    E = np.zeros((n, R, k))
    b = np.zeros((n, R))
    wx = _sbm_weights(Xe, True) if orientation != "output" else np.zeros((n, m))
    wyb = _sbm_weights(np.hstack([Ye, Be]), True) if orientation != "input" else np.zeros((n, s1 + s2))
    # norm row: t + Σ w S̃ = 1
    E[:, 0, 0] = 1.0
    E[:, 0, 1 + m :] = wyb
    b[:, 0] = 1.0
    ri = 1 + np.arange(m)
    rg = 1 + m + np.arange(s1)
    rb = 1 + m + s1 + np.arange(s2)
    E[:, ri, 0] = -Xe * scx
    E[:, ri, 1 + np.arange(m)] = 1.0
    E[:, rg, 0] = -Ye * scy
    E[:, rg, 1 + m + np.arange(s1)] = -1.0
    E[:, rb, 0] = -Be * scb
    E[:, rb, 1 + m + s1 + np.arange(s2)] = 1.0
    if rr:
        E[:, R - 1, 0] = -1.0 if rts != "ndrs" else 1.0
        row_scale[:, R - 1] = 1.0 if rts != "ndrs" else -1.0
    c = np.zeros((n, k))
    c[:, 0] = 1.0
    c[:, 1 : 1 + m] = -wx
    status, efficiency, rel, lam = _solve_charnes_cooper(A, row_scale, eq, E, b, c, exclude=exclude, hint=hint, own=own)
    slack_x = rel[:, :m] / scx
    slack_y = rel[:, m : m + s1] / scy
    slack_b = rel[:, m + s1 :] / scb
    return {
        "status": status, "efficiency": efficiency,
        "slack_x": slack_x, "slack_y": slack_y, "slack_b": slack_b, "lam": lam,
    }


def solve_super_sbm(
    Xe, Ye, Be, Xr, Yr, Br, *, rts: RTSName = "crs", exclude=None, hint=None, own=None,
) -> dict:
    """Super-efficiency SBM, non-oriented (Tone 2002), with undesirable outputs.

    δ* = min [1 + (1/m) Σ t⁻_i/x_io] / [1 − (1/(s₁+s₂)) (Σ t^g_r/y_ro + Σ t^b_k/b_ko)]
    s.t. x_o + t⁻ ≥ Σ_{j≠o} λ_j x_j, y_o − t^g ≤ Σ_{j≠o} λ_j y_j, b_o + t^b ≥ Σ_{j≠o} λ_j b_j,
    y_o − t^g ≥ 0, λ, t ≥ 0 (+ Σλ = 1 for VRS). Without bads this is Tone's (2002)
    δ = ((1/m)Σ x̄_i/x_io)/((1/s)Σ ȳ_r/y_ro). For an SBM-inefficient DMU δ* = 1 (the DMU's own
    point is feasible). Charnes–Cooper transformed like :func:`solve_sbm`.

    Returns dict with ``status``, ``efficiency`` (δ*), ``super_slack_x``, ``super_slack_y``,
    ``super_slack_b`` (t⁻, t^g, t^b in raw units), ``lam``.
    """
    Xe, Ye, Be, Xr, Yr, Br = (np.asarray(a, dtype=float) for a in (Xe, Ye, Be, Xr, Yr, Br))
    n, m = Xe.shape
    s1, s2 = Ye.shape[1], Be.shape[1]
    n_ref = Xr.shape[0]
    scx, scy, scb = own_scale(Xe, Xr), own_scale(Ye, Yr), own_scale(Be, Br)
    rr = _rts_row(rts, n_ref, n)
    # rows: norm | inputs (≤) | goods (≤) | bads (≤) | ȳ ≥ 0 (≤) | rts
    A = np.vstack([np.zeros((1, n_ref)), Xr.T, Yr.T, Br.T, np.zeros((s1, n_ref))] + ([rr[0]] if rr else []))
    row_scale = np.hstack([np.ones((n, 1)), scx, -scy, scb, np.ones((n, s1))] + ([np.ones((n, 1))] if rr else []))
    R = A.shape[0]
    eq = np.zeros(R, dtype=bool)
    eq[0] = True
    if rr:
        eq[-1] = rts == "vrs"
    k = 1 + m + s1 + s2
    E = np.zeros((n, R, k))
    b = np.zeros((n, R))
    wx = _sbm_weights(Xe, True)
    wyb = _sbm_weights(np.hstack([Ye, Be]), True)
    E[:, 0, 0] = 1.0
    E[:, 0, 1 + m :] = -wyb
    b[:, 0] = 1.0
    ri = 1 + np.arange(m)
    rg = 1 + m + np.arange(s1)
    rb = 1 + m + s1 + np.arange(s2)
    rz = 1 + m + s1 + s2 + np.arange(s1)
    E[:, ri, 0] = -Xe * scx
    E[:, ri, 1 + np.arange(m)] = -1.0
    E[:, rg, 0] = Ye * scy
    E[:, rg, 1 + m + np.arange(s1)] = -1.0
    E[:, rb, 0] = -Be * scb
    E[:, rb, 1 + m + s1 + np.arange(s2)] = -1.0
    E[:, rz, 0] = -Ye * scy
    E[:, rz, 1 + m + np.arange(s1)] = 1.0
    if rr:
        E[:, R - 1, 0] = -1.0 if rts != "ndrs" else 1.0
        row_scale[:, R - 1] = 1.0 if rts != "ndrs" else -1.0
    c = np.zeros((n, k))
    c[:, 0] = 1.0
    c[:, 1 : 1 + m] = wx
    status, efficiency, rel, lam = _solve_charnes_cooper(A, row_scale, eq, E, b, c, exclude=exclude, hint=hint, own=own)
    return {
        "status": status, "efficiency": efficiency,
        "super_slack_x": rel[:, :m] / scx, "super_slack_y": rel[:, m : m + s1] / scy,
        "super_slack_b": rel[:, m + s1 :] / scb, "lam": lam,
    }


# ----------------------------------------------------------------------------- directional distance


def solve_ddf(
    Xe, Ye, Be, Xr, Yr, Br, Gx, Gy, Gb, *, rts: RTSName = "crs", weak_bads: bool = True,
    allow_negative: bool = False, exclude=None, hint=None, own=None,
) -> dict:
    """Directional distance function (Chambers, Chung & Färe 1996; Chung, Färe & Grosskopf 1997).

    β* = max β s.t. Σλx_j ≤ x_o − βg_x, Σλy_j ≥ y_o + βg_y, Σλb_j = b_o − βg_b (weak
    disposability of bads; ``≤`` when ``weak_bads=False``), λ ≥ 0 (+ Σλ = 1 for VRS), β ≥ 0
    unless ``allow_negative`` (cross-period points above the frontier then get β < 0 instead
    of an infeasible LP). Efficiency-equivalent score 1/(1 + β*).

    Returns dict with ``status``, ``beta``, ``slack_x``, ``slack_y``, ``slack_b`` (residuals of
    the stage-1 optimum, as deaR ``maxslack = FALSE``), ``lam``.
    """
    Xe, Ye, Be, Xr, Yr, Br = (np.asarray(a, dtype=float) for a in (Xe, Ye, Be, Xr, Yr, Br))
    Gx, Gy, Gb = (np.asarray(a, dtype=float) for a in (Gx, Gy, Gb))
    n, m = Xe.shape
    s1, s2 = Ye.shape[1], Be.shape[1]
    n_ref = Xr.shape[0]
    scx, scy, scb = own_scale(Xe, Xr), own_scale(Ye, Yr), own_scale(Be, Br)
    rr = _rts_row(rts, n_ref, n)
    A = np.vstack([Xr.T, Yr.T, Br.T] + ([rr[0]] if rr else []))
    row_scale = np.hstack([scx, -scy, scb] + ([rr[1]] if rr else []))
    R = A.shape[0]
    eq = np.zeros(R, dtype=bool)
    eq[m + s1 : m + s1 + s2] = weak_bads
    if rr:
        eq[-1] = rr[3][0]
    E = np.zeros((n, R, 1))
    b = np.zeros((n, R))
    E[:, :m, 0] = Gx * scx
    E[:, m : m + s1, 0] = Gy * scy
    E[:, m + s1 : m + s1 + s2, 0] = Gb * scb
    b[:, :m] = Xe * scx
    b[:, m : m + s1] = -Ye * scy
    b[:, m + s1 : m + s1 + s2] = Be * scb
    if rr:
        b[:, -1] = rr[2][:, 0]
    c = -np.ones((n, 1))
    lo = np.full((n, 1), -np.inf if allow_negative else 0.0)
    hi = np.full((n, 1), np.inf)
    sol = solve_blocks(BlockLP(A, row_scale, eq, E, b, c, lo, hi, _exclude(n, exclude), _hint(hint), _own(n, own)))
    ok = sol.status == 0
    beta = np.where(ok, sol.z[:, 0], np.nan)
    L = sol.lam_dense(n_ref)
    slack_x = np.where(ok[:, None], Xe - beta[:, None] * Gx - L @ Xr, np.nan)
    slack_y = np.where(ok[:, None], L @ Yr - Ye - beta[:, None] * Gy, np.nan)
    slack_b = np.where(ok[:, None], Be - beta[:, None] * Gb - L @ Br, np.nan)
    return {"status": sol.status, "beta": beta, "slack_x": slack_x, "slack_y": slack_y, "slack_b": slack_b, "lam": sol.lam}
