"""Phillips–Sul club convergence: relative transition paths, the log t test and the clustering algorithm."""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._errors import DataError, MethodError
from ..._results import Result, Summary
from ..._validation import Interval, check_option, validate_params
from .common import HacMethod, _panel, _require_positive

__all__ = ["ClubResult", "club_convergence", "cross_sectional_variation", "log_t_test", "relative_transition"]


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
