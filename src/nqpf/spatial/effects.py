"""Direct, indirect and total effects of spatial models and their simulated standard errors.

For a spatial lag (SAR) or spatial Durbin (SDM) model ``y = ρWy + Xβ + WXθ + ε`` the marginal
effects of regressor k form the matrix (LeSage & Pace 2009, eq. 2.46–2.48)

    S_k(W) = (I − ρW)⁻¹ (β_k I + θ_k W)

and are summarised by three scalars: the average direct effect ``tr(S_k)/N``, the average total
effect ``1′S_k1/N`` and the indirect (spillover) effect, their difference. θ = 0 for SAR.

Standard errors (LeSage & Pace 2009, §2.7.1; Elhorst 2014, §2.8) come from a parametric
simulation: ``draws`` parameter vectors are drawn from the asymptotic normal distribution
N(b̂, V̂) of the ML estimates (β, θ, ρ), draws with |ρ| ≥ 1 are discarded, the three effects are
computed for each draw, and the standard deviation (ddof = 1) of the draws is the standard error.
Per draw the traces use the eigenvalues λ of W: ``tr((I − ρW)⁻¹) = Σ 1/(1 − ρλ)`` and
``tr((I − ρW)⁻¹W) = Σ λ/(1 − ρλ)``; the total uses ``1/(1 − ρ)`` when W is row-standardised
(W1 = 1) and a linear solve otherwise.

For the spatial error models (SEM, SDEM) ``y = Xβ + WXθ + u, u = λWu + ε`` the direct effect is
β_k, the indirect effect θ_k (0 for SEM) and the total β_k + θ_k, with analytic standard errors
from the covariance of the estimates.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["spatial_effects", "simulate_effects", "effects_table", "EFFECTS"]

#: the three effects, in table order
EFFECTS: tuple[str, str, str] = ("direct", "indirect", "total")


def spatial_effects(rho: float, beta: Any, theta: Any, W: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average direct, indirect and total effects of a spatial lag / Durbin model.

    LeSage & Pace (2009, eq. 2.46–2.48): ``S_k = (I − ρW)⁻¹(β_k I + θ_k W)``;
    direct ``= tr(S_k)/N``, total ``= 1′S_k1/N``, indirect ``= total − direct``.

    Parameters
    ----------
    rho
        Spatial autoregressive coefficient.
    beta, theta
        Coefficients of X and of WX, shape (k,) (θ = 0 for the SAR model).
    W
        The (N, N) weights matrix of the model.

    Returns
    -------
    direct, indirect, total : ndarray of shape (k,)

    Examples
    --------
    >>> W = np.array([[0, 1.0], [1.0, 0]])
    >>> d, i, t = spatial_effects(0.5, np.array([1.0]), np.array([0.0]), W)
    >>> round(float(t[0]), 6), round(float(d[0]), 6)
    (2.0, 1.333333)
    """
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    A = np.linalg.inv(np.eye(n) - rho * W)
    AW = A @ W
    direct = (beta * np.trace(A) + theta * np.trace(AW)) / n
    total = (beta * A.sum() + theta * AW.sum()) / n
    return direct, total - direct, total


def simulate_effects(params: Any, vm: Any, W: Any, *, k: int, durbin: bool, draws: int, seed: int | None) -> np.ndarray:
    """Draws of the direct, indirect and total effects from N(b̂, V̂) (LeSage & Pace 2009, §2.7.1).

    Parameters
    ----------
    params
        ML estimates ordered ``β (k), θ (k, Durbin only), ρ`` (ρ last).
    vm
        Their covariance matrix (symmetrised before drawing).
    W
        The (N, N) weights matrix of the model.
    k
        Number of regressors (β).
    durbin
        Whether ``params`` hold θ.
    draws
        Number of parameter draws; draws with |ρ| ≥ 1 are discarded.
    seed
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of shape (kept draws, 3, k)
        Axis 1: direct, indirect, total.

    Examples
    --------
    >>> W = np.array([[0, 1.0], [1.0, 0]])
    >>> sims = simulate_effects([1.0, 0.5], np.diag([1e-30, 1e-30]), W, k=1, durbin=False, draws=3, seed=0)
    >>> sims.shape, np.round(sims[0, :, 0], 6).tolist()
    ((3, 3, 1), [1.333333, 0.666667, 2.0])
    """
    b = np.asarray(params, dtype=float).ravel()
    V = np.asarray(vm, dtype=float)
    W = np.asarray(W, dtype=float)
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    sims = rng.multivariate_normal(b, (V + V.T) / 2.0, size=int(draws), method="eigh")
    sims = sims[np.abs(sims[:, -1]) < 1.0]
    lam = np.linalg.eigvals(W)
    row_standardised = np.allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    ones = np.ones(n)
    w_ones = W @ ones
    out = np.empty((len(sims), 3, k))
    for s, p in enumerate(sims):
        rho = p[-1]
        beta = p[:k]
        theta = p[k: 2 * k] if durbin else np.zeros(k)
        tr_a = float(np.real(np.sum(1.0 / (1.0 - rho * lam))))
        tr_aw = float(np.real(np.sum(lam / (1.0 - rho * lam))))
        if row_standardised:
            tot_a = tot_aw = n / (1.0 - rho)
        else:
            u = np.linalg.solve((np.eye(n) - rho * W).T, ones)
            tot_a, tot_aw = float(u @ ones), float(u @ w_ones)
        direct = (beta * tr_a + theta * tr_aw) / n
        total = (beta * tot_a + theta * tot_aw) / n
        out[s, 0], out[s, 1], out[s, 2] = direct, total - direct, total
    return out


def _row(term: str, effect: str, estimate: float, se: float) -> dict[str, Any]:
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    z = estimate / se if se > 0 else float("nan")
    return {"term": term, "effect": effect, "estimate": float(estimate), "std_error": float(se), "z": z,
            "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")}


def effects_table(fit: Any, W: Any, *, terms: Sequence[str] | None = None, draws: int = 1000,
                  seed: int | None = 0) -> pd.DataFrame:
    """Effects of a fitted spatial panel as a long table ``term, effect, estimate, std_error, z, p_value``.

    Lag and Durbin models: LeSage–Pace effects (:func:`spatial_effects`) with standard errors from
    ``draws`` simulated parameter vectors (:func:`simulate_effects`; NaN when ``draws`` is 0 or fewer
    than two draws are kept). Error models: β (direct), θ (indirect, 0 for SEM) and β + θ (total)
    with analytic standard errors.

    Parameters
    ----------
    fit
        A :class:`~nqpf.spatial.panel.SpatialFit`.
    W
        The (N, N) row-standardised weights matrix of the model (untransformed).
    terms
        The regressors to report (default: all ``fit.k`` of them, in order).
    """
    k = fit.k
    names = list(fit.names[:k])
    keep = [names.index(t) for t in terms] if terms is not None else list(range(k))
    durbin = fit.model in ("durbin", "durbin_error")
    b, vm = fit.params, fit.vm
    beta = b[:k]
    theta = b[k: 2 * k] if durbin else np.zeros(k)
    rows = []
    if fit.model in ("lag", "durbin"):
        est = spatial_effects(fit.rho, beta, theta, W)
        sims = simulate_effects(b, vm, W, k=k, durbin=durbin, draws=draws, seed=seed) if draws > 0 else None
        for j in keep:
            for e, lab in enumerate(EFFECTS):
                se = float(np.std(sims[:, e, j], ddof=1)) if sims is not None and len(sims) > 1 else float("nan")
                rows.append(_row(names[j], lab, est[e][j], se))
    else:
        se = np.sqrt(np.clip(np.diag(vm), 0, None))
        for j in keep:
            var_tot = vm[j, j] + (vm[k + j, k + j] + 2 * vm[j, k + j] if durbin else 0.0)
            rows.append(_row(names[j], "direct", beta[j], se[j]))
            rows.append(_row(names[j], "indirect", theta[j], se[k + j] if durbin else 0.0))
            rows.append(_row(names[j], "total", beta[j] + theta[j], float(np.sqrt(max(var_tot, 0.0)))))
    return pd.DataFrame(rows, columns=["term", "effect", "estimate", "std_error", "z", "p_value"])
