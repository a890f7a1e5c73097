"""Panel regressions: two-way fixed effects, random effects and the Hausman test.

* Fixed effects (``estimator="fe"``) are estimated by pyfixest (absorbed unit and/or
  year effects, the estimator of Stata's ``reghdfe`` and R's ``fixest``).
* Random effects (``"re"``) by linearmodels ``RandomEffects`` (Swamy–Arora GLS).
* Pooled OLS (``"pooled"``) by pyfixest with an intercept.

Standard errors (the ``ssc`` option states the small-sample correction):

``"stata"`` (default)
    cluster-robust CRV1 with ``G/(G-1) · (N-1)/(N-K)``, where G is the number of
    clusters and K the number of regressors plus the fixed-effect levels *not nested*
    in the clusters (plus one for the absorbed constant). This is what Stata's
    ``xtreg y x i.year, fe vce(cluster unit)`` and ``reghdfe y x, absorb(unit year)
    vce(cluster unit)`` print, and pyfixest's default.
``"full"``
    the same with every fixed-effect level counted in K (Stata ``areg``).
``"none"``
    no correction (CR0 / HC0).

With ``cluster="twoway"`` the covariance is the Cameron–Gelbach–Miller (2011)
``V_unit + V_year − V_unit∩year``, each term with its own ``G/(G-1)``.
Inference uses the t distribution with ``G − 1`` degrees of freedom under clustering.
Singleton groups are kept (as ``xtreg`` and linearmodels; ``reghdfe`` drops them by default).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError, MethodWarning
from .._results import Result, Summary, json_safe
from .._validation import check_option
from .spec import ClusterBy, Estimator, FixedEffects, ModelSpec, SmallSample, design_matrix, make_spec, regression_frame

__all__ = ["PanelRegression", "HausmanResult", "HausmanMethod", "fit_panel", "fit_spec", "hausman", "hausman_statistic"]


@dataclass(frozen=True, eq=False)
class PanelRegression(Result):
    """A fitted panel regression.

    Attributes
    ----------
    name : model title in tables.
    y : dependent variable (term).
    terms : right-hand-side terms in order (key regressors first).
    params, std_errors, tstats, pvalues : Series indexed by term.
    cov : DataFrame, covariance of the coefficients.
    nobs, n_units, n_years : sample size.
    r2 : R² of the full model (with the fixed effects, as reghdfe prints); for ``re`` the overall R².
    r2_within : within R² (after removing the fixed effects); NaN when not defined.
    estimator, fe, cluster, ssc : the specification.
    n_clusters : number of clusters per clustering dimension.
    df_resid : degrees of freedom of the t tests.
    key_terms : the key regressors (shown first in tables).
    n_dropped : unit-years of the sample window dropped for missing values.
    notes : caveats.
    """

    kind = "panel_regression"

    name: str
    y: str
    terms: tuple[str, ...]
    params: pd.Series
    std_errors: pd.Series
    tstats: pd.Series
    pvalues: pd.Series
    cov: pd.DataFrame
    nobs: int
    n_units: int
    n_years: int
    r2: float
    r2_within: float
    estimator: str
    fe: str
    cluster: str
    ssc: str
    n_clusters: tuple[int, ...]
    df_resid: float
    key_terms: tuple[str, ...] = ()
    n_dropped: int = 0
    notes: tuple[str, ...] = ()
    spec: dict = field(default_factory=dict)

    @property
    def fe_rows(self) -> dict[str, bool]:
        """Which fixed effects the model holds (rows of journal tables)."""
        unit = self.estimator == "fe" and self.fe in ("twoway", "unit")
        year = self.fe in ("twoway", "year")
        return {"unit": unit, "year": year}

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals from the t distribution with ``df_resid`` degrees of freedom."""
        from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
        q = stats.t.ppf(0.5 + level / 2, self.df_resid) if np.isfinite(self.df_resid) else stats.norm.ppf(0.5 + level / 2)
        return pd.DataFrame({"lower": self.params - q * self.std_errors, "upper": self.params + q * self.std_errors})

    def tables(self) -> dict[str, pd.DataFrame]:
        ci = self.conf_int()
        coef = pd.DataFrame(
            {
                "term": list(self.params.index),
                "coef": self.params.to_numpy(),
                "std_error": self.std_errors.to_numpy(),
                "t": self.tstats.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_lower": ci["lower"].to_numpy(),
                "ci_upper": ci["upper"].to_numpy(),
            }
        )
        stats_tab = pd.DataFrame(self._stat_rows(), columns=["statistic", "value"])
        return {"coefficients": coef, "statistics": stats_tab}

    def _stat_rows(self) -> list[tuple[str, Any]]:
        return [
            ("model", self.name),
            ("dependent", self.y),
            ("estimator", self.estimator),
            ("fixed_effects", self.fe),
            ("cluster", self.cluster),
            ("small_sample_correction", self.ssc),
            ("nobs", self.nobs),
            ("n_units", self.n_units),
            ("n_years", self.n_years),
            ("n_clusters", ", ".join(map(str, self.n_clusters)) if self.n_clusters else "-"),
            ("r2", self.r2),
            ("r2_within", self.r2_within),
            ("df_resid", self.df_resid),
        ]

    def summary(self) -> Summary:
        return Summary(
            title=f"Panel regression {self.name}: {self.y}",
            rows=self._stat_rows(),
            tables={"coefficients": self.tables()["coefficients"].set_index("term")},
            notes=list(self.notes),
        )

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["spec"] = json_safe(self.spec)
        return out


def _ssc_pyfixest(ssc: str) -> dict:
    import pyfixest as pf

    if ssc == "stata":
        return pf.ssc(k_adj=True, k_fixef="nonnested", G_adj=True, G_df="conventional")
    if ssc == "full":
        return pf.ssc(k_adj=True, k_fixef="full", G_adj=True, G_df="conventional")
    return pf.ssc(k_adj=False, k_fixef="none", G_adj=False, G_df="conventional")


def _codes(values: pd.Series) -> np.ndarray:
    return pd.factorize(values, sort=True)[0].astype(np.int64)


def _fit_fixest(design: pd.DataFrame, *, y: str, terms: list[str], absorb: list[str], cluster: str, ssc: str):
    """Run pyfixest on safe column names; return (fit, names map).

    Two-way fixed effects are estimated exactly but independently of the hash seed: pyfixest builds the
    fixed-effects formula from a Python ``set``, so with two absorbed factors the order of its alternating
    demeaning (and the last bits of the estimates) would depend on ``PYTHONHASHSEED``. The year effects
    therefore enter as explicit dummies and only the unit effect is absorbed (Frisch–Waugh–Lovell: the same
    coefficients and the same raw sandwich for the terms); the model with both effects absorbed is fitted as
    well for its degrees of freedom (``df_k``, ``df_t``, the small-sample factor) and dropped terms, and the
    within R² uses ``y`` demeaned by both effects (the unit-demeaned ``y`` with the unit-demeaned year
    dummies partialled out by least squares). The returned ``fit`` carries the attributes the callers read.
    """
    import types

    import pyfixest as pf
    from scipy.stats import t as t_dist

    names = {f"v{i}": t for i, t in enumerate(terms)}
    df = pd.DataFrame({f"v{i}": design[t].to_numpy(dtype=float) for i, t in enumerate(terms)})
    df["yy"] = design[y].to_numpy(dtype=float)
    df["g_unit"] = _codes(design["unit"])
    df["g_year"] = _codes(design["year"])
    rhs = " + ".join(names)
    fml = f"yy ~ {rhs}" + (" | " + " + ".join(f"g_{a}" for a in absorb) if absorb else "")
    if cluster == "unit":
        vcov: Any = {"CRV1": "g_unit"}
    elif cluster == "year":
        vcov = {"CRV1": "g_year"}
    elif cluster == "twoway":
        vcov = {"CRV1": "g_unit+g_year"}
    else:
        vcov = "hetero"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(fml, data=df, vcov=vcov, ssc=_ssc_pyfixest(ssc), fixef_tol=1e-12, fixef_rm="none")
    if sorted(absorb) != ["unit", "year"]:
        return fit, names
    # two-way: year dummies explicit, the unit effect absorbed (one factor: no set order involved)
    kept = [str(c) for c in fit._coefnames]
    n_years = int(df["g_year"].max()) + 1
    dummies = [f"fy{j}" for j in range(1, n_years)]
    for j, dn in enumerate(dummies, 1):
        df[dn] = (df["g_year"].to_numpy() == j).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fwl = pf.feols(f"yy ~ {' + '.join(kept + dummies)} | g_unit", data=df, vcov=vcov, ssc=_ssc_pyfixest(ssc),
                       fixef_tol=1e-12, fixef_rm="none")
    coef = [str(c) for c in fwl._coefnames]
    if any(k not in coef for k in kept) or fit._N != fwl._N:
        return fit, names  # pragma: no cover - a term dropped only in one of the two fits
    pos = [coef.index(k) for k in kept]
    dpos = [i for i, c in enumerate(coef) if c in set(dummies)]
    beta = np.asarray(fwl._beta_hat, dtype=float)[pos]
    V = np.asarray(fwl._vcov, dtype=float)[np.ix_(pos, pos)] * (float(np.ravel(fit._ssc)[0]) / float(np.ravel(fwl._ssc)[0]))
    se = np.sqrt(np.diagonal(V))
    tstat = beta / se
    Yu = np.asarray(fwl._Y, dtype=float).reshape(-1)  # y demeaned by unit
    Xd = np.asarray(fwl._X, dtype=float)[:, dpos]      # year dummies demeaned by unit
    y_within = Yu - Xd @ np.linalg.lstsq(Xd, Yu, rcond=None)[0] if dpos else Yu
    ssu = float(np.sum(np.asarray(fwl._u_hat, dtype=float) ** 2))
    out = types.SimpleNamespace(
        _coefnames=kept, _beta_hat=beta, _se=se, _tstat=tstat, _pvalue=2 * (1 - t_dist.cdf(np.abs(tstat), fit._df_t)),
        _vcov=V, _r2=fwl._r2, _r2_within=1 - ssu / float(np.sum(y_within ** 2)), _has_fixef=True, _df_t=fit._df_t,
        _collin_vars=fit._collin_vars, _N=fit._N,
    )
    return out, names


def _check_design(design: pd.DataFrame, *, y: str, terms: list[str], where: str) -> None:
    if len(design) == 0:
        raise DataError(
            f"{where}: no complete unit-year rows for {y!r} and {terms}"
            "; got 0 rows. Check missing values and the sample window."
        )
    n_par = len(terms) + 1
    if len(design) <= n_par:
        raise DataError(
            f"{where}: too few observations for {n_par} parameters"
            f"; got {len(design)}. Use fewer regressors or more data."
        )


def fit_panel(
    data: Any,
    *,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    interactions: Sequence[tuple[str, str]] = (),
    estimator: Estimator = "fe",
    fe: FixedEffects = "twoway",
    cluster: ClusterBy = "unit",
    ssc: SmallSample = "stata",
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    name: str = "(1)",
    extra: pd.DataFrame | None = None,
) -> PanelRegression:
    """Fit a panel regression (two-way FE by default) with cluster-robust standard errors.

    Parameters
    ----------
    data
        An IndexResult, a long panel or a wide regression frame (see :func:`regression_frame`).
    y, x, controls, interactions
        Dependent variable, key regressors, controls and interaction pairs (terms of
        :mod:`nqpf.explain.spec`, e.g. ``"log(raw:gdp)"``, ``"lag(driver:数据)"``).
    estimator
        ``"fe"`` (within estimator with absorbed fixed effects), ``"re"`` (random
        effects GLS) or ``"pooled"`` (OLS with intercept).
    fe
        Fixed effects: ``"twoway"`` (unit and year, 双向固定效应), ``"unit"``, ``"year"`` or
        ``"none"``. For ``re`` and ``pooled``, ``"twoway"``/``"year"`` add year dummies.
    cluster
        ``"unit"`` (聚类稳健标准误 by unit), ``"twoway"`` (unit and year), ``"year"`` or
        ``"none"`` (heteroskedasticity-robust).
    ssc
        Small-sample correction, see the module notes; ``"stata"`` reproduces Stata/reghdfe.
    years, drop_units
        Sample window (inclusive) and units left out.
    name
        Column title in tables.
    extra
        User columns merged into the frame.

    Returns
    -------
    PanelRegression

    Notes
    -----
    Lags (``lag(x)``) use the previous *calendar* year of the same unit, so gaps give
    missing values rather than silently skipping years. Rows with a missing value in
    any variable are dropped (counted in ``n_dropped`` and noted).

    Examples
    --------
    >>> from linearmodels.datasets import wage_panel
    >>> d = wage_panel.load().rename(columns={"nr": "unit"})
    >>> res = fit_panel(d, y="lwage", x=["union"], controls=["married", "expersq"])
    >>> round(float(res.params["union"]), 4), round(float(res.std_errors["union"]), 4)
    (0.08, 0.0227)
    """
    check_option(estimator, Estimator, param="estimator", caller="fit_panel")
    check_option(fe, FixedEffects, param="fe", caller="fit_panel")
    check_option(cluster, ClusterBy, param="cluster", caller="fit_panel")
    check_option(ssc, SmallSample, param="ssc", caller="fit_panel")
    spec = make_spec(
        name=name, y=y, x=list(x), controls=list(controls), interactions=[tuple(p) for p in interactions],
        estimator=estimator, fe=fe, cluster=cluster, ssc=ssc, years=years, drop_units=[str(u) for u in drop_units],
    )
    frame = regression_frame(data, extra=extra)
    return _fit_frame(frame, spec)


def fit_spec(data: Any, spec: ModelSpec, *, extra: pd.DataFrame | None = None) -> PanelRegression:
    """Fit the model stated by a :class:`ModelSpec` (as in the run config).

    Examples
    --------
    >>> from linearmodels.datasets import wage_panel
    >>> d = wage_panel.load().rename(columns={"nr": "unit"})
    >>> res = fit_spec(d, ModelSpec(y="lwage", x=["union"], controls=["married", "expersq"]))
    >>> res.nobs
    4360
    """
    return _fit_frame(regression_frame(data, extra=extra), spec)


def _fit_frame(frame: pd.DataFrame, spec: ModelSpec) -> PanelRegression:
    where = f"fit_panel({spec.name})"
    terms = spec.terms()
    if spec.y in terms:
        raise MethodError(
            f"{where}: the dependent variable is also a regressor"
            f"; got {spec.y!r}. Remove it from x/controls."
        )
    design, n_dropped = design_matrix(frame, y=spec.y, terms=terms, years=spec.years, drop_units=spec.drop_units)
    _check_design(design, y=spec.y, terms=terms, where=where)
    notes: list[str] = []
    if n_dropped:
        notes.append(f"{n_dropped} unit-years dropped for a missing value in {spec.y!r} or a regressor (complete-case sample).")
    if spec.estimator == "re":
        res = _fit_re(design, spec, terms)
    else:
        absorb = []
        if spec.estimator == "fe":
            absorb = {"twoway": ["unit", "year"], "unit": ["unit"], "year": ["year"], "none": []}[spec.fe]
        elif spec.fe in ("twoway", "year"):
            absorb = ["year"]
        fit, names = _fit_fixest(design, y=spec.y, terms=terms, absorb=absorb, cluster=spec.cluster, ssc=spec.ssc)
        res = _from_fixest(fit, names, terms)
        if fit._collin_vars:
            dropped = [names.get(str(v), str(v)) for v in fit._collin_vars]
            msg = f"{where}: terms {dropped} are collinear with the fixed effects or other regressors and were dropped."
            warnings.warn(msg, MethodWarning, stacklevel=3)
            notes.append(msg)
    n_clusters = {
        "unit": (design["unit"].nunique(),),
        "year": (design["year"].nunique(),),
        "twoway": (design["unit"].nunique(), design["year"].nunique()),
        "none": (),
    }[spec.cluster]
    if spec.cluster != "none" and min(n_clusters) < 50:
        notes.append(
            f"Only {min(n_clusters)} clusters: cluster-robust standard errors can be too small with few clusters "
            "(Cameron & Miller 2015); consider a wild cluster bootstrap."
        )
    notes.append(_se_note(spec))
    return PanelRegression(
        name=spec.name,
        y=spec.y,
        terms=tuple(terms),
        params=res["params"],
        std_errors=res["se"],
        tstats=res["t"],
        pvalues=res["p"],
        cov=res["cov"],
        nobs=len(design),
        n_units=int(design["unit"].nunique()),
        n_years=int(design["year"].nunique()),
        r2=res["r2"],
        r2_within=res["r2_within"],
        estimator=spec.estimator,
        fe=spec.fe,
        cluster=spec.cluster,
        ssc=spec.ssc,
        n_clusters=tuple(int(n) for n in n_clusters),
        df_resid=res["df"],
        key_terms=tuple(spec.key_terms()),
        n_dropped=n_dropped,
        notes=tuple(notes),
        spec=spec.model_dump(mode="json"),
    )


def _se_note(spec: ModelSpec) -> str:
    what = {
        "unit": "clustered by unit",
        "year": "clustered by year",
        "twoway": "two-way clustered by unit and year (Cameron, Gelbach & Miller 2011)",
        "none": "heteroskedasticity-robust (HC1)" if spec.ssc != "none" else "heteroskedasticity-robust (HC0)",
    }[spec.cluster]
    corr = {
        "stata": "small-sample correction G/(G-1)·(N-1)/(N-K), K = regressors + fixed-effect levels not nested in the clusters (Stata xtreg/reghdfe)",
        "full": "small-sample correction G/(G-1)·(N-1)/(N-K), K counting every fixed-effect level (Stata areg)",
        "none": "no small-sample correction",
    }[spec.ssc]
    if spec.estimator == "re":
        corr = {
            "stata": "small-sample correction G/(G-1)·(N-1)/(N-K) (linearmodels debiased, group_debias)",
            "full": "small-sample correction G/(G-1)·(N-1)/(N-K) (linearmodels debiased, group_debias)",
            "none": "no small-sample correction",
        }[spec.ssc]
    return f"Standard errors {what}; {corr}."


def _from_fixest(fit, names: dict[str, str], terms: list[str]) -> dict[str, Any]:
    coef_names = [str(c) for c in fit._coefnames]
    idx = [names.get(c, "const" if c == "Intercept" else c) for c in coef_names]
    params = pd.Series(np.asarray(fit._beta_hat, dtype=float), index=idx)
    se = pd.Series(np.asarray(fit._se, dtype=float), index=idx)
    t = pd.Series(np.asarray(fit._tstat, dtype=float), index=idx)
    p = pd.Series(np.asarray(fit._pvalue, dtype=float), index=idx)
    cov = pd.DataFrame(np.asarray(fit._vcov, dtype=float), index=idx, columns=idx)
    order = [c for c in terms if c in idx] + [c for c in idx if c not in terms]
    r2w = getattr(fit, "_r2_within", np.nan)
    return {
        "params": params.reindex(order), "se": se.reindex(order), "t": t.reindex(order), "p": p.reindex(order),
        "cov": cov.loc[order, order], "r2": float(fit._r2),
        "r2_within": float(r2w) if r2w is not None and fit._has_fixef else float("nan"),
        "df": float(fit._df_t),
    }


def _panel_index(design: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_arrays([design["unit"].to_numpy(), design["year"].to_numpy()], names=["unit", "year"])


def _year_dummies(design: pd.DataFrame) -> pd.DataFrame:
    d = pd.get_dummies(design["year"], prefix="year", drop_first=True, dtype=float)
    d.index = design.index
    return d


def _fit_re(design: pd.DataFrame, spec: ModelSpec, terms: list[str]) -> dict[str, Any]:
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    from linearmodels import RandomEffects

    idx = _panel_index(design)
    X = design[terms].astype(float).copy()
    X.insert(0, "const", 1.0)
    if spec.fe in ("twoway", "year"):
        X = pd.concat([X, _year_dummies(design)], axis=1)
    X.index = idx
    yv = pd.Series(design[spec.y].to_numpy(dtype=float), index=idx)
    kw: dict[str, Any] = {"debiased": spec.ssc != "none"}
    if spec.cluster == "none":
        kw["cov_type"] = "robust"
    else:
        kw.update(cov_type="clustered", group_debias=spec.ssc != "none",
                  cluster_entity=spec.cluster in ("unit", "twoway"), cluster_time=spec.cluster in ("year", "twoway"))
    r = RandomEffects(yv, X).fit(**kw)
    order = terms + ["const"] + [c for c in X.columns if c.startswith("year_")]
    df = float(r.df_resid) if spec.cluster == "none" else float(min(
        [design["unit"].nunique()] * (spec.cluster in ("unit", "twoway")) + [design["year"].nunique()] * (spec.cluster in ("year", "twoway"))
    ) - 1)
    tvals = r.params / r.std_errors
    pvals = pd.Series(2 * stats.t.sf(np.abs(tvals.to_numpy()), df), index=tvals.index)
    return {
        "params": r.params.reindex(order), "se": r.std_errors.reindex(order), "t": tvals.reindex(order),
        "p": pvals.reindex(order), "cov": r.cov.loc[order, order], "r2": float(r.rsquared_overall),
        "r2_within": float(r.rsquared_within), "df": df,
    }


# ----------------------------------------------------------------------------- Hausman


def hausman_statistic(b_fe: np.ndarray, b_re: np.ndarray, v_fe: np.ndarray, v_re: np.ndarray) -> tuple[float, int]:
    """Hausman (1978) statistic ``H = (b_FE − b_RE)' (V_FE − V_RE)^+ (b_FE − b_RE)``.

    The generalised inverse (Moore–Penrose) is used as in Stata's ``hausman``; the
    degrees of freedom are the rank of ``V_FE − V_RE``.

    Examples
    --------
    >>> h, df = hausman_statistic(np.array([1.0]), np.array([0.5]), np.array([[0.2]]), np.array([[0.1]]))
    >>> round(h, 6), df
    (2.5, 1)
    """
    d = np.asarray(b_fe, float) - np.asarray(b_re, float)
    vd = np.asarray(v_fe, float) - np.asarray(v_re, float)
    vd = (vd + vd.T) / 2
    h = float(d @ np.linalg.pinv(vd) @ d)
    return h, int(np.linalg.matrix_rank(vd))


@dataclass(frozen=True, eq=False)
class HausmanResult(Result):
    """Hausman test of fixed against random effects.

    Attributes
    ----------
    statistic : χ² statistic. df : its degrees of freedom. p_value : upper-tail p-value.
    comparison : DataFrame ``term, fe, re, difference, se_difference``.
    preferred : ``"fe"`` when the test rejects at 5 %, else ``"re"``.
    """

    kind = "hausman"

    statistic: float
    df: int
    p_value: float
    comparison: pd.DataFrame
    preferred: str
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        test = pd.DataFrame(
            [("chi2", self.statistic), ("df", self.df), ("p_value", self.p_value), ("preferred", self.preferred)],
            columns=["statistic", "value"],
        )
        return {"test": test, "comparison": self.comparison}

    def summary(self) -> Summary:
        return Summary(
            title="Hausman test (FE vs RE)",
            rows=[("chi2", self.statistic), ("df", self.df), ("p_value", self.p_value), ("preferred", self.preferred)],
            tables={"comparison": self.comparison.set_index("term")},
            notes=list(self.notes),
        )


#: ``classic``: Hausman (1978) contrast; ``mundlak``: cluster-robust Mundlak (1978) / Wooldridge (2010) test
HausmanMethod = Literal["classic", "mundlak"]


def hausman(
    data: Any,
    *,
    y: str,
    x: Sequence[str],
    controls: Sequence[str] = (),
    fe: FixedEffects = "twoway",
    method: HausmanMethod = "classic",
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    extra: pd.DataFrame | None = None,
) -> HausmanResult:
    """Hausman test of unit fixed effects against random effects (固定效应 vs 随机效应).

    ``method="classic"``: the Hausman (1978) contrast of the FE and RE estimates with the
    conventional (non-robust) covariances, as RE must be efficient under the null (Stata
    ``hausman fe re``). With ``fe="twoway"`` or ``"year"`` both contain the same year dummies and
    the comparison covers the regressors only.

    ``method="mundlak"``: the cluster-robust version (Mundlak 1978; Wooldridge 2010, §10.7.3;
    Stata ``xtoverid``): RE of y on x and the unit means x̄_i, unit-clustered covariance, Wald
    test that the coefficients of x̄_i are all zero, ``W = γ̂' V_γ^{-1} γ̂ ~ χ²(k)``. Valid under
    heteroskedasticity and serial correlation.

    Examples
    --------
    >>> from linearmodels.datasets import wage_panel
    >>> d = wage_panel.load().rename(columns={"nr": "unit"})
    >>> h = hausman(d, y="lwage", x=["union"], controls=["married", "expersq"])
    >>> h.preferred
    'fe'
    >>> hausman(d, y="lwage", x=["union"], controls=["married", "expersq"], method="mundlak").preferred
    'fe'
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    from linearmodels import PanelOLS, RandomEffects

    check_option(fe, FixedEffects, param="fe", caller="hausman")
    check_option(method, HausmanMethod, param="method", caller="hausman")
    terms = list(dict.fromkeys(list(x) + list(controls)))
    frame = regression_frame(data, extra=extra)
    design, _ = design_matrix(frame, y=y, terms=terms, years=years, drop_units=[str(u) for u in drop_units])
    _check_design(design, y=y, terms=terms, where="hausman")
    idx = _panel_index(design)
    X = design[terms].astype(float).copy()
    if fe in ("twoway", "year"):
        X = pd.concat([X, _year_dummies(design)], axis=1)
    X.index = idx
    yv = pd.Series(design[y].to_numpy(dtype=float), index=idx)
    notes: list[str] = []
    if method == "mundlak":
        means = design.groupby("unit")[terms].transform("mean").astype(float)
        means.columns = [f"mean({t})" for t in terms]
        varying = [c for c, t in zip(means.columns, terms) if (design[t] - means[c]).abs().max() > 0]
        Xm = pd.concat([X.reset_index(drop=True), means[varying].reset_index(drop=True)], axis=1)
        Xm.insert(0, "const", 1.0)
        Xm.index = idx
        r = RandomEffects(yv, Xm).fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
        g = r.params[varying].to_numpy()
        V = r.cov.loc[varying, varying].to_numpy()
        h = float(g @ np.linalg.solve(V, g))
        df = len(varying)
        comp = pd.DataFrame({"term": [c[5:-1] for c in varying], "fe": r.params[[c[5:-1] for c in varying]].to_numpy(),
                             "re": np.nan, "difference": g, "se_difference": np.sqrt(np.diag(V))})
        notes.append("Mundlak test: RE with unit means of the regressors, unit-clustered covariance; 'fe' = the within "
                     "coefficient recovered by the Mundlak regression, 'difference' = coefficient of the unit mean.")
    else:
        r_fe = PanelOLS(yv, X, entity_effects=True, drop_absorbed=True).fit(cov_type="unadjusted")
        Xr = X.copy()
        Xr.insert(0, "const", 1.0)
        r_re = RandomEffects(yv, Xr).fit(cov_type="unadjusted")
        common = [t for t in terms if t in r_fe.params.index]
        b_fe, b_re = r_fe.params[common].to_numpy(), r_re.params[common].to_numpy()
        v_fe, v_re = r_fe.cov.loc[common, common].to_numpy(), r_re.cov.loc[common, common].to_numpy()
        h, df = hausman_statistic(b_fe, b_re, v_fe, v_re)
        diag = np.diag(v_fe - v_re)
        if (diag < 0).any():
            notes.append("V_FE − V_RE is not positive semi-definite; the statistic uses its generalised inverse (as Stata's hausman).")
        comp = pd.DataFrame({"term": common, "fe": b_fe, "re": b_re, "difference": b_fe - b_re,
                             "se_difference": np.sqrt(np.clip(diag, 0, None))})
    p = float(stats.chi2.sf(h, df)) if df > 0 else float("nan")
    return HausmanResult(statistic=h, df=df, p_value=p, comparison=comp,
                         preferred="fe" if p < 0.05 else "re", notes=tuple(notes))
