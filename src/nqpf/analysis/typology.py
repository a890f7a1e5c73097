"""Typology of units by their element profile (分类指导、因地制宜).

Units are grouped on their standardised node scores (e.g. the four NQPF elements 劳动者,
劳动资料, 劳动对象, 优化组合) with k-means (scikit-learn, ``n_init=20``) or Ward hierarchical
clustering (scipy); the number of types k is chosen by the mean silhouette over ``k_range``
unless given. Each type is described by the mean standardised score per node: "high" above
+0.5 sd, "low" below −0.5 sd.
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import ConstantIndicatorWarning, DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params

__all__ = ["TypologyMethod", "standardise", "cluster_labels", "describe_profile", "typology", "TypologyResult"]

TypologyMethod = Literal["kmeans", "ward"]

#: a node is "high" / "low" in a type when its mean standardised score is beyond ± this many sd
THRESHOLD = 0.5


def standardise(x: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column z-scores ``(x − mean) / sd`` with the population sd (ddof = 0).

    Returns the standardised matrix, the means and the standard deviations.

    Examples
    --------
    >>> z, m, s = standardise([[1.0, 10.0], [3.0, 30.0]])
    >>> z.tolist()
    [[-1.0, -1.0], [1.0, 1.0]]
    """
    x = np.asarray(x, dtype=float)
    mean = x.mean(axis=0)
    sd = x.std(axis=0)
    return (x - mean) / sd, mean, sd


def cluster_labels(z: Any, k: int, *, method: TypologyMethod = "kmeans", seed: int = 0) -> np.ndarray:
    """Cluster labels 0…k−1 of the rows of z by k-means (``n_init=20``, ``random_state=seed``) or Ward.

    Examples
    --------
    >>> cluster_labels([[0.0], [0.1], [5.0], [5.1]], 2, method="ward").tolist()
    [0, 0, 1, 1]
    """
    z = np.asarray(z, dtype=float)
    if method == "kmeans":
        from sklearn.cluster import KMeans
        from threadpoolctl import threadpool_limits

        # a few hundred units at most: one OpenMP thread is faster than thread start-up and contention
        with threadpool_limits(limits=1, user_api="openmp"):
            lab = KMeans(n_clusters=k, n_init=20, random_state=seed).fit_predict(z)
    else:
        from scipy.cluster.hierarchy import fcluster, linkage

        lab = fcluster(linkage(z, method="ward"), t=k, criterion="maxclust") - 1
    # relabel by first appearance so that labels do not depend on the library's numbering
    _, first = np.unique(lab, return_index=True)
    mapping = {old: new for new, old in enumerate(lab[np.sort(first)])}
    return np.array([mapping[v] for v in lab], dtype=int)


def describe_profile(mean_z: Mapping[str, float], *, threshold: float = THRESHOLD) -> tuple[str, str, list[str], list[str]]:
    """Readable description of a type from its mean standardised score per node.

    Returns ``(description_zh, description_en, high, low)``; e.g. ``"高: 劳动者, 劳动资料; 低: 优化组合"``.

    Examples
    --------
    >>> describe_profile({"劳动者": 0.9, "劳动资料": 0.6, "劳动对象": 0.1, "优化组合": -0.7})[0]
    '高: 劳动者, 劳动资料; 低: 优化组合'
    >>> describe_profile({"a": 0.1, "b": -0.2})[1]
    'balanced: no element beyond ±0.5 sd'
    """
    high = [k for k, v in sorted(mean_z.items(), key=lambda kv: -kv[1]) if v > threshold]
    low = [k for k, v in sorted(mean_z.items(), key=lambda kv: kv[1]) if v < -threshold]
    if not high and not low:
        return f"均衡: 各要素均在 ±{threshold:g} 标准差以内", f"balanced: no element beyond ±{threshold:g} sd", high, low
    zh = "; ".join(p for p in (f"高: {', '.join(high)}" if high else "", f"低: {', '.join(low)}" if low else "") if p)
    en = "; ".join(p for p in (f"high: {', '.join(high)}" if high else "", f"low: {', '.join(low)}" if low else "") if p)
    return zh, en, high, low


@dataclass(frozen=True)
class TypologyResult(Result):
    """Types of units by element profile.

    Attributes
    ----------
    members : DataFrame
        ``unit, type, description_zh, description_en, silhouette`` (silhouette of the unit).
    types : DataFrame
        ``type, n, description_zh, description_en, high, low, members`` — type 1 has the highest
        mean standardised score over all nodes.
    profiles : DataFrame
        ``type, node, label, mean_z, mean, level`` (``high`` / ``low`` / ``mid``).
    silhouette : DataFrame
        ``k, silhouette`` for each k tried (one row when k was given).
    k : int
    method : str
    seed : int
    """

    members: pd.DataFrame
    types: pd.DataFrame
    profiles: pd.DataFrame
    silhouette: pd.DataFrame
    k: int
    method: str
    seed: int
    nodes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = "typology"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"members": self.members, "types": self.types, "profiles": self.profiles, "silhouette": self.silhouette}

    def summary(self) -> Summary:
        sil = self.silhouette.set_index("k")["silhouette"]
        rows = [("method", self.method), ("types (k)", self.k), ("units", len(self.members)),
                ("nodes", ", ".join(self.nodes)), ("mean silhouette", float(sil.get(self.k, np.nan))), ("seed", self.seed)]
        notes = [f"Scores are standardised per node (z-scores); a node is high / low in a type when its mean z is beyond "
                 f"±{THRESHOLD:g}. Basis for 分类指导、因地制宜."] + list(self.notes)
        return Summary(title="Typology of units (类型划分)", rows=rows,
                       tables={"types": self.types[["type", "n", "description_zh", "description_en"]], "silhouette": self.silhouette},
                       notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(k=self.k, method=self.method, seed=self.seed, notes=list(self.notes))
        return d


#: above this many units the mean silhouette that chooses k is computed on a random sample of this
#: many units (seeded by ``seed``): the exact mean costs O(n²) distances for every k tried. At or
#: below it the exact mean is used, so results on such panels are unchanged. The per-unit
#: silhouettes of the chosen clustering (``members.silhouette``) are always exact.
SILHOUETTE_MAX_N = 2000


def _mean_silhouette(z: np.ndarray, lab: np.ndarray, seed: int) -> float:
    """Mean silhouette of a clustering: exact up to :data:`SILHOUETTE_MAX_N` units, else on a seeded sample."""
    from sklearn.metrics import silhouette_score

    if len(np.unique(lab)) < 2:
        return np.nan
    if len(z) <= SILHOUETTE_MAX_N:
        return float(silhouette_score(z, lab))
    return float(silhouette_score(z, lab, sample_size=SILHOUETTE_MAX_N, random_state=int(seed)))


@validate_params({"seed": [Interval(numbers.Integral, 0, None)], "k": [None, Interval(numbers.Integral, 2, None)]})
def typology(
    node_scores_wide: pd.DataFrame,
    *,
    method: TypologyMethod = "kmeans",
    k: int | None = None,
    k_range: tuple[int, int] = (2, 6),
    seed: int = 0,
    labels: Mapping[str, str] | None = None,
    unit: str = "unit",
) -> TypologyResult:
    """Group units into types by their profile of node scores (e.g. the four NQPF elements).

    Parameters
    ----------
    node_scores_wide : DataFrame
        One row per unit, one numeric column per node (e.g. ``IndexResult.wide(year=2022,
        nodes=[...])``). Units come from the ``unit`` column, else from the index. Non-numeric
        columns (names …) are ignored.
    method : {'kmeans', 'ward'}
    k : int, optional
        Number of types; default chosen by the largest mean silhouette over ``k_range``
        (ties → the smaller k).
    k_range : (int, int)
        Inclusive range of k tried (capped at n_units − 1).
    seed : int
        Seed of k-means (results are deterministic given the seed).
    labels : mapping, optional
        Readable node names for the descriptions (e.g. ``{"labourer": "劳动者"}``).

    Returns
    -------
    TypologyResult

    Notes
    -----
    Rows are sorted by unit before clustering, so the result does not depend on the row order.
    Above :data:`SILHOUETTE_MAX_N` units the mean silhouette that chooses k is computed on a seeded
    random sample of that many units (the exact mean is O(n²) per k); at or below it, exactly.
    Constant nodes carry no information and are left out with a warning. Missing scores raise
    an error (impute first).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcdef"), "x": [0.9, 0.8, 0.85, 0.1, 0.2, 0.15],
    ...                    "y": [0.1, 0.2, 0.15, 0.9, 0.8, 0.85]})
    >>> res = typology(df, k=2)
    >>> res.types[["type", "n", "description_en"]]
       type  n   description_en
    0     1  3  high: x; low: y
    1     2  3  high: y; low: x
    """
    where = "typology"
    check_option(method, TypologyMethod, param="method", caller=where)
    if not isinstance(node_scores_wide, pd.DataFrame):
        raise DataError(f"{where}: node_scores_wide must be a pandas DataFrame; got {type(node_scores_wide).__name__}. "
                        "Pass a unit × node table.")
    df = node_scores_wide
    if unit in df.columns:
        units = df[unit].astype(str)
        df = df.drop(columns=[unit])
    else:
        units = pd.Series(df.index.astype(str), index=df.index)
    if units.duplicated().any():
        raise DataError(f"{where}: units must be unique; got duplicates {sorted(units[units.duplicated()].unique())[:5]}. "
                        "Pass one row per unit (select one year).")
    nodes = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
             and c != "year"]
    if not nodes:
        raise DataError(f"{where}: no numeric node columns; got columns {list(node_scores_wide.columns)}. Pass one column per node.")
    x = df[nodes].to_numpy(dtype=float)
    if np.isnan(x).any():
        bad = sorted(units.to_numpy()[np.isnan(x).any(axis=1)].tolist())
        raise DataError(f"{where}: node scores must not be missing; got NaN for units {bad[:10]}. Impute or drop them first.")
    notes: list[str] = []
    sd = x.std(axis=0)
    const = [str(nodes[j]) for j in np.where(sd == 0)[0]]
    if const:
        warnings.warn(f"{where}: nodes {const} are constant across units and were left out of the clustering.",
                      ConstantIndicatorWarning, stacklevel=2)
        notes.append(f"Constant nodes left out: {const}.")
        keep = sd > 0
        nodes = [n for n, kk in zip(nodes, keep) if kk]
        x = x[:, keep]
    n = x.shape[0]
    if not nodes:
        raise DataError(f"{where}: every node is constant across units; nothing to cluster. Pass varying scores.")
    if n < 3:
        raise DataError(f"{where}: at least 3 units are needed; got {n}. Pass more units.")
    # order-independence: cluster on rows sorted by unit
    order = np.argsort(units.to_numpy(), kind="stable")
    units_sorted = units.to_numpy()[order]
    x = x[order]
    z, mean, sdv = standardise(x)
    label_of = {str(nd): (labels or {}).get(nd, str(nd)) for nd in nodes}

    from sklearn.metrics import silhouette_samples

    sil_rows = []
    if k is None:
        lo, hi = k_range
        if not (isinstance(lo, (int, np.integer)) and isinstance(hi, (int, np.integer)) and 2 <= lo <= hi):
            raise MethodError(f"{where}: k_range must be (lo, hi) with 2 <= lo <= hi; got {k_range!r}. Use e.g. (2, 6).")
        hi = min(int(hi), n - 1)
        if hi < lo:
            raise MethodError(f"{where}: k_range {k_range!r} leaves no k below the number of units ({n}). Lower k_range or pass k.")
        best_k, best_s, best_lab = None, -np.inf, None
        for kk in range(int(lo), hi + 1):
            lab = cluster_labels(z, kk, method=method, seed=seed)
            s = _mean_silhouette(z, lab, seed)
            sil_rows.append({"k": kk, "silhouette": s})
            if np.isfinite(s) and s > best_s + 1e-12:
                best_k, best_s, best_lab = kk, s, lab
        if best_k is None:
            raise MethodError(f"{where}: no k in {k_range!r} gave a valid clustering. Pass k explicitly.")
        k_final, lab = best_k, best_lab
    else:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not 2 <= k <= n - 1:
            raise MethodError(f"{where}: k must be an int between 2 and the number of units − 1 ({n - 1}); got {k!r}. Pass a smaller k.")
        k_final = int(k)
        lab = cluster_labels(z, k_final, method=method, seed=seed)
        sil_rows.append({"k": k_final, "silhouette": _mean_silhouette(z, lab, seed)})
    sil_each = silhouette_samples(z, lab) if len(np.unique(lab)) > 1 else np.full(n, np.nan)

    # number types by descending mean standardised score (then size, then first unit)
    groups = sorted(np.unique(lab), key=lambda g: (-z[lab == g].mean(), -(lab == g).sum(), units_sorted[lab == g][0]))
    type_of = {g: i + 1 for i, g in enumerate(groups)}
    types = np.array([type_of[g] for g in lab])

    prof_rows, type_rows = [], []
    for g in groups:
        t = type_of[g]
        mz = z[lab == g].mean(axis=0)
        mraw = x[lab == g].mean(axis=0)
        desc_zh, desc_en, high, low = describe_profile({label_of[str(nd)]: float(v) for nd, v in zip(nodes, mz)})
        for nd, vz, vr in zip(nodes, mz, mraw):
            level = "high" if vz > THRESHOLD else "low" if vz < -THRESHOLD else "mid"
            prof_rows.append({"type": t, "node": str(nd), "label": label_of[str(nd)], "mean_z": float(vz), "mean": float(vr), "level": level})
        type_rows.append({"type": t, "n": int((lab == g).sum()), "description_zh": desc_zh, "description_en": desc_en,
                          "high": ", ".join(high), "low": ", ".join(low), "members": ", ".join(units_sorted[lab == g])})
    desc = {r["type"]: (r["description_zh"], r["description_en"]) for r in type_rows}
    members = pd.DataFrame({"unit": units_sorted, "type": types,
                            "description_zh": [desc[t][0] for t in types], "description_en": [desc[t][1] for t in types],
                            "silhouette": sil_each}).sort_values(["type", "unit"]).reset_index(drop=True)
    return TypologyResult(members=members, types=pd.DataFrame(type_rows), profiles=pd.DataFrame(prof_rows),
                          silhouette=pd.DataFrame(sil_rows), k=k_final, method=method, seed=int(seed),
                          nodes=[str(nd) for nd in nodes], notes=notes)
