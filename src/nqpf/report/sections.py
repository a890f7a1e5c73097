"""Plain-language openings of the report's 数据质量 (data quality) and 指数验证 (validation) sections.

Each builder reads the run's tables (:class:`nqpf.report.tables.RunTables`) and returns HTML that states
what was checked and what came out, with the key tables open; the full tables follow in the section.
"""
from __future__ import annotations

import html as _html
from typing import Literal

import pandas as pd

from .tables import RunTables

__all__ = ["quality_section_html", "validation_section_html", "TABLE_TITLES", "STAGE_NAMES", "table_title"]

#: readable titles (zh, en) of stage tables, keyed by table name or name prefix (longest prefix wins:
#: ``spatial_markov_conditional`` before ``spatial_markov`` before ``markov``)
TABLE_TITLES: dict[str, tuple[str, str]] = {
    # inequality
    "dagum_totals": ("Dagum 基尼系数及分解（按年）", "Dagum Gini and decomposition by year"),
    "dagum_groups": ("Dagum 基尼系数：组内差异", "Dagum Gini: within-group inequality"),
    "dagum_pairs": ("Dagum 基尼系数：组间差异", "Dagum Gini: between-group inequality"),
    "dagum": ("Dagum 基尼系数", "Dagum Gini"),
    "theil_totals": ("泰尔指数及分解（按年）", "Theil index and decomposition by year"),
    "theil_groups": ("泰尔指数：各组", "Theil index by group"),
    "theil": ("泰尔指数", "Theil index"),
    "inequality_measures": ("不平等测度（变异系数、基尼系数等）", "Inequality measures (CV, Gini …)"),
    # dynamics
    "density_curves": ("核密度估计曲线", "Kernel density curves"),
    "density_descriptors": ("核密度分布特征（峰值、偏度、多极化）", "Kernel density descriptors (peaks, skewness, polarisation)"),
    "density": ("核密度估计", "Kernel density"),
    "markov_probabilities": ("马尔可夫转移概率矩阵", "Markov transition probabilities"),
    "markov_counts": ("马尔可夫转移频数", "Markov transition counts"),
    "markov_classes": ("马尔可夫状态划分（各地区各年）", "Markov states by unit and year"),
    "markov_cutoffs": ("马尔可夫状态划分阈值", "Markov state cut-offs"),
    "markov_mfpt": ("平均首达时间", "Mean first-passage times"),
    "markov_steady_state": ("马尔可夫稳态分布", "Markov steady-state distribution"),
    "markov": ("马尔可夫链", "Markov chain"),
    "spatial_markov_conditional": ("空间马尔可夫转移概率（按邻域状态）", "Spatial Markov transition probabilities by neighbourhood class"),
    "spatial_markov_pooled": ("空间马尔可夫：合并转移概率", "Spatial Markov: pooled transition probabilities"),
    "spatial_markov_cutoffs": ("空间马尔可夫状态阈值", "Spatial Markov state cut-offs"),
    "spatial_markov_lag_cutoffs": ("空间马尔可夫邻域状态阈值", "Spatial Markov neighbourhood-class cut-offs"),
    "spatial_markov_steady_states": ("空间马尔可夫稳态分布", "Spatial Markov steady states"),
    "spatial_markov_tests": ("空间马尔可夫检验（邻域是否影响转移）", "Spatial Markov tests (does the neighbourhood matter)"),
    "spatial_markov": ("空间马尔可夫链", "Spatial Markov chain"),
    # spatial
    "moran_global": ("全局莫兰指数与吉尔里指数（按年）", "Global Moran's I and Geary's C by year"),
    "moran": ("莫兰指数", "Moran's I"),
    "lisa_local": ("局部莫兰指数（LISA，各地区各年）", "Local Moran's I (LISA) by unit and year"),
    "lisa_clusters": ("LISA 集聚类型计数", "LISA cluster counts"),
    "lisa": ("局部空间自相关（LISA）", "Local spatial autocorrelation (LISA)"),
    "weights_edges": ("空间权重（邻接关系）", "Spatial weights (neighbour pairs)"),
    "geary": ("吉尔里指数", "Geary's C"),
    # convergence
    "sigma_sigma": ("σ 收敛（按年）", "Sigma convergence by year"),
    "sigma_trend": ("σ 收敛趋势检验", "Sigma convergence trend test"),
    "sigma": ("σ 收敛", "Sigma convergence"),
    "beta_beta": ("β 收敛回归", "Beta convergence regressions"),
    "beta_coefficients": ("β 收敛系数", "Beta convergence coefficients"),
    "beta": ("β 收敛", "Beta convergence"),
    "club_membership": ("俱乐部收敛：成员", "Convergence clubs: members"),
    "club_tests": ("俱乐部收敛检验", "Convergence club tests"),
    "club": ("俱乐部收敛", "Convergence clubs"),
    "convergence": ("收敛性", "Convergence"),
    # integration, obstacles, elements
    "coupling_coupling": ("耦合度、综合发展指数与耦合协调度（各地区各年）", "Coupling, development and coordination degree by unit and year"),
    "coupling_classes": ("耦合协调等级分布", "Coupling coordination classes"),
    "coupling": ("耦合协调", "Coupling coordination"),
    "obstacle_indicators": ("各指标障碍度（各地区各年）", "Obstacle degree of each indicator by unit and year"),
    "obstacle_nodes": ("各维度障碍度", "Obstacle degree of each dimension"),
    "obstacle_top_wide": ("主要障碍因素（宽表）", "Main obstacle factors (wide)"),
    "obstacle_top": ("主要障碍因素", "Main obstacle factors"),
    "obstacle": ("障碍度", "Obstacle degree"),
    "typology_members": ("类型划分：各地区所属类型", "Typology: type of each unit"),
    "typology_profiles": ("类型划分：各类型要素特征", "Typology: element profile of each type"),
    "typology_silhouette": ("类型划分：轮廓系数", "Typology: silhouette scores"),
    "typology_types": ("类型划分：类型说明", "Typology: types"),
    "typology": ("类型划分", "Typology"),
    "analysis_log": ("分析步骤记录", "Analysis log"),
    # sensitivity
    "uncertainty_rank_stats": ("不确定性分析：排名区间", "Uncertainty analysis: rank intervals"),
    "uncertainty_runs": ("不确定性分析：各次模拟", "Uncertainty analysis: simulation runs"),
    "uncertainty": ("不确定性分析", "Uncertainty analysis"),
    "sensitivity_indices": ("敏感性指数（Sobol）", "Sensitivity indices (Sobol)"),
    "sensitivity_runs": ("敏感性分析：各次运行", "Sensitivity analysis: runs"),
    "leave_one_out_effects": ("逐一剔除指标：排名变化", "Leave one indicator out: rank shifts"),
    "leave_one_out_ranks": ("逐一剔除指标：排名", "Leave one indicator out: ranks"),
    "oat_effects": ("单因素变动：排名变化", "One factor at a time: rank shifts"),
    "oat_ranks": ("单因素变动：排名", "One factor at a time: ranks"),
    # explain
    "hausman": ("Hausman 检验", "Hausman test"),
    "heterogeneity_coefficients": ("异质性分析：系数", "Heterogeneity: coefficients"),
    "heterogeneity_equality": ("异质性分析：系数相等检验", "Heterogeneity: equality tests"),
    "heterogeneity_table": ("异质性分析：回归表", "Heterogeneity: regression table"),
    "heterogeneity": ("异质性分析", "Heterogeneity"),
    "models_coefficients": ("回归系数", "Regression coefficients"),
    "models_statistics": ("回归模型统计量", "Model statistics"),
    "models_table": ("回归结果表", "Regression table"),
    "models": ("回归模型", "Regression models"),
    "spatial_coefficients": ("空间计量模型系数", "Spatial model coefficients"),
    "spatial_effects": ("空间计量：直接、间接与总效应", "Spatial models: direct, indirect and total effects"),
    "spatial_lm_tests": ("空间计量：LM 检验", "Spatial models: LM tests"),
    "spatial_statistics": ("空间计量模型统计量", "Spatial model statistics"),
    "mediation": ("中介效应", "Mediation"),
    "threshold": ("门槛效应", "Threshold effects"),
    "robustness": ("稳健性检验", "Robustness checks"),
    # validation, quality, paths
    "coherence": ("统计一致性（各维度）", "Statistical coherence by dimension"),
    "correlations": ("指标与维度相关系数", "Correlations of indicators and dimensions"),
    "external": ("与外部测度的一致性", "Agreement with external measures"),
    "flags": ("验证提示", "Validation flags"),
    "known_groups": ("已知组检验", "Known-group checks"),
    "top_bottom": ("首尾地区检查", "Top and bottom units"),
    "rule_counts": ("数据质量筛查：各规则发现数", "Data-quality screen: findings by rule"),
    "findings": ("数据质量筛查：全部发现", "Data-quality screen: all findings"),
    "coverage": ("指标覆盖（要素 × AI驱动 × 类型）", "Coverage (element × AI driver × type)"),
    "partial": ("部分覆盖的得分", "Scores from partial coverage"),
    "recommendations": ("各地区推荐发展路径", "Recommended paths by unit"),
    "first_paths": ("第一推荐路径的分布", "Distribution of first-ranked paths"),
    "catalogue": ("发展路径目录", "Path catalogue"),
    "evidence": ("发展路径依据", "Evidence for the paths"),
}

#: names (zh, en) of the stages that write tables
STAGE_NAMES: dict[str, tuple[str, str]] = {
    "analysis": ("分析", "Analysis"), "sensitivity": ("敏感性分析", "Sensitivity"), "explain": ("影响因素", "Explanation"),
    "gtfp": ("绿色全要素生产率", "GTFP"), "paths": ("发展路径", "Path guides"), "validation": ("指数验证", "Validation"),
    "quality": ("数据质量", "Data quality"), "levels": ("层级", "Levels"), "text": ("文本", "Text"),
}


def _clean(name: str) -> str:
    """``spatial_lm_tests`` → ``Spatial lm tests`` (a table name made readable)."""
    words = [w for w in str(name).replace("-", "_").split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:] if text else str(name)


def table_title(stage: str, table: str, lang: Literal["zh", "en"]) -> str:
    """Readable title of a stage table: :data:`TABLE_TITLES` by the longest name prefix, else a cleaned name.

    The raw ``stage / table`` string is never returned: an unknown table gets its words
    capitalised and, after the title of a known prefix or the stage's name, a readable label.

    Examples
    --------
    >>> table_title("analysis", "dagum_totals", "zh"), table_title("analysis", "dagum_totals", "en")
    ('Dagum 基尼系数及分解（按年）', 'Dagum Gini and decomposition by year')
    >>> table_title("analysis", "dagum_extra_rows", "en")
    'Dagum Gini: extra rows'
    >>> table_title("forecast", "arima_paths", "en"), table_title("forecast", "arima_paths", "zh")
    ('Arima paths (Forecast)', 'Arima paths（Forecast）')
    """
    t = str(table)
    hits = [k for k in TABLE_TITLES if t == k or t.startswith(k + "_")]
    i = 0 if lang == "zh" else 1
    if hits:
        key = max(hits, key=len)
        if key == t:
            return TABLE_TITLES[key][i]
        rest = _clean(t[len(key) + 1:])
        rest = rest[:1].lower() + rest[1:] if lang == "en" else rest
        return f"{TABLE_TITLES[key][i]}：{rest}" if lang == "zh" else f"{TABLE_TITLES[key][i]}: {rest}"
    st = STAGE_NAMES.get(str(stage), (_clean(stage), _clean(stage)))[i]
    return f"{_clean(t)}（{st}）" if lang == "zh" else f"{_clean(t)} ({st})"


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
        declared = [d for ds in cov.get("declared_missing", pd.Series(dtype=object)).astype(object).fillna("").astype(str) for d in ds.split(", ") if d]
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
    part = getattr(res, "partial", None)
    if part is not None and len(part):
        import json as _json

        root = res.framework.root
        at_root = part[part["node"].astype(str) == root]
        names = dict(zip(res.units["unit"].astype(str), res.units["unit_name"].astype(str))) if "unit_name" in res.units else {}
        node_names = res.node_names("zh")
        ex = at_root.head(5)
        lst_zh = "；".join(f"{names.get(str(r.unit), r.unit)} {r.year}（{r.n_used}/{r.n_indicators}，缺 {'、'.join(_json.loads(r.missing))}）"
                          for r in ex.itertuples())
        lst_en = "; ".join(f"{names.get(str(r.unit), r.unit)} {r.year} ({r.n_used} of {r.n_indicators}, missing {', '.join(_json.loads(r.missing))})"
                           for r in ex.itertuples())
        mc = ((res.manifest.get("config") or {}).get("aggregate") or {}).get("min_coverage", "")
        zh = (f"部分覆盖：{len(at_root)} 个地区-年份的总指数只由部分指标计算（其余指标缺失，现有指标的权重被重新归一化），"
              f"共 {len(part)} 个地区-年份-节点如此；这些得分测量的内容少于其他地区，比较时需谨慎"
              + (f"。例如：{lst_zh}" if len(ex) else "") + f"。完整清单见 partial.csv（aggregate.min_coverage = {mc}）。")
        en = (f"Partial coverage: {len(at_root)} unit-years have an index score computed from only some indicators (the others "
              f"are missing and the weights of the present ones were re-normalised); {len(part)} unit-year-nodes in all. These "
              "scores measure less than the others: compare them with care"
              + (f". For example: {lst_en}" if len(ex) else "") + f". Every case is in partial.csv (aggregate.min_coverage = {mc}).")
        parts.append(f"<h3>{_bi('部分覆盖的得分', 'Scores from partial coverage')}</h3><p>{_bi(zh, en)}</p>")
        show = part.head(40).assign(node_name=lambda d: d["node"].map(lambda x: node_names.get(str(x), str(x))),
                                    unit_name=lambda d: d["unit"].map(lambda u: names.get(str(u), str(u))))
        show["missing"] = show["missing"].map(lambda v: ", ".join(_json.loads(v)) if isinstance(v, str) and v.startswith("[") else v)
        cols = ["unit", "unit_name", "year", "node", "node_name", "n_used", "n_indicators", "weight_share", "missing"]
        labels = {"node_name": "节点名称 / node name", "n_used": "所用指标 / indicators used",
                  "n_indicators": "应有指标 / indicators in node", "weight_share": "权重占比 / weight share",
                  "missing": "缺失指标 / missing indicators"}
        parts.append(_table(show[[c for c in cols if c in show.columns]].rename(columns=labels), "partial", max_rows=40))
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
