"""Generate the bilingual (Chinese / English) documentation page of a framework.

Run from the repository root to regenerate ``docs/framework.md`` from the built-in default
framework::

    python -m nqpf.framework.docs                      # nqpf_province → docs/framework.md
    python -m nqpf.framework.docs my_framework.toml --out docs/my_framework.md

The page lists every element, sub-dimension and indicator with its formula (derivation),
direction, unit, AI-driver / type / level tags, data source and notes, and every theory
reference (seed file, section, verbatim quote, rationale), followed by the groupings, the
coupling subsystems and the framework-level data decisions. Nothing is written by hand: edit the
framework TOML and regenerate.
"""
from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd

from .derive import Derivation, parse_derivation
from .io import load_framework
from .model import DRIVERS, ELEMENTS, TAG_LABELS_EN, TYPES, Framework, Node

__all__ = ["formula_text", "framework_markdown", "write_framework_docs", "main"]

_OP_EN = {
    "ratio": "{0} / {1}",
    "per_capita": "{0} / {1}",
    "share": "{0} / {1}",
    "diff": "{0} − {1}",
    "product": "{0} × {1}",
    "log": "ln({0})",
    "growth": "{0}(t) / {0}(t−1) − 1",
    "within_year_share": "{0} / Σ units {0} (same year)",
    "index_growth": "{0} / 100 − 1",
}


def formula_text(derivation: Derivation | str, *, names: dict[str, str] | None = None) -> str:
    """A derivation written as arithmetic, e.g. ``ratio(a, b) * 100`` → ``a / b × 100``.

    Parameters
    ----------
    derivation
        A parsed :class:`~nqpf.framework.derive.Derivation` or its text.
    names
        Optional labels for the series ids (e.g. ``{"gdp": "GDP"}``); ids are kept otherwise.

    Examples
    --------
    >>> formula_text("ratio(rd_expenditure_total, gdp) * 0.01")
    '(rd_expenditure_total / gdp) × 0.01'
    >>> formula_text("growth(co2_total_apparent) * 100")
    '(co2_total_apparent(t) / co2_total_apparent(t−1) − 1) × 100'
    >>> formula_text("sum(a, b, c)")
    'a + b + c'
    """
    d = parse_derivation(derivation) if isinstance(derivation, str) else derivation
    labels = names or {}
    args = [labels.get(a, a) for a in d.args]
    if d.op == "series":
        body = args[0]
    elif d.op == "sum":
        body = " + ".join(args)
    else:
        body = _OP_EN[d.op].format(*args)
    if d.scale != 1.0:
        compound = d.op not in ("series", "log")
        body = f"({body}) × {d.scale:g}" if compound else f"{body} × {d.scale:g}"
    return body


def _md(text: Any) -> str:
    """Escape a value for a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _label(value: str) -> str:
    en = TAG_LABELS_EN.get(value, "")
    return f"{value} ({en})" if en and en != value else value


def _provenance_table() -> pd.DataFrame:
    from ..datasets import load_provenance

    return load_provenance().set_index("series")


def _indicator_rows(fw: Framework) -> list[dict[str, Any]]:
    rows = []
    for ind in fw.indicators:
        n = fw.by_id[ind]
        sub = fw.by_id[n.parent]
        rows.append({"id": ind, "node": n, "sub": sub})
    return rows


def _refs_block(node: Node) -> list[str]:
    out = []
    for r in node.seed_refs:
        out.append(
            f"  - `{r.file}` {r.section} — 原文 quote: “{r.quote}”  \n"
            f"    理由 rationale: {r.rationale}"
        )
    rz = node.tags.get("rationale_zh") if node.tags else None
    if rz:
        out.append(f"  - 中文理由: {rz}")
    return out


def _summary(fw: Framework) -> list[str]:
    inds = [fw.by_id[i] for i in fw.indicators]
    lines = [
        "| 要素 element | 指标数 indicators | 数据 data | 算法 algorithms | 算力 compute | none |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for el in ELEMENTS:
        members = [n for n in inds if n.element == el]
        c = Counter(n.driver or "none" for n in members)
        lines.append(f"| {_label(el)} | {len(members)} | " + " | ".join(str(c.get(d, 0)) for d in DRIVERS) + " |")
    c = Counter(n.driver or "none" for n in inds)
    lines.append(f"| **total** | **{len(inds)}** | " + " | ".join(f"**{c.get(d, 0)}**" for d in DRIVERS) + " |")
    lines.append("")
    tc = Counter(n.type for n in inds)
    lines.append("类型 Types: " + "; ".join(f"{_label(t)} {tc.get(t, 0)}" for t in TYPES if tc.get(t, 0)) + ".")
    if fw.declared:
        lines.append("")
        lines.append(
            f"待补指标 Declared indicators without data: {len(fw.declared)} (not computed; see "
            "“待补指标 Declared indicators” below)."
        )
    return lines


def _coverage_block(fw: Framework) -> list[str]:
    from .model import coverage

    cov = coverage(fw)
    lines = ["## 覆盖 Coverage (element × driver × type)", ""]
    lines.append(
        "computed = 参与计算的指标数; declared = 待补指标数（无数据，不计算，不插补）; "
        "declared_missing = 待补指标 ids. `nqpf.framework.coverage(framework, available_series, weights)` "
        "returns this table (with weight shares when weights are given)."
    )
    lines.append("")
    lines.append("| 要素 element | 驱动 driver | 类型 type | computed | declared | declared_missing |")
    lines.append("| --- | --- | --- | ---: | ---: | --- |")
    for r in cov.itertuples(index=False):
        lines.append(f"| {_md(r.element)} | {_md(r.driver)} | {_md(r.type)} | {r.computed} | {r.declared} | "
                     f"{_md(r.declared_missing)} |")
    lines.append(f"| **total** | | | **{int(cov['computed'].sum())}** | **{int(cov['declared'].sum())}** | |")
    lines.append("")
    return lines


def _declared_block(fw: Framework) -> list[str]:
    lines = ["## 待补指标 Declared indicators (data missing)", ""]
    lines.append(
        "文献常用、但没有可再分发的省级数据的指标：写明出处与单位，不参与计算、不插补。用户补齐其原始序列"
        "（模板 `nqpf/datasets/data/ai_indicators_template.csv`，作为 `[data] files` 输入）后，"
        "`nqpf.framework.activate_declared` 把它们变为计算指标。"
    )
    lines.append("")
    lines.append(
        "Indicators the literature uses but no redistributable provincial data supply: named with their "
        "publishing source and unit, never computed or imputed. When a user supplies every raw series of the "
        "derivation (template `nqpf/datasets/data/ai_indicators_template.csv`, added as a `[data] files` entry), "
        "`nqpf.framework.activate_declared` turns them into computed indicators."
    )
    lines.append("")
    lines.append("| 指标 indicator | 位置 parent | 公式 formula | 单位 unit | 驱动 driver | 类型 type | 来源 source |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for n in fw.declared:
        lines.append(
            f"| `{n.id}` {_md(n.name_zh)} / {_md(n.name_en)} | `{n.parent}` | `{_md(n.derive)}` | {_md(n.unit)} | "
            f"{_md(_label(n.driver or 'none'))} | {_md(_label(n.type))} | {_md(n.source)} |"
        )
    lines.append("")
    for n in fw.declared:
        bits = []
        if n.notes:
            bits.append(f"数据说明 Notes: {n.notes}")
        for k in ("driver_rationale", "type_rationale"):
            if n.tags.get(k):
                bits.append(f"{k}: {n.tags[k]}")
        if bits:
            lines.append(f"- `{n.id}`: " + " ".join(bits))
    lines.append("")
    return lines


def framework_markdown(framework: Framework | str | Path, *, with_provenance: bool = True) -> str:
    """The bilingual Markdown documentation of a framework.

    Parameters
    ----------
    framework
        A :class:`~nqpf.framework.model.Framework`, a framework file or a built-in name.
    with_provenance
        Add each raw series' name, unit and source from the bundled provenance table
        (:func:`nqpf.datasets.load_provenance`) when the series is bundled.

    Returns
    -------
    str
        Markdown text (deterministic: the same framework gives the same page).

    Examples
    --------
    >>> text = framework_markdown("nqpf_province")
    >>> text.splitlines()[0]
    '# 省级新质生产力指数（默认框架） — Provincial New Quality Productive Forces index (default framework)'
    >>> "(rd_expenditure_total / gdp) × 0.01" in text
    True
    """
    fw = load_framework(framework)
    prov = _provenance_table() if with_provenance else pd.DataFrame()
    out: list[str] = []
    out.append(f"# {fw.name_zh} — {fw.name_en}")
    out.append("")
    out.append(
        f"<!-- generated by `python -m nqpf.framework.docs` from the framework file "
        f"(id `{fw.id}`, version {fw.version}); do not edit by hand -->"
    )
    out.append("")
    out.append(
        "本页由框架文件自动生成：每个指标的公式、方向、单位、标签（要素、人工智能驱动、类型、层级）、"
        "数据来源与处理决定，以及理论依据（种子文献、章节、原文引文与理由）。"
    )
    out.append("")
    out.append(
        "This page is generated from the framework file: every indicator with its formula, direction, "
        "unit, tags (element, AI driver, type, level), data source and decisions, and its theory reference "
        "(seed file, section, verbatim quote and rationale). It answers 004 §2.1's charge that index systems "
        "are “过于主观随意，缺乏理论和政策依据”: every indicator is traceable to the theory."
    )
    out.append("")
    out.append("## 概览 Overview")
    out.append("")
    out += _summary(fw)
    out.append("")
    root = fw.by_id[fw.root]
    if root.seed_refs:
        out.append("理论依据 Theory references (index):")
        out.append("")
        out += _refs_block(root)
        out.append("")
    out.append("## 指标体系 Indicator tree")
    out.append("")
    out.append("| 要素 element | 子维度 sub-dimension | 指标 indicator | 方向 dir. | 单位 unit | 驱动 driver | 类型 type |")
    out.append("| --- | --- | --- | :-: | --- | --- | --- |")
    for row in _indicator_rows(fw):
        n, sub = row["node"], row["sub"]
        el = fw.by_id[sub.parent] if sub.parent else sub
        out.append(
            f"| {_md(el.name_zh)} {_md(el.name_en)} | {_md(sub.name_zh)} {_md(sub.name_en)} | "
            f"`{n.id}` {_md(n.name_zh)} | {'+' if n.direction == 1 else '−'} | {_md(n.unit)} | "
            f"{_md(_label(n.driver or 'none'))} | {_md(_label(n.type))} |"
        )
    out.append("")
    out.append("## 指标说明 Indicators")
    for el_id in fw.children(fw.root):
        el = fw.by_id[el_id]
        out.append("")
        out.append(f"### {el.name_zh} — {el.name_en}")
        out.append("")
        if el.seed_refs:
            out += _refs_block(el)
            out.append("")
        for sub_id in fw.children(el_id):
            sub = fw.by_id[sub_id]
            if sub.is_indicator:
                ind_ids = [sub_id]
            else:
                out.append(f"#### {sub.name_zh} — {sub.name_en} (`{sub.id}`)")
                out.append("")
                ind_ids = fw.leaves_under(sub_id)
            for ind in ind_ids:
                out += _indicator_block(fw.by_id[ind], prov)
    out.append("")
    if fw.declared:
        out += _declared_block(fw)
    out += _coverage_block(fw)
    out.append("## 第二层级与耦合子系统 Groupings and coupling subsystems")
    out.append("")
    for g in fw.groupings:
        members = fw.grouping_members(g)
        out.append(f"- **{g.name_zh} — {g.name_en}** (`{g.id}`, by tag `{g.tag}`; nodes `{g.id}:<value>`):")
        for value, ids in members.items():
            out.append(f"  - {_label(value)}: " + ", ".join(f"`{i}`" for i in ids))
    for s in fw.subsystems:
        out.append(f"- **子系统 subsystem {s.name_zh} — {s.name_en}** (`{s.id}`): mean of " + ", ".join(f"`{x}`" for x in s.nodes))
    out.append("")
    if fw.id == "nqpf_province":
        out += _default_run_section()
    decisions_zh = str(root.tags.get("decisions_zh", "")) if root.tags else ""
    if fw.description or decisions_zh:
        out.append("## 数据决定 Data decisions")
        out.append("")
        if decisions_zh:
            out.append(decisions_zh.strip())
            out.append("")
        if fw.description:
            out.append(fw.description.strip())
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _indicator_block(n: Node, prov: pd.DataFrame) -> list[str]:
    d = parse_derivation(n.derive, indicator=n.id)
    lines = [f"##### `{n.id}` — {n.name_zh} / {n.name_en}", ""]
    lines.append(f"- 公式 Formula: `{d}` = {formula_text(d)}" + (f"（{n.tags['formula_zh']}）" if n.tags.get("formula_zh") else ""))
    lines.append(
        f"- 方向 Direction: {'正向 benefit (+1)' if n.direction == 1 else '负向 cost (−1)'}; 单位 Unit: {n.unit}"
    )
    lines.append(
        f"- 标签 Tags: 要素 element {_label(n.element)}; 驱动 driver {_label(n.driver or 'none')}; "
        f"类型 type {_label(n.type)}; 层级 level {n.level}"
    )
    src = [f"来源 Source: {n.source}"] if n.source else []
    series_bits = []
    for a in d.args:
        if not prov.empty and a in prov.index:
            p = prov.loc[a]
            series_bits.append(f"`{a}` {p['name_zh']} ({p['unit']}, {p['source_folder']})")
        else:
            series_bits.append(f"`{a}`")
    lines.append("- 原始序列 Raw series: " + "; ".join(series_bits) + (f". {src[0]}" if src else ""))
    if n.notes:
        lines.append(f"- 数据说明 Notes: {n.notes}")
    if n.tags.get("driver_rationale"):
        lines.append(f"- 驱动理由 Driver rationale: {n.tags['driver_rationale']}")
    if n.tags.get("type_rationale"):
        lines.append(f"- 类型理由 Type rationale: {n.tags['type_rationale']}")
    if n.seed_refs:
        lines.append("- 理论依据 Theory references:")
        lines += _refs_block(n)
    lines.append("")
    return lines


def _default_run_section() -> list[str]:
    """The default run of the built-in provincial framework (``nqpf demo``) and why."""
    from ..datasets import DEMO_RATIONALE, demo_config

    cfg = demo_config(stages=[])
    lines = ["## 默认运行设置 Default run (`nqpf demo`)", ""]
    lines.append(
        f"数据 Data: bundled official series (`nqpf.datasets.load_province_raw()`), "
        f"{cfg['data']['years'][0]}–{cfg['data']['years'][1]}, {len(cfg['data']['units'])} provinces. "
        f"impute `{cfg['impute']['method']}`; treat `{cfg['treat']['method']}` ({cfg['treat']['scope']}); "
        f"normalise `{cfg['normalise']['method']}` ({cfg['normalise']['scope']}); "
        f"weight `{cfg['weight']['method']}` ({cfg['weight']['scope']}); "
        f"aggregate `{cfg['aggregate']['method']}` (min_coverage {cfg['aggregate']['min_coverage']})."
    )
    lines.append("")
    for zh, en in DEMO_RATIONALE:
        lines.append(f"- {zh}  ")
        lines.append(f"  {en}")
    lines.append("")
    return lines


def write_framework_docs(framework: Framework | str | Path, path: str | Path) -> Path:
    """Write :func:`framework_markdown` to ``path`` (UTF-8) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(framework_markdown(framework), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (``python -m nqpf.framework.docs``)."""
    parser = argparse.ArgumentParser(description="Generate the bilingual documentation page of a framework.")
    parser.add_argument("framework", nargs="?", default="nqpf_province", help="framework file or built-in name")
    parser.add_argument("--out", type=Path, default=Path("docs") / "framework.md", help="output Markdown file")
    args = parser.parse_args(argv)
    path = write_framework_docs(args.framework, args.out)
    print(f"wrote {path}")  # script entry point, not library code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
