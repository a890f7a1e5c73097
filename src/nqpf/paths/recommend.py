"""Rule-based, explainable path recommender: from a unit's diagnosis to ranked practical paths.

For a unit i and year t every path p of the catalogue is resolved to its *targets* in the
framework — sub-dimensions and indicators whose names contain the path's keywords (fit 3),
composites of its driver / type tags (fit 2), whole elements (fit 1, a fallback) — and each
target k is scored from the evidence (all formulas in ``docs/paths.md``), with pct_ik the
percentile of i on k (1 = best) and q_i its overall percentile:

* weakness               x_w = 1 − pct_ik
* own profile            x_o = clip(q_i − pct_ik, 0, 1)      (weaker here than the unit is overall)
* group gap              x_g = clip(mean_{j ∈ G(i), j ≠ i} pct_jk − pct_ik, 0, 1)
* obstacle share         o = (O_ik / m_k) / max_k' (O_ik' / m_k')   (O = obstacle degree %, m = indicators)
* trend lag              l = clip((median_j Δs_jk − Δs_ik) / range_k, 0, 1)
* robust weakness        r = 1 if the whole rank interval of i on k lies in the bottom half
* coupling               c = 1 − D if the target feeds the lagging subsystem of i (½(1 − D) for 数实融合 paths when D < 0.6)

A target not at the frontier gets ``P_k = FIT[fit_k] · Σ_c w_c x_c / Σ_{c available} w_c``, plus
``CONTEXT_BONUS`` when the unit has one of the path's place contexts; a path's priority is the
largest P_k and its one evidence row is the best-fitting unflagged target. The guide first takes,
for each of the unit's top obstacles and weakest sub-dimensions, the best path that covers it, then
fills by priority with paths whose evidence node is not used yet. Ties are broken by path id, so
identical profiles get identical guides. Every recommendation carries the numbers it rests on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._ranking import rank_desc
from .._results import Result, Summary
from .._validation import check_option
from .catalogue import Catalogue, PathEntry, load_catalogue
from .diagnosis import Diagnosis
from .guide import _f, _group_label, _rank, _sf

__all__ = [
    "PathGuide",
    "Recommendations",
    "recommend",
    "recommend_all",
    "frontier_gap",
    "group_gap",
    "trend_lag",
    "target_priority",
    "obstacle_share",
    "path_priority",
    "DEFAULT_WEIGHTS",
    "GroupChoice",
]

GroupChoice = Literal["auto", "type", "region4", "belt3", "none"]

#: default weights of the evidence components (see module docstring; docs/paths.md)
DEFAULT_WEIGHTS: dict[str, float] = {
    "weakness": 0.25,       # 1 − percentile of the unit on the target (rank-based, scale-free)
    "own_profile": 0.15,    # how far the target lies below the unit's own overall percentile (what is distinctive)
    "group_gap": 0.15,      # percentile shortfall against the other units of its group
    "obstacle": 0.25,       # obstacle degree per indicator, relative to the unit's largest
    "trend": 0.05,
    "uncertainty": 0.05,
    "coupling": 0.10,
    "frontier_gap": 0.0,    # range-scaled gap to the frontier (reported in every reason; weight 0 by default)
}

_UNIT_LEVEL_TO_PATH = {"province": "region", "city": "region", "county": "region", "country": "region",
                       "industry": "industry", "firm": "firm", "other": "region"}

_TAG_KIND = {"elements": "element", "drivers": "driver", "types": "type"}


# ============================================================================ formulas

def frontier_gap(value: Any, frontier: Any, floor: Any) -> np.ndarray:
    """Relative gap to the frontier ``g_f = (max − s) / (max − min)`` (docs/paths.md §2).

    0 at the frontier, 1 at the bottom of the distribution; 0 when all units are equal.

    Examples
    --------
    >>> frontier_gap([0.2, 0.8], 0.8, 0.0).round(3).tolist()
    [0.75, 0.0]
    """
    s = np.asarray(value, dtype=float)
    hi = np.asarray(frontier, dtype=float)
    lo = np.asarray(floor, dtype=float)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(rng > 0, (hi - s) / np.where(rng > 0, rng, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


def _shortfall(value: Any, reference: Any, value_range: Any) -> np.ndarray:
    """Shortfall of ``value`` below ``reference`` as a share of the range, ``clip((ref − v) / range, 0, 1)``.

    0 where the range is not positive or the result is NaN (docs/paths.md §2: group gap, trend lag).
    """
    v = np.asarray(value, dtype=float)
    m = np.asarray(reference, dtype=float)
    r = np.asarray(value_range, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(r > 0, (m - v) / np.where(r > 0, r, 1.0), 0.0)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)


def group_gap(value: Any, group_mean: Any, value_range: Any) -> np.ndarray:
    """Shortfall against the own group ``g_g = clip((mean_G − s) / range, 0, 1)`` (docs/paths.md §2).

    Examples
    --------
    >>> group_gap([0.2, 0.6], 0.4, 0.8).round(3).tolist()
    [0.25, 0.0]
    """
    return _shortfall(value, group_mean, value_range)


def trend_lag(change: Any, peer_median_change: Any, value_range: Any) -> np.ndarray:
    """Growth shortfall against the median unit ``l = clip((median Δ − Δ) / range, 0, 1)`` (docs/paths.md §2).

    Examples
    --------
    >>> trend_lag([0.05, 0.2], 0.1, 0.5).round(3).tolist()
    [0.1, 0.0]
    """
    return _shortfall(change, peer_median_change, value_range)


def obstacle_share(per_indicator: float, largest: float) -> float:
    """Obstacle component ``o = (O_k / m_k) / max_k' (O_k' / m_k')`` (docs/paths.md §2).

    O_k is the obstacle degree of target k (%, methods-reference §11: the sum over its m_k
    indicators), so o compares the mean obstacle per indicator of the targets of one unit;
    NaN when no obstacle degrees are available.

    Examples
    --------
    >>> obstacle_share(4.0, 8.0)
    0.5
    """
    if per_indicator is None or largest is None or math.isnan(per_indicator) or math.isnan(largest) or largest <= 0:
        return math.nan
    return float(per_indicator) / float(largest)


def path_priority(target_priorities: Sequence[float]) -> float:
    """Priority of a catch-up path ``P = ½ max_k P_k + ½ mean_k P_k`` over its targets (docs/paths.md §2).

    Targets at the frontier count as 0, so a path whose every linked node is weak outranks
    one with a single weak node among strong ones.

    Examples
    --------
    >>> round(path_priority([0.8, 0.0]), 6)
    0.6
    """
    p = np.asarray(target_priorities, dtype=float)
    if p.size == 0:
        return 0.0
    return float(0.5 * p.max() + 0.5 * p.mean())


def target_priority(components: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Weighted mean of the available evidence components ``P = Σ w_c x_c / Σ_{c available} w_c``.

    Components that are NaN (evidence not available, e.g. no obstacle table) are left out and
    the weights of the others rescaled (docs/paths.md §2).

    Examples
    --------
    >>> round(target_priority({"frontier_gap": 1.0, "obstacle": float("nan")}, {"frontier_gap": 0.35, "obstacle": 0.25}), 3)
    1.0
    """
    num = den = 0.0
    for k, w in weights.items():
        x = components.get(k, math.nan)
        if x is None or (isinstance(x, float) and math.isnan(x)) or w <= 0:
            continue
        num += w * float(x)
        den += w
    return num / den if den > 0 else 0.0


# ============================================================================ targets

#: how well a target fits the path it justifies: a named sub-dimension / indicator (keyword or explicit
#: node) fits best, a driver / type tag less, a whole element least (docs/paths.md §2)
FIT_FACTOR: dict[int, float] = {3: 1.0, 2: 0.85, 1: 0.6}
#: added to a path's priority when the unit has one of the path's place contexts
CONTEXT_BONUS = 0.10


@dataclass(frozen=True)
class _Target:
    id: str                       # scores column or synthetic "<tag kind>:<value>"
    kind: str                     # node | keyword | element | driver | type
    members: tuple[str, ...]      # indicators (for the synthetic mean and the obstacle sum)
    column: str | None            # scores column used directly (None → mean of members)
    fit: int = 2                  # 3 named node, 2 tag, 1 element


def _tag_targets(diag: Diagnosis, kind: str, value: str) -> _Target | None:
    key = (kind, value)
    cache = diag._target_cache
    if key in cache:
        return cache[key]
    idx = diag._tag_index
    cols = diag._columns
    members = tuple(idx["indicator"].get(key, ()))
    aggs = list(idx["aggregate"].get(key, ()))
    if not members:
        for a in aggs:
            members += tuple(diag.leaves_under(a))
    members = tuple(m for m in dict.fromkeys(members) if m in cols)
    col = None
    for gid, tag in diag.groupings.items():
        if tag == kind and f"{gid}:{value}" in cols:
            col = f"{gid}:{value}"
    if col is None and f"{kind}:{value}" in cols:
        col = f"{kind}:{value}"
    if col is None and aggs:
        # the top-most tagged aggregates (their parent does not carry the same tag)
        tagged = set(aggs)
        tops = [a for a in aggs if diag._parent.get(a, "") not in tagged]
        if len(tops) == 1 and tops[0] in cols:
            col = tops[0]
    fit = 1 if kind == "element" else 2
    out = None if (col is None and not members) else _Target(id=col or f"{kind}:{value}", kind=kind, members=members,
                                                             column=col, fit=fit)
    cache[key] = out
    return out


def _node_target(diag: Diagnosis, n: str, kind: str) -> _Target | None:
    if n not in diag._columns:
        return None
    leaves = tuple(x for x in diag.leaves_under(n) if x in diag._columns)
    return _Target(id=n, kind=kind, members=leaves or (n,), column=n, fit=3)


def _resolve_targets(path: PathEntry, diag: Diagnosis) -> list[_Target]:
    """The framework targets of a path: named nodes (explicit ids, keyword matches), then tags, then elements."""
    out: list[_Target] = []
    for n in path.links.nodes:
        tg = _node_target(diag, n, "node")
        if tg is not None:
            out.append(tg)
    for w in path.links.keywords:
        for n in diag.keyword_nodes(w):
            tg = _node_target(diag, n, "keyword")
            if tg is not None:
                out.append(tg)
    for key, kind in (("drivers", "driver"), ("types", "type"), ("elements", "element")):
        for v in getattr(path.links, key):
            tg = _tag_targets(diag, kind, v)
            if tg is not None:
                out.append(tg)
    seen: set[str] = set()
    uniq = []
    for tg in out:
        if tg.id not in seen:
            seen.add(tg.id)
            uniq.append(tg)
    return uniq


def _target_values(diag: Diagnosis, tg: _Target, year: int) -> pd.Series:
    s = diag.year_scores(year)
    if tg.column is not None:
        return s[tg.column].astype(float)
    return s[list(tg.members)].astype(float).mean(axis=1, skipna=True)


# ============================================================================ results

@dataclass(frozen=True)
class PathGuide(Result):
    """A personalised path guide (个性化行动指南) for one unit and year.

    Attributes
    ----------
    unit, unit_name, unit_name_en : the unit.
    year : int
    profile : dict
        Level (root score), rank and number of units, rank interval (when available), strongest
        and weakest elements, group, type, coupling class.
    obstacles : DataFrame
        ``rank, indicator, name_zh, name_en, obstacle_pct`` — the top obstacles of the unit-year.
    recommendations : DataFrame
        ``rank, path, title_zh, title_en, role, type, level, priority, key_node, reason_zh, reason_en``.
    evidence : DataFrame
        One row per (path, target): ``path, node, name_zh, name_en, score, rank, n, frontier,
        frontier_unit, gap_frontier, group_mean, gap_group, obstacle_pct, obstacle_share, change,
        median_change, trend_lag, rank_lo, rank_hi, robust_weak, coupling, priority``.
    citations : DataFrame ``path, file, section, quote``.
    cautions : DataFrame ``path, caution, text_zh, text_en, citation``.
    peers : DataFrame ``path, node, kind (similar|improver), peer, peer_name, peer_name_en, value, distance, change``.
    excluded : DataFrame ``path, reason`` — paths not recommended and why.
    params : dict — options used (weights, tolerances, group, window).
    notes : list of str
    diagnosis : DataFrame ``kind (obstacle|weak), node, name_zh, name_en, value, pct, group_pct, path, path_rank, why_zh, why_en``
        — the unit's top obstacles and weakest sub-dimensions and the path that answers each (or why none does).
    context : DataFrame — the unit's place-context facts with sources.
    limits : list of dict ``kind, text_zh, text_en`` — rank interval, data gaps, unmeasured indicators, flagged series.
    sources : list of dict — the cited texts with their bibliographic entries.
    national : dict — distribution of first-ranked paths in the run (set by :func:`recommend_all`).
    """

    unit: str
    unit_name: str
    unit_name_en: str
    year: int
    profile: dict
    obstacles: pd.DataFrame
    recommendations: pd.DataFrame
    evidence: pd.DataFrame
    citations: pd.DataFrame
    cautions: pd.DataFrame
    peers: pd.DataFrame
    excluded: pd.DataFrame
    params: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    diagnosis: pd.DataFrame = field(default_factory=pd.DataFrame)
    context: pd.DataFrame = field(default_factory=pd.DataFrame)
    limits: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    national: dict = field(default_factory=dict)
    kind: str = "guide"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"recommendations": self.recommendations, "evidence": self.evidence, "obstacles": self.obstacles,
                "citations": self.citations, "cautions": self.cautions, "peers": self.peers, "excluded": self.excluded,
                "diagnosis": self.diagnosis, "context": self.context}

    def summary(self) -> Summary:
        p = self.profile
        rows = [("unit", f"{self.unit_name} ({self.unit})"), ("year", self.year),
                ("level (root score)", p.get("score")), ("rank", f"{p.get('rank')}/{p.get('n')}"),
                ("paths recommended", len(self.recommendations))]
        rec = self.recommendations[["rank", "path", "role", "priority", "key_node"]]
        return Summary(title=f"Path guide: {self.unit_name} {self.year}", rows=rows, tables={"recommendations": rec},
                       notes=list(self.notes))

    def to_dict(self) -> dict[str, Any]:
        from .guide import guide_to_dict

        return guide_to_dict(self, lang="zh")

    def to_markdown(self, lang: str = "zh") -> str:
        """The guide as Markdown (``lang`` = ``'zh'`` or ``'en'``)."""
        from .guide import render_markdown

        return render_markdown(self, lang=lang)

    def to_json(self, lang: str = "zh") -> str:
        """The guide as a JSON string (``lang`` = ``'zh'`` or ``'en'``)."""
        from .guide import render_json

        return render_json(self, lang=lang)


@dataclass(frozen=True)
class Recommendations(Result):
    """Ranked paths for every unit of a year (``recommend_all``).

    Attributes
    ----------
    table : DataFrame ``unit, unit_name, year, rank, path, role, type, priority, key_node, reason_zh, reason_en, citation``.
    guides : dict ``{unit: PathGuide}``.
    """

    table: pd.DataFrame
    guides: dict
    year: int
    first_paths: pd.DataFrame = field(default_factory=pd.DataFrame)
    kind: str = "paths"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"recommendations": self.table, "first_paths": self.first_paths}

    def summary(self) -> Summary:
        freq = self.first_paths[["path", "units", "share"]] if len(self.first_paths) else pd.DataFrame()
        return Summary(title=f"Path recommendations {self.year}", rows=[("units", len(self.guides)), ("year", self.year)],
                       tables={"first-ranked paths": freq})


# ============================================================================ formatting

def _pct(x: float) -> str:
    return f"{x:.1f}%"


# ============================================================================ recommender

def _group_series(diag: Diagnosis, group: str, year: int) -> tuple[pd.Series | None, str]:
    """unit → group label for the peer group, and the group kind used."""
    if group == "none":
        return None, "none"
    if group == "auto":
        for c in ("region4", "belt3"):
            if c in diag.units.columns and (diag.units[c].astype(str) != "").any():
                return diag.units.set_index("unit")[c].astype(str), c
    if group in ("auto", "type") and diag.typology is not None:
        ty = diag.typology
        if "year" in ty.columns:
            sub = ty[ty["year"] == year]
            ty = sub if len(sub) else ty.sort_values("year").drop_duplicates("unit", keep="last")
        return ty.drop_duplicates("unit").set_index("unit")["type"], "type"
    if group == "type":
        raise MethodError("recommend: group='type' needs a typology table; got none in the diagnosis. "
                          "Pass typology= to Diagnosis or use group='region4'.")
    cols = [group] if group in ("region4", "belt3") else ["region4", "belt3"]
    for c in cols:
        if c in diag.units.columns and (diag.units[c].astype(str) != "").any():
            return diag.units.set_index("unit")[c].astype(str), c
    if group in ("region4", "belt3"):
        raise MethodError(f"recommend: group={group!r} needs a {group!r} column in the unit table; got columns "
                          f"{list(diag.units.columns)}. Use group='auto' or add the column.")
    return None, "none"


def _rank_desc(v: pd.Series) -> pd.Series:
    """1 = highest, ties (equal within a relative 1e-12) = min rank: :func:`nqpf._ranking.rank_desc`."""
    return pd.Series(rank_desc(v.to_numpy(dtype=float)), index=v.index, name=v.name)


def _interval_index(iv: pd.DataFrame | None, year: int) -> dict[tuple[str, str], tuple[float, float]]:
    """``{(unit, node): (rank_lo, rank_hi)}`` of the rank intervals of ``year`` (rows without a year apply to every
    year; the last row of a (unit, node) wins). Rows with node ``""`` / ``"nan"`` (intervals of the index
    itself) are kept under node ``""`` as well, for the root's fallback."""
    out: dict[tuple[str, str], tuple[float, float]] = {}
    if iv is None:
        return out
    yrs = iv["year"]
    sub = iv[(yrs.isna() | (yrs == year)).fillna(True).to_numpy(dtype=bool)]
    for u, nd, lo, hi in zip(sub["unit"], sub["node"], sub["rank_lo"].astype(float), sub["rank_hi"].astype(float)):
        out[(u, nd)] = (float(lo), float(hi))
        if nd in ("", "nan"):
            out[(u, "\0root")] = (float(lo), float(hi))
    return out


def _interval(diag: Diagnosis, unit: str, year: int, node: str, root: str,
              index: dict[tuple[str, str], tuple[float, float]] | None = None) -> tuple[float, float]:
    """The rank interval of ``unit``'s ``node`` in ``year`` (NaN, NaN without one); ``index`` is
    :func:`_interval_index` of the diagnosis' intervals for that year (built here when not given)."""
    if diag.intervals is None:
        return math.nan, math.nan
    if index is None:
        index = _interval_index(diag.intervals, year)
    found = index.get((unit, node))
    if found is None and node == root:
        found = index.get((unit, "\0root"))
    return found if found is not None else (math.nan, math.nan)


class _YearContext:
    """Per-year caches: target values across units, ranks and percentiles, changes, obstacles, profile types."""

    def __init__(self, diag: Diagnosis, year: int, base_year: int | None, group: str):
        self.diag = diag
        self.year = year
        self.base_year = base_year
        self.groups, self.group_kind = _group_series(diag, group, year)
        self._values: dict[str, pd.Series] = {}
        self._base: dict[str, pd.Series] = {}
        self._targets: dict[str, list[_Target]] = {}
        self.root = diag.root
        root_vals = diag.year_scores(year)[self.root].astype(float) \
            if self.root in diag.scores.columns else pd.Series(dtype=float)
        self.root_values = root_vals.dropna()
        n = len(self.root_values)
        self.root_rank = _rank_desc(self.root_values)
        self.percentile = ((n - self.root_rank) / (n - 1)) if n > 1 else pd.Series(1.0, index=self.root_values.index)
        ob = diag.obstacles
        self.obstacles = ob[ob["year"] == year] if ob is not None else None
        self.obstacle_wide = (self.obstacles.pivot_table(index="unit", columns="node", values="obstacle_pct", aggfunc="first")
                              if self.obstacles is not None and len(self.obstacles) else None)
        self._stats: dict[str, dict[str, Any] | None] = {}
        self.intervals = _interval_index(diag.intervals, year)
        self.elements = [c for c in diag.children(self.root) if c in diag.scores.columns]
        self.types = _profile_types(self)
        c = diag.context
        self.context_tags: dict[str, set[str]] = {}
        self.tag_counts: dict[str, int] = {}
        if c is not None and len(c):
            for u, t in zip(c["unit"].astype(str), c["tag"].astype(str)):
                self.context_tags.setdefault(u, set()).add(t)
            for t, us in c.groupby("tag")["unit"]:
                self.tag_counts[str(t)] = int(us.nunique())

    def context_bonus(self, tags: set[str]) -> float:
        """CONTEXT_BONUS scaled by how distinctive the shared context is: full for a tag held by ≤ 4 units,
        ``4 / count`` for commoner tags (a designation shared by 12 provinces says less about one of them)."""
        if not tags:
            return 0.0
        return max(CONTEXT_BONUS * min(1.0, 4.0 / max(self.tag_counts.get(t, 1), 1)) for t in tags)

    def targets(self, path: PathEntry) -> list[_Target]:
        if path.id not in self._targets:
            self._targets[path.id] = _resolve_targets(path, self.diag)
        return self._targets[path.id]

    def values(self, tg: _Target) -> pd.Series:
        if tg.id not in self._values:
            self._values[tg.id] = _target_values(self.diag, tg, self.year).dropna()
        return self._values[tg.id]

    def base_values(self, tg: _Target) -> pd.Series | None:
        if self.base_year is None:
            return None
        if tg.id not in self._base:
            self._base[tg.id] = _target_values(self.diag, tg, self.base_year).dropna()
        return self._base[tg.id]

    def stats(self, tg: _Target) -> dict[str, Any] | None:
        """Per-target statistics across all units of the year (computed once, plain dicts for lookups)."""
        if tg.id in self._stats:
            return self._stats[tg.id]
        v = self.values(tg)
        if len(v) < 2:
            self._stats[tg.id] = None
            return None
        hi, lo = float(v.max()), float(v.min())
        rk = _rank_desc(v)
        n = int(len(v))
        st: dict[str, Any] = {
            "v": {u: float(x) for u, x in v.items()}, "n": n, "hi": hi, "lo": lo,
            "top": sorted(v.index[v == hi])[0], "rank": {u: int(r) for u, r in rk.items()},
            "pct": {u: (n - float(r)) / (n - 1) for u, r in rk.items()},
            "group_mean": {}, "group_pct": {}, "change": {}, "median_change": math.nan, "obstacle": {},
        }
        if self.groups is not None:
            g = self.groups.reindex(v.index)
            ok = g.notna() & (g.astype(str) != "")
            pct = pd.Series(st["pct"])
            sums = v[ok].groupby(g[ok]).sum()
            psums = pct[ok].groupby(g[ok]).sum()
            cnts = v[ok].groupby(g[ok]).count()
            for u in v.index[ok]:
                k = cnts[g[u]] - 1
                if k > 0:
                    st["group_mean"][u] = float((sums[g[u]] - v[u]) / k)
                    st["group_pct"][u] = float((psums[g[u]] - pct[u]) / k)
        base = self.base_values(tg)
        if base is not None:
            common = v.index.intersection(base.index)
            changes = v[common] - base[common]
            st["change"] = {u: float(x) for u, x in changes.items()}
            st["median_change"] = float(changes.median()) if len(changes) else math.nan
        if self.obstacle_wide is not None:
            ow = self.obstacle_wide
            if tg.id in ow.columns:
                col = ow[tg.id]
            else:
                mem = [m for m in tg.members if m in ow.columns]
                col = ow[mem].sum(axis=1, min_count=1) if mem else None
            if col is not None:
                st["obstacle"] = {u: float(x) for u, x in col.dropna().items()}
        self._stats[tg.id] = st
        return st


#: rule of the profile typology (docs/paths.md §4): level tier by overall percentile, shape by the spread
#: of the element percentiles (≥ SHAPE_SPREAD → the strongest element names the type, else balanced)
SHAPE_SPREAD = 0.25


def _profile_types(ctx: "_YearContext") -> dict[str, dict[str, Any]]:
    """A rule-based typology with a stated criterion (at least three types when the data allow).

    tier: 前列 / 中间 / 后段 = overall percentile ≥ 2/3, in [1/3, 2/3), < 1/3;
    shape: the spread (max − min) of the unit's element percentiles; ≥ 0.25 → 「strongest element」相对突出,
    else 均衡. Type = tier · shape.
    """
    diag = ctx.diag
    s = diag.year_scores(ctx.year)
    els = ctx.elements
    out: dict[str, dict[str, Any]] = {}
    if not els:
        return out
    pcts = {}
    for e in els:
        col = s[e].astype(float).dropna()
        if len(col) < 2:
            continue
        rk = _rank_desc(col)
        pcts[e] = {u: (len(col) - float(r)) / (len(col) - 1) for u, r in rk.items()}
    for u in ctx.root_values.index:
        q = float(ctx.percentile[u])
        tier_zh, tier_en = ("前列", "leading") if q >= 2 / 3 else ("中间", "middle") if q >= 1 / 3 else ("后段", "trailing")
        ep = {e: pcts[e][u] for e in pcts if u in pcts[e]}
        if len(ep) < 2:
            continue
        top = max(ep, key=lambda e: (ep[e], e))
        low = min(ep, key=lambda e: (ep[e], e))
        spread = ep[top] - ep[low]
        if spread >= SHAPE_SPREAD:
            shape_zh = f"{diag.label(top, 'zh')}相对突出"
            shape_en = f"{diag.label(top, 'en')} stands out"
        else:
            shape_zh, shape_en = "各要素均衡", "balanced elements"
        desc_zh = (f"总体得分位于全国{ {'前列': '前三分之一', '中间': '中间三分之一', '后段': '后三分之一'}[tier_zh] }（百分位 {100 * q:.0f}%）；"
                   f"各要素排名百分位最高为「{diag.label(top, 'zh')}」{100 * ep[top]:.0f}%，最低为「{diag.label(low, 'zh')}」"
                   f"{100 * ep[low]:.0f}%，相差 {100 * spread:.0f} 个百分点"
                   + ("（≥25，按最强要素命名）" if spread >= SHAPE_SPREAD else "（<25，视为均衡）"))
        desc_en = (f"overall score in the {tier_en} third (percentile {100 * q:.0f}%); element percentiles range from "
                   f"'{diag.label(low, 'en')}' {100 * ep[low]:.0f}% to '{diag.label(top, 'en')}' {100 * ep[top]:.0f}%, a spread of "
                   f"{100 * spread:.0f} points" + (" (≥ 25: named after the strongest element)" if spread >= SHAPE_SPREAD
                                                   else " (< 25: balanced)"))
        out[u] = {"type_zh": f"{tier_zh}·{shape_zh}", "type_en": f"{tier_en}, {shape_en}", "description_zh": desc_zh,
                  "description_en": desc_en, "element_pct": ep, "tier": tier_zh}
    return out


def _evidence_row(ctx: _YearContext, unit: str, tg: _Target, lag_nodes: set[str]) -> dict | None:
    st = ctx.stats(tg)
    if st is None or unit not in st["v"]:
        return None
    s = st["v"][unit]
    hi, lo = st["hi"], st["lo"]
    rng = hi - lo
    q = float(ctx.percentile.get(unit, math.nan)) if len(ctx.percentile) else math.nan
    pct = st["pct"][unit]
    row: dict[str, Any] = {
        "node": tg.id, "fit": tg.fit, "score": s, "rank": st["rank"][unit], "n": st["n"], "pct": pct,
        "frontier": hi, "frontier_unit": st["top"], "floor": lo,
        "gap_frontier": float(frontier_gap(s, hi, lo)), "gap_abs": hi - s,
        "weakness": 1.0 - pct, "own_gap": float(np.clip(q - pct, 0.0, 1.0)) if not math.isnan(q) else math.nan,
    }
    row["group"] = str(ctx.groups[unit]) if ctx.groups is not None and unit in ctx.groups.index else ""
    gm = st["group_mean"].get(unit, math.nan)
    gp = st["group_pct"].get(unit, math.nan)
    row["group_mean"] = gm
    row["group_pct"] = gp
    row["gap_group"] = float(np.clip(gp - pct, 0.0, 1.0)) if not math.isnan(gp) else math.nan
    ch = st["change"].get(unit, math.nan)
    med = st["median_change"] if not math.isnan(ch) else math.nan
    row["change"] = ch
    row["median_change"] = med
    row["trend_lag"] = float(trend_lag(ch, med, rng)) if not math.isnan(ch) else math.nan
    row["obstacle_pct"] = st["obstacle"].get(unit, math.nan)
    lo_r, hi_r = _interval(ctx.diag, unit, ctx.year, tg.id, ctx.root, ctx.intervals)
    row["rank_lo"], row["rank_hi"] = lo_r, hi_r
    row["robust_weak"] = (1.0 if lo_r > st["n"] / 2 else 0.0) if not math.isnan(lo_r) else math.nan
    touched = set(tg.members) | {tg.id}
    row["lagging_subsystem"] = bool(lag_nodes and touched & lag_nodes)
    row["flagged"] = bool(set(ctx.diag.flagged(unit)) & touched)
    return row


def _reason(lang: str, diag: Diagnosis, ev: dict, ctx: _YearContext, role: str, coupling: dict, path: PathEntry,
            unit: str, context_hit: list[dict] | None = None) -> str:
    zh = lang == "zh"
    name = diag.label(ev["node"], lang)
    fr_name = diag.unit_name(ev["frontier_unit"], lang)
    parts = []
    rank_txt = f"{ev['rank']}/{ev['n']}"
    if not math.isnan(ev.get("rank_lo", math.nan)):
        rank_txt += (f"（区间 {_rank(ev['rank_lo'])}–{_rank(ev['rank_hi'])}）" if zh else
                     f" (interval {_rank(ev['rank_lo'])}–{_rank(ev['rank_hi'])})")
    if role == "frontier":
        q = float(ctx.percentile.get(unit, math.nan))
        if zh:
            parts.append(f"「{name}」得分 {_f(ev['score'])}，排名 {rank_txt}，距前沿差距占全距 {_pct(100 * ev['gap_frontier'])}")
            parts.append(f"总体水平百分位 {_pct(100 * q)}，具备向前沿引领转变的基础")
        else:
            parts.append(f"'{name}' scores {_f(ev['score'])}, rank {rank_txt}, gap to the frontier {_pct(100 * ev['gap_frontier'])} of the range")
            parts.append(f"overall percentile {_pct(100 * q)}: a base for moving from catching up to leading")
    else:
        if zh:
            parts.append(f"「{name}」得分 {_f(ev['score'])}，排名 {rank_txt}")
        else:
            parts.append(f"'{name}' scores {_f(ev['score'])}, rank {rank_txt}")
        own_rank = int(ctx.root_rank[unit]) if unit in ctx.root_rank.index else None
        if own_rank is not None and ev["rank"] > own_rank:
            parts.append(f"低于本省总体排名（第 {own_rank} 名）" if zh and diag.unit_level == "province" else
                         f"低于本单元总体排名（第 {own_rank} 名）" if zh else f"below the unit's overall rank ({own_rank})")
        if not math.isnan(ev.get("group_mean", math.nan)):
            gname = _group_label(ev.get("group", ""), lang)
            if ev["score"] < ev["group_mean"]:
                parts.append(f"低于同组（{gname}）其他地区均值 {_f(ev['group_mean'])}" if zh else
                             f"below the mean of the other {gname} units {_f(ev['group_mean'])}")
            else:
                parts.append(f"不低于同组（{gname}）其他地区均值 {_f(ev['group_mean'])}" if zh else
                             f"not below the mean of the other {gname} units {_f(ev['group_mean'])}")
        parts.append(f"距前沿（{fr_name} {_f(ev['frontier'])}）差 {_f(ev['gap_abs'])}" if zh else
                     f"{_f(ev['gap_abs'])} below the frontier ({fr_name} {_f(ev['frontier'])})")
        if not math.isnan(ev.get("obstacle_pct", math.nan)):
            parts.append(f"障碍度 {_pct(ev['obstacle_pct'])}" if zh else f"obstacle degree {_pct(ev['obstacle_pct'])}")
        if not math.isnan(ev.get("change", math.nan)) and ctx.base_year is not None and ev.get("trend_lag", 0) > 0:
            span = f"{ctx.base_year}–{ctx.year}"
            parts.append(f"{span} 年提高 {_sf(ev['change'])}，慢于全体中位数 {_sf(ev['median_change'])}" if zh else
                         f"change {span} {_sf(ev['change'])}, slower than the median {_sf(ev['median_change'])}")
        if ev.get("lagging_subsystem") and coupling:
            parts.append(f"数实耦合协调度 D={_f(coupling['D'])}（{coupling['class_zh']}），属滞后一侧" if zh else
                         f"digital–real coupling D = {_f(coupling['D'])} ({coupling['class_en']}), on the lagging side")
    if ev.get("flagged"):
        parts.append("该序列被数据质量筛查标记，数值仅供参考" if zh else "this series is flagged by the data-quality screen: read with care")
    if ev.get("fit") == 1:
        parts.append("框架中没有专门衡量这条路径的指标，以要素整体代替" if zh else
                     "the framework has no indicator for this path specifically; the whole element stands in")
    if context_hit:
        labels = "、".join(dict.fromkeys(c["label_zh"] for c in context_hit)) if zh else \
            ", ".join(dict.fromkeys(c["label_en"] for c in context_hit))
        note = path.context_note_zh if zh else path.context_note_en
        parts.append(f"地区背景：{labels}" + (f"——{note}" if note else "") if zh else
                     f"place context: {labels}" + (f" — {note}" if note else ""))
    return ("；".join(parts) + "。") if zh else ("; ".join(parts) + ".")


def _context_tags(ctx: "_YearContext", unit: str) -> set[str]:
    return set(ctx.context_tags.get(str(unit), set()))


def _peers(ctx: _YearContext, unit: str, tg: _Target, k: int, ahead_margin: float) -> list[dict]:
    """Units similar in element profile and place context, ahead on ``tg``, none flagged on its series."""
    diag = ctx.diag
    v = ctx.values(tg)
    if unit not in v.index or k <= 0:
        return []
    s = float(v[unit])
    margin = ahead_margin * (float(v.max()) - float(v.min()))
    ahead = sorted(u for u in v.index if u != unit and v[u] > s + max(margin, 1e-12))
    me = ctx.types.get(unit, {}).get("element_pct", {})
    my_ctx = _context_tags(ctx, unit)
    my_grp = str(ctx.groups[unit]) if ctx.groups is not None and unit in ctx.groups.index else ""
    touched = set(tg.members) | {tg.id}
    out = []
    for u in ahead:
        if set(diag.flagged(u)) & touched:
            continue
        other = ctx.types.get(u, {}).get("element_pct", {})
        common = [e for e in me if e in other]
        if not common:
            continue
        d_prof = float(np.sqrt(np.mean([(me[e] - other[e]) ** 2 for e in common])))
        oc = _context_tags(ctx, u)
        og = str(ctx.groups[u]) if ctx.groups is not None and u in ctx.groups.index else ""
        a, b = my_ctx | ({f"grp:{my_grp}"} if my_grp else set()), oc | ({f"grp:{og}"} if og else set())
        jac = len(a & b) / len(a | b) if (a | b) else 0.0
        dist = d_prof + 0.3 * (1.0 - jac)
        shared = sorted((my_ctx & oc))
        if my_grp and my_grp == og:
            shared = [_group_label(my_grp, "zh")] + shared
        out.append({"node": tg.id, "kind": "similar", "peer": u, "value": float(v[u]), "own": s, "distance": dist,
                    "change": math.nan, "shared": "、".join(shared)})
    out.sort(key=lambda r: (r["distance"], r["peer"]))
    return out[:k]


def _profile(ctx: _YearContext, unit: str) -> dict:
    diag = ctx.diag
    root = ctx.root
    p: dict[str, Any] = {"root": root, "root_name_zh": diag.label(root, "zh"), "root_name_en": diag.label(root, "en")}
    if unit in ctx.root_values.index:
        p["score"] = float(ctx.root_values[unit])
        p["rank"] = int(ctx.root_rank[unit])
        p["n"] = int(len(ctx.root_values))
        p["percentile"] = float(ctx.percentile[unit])
    else:
        p.update(score=math.nan, rank=None, n=int(len(ctx.root_values)), percentile=math.nan)
    lo, hi = _interval(diag, unit, ctx.year, root, root, ctx.intervals)
    p["rank_lo"], p["rank_hi"] = lo, hi
    elems = []
    s = diag.year_scores(ctx.year)
    for c in diag.children(root):
        if c in s.columns and unit in s.index and not math.isnan(float(s.loc[unit, c])):
            col = s[c].astype(float).dropna()
            elems.append({"node": c, "name_zh": diag.label(c, "zh"), "name_en": diag.label(c, "en"),
                          "score": float(col[unit]), "rank": int(_rank_desc(col)[unit]), "n": int(len(col))})
    elems.sort(key=lambda e: (e["rank"], -e["score"], e["node"]))
    p["elements"] = elems
    p["strongest"] = elems[0] if elems else None
    p["weakest"] = elems[-1] if len(elems) > 1 else None
    p["group_kind"] = ctx.group_kind
    p["group"] = str(ctx.groups[unit]) if ctx.groups is not None and unit in ctx.groups.index else ""
    for col in ("region4", "belt3"):
        if col in diag.units.columns:
            r = diag.units.loc[diag.units["unit"] == unit, col]
            p[col] = str(r.iloc[0]) if len(r) else ""
    ty = ctx.types.get(unit, {})
    p["type"], p["type_en"] = ty.get("type_zh", ""), ty.get("type_en", "")
    p["type_description_zh"], p["type_description_en"] = ty.get("description_zh", ""), ty.get("description_en", "")
    _, cinfo = _lagging_nodes(diag, unit, ctx.year)
    p["coupling"] = cinfo
    p["level"] = diag.unit_level
    return p



def _lagging_nodes(diag: Diagnosis, unit: str, year: int) -> tuple[set[str], dict]:
    cp = diag.coupling
    if cp is None:
        return set(), {}
    sub = cp[(cp["unit"] == unit) & (cp["year"] == year)]
    if not len(sub):
        return set(), {}
    r = sub.iloc[0]
    lag = str(r["lagging"])
    info = {"D": float(r["D"]), "class_zh": r["class_zh"], "class_en": r["class_en"], "lagging": lag,
            "lagging_zh": diag.label(lag, "zh") if lag else "", "lagging_en": diag.label(lag, "en") if lag else ""}
    nodes: set[str] = set()
    if lag:
        subs = diag.subsystems
        members = subs.get(lag, [lag])
        for m in members:
            nodes.add(m)
            nodes.update(diag.leaves_under(m))
    return nodes, info


def _coupling_component(ev: dict, coupling: dict, path: PathEntry) -> float:
    if not coupling or math.isnan(coupling.get("D", math.nan)):
        return math.nan
    d = float(coupling["D"])
    if ev.get("lagging_subsystem"):
        return 1.0 - d
    if path.type == "数实融合" and d < 0.6:
        return 0.5 * (1.0 - d)
    return 0.0


def _top_obstacles(ctx: _YearContext, unit: str, k: int) -> pd.DataFrame:
    cols = ["rank", "indicator", "name_zh", "name_en", "obstacle_pct"]
    if ctx.obstacles is None:
        return pd.DataFrame(columns=cols)
    inds = set(ctx.diag.indicators)
    ob = ctx.obstacles[(ctx.obstacles["unit"] == unit) & (ctx.obstacles["node"].isin(inds))].dropna(subset=["obstacle_pct"])
    ob = ob.sort_values(["obstacle_pct", "node"], ascending=[False, True]).head(k)
    return pd.DataFrame({
        "rank": range(1, len(ob) + 1), "indicator": ob["node"].tolist(),
        "name_zh": [ctx.diag.label(n, "zh") for n in ob["node"]], "name_en": [ctx.diag.label(n, "en") for n in ob["node"]],
        "obstacle_pct": ob["obstacle_pct"].astype(float).tolist(),
    }, columns=cols)


def _caution_applies(c, *, unit_groups: set[str], lagging: bool) -> bool:
    if c.when == "always":
        return True
    if c.when == "lagging":
        return lagging
    return bool({g.casefold() for g in c.groups} & unit_groups)


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict(DEFAULT_WEIGHTS)
    if weights is None:
        return w
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise MethodError(f"recommend: unknown evidence weights; got {unknown}. Use keys {sorted(DEFAULT_WEIGHTS)}.")
    bad = {k: v for k, v in weights.items() if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0}
    if bad:
        raise MethodError(f"recommend: evidence weights must be numbers >= 0; got {bad}. Use e.g. weights={{'obstacle': 0.3}}.")
    w.update({k: float(v) for k, v in weights.items()})
    if sum(w.values()) <= 0:
        raise MethodError(f"recommend: evidence weights sum to 0; got {w}. Give at least one positive weight.")
    return w


def recommend(
    diagnosis: Diagnosis,
    *,
    unit: Any,
    year: int | None = None,
    catalogue: Catalogue | str | None = None,
    top: int | None = 8,
    weights: Mapping[str, float] | None = None,
    group: GroupChoice = "auto",
    frontier_tol: float = 0.05,
    frontier_band: float = 0.25,
    lagging_share: float = 1 / 3,
    base_year: int | None = None,
    n_peers: int = 2,
    n_obstacles: int = 5,
) -> PathGuide:
    """Rank the catalogue's paths for one unit and year, with reasons, evidence, citations and peers.

    Parameters
    ----------
    diagnosis : Diagnosis
        The evidence (see :class:`Diagnosis`, or build one with :func:`diagnose`).
    unit
        Unit id or name (``"贵州"``, ``"贵州省"``, ``"520000"``).
    year : int, optional
        Default: the last year of the scores.
    catalogue : Catalogue or path, optional
        Default: the bundled catalogue.
    top : int or None
        Number of paths in the guide (None = all eligible paths).
    weights : mapping, optional
        Evidence weights (keys of :data:`DEFAULT_WEIGHTS`); missing keys keep their defaults.
    group : {'auto', 'type', 'region4', 'belt3', 'none'}
        Peer group for the group gap: ``auto`` = region4 (else belt3) when the unit table has it,
        else the typology type.
    frontier_tol : float
        A target with relative gap ≤ frontier_tol counts as "at the frontier" (no catch-up needed).
    frontier_band : float
        Frontier paths need some target with relative gap ≤ frontier_band.
    lagging_share : float
        Units whose overall percentile is below this share are "lagging" (cautions with when = "lagging").
    base_year : int, optional
        Start of the trend window (default: the first year of the scores; no trend if equal to ``year``).
    n_peers, n_obstacles : int
        Peers per kind and obstacles listed.

    Returns
    -------
    PathGuide

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"],
    ...                       "driver": ["", "", "算力"], "name_zh": ["新质生产力", "每万人R&D人员全时当量", "光缆密度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> g = recommend(Diagnosis(scores, nodes), unit="A", top=3)
    >>> g.recommendations["path"].iloc[0], g.recommendations["key_node"].iloc[0]   # weakest: R&D personnel → talent path
    ('rd_talent_base', 'talent')
    """
    ctx, cat, w, opts = _setup(diagnosis, year=year, catalogue=catalogue, top=top, weights=weights, group=group,
                               frontier_tol=frontier_tol, frontier_band=frontier_band, lagging_share=lagging_share,
                               base_year=base_year, n_peers=n_peers, n_obstacles=n_obstacles)
    return _recommend_one(diagnosis, ctx, diagnosis.resolve_unit(unit), cat, w, **opts)


def _setup(diagnosis: Diagnosis, *, year, catalogue, top, weights, group, frontier_tol, frontier_band, lagging_share,
           base_year, n_peers, n_obstacles) -> tuple["_YearContext", Catalogue, dict, dict]:
    where = "recommend"
    if not isinstance(diagnosis, Diagnosis):
        raise DataError(f"{where}: the first argument must be a Diagnosis; got {type(diagnosis).__name__}. "
                        "Build one with nqpf.paths.diagnose(result) or Diagnosis(scores, nodes, ...).")
    check_option(group, GroupChoice, param="group", caller=where)
    for name, val in (("frontier_tol", frontier_tol), ("frontier_band", frontier_band), ("lagging_share", lagging_share)):
        if not isinstance(val, (int, float)) or isinstance(val, bool) or not 0 <= val <= 1:
            raise MethodError(f"{where}: {name} must be a number in [0, 1]; got {val!r}. Use e.g. {name}=0.1.")
    if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
        raise MethodError(f"{where}: top must be a positive int or None; got {top!r}. Use e.g. top=8.")
    for name, val in (("n_peers", n_peers), ("n_obstacles", n_obstacles)):
        if not isinstance(val, int) or isinstance(val, bool) or val < 0:
            raise MethodError(f"{where}: {name} must be an int >= 0; got {val!r}. Use e.g. {name}=3.")
    w = _check_weights(weights)
    cat = load_catalogue(catalogue)
    years = diagnosis.years
    if year is None:
        year = years[-1]
    if year not in years:
        raise DataError(f"{where}: no scores for year {year!r}; got years {years[0]}–{years[-1]}. Choose a year of the run.")
    if base_year is None:
        base_year = years[0]
    if base_year not in years:
        raise DataError(f"{where}: base_year {base_year!r} has no scores; got years {years}. Choose a year of the run.")
    ctx = _YearContext(diagnosis, int(year), int(base_year) if base_year < year else None, group)
    opts = dict(top=top, frontier_tol=frontier_tol, frontier_band=frontier_band, lagging_share=lagging_share,
                n_peers=n_peers, n_obstacles=n_obstacles)
    return ctx, cat, w, opts


#: plain words for the rules of the data-quality screen (nqpf.index.quality)
QUALITY_RULES_ZH = {
    "carry_forward": "连续多年数值完全相同（疑为沿用上年值）", "panel_freeze": "多数地区同年数值冻结不变",
    "cross_unit_repeat": "与其他地区数值重复", "round_fill": "数值明显是取整后的填充值", "level_break": "水平突变并持续",
    "series_break": "多数地区同年断点（口径变化）", "jump": "某年异常跳变", "ratio_unexplained": "比值变化无法由分子分母解释",
    "ratio_input_flagged": "构成该指标的原始序列被标记",
}
QUALITY_RULES_EN = {
    "carry_forward": "the same value repeated for several years (probably carried forward)",
    "panel_freeze": "most units frozen in the same years", "cross_unit_repeat": "values repeated across units",
    "round_fill": "values far rounder than the series (fills)", "level_break": "a lasting level break",
    "series_break": "a break in most units in one year (definition change)", "jump": "an extreme jump in one year",
    "ratio_unexplained": "the ratio moves without its numerator or denominator", "ratio_input_flagged": "an input series is flagged",
}


def _diagnosis_items(ctx: _YearContext, unit: str, obstacles: pd.DataFrame, n_obstacles: int = 3,
                     n_weak: int = 2) -> list[dict]:
    """What the guide must answer: the unit's top obstacles and its weakest sub-dimensions relative to its group."""
    diag = ctx.diag
    items = []
    for r in obstacles.head(n_obstacles).itertuples(index=False):
        items.append({"kind": "obstacle", "node": r.indicator, "name_zh": r.name_zh, "name_en": r.name_en,
                      "value": float(r.obstacle_pct), "pct": math.nan, "group_pct": math.nan})
    subs = [c for e in ctx.elements for c in diag.children(e) if c in diag.scores.columns and diag._kind.get(c) == "aggregate"]
    cand = []
    for sd in subs:
        tg = _node_target(diag, sd, "node")
        st = ctx.stats(tg) if tg is not None else None
        if st is None or unit not in st["v"]:
            continue
        pct = st["pct"][unit]
        gp = st["group_pct"].get(unit, math.nan)
        if pct >= 0.5:
            continue
        need = (1 - pct) + (max(gp - pct, 0.0) if not math.isnan(gp) else 0.0)
        cand.append((-need, sd, pct, gp, st["rank"][unit], st["n"]))
    for _, sd, pct, gp, rk, n in sorted(cand)[:n_weak]:
        if any(it["node"] == sd for it in items):
            continue
        items.append({"kind": "weak", "node": sd, "name_zh": diag.label(sd, "zh"), "name_en": diag.label(sd, "en"),
                      "value": math.nan, "pct": pct, "group_pct": gp, "rank": rk, "n": n})
    return items


def _covers(diag: Diagnosis, tg: _Target, item: dict) -> bool:
    """A named target (fit 3) covers a diagnosis item when it is the item or lies inside it."""
    node = item["node"]
    if tg.id == node:
        return True
    if tg.fit < 3:
        return False
    if node in tg.members and len(tg.members) <= 3:
        return True
    if diag._kind.get(node) == "aggregate":
        leaves = set(diag.leaves_under(node))
        return bool(tg.members) and set(tg.members) <= leaves
    return False


def _limits(ctx: _YearContext, unit: str, profile: dict, used_nodes: set[str]) -> list[dict]:
    """Plain statements of what the numbers cannot say for this unit."""
    diag = ctx.diag
    out: list[dict] = []
    lo, hi, n = profile.get("rank_lo", math.nan), profile.get("rank_hi", math.nan), profile.get("n")
    if not math.isnan(lo) and n:
        width = hi - lo
        if width >= n / 3:
            out.append({"kind": "interval",
                        "text_zh": f"排名区间 {_rank(lo)}–{_rank(hi)}：在其他合理的方法选择下，本地位次会在这一范围内变动，位置不确定；相差几名的排序不宜解读。",
                        "text_en": f"Rank interval {_rank(lo)}–{_rank(hi)}: under other defensible method choices the position moves within this range; "
                                   "it is uncertain, and differences of a few places mean little."})
        else:
            out.append({"kind": "interval",
                        "text_zh": f"排名区间 {_rank(lo)}–{_rank(hi)}：位置较为稳定。",
                        "text_en": f"Rank interval {_rank(lo)}–{_rank(hi)}: the position is fairly stable."})
    else:
        out.append({"kind": "interval", "text_zh": "本次运行没有做不确定性分析，排名是点估计。",
                    "text_en": "No uncertainty analysis in this run: the rank is a point estimate."})
    s = diag.year_scores(ctx.year)
    gaps = []
    for e in ctx.elements:
        for c in [e] + diag.children(e):
            if c in s.columns and diag._kind.get(c) == "aggregate" and unit in s.index and math.isnan(float(s.loc[unit, c])):
                gaps.append(c)
    if gaps:
        names = "、".join(f"「{diag.label(g, 'zh')}」" for g in gaps)
        out.append({"kind": "gap", "text_zh": f"{names}没有本地数据（不计分，也不插补），与之相连的路径无法评估。",
                    "text_en": ", ".join(f"'{diag.label(g, 'en')}'" for g in gaps)
                    + " has no data for this unit (no score, not imputed); paths linked to it cannot be assessed."})
    dec = diag.declared
    if len(dec):
        names = "、".join(dec["name_zh"].head(6))
        more = f"等 {len(dec)} 项" if len(dec) > 6 else ""
        out.append({"kind": "declared",
                    "text_zh": f"框架列出但没有省级数据、未计入得分的指标：{names}{more}；与算力、算法和数据有关的结论只反映已计量的部分。",
                    "text_en": f"Indicators the framework names but cannot measure (not in the score): "
                               f"{', '.join(dec['name_en'].head(6))}{' and others' if len(dec) > 6 else ''}; conclusions on compute, "
                               "algorithms and data reflect only what is measured."})
    fl = diag.flagged(unit)
    if fl:
        bits_zh, bits_en = [], []
        for ind, rows in sorted(fl.items()):
            rules = list(dict.fromkeys(r["rule"] for r in rows))
            yrs = "、".join(dict.fromkeys(str(r["years"]) for r in rows if str(r["years"])))
            bits_zh.append(f"「{diag.label(ind, 'zh')}」（{'；'.join(QUALITY_RULES_ZH.get(x, x) for x in rules)}"
                           + (f"，{yrs}" if yrs else "") + "）")
            bits_en.append(f"'{diag.label(ind, 'en')}' ({'; '.join(QUALITY_RULES_EN.get(x, x) for x in rules)})")
        out.append({"kind": "quality",
                    "text_zh": "数据质量筛查标记了本地（或全部地区）的以下序列：" + "、".join(bits_zh)
                               + "。这些序列只在一条路径没有其他依据时才用作依据（并在依据中注明），也不用来挑选可借鉴对象。",
                    "text_en": "The data-quality screen flagged these series for this unit (or all units): " + ", ".join(bits_en)
                               + ". They back a path only when it has no other evidence (and the reason says so), and are never used to choose peers."})
    return out


def _recommend_one(diag: Diagnosis, ctx: _YearContext, unit: str, cat: Catalogue, w: dict, *, top, frontier_tol,
                   frontier_band, lagging_share, n_peers, n_obstacles) -> PathGuide:
    year = ctx.year
    level = _UNIT_LEVEL_TO_PATH.get(diag.unit_level, "region")
    lag_nodes, coupling = _lagging_nodes(diag, unit, year)
    q = float(ctx.percentile.get(unit, math.nan)) if len(ctx.percentile) else math.nan
    lagging = (not math.isnan(q)) and q < lagging_share
    unit_groups = set()
    for col in ("region4", "belt3", "region4_zh", "belt3_zh"):
        if col in diag.units.columns:
            r = diag.units.loc[diag.units["unit"] == unit, col]
            if len(r) and str(r.iloc[0]):
                unit_groups.add(str(r.iloc[0]).casefold())
    if ctx.groups is not None and unit in ctx.groups.index:
        unit_groups.add(str(ctx.groups[unit]).casefold())
    uctx = diag.unit_context(unit)
    utags = set(uctx["tag"].astype(str)) if len(uctx) else set()
    flagged = set(diag.flagged(unit))

    excluded: list[dict] = []
    cand: list[dict] = []
    ev_cache: dict[str, dict | None] = {}
    for p in cat.paths:
        if level not in p.level:
            excluded.append({"path": p.id, "reason": f"level {'/'.join(p.level)} does not include {level}", "why": "level"})
            continue
        hit = [c for c in uctx.to_dict(orient="records") if c["tag"] in p.contexts] if p.contexts else []
        if p.context_only and not hit:
            excluded.append({"path": p.id, "reason": "applies only to units with the place context " + "/".join(p.contexts),
                             "why": "context"})
            continue
        targets = ctx.targets(p)
        evs = []
        for tg in targets:
            if tg.id not in ev_cache:
                ev_cache[tg.id] = _evidence_row(ctx, unit, tg, lag_nodes)
            ev = ev_cache[tg.id]
            if ev is not None:
                evs.append((tg, dict(ev)))
        if not evs:
            excluded.append({"path": p.id, "reason": "no linked node with data in this framework" if not targets
                             else "no score of this unit on the linked nodes", "why": "nodata"})
            continue
        cand.append({"path": p, "evs": evs, "hit": hit})

    for c in cand:
        for tg, ev in c["evs"]:
            ev["obstacle_per_indicator"] = ev["obstacle_pct"] / max(len(tg.members), 1)
    all_ob = [ev["obstacle_per_indicator"] for c in cand for _, ev in c["evs"] if not math.isnan(ev["obstacle_per_indicator"])]
    ob_max = max(all_ob) if all_ob else math.nan
    scored_paths: list[dict] = []
    for c in cand:
        p = c["path"]
        # a context-only path exists for its context: full bonus; otherwise scaled by the context's rarity
        bonus = ((CONTEXT_BONUS if c["hit"] else 0.0) if p.context_only and len(p.contexts) <= 2
                 else ctx.context_bonus({h["tag"] for h in c["hit"]}))
        scored = []
        for tg, ev in c["evs"]:
            ev["obstacle_share"] = obstacle_share(ev["obstacle_per_indicator"], ob_max)
            ev["coupling"] = _coupling_component(ev, coupling, p)
            if p.role == "catch_up":
                comps = {"weakness": ev["weakness"], "own_profile": ev["own_gap"], "group_gap": ev["gap_group"],
                         "obstacle": ev["obstacle_share"], "trend": ev["trend_lag"], "uncertainty": ev["robust_weak"],
                         "coupling": ev["coupling"], "frontier_gap": ev["gap_frontier"]}
                base = target_priority(comps, w) if ev["gap_frontier"] > frontier_tol else math.nan
            else:
                base = (1.0 - ev["gap_frontier"]) * (0.0 if math.isnan(q) else q) if ev["gap_frontier"] <= frontier_band else math.nan
            ev["base_priority"] = base
            ev["priority"] = (FIT_FACTOR.get(tg.fit, 0.6) * base + bonus) if not math.isnan(base) else math.nan
            ev["context_bonus"] = bonus
            scored.append((tg, ev))
        live = [(tg, ev) for tg, ev in scored if not math.isnan(ev["priority"])]
        if not live:
            excluded.append({"path": p.id, "why": "frontier" if p.role == "catch_up" else "band",
                             "reason": (f"at the frontier on every linked node (relative gap ≤ {frontier_tol:g})" if p.role == "catch_up"
                                        else f"frontier path: no linked node within {frontier_band:g} of the frontier")})
            continue
        # evidence: the unflagged target with the highest fit-weighted priority; the path's priority is that target's
        live.sort(key=lambda te: (te[1]["flagged"], -te[1]["priority"], -te[0].fit, te[0].id))
        scored_paths.append({"path": p, "live": live, "priority": live[0][1]["priority"], "hit": c["hit"],
                             "n_targets": len(scored)})
    # ties: the more specific path (fewer linked targets) first, then the id
    scored_paths.sort(key=lambda r: (-round(r["priority"], 12), r["n_targets"], r["path"].id))

    obstacles = _top_obstacles(ctx, unit, n_obstacles)
    items = _diagnosis_items(ctx, unit, obstacles)
    chosen: list[dict] = []
    used: set[str] = set()
    used_leaves: set[str] = set()
    used_parents: dict[str, int] = {}
    limit = top if top is not None else len(scored_paths)

    def parent_of(tg: _Target) -> str:
        return diag._parent.get(tg.id, "") if tg.kind in ("node", "keyword") and diag._kind.get(tg.id) == "indicator" else tg.id

    def free(tg: _Target, strict: bool) -> bool:
        if tg.id in used or (set(tg.members) & used_leaves and tg.fit >= 2):
            return False
        return not strict or used_parents.get(parent_of(tg), 0) < 1

    def take(tg: _Target) -> None:
        used.add(tg.id)
        if tg.fit >= 2:
            used_leaves.update(tg.members)
        used_parents[parent_of(tg)] = used_parents.get(parent_of(tg), 0) + 1

    def pick_target(sp: dict, prefer: dict | None = None, strict: bool = False):
        opts = [(tg, ev) for tg, ev in sp["live"] if free(tg, strict)]
        clean = [te for te in opts if not te[1]["flagged"]]
        opts = clean or opts          # a flagged series backs a path only when nothing else does (and the reason says so)
        if prefer is not None:
            cov = [(tg, ev) for tg, ev in opts if _covers(diag, tg, prefer)]
            cov.sort(key=lambda te: (te[0].id != prefer["node"], -te[1]["priority"]))
            return cov[0] if cov else None
        return opts[0] if opts else None

    # 1. every diagnosis item gets the best path that covers it
    for it in items:
        done = next((c for c in chosen if _covers(diag, c["key"], it)), None)
        if done is not None:
            it["path"] = done["path"].id
            continue
        best = None
        for sp in scored_paths:
            if any(c["path"].id == sp["path"].id for c in chosen):
                continue
            te = pick_target(sp, prefer=it)
            if te is not None:
                best = (sp, te)
                break
        if best is None or len(chosen) >= limit:
            linked = [p.id for p in cat.paths if any(_covers(diag, tg, it) for tg in ctx.targets(p))]
            it["path"] = ""
            it["why_zh"] = ("目录中没有与之相连的路径" if not linked else
                            "相连路径不适用于本地（层级或地区背景），或其依据已被更靠前的路径使用")
            it["why_en"] = ("no catalogue path is linked to it" if not linked else
                            "the linked paths do not apply here (level or place context) or their evidence backs a higher path")
            continue
        sp, (tg, ev) = best
        take(tg)
        chosen.append({"path": sp["path"], "key": tg, "key_ev": ev, "priority": ev["priority"], "hit": sp["hit"], "answers": [it]})
        it["path"] = sp["path"].id
    # 2. place context: the two best context-only paths that fit the unit (e.g. smart agriculture for a grain producer)
    added = 0
    for sp in [x for x in scored_paths if x["path"].context_only and x["hit"]]:
        if len(chosen) >= limit or added >= 2:
            break
        if any(c["path"].id == sp["path"].id for c in chosen):
            continue
        te = pick_target(sp)
        added += te is not None
        if te is not None:
            take(te[0])
            chosen.append({"path": sp["path"], "key": te[0], "key_ev": te[1], "priority": te[1]["priority"], "hit": sp["hit"],
                           "answers": []})
    # 3. fill by priority, one evidence node per path; a sub-dimension backs one path in this pass
    #    (a second pass relaxes that when too few paths remain)
    for strict in (True, False):
        for sp in scored_paths:
            if len(chosen) >= limit:
                break
            if any(c["path"].id == sp["path"].id for c in chosen):
                continue
            te = pick_target(sp, strict=strict)
            if te is None:
                continue
            take(te[0])
            chosen.append({"path": sp["path"], "key": te[0], "key_ev": te[1], "priority": te[1]["priority"], "hit": sp["hit"],
                           "answers": []})
    chosen_ids = {c["path"].id for c in chosen}
    for sp in scored_paths:
        if sp["path"].id not in chosen_ids and not any(e["path"] == sp["path"].id for e in excluded):
            blocked = all(not free(tg, False) or (ev["flagged"] and len(sp["live"]) > 1) for tg, ev in sp["live"])
            excluded.append({"path": sp["path"].id, "why": "duplicate" if blocked else "rank",
                             "reason": "its evidence would repeat a node already used by a higher-ranked path" if blocked
                             else f"ranked below the top {top} (priority {sp['priority']:.3f})" if top is not None
                             else f"not reached (priority {sp['priority']:.3f})"})
    chosen.sort(key=lambda r: (-round(r["priority"], 12), r["path"].id))
    rank_of = {c["path"].id: k for k, c in enumerate(chosen, 1)}
    for it in items:
        it["path_rank"] = rank_of.get(it.get("path", ""), None)

    rec_rows, cit_rows, peer_rows, ev_rows = [], [], [], []
    caution_paths: dict[str, list[int]] = {}
    for k, r in enumerate(chosen, 1):
        p: PathEntry = r["path"]
        ev = r["key_ev"]
        rec_rows.append({
            "rank": k, "path": p.id, "title_zh": p.title_zh, "title_en": p.title_en, "role": p.role, "type": p.type,
            "level": "|".join(p.level), "priority": r["priority"], "key_node": r["key"].id,
            "key_node_zh": diag.label(r["key"].id, "zh"), "key_node_en": diag.label(r["key"].id, "en"),
            "reason_zh": _reason("zh", diag, ev, ctx, p.role, coupling, p, unit, r["hit"]),
            "reason_en": _reason("en", diag, ev, ctx, p.role, coupling, p, unit, r["hit"]),
            "summary_zh": p.summary_zh, "summary_en": p.summary_en,
            "context": "|".join(dict.fromkeys(c["tag"] for c in r["hit"])),
            "answers": "|".join(it["node"] for it in items if it.get("path") == p.id),
        })
        ev_rows.append({"path": p.id, **ev})
        for c in p.citations:
            cit_rows.append({"path": p.id, "file": c.file, "section": c.section, "quote": c.quote, "simplified": c.simplified})
        for cid in p.cautions:
            cau = cat.caution_by_id[cid]
            if _caution_applies(cau, unit_groups=unit_groups, lagging=lagging):
                caution_paths.setdefault(cid, []).append(k)
        if p.role == "catch_up":
            for pr in _peers(ctx, unit, r["key"], n_peers, frontier_tol):
                peer_rows.append({"path": p.id, **pr, "peer_name": diag.unit_name(pr["peer"], "zh"),
                                  "peer_name_en": diag.unit_name(pr["peer"], "en"),
                                  "node_zh": diag.label(pr["node"], "zh"), "node_en": diag.label(pr["node"], "en")})
    cau_rows = []
    for cid, ranks in caution_paths.items():
        cau = cat.caution_by_id[cid]
        cau_rows.append({"caution": cid, "paths": ranks, "path": chosen[ranks[0] - 1]["path"].id, "text_zh": cau.text_zh,
                         "text_en": cau.text_en, "citation": " ; ".join(x.label() for x in cau.citations),
                         "citations": [{"file": x.file, "section": x.section, "quote": x.quote, "simplified": x.simplified}
                                       for x in cau.citations]})

    ev_cols = ["path", "node", "fit", "score", "rank", "n", "pct", "frontier", "frontier_unit", "floor", "gap_frontier", "gap_abs",
               "weakness", "own_gap", "group", "group_mean", "group_pct", "gap_group", "obstacle_pct", "obstacle_per_indicator",
               "obstacle_share", "change", "median_change", "trend_lag", "rank_lo", "rank_hi", "robust_weak", "lagging_subsystem",
               "coupling", "flagged", "base_priority", "context_bonus", "priority"]
    evidence = pd.DataFrame(ev_rows, columns=ev_cols)
    if len(evidence):
        evidence.insert(2, "name_zh", [diag.label(n, "zh") for n in evidence["node"]])
        evidence.insert(3, "name_en", [diag.label(n, "en") for n in evidence["node"]])
    notes = list(diag.notes)
    if diag.obstacles is None:
        notes.append("No obstacle degrees available: the obstacle component was left out and the other weights rescaled.")
    if diag.coupling is None:
        notes.append("No coupling-coordination table available: the coupling component was left out.")
    if ctx.base_year is None:
        notes.append("Only one year available (or base_year = year): no trend component.")
    if diag.intervals is None:
        notes.append("No rank intervals available: ranks are point estimates.")
    profile = _profile(ctx, unit)
    diag_cols = ["kind", "node", "name_zh", "name_en", "value", "pct", "group_pct", "path", "path_rank", "why_zh", "why_en"]
    diag_tab = pd.DataFrame([{c: it.get(c, "" if c in ("path", "why_zh", "why_en") else math.nan) for c in diag_cols} for it in items],
                            columns=diag_cols)
    peers_cols = ["path", "node", "node_zh", "node_en", "kind", "peer", "peer_name", "peer_name_en", "value", "own", "distance",
                  "change", "shared"]
    return PathGuide(
        unit=unit, unit_name=diag.unit_name(unit, "zh"), unit_name_en=diag.unit_name(unit, "en"), year=int(year),
        profile=profile,
        obstacles=obstacles,
        recommendations=pd.DataFrame(rec_rows, columns=["rank", "path", "title_zh", "title_en", "role", "type", "level", "priority",
                                                        "key_node", "key_node_zh", "key_node_en", "reason_zh", "reason_en",
                                                        "summary_zh", "summary_en", "context", "answers"]),
        evidence=evidence,
        citations=pd.DataFrame(cit_rows, columns=["path", "file", "section", "quote", "simplified"]),
        cautions=pd.DataFrame(cau_rows, columns=["caution", "paths", "path", "text_zh", "text_en", "citation", "citations"]),
        peers=pd.DataFrame(peer_rows, columns=peers_cols),
        excluded=pd.DataFrame([{k: e[k] for k in ("path", "reason")} for e in excluded],
                              columns=["path", "reason"]).sort_values("path").reset_index(drop=True),
        params={"weights": w, "group": ctx.group_kind, "frontier_tol": frontier_tol, "frontier_band": frontier_band,
                "lagging_share": lagging_share, "base_year": ctx.base_year, "catalogue": cat.id, "top": top,
                "fit_factor": dict(FIT_FACTOR), "context_bonus": CONTEXT_BONUS},
        notes=notes,
        diagnosis=diag_tab,
        context=uctx,
        limits=_limits(ctx, unit, profile, used),
        sources=[{"file": s.file, "short": s.short, "reference": s.reference, "note": s.note, "title_zh": s.title_zh,
                  "title_en": s.title_en} for s in cat.sources],
    )


def recommend_all(
    diagnosis: Diagnosis,
    *,
    year: int | None = None,
    units: Sequence[Any] | None = None,
    catalogue: Catalogue | str | None = None,
    **options: Any,
) -> Recommendations:
    """Guides for every unit (or ``units``) of one year; options as in :func:`recommend`.

    Also reports the national distribution of first-ranked paths (``Recommendations.first_paths``)
    and, in every guide, where the unit's first path stands in it and why a dominant path dominates.

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend_all
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"],
    ...                       "name_zh": ["新质生产力", "每万人R&D人员全时当量", "每平方公里光缆线路长度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> res = recommend_all(Diagnosis(scores, nodes), top=2)
    >>> sorted(res.guides)
    ['A', 'B', 'C']
    """
    allowed = {"top", "weights", "group", "frontier_tol", "frontier_band", "lagging_share", "base_year", "n_peers", "n_obstacles"}
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise MethodError(f"recommend_all: unknown options; got {unknown}. Use {sorted(allowed)}.")
    defaults = dict(top=8, weights=None, group="auto", frontier_tol=0.05, frontier_band=0.25, lagging_share=1 / 3,
                    base_year=None, n_peers=2, n_obstacles=5)
    defaults.update(options)
    ctx, cat, w, opts = _setup(diagnosis, year=year, catalogue=catalogue, **defaults)
    year = ctx.year
    ids = [diagnosis.resolve_unit(u) for u in units] if units is not None else sorted(diagnosis.year_scores(year).index)
    guides = {}
    rows = []
    for u in ids:
        g = _recommend_one(diagnosis, ctx, u, cat, w, **opts)
        guides[u] = g
        for r in g.recommendations.itertuples(index=False):
            cits = g.citations[g.citations["path"] == r.path]
            rows.append({"unit": u, "unit_name": g.unit_name, "year": g.year, "rank": r.rank, "path": r.path, "role": r.role,
                         "type": r.type, "priority": r.priority, "key_node": r.key_node, "reason_zh": r.reason_zh,
                         "reason_en": r.reason_en, "context": r.context, "answers": r.answers,
                         "citation": " ; ".join(f"{f[:3]} {s}「{q}」" for f, s, q in zip(cits["file"], cits["section"], cits["quote"]))})
    table = pd.DataFrame(rows, columns=["unit", "unit_name", "year", "rank", "path", "role", "type", "priority", "key_node",
                                        "reason_zh", "reason_en", "context", "answers", "citation"])
    first = _first_paths(table, cat, diagnosis)
    for u, g in guides.items():
        mine = table[(table["unit"] == u) & (table["rank"] == 1)]
        object.__setattr__(g, "national", {"n_units": int(table["unit"].nunique()),
                                           "first_paths": first.to_dict(orient="records"),
                                           "own_first": str(mine["path"].iloc[0]) if len(mine) else ""})
    return Recommendations(table=table, guides=guides, year=int(year), first_paths=first)


def _first_paths(table: pd.DataFrame, cat: Catalogue, diag: Diagnosis) -> pd.DataFrame:
    """Distribution of first-ranked paths in the run, with the explanation of a dominant path."""
    cols = ["path", "title_zh", "title_en", "units", "share", "unit_names", "common_node", "common_node_zh", "common_node_en",
            "explanation_zh", "explanation_en"]
    top1 = table[table["rank"] == 1]
    if not len(top1):
        return pd.DataFrame(columns=cols)
    n = int(table["unit"].nunique())
    rows = []
    by = cat.path_by_id
    for pid, grp in top1.groupby("path"):
        k = len(grp)
        node = grp["key_node"].value_counts().index[0]
        share = k / n
        exp_zh = exp_en = ""
        if share > 1 / 3:
            ans = grp["answers"].astype(str)
            n_ans = int((ans != "").sum())
            exp_zh = (f"这条路径在 {k} 个地区排第一：它的依据「{diag.label(node, 'zh')}」在这些地区普遍偏弱"
                      + (f"，其中 {n_ans} 个地区它回应了前几位障碍或最弱环节" if n_ans else "") + "；这是共性短板，不是模板。")
            exp_en = (f"First in {k} units: its evidence '{diag.label(node, 'en')}' is weak in most of them"
                      + (f", and in {n_ans} it answers a top obstacle or weakest node" if n_ans else "") + " — a shared gap, not a template.")
        rows.append({"path": pid, "title_zh": by[pid].title_zh if pid in by else pid, "title_en": by[pid].title_en if pid in by else pid,
                     "units": k, "share": share, "unit_names": "、".join(grp["unit_name"].astype(str)), "common_node": node,
                     "common_node_zh": diag.label(node, "zh"), "common_node_en": diag.label(node, "en"),
                     "explanation_zh": exp_zh, "explanation_en": exp_en})
    return pd.DataFrame(rows, columns=cols).sort_values(["units", "path"], ascending=[False, True]).reset_index(drop=True)
