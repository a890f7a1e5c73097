"""The typed view of a run that every report works from (workbook, journal tables, figures, HTML, dashboard).

:class:`RunTables` holds the index result, the tables of the stages before the report with their kinds, the
path guides and the stages that ran. The report stage builds it from the run in memory
(:meth:`RunTables.from_outputs`), ``nqpf report DIR`` and ``nqpf serve DIR`` from the saved run
(:func:`collect`, reading what ``stages.json`` lists) — the same object either way. Stage tables are assigned
to report sections through :data:`SECTIONS` (extend with :func:`register_section`).
"""
from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

import pandas as pd

from .._errors import DataError
from ..index.result import IndexResult, csv_encoding_of, load_result, read_run_csv, write_csv

__all__ = ["Section", "SECTIONS", "register_section", "section_of", "RunTables", "collect", "read_stages", "core_tables", "quality_tables",
           "COLUMN_LABELS", "TABLE_COLUMN_LABELS", "TABLE_CAPTIONS", "column_label", "table_kind", "table_caption",
           "REPORT_DIRS", "unit_labels", "is_province_run"]

#: sub-folders of a run directory that the report writes (never read back as stage tables)
REPORT_DIRS = ("figures", "report", "journal")


@dataclass(frozen=True)
class Section:
    """A section of the HTML report.

    Attributes
    ----------
    name : section id (HTML anchor).
    title_zh, title_en : headings.
    match : ``match(stage, table_name) -> bool`` — which stage tables belong here.
    order : position in the report.
    builder : optional ``builder(run_tables, lang) -> str`` adding HTML before the tables.
    """

    name: str
    title_zh: str
    title_en: str
    match: Callable[[str, str], bool]
    order: int = 50
    builder: Callable[..., str] | None = None


SECTIONS: dict[str, Section] = {}


def register_section(name: str, *, title_zh: str, title_en: str, match: Callable[[str, str], bool] | None = None,
                     order: int = 50, builder: Callable[..., str] | None = None) -> Section:
    """Register (or replace) a report section; new result types plug in here.

    Parameters
    ----------
    name
        Section id.
    title_zh, title_en
        Headings in Chinese and English.
    match
        ``match(stage, table) -> bool``: stage tables shown in this section (default: none).
    order
        Sort key of the section in the report.
    builder
        Optional callable ``builder(run_tables, lang) -> str`` returning extra HTML.

    Examples
    --------
    >>> s = register_section("forecast", title_zh="预测", title_en="Forecast", match=lambda st, t: st == "forecast")
    >>> section_of("forecast", "paths")
    'forecast'
    >>> _ = SECTIONS.pop("forecast")
    """
    sec = Section(name, title_zh, title_en, match or (lambda stage, table: False), order, builder)
    SECTIONS[name] = sec
    return sec


def _kw(*words: str, stage: str | None = None) -> Callable[[str, str], bool]:
    pat = re.compile("|".join(words))

    def match(st: str, table: str) -> bool:
        return (stage is None or st == stage) and bool(pat.search(table.lower()))

    return match


register_section("summary", title_zh="概要", title_en="Summary", order=0)
register_section("rankings", title_zh="排名", title_en="Rankings", order=10)
register_section("maps", title_zh="地图", title_en="Maps", order=20)
def _builder(name: str) -> Callable[..., str]:
    """A section builder of :mod:`nqpf.report.sections`, imported when the report is written."""
    def build(run, lang):
        from . import sections

        return getattr(sections, name)(run, lang)

    return build


register_section("quality", title_zh="数据质量", title_en="Data quality", order=25,
                 match=lambda st, t: st == "quality", builder=_builder("quality_section_html"))
register_section("validation", title_zh="指数验证", title_en="Validation", order=27,
                 match=lambda st, t: st == "validation", builder=_builder("validation_section_html"))
register_section("elements", title_zh="要素结构", title_en="Elements", order=30,
                 match=_kw("typology", stage="analysis"))
register_section("inequality", title_zh="区域差异", title_en="Inequality", order=40,
                 match=_kw("dagum", "theil", "gini", "inequality", "measures"))
register_section("dynamics", title_zh="分布动态", title_en="Dynamics", order=50,
                 match=_kw("density", "kernel", "markov", "curves", "descriptors", "transition"))
register_section("spatial", title_zh="空间相关", title_en="Spatial", order=60,
                 match=_kw("moran", "lisa", "geary", "spatial_w", "weights_edges"))
register_section("convergence", title_zh="收敛性", title_en="Convergence", order=70,
                 match=_kw("sigma", "beta", "club", "convergence"))
register_section("integration", title_zh="数实融合（耦合协调）", title_en="Integration (coupling coordination)", order=80,
                 match=_kw("coupling"))
register_section("obstacles", title_zh="障碍因素", title_en="Obstacles", order=90, match=_kw("obstacle"))
register_section("sensitivity", title_zh="稳健性与敏感性", title_en="Sensitivity", order=100,
                 match=lambda st, t: st == "sensitivity")
register_section("explain", title_zh="影响因素", title_en="Explanation (regressions)", order=105,
                 match=lambda st, t: st == "explain")
register_section("gtfp", title_zh="绿色全要素生产率", title_en="GTFP", order=106, match=lambda st, t: st == "gtfp")
register_section("guides", title_zh="发展路径指南", title_en="Path guides", order=110, match=lambda st, t: st == "paths")
register_section("methods", title_zh="方法说明", title_en="Methods", order=120,
                 match=lambda st, t: t == f"{st}_log" or t.endswith("_log"))
register_section("provenance", title_zh="数据来源", title_en="Data provenance", order=130)
#: stage tables no section claims go here
register_section("other", title_zh="其他结果", title_en="Other results", order=115)


def section_of(stage: str, table: str) -> str:
    """The section a stage table belongs to (first matching section by order; ``other`` if none).

    Examples
    --------
    >>> section_of("analysis", "dagum_totals"), section_of("analysis", "lisa_local"), section_of("x", "y")
    ('inequality', 'spatial', 'other')
    """
    for sec in sorted(SECTIONS.values(), key=lambda s: s.order):
        if sec.match(stage, table):
            return sec.name
    return "other"


#: readable headers (zh, en) of common columns; unknown columns keep their name. Letters whose meaning
#: depends on the table (C, T, D, G, I, L …) are in :data:`TABLE_COLUMN_LABELS`, never here.
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "unit": ("地区代码", "Code"), "unit_name": ("地区", "Unit"), "name_en": ("英文名", "Name (en)"),
    "year": ("年份", "Year"), "node": ("节点", "Node"), "score": ("得分", "Score"), "rank": ("排名", "Rank"),
    "indicator": ("指标", "Indicator"), "value": ("数值", "Value"), "weight": ("权重", "Weight"),
    "effective_weight": ("综合权重", "Effective weight"), "parent": ("上级节点", "Parent"), "level": ("层级", "Level"),
    "region4": ("四大区域", "Region"), "region4_zh": ("四大区域（中文）", "Region (zh)"), "belt3": ("三大地带", "Belt"),
    "belt3_zh": ("三大地带（中文）", "Belt (zh)"), "reason": ("原因", "Reason"), "step": ("步骤", "Step"),
    "old": ("原值", "Old"), "new": ("新值", "New"), "obstacle": ("障碍度", "Obstacle degree"),
    "obstacle_pct": ("障碍度（%）", "Obstacle degree (%)"), "group": ("组别", "Group"), "mean": ("均值", "Mean"),
    "n": ("样本数", "n"), "path": ("路径", "Path"), "priority": ("优先度", "Priority"), "note": ("说明", "Note"),
    "node_name": ("节点名称", "Node name"), "status": ("状态", "Status"), "scope": ("范围", "Scope"),
    "dimension": ("维度", "Dimension"), "member": ("成员指标", "Member"), "flag": ("提示", "Flag"),
    "threshold": ("阈值", "Threshold"), "rule": ("规则", "Rule"), "check": ("检验代码", "Check id"),
    "var_a": ("变量 A", "Variable A"), "var_b": ("变量 B", "Variable B"), "kind": ("类型", "Kind"),
    "pearson": ("Pearson 相关系数", "Pearson r"), "pearson_p": ("Pearson p 值", "Pearson p"),
    "spearman": ("Spearman 相关系数", "Spearman rho"), "spearman_p": ("Spearman p 值", "Spearman p"),
    "kendall": ("Kendall τ", "Kendall tau"), "kendall_p": ("Kendall p 值", "Kendall p"), "source": ("来源", "Source"),
    "share_external_in_interval": ("外部排名落在区间内的比例", "Share of external ranks in interval"),
    "share_nominal_in_interval": ("名义排名落在区间内的比例", "Share of nominal ranks in interval"),
    "mean_interval_width": ("平均区间宽度", "Mean interval width"),
    "n_a": ("A 组样本数", "n (A)"), "n_b": ("B 组样本数", "n (B)"), "mean_a": ("A 组均值", "Mean (A)"),
    "mean_b": ("B 组均值", "Mean (B)"), "median_a": ("A 组中位数", "Median (A)"), "median_b": ("B 组中位数", "Median (B)"),
    "median_diff": ("中位数差", "Median difference"), "rank_biserial": ("秩二列相关", "Rank-biserial r"),
    "mw_u": ("Mann–Whitney U", "Mann–Whitney U"), "welch_t": ("Welch t", "Welch t"), "observed": ("实际方向", "Observed"),
    "significant": ("显著", "Significant"), "units_a": ("A 组地区", "Units (A)"), "position": ("位置", "Position"),
    "top_indicator": ("贡献最大的指标", "Top indicator"), "top_indicator_name": ("贡献最大的指标名称", "Top indicator name"),
    "top_normalised": ("其标准化值", "Its normalised value"), "top_weight": ("其权重", "Its weight"),
    "top_share": ("其占加权和比例", "Its share of the weighted sum"), "analyst_note": ("分析者备注", "Analyst note"),
    "term": ("变量", "Term"), "coef": ("系数", "Coefficient"), "std_error": ("标准误", "Std. error"), "se": ("标准误", "Std. error"),
    "p_value": ("p 值", "p-value"), "p": ("p 值", "p"), "t": ("t 值", "t"), "z": ("z 值", "z"),
    "ci_lower": ("置信区间下限", "CI lower"), "ci_upper": ("置信区间上限", "CI upper"),
    "ci_low": ("置信区间下限", "CI lower"), "ci_high": ("置信区间上限", "CI upper"),
    "model": ("模型", "Model"), "statistic": ("统计量", "Statistic"), "effect": ("效应", "Effect"),
    "estimate": ("估计值", "Estimate"), "test": ("检验", "Test"), "method": ("方法", "Method"),
    "preferred": ("推荐模型", "Preferred"), "chi2": ("χ² 统计量", "Chi-squared"), "df": ("自由度", "df"),
    "nobs": ("观测数", "Observations"), "message": ("信息", "Message"), "analysis": ("分析", "Analysis"),
    "grouping": ("分组变量", "Grouping"), "factor": ("因素", "Factor"), "choice": ("选项", "Choice"),
    "nominal": ("名义排名", "Nominal rank"), "state": ("状态", "State"), "from_state": ("初始状态", "From state"),
    "steady_state": ("稳态概率", "Steady state"), "measure": ("测度", "Measure"), "slope": ("斜率", "Slope"),
    "converging": ("是否收敛", "Converging"), "converges": ("是否收敛", "Converges"), "club": ("俱乐部", "Club"),
    "label": ("标签", "Label"), "type": ("类型", "Type"), "role": ("角色", "Role"), "title": ("标题", "Title"),
    "east": ("东部", "East"), "central": ("中部", "Central"), "west": ("西部", "West"), "northeast": ("东北", "Northeast"),
    "sd": ("标准差", "SD"), "cv": ("变异系数", "CV"), "gini": ("基尼系数", "Gini"), "sigma": ("σ 值", "Sigma"),
    "significant_5": ("5% 水平显著", "Significant at 5%"), "silhouette": ("轮廓系数", "Silhouette"),
    "low": ("低水平", "Low"), "lower-middle": ("中低水平", "Lower-middle"), "upper-middle": ("中高水平", "Upper-middle"),
    "high": ("高水平", "High"), "cluster": ("集聚类型", "Cluster"), "quadrant": ("象限", "Quadrant"),
    "id": ("代码", "Id"), "members": ("成员", "Members"), "units": ("地区数", "Units"), "share": ("占比", "Share"),
}

#: the data-quality tables of the report (``quality`` section): findings, counts and framework coverage
QUALITY_LABELS: dict[str, tuple[str, str]] = {
    "series": ("原始序列", "Raw series"), "years": ("年份", "Years"), "rule": ("规则", "Rule"),
    "statistic": ("统计量", "Statistic"), "threshold": ("阈值", "Threshold"), "severity": ("严重程度", "Severity"),
    "action": ("处理", "Action"), "detail": ("说明", "Detail"), "used": ("框架使用", "Used by the framework"),
    "units": ("涉及地区", "Units"), "n_units": ("地区数", "Units (n)"), "source": ("来源序列", "Input series"),
    "findings": ("发现数", "Findings"), "element": ("要素", "Element"), "driver": ("AI驱动", "AI driver"),
    "type": ("类型", "Type"), "computed": ("已计算指标", "Computed"), "declared": ("已声明缺数据", "Declared"),
    "declared_with_data": ("声明且有数据", "Declared with data"), "declared_missing": ("缺数据的声明指标", "Declared, no data"),
    "weight_share": ("权重占比", "Weight share"),
    "n_used": ("所用指标", "Indicators used"), "n_indicators": ("应有指标", "Indicators in node"),
    "missing": ("缺失指标", "Missing indicators"),
}

#: headers that depend on the kind of table, keyed by the table-name prefix (``coupling_coupling`` → ``coupling``)
TABLE_COLUMN_LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "coupling": {"C": ("耦合度", "Coupling C"), "T": ("综合发展指数", "Development T"),
                 "D": ("耦合协调度", "Coordination D")},
    "moran": {"I": ("莫兰指数 I", "Moran's I"), "C": ("吉尔里指数 C", "Geary's C")},
    "geary": {"C": ("吉尔里指数 C", "Geary's C")},
    "theil": {"T": ("泰尔指数 T", "Theil T"), "L": ("泰尔指数 L", "Theil L")},
    "dagum": {"G": ("总体基尼系数", "Gini G")},
    "findings": QUALITY_LABELS, "rule_counts": QUALITY_LABELS, "coverage": QUALITY_LABELS, "partial": QUALITY_LABELS,
    "coherence": {"dimension": ("维度", "Dimension"), "name": ("名称", "Name"), "k": ("指标数", "k"),
                  "alpha": ("Cronbach's α", "Cronbach's alpha"), "pca_var1": ("第一主成分方差占比", "PC1 variance share"),
                  "n_eig_gt1": ("特征值>1个数", "Eigenvalues > 1"), "mean_r": ("平均相关系数", "Mean r"), "flags": ("提示", "Flags")},
    "known_groups": {"title": ("检验", "Check"), "node_name": ("节点", "Node"), "group_a": ("组 A", "Group A"),
                     "group_b": ("组 B", "Group B"), "expected": ("预期", "Expected"), "mean_diff": ("均值差", "Mean difference"),
                     "cohens_d": ("Cohen's d", "Cohen's d"), "cliffs_delta": ("Cliff's δ", "Cliff's delta"),
                     "mw_p": ("Mann–Whitney p", "Mann–Whitney p"), "welch_p": ("Welch p", "Welch p"),
                     "agrees": ("符合预期", "As expected"), "status": ("状态", "Status")},
    "indicators": {"unit": ("计量单位", "Unit of measure")},  # the framework's indicator table (report provenance)
}

#: captions of tables whose cells need a word of explanation (HTML report and workbook README)
TABLE_CAPTIONS: dict[str, tuple[str, str]] = {
    "findings": ("数据质量筛查的发现：每行一个地区×序列×年份区间，规则、统计量与阈值、严重程度和处理方式；“框架使用”为否的序列只报告、不改动。",
                 "Findings of the data-quality screen: one row per unit × series × years, with the rule, statistic and "
                 "threshold, severity and action; series the framework does not use are reported, not changed."),
    "coverage": ("框架测量了什么：按要素 × AI驱动 × 类型统计已计算指标与声明但无数据的指标，以及有效权重占比。",
                 "What the framework measures: computed and declared-without-data indicators by element × AI driver × "
                 "type, with their share of the effective weight."),
    "partial": ("部分覆盖：只由节点下部分指标计算的地区-年份-节点得分（其余指标缺失，现有指标权重重新归一化）；"
                "“权重占比”为所用指标在节点中的权重之和，“缺失指标”为未能使用的指标。这些得分测量的内容少于其他地区。",
                "Partial coverage: unit-year-node scores computed from only some of the node's indicators (the others are "
                "missing; the weights of the present ones were re-normalised); weight share is the share of the node's "
                "weight the used indicators carry. These scores measure less than the others."),
    "coherence": ("各维度的统计一致性：指标数 k、Cronbach's α（≥ 0.7 为可接受）、第一主成分解释方差比例、特征值大于 1 的个数、"
                  "平均相关系数与提示。",
                  "Statistical coherence per dimension: indicators k, Cronbach's alpha (≥ 0.7 acceptable), variance "
                  "share of the first principal component, eigenvalues > 1, mean correlation and flags."),
    "known_groups": ("事先声明预期方向的已知组比较：均值差、Cohen's d、Cliff's δ、Mann–Whitney 与 Welch 检验的 p 值。",
                     "Known-group comparisons with the direction stated in advance: mean difference, Cohen's d, "
                     "Cliff's delta, Mann–Whitney and Welch p-values."),
    "markov_mfpt": ("平均首达时间（步数，即年数）；对角线为平均返回时间。空白（NaN）表示从该状态不能以概率 1 到达目标状态"
                    "（马尔可夫链可约时，如存在吸收状态），首达时间无定义，原因见“说明”列。",
                    "Mean first-passage times (steps, i.e. years); the diagonal holds mean recurrence times. Blank (NaN): the "
                    "target is not reached from that state with probability 1 (a chain that is not irreducible, "
                    "e.g. with an absorbing state), so the time is undefined; the Note column says why."),
}


#: headers of the columns X of pairs X_zh / X_en (each language shows its own)
_PAIR_LABELS: dict[str, tuple[str, str]] = {
    "class": ("协调等级", "Class"), "stage": ("发展阶段", "Stage"), "relative": ("相对发展类型", "Relative development"),
    "description": ("说明", "Description"), "title": ("标题", "Title"), "explanation": ("解释", "Explanation"),
    "reason": ("理由", "Reason"), "common_node": ("共同节点", "Common node"), "name": ("名称", "Name"),
}


def table_kind(table: str | None) -> str | None:
    """The key of :data:`TABLE_COLUMN_LABELS` a table belongs to (longest matching name prefix), or None.

    Examples
    --------
    >>> table_kind("moran_global"), table_kind("coupling_coupling"), table_kind("theil_totals"), table_kind("scores")
    ('moran', 'coupling', 'theil', None)
    """
    if not table:
        return None
    t = str(table)
    hits = [k for k in TABLE_COLUMN_LABELS if t == k or t.startswith(k + "_")]
    return max(hits, key=len) if hits else None


def column_label(col: str, lang: Literal["zh", "en"], table: str | None = None) -> str:
    """Readable header of a column of ``table`` (year columns and unknown names unchanged).

    The table's kind (:func:`table_kind`) is looked up first, so that the same letter gets the
    header of its own measure (``C`` is Geary's C in ``moran_global`` and the coupling degree in
    ``coupling_coupling``; without a table such letters keep their name).

    Examples
    --------
    >>> column_label("unit_name", "zh"), column_label("unit_name", "en"), column_label("2022", "zh")
    ('地区', 'Unit', '2022')
    >>> column_label("C", "en", "moran_global"), column_label("C", "en", "coupling_coupling"), column_label("C", "en")
    ("Geary's C", 'Coupling C', 'C')
    """
    kind = table_kind(table)
    pair = TABLE_COLUMN_LABELS[kind].get(str(col)) if kind else None
    pair = pair or COLUMN_LABELS.get(str(col))
    c = str(col)
    if pair is None and c[-3:] in ("_zh", "_en"):  # one of a pair X_zh / X_en: the page shows one, headed X
        base = _PAIR_LABELS.get(c[:-3]) or COLUMN_LABELS.get(c[:-3])
        pair = base
    if pair is None:
        return str(col)
    return pair[0] if lang == "zh" else pair[1]


def table_caption(table: str | None, lang: Literal["zh", "en"]) -> str:
    """Caption of a table (:data:`TABLE_CAPTIONS`), "" when it has none.

    Examples
    --------
    >>> table_caption("markov_mfpt", "en").startswith("Mean first-passage"), table_caption("scores", "zh")
    (True, '')
    """
    pair = TABLE_CAPTIONS.get(str(table)) if table else None
    return "" if pair is None else (pair[0] if lang == "zh" else pair[1])


def unit_labels(units: pd.DataFrame, lang: Literal["zh", "en"]) -> pd.Series:
    """Display names of the units (``name_en`` for English, falling back to ``unit_name``), indexed by unit.

    Examples
    --------
    >>> import pandas as pd
    >>> u = pd.DataFrame({"unit": ["110000", "AUS"], "unit_name": ["北京", "Australia"], "name_en": ["Beijing", ""]})
    >>> unit_labels(u, "en").tolist()
    ['Beijing', 'Australia']
    """
    u = units.set_index(units["unit"].astype(str))
    zh = u["unit_name"].astype(str) if "unit_name" in u.columns else pd.Series(u.index, index=u.index)
    if lang == "zh" or "name_en" not in u.columns:
        return zh
    en = u["name_en"].astype(str)
    return en.where(en.str.strip().ne("") & en.ne("nan"), zh)


def is_province_run(units: pd.DataFrame) -> bool:
    """True when most units are mainland provinces by GB/T 2260 code (then China maps are drawn).

    Examples
    --------
    >>> import pandas as pd
    >>> is_province_run(pd.DataFrame({"unit": ["110000", "440000"]})), is_province_run(pd.DataFrame({"unit": ["AUS"]}))
    (True, False)
    """
    from ..datasets import PROVINCES

    codes = units["unit"].astype(str)
    return len(codes) > 0 and float(codes.isin(list(PROVINCES)).mean()) >= 0.5


@dataclass
class RunTables:
    """Everything the reports show: one typed view of a run.

    The report stage builds it from the run in memory (:meth:`from_outputs`: the index result and the
    earlier stages' :class:`~nqpf._stages.StageOutput`), ``nqpf report DIR`` and ``nqpf serve DIR`` from the
    saved run (:func:`collect`); both give the same object, so both write the same files.

    Attributes
    ----------
    run_dir : the run folder.
    result : the :class:`~nqpf.index.result.IndexResult`.
    stage_tables : ``{(stage, table): DataFrame}`` — every table of the stages before the report, as saved
        under ``DIR/<stage>/`` (sorted by stage and table name), then the data-quality tables.
    kinds : ``{(stage, table): kind}`` — what each table is (:meth:`~nqpf._stages.StageOutput.table_kinds`,
        ``dagum.totals``, ``uncertainty.rank_stats`` …; recorded in ``stages.json``); figures are chosen by it.
    guides : ``{(unit, lang): markdown}`` of the path guides (``DIR/paths/guides/*.md``).
    guide_data : ``{file name: dict}`` of the JSON guides (``DIR/paths/guides/*.json``; the unit profiles).
    stages : names of the stages that ran before the report.
    """

    run_dir: Path
    result: IndexResult
    stage_tables: dict[tuple[str, str], pd.DataFrame] = field(default_factory=dict)
    guides: dict[tuple[str, str], str] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    kinds: dict[tuple[str, str], str] = field(default_factory=dict)
    guide_data: dict[str, dict] = field(default_factory=dict)

    @cached_property
    def ids(self) -> frozenset[str]:
        """Ids of the run's framework nodes, groupings and indicators and of its scored nodes (shown as code in
        tables); computed once per run, not once per table."""
        fw = self.result.framework
        out = {str(x) for x in fw.indicators} | {str(x) for x in fw.to_frame()["id"]}
        if "node" in self.result.scores:
            out |= {str(x) for x in self.result.scores["node"].unique()}
        return frozenset(out)

    def kind(self, stage: str, table: str) -> str:
        """The kind of a stage table (its name when no kind is recorded)."""
        return self.kinds.get((stage, table), table)

    def of_kind(self, *kinds: str) -> list[tuple[tuple[str, str], pd.DataFrame]]:
        """Stage tables whose kind is one of ``kinds``, in report order."""
        return [(k, t) for k, t in self.stage_tables.items() if self.kind(*k) in kinds]

    @classmethod
    def from_outputs(cls, result: IndexResult, outputs: Mapping[str, Any], run_dir: str | Path, *,
                     saved: bool = False) -> "RunTables":
        """The view of a run in memory: ``outputs`` are the :class:`~nqpf._stages.StageOutput` of the stages that
        ran before the report (``StageContext.earlier``); their tables, table kinds (from their results) and
        guide files are taken from memory, nothing is searched for on disk (but see ``saved``).

        The report shows what the run folder holds, to the last digit: every stage table is taken as saved (the
        CSV round trip of :func:`~nqpf.index.result.write_csv` and :func:`~nqpf.index.result.read_run_csv`), and
        the index ``result`` in its saved form, read from ``run_dir`` where the run saved it before the stages ran
        (:func:`~nqpf.index.result.load_result`: ranks with gaps as floats, codes as text, the portable manifest).

        ``saved=True``: the run has just saved these stages' tables under ``run_dir/<stage>/`` (the report stage of
        a run, and the figures it draws ahead); they are read from there instead of being written a second time.
        """
        from .._stages import StageOutput

        index = load_result(run_dir)
        enc = csv_encoding_of(index.manifest)
        tables: dict[tuple[str, str], pd.DataFrame] = {}
        kinds: dict[tuple[str, str], str] = {}
        files: dict[str, str] = {}
        for stage in sorted(outputs):
            out = StageOutput.from_mapping(outputs[stage])
            tk = out.table_kinds()
            for name in sorted(out.tables):
                f = Path(run_dir) / stage / f"{name}.csv"
                table = (_read_saved(f) if saved and f.is_file() else _as_saved(out.tables[name], encoding=enc))
                if table is not None:
                    tables[(stage, name)] = table
                    kinds[(stage, name)] = tk[name]
            if stage == "paths":
                files = dict(out.artefacts.get("guide_files") or {})
        return cls._make(Path(run_dir), index, tables, kinds, files, sorted(outputs))

    @classmethod
    def _make(cls, run_dir: Path, result: IndexResult, tables: dict, kinds: dict, guide_files: Mapping[str, str],
              stages: list[str]) -> "RunTables":
        guides = {}
        for name in sorted(n for n in guide_files if n.endswith(".md")):
            parts = name.split(".")
            guides[(name.split("_", 1)[0], parts[-2] if len(parts) >= 3 else "zh")] = guide_files[name]
        data = {name: json.loads(guide_files[name]) for name in sorted(n for n in guide_files if n.endswith(".json"))}
        q = quality_tables(result)
        tables.update(q)
        kinds.update({k: f"quality.{k[1]}" for k in q})
        return cls(run_dir=run_dir, result=result, stage_tables=tables, guides=guides, stages=stages, kinds=kinds,
                   guide_data=data)


#: what :func:`read_run_csv` is told about the types of the columns of stage tables (codes stay text)
_STAGE_DTYPES = {"unit": str, "j": str, "h": str, "group": str}


def _as_saved(table: Any, *, encoding: str) -> pd.DataFrame | None:
    """A stage table as a run saves it and :func:`collect` reads it back (None: a table saved as an empty file)."""
    if not isinstance(table, pd.DataFrame):
        return None
    buf = io.StringIO()
    write_csv(table, buf, encoding=encoding)
    text = buf.getvalue()
    if not text.strip():  # a table without columns: its file holds no header
        return None
    return read_run_csv(io.StringIO(text), dtype=_STAGE_DTYPES)


def _read_saved(f: Path) -> pd.DataFrame | None:
    """A stage table saved by a run (None: saved as an empty file, a table without columns)."""
    if f.stat().st_size <= 8 and not f.read_bytes().lstrip(b"\xef\xbb\xbf").strip():
        return None
    return read_run_csv(f, dtype=_STAGE_DTYPES)


def collect(run_dir: str | Path) -> RunTables:
    """Read a saved run: the index result, the tables ``stages.json`` lists (with their kinds) and the path guides.

    Raises
    ------
    DataError
        When ``run_dir`` is not a run directory (no ``scores.csv``).
    """
    d = Path(run_dir)
    if not d.is_dir():
        raise DataError(f"nqpf report: the run directory does not exist; got {str(run_dir)!r}. "
                        "Give the --out folder of 'nqpf build' or 'nqpf demo'.")
    result = load_result(d)
    listed = read_stages(d)
    tables: dict[tuple[str, str], pd.DataFrame] = {}
    kinds: dict[tuple[str, str], str] = {}
    for stage in sorted(listed):
        for name in sorted(listed[stage]):
            f = d / stage / f"{name}.csv"
            table = _read_saved(f) if f.is_file() else None
            if table is not None:
                tables[(stage, name)] = table
                kinds[(stage, name)] = listed[stage][name]
    files = {}
    gdir = d / "paths" / "guides"
    if "paths" in listed and gdir.is_dir():
        files = {f.name: f.read_text(encoding="utf-8") for f in sorted(gdir.iterdir()) if f.suffix in (".md", ".json")}
    return RunTables._make(d, result, tables, kinds, files, sorted(listed))


def read_stages(run_dir: str | Path) -> dict[str, dict[str, str]]:
    """``{stage: {table: kind}}`` of the stages before the report, from ``DIR/stages.json``.

    A run written before kinds were recorded (``{stage: [names]}``) gets its tables' names as kinds, and a
    folder without ``stages.json`` every CSV of its stage folders (no table then gets a stage figure).
    """
    d = Path(run_dir)
    p = d / "stages.json"
    if not p.is_file():
        return {sub.name: {f.stem: f.stem for f in sorted(sub.glob("*.csv"))}
                for sub in sorted(d.iterdir()) if sub.is_dir() and sub.name in _stage_names()}
    raw = json.loads(p.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for stage, entry in raw.items():
        if stage == "report":
            continue
        if isinstance(entry, Mapping):
            out[stage] = {str(k): str(v) for k, v in (entry.get("tables") or {}).items()}
        else:
            out[stage] = {str(n): str(n) for n in entry if not str(n).startswith("_")}
    return out


def _stage_names() -> set[str]:
    from ..index.config import STAGE_SECTIONS

    return set(STAGE_SECTIONS) - {"report"}


def quality_tables(result: IndexResult) -> dict[tuple[str, str], pd.DataFrame]:
    """The report's data-quality tables: counts by rule, the findings (series the framework uses first),
    what the framework measures (coverage by element × driver × type, declared indicators without data), and
    the unit-year × nodes scored from partial coverage (``partial``; none when every score used all indicators)."""
    out: dict[tuple[str, str], pd.DataFrame] = {}
    q = result.quality
    if q is not None and len(q):
        q = q.copy()
        if "used" in q:
            q["used"] = q["used"].astype(str).str.lower().isin(["true", "1"])
        counts = (q.groupby(["rule", "severity", "action"] + (["used"] if "used" in q else []), dropna=False)
                  .size().rename("findings").reset_index())
        out[("quality", "rule_counts")] = counts
        keep = [c for c in ("unit", "series", "years", "rule", "statistic", "threshold", "severity", "action", "used",
                            "detail") if c in q.columns]
        order = q.assign(_u=~q.get("used", True), _s=q["severity"].map({"high": 0, "medium": 1, "low": 2}))
        out[("quality", "findings")] = order.sort_values(["_u", "_s", "series", "unit"], kind="stable")[keep].reset_index(drop=True)
    if result.coverage is not None and len(result.coverage):
        out[("quality", "coverage")] = result.coverage.copy()
    part = getattr(result, "partial", None)
    if part is not None and len(part):  # scores computed from fewer than all their indicators (min_coverage < 1)
        out[("quality", "partial")] = part.sort_values([c for c in ("node", "year", "unit") if c in part.columns],
                                                       kind="stable").reset_index(drop=True)
    return out


def core_tables(result: IndexResult, *, lang: Literal["zh", "en"] = "zh") -> dict[str, pd.DataFrame]:
    """The index tables of the workbook: scores and ranks wide by year, element scores, weights, normalised data.

    Returns ``{name: DataFrame}`` with names ``scores_wide``, ``ranks_wide``, ``elements``,
    ``weights``, ``normalised``, ``units``, ``excluded``, ``changes``.
    """
    root = result.root
    s = result.scores
    rs = s[s["node"] == root]
    names = unit_labels(result.units, lang)
    sw = rs.pivot(index="unit", columns="year", values="score")
    rw = rs.pivot(index="unit", columns="year", values="rank")
    last = result.years[-1]
    order = rw[last].sort_values().index if last in rw.columns else sw.index
    sw, rw = sw.loc[order], rw.loc[order]
    for w in (sw, rw):
        w.columns = [str(c) for c in w.columns]
        w.insert(0, "unit_name", names.reindex(w.index).to_numpy())
    elements = result.children(root)
    nn = result.node_names(lang)
    el = s[s["node"].isin([root, *elements])].pivot_table(index=["unit", "year"], columns="node", values="score")
    el = el[[c for c in [root, *elements] if c in el.columns]].reset_index()
    el.insert(1, "unit_name", el["unit"].map(names))
    el = el.rename(columns={c: nn.get(c, c) for c in [root, *elements]})
    norm = result.normalised.pivot_table(index=["unit", "year"], columns="indicator", values="value", observed=True)
    norm = norm[[c for c in result.framework.indicators if c in norm.columns]].reset_index()
    norm.columns = [str(c) for c in norm.columns]
    w = result.weights.copy()
    w.insert(1, "name", w["node"].map(nn))
    return {
        "scores_wide": sw.reset_index(), "ranks_wide": rw.reset_index(), "elements": el, "weights": w,
        "normalised": norm, "units": result.units.copy(), "excluded": result.excluded.copy(),
        "changes": result.changes.copy(),
    }
