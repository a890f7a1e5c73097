"""Obstacle degree model (障碍度模型): which indicators and framework nodes hold a unit back.

For every unit × year (methods-reference §11)::

    factor contribution  F_j = w_j                  (two-level: F_j = W_k · w_j|k)
    deviation degree     I_ij = 1 − z_ij
    obstacle degree      O_ij = F_j I_ij / Σ_j F_j I_ij
    node level           U_ik = Σ_{j ∈ k} O_ij      (every ancestor node k of indicator j)

Obstacle degrees are returned both as fractions (column ``obstacle``, Σ_j = 1, the convention
of the oracle files) and as percentages (``obstacle_pct``, Σ_j = 100).
"""
from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError, MethodWarning
from .._ranking import rank_desc
from .._results import Result, Summary
from .._validation import Interval, validate_params

__all__ = [
    "deviation_degree",
    "obstacle_degrees",
    "aggregate_obstacles",
    "obstacle_degree",
    "ObstacleResult",
]

_TOL = 1e-9


def deviation_degree(z: Any) -> np.ndarray:
    """Deviation degree ``I_ij = 1 − z_ij`` of normalised values z in [0, 1] (methods-reference §11).

    Examples
    --------
    >>> deviation_degree([0.9, 0.2]).round(6).tolist()
    [0.1, 0.8]
    """
    return 1.0 - np.asarray(z, dtype=float)


def obstacle_degrees(z: Any, f: Any) -> np.ndarray:
    """Obstacle degrees ``O_ij = F_j I_ij / Σ_j F_j I_ij`` as fractions (methods-reference §11).

    Parameters
    ----------
    z : array of shape (m, p)
        Normalised values (benefit direction, in [0, 1]), one row per unit-year.
    f : array of shape (p,)
        Factor contributions F_j.

    Returns
    -------
    ndarray of shape (m, p)
        Rows sum to 1 over the indicators with a value. A missing z leaves that indicator out
        (its O is NaN; the others share 100 %). A row whose denominator is 0 (the unit is at the
        frontier on every weighted indicator) or has no value at all is all NaN: O is undefined there.

    Examples
    --------
    >>> obstacle_degrees([[0.9, 0.2, 0.5, 1.0]], [0.4, 0.3, 0.2, 0.1]).round(6).tolist()
    [[0.105263, 0.631579, 0.263158, 0.0]]
    >>> obstacle_degrees([[0.9, np.nan, 0.5, 1.0]], [0.4, 0.3, 0.2, 0.1]).round(6).tolist()
    [[0.285714, nan, 0.714286, 0.0]]
    """
    z = np.atleast_2d(np.asarray(z, dtype=float))
    f = np.asarray(f, dtype=float)
    contrib = f[None, :] * deviation_degree(z) if f.ndim == 1 else f * deviation_degree(z)
    denom = np.nansum(contrib, axis=1)
    ok = np.isfinite(denom) & (denom > 0)
    out = np.full_like(contrib, np.nan)
    out[ok] = contrib[ok] / denom[ok, None]
    return out


def aggregate_obstacles(o: Any, membership: Any) -> np.ndarray:
    """Node-level obstacle degrees ``U_ik = Σ_{j∈k} O_ij`` (methods-reference §11).

    Parameters
    ----------
    o : array of shape (m, p)
        Indicator obstacle degrees.
    membership : array of shape (p, K)
        1 where indicator j lies under node k (at any depth), else 0.

    Examples
    --------
    >>> aggregate_obstacles([[0.1, 0.6, 0.3]], [[1, 0], [1, 0], [0, 1]]).round(6).tolist()
    [[0.7, 0.3]]
    """
    return np.asarray(o, dtype=float) @ np.asarray(membership, dtype=float)


@dataclass(frozen=True)
class ObstacleResult(Result):
    """Obstacle degrees per unit × year × indicator and per framework node.

    Attributes
    ----------
    indicators : DataFrame
        ``<id columns>, indicator, weight (F_j), z, deviation, obstacle, obstacle_pct, rank`` —
        ``obstacle`` is a fraction (Σ over the indicators of a unit-year = 1), ``obstacle_pct``
        the same in percent; rank 1 = largest obstacle within the unit-year.
    nodes : DataFrame
        ``<id columns>, node, level, obstacle, obstacle_pct, rank`` for every ancestor node of the
        indicators (``level`` = depth below the root, root = 0); rank within unit-year and level.
    top : DataFrame
        ``<id columns>, rank, indicator, label, obstacle, obstacle_pct`` — the ``top_k`` largest
        obstacles of each unit-year.
    top_wide : DataFrame
        One row per unit-year, columns ``top1 … topk`` holding readable labels with the percentage.
    factor_contribution : Series
        F_j per indicator (or a DataFrame year × indicator for year-specific weights).
    top_k : int
    notes : list of str
    """

    indicators: pd.DataFrame
    nodes: pd.DataFrame
    top: pd.DataFrame
    top_wide: pd.DataFrame
    factor_contribution: Any
    id_columns: list[str]
    top_k: int
    notes: list[str] = field(default_factory=list)
    kind: str = "obstacle"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"indicators": self.indicators, "nodes": self.nodes, "top": self.top, "top_wide": self.top_wide}

    def summary(self) -> Summary:
        ind = self.indicators.dropna(subset=["obstacle"])
        freq = (self.top.groupby("indicator").size().sort_values(ascending=False).rename("times in top").to_frame())
        mean = ind.groupby("indicator")["obstacle_pct"].mean().sort_values(ascending=False).rename("mean obstacle %")
        rows = [
            ("unit-years", int(len(self.top_wide))),
            ("indicators", int(self.indicators["indicator"].nunique())),
            ("framework nodes", int(self.nodes["node"].nunique()) if len(self.nodes) else 0),
            ("top k", self.top_k),
        ]
        notes = ["obstacle is a fraction (sums to 1 per unit-year); obstacle_pct is the same in percent (sums to 100)."]
        notes += self.notes
        return Summary(title="Obstacle degree (障碍度)", rows=rows,
                       tables={"mean obstacle % by indicator": mean.to_frame(), "frequency in the top list": freq},
                       notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(top_k=self.top_k, notes=list(self.notes))
        return d


# --------------------------------------------------------------------------- helpers
def _tree_from_weights(weights: pd.DataFrame) -> dict[str, str]:
    if "parent" not in weights.columns:
        return {}
    t = weights[["node", "parent"]].drop_duplicates()
    return {str(n): str(p) for n, p in zip(t["node"], t["parent"]) if isinstance(p, str) and p != ""}


def _depths(tree: Mapping[str, str], nodes: list[str], where: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for start in nodes:
        path, node = [], start
        while node in tree:
            if node in path:
                raise DataError(f"{where}: the parent mapping has a cycle; got {' → '.join(path + [node])}. Fix the parent of {node!r}.")
            path.append(node)
            node = tree[node]
        out[start] = len(path)
    return out


def _ancestors(tree: Mapping[str, str], node: str) -> list[str]:
    out = []
    while node in tree:
        node = tree[node]
        out.append(node)
    return out


def _factor_from_frame(weights: pd.DataFrame, indicators: list[str], tree: Mapping[str, str], where: str):
    need = {"node", "weight"}
    if not need <= set(weights.columns):
        raise DataError(f"{where}: a weights table needs the columns 'node' and 'weight'; got {list(weights.columns)}. "
                        "Pass IndexResult.weights or a mapping indicator → weight.")
    w = weights.copy()
    w["node"] = w["node"].astype(str)
    by_year = "year" in w.columns and w["year"].notna().any()

    def factors(sub: pd.DataFrame) -> pd.Series:
        if "effective_weight" in sub.columns and sub["effective_weight"].notna().all():
            s = sub.set_index("node")["effective_weight"].astype(float)
            return s.reindex(indicators)
        own = sub.set_index("node")["weight"].astype(float)
        out = {}
        for ind in indicators:
            val = own.get(ind, np.nan)
            for anc in _ancestors(tree, ind):
                if anc in own.index and np.isfinite(own[anc]):
                    val *= own[anc]
            out[ind] = val
        return pd.Series(out)

    if by_year:
        return pd.DataFrame({int(y): factors(sub) for y, sub in w.groupby("year")}).T
    return factors(w)


# --------------------------------------------------------------------------- API
def _tiled_labels(labels: list[str], m: int) -> Any:
    """``labels`` repeated ``m`` times (as ``np.tile``), as the column array pandas would make of it.

    The few distinct labels are converted once and then taken (``np.tile`` of strings, converted
    element by element, cost seconds at county scale: 2,800 × 15 unit-years × 40 indicators).
    """
    return pd.Series(np.array(labels)).take(np.tile(np.arange(len(labels)), m)).array


def _wide(data: pd.DataFrame, ids: list[str], where: str) -> pd.DataFrame:
    """The long table ``ids, indicator, value`` as one row per ``ids`` key and one column per indicator (pandas'
    pivot); duplicate (key, indicator) rows are an error."""
    dup = data.duplicated(ids + ["indicator"])
    if dup.any():
        raise DataError(f"{where}: the long table has {int(dup.sum())} duplicate (unit, year, indicator) rows. Keep one row per cell.")
    wide = data.pivot(index=ids, columns="indicator", values="value").reset_index()
    wide.columns.name = None
    return wide


@validate_params({"top_k": [Interval(numbers.Integral, 1, None)]})
def obstacle_degree(
    normalised_wide: pd.DataFrame,
    weights: Mapping[str, float] | pd.Series | pd.DataFrame,
    *,
    parent: Mapping[str, str] | None = None,
    top_k: int = 5,
    node_weights: Mapping[str, float] | None = None,
    labels: Mapping[str, str] | None = None,
) -> ObstacleResult:
    """Obstacle degree of every indicator and framework node for each unit × year.

    Parameters
    ----------
    normalised_wide : DataFrame
        Normalised values z in [0, 1] (benefit direction, e.g. ``IndexResult.normalised``):
        wide — one row per unit-year, one column per indicator; every column that is not a weighted
        indicator (``unit``, ``year``, ``unit_name`` …) is kept as an id column; without a ``unit``
        column the index is the unit — or long with columns ``unit, year, indicator, value``
        (indicators without a weight are left out, with a note).
    weights : mapping, Series or DataFrame
        Either indicator → factor contribution F_j (for the two-level form pass the within-node
        weights w_j|k and ``node_weights``), or a weights table with columns ``node, weight``
        and optionally ``parent``, ``effective_weight``, ``year`` (``IndexResult.weights``):
        then F_j is the effective weight (product of the weights along the path to the root),
        per year when the table has years.
    parent : mapping, optional
        child → parent for the framework tree (indicator → criterion, criterion → dimension …),
        used to aggregate to every node. Default: the ``parent`` column of a weights table.
    top_k : int
        Length of the obstacle list per unit-year (default 5).
    node_weights : mapping, optional
        Node weights W_k: F_j = w_j · Π W_a over the ancestors a of j found in the mapping.
    labels : mapping, optional
        Readable names of indicators (for ``top`` and ``top_wide``); default the ids.

    Returns
    -------
    ObstacleResult

    Notes
    -----
    Formulas: methods-reference §11. O is stored as a fraction in ``obstacle`` and in percent in
    ``obstacle_pct``. When Σ_j F_j I_ij = 0 (the unit is at the frontier on every weighted
    indicator), O is undefined: the unit-year gets NaN and a note; nothing is divided by zero.
    A missing z leaves that indicator out of its unit-year (its O is NaN, the others share 100 %),
    with a note counting such unit-years. The weights need not sum to 1 (O is scale-free).

    Examples
    --------
    >>> import pandas as pd
    >>> z = pd.DataFrame({"unit": ["u1", "u2"], "x1": [0.9, 0.1], "x2": [0.2, 0.0]})
    >>> res = obstacle_degree(z, {"x1": 0.6, "x2": 0.4}, parent={"x1": "A", "x2": "A"}, top_k=1)
    >>> res.indicators[["unit", "indicator", "obstacle"]].round(4)
      unit indicator  obstacle
    0   u1        x1    0.1579
    1   u1        x2    0.8421
    2   u2        x1    0.5745
    3   u2        x2    0.4255
    >>> res.top_wide
      unit        top1
    0   u1  x2 (84.2%)
    1   u2  x1 (57.4%)
    """
    where = "obstacle_degree"
    if not isinstance(normalised_wide, pd.DataFrame):
        raise DataError(f"{where}: normalised_wide must be a pandas DataFrame; got {type(normalised_wide).__name__}. "
                        "Pass the normalised values as a table.")
    notes: list[str] = []

    # ---- weights and tree
    if isinstance(weights, pd.DataFrame):
        if node_weights is not None:
            raise MethodError(f"{where}: node_weights cannot be combined with a weights table; got both. The table's "
                              "weights along the path already give F_j; pass a mapping of within-node weights instead.")
        tree = dict(parent) if parent is not None else _tree_from_weights(weights)
        table_nodes = set(weights["node"].astype(str)) if "node" in weights.columns else set()
    elif isinstance(weights, (Mapping, pd.Series)):
        tree = dict(parent) if parent is not None else {}
        table_nodes = set()
    else:
        raise MethodError(f"{where}: weights must be a mapping, a Series or a weights table; got {type(weights).__name__}. "
                          "Pass e.g. {'x1': 0.6, 'x2': 0.4}.")
    tree = {str(k): str(v) for k, v in tree.items() if v is not None and str(v) != ""}

    # ---- the data, wide
    data = normalised_wide
    long_input = {"indicator", "value"} <= set(data.columns)
    if long_input:
        ids = [c for c in ("unit", "year") if c in data.columns]
        if not ids:
            raise DataError(f"{where}: a long table needs a 'unit' column; got {list(data.columns)}. Add the unit ids.")
        data = _wide(data, ids, where)
    if isinstance(weights, pd.DataFrame):
        indicators = [c for c in data.columns if str(c) in table_nodes and str(c) not in tree.values()]
        if not indicators:
            raise DataError(f"{where}: no column of the data is a leaf node of the weights table; got columns {list(data.columns)}. "
                            "Pass the normalised indicator values of the same framework.")
        f = _factor_from_frame(weights, [str(c) for c in indicators], tree, where)
    else:
        wser = pd.Series(weights, dtype=float) if isinstance(weights, Mapping) else weights.astype(float)
        wser.index = wser.index.astype(str)
        indicators = list(wser.index)
        missing = [c for c in indicators if c not in data.columns]
        if missing:
            raise DataError(f"{where}: indicators {missing} have a weight but no column in the data; got columns "
                            f"{list(data.columns)}. Pass their normalised values or drop their weights.")
        f = wser.copy()
        if node_weights is not None:
            nw = {str(k): float(v) for k, v in node_weights.items()}
            for ind in indicators:
                for anc in _ancestors(tree, ind):
                    if anc in nw:
                        f[ind] *= nw[anc]
            unused = sorted(set(nw) - {a for ind in indicators for a in _ancestors(tree, ind)})
            if unused:
                raise MethodError(f"{where}: node_weights names nodes that are not ancestors of any indicator; got {unused}. "
                                  "Check parent (indicator → node) and the node ids.")
    fframe = f if isinstance(f, pd.DataFrame) else f.to_frame().T
    fvals = fframe.to_numpy(dtype=float)
    invalid = ~(np.isfinite(fvals) & (np.nan_to_num(fvals, nan=-1.0) >= 0))
    if invalid.any():
        bad = [str(c) for c, b in zip(fframe.columns, invalid.any(axis=0)) if b]
        raise DataError(f"{where}: factor contributions must be finite and non-negative; got invalid or missing weights for {bad}. "
                        "Give every indicator a weight >= 0.")
    if long_input:
        extra = [c for c in data.columns if c not in indicators and c not in ("unit", "year")]
        if extra:
            notes.append(f"{len(extra)} indicators of the long table have no weight and were not used: {[str(c) for c in extra][:10]}.")
            data = data.drop(columns=extra)
    id_cols = [c for c in data.columns if c not in indicators]
    if "unit" not in id_cols:
        if isinstance(data.index, pd.MultiIndex):
            data = data.reset_index()
        else:
            data = data.rename_axis("unit").reset_index()
        id_cols = [c for c in data.columns if c not in indicators]
        if "unit" not in id_cols:
            raise DataError(f"{where}: no 'unit' column or index level; got columns {id_cols}. Name the unit column 'unit'.")
    if isinstance(f, pd.DataFrame) and "year" not in id_cols:
        raise DataError(f"{where}: the weights are year-specific but the data have no 'year' column; got {id_cols}. Add the year column.")
    indicators = [str(c) for c in indicators]
    data = data.rename(columns={c: str(c) for c in data.columns})
    key = ["unit"] + (["year"] if "year" in id_cols else [])
    dup = data.duplicated(key)
    if dup.any():
        raise DataError(f"{where}: {int(dup.sum())} rows repeat a ({', '.join(key)}) key; e.g. {data.loc[dup, key].iloc[0].tolist()}. "
                        "Keep one row per unit-year.")

    non_num = [c for c in indicators if not pd.api.types.is_numeric_dtype(data[c])]
    if non_num:
        raise DataError(f"{where}: indicator columns {non_num} are not numeric. Convert them to numbers first.")
    z = data[indicators].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        out_low, out_high = z < -_TOL, z > 1 + _TOL
    if (out_low | out_high).any():
        parts = []
        for j, c in enumerate(indicators):
            k = int((out_low[:, j] | out_high[:, j]).sum())
            if k:
                col = z[:, j][out_low[:, j] | out_high[:, j]]
                parts.append(f"{c!r} ({k} values, min {col.min():.6g}, max {col.max():.6g})")
        raise DataError(f"{where}: normalised values must lie in [0, 1]; got values outside for {', '.join(parts)}. "
                        "Pass min–max normalised values in the benefit direction (e.g. IndexResult.normalised).")
    rounding = np.isfinite(z) & ((z < 0) | (z > 1))
    if rounding.any():
        notes.append(f"{int(rounding.sum())} values within {_TOL:g} outside [0, 1] (floating-point rounding) were set to the bound.")
        z = np.clip(z, 0.0, 1.0, where=np.isfinite(z), out=z.copy())

    if isinstance(f, pd.DataFrame):
        years = data["year"].astype(int).to_numpy()
        missing_years = sorted(set(years) - set(f.index.astype(int)))
        if missing_years:
            raise DataError(f"{where}: the weights table has no weights for years {missing_years}. Pass weights for every year of the data.")
        fmat = f.loc[years, indicators].to_numpy(dtype=float)
    else:
        fmat = np.broadcast_to(f.reindex(indicators).to_numpy(dtype=float), z.shape)
    o = obstacle_degrees(z, fmat)

    undefined = np.isnan(o).all(axis=1)
    partial = np.isnan(z).any(axis=1) & ~undefined
    if partial.any():
        notes.append(f"{int(partial.sum())} unit-years have missing normalised values; those indicators are left out "
                     "and the obstacle degrees of the others sum to 100 %.")
    if undefined.any():
        has_nan = np.isnan(z).all(axis=1)
        frontier = undefined & ~has_nan
        ex = data.loc[undefined, key].astype(str).agg("/".join, axis=1).tolist()[:5]
        if frontier.any():
            notes.append(f"{int(frontier.sum())} unit-years are at the frontier on every weighted indicator (Σ F·I = 0); "
                         "their obstacle degrees are undefined and set to NaN.")
        if has_nan.any():
            notes.append(f"{int(has_nan.sum())} unit-years have no normalised value at all; their obstacle degrees are set to NaN.")
        warnings.warn(f"{where}: obstacle degrees are undefined (NaN) for {int(undefined.sum())} unit-years, e.g. {ex}; see the notes.",
                      MethodWarning, stacklevel=2)

    label = {c: (labels or {}).get(c, c) for c in indicators}
    m, p = z.shape
    ids = data[id_cols].reset_index(drop=True)
    rep = ids.loc[np.repeat(np.arange(m), p)].reset_index(drop=True)
    ind_tab = rep.assign(
        indicator=_tiled_labels(indicators, m),
        weight=fmat.reshape(-1),
        z=z.reshape(-1),
        deviation=deviation_degree(z).reshape(-1),
        obstacle=o.reshape(-1),
        obstacle_pct=100.0 * o.reshape(-1),
    )
    ind_tab["rank"] = _rank_within(o)
    # ---- nodes
    node_list: list[str] = []
    for ind in indicators:
        for anc in _ancestors(tree, ind):
            if anc not in node_list:
                node_list.append(anc)
    if node_list:
        memb = np.array([[1.0 if node in _ancestors(tree, ind) else 0.0 for node in node_list] for ind in indicators])
        u = aggregate_obstacles(np.nan_to_num(o, nan=0.0), memb)
        u[undefined] = np.nan
        depth = _depths(tree, node_list, where)
        levels = np.array([depth[nd] for nd in node_list])
        ranks = np.zeros_like(u, dtype=float)
        for lv in np.unique(levels):
            cols = levels == lv
            ranks[:, cols] = _rank_within(u[:, cols]).to_numpy(dtype=float, na_value=np.nan).reshape(m, cols.sum())
        k = len(node_list)
        node_tab = ids.loc[np.repeat(np.arange(m), k)].reset_index(drop=True).assign(
            node=_tiled_labels(node_list, m), level=np.tile(levels, m), obstacle=u.reshape(-1), obstacle_pct=100.0 * u.reshape(-1),
            rank=pd.array(np.where(ranks.reshape(-1) == 0, np.nan, ranks.reshape(-1)), dtype="Int64"),
        )
    else:
        node_tab = pd.DataFrame(columns=id_cols + ["node", "level", "obstacle", "obstacle_pct", "rank"])
        notes.append("No parent mapping was given, so obstacle degrees were not aggregated to framework nodes.")
    # ---- top-k
    kk = min(int(top_k), p)
    order = np.argsort(-np.nan_to_num(o, nan=-np.inf), axis=1, kind="stable")[:, :kk]
    top, top_wide = _top_lists(o, order, undefined, indicators, label, ids)
    if kk < top_k:
        notes.append(f"top_k={top_k} exceeds the number of indicators ({p}); the lists have {p} entries.")
    return ObstacleResult(indicators=ind_tab, nodes=node_tab, top=top, top_wide=top_wide, factor_contribution=f,
                          id_columns=id_cols, top_k=kk, notes=notes)


def _top_lists(o: np.ndarray, order: np.ndarray, undefined: np.ndarray, indicators: list[str],
               label: Mapping[str, str], ids: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``top`` (long) and ``top_wide`` tables: the ``order.shape[1]`` largest obstacles of every defined
    unit-year, built column by column (the row-by-row reference is ``tests/_reference.obstacle_top_lists_rows``)."""
    m, kk = order.shape
    cols = [f"top{r}" for r in range(1, kk + 1)]
    rows = np.flatnonzero(~undefined)
    ii = np.repeat(rows, kk)
    jj = order[rows].reshape(-1)
    ind_arr = np.array(indicators, dtype=object)
    lab_arr = np.array([label[c] for c in indicators], dtype=object)
    val = o[ii, jj]
    pct = 100.0 * val
    top = pd.DataFrame({"_i": ii.astype(np.int64), "rank": np.tile(np.arange(1, kk + 1, dtype=np.int64), rows.size),
                        "indicator": list(ind_arr[jj]), "label": list(lab_arr[jj]), "obstacle": val, "obstacle_pct": pct})
    top = pd.concat([ids.loc[top["_i"]].reset_index(drop=True), top.drop(columns="_i")], axis=1)
    # Python floats and ints (tolist) format and index faster than numpy scalars, to the same text
    text = [f"{lab} ({v:.1f}%)" for lab, v in zip(lab_arr[jj].tolist(), pct.tolist())]
    row_list = rows.tolist()
    wide: dict[str, list] = {}
    for r, c in enumerate(cols):
        col: list = [np.nan] * m
        for i, t in zip(row_list, text[r::kk]):
            col[i] = t
        wide[c] = col
    wide_df = pd.DataFrame(wide, index=ids.index, columns=cols) if m else \
        pd.DataFrame([{} for _ in range(m)], index=ids.index, columns=cols)
    top_wide = pd.concat([ids, wide_df], axis=1)
    return top, top_wide


def _rank_within(values: np.ndarray) -> np.ndarray:
    """Rank 1 = largest within each row (ties, equal within a relative 1e-12, = min rank: :func:`nqpf._ranking.rank_desc`);
    NaN values are unranked (<NA>). Returned flattened."""
    ranks = rank_desc(np.asarray(values, dtype=float), axis=1)
    return pd.array(ranks.reshape(-1), dtype="Int64")
