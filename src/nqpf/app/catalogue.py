"""What the app offers: method options with Chinese and English names, one-line explanations, formulas and presets.

Option values are those of the config models (:mod:`nqpf.index.config`); every choice the app sends is
checked by the same validation as ``nqpf build`` (:func:`nqpf.app.project.check_spec`), so an option that
cannot combine with another is refused with the library's own message.
"""
from __future__ import annotations

import typing
from typing import Any

from ..analysis.stage import ANALYSIS_KINDS
from ..index.config import AggregateConfig, ImputeConfig, NormaliseConfig, TreatConfig, WeightConfig
from ..report.methods import STEP_FORMULAS

__all__ = ["METHODS", "PRESETS", "ANALYSES", "STAGES", "methods_catalogue", "sensitivity_defaults", "SPATIAL_WEIGHTS"]

#: (zh, en, one line zh, one line en) per "<step>:<value>"
_TEXT: dict[str, tuple[str, str, str, str]] = {
    "impute:none": ("不插补", "No imputation", "缺失值保持缺失，加总时按可用权重计算", "missing values stay missing; aggregation uses the available weight"),
    "impute:linear": ("线性插值", "Linear interpolation", "在同一地区的时间序列内线性插值，两端取最近值", "interpolate within each unit's series; ends take the nearest value"),
    "impute:locf": ("前值填充", "Last value carried forward", "用同一地区上一年的值填补", "fill with the unit's previous year"),
    "impute:group_mean": ("组均值", "Group mean", "用同组同年均值填补（需分组列）", "fill with the same-year mean of the unit's group (needs a group column)"),
    "impute:unit_mean": ("地区均值", "Unit mean", "用该地区各年均值填补", "fill with the unit's mean over the years"),
    "impute:mean": ("年均值", "Year mean", "用当年所有地区的均值填补", "fill with the year's mean over all units"),
    "impute:median": ("年中位数", "Year median", "用当年所有地区的中位数填补", "fill with the year's median over all units"),
    "treat:none": ("不处理", "None", "保留原始值", "keep the values as they are"),
    "treat:coinr": ("COINr异常值规则", "COINr outlier rule", "偏度与峰度过大时缩尾，仍偏斜则取对数", "Winsorise when skewness and kurtosis are high, then log if still skewed"),
    "treat:winsorise": ("缩尾处理", "Winsorisation", "把低于/高于分位数的值截到分位数", "clip values beyond the lower/upper percentiles"),
    "treat:log": ("对数变换", "Log transform", "对所有指标取对数（要求正值）", "log of every indicator (values must be positive)"),
    "treat:log_ct": ("平移对数", "Shifted log", "平移后取对数，允许零和负值", "log after a shift, zero and negative values allowed"),
    "normalise:minmax": ("极差标准化", "Min–max", "映射到 [0,1]，负向指标反向", "map to [0, 1]; cost indicators reversed"),
    "normalise:zscore": ("Z分数标准化", "z-score", "减均值除以标准差", "subtract the mean, divide by the standard deviation"),
    "normalise:ratio_max": ("比值标准化", "Ratio to maximum", "除以最大值（负向：最小值除以该值）", "divide by the maximum (cost: minimum over value)"),
    "normalise:vector": ("向量标准化", "Vector", "除以各列平方和的平方根", "divide by the column's Euclidean norm"),
    "normalise:percentile_rank": ("百分位秩", "Percentile rank", "按百分位排名", "percentile of the value"),
    "normalise:rank": ("秩标准化", "Rank", "按排名", "rank of the value"),
    "normalise:borda": ("Borda计分", "Borda count", "按排名计分", "points by rank"),
    "normalise:dist_max": ("距最大值", "Distance to maximum", "1 减去与最大值的相对距离", "one minus the relative distance to the maximum"),
    "normalise:target": ("目标值法", "Distance to target", "相对目标值的达成度", "achievement relative to a target"),
    "normalise:none": ("不标准化", "None", "直接使用原值", "use the values as they are"),
    "weight:entropy": ("熵值法", "Entropy", "离散程度越大权重越高", "more dispersion, more weight"),
    "weight:critic": ("CRITIC法", "CRITIC", "兼顾对比强度与指标间冲突性", "contrast and conflict between indicators"),
    "weight:cv": ("变异系数法", "Coefficient of variation", "按变异系数赋权", "weights proportional to the coefficient of variation"),
    "weight:pca": ("主成分赋权", "PCA", "由保留主成分的载荷得到权重", "weights from the retained components' loadings"),
    "weight:equal": ("等权", "Equal", "同一上级下各指标等权", "equal weights within each parent"),
    "weight:given": ("给定权重", "Given", "使用指标体系中的权重列", "the weights written in the framework"),
    "weight:ahp": ("层次分析法", "AHP", "需要判断矩阵（在 run.toml 中给出）", "needs pairwise matrices (given in run.toml)"),
    "weight:combined": ("组合赋权", "Combined", "组合多种客观赋权（在 run.toml 中设置）", "combination of objective methods (set in run.toml)"),
    "aggregate:arithmetic": ("加权算术平均", "Weighted arithmetic mean", "逐层加权求和", "weighted sums up the hierarchy"),
    "aggregate:geometric": ("加权几何平均", "Weighted geometric mean", "逐层加权几何平均（要求正值）", "weighted geometric means (values must be positive)"),
    "aggregate:harmonic": ("加权调和平均", "Weighted harmonic mean", "逐层加权调和平均", "weighted harmonic means"),
    "aggregate:topsis": ("TOPSIS法", "TOPSIS", "与正、负理想解的相对贴近度", "relative closeness to the ideal and anti-ideal points"),
    "aggregate:copeland": ("Copeland法", "Copeland", "两两比较的胜负计数", "pairwise win–loss counts"),
    "scope:pooled": ("全局（面板）", "Pooled (panel)", "所有年份一起计算，得分跨年可比", "all years together; scores comparable over time"),
    "scope:year": ("逐年（截面）", "Per year", "每年单独计算，得分只在当年内可比", "each year on its own; scores comparable within a year"),
    "scope:base_year": ("基期", "Base year", "以基期年份为参照", "the base year is the reference"),
}

#: the option lists, from the Literal types of the config models (one source for config, CLI and app)
_STEPS = {
    "impute": ImputeConfig.model_fields["method"].annotation,
    "treat": TreatConfig.model_fields["method"].annotation,
    "normalise": NormaliseConfig.model_fields["method"].annotation,
    "weight": WeightConfig.model_fields["method"].annotation,
    "aggregate": AggregateConfig.model_fields["method"].annotation,
}
_SCOPES = {
    "normalise": NormaliseConfig.model_fields["scope"].annotation,
    "weight": WeightConfig.model_fields["scope"].annotation,
    "treat": TreatConfig.model_fields["scope"].annotation,
}


def _option(step: str, value: str) -> dict[str, Any]:
    zh, en, line_zh, line_en = _TEXT.get(f"{step}:{value}", (value, value, "", ""))
    formula = STEP_FORMULAS.get(f"{step}:{value}")
    return {"value": value, "zh": zh, "en": en, "line_zh": line_zh, "line_en": line_en,
            "formula": formula[2] if formula else "", "formula_title": formula[0] if formula else "",
            "formula_title_en": formula[1] if formula else ""}


def methods_catalogue() -> dict[str, Any]:
    """``{step: {"options": [...], "scopes": [...]}}`` for the methods page."""
    out = {}
    for step, lit in _STEPS.items():
        out[step] = {"options": [_option(step, v) for v in typing.get_args(lit)],
                     "scopes": [_option("scope", v) for v in typing.get_args(_SCOPES[step])] if step in _SCOPES else []}
    return out


METHODS = methods_catalogue()

#: presets: the method sections they set (everything else keeps its value)
PRESETS: list[dict[str, Any]] = [
    {"id": "typical", "zh": "典型论文：逐年熵值法，平移 0.0001", "en": "Typical paper: per-year entropy, shift 0.0001",
     "methods": {"impute": {"method": "linear"}, "treat": {"method": "none"},
                 "normalise": {"method": "minmax", "scope": "year", "shift": 0.0001},
                 "weight": {"method": "entropy", "scope": "year"}, "aggregate": {"method": "arithmetic"}}},
    {"id": "panel", "zh": "面板可比：全局极差标准化 + 全局熵值法", "en": "Comparable over time: pooled min–max + pooled entropy",
     "methods": {"impute": {"method": "linear"}, "treat": {"method": "coinr", "scope": "pooled"},
                 "normalise": {"method": "minmax", "scope": "pooled", "shift": 0.0},
                 "weight": {"method": "entropy", "scope": "pooled"}, "aggregate": {"method": "arithmetic"}}},
    {"id": "topsis", "zh": "熵权TOPSIS", "en": "Entropy-weighted TOPSIS",
     "methods": {"impute": {"method": "linear"}, "treat": {"method": "none"},
                 "normalise": {"method": "minmax", "scope": "pooled", "shift": 0.0},
                 "weight": {"method": "entropy", "scope": "pooled"}, "aggregate": {"method": "topsis"}}},
    {"id": "critic", "zh": "CRITIC 赋权 + 加权平均", "en": "CRITIC weights + weighted mean",
     "methods": {"impute": {"method": "linear"}, "treat": {"method": "none"},
                 "normalise": {"method": "minmax", "scope": "pooled", "shift": 0.0},
                 "weight": {"method": "critic", "scope": "pooled"}, "aggregate": {"method": "arithmetic"}}},
]

#: analyses of the [analysis] stage, with names
_ANALYSIS_TEXT = {
    "dagum": ("Dagum基尼系数分解", "Dagum Gini decomposition"), "theil": ("泰尔指数", "Theil index"),
    "inequality": ("不平等指标", "Inequality measures"), "density": ("核密度估计", "Kernel density"),
    "markov": ("马尔可夫链", "Markov chain"), "spatial-markov": ("空间马尔可夫链", "Spatial Markov chain"),
    "moran": ("全局莫兰指数", "Global Moran's I"), "lisa": ("局部莫兰指数", "Local Moran (LISA)"),
    "sigma": ("σ收敛", "σ-convergence"), "beta": ("β收敛", "β-convergence"), "club": ("俱乐部收敛", "Club convergence"),
    "coupling": ("耦合协调度", "Coupling coordination"), "obstacle": ("障碍度", "Obstacle degree"),
    "typology": ("类型划分", "Typology"),
}
ANALYSES = [{"value": k, "zh": _ANALYSIS_TEXT.get(k, (k, k))[0], "en": _ANALYSIS_TEXT.get(k, (k, k))[1]}
            for k in ANALYSIS_KINDS]

#: spatial weights offered for Moran's I / LISA / spatial Markov (province data)
SPATIAL_WEIGHTS = [{"value": v, "zh": zh, "en": en} for v, zh, en in (
    ("queen", "邻接（queen）", "Contiguity (queen)"), ("inverse_distance", "反距离", "Inverse distance"),
    ("inverse_distance_sq", "反距离平方", "Inverse squared distance"), ("economic", "经济距离", "Economic distance"),
    ("nested", "经济地理嵌套", "Economic–geographic nested"))]

#: the stages the app can switch on, with names; ``spatial``: needs provinces (spatial weights)
STAGES = [
    {"value": "analysis", "zh": "分析（差异、动态、空间、收敛、障碍度）", "en": "Analyses (inequality, dynamics, spatial, convergence, obstacles)"},
    {"value": "sensitivity", "zh": "不确定性与敏感性分析", "en": "Uncertainty and sensitivity"},
    {"value": "validation", "zh": "指数检验", "en": "Index validation"},
    {"value": "paths", "zh": "发展路径指南", "en": "Path guides"},
    {"value": "report", "zh": "报告、工作簿与图表", "en": "Report, workbooks and figures"},
]


def sensitivity_defaults(n: int = 128) -> dict[str, Any]:
    """The ``[sensitivity]`` section the app proposes: the demo's factors that fit any framework (scope, weighting,
    aggregation, outlier treatment), ``n`` Monte Carlo runs."""
    from ..datasets import DEMO_SENSITIVITY

    factors = [f for f in DEMO_SENSITIVITY["factors"] if f.get("kind", "options") == "options"]
    return {"n": int(n), "seed": DEMO_SENSITIVITY.get("seed", 1), "analyses": ["uncertainty", "sensitivity", "oat"],
            "factors": factors}
