"""Plain-language openings of the report's 数据质量 (data quality) and 指数验证 (validation) sections.

Each builder reads the run's tables (:class:`nqpf.report.tables.RunTables`) and returns HTML that states
what was checked and what came out, with the key tables open; the full tables follow in the section.
"""
from __future__ import annotations

import html as _html
import re
from typing import Any, Callable, Literal

import pandas as pd

from .._format import fmt_display
from .tables import RunTables

__all__ = ["quality_section_html", "validation_section_html", "TABLE_TITLES", "STAGE_NAMES", "table_title", "cell_text", "run_ids",
           "sentence_zh", "CELL_TERMS_ZH", "COLUMN_TERMS_ZH"]

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


def run_ids(run: RunTables) -> frozenset[str]:
    """Ids of the run's framework nodes and indicators and of its scored nodes (shown as code in tables)."""
    return run.ids


def _table(df: pd.DataFrame, table: str, max_rows: int = 40, run: RunTables | None = None) -> str:
    from .html import render_table

    return render_table(df, table=table, max_rows=max_rows, ids=run_ids(run) if run is not None else ())


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
            parts.append(_table(key, "findings", max_rows=25, run=run))
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
        parts.append(_table(cov, "coverage", run=run))
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
        parts.append(_table(show[[c for c in cols if c in show.columns]], "partial", max_rows=40, run=run))
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
        parts.append(f"<p>{_bi(zh, en)}</p>" + _table(coh[cols], "coherence", run=run))
    kg = t.get(("validation", "known_groups"))
    if kg is not None and len(kg):
        done = kg[kg.get("status", "ok").eq("ok")] if "status" in kg else kg
        agree = done["agrees"].astype(str).str.lower().eq("true") if "agrees" in done else pd.Series(dtype=bool)
        zh = f"事先声明的已知组检验：{len(done)} 项完成，其中 {int(agree.sum())} 项方向与预期一致（不论结果如何均报告）。"
        en = f"Known-group checks stated in advance: {len(done)} run, {int(agree.sum())} in the expected direction (reported whatever they show)."
        cols = [c for c in ("title", "node_name", "year", "group_a", "group_b", "expected", "mean_diff", "cohens_d",
                            "cliffs_delta", "mw_p", "welch_p", "agrees", "status", "reason") if c in kg]
        parts.append(f"<h3>{_bi('已知组检验', 'Known-group checks')}</h3><p>{_bi(zh, en)}</p>" + _table(kg[cols], "known_groups", run=run))
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


# ---------------------------------------------------------------------------------------------- cell words
# The run's CSVs keep their codes (``True``, ``medium``, ``redundant_pair`` …); the report shows them in the
# page's language. English cells are shown as saved; :func:`cell_text` gives the Chinese wording.

#: Chinese wording of codes and fixed phrases in the cells of stage tables, whatever their column
CELL_TERMS_ZH: dict[str, str] = {
    "True": "是", "False": "否",
    # data quality
    "high": "高", "medium": "中", "low": "低", "flag": "标记", "set_missing": "设为缺失", "refuse": "拒绝",
    "carry_forward": "结转（数值原样重复）", "panel_freeze": "全体冻结", "round_fill": "整数填充", "jump": "异常跳变",
    "cross_unit_repeat": "跨地区重复", "level_break": "水平断点", "series_break": "全序列断点",
    "ratio_unexplained": "比率变化与分子分母不符", "ratio_input_flagged": "派生指标的输入序列被标记",
    "none": "无",
    # validation flags and rules
    "redundant_pair": "冗余指标对（高度相关）", "conflicting_pair": "冲突指标对（负相关）",
    "low_alpha": "内部一致性偏低（α < 0.7）", "multidimensional": "维度不是单维（多个特征值 > 1）",
    "dominates_dimension": "单一指标主导维度", "not_significant_with_dimension": "与所属维度相关不显著",
    "negative_with_dimension": "与所属维度负相关", "negative_with_index": "与总指数负相关",
    "pairwise Pearson r > 0.9": "两两 Pearson 相关系数 r > 0.9",
    "pairwise Pearson r < -0.4": "两两 Pearson 相关系数 r < -0.4",
    "Cronbach alpha < 0.7": "Cronbach's α < 0.7",
    "more than one eigenvalue > 1 (Kaiser)": "多于一个特征值 > 1（Kaiser 准则）",
    "k >= 3, r with dimension > 0.9 and > 0.2 above the median r of the other members":
        "k ≥ 3，与维度的相关系数 r > 0.9，且比其他成员的中位 r 高 0.2 以上",
    "k >= 3 and r_i^2 / sum_j r_j^2 > 0.5": "k ≥ 3，且 r_i² / Σ_j r_j² > 0.5",
    "Pearson r with own dimension < 0": "与所属维度的 Pearson 相关系数 r < 0",
    "Pearson r with the index < 0": "与总指数的 Pearson 相关系数 r < 0",
    "dimension": "维度", "grouping": "分组", "pair": "指标对", "index": "总指数",
    "ok": "完成", "skipped": "跳过",
    # known-group checks of the bundled file (nqpf/analysis/data/known_groups.toml)
    "东数西算 national computing-hub provinces vs the rest, on compute (算力) nodes":
        "东数西算国家算力枢纽省份与其余省份比较（算力节点）",
    "East (东部) vs west (西部) provinces on the index": "东部与西部省份比较（总指数）",
    "北京, 天津, 上海, 重庆 + 广东, 江苏, 浙江 vs the rest, on science-technology and digital nodes":
        "北京、天津、上海、重庆及广东、江苏、浙江与其余省份比较（科技创新与数字节点）",
    "东数西算 hub provinces": "东数西算枢纽省份", "rest": "其余地区", "东部 (east)": "东部", "西部 (west)": "西部",
    "4 municipalities + 广东/江苏/浙江": "4 个直辖市 + 广东/江苏/浙江",
    "a>b": "A 组 > B 组", "a<b": "A 组 < B 组",
    # regions, positions, roles
    "east": "东部", "central": "中部", "west": "西部", "northeast": "东北",
    "top": "前列", "bottom": "末位", "catch_up": "追赶型", "frontier": "前沿型",
    # analysis
    "lower-middle": "中低", "upper-middle": "中高", "mid": "中", "all": "全部", "divergent": "发散",
    "pooled": "合并", "absolute": "绝对 β 收敛", "conditional": "条件 β 收敛", "twoway": "双向固定效应",
    "unit": "地区", "time": "时间", "clustered by unit": "按地区聚类", "panel (annual growth)": "面板（年增长率）",
    "sigma": "σ（标准差）", "cv": "变异系数",
    "normalisation scope": "标准化范围", "weighting": "赋权方法", "element weights": "要素权重",
    "aggregation": "合成方法", "outlier treatment": "异常值处理", "fe": "固定效应", "re": "随机效应",
    "durbin": "空间杜宾模型（SDM）", "lag": "空间滞后模型（SAR）", "error": "空间误差模型（SEM）",
    "Wald F (interaction)": "Wald F 检验（交互项）", "joint": "联合检验",
    "region4": "四大区域", "belt3": "三大地带", "sensitivity": "敏感性分析（排名区间）",
    "real_economy": "实体经济", "digital_economy": "数字经济",
}

#: Chinese wording of codes whose meaning depends on the column (Markov states are levels, not severities)
COLUMN_TERMS_ZH: dict[str, dict[str, str]] = {
    **{c: {"low": "低水平", "lower-middle": "中低水平", "upper-middle": "中高水平", "high": "高水平"}
       for c in ("state", "from_state", "to_state")},
    "level": {"high": "高", "mid": "中", "low": "低"},
    "effect": {"direct": "直接效应", "indirect": "间接效应", "total": "总效应"},
    **{c: {"HH": "高-高", "LL": "低-低", "HL": "高-低", "LH": "低-高", "ns": "不显著"} for c in ("cluster", "quadrant")},
}

_CTX = r"cross-section median change (\S+), z = (\S+); own median (\S+), z = (\S+)"
_CTX_ZH = r"截面中位变化 \1，z = \2；自身中位变化 \3，z = \4"


def _ctx(m: "re.Match[str]", i: int) -> str:
    return f"截面中位变化 {m[i]}，z = {m[i + 1]}；自身中位变化 {m[i + 2]}，z = {m[i + 3]}"


def _years_zh(s: str) -> str:
    return s.replace(", ", "、")


#: (pattern, Chinese) of the generated sentences of the data-quality screen, validation and dynamics
_SENTENCES: list[tuple["re.Pattern[str]", Callable[["re.Match[str]"], str]]] = []


def _sentence(pattern: str):
    def reg(fn):
        _SENTENCES.append((re.compile(pattern, re.S), fn))
        return fn

    return reg


@_sentence(r"The (\d{4}) value (\S+) is repeated unchanged in (.+?) \((\d+) identical years; chance at this precision "
           r"and volatility (\S+)\)\.")
def _carry(m):
    return f"{m[1]} 年的数值 {m[2]} 在 {_years_zh(m[3])} 原样重复（连续 {m[4]} 年相同；按此精度与波动偶然出现的概率为 {m[5]}）。"


@_sentence(r"Step pattern: (\d+) of (\d+) units hold their values constant in blocks (.+?), changing only in (.+?) "
           r"\(at least (\S+) of units frozen each year; e\.g\. (.+)\)\.")
def _step(m):
    return (f"阶梯模式：{m[2]} 个地区中有 {m[1]} 个在 {_years_zh(m[3])} 各段内数值不变，仅在 {_years_zh(m[4])} 变化"
            f"（每年至少 {m[5]} 的地区数值冻结；例如 {_years_zh(m[6])}）。")


@_sentence(r"Panel-wide freeze: (\d+) of (\d+) units repeat their (\d{4}) value in every year (.+?) "
           r"\(at least (\S+) of units frozen each year; e\.g\. (.+)\)\.")
def _freeze(m):
    return (f"全体冻结：{m[2]} 个地区中有 {m[1]} 个在 {_years_zh(m[4])} 每年重复 {m[3]} 年的数值"
            f"（每年至少 {m[5]} 的地区数值冻结；例如 {_years_zh(m[6])}）。")


@_sentence(r"In (\d{4}) the value (\S+) is shared by (\d+) units \((.+?)\); chance probability (\S+) at this precision\.")
def _shared(m):
    return f"{m[1]} 年数值 {m[2]} 为 {m[3]} 个地区共有（{_years_zh(m[4])}）；按此精度偶然出现的概率为 {m[5]}。"


@_sentence(r"Units (.+?) have identical values in every year (.+?) \(e\.g\. (.+?), (.+?)\); one is probably a copy\.")
def _copy(m):
    return f"地区 {_years_zh(m[1])} 在 {_years_zh(m[2])} 每年数值完全相同（例如 {m[3]}、{m[4]}），其中之一可能是复制的。"


@_sentence(r"(\d+) of (\d+) values are round \((.+?)\) where the series is reported with (\d+) decimals; all values: (.+)\.")
def _round(m):
    return f"{m[2]} 个数值中有 {m[1]} 个为整数（{_years_zh(m[3])}），而该序列通常保留 {m[4]} 位小数；全部数值：{_years_zh(m[5])}。"


@_sentence(r"Jump in (\d{4}): (\S+) → (\S+) \((\S+); " + _CTX + r"\)(\.|; too few later years to tell a break, so no cell "
           r"is removed\.)")
def _jump(m):
    tail = "。" if m[9] == "." else "；其后年份太少，无法判断是否为断点，因此未删除任何单元格。"
    return f"{m[1]} 年异常跳变：{m[2]} → {m[3]}（{m[4]}；{_ctx(m, 5)}）" + tail


@_sentence(r"Spike in (\d{4}): (\S+) → (\S+) → (\S+) \((\S+) then back; " + _CTX + r"\)\.")
def _spike(m):
    return f"{m[1]} 年尖峰：{m[2]} → {m[3]} → {m[4]}（{m[5]} 后回落；{_ctx(m, 6)}）。"


@_sentence(r"Level break in (\d{4}): (\S+) → (\S+) \((\S+); cross-section z = (\S+), own z = (\S+)\), median (\S+) before "
           r"vs (\S+) after; the new level persists\.")
def _level(m):
    return (f"{m[1]} 年水平断点：{m[2]} → {m[3]}（{m[4]}；截面 z = {m[5]}，自身 z = {m[6]}），断点前中位数 {m[7]}，"
            f"断点后 {m[8]}；新水平持续存在。")


@_sentence(r"Series-wide break in (\d{4}): (\d+) of (\d+) units change by more than (\S+) robust sd of their own history "
           r"in the same direction \(median change (\S+) vs typical (\S+)\); likely a definition or vintage change\.")
def _sbreak(m):
    return (f"{m[1]} 年全序列断点：{m[3]} 个地区中有 {m[2]} 个同向变化超过自身历史稳健标准差的 {m[4]} 倍"
            f"（中位变化 {m[5]}，通常为 {m[6]}）；可能是统计口径或数据版本的变化。")


@_sentence(r"(\S+) changes (\S+) in (\d{4}) \((\S+) → (\S+)\) but (\S+) / (\S+) change (\S+); (\S+) is unexplained by its "
           r"inputs\.")
def _ratio(m):
    return (f"{m[1]} 在 {m[3]} 年变化 {m[2]}（{m[4]} → {m[5]}），而 {m[6]} / {m[7]} 变化 {m[8]}；"
            f"{m[9]} 的变化无法由分子分母解释。")


@_sentence(r"Derived indicator (\S+) uses raw series (\S+) \((.+?)\), which is flagged (\S+) in (.+?): (.+)")
def _input(m):
    rule = CELL_TERMS_ZH.get(m[4], m[4])
    return f"派生指标 {m[1]} 使用的原始序列 {m[2]}（{_years_zh(m[3])}）在 {_years_zh(m[5])} 被标记为「{rule}」：{sentence_zh(m[6])}"


@_sentence(r"no node of the framework matches the selectors \((.+)\)")
def _nosel(m):
    return f"框架中没有与选择器（{m[1]}）匹配的节点"


@_sentence(r"no node of the framework matches (.+)")
def _nonode(m):
    return f"框架中没有与 {m[1]} 匹配的节点"


@_sentence(r"a group has no unit in this run \(group a (\d+), group b (\d+)\)")
def _nogroup(m):
    return f"本次运行中有一组没有地区（A 组 {m[1]} 个，B 组 {m[2]} 个）"


@_sentence(r"largest weighted contribution: (.+) \(normalised (\S+) × weight (\S+) = (\S+) of the weighted sum\)")
def _contrib(m):
    return f"加权贡献最大：{m[1]}（标准化值 {m[2]} × 权重 {m[3]} = 加权和的 {m[4]}）"


@_sentence(r"single indicator (.+) \(normalised (\S+)\)")
def _single(m):
    return f"仅一个指标：{m[1]}（标准化值 {m[2]}）"


def _states(s: str) -> str:
    st = COLUMN_TERMS_ZH["state"]
    return "、".join(st.get(x, x) for x in s.split(", "))


@_sentence(r"NaN to (.+): not reached from (\S+) with probability 1( \(nor \S+ returned to\))?; the chain is not irreducible")
def _mfpt(m):
    back = f"（也不会以概率 1 返回{_states(m[2])}）" if m[3] else ""
    return f"到{_states(m[1])}为空：从{_states(m[2])}出发不能以概率 1 到达{back}；马尔可夫链不是不可约的"


@_sentence(r"NaN: no transitions observed out of (\S+), so passage times from it are undefined")
def _mfpt0(m):
    return f"空：没有观察到从{_states(m[1])}出发的转移，首达时间无定义"


@_sentence(r"Cronbach alpha < (\S+)")
def _alpha(m):
    return f"Cronbach's α < {m[1]}"


@_sentence(r"p-value of r with own dimension >= (\S+)")
def _pdim(m):
    return f"与所属维度相关系数的 p 值 ≥ {m[1]}"


def sentence_zh(text: str) -> str:
    """The Chinese wording of a generated English sentence of the run's tables (unchanged when unknown).

    Examples
    --------
    >>> sentence_zh("Level break in 2016: 0.1546 → 0.3151 (+103.8%; cross-section z = 4.8, own z = 8.3), "
    ...             "median 0.148 before vs 0.5792 after; the new level persists.")
    '2016 年水平断点：0.1546 → 0.3151（+103.8%；截面 z = 4.8，自身 z = 8.3），断点前中位数 0.148，断点后 0.5792；新水平持续存在。'
    >>> sentence_zh("something else")
    'something else'
    """
    s = str(text)
    if s in CELL_TERMS_ZH:
        return CELL_TERMS_ZH[s]
    for pat, fn in _SENTENCES:
        m = pat.fullmatch(s)
        if m:
            return fn(m)
    return s


def cell_text(value: Any, lang: Literal["zh", "en"], column: str | None = None) -> str:
    """A table cell as the report shows it: as saved in English, in Chinese words in Chinese.

    Booleans read 是/否, codes (severity, rules, validation flags, regions, Markov states …) their Chinese
    names, generated sentences (data-quality details, known-group checks, notes) their Chinese wording;
    anything else (numbers, names, ids) is shown as saved. The run's CSVs keep the codes.

    Examples
    --------
    >>> cell_text(True, "zh"), cell_text("False", "zh"), cell_text(True, "en")
    ('是', '否', 'True')
    >>> cell_text("medium", "zh", "severity"), cell_text("high", "zh", "state"), cell_text("redundant_pair", "en")
    ('中', '高水平', 'redundant_pair')
    >>> cell_text("low_alpha; redundant_pair", "zh", "flags")
    '内部一致性偏低（α < 0.7）；冗余指标对（高度相关）'
    """
    s = fmt_display(value)
    if lang != "zh" or not s:
        return s
    col = COLUMN_TERMS_ZH.get(str(column)) if column is not None else None
    if col and s in col:
        return col[s]
    if column == "analysis" and s.replace("-", "_") in TABLE_TITLES:  # the analysis log names its analyses
        return TABLE_TITLES[s.replace("-", "_")][0]
    if s in CELL_TERMS_ZH:
        return CELL_TERMS_ZH[s]
    if "; " in s:
        parts = [p for p in s.split("; ") if p]
        if parts and all(p in CELL_TERMS_ZH for p in parts):
            return "；".join(CELL_TERMS_ZH[p] for p in parts)
    if re.search(r"[A-Za-z]{2}", s):
        return sentence_zh(s)
    return s
