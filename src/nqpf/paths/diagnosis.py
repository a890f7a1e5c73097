"""The evidence for the path recommender (:class:`Diagnosis`) and adapters from index results.

A :class:`Diagnosis` holds plain DataFrames — node scores, the node table, units and groups,
obstacle degrees, coupling coordination, typology and rank intervals — so guides can be built
from any source. :func:`diagnose` builds one from an :class:`~nqpf.index.result.IndexResult`
(taking the tables of earlier stages when given, computing the missing ones with
:mod:`nqpf.analysis`), :func:`diagnose_dir` from a saved run directory.
"""
from __future__ import annotations

import difflib
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

from ._frames import records
from .._errors import DataError, NqpfError

__all__ = ["Diagnosis", "diagnose", "diagnose_dir", "TAG_LABELS_EN"]

TAG_LABELS_EN = {
    "劳动者": "new-type laborers", "劳动资料": "new means of labour", "劳动对象": "new objects of labour",
    "优化组合": "optimal combination", "数据": "data", "算法": "algorithms", "算力": "compute",
    "数字产业化": "digital industrialisation", "产业数字化": "industrial digitalisation",
    "数实融合": "digital–real integration", "科技创新": "science & technology innovation", "绿色低碳": "green & low-carbon",
}

# ============================================================================ diagnosis

def _as_wide(scores: pd.DataFrame) -> pd.DataFrame:
    if {"node", "score"} <= set(scores.columns):
        if "unit" not in scores.columns or "year" not in scores.columns:
            raise DataError(f"Diagnosis: long scores need columns unit, year, node, score; got {list(scores.columns)}. Add the missing columns.")
        w = scores.pivot_table(index=["unit", "year"], columns="node", values="score", aggfunc="first")
        w.columns = [str(c) for c in w.columns]
        return w.reset_index()
    missing = [c for c in ("unit", "year") if c not in scores.columns]
    if missing:
        raise DataError(f"Diagnosis: scores need columns 'unit' and 'year' plus one column per node; got {list(scores.columns)}. "
                        "Pass IndexResult.scores (long) or a wide unit-year × node table.")
    return scores.copy()


def _norm_nodes(nodes: pd.DataFrame) -> pd.DataFrame:
    if "id" not in nodes.columns:
        raise DataError(f"Diagnosis: the node table needs an 'id' column; got {list(nodes.columns)}. Pass Framework.to_frame().")
    n = nodes.copy()
    for c in ("kind", "parent", "name_zh", "name_en", "element", "driver", "type", "tags", "derive"):
        if c not in n.columns:
            n[c] = ""
    n = n.fillna("")
    for c in ("id", "kind", "parent", "name_zh", "name_en", "element", "driver", "type", "tags", "derive"):
        n[c] = n[c].astype(str)
    n.loc[n["kind"].isin(["", "node"]), "kind"] = "aggregate"
    return n.reset_index(drop=True)


def _norm_obstacles(ob: pd.DataFrame | None) -> pd.DataFrame | None:
    if ob is None or len(ob) == 0:
        return None
    o = ob.copy()
    if "node" not in o.columns and "indicator" in o.columns:
        o = o.rename(columns={"indicator": "node"})
    if not {"unit", "year", "node"} <= set(o.columns):
        raise DataError(f"Diagnosis: obstacles need columns unit, year, node (or indicator), obstacle_pct; got {list(o.columns)}. "
                        "Pass ObstacleResult.indicators and .nodes concatenated.")
    if "obstacle_pct" not in o.columns:
        if "obstacle" not in o.columns:
            raise DataError(f"Diagnosis: obstacles need an 'obstacle_pct' (percent) or 'obstacle' (fraction) column; got {list(o.columns)}.")
        o["obstacle_pct"] = o["obstacle"].astype(float) * 100.0
    o["unit"] = o["unit"].astype(str)
    o["year"] = o["year"].astype(int)
    o["node"] = o["node"].astype(str)
    return o[["unit", "year", "node", "obstacle_pct"]].drop_duplicates(["unit", "year", "node"]).reset_index(drop=True)


def _norm_coupling(cp: pd.DataFrame | None) -> pd.DataFrame | None:
    if cp is None or len(cp) == 0:
        return None
    if not {"unit", "year", "D"} <= set(cp.columns):
        raise DataError(f"Diagnosis: coupling needs columns unit, year, D (and class_zh, class_en, lagging); got {list(cp.columns)}. "
                        "Pass CouplingResult.table.")
    c = cp.copy()
    for col in ("class_zh", "class_en", "lagging"):
        if col not in c.columns:
            c[col] = ""
    c["unit"] = c["unit"].astype(str)
    c["year"] = c["year"].astype(int)
    c[["class_zh", "class_en", "lagging"]] = c[["class_zh", "class_en", "lagging"]].fillna("").astype(str)
    return c[["unit", "year", "D", "class_zh", "class_en", "lagging"]].reset_index(drop=True)


def _norm_typology(ty: pd.DataFrame | None) -> pd.DataFrame | None:
    if ty is None or len(ty) == 0:
        return None
    label = next((c for c in ("type", "type_zh", "label", "label_zh", "cluster", "class") if c in ty.columns), None)
    if "unit" not in ty.columns or label is None:
        raise DataError(f"Diagnosis: typology needs columns unit and type (or label/cluster); got {list(ty.columns)}.")
    t = pd.DataFrame({"unit": ty["unit"].astype(str), "type": ty[label].astype(str)})
    en = next((c for c in ("type_en", "label_en") if c in ty.columns), None)
    t["type_en"] = ty[en].astype(str) if en else t["type"]
    if "description_zh" in ty.columns:  # nqpf.analysis.typology members: type number + profile description
        t["type"] = [f"类型{a}（{b}）" for a, b in zip(ty[label].astype(str), ty["description_zh"].astype(str))]
        den = ty["description_en"].astype(str) if "description_en" in ty.columns else ty["description_zh"].astype(str)
        t["type_en"] = [f"type {a} ({b})" for a, b in zip(ty[label].astype(str), den)]
    if "year" in ty.columns:
        t["year"] = ty["year"].astype(int)
    return t.reset_index(drop=True)


#: columns of a quality-findings table that may list the derived indicators a finding affects
_AFFECTS_COLS = ("indicators", "affects", "affected", "affected_indicators", "derived", "indicator")


def _split(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and v != v):
        return []
    if isinstance(v, (list, tuple, set)):
        return [str(x) for x in v if str(x)]
    return [x.strip() for x in re.split(r"[;,|]", str(v)) if x.strip()]


def _norm_quality(q: Any, nodes: pd.DataFrame) -> pd.DataFrame | None:
    """Flagged (unit, indicator) pairs from a quality-findings table (``IndexResult.quality``).

    Accepts the findings of :mod:`nqpf.index.quality` (``unit, series, years, rule, severity, action``,
    ``units`` for panel-wide findings with ``unit = "*"``) and any column listing the derived indicators
    affected. A series is mapped to the indicators that derive from it (the framework's ``derive``
    expressions) and to itself when it is an indicator. Returns ``unit, indicator, series, rule,
    severity, action, years`` with ``unit = "*"`` for all units.
    """
    if q is None:
        return None
    if hasattr(q, "findings") and isinstance(getattr(q, "findings"), pd.DataFrame):
        q = q.findings
    if not isinstance(q, pd.DataFrame) or q.empty or "series" not in q.columns:
        return None
    ind = nodes.loc[nodes["kind"] == "indicator", ["id", "derive"]]
    ids = set(ind["id"])
    uses: dict[str, set[str]] = {}
    for i, d in zip(ind["id"], ind["derive"]):
        for tok in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", str(d)):
            uses.setdefault(tok, set()).add(i)
    rows = []
    for r in q.to_dict(orient="records"):
        series = str(r.get("series", ""))
        targets = set(uses.get(series, set())) | ({series} & ids)
        for c in _AFFECTS_COLS:
            if c in r:
                targets |= {x for x in _split(r.get(c)) if x in ids}
        if not targets:
            continue
        unit = str(r.get("unit", "*") or "*")
        units = [unit] if unit != "*" else (_split(r.get("units")) or ["*"])
        for u in units:
            for t in sorted(targets):
                rows.append({"unit": u, "indicator": t, "series": series, "rule": str(r.get("rule", "")),
                             "severity": str(r.get("severity", "")), "action": str(r.get("action", "")),
                             "years": str(r.get("years", ""))})
    if not rows:
        return None
    return pd.DataFrame(rows).drop_duplicates().reset_index(drop=True)


#: column pairs accepted as a rank interval (the last is the 5–95 % rank quantiles of nqpf.sensitivity)
_INTERVAL_PAIRS = (("rank_lo", "rank_hi"), ("rank_low", "rank_high"), ("rank_p05", "rank_p95"), ("rank_q05", "rank_q95"),
                   ("rank_min", "rank_max"), ("q05", "q95"))


def _norm_intervals(iv: pd.DataFrame | None) -> pd.DataFrame | None:
    if iv is None or len(iv) == 0:
        return None
    lo_hi = next(((a, b) for a, b in _INTERVAL_PAIRS if a in iv.columns and b in iv.columns), None)
    if lo_hi is None or "unit" not in iv.columns:
        raise DataError(f"Diagnosis: intervals need columns unit, [year], [node], rank_lo, rank_hi; got {list(iv.columns)}.")
    out = pd.DataFrame({"unit": iv["unit"].astype(str), "rank_lo": iv[lo_hi[0]].astype(float), "rank_hi": iv[lo_hi[1]].astype(float)})
    out["year"] = iv["year"].astype("Int64") if "year" in iv.columns else pd.array([pd.NA] * len(iv), dtype="Int64")
    out["node"] = iv["node"].astype(str) if "node" in iv.columns else ""
    return out


@dataclass(frozen=True)
class Diagnosis:
    """The evidence the recommender uses, as plain DataFrames.

    Parameters
    ----------
    scores : DataFrame
        Node scores: wide (``unit, year`` + one column per node / indicator / grouping node such as
        ``driver:数据``) or long ``unit, year, node, score`` (``IndexResult.scores``).
    nodes : DataFrame
        Node table with ``id, kind (aggregate|indicator), parent, name_zh, name_en, element, driver,
        type`` (``Framework.to_frame()``); grouping / subsystem rows are recognised and used.
    units : DataFrame, optional
        ``unit, unit_name, name_en`` + group columns (``region4``, ``belt3`` …).
    obstacles : DataFrame, optional
        ``unit, year, node (or indicator), obstacle_pct (or obstacle as a fraction)`` for indicators
        and, optionally, aggregate nodes (``ObstacleResult.indicators`` / ``.nodes``).
    coupling : DataFrame, optional
        ``unit, year, D, class_zh, class_en, lagging`` (``CouplingResult.table``).
    typology : DataFrame, optional
        ``unit, [year], type [, type_en]`` — the unit's type (用于分类指导).
    intervals : DataFrame, optional
        Rank intervals ``unit, [year], [node], rank_lo, rank_hi`` (e.g. 5–95 % of the ranks under
        uncertainty analysis); a row without node applies to the root.
    unit_level : str
        Level of the units (``province`` … ``firm``): selects paths of the matching level.
    notes : tuple of str
        Provenance notes (e.g. which analyses were computed here).

    Examples
    --------
    >>> import pandas as pd
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent"], "kind": ["aggregate", "indicator"], "parent": ["", "NQPF"],
    ...                       "element": ["", "劳动者"]})
    >>> long = pd.DataFrame({"unit": ["A", "B", "A", "B"], "year": 2022, "node": ["NQPF", "NQPF", "talent", "talent"],
    ...                      "score": [0.2, 0.8, 0.1, 0.9]})
    >>> d = Diagnosis(long, nodes)
    >>> d.root, d.years, d.scores.columns.tolist()
    ('NQPF', [2022], ['unit', 'year', 'NQPF', 'talent'])
    """

    scores: pd.DataFrame
    nodes: pd.DataFrame
    units: pd.DataFrame | None = None
    obstacles: pd.DataFrame | None = None
    coupling: pd.DataFrame | None = None
    typology: pd.DataFrame | None = None
    intervals: pd.DataFrame | None = None
    unit_level: str = "province"
    notes: tuple[str, ...] = ()
    quality: pd.DataFrame | None = None
    context: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        wide = _as_wide(self.scores)
        wide["unit"] = wide["unit"].astype(str)
        wide["year"] = wide["year"].astype(int)
        dup = wide.duplicated(["unit", "year"])
        if dup.any():
            bad = wide.loc[dup, ["unit", "year"]].head(5).values.tolist()
            raise DataError(f"Diagnosis: scores have duplicate unit-years; got {bad}. Keep one row per unit and year.")
        object.__setattr__(self, "scores", wide.sort_values(["year", "unit"]).reset_index(drop=True))
        object.__setattr__(self, "nodes", _norm_nodes(self.nodes))
        if self.units is None:
            units = pd.DataFrame({"unit": sorted(wide["unit"].unique())})
        else:
            units = self.units.copy()
            if "unit" not in units.columns:
                raise DataError(f"Diagnosis: the unit table needs a 'unit' column; got {list(units.columns)}.")
            units["unit"] = units["unit"].astype(str)
        if "unit_name" not in units.columns:
            units["unit_name"] = units["unit"]
        if "name_en" not in units.columns:
            units["name_en"] = units["unit_name"]
        units = units.fillna("")
        object.__setattr__(self, "units", units.drop_duplicates("unit").reset_index(drop=True))
        object.__setattr__(self, "obstacles", _norm_obstacles(self.obstacles))
        object.__setattr__(self, "coupling", _norm_coupling(self.coupling))
        object.__setattr__(self, "typology", _norm_typology(self.typology))
        object.__setattr__(self, "intervals", _norm_intervals(self.intervals))
        object.__setattr__(self, "notes", tuple(self.notes))
        object.__setattr__(self, "quality", _norm_quality(self.quality, self.nodes))
        if self.context is None and self.unit_level == "province":
            from .context import load_context

            object.__setattr__(self, "context", load_context())
        elif self.context is not None:
            c = self.context.copy()
            if "unit" not in c.columns and "province_code" in c.columns:
                c = c.rename(columns={"province_code": "unit"})
            object.__setattr__(self, "context", c.fillna("").astype(str))

    # ------------------------------------------------------------------ structure (cached)
    @cached_property
    def tree(self) -> pd.DataFrame:
        """The aggregate and indicator rows of the node table."""
        return self.nodes[self.nodes["kind"].isin(["aggregate", "indicator"])].reset_index(drop=True)

    @cached_property
    def _columns(self) -> frozenset:
        return frozenset(c for c in self.scores.columns if c not in ("unit", "year"))

    @cached_property
    def _tag_index(self) -> dict[str, dict[tuple[str, str], list[str]]]:
        out: dict[str, dict[tuple[str, str], list[str]]] = {"indicator": {}, "aggregate": {}}
        t = self.tree
        for nid, kind, el, dr, ty in zip(t["id"], t["kind"], t["element"], t["driver"], t["type"]):
            for tag, v in (("element", el), ("driver", dr), ("type", ty)):
                if v and v != "none":
                    out[kind].setdefault((tag, v), []).append(nid)
                    if ":" in v:  # "基础:科技创新" is also reachable as "科技创新"
                        out[kind].setdefault((tag, v.split(":", 1)[1]), []).append(nid)
        return out

    def keyword_nodes(self, word: str) -> list[str]:
        """Sub-dimensions and indicators whose Chinese or English name contains ``word`` (case-insensitive).

        The root and the elements (children of the root) are left out: a keyword names a specific
        thing, not a whole element.
        """
        w = word.casefold()
        skip = {self.root, *(c for c in self.children(self.root) if self._kind.get(c) == "aggregate")}
        t = self.tree
        # Chinese names carry the ASCII tokens too (R&D, SCI, 5G); English names only when there is no Chinese one
        # (substrings of English words would match too much: "SCI" in "Science")
        return [i for i, zh, en in zip(t["id"], t["name_zh"], t["name_en"])
                if i not in skip and (w in str(zh).casefold() if str(zh) else w in str(en).casefold())]

    @cached_property
    def declared(self) -> pd.DataFrame:
        """Indicators the framework declares but cannot compute (``kind = declared``): id, names, element, driver, type."""
        d = self.nodes[self.nodes["kind"] == "declared"]
        return d[["id", "name_zh", "name_en", "parent", "element", "driver", "type"]].reset_index(drop=True)

    def flagged(self, unit: str) -> dict[str, list[dict]]:
        """``{indicator: [findings]}`` of the quality screen that concern ``unit`` (own or panel-wide).

        Computed once per unit (guides ask for every peer of every path)."""
        memo = self._memo.setdefault("flagged", {})
        if unit not in memo:
            q = self.quality
            out: dict[str, list[dict]] = {}
            if q is not None:
                sub = q[(q["unit"] == unit) | (q["unit"] == "*")]
                for r in records(sub):
                    out.setdefault(r["indicator"], []).append(r)
            memo[unit] = out
        return memo[unit]

    @cached_property
    def _memo(self) -> dict:
        return {}

    def unit_context(self, unit: str) -> pd.DataFrame:
        """The place-context facts of ``unit`` (empty when none are known; computed once per unit)."""
        memo = self._memo.setdefault("context", {})
        if unit not in memo:
            memo[unit] = self._unit_context(unit)
        return memo[unit]

    def _unit_context(self, unit: str) -> pd.DataFrame:
        c = self.context
        if c is None or not len(c):
            return pd.DataFrame(columns=["unit", "tag", "label_zh", "label_en", "scope", "detail_zh", "source"])
        hit = c[c["unit"].astype(str) == str(unit)]
        if not len(hit) and "province" in c.columns:
            name = self.unit_name(unit, "zh")
            hit = c[c["province"].astype(str) == name]
        return hit.reset_index(drop=True)

    @cached_property
    def _target_cache(self) -> dict:
        return {}

    @cached_property
    def _kind(self) -> dict[str, str]:
        return dict(zip(self.tree["id"], self.tree["kind"]))

    @cached_property
    def _parent(self) -> dict[str, str]:
        return dict(zip(self.tree["id"], self.tree["parent"]))

    @cached_property
    def _children(self) -> dict[str, list[str]]:
        ch: dict[str, list[str]] = {}
        for nid, par in zip(self.tree["id"], self.tree["parent"]):
            ch.setdefault(par, []).append(nid)
        return ch

    @cached_property
    def _labels(self) -> dict[str, tuple[str, str]]:
        return {i: (zh, en) for i, zh, en in zip(self.nodes["id"], self.nodes["name_zh"], self.nodes["name_en"])}

    @cached_property
    def _unit_names(self) -> dict[str, tuple[str, str]]:
        return {u: (str(zh), str(en)) for u, zh, en in zip(self.units["unit"], self.units["unit_name"], self.units["name_en"])}

    @cached_property
    def _by_year(self) -> dict[int, pd.DataFrame]:
        return {int(y): g.set_index("unit") for y, g in self.scores.groupby("year", sort=True)}

    def year_scores(self, year: int) -> pd.DataFrame:
        """Scores of one year, indexed by unit (node columns)."""
        return self._by_year[int(year)]

    @cached_property
    def root(self) -> str:
        t = self.tree
        roots = t.loc[(t["parent"] == "") & (t["kind"] == "aggregate"), "id"].tolist()
        if roots:
            return roots[0]
        cols = [c for c in self.scores.columns if c not in ("unit", "year")]
        return cols[0]

    @cached_property
    def indicators(self) -> list[str]:
        return self.tree.loc[self.tree["kind"] == "indicator", "id"].tolist()

    def children(self, node: str) -> list[str]:
        return list(self._children.get(node, []))

    def leaves_under(self, node: str) -> list[str]:
        if self._kind.get(node) == "indicator":
            return [node]
        out: list[str] = []
        for c in self._children.get(node, []):
            out += self.leaves_under(c)
        return out

    @cached_property
    def groupings(self) -> dict[str, str]:
        """``{grouping id: tag}`` from the grouping rows of the node table (default: tag = id)."""
        g = self.nodes[self.nodes["kind"] == "grouping"]
        out = {}
        for gid, tags in zip(g["id"], g["tags"]):
            tag = next((p.split("=", 1)[1] for p in str(tags).split(";") if p.startswith("tag=")), gid)
            out[gid] = tag
        return out

    @cached_property
    def subsystems(self) -> dict[str, list[str]]:
        """``{subsystem id: [node ids]}`` from the subsystem rows of the node table."""
        s = self.nodes[self.nodes["kind"] == "subsystem"]
        out = {}
        for sid, tags in zip(s["id"], s["tags"]):
            nodes = next((p.split("=", 1)[1] for p in str(tags).split(";") if p.startswith("nodes=")), "")
            out[sid] = [x for x in nodes.split(",") if x]
        return out

    def label(self, node: str, lang: str = "zh") -> str:
        """Display name of a node, indicator, subsystem or grouping node (``driver:数据``)."""
        if node in self._labels:
            zh, en = self._labels[node]
            return (en if lang == "en" else zh) or zh or en or node
        if ":" in node:
            v = node.split(":", 1)[1]
            return TAG_LABELS_EN.get(v, v) if lang == "en" else v
        return node

    def unit_name(self, unit: str, lang: str = "zh") -> str:
        if unit not in self._unit_names:
            return unit
        zh, en = self._unit_names[unit]
        return (en if lang == "en" else zh) or zh or unit

    @cached_property
    def years(self) -> list[int]:
        return sorted(self._by_year)

    def resolve_unit(self, key: Any) -> str:
        """The unit id of ``key``: an id, a name (贵州 / 贵州省) or an English name.

        Province names and codes go through the region registry (``nqpf.data.regions``) when it
        is available; other units are matched on the unit table.
        """
        ids = set(self.units["unit"])
        text = str(key).strip()
        if text in ids:
            return text
        for col in ("unit_name", "name_en"):
            hit = self.units.loc[self.units[col].astype(str).str.strip().str.casefold() == text.casefold(), "unit"].tolist()
            if len(hit) == 1:
                return hit[0]
        from ..data.regions import resolve_unit as _resolve

        try:
            code = _resolve(text)
        except NqpfError:
            code = None
        if code in ids:
            return code
        for suffix in ("省", "市", "自治区", "壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区"):
            if text.endswith(suffix):
                base = text[: -len(suffix)]
                hit = self.units.loc[self.units["unit_name"].astype(str) == base, "unit"].tolist()
                if len(hit) == 1:
                    return hit[0]
        names = list(self.units["unit_name"].astype(str)) + list(self.units["unit"])
        close = difflib.get_close_matches(text, names, n=3, cutoff=0.4)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise DataError(f"recommend: unknown unit; got {key!r}.{hint} Use a unit id or name of the run (e.g. {names[0]!r}).")


# ============================================================================ adapter

def _find_table(tables: Mapping[str, Any] | None, prefixes: Sequence[str], needed: set[str]) -> pd.DataFrame | None:
    if not tables:
        return None
    for name in sorted(tables):
        obj = tables[name]
        if hasattr(obj, "tables") and callable(obj.tables):
            for sub, df in obj.tables().items():
                if any(f"{name}_{sub}".startswith(p) or name.startswith(p) for p in prefixes) and needed <= set(df.columns):
                    return df
            continue
        if isinstance(obj, pd.DataFrame) and any(name.startswith(p) for p in prefixes) and needed <= set(obj.columns):
            return obj
    return None


def _auto_typology(result: Any, notes: list[str]) -> pd.DataFrame | None:
    """Types of units by their element profile in the last year (nqpf.analysis.typology), or None."""
    try:
        from ..analysis.typology import typology
    except ImportError:
        return None
    fw = result.framework
    if not hasattr(fw, "children"):
        return None
    wide = _as_wide(result.scores)
    last = int(wide["year"].max())
    elems = [c for c in fw.children(fw.root) if c in wide.columns]
    sub = wide.loc[wide["year"] == last, ["unit"] + elems].dropna()
    if len(elems) < 2 or len(sub) < 4:
        return None
    labels = {n.id: n.name_zh or n.id for n in fw.nodes}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = typology(sub.reset_index(drop=True), seed=0, labels=labels)
    except NqpfError:
        return None
    notes.append("Typology computed by the path stage (nqpf.analysis.typology on the element scores of the last year, seed 0).")
    return res.members


def diagnose(result: Any, analysis_tables: Mapping[str, Any] | None = None, *,
             intervals: pd.DataFrame | None = None) -> Diagnosis:
    """Build a :class:`Diagnosis` from an :class:`~nqpf.index.result.IndexResult`.

    Obstacle degrees, coupling coordination and typology are taken from ``analysis_tables``
    (``{name: DataFrame or Result}``, e.g. the outputs of the analysis stage) when present;
    otherwise they are computed here with :mod:`nqpf.analysis`: obstacle degrees from the
    normalised values and effective weights; coupling coordination only when the framework
    declares subsystems (the mean score of each subsystem's nodes, corrected model, equal α);
    the typology by k-means on the element scores (children of the root) of the last year.
    Every computed table is recorded in ``Diagnosis.notes``.

    Parameters
    ----------
    result : IndexResult
        Anything with ``scores``, ``units``, ``framework`` (and ``normalised``, ``weights`` for
        obstacle degrees).
    analysis_tables : mapping, optional
        Tables named like ``obstacle_indicators``, ``obstacle_nodes``, ``coupling_coupling``,
        ``typology_*``, ``sensitivity_*`` (with rank intervals).
    intervals : DataFrame, optional
        Rank intervals (``unit, year, node, rank_lo, rank_hi``).

    Returns
    -------
    Diagnosis
    """
    fw = result.framework
    nodes = fw.to_frame() if hasattr(fw, "to_frame") else pd.DataFrame(fw)
    unit_level = getattr(fw, "unit_level", "province") or "province"
    notes: list[str] = []
    tables = dict(analysis_tables or {})

    ob_ind = _find_table(tables, ("obstacle_indicators", "obstacle"), {"unit", "year", "indicator"})
    ob_nodes = _find_table(tables, ("obstacle_nodes",), {"unit", "year", "node"})
    obstacles = None
    if ob_ind is not None:
        parts = [ob_ind.rename(columns={"indicator": "node"})]
        if ob_nodes is not None:
            parts.append(ob_nodes)
        obstacles = pd.concat([p[[c for c in ("unit", "year", "node", "obstacle", "obstacle_pct") if c in p.columns]]
                               for p in parts], ignore_index=True)
    else:
        try:
            from ..analysis.obstacle import obstacle_degree
        except ImportError:
            obstacle_degree = None
        norm = getattr(result, "normalised", None)
        wts = getattr(result, "weights", None)
        if obstacle_degree is not None and norm is not None and len(norm) and wts is not None and len(wts):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = obstacle_degree(norm, wts)
            notes += [m if m.startswith("obstacle_degree") else f"obstacle_degree: {m}" for m in (str(w.message) for w in caught)]
            obstacles = pd.concat([res.indicators.rename(columns={"indicator": "node"})[["unit", "year", "node", "obstacle_pct"]],
                                   res.nodes[["unit", "year", "node", "obstacle_pct"]]], ignore_index=True)
            notes.append("Obstacle degrees computed by the path stage (nqpf.analysis.obstacle, effective weights).")

    coupling = _find_table(tables, ("coupling",), {"unit", "year", "D"})
    subsystems = list(getattr(fw, "subsystems", ()) or ())
    if coupling is None and len(subsystems) >= 2:
        try:
            from ..analysis.coupling import coupling_coordination
        except ImportError:
            coupling_coordination = None
        if coupling_coordination is not None:
            wide = _as_wide(result.scores)
            frame = wide[["unit", "year"]].copy()
            ok = True
            for s in subsystems:
                cols = [c for c in s.nodes if c in wide.columns]
                if not cols:
                    ok = False
                    break
                frame[s.id] = wide[cols].astype(float).mean(axis=1)
            if ok:
                names = {s.id: s.name_zh or s.id for s in subsystems}
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    cres = coupling_coordination(frame, subsystems=[s.id for s in subsystems], zeros="allow", names=names)
                notes += [m if m.startswith("coupling_coordination") else f"coupling_coordination: {m}"
                          for m in (str(w.message) for w in caught)]
                coupling = cres.table
                notes.append("Coupling coordination computed by the path stage (corrected model of Wang et al. 2021, equal α).")

    typology = _find_table(tables, ("typology",), {"unit"})
    if typology is not None and not any(c in typology.columns for c in ("type", "type_zh", "label", "label_zh", "cluster", "class")):
        typology = None
    if typology is None:
        typology = _auto_typology(result, notes)
    if intervals is None:
        # rank intervals: tables whose name mentions "rank" first (e.g. sensitivity's uncertainty_rank_stats)
        for name in sorted(tables, key=lambda n: ("rank" not in n, n)):
            obj = tables[name]
            cand = [obj] if isinstance(obj, pd.DataFrame) else list(obj.tables().values()) if hasattr(obj, "tables") else []
            for df in cand:
                if "unit" in df.columns and any({a, b} <= set(df.columns) for a, b in _INTERVAL_PAIRS):
                    intervals = df
                    break
            if intervals is not None:
                break
        if intervals is not None:
            notes.append("Rank intervals taken from the uncertainty analysis (rank quantiles of the root node).")
    quality = getattr(result, "quality", None)
    if quality is not None and not isinstance(quality, pd.DataFrame) and not hasattr(quality, "findings"):
        quality = None
    if quality is None:
        quality = _find_table(tables, ("quality_findings", "quality"), {"series", "rule"})
    return Diagnosis(scores=result.scores, nodes=nodes, units=getattr(result, "units", None), obstacles=obstacles,
                     coupling=coupling, typology=typology, intervals=intervals, unit_level=unit_level, notes=tuple(notes),
                     quality=quality)


def _read_stage_tables(directory, stage: str) -> dict[str, pd.DataFrame]:
    d = Path(directory) / stage
    out: dict[str, pd.DataFrame] = {}
    if d.is_dir():
        for p in sorted(d.glob("*.csv")):
            out[p.stem] = pd.read_csv(p, dtype={"unit": str, "node": str, "indicator": str, "lagging": str},
                                      keep_default_na=True)
    return out


def diagnose_dir(directory: Any) -> Diagnosis:
    """Build a :class:`Diagnosis` from a run directory written by ``nqpf build``.

    Reads the index result (``scores.csv``, ``units.csv``, ``framework.csv`` …) and the tables of
    earlier stages under ``DIR/analysis/`` and ``DIR/sensitivity/`` (obstacle degrees, coupling
    coordination, typology, rank intervals); what is missing is computed as in :func:`diagnose`.
    """
    from ..index.result import load_result

    result = load_result(directory)
    tables: dict[str, Any] = {}
    for stage in ("analysis", "sensitivity", "quality"):
        tables.update(_read_stage_tables(directory, stage))
    qf = Path(directory) / "quality_findings.csv"
    if qf.exists():
        tables["quality_findings"] = pd.read_csv(qf, dtype=str, keep_default_na=False)
    return diagnose(result, tables)
