"""Validation of a composite index, as the OECD/JRC Handbook (Nardo et al. 2008) and the JRC COIN audits ask.

Four groups of checks on an :class:`~nqpf.index.result.IndexResult` (see ``docs/validation.md``):

1. **Statistical coherence** of every dimension (each non-leaf node of the tree and each grouping node):
   pairwise Pearson and Spearman correlations of its members with p-values, the correlation of each
   member with its dimension's score and with the index, Cronbach's alpha (COINr ``get_cronbach``),
   PCA on the correlation matrix (COINr ``get_PCA``: share of variance of the first component, number
   of eigenvalues > 1) and flags (:data:`THRESHOLDS`).
2. **Known-group checks declared in advance** (``data/known_groups.toml``): mean / median difference,
   Cohen's d, Cliff's delta (= rank-biserial correlation), Mann–Whitney U and Welch t p-values —
   reported whatever they show.
3. **Rank agreement with an external measure** (Spearman, Kendall) and with the Monte Carlo rank
   intervals of the ``sensitivity`` stage.
4. **Top and bottom five** units of every element and grouping node, with the indicator that contributes
   most (largest weighted normalised value) — a fact from the data, never an invented explanation.

Every piece is a small pure function; :func:`validate_index` runs them all and returns a
:class:`ValidationResult`.
"""
from __future__ import annotations

import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._errors import DataError
from .._results import Result, Summary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "THRESHOLDS",
    "ValidationResult",
    "validate_index",
    "member_matrix",
    "pairwise_correlations",
    "cronbach_alpha",
    "pca_summary",
    "dimension_coherence",
    "coherence_tables",
    "cohens_d",
    "cliffs_delta",
    "compare_groups",
    "load_known_groups",
    "known_group_checks",
    "read_external",
    "default_external_path",
    "rank_agreement",
    "interval_agreement",
    "top_bottom",
    "DATA_DIR",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
KNOWN_GROUPS_FILE = DATA_DIR / "known_groups.toml"
#: the published NQPF estimates used as the default external benchmark (never copied into the repository)
EXTERNAL_DEFAULT = ("data", "nqpf-index-gtfp-lstm-dai", "nqpf_gtfp_province_2010_2022.csv")

#: thresholds of the coherence flags (docs/validation.md gives the source of each)
THRESHOLDS: dict[str, float] = {
    "alpha_min": 0.7,           # Cronbach's alpha below → flag (Nunnally 1978; OECD/JRC Handbook 2008, step 4)
    "dominance_r": 0.9,         # r of a member with its dimension above → "dominates" (k >= 3) …
    "dominance_gap": 0.2,       # … when it also exceeds the median r of the other members by this much
    "dominance_share": 0.5,     # r_i^2 / sum_j r_j^2 above → "dominates" (k >= 3)
    "redundant_r": 0.9,         # pairwise r above → redundant pair (COINr get_corr_flags default)
    "conflict_r": -0.4,         # pairwise r below → conflicting pair (our choice)
    "eigen_min": 1.0,           # Kaiser criterion: eigenvalues > 1 of the correlation matrix
}


# =========================================================================== result
@dataclass(frozen=True)
class ValidationResult(Result):
    """Tables of :func:`validate_index`.

    Attributes
    ----------
    coherence : per dimension ``scope, dimension, name, k, n, alpha, pca_var1, n_eig_gt1, mean_r, flags``.
    correlations : ``scope, dimension, kind (pair | dimension | index), var_a, var_b, n, pearson, pearson_p,
        spearman, spearman_p``.
    flags : ``scope, dimension, member, flag, value, threshold, rule``.
    known_groups : one row per check × node (``status`` = ok | skipped, ``reason``).
    external : rank agreement per source × year (``status`` = ok | not available).
    top_bottom : top and bottom ``k`` units per node with the largest contributing indicator and an empty
        ``analyst_note`` column.
    year : the year of the cross-section (``None`` = pooled unit-years).
    """

    coherence: pd.DataFrame
    correlations: pd.DataFrame
    flags: pd.DataFrame
    known_groups: pd.DataFrame
    external: pd.DataFrame
    top_bottom: pd.DataFrame
    year: int | None = None
    alpha: float = 0.05
    notes: tuple[str, ...] = field(default_factory=tuple)
    kind = "validation"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"coherence": self.coherence, "correlations": self.correlations, "flags": self.flags,
                "known_groups": self.known_groups, "external": self.external, "top_bottom": self.top_bottom}

    def summary(self) -> Summary:
        coh = self.coherence
        rows: list[tuple[str, Any]] = [("data", "pooled unit-years" if self.year is None else f"year {self.year}"),
                                       ("dimensions checked", len(coh))]
        multi = coh[coh["k"] >= 2]
        if len(multi):
            rows.append(("median Cronbach alpha", float(multi["alpha"].median())))
            low = multi[multi["alpha"] < THRESHOLDS["alpha_min"]]
            rows.append((f"alpha < {THRESHOLDS['alpha_min']}", ", ".join(low["dimension"]) or "none"))
            rows.append(("more than one eigenvalue > 1", ", ".join(multi.loc[multi["n_eig_gt1"] > 1, "dimension"]) or "none"))
        if len(self.flags):
            counts = self.flags["flag"].value_counts()
            rows.append(("flags", ", ".join(f"{k} {v}" for k, v in counts.items())))
        else:
            rows.append(("flags", "none"))
        for r in self.known_groups.itertuples():
            if r.status != "ok":
                rows.append((f"known group {r.check}", f"skipped: {r.reason}"))
                continue
            verdict = "as expected" if r.agrees is True else ("against expectation" if r.agrees is False else "no expectation")
            rows.append((f"known group {r.check} [{r.node}]",
                         f"mean diff {r.mean_diff:.4g}, d {r.cohens_d:.3g}, Cliff δ {r.cliffs_delta:.3g}, "
                         f"MW p {r.mw_p:.3g}, Welch p {r.welch_p:.3g} — {verdict}"))
        for r in self.external.itertuples():
            if r.status != "ok":
                rows.append((f"external {r.source}", f"{r.status}: {r.reason}"))
            elif r.source == "sensitivity":
                rows.append((f"rank intervals {r.year}", f"nominal rank inside 5–95 % interval: {r.share_nominal_in_interval:.0%}, "
                                                         f"mean width {r.mean_interval_width:.3g}"))
            else:
                extra = "" if pd.isna(r.share_external_in_interval) else \
                    f", external rank inside interval {r.share_external_in_interval:.0%}"
                rows.append((f"external {r.source} {r.year}",
                             f"n {r.n}, Spearman {r.spearman:.3g} (p {r.spearman_p:.2g}), Kendall {r.kendall:.3g}{extra}"))
        notes = list(self.notes) + [
            "Coherence uses the normalised indicator values (direction applied) and the node scores; p-values on "
            "pooled unit-years treat them as independent and are optimistic.",
            "Known-group expectations were declared in known_groups.toml before results were computed; report them "
            "whatever they show.",
        ]
        return Summary(title="Validation of the composite index", rows=rows,
                       tables={"coherence": coh[["scope", "dimension", "k", "alpha", "pca_var1", "n_eig_gt1", "flags"]]},
                       notes=notes)


# =========================================================================== coherence pieces
def _clean(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def _pair(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    ok = ~(np.isnan(x) | np.isnan(y))
    n = int(ok.sum())
    out = {"n": n, "pearson": np.nan, "pearson_p": np.nan, "spearman": np.nan, "spearman_p": np.nan}
    if n < 3:
        return out
    a, b = x[ok], y[ok]
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return out
    pr = stats.pearsonr(a, b)
    sr = stats.spearmanr(a, b)
    out.update(pearson=float(pr.statistic), pearson_p=float(pr.pvalue), spearman=float(sr.statistic),
               spearman_p=float(sr.pvalue))
    return out


def pairwise_correlations(X: pd.DataFrame) -> pd.DataFrame:
    """Pearson and Spearman correlation of every pair of columns (pairwise complete observations).

    Returns ``var_a, var_b, n, pearson, pearson_p, spearman, spearman_p`` (upper triangle, column order);
    p-values are the two-sided tests of ``scipy.stats.pearsonr`` / ``spearmanr``.
    """
    cols = list(X.columns)
    rows = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            rows.append({"var_a": a, "var_b": b, **_pair(_clean(X[a]), _clean(X[b]))})
    return pd.DataFrame(rows, columns=["var_a", "var_b", "n", "pearson", "pearson_p", "spearman", "spearman_p"])


def cronbach_alpha(X: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha of the columns of ``X`` as COINr ``get_cronbach``.

    ``alpha = k² · mean(off-diagonal covariances) / sum(all covariances)``, the covariance matrix from
    pairwise complete observations (R ``cov(use = "pairwise.complete.obs")``). With complete data this
    equals ``k/(k−1) · (1 − Σ σ²_i / σ²_total)`` where ``σ²_total`` is the variance of the row sums.
    NaN for fewer than two columns.
    """
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or A.shape[1] < 2:
        return float("nan")
    C = pd.DataFrame(A).cov(min_periods=2).to_numpy()
    k = A.shape[1]
    total = np.nansum(C)
    off = (total - np.nansum(np.diag(C))) / (k * (k - 1))
    return float(k * k * off / total) if total != 0 else float("nan")


def pca_summary(X: pd.DataFrame | np.ndarray) -> dict[str, Any]:
    """PCA on the correlation matrix, as COINr ``get_PCA`` (``prcomp(center = TRUE, scale = TRUE)`` after
    dropping rows with a missing value).

    Returns ``{"n": rows used, "eigenvalues": descending array, "pca_var1": share of variance of the first
    component, "n_eig_gt1": number of eigenvalues > 1 (Kaiser)}``. Columns with zero variance are dropped.
    """
    A = np.asarray(X, dtype=float)
    out = {"n": 0, "eigenvalues": np.array([]), "pca_var1": float("nan"), "n_eig_gt1": 0}
    if A.ndim != 2 or A.shape[1] < 1:
        return out
    A = A[~np.isnan(A).any(axis=1)]
    if A.shape[0] < 3:
        return out
    A = A[:, np.std(A, axis=0) > 0]
    if A.shape[1] < 1:
        return out
    Z = (A - A.mean(axis=0)) / A.std(axis=0, ddof=1)
    s = np.linalg.svd(Z, compute_uv=False)
    ev = s ** 2 / (Z.shape[0] - 1)
    ev = np.sort(ev)[::-1][: A.shape[1]]
    return {"n": int(A.shape[0]), "eigenvalues": ev, "pca_var1": float(ev[0] / ev.sum()),
            "n_eig_gt1": int(np.sum(ev > THRESHOLDS["eigen_min"] + 1e-12))}


def dimension_coherence(X: pd.DataFrame, score: pd.Series | np.ndarray, index: pd.Series | np.ndarray | None = None,
                        *, alpha: float = 0.05, dimension: str = "", scope: str = "dimension",
                        name: str = "") -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Coherence of one dimension: members ``X`` (columns), the dimension's ``score`` and the ``index``.

    Returns ``(row, correlations, flags)``: the coherence row (``k, n, alpha, pca_var1, n_eig_gt1, mean_r,
    flags``), the correlation rows (``pair`` between members; ``dimension``: member vs score; ``index``:
    member vs index) and the flag rows. Rules (:data:`THRESHOLDS`): a member is flagged when its Pearson
    r with the dimension is negative, or not significant at ``alpha``; when it is negative with the index;
    when it *dominates* (k ≥ 3 and either r > 0.9 while the median r of the other members is more than 0.2
    lower, or r²/Σr² > 0.5); pairs with r > 0.9 (redundant) or
    r < −0.4 (conflicting); the dimension when alpha < 0.7 or more than one eigenvalue > 1.
    """
    t = THRESHOLDS
    k = X.shape[1]
    score = _clean(score)
    corr = pairwise_correlations(X).assign(kind="pair")
    dim_rows = [{"var_a": c, "var_b": dimension or "score", "kind": "dimension", **_pair(_clean(X[c]), score)} for c in X.columns]
    idx_rows = [] if index is None else [
        {"var_a": c, "var_b": "index", "kind": "index", **_pair(_clean(X[c]), _clean(index))} for c in X.columns]
    corr = pd.concat([corr, pd.DataFrame(dim_rows), pd.DataFrame(idx_rows)], ignore_index=True)
    corr.insert(0, "dimension", dimension)
    corr.insert(0, "scope", scope)

    flags: list[dict[str, Any]] = []

    def flag(member: str, what: str, value: float, threshold: float, rule: str) -> None:
        flags.append({"scope": scope, "dimension": dimension, "member": member, "flag": what, "value": value,
                      "threshold": threshold, "rule": rule})

    a = cronbach_alpha(X) if k >= 2 else float("nan")
    pca = pca_summary(X) if k >= 2 else {"n": 0, "pca_var1": float("nan"), "n_eig_gt1": 0}
    pairs = corr[corr["kind"] == "pair"]
    if k >= 2:
        if not math.isnan(a) and a < t["alpha_min"]:
            flag("", "low_alpha", a, t["alpha_min"], "Cronbach alpha < 0.7")
        if pca["n_eig_gt1"] > 1:
            flag("", "multidimensional", float(pca["n_eig_gt1"]), t["eigen_min"], "more than one eigenvalue > 1 (Kaiser)")
        for r in pairs.itertuples():
            if r.pearson > t["redundant_r"]:
                flag(f"{r.var_a}|{r.var_b}", "redundant_pair", r.pearson, t["redundant_r"], "pairwise Pearson r > 0.9")
            elif r.pearson < t["conflict_r"]:
                flag(f"{r.var_a}|{r.var_b}", "conflicting_pair", r.pearson, t["conflict_r"], "pairwise Pearson r < -0.4")
        dim = pd.DataFrame(dim_rows)
        r2 = dim["pearson"].clip(lower=0) ** 2
        share = r2 / r2.sum() if r2.sum() > 0 else r2 * np.nan
        for (_, d), s in zip(dim.iterrows(), share):
            if pd.isna(d["pearson"]):
                continue
            if d["pearson"] < 0:
                flag(d["var_a"], "negative_with_dimension", d["pearson"], 0.0, "Pearson r with own dimension < 0")
            elif d["pearson_p"] >= alpha:
                flag(d["var_a"], "not_significant_with_dimension", d["pearson_p"], alpha,
                     f"p-value of r with own dimension >= {alpha}")
            others = dim.loc[dim["var_a"] != d["var_a"], "pearson"].median()
            if k >= 3 and d["pearson"] > t["dominance_r"] and d["pearson"] - others > t["dominance_gap"]:
                flag(d["var_a"], "dominates_dimension", d["pearson"], t["dominance_r"],
                     "k >= 3, r with dimension > 0.9 and > 0.2 above the median r of the other members")
            elif k >= 3 and s > t["dominance_share"]:
                flag(d["var_a"], "dominates_dimension", float(s), t["dominance_share"],
                     "k >= 3 and r_i^2 / sum_j r_j^2 > 0.5")
    for d in idx_rows:
        if not pd.isna(d["pearson"]) and d["pearson"] < 0:
            flag(d["var_a"], "negative_with_index", d["pearson"], 0.0, "Pearson r with the index < 0")

    fl = pd.DataFrame(flags, columns=["scope", "dimension", "member", "flag", "value", "threshold", "rule"])
    row = {"scope": scope, "dimension": dimension, "name": name, "k": k, "n": int(np.sum(~np.isnan(score))),
           "alpha": a, "pca_var1": pca["pca_var1"], "n_eig_gt1": pca["n_eig_gt1"],
           "mean_r": float(pairs["pearson"].mean()) if len(pairs) else float("nan"),
           "flags": "; ".join(sorted(set(fl["flag"]))) if len(fl) else ""}
    return row, corr, fl


# --------------------------------------------------------------------------- data from an IndexResult
def _year_arg(result: Any, year: int | str | None) -> int | None:
    if year is None or year == "pooled":
        return None
    if year == "last":
        return int(result.years[-1])
    y = int(year)
    if y not in result.years:
        raise DataError(f"validate_index: year not in the result; got {year!r}. Use one of {result.years}, 'last' or None (pooled).")
    return y


def member_matrix(result: Any, nodes: Sequence[str], year: int | None = None) -> pd.DataFrame:
    """Unit(-year) × node table of scores (indicators carry their normalised value) for ``nodes``.

    Index ``unit`` for one ``year``, ``(unit, year)`` when ``year`` is None (pooled).
    """
    s = result.scores
    s = s[s["node"].isin(list(nodes))]
    if year is not None:
        s = s[s["year"] == year]
        W = s.pivot_table(index="unit", columns="node", values="score", aggfunc="first", dropna=False, observed=True)
    else:
        W = s.pivot_table(index=["unit", "year"], columns="node", values="score", aggfunc="first", dropna=False, observed=True)
    return W.reindex(columns=list(nodes))


def _dimensions(result: Any) -> list[tuple[str, str, list[str], str]]:
    """(scope, dimension id, members, name) for every aggregate node and grouping node present in the scores."""
    fw = result.framework
    names = result.node_names()
    out = [("dimension", a, fw.children(a), names.get(a, a)) for a in fw.aggregates]
    present = set(result.scores["node"].unique())
    for g in fw.groupings:
        for value, members in fw.grouping_members(g).items():
            gid = f"{g.id}:{value}"
            if gid in present:
                out.append(("grouping", gid, list(members), names.get(gid, gid)))
    return out


def coherence_tables(result: Any, *, year: int | None = None, alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`dimension_coherence` for every dimension and grouping of ``result`` → (coherence, correlations, flags)."""
    root = result.framework.root
    dims = _dimensions(result)
    allnodes = list(dict.fromkeys([root] + [d for _, d, _, _ in dims] + [m for _, _, ms, _ in dims for m in ms]))
    W = member_matrix(result, allnodes, year)
    rows, corrs, flags = [], [], []
    for scope, dim, members, name in dims:
        idx = None if dim == root else W[root]
        row, c, f = dimension_coherence(W[members], W[dim], idx, alpha=alpha, dimension=dim, scope=scope, name=name)
        rows.append(row)
        corrs.append(c)
        flags.append(f)
    coh = pd.DataFrame(rows, columns=["scope", "dimension", "name", "k", "n", "alpha", "pca_var1", "n_eig_gt1", "mean_r", "flags"])
    return coh, pd.concat(corrs, ignore_index=True), pd.concat(flags, ignore_index=True)


# =========================================================================== known groups
def cohens_d(a: Iterable[float], b: Iterable[float]) -> float:
    """Cohen's d = (mean_a − mean_b) / pooled SD, pooled SD = √(((n_a−1)s²_a + (n_b−1)s²_b)/(n_a+n_b−2))."""
    a, b = _clean(list(a)), _clean(list(b))
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    na, nb = len(a), len(b)
    if na < 2 or nb < 2:
        return float("nan")
    sp = math.sqrt(((na - 1) * a.var(ddof=1) + (nb - 1) * b.var(ddof=1)) / (na + nb - 2))
    return float((a.mean() - b.mean()) / sp) if sp > 0 else float("nan")


def cliffs_delta(a: Iterable[float], b: Iterable[float]) -> float:
    """Cliff's delta = P(a > b) − P(a < b) over all pairs (equals the rank-biserial correlation 2U_a/(n_a n_b) − 1)."""
    a, b = _clean(list(a)), _clean(list(b))
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) == 0 or len(b) == 0:
        return float("nan")
    d = np.sign(a[:, None] - b[None, :])
    return float(d.mean())


def compare_groups(a: Iterable[float], b: Iterable[float]) -> dict[str, float]:
    """Group a vs group b: sizes, means, medians, differences, Cohen's d, Cliff's delta, rank-biserial r,
    Mann–Whitney U (two-sided, ``scipy.stats.mannwhitneyu``) and Welch t (``ttest_ind(equal_var=False)``)."""
    a, b = _clean(list(a)), _clean(list(b))
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    out = {"n_a": len(a), "n_b": len(b), "mean_a": np.nan, "mean_b": np.nan, "mean_diff": np.nan,
           "median_a": np.nan, "median_b": np.nan, "median_diff": np.nan, "cohens_d": np.nan,
           "cliffs_delta": np.nan, "rank_biserial": np.nan, "mw_u": np.nan, "mw_p": np.nan,
           "welch_t": np.nan, "welch_p": np.nan}
    if len(a) == 0 or len(b) == 0:
        return out
    out.update(mean_a=float(a.mean()), mean_b=float(b.mean()), median_a=float(np.median(a)), median_b=float(np.median(b)))
    out["mean_diff"] = out["mean_a"] - out["mean_b"]
    out["median_diff"] = out["median_a"] - out["median_b"]
    out["cohens_d"] = cohens_d(a, b)
    out["cliffs_delta"] = cliffs_delta(a, b)
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    out["mw_u"] = float(mw.statistic)
    out["mw_p"] = float(mw.pvalue)
    out["rank_biserial"] = 2 * out["mw_u"] / (len(a) * len(b)) - 1
    if len(a) >= 2 and len(b) >= 2:
        w = stats.ttest_ind(a, b, equal_var=False)
        out["welch_t"] = float(w.statistic)
        out["welch_p"] = float(w.pvalue)
    return out


def load_known_groups(path: str | Path | None = None) -> list[dict[str, Any]]:
    """The checks of a known-groups TOML file (default: the bundled ``data/known_groups.toml``)."""
    p = Path(path) if path is not None else KNOWN_GROUPS_FILE
    if not p.exists():
        raise DataError(f"known groups: file not found; got {str(p)!r}. Give a TOML file with [[check]] tables.")
    data = tomllib.loads(p.read_text(encoding="utf-8-sig"))
    checks = data.get("check", [])
    if not checks:
        raise DataError(f"known groups: no [[check]] tables in {p.name}; got keys {sorted(data)}.")
    return checks


def _group_units(spec: Mapping[str, Any], result: Any, other: set[str] | None, base: Path) -> set[str]:
    units = set(result.units["unit"].astype(str))
    if spec.get("rest"):
        return units - (other or set())
    if "units" in spec:
        return {str(u) for u in spec["units"]} & units
    if "column" in spec:
        col = spec["column"]
        if col not in result.units.columns:
            raise DataError(f"known groups: unit-table column not found; got {col!r}. Use one of {list(result.units.columns)}.")
        vals = {str(v) for v in spec.get("values", [])}
        u = result.units
        return set(u.loc[u[col].astype(str).isin(vals), "unit"].astype(str))
    if "dataset" in spec:  # a bundled unit table of nqpf.datasets, e.g. dataset = "dsxs_hubs"
        from .. import datasets

        loaders = {"dsxs_hubs": datasets.load_dsxs_hubs}
        if spec["dataset"] not in loaders:
            raise DataError(f"known groups: unknown dataset; got {spec['dataset']!r}. Use one of {sorted(loaders)}.")
        t = loaders[spec["dataset"]]().astype(str)
        col = spec.get("nonempty", "")
        sel = t[~t[col].str.strip().isin(["", "0", "none", "nan"])] if col else t
        return set(sel["unit"]) & units
    if "file" in spec:
        f = Path(spec["file"])
        f = f if f.is_absolute() else (base / f if (base / f).exists() else DATA_DIR / f)
        t = pd.read_csv(f, dtype=str, keep_default_na=False)
        code = spec.get("code_column", "unit")
        sel = t[t[spec["nonempty"]].str.strip() != ""] if spec.get("nonempty") else t
        return set(sel[code]) & units
    raise DataError(f"known groups: a group needs units, column/values, dataset, file or rest = true; got keys {sorted(spec)}.")


def _select_nodes(selectors: Sequence[Mapping[str, Any]], result: Any) -> list[str]:
    fw = result.framework
    present = set(result.scores["node"].unique())
    out: list[str] = []
    for s in selectors:
        if s.get("root"):
            out.append(fw.root)
        elif "grouping" in s:
            if s["grouping"] in present:
                out.append(s["grouping"])
        elif "node" in s:
            if s["node"] in present:
                out.append(s["node"])
        elif "all_leaves_tagged" in s:
            want = dict(s["all_leaves_tagged"])
            for a in fw.aggregates:
                if a == fw.root:
                    continue
                leaves = fw.leaves_under(a)
                if all(all(str(fw.by_id[x].tag(t)) == str(v) for t, v in want.items()) for x in leaves):
                    # keep the highest such node only (skip descendants of an already chosen node)
                    if not any(p in out for p in fw.ancestors(a)):
                        out.append(a)
    return list(dict.fromkeys(out))


def _describe_selectors(selectors: Sequence[Mapping[str, Any]]) -> str:
    return "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in selectors)


def known_group_checks(result: Any, checks: Sequence[Mapping[str, Any]] | str | Path | None = None, *,
                       year: int | None = None, alpha: float = 0.05, base: Path | None = None) -> pd.DataFrame:
    """Run known-group checks (default: the bundled ``known_groups.toml``) on one year (default: last).

    One row per check × matched node: ``check, title, node, node_name, year, group_a, group_b, expected,``
    the statistics of :func:`compare_groups`, ``observed`` (a>b / a<b / a=b by the mean difference),
    ``agrees`` (observed direction = expected; None without an expectation), ``significant`` (Mann–Whitney
    p < ``alpha``), ``status`` (ok | skipped) and ``reason``. A check whose nodes are absent from the
    framework, or whose groups are empty, is kept as a ``skipped`` row with the reason.
    """
    if checks is None or isinstance(checks, (str, Path)):
        path = None if checks is None else Path(checks)
        base = base or (path.parent if path is not None else DATA_DIR)
        checks = load_known_groups(path)
    base = base or DATA_DIR
    year = int(result.years[-1]) if year is None else int(year)
    names = result.node_names()
    rows = []
    cols_stats = list(compare_groups([], []).keys())
    for c in checks:
        cid = c.get("id", "")
        head = {"check": cid, "title": c.get("title", ""), "year": year, "expected": c.get("expected", "none"),
                "group_a": c["group_a"].get("name", "a"), "group_b": c["group_b"].get("name", "b")}
        ua = _group_units(c["group_a"], result, None, base)
        ub = _group_units(c["group_b"], result, ua, base)
        nodes = _select_nodes(c.get("nodes", [{"root": True}]), result)
        if not nodes:
            rows.append({**head, "node": "", "node_name": "", "status": "skipped",
                         "reason": f"no node of the framework matches the selectors ({_describe_selectors(c.get('nodes', []))})"})
            continue
        if not ua or not ub:
            rows.append({**head, "node": "", "node_name": "", "status": "skipped",
                         "reason": f"a group has no unit in this run (group a {len(ua)}, group b {len(ub)})"})
            continue
        for sel in c.get("nodes", []):  # a selector that matches nothing is reported, never dropped silently
            if not _select_nodes([sel], result):
                rows.append({**head, "node": "", "node_name": "", "status": "skipped",
                             "reason": f"no node of the framework matches {_describe_selectors([sel])}"})
        for node in nodes:
            s = result.scores[(result.scores["node"] == node) & (result.scores["year"] == year)]
            v = dict(zip(s["unit"].astype(str), s["score"]))
            st = compare_groups([v.get(u, np.nan) for u in sorted(ua)], [v.get(u, np.nan) for u in sorted(ub)])
            md = st["mean_diff"]
            observed = "a>b" if md > 0 else ("a<b" if md < 0 else "a=b")
            exp = head["expected"]
            agrees = None if exp not in ("a>b", "a<b") else bool(observed == exp)
            rows.append({**head, "node": node, "node_name": names.get(node, node), **st, "observed": observed,
                         "agrees": agrees, "significant": bool(st["mw_p"] < alpha) if not pd.isna(st["mw_p"]) else None,
                         "status": "ok", "reason": "", "units_a": " ".join(sorted(ua))})
    cols = ["check", "title", "node", "node_name", "year", "group_a", "group_b", "expected", *cols_stats, "observed",
            "agrees", "significant", "status", "reason", "units_a"]
    return pd.DataFrame(rows).reindex(columns=cols)


# =========================================================================== external agreement
def default_external_path() -> Path | None:
    """The published NQPF estimates under ``../shared`` (``$NQPF_SHARED`` or beside the repository), or None."""
    env = os.environ.get("NQPF_SHARED")
    roots = [Path(env)] if env else []
    roots.append(Path(__file__).resolve().parents[3].parent / "shared")
    for r in roots:
        p = r.joinpath(*EXTERNAL_DEFAULT)
        if p.exists():
            return p
    return None


def read_external(source: str | Path | pd.DataFrame, *, value: str | None = None) -> pd.DataFrame:
    """An external measure as ``unit, year, value``.

    ``source``: a DataFrame or CSV path. The unit column is the first of ``unit, region_code, code``; the
    value column ``value`` (or the first of ``value, nqpf, score`` when not given).
    """
    df = source.copy() if isinstance(source, pd.DataFrame) else pd.read_csv(source, dtype={"unit": str, "region_code": str, "code": str})
    ucol = next((c for c in ("unit", "region_code", "code") if c in df.columns), None)
    vcol = value or next((c for c in ("value", "nqpf", "score") if c in df.columns), None)
    if ucol is None or vcol is None or vcol not in df.columns or "year" not in df.columns:
        raise DataError(f"external measure: needs unit (or region_code), year and a value column; got {list(df.columns)}.")
    out = df[[ucol, "year", vcol]].rename(columns={ucol: "unit", vcol: "value"})
    out["unit"] = out["unit"].astype(str)
    out["year"] = out["year"].astype(int)
    out.attrs["source"] = df.attrs.get("source", "external") if isinstance(source, pd.DataFrame) else Path(source).stem
    return out


def rank_agreement(result: Any, external: pd.DataFrame, *, node: str | None = None, source: str = "external") -> pd.DataFrame:
    """Spearman and Kendall (tau-b) correlation of the index (or ``node``) with an external ``unit, year, value``
    table, per common year, over the units present in both: ``source, year, n, spearman, spearman_p, kendall,
    kendall_p``."""
    node = node or result.framework.root
    s = result.scores[result.scores["node"] == node][["unit", "year", "score"]].copy()
    s["unit"] = s["unit"].astype(str)
    m = s.merge(external, on=["unit", "year"], how="inner").dropna(subset=["score", "value"])
    rows = []
    for y, g in m.groupby("year", sort=True):
        if len(g) < 3:
            continue
        sp = stats.spearmanr(g["score"], g["value"])
        kt = stats.kendalltau(g["score"], g["value"])
        rows.append({"source": source, "year": int(y), "n": len(g), "spearman": float(sp.statistic),
                     "spearman_p": float(sp.pvalue), "kendall": float(kt.statistic), "kendall_p": float(kt.pvalue)})
    return pd.DataFrame(rows, columns=["source", "year", "n", "spearman", "spearman_p", "kendall", "kendall_p"])


def interval_agreement(rank_stats: pd.DataFrame, external: pd.DataFrame | None = None) -> pd.DataFrame:
    """Agreement with the Monte Carlo rank intervals (``uncertainty_rank_stats`` of the sensitivity stage).

    Per year: ``share_nominal_in_interval`` (nominal rank within [q05, q95]), ``mean_interval_width``
    (q95 − q05) and, with an external ``unit, year, value`` table, ``share_external_in_interval``: the
    external measure's rank (1 = highest, among the units of the interval table that it covers) within the
    unit's interval.
    """
    rs = rank_stats.copy()
    rs["unit"] = rs["unit"].astype(str)
    rows = []
    for y, g in rs.groupby("year", sort=True):
        g = g.dropna(subset=["nominal", "q05", "q95"])
        row = {"year": int(y), "n": len(g),
               "share_nominal_in_interval": float(((g["nominal"] >= g["q05"]) & (g["nominal"] <= g["q95"])).mean()),
               "mean_interval_width": float((g["q95"] - g["q05"]).mean()), "share_external_in_interval": np.nan}
        if external is not None:
            e = external[external["year"] == y].merge(g[["unit", "q05", "q95"]], on="unit").dropna(subset=["value"])
            if len(e) >= 3:
                er = e["value"].rank(ascending=False, method="min")
                row["share_external_in_interval"] = float(((er >= e["q05"]) & (er <= e["q95"])).mean())
        rows.append(row)
    return pd.DataFrame(rows, columns=["year", "n", "share_nominal_in_interval", "mean_interval_width",
                                       "share_external_in_interval"])


def _external_table(result: Any, external: Any, rank_stats: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["source", "year", "n", "spearman", "spearman_p", "kendall", "kendall_p", "share_external_in_interval",
            "share_nominal_in_interval", "mean_interval_width", "status", "reason"]
    parts = []
    ext = None
    if isinstance(external, pd.DataFrame):
        ext = read_external(external)
        name = ext.attrs.get("source", "external")
    else:
        path = Path(external) if external not in (None, "", "default") else default_external_path()
        name = path.stem if path is not None else "nqpf_gtfp_province_2010_2022"
        if path is not None and path.exists():
            ext = read_external(path)
        else:
            parts.append(pd.DataFrame([{"source": name, "status": "not available",
                                        "reason": "external table not found (../shared absent or path wrong)"
                                        if external in (None, "", "default") else f"file not found: {Path(external).name}"}]))
    if ext is not None:
        ra = rank_agreement(result, ext, source=name)
        if ra.empty:
            parts.append(pd.DataFrame([{"source": name, "status": "not available",
                                        "reason": "no year with at least 3 units in common"}]))
        else:
            if rank_stats is not None:
                ia = interval_agreement(rank_stats, ext)[["year", "share_external_in_interval"]]
                ra = ra.merge(ia, on="year", how="left")
            parts.append(ra.assign(status="ok", reason=""))
    if rank_stats is not None:
        ia = interval_agreement(rank_stats)
        parts.append(ia.drop(columns=["share_external_in_interval"]).assign(source="sensitivity", status="ok", reason=""))
    else:
        parts.append(pd.DataFrame([{"source": "sensitivity", "status": "not available",
                                    "reason": "the sensitivity stage did not run (no uncertainty rank intervals)"}]))
    parts = [p for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True).reindex(columns=cols)
    out["year"] = out["year"].astype("Int64")
    out["n"] = out["n"].astype("Int64")
    return out


# =========================================================================== top and bottom
def _within_weights(result: Any, node: str, year: int) -> dict[str, float]:
    """Weight of every indicator inside ``node`` (tree node: eff(leaf)/eff(node); grouping: eff(leaf)/Σ)."""
    w = result.weights
    if "year" in w.columns and w["year"].notna().any():
        w = w[(w["year"] == year) | w["year"].isna()]
    eff = dict(zip(w["node"].astype(str), w["effective_weight"].astype(float)))
    fw = result.framework
    leaves = fw.leaves_under(node) if node in fw.by_id else next(
        (m for g in fw.groupings for v, m in fw.grouping_members(g).items() if f"{g.id}:{v}" == node), [])
    vals = {x: eff.get(x, np.nan) for x in leaves}
    tot = eff.get(node) if node in fw.by_id else np.nansum(list(vals.values()))
    if not tot:
        return {x: np.nan for x in leaves}
    return {x: v / tot for x, v in vals.items()}


def top_bottom(result: Any, *, year: int | None = None, nodes: Sequence[str] | None = None, k: int = 5) -> pd.DataFrame:
    """Top and bottom ``k`` units of each node in ``year`` (default: last) — default nodes: the children of the
    root and every grouping node.

    Columns ``node, node_name, position, rank, unit, unit_name, score, top_indicator, top_indicator_name,
    top_normalised, top_weight, top_share, note, analyst_note``. ``top_indicator`` is the indicator with the
    largest weighted normalised value (weight inside the node × normalised value); ``top_share`` its share of
    the node's weighted sum. ``note`` states that fact; ``analyst_note`` is left empty for a reviewer.
    """
    fw = result.framework
    year = int(result.years[-1]) if year is None else int(year)
    present = list(dict.fromkeys(result.scores["node"]))
    if nodes is None:
        nodes = fw.children(fw.root) + [n for n in present if ":" in n]
    names = result.node_names()
    norm = result.normalised
    norm = norm[norm["year"] == year]
    Z = norm.pivot_table(index="unit", columns="indicator", values="value", aggfunc="first", observed=True)
    Z.index = Z.index.astype(str)
    rows = []
    for node in nodes:
        s = result.scores[(result.scores["node"] == node) & (result.scores["year"] == year)].dropna(subset=["score"])
        if s.empty:
            continue
        s = s.sort_values(["rank", "unit"])
        ww = _within_weights(result, node, year)
        picks = [("top", s.head(k)), ("bottom", s.tail(k).iloc[::-1])]
        for pos, sub in picks:
            for r in sub.itertuples():
                u = str(r.unit)
                contrib = {x: ww[x] * Z.at[u, x] for x in ww if u in Z.index and x in Z.columns
                           and not pd.isna(Z.at[u, x]) and not pd.isna(ww[x])}
                row = {"node": node, "node_name": names.get(node, node), "year": year, "position": pos,
                       "rank": r.rank, "unit": u, "unit_name": r.unit_name, "score": r.score,
                       "top_indicator": "", "top_indicator_name": "", "top_normalised": np.nan, "top_weight": np.nan,
                       "top_share": np.nan, "note": "", "analyst_note": ""}
                if contrib:
                    best = max(contrib, key=lambda x: contrib[x])
                    total = sum(contrib.values())
                    share = contrib[best] / total if total > 0 else np.nan
                    row.update(top_indicator=best, top_indicator_name=names.get(best, best), top_normalised=Z.at[u, best],
                               top_weight=ww[best], top_share=share)
                    if len(contrib) == 1:
                        row["note"] = f"single indicator {names.get(best, best)} (normalised {Z.at[u, best]:.3g})"
                    else:
                        row["note"] = (f"largest weighted contribution: {names.get(best, best)} (normalised "
                                       f"{Z.at[u, best]:.3g} × weight {ww[best]:.3g} = {share:.0%} of the weighted sum)")
                rows.append(row)
    cols = ["node", "node_name", "year", "position", "rank", "unit", "unit_name", "score", "top_indicator",
            "top_indicator_name", "top_normalised", "top_weight", "top_share", "note", "analyst_note"]
    return pd.DataFrame(rows, columns=cols)


# =========================================================================== driver
def validate_index(result: Any, *, year: int | str | None = None, groups: Any = None, external: Any = None,
                   alpha: float = 0.05, rank_stats: pd.DataFrame | None = None, top_k: int = 5) -> ValidationResult:
    """Validate a composite index: coherence, known groups, external agreement, top and bottom units.

    Parameters
    ----------
    result : :class:`~nqpf.index.result.IndexResult`.
    year : cross-section for the coherence statistics: an int, ``"last"``, or ``None`` (default: pooled
        unit-years). Known groups and top/bottom use this year, or the last year when pooled.
    groups : known-group checks — ``None`` (bundled ``known_groups.toml``), a TOML path, a list of check
        dicts, ``False`` (none), or a mapping ``{"node": id, "expected": "a>b", name_a: [codes], name_b: [codes]}``.
    external : ``unit, year, value`` DataFrame, a CSV path, ``None`` (the published NQPF estimates under
        ``../shared`` when present, else recorded as not available) or ``False`` (skip).
    alpha : significance level for the flags.
    rank_stats : ``uncertainty_rank_stats`` of the sensitivity stage (optional).
    """
    y = _year_arg(result, year)
    ycs = y if y is not None else int(result.years[-1])
    coh, corr, flags = coherence_tables(result, year=y, alpha=alpha)
    notes: list[str] = []
    if groups is False:
        kg = known_group_checks(result, [], year=ycs, alpha=alpha)
    elif isinstance(groups, Mapping):
        g = dict(groups)
        node = g.pop("node", result.framework.root)
        expected = g.pop("expected", "none")
        if len(g) != 2:
            raise DataError(f"validate_index: groups needs exactly two named unit lists; got {list(g)}.")
        (na, ua), (nb, ub) = g.items()
        kg = known_group_checks(result, [{"id": "custom", "title": f"{na} vs {nb}", "expected": expected,
                                          "nodes": [{"node": node}], "group_a": {"name": na, "units": list(ua)},
                                          "group_b": {"name": nb, "units": list(ub)}}], year=ycs, alpha=alpha)
    else:
        kg = known_group_checks(result, groups, year=ycs, alpha=alpha)
    if external is False:
        ext = pd.DataFrame(columns=["source", "status", "reason"])
    else:
        ext = _external_table(result, external, rank_stats)
    tb = top_bottom(result, year=ycs, k=top_k)
    if y is None:
        notes.append(f"Known groups and top/bottom use the last year ({ycs}).")
    return ValidationResult(coherence=coh, correlations=corr, flags=flags, known_groups=kg, external=ext, top_bottom=tb,
                            year=y, alpha=alpha, notes=tuple(notes))
