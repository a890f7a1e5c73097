"""Reference implementations used only by the tests and the benchmarks (never by the library).

The straightforward, one-computation-at-a-time code paths that the fast implementations of
:mod:`nqpf.analysis` are checked against (to 1e-10 or better):

* :func:`dagum_direct` — the Dagum (1997) decomposition by the O(n²) double sums of
  methods-reference §4 (fast path: ``nqpf.analysis.inequality`` sorted cumulative sums);
* :func:`qs_long_run_variance`, :func:`log_t_test_reference`, :func:`find_clubs_reference`,
  :func:`hp_trend_rowwise` — the Phillips & Sul (2007, 2009) log t test and clustering, one series /
  one test at a time (fast path: the batched code of ``nqpf.analysis.convergence``); pass them to
  ``convergence._club_convergence(..., t_test=, find=, trend=)``;
* :func:`obstacle_top_lists_rows` — the obstacle-degree top-k lists row by row (fast path:
  ``nqpf.analysis.obstacle._top_lists``, column by column);
* the former code of the county-scale fast paths of the analysis stage, equal results bit for bit
  (:func:`county_scale_former_paths` lists them with the names they replace): a panel built per analysis,
  deep-copied stage tables,
  PanelOLS on a labelled index, the whole-grid kernel density,
  group labels through a string column, the typology's scores filtered by node over all years.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from nqpf._errors import MethodError
from nqpf.analysis import inequality as ineq
from nqpf.analysis.convergence import cross_sectional_variation

__all__ = ["dagum_direct", "qs_long_run_variance", "log_t_test_reference", "find_clubs_reference", "hp_trend_rowwise",
           "REFERENCE_CLUBS", "obstacle_top_lists_rows", "stack_deep_copy", "scores_of_all_rows", "panel_index_labels",
           "kde_whole_grid", "group_codes_string_column", "no_panel_cache",
           "county_scale_former_paths"]


def hp_trend_rowwise(x: np.ndarray, lamb: float) -> np.ndarray:
    """The Hodrick–Prescott trend of each row by statsmodels ``hpfilter`` (one series at a time)."""
    from statsmodels.tsa.filters.hp_filter import hpfilter

    return np.vstack([np.asarray(hpfilter(row, lamb=lamb)[1]) for row in x])


def dagum_direct(values: Any, groups: Any) -> dict[str, Any]:
    """Dagum decomposition by the O(n²) double sums of methods-reference §4 (the reference of the tests
    and benchmarks; same output layout as ``inequality._dagum_core``)."""
    y = ineq._clean_values(values, where="dagum_direct")
    codes, _ = ineq._group_codes(groups, y.size, where="dagum_direct")
    k = int(codes.max()) + 1
    n = y.size
    mu = y.mean()
    G = np.abs(y[:, None] - y[None, :]).sum() / (2.0 * n * n * mu)
    samples = [y[codes == c] for c in range(k)]
    n_g = np.array([s.size for s in samples], dtype=float)
    mu_g = np.array([s.mean() for s in samples])
    order = np.lexsort((np.arange(k), mu_g))
    G_jj = np.array([np.abs(s[:, None] - s[None, :]).sum() / (2.0 * s.size ** 2 * s.mean()) if s.mean() > 0 else 0.0
                     for s in samples])
    pj, ph, d, p, gjh = [], [], [], [], []
    for a in range(1, k):
        for b in range(a):
            j, h = order[a], order[b]
            diff = samples[j][:, None] - samples[h][None, :]
            nn = n_g[j] * n_g[h]
            pj.append(j)
            ph.append(h)
            d.append(np.maximum(diff, 0).sum() / nn)
            p.append(np.maximum(-diff, 0).sum() / nn)
            msum = mu_g[j] + mu_g[h]
            gjh.append(np.abs(diff).sum() / (nn * msum) if msum > 0 else 0.0)
    return {"G": G, "mu": mu, "n": n, "order": order, "n_g": n_g, "mu_g": mu_g, "G_jj": G_jj,
            "j": np.array(pj, dtype=int), "h": np.array(ph, dtype=int), "G_jh": np.array(gjh),
            "d": np.array(d), "p": np.array(p)}




def qs_long_run_variance(e: np.ndarray) -> float:
    """Long-run variance of residuals with the quadratic-spectral kernel and the Andrews (1991)
    AR(1) plug-in bandwidth ``S = 1.3221 (α̂ n)^{1/5}``, ``α̂ = 4ρ̂² / (1 − ρ̂)⁴``,
    ``k(x) = 25/(12π²x²) [sin(6πx/5)/(6πx/5) − cos(6πx/5)]``, autocovariances divided by n — the HAC
    estimator of the Phillips & Sul (2007) GAUSS code (Andrews 1991). Reference (one series at a
    time) for :func:`_qs_long_run_variance_batch`."""
    n = e.size
    rho = float(np.dot(e[:-1], e[1:]) / np.dot(e[:-1], e[:-1])) if n > 2 and np.dot(e[:-1], e[:-1]) > 0 else 0.0
    rho = min(max(rho, -1.0 + 1e-8), 1.0 - 1e-8)  # only guards the division at |ρ̂| = 1
    alpha = 4.0 * rho**2 / (1.0 - rho) ** 4
    lrv = float(np.dot(e, e) / n)
    if alpha <= 0:
        return lrv
    bw = 1.3221 * (alpha * n) ** 0.2
    for j in range(1, n):
        z = 6.0 * math.pi * (j / bw) / 5.0
        k = 3.0 / z**2 * (math.sin(z) / z - math.cos(z))
        lrv += 2.0 * k * float(np.dot(e[:-j], e[j:]) / n)
    return lrv




def log_t_test_reference(x: Any, *, r: float = 0.3, hac: str = "qs") -> dict[str, float]:
    """One log t test at a time (the original, unvectorised code path of :func:`log_t_test`).

    The reference that the batched ``convergence._log_t_batch`` is tested against (Phillips & Sul
    2007, eq. 24–27); not used by the library.
    """
    x = np.asarray(x, dtype=float)
    n_units, n_t = x.shape
    h = cross_sectional_variation(x)
    start = int(round(n_t * r)) + 1
    start = max(start, 2)
    t_idx = np.arange(start, n_t + 1)
    if t_idx.size < 3:
        raise MethodError(
            f"log_t_test: too few periods for the log t regression; got T = {n_t} with r = {r}, leaving {t_idx.size} "
            "periods. Use a longer panel (T >= 5) or a smaller r."
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(h[0] / h[t_idx - 1]) - 2.0 * np.log(np.log(t_idx))
    if not np.all(np.isfinite(y)):
        return {"b": float("nan"), "se": float("nan"), "t": float("nan"), "a": float("nan"),
                "n_units": n_units, "n_periods": n_t, "converges": False}
    xx = np.column_stack([np.ones(t_idx.size), np.log(t_idx)])
    coef, *_ = np.linalg.lstsq(xx, y, rcond=None)
    e = y - xx @ coef
    xtx_inv = np.linalg.inv(xx.T @ xx)
    if hac == "qs":
        var_b = qs_long_run_variance(e) * xtx_inv[1, 1]
    else:
        import statsmodels.api as sm

        lags = int(math.floor(4 * (t_idx.size / 100.0) ** (2.0 / 9.0)))
        fit = sm.OLS(y, xx).fit(cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": False})
        var_b = float(fit.cov_params()[1, 1])
    se = math.sqrt(var_b) if var_b > 0 else float("nan")
    t = float(coef[1] / se) if se and np.isfinite(se) else float("nan")
    return {"b": float(coef[1]), "se": se, "t": t, "a": float(coef[0]), "n_units": n_units, "n_periods": n_t,
            "converges": bool(np.isfinite(t) and t > -1.65)}




def find_clubs_reference(x: np.ndarray, order: list[int], *, r: float, hac: str, sieve: float, crit: float,
                          increment: float = 0.1, cap: float = 3.0) -> tuple[list[list[int]], list[int]]:
    """Clustering algorithm of Phillips & Sul (2007, §4; 2009), one log t test at a time.

    The original, unvectorised code path, the reference that ``convergence._find_clubs`` is tested
    against. Returns the clubs (lists of row indices, in order) and the
    divergent rows.
    """
    def t_of(rows: list[int]) -> float:
        return log_t_test_reference(x[rows], r=r, hac=hac)["t"]
    clubs: list[list[int]] = []
    remaining = list(order)
    while len(remaining) >= 2:
        if t_of(remaining) > crit:
            clubs.append(list(remaining))
            return clubs, []
        # step 2: core group — first pair with t > crit, then grow while t > crit; keep the k with max t
        start = None
        for i in range(len(remaining) - 1):
            if t_of(remaining[i: i + 2]) > crit:
                start = i
                break
        if start is None:
            return clubs, remaining
        best_k, best_t = 2, t_of(remaining[start: start + 2])
        k = 2
        while start + k < len(remaining):
            tk = t_of(remaining[start: start + k + 1])
            if not tk > crit:
                break
            k += 1
            if tk > best_t:
                best_k, best_t = k, tk
        core = remaining[start: start + best_k]
        others = [u for u in remaining if u not in core]
        # step 3: sieve — add each other unit whose t with the core exceeds c*; raise c* until the club converges
        t_add = {u: t_of(core + [u]) for u in others}
        c = sieve
        while True:
            members = [u for u in remaining if u in core or (u in t_add and t_add[u] > c)]
            if len(members) == len(core) or t_of(members) > crit:
                break
            c += increment
            if c > cap:
                members = list(core)
                break
        clubs.append(members)
        remaining = [u for u in remaining if u not in members]
    return clubs, remaining


#: keyword arguments of ``convergence._club_convergence`` that select every reference code path
REFERENCE_CLUBS: dict[str, Any] = {"t_test": log_t_test_reference, "find": find_clubs_reference, "trend": hp_trend_rowwise}


def obstacle_top_lists_rows(o, order, undefined, indicators, label, ids):
    """The ``top`` and ``top_wide`` tables of :func:`nqpf.analysis.obstacle.obstacle_degree`, one unit-year at a time."""
    import pandas as pd

    m, kk = order.shape
    cols = [f"top{r}" for r in range(1, kk + 1)]
    top_rows, wide_rows = [], []
    for i in range(m):
        row = {}
        if not undefined[i]:
            for r, j in enumerate(order[i], start=1):
                top_rows.append((i, r, indicators[j], label[indicators[j]], o[i, j], 100.0 * o[i, j]))
                row[f"top{r}"] = f"{label[indicators[j]]} ({100.0 * o[i, j]:.1f}%)"
        wide_rows.append(row)
    top = pd.DataFrame(top_rows, columns=["_i", "rank", "indicator", "label", "obstacle", "obstacle_pct"])
    top = pd.concat([ids.loc[top["_i"]].reset_index(drop=True), top.drop(columns="_i")], axis=1)
    top_wide = pd.concat([ids, pd.DataFrame(wide_rows, index=ids.index, columns=cols)], axis=1)
    return top, top_wide


# --------------------------------------------------------------------------- former code of the county-scale fast paths
# (benchmarks/bench_county_scale.py times each beside its replacement; tests/test_fast_paths.py checks equal results)
def stack_deep_copy(store, kind, res, extra):
    """``analysis.stage._stack`` as it was: every table deep-copied before the id columns are inserted."""
    import pandas as pd

    prefix = kind.replace("-", "_")
    for tname, df in res.tables().items():
        if not isinstance(df, pd.DataFrame):
            continue
        df = df.copy()
        for pos, (col, val) in enumerate(extra.items()):
            if col in df.columns:
                df = df.drop(columns=[col])
            df.insert(pos, col, val)
        store.setdefault(f"{prefix}_{tname}", []).append(df)


def scores_of_all_rows(scores, year, nodes):
    """``analysis.stage._scores_of`` as it was: the node labels of every score row converted to text."""
    return scores[(scores["year"] == year) & scores["node"].astype(str).isin(nodes)]


def panel_index_labels(d, *, unit, year):
    """``convergence.beta._panel_index`` as it was: PanelOLS indexed by the unit labels themselves."""
    return d.set_index([unit, year])


def kde_whole_grid(values, grid, *, h, kernel="gaussian"):
    """``analysis.density.kde`` as it was: the whole grid × values kernel matrix at once."""
    x = np.asarray(values, dtype=float)
    g = np.asarray(grid, dtype=float)
    u = (x[None, :] - g[:, None]) / h
    if kernel == "gaussian":
        k = np.exp(-0.5 * u * u) / np.sqrt(2.0 * np.pi)
    else:
        k = np.where(np.abs(u) <= 1.0, 0.75 * (1.0 - u * u), 0.0)
    return k.sum(axis=1) / (x.size * h)


def group_codes_string_column(groups, n, *, where):
    """``analysis.inequality._group_codes`` as it was: every label through a pandas string column."""
    import pandas as pd

    from nqpf._errors import DataError

    g = pd.Series(np.asarray(groups, dtype=object).ravel())
    if len(g) != n:
        raise DataError(f"{where}: values and groups must have the same length; got {n} values and {len(g)} groups.")
    if g.isna().any():
        raise DataError(f"{where}: group labels contain missing entries; got {int(g.isna().sum())}.")
    codes, labels = pd.factorize(g.astype(str), sort=True)
    return codes, np.asarray(labels, dtype=object)


def no_panel_cache():
    """``analysis.stage.panel_cache`` switched off: every analysis builds its node's panel, as it was."""
    import contextlib

    return contextlib.nullcontext()


def county_scale_former_paths():
    """(module, attribute, former code) of every fast path of the county-scale analysis stage (for monkeypatching)."""
    from nqpf.analysis import density, inequality, obstacle, stage
    from nqpf.analysis.convergence import beta

    return [(stage, "panel_cache", no_panel_cache), (stage, "_stack", stack_deep_copy),
            (stage, "_scores_of", scores_of_all_rows),
            (beta, "_panel_index", panel_index_labels),
            (density, "kde", kde_whole_grid), (inequality, "_group_codes", group_codes_string_column)]
