"""Spatial panel models with fixed effects (空间计量): SAR, SEM, SDM, SDEM, through PySAL spreg.

Estimation is done by spreg's maximum-likelihood fixed-effects panel estimators
(Elhorst 2003; ``spreg.ML_LagFE`` and ``spreg.ML_ErrorFE``); the spatial Durbin
models add the spatial lags of the regressors through spreg's ``slx_lags=1``.

* ``fe="unit"``: spatial (unit) fixed effects, spreg's within transformation.
* ``fe="twoway"``: unit and year fixed effects. The data are first demeaned by year
  (cross-sectional means), then spreg removes the unit means. With a row-standardised
  W this equals the two-way within transformation of y, Wy, X and WX (W·1 = 1), as in
  Elhorst (2014, §3.2). Note that ML with demeaned data leaves σ² biased by the factor
  (T−1)/T (Lee & Yu 2010); coefficient estimates are consistent for large N.

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
from scipy import stats

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from .spec import design_matrix, regression_frame

__all__ = ["SpatialModel", "SpatialEffects", "SpatialPanelResult", "spatial_panel", "spatial_effects", "as_weights"]

#: ``lag`` = SAR, ``error`` = SEM, ``durbin`` = SDM, ``durbin_error`` = SDEM
SpatialModel = Literal["lag", "error", "durbin", "durbin_error"]
SpatialEffects = Literal["unit", "twoway"]


def spatial_effects(rho: float, beta: np.ndarray, theta: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Average direct, indirect and total effects of a spatial lag / Durbin model.

    LeSage & Pace (2009, eq. 2.46–2.48): ``S_k = (I − ρW)^{-1}(β_k I + θ_k W)``;
    direct ``= tr(S_k)/N``, total ``= 1'S_k 1/N``, indirect ``= total − direct``.

    Parameters
    ----------
    rho : spatial autoregressive coefficient. beta, theta : (k,) coefficients of X and WX
        (θ = 0 for the SAR model). W : (N, N) weights matrix.

    Examples
    --------
    >>> W = np.array([[0, 1.0], [1.0, 0]])
    >>> d, i, t = spatial_effects(0.5, np.array([1.0]), np.array([0.0]), W)
    >>> round(float(t[0]), 6), round(float(d[0]), 6)
    (2.0, 1.333333)
    """
    W = np.asarray(W, float)
    N = W.shape[0]
    A = np.linalg.inv(np.eye(N) - rho * W)
    trA, trAW = np.trace(A), np.trace(A @ W)
    ones = np.ones(N)
    totA, totAW = ones @ A @ ones, ones @ (A @ W) @ ones
    beta, theta = np.asarray(beta, float), np.asarray(theta, float)
    direct = (beta * trA + theta * trAW) / N
    total = (beta * totA + theta * totAW) / N
    return direct, total - direct, total


def as_weights(w: Any, ids: Sequence[str] | None = None):
    """A row-standardised copy of spatial weights as a libpysal ``W`` with string ids.

    Accepts a libpysal ``W``, a libpysal ``Graph`` (``.to_W()``), a square DataFrame (index
    and columns = unit codes), the analysis suite's ``SpatialWeights`` or — for provinces — a
    kind name of :func:`nqpf.analysis.weights_cn.province_weights` (``"queen"``,
    ``"inverse_distance"`` …, built for ``ids``) or a weights file path. The caller's object is
    never changed.

    Examples
    --------
    >>> M = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> w = as_weights(M)
    >>> w.transform, w.weights["b"]
    ('R', [0.5, 0.5])
    """
    import libpysal

    if isinstance(w, str):
        try:
            from ..analysis.weights_cn import as_weights as analysis_weights
        except ImportError:
            raise DataError(
                f"spatial_panel: weights given by name need nqpf.analysis.weights_cn; got {w!r}. Pass a libpysal W or a square DataFrame."
            ) from None
        w = analysis_weights(w, units=sorted(ids) if ids is not None else None)
    if hasattr(w, "w") and hasattr(getattr(w, "w"), "neighbors"):  # nqpf.analysis SpatialWeights
        w = w.w
    if isinstance(w, pd.DataFrame):
        if list(map(str, w.index)) != list(map(str, w.columns)):
            raise DataError(
                "spatial_panel: the weights DataFrame must have the same unit codes as index and columns"
                "; got different labels. Pass a square unit × unit matrix."
            )
        M = w.to_numpy(float)
        if (M < 0).any() or np.any(np.diag(M) != 0):
            raise DataError(
                "spatial_panel: weights must be non-negative with a zero diagonal"
                "; got negative or self weights. Fix the matrix."
            )
        labels = [str(i) for i in w.index]
        neighbors = {labels[i]: [labels[j] for j in np.flatnonzero(M[i])] for i in range(len(labels))}
        weights = {labels[i]: [float(M[i, j]) for j in np.flatnonzero(M[i])] for i in range(len(labels))}
        wo = libpysal.weights.W(neighbors, weights, id_order=labels, silence_warnings=True)
    else:
        if hasattr(w, "to_W") and not hasattr(w, "neighbors"):
            w = w.to_W()
        if not hasattr(w, "neighbors") or not hasattr(w, "id_order"):
            raise DataError(
                f"spatial_panel: unsupported weights object; got {type(w).__name__}. "
                "Pass a libpysal W or Graph, or a square DataFrame."
            )
        neighbors = {str(k): [str(j) for j in v] for k, v in w.neighbors.items()}
        weights = {str(k): list(map(float, v)) for k, v in w.weights.items()}
        wo = libpysal.weights.W(neighbors, weights, id_order=[str(i) for i in w.id_order], silence_warnings=True)
    islands = [k for k, v in wo.neighbors.items() if len(v) == 0]
    if islands:
        raise DataError(
            f"spatial_panel: weights have units without neighbours (islands); got {islands[:5]}. "
            "Use distance or k-nearest-neighbour weights, or connect the islands (e.g. Hainan to Guangdong)."
        )
    wo.transform = "r"
    if ids is not None:
        missing = sorted(set(ids) - set(wo.id_order))
        extra = sorted(set(wo.id_order) - set(ids))
        if missing or extra:
            raise DataError(
                f"spatial_panel: the units of the weights and of the data differ; got {len(missing)} data units without weights "
                f"{missing[:5]} and {len(extra)} weight units without data {extra[:5]}. Subset the weights or the data to the same units."
            )
    return wo


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
        fit = pd.DataFrame([("model", self.model), ("fixed_effects", self.fe), ("rho_or_lambda", self.rho), ("log_likelihood", self.logll),
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
    import spreg

    check_option(model, SpatialModel, param="model", caller="spatial_panel")
    check_option(fe, SpatialEffects, param="fe", caller="spatial_panel")
    where = "spatial_panel"
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
    Y = d[y].to_numpy(float)[:, None]
    X = d[terms].to_numpy(float)
    if fe == "twoway":
        yr = d.index.get_level_values("year").to_numpy()
        Y = Y - pd.DataFrame(Y).groupby(yr).transform("mean").to_numpy()
        X = X - pd.DataFrame(X).groupby(yr).transform("mean").to_numpy()
    slx = 1 if model in ("durbin", "durbin_error") else 0
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # spreg prints the class name
        warnings.simplefilter("ignore")
        if model in ("lag", "durbin"):
            reg = spreg.ML_LagFE(Y, X, wo, slx_lags=slx, spat_impacts=None, name_y=y, name_x=list(terms))
            coef_name = "rho"
        else:
            reg = spreg.ML_ErrorFE(Y, X, wo, slx_lags=slx, name_y=y, name_x=list(terms))
            coef_name = "lambda"
    names = [str(n) for n in reg.name_x]
    names = names[:-1] + [coef_name]
    names = [f"W_{n[2:]}" if n.startswith("W_") else n for n in names]
    betas = np.asarray(reg.betas, float).ravel()
    vm = np.asarray(reg.vm, float)
    se = np.sqrt(np.clip(np.diag(vm), 0, None))
    zv = betas / np.where(se > 0, se, np.nan)
    pv = 2 * stats.norm.sf(np.abs(zv))
    params = pd.Series(betas, index=names)
    rho = float(betas[-1])
    k = len(terms)
    beta = betas[:k]
    theta = betas[k: 2 * k] if slx else np.zeros(k)
    Wd = wo.full()[0]
    rng = np.random.default_rng(seed)
    eff_rows = []
    if model in ("lag", "durbin"):
        dr, ir, tr = spatial_effects(rho, beta, theta, Wd)
        sims = None
        if draws > 0:
            sim = rng.multivariate_normal(betas, vm, size=draws, method="svd")
            sim = sim[np.abs(sim[:, -1]) < 1]
            lam = np.linalg.eigvals(Wd)
            out = np.empty((len(sim), 3, k))
            ones = np.ones(len(Wd))
            for s_i, p in enumerate(sim):
                r = p[-1]
                b = p[:k]
                th = p[k: 2 * k] if slx else np.zeros(k)
                trA = np.real(np.sum(1.0 / (1.0 - r * lam)))
                trAW = np.real(np.sum(lam / (1.0 - r * lam)))
                u = np.linalg.solve((np.eye(len(Wd)) - r * Wd).T, ones)
                totA, totAW = u @ ones, u @ (Wd @ ones)
                dd = (b * trA + th * trAW) / len(Wd)
                tt = (b * totA + th * totAW) / len(Wd)
                out[s_i] = [dd, tt - dd, tt]
            sims = out
        for j, t in enumerate(terms):
            for e_i, (lab, val) in enumerate((("direct", dr[j]), ("indirect", ir[j]), ("total", tr[j]))):
                s = float(np.std(sims[:, e_i, j], ddof=1)) if sims is not None and len(sims) > 1 else float("nan")
                z = val / s if s > 0 else float("nan")
                eff_rows.append({"term": t, "effect": lab, "estimate": float(val), "std_error": s, "z": z,
                                 "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")})
    else:
        for j, t in enumerate(terms):
            vals = [("direct", beta[j], se[j]), ("indirect", theta[j], se[k + j] if slx else 0.0)]
            var_tot = vm[j, j] + (vm[k + j, k + j] + 2 * vm[j, k + j] if slx else 0.0)
            vals.append(("total", beta[j] + theta[j], float(np.sqrt(max(var_tot, 0)))))
            for lab, val, s in vals:
                z = val / s if s > 0 else float("nan")
                eff_rows.append({"term": t, "effect": lab, "estimate": float(val), "std_error": float(s), "z": z,
                                 "p_value": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else float("nan")})
    notes = [
        f"ML fixed-effects spatial panel ({model}) by spreg (Elhorst 2003); weights row-standardised; "
        + ("unit and year fixed effects (year means removed first)." if fe == "twoway" else "unit fixed effects."),
    ]
    if model in ("lag", "durbin"):
        notes.append(f"Effects by LeSage & Pace (2009); standard errors from {draws} draws of the ML estimates (seed {seed}).")
    if n_drop:
        notes.append(f"{n_drop} unit-years dropped for missing values.")
    lm = None
    if lm_tests:
        Yd = Y - pd.DataFrame(Y).groupby(d.index.get_level_values("unit").to_numpy()).transform("mean").to_numpy()
        Xd = X - pd.DataFrame(X).groupby(d.index.get_level_values("unit").to_numpy()).transform("mean").to_numpy()
        try:
            lm = _lm_tests(Yd, Xd, wo)
        except (np.linalg.LinAlgError, ValueError) as exc:
            notes.append(f"LM tests not computed: {exc}.")
    if abs(rho) >= 0.99:
        raise MethodError(
            f"{where}: the spatial coefficient is at the boundary of the search interval"
            f"; got {rho:.3f}. Check the weights and the model."
        )
    return SpatialPanelResult(
        name=name, y=y, model=model, fe=fe, params=params, std_errors=pd.Series(se, index=names), pvalues=pd.Series(pv, index=names),
        effects=pd.DataFrame(eff_rows), rho=rho, logll=float(reg.logll), aic=float(reg.aic), pseudo_r2=float(getattr(reg, "pr2", np.nan)),
        nobs=len(d), n_units=len(wo.id_order), n_years=len(yrs), key_terms=tuple(x), draws=draws, seed=seed, lm_tests=lm,
        notes=tuple(notes),
    )
