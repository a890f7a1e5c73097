"""Heterogeneity (异质性分析): the same model by region group or typology type, with tests of equal coefficients.

Two tests of "the coefficients of the key regressors are equal across groups":

``"interaction"`` (default)
    One pooled regression with group-specific slopes ``x · 1[group = g]`` for every
    key regressor and group (controls, fixed effects and clustering as in the group
    models; group dummies added when the group varies within units). Wald test of
    ``R b = 0``, R stacking the differences from the first group:
    ``W = (Rb)'(R V R')^{-1}(Rb)``, ``F = W / q`` with ``(q, G − 1)`` degrees of freedom
    under clustering (Wooldridge 2010, §4.2.3). Unlike separate regressions, the
    controls have common coefficients.
``"permutation"`` (two groups)
    Fisher's permutation test of the difference of the separately estimated
    coefficients (连玉君、廖俊平 2017, 郑州航空工业管理学院学报 35(4); Stata ``bdiff``):
    group labels are permuted across units ``reps`` times; p-value = share of
    |d*| ≥ |d|.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from .fe import PanelRegression, _fit_fixest, _fit_frame, _from_fixest
from .mediation import _demean
from .spec import ClusterBy, FixedEffects, ModelSpec, SmallSample, design_matrix, regression_frame

__all__ = ["HeterogeneityResult", "heterogeneity", "wald_equality", "EqualityTest"]

EqualityTest = Literal["interaction", "permutation"]


def wald_equality(b: np.ndarray, V: np.ndarray, n_groups: int, n_terms: int) -> tuple[float, int]:
    """Wald statistic of equal coefficients across groups.

    ``b`` stacks the coefficients group by group (``n_groups × n_terms``), ``V`` is their
    covariance. R takes the differences of every group from the first:
    ``W = (Rb)' (R V R')^{-1} (Rb)``, q = (n_groups − 1) · n_terms restrictions.

    Examples
    --------
    >>> w, q = wald_equality(np.array([1.0, 2.0]), np.diag([0.25, 0.25]), 2, 1)
    >>> w, q
    (2.0, 1)
    """
    q = (n_groups - 1) * n_terms
    R = np.zeros((q, n_groups * n_terms))
    r = 0
    for g in range(1, n_groups):
        for k in range(n_terms):
            R[r, k] = -1.0
            R[r, g * n_terms + k] = 1.0
            r += 1
    d = R @ np.asarray(b, float)
    M = R @ np.asarray(V, float) @ R.T
    return float(d @ np.linalg.solve(M, d)), q


@dataclass(frozen=True, eq=False)
class HeterogeneityResult(Result):
    """Group-wise regressions and equality tests.

    Attributes
    ----------
    by : grouping column. groups : group labels in order. models : one PanelRegression per group.
    equality : DataFrame ``term, statistic, df1, df2, p_value, method`` (one row per key term and a
        ``joint`` row for the interaction test).
    pooled : the pooled interaction model (``test="interaction"``), else None.
    """

    kind = "heterogeneity"

    by: str
    groups: tuple[str, ...]
    models: tuple[PanelRegression, ...]
    equality: pd.DataFrame
    method: str
    pooled: PanelRegression | None = None
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        rows = []
        for g, m in zip(self.groups, self.models):
            for t in m.key_terms:
                rows.append({"group": g, "term": t, "coef": m.params[t], "std_error": m.std_errors[t], "p_value": m.pvalues[t], "nobs": m.nobs})
        return {"coefficients": pd.DataFrame(rows), "equality": self.equality}

    def summary(self) -> Summary:
        t = self.tables()
        return Summary(title=f"Heterogeneity by {self.by}", rows=[("groups", ", ".join(self.groups)), ("test", self.method)],
                       tables={"coefficients": t["coefficients"].set_index(["group", "term"]), "equality": self.equality.set_index("term")},
                       notes=list(self.notes))


@validate_params({"reps": [Interval(numbers.Integral, 1, None)], "min_units": [Interval(numbers.Integral, 2, None)]})
def heterogeneity(
    data: Any,
    *,
    y: str,
    x: Sequence[str],
    by: str,
    controls: Sequence[str] = (),
    groups: Sequence[str] | None = None,
    fe: FixedEffects = "twoway",
    cluster: ClusterBy = "unit",
    ssc: SmallSample = "stata",
    test: EqualityTest = "interaction",
    reps: int = 500,
    seed: int | None = 0,
    min_units: int = 3,
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    extra: pd.DataFrame | None = None,
) -> HeterogeneityResult:
    """Fit the same model in every group of ``by`` and test equal coefficients of ``x``.

    Parameters
    ----------
    by
        Group column of the frame (``region4``, ``belt3``, a typology column passed in ``extra``).
    groups
        Groups to use and their order (default: all, sorted).
    test
        ``"interaction"`` (Wald test in a pooled model) or ``"permutation"`` (Fisher permutation
        test of the difference, two groups only).
    reps, seed
        Permutations and their seed (``test="permutation"``).
    min_units
        Groups with fewer units are left out (noted).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n, T = 40, 6
    >>> unit = np.repeat(np.arange(n), T); year = np.tile(np.arange(T), n)
    >>> g = np.where(unit < 20, "east", "west")
    >>> xv = rng.normal(size=n * T); yv = np.where(g == "east", 1.0, 0.0) * xv + rng.normal(size=n * T)
    >>> d = pd.DataFrame({"unit": unit.astype(str), "year": year, "y": yv, "x": xv, "region": g})
    >>> res = heterogeneity(d, y="y", x=["x"], by="region")
    >>> bool(res.equality.set_index("term").loc["joint", "p_value"] < 0.01)
    True
    """
    from scipy import stats  # here, not at import: scipy.stats takes ~0.8 s to import
    for v, lit, p in ((fe, FixedEffects, "fe"), (cluster, ClusterBy, "cluster"), (ssc, SmallSample, "ssc"), (test, EqualityTest, "test")):
        check_option(v, lit, param=p, caller="heterogeneity")
    where = "heterogeneity"
    x = list(x)
    controls = [c for c in controls if c not in x]
    frame = regression_frame(data, extra=extra)
    if by not in frame.columns:
        raise DataError(
            f"{where}: group column {by!r} is not in the frame; got columns {list(frame.columns)[:12]}. "
            "Pass it in extra= or use a units group column such as 'region4'."
        )
    design, n_drop = design_matrix(frame, y=y, terms=x + controls, years=years, drop_units=[str(u) for u in drop_units], keep=[by])
    design = design[design[by].notna()].copy()
    design[by] = design[by].astype(str)
    present = sorted(design[by].unique())
    if groups is None:
        groups = present
    groups = [str(g) for g in groups]
    unknown = [g for g in groups if g not in present]
    if unknown:
        raise DataError(f"{where}: groups {unknown} do not occur in {by!r}; got {present}. Use groups from the data.")
    notes = []
    n_units = design.groupby(by)["unit"].nunique()
    small = [g for g in groups if n_units.get(g, 0) < min_units]
    if small:
        notes.append(f"Groups {small} have fewer than {min_units} units and were left out.")
    groups = [g for g in groups if g not in small]
    if len(groups) < 2:
        raise MethodError(
            f"{where}: at least two groups with {min_units}+ units are needed"
            f"; got {groups}. Use a coarser grouping."
        )
    design = design[design[by].isin(groups)].reset_index(drop=True)
    models = []
    for g in groups:
        sub = design[design[by] == g]
        models.append(_fit_frame(sub, ModelSpec(name=g, y=y, x=x, controls=controls, fe=fe, cluster=cluster, ssc=ssc)))
    rows = []
    pooled = None
    if test == "interaction":
        d = design.copy()
        slope_terms = []
        for g in groups:
            ind = (d[by] == g).astype(float)
            for t in x:
                name = f"{t} × [{by}={g}]"
                d[name] = d[t] * ind
                slope_terms.append(name)
        varies = (d.groupby("unit")[by].nunique() > 1).any()
        dummies = []
        if varies or fe in ("year", "none"):
            for g in groups[1:]:
                name = f"[{by}={g}]"
                d[name] = (d[by] == g).astype(float)
                dummies.append(name)
        terms = slope_terms + dummies + controls
        absorb = {"twoway": ["unit", "year"], "unit": ["unit"], "year": ["year"], "none": []}[fe]
        fit, names = _fit_fixest(d, y=y, terms=terms, absorb=absorb, cluster=cluster, ssc=ssc)
        res = _from_fixest(fit, names, terms)
        missing = [t for t in slope_terms if t not in res["params"].index or not np.isfinite(res["params"][t])]
        if missing:
            raise MethodError(
                f"{where}: group slopes {missing} could not be estimated (collinear)"
                "; got too little variation. Use fewer groups."
            )
        pooled = PanelRegression(
            name="pooled interaction", y=y, terms=tuple(terms), params=res["params"], std_errors=res["se"], tstats=res["t"], pvalues=res["p"],
            cov=res["cov"], nobs=len(d), n_units=int(d["unit"].nunique()), n_years=int(d["year"].nunique()), r2=res["r2"],
            r2_within=res["r2_within"], estimator="fe", fe=fe, cluster=cluster, ssc=ssc,
            n_clusters={"unit": (d["unit"].nunique(),), "year": (d["year"].nunique(),), "none": (),
                        "twoway": (d["unit"].nunique(), d["year"].nunique())}[cluster], df_resid=res["df"], key_terms=tuple(slope_terms),
        )
        b = res["params"][slope_terms].to_numpy()
        V = res["cov"].loc[slope_terms, slope_terms].to_numpy()
        df2 = res["df"]
        for k, t in enumerate(x):
            idx = [gi * len(x) + k for gi in range(len(groups))]
            w, q = wald_equality(b[idx], V[np.ix_(idx, idx)], len(groups), 1)
            rows.append({"term": t, "statistic": w / q, "df1": q, "df2": df2, "p_value": float(stats.f.sf(w / q, q, df2)), "method": "Wald F (interaction)"})
        w, q = wald_equality(b, V, len(groups), len(x))
        rows.append({"term": "joint", "statistic": w / q, "df1": q, "df2": df2, "p_value": float(stats.f.sf(w / q, q, df2)), "method": "Wald F (interaction)"})
        notes.append("Equality test: Wald F in a pooled model with group-specific slopes of the key regressors; controls share one coefficient.")
    else:
        if len(groups) != 2:
            raise MethodError(
                f"{where}: the permutation test compares two groups"
                f"; got {len(groups)} groups {groups}. Pass groups=[a, b] or use test='interaction'."
            )
        unit_groups = design.groupby("unit")[by].nunique()
        if (unit_groups > 1).any():
            raise MethodError(
                f"{where}: the permutation test needs a time-invariant group per unit; got units switching group, e.g. "
                f"{unit_groups[unit_groups > 1].index[:3].tolist()}. Use test='interaction'."
            )
        obs = np.array([models[1].params[t] - models[0].params[t] for t in x])
        u_codes = pd.factorize(design["unit"], sort=True)[0]
        yr = pd.factorize(design["year"], sort=True)[0]
        cols = design[[y] + x + controls].to_numpy(float)
        lab_unit = design.groupby("unit")[by].first()
        unit_names = sorted(design["unit"].unique())
        lab = np.array([lab_unit[u] == groups[1] for u in unit_names])
        rng = np.random.default_rng(seed)
        perm = np.empty((reps, len(x)))

        def coefs(mask_units: np.ndarray) -> np.ndarray:
            rows_mask = mask_units[u_codes]
            Z = _demean(cols[rows_mask], u_codes[rows_mask], yr[rows_mask], fe)
            return np.linalg.lstsq(Z[:, 1:], Z[:, 0], rcond=None)[0][: len(x)]

        for r in range(reps):
            p = rng.permutation(lab)
            perm[r] = coefs(p) - coefs(~p)
        for k, t in enumerate(x):
            pval = float(np.mean(np.abs(perm[:, k]) >= abs(obs[k])))
            rows.append({"term": t, "statistic": float(obs[k]), "df1": np.nan, "df2": np.nan, "p_value": pval, "method": f"Fisher permutation ({reps})"})
        notes.append(f"Equality test: Fisher permutation test of b[{groups[1]}] − b[{groups[0]}], {reps} permutations of the unit groups (seed {seed}); statistic = the difference.")
    if n_drop:
        notes.append(f"{n_drop} unit-years dropped for missing values.")
    return HeterogeneityResult(by=by, groups=tuple(groups), models=tuple(models), equality=pd.DataFrame(rows), method=test,
                               pooled=pooled, notes=tuple(notes))
