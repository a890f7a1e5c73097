"""The words of a guide: the reason of each recommended path (every number it rests on), the diagnosis items a
guide answers (top obstacles, weakest sub-dimensions, flagged series), the limits of the evidence and when a
caution applies.
"""
from __future__ import annotations

import math

import pandas as pd

from .catalogue import PathEntry
from .diagnosis import Diagnosis
from .evidence import _YearContext
from .guide import _f, _group_label, _rank, _sf
from .targets import _Target, _node_target


def _pct(x: float) -> str:
    return f"{x:.1f}%"


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


def _caution_applies(c, *, unit_groups: set[str], lagging: bool) -> bool:
    if c.when == "always":
        return True
    if c.when == "lagging":
        return lagging
    return bool({g.casefold() for g in c.groups} & unit_groups)


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
