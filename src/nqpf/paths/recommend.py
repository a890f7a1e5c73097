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

import pandas as pd

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import check_option
from ._frames import records
from .catalogue import Catalogue, PathEntry, load_catalogue
from .diagnosis import Diagnosis
from .evidence import _YearContext, _coupling_component, _evidence_row, _peers, _profile, _top_obstacles
from .evidence import _rank_desc  # noqa: F401  (kept importable from here)
from .reasons import _caution_applies, _covers, _diagnosis_items, _limits, _reason
from .scoring import (
    CONTEXT_BONUS,
    DEFAULT_WEIGHTS,
    FIT_FACTOR,
    frontier_gap,
    group_gap,
    obstacle_share,
    path_priority,
    target_priority,
    trend_lag,
    _check_weights,
)
from .targets import _Target

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


_UNIT_LEVEL_TO_PATH = {"province": "region", "city": "region", "county": "region", "country": "region",
                       "industry": "industry", "firm": "firm", "other": "region"}


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


# ============================================================================ recommender


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


def _recommend_one(diag: Diagnosis, ctx: _YearContext, unit: str, cat: Catalogue, w: dict, *, top, frontier_tol,
                   frontier_band, lagging_share, n_peers, n_obstacles) -> PathGuide:
    year = ctx.year
    level = _UNIT_LEVEL_TO_PATH.get(diag.unit_level, "region")
    lag_nodes, coupling = ctx.lagging(unit)
    q = float(ctx.percentile.get(unit, math.nan)) if len(ctx.percentile) else math.nan
    lagging = (not math.isnan(q)) and q < lagging_share
    unit_groups = set()
    for col in ("region4", "belt3", "region4_zh", "belt3_zh"):
        v = ctx.unit_cols.get(col, {}).get(unit)
        if v:
            unit_groups.add(v.casefold())
    if ctx.groups is not None and unit in ctx.groups.index:
        unit_groups.add(str(ctx.groups[unit]).casefold())
    uctx = diag.unit_context(unit)
    uctx_rows = records(uctx)

    excluded: list[dict] = []
    cand: list[dict] = []
    ev_cache: dict[str, dict | None] = {}
    for p in cat.paths:
        if level not in p.level:
            excluded.append({"path": p.id, "reason": f"level {'/'.join(p.level)} does not include {level}", "why": "level"})
            continue
        hit = [c for c in uctx_rows if c["tag"] in p.contexts] if p.contexts else []
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
        cites: dict[Any, list[str]] = {}  # the guide's citations by path, in table order
        for pid, f, s, q in zip(g.citations["path"], g.citations["file"], g.citations["section"], g.citations["quote"]):
            cites.setdefault(pid, []).append(f"{f[:3]} {s}「{q}」")
        for r in g.recommendations.itertuples(index=False):
            rows.append({"unit": u, "unit_name": g.unit_name, "year": g.year, "rank": r.rank, "path": r.path, "role": r.role,
                         "type": r.type, "priority": r.priority, "key_node": r.key_node, "reason_zh": r.reason_zh,
                         "reason_en": r.reason_en, "context": r.context, "answers": r.answers,
                         "citation": " ; ".join(cites.get(r.path, []))})
    table = pd.DataFrame(rows, columns=["unit", "unit_name", "year", "rank", "path", "role", "type", "priority", "key_node",
                                        "reason_zh", "reason_en", "context", "answers", "citation"])
    first = _first_paths(table, cat, diagnosis)
    first_rows = first.to_dict(orient="records")
    n_units = int(table["unit"].nunique())
    own_first: dict[Any, str] = {}  # each unit's first-ranked path
    top1 = table[table["rank"] == 1]
    for u, pid in zip(top1["unit"], top1["path"]):
        own_first.setdefault(u, str(pid))
    for u, g in guides.items():
        object.__setattr__(g, "national", {"n_units": n_units, "first_paths": [dict(r) for r in first_rows],
                                           "own_first": own_first.get(u, "")})
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
