"""The maximum-likelihood fixed-effects spatial panel estimator shared by every nqpf analysis.

Models (for each period t, N units, row-standardised W):

* ``lag`` (SAR):           y_t = ρWy_t + X_tβ + μ + α_t1 + ε_t
* ``durbin`` (SDM):        y_t = ρWy_t + X_tβ + WX_tθ + μ + α_t1 + ε_t
* ``error`` (SEM):         y_t = X_tβ + μ + α_t1 + u_t,  u_t = λWu_t + ε_t
* ``durbin_error`` (SDEM): y_t = X_tβ + WX_tθ + μ + α_t1 + u_t,  u_t = λWu_t + ε_t

μ are unit effects; α_t year effects (``fe="twoway"`` only). Unit effects are always removed by
spreg's within transformation (deviation from the unit means over time), and the concentrated
likelihood is maximised by spreg (``BaseML_LagFE`` / ``BaseML_ErrorFE``; Elhorst 2003), with
WX formed from the (year-transformed) regressors before the fit. The year effects are removed by
one of two methods, chosen explicitly with ``fe_method``:

* ``"lee_yu"`` (default) — the orthonormal transformation of Lee & Yu (2010, §3): with F the
  N × (N − 1) matrix of the eigenvectors of I − J/N (J = 11′) for the eigenvalue 1, each
  cross-section is replaced by F′y_t, F′X_t, F′WX_t. Because W1 = 1, F′W = (F′WF)F′, so the
  transformed model holds exactly with W* = F′WF on N − 1 "units" and no year effects:
  F′y_t = ρW*F′y_t + F′X_tβ + F′WX_tθ + F′μ + F′ε_t, with F′ε_t ~ N(0, σ²I). The Jacobian is
  T·ln|I − ρW*| = T(ln|I − ρW| − ln(1 − ρ)). This is the exact (conditional) likelihood.
* ``"demean"`` — the year means are subtracted from y and X (ỹ_t = y_t − ȳ_t1), and Wỹ_t, WX̃_t
  are formed from the demeaned data; the likelihood is that of the N-unit model with
  Jacobian T·ln|I − ρW|. Because Wỹ_t = Wy_t − ȳ_t1 differs from the year-demeaned Wy_t by a
  per-year constant (unless the columns of W also sum to 1), this is not the exact two-way within
  transformation: a year-specific constant is left in the error term, and ρ / λ are estimated
  with an additional bias (largest with few units). Kept for compatibility with earlier results.

With ``fe="unit"`` both methods are identical (no year transformation) and equal spreg's
``ML_LagFE`` / ``ML_ErrorFE``. In all cases σ² is the ML variance of the transformed model, not
corrected for the T − 1 degrees of freedom lost to the unit effects (Lee & Yu 2010).
"""
from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from .._errors import DataError, MethodError
from .._validation import check_option

__all__ = ["SpatialPanelModel", "SpatialFE", "FEMethod", "SpatialFit", "fit_spatial_panel", "lee_yu_basis"]

#: ``lag`` = SAR, ``error`` = SEM, ``durbin`` = SDM, ``durbin_error`` = SDEM
SpatialPanelModel = Literal["lag", "error", "durbin", "durbin_error"]
#: unit fixed effects, or unit and year fixed effects
SpatialFE = Literal["unit", "twoway"]
#: how year effects are removed (``fe="twoway"``): Lee & Yu (2010) orthonormal transformation or year demeaning
FEMethod = Literal["lee_yu", "demean"]


@dataclass(frozen=True, eq=False)
class SpatialFit:
    """The raw ML fit of :func:`fit_spatial_panel` (a building block, not a report result).

    Attributes
    ----------
    model, fe, fe_method : the specification.
    names : tuple of str
        Parameter names: the k regressors, ``W_<name>`` for their spatial lags (Durbin models), then
        ``rho`` (lag models) or ``lambda`` (error models).
    params, vm : ndarray
        Estimates (same order as ``names``) and their asymptotic covariance (spreg).
    k : int
        Number of regressors (β).
    logll, aic, pseudo_r2 : float
        Log-likelihood and AIC of the transformed model (spreg), squared correlation of the
        transformed y and its prediction.
    n_units, n_periods : int
    """

    model: str
    fe: str
    fe_method: str
    names: tuple[str, ...]
    params: np.ndarray
    vm: np.ndarray
    k: int
    logll: float
    aic: float
    pseudo_r2: float
    n_units: int
    n_periods: int

    @property
    def rho(self) -> float:
        """ρ (lag, Durbin) or λ (error models): the last parameter."""
        return float(self.params[-1])

    @property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.clip(np.diag(self.vm), 0, None))


def lee_yu_basis(n: int) -> np.ndarray:
    """The N × (N − 1) orthonormal basis F of Lee & Yu (2010): eigenvectors of I − J/N for eigenvalue 1.

    Examples
    --------
    >>> F = lee_yu_basis(4)
    >>> F.shape, bool(np.allclose(F.T @ F, np.eye(3))), bool(np.allclose(F.T @ np.ones(4), 0))
    ((4, 3), True, True)
    """
    vals, vecs = np.linalg.eigh(np.eye(n) - np.full((n, n), 1.0 / n))
    return vecs[:, vals > 0.5]


def fit_spatial_panel(
    y: np.ndarray,
    X: np.ndarray,
    W: np.ndarray,
    *,
    model: SpatialPanelModel = "durbin",
    fe: SpatialFE = "twoway",
    fe_method: FEMethod = "lee_yu",
    names: Sequence[str] | None = None,
    where: str = "fit_spatial_panel",
) -> SpatialFit:
    """Fit a fixed-effects spatial panel model by maximum likelihood (see the module notes).

    Parameters
    ----------
    y
        Dependent variable, shape (T, N): one row per period, units in the order of ``W``.
    X
        Regressors, shape (T, N, k). No constant (it is removed by the fixed effects).
    W
        Row-standardised (N, N) weights matrix (:func:`nqpf.spatial.weights.weights_matrix`).
    model
        ``"lag"`` (SAR), ``"error"`` (SEM), ``"durbin"`` (SDM) or ``"durbin_error"`` (SDEM).
    fe
        ``"unit"`` or ``"twoway"`` (unit and year) fixed effects.
    fe_method
        How year effects are removed with ``fe="twoway"``: ``"lee_yu"`` (exact orthonormal
        transformation) or ``"demean"`` (year demeaning; see the module notes). Ignored for
        ``fe="unit"``.
    names
        Names of the k regressors (default ``x0, x1, …``).
    where
        Name of the caller, used in error messages.

    Returns
    -------
    SpatialFit

    Raises
    ------
    MethodError
        When ρ / λ ends at the boundary of spreg's search interval (|ρ| ≥ 0.99).

    Examples
    --------
    >>> import libpysal
    >>> W = libpysal.weights.lat2W(5, 5).full()[0]
    >>> W = W / W.sum(axis=1, keepdims=True)
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 25, 1))
    >>> y = np.stack([np.linalg.solve(np.eye(25) - 0.4 * W, X[t, :, 0] + rng.normal(scale=0.3, size=25)) for t in range(8)])
    >>> fit = fit_spatial_panel(y, X, W, model="lag", fe="twoway")
    >>> fit.names, round(fit.rho, 1)
    (('x0', 'rho'), 0.4)
    """
    from libpysal.weights import full2W
    from spreg.diagnostics import akaike
    from spreg.panel import BaseML_ErrorFE, BaseML_LagFE

    check_option(model, SpatialPanelModel, param="model", caller=where)
    check_option(fe, SpatialFE, param="fe", caller=where)
    check_option(fe_method, FEMethod, param="fe_method", caller=where)
    # C-contiguous copies: the same numbers in any memory layout give bit-identical estimates
    y = np.ascontiguousarray(y, dtype=float)
    X = np.ascontiguousarray(X, dtype=float)
    W = np.ascontiguousarray(W, dtype=float)
    if X.ndim == 2:
        X = X[:, :, None]
    T, n = y.shape
    k = X.shape[2]
    if X.shape[:2] != (T, n) or W.shape != (n, n):
        raise DataError(f"{where}: y (T, N), X (T, N, k) and W (N, N) must agree; got shapes {y.shape}, {X.shape} and "
                        f"{W.shape}. Pass one row per period and the units in the order of W.")
    if not np.allclose(W.sum(axis=1), 1.0, rtol=0, atol=1e-10):
        raise DataError(f"{where}: W must be row-standardised; got row sums from {W.sum(axis=1).min():.4g} to "
                        f"{W.sum(axis=1).max():.4g}. Use nqpf.spatial.weights.weights_matrix().")
    names = [f"x{j}" for j in range(k)] if names is None else [str(s) for s in names]
    durbin = model in ("durbin", "durbin_error")
    twoway = fe == "twoway"
    if twoway and fe_method == "demean":
        y = y - y.mean(axis=1, keepdims=True)
        X = X - X.mean(axis=1, keepdims=True)
    if durbin:
        X = np.concatenate([X, np.einsum("ij,tjk->tik", W, X)], axis=2)
    if twoway and fe_method == "lee_yu":
        F = lee_yu_basis(n)
        y = y @ F                                            # rows F′y_t
        X = np.einsum("in,tik->tnk", F, X)                   # F′X_t, F′WX_t
        w_fit = F.T @ W @ F
    else:
        w_fit = W
    m = w_fit.shape[0]
    Y = y.reshape(-1, 1)                                     # time-major stacking, as spreg expects
    XX = X.reshape(T * m, X.shape[2])
    wobj = full2W(w_fit, ids=[f"c{i}" for i in range(m)])
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        # the base classes of spreg.ML_LagFE / ML_ErrorFE: no console output, no zero-diagonal check (W* = F′WF)
        warnings.simplefilter("ignore")
        reg = BaseML_LagFE(Y, XX, wobj) if model in ("lag", "durbin") else BaseML_ErrorFE(Y, XX, wobj)
    params = np.asarray(reg.betas, dtype=float).ravel()
    rho = float(params[-1])
    spatial = "rho" if model in ("lag", "durbin") else "lambda"
    if abs(rho) >= 0.99:
        raise MethodError(f"{where}: the spatial coefficient {spatial} is at the boundary of the search interval; got "
                          f"{rho:.3f}. Check the weights and the model.")
    all_names = names + ([f"W_{s}" for s in names] if durbin else []) + [spatial]
    yy, pred = np.asarray(reg.y, float).ravel(), np.asarray(reg.predy, float).ravel()
    pr2 = float(np.corrcoef(yy, pred)[0, 1] ** 2) if np.std(pred) > 0 else float("nan")
    return SpatialFit(model=model, fe=fe, fe_method=fe_method if twoway else "none", names=tuple(all_names),
                      params=params, vm=np.asarray(reg.vm, dtype=float), k=k, logll=float(np.asarray(reg.logll).ravel()[0]),
                      aic=float(np.asarray(akaike(reg)).ravel()[0]), pseudo_r2=pr2, n_units=n, n_periods=T)
