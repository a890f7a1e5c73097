"""Rule-based, explainable path recommender: from a unit's diagnosis to ranked practical paths.

For a unit i and year t every path p of the catalogue is resolved to its *targets* in the
framework (explicit node ids, and one composite per linked element / driver / type tag), and
each target k is scored from the evidence (all formulas in ``docs/paths.md``):

* gap to the frontier   g_f = (max_j s_jk − s_ik) / (max_j s_jk − min_j s_jk)       ∈ [0, 1]
* gap to the own group   g_g = clip((mean_{j ∈ G(i), j ≠ i} s_jk − s_ik) / range_k, 0, 1)
* obstacle share         o = (O_ik / m_k) / max_k' (O_ik' / m_k')   (O = obstacle degree %, m = indicators)
* trend lag              l = clip((median_j Δs_jk − Δs_ik) / range_k, 0, 1)   (Δ over the window)
* robust weakness        r = 1 if the whole rank interval of i on k lies in the bottom half
* coupling               c = 1 − D if the target feeds the lagging subsystem of i
                         (½(1 − D) for 数实融合 paths when D < 0.6), else 0

Each target not at the frontier (g_f > ``frontier_tol``) gets
``P_k = Σ_c w_c · x_c / Σ_{c available} w_c``; targets at the frontier get 0. A catch-up
path's priority is ``½ max_k P_k + ½ mean_k P_k``; a frontier path's priority is
``(1 − mean g_f) · q_i`` (q_i = the unit's overall percentile) if some target is within
``frontier_band`` of the frontier. Ties are broken by the key target's priority, then by
path id, so identical profiles get identical guides. Every recommendation carries the numbers it rests on.
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
    "frontier_gap": 0.35,
    "group_gap": 0.15,
    "obstacle": 0.25,
    "trend": 0.10,
    "uncertainty": 0.05,
    "coupling": 0.10,
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

@dataclass(frozen=True)
class _Target:
    id: str                       # scores column or synthetic "<tag kind>:<value>"
    kind: str                     # node | element | driver | type
    members: tuple[str, ...]      # indicators (for the synthetic mean and the obstacle sum)
    column: str | None            # scores column used directly (None → mean of members)


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
    out = None if (col is None and not members) else _Target(id=col or f"{kind}:{value}", kind=kind, members=members, column=col)
    cache[key] = out
    return out


def _resolve_targets(path: PathEntry, diag: Diagnosis) -> list[_Target]:
    """The framework targets of a path (explicit nodes first, then one composite per tag)."""
    out: list[_Target] = []
    for n in path.links.nodes:
        if n in diag._columns:
            leaves = tuple(x for x in diag.leaves_under(n) if x in diag._columns)
            out.append(_Target(id=n, kind="node", members=leaves or (n,), column=n))
    for key, kind in _TAG_KIND.items():
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
    kind: str = "guide"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"recommendations": self.recommendations, "evidence": self.evidence, "obstacles": self.obstacles,
                "citations": self.citations, "cautions": self.cautions, "peers": self.peers, "excluded": self.excluded}

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
    kind: str = "paths"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"recommendations": self.table}

    def summary(self) -> Summary:
        top1 = self.table[self.table["rank"] == 1]
        freq = top1["path"].value_counts().rename("units with this path first").to_frame()
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


def _interval(diag: Diagnosis, unit: str, year: int, node: str, root: str) -> tuple[float, float]:
    iv = diag.intervals
    if iv is None:
        return math.nan, math.nan
    sub = iv[iv["unit"] == unit]
    sub = sub[(sub["year"].isna()) | (sub["year"] == year)]
    m = sub[sub["node"] == node]
    if not len(m) and node == root:
        m = sub[sub["node"].isin(["", "nan"])]
    if not len(m):
        return math.nan, math.nan
    r = m.iloc[-1]
    return float(r["rank_lo"]), float(r["rank_hi"])


class _YearContext:
    """Per-year caches: target values across units, ranges, changes, obstacles."""

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
        st: dict[str, Any] = {
            "v": {u: float(x) for u, x in v.items()}, "n": int(len(v)), "hi": hi, "lo": lo,
            "top": sorted(v.index[v == hi])[0], "rank": {u: int(r) for u, r in _rank_desc(v).items()},
            "group_mean": {}, "change": {}, "median_change": math.nan, "obstacle": {},
        }
        if self.groups is not None:
            g = self.groups.reindex(v.index)
            ok = g.notna() & (g.astype(str) != "")
            sums = v[ok].groupby(g[ok]).sum()
            cnts = v[ok].groupby(g[ok]).count()
            for u in v.index[ok]:
                k = cnts[g[u]] - 1
                if k > 0:
                    st["group_mean"][u] = float((sums[g[u]] - v[u]) / k)
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


def _evidence_row(ctx: _YearContext, unit: str, tg: _Target, lag_nodes: set[str]) -> dict | None:
    st = ctx.stats(tg)
    if st is None or unit not in st["v"]:
        return None
    s = st["v"][unit]
    hi, lo = st["hi"], st["lo"]
    rng = hi - lo
    row: dict[str, Any] = {
        "node": tg.id, "score": s, "rank": st["rank"][unit], "n": st["n"],
        "frontier": hi, "frontier_unit": st["top"], "floor": lo,
        "gap_frontier": float(frontier_gap(s, hi, lo)), "gap_abs": hi - s,
    }
    row["group"] = str(ctx.groups[unit]) if ctx.groups is not None and unit in ctx.groups.index else ""
    gm = st["group_mean"].get(unit, math.nan)
    row["group_mean"] = gm
    row["gap_group"] = float(group_gap(s, gm, rng)) if not math.isnan(gm) else math.nan
    ch = st["change"].get(unit, math.nan)
    med = st["median_change"] if not math.isnan(ch) else math.nan
    row["change"] = ch
    row["median_change"] = med
    row["trend_lag"] = float(trend_lag(ch, med, rng)) if not math.isnan(ch) else math.nan
    row["obstacle_pct"] = st["obstacle"].get(unit, math.nan)
    lo_r, hi_r = _interval(ctx.diag, unit, ctx.year, tg.id, ctx.root)
    row["rank_lo"], row["rank_hi"] = lo_r, hi_r
    row["robust_weak"] = (1.0 if lo_r > st["n"] / 2 else 0.0) if not math.isnan(lo_r) else math.nan
    touched = set(tg.members) | {tg.id}
    row["lagging_subsystem"] = bool(lag_nodes and touched & lag_nodes)
    return row


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


def _reason(lang: str, diag: Diagnosis, ev: dict, ctx: _YearContext, role: str, coupling: dict, path: PathEntry,
            unit: str) -> str:
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
        return ("；".join(parts) + "。") if zh else ("; ".join(parts) + ".")
    if zh:
        parts.append(f"「{name}」得分 {_f(ev['score'])}，排名 {rank_txt}")
        parts.append(f"距前沿（{fr_name} {_f(ev['frontier'])}）差 {_f(ev['gap_abs'])}，占全距 {_pct(100 * ev['gap_frontier'])}")
    else:
        parts.append(f"'{name}' scores {_f(ev['score'])}, rank {rank_txt}")
        parts.append(f"{_f(ev['gap_abs'])} below the frontier ({fr_name} {_f(ev['frontier'])}), {_pct(100 * ev['gap_frontier'])} of the range")
    if not math.isnan(ev.get("group_mean", math.nan)):
        gname = _group_label(ev.get("group", ""), lang)
        if ev["score"] < ev["group_mean"]:
            parts.append(f"低于同组（{gname}）均值 {_f(ev['group_mean'])}" if zh else f"below the {gname} group mean {_f(ev['group_mean'])}")
        else:
            parts.append(f"不低于同组（{gname}）均值 {_f(ev['group_mean'])}" if zh else f"not below the {gname} group mean {_f(ev['group_mean'])}")
    if not math.isnan(ev.get("obstacle_pct", math.nan)):
        parts.append(f"障碍度合计 {_pct(ev['obstacle_pct'])}" if zh else f"obstacle degree {_pct(ev['obstacle_pct'])}")
    if not math.isnan(ev.get("change", math.nan)) and ctx.base_year is not None:
        span = f"{ctx.base_year}–{ctx.year}"
        parts.append(f"{span} 年变化 {_sf(ev['change'])}，全体中位数 {_sf(ev['median_change'])}" if zh else
                     f"change {span} {_sf(ev['change'])} vs median {_sf(ev['median_change'])}")
    if ev.get("lagging_subsystem") and coupling:
        parts.append(f"耦合协调度 D={_f(coupling['D'])}（{coupling['class_zh']}），属滞后子系统" if zh else
                     f"coupling coordination D = {_f(coupling['D'])} ({coupling['class_en']}), part of the lagging subsystem")
    elif path.type == "数实融合" and coupling and coupling["D"] < 0.6:
        parts.append(f"数实耦合协调度 D={_f(coupling['D'])}（{coupling['class_zh']}）" if zh else
                     f"digital–real coupling coordination D = {_f(coupling['D'])} ({coupling['class_en']})")
    return ("；".join(parts) + "。") if zh else ("; ".join(parts) + ".")


def _coupling_component(ev: dict, coupling: dict, path: PathEntry) -> float:
    if not coupling or math.isnan(coupling.get("D", math.nan)):
        return math.nan
    d = float(coupling["D"])
    if ev.get("lagging_subsystem"):
        return 1.0 - d
    if path.type == "数实融合" and d < 0.6:
        return 0.5 * (1.0 - d)
    return 0.0


def _peers(ctx: _YearContext, unit: str, node_tg: _Target, profile_nodes: list[str], k: int, ahead_margin: float) -> list[dict]:
    diag = ctx.diag
    v = ctx.values(node_tg)
    if unit not in v.index:
        return []
    s = float(v[unit])
    out = []
    prof = diag.year_scores(ctx.year)[profile_nodes].astype(float) if profile_nodes else None
    margin = ahead_margin * (float(v.max()) - float(v.min()))
    ahead = sorted(u for u in v.index if u != unit and v[u] > s + max(margin, 1e-12))
    if prof is not None and unit in prof.index and ahead:
        me = prof.loc[unit].to_numpy()
        dists = []
        for u in ahead:
            if u not in prof.index:
                continue
            other = prof.loc[u].to_numpy()
            ok = ~(np.isnan(me) | np.isnan(other))
            if not ok.any():
                continue
            dists.append((float(np.sqrt(np.mean((me[ok] - other[ok]) ** 2))), u))
        for d, u in sorted(dists)[:k]:
            out.append({"node": node_tg.id, "kind": "similar", "peer": u, "value": float(v[u]), "distance": d, "change": math.nan})
    base = ctx.base_values(node_tg)
    if base is not None:
        common = sorted(v.index.intersection(base.index))
        ch = [(-(float(v[u]) - float(base[u])), u) for u in common if u != unit]
        for negd, u in sorted(ch)[:k]:
            if -negd <= 0:
                continue
            out.append({"node": node_tg.id, "kind": "improver", "peer": u, "value": float(v[u]), "distance": math.nan, "change": -negd})
    return out


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
    lo, hi = _interval(diag, unit, ctx.year, root, root)
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
    ty = ""
    ty_en = ""
    if diag.typology is not None:
        t = diag.typology
        t = t[t["unit"] == unit]
        if "year" in t.columns and len(t):
            t = t[t["year"] == ctx.year] if (t["year"] == ctx.year).any() else t.sort_values("year").tail(1)
        if len(t):
            ty, ty_en = str(t["type"].iloc[0]), str(t["type_en"].iloc[0])
    p["type"], p["type_en"] = ty, ty_en
    _, cinfo = _lagging_nodes(diag, unit, ctx.year)
    p["coupling"] = cinfo
    p["level"] = diag.unit_level
    return p


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
    n_peers: int = 3,
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
    ...                       "driver": ["", "", "算力"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> g = recommend(Diagnosis(scores, nodes), unit="A", top=3)
    >>> g.recommendations["path"].iloc[0] in {"digital_literacy", "ai_talent_training", "talent_chain",
    ...     "talent_attraction_incentives", "new_occupations_fair_mobility", "circular_green_habits"}
    True
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

    # evidence per path
    rows_ev: list[dict] = []
    cand: list[dict] = []
    excluded: list[dict] = []
    ev_cache: dict[str, dict | None] = {}
    for p in cat.paths:
        if level not in p.level:
            excluded.append({"path": p.id, "reason": f"level {'/'.join(p.level)} does not include {level}"})
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
                             else "no score of this unit on the linked nodes"})
            continue
        cand.append({"path": p, "evs": evs})

    # obstacle shares relative to the unit's largest target obstacle
    for c in cand:
        for tg, ev in c["evs"]:
            ev["obstacle_per_indicator"] = ev["obstacle_pct"] / max(len(tg.members), 1)
    all_ob = [ev["obstacle_per_indicator"] for c in cand for _, ev in c["evs"] if not math.isnan(ev["obstacle_per_indicator"])]
    ob_max = max(all_ob) if all_ob else math.nan
    recs: list[dict] = []
    for c in cand:
        p = c["path"]
        scored = []
        for tg, ev in c["evs"]:
            ev["obstacle_share"] = obstacle_share(ev["obstacle_per_indicator"], ob_max)
            ev["coupling"] = _coupling_component(ev, coupling, p)
            if p.role == "catch_up":
                comps = {"frontier_gap": ev["gap_frontier"], "group_gap": ev["gap_group"], "obstacle": ev["obstacle_share"],
                         "trend": ev["trend_lag"], "uncertainty": ev["robust_weak"], "coupling": ev["coupling"]}
                ev["priority"] = target_priority(comps, w) if ev["gap_frontier"] > frontier_tol else math.nan
            else:
                ev["priority"] = math.nan
            scored.append((tg, ev))
        if p.role == "catch_up":
            live = [(tg, ev) for tg, ev in scored if not math.isnan(ev["priority"])]
            if not live:
                excluded.append({"path": p.id, "reason": "at the frontier on every linked node (relative gap ≤ "
                                 f"{frontier_tol:g})"})
                continue
            live.sort(key=lambda te: (-te[1]["priority"], te[0].id))
            key_tg, key_ev = live[0]
            all_p = [0.0 if math.isnan(ev["priority"]) else ev["priority"] for _, ev in scored]
            prio = path_priority(all_p)
            tie = key_ev["priority"]
        else:
            gaps = [ev["gap_frontier"] for _, ev in scored]
            if min(gaps) > frontier_band:
                excluded.append({"path": p.id, "reason": f"frontier path: no linked node within {frontier_band:g} of the frontier "
                                 f"(smallest relative gap {min(gaps):.3f})"})
                continue
            qq = 0.0 if math.isnan(q) else q
            prio = (1.0 - float(np.mean(gaps))) * qq
            for _, ev in scored:
                ev["priority"] = (1.0 - ev["gap_frontier"]) * qq
            scored.sort(key=lambda te: (te[1]["gap_frontier"], te[0].id))
            key_tg, key_ev = scored[0]
            tie = prio
        for tg, ev in scored:
            rows_ev.append({"path": p.id, **ev})
        recs.append({"path": p, "priority": float(prio), "tie": tie, "key": key_tg, "key_ev": key_ev})

    recs.sort(key=lambda r: (-round(r["priority"], 12), -round(r["tie"], 12), r["path"].id))
    if top is not None:
        for r in recs[top:]:
            excluded.append({"path": r["path"].id, "reason": f"ranked below the top {top} (priority {r['priority']:.3f})"})
        recs = recs[:top]

    profile_nodes = [c for c in diag.children(ctx.root) if c in diag.scores.columns]
    if len(profile_nodes) < 2:
        profile_nodes = [c for c in diag.tree.loc[diag.tree["kind"] == "indicator", "id"] if c in diag.scores.columns]

    rec_rows, cit_rows, cau_rows, peer_rows = [], [], [], []
    for k, r in enumerate(recs, 1):
        p: PathEntry = r["path"]
        ev = r["key_ev"]
        rec_rows.append({
            "rank": k, "path": p.id, "title_zh": p.title_zh, "title_en": p.title_en, "role": p.role, "type": p.type,
            "level": "|".join(p.level), "priority": r["priority"], "key_node": r["key"].id,
            "key_node_zh": diag.label(r["key"].id, "zh"), "key_node_en": diag.label(r["key"].id, "en"),
            "reason_zh": _reason("zh", diag, ev, ctx, p.role, coupling, p, unit),
            "reason_en": _reason("en", diag, ev, ctx, p.role, coupling, p, unit),
            "summary_zh": p.summary_zh, "summary_en": p.summary_en,
        })
        for c in p.citations:
            cit_rows.append({"path": p.id, "file": c.file, "section": c.section, "quote": c.quote})
        for cid in p.cautions:
            cau = cat.caution_by_id[cid]
            if _caution_applies(cau, unit_groups=unit_groups, lagging=lagging):
                cau_rows.append({"path": p.id, "caution": cid, "text_zh": cau.text_zh, "text_en": cau.text_en,
                                 "citation": " ; ".join(x.label() for x in cau.citations)})
        if p.role == "catch_up" and sum(1 for x in rec_rows if x["role"] == "catch_up") <= 3:
            for pr in _peers(ctx, unit, r["key"], profile_nodes, n_peers, frontier_tol):
                peer_rows.append({"path": p.id, **pr, "peer_name": diag.unit_name(pr["peer"], "zh"),
                                  "peer_name_en": diag.unit_name(pr["peer"], "en")})

    ev_cols = ["path", "node", "score", "rank", "n", "frontier", "frontier_unit", "floor", "gap_frontier", "gap_abs", "group",
               "group_mean", "gap_group", "obstacle_pct", "obstacle_per_indicator", "obstacle_share", "change", "median_change", "trend_lag",
               "rank_lo", "rank_hi", "robust_weak", "lagging_subsystem", "coupling", "priority"]
    evidence = pd.DataFrame(rows_ev, columns=ev_cols)
    if len(evidence):
        evidence.insert(2, "name_zh", [diag.label(n, "zh") for n in evidence["node"]])
        evidence.insert(3, "name_en", [diag.label(n, "en") for n in evidence["node"]])
        keep = {r["path"] for r in rec_rows}
        evidence = evidence[evidence["path"].isin(keep)].reset_index(drop=True)
    notes = list(diag.notes)
    if diag.obstacles is None:
        notes.append("No obstacle degrees available: the obstacle component was left out and the other weights rescaled.")
    if diag.coupling is None:
        notes.append("No coupling-coordination table available: the coupling component was left out.")
    if ctx.base_year is None:
        notes.append("Only one year available (or base_year = year): no trend component.")
    if diag.intervals is None:
        notes.append("No rank intervals available: ranks are point estimates.")
    peers_cols = ["path", "node", "kind", "peer", "peer_name", "peer_name_en", "value", "distance", "change"]
    return PathGuide(
        unit=unit, unit_name=diag.unit_name(unit, "zh"), unit_name_en=diag.unit_name(unit, "en"), year=int(year),
        profile=_profile(ctx, unit),
        obstacles=_top_obstacles(ctx, unit, n_obstacles),
        recommendations=pd.DataFrame(rec_rows, columns=["rank", "path", "title_zh", "title_en", "role", "type", "level", "priority",
                                                        "key_node", "key_node_zh", "key_node_en", "reason_zh", "reason_en",
                                                        "summary_zh", "summary_en"]),
        evidence=evidence,
        citations=pd.DataFrame(cit_rows, columns=["path", "file", "section", "quote"]),
        cautions=pd.DataFrame(cau_rows, columns=["path", "caution", "text_zh", "text_en", "citation"]),
        peers=pd.DataFrame(peer_rows, columns=peers_cols),
        excluded=pd.DataFrame(excluded, columns=["path", "reason"]).sort_values("path").reset_index(drop=True),
        params={"weights": w, "group": ctx.group_kind, "frontier_tol": frontier_tol, "frontier_band": frontier_band,
                "lagging_share": lagging_share, "base_year": ctx.base_year, "catalogue": cat.id, "top": top},
        notes=notes,
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

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend_all
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"]})
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
                    base_year=None, n_peers=3, n_obstacles=5)
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
                         "reason_en": r.reason_en,
                         "citation": " ; ".join(f"{f[:3]} {s}「{q}」" for f, s, q in zip(cits["file"], cits["section"], cits["quote"]))})
    table = pd.DataFrame(rows, columns=["unit", "unit_name", "year", "rank", "path", "role", "type", "priority", "key_node",
                                        "reason_zh", "reason_en", "citation"])
    return Recommendations(table=table, guides=guides, year=int(year))
