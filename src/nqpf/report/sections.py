"""Plain-language openings of the report's 数据质量 (data quality) and 指数验证 (validation) sections.

Each builder reads the run's tables (:class:`nqpf.report.tables.RunTables`) and returns HTML that states
what was checked and what came out, with the key tables open; the full tables follow in the section.
"""
from __future__ import annotations

import html as _html
from typing import Literal

import pandas as pd

from .tables import RunTables

__all__ = ["quality_section_html", "validation_section_html"]


def _bi(zh: str, en: str) -> str:
    """Both languages; the page shows one (text is escaped here, so callers pass plain text)."""
    return f'<span class="zh">{_html.escape(zh)}</span><span class="en">{_html.escape(en)}</span>'


def _table(df: pd.DataFrame, table: str, max_rows: int = 40) -> str:
    from .html import render_table

    return render_table(df, table=table, max_rows=max_rows)


def _n(v) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return 0


def quality_section_html(run: RunTables, lang: Literal["zh", "en"] = "zh") -> str:
    """What the data-quality screen found, what the run did about it, and what the framework measures."""
    res = run.result
    q = run.stage_tables.get(("quality", "findings"))
    counts = res.manifest.get("counts", {})
    preset = (res.manifest.get("quality") or {}).get("config", {}).get("preset") or (res.manifest.get("quality") or {}).get("preset", "")
    parts = []
    if q is None or q.empty:
        off = preset == "off"
        parts.append(f'<p>{_bi("本次运行关闭了数据质量筛查（[quality] preset = off）。" if off else "数据质量筛查没有发现问题。", "The data-quality screen was off in this run ([quality] preset = off)." if off else "The data-quality screen found nothing.")}</p>')
    else:
        used = q["used"].astype(str).str.lower().isin(["true", "1"]) if "used" in q else pd.Series(True, index=q.index)
        hi = q["severity"].eq("high")
        n_dec, n_q = _n(counts.get("decisions")), _n(counts.get("quality_set_missing"))
        zh = (f"筛查规则（结转、全体冻结、整数填充、水平断点、异常跳变、比率与分子分母不符）在原始序列中发现 {len(q)} 处问题，"
              f"其中 {int(used.sum())} 处在本框架使用的序列中（高严重度 {int((hi & used).sum())} 处）；"
              f"{int((hi & ~used).sum())} 处高严重度问题在框架未使用的序列中（仅报告，不改动）。"
              f"筛查设为缺失 {n_q} 个单元格（changes.csv，步骤 quality），已记录的数据决定设为缺失 {n_dec} 个单元格（步骤 decision）。")
        en = (f"The screen (carry-forwards, panel freezes, round fills, level breaks, implausible jumps, ratios that move "
              f"against their inputs) found {len(q)} issues in the raw series, {int(used.sum())} of them in series this "
              f"framework uses ({int((hi & used).sum())} of high severity); {int((hi & ~used).sum())} high-severity issues "
              f"are in series the framework does not use (reported, not changed). The screen set {n_q} cells missing "
              f"(changes.csv, step quality) and recorded data decisions set {n_dec} cells missing (step decision).")
        parts.append(f"<p>{_bi(zh, en)}</p>")
        key = q[hi | used].head(25)
        if len(key):
            parts.append(f"<h3>{_bi('主要问题（高严重度或框架使用的序列）', 'Main issues (high severity, or in series the framework uses)')}</h3>")
            parts.append(_table(key, "findings", max_rows=25))
    cov = run.stage_tables.get(("quality", "coverage"))
    if cov is not None and len(cov):
        declared = [d for ds in cov.get("declared_missing", pd.Series(dtype=str)).fillna("").astype(str) for d in ds.split(", ") if d]
        nodes = getattr(res.framework, "declared_by_id", {}) or {}
        names_zh = [getattr(nodes.get(d), "name_zh", "") or d for d in declared]
        names_en = [getattr(nodes.get(d), "name_en", "") or d for d in declared]
        zh = (f"框架的覆盖情况（要素 × AI驱动 × 类型）：已计算 {int(cov['computed'].sum())} 个指标；"
              f"声明但无数据 {len(declared)} 个（{'、'.join(names_zh)}），这些方面没有被测量，而不是以代理指标冒充。")
        en = (f"What the framework measures (element × AI driver × type): {int(cov['computed'].sum())} computed indicators; "
              f"{len(declared)} declared without data ({'; '.join(names_en)}) — those aspects are not "
              "measured, rather than proxied under a wrong name.")
        parts.append(f"<h3>{_bi('指标覆盖', 'Coverage')}</h3><p>{_bi(zh, en)}</p>")
        parts.append(_table(cov, "coverage"))
    return "".join(parts)


def validation_section_html(run: RunTables, lang: Literal["zh", "en"] = "zh") -> str:
    """Coherence, known-group checks and external agreement, in plain words with the key tables."""
    t = run.stage_tables
    parts = []
    coh = t.get(("validation", "coherence"))
    if coh is not None and len(coh):
        ok = coh.dropna(subset=["alpha"])
        low = ok[ok["alpha"] < 0.7]
        zh = (f"统计一致性（OECD/JRC 手册）：{len(ok)} 个维度可计算 Cronbach's α，其中 {len(low)} 个低于 0.7"
              + (f"（{'、'.join(low['name'].astype(str))}）" if len(low) else "") + "。")
        en = (f"Statistical coherence (OECD/JRC Handbook): Cronbach's alpha is defined for {len(ok)} dimensions, {len(low)} "
              "below 0.7" + (f" ({', '.join(low['dimension'].astype(str))})" if len(low) else "") + ".")
        cols = [c for c in ("dimension", "name", "k", "alpha", "pca_var1", "n_eig_gt1", "mean_r", "flags") if c in coh]
        parts.append(f"<p>{_bi(zh, en)}</p>" + _table(coh[cols], "coherence"))
    kg = t.get(("validation", "known_groups"))
    if kg is not None and len(kg):
        done = kg[kg.get("status", "ok").eq("ok")] if "status" in kg else kg
        agree = done["agrees"].astype(str).str.lower().eq("true") if "agrees" in done else pd.Series(dtype=bool)
        zh = f"事先声明的已知组检验：{len(done)} 项完成，其中 {int(agree.sum())} 项方向与预期一致（不论结果如何均报告）。"
        en = f"Known-group checks stated in advance: {len(done)} run, {int(agree.sum())} in the expected direction (reported whatever they show)."
        cols = [c for c in ("title", "node_name", "year", "group_a", "group_b", "expected", "mean_diff", "cohens_d",
                            "cliffs_delta", "mw_p", "welch_p", "agrees", "status", "reason") if c in kg]
        parts.append(f"<h3>{_bi('已知组检验', 'Known-group checks')}</h3><p>{_bi(zh, en)}</p>" + _table(kg[cols], "known_groups"))
    ex = t.get(("validation", "external"))
    if ex is not None and len(ex):
        okx = ex[ex.get("status", "ok").eq("ok")] if "status" in ex else ex
        if len(okx):
            rho = okx["spearman"].astype(float)
            zh = f"与外部测度的排名一致性：Spearman ρ 在 {rho.min():.2f}–{rho.max():.2f} 之间（{len(okx)} 个年份/来源）。"
            en = f"Rank agreement with external measures: Spearman rho between {rho.min():.2f} and {rho.max():.2f} ({len(okx)} year-source pairs)."
        else:
            zh, en = "外部测度不可用（见原因列）。", "No external measure was available (see the reason column)."
        parts.append(f"<h3>{_bi('外部一致性', 'External agreement')}</h3><p>{_bi(zh, en)}</p>")
    return "".join(parts)
