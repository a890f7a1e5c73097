"""The evidence of every unit in one year (:class:`_YearContext`): target values, ranks and percentiles across
units, peer groups, rank intervals, obstacle degrees, coupling and the profile typology — computed once per year
and looked up per unit — and the rows built from it: a unit's evidence on a target, its peers, its profile,
its top obstacles.
"""
from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .._errors import MethodError
from .._ranking import rank_desc
from ._frames import records
from .catalogue import PathEntry
from .diagnosis import Diagnosis
from .guide import _group_label
from .scoring import CONTEXT_BONUS, frontier_gap, trend_lag
from .targets import _Target, _resolve_targets, _target_values


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
        self.group_of: dict[str, str] = ({u: str(x) for u, x in self.groups.items()} if self.groups is not None else {})
        self._values: dict[str, pd.Series] = {}
        self._value_dicts: dict[str, dict[str, float]] = {}
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
        # per-unit lookups, read once for the year (not filtered again for every unit and path)
        self.obstacles_by_unit: dict[Any, pd.DataFrame] = {}  # the indicators' obstacle degrees of each unit
        if self.obstacles is not None:
            ob = self.obstacles[self.obstacles["node"].isin(set(diag.indicators))].dropna(subset=["obstacle_pct"])
            self.obstacles_by_unit = {u: g for u, g in ob.groupby("unit", sort=False)}
        first = diag.units.drop_duplicates("unit", keep="first")
        self.unit_cols: dict[str, dict[Any, str]] = {
            col: dict(zip(first["unit"], first[col].map(str))) for col in ("region4", "belt3", "region4_zh", "belt3_zh")
            if col in diag.units.columns}
        cp = diag.coupling
        self.coupling_rows: dict[Any, dict] = {}
        if cp is not None:
            for r in records(cp[cp["year"] == year]):
                self.coupling_rows.setdefault(r["unit"], r)
        self._lagging: dict[str, tuple[set[str], dict]] = {}
        self._element_ranks: dict[str, tuple[pd.Series, pd.Series]] = {}
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

    def lagging(self, unit: str) -> tuple[set[str], dict]:
        """:func:`_lagging_nodes` of ``unit`` in this year (computed once per unit)."""
        if unit not in self._lagging:
            self._lagging[unit] = _lagging_nodes(self.diag, unit, self.year, row=self.coupling_rows.get(unit))
        return self._lagging[unit]

    def element_ranks(self, node: str) -> tuple[pd.Series, pd.Series]:
        """Scores of ``node`` in this year (units without one left out) and their ranks (computed once per node)."""
        if node not in self._element_ranks:
            col = self.diag.year_scores(self.year)[node].astype(float).dropna()
            self._element_ranks[node] = (col, _rank_desc(col))
        return self._element_ranks[node]

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

    def value_dict(self, tg: _Target) -> dict[str, float]:
        """:meth:`values` as ``{unit: float}`` (for lookups in loops over units)."""
        if tg.id not in self._value_dicts:
            self._value_dicts[tg.id] = {u: float(x) for u, x in self.values(tg).items()}
        return self._value_dicts[tg.id]

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
            sums = v[ok].groupby(g[ok]).sum().to_dict()
            psums = pct[ok].groupby(g[ok]).sum().to_dict()
            cnts = v[ok].groupby(g[ok]).count().to_dict()
            gd, vd, pd_ = g[ok].to_dict(), v[ok].to_dict(), pct[ok].to_dict()  # plain lookups in the loop
            for u in v.index[ok]:
                k = cnts[gd[u]] - 1
                if k > 0:
                    st["group_mean"][u] = float((sums[gd[u]] - vd[u]) / k)
                    st["group_pct"][u] = float((psums[gd[u]] - pd_[u]) / k)
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


def _context_tags(ctx: "_YearContext", unit: str) -> set[str]:
    return set(ctx.context_tags.get(str(unit), set()))


def _peers(ctx: _YearContext, unit: str, tg: _Target, k: int, ahead_margin: float) -> list[dict]:
    """Units similar in element profile and place context, ahead on ``tg``, none flagged on its series."""
    diag = ctx.diag
    v = ctx.value_dict(tg)
    if unit not in v or k <= 0:
        return []
    s = v[unit]
    margin = ahead_margin * (max(v.values()) - min(v.values()))
    ahead = sorted(u for u in v if u != unit and v[u] > s + max(margin, 1e-12))
    me = ctx.types.get(unit, {}).get("element_pct", {})
    my_ctx = _context_tags(ctx, unit)
    my_grp = ctx.group_of.get(unit, "")
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
        og = ctx.group_of.get(u, "")
        a, b = my_ctx | ({f"grp:{my_grp}"} if my_grp else set()), oc | ({f"grp:{og}"} if og else set())
        jac = len(a & b) / len(a | b) if (a | b) else 0.0
        dist = d_prof + 0.3 * (1.0 - jac)
        shared = sorted((my_ctx & oc))
        if my_grp and my_grp == og:
            shared = [_group_label(my_grp, "zh")] + shared
        out.append({"node": tg.id, "kind": "similar", "peer": u, "value": v[u], "own": s, "distance": dist,
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
            col, rk = ctx.element_ranks(c)
            elems.append({"node": c, "name_zh": diag.label(c, "zh"), "name_en": diag.label(c, "en"),
                          "score": float(col[unit]), "rank": int(rk[unit]), "n": int(len(col))})
    elems.sort(key=lambda e: (e["rank"], -e["score"], e["node"]))
    p["elements"] = elems
    p["strongest"] = elems[0] if elems else None
    p["weakest"] = elems[-1] if len(elems) > 1 else None
    p["group_kind"] = ctx.group_kind
    p["group"] = str(ctx.groups[unit]) if ctx.groups is not None and unit in ctx.groups.index else ""
    for col in ("region4", "belt3"):
        if col in ctx.unit_cols:
            p[col] = ctx.unit_cols[col].get(unit, "")
    ty = ctx.types.get(unit, {})
    p["type"], p["type_en"] = ty.get("type_zh", ""), ty.get("type_en", "")
    p["type_description_zh"], p["type_description_en"] = ty.get("description_zh", ""), ty.get("description_en", "")
    _, cinfo = ctx.lagging(unit)
    p["coupling"] = cinfo
    p["level"] = diag.unit_level
    return p


def _lagging_nodes(diag: Diagnosis, unit: str, year: int, *, row: Mapping[str, Any] | None = None
                   ) -> tuple[set[str], dict]:
    """The nodes of ``unit``'s lagging subsystem and its coupling record in ``year`` (``row``: that record of the
    coupling table, when the caller has looked it up already)."""
    cp = diag.coupling
    if cp is None:
        return set(), {}
    if row is None:
        sub = cp[(cp["unit"] == unit) & (cp["year"] == year)]
        if not len(sub):
            return set(), {}
        row = sub.iloc[0]
    r = row
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
    ob = ctx.obstacles_by_unit.get(unit)
    if ob is None:
        ob = ctx.obstacles.iloc[:0]
    ob = ob.sort_values(["obstacle_pct", "node"], ascending=[False, True]).head(k)
    return pd.DataFrame({
        "rank": range(1, len(ob) + 1), "indicator": ob["node"].tolist(),
        "name_zh": [ctx.diag.label(n, "zh") for n in ob["node"]], "name_en": [ctx.diag.label(n, "en") for n in ob["node"]],
        "obstacle_pct": ob["obstacle_pct"].astype(float).tolist(),
    }, columns=cols)
