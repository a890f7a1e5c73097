"""Spatial panel models with fixed effects (空间计量): SAR, SEM, SDM, SDEM.

A thin layer over :mod:`nqpf.spatial`: the data are checked and arranged here, the model is fitted
by :func:`nqpf.spatial.panel.fit_spatial_panel` (ML by spreg's fixed-effects estimators, Elhorst
2003; the spatial Durbin models add WX), and the effects come from
:func:`nqpf.spatial.effects.effects_table` — the same estimator and effects as spatial
β-convergence (:func:`nqpf.analysis.spatial_beta_convergence`).

* ``fe="unit"``: unit fixed effects (spreg's within transformation).
* ``fe="twoway"``: unit and year fixed effects; the year effects are removed by
  ``fe_method="lee_yu"`` (default; the exact orthonormal transformation of Lee & Yu 2010) or
  ``"demean"`` (year demeaning before the spatial lags are formed, as nqpf did before 0.x: it
  leaves a year constant in the error term and biases ρ towards 0 — about 0.35 for a true 0.4
  with 49 units; kept only to reproduce earlier results). See :mod:`nqpf.spatial.panel`.

Effects (LeSage & Pace 2009, §2.7) for the lag models: with
``S_k(W) = (I − ρW)^{-1} (β_k I + θ_k W)``, the average direct effect is
``tr(S_k)/N``, the average total effect ``1' S_k 1 / N`` and the indirect (spillover)
effect their difference. Their standard errors come from ``draws`` parameter draws
from the asymptotic normal distribution of (β, θ, ρ) (LeSage & Pace 2009, §2.7.1;
Elhorst 2014, §2.8). For the error models the direct effect is β_k and the indirect
effect θ_k (SDEM) or 0 (SEM).
"""
from __future__ import annotations

import contextlib
import io
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from ..spatial.effects import effects_table, spatial_effects
from ..spatial.panel import FEMethod, fit_spatial_panel
from ..spatial.weights import panel_weights
from .spec import design_matrix, regression_frame

__all__ = ["SpatialModel", "SpatialEffects", "FEMethod", "SpatialPanelResult", "spatial_panel", "spatial_effects", "as_weights"]

#: ``lag`` = SAR, ``error`` = SEM, ``durbin`` = SDM, ``durbin_error`` = SDEM
SpatialModel = Literal["lag", "error", "durbin", "durbin_error"]
SpatialEffects = Literal["unit", "twoway"]


def as_weights(w: Any, ids: Sequence[str] | None = None):
    """A checked, row-standardised copy of spatial weights as a libpysal ``W`` with string ids.

    :func:`nqpf.spatial.weights.panel_weights` with the messages of :func:`spatial_panel`: accepts a
    libpysal ``W`` or ``Graph``, a square DataFrame, the analysis suite's ``SpatialWeights``, a
    province weights kind name (built for ``ids``) or a weights file. The caller's object is never
    changed.

    Examples
    --------
    >>> M = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> w = as_weights(M)
    >>> w.transform, w.weights["b"]
    ('R', [0.5, 0.5])
    """
    return panel_weights(w, ids, where="spatial_panel")


@dataclass(frozen=True, eq=False)
class SpatialPanelResult(Result):
    """A fitted spatial panel model.

    Attributes
    ----------
    model : ``lag`` (SAR), ``error`` (SEM), ``durbin`` (SDM) or ``durbin_error`` (SDEM).
    params, std_errors, pvalues : Series over the regressors, their spatial lags (``W_<term>``)
        and ``rho`` (lag models) or ``lambda`` (error models).
    effects : DataFrame ``term, effect, estimate, std_error, z, p_value`` (direct / indirect / total).
    rho : spatial autoregressive (lag) or error coefficient.
    logll, aic, pseudo_r2 : fit statistics. nobs, n_units, n_years.
    """

    kind = "spatial_panel"

    name: str
    y: str
    model: str
    fe: str
    params: pd.Series
    std_errors: pd.Series
    pvalues: pd.Series
    effects: pd.DataFrame
    rho: float
    logll: float
    aic: float
    pseudo_r2: float
    nobs: int
    n_units: int
    n_years: int
    key_terms: tuple[str, ...] = ()
    draws: int = 0
    seed: int | None = None
    fe_method: str = "lee_yu"
    lm_tests: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)

    @property
    def fe_rows(self) -> dict[str, bool]:
        return {"unit": True, "year": self.fe == "twoway"}

    @property
    def r2(self) -> float:
        return self.pseudo_r2

    @property
    def cluster(self) -> str:
        return "none"

    def tables(self) -> dict[str, pd.DataFrame]:
        z = self.params / self.std_errors
        coef = pd.DataFrame({"term": self.params.index, "coef": self.params.to_numpy(), "std_error": self.std_errors.to_numpy(),
                             "z": z.to_numpy(), "p_value": self.pvalues.to_numpy()})
        out = {"coefficients": coef, "effects": self.effects}
        fit = pd.DataFrame([("model", self.model), ("fixed_effects", self.fe), ("fe_method", self.fe_method), ("rho_or_lambda", self.rho), ("log_likelihood", self.logll),
                            ("aic", self.aic), ("pseudo_r2", self.pseudo_r2), ("nobs", self.nobs), ("n_units", self.n_units),
                            ("n_years", self.n_years)], columns=["statistic", "value"])
        out["statistics"] = fit
        if self.lm_tests is not None:
            out["lm_tests"] = self.lm_tests
        return out

    def summary(self) -> Summary:
        t = self.tables()
        tabs = {"coefficients": t["coefficients"].set_index("term"), "effects": self.effects.set_index(["term", "effect"])}
        if self.lm_tests is not None:
            tabs["LM tests (on the within-transformed data)"] = self.lm_tests.set_index("test")
        return Summary(title=f"Spatial panel model ({self.model}, {self.fe} FE): {self.y}",
                       rows=list(t["statistics"].itertuples(index=False, name=None)), tables=tabs, notes=list(self.notes))


def _lm_tests(y: np.ndarray, X: np.ndarray, w) -> pd.DataFrame:
    from spreg import diagnostics_panel as dp

    rows = []
    for name, fn in (("LM-lag", dp.panel_LMlag), ("LM-error", dp.panel_LMerror), ("robust LM-lag", dp.panel_rLMlag), ("robust LM-error", dp.panel_rLMerror)):
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            stat, p = fn(y, X, w)
        rows.append({"test": name, "statistic": float(np.asarray(stat).ravel()[0]), "p_value": float(np.asarray(p).ravel()[0])})
    return pd.DataFrame(rows)


@validate_params({"draws": [Interval(numbers.Integral, 0, None)]})
def spatial_panel(
    data: Any,
    *,
    y: str,
    x: Sequence[str],
    w: Any,
    controls: Sequence[str] = (),
    model: SpatialModel = "durbin",
    fe: SpatialEffects = "twoway",
    fe_method: FEMethod = "lee_yu",
    draws: int = 1000,
    seed: int | None = 0,
    lm_tests: bool = True,
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    name: str = "spatial",
    extra: pd.DataFrame | None = None,
) -> SpatialPanelResult:
    """Fit a fixed-effects spatial panel model and its direct / indirect / total effects.

    Parameters
    ----------
    data
        IndexResult, long panel or wide frame; the panel must be balanced over the units of ``w``.
    y, x, controls
        Dependent variable, key regressors and controls (terms). All regressors get a spatial
        lag in the Durbin models.
    w
        Spatial weights: the analysis suite's ``SpatialWeights``, a province weights kind name
        (``"queen"`` — 海南 linked to 广东 —, ``"inverse_distance"``, …), a libpysal ``W``/``Graph``
        or a square unit × unit DataFrame; a row-standardised copy is used.
    model
        ``"lag"`` (SAR, 空间滞后), ``"error"`` (SEM, 空间误差), ``"durbin"`` (SDM, 空间杜宾) or
        ``"durbin_error"`` (SDEM).
    fe
        ``"unit"`` or ``"twoway"`` (unit and year) fixed effects.
    fe_method
        How the year effects are removed with ``fe="twoway"``: ``"lee_yu"`` (Lee & Yu 2010
        orthonormal transformation, exact) or ``"demean"`` (year demeaning, biased; earlier
        results). See :mod:`nqpf.spatial.panel`.
    draws
        Parameter draws for the standard errors of the effects (0: no standard errors).
    seed
        Seed of the draws.
    lm_tests
        Add the panel LM / robust LM tests (Anselin et al. 2008) on the within-transformed data.

    Examples
    --------
    >>> import libpysal
    >>> w = libpysal.weights.lat2W(5, 5)
    >>> rng = np.random.default_rng(0)
    >>> N, T = 25, 8
    >>> Wm = w.full()[0] / w.full()[0].sum(1, keepdims=True)
    >>> frames = []
    >>> for t in range(T):
    ...     xv = rng.normal(size=N)
    ...     yv = np.linalg.solve(np.eye(N) - 0.4 * Wm, xv + 0.5 * Wm @ xv + rng.normal(scale=0.3, size=N))
    ...     frames.append(pd.DataFrame({"unit": [str(i) for i in range(N)], "year": 2000 + t, "y": yv, "x": xv}))
    >>> res = spatial_panel(pd.concat(frames), y="y", x=["x"], w=w, draws=200, seed=1)
    >>> round(res.rho, 1)
    0.4
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    where = "spatial_panel"
    check_option(model, SpatialModel, param="model", caller=where)
    check_option(fe, SpatialEffects, param="fe", caller=where)
    check_option(fe_method, FEMethod, param="fe_method", caller=where)
    terms = list(dict.fromkeys(list(x) + list(controls)))
    frame = regression_frame(data, extra=extra)
    design, n_drop = design_matrix(frame, y=y, terms=terms, years=years, drop_units=[str(u) for u in drop_units])
    if len(design) == 0:
        raise DataError(f"{where}: no complete unit-year rows; got 0 rows. Check missing values in {[y] + terms}.")
    ids = sorted(design["unit"].unique())
    wo = as_weights(w, ids)
    yrs = sorted(design["year"].unique())
    full = pd.MultiIndex.from_product([yrs, wo.id_order], names=["year", "unit"])
    d = design.set_index(["year", "unit"])
    if len(d) != len(full) or not d.index.isin(full).all():
        cnt = design.groupby("unit").size()
        short = cnt[cnt < len(yrs)].index.tolist()[:5]
        raise DataError(
            f"{where}: the panel must be balanced over the units of the weights; got {len(d)} of {len(full)} unit-years "
            f"(units with missing years: {short}). Restrict years= or impute first."
        )
    d = d.loc[full]
    n, T = len(wo.id_order), len(yrs)
    Wd = wo.full()[0]
    Y = d[y].to_numpy(float).reshape(T, n)
    X = d[terms].to_numpy(float).reshape(T, n, len(terms))
    fit = fit_spatial_panel(Y, X, Wd, model=model, fe=fe, fe_method=fe_method, names=terms, where=where)
    names = list(fit.names)
    se = fit.std_errors
    zv = fit.params / np.where(se > 0, se, np.nan)
    pv = 2 * stats.norm.sf(np.abs(zv))
    effects = effects_table(fit, Wd, draws=draws, seed=seed)
    fe_text = {"lee_yu": "unit and year fixed effects (year effects by the Lee & Yu 2010 orthonormal transformation).",
               "demean": "unit and year fixed effects (year means removed first; biased, see fe_method)."}
    notes = [
        f"ML fixed-effects spatial panel ({model}) by spreg (Elhorst 2003); weights row-standardised; "
        + (fe_text[fe_method] if fe == "twoway" else "unit fixed effects."),
    ]
    if model in ("lag", "durbin"):
        notes.append(f"Effects by LeSage & Pace (2009); standard errors from {draws} draws of the ML estimates (seed {seed}).")
    if n_drop:
        notes.append(f"{n_drop} unit-years dropped for missing values.")
    lm = None
    if lm_tests:
        Yl, Xl = Y.reshape(-1, 1), X.reshape(T * n, len(terms))
        if fe == "twoway":
            Yl = (Y - Y.mean(axis=1, keepdims=True)).reshape(-1, 1)
            Xl = (X - X.mean(axis=1, keepdims=True)).reshape(T * n, len(terms))
        unit = np.tile(np.arange(n), T)
        Yd = Yl - pd.DataFrame(Yl).groupby(unit).transform("mean").to_numpy()
        Xd = Xl - pd.DataFrame(Xl).groupby(unit).transform("mean").to_numpy()
        try:
            lm = _lm_tests(Yd, Xd, wo)
        except (np.linalg.LinAlgError, ValueError) as exc:
            notes.append(f"LM tests not computed: {exc}.")
    return SpatialPanelResult(
        name=name, y=y, model=model, fe=fe, params=pd.Series(fit.params, index=names), std_errors=pd.Series(se, index=names),
        pvalues=pd.Series(pv, index=names), effects=effects, rho=fit.rho, logll=fit.logll, aic=fit.aic,
        pseudo_r2=fit.pseudo_r2, nobs=len(d), n_units=n, n_years=T, key_terms=tuple(x), draws=draws, seed=seed,
        fe_method=fit.fe_method, lm_tests=lm, notes=tuple(notes),
    )
