"""Hansen (1999) fixed-effect panel threshold regression (面板门槛模型), hand-written.

No maintained Python library estimates this model (Stata users run ``xthreg``), so it
is written here from the paper, each step a small pure function:

    y_it = μ_i + β_1' x_it I(q_it ≤ γ_1) + β_2' x_it I(γ_1 < q_it ≤ γ_2) + … + δ' z_it + e_it

Reference: Hansen, B. E. (1999). Threshold effects in non-dynamic panels: Estimation,
testing, and inference. *Journal of Econometrics* 93(2), 345–368.

* §2: within transformation; γ̂ = argmin_γ S_1(γ) over a grid of observed values of q
  (the smallest and largest ``trim`` share of observations excluded from each regime).
* §3.1: F_1 = (S_0 − S_1(γ̂)) / σ̂², σ̂² = S_1(γ̂) / (n(T − 1)).
* §3.2: bootstrap p-value: regressors and q fixed, the unit vectors of within residuals
  of the alternative model resampled with replacement, y* generated under the null.
* §3.3: LR_1(γ) = (S_1(γ) − S_1(γ̂)) / σ̂²; the 1 − α confidence region is
  {γ : LR_1(γ) ≤ c(α)}, c(α) = −2 ln(1 − √(1 − α)) (7.35 at 95 %).
* §5: multiple thresholds estimated sequentially with the refinement of Bai (1997)
  (re-estimate the first threshold given the second); F_2 tests one against two
  thresholds with a bootstrap under the one-threshold model; and so on.

Computation: the regime-split regressors ``x·I(q ≤ γ)`` for all grid points are
within-demeaned at once and the SSR follows from the Frisch–Waugh–Lovell theorem,
``S(γ) = e'e − r'(A'A)^{-1} r`` with ``A = M_W (x I(q ≤ γ))*`` and ``r = A'e``, where
``W`` holds the regressors common to every grid point.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from .fe import PanelRegression, _fit_fixest, _from_fixest
from .spec import design_matrix, regression_frame

__all__ = [
    "ThresholdResult",
    "panel_threshold",
    "lr_critical_value",
    "threshold_f_statistic",
    "within_demean",
    "ssr_profile",
    "ThresholdEffects",
]

ThresholdEffects = Literal["unit", "twoway"]


# ----------------------------------------------------------------------------- pure functions


def lr_critical_value(alpha: float) -> float:
    """Critical value of the threshold LR statistic, Hansen (1999) eq. (3.8)/(3.9).

    ``c(α) = −2 ln(1 − √(1 − α))``.

    Examples
    --------
    >>> round(lr_critical_value(0.05), 2)
    7.35
    """
    return -2.0 * math.log(1.0 - math.sqrt(1.0 - alpha))


def threshold_f_statistic(s_null: float, s_alt: float, n_resid: int) -> float:
    """Hansen (1999) eq. (3.5): ``F = (S_0 − S_1) / σ̂²`` with ``σ̂² = S_1 / (n(T − 1))``.

    ``n_resid`` is ``n(T − 1)``, the number of within residual degrees of freedom.

    Examples
    --------
    >>> threshold_f_statistic(12.0, 10.0, 100)
    20.0
    """
    return (s_null - s_alt) / (s_alt / n_resid)


def within_demean(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Subtract the group (unit) mean from every column: Hansen (1999) eq. (2.3).

    Examples
    --------
    >>> within_demean(np.array([[1.0], [3.0], [5.0]]), np.array([0, 0, 1])).ravel().tolist()
    [-1.0, 1.0, 0.0]
    """
    v = np.asarray(values, dtype=float)
    g = np.asarray(groups)
    n_g = int(g.max()) + 1
    S = sparse.csr_matrix((np.ones(len(g)), (np.arange(len(g)), g)), shape=(len(g), n_g))
    counts = np.asarray(S.sum(axis=0)).ravel()
    means = (S.T @ v) / counts[:, None] if v.ndim == 2 else (S.T @ v) / counts
    return v - S @ means


def _resid(W: np.ndarray, y: np.ndarray) -> np.ndarray:
    if W.shape[1] == 0:
        return y
    beta, *_ = np.linalg.lstsq(W, y, rcond=None)
    return y - W @ beta


def ssr_profile(y: np.ndarray, W: np.ndarray, D: np.ndarray) -> np.ndarray:
    """SSR of ``y`` on ``[W, D_g]`` for every grid point g (Frisch–Waugh–Lovell).

    Parameters
    ----------
    y : (n,) within-demeaned dependent variable.
    W : (n, p) within-demeaned regressors common to every grid point.
    D : (G, n, k) within-demeaned regime regressors ``(x I(q ≤ γ_g))*``.

    Returns
    -------
    (G,) array: ``S(γ_g) = e'e − r'(A'A)^{-1} r``, ``A = M_W D_g``, ``r = A'e``, ``e = M_W y``.
    Grid points with a singular ``A'A`` get ``+inf``.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 5.0])
    >>> D = np.array([[[1.0], [1.0], [0.0], [0.0]]])  # one grid point: a regime dummy
    >>> ssr_profile(y, np.ones((4, 1)), D).round(6).tolist()  # two group means: 0.5 + 2.0
    [2.5]
    """
    e = _resid(W, y)
    G, n, k = D.shape
    flat = D.transpose(1, 0, 2).reshape(n, G * k)
    A = _resid(W, flat).reshape(n, G, k).transpose(1, 0, 2)  # (G, n, k)
    AtA = np.einsum("gnk,gnl->gkl", A, A)
    r = np.einsum("gnk,n->gk", A, e)
    out = np.full(G, np.inf)
    scale = np.einsum("gkk->gk", AtA).max(axis=1)
    ok = np.linalg.cond(AtA) < 1e12 if G else np.array([], bool)
    ok &= scale > 0
    if ok.any():
        sol = np.linalg.solve(AtA[ok], r[ok][..., None])[..., 0]
        out[ok] = float(e @ e) - np.einsum("gk,gk->g", r[ok], sol)
    return out


# ----------------------------------------------------------------------------- the search


@dataclass
class _Problem:
    y: np.ndarray          # within-demeaned y (n,)
    x: np.ndarray          # raw threshold-dependent regressors (n, k)
    Z: np.ndarray          # within-demeaned common regressors incl. x* (n, p)
    q: np.ndarray          # threshold variable (n,)
    groups: np.ndarray     # unit codes (n,)
    grid: np.ndarray       # candidate thresholds
    min_n: int             # minimum observations per regime
    n_resid: int           # n(T-1) minus year dummies
    cache: dict = field(default_factory=dict)


def _regime_ok(q: np.ndarray, thresholds: Sequence[float], min_n: int) -> bool:
    edges = np.sort(np.asarray(thresholds, float))
    counts = np.bincount(np.searchsorted(edges, q, side="left"), minlength=len(edges) + 1)
    return bool((counts >= min_n).all())


def _split(p: _Problem, gammas: np.ndarray) -> np.ndarray:
    """(G, n, k) within-demeaned x·I(q ≤ γ) for each γ."""
    ind = (p.q[None, :] <= gammas[:, None]).astype(float)  # (G, n)
    D = ind[:, :, None] * p.x[None, :, :]
    G, n, k = D.shape
    flat = within_demean(D.transpose(1, 0, 2).reshape(n, G * k), p.groups)
    return flat.reshape(n, G, k).transpose(1, 0, 2)


def _fixed_W(p: _Problem, fixed: Sequence[float]) -> np.ndarray:
    if not len(fixed):
        return p.Z
    return np.hstack([p.Z] + [_split(p, np.array([g]))[0] for g in fixed])


def _prepare(p: _Problem, fixed: Sequence[float]) -> tuple:
    """Grid, orthonormal basis of W and the residualised split regressors for given fixed thresholds."""
    key = tuple(sorted(fixed))
    if key in p.cache:
        return p.cache[key]
    cand = np.array([g for g in p.grid if g not in fixed and _regime_ok(p.q, list(fixed) + [g], p.min_n)])
    Q, _ = np.linalg.qr(_fixed_W(p, fixed))
    if len(cand) == 0:
        out = (cand, Q, None, None, None)
    else:
        D = _split(p, cand)
        G, n, k = D.shape
        flat = D.transpose(1, 0, 2).reshape(n, G * k)
        A = (flat - Q @ (Q.T @ flat)).reshape(n, G, k).transpose(1, 0, 2)
        AtA = np.einsum("gnk,gnl->gkl", A, A)
        ok = np.linalg.cond(AtA) < 1e12
        inv = np.zeros_like(AtA)
        if ok.any():
            inv[ok] = np.linalg.inv(AtA[ok])
        out = (cand, Q, A, inv, ok)
    if len(p.cache) < 4 or key == ():
        p.cache[key] = out
    return out


def _search(p: _Problem, y: np.ndarray, fixed: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Profile SSR over the grid for one more threshold given ``fixed`` ones (FWL, see ``ssr_profile``)."""
    cand, Q, A, inv, ok = _prepare(p, fixed)
    if len(cand) == 0:
        return cand, np.array([])
    e = y - Q @ (Q.T @ y)
    r = np.einsum("gnk,n->gk", A, e)
    s = float(e @ e) - np.einsum("gk,gkl,gl->g", r, inv, r)
    return cand, np.where(ok, s, np.inf)


def _ssr_at(p: _Problem, y: np.ndarray, thresholds: Sequence[float]) -> float:
    W = _fixed_W(p, thresholds)
    e = _resid(W, y)
    return float(e @ e)


def _estimate(p: _Problem, y: np.ndarray, m: int) -> list[float]:
    """Sequential estimation of m thresholds with Bai (1997) refinement, Hansen (1999) §5."""
    thresholds: list[float] = []
    for j in range(m):
        cand, s = _search(p, y, thresholds)
        if len(cand) == 0 or not np.isfinite(s).any():
            raise MethodError(
                f"panel_threshold: no admissible grid point for threshold {j + 1}; got {len(cand)} candidates. "
                "Lower trim= or the number of thresholds."
            )
        thresholds.append(float(cand[int(np.argmin(s))]))
        if j >= 1:  # refinement: re-estimate each earlier threshold given the others
            for i in range(j):
                others = [t for k, t in enumerate(thresholds) if k != i]
                cand, s = _search(p, y, others)
                thresholds[i] = float(cand[int(np.argmin(s))])
    return thresholds


def _boot_f(p: _Problem, m: int, rng: np.random.Generator, reps: int, f_obs: float) -> tuple[float, np.ndarray]:
    """Bootstrap p-value of F_m (m − 1 against m thresholds), Hansen (1999) §3.2."""
    th_alt = _estimate(p, p.y, m)
    W_alt = _fixed_W(p, th_alt)
    e_alt = _resid(W_alt, p.y)
    th_null = _estimate(p, p.y, m - 1) if m > 1 else []
    W_null = _fixed_W(p, th_null)
    beta_null, *_ = np.linalg.lstsq(W_null, p.y, rcond=None)
    fit_null = W_null @ beta_null
    units = np.unique(p.groups)
    rows = [np.flatnonzero(p.groups == u) for u in units]
    E = np.stack([e_alt[r] for r in rows])  # (n_units, T)
    out = np.empty(reps)
    for b in range(reps):
        draw = E[rng.integers(0, len(units), len(units))]
        e_star = np.empty_like(p.y)
        for i, r in enumerate(rows):
            e_star[r] = draw[i]
        y_star = fit_null + e_star
        th0 = _estimate(p, y_star, m - 1) if m > 1 else []
        s0 = _ssr_at(p, y_star, th0)
        cand, s = _search(p, y_star, th0)
        s1 = float(np.min(s))
        out[b] = threshold_f_statistic(s0, s1, p.n_resid)
    return float(np.mean(out >= f_obs)), out


# ----------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class ThresholdResult(Result):
    """Hansen (1999) panel threshold model.

    Attributes
    ----------
    tests : DataFrame ``hypothesis, F, p_value, crit_10, crit_5, crit_1, reps`` — one row per
        sequential test (0 vs 1, 1 vs 2 … thresholds).
    n_thresholds : number of thresholds chosen (sequential tests at ``alpha``).
    thresholds : DataFrame ``threshold, estimate, ci_lower, ci_upper, lr_crit`` for the chosen model.
    lr_profile : DataFrame ``threshold, gamma, lr`` (the LR curve of each threshold, for plotting).
    model : PanelRegression of the chosen model (regime-split regressors, unit FE, clustered SE).
    q : threshold variable. x : regime-dependent regressors. seed, reps, trim, alpha.
    """

    kind = "threshold"

    tests: pd.DataFrame
    n_thresholds: int
    thresholds: pd.DataFrame
    lr_profile: pd.DataFrame
    model: PanelRegression | None
    q: str
    x: tuple[str, ...]
    seed: int | None
    reps: int
    trim: float
    alpha: float
    notes: tuple[str, ...] = ()
    boot_f: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        out = {"tests": self.tests, "thresholds": self.thresholds}
        if self.model is not None:
            out["coefficients"] = self.model.tables()["coefficients"]
        out["lr_profile"] = self.lr_profile
        return out

    def summary(self) -> Summary:
        rows = [("threshold variable", self.q), ("regime-dependent", ", ".join(self.x)),
                ("thresholds chosen", self.n_thresholds), ("bootstrap reps", self.reps), ("trim", self.trim), ("seed", self.seed)]
        tabs = {"tests": self.tests.set_index("hypothesis"), "thresholds": self.thresholds}
        if self.model is not None:
            tabs["coefficients"] = self.model.tables()["coefficients"].set_index("term")
        return Summary(title="Panel threshold regression (Hansen 1999)", rows=rows, tables=tabs, notes=list(self.notes))


@validate_params(
    {
        "n_thresholds": [Interval(numbers.Integral, 1, 3)],
        "trim": [Interval(numbers.Real, 0.0, 0.3, closed="neither")],
        "grid": [Interval(numbers.Integral, 10, None)],
        "reps": [Interval(numbers.Integral, 0, None)],
        "alpha": [Interval(numbers.Real, 0.0, 1.0, closed="neither")],
    }
)
def panel_threshold(
    data: Any,
    *,
    y: str,
    x: Sequence[str],
    q: str,
    controls: Sequence[str] = (),
    n_thresholds: int = 1,
    fe: ThresholdEffects = "unit",
    trim: float = 0.01,
    grid: int = 300,
    reps: int = 300,
    alpha: float = 0.05,
    seed: int | None = 0,
    years: tuple[int, int] | None = None,
    drop_units: Sequence[str] = (),
    extra: pd.DataFrame | None = None,
) -> ThresholdResult:
    """Fixed-effect panel threshold regression (Hansen 1999), 门槛效应检验.

    Parameters
    ----------
    data
        IndexResult, long panel or wide frame; the panel must be balanced (Hansen's bootstrap
        resamples whole unit residual vectors).
    y, x, q, controls
        Dependent variable; regressors whose coefficients switch between regimes (usually the
        core explanatory variable); the threshold variable (e.g. ``"log(raw:gdp_pc)"``); controls
        with regime-invariant coefficients.
    n_thresholds
        Largest number of thresholds tested (1–3); tests run sequentially.
    fe
        ``"unit"`` (Hansen's model) or ``"twoway"`` (adds year dummies, as ``xthreg`` with ``i.year``).
    trim
        Share of observations each regime must at least hold (Hansen: 1 %; ``xthreg trim(0.01)``).
    grid
        Number of candidate thresholds (quantiles of q among admissible values; ``xthreg grid(300)``).
    reps
        Bootstrap replications per test (Hansen: 300). ``0`` skips the tests (p-values NaN).
    alpha
        Level of the tests that choose the number of thresholds and of the LR confidence intervals.
    seed
        Seed of the bootstrap.

    Returns
    -------
    ThresholdResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> n, T = 40, 8
    >>> unit = np.repeat(np.arange(n), T); year = np.tile(np.arange(2010, 2010 + T), n)
    >>> qv = rng.uniform(0, 1, n * T); xv = rng.normal(size=n * T)
    >>> yv = rng.normal(size=n)[unit] + np.where(qv <= 0.5, 1.0, 2.0) * xv + rng.normal(scale=0.5, size=n * T)
    >>> d = pd.DataFrame({"unit": unit.astype(str), "year": year, "y": yv, "x": xv, "q": qv})
    >>> res = panel_threshold(d, y="y", x=["x"], q="q", reps=50, grid=100, seed=1)
    >>> res.n_thresholds, round(float(res.thresholds["estimate"].iloc[0]), 1)
    (1, 0.5)
    """
    check_option(fe, ThresholdEffects, param="fe", caller="panel_threshold")
    where = "panel_threshold"
    x = list(x)
    terms = list(dict.fromkeys(x + list(controls) + [q]))
    frame = regression_frame(data, extra=extra)
    design, n_drop = design_matrix(frame, y=y, terms=terms, years=years, drop_units=[str(u) for u in drop_units])
    if len(design) == 0:
        raise DataError(f"{where}: no complete unit-year rows; got 0 rows. Check missing values in {[y] + terms}.")
    counts = design.groupby("unit").size()
    years_n = design["year"].nunique()
    if (counts != years_n).any():
        short = counts[counts != years_n].index.tolist()[:5]
        raise DataError(
            f"{where}: the panel must be balanced (Hansen 1999); got {int((counts != years_n).sum())} units with missing years, e.g. {short}. "
            "Restrict years= or drop_units= to a balanced sub-panel, or impute first."
        )
    design = design.sort_values(["unit", "year"]).reset_index(drop=True)
    groups = pd.factorize(design["unit"], sort=True)[0]
    n = len(design)
    n_units = int(groups.max()) + 1
    yv = within_demean(design[y].to_numpy(float), groups)
    xr = design[x].to_numpy(float)
    common = [within_demean(design[list(dict.fromkeys(x + [c for c in controls if c not in x]))].to_numpy(float), groups)]
    n_year_dummies = 0
    if fe == "twoway":
        yd = pd.get_dummies(design["year"], drop_first=True, dtype=float).to_numpy()
        common.append(within_demean(yd, groups))
        n_year_dummies = yd.shape[1]
    Z = np.hstack(common)
    qv = design[q].to_numpy(float)
    min_n = max(1, int(math.ceil(trim * n)))
    qs = np.sort(qv)
    lo, hi = qs[min_n - 1], qs[n - min_n - 1] if n - min_n - 1 >= 0 else qs[-1]
    adm = np.unique(qs[(qs >= lo) & (qs <= hi)])
    if len(adm) > grid:
        adm = np.unique(np.quantile(adm, np.linspace(0, 1, grid), method="nearest"))
    prob = _Problem(y=yv, x=xr, Z=Z, q=qv, groups=groups, grid=adm, min_n=min_n, n_resid=n - n_units - n_year_dummies)
    if len(adm) < 3:
        raise MethodError(
            f"{where}: the threshold variable {q!r} has too few distinct admissible values"
            f"; got {len(adm)}. Use a continuous q or lower trim=."
        )
    rng = np.random.default_rng(seed)
    tests = []
    boot = {}
    chosen = 0
    stop = False
    for m in range(1, n_thresholds + 1):
        th_null = _estimate(prob, yv, m - 1) if m > 1 else []
        s0 = _ssr_at(prob, yv, th_null)
        _, s_grid = _search(prob, yv, th_null)
        s1 = float(np.min(s_grid))
        f = threshold_f_statistic(s0, s1, prob.n_resid)
        if reps > 0:
            p, fb = _boot_f(prob, m, rng, reps, f)
            crit = np.quantile(fb, [0.90, 0.95, 0.99])
            boot[f"{m - 1}_vs_{m}"] = fb.tolist()
        else:
            p, crit = float("nan"), [float("nan")] * 3
        tests.append({"hypothesis": f"{m - 1} vs {m}", "F": f, "p_value": p, "crit_10": crit[0], "crit_5": crit[1],
                      "crit_1": crit[2], "reps": reps})
        if not stop and (reps == 0 or p < alpha):
            chosen = m
        else:
            stop = True
    notes = [
        "Hansen (1999) fixed-effect threshold model; thresholds searched over observed values of "
        f"{q!r} ({len(adm)} grid points, at least {min_n} observations per regime).",
        f"Bootstrap p-values: {reps} replications, unit residual vectors resampled, seed {seed}.",
    ]
    if reps == 0:
        notes.append("reps=0: no bootstrap; the number of thresholds is set to n_thresholds without testing.")
    if n_drop:
        notes.append(f"{n_drop} unit-years dropped for missing values.")
    if chosen == 0:
        notes.append(f"No threshold effect at the {alpha:g} level: the linear FE model is not rejected.")
    m_report = max(chosen, 1)
    th = _estimate(prob, yv, m_report)
    crit = lr_critical_value(alpha)
    s_hat = _ssr_at(prob, yv, th)
    sig2 = s_hat / prob.n_resid
    th_rows, prof_rows = [], []
    for i, g in enumerate(th):
        others = [t for k, t in enumerate(th) if k != i]
        cand, s = _search(prob, yv, others)
        lr = (s - s_hat) / sig2
        inside = cand[lr <= crit]
        th_rows.append({"threshold": i + 1, "estimate": g, "ci_lower": float(inside.min()) if len(inside) else g,
                        "ci_upper": float(inside.max()) if len(inside) else g, "lr_crit": crit})
        prof_rows += [{"threshold": i + 1, "gamma": float(c), "lr": float(v)} for c, v in zip(cand, lr)]
    if chosen == 0:
        notes.append("The threshold table shows the single-threshold estimate for reference only.")
    model = _regime_model(design, y=y, x=x, q=q, controls=list(controls), thresholds=sorted(th) if chosen else [], fe=fe)
    return ThresholdResult(
        tests=pd.DataFrame(tests), n_thresholds=chosen, thresholds=pd.DataFrame(th_rows).sort_values("estimate").reset_index(drop=True),
        lr_profile=pd.DataFrame(prof_rows), model=model, q=q, x=tuple(x), seed=seed, reps=reps, trim=trim, alpha=alpha,
        notes=tuple(notes), boot_f=boot,
    )


def _regime_model(design: pd.DataFrame, *, y: str, x: list[str], q: str, controls: list[str], thresholds: list[float], fe: str) -> PanelRegression:
    """Final regime-split FE regression with unit-clustered standard errors (for the table)."""
    d = design.copy()
    edges = [-np.inf] + list(thresholds) + [np.inf]
    terms: list[str] = []
    for j in range(len(edges) - 1):
        ind = (d[q] > edges[j]) & (d[q] <= edges[j + 1])
        for v in x:
            if len(thresholds):
                lo = "" if j == 0 else f"{edges[j]:.4g} < "
                hi = "" if j == len(edges) - 2 else f" ≤ {edges[j + 1]:.4g}"
                name = f"{v} × I({lo}{q}{hi})" if (lo or hi) else v
            else:
                name = v
            d[name] = d[v] * ind
            terms.append(name)
    terms += [c for c in controls if c not in terms and c not in x]
    fit, names = _fit_fixest(d, y=y, terms=terms, absorb=["unit", "year"] if fe == "twoway" else ["unit"], cluster="unit", ssc="stata")
    res = _from_fixest(fit, names, terms)
    return PanelRegression(
        name="threshold", y=y, terms=tuple(terms), params=res["params"], std_errors=res["se"], tstats=res["t"], pvalues=res["p"],
        cov=res["cov"], nobs=len(d), n_units=int(d["unit"].nunique()), n_years=int(d["year"].nunique()), r2=res["r2"],
        r2_within=res["r2_within"], estimator="fe", fe="twoway" if fe == "twoway" else "unit", cluster="unit", ssc="stata",
        n_clusters=(int(d["unit"].nunique()),), df_resid=res["df"], key_terms=tuple(terms[: len(x) * (len(thresholds) + 1)]),
        notes=("Regime-split coefficients; standard errors clustered by unit (Stata small-sample correction).",),
    )
