"""Absolute and conditional β-convergence: pooled annual panels and cross-sections over a span."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._errors import MethodError
from ..._results import Result, Summary
from ..._validation import check_option, validate_params
from .common import BetaKind, Cluster, FixedEffects, _panel, _require_positive, convergence_speed, half_life, speed_formula

__all__ = ["BetaResult", "beta_convergence"]


# =========================================================================== β-convergence
@dataclass(frozen=True)
class BetaResult(Result):
    """β-convergence estimate.

    Attributes
    ----------
    table : DataFrame
        One row: ``kind, design, fe, cov, beta, se, t, p, ci_low, ci_high, r2, n_obs, n_units,
        n_periods, periods, annualised, lambda, half_life, formula, converging``.
    coefficients : DataFrame
        Every coefficient: ``term, coef, se, t, p, ci_low, ci_high``.
    beta, se, p, lam, half_life : float
        The coefficient of the initial log level, its standard error and p-value, the implied
        speed λ and the half-life in years.
    formula : str
        The λ formula used (see module docstring).
    """

    table: pd.DataFrame
    coefficients: pd.DataFrame
    beta: float
    se: float
    p: float
    lam: float
    half_life: float
    formula: str
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kind: str = "beta"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"beta": self.table, "coefficients": self.coefficients}

    def summary(self) -> Summary:
        t = self.table.iloc[0]
        rows = [
            ("kind", t["kind"]), ("design", t["design"]), ("fixed effects", t["fe"]), ("covariance", t["cov"]),
            ("beta", self.beta), ("se", self.se), ("p", self.p), ("R2", float(t["r2"])),
            ("observations", int(t["n_obs"])), ("units", int(t["n_units"])),
            ("lambda (per year)", self.lam), ("half-life (years)", self.half_life), ("formula", self.formula),
            ("β-convergence", "yes" if bool(t["converging"]) else "no"),
        ]
        notes = ["β < 0 and significant (5 %) indicates β-convergence; λ and half-life are NaN when the formula is undefined "
                 "or β >= 0 (divergence)."] + list(self.notes)
        return Summary(title=f"{t['kind'].capitalize()} β-convergence (β收敛)", rows=rows,
                       tables={"coefficients": self.coefficients}, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(params=self.params, notes=list(self.notes))
        return d


def _coef_table(names, coef, se, t, p, lo, hi) -> pd.DataFrame:
    return pd.DataFrame({"term": list(names), "coef": np.asarray(coef, float), "se": np.asarray(se, float),
                         "t": np.asarray(t, float), "p": np.asarray(p, float),
                         "ci_low": np.asarray(lo, float), "ci_high": np.asarray(hi, float)})


@validate_params({"annualise": [bool]})
def beta_convergence(
    data: pd.DataFrame,
    *,
    value: str = "value",
    year: str = "year",
    unit: str = "unit",
    kind: BetaKind = "absolute",
    controls: Sequence[str] = (),
    span: tuple[int, int] | Literal["full"] | None = None,
    fe: FixedEffects = "twoway",
    cluster: Cluster = "unit",
    annualise: bool = True,
) -> BetaResult:
    """Absolute or conditional β-convergence (β收敛), annual panel or cross-section over a span.

    Panel (``span=None``)::

        ln(x_{i,t+1} / x_{i,t}) = β ln x_{i,t} + γ'Z_{i,t} + μ_i + η_t + ε_{i,t}

    estimated with linearmodels ``PanelOLS`` (``fe='twoway'``: unit and year effects; ``'unit'``;
    ``'none'``: pooled OLS with a constant); λ = −ln(1 + β) (τ = 1).

    Cross-section (``span=(y0, y1)`` or ``'full'``)::

        (1/T) ln(x_{i,y1} / x_{i,y0}) = α + β ln x_{i,y0} + γ'Z_{i,y0} + ε_i,   T = y1 − y0

    with statsmodels OLS; λ = −ln(1 + βT)/T (or −ln(1 + β)/T with ``annualise=False``).

    Parameters
    ----------
    data : DataFrame
        Long panel ``unit, year, value`` plus any control columns.
    kind : {'absolute', 'conditional'}
        Absolute: no controls. Conditional: controls Z (measured at t, or at y0 in a
        cross-section) and/or fixed effects.
    controls : sequence of str
        Control columns of ``data`` (conditional convergence only).
    span : (int, int), 'full' or None
        None: pooled annual panel of consecutive years. A pair of years (or ``'full'`` for first
        and last year): one cross-section of growth over the span.
    fe : {'twoway', 'unit', 'none'}
        Fixed effects of the panel. A cross-section allows only ``'none'``.
    cluster : {'unit', 'year', 'twoway', 'none'}
        Panel: cluster-robust covariance by unit (default), year, both, or classical ('none').
        Cross-section: ``'unit'`` gives HC1 heteroskedasticity-robust errors (each unit its own
        cluster), ``'none'`` classical errors.
    annualise : bool
        Cross-section only: divide the growth by T (default) or not; selects the λ formula.

    Returns
    -------
    BetaResult

    Notes
    -----
    Growth is computed only between consecutive years of a unit (gaps are reported in the
    notes). Values must be > 0. A conditional specification without controls and without
    fixed effects is the absolute one and is refused.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x0 = rng.uniform(0.5, 3.0, 40)
    >>> x1 = np.exp(np.log(x0) + 10 * (-0.03 * np.log(x0)) + 0.3 + rng.normal(0, 0.01, 40))
    >>> df = pd.DataFrame({"unit": np.tile(np.arange(40).astype(str), 2), "year": np.repeat([2010, 2020], 40),
    ...                    "value": np.r_[x0, x1]})
    >>> res = beta_convergence(df, span="full", fe="none")
    >>> round(res.beta, 3), round(res.lam, 4)
    (-0.03, 0.0362)
    """
    where = "beta_convergence"
    check_option(kind, BetaKind, param="kind", caller=where)
    check_option(fe, FixedEffects, param="fe", caller=where)
    check_option(cluster, Cluster, param="cluster", caller=where)
    controls = [controls] if isinstance(controls, str) else list(controls)
    if kind == "absolute" and controls:
        raise MethodError(f"{where}: absolute β-convergence takes no controls; got controls={controls}. "
                          "Use kind='conditional' to add controls.")
    df = _panel(data, value=value, year=year, unit=unit, extra=controls, where=where)
    _require_positive(df, value, unit, year, where)
    notes: list[str] = []
    params = {"kind": kind, "controls": controls, "span": span, "fe": fe, "cluster": cluster, "annualise": annualise}

    if span is None:
        if kind == "conditional" and not controls and fe == "none":
            raise MethodError(f"{where}: conditional β-convergence needs controls or fixed effects; got controls=[] and fe='none'. "
                              "Pass controls=[...] or fe='twoway'.")
        if kind == "absolute" and fe in ("twoway", "unit"):
            notes.append("Unit fixed effects let every unit converge to its own steady state, so several authors call this "
                         "specification conditional convergence; fe='none' gives the strict absolute test.")
        return _beta_panel(df, value=value, year=year, unit=unit, kind=kind, controls=controls, fe=fe, cluster=cluster,
                           notes=notes, params=params, where=where)
    if fe != "none":
        raise MethodError(f"{where}: fixed effects cannot be estimated in a cross-section (span={span!r}); got fe={fe!r}. "
                          "Pass fe='none' (add controls for conditional convergence) or span=None for the panel.")
    if cluster not in ("unit", "none"):
        raise MethodError(f"{where}: a cross-section has no clusters; got cluster={cluster!r}. Use cluster='unit' (HC1) or 'none'.")
    if kind == "conditional" and not controls:
        raise MethodError(f"{where}: conditional β-convergence in a cross-section needs controls; got controls=[]. "
                          "Pass controls=[...] or kind='absolute'.")
    years = sorted(df[year].unique())
    if span == "full":
        y0, y1 = int(years[0]), int(years[-1])
    else:
        if not (isinstance(span, (tuple, list)) and len(span) == 2 and all(isinstance(v, (int, np.integer)) for v in span)):
            raise MethodError(f"{where}: span must be None, 'full' or a pair of years (y0, y1); got {span!r}. Use e.g. span=(2012, 2022).")
        y0, y1 = int(span[0]), int(span[1])
    if y1 <= y0 or y0 not in years or y1 not in years:
        raise MethodError(f"{where}: span years must be in the data with y0 < y1; got {(y0, y1)} and years {years[0]}–{years[-1]}. "
                          "Choose two years present in the panel.")
    return _beta_cross_section(df, value=value, year=year, unit=unit, kind=kind, controls=controls, y0=y0, y1=y1,
                               cluster=cluster, annualise=annualise, notes=notes, params=params)


def _annual_growth(df: pd.DataFrame, *, value: str, year: str, unit: str, controls: list[str]) -> tuple[pd.DataFrame, int, int]:
    """Annual log growth ln(x_{t+1}/x_t) beside ln x_t; returns the table, the number of gaps and of
    consecutive pairs dropped for a missing value or control."""
    d = df.copy()
    nxt = d.groupby(unit)[[year, value]].shift(-1)
    consecutive = nxt[year] == d[year] + 1
    gaps = int((nxt[year].notna() & ~consecutive).sum())
    ok = consecutive & nxt[value].notna() & d[value].notna()
    d["growth"] = np.where(ok, np.log(nxt[value].where(ok, 1.0)) - np.log(d[value].where(ok, 1.0)), np.nan)
    d["ln_initial"] = np.log(d[value])
    d = d[consecutive]
    n_pairs = len(d)
    d = d.dropna(subset=["growth", "ln_initial", *controls])
    return d, gaps, n_pairs - len(d)


def _panel_index(d: pd.DataFrame, *, unit: str, year: str) -> pd.DataFrame:
    """``d`` indexed by (entity, time) for ``PanelOLS``, the entity being the unit's rank in sorted order.

    The unit labels appear in no output of the panel estimate, only their grouping and order: the
    ranks 0 … N−1 give the MultiIndex the codes that the labels would give (its levels are sorted),
    so the estimates are the same, bit for bit; linearmodels' index operations (uniqueness checks,
    group-bys, takes) are much faster on integers than on text (0.1 s a fit at county scale).
    """
    codes = pd.factorize(d[unit], sort=True)[0]
    return d.assign(**{unit: codes}).set_index([unit, year])


def _beta_panel(df, *, value, year, unit, kind, controls, fe, cluster, notes, params, where) -> BetaResult:
    from linearmodels.panel import PanelOLS

    d, gaps, n_drop_ctrl = _annual_growth(df, value=value, year=year, unit=unit, controls=controls)
    if gaps:
        notes.append(f"{gaps} unit-years are followed by a gap in the years; no annual growth is formed across a gap.")
    if n_drop_ctrl > 0:
        notes.append(f"{n_drop_ctrl} unit-years with a missing value or control were left out.")
    if d[unit].nunique() < 2 or len(d) < len(controls) + 3:
        raise MethodError(f"{where}: too few annual growth observations; got {len(d)} from {d[unit].nunique()} units. "
                          "Pass a panel with at least two consecutive years for several units.")
    d = _panel_index(d, unit=unit, year=year)
    exog_cols = ["ln_initial", *controls]
    exog = d[exog_cols].copy()
    exog.insert(0, "const", 1.0)
    mod = PanelOLS(d["growth"], exog, entity_effects=fe in ("twoway", "unit"), time_effects=fe == "twoway",
                   drop_absorbed=True, check_rank=True)
    if cluster == "none":
        res = mod.fit(cov_type="unadjusted")
        cov = "unadjusted"
    else:
        res = mod.fit(cov_type="clustered", cluster_entity=cluster in ("unit", "twoway"), cluster_time=cluster in ("year", "twoway"))
        cov = f"clustered by {cluster}" if cluster != "twoway" else "clustered by unit and year"
    ci = res.conf_int()
    coefs = _coef_table(res.params.index, res.params, res.std_errors, res.tstats, res.pvalues, ci.iloc[:, 0], ci.iloc[:, 1])
    if "ln_initial" not in res.params.index:
        raise MethodError(f"{where}: ln x_t is absorbed by the fixed effects; got fe={fe!r}. Use more years or fe='unit'.")
    b = float(res.params["ln_initial"])
    se = float(res.std_errors["ln_initial"])
    lam = convergence_speed(b, periods=1.0, annualised=False)
    formula = speed_formula(periods=1, annualised=False)
    if np.isnan(lam) and b < 0:
        notes.append(f"1 + beta = {1 + b:.4g} <= 0: the speed of convergence is undefined.")
    n_periods = int(d.index.get_level_values(year).nunique())
    r2 = float(res.rsquared)
    if fe != "none":
        notes.append("R2 is the within R2 of the fixed-effects model (linearmodels rsquared).")
    row = {
        "kind": kind, "design": "panel (annual growth)", "fe": fe, "cov": cov, "beta": b, "se": se,
        "t": float(res.tstats["ln_initial"]), "p": float(res.pvalues["ln_initial"]),
        "ci_low": float(ci.loc["ln_initial"].iloc[0]), "ci_high": float(ci.loc["ln_initial"].iloc[1]),
        "r2": r2, "n_obs": int(res.nobs), "n_units": int(d.index.get_level_values(unit).nunique()), "n_periods": n_periods,
        "periods": 1.0, "annualised": False, "lambda": lam, "half_life": half_life(lam), "formula": formula,
        "converging": bool(b < 0 and float(res.pvalues["ln_initial"]) < 0.05),
    }
    return BetaResult(table=pd.DataFrame([row]), coefficients=coefs, beta=b, se=se, p=row["p"], lam=lam,
                      half_life=row["half_life"], formula=formula, params=params, notes=notes)


def _beta_cross_section(df, *, value, year, unit, kind, controls, y0, y1, cluster, annualise, notes, params) -> BetaResult:
    import statsmodels.api as sm

    a = df[df[year] == y0].set_index(unit)
    b_ = df[df[year] == y1].set_index(unit)
    units = sorted(set(a.index[a[value].notna()]) & set(b_.index[b_[value].notna()]))
    dropped = sorted((set(a.index) | set(b_.index)) - set(units))
    if dropped:
        notes.append(f"{len(dropped)} units lack a value in {y0} or {y1} and were left out: {dropped[:10]}.")
    T = float(y1 - y0)
    cs = pd.DataFrame(index=units)
    cs["ln_initial"] = np.log(a.loc[units, value])
    growth = np.log(b_.loc[units, value].to_numpy()) - np.log(a.loc[units, value].to_numpy())
    cs["growth"] = growth / T if annualise else growth
    for c in controls:
        cs[c] = a.loc[units, c]
    n0 = len(cs)
    cs = cs.dropna()
    if len(cs) < n0:
        notes.append(f"{n0 - len(cs)} units with a missing control in {y0} were left out.")
    if len(cs) < len(controls) + 3:
        raise MethodError(f"beta_convergence: too few units for the cross-section; got {len(cs)}. Pass more units or fewer controls.")
    X = sm.add_constant(cs[["ln_initial", *controls]])
    res = sm.OLS(cs["growth"], X).fit(cov_type="HC1" if cluster == "unit" else "nonrobust")
    ci = res.conf_int()
    coefs = _coef_table(res.params.index, res.params, res.bse, res.tvalues, res.pvalues, ci.iloc[:, 0], ci.iloc[:, 1])
    beta = float(res.params["ln_initial"])
    lam = convergence_speed(beta, periods=T, annualised=annualise)
    formula = speed_formula(periods=T, annualised=annualise)
    if np.isnan(lam) and beta < 0:
        notes.append("1 + beta*T <= 0 (or 1 + beta <= 0): the speed of convergence is undefined.")
    row = {
        "kind": kind, "design": f"cross-section {y0}–{y1}", "fe": "none", "cov": "HC1" if cluster == "unit" else "nonrobust",
        "beta": beta, "se": float(res.bse["ln_initial"]), "t": float(res.tvalues["ln_initial"]),
        "p": float(res.pvalues["ln_initial"]), "ci_low": float(ci.loc["ln_initial", 0]), "ci_high": float(ci.loc["ln_initial", 1]),
        "r2": float(res.rsquared), "n_obs": int(res.nobs), "n_units": int(res.nobs), "n_periods": 2, "periods": T,
        "annualised": bool(annualise), "lambda": lam, "half_life": half_life(lam), "formula": formula,
        "converging": bool(beta < 0 and float(res.pvalues["ln_initial"]) < 0.05),
    }
    return BetaResult(table=pd.DataFrame([row]), coefficients=coefs, beta=beta, se=row["se"], p=row["p"], lam=lam,
                      half_life=row["half_life"], formula=formula, params=params, notes=notes)
