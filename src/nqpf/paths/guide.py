"""Render path guides as Markdown and JSON, in Chinese (zh) or English (en), and write them to disk.

Every number printed comes from the :class:`~nqpf.paths.recommend.PathGuide` (formatted, never
recomputed); every recommended path is printed with its reason, its seed citations, the cautions
that apply to the unit and the peers to learn from.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterable, Literal

import pandas as pd

from ._frames import records
from .._errors import ConfigError
from .._results import json_safe
from .._validation import check_option

__all__ = ["GuideLang", "GuideFormat", "render_markdown", "render_json", "guide_to_dict", "write_guides", "guide_texts", "guide_filename"]

GuideLang = Literal["zh", "en"]
GuideFormat = Literal["md", "json"]

GROUP_LABELS_ZH = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
GROUP_LABELS_EN = {"east": "East", "central": "Central", "west": "West", "northeast": "Northeast"}

_T = {
    "zh": {
        "title": "{unit} 新质生产力发展路径指南（{year} 年）",
        "intro": ("本指南从本地的诊断出发：先列出主要障碍和相对同组最薄弱的环节，再给出回应每一项的实践路径，"
                  "每条路径附一条最贴切的数据依据、地区背景和文献出处，坚持“因地制宜、分类指导”。数字均取自本次计算结果。"),
        "profile": "一、概况", "diagnosis": "二、诊断与对应路径", "paths": "三、推荐路径", "cautions": "四、注意事项",
        "limits": "五、数据与结论的局限", "national": "六、全国对照", "references": "七、参考文献", "method": "八、方法说明",
        "item": "项目", "value": "数值", "level": "{root}得分", "rank": "排名", "interval": "（区间 {lo}–{hi}）",
        "group": "所属地区", "type": "类型", "context": "地区背景", "strongest": "相对最强要素", "weakest": "相对最弱要素",
        "elem": "{name}（{score}，第 {rank}/{n} 名）", "coupling": "数实耦合协调", "coupling_val": "D = {d}（{cls}）",
        "lagging": "；滞后一侧：{lag}",
        "d_no": "序号", "d_item": "问题", "d_fact": "情况", "d_path": "对应路径",
        "ob_fact": "障碍度 {v}（第 {k} 位障碍）", "weak_fact": "排名百分位 {p}，同组其他地区平均 {g}",
        "weak_fact_nogroup": "排名百分位 {p}", "none_applies": "无：{why}",
        "role": {"catch_up": "追赶型", "frontier": "前沿型"}, "priority": "优先度",
        "why": "依据", "what": "路径要点", "answers": "回应", "sources": "出处", "peers": "可借鉴",
        "peer": "{name}（「{node}」{val}，本地 {own}{shared}）", "shared": "；同属{tags}",
        "no_paths": "（没有符合条件的路径。）", "caution_paths": "（涉及第 {ks} 条）",
        "nat_line": "本次运行 {n} 个地区第一条路径的分布：{dist}。",
        "nat_own": "本指南的第一条路径在 {k} 个地区排第一。", "simp": "（简体：{s}）",
        "method_text": ("排序方法：每条路径与框架中名称相符的子维度或指标相连（找不到时才以标签或整个要素代替，并打折扣），"
                        "对每个相连节点按以下证据加权：本地在该项的排名位置（{w_weak}）、该项低于本地总体位置的程度（{w_own}）、"
                        "低于同组其他地区的程度（{w_grp}）、障碍度（{w_ob}）、增长慢于中位数（{w_tr}）、排名区间全在后半（{w_un}）、"
                        "数实耦合滞后（{w_cp}）；地区背景相符的路径加分（独有背景最多 {bonus}）。"
                        "先为每个主要障碍和最薄弱环节选出最相符的路径，再按优先度补足；每条路径只用一个依据节点，不与其他路径重复。"
                        "前沿型路径按接近前沿的程度乘以总体百分位排序。类型按总体百分位分三档（前列/中间/后段），"
                        "并按各要素排名百分位的极差（≥25 个百分点以最强要素命名，否则为均衡）划分。"),
    },
    "en": {
        "title": "NQPF path guide for {unit} ({year})",
        "intro": ("This guide starts from the unit's diagnosis — its main obstacles and its weakest nodes relative to its group — and "
                  "gives the practical paths that answer each, every path with the one data point that fits it best, the place "
                  "context and its sources, adapting to local conditions (因地制宜、分类指导). All numbers are from this run."),
        "profile": "1. Profile", "diagnosis": "2. Diagnosis and the paths that answer it", "paths": "3. Recommended paths",
        "cautions": "4. Cautions", "limits": "5. Limits of the data and conclusions", "national": "6. National comparison",
        "references": "7. References", "method": "8. Method",
        "item": "Item", "value": "Value", "level": "{root} score", "rank": "Rank", "interval": " (interval {lo}–{hi})",
        "group": "Region", "type": "Type", "context": "Place context", "strongest": "Relatively strongest element",
        "weakest": "Relatively weakest element",
        "elem": "{name} ({score}, rank {rank}/{n})", "coupling": "Digital–real coupling", "coupling_val": "D = {d} ({cls})",
        "lagging": "; lagging side: {lag}",
        "d_no": "No.", "d_item": "Issue", "d_fact": "Facts", "d_path": "Answered by",
        "ob_fact": "obstacle degree {v} (obstacle no. {k})", "weak_fact": "rank percentile {p}, other units of the group {g}",
        "weak_fact_nogroup": "rank percentile {p}", "none_applies": "none: {why}",
        "role": {"catch_up": "catch-up", "frontier": "frontier"}, "priority": "priority",
        "why": "Why", "what": "What it means", "answers": "Answers", "sources": "Sources", "peers": "Peers to learn from",
        "peer": "{name} ('{node}' {val}, here {own}{shared})", "shared": "; also {tags}",
        "no_paths": "(No eligible paths.)", "caution_paths": " (paths {ks})",
        "nat_line": "First-ranked paths over the {n} units of this run: {dist}.",
        "nat_own": "This guide's first path ranks first in {k} units.", "simp": " (simplified: {s})",
        "method_text": ("Ranking: each path is linked to the sub-dimensions and indicators whose names match it (tags or whole elements "
                        "only when none match, and discounted). Each linked node is weighted on: the unit's rank position on it "
                        "({w_weak}), how far it lies below the unit's overall position ({w_own}), the shortfall against the other "
                        "units of its group ({w_grp}), obstacle degree ({w_ob}), growth slower than the median ({w_tr}), a rank "
                        "interval wholly in the bottom half ({w_un}) and a lagging digital–real coupling ({w_cp}); a matching place "
                        "context adds up to {bonus}. Each main obstacle and weakest node first gets the path that fits it best; the "
                        "rest are filled by priority, each path with its own evidence node. Frontier paths are ranked by closeness "
                        "to the frontier times the overall percentile. Types: overall percentile in thirds (leading / middle / "
                        "trailing) and the spread of the element percentiles (≥ 25 points: named after the strongest element, "
                        "else balanced)."),
    },
}


#: Chinese text of the standard provenance notes of the recommender (other notes are shown as written)
NOTES_ZH = {
    "No obstacle degrees available: the obstacle component was left out and the other weights rescaled.":
        "未提供障碍度结果：排序未使用障碍度，其余权重按比例放大。",
    "No coupling-coordination table available: the coupling component was left out.":
        "未提供数实耦合协调度结果：排序未使用这一项。",
    "Only one year available (or base_year = year): no trend component.":
        "只有一个年份：排序未使用变化趋势。",
    "No rank intervals available: ranks are point estimates.":
        "没有排名区间（未做不确定性分析）：排名为点估计。",
    "Obstacle degrees computed by the path stage (nqpf.analysis.obstacle, effective weights).":
        "障碍度按有效权重计算。",
    "Coupling coordination computed by the path stage (corrected model of Wang et al. 2021, equal α).":
        "数实耦合协调度按修正模型（王淑佳等 2021，子系统等权）计算。",
    "Rank intervals taken from the uncertainty analysis (rank quantiles of the root node).":
        "排名区间取自不确定性分析（总指数排名的 5%–95% 分位数）。",
    "Typology computed by the path stage (nqpf.analysis.typology on the element scores of the last year, seed 0).":
        "聚类分型按最新年份各要素得分计算（仅用于同组比较选项）。",
}
NOTES_EN = {
    "Obstacle degrees computed by the path stage (nqpf.analysis.obstacle, effective weights).":
        "Obstacle degrees computed with the effective weights.",
    "Coupling coordination computed by the path stage (corrected model of Wang et al. 2021, equal α).":
        "Digital–real coupling coordination by the corrected model (Wang et al. 2021, equal subsystem weights).",
    "Rank intervals taken from the uncertainty analysis (rank quantiles of the root node).":
        "Rank intervals from the uncertainty analysis (5–95 % quantiles of the overall rank).",
    "Typology computed by the path stage (nqpf.analysis.typology on the element scores of the last year, seed 0).":
        "Cluster typology on the element scores of the last year (used only for the group option).",
}

TYPE_LABELS_EN = {"数字产业化": "digital industrialisation", "产业数字化": "industrial digitalisation",
                  "数实融合": "digital–real integration"}


def _f(x: Any, digits: int = 3) -> str:
    """Format a number from the data (never invented): fixed decimals, '−' for negatives kept ASCII."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    return f"{float(x):.{digits}f}"


def _sf(x: Any, digits: int = 3) -> str:
    return ("+" if float(x) >= 0 else "") + _f(x, digits)


def _rank(x: float) -> str:
    """A rank or rank quantile: integer when whole, else one decimal (quantiles interpolate)."""
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.1f}"


def _isnan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _group_label(value: str, lang: str) -> str:
    return (GROUP_LABELS_ZH if lang == "zh" else GROUP_LABELS_EN).get(value, value)


def _unit_label(guide, lang: str) -> str:
    return guide.unit_name_en if lang == "en" else guide.unit_name


def _records_by_path(df: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    if df is None or not len(df) or "path" not in df.columns:
        return out
    for rec in records(df):
        out.setdefault(rec["path"], []).append(rec)
    return out


def _element(e: dict[str, Any], zh: bool) -> dict[str, Any]:
    """One element of the profile (node, name in the guide's language, score, rank of n)."""
    return {"node": e["node"], "name": e["name_en"] if not zh else e["name_zh"], "score": e["score"],
            "rank": e["rank"], "n": e["n"]}


def _ref_numbers(guide) -> dict[str, int]:
    """Reference number of every cited file: the sources in catalogue order, [1]…[n]."""
    return {s["file"]: k for k, s in enumerate(getattr(guide, "sources", []) or [], 1)}


def _cite(c: dict[str, Any], refs: dict[str, int], lang: str) -> str:
    t = _T[lang]
    n = refs.get(c["file"])
    head = f"[{n}]" if n else c["file"][:3]
    simp = c.get("simplified") or ""
    extra = t["simp"].format(s=simp) if simp and simp != c["quote"] else ""
    return f"{head} {c['section']}「{c['quote']}」{extra}"


def _plain_note(note: str, lang: str) -> str:
    if lang == "zh" and note in NOTES_ZH:
        return NOTES_ZH[note]
    if lang == "en" and note in NOTES_EN:
        return NOTES_EN[note]
    return re.sub(r"\s*\((?:nqpf\.|[\w/]+\.(?:csv|json|md|toml))[^)]*\)", "", note)


def _path_block(row: dict[str, Any], lang: str, tables: dict[str, dict[str, list[dict[str, Any]]]],
                evidence: bool, refs: dict[str, int], diag_items: list[dict[str, Any]]) -> dict[str, Any]:
    zh = lang == "zh"
    pid = row["path"]
    cits = tables["citations"].get(pid, [])
    peers = tables["peers"].get(pid, [])
    answers = [it for it in diag_items if it.get("path") == pid]
    block = {
        "rank": int(row["rank"]), "path": pid, "title": row["title_en"] if not zh else row["title_zh"],
        "role": row["role"], "type": row["type"], "type_label": row["type"] if zh else TYPE_LABELS_EN.get(row["type"], row["type"]),
        "level": row["level"].split("|"), "priority": float(row["priority"]),
        "key_node": row["key_node"], "key_node_name": row["key_node_en"] if not zh else row["key_node_zh"],
        "reason": row["reason_en"] if not zh else row["reason_zh"],
        "summary": row["summary_en"] if not zh else row["summary_zh"],
        "context": [x for x in str(row.get("context", "") or "").split("|") if x],
        "answers": [it["name_en"] if not zh else it["name_zh"] for it in answers],
        "citations": [{"file": c["file"], "ref": refs.get(c["file"]), "section": c["section"], "quote": c["quote"],
                       "simplified": c.get("simplified", "") or ""} for c in cits],
        "peers": [{"kind": p["kind"], "unit": p["peer"], "name": p["peer_name_en"] if not zh else p["peer_name"], "node": p["node"],
                   "node_name": p.get("node_en" if not zh else "node_zh", p["node"]), "value": p["value"], "own": p.get("own"),
                   "distance": p["distance"], "shared": p.get("shared", "")} for p in peers],
    }
    if evidence:
        drop = {"path", "name_en" if zh else "name_zh"}
        block["evidence"] = [{k: v for k, v in e.items() if k not in drop} for e in tables["evidence"].get(pid, [])]
    return block


def _guide_records(guide) -> dict[str, Any]:
    """The guide's tables as records, the same in every language (read once when a guide is written in several)."""
    ctx = getattr(guide, "context", None)
    dg = getattr(guide, "diagnosis", None)
    return {
        "context": records(ctx) if ctx is not None and len(ctx) else [],
        "obstacles": list(guide.obstacles.itertuples(index=False)),
        "items": records(dg) if dg is not None and len(dg) else [],
        "citations": _records_by_path(getattr(guide, "citations")),
        "peers": _records_by_path(getattr(guide, "peers")),
        "evidence": _records_by_path(guide.evidence),
        "recommendations": records(guide.recommendations),
        "cautions": records(guide.cautions),
        "excluded": records(guide.excluded),
    }


def guide_to_dict(guide, *, lang: GuideLang = "zh", evidence: bool = True) -> dict[str, Any]:
    """The guide as a JSON-safe dict in one language (``zh`` or ``en``); ``evidence`` adds the evidence rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"],
    ...                       "name_zh": ["新质生产力", "每万人R&D人员全时当量", "每平方公里光缆线路长度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> d = guide_to_dict(recommend(Diagnosis(scores, nodes), unit="A", top=2), lang="en")
    >>> d["unit"], len(d["recommendations"])
    ('A', 2)
    """
    check_option(lang, GuideLang, param="lang", caller="guide_to_dict")
    return _guide_dict(guide, lang, evidence, _guide_records(guide))


def _guide_dict(guide, lang: str, evidence: bool, rec: dict[str, Any]) -> dict[str, Any]:
    """:func:`guide_to_dict` from the guide's records (:func:`_guide_records`)."""
    zh = lang == "zh"
    p = dict(guide.profile)
    prof = {
        "root": p.get("root"), "root_name": p.get("root_name_en") if not zh else p.get("root_name_zh"),
        "score": p.get("score"), "rank": p.get("rank"), "n": p.get("n"), "percentile": p.get("percentile"),
        "rank_interval": None if _isnan(p.get("rank_lo")) else [p.get("rank_lo"), p.get("rank_hi")],
        "group_kind": p.get("group_kind"), "group": _group_label(p.get("group", ""), lang),
        "region": _group_label(p.get("region4", ""), lang),
        "type": p.get("type_en") if not zh else p.get("type"),
        "type_description": p.get("type_description_en") if not zh else p.get("type_description_zh"),
        "elements": [_element(e, zh) for e in p.get("elements", [])],
        "strongest": None, "weakest": None, "coupling": None,
    }
    for k in ("strongest", "weakest"):
        e = p.get(k)
        if e:
            prof[k] = _element(e, zh)
    c = p.get("coupling") or {}
    if c:
        prof["coupling"] = {"D": c["D"], "class": c["class_en"] if not zh else c["class_zh"],
                            "lagging": c.get("lagging_en" if not zh else "lagging_zh", c["lagging"])}
    prof["context"] = [{"tag": r["tag"], "label": r["label_en"] if not zh else r["label_zh"], "detail": r.get("detail_zh", ""),
                        "scope": r.get("scope", ""), "source": r.get("source", "")} for r in rec["context"]]
    obs = [{"rank": int(r.rank), "indicator": r.indicator, "name": r.name_en if not zh else r.name_zh,
            "obstacle_pct": float(r.obstacle_pct)} for r in rec["obstacles"]]
    items = rec["items"]
    tables = {"citations": rec["citations"], "peers": rec["peers"], "evidence": rec["evidence"] if evidence else {}}
    refs = _ref_numbers(guide)
    recs = [_path_block(row, lang, tables, evidence, refs, items) for row in rec["recommendations"]]
    titles = {r["path"]: r["title"] for r in recs}
    diag_out = []
    for it in items:
        pr = it.get("path_rank")
        diag_out.append({"kind": it["kind"], "node": it["node"], "name": it["name_en"] if not zh else it["name_zh"],
                         "obstacle_pct": None if _isnan(it.get("value")) else it.get("value"),
                         "pct": None if _isnan(it.get("pct")) else it.get("pct"),
                         "group_pct": None if _isnan(it.get("group_pct")) else it.get("group_pct"),
                         "path": it.get("path") or None, "path_rank": None if _isnan(pr) or pr is None else int(pr),
                         "path_title": titles.get(it.get("path") or ""),
                         "why_none": (it.get("why_en") if not zh else it.get("why_zh")) or None})
    cautions = []
    for r in rec["cautions"]:
        cautions.append({"id": r["caution"], "text": r["text_en"] if not zh else r["text_zh"], "paths": list(r.get("paths") or []),
                         "citations": [dict(x, ref=refs.get(x["file"])) for x in (r.get("citations") or [])]})
    limits = [{"kind": x["kind"], "text": x["text_en"] if not zh else x["text_zh"]} for x in (getattr(guide, "limits", []) or [])]
    nat = dict(getattr(guide, "national", {}) or {})
    sources = [{"ref": k, "file": s["file"], "reference": s.get("reference") or s.get("title_zh") or s.get("title_en") or s["file"],
                "note": s.get("note", "")} for k, s in enumerate(getattr(guide, "sources", []) or [], 1)]
    return json_safe({
        "kind": "nqpf_path_guide", "lang": lang, "unit": guide.unit, "unit_name": _unit_label(guide, lang),
        "year": guide.year, "profile": prof, "obstacles": obs, "diagnosis": diag_out, "recommendations": recs,
        "cautions": cautions, "limits": limits, "national": nat, "references": sources,
        "excluded": rec["excluded"], "params": guide.params,
        "notes": [_plain_note(n, lang) for n in guide.notes],
    })


def render_json(guide, *, lang: GuideLang = "zh") -> str:
    """The guide as pretty-printed JSON (UTF-8 text, Chinese kept readable).

    Examples
    --------
    >>> import json
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"],
    ...                       "name_zh": ["新质生产力", "每万人R&D人员全时当量", "每平方公里光缆线路长度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> d = json.loads(render_json(recommend(Diagnosis(scores, nodes), unit="A", top=1), lang="zh"))
    >>> d["recommendations"][0]["reason"].split("；")[0]
    '「每万人R&D人员全时当量」得分 0.100，排名 3/3'
    """
    return json.dumps(guide_to_dict(guide, lang=lang), ensure_ascii=False, indent=2)


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _pct0(x: Any) -> str:
    return "NA" if _isnan(x) else f"{100 * float(x):.0f}%"


def render_markdown(guide, *, lang: GuideLang = "zh") -> str:
    """The guide as Markdown: profile, diagnosis → paths, ranked paths (one evidence row each), cautions once,
    limits, national comparison, references and method.

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"],
    ...                       "name_zh": ["新质生产力", "每万人R&D人员全时当量", "每平方公里光缆线路长度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> md = render_markdown(recommend(Diagnosis(scores, nodes), unit="A", top=2), lang="en")
    >>> md.splitlines()[0]
    '# NQPF path guide for A (2022)'
    """
    check_option(lang, GuideLang, param="lang", caller="render_markdown")
    return _markdown(guide, guide_to_dict(guide, lang=lang, evidence=False), lang)


def _markdown(guide, d: dict[str, Any], lang: str) -> str:
    """:func:`render_markdown` from the guide's dict (:func:`guide_to_dict` without evidence)."""
    t = _T[lang]
    zh = lang == "zh"
    sep = "、" if zh else ", "
    prof = d["profile"]
    out = [f"# {t['title'].format(unit=d['unit_name'], year=d['year'])}", "", f"> {t['intro']}", ""]
    out += [f"## {t['profile']}", "", f"| {t['item']} | {t['value']} |", "| --- | --- |"]
    out.append(f"| {t['level'].format(root=_md_cell(prof['root_name']))} | {_f(prof['score'])} |")
    rank = f"{prof['rank']}/{prof['n']}" if prof["rank"] is not None else "NA"
    if prof["rank_interval"]:
        lo, hi = (float(x) for x in prof["rank_interval"])
        rank += t["interval"].format(lo=_rank(lo), hi=_rank(hi))
    out.append(f"| {t['rank']} | {rank} |")
    if prof["region"]:
        out.append(f"| {t['group']} | {_md_cell(prof['region'])} |")
    elif prof["group"] and prof["group_kind"] != "type":
        out.append(f"| {t['group']} | {_md_cell(prof['group'])} |")
    if prof["type"]:
        desc = f"：{prof['type_description']}" if zh and prof.get("type_description") else \
            (f": {prof['type_description']}" if prof.get("type_description") else "")
        out.append(f"| {t['type']} | {_md_cell(prof['type'] + desc)} |")
    if prof["context"]:
        refs_ctx: dict[str, int] = {}
        bits = []
        for c in prof["context"]:
            k = refs_ctx.setdefault(c["source"], len(refs_ctx) + 1)
            bits.append(f"{c['label']}（{c['detail']}）[C{k}]" if zh else f"{c['label']} [C{k}]")
        out.append(f"| {t['context']} | {_md_cell(sep.join(bits))} |")
    for k in ("strongest", "weakest"):
        e = prof[k]
        if e:
            out.append(f"| {t[k]} | {_md_cell(t['elem'].format(name=e['name'], score=_f(e['score']), rank=e['rank'], n=e['n']))} |")
    if prof["coupling"]:
        c = prof["coupling"]
        txt = t["coupling_val"].format(d=_f(c["D"]), cls=c["class"])
        if c["lagging"]:
            txt += t["lagging"].format(lag=c["lagging"])
        out.append(f"| {t['coupling']} | {_md_cell(txt)} |")
    # diagnosis → paths
    out += ["", f"## {t['diagnosis']}", ""]
    if d["diagnosis"]:
        out += [f"| {t['d_no']} | {t['d_item']} | {t['d_fact']} | {t['d_path']} |", "| --- | --- | --- | --- |"]
        for k, it in enumerate(d["diagnosis"], 1):
            if it["kind"] == "obstacle":
                fact = t["ob_fact"].format(v=f"{_f(it['obstacle_pct'], 1)}%", k=k)
            elif it["group_pct"] is not None:
                fact = t["weak_fact"].format(p=_pct0(it["pct"]), g=_pct0(it["group_pct"]))
            else:
                fact = t["weak_fact_nogroup"].format(p=_pct0(it["pct"]))
            ans = (f"#{it['path_rank']} {it['path_title']}" if it["path_rank"] else t["none_applies"].format(why=it["why_none"] or ""))
            out.append(f"| {k} | {_md_cell(it['name'])} | {_md_cell(fact)} | {_md_cell(ans)} |")
    else:
        out.append("（未提供障碍度结果。）" if zh else "(No obstacle degrees available.)")
    # paths
    out += ["", f"## {t['paths']}", ""]
    if not d["recommendations"]:
        out.append(t["no_paths"])
    for r in d["recommendations"]:
        out.append(f"### {r['rank']}. {r['title']}")
        out.append("")
        out.append(f"*{t['role'][r['role']]} · {r['type_label']} · {t['priority']} {_f(r['priority'])}*")
        out.append("")
        if r["answers"]:
            out.append(f"- **{t['answers']}**: {sep.join(r['answers'])}")
        out.append(f"- **{t['why']}**: {r['reason']}")
        out.append(f"- **{t['what']}**: {r['summary']}")
        out.append(f"- **{t['sources']}**: " + ("；" if zh else "; ").join(
            _cite(c, {c['file']: c['ref']}, lang) for c in r["citations"]))
        if r["peers"]:
            ps = []
            for x in r["peers"]:
                shared = t["shared"].format(tags=x["shared"]) if x.get("shared") else ""
                ps.append(t["peer"].format(name=x["name"], node=x["node_name"], val=_f(x["value"]), own=_f(x["own"]), shared=shared))
            out.append(f"- **{t['peers']}**: {sep.join(ps)}")
        out.append("")
    # cautions once
    out += [f"## {t['cautions']}", ""]
    if d["cautions"]:
        for c in d["cautions"]:
            ks = sep.join(str(k) for k in c["paths"])
            cits = ("；" if zh else "; ").join(_cite(x, {x['file']: x.get('ref')}, lang) for x in c["citations"])
            out.append(f"- {c['text']}{t['caution_paths'].format(ks=ks)} — {cits}")
    else:
        out.append("（无。）" if zh else "(None.)")
    # limits
    out += ["", f"## {t['limits']}", ""]
    out += [f"- {x['text']}" for x in d["limits"]]
    # national
    nat = d.get("national") or {}
    if nat.get("first_paths"):
        out += ["", f"## {t['national']}", ""]
        fp = nat["first_paths"]
        title_key = "title_zh" if zh else "title_en"
        dist = sep.join(f"{x[title_key]} {x['units']}" for x in fp)
        out.append(t["nat_line"].format(n=nat.get("n_units", ""), dist=dist))
        own = next((x for x in fp if x["path"] == nat.get("own_first")), None)
        if own:
            out.append("")
            out.append(t["nat_own"].format(k=own["units"]))
        for x in fp:
            exp = x.get("explanation_zh" if zh else "explanation_en")
            if exp:
                out.append("")
                out.append(f"{x[title_key]}：{exp}" if zh else f"{x[title_key]}: {exp}")
    # references
    out += ["", f"## {t['references']}", ""]
    for s in d["references"]:
        note = f" {s['note']}" if s.get("note") else ""
        out.append(f"[{s['ref']}] {s['reference']}{note}" + "  ")
    if prof["context"]:
        seen: dict[str, int] = {}
        for c in prof["context"]:
            seen.setdefault(c["source"], len(seen) + 1)
        for src, k in seen.items():
            out.append(f"[C{k}] {src}" + "  ")
    # method
    out += ["", f"## {t['method']}", ""]
    w = guide.params.get("weights", {})
    out.append(t["method_text"].format(w_weak=_f(w.get("weakness", 0), 2), w_own=_f(w.get("own_profile", 0), 2),
                                       w_grp=_f(w.get("group_gap", 0), 2), w_ob=_f(w.get("obstacle", 0), 2),
                                       w_tr=_f(w.get("trend", 0), 2), w_un=_f(w.get("uncertainty", 0), 2),
                                       w_cp=_f(w.get("coupling", 0), 2), bonus=_f(guide.params.get("context_bonus", 0.1), 2)))
    notes = [n for n in d["notes"] if n]
    if notes:
        out.append("")
        out += [f"- {n}" for n in notes]
    out.append("")
    return "\n".join(out)


_SAFE = re.compile(r"[^\w\-.]+", re.UNICODE)


def guide_filename(guide, *, lang: GuideLang, fmt: GuideFormat) -> str:
    """``<unit>_<name>_<year>.<lang>.<fmt>`` with unsafe characters replaced."""
    name = _SAFE.sub("_", f"{guide.unit}_{guide.unit_name}_{guide.year}").strip("_")
    return f"{name}.{lang}.{fmt}"


def write_guides(guides: Iterable[Any], out_dir: str | Path, *, langs: Iterable[str] = ("zh", "en"),
                 formats: Iterable[str] = ("md", "json")) -> list[Path]:
    """Write every guide in every language and format under ``out_dir``; return the files written.

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"],
    ...                       "name_zh": ["新质生产力", "每万人R&D人员全时当量", "每平方公里光缆线路长度"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> g = recommend(Diagnosis(scores, nodes), unit="A", top=2)
    >>> [p.name for p in write_guides([g], tempfile.mkdtemp(), langs=["en"], formats=["md", "json"])]
    ['A_A_2022.en.md', 'A_A_2022.en.json']
    """
    langs = tuple(langs)
    formats = tuple(formats)
    for lg in langs:
        check_option(lg, GuideLang, param="langs", caller="write_guides")
    for fm in formats:
        check_option(fm, GuideFormat, param="formats", caller="write_guides")
    d = Path(out_dir)
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"write_guides: cannot create the output folder; got {exc}. Choose a writable folder.") from None
    written = []
    for name, text in guide_texts(guides, langs=langs, formats=formats).items():
        p = d / name
        p.write_text(text, encoding="utf-8")
        written.append(p)
    return written


def guide_texts(guides: Iterable[Any], *, langs: Iterable[str] = ("zh", "en"),
                formats: Iterable[str] = ("md", "json")) -> dict[str, str]:
    """The files :func:`write_guides` writes, ``{file name: text}`` (every guide × language × format, in that order)."""
    out: dict[str, str] = {}
    langs, formats = tuple(langs), tuple(formats)
    for g in guides:
        rec = _guide_records(g)  # the records of the guide's tables, read once for every language
        for lg in langs:
            check_option(lg, GuideLang, param="langs", caller="guide_texts")
            full = _guide_dict(g, lg, True, rec)  # the JSON guide; the Markdown one is it without the evidence rows
            for fm in formats:
                if fm == "md":
                    brief = {**full, "recommendations": [{k: v for k, v in r.items() if k != "evidence"}
                                                         for r in full["recommendations"]]}
                    out[guide_filename(g, lang=lg, fmt=fm)] = _markdown(g, brief, lg)
                else:
                    out[guide_filename(g, lang=lg, fmt=fm)] = json.dumps(full, ensure_ascii=False, indent=2) + "\n"
    return out
