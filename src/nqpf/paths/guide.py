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

from .._errors import ConfigError
from .._results import json_safe
from .._validation import check_option

__all__ = ["GuideLang", "GuideFormat", "render_markdown", "render_json", "guide_to_dict", "write_guides", "guide_filename"]

GuideLang = Literal["zh", "en"]
GuideFormat = Literal["md", "json"]

GROUP_LABELS_ZH = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
GROUP_LABELS_EN = {"east": "East", "central": "Central", "west": "West", "northeast": "Northeast"}

_T = {
    "zh": {
        "title": "{unit} 新质生产力发展路径指南（{year} 年）",
        "intro": ("本指南依据 nqpf 指数结果，对各条实践路径按证据（与前沿和同组的差距、障碍度、耦合协调、变化趋势、排名区间）"
                  "排序，坚持“因地制宜、分类指导”，不以同一标准要求所有地区。数字均取自计算结果。"),
        "profile": "一、概况", "obstacles": "二、主要障碍因素", "paths": "三、推荐路径", "notes": "四、说明",
        "item": "项目", "value": "数值", "level": "{root}得分", "rank": "排名", "interval": "（区间 {lo}–{hi}）",
        "group": "所属地区", "type": "类型", "strongest": "相对最强要素", "weakest": "相对最弱要素",
        "elem": "{name}（{score}，第 {rank}/{n} 名）", "coupling": "耦合协调", "coupling_val": "D = {d}（{cls}）",
        "lagging": "；滞后子系统：{lag}",
        "ob_rank": "序号", "ob_ind": "指标", "ob_val": "障碍度",
        "no_obstacles": "（未提供障碍度结果。）",
        "role": {"catch_up": "追赶型", "frontier": "前沿型"}, "priority": "优先度",
        "why": "依据", "what": "路径要点", "caution": "注意", "sources": "文献出处", "peers": "可借鉴对象",
        "similar": "结构相近且领先", "improver": "进步最快", "peer_sim": "{name}（{val}，距离 {d}）",
        "peer_imp": "{name}（{val}，变化 {ch}）", "none": "无",
        "method": ("排序方法：追赶型路径对每个关联节点按证据加权（{w}）得到优先度，取“最大值与均值各半”；"
                   "前沿型路径按与前沿的接近程度乘以总体百分位。详见 docs/paths.md。"),
        "excluded": "未列入的路径 {n} 条（原因见 JSON 的 excluded）。",
        "no_paths": "（没有符合条件的路径。）",
    },
    "en": {
        "title": "NQPF path guide for {unit} ({year})",
        "intro": ("This guide ranks the practical paths of the seed papers by the evidence in the nqpf results (gaps to the "
                  "frontier and to the own group, obstacle degrees, coupling coordination, trend, rank intervals), following "
                  "'adapt to local conditions, guide by category' (因地制宜、分类指导) rather than one standard for all. "
                  "All numbers are taken from the results."),
        "profile": "1. Profile", "obstacles": "2. Main obstacles", "paths": "3. Recommended paths", "notes": "4. Notes",
        "item": "Item", "value": "Value", "level": "{root} score", "rank": "Rank", "interval": " (interval {lo}–{hi})",
        "group": "Region", "type": "Type", "strongest": "Relatively strongest element", "weakest": "Relatively weakest element",
        "elem": "{name} ({score}, rank {rank}/{n})", "coupling": "Coupling coordination", "coupling_val": "D = {d} ({cls})",
        "lagging": "; lagging subsystem: {lag}",
        "ob_rank": "No.", "ob_ind": "Indicator", "ob_val": "Obstacle degree",
        "no_obstacles": "(No obstacle degrees available.)",
        "role": {"catch_up": "catch-up", "frontier": "frontier"}, "priority": "priority",
        "why": "Why", "what": "What it means", "caution": "Caution", "sources": "Sources", "peers": "Peers to learn from",
        "similar": "similar and ahead", "improver": "improved most", "peer_sim": "{name} ({val}, distance {d})",
        "peer_imp": "{name} ({val}, change {ch})", "none": "none",
        "method": "Ranking: each linked node gets an evidence-weighted priority ({w}); a catch-up path takes half the largest "
                  "plus half the mean over its nodes; frontier paths are ranked by closeness to the frontier times the overall "
                  "percentile. See docs/paths.md.",
        "excluded": "{n} paths not listed (reasons under 'excluded' in the JSON).",
        "no_paths": "(No eligible paths.)",
    },
}


#: Chinese text of the standard provenance notes of the recommender (other notes are shown as written)
NOTES_ZH = {
    "No obstacle degrees available: the obstacle component was left out and the other weights rescaled.":
        "未提供障碍度结果：排序未使用障碍度分量，其余权重按比例放大。",
    "No coupling-coordination table available: the coupling component was left out.":
        "未提供耦合协调度结果：排序未使用耦合协调分量。",
    "Only one year available (or base_year = year): no trend component.":
        "只有一个年份（或基期等于当年）：排序未使用变化趋势分量。",
    "No rank intervals available: ranks are point estimates.":
        "未提供排名区间（不确定性分析）：排名为点估计。",
    "Obstacle degrees computed by the path stage (nqpf.analysis.obstacle, effective weights).":
        "障碍度由路径模块按有效权重计算（nqpf.analysis.obstacle）。",
    "Coupling coordination computed by the path stage (corrected model of Wang et al. 2021, equal α).":
        "耦合协调度由路径模块计算（王淑佳等 2021 修正模型，子系统等权）。",
    "Rank intervals taken from the uncertainty analysis (rank quantiles of the root node).":
        "排名区间取自不确定性分析（总指数排名的分位数区间）。",
    "Typology computed by the path stage (nqpf.analysis.typology on the element scores of the last year, seed 0).":
        "类型由路径模块按最新年份各要素得分聚类得到（nqpf.analysis.typology，seed 0）。",
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
    for rec in df.to_dict(orient="records"):
        out.setdefault(rec["path"], []).append(rec)
    return out


def _element(e: dict[str, Any], zh: bool) -> dict[str, Any]:
    """One element of the profile (node, name in the guide's language, score, rank of n)."""
    return {"node": e["node"], "name": e["name_en"] if not zh else e["name_zh"], "score": e["score"],
            "rank": e["rank"], "n": e["n"]}


def _path_block(row: dict[str, Any], lang: str, tables: dict[str, dict[str, list[dict[str, Any]]]],
                evidence: bool) -> dict[str, Any]:
    zh = lang == "zh"
    pid = row["path"]
    cits = tables["citations"].get(pid, [])
    caus = tables["cautions"].get(pid, [])
    peers = tables["peers"].get(pid, [])
    block = {
        "rank": int(row["rank"]), "path": pid, "title": row["title_en"] if not zh else row["title_zh"],
        "role": row["role"], "type": row["type"], "type_label": row["type"] if zh else TYPE_LABELS_EN.get(row["type"], row["type"]),
        "level": row["level"].split("|"), "priority": float(row["priority"]),
        "key_node": row["key_node"], "key_node_name": row["key_node_en"] if not zh else row["key_node_zh"],
        "reason": row["reason_en"] if not zh else row["reason_zh"],
        "summary": row["summary_en"] if not zh else row["summary_zh"],
        "citations": [{"file": c["file"], "section": c["section"], "quote": c["quote"]} for c in cits],
        "cautions": [{"id": c["caution"], "text": c["text_en"] if not zh else c["text_zh"], "citation": c["citation"]} for c in caus],
        "peers": [{"kind": p["kind"], "unit": p["peer"], "name": p["peer_name_en"] if not zh else p["peer_name"], "node": p["node"],
                   "value": p["value"], "distance": p["distance"], "change": p["change"]} for p in peers],
    }
    if evidence:
        drop = {"path", "name_en" if zh else "name_zh"}
        block["evidence"] = [{k: v for k, v in e.items() if k not in drop} for e in tables["evidence"].get(pid, [])]
    return block


def guide_to_dict(guide, *, lang: GuideLang = "zh", evidence: bool = True) -> dict[str, Any]:
    """The guide as a JSON-safe dict in one language (``zh`` or ``en``); ``evidence`` adds the evidence rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> d = guide_to_dict(recommend(Diagnosis(scores, nodes), unit="A", top=2), lang="en")
    >>> d["unit"], len(d["recommendations"])
    ('A', 2)
    """
    check_option(lang, GuideLang, param="lang", caller="guide_to_dict")
    zh = lang == "zh"
    p = dict(guide.profile)
    prof = {
        "root": p.get("root"), "root_name": p.get("root_name_en") if not zh else p.get("root_name_zh"),
        "score": p.get("score"), "rank": p.get("rank"), "n": p.get("n"), "percentile": p.get("percentile"),
        "rank_interval": None if _isnan(p.get("rank_lo")) else [p.get("rank_lo"), p.get("rank_hi")],
        "group_kind": p.get("group_kind"), "group": _group_label(p.get("group", ""), lang),
        "region": _group_label(p.get("region4", ""), lang),
        "type": p.get("type_en") if not zh else p.get("type"),
        "elements": [_element(e, zh) for e in p.get("elements", [])],
        "strongest": None, "weakest": None, "coupling": None,
    }
    for k in ("strongest", "weakest"):
        e = p.get(k)
        if e:
            prof[k] = _element(e, zh)
    c = p.get("coupling") or {}
    if c:
        prof["coupling"] = {"D": c["D"], "class": c["class_en"] if not zh else c["class_zh"], "lagging_id": c["lagging"],
                            "lagging": c.get("lagging_en" if not zh else "lagging_zh", c["lagging"])}
    obs = [{"rank": int(r.rank), "indicator": r.indicator, "name": r.name_en if not zh else r.name_zh,
            "obstacle_pct": float(r.obstacle_pct)} for r in guide.obstacles.itertuples(index=False)]
    tables = {name: _records_by_path(getattr(guide, name)) for name in ("citations", "cautions", "peers")}
    tables["evidence"] = _records_by_path(guide.evidence) if evidence else {}
    recs = [_path_block(row, lang, tables, evidence) for row in guide.recommendations.to_dict(orient="records")]
    return json_safe({
        "kind": "nqpf_path_guide", "lang": lang, "unit": guide.unit, "unit_name": _unit_label(guide, lang),
        "year": guide.year, "profile": prof, "obstacles": obs, "recommendations": recs,
        "excluded": guide.excluded.to_dict(orient="records"), "params": guide.params,
        "notes": [NOTES_ZH.get(n, n) for n in guide.notes] if zh else list(guide.notes),
    })


def render_json(guide, *, lang: GuideLang = "zh") -> str:
    """The guide as pretty-printed JSON (UTF-8 text, Chinese kept readable).

    Examples
    --------
    >>> import json
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> d = json.loads(render_json(recommend(Diagnosis(scores, nodes), unit="A", top=1), lang="zh"))
    >>> d["recommendations"][0]["reason"].split("；")[0]
    '「劳动者」得分 0.100，排名 3/3'
    """
    return json.dumps(guide_to_dict(guide, lang=lang), ensure_ascii=False, indent=2)


def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(guide, *, lang: GuideLang = "zh") -> str:
    """The guide as Markdown: profile, obstacles, ranked paths with reasons, cautions, sources and peers.

    Examples
    --------
    >>> import pandas as pd
    >>> from nqpf.paths import Diagnosis, recommend
    >>> nodes = pd.DataFrame({"id": ["NQPF", "talent", "compute"], "kind": ["aggregate", "indicator", "indicator"],
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"]})
    >>> scores = pd.DataFrame({"unit": ["A", "B", "C"], "year": 2022, "NQPF": [0.3, 0.6, 0.9],
    ...                        "talent": [0.1, 0.7, 0.9], "compute": [0.5, 0.5, 0.9]})
    >>> md = render_markdown(recommend(Diagnosis(scores, nodes), unit="A", top=2), lang="en")
    >>> md.splitlines()[0]
    '# NQPF path guide for A (2022)'
    """
    check_option(lang, GuideLang, param="lang", caller="render_markdown")
    t = _T[lang]
    d = guide_to_dict(guide, lang=lang, evidence=False)
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
        out.append(f"| {t['type']} | {_md_cell(prof['type'])} |")
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
    out += ["", f"## {t['obstacles']}", ""]
    if d["obstacles"]:
        out += [f"| {t['ob_rank']} | {t['ob_ind']} | {t['ob_val']} |", "| --- | --- | --- |"]
        out += [f"| {o['rank']} | {_md_cell(o['name'])} | {_f(o['obstacle_pct'], 1)}% |" for o in d["obstacles"]]
    else:
        out.append(t["no_obstacles"])
    out += ["", f"## {t['paths']}", ""]
    if not d["recommendations"]:
        out.append(t["no_paths"])
    for r in d["recommendations"]:
        out.append(f"### {r['rank']}. {r['title']}")
        out.append("")
        out.append(f"*{t['role'][r['role']]} · {r['type_label']} · {t['priority']} {_f(r['priority'])}*")
        out.append("")
        out.append(f"- **{t['why']}**: {r['reason']}")
        out.append(f"- **{t['what']}**: {r['summary']}")
        for c in r["cautions"]:
            out.append(f"- **{t['caution']}**: {c['text']}（{c['citation']}）" if lang == "zh" else
                       f"- **{t['caution']}**: {c['text']} ({c['citation']})")
        srcs = "; ".join(f"{x['file'][:3]} {x['section']}「{x['quote']}」" for x in r["citations"])
        out.append(f"- **{t['sources']}**: {srcs}")
        if r["peers"]:
            sim = [t["peer_sim"].format(name=x["name"], val=_f(x["value"]), d=_f(x["distance"])) for x in r["peers"] if x["kind"] == "similar"]
            imp = [t["peer_imp"].format(name=x["name"], val=_f(x["value"]), ch=_sf(x["change"])) for x in r["peers"] if x["kind"] == "improver"]
            sep = "、" if lang == "zh" else ", "
            out.append(f"- **{t['peers']}**: {t['similar']}: {sep.join(sim) or t['none']}; {t['improver']}: {sep.join(imp) or t['none']}")
        out.append("")
    out += [f"## {t['notes']}", ""]
    w = ", ".join(f"{k} {v:g}" for k, v in guide.params.get("weights", {}).items())
    out.append(f"- {t['method'].format(w=w)}")
    if len(guide.excluded):
        out.append(f"- {t['excluded'].format(n=len(guide.excluded))}")
    out += [f"- {n}" for n in d["notes"]]
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
    ...                       "parent": ["", "NQPF", "NQPF"], "element": ["", "劳动者", "劳动资料"], "driver": ["", "", "算力"]})
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
    for g in guides:
        for lg in langs:
            for fm in formats:
                p = d / guide_filename(g, lang=lg, fmt=fm)
                text = render_markdown(g, lang=lg) if fm == "md" else render_json(g, lang=lg) + "\n"
                p.write_text(text, encoding="utf-8")
                written.append(p)
    return written
