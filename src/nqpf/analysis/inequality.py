"""Inequality: Dagum Gini decomposition, Theil T / L decomposition, Gini, σ and CV.

* :func:`dagum` — Dagum (1997) decomposition of the Gini coefficient into within-group
  (G_w, 区域内差异), net between-group (G_nb, 区域间净值差异) and transvariation (G_t, 超变密度)
  terms, with every G_jj, G_jh, d_jh, p_jh, D_jh and each pair's contributions
  (methods-reference §4). Each group pair costs O(n log n): the sums of absolute and positive
  differences come from sorted values and cumulative sums, never from an n_j × n_h loop.
* :func:`theil` — Theil T (GE(1)) and Theil L (MLD, GE(0)) with the within/between
  decomposition (methods-reference §5).
* :func:`gini`, :func:`coefficient_of_variation` — plain measures (methods-reference §6).
* ``*_panel`` versions take a long table (or an ``IndexResult``) and return one row per year.
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError, MethodWarning
from .._results import Result, Summary
from .._validation import Interval, validate_params
from ._input import as_panel

__all__ = [
    "gini",
    "coefficient_of_variation",
    "theil_t",
    "theil_l",
    "dagum",
    "dagum_panel",
    "theil",
    "theil_panel",
    "inequality_panel",
    "DagumResult",
    "DagumPanelResult",
    "TheilResult",
    "TheilPanelResult",
    "InequalityPanelResult",
]


# --------------------------------------------------------------------------- pure formulas
def _sum_abs_within(sorted_y: np.ndarray) -> float:
    """Σ_i Σ_r |y_i − y_r| over all ordered pairs of one sorted sample.

    Uses Σ_i Σ_r |y_i − y_r| = 2 Σ_i (2i − n − 1) y_(i) with y_(1) ≤ … ≤ y_(n) (i from 1);
    O(n) once sorted.
    """
    n = sorted_y.size
    i = np.arange(1, n + 1, dtype=float)
    return float(2.0 * np.dot(2.0 * i - n - 1.0, sorted_y))


def _sum_positive_gaps(a: np.ndarray, b_sorted: np.ndarray, b_cum: np.ndarray) -> float:
    """Σ_i Σ_r max(a_i − b_r, 0) for a sample ``a`` and a sorted sample ``b``.

    ``b_cum`` is the cumulative sum of ``b_sorted`` with a leading 0. For each a_i,
    c_i = #{b_r < a_i} (ties excluded: they contribute 0) and the sum is
    Σ_i (a_i c_i − Σ_{r ≤ c_i} b_(r)) — O(n_a log n_b).
    """
    c = np.searchsorted(b_sorted, a, side="left")
    return float(np.sum(a * c - b_cum[c]))


def gini(values: Any) -> float:
    """Gini coefficient of one cross-section (methods-reference §6).

    G = 2 Σ_i i y_(i) / (n Σ_i y_i) − (n + 1)/n with sorted y, identical to the mean absolute
    difference over all n² ordered pairs divided by 2μ (§4).

    Parameters
    ----------
    values : array-like of float
        Non-negative values with a positive sum; NaN not allowed.

    Examples
    --------
    >>> round(gini([1, 2, 3, 4]), 6)
    0.25
    """
    y = _clean_values(values, where="gini")
    ys = np.sort(y)
    n = ys.size
    return float(_sum_abs_within(ys) / (2.0 * n * n * ys.mean()))


def coefficient_of_variation(values: Any, *, ddof: int = 0) -> float:
    """Coefficient of variation CV = σ / x̄ (methods-reference §6); ``ddof=0`` divides by n.

    Examples
    --------
    >>> round(coefficient_of_variation([1, 2, 3, 4]), 6)
    0.447214
    """
    y = np.asarray(values, dtype=float)
    if y.size == 0 or np.isnan(y).any():
        raise DataError(f"coefficient_of_variation: values must be non-empty and without NaN; got {y.size} values "
                        f"with {int(np.isnan(y).sum())} NaN. Drop missing values first.")
    return float(np.std(y, ddof=ddof) / np.mean(y))


def theil_t(values: Any) -> float:
    """Theil T (GE(1)) = (1/n) Σ_i (y_i/μ) ln(y_i/μ), with 0·ln 0 = 0 (methods-reference §5).

    Examples
    --------
    >>> round(theil_t([0, 0, 0, 10, 10, 10]), 6)   # ln 2
    0.693147
    """
    y = _clean_values(values, where="theil_t")
    r = y / y.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(r > 0, r * np.log(r), 0.0)
    return float(terms.mean())


def theil_l(values: Any) -> float:
    """Theil L (mean log deviation, GE(0)) = (1/n) Σ_i ln(μ/y_i) (methods-reference §5).

    Infinite when a value is 0 (returned as ``inf``).

    Examples
    --------
    >>> round(theil_l([1, 2, 3, 4]), 6)
    0.121777
    """
    y = _clean_values(values, where="theil_l")
    if (y == 0).any():
        return math.inf
    return float(np.mean(np.log(y.mean() / y)))


def _clean_values(values: Any, *, where: str) -> np.ndarray:
    y = np.asarray(values, dtype=float).ravel()
    if y.size == 0:
        raise DataError(f"{where}: no values; got an empty input. Pass at least one value.")
    if np.isnan(y).any():
        raise DataError(
            f"{where}: values contain NaN; got {int(np.isnan(y).sum())} missing of {y.size}. "
            "Drop missing values first (the panel functions do this with a warning)."
        )
    if (y < 0).any():
        raise MethodError(
            f"{where}: the Gini/Theil family needs non-negative values; got {int((y < 0).sum())} negative values "
            f"(min {y.min():.6g}). Use min-max normalised scores or shift the values to be non-negative."
        )
    if y.sum() <= 0:
        raise MethodError(f"{where}: the mean of the values is 0; got all zeros. Inequality is undefined for a zero mean.")
    return y


def _group_codes(groups: Any, n: int, *, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0…k−1 of the group labels (as text) and the k labels, sorted."""
    arr = np.asarray(groups, dtype=object).ravel()
    if len(arr) == n and pd.api.types.infer_dtype(arr, skipna=False) == "string":
        # labels that are all text already (the panels' group column): factorised as they are, without the
        # conversion to a string column (the same codes and labels; ~0.7 ms a cross-section, 150 of them a run)
        codes, labels = pd.factorize(arr, sort=True)
        return codes, np.asarray(labels, dtype=object)
    g = pd.Series(arr)
    if len(g) != n:
        raise DataError(f"{where}: values and groups must have the same length; got {n} values and {len(g)} groups. "
                        "Pass one group label per value.")
    if g.isna().any():
        raise DataError(f"{where}: group labels contain missing entries; got {int(g.isna().sum())}. "
                        "Give every unit a group.")
    codes, labels = pd.factorize(g.astype(str), sort=True)
    return codes, np.asarray(labels, dtype=object)


def _dagum_core(y: np.ndarray, codes: np.ndarray, k: int) -> dict[str, Any]:
    """Dagum (1997) decomposition on one cross-section (methods-reference §4), fast path.

    Groups are ordered by mean (ascending, ties by label order); pair (j, h) has μ_j ≥ μ_h.
    Returns the group arrays (order, n, mean, p, s, G_jj) and the pair arrays
    (j, h, G_jh, d_jh, p_jh) in the order Σ_{j=2}^k Σ_{h=1}^{j−1}.
    """
    n = y.size
    mu = y.mean()
    samples = [np.sort(y[codes == c]) for c in range(k)]
    n_g = np.array([s.size for s in samples], dtype=float)
    mu_g = np.array([s.mean() for s in samples])
    order = np.lexsort((np.arange(k), mu_g))
    ys = np.sort(y)
    G = _sum_abs_within(ys) / (2.0 * n * n * mu)
    cums = [np.concatenate(([0.0], np.cumsum(s))) for s in samples]
    G_jj = np.array([
        _sum_abs_within(samples[c]) / (2.0 * n_g[c] ** 2 * mu_g[c]) if mu_g[c] > 0 else 0.0 for c in range(k)
    ])
    pj, ph, d, p = [], [], [], []
    for a in range(1, k):
        for b in range(a):
            j, h = order[a], order[b]
            nn = n_g[j] * n_g[h]
            d.append(_sum_positive_gaps(samples[j], samples[h], cums[h]) / nn)
            p.append(_sum_positive_gaps(samples[h], samples[j], cums[j]) / nn)
            pj.append(j)
            ph.append(h)
    pj_a, ph_a = np.array(pj, dtype=int), np.array(ph, dtype=int)
    d_a, p_a = np.array(d), np.array(p)
    if pj:
        msum = mu_g[pj_a] + mu_g[ph_a]
        G_jh = np.divide(d_a + p_a, msum, out=np.zeros_like(d_a), where=msum > 0)  # two all-zero groups: 0
    else:
        G_jh = np.array([])
    return {"G": G, "mu": mu, "n": n, "order": order, "n_g": n_g, "mu_g": mu_g, "G_jj": G_jj,
            "j": pj_a, "h": ph_a, "G_jh": G_jh, "d": d_a, "p": p_a}


def _dagum_tables(core: dict[str, Any], labels: np.ndarray) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    """Assemble the totals, group and pair tables from the core arrays (methods-reference §4)."""
    n, mu = core["n"], core["mu"]
    n_g, mu_g, G_jj = core["n_g"], core["mu_g"], core["G_jj"]
    p_g = n_g / n
    s_g = n_g * mu_g / (n * mu)
    Gw_j = G_jj * p_g * s_g
    j, h = core["j"], core["h"]
    d, p, G_jh = core["d"], core["p"], core["G_jh"]
    denom = d + p
    with np.errstate(invalid="ignore", divide="ignore"):
        D = np.where(denom > 0, (d - p) / np.where(denom > 0, denom, 1.0), 0.0)
    weight = p_g[j] * s_g[h] + p_g[h] * s_g[j]
    Gnb_jh = G_jh * weight * D
    Gt_jh = G_jh * weight * (1.0 - D)
    G = core["G"]
    Gw, Gnb, Gt = float(Gw_j.sum()), float(Gnb_jh.sum()), float(Gt_jh.sum())
    share = (lambda x: x / G) if G > 0 else (lambda x: x * np.nan)
    totals = {"n": int(n), "k": int(len(n_g)), "mean": float(mu), "G": float(G), "Gw": Gw, "Gnb": Gnb, "Gt": Gt,
              "Gb": Gnb + Gt, "Gw_share": float(share(Gw)), "Gnb_share": float(share(Gnb)),
              "Gt_share": float(share(Gt))}
    order = core["order"]
    groups = pd.DataFrame({
        "group": labels[order], "n": n_g[order].astype(int), "mean": mu_g[order], "p": p_g[order],
        "s": s_g[order], "G_jj": G_jj[order], "Gw_j": Gw_j[order], "Gw_j_share": share(Gw_j[order]),
    })
    pairs = pd.DataFrame({
        "j": labels[j] if len(j) else np.array([], dtype=object),
        "h": labels[h] if len(h) else np.array([], dtype=object),
        "G_jh": G_jh, "d_jh": d, "p_jh": p, "D_jh": D, "weight": weight, "Gnb_jh": Gnb_jh, "Gt_jh": Gt_jh,
        "Gnb_jh_share": share(Gnb_jh), "Gt_jh_share": share(Gt_jh),
    })
    return totals, groups, pairs


_DAGUM_NOTES = (
    "Dagum (1997): G = Gw + Gnb + Gt with n² normalisation (G_jj uses n_j²); groups ordered by mean, "
    "in each pair j has the larger mean; D_jh = (d_jh − p_jh)/(d_jh + p_jh); ties between groups count in "
    "neither d_jh nor p_jh (methods-reference §4).",
    "Shares are contributions to G (贡献率): Gw/G, Gnb/G, Gt/G; pair and group shares likewise.",
)


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class DagumResult(Result):
    """Dagum (1997) Gini decomposition of one cross-section.

    Attributes
    ----------
    G, Gw, Gnb, Gt : float
        Overall Gini and its within-group, net between-group and transvariation terms
        (G = Gw + Gnb + Gt).
    Gb : float
        Gross between-group term Gnb + Gt.
    n, k : int
        Number of units and of groups.
    groups : DataFrame
        One row per group, by ascending mean: ``group, n, mean, p`` (n_j/n), ``s`` (share of the
        total), ``G_jj``, ``Gw_j`` (= G_jj p_j s_j) and ``Gw_j_share`` (Gw_j / G).
    pairs : DataFrame
        One row per unordered pair (j has the larger mean): ``j, h, G_jh, d_jh, p_jh, D_jh,
        weight`` (p_j s_h + p_h s_j), ``Gnb_jh, Gt_jh`` and their shares of G.
    notes : list of str
    """

    G: float
    Gw: float
    Gnb: float
    Gt: float
    Gb: float
    n: int
    k: int
    mean: float
    groups: pd.DataFrame
    pairs: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    kind: str = "dagum"

    @property
    def contributions(self) -> dict[str, float]:
        """Contribution rates (贡献率) Gw/G, Gnb/G, Gt/G."""
        return {"Gw": self.Gw / self.G, "Gnb": self.Gnb / self.G, "Gt": self.Gt / self.G}

    def totals(self) -> pd.DataFrame:
        """One-row table ``n, k, mean, G, Gw, Gnb, Gt, Gb`` and the three shares."""
        c = self.contributions if self.G > 0 else {"Gw": np.nan, "Gnb": np.nan, "Gt": np.nan}
        return pd.DataFrame([{"n": self.n, "k": self.k, "mean": self.mean, "G": self.G, "Gw": self.Gw,
                              "Gnb": self.Gnb, "Gt": self.Gt, "Gb": self.Gb, "Gw_share": c["Gw"],
                              "Gnb_share": c["Gnb"], "Gt_share": c["Gt"]}])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"totals": self.totals(), "groups": self.groups, "pairs": self.pairs}

    def summary(self) -> Summary:
        c = self.contributions if self.G > 0 else {"Gw": np.nan, "Gnb": np.nan, "Gt": np.nan}
        rows = [("units", self.n), ("groups", self.k), ("G (total Gini)", self.G),
                ("Gw (within, 区域内)", self.Gw), ("Gnb (net between, 区域间)", self.Gnb),
                ("Gt (transvariation, 超变密度)", self.Gt), ("Gw share", c["Gw"]), ("Gnb share", c["Gnb"]),
                ("Gt share", c["Gt"])]
        return Summary(title="Dagum Gini decomposition (Dagum 基尼系数分解)", rows=rows,
                       tables={"groups": self.groups.set_index("group"), "pairs": self.pairs},
                       notes=list(self.notes) + list(_DAGUM_NOTES))

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(G=self.G, Gw=self.Gw, Gnb=self.Gnb, Gt=self.Gt, Gb=self.Gb, n=self.n, k=self.k,
                 notes=list(self.notes))
        return d


def dagum(values: Any, groups: Any) -> DagumResult:
    """Dagum (1997) Gini decomposition of one cross-section (Dagum 基尼系数及其分解).

    Parameters
    ----------
    values : array-like or Series of float
        Non-negative values (index scores, indicators …), one per unit; NaN not allowed.
    groups : array-like or Series
        Group label of each value (region, belt, any user grouping).

    Returns
    -------
    DagumResult
        ``G, Gw, Gnb, Gt`` and the tables ``groups`` and ``pairs``.

    Notes
    -----
    Formulas of methods-reference §4 (Dagum 1997, Empirical Economics 22, 515–531):
    G = Σ_j Σ_h Σ_i Σ_r |y_ji − y_hr| / (2 n² μ); G_jj = Σ|y_ji − y_jr| / (2 n_j² μ_j);
    G_jh = Σ|y_ji − y_hr| / (n_j n_h (μ_j + μ_h)); G_w = Σ_j G_jj p_j s_j;
    G_nb = Σ_{j>h} G_jh (p_j s_h + p_h s_j) D_jh; G_t = Σ_{j>h} G_jh (p_j s_h + p_h s_j)(1 − D_jh);
    D_jh = (d_jh − p_jh)/(d_jh + p_jh), d_jh and p_jh the mean positive gaps y_j − y_h and y_h − y_j.
    Every double sum is evaluated from sorted values and cumulative sums (O(n log n) per pair).

    Examples
    --------
    >>> r = dagum([2, 4, 6, 9, 3, 5, 8, 10, 12], ["A"] * 4 + ["B"] * 5)
    >>> round(r.G, 6), round(r.Gw + r.Gnb + r.Gt, 6)
    (0.278719, 0.278719)
    >>> r.pairs[["j", "h"]].values.tolist()
    [['B', 'A']]
    """
    y = _clean_values(values, where="dagum")
    codes, labels = _group_codes(groups, y.size, where="dagum")
    core = _dagum_core(y, codes, len(labels))
    totals, gtab, ptab = _dagum_tables(core, labels)
    notes = []
    if (core["n_g"] == 1).any():
        notes.append(f"{int((core['n_g'] == 1).sum())} group(s) have a single unit (G_jj = 0).")
    return DagumResult(G=totals["G"], Gw=totals["Gw"], Gnb=totals["Gnb"], Gt=totals["Gt"], Gb=totals["Gb"],
                       n=totals["n"], k=totals["k"], mean=totals["mean"], groups=gtab, pairs=ptab, notes=notes)


def _years(panel: pd.DataFrame) -> list[tuple[int, pd.DataFrame]]:
    return [(int(yr), sub) for yr, sub in panel.groupby("year", sort=True)]


@dataclass(frozen=True)
class DagumPanelResult(Result):
    """Dagum decomposition per year.

    Attributes
    ----------
    totals : DataFrame
        One row per year: ``year, n, k, mean, G, Gw, Gnb, Gt, Gb, Gw_share, Gnb_share, Gt_share``.
    groups : DataFrame
        ``year`` + the columns of :attr:`DagumResult.groups`.
    pairs : DataFrame
        ``year`` + the columns of :attr:`DagumResult.pairs`.
    value, group : str
        What was decomposed and by which grouping.
    notes : list of str
    """

    totals: pd.DataFrame
    groups: pd.DataFrame
    pairs: pd.DataFrame
    value: str = "value"
    group: str = "group"
    notes: list[str] = field(default_factory=list)
    kind: str = "dagum"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"totals": self.totals, "groups": self.groups, "pairs": self.pairs}

    def wide(self, stat: str = "G_jh") -> pd.DataFrame:
        """Year × group (``G_jj``, ``mean`` …) or year × pair (``G_jh``, ``D_jh`` …) table of one statistic.

        Pair columns are named ``j–h`` with j the group with the larger mean in that year; the
        pairs are re-labelled in a fixed (alphabetical) order so that a pair keeps one column
        over the years even when the ranking of the group means changes.
        """
        if stat in self.groups.columns and stat not in ("year", "group"):
            return self.groups.pivot(index="year", columns="group", values=stat)
        if stat in self.pairs.columns and stat not in ("year", "j", "h"):
            a = np.where(self.pairs["j"] < self.pairs["h"], self.pairs["j"], self.pairs["h"])
            b = np.where(self.pairs["j"] < self.pairs["h"], self.pairs["h"], self.pairs["j"])
            key = pd.Series(a, index=self.pairs.index).astype(str) + "–" + pd.Series(b, index=self.pairs.index).astype(str)
            return self.pairs.assign(pair=key).pivot(index="year", columns="pair", values=stat)
        raise DataError(
            f"DagumPanelResult.wide: unknown statistic; got {stat!r}. Use a column of groups "
            f"({', '.join(c for c in self.groups.columns if c not in ('year', 'group'))}) or of pairs "
            f"({', '.join(c for c in self.pairs.columns if c not in ('year', 'j', 'h'))})."
        )

    def summary(self) -> Summary:
        t = self.totals
        rows = [("value", self.value), ("grouping", self.group), ("years", f"{t['year'].min()}–{t['year'].max()}"),
                ("G first year", float(t["G"].iloc[0])), ("G last year", float(t["G"].iloc[-1])),
                ("mean Gw share", float(t["Gw_share"].mean())), ("mean Gnb share", float(t["Gnb_share"].mean())),
                ("mean Gt share", float(t["Gt_share"].mean()))]
        gjj = self.groups.pivot(index="year", columns="group", values="G_jj")
        return Summary(title="Dagum Gini decomposition by year (Dagum 基尼系数分解)", rows=rows,
                       tables={"totals": t.set_index("year")[["G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share",
                                                              "Gt_share"]],
                               "within-group G_jj": gjj},
                       notes=list(self.notes) + list(_DAGUM_NOTES))


def dagum_panel(
    data: Any,
    *,
    group: str,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str = "year",
) -> DagumPanelResult:
    """Dagum Gini decomposition for every year of a panel (one row per year in ``totals``).

    Parameters
    ----------
    data : IndexResult or DataFrame
        Long table (``unit, year, value`` + group column) or a built index.
    group : str
        Grouping column (``'region4'``, ``'belt3'`` from the region registry for provinces, or
        any column of the data / of ``units``).
    node, value, unit, year
        Which score and which columns; see :func:`nqpf.analysis.as_panel`.

    Returns
    -------
    DagumPanelResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcdabcd"), "year": [1] * 4 + [2] * 4,
    ...                    "value": [1, 2, 3, 4, 1, 1, 3, 5], "g": list("xxyy") * 2})
    >>> dagum_panel(df, group="g").totals[["year", "G"]].round(4).values.tolist()
    [[1.0, 0.25], [2.0, 0.35]]
    """
    panel = as_panel(data, node=node, value=value, unit=unit, year=year, group=group)
    tots, grps, prs = [], [], []
    for yr, sub in _years(panel):
        y = _clean_values(sub["value"].to_numpy(), where=f"dagum_panel (year {yr})")
        codes, labels = _group_codes(sub["group"].to_numpy(), y.size, where=f"dagum_panel (year {yr})")
        totals, gtab, ptab = _dagum_tables(_dagum_core(y, codes, len(labels)), labels)
        tots.append({"year": yr, **totals})
        grps.append(gtab.assign(year=yr))
        prs.append(ptab.assign(year=yr))
    groups = pd.concat(grps, ignore_index=True)
    pairs = pd.concat(prs, ignore_index=True)
    groups = groups[["year"] + [c for c in groups.columns if c != "year"]]
    pairs = pairs[["year"] + [c for c in pairs.columns if c != "year"]]
    notes = []
    sizes = panel.groupby("year")["unit"].nunique()
    if sizes.nunique() > 1:
        notes.append(f"Unbalanced panel: {sizes.min()}–{sizes.max()} units per year.")
    return DagumPanelResult(totals=pd.DataFrame(tots), groups=groups, pairs=pairs,
                            value=node or value, group=group, notes=notes)


# --------------------------------------------------------------------------- Theil
def _theil_parts(y: np.ndarray, codes: np.ndarray | None, k: int) -> dict[str, Any]:
    """Theil T and L with the group decomposition of methods-reference §5 (Shorrocks 1980).

    T = T_w + T_b, T_w = Σ_g s_g T_g, T_b = Σ_g s_g ln(s_g / p_g);
    L = Σ_g p_g L_g + Σ_g p_g ln(μ / μ_g).
    """
    n, mu = y.size, y.mean()
    T = theil_t(y)
    L = math.inf if (y == 0).any() else float(np.mean(np.log(mu / y)))
    out: dict[str, Any] = {"n": n, "mean": mu, "T": T, "L": L}
    if codes is None:
        return out
    n_g = np.bincount(codes, minlength=k).astype(float)
    sum_g = np.bincount(codes, weights=y, minlength=k)
    mu_g = sum_g / n_g
    p_g = n_g / n
    s_g = sum_g / (n * mu)
    T_g = np.array([theil_t(y[codes == c]) if mu_g[c] > 0 else 0.0 for c in range(k)])
    L_g = np.array([math.inf if (y[codes == c] == 0).any() else float(np.mean(np.log(mu_g[c] / y[codes == c])))
                    for c in range(k)])
    with np.errstate(divide="ignore", invalid="ignore"):
        Tb_terms = np.where(s_g > 0, s_g * np.log(s_g / p_g), 0.0)
        Lb_terms = p_g * np.log(mu / mu_g)
    out.update(n_g=n_g, mu_g=mu_g, p_g=p_g, s_g=s_g, T_g=T_g, L_g=L_g,
               T_within=float(np.sum(s_g * T_g)), T_between=float(Tb_terms.sum()),
               L_within=float(np.sum(p_g * L_g)), L_between=float(Lb_terms.sum()))
    return out


@dataclass(frozen=True)
class TheilResult(Result):
    """Theil T and L of one cross-section, with the group decomposition when groups are given.

    Attributes
    ----------
    T : float
        Theil T (GE(1)).
    within, between : float
        T = within + between (NaN without groups).
    L, L_within, L_between : float
        Theil L (mean log deviation) and its decomposition (``inf`` when a value is 0).
    groups : DataFrame
        ``group, n, mean, p, s, T_g, L_g, T_contrib`` (s_g T_g) and ``T_contrib_share``
        (s_g T_g / T); empty without groups.
    n : int
    notes : list of str
    """

    T: float
    within: float
    between: float
    L: float
    L_within: float
    L_between: float
    n: int
    groups: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    kind: str = "theil"

    def totals(self) -> pd.DataFrame:
        return pd.DataFrame([{"n": self.n, "T": self.T, "T_within": self.within, "T_between": self.between,
                              "T_within_share": self.within / self.T if self.T > 0 else np.nan,
                              "T_between_share": self.between / self.T if self.T > 0 else np.nan,
                              "L": self.L, "L_within": self.L_within, "L_between": self.L_between}])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"totals": self.totals(), "groups": self.groups}

    def summary(self) -> Summary:
        rows = [("units", self.n), ("Theil T", self.T), ("T within (组内)", self.within),
                ("T between (组间)", self.between), ("Theil L (MLD)", self.L), ("L within", self.L_within),
                ("L between", self.L_between)]
        return Summary(title="Theil index decomposition (泰尔指数分解)", rows=rows,
                       tables={"groups": self.groups} if len(self.groups) else {},
                       notes=list(self.notes) + ["T = Σ s_g T_g + Σ s_g ln(s_g/p_g); L = Σ p_g L_g + Σ p_g ln(μ/μ_g) "
                                                 "(Shorrocks 1980; methods-reference §5)."])


def _theil_result_parts(y: np.ndarray, codes: np.ndarray | None, labels: np.ndarray | None) -> tuple[dict, pd.DataFrame]:
    parts = _theil_parts(y, codes, 0 if labels is None else len(labels))
    if codes is None:
        return ({"n": parts["n"], "T": parts["T"], "T_within": np.nan, "T_between": np.nan, "L": parts["L"],
                 "L_within": np.nan, "L_between": np.nan}, pd.DataFrame(
                    columns=["group", "n", "mean", "p", "s", "T_g", "L_g", "T_contrib", "T_contrib_share"]))
    T = parts["T"]
    contrib = parts["s_g"] * parts["T_g"]
    g = pd.DataFrame({"group": labels, "n": parts["n_g"].astype(int), "mean": parts["mu_g"], "p": parts["p_g"],
                      "s": parts["s_g"], "T_g": parts["T_g"], "L_g": parts["L_g"], "T_contrib": contrib,
                      "T_contrib_share": contrib / T if T > 0 else contrib * np.nan})
    return ({"n": parts["n"], "T": T, "T_within": parts["T_within"], "T_between": parts["T_between"],
             "L": parts["L"], "L_within": parts["L_within"], "L_between": parts["L_between"]}, g)


def theil(values: Any, groups: Any = None) -> TheilResult:
    """Theil T and Theil L with the within/between-group decomposition (泰尔指数).

    Parameters
    ----------
    values : array-like of float
        Non-negative values, not all 0 (Theil L is infinite when a value is 0).
    groups : array-like, optional
        Group label of each value; without groups only T and L are computed.

    Notes
    -----
    Methods-reference §5 (Theil 1967; Shorrocks 1980): T = (1/n) Σ (y_i/μ) ln(y_i/μ) with
    0·ln 0 = 0, T = Σ_g s_g T_g + Σ_g s_g ln(s_g/p_g); L = (1/n) Σ ln(μ/y_i) =
    Σ_g p_g L_g + Σ_g p_g ln(μ/μ_g). No offset is added to zeros.

    Examples
    --------
    >>> r = theil([0, 0, 0, 10, 10, 10], [0, 0, 0, 1, 1, 1])
    >>> round(r.T, 6), round(r.between, 6), round(r.within, 6)
    (0.693147, 0.693147, 0.0)
    """
    y = _clean_values(values, where="theil")
    codes = labels = None
    if groups is not None:
        codes, labels = _group_codes(groups, y.size, where="theil")
    tot, g = _theil_result_parts(y, codes, labels)
    notes = []
    if (y == 0).any():
        notes.append(f"{int((y == 0).sum())} value(s) are 0: T uses 0·ln 0 = 0; Theil L is infinite.")
        warnings.warn(f"theil: {int((y == 0).sum())} value(s) are 0; Theil L is infinite (no offset added).",
                      MethodWarning, stacklevel=2)
    return TheilResult(T=tot["T"], within=tot["T_within"], between=tot["T_between"], L=tot["L"],
                       L_within=tot["L_within"], L_between=tot["L_between"], n=tot["n"], groups=g, notes=notes)


@dataclass(frozen=True)
class TheilPanelResult(Result):
    """Theil T / L per year.

    Attributes
    ----------
    totals : DataFrame
        One row per year: ``year, n, T, T_within, T_between, T_within_share, T_between_share,
        L, L_within, L_between``.
    groups : DataFrame
        ``year`` + the columns of :attr:`TheilResult.groups` (empty without a grouping).
    """

    totals: pd.DataFrame
    groups: pd.DataFrame
    value: str = "value"
    group: str | None = None
    notes: list[str] = field(default_factory=list)
    kind: str = "theil"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"totals": self.totals, "groups": self.groups}

    def summary(self) -> Summary:
        t = self.totals
        rows = [("value", self.value), ("grouping", self.group or "none"),
                ("years", f"{t['year'].min()}–{t['year'].max()}"),
                ("T first year", float(t["T"].iloc[0])), ("T last year", float(t["T"].iloc[-1]))]
        return Summary(title="Theil index by year (泰尔指数)", rows=rows, tables={"totals": t.set_index("year")},
                       notes=list(self.notes))


def theil_panel(
    data: Any,
    *,
    group: str | None = None,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str = "year",
) -> TheilPanelResult:
    """Theil T / L and their decomposition for every year of a panel.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcd"), "year": 2020, "value": [0, 0, 10, 10], "g": list("xxyy")})
    >>> round(float(theil_panel(df, group="g").totals["T_between"].iloc[0]), 6)
    0.693147
    """
    panel = as_panel(data, node=node, value=value, unit=unit, year=year, group=group)
    tots, grps, notes = [], [], []
    for yr, sub in _years(panel):
        y = _clean_values(sub["value"].to_numpy(), where=f"theil_panel (year {yr})")
        codes = labels = None
        if group is not None:
            codes, labels = _group_codes(sub["group"].to_numpy(), y.size, where=f"theil_panel (year {yr})")
        tot, g = _theil_result_parts(y, codes, labels)
        T = tot["T"]
        tots.append({"year": yr, "n": tot["n"], "T": T, "T_within": tot["T_within"], "T_between": tot["T_between"],
                     "T_within_share": tot["T_within"] / T if T > 0 else np.nan,
                     "T_between_share": tot["T_between"] / T if T > 0 else np.nan,
                     "L": tot["L"], "L_within": tot["L_within"], "L_between": tot["L_between"]})
        if group is not None:
            grps.append(g.assign(year=yr))
        if (y == 0).any():
            notes.append(f"{yr}: {int((y == 0).sum())} zero value(s); Theil L infinite.")
    groups = pd.concat(grps, ignore_index=True) if grps else pd.DataFrame(columns=["year"])
    if grps:
        groups = groups[["year"] + [c for c in groups.columns if c != "year"]]
    return TheilPanelResult(totals=pd.DataFrame(tots), groups=groups, value=node or value, group=group, notes=notes)


# --------------------------------------------------------------------------- all measures per year
@dataclass(frozen=True)
class InequalityPanelResult(Result):
    """Plain inequality and dispersion measures per year.

    Attributes
    ----------
    table : DataFrame
        One row per year: ``year, n, mean, sd, cv, sd_log, gini, theil_T, theil_L, max_min_ratio``
        (σ with ``ddof`` as given; ``sd_log`` the standard deviation of ln x, NaN when a value is ≤ 0).
    ddof : int
    """

    table: pd.DataFrame
    ddof: int = 0
    value: str = "value"
    notes: list[str] = field(default_factory=list)
    kind: str = "inequality"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"measures": self.table}

    def summary(self) -> Summary:
        t = self.table
        rows = [("value", self.value), ("years", f"{t['year'].min()}–{t['year'].max()}"),
                ("σ divisor", "n" if self.ddof == 0 else f"n − {self.ddof}")]
        return Summary(title="Inequality measures by year (σ, CV, Gini, Theil)", rows=rows,
                       tables={"measures": t.set_index("year")},
                       notes=list(self.notes) + ["Methods-reference §5–§6; Gini with n² normalisation."])


@validate_params({"ddof": [Interval(numbers.Integral, 0, 1, closed="both")]})
def inequality_panel(
    data: Any,
    *,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str = "year",
    ddof: int = 0,
) -> InequalityPanelResult:
    """σ, CV, σ of logs, Gini, Theil T and L and the max/min ratio for every year.

    Parameters
    ----------
    ddof : {0, 1}
        Divisor of σ: n (``0``, methods-reference §6) or n − 1.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcd"), "year": 2020, "value": [1.0, 2, 3, 4]})
    >>> inequality_panel(df).table[["gini", "cv"]].round(4).values.tolist()
    [[0.25, 0.4472]]
    """
    panel = as_panel(data, node=node, value=value, unit=unit, year=year)
    rows, notes = [], []
    for yr, sub in _years(panel):
        y = _clean_values(sub["value"].to_numpy(), where=f"inequality_panel (year {yr})")
        pos = (y > 0).all()
        rows.append({"year": yr, "n": y.size, "mean": y.mean(), "sd": np.std(y, ddof=ddof),
                     "cv": np.std(y, ddof=ddof) / y.mean(),
                     "sd_log": float(np.std(np.log(y), ddof=ddof)) if pos else np.nan,
                     "gini": gini(y), "theil_T": theil_t(y), "theil_L": theil_l(y),
                     "max_min_ratio": y.max() / y.min() if pos else np.nan})
        if not pos:
            notes.append(f"{yr}: zero values; sd_log and max/min ratio undefined (NaN), Theil L infinite.")
    return InequalityPanelResult(table=pd.DataFrame(rows), ddof=ddof, value=node or value, notes=notes)

