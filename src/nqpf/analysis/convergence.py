"""Convergence analysis: σ-convergence, absolute and conditional β-convergence, spatial
β-convergence and Phillips–Sul club convergence (收敛性分析).

* σ-convergence (methods-reference §6): the dispersion σ_t (standard deviation of the values or
  of their logs) or CV_t falls over t; the trend is tested by OLS of σ_t on t.
* β-convergence (methods-reference §10; Barro & Sala-i-Martin 1992): growth regressed on the
  initial log level, as a pooled annual panel (linearmodels ``PanelOLS``, unit / two-way fixed
  effects, cluster-robust errors) or as a cross-section over a span (statsmodels OLS, HC1).
  The speed λ and the half-life follow the specification:

  - ``λ = −ln(1 + β T) / T`` when the dependent variable is the *annualised* growth over T years;
  - ``λ = −ln(1 + β) / τ`` when it is the *un-annualised* growth over τ years (τ = 1 for an
    annual panel);
  - half-life ``τ½ = ln 2 / λ``.

  Applying the annualised formula to an annual panel (or the reverse) is a known error of some
  software (e.g. R ``REAT``), so the formula used is reported with every estimate.
* Spatial β-convergence: the annual panel as a fixed-effects spatial lag, spatial Durbin or
  spatial error model estimated by maximum likelihood with :func:`nqpf.spatial.fit_spatial_panel`
  (spreg's ``ML_LagFE`` / ``ML_ErrorFE`` estimators; Elhorst 2003; year effects by the Lee & Yu
  2010 transformation), with LeSage–Pace direct / indirect / total effects (:mod:`nqpf.spatial.effects`).
* Club convergence: the log t test and clustering algorithm of Phillips & Sul (2007, 2009).
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from ..spatial.effects import EFFECTS, effects_table, spatial_effects
from ..spatial.panel import FEMethod, fit_spatial_panel
from ..spatial.weights import weights_matrix

__all__ = [
    "BetaKind",
    "FixedEffects",
    "Cluster",
    "SpatialModel",
    "HacMethod",
    "convergence_speed",
    "half_life",
    "speed_formula",
    "dispersion",
    "spatial_impacts",
    "relative_transition",
    "cross_sectional_variation",
    "log_t_test",
    "sigma_convergence",
    "beta_convergence",
    "spatial_beta_convergence",
    "club_convergence",
    "SigmaResult",
    "BetaResult",
    "SpatialBetaResult",
    "ClubResult",
]

BetaKind = Literal["absolute", "conditional"]
FixedEffects = Literal["twoway", "unit", "none"]
Cluster = Literal["unit", "year", "twoway", "none"]
SpatialModel = Literal["lag", "durbin", "error"]
HacMethod = Literal["qs", "newey_west"]


# =========================================================================== formulas
def convergence_speed(beta: float, *, periods: float = 1.0, annualised: bool = False) -> float:
    """Speed of convergence λ implied by a β-convergence coefficient (methods-reference §10).

    ``λ = −ln(1 + β·T) / T`` when the dependent variable is annualised growth over ``T = periods``
    years; ``λ = −ln(1 + β) / τ`` when it is un-annualised growth over ``τ = periods`` years
    (τ = 1 for annual panels). NaN when the logarithm is undefined (1 + βT ≤ 0 or 1 + β ≤ 0).
    A negative λ means divergence.

    Examples
    --------
    >>> round(convergence_speed(-0.05), 6)                      # annual panel
    0.051293
    >>> round(convergence_speed(-0.02, periods=10, annualised=True), 6)
    0.022314
    >>> round(convergence_speed(-0.2, periods=10), 6)           # same data, growth not annualised
    0.022314
    """
    arg = 1.0 + beta * periods if annualised else 1.0 + beta
    if not np.isfinite(arg) or arg <= 0 or periods <= 0:
        return float("nan")
    return float(-math.log(arg) / periods)


def half_life(lam: float) -> float:
    """Half-life ``τ½ = ln 2 / λ`` in years; NaN unless λ > 0 (methods-reference §10).

    Examples
    --------
    >>> round(half_life(0.051293), 3)
    13.513
    """
    if not np.isfinite(lam) or lam <= 0:
        return float("nan")
    return float(math.log(2.0) / lam)


def speed_formula(*, periods: float, annualised: bool) -> str:
    """The formula used for λ, as text for the results tables."""
    if annualised:
        return f"lambda = -ln(1 + beta*T)/T, T = {periods:g} (annualised growth)"
    return f"lambda = -ln(1 + beta)/tau, tau = {periods:g} (un-annualised growth)"


def dispersion(values: Any, *, ddof: int = 0) -> tuple[float, float, float]:
    """Mean, standard deviation and coefficient of variation of one cross-section (methods-reference §6).

    ``σ = sqrt(Σ (x − x̄)² / (n − ddof))``, ``CV = σ / x̄``; NaN values are ignored.

    Examples
    --------
    >>> [round(v, 6) for v in dispersion([1.0, 2.0, 3.0])]
    [2.0, 0.816497, 0.408248]
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size - ddof <= 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    sd = float(x.std(ddof=ddof))
    cv = sd / mean if mean != 0 else float("nan")
    return mean, sd, cv


def spatial_impacts(rho: float, beta: Any, theta: Any, w: Any) -> np.ndarray:
    """LeSage–Pace average direct, indirect and total effects of a spatial lag / Durbin model.

    ``S_k = (I − ρW)^{-1} (β_k I + θ_k W)``; direct = mean of diag S_k, total = mean row sum of
    S_k, indirect = total − direct (LeSage & Pace 2009, ch. 2).

    Parameters
    ----------
    rho : float
    beta, theta : arrays of shape (k,)
        Coefficients of X and of WX (zeros for a lag model).
    w : array of shape (n, n)
        The spatial weights matrix used in the model.

    Returns
    -------
    ndarray of shape (k, 3)
        Columns direct, indirect, total.

    Examples
    --------
    >>> w = np.array([[0, 1.0], [1.0, 0]])
    >>> spatial_impacts(0.5, [1.0], [0.0], w).round(4).tolist()
    [[1.3333, 0.6667, 2.0]]
    """
    return np.column_stack(spatial_effects(rho, beta, theta, w))


def relative_transition(x: Any) -> np.ndarray:
    """Relative transition paths ``h_it = X_it / ((1/N) Σ_i X_it)`` (Phillips & Sul 2007, eq. 9).

    Parameters
    ----------
    x : array of shape (N, T)
        Units in rows, periods in columns (usually the HP-filtered log of the variable).
    """
    x = np.asarray(x, dtype=float)
    return x / x.mean(axis=0, keepdims=True)


def cross_sectional_variation(x: Any) -> np.ndarray:
    """``H_t = (1/N) Σ_i (h_it − 1)²`` (Phillips & Sul 2007, eq. 10), array of shape (T,)."""
    h = relative_transition(x)
    return ((h - 1.0) ** 2).mean(axis=0)


def _pair_variation(x: np.ndarray) -> np.ndarray:
    """``H_t`` (Phillips & Sul 2007, eq. 10) of every pair of adjacent rows ``{i, i+1}`` of ``x`` at once.

    For two units ``h_it = X_it / ((X_it + X_i+1,t) / 2)`` and ``H_t = ((h_it − 1)² + (h_i+1,t − 1)²) / 2``;
    returns an array of shape (N − 1, T), row ``i`` for the pair ``(i, i + 1)``.
    """
    a, b = x[:-1], x[1:]
    m = (a + b) / 2.0
    return ((a / m - 1.0) ** 2 + (b / m - 1.0) ** 2) / 2.0


def _prefix_variation(x: np.ndarray, k_from: int, k_to: int) -> np.ndarray:
    """``H_t`` (Phillips & Sul 2007, eq. 10) of the first ``k`` rows of ``x`` for ``k = k_from, …, k_to − 1``.

    ``H_t(k) = M2_t(k) / (k m_t(k)²)`` with the mean ``m_t(k)`` and the sum of squared deviations
    ``M2_t(k) = Σ_{i≤k} (X_it − m_t(k))²`` of the first k rows (``H = mean((X/m − 1)²) = M2 / (k m²)``).
    Both come from cumulative sums of ``D_it = X_it − c_t`` around the centre ``c_t`` = the mean of
    the first ``k_from`` rows: ``m = c + S1/k``, ``M2 = S2 − S1²/k`` (shifted-data variance; Chan,
    Golub & LeVeque 1983), accurate because every ``m_t(k)`` of the block stays near ``c_t``.
    Returns an array of shape (k_to − k_from, T).
    """
    c = x[:k_from].mean(axis=0)
    d = x[: k_to - 1] - c
    s1 = np.cumsum(d, axis=0)[k_from - 1:]
    s2 = np.cumsum(d * d, axis=0)[k_from - 1:]
    k = np.arange(k_from, k_to, dtype=float)[:, None]
    m = c + s1 / k
    m2 = s2 - s1 * s1 / k
    return m2 / (k * m * m)


def _plus_one_variation(core: np.ndarray, others: np.ndarray) -> np.ndarray:
    """``H_t`` (Phillips & Sul 2007, eq. 10) of the group ``core ∪ {u}`` for every row ``u`` of ``others``.

    With the core's k rows of mean ``m_c`` and sum of squared deviations ``M2_c``, adding one unit
    ``x_u`` (``d = x_u − m_c``) gives the mean ``m = m_c + d / (k + 1)`` and
    ``M2 = M2_c + d² k / (k + 1)`` (Chan, Golub & LeVeque 1983), so ``H_t = M2 / ((k + 1) m²)``.
    Returns an array of shape (len(others), T).
    """
    k = core.shape[0]
    m_c = core.mean(axis=0)
    m2_c = ((core - m_c) ** 2).sum(axis=0)
    d = others - m_c
    m = m_c + d / (k + 1)
    return (m2_c + d * d * (k / (k + 1))) / ((k + 1) * m * m)


def _log_t_periods(n_t: int, r: float, *, where: str = "log_t_test") -> np.ndarray:
    """The periods ``t = [rT] + 1, …, T`` of the log t regression (Phillips & Sul 2007, eq. 26; at least t = 2)."""
    start = max(int(round(n_t * r)) + 1, 2)
    t_idx = np.arange(start, n_t + 1)
    if t_idx.size < 3:
        raise MethodError(
            f"{where}: too few periods for the log t regression; got T = {n_t} with r = {r}, leaving {t_idx.size} "
            "periods. Use a longer panel (T >= 5) or a smaller r."
        )
    return t_idx


def _qs_long_run_variance_batch(e: np.ndarray) -> np.ndarray:
    """The quadratic-spectral long-run variance of every row of ``e`` (shape (m, n)) at once, array of shape (m,).

    The same estimator row by row: ``ρ̂ = Σ e_t e_t+1 / Σ_{t<n} e_t²`` (0 when n ≤ 2 or the
    denominator is 0, then clipped to ±(1 − 1e−8)), ``α̂ = 4ρ̂² / (1 − ρ̂)⁴``, ``S = 1.3221 (α̂ n)^{1/5}``
    and ``LRV = γ̂_0 + 2 Σ_{j=1}^{n−1} k(j / S) γ̂_j`` with ``γ̂_j = Σ_t e_t e_t+j / n`` and the
    quadratic-spectral kernel ``k(x) = 25/(12π²x²) [sin(6πx/5)/(6πx/5) − cos(6πx/5)]``; rows with
    ``α̂ = 0`` get ``γ̂_0`` (Andrews 1991).
    """
    m, n = e.shape
    gamma = np.empty((m, n))
    gamma[:, 0] = np.einsum("ij,ij->i", e, e) / n
    for j in range(1, n):
        gamma[:, j] = np.einsum("ij,ij->i", e[:, :-j], e[:, j:]) / n
    den = np.einsum("ij,ij->i", e[:, :-1], e[:, :-1])
    rho = np.zeros(m)
    if n > 2:
        ok = den > 0
        rho[ok] = gamma[ok, 1] * n / den[ok]
    rho = np.clip(rho, -1.0 + 1e-8, 1.0 - 1e-8)  # only guards the division at |ρ̂| = 1
    alpha = 4.0 * rho**2 / (1.0 - rho) ** 4
    lrv = gamma[:, 0].copy()
    pos = alpha > 0
    if n > 1 and pos.any():
        bw = 1.3221 * (alpha[pos] * n) ** 0.2
        j = np.arange(1, n, dtype=float)
        z = 6.0 * np.pi * (j[None, :] / bw[:, None]) / 5.0
        k = 3.0 / z**2 * (np.sin(z) / z - np.cos(z))
        lrv[pos] += (2.0 * k * gamma[pos, 1:]).sum(axis=1)
    return lrv


def _newey_west_var_b_batch(e: np.ndarray, xx: np.ndarray) -> np.ndarray:
    """HAC variance of the slope for every row of residuals ``e`` (shape (m, n)) of the regression on ``xx``.

    Newey–West with Bartlett weights ``w_l = 1 − l/(L + 1)``, ``L = floor(4 (n/100)^{2/9})`` lags and no
    small-sample correction: ``V = (X'X)⁻¹ [Σ_l w_l (Γ_l + Γ_l')] (X'X)⁻¹``, ``Γ_l = Σ_t x_t e_t e_t−l x_t−l'``
    (Newey & West 1987; statsmodels ``cov_type='HAC'``, ``use_correction=False``); returns ``V[1, 1]``.
    """
    n = e.shape[1]
    lags = int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0)))
    xu = e[:, :, None] * xx[None, :, :]
    s = np.einsum("mti,mtj->mij", xu, xu)
    for lag in range(1, lags + 1):
        g = np.einsum("mti,mtj->mij", xu[:, lag:], xu[:, :-lag])
        s += (1.0 - lag / (lags + 1.0)) * (g + np.swapaxes(g, 1, 2))
    h1 = np.linalg.pinv(xx.T @ xx)[:, 1]
    return np.einsum("i,mij,j->m", h1, s, h1)


def _log_t_batch(h: np.ndarray, t_idx: np.ndarray, *, hac: str) -> dict[str, np.ndarray]:
    """The log t regression (Phillips & Sul 2007, eq. 24–27) for many groups at once.

    Row g of ``h`` (shape (m, T)) is the cross-sectional variation ``H_t`` of one candidate group.
    The regressors ``[1, log t]`` are the same for every group, so the OLS coefficients of
    ``y_g = log(H_1/H_t) − 2 log(log t)`` are one product with the pseudo-inverse of ``[1, log t]``; the
    HAC variance of ``b`` comes from each row of residuals (:func:`_qs_long_run_variance_batch` ×
    ``(X'X)⁻¹[1, 1]``, or :func:`_newey_west_var_b_batch`). Rows whose ``y`` is not finite give NaN.

    Returns
    -------
    dict of arrays of shape (m,): ``b, se, t, a``.
    """
    m = h.shape[0]
    out = {k: np.full(m, np.nan) for k in ("b", "se", "t", "a")}
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(h[:, :1] / h[:, t_idx - 1]) - 2.0 * np.log(np.log(t_idx))[None, :]
    ok = np.isfinite(y).all(axis=1)
    if not ok.any():
        return out
    y = y[ok]
    xx = np.column_stack([np.ones(t_idx.size), np.log(t_idx)])
    coef = np.linalg.pinv(xx) @ y.T                       # (2, m): the least-squares solution of every row
    e = y - (xx @ coef).T
    if hac == "qs":
        var_b = _qs_long_run_variance_batch(e) * np.linalg.inv(xx.T @ xx)[1, 1]
    else:
        var_b = _newey_west_var_b_batch(e, xx)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.where(var_b > 0, np.sqrt(np.where(var_b > 0, var_b, 1.0)), np.nan)
        t = np.where(np.isfinite(se), coef[1] / se, np.nan)
    out["b"][ok], out["a"][ok], out["se"][ok], out["t"][ok] = coef[1], coef[0], se, t
    return out


def log_t_test(x: Any, *, r: float = 0.3, hac: HacMethod = "qs") -> dict[str, float]:
    """Phillips–Sul log t convergence test on a panel X (units × periods).

    Regress ``log(H_1 / H_t) − 2 log(log t) = a + b log t + u_t`` for ``t = [rT] + 1, …, T`` with
    HAC standard errors; convergence is rejected at 5 % when ``t_b < −1.65`` (Phillips & Sul
    2007, eq. 24–27). ``b = 2α`` estimates twice the speed of convergence.

    Parameters
    ----------
    x : array of shape (N, T)
        The (filtered, log) variable, units in rows; all of one sign.
    r : float
        Fraction of the initial periods discarded (0.3 as recommended for T < 50).
    hac : {'qs', 'newey_west'}
        Long-run variance: quadratic-spectral kernel with Andrews' bandwidth (as in the authors'
        GAUSS code and R ``ConvergenceClubs``) or Newey–West (Bartlett, ``floor(4 (n/100)^{2/9})`` lags).

    Returns
    -------
    dict with ``b, se, t, a, n_units, n_periods, converges``.

    Examples
    --------
    >>> t = np.arange(1, 21)
    >>> x = 2.0 + np.array([[0.3], [-0.2], [0.1], [-0.1]]) / t ** 0.5   # four units converging to 2
    >>> res = log_t_test(x)
    >>> round(res["b"], 4), round(res["t"], 2), res["converges"]
    (0.1853, 10.27, True)
    """
    x = np.asarray(x, dtype=float)
    n_units, n_t = x.shape
    t_idx = _log_t_periods(n_t, r)
    res = _log_t_batch(cross_sectional_variation(x)[None, :], t_idx, hac=hac)
    b, se, t, a = (float(res[k][0]) for k in ("b", "se", "t", "a"))
    return {"b": b, "se": se, "t": t, "a": a, "n_units": n_units, "n_periods": n_t,
            "converges": bool(np.isfinite(t) and t > -1.65)}


# =========================================================================== input helpers
def _panel(data: pd.DataFrame, *, value: str, year: str, unit: str, extra: Sequence[str] = (), where: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{where}: data must be a pandas DataFrame; got {type(data).__name__}. Pass a long panel with columns unit, year, value.")
    need = [unit, year, value, *extra]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise DataError(f"{where}: columns {missing} are missing; got columns {list(data.columns)}. "
                        "Pass a long panel (unit, year, value) or name the columns with unit=, year=, value=.")
    df = data[list(dict.fromkeys(need))].copy()
    non_num = [c for c in [value, *extra] if not pd.api.types.is_numeric_dtype(df[c])]
    if non_num:
        raise DataError(f"{where}: columns {non_num} must be numeric. Convert them to numbers first.")
    try:
        df[year] = df[year].astype(int)
    except (TypeError, ValueError):
        raise DataError(f"{where}: the year column {year!r} must hold integers; got e.g. {df[year].iloc[0]!r}. Use calendar years.") from None
    df[unit] = df[unit].astype(str)
    dup = df.duplicated([unit, year])
    if dup.any():
        first = df.loc[dup].iloc[0]
        ex = [str(first[unit]), int(first[year])]
        raise DataError(f"{where}: {int(dup.sum())} rows repeat a (unit, year) pair, e.g. {ex}. Keep one row per unit and year.")
    return df.sort_values([unit, year]).reset_index(drop=True)


def _require_positive(df: pd.DataFrame, value: str, unit: str, year: str, where: str) -> None:
    bad = df[value].notna() & (df[value] <= 0)
    if bad.any():
        ex = [(str(a), int(b), float(c)) for a, b, c in df.loc[bad, [unit, year, value]].head(3).itertuples(index=False)]
        raise DataError(f"{where}: logarithms need values > 0; got {int(bad.sum())} values <= 0 in {value!r}, e.g. {ex}. "
                        "Use a strictly positive index (e.g. min–max to [0.01, 1]) or drop those units.")


# =========================================================================== σ-convergence
@dataclass(frozen=True)
class SigmaResult(Result):
    """σ-convergence: dispersion per year and its trend.

    Attributes
    ----------
    table : DataFrame
        ``year, n, mean, sd, cv, sigma`` — ``sigma`` is the measure tested (sd of the values,
        or of their logs when ``log=True``).
    trend : DataFrame
        OLS of each measure (``sigma``, ``cv``) on year: ``measure, slope, se, t, p, first, last,
        change`` (last / first − 1), ``converging`` (slope < 0 and p < 0.05).
    log, ddof : the options used.
    """

    table: pd.DataFrame
    trend: pd.DataFrame
    log: bool
    ddof: int
    notes: list[str] = field(default_factory=list)
    kind: str = "sigma"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sigma": self.table, "trend": self.trend}

    @property
    def converging(self) -> bool:
        """True when σ_t has a significantly negative trend (5 %)."""
        return bool(self.trend.set_index("measure").loc["sigma", "converging"])

    def summary(self) -> Summary:
        tr = self.trend.set_index("measure")
        rows = [
            ("measure", "sd of ln value" if self.log else "sd of value"),
            ("ddof", self.ddof),
            ("years", f"{int(self.table['year'].min())}–{int(self.table['year'].max())}"),
            ("sigma first → last", f"{tr.loc['sigma', 'first']:.4g} → {tr.loc['sigma', 'last']:.4g}"),
            ("trend slope (per year)", float(tr.loc["sigma", "slope"])),
            ("trend p-value", float(tr.loc["sigma", "p"])),
            ("σ-convergence", "yes" if self.converging else "no"),
        ]
        notes = ["σ-convergence: the dispersion falls over time (methods-reference §6); the trend is an OLS of σ_t on "
                 "the year with classical standard errors (a descriptive test)."] + list(self.notes)
        return Summary(title="σ-convergence (σ收敛)", rows=rows, tables={"by year": self.table, "trend": self.trend}, notes=notes)


def _trend(years: np.ndarray, y: np.ndarray) -> dict[str, float]:
    import statsmodels.api as sm

    ok = np.isfinite(y)
    if ok.sum() < 3:
        return {"slope": np.nan, "se": np.nan, "t": np.nan, "p": np.nan}
    fit = sm.OLS(y[ok], sm.add_constant(years[ok].astype(float))).fit()
    return {"slope": float(fit.params[1]), "se": float(fit.bse[1]), "t": float(fit.tvalues[1]), "p": float(fit.pvalues[1])}


@validate_params({"log": [bool], "ddof": [Interval(numbers.Integral, 0, 1)]})
def sigma_convergence(
    data: pd.DataFrame,
    *,
    value: str = "value",
    year: str = "year",
    unit: str = "unit",
    log: bool = False,
    ddof: int = 0,
) -> SigmaResult:
    """σ-convergence (σ收敛): the cross-sectional dispersion by year and its time trend.

    Parameters
    ----------
    data : DataFrame
        Long panel with columns ``unit, year, value`` (names configurable).
    log : bool
        Measure σ on ln(value) (requires values > 0). Default: σ of the values.
    ddof : int
        0 for the population standard deviation (methods-reference §6), 1 for the sample one.

    Returns
    -------
    SigmaResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcabc"), "year": [2020] * 3 + [2021] * 3,
    ...                    "value": [1.0, 2.0, 3.0, 1.5, 2.0, 2.5]})
    >>> sigma_convergence(df).table[["year", "sd", "cv"]].round(4)
       year      sd      cv
    0  2020  0.8165  0.4082
    1  2021  0.4082  0.2041
    """
    where = "sigma_convergence"
    df = _panel(data, value=value, year=year, unit=unit, where=where)
    notes: list[str] = []
    if log:
        _require_positive(df, value, unit, year, where)
    n_missing = int(df[value].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} missing values were left out of the yearly statistics.")
    rows = []
    for y, g in df.groupby(year, sort=True):
        x = g[value].to_numpy(dtype=float)
        mean, sd, cv = dispersion(x, ddof=ddof)
        sigma = dispersion(np.log(x[~np.isnan(x)]), ddof=ddof)[1] if log else sd
        rows.append({"year": int(y), "n": int(np.isfinite(x).sum()), "mean": mean, "sd": sd, "cv": cv, "sigma": sigma})
    table = pd.DataFrame(rows)
    yrs = table["year"].to_numpy()
    trend_rows = []
    for measure in ("sigma", "cv"):
        s = table[measure].to_numpy(dtype=float)
        tr = _trend(yrs, s)
        fin = s[np.isfinite(s)]
        first, last = (float(fin[0]), float(fin[-1])) if fin.size else (np.nan, np.nan)
        trend_rows.append({"measure": measure, **tr, "first": first, "last": last,
                           "change": last / first - 1 if first else np.nan,
                           "converging": bool(np.isfinite(tr["p"]) and tr["slope"] < 0 and tr["p"] < 0.05)})
    if len(table) < 3:
        notes.append("Fewer than 3 years: the trend regression is not estimated.")
    return SigmaResult(table=table, trend=pd.DataFrame(trend_rows), log=bool(log), ddof=int(ddof), notes=notes)


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
    d = d.set_index([unit, year])
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


# =========================================================================== spatial β
@dataclass(frozen=True)
class SpatialBetaResult(Result):
    """Spatial β-convergence (spatial lag / Durbin / error panel with fixed effects).

    Attributes
    ----------
    table : DataFrame
        One row: ``model, fe, beta, se, z, p``; ``spatial_term`` (``rho``, the spatial
        autoregressive coefficient of the lag and Durbin models, or ``lambda_error`` of the error
        model) with ``spatial_coef, spatial_se, spatial_p``; ``theta`` (Durbin: coefficient of
        W ln x), ``lambda`` (speed), ``half_life``, ``formula``, ``log_likelihood``, ``pseudo_r2``,
        ``n_obs, n_units, n_periods``, ``converging``. The log-likelihood is that of the transformed
        model (after removing the fixed effects).
    coefficients : DataFrame
        ``term, coef, se, z, p`` for every coefficient (including W terms and ρ / λ).
    impacts : DataFrame
        Lag and Durbin models: ``variable, direct, indirect, total`` (LeSage–Pace averages) with
        simulated standard errors and p-values (``*_se``, ``*_p``); empty for the error model.
    """

    table: pd.DataFrame
    coefficients: pd.DataFrame
    impacts: pd.DataFrame
    model: str
    beta: float
    rho: float  # ρ (lag, Durbin) or the spatial error coefficient λ (error model)
    lam: float
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kind: str = "spatial_beta"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"spatial_beta": self.table, "coefficients": self.coefficients, "impacts": self.impacts}

    def summary(self) -> Summary:
        t = self.table.iloc[0]
        rows = [("model", self.model), ("fixed effects", t["fe"]), ("beta", self.beta), ("p", float(t["p"])),
                ("rho" if self.model != "error" else "lambda (spatial error)", self.rho),
                ("speed lambda", self.lam), ("half-life", float(t["half_life"])),
                ("observations", int(t["n_obs"])), ("β-convergence", "yes" if bool(t["converging"]) else "no")]
        tabs = {"coefficients": self.coefficients}
        if len(self.impacts):
            tabs["impacts"] = self.impacts
        method = self.params.get("fe_method", "lee_yu") if t["fe"] == "twoway" else "none"
        year_fx = {"lee_yu": "Year effects are removed by the Lee & Yu (2010) orthonormal transformation across units "
                             "(n − 1 cross-sections per year, exact for a row-standardised W), u",
                   "demean": "Year effects are removed by year demeaning (fe_method='demean': a year constant stays in the "
                             "error term and ρ / λ are biased towards 0), u",
                   "none": "U"}[method]
        notes = ["Maximum-likelihood fixed-effects spatial panel (spreg; Elhorst 2003). " + year_fx
                 + "nit effects by spreg's within-unit transformation; σ² is not corrected for the "
                 "T − 1 degrees of freedom of the unit effects, and with short panels ρ / λ lean towards 0."] + list(self.notes)
        return Summary(title=f"Spatial β-convergence ({self.model})", rows=rows, tables=tabs, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(params=self.params, notes=list(self.notes))
        return d


@validate_params({"draws": [Interval(numbers.Integral, 0, None)], "seed": [Interval(numbers.Integral, 0, None)]})
def spatial_beta_convergence(
    data: pd.DataFrame,
    w: Any,
    *,
    model: SpatialModel = "lag",
    value: str = "value",
    year: str = "year",
    unit: str = "unit",
    controls: Sequence[str] = (),
    fe: Literal["twoway", "unit"] = "twoway",
    fe_method: FEMethod = "lee_yu",
    draws: int = 1000,
    seed: int = 0,
) -> SpatialBetaResult:
    """Spatial β-convergence: annual growth on ln x_t in a fixed-effects spatial panel.

    ``g_t = ρ W g_t + β ln x_t + θ W ln x_t + Zγ + WZδ + μ_i + η_t + ε_t`` (Durbin); the lag model
    drops θ and δ; the error model is ``g_t = β ln x_t + Zγ + μ_i + η_t + u_t``, ``u_t = λ W u_t + ε_t``
    (methods-reference §10; Rey 2001; Elhorst 2003). Estimated by ML with
    :func:`nqpf.spatial.panel.fit_spatial_panel` (spreg's fixed-effects estimators) — the same
    estimator as :func:`nqpf.explain.spatial_panel`.

    Parameters
    ----------
    data : DataFrame
        Balanced long panel ``unit, year, value`` (+ controls) over consecutive years; its units
        must be exactly the units of ``w``.
    w : libpysal W, DataFrame, SpatialWeights or province weights kind name
        Spatial weights (n × n), row-standardised internally (the input is not changed); see
        :func:`nqpf.spatial.weights.panel_weights`.
    model : {'lag', 'durbin', 'error'}
    controls : sequence of str
        Conditional convergence controls (measured at t).
    fe : {'twoway', 'unit'}
        Unit fixed effects, plus year effects for ``'twoway'``.
    fe_method : {'lee_yu', 'demean'}
        How the year effects are removed: the Lee & Yu (2010) orthonormal transformation (exact for
        the row-standardised W) or year demeaning (biased; see :mod:`nqpf.spatial.panel`).
    draws : int
        Draws from the asymptotic distribution of the ML estimates for the standard errors of
        the impacts (LeSage & Pace 2009); 0 skips them.
    seed : int

    Returns
    -------
    SpatialBetaResult

    Notes
    -----
    The speed λ = −ln(1 + β) uses the coefficient β of ln x_t (annual growth, τ = 1). In the lag
    and Durbin models, the direct effect of ln x_t (table ``impacts``) includes feedback through
    neighbours and is also reported.

    Maximum likelihood with unit effects removed by the within transformation is consistent as
    n grows but, with short panels and few units, ρ (and the error-model λ) lean towards 0 —
    in simulations with 40 units and 11 growth years a true 0.4 is estimated at about 0.36 on
    average. The σ² of the ML fit is not corrected for the degrees of freedom of the effects.
    """
    where = "spatial_beta_convergence"
    check_option(model, SpatialModel, param="model", caller=where)
    check_option(fe, Literal["twoway", "unit"], param="fe", caller=where)
    check_option(fe_method, FEMethod, param="fe_method", caller=where)
    controls = [controls] if isinstance(controls, str) else list(controls)
    df = _panel(data, value=value, year=year, unit=unit, extra=controls, where=where)
    _require_positive(df, value, unit, year, where)
    units = sorted(df[unit].unique())
    ids, wmat = weights_matrix(w, units, where=where)
    years = sorted(df[year].unique())
    if years != list(range(years[0], years[-1] + 1)):
        raise DataError(f"{where}: years must be consecutive; got {years}. Fill the gaps or restrict the years.")
    wide = df.pivot(index=unit, columns=year, values=value).reindex(ids)
    if wide.isna().any().any() or len(df) != len(ids) * len(years):
        raise DataError(f"{where}: the panel must be balanced with no missing value; got {int(wide.isna().sum().sum())} missing "
                        f"cells of {wide.size}. Impute or drop units/years first.")
    n, n_years = len(ids), len(years)
    if n_years < 3:
        raise DataError(f"{where}: at least 3 years are needed (2 growth periods); got {n_years}. Use a longer panel.")
    lx = np.log(wide.to_numpy(dtype=float))                    # n × T
    g = lx[:, 1:] - lx[:, :-1]                                   # n × (T−1)
    xs = [lx[:, :-1]]
    names = ["ln_initial"]
    for c in controls:
        cw = df.pivot(index=unit, columns=year, values=c).reindex(ids).to_numpy(dtype=float)[:, :-1]
        if np.isnan(cw).any():
            raise DataError(f"{where}: control {c!r} has {int(np.isnan(cw).sum())} missing values. Impute or drop it.")
        xs.append(cw)
        names.append(c)
    X = np.stack([x.T for x in xs], axis=2)                      # (T−1) × n × k
    fit = fit_spatial_panel(g.T, X, wmat, model=model, fe=fe, fe_method=fe_method, names=names, where=where)
    from scipy import stats

    betas, se = fit.params, fit.std_errors
    zs = betas / se
    ps = 2.0 * stats.norm.sf(np.abs(zs))
    spatial_name = "rho" if model != "error" else "lambda_error"
    coef_names = list(fit.names[:-1]) + [spatial_name]
    k = len(coef_names) - 1
    coef = pd.DataFrame({"term": coef_names, "coef": betas, "se": se, "z": zs, "p": ps})
    b, b_se, b_p = float(betas[0]), float(se[0]), float(ps[0])
    sp, sp_se, sp_p = float(betas[k]), float(se[k]), float(ps[k])
    lam = convergence_speed(b, periods=1.0, annualised=False)
    notes: list[str] = []
    impacts = pd.DataFrame(columns=["variable", "direct", "indirect", "total"])
    if model != "error":
        eff = effects_table(fit, wmat, draws=draws, seed=seed)
        est = eff.pivot(index="term", columns="effect", values="estimate").reindex(names)
        impacts = pd.DataFrame({"variable": names, "direct": est["direct"].to_numpy(), "indirect": est["indirect"].to_numpy(),
                                "total": est["total"].to_numpy()})
        if draws > 0:
            sd = eff.pivot(index="term", columns="effect", values="std_error").reindex(names)
            pv = eff.pivot(index="term", columns="effect", values="p_value").reindex(names)
            for nm in EFFECTS:
                impacts[f"{nm}_se"] = sd[nm].to_numpy()
                impacts[f"{nm}_p"] = pv[nm].to_numpy()
            notes.append(f"Impact standard errors from {draws} draws of the ML estimates (seed {seed}; LeSage & Pace 2009).")
    row = {
        "model": model, "fe": fe, "fe_method": fit.fe_method, "beta": b, "se": b_se, "z": float(zs[0]), "p": b_p,
        "spatial_term": spatial_name, "spatial_coef": sp, "spatial_se": sp_se, "spatial_p": sp_p,
        "theta": float(betas[len(controls) + 1]) if model == "durbin" else np.nan,
        "lambda": lam, "half_life": half_life(lam), "formula": speed_formula(periods=1, annualised=False),
        "log_likelihood": fit.logll,
        "n_obs": int(n * (n_years - 1)), "n_units": n, "n_periods": n_years - 1,
        "converging": bool(b < 0 and b_p < 0.05),
    }
    params = {"model": model, "fe": fe, "fe_method": fe_method, "controls": controls, "draws": draws, "seed": seed}
    return SpatialBetaResult(table=pd.DataFrame([row]), coefficients=coef, impacts=impacts, model=model, beta=b, rho=sp,
                             lam=lam, params=params, notes=notes)


# =========================================================================== club convergence
@dataclass(frozen=True)
class ClubResult(Result):
    """Phillips–Sul club convergence.

    Attributes
    ----------
    membership : DataFrame
        ``unit, club`` (1 = the club with the highest final level; 0 = divergent), ``order``
        (position in the ordering by the last filtered observation), ``last``.
    tests : DataFrame
        One log t test per club (and for the full panel, club ``"all"``): ``club, n, b, se, t,
        converges``.
    full_panel : dict
        The log t test on all units.
    merged : bool
        Whether adjacent clubs were merged (Phillips & Sul 2009).
    """

    membership: pd.DataFrame
    tests: pd.DataFrame
    full_panel: dict[str, Any]
    merged: bool
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    kind: str = "club"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"membership": self.membership, "tests": self.tests}

    @property
    def n_clubs(self) -> int:
        return int((self.membership["club"] > 0).any() and self.membership.loc[self.membership["club"] > 0, "club"].nunique())

    def summary(self) -> Summary:
        fp = self.full_panel
        rows = [("log t (all units)", fp["t"]), ("b = 2α", fp["b"]), ("overall convergence", "yes" if fp["converges"] else "no"),
                ("clubs", self.n_clubs), ("divergent units", int((self.membership["club"] == 0).sum())),
                ("clubs merged", "yes" if self.merged else "no")]
        notes = ["Convergence is rejected at 5 % when t < −1.65 (one-sided). Clubs are numbered from the highest final "
                 "level; 0 = divergent units (Phillips & Sul 2007, 2009)."] + list(self.notes)
        return Summary(title="Club convergence (俱乐部收敛, Phillips–Sul log t)", rows=rows, tables={"tests": self.tests}, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(full_panel=self.full_panel, params=self.params, notes=list(self.notes))
        return d


def _hp_trend(x: np.ndarray, lamb: float) -> np.ndarray:
    """Hodrick–Prescott trend of every row of ``x`` (shape (N, T)) at once.

    ``τ = (I + λ K'K)⁻¹ x`` with K the (T − 2) × T second-difference matrix (Hodrick & Prescott
    1997): the sparse system that statsmodels ``hpfilter`` solves for one series, factorised once
    and solved for the N rows as right-hand sides (the same trends, bit for bit, as N calls).
    """
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    n_units, n_t = x.shape
    diff2 = sparse.dia_array((np.repeat([[1.0], [-2.0], [1.0]], n_t, axis=1), np.array([0, 1, 2])), shape=(n_t - 2, n_t))
    eye = sparse.dia_array((np.ones((1, n_t)), np.array([0])), shape=(n_t, n_t))
    system = (eye + lamb * diff2.T.dot(diff2)).tocsc()
    trend = spsolve(system, np.ascontiguousarray(x.T), use_umfpack=True)
    return np.asarray(trend).reshape(n_t, n_units).T


def _core_size(x: np.ndarray, t_pair: float, *, t_idx: np.ndarray, hac: str, crit: float, block: int = 256) -> int:
    """Size of the core group of Phillips & Sul (2007, §4, step 2) that starts at row 0 of ``x``.

    Rows 0 and 1 form the first pair with ``t > crit`` (its t is ``t_pair``); the group of the
    first k rows grows (k = 3, 4, …) while its log t statistic ``t_k > crit``, and the core is the
    size k ≥ 2 with the largest ``t_k`` (the first one on ties). The ``H_t`` of all first-k groups
    come from cumulative sums (:func:`_prefix_variation`), evaluated ``block`` sizes at a time.
    """
    n = x.shape[0]
    t_seen = [np.array([t_pair])]
    k_from = 3
    while k_from <= n:
        k_to = min(k_from + block, n + 1)
        t_k = _log_t_batch(_prefix_variation(x, k_from, k_to), t_idx, hac=hac)["t"]
        fail = np.flatnonzero(~(t_k > crit))
        if fail.size:
            t_seen.append(t_k[: fail[0]])
            break
        t_seen.append(t_k)
        k_from = k_to
    return 2 + int(np.argmax(np.concatenate(t_seen)))


def _find_clubs(x: np.ndarray, order: list[int], *, r: float, hac: str, sieve: float, crit: float,
                increment: float = 0.1, cap: float = 3.0) -> tuple[list[list[int]], list[int]]:
    """Clustering algorithm of Phillips & Sul (2007, §4; 2009): ordering, core group, sieve, recursion.

    The steps of Phillips & Sul (2007, §4; 2009), with the log t tests of each step computed in
    batches (:func:`_log_t_batch`): all adjacent pairs at once (:func:`_pair_variation`), the growing
    core group from cumulative sums (:func:`_core_size`) and every ``core ∪ {u}`` of the sieve at
    once (:func:`_plus_one_variation`).

    Returns the clubs (lists of row indices, in order) and the divergent rows.
    """
    t_idx = _log_t_periods(x.shape[1], r)

    def t_of(h: np.ndarray) -> np.ndarray:
        return _log_t_batch(h, t_idx, hac=hac)["t"]

    clubs: list[list[int]] = []
    remaining = np.asarray(order, dtype=np.intp)
    while remaining.size >= 2:
        xr = x[remaining]
        if t_of(cross_sectional_variation(xr)[None, :])[0] > crit:
            clubs.append(remaining.tolist())
            return clubs, []
        # step 2: core group — first pair with t > crit, then grow while t > crit; keep the size with max t
        t_pair = t_of(_pair_variation(xr))
        hits = np.flatnonzero(t_pair > crit)
        if hits.size == 0:
            return clubs, remaining.tolist()
        start = int(hits[0])
        size = _core_size(xr[start:], float(t_pair[start]), t_idx=t_idx, hac=hac, crit=crit)
        in_core = np.zeros(remaining.size, dtype=bool)
        in_core[start: start + size] = True
        # step 3: sieve — add each other unit whose t with the core exceeds c*; raise c* until the club converges
        t_add = np.full(remaining.size, np.nan)
        t_add[~in_core] = t_of(_plus_one_variation(xr[in_core], xr[~in_core]))
        c = sieve
        while True:
            members = in_core | (t_add > c)
            if int(members.sum()) == size or t_of(cross_sectional_variation(xr[members])[None, :])[0] > crit:
                break
            c += increment
            if c > cap:
                members = in_core
                break
        clubs.append(remaining[members].tolist())
        remaining = remaining[~members]
    return clubs, remaining.tolist()


@validate_params({"r": [Interval(numbers.Real, 0, 1, closed="neither")], "hp_lambda": [Interval(numbers.Real, 0, None, closed="neither")],
                  "sieve": [Interval(numbers.Real, None, None)], "log": [bool], "merge": [bool]})
def club_convergence(
    data: pd.DataFrame,
    *,
    value: str = "value",
    year: str = "year",
    unit: str = "unit",
    log: bool = True,
    filter: Literal["hp", "none"] = "hp",
    hp_lambda: float = 400.0,
    r: float = 0.3,
    hac: HacMethod = "qs",
    sieve: float = 0.0,
    merge: bool = False,
    order: Literal["last", "last_third"] = "last",
) -> ClubResult:
    """Phillips–Sul (2007, 2009) log t test and convergence clubs (俱乐部收敛).

    Steps: X = ln value (or the value itself, ``log=False``), trend by the Hodrick–Prescott filter
    (statsmodels ``hpfilter``, λ = 400 for annual data); relative transition ``h_it = X_it / mean_i X_it``;
    ``H_t = mean_i (h_it − 1)²``; log t regression ``log(H_1/H_t) − 2 log log t = a + b log t`` over
    ``t = [rT]+1 … T`` with HAC errors; convergence rejected when ``t_b < −1.65``. If rejected,
    clubs are found by (1) ordering units by their last observation, (2) forming the core group
    (the first pair with t > −1.65 extended while t > −1.65, choosing the size with the largest
    t), (3) sieving the other units one by one (t > c*, c* = ``sieve``, raised by 0.1 until the
    club converges), (4) repeating on the rest; units that form no club are divergent.
    ``merge=True`` then merges adjacent clubs whose union passes the test (Phillips & Sul 2009).

    Parameters
    ----------
    data : DataFrame
        Balanced long panel ``unit, year, value``.
    log : bool
        Take logs first (requires values > 0). X must be of one sign and not near zero: with
        ``log=True`` values between 0 and 1 give negative logs, which is fine unless some are ≈ 1.
    filter : {'hp', 'none'}
    hp_lambda : float
        HP smoothing parameter (400 for annual data as in Phillips & Sul 2007).
    r : float
        Share of initial periods discarded in the log t regression (0.3).
    hac : {'qs', 'newey_west'}
    sieve : float
        The sieve critical value c* (0 as recommended for small T).
    merge : bool
    order : {'last', 'last_third'}
        Ordering of step 1: by the last observation (default) or, for volatile series, by the
        mean of the last third of the periods (Phillips & Sul 2009, §4).

    Returns
    -------
    ClubResult

    Notes
    -----
    The clustering runs ~30 log t regressions per unit and club (every pair, every growing core,
    every unit of the sieve). They share the regressors ``[1, log t]``, so each step solves all of
    its candidate groups at once (one least-squares solve with many right-hand sides, batched HAC
    variances) and the ``H_t`` of the candidate groups come from cumulative sums; the results equal
    those of the one-test-at-a-time algorithm (checked to 1e−10 in the tests).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(1, 16)
    >>> levels = np.r_[np.full(5, 3.0), np.full(5, 1.5)]             # two groups of five units
    >>> lx = levels[:, None] + rng.normal(0, 0.5, (10, 1)) / t ** 0.7 + 0.02 * t
    >>> panel = pd.DataFrame({"unit": np.repeat([f"u{i}" for i in range(10)], 15),
    ...                       "year": np.tile(2005 + t, 10), "value": np.exp(lx).ravel()})
    >>> res = club_convergence(panel)
    >>> res.n_clubs, res.membership["club"].tolist()
    (2, [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
    """
    return _club_convergence(data, value=value, year=year, unit=unit, log=log, filter=filter, hp_lambda=hp_lambda,
                             r=r, hac=hac, sieve=sieve, merge=merge, order=order)


def _club_convergence(data: pd.DataFrame, *, value: str, year: str, unit: str, log: bool, filter: str, hp_lambda: float,
                      r: float, hac: str, sieve: float, merge: bool, order: str, t_test: Any = None, find: Any = None,
                      trend: Any = None) -> ClubResult:
    """Body of :func:`club_convergence`. ``t_test`` (default :func:`log_t_test`), ``find`` (:func:`_find_clubs`) and
    ``trend`` (:func:`_hp_trend`) can be replaced by the one-test-at-a-time reference implementations of the
    tests (``tests/_reference.py``), which check that the batched code paths give the same clubs."""
    where = "club_convergence"
    t_test = log_t_test if t_test is None else t_test
    find = _find_clubs if find is None else find
    trend = _hp_trend if trend is None else trend
    check_option(filter, Literal["hp", "none"], param="filter", caller=where)
    check_option(hac, HacMethod, param="hac", caller=where)
    check_option(order, Literal["last", "last_third"], param="order", caller=where)
    df = _panel(data, value=value, year=year, unit=unit, where=where)
    wide = df.pivot(index=unit, columns=year, values=value)
    if wide.isna().any().any():
        bad = wide.index[wide.isna().any(axis=1)].tolist()
        raise DataError(f"{where}: the panel must be balanced; got missing values for units {bad[:10]}. Impute or drop them.")
    if wide.shape[1] < 5 or wide.shape[0] < 3:
        raise DataError(f"{where}: needs at least 3 units and 5 years; got {wide.shape[0]} units and {wide.shape[1]} years. "
                        "Use a longer panel.")
    if log:
        _require_positive(df, value, unit, year, where)
        x = np.log(wide.to_numpy(dtype=float))
    else:
        x = wide.to_numpy(dtype=float)
    notes: list[str] = []
    if filter == "hp":
        x = trend(x, hp_lambda)
    signs = np.sign(x)
    if not (np.all(signs > 0) or np.all(signs < 0)):
        raise DataError(f"{where}: the {'log ' if log else ''}series must all have one sign for h_it = X_it / mean X_t; got "
                        f"{int((signs > 0).sum())} positive and {int((signs <= 0).sum())} non-positive values. "
                        f"{'Rescale the values so that all exceed 1 (or all lie below 1)' if log else 'Use log=True or shift the values'}.")
    units = [str(u) for u in wide.index]
    last = x[:, -1]
    key = last if order == "last" else x[:, -max(1, int(round(x.shape[1] / 3))):].mean(axis=1)
    # step 1: order by the last observation(s), highest level first (X is increasing in the value)
    ranking = [int(i) for i in np.argsort(-key, kind="stable")]
    full = t_test(x, r=r, hac=hac)
    crit = -1.65
    clubs, divergent = find(x, ranking, r=r, hac=hac, sieve=float(sieve), crit=crit)
    merged = False
    if merge and len(clubs) > 1:
        out = [clubs[0]]
        for cl in clubs[1:]:
            if t_test(x[out[-1] + cl], r=r, hac=hac)["t"] > crit:
                out[-1] = out[-1] + cl
                merged = True
            else:
                out.append(cl)
        clubs = out
    club_of = {}
    for c_idx, cl in enumerate(clubs, start=1):
        for u in cl:
            club_of[u] = c_idx
    pos = {u: i + 1 for i, u in enumerate(ranking)}
    membership = pd.DataFrame({"unit": units, "club": [club_of.get(i, 0) for i in range(len(units))],
                               "order": [pos[i] for i in range(len(units))], "last": last})
    membership = membership.sort_values(["order"]).reset_index(drop=True)
    test_rows = [{"club": "all", "n": len(units), **{k: full[k] for k in ("b", "se", "t", "converges")}}]
    for c_idx, cl in enumerate(clubs, start=1):
        tt = t_test(x[cl], r=r, hac=hac)
        test_rows.append({"club": str(c_idx), "n": len(cl), **{k: tt[k] for k in ("b", "se", "t", "converges")}})
    if len(divergent) >= 2:
        tt = t_test(x[divergent], r=r, hac=hac)
        test_rows.append({"club": "divergent", "n": len(divergent), **{k: tt[k] for k in ("b", "se", "t", "converges")}})
    if divergent:
        notes.append(f"{len(divergent)} units belong to no club (divergent): {[units[i] for i in divergent][:10]}.")
    params = {"log": log, "filter": filter, "hp_lambda": hp_lambda, "r": r, "hac": hac, "sieve": sieve, "merge": merge,
              "order": order}
    return ClubResult(membership=membership, tests=pd.DataFrame(test_rows), full_panel=full, merged=merged,
                      params=params, notes=notes)
