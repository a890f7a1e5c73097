"""Journal-layout tables (论文表格): ``DIR/nqpf_journal_tables.xlsx`` and ``DIR/journal/*.csv``.

The tables Chinese regional-economics papers print, in their layout: Chinese headers, regions named
东部 / 中部 / 西部 / 东北, indicators by their Chinese names (never ids), three decimals, a title row
(``表1 …``) above and a note row (``注：…``, method and source) below each table.

=====================  ====================================================================
table                  from
=====================  ====================================================================
指标体系与权重           framework + ``normalised.csv`` through the package's weight functions
                       (entropy: e, d, w via :func:`nqpf.index.weights.entropy_parts`; CRITIC:
                       σ, conflict, information, w via :func:`~nqpf.index.weights.critic_parts`;
                       AHP: λmax, CI, RI, CR via :func:`~nqpf.index.weights.ahp_weights`)
得分 / 排名 (地区 × 年份)  ``scores.csv`` (index root), region means
TOPSIS D⁺ D⁻ C          ``normalised.csv`` and the effective indicator weights through
                       :func:`nqpf.index.aggregate.topsis_distances`
Dagum 基尼系数          ``analysis/dagum_totals|groups|pairs.csv`` (index root, ``region4``)
马尔可夫 / 空间马尔可夫    ``analysis/markov_probabilities.csv``, ``spatial_markov_conditional.csv``
Moran's I              ``analysis/moran_global.csv`` (randomisation assumption)
LISA 集聚类型           ``analysis/lisa_local.csv``: HH / LL / HL / LH / 不显著 per year, counts and province names
σ 收敛                  ``analysis/sigma_sigma.csv`` (+ the trend test of ``sigma_trend.csv`` in the note)
β 收敛                  ``analysis/beta_beta.csv``, ``beta_coefficients.csv`` (regression layout, λ and half-life)
俱乐部收敛               ``analysis/club_tests.csv``, ``club_membership.csv`` (log t test, members by name)
耦合协调度               ``analysis/coupling_coupling.csv``
障碍度                  ``analysis/obstacle_top.csv``, ``obstacle_indicators.csv``
回归结果                 ``explain/*_table.csv`` (coefficients with stars, SE in parentheses)
=====================  ====================================================================

Tables whose inputs the run did not produce are left out (the README of the workbook does not
number them), so the numbering is always consecutive.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._csvsafe import _FORMULA_START
from .._format import fmt_fixed, stars
from ..index.result import csv_encoding_of
from .tables import RunTables

__all__ = ["JournalTable", "journal_tables", "write_journal", "REGION4_ZH", "STATE_ZH", "LISA_ZH", "JOURNAL_WORKBOOK",
           "JOURNAL_DIR", "coef_text", "unit_zh", "spatial_table"]

JOURNAL_WORKBOOK = "nqpf_journal_tables.xlsx"
JOURNAL_DIR = "journal"

#: the four regions of the NBS division, as papers name them
REGION4_ZH = {"east": "东部", "central": "中部", "west": "西部", "northeast": "东北"}
_REGION_ORDER = ["东部", "中部", "西部", "东北"]
#: Markov states (k = 4 quantile classes) as papers name them
STATE_ZH = {"low": "低水平", "lower-middle": "中低水平", "upper-middle": "中高水平", "high": "高水平"}
_LAG_ZH = {"L1": "邻域低水平", "L2": "邻域中低水平", "L3": "邻域中高水平", "L4": "邻域高水平"}
_LEVEL_ZH = ["一级指标", "二级指标", "三级指标", "四级指标", "五级指标", "六级指标"]
_METHOD_ZH = {"entropy": "熵值法", "critic": "CRITIC 法", "ahp": "层次分析法（AHP）", "equal": "等权法", "given": "给定权重",
              "cv": "变异系数法", "pca": "主成分分析法", "combined": "组合赋权法"}
_NORM_ZH = {"minmax": "极差标准化", "zscore": "Z-score 标准化", "ratio_max": "比值标准化", "vector": "向量标准化"}
_SCOPE_ZH = {"pooled": "全局（面板各年合并）", "year": "逐年（截面）", "base_year": "基期"}


@dataclass
class JournalTable:
    """One journal table: ``key`` (ASCII file stem), ``title`` (without the 表 number), the table with its
    final Chinese headers, the note (without 注：), and the columns written as integers."""

    key: str
    title: str
    frame: pd.DataFrame
    note: str
    int_cols: tuple[str, ...] = ()
    number: int = 0

    @property
    def caption(self) -> str:
        return f"表{self.number} {self.title}"

    @property
    def note_text(self) -> str:
        return f"注：{self.note}"


@dataclass
class _Ctx:
    run: RunTables
    names: dict[str, str] = field(default_factory=dict)
    unit_names: dict[str, str] = field(default_factory=dict)
    region: dict[str, str] = field(default_factory=dict)
    source: str = ""

    @property
    def result(self):
        return self.run.result

    @property
    def cfg(self) -> dict[str, Any]:
        return self.result.manifest.get("config") or {}

    def table(self, stage: str, name: str) -> pd.DataFrame | None:
        t = self.run.stage_tables.get((stage, name))
        return None if t is None or t.empty else t


def _context(run: RunTables) -> _Ctx:
    res = run.result
    names = {n.id: (n.name_zh or n.name_en or n.id) for n in res.framework.nodes}
    u = res.units
    unit_names = dict(zip(u["unit"].astype(str), u["unit_name"].astype(str))) if "unit_name" in u else {}
    region: dict[str, str] = {}
    if "region4" in u.columns:
        zh = u["region4_zh"] if "region4_zh" in u.columns else u["region4"].map(REGION4_ZH)
        region = {k: (v if isinstance(v, str) and v else REGION4_ZH.get(r, r))
                  for k, v, r in zip(u["unit"].astype(str), zh, u["region4"].astype(str))}
    inputs = res.manifest.get("inputs") or []
    src = "、".join(str(i.get("path") or i.get("source")) for i in inputs if isinstance(i, dict)) or "用户数据"
    src = src.replace("bundled:province", "nqpf 内置省级数据（统计年鉴等官方统计）")
    return _Ctx(run=run, names=names, unit_names=unit_names, region=region,
                source=f"数据来源：{src}；nqpf {res.manifest.get('nqpf_version', '')} 计算。")


def _region_zh(value: Any) -> str:
    return REGION4_ZH.get(str(value), str(value))


def _root_rows(t: pd.DataFrame, root: str) -> pd.DataFrame:
    if "node" in t.columns:
        t = t[t["node"].astype(str) == root]
    if "grouping" in t.columns:
        g = t[t["grouping"].astype(str) == "region4"]
        t = g if len(g) else t[t["grouping"] == t["grouping"].iloc[0]] if len(t) else t
    return t


# ---------------------------------------------------------------------------- weights
def _norm_block(ctx: _Ctx) -> tuple[pd.DataFrame, list[str]]:
    """Normalised data (unit, year) × indicator in framework order."""
    res = ctx.result
    inds = list(res.framework.indicators)
    n = res.normalised
    wide = n.pivot_table(index=["unit", "year"], columns="indicator", values="value", observed=True, dropna=False)
    wide = wide.reindex(columns=inds)
    return wide, inds


def _weights_table(ctx: _Ctx) -> list[JournalTable]:
    from ..index.weights import ahp_weights, critic_parts, entropy_parts

    res = ctx.result
    fw = res.framework
    wcfg = ctx.cfg.get("weight") or {}
    method = str(wcfg.get("method", ""))
    scope = str(wcfg.get("scope", "pooled"))
    scheme = str(wcfg.get("scheme", "global"))
    inds = list(fw.indicators)
    depth = max(len(_ancestors(fw, i)) for i in inds)
    rows = []
    for ind in inds:
        anc = _ancestors(fw, ind)  # below the root, top first
        row: dict[str, Any] = {}
        for lv in range(depth):
            row[_LEVEL_ZH[lv]] = ctx.names.get(anc[lv], anc[lv]) if lv < len(anc) else ""
        row[_LEVEL_ZH[depth]] = ctx.names.get(ind, ind)
        node = fw.by_id[ind]
        row["单位"] = unit_zh(node.unit)
        row["属性"] = "正向" if node.direction == 1 else "负向"
        rows.append(row)
    out = pd.DataFrame(rows)
    w = res.weights
    wi = w[w["node"].isin(inds)]
    if "year" in wi.columns and wi["year"].notna().any():
        wi = wi.groupby("node", sort=False)[["weight", "effective_weight"]].mean()
    else:
        wi = wi.set_index("node")[["weight", "effective_weight"]]
    note = [f"权重由{_METHOD_ZH.get(method, method)}确定"]
    parts_ok = method in ("entropy", "critic") and str(wcfg.get("on", "normalised")) == "normalised"
    if parts_ok:
        wide, _ = _norm_block(ctx)
        groups = [inds] if scheme == "global" else [
            fw.children(a) for a in fw.aggregates if fw.children(a) and all(fw.by_id[c].is_indicator for c in fw.children(a))]
        blocks = [wide] if scope != "year" else [g for _, g in wide.groupby(level="year")]
        acc: dict[str, list[np.ndarray]] = {}
        for grp in groups:
            if len(grp) < 2:
                continue
            vals: list[dict[str, np.ndarray]] = []
            for b in blocks:
                X = b[grp].to_numpy(dtype=float)
                X = X[~np.isnan(X).all(axis=1)]
                if method == "entropy":
                    p = entropy_parts(X, k=wcfg.get("entropy_k", "ln_n"), zeros=wcfg.get("entropy_zeros", "keep"),
                                      shift=float(wcfg.get("entropy_shift", 0.0001)))
                    vals.append({"信息熵 e": p.e, "信息效用值 d": p.d, "权重 w": p.w})
                else:
                    p = critic_parts(X, correlation=wcfg.get("critic_correlation", "signed"),
                                     contrast=wcfg.get("critic_contrast", "sd"))
                    vals.append({"标准差": p.sd, "冲突性": p.conflict, "信息量": p.information, "权重 w": p.w})
            for col in vals[0]:
                mean = np.mean([v[col] for v in vals], axis=0)
                for j, ind in enumerate(grp):
                    acc.setdefault(col, [np.nan] * len(inds))
                    acc[col][inds.index(ind)] = float(mean[j])
        for col, v in acc.items():
            out[col] = v
        if method == "entropy":
            note.append("p_ij = z_ij/Σz_ij，信息熵 e_j = −k Σ p_ij ln p_ij（k = 1/ln n），信息效用值 d_j = 1 − e_j，权重 w_j = d_j/Σd_j")
        else:
            note.append("标准差 σ_j，冲突性 Σ_k(1 − r_jk)，信息量 C_j = σ_j × 冲突性，权重 w_j = C_j/ΣC_j")
        if scope == "year":
            note.append("逐年计算后取各年均值")
        else:
            note.append("基于各地区各年份合并的面板数据（全局熵值法）" if method == "entropy" else "基于面板各年合并数据")
        if scheme == "within_parent":
            note.append("权重在各上级指标内部计算")
    elif method == "ahp" or scheme == "within_parent":  # weights within each parent: local and global weights
        out["局部权重"] = [float(wi.loc[i, "weight"]) if i in wi.index else np.nan for i in inds]
    else:
        out["权重 w"] = [float(wi.loc[i, "effective_weight"]) if i in wi.index else np.nan for i in inds]
    if scheme == "within_parent" or method == "ahp":
        out["综合权重"] = [float(wi.loc[i, "effective_weight"]) if i in wi.index else np.nan for i in inds]
    norm = ctx.cfg.get("normalise") or {}
    note.append(f"数据经{_NORM_ZH.get(norm.get('method'), norm.get('method', ''))}（{_SCOPE_ZH.get(norm.get('scope'), norm.get('scope', ''))}）处理")
    tables = [JournalTable("weights", "新质生产力评价指标体系及权重", out, "；".join(note) + "。" + ctx.source)]
    if method == "ahp" and wcfg.get("ahp"):
        arows = []
        given = wcfg.get("ahp") or {}
        max_cr = float(wcfg.get("ahp_max_cr", 0.10))
        for node in [a for a in fw.aggregates if a in given] + [a for a in given if a not in fw.aggregates]:
            A = given[node]
            r = ahp_weights(np.asarray(A, dtype=float), allow_inconsistent=True)
            ci, cr = (0.0 if abs(v) < 1e-12 else float(v) for v in (r.CI, r.CR))  # a consistent matrix: 0, not −0.000
            arows.append({"判断矩阵（上级指标）": ctx.names.get(node, node), "阶数": len(A), "λmax": r.lambda_max,
                          "CI": ci, "RI": r.RI, "CR": cr, "一致性检验": "通过" if cr <= max_cr else "未通过"})
        tables.append(JournalTable("ahp_consistency", "层次分析法判断矩阵一致性检验", pd.DataFrame(arows),
                                   "λmax 为判断矩阵最大特征值，CI = (λmax − n)/(n − 1)，CR = CI/RI（Saaty 随机一致性指标 RI），"
                                   f"CR < {max_cr:g} 时通过一致性检验（阶数不超过 2 的判断矩阵总是一致）。" + ctx.source, int_cols=("阶数",)))
    return tables


#: units of measurement as Chinese tables print them (terms of the framework's English units)
_UNIT_TERMS = {
    "person-years": "人年", "persons": "人", "person": "人", "pieces": "件", "papers": "篇", "ports": "个",
    "enterprises": "家", "firms": "家", "km": "千米", "km2": "平方千米", "m2": "平方米", "CNY": "元", "10k CNY": "万元",
    "100m CNY": "亿元", "100 million CNY": "亿元", "t CO2": "吨 CO₂", "t": "吨", "tce": "吨标准煤", "kWh": "千瓦时",
    "resident": "人", "residents": "人", "10k residents": "万人", "million residents": "百万人", "%": "%",
    "% of GDP": "%", "‰": "‰", "years": "年", "year": "年", "index": "指数",
}


def unit_zh(unit: str) -> str:
    """A unit of measurement in Chinese (``"pieces per 10k residents"`` → ``"件/万人"``); units already in Chinese,
    and units with a term this table does not know, are kept as they are.

    Examples
    --------
    >>> unit_zh("pieces per 10k residents"), unit_zh("% (inferred)"), unit_zh("km per km2"), unit_zh("元/人")
    ('件/万人', '%', '千米/平方千米', '元/人')
    """
    u = str(unit or "").strip()
    if not u or any("\u4e00" <= ch <= "\u9fff" for ch in u):
        return u
    u = re.sub(r"\s*\((inferred|estimated)\)$", "", u)
    parts = [x.strip() for x in u.split(" per ")]
    if all(x in _UNIT_TERMS for x in parts):
        return "/".join(_UNIT_TERMS[x] for x in parts)
    return str(unit)


def _ancestors(fw, ind: str) -> list[str]:
    out = []
    p = fw.by_id[ind].parent
    while p and p != fw.root:
        out.append(p)
        p = fw.by_id[p].parent
    return list(reversed(out))


# ---------------------------------------------------------------------------- scores and ranks
def _unit_order(ctx: _Ctx, units: list[str]) -> list[str]:
    if not ctx.region:
        return units
    key = {r: i for i, r in enumerate(_REGION_ORDER)}
    return sorted(units, key=lambda u: (key.get(ctx.region.get(u, ""), 99), units.index(u)))


def _scores_tables(ctx: _Ctx) -> list[JournalTable]:
    res = ctx.result
    s = res.scores[res.scores["node"] == res.root]
    sw = s.pivot(index="unit", columns="year", values="score")
    rw = s.pivot(index="unit", columns="year", values="rank")
    years = [int(y) for y in sw.columns]
    units = _unit_order(ctx, [str(u) for u in sw.index])
    sw, rw = sw.loc[units], rw.loc[units]
    ycols = [str(y) for y in years]
    sw.columns, rw.columns = ycols, ycols

    def frame(w: pd.DataFrame) -> pd.DataFrame:
        f = w.reset_index(drop=True)
        f.insert(0, "地区", [ctx.unit_names.get(u, u) for u in units])
        if ctx.region:
            f.insert(0, "区域", [ctx.region.get(u, "") for u in units])
        return f

    sc = frame(sw)
    sc["均值"] = sw.mean(axis=1).to_numpy()
    sc["均值排名"] = sc["均值"].rank(ascending=False, method="min").astype("Int64").to_numpy()
    extra = []
    if ctx.region:
        reg = pd.Series([ctx.region.get(u, "") for u in units], index=units)
        for r in [x for x in _REGION_ORDER if x in set(reg)]:
            m = sw[reg == r].mean(axis=0)
            extra.append({"区域": r, "地区": f"{r}均值", **m.to_dict(), "均值": float(m.mean())})
    m = sw.mean(axis=0)
    extra.append({**({"区域": "全国"} if ctx.region else {}), "地区": "全国均值", **m.to_dict(), "均值": float(m.mean())})
    sc = pd.concat([sc, pd.DataFrame(extra)], ignore_index=True)
    sc["均值排名"] = sc["均值排名"].astype("Int64")
    rk = frame(rw.astype("Int64"))
    root = ctx.names.get(res.root, res.root)
    agg = ctx.cfg.get("aggregate") or {}
    note = (f"{root}综合指数由标准化指标加权{'（' + str(agg.get('method')) + '）' if agg.get('method') else ''}合成，"
            f"数值越大水平越高；区域均值为区域内各地区的算术平均。" + ctx.source)
    return [JournalTable("scores", f"{ctx.result.years[0]}—{ctx.result.years[-1]}年各地区{root}指数测度结果", sc, note,
                         int_cols=("均值排名",)),
            JournalTable("ranks", f"{ctx.result.years[0]}—{ctx.result.years[-1]}年各地区{root}指数排名", rk,
                         "排名按当年指数由高到低，并列取最小名次。" + ctx.source, int_cols=tuple(ycols))]


# ---------------------------------------------------------------------------- TOPSIS
def topsis_table(ctx_or_run: _Ctx | RunTables) -> pd.DataFrame:
    """``unit, unit_name, year, D_plus, D_minus, C, rank`` on the run's normalised data and effective weights."""
    from ..index.aggregate import topsis_distances

    ctx = ctx_or_run if isinstance(ctx_or_run, _Ctx) else _context(ctx_or_run)
    res = ctx.result
    wide, inds = _norm_block(ctx)
    years = sorted({int(y) for y in wide.index.get_level_values("year")})
    units = sorted({str(u) for u in wide.index.get_level_values("unit")})
    full = wide.reindex(pd.MultiIndex.from_product([units, years], names=["unit", "year"]))
    V = full.to_numpy(dtype=float).reshape(len(units), len(years), len(inds)).transpose(1, 0, 2)
    w = res.weights
    wi = w[w["node"].isin(inds)]
    if "year" in wi.columns and wi["year"].notna().any():
        W = wi.pivot_table(index="year", columns="node", values="effective_weight").reindex(index=years, columns=inds).to_numpy()
    else:
        W = wi.set_index("node")["effective_weight"].reindex(inds).to_numpy(dtype=float)
    agg = ctx.cfg.get("aggregate") or {}
    dp, dm, c = topsis_distances(V, np.nan_to_num(W), ideal=agg.get("topsis_ideal", "pooled"),
                                 distance=agg.get("topsis_distance", "weighted_values"))
    out = pd.DataFrame({"unit": np.tile(units, len(years)), "year": np.repeat(years, len(units)),
                        "D_plus": dp.reshape(-1), "D_minus": dm.reshape(-1), "C": c.reshape(-1)})
    out["rank"] = out.groupby("year")["C"].rank(ascending=False, method="min").astype("Int64")
    out.insert(1, "unit_name", out["unit"].map(ctx.unit_names))
    return out


def _topsis_tables(ctx: _Ctx) -> list[JournalTable]:
    t = topsis_table(ctx)
    t = t.sort_values(["year", "rank", "unit"]).reset_index(drop=True)
    f = pd.DataFrame({"年份": t["year"].astype(int), "地区": t["unit_name"], "D+": t["D_plus"], "D−": t["D_minus"],
                      "贴近度 C": t["C"], "排名": t["rank"]})
    agg = ctx.cfg.get("aggregate") or {}
    note = ("D+ 与 D− 为加权标准化值到正、负理想解的欧氏距离，C = D−/(D+ + D−)；正负理想解取"
            f"{'各年合并样本' if agg.get('topsis_ideal', 'pooled') == 'pooled' else '当年样本'}的最大与最小值，"
            "权重为指标综合权重。" + ctx.source)
    return [JournalTable("topsis", "TOPSIS 评价结果", f, note, int_cols=("年份", "排名"))]


# ---------------------------------------------------------------------------- Dagum
def _dagum_tables(ctx: _Ctx) -> list[JournalTable]:
    root = ctx.result.root
    tot = ctx.table("analysis", "dagum_totals")
    if tot is None:
        return []
    tot = _root_rows(tot, root).sort_values("year")
    f = pd.DataFrame({"年份": tot["year"].astype(int), "总体 G": tot["G"], "区域内 Gw": tot["Gw"], "区域间 Gnb": tot["Gnb"],
                      "超变密度 Gt": tot["Gt"], "区域内贡献率(%)": tot["Gw_share"] * 100,
                      "区域间贡献率(%)": tot["Gnb_share"] * 100, "超变密度贡献率(%)": tot["Gt_share"] * 100})
    name = ctx.names.get(root, root)
    note = ("采用 Dagum 基尼系数及其按子群分解方法，G = Gw + Gnb + Gt，贡献率 = 各部分/G × 100%；区域按东部、中部、西部、东北四大区域划分。"
            + ctx.source)
    out = [JournalTable("dagum_totals", f"{name}的 Dagum 基尼系数及其分解", f.reset_index(drop=True), note, int_cols=("年份",))]
    grp, pairs = ctx.table("analysis", "dagum_groups"), ctx.table("analysis", "dagum_pairs")
    if grp is not None and pairs is not None:
        g = _root_rows(grp, root)
        gw = g.pivot(index="year", columns="group", values="G_jj")
        gw.columns = [_region_zh(c) for c in gw.columns]
        gw = gw[[c for c in _REGION_ORDER if c in gw.columns] + [c for c in gw.columns if c not in _REGION_ORDER]]
        p = _root_rows(pairs, root).copy()
        order = {r: i for i, r in enumerate(_REGION_ORDER)}

        def pair(j: str, h: str) -> str:
            a, b = sorted([_region_zh(j), _region_zh(h)], key=lambda r: order.get(r, 99))
            return f"{a}—{b}"

        p["pair"] = [pair(j, h) for j, h in zip(p["j"], p["h"])]
        pw = p.pivot(index="year", columns="pair", values="G_jh")
        pw = pw[sorted(pw.columns, key=lambda s: tuple(order.get(x, 99) for x in s.split("—")))]
        both = pd.concat([gw, pw], axis=1).reset_index()
        both = both.rename(columns={"year": "年份"})
        both["年份"] = both["年份"].astype(int)
        out.append(JournalTable("dagum_regions", f"{name}的区域内与区域间基尼系数", both,
                                "区域名列为区域内基尼系数 G_jj，“甲—乙”列为区域间基尼系数 G_jh。" + ctx.source, int_cols=("年份",)))
    return out


# ---------------------------------------------------------------------------- Markov, Moran
def _markov_tables(ctx: _Ctx) -> list[JournalTable]:
    root = ctx.result.root
    name = ctx.names.get(root, root)
    out = []
    mp = ctx.table("analysis", "markov_probabilities")
    if mp is not None:
        t = _root_rows(mp, root)
        states = [c for c in t.columns if c not in ("node", "from_state", "n")]
        f = pd.DataFrame({"t 年 \\ t+1 年": t["from_state"].map(lambda s: STATE_ZH.get(str(s), str(s))),
                          "n": t["n"].astype(int)})
        for s in states:
            f[STATE_ZH.get(s, s)] = t[s].to_numpy()
        out.append(JournalTable("markov", f"{name}的传统马尔可夫转移概率矩阵", f.reset_index(drop=True),
                                f"按{name}指数的四分位数将地区划分为低水平、中低水平、中高水平、高水平四种状态；n 为该状态的观测数，"
                                "表中为 t 年处于行状态的地区在 t+1 年转移到列状态的概率（极大似然估计）。" + ctx.source, int_cols=("n",)))
    sm = ctx.table("analysis", "spatial_markov_conditional")
    if sm is not None:
        t = _root_rows(sm, root)
        states = [c for c in t.columns if c not in ("node", "lag_class", "from_state", "n")]
        f = pd.DataFrame({"邻域状态": t["lag_class"].map(lambda s: _LAG_ZH.get(str(s), str(s))),
                          "t 年 \\ t+1 年": t["from_state"].map(lambda s: STATE_ZH.get(str(s), str(s))),
                          "n": t["n"].astype(int)})
        for s in states:
            f[STATE_ZH.get(s, s)] = t[s].to_numpy()
        out.append(JournalTable("spatial_markov", f"{name}的空间马尔可夫转移概率矩阵", f.reset_index(drop=True),
                                "邻域状态为 t 年邻接地区空间滞后值所处的类型（按空间权重矩阵计算）；其余同传统马尔可夫转移概率矩阵。"
                                + ctx.source, int_cols=("n",)))
    mo = ctx.table("analysis", "moran_global")
    if mo is not None:
        t = _root_rows(mo, root).sort_values("year")
        z = t["z_rand"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd = (t["I"].to_numpy(dtype=float) - t["EI"].to_numpy(dtype=float)) / z
        f = pd.DataFrame({"年份": t["year"].astype(int).to_numpy(), "Moran's I": t["I"].to_numpy(), "E(I)": t["EI"].to_numpy(),
                          "sd(I)": sd, "z 值": z, "p 值": t["p_rand"].to_numpy()})
        out.append(JournalTable("moran", f"{name}的全局 Moran's I 指数", f,
                                "全局 Moran's I 基于邻接空间权重矩阵（行标准化），z 值与 p 值按随机化假设计算，sd(I) = (I − E(I))/z。"
                                + ctx.source, int_cols=("年份",)))
    return out


# ---------------------------------------------------------------------------- LISA, convergence
#: LISA cluster types in the order papers list them
LISA_ZH = {"HH": "高—高集聚（HH）", "LL": "低—低集聚（LL）", "HL": "高—低集聚（HL）", "LH": "低—高集聚（LH）", "ns": "不显著"}


def _lisa_tables(ctx: _Ctx) -> list[JournalTable]:
    t = ctx.table("analysis", "lisa_local")
    if t is None or not {"year", "unit", "cluster"} <= set(t.columns):
        return []
    root = ctx.result.root
    name = ctx.names.get(root, root)
    t = _root_rows(t, root).copy()
    if t.empty:  # the analysis did not cover the index itself
        return []
    t["unit"] = t["unit"].astype(str)
    acfg = ctx.cfg.get("analysis") or {}
    rows = []
    for y, g in t.sort_values(["year", "unit"]).groupby("year", sort=True):
        for c, label in LISA_ZH.items():
            units = g.loc[g["cluster"].astype(str) == c, "unit"].tolist()
            rows.append({"年份": int(y), "集聚类型": label, "地区数": len(units),
                         "地区": "、".join(ctx.unit_names.get(u, u) for u in units)})
    alpha = float(acfg.get("alpha", 0.05))
    perms = int(acfg.get("permutations", 999))
    note = (f"局部 Moran's I（LISA）基于{_weights_zh(acfg)}空间权重矩阵（行标准化），显著性由 {perms} 次条件随机置换检验得到"
            f"（p < {alpha:g}）；高—高（HH）为{name}高值地区被高值地区包围，低—低（LL）为低值被低值包围，"
            "高—低（HL）、低—高（LH）为空间异常值；不显著为 p ≥ 显著性水平的地区。" + ctx.source)
    return [JournalTable("lisa", f"{name}的局部空间集聚类型（LISA）", pd.DataFrame(rows), note, int_cols=("年份", "地区数"))]


def _weights_zh(acfg: dict[str, Any]) -> str:
    w = str(acfg.get("weights", "queen"))
    return {"queen": "Queen 邻接", "rook": "Rook 邻接"}.get(w, w)


def coef_text(coef: float, se: float | None, p: float | None) -> tuple[str, str]:
    """A coefficient with its significance stars and its standard error in parentheses, three decimals, as papers
    print them (the minus sign is U+2212, so a spreadsheet never reads the cell as a formula).

    Examples
    --------
    >>> coef_text(-0.29253, 0.04931, 1e-8)
    ('−0.293***', '(0.049)')
    """

    def num(v: float) -> str:
        return fmt_fixed(v, 3).replace("-", "\u2212")

    c = "" if coef is None or not math.isfinite(float(coef)) else num(float(coef)) + stars(
        None if p is None or not math.isfinite(float(p)) else float(p))
    s = "" if se is None or not math.isfinite(float(se)) else f"({num(float(se))})"
    return c, s


_BETA_KIND_ZH = {"absolute": "绝对β收敛", "conditional": "条件β收敛"}
_TERM_ZH = {"ln_initial": "ln 初期水平（β）", "const": "常数项"}


def _convergence_tables(ctx: _Ctx) -> list[JournalTable]:
    root = ctx.result.root
    name = ctx.names.get(root, root)
    out: list[JournalTable] = []
    sg = ctx.table("analysis", "sigma_sigma")
    if sg is not None and {"year", "sd", "cv"} <= set(sg.columns) and len(_root_rows(sg, root)):
        t = _root_rows(sg, root).sort_values("year")
        f = pd.DataFrame({"年份": t["year"].astype(int).to_numpy(), "地区数": t["n"].astype(int).to_numpy(),
                          "均值": t["mean"].to_numpy(), "标准差 σ": t["sd"].to_numpy(), "变异系数 CV": t["cv"].to_numpy()})
        note = ["σ 收敛以各年指数的标准差 σ 与变异系数 CV = σ/均值 衡量，二者随时间下降表示地区差距缩小"]
        tr = ctx.table("analysis", "sigma_trend")
        if tr is not None:
            for _, r in _root_rows(tr, root).iterrows():
                lab = {"sigma": "σ", "cv": "CV"}.get(str(r["measure"]), str(r["measure"]))
                verdict = "呈 σ 收敛" if str(r.get("converging")).lower() == "true" else "未呈 σ 收敛"
                note.append(f"{lab} 对年份的线性趋势斜率为 {float(r['slope']):.3f}（t = {float(r['t']):.3f}，"
                            f"p = {float(r['p']):.3f}），{verdict}")
        out.append(JournalTable("sigma", f"{name}的 σ 收敛检验", f, "；".join(note) + "。" + ctx.source,
                                int_cols=("年份", "地区数")))
    bb, bc = ctx.table("analysis", "beta_beta"), ctx.table("analysis", "beta_coefficients")
    if bb is not None and {"node", "beta", "se", "p"} <= set(bb.columns):
        nodes = list(dict.fromkeys(bb["node"].astype(str)))
        nodes = [root] * (root in nodes) + [n for n in nodes if n != root]
        cols: dict[str, dict[str, str]] = {}
        order: list[str] = []
        for k, node in enumerate(nodes, start=1):
            r = bb[bb["node"].astype(str) == node].iloc[0]
            col: dict[str, str] = {}
            terms = bc[bc["node"].astype(str) == node] if bc is not None else pd.DataFrame(columns=["term"])
            terms = pd.concat([terms[terms["term"] == "ln_initial"], terms[~terms["term"].isin(["ln_initial", "const"])],
                               terms[terms["term"] == "const"]])
            if "ln_initial" not in set(terms["term"]):
                terms = pd.concat([pd.DataFrame([{"term": "ln_initial", "coef": r["beta"], "se": r["se"], "p": r["p"]}]),
                                   terms])
            for _, tr in terms.iterrows():
                label = _TERM_ZH.get(str(tr["term"]), ctx.names.get(str(tr["term"]), str(tr["term"])))
                c, s = coef_text(tr["coef"], tr["se"], tr["p"])
                col[label], col[label + "\u00a0"] = c, s
                for key in (label, label + "\u00a0"):
                    if key not in order:
                        order.append(key)
            fe = str(r.get("fe", ""))
            col["个体固定效应"] = "是" if fe in ("twoway", "unit") else "否"
            col["时间固定效应"] = "是" if fe == "twoway" else "否"
            col["收敛类型"] = _BETA_KIND_ZH.get(str(r.get("kind", "")), str(r.get("kind", "")))
            col["观测值 N"] = str(int(r["n_obs"])) if pd.notna(r.get("n_obs")) else ""
            col["R²"] = f"{float(r['r2']):.3f}" if pd.notna(r.get("r2")) else ""
            lam, hl = r.get("lambda"), r.get("half_life")
            col["收敛速度 λ"] = f"{float(lam):.3f}" if pd.notna(lam) else ""
            col["半衰期（年）"] = f"{float(hl):.3f}" if pd.notna(hl) else ""
            cols[f"({k}) {ctx.names.get(node, node)}"] = col
        tail = ["个体固定效应", "时间固定效应", "收敛类型", "观测值 N", "R²", "收敛速度 λ", "半衰期（年）"]
        rows = order + tail
        f = pd.DataFrame({"变量": ["" if r.endswith("\u00a0") else r for r in rows]})  # SE rows: no label
        for head, col in cols.items():
            f[head] = [col.get(r, "") for r in rows]
        first = bb.iloc[0]
        cov = str(first.get("cov", ""))
        se = "聚类稳健标准误（按地区聚类）" if "cluster" in cov else "标准误"
        out.append(JournalTable(
            "beta", "β 收敛检验结果", f,
            f"被解释变量为指数的年增长率 ln(x_i,t+1/x_i,t)，β < 0 且显著表示存在 β 收敛；括号内为{se}；"
            "***、**、* 分别表示在 1%、5%、10% 的水平上显著；收敛速度 λ = −ln(1 + β)/τ，半衰期 = ln 2/λ。" + ctx.source))
    ct, cm = ctx.table("analysis", "club_tests"), ctx.table("analysis", "club_membership")
    if ct is not None and cm is not None and {"club", "b", "t"} <= set(ct.columns) and len(_root_rows(ct, root)):
        tests = _root_rows(ct, root)
        mem = _root_rows(cm, root).copy()
        mem["unit"] = mem["unit"].astype(str)
        if "order" in mem.columns:
            mem = mem.sort_values("order")
        rows = []
        for _, r in tests.iterrows():
            club = str(r["club"])
            if club == "all":
                label, units = "全样本", []
            elif club == "divergent":
                label, units = "发散地区", mem.loc[mem["club"].astype(int) == 0, "unit"].tolist()
            else:
                label, units = f"俱乐部{club}", mem.loc[mem["club"].astype(str) == club, "unit"].tolist()
            rows.append({"俱乐部": label, "地区数": int(r["n"]), "log t 系数 b": float(r["b"]),
                         "标准误": float(r["se"]), "t 值": float(r["t"]),
                         "是否收敛": "是" if str(r["converges"]).lower() == "true" else "否",
                         "地区": "、".join(ctx.unit_names.get(u, u) for u in units)})
        single = mem.loc[mem["club"].astype(int) == 0, "unit"].tolist()
        if single and not (tests["club"].astype(str) == "divergent").any():
            rows.append({"俱乐部": "发散地区", "地区数": len(single), "log t 系数 b": np.nan, "标准误": np.nan,
                         "t 值": np.nan, "是否收敛": "", "地区": "、".join(ctx.unit_names.get(u, u) for u in single)})
        out.append(JournalTable(
            "clubs", f"{name}的俱乐部收敛（Phillips–Sul）检验结果", pd.DataFrame(rows),
            "采用 Phillips–Sul log t 检验与俱乐部聚类算法；t 值 > −1.65 时不拒绝收敛原假设（5% 水平）；俱乐部按期末水平由高到低编号，"
            "发散地区为不属于任何俱乐部的地区。" + ctx.source, int_cols=("地区数",)))
    return out


# ---------------------------------------------------------------------------- coupling, obstacles
def _coupling_tables(ctx: _Ctx) -> list[JournalTable]:
    t = ctx.table("analysis", "coupling_coupling")
    if t is None or not {"C", "T", "D"} <= set(t.columns):
        return []
    t = t.copy()
    t["unit"] = t["unit"].astype(str)
    units = _unit_order(ctx, list(dict.fromkeys(t["unit"])))
    t["_o"] = t["unit"].map({u: i for i, u in enumerate(units)})
    t = t.sort_values(["_o", "year"])
    f = pd.DataFrame({"地区": t["unit"].map(lambda u: ctx.unit_names.get(u, u)).to_numpy(), "年份": t["year"].astype(int).to_numpy(),
                      "耦合度 C": t["C"].to_numpy(), "综合协调指数 T": t["T"].to_numpy(), "耦合协调度 D": t["D"].to_numpy(),
                      "协调等级": t["class_zh"].to_numpy() if "class_zh" in t else ""})
    if ctx.region:
        f.insert(0, "区域", t["unit"].map(ctx.region).to_numpy())
    subs = [c for c in t.columns if c not in ("unit", "unit_name", "year", "C", "T", "D", "_o") and c not in set(
        "level class_zh class_en stage stage_zh stage_en relative_ratio lagging relative_zh relative_en C_traditional C_wang2021".split())]
    subnames = {s.id: (s.name_zh or s.name_en or s.id) for s in ctx.result.framework.subsystems}
    sub = "、".join(subnames.get(s, ctx.names.get(s, s)) for s in subs)
    return [JournalTable("coupling", "耦合协调度及协调等级", f.reset_index(drop=True),
                         f"子系统：{sub}；C 为耦合度，T 为综合协调指数（子系统得分的加权平均），D = √(C × T)，协调等级按 D 值十等分划分。"
                         + ctx.source, int_cols=("年份",))]


def _obstacle_tables(ctx: _Ctx) -> list[JournalTable]:
    out = []
    top = ctx.table("analysis", "obstacle_top")
    if top is not None:
        t = top.copy()
        t["unit"] = t["unit"].astype(str)
        t = t[t["rank"] <= 5]
        units = _unit_order(ctx, list(dict.fromkeys(t["unit"])))
        rows = []
        for (u, y), g in sorted(t.groupby(["unit", "year"]), key=lambda kv: (units.index(kv[0][0]), kv[0][1])):
            g = g.sort_values("rank")
            r: dict[str, Any] = {"地区": ctx.unit_names.get(u, u), "年份": int(y)}
            if ctx.region:
                r = {"区域": ctx.region.get(u, ""), **r}
            for k, (ind, pct) in enumerate(zip(g["indicator"], g["obstacle_pct"]), start=1):
                r[f"障碍因子{k}"] = ctx.names.get(str(ind), str(ind))
                r[f"障碍度{k}(%)"] = float(pct)
            rows.append(r)
        out.append(JournalTable("obstacles", "各地区主要障碍因子及障碍度（前五位）", pd.DataFrame(rows),
                                "障碍度 O_j = w_j(1 − z_j)/Σ w_j(1 − z_j) × 100%，w_j 为指标综合权重，z_j 为标准化值；"
                                "按障碍度由高到低列出前五位指标。" + ctx.source, int_cols=("年份",)))
    ind = ctx.table("analysis", "obstacle_indicators")
    if ind is not None and ctx.region:
        t = ind.copy()
        t["unit"] = t["unit"].astype(str)
        t["区域"] = t["unit"].map(ctx.region)
        m = t.groupby(["区域", "year", "indicator"], as_index=False)["obstacle_pct"].mean()
        rows = []
        order = {r: i for i, r in enumerate(_REGION_ORDER)}
        for (reg, y), g in sorted(m.groupby(["区域", "year"]), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
            g = g.sort_values(["obstacle_pct", "indicator"], ascending=[False, True]).head(5)
            r = {"区域": reg, "年份": int(y)}
            for k, (i, pct) in enumerate(zip(g["indicator"], g["obstacle_pct"]), start=1):
                r[f"障碍因子{k}"] = ctx.names.get(str(i), str(i))
                r[f"障碍度{k}(%)"] = float(pct)
            rows.append(r)
        out.append(JournalTable("obstacles_regions", "四大区域主要障碍因子及障碍度（前五位）", pd.DataFrame(rows),
                                "区域障碍度为区域内各地区指标障碍度的算术平均，按由高到低列出前五位。" + ctx.source, int_cols=("年份",)))
    return out


# ---------------------------------------------------------------------------- regressions
_REG_TITLES = {"models": "基准回归结果", "heterogeneity": "异质性分析结果", "mediation": "机制检验结果",
               "threshold": "门槛效应检验结果", "spatial": "空间计量回归结果", "robustness": "稳健性检验结果"}


_NUMERIC_CELL = re.compile(r"^-(?=[0-9.])")
_LAG = re.compile(r"^lag\((.+)\)$")


def _printed_cell(v: Any) -> Any:
    """A cell of a saved regression table as printed: the CSV-injection quote undone (``'-0.223*`` → the text read
    back), and a leading minus of a number written as U+2212 (``−0.223*``), which no spreadsheet runs as a formula."""
    if not isinstance(v, str):
        return v
    if v.startswith("'") and v[1:2] in _FORMULA_START:
        v = v[1:]
    return _NUMERIC_CELL.sub("\u2212", v)


def _var_zh(ctx: _Ctx, label: str) -> str:
    """A regressor's label: the run's ``[explain.table] labels`` if it names it, else framework node ids by their
    Chinese names (``lag(NQPF)`` → ``新质生产力（滞后一期）``)."""
    labels = ((ctx.cfg.get("explain") or {}).get("table") or {}).get("labels") or {}
    if label in labels:  # the run's own row labels ([explain.table] labels) come first
        return str(labels[label])
    m = _LAG.match(label)
    inner = m.group(1) if m else label
    if inner in labels:
        return f"{labels[inner]}（滞后一期）" if m else str(labels[inner])
    groupings = {g.id: (g.name_zh or g.name_en or g.id) for g in ctx.result.framework.groupings}
    if inner not in ctx.names and ":" in inner and inner.split(":", 1)[0] in groupings:  # driver:数据 → 数据（人工智能驱动）
        g, tag = inner.split(":", 1)
        inner = f"{tag}（{groupings[g]}）"
    inner = ctx.names.get(inner, inner)
    return f"{inner}（滞后一期）" if m else inner


def _regression_tables(ctx: _Ctx) -> list[JournalTable]:
    out = []
    stats = ctx.table("explain", "models_statistics")
    clustered = stats is not None and "statistic" in stats and bool((stats["statistic"].astype(str) == "cluster").any())
    se = "聚类稳健标准误（按地区聚类）" if clustered else "标准误"
    order = list(_REG_TITLES)
    found = [(name, t) for (stage, name), t in ctx.run.stage_tables.items()
             if stage == "explain" and name.endswith("_table") and t is not None and not t.empty]
    found.sort(key=lambda kv: (order.index(kv[0][:-6]) if kv[0][:-6] in order else len(order), kv[0]))
    for name, t in found:
        f = t.copy().astype(object)
        first = f.columns[0]
        f = f.rename(columns={first: "变量", **{c: REGION4_ZH[str(c)] for c in f.columns if str(c) in REGION4_ZH}})
        regions = [c for c in _REGION_ORDER if c in f.columns]
        if regions:  # heterogeneity by region: 东部, 中部, 西部, 东北 as papers order them
            f = f[["变量"] + [c for c in f.columns if c != "变量" and c not in regions] + regions]
        f["变量"] = f["变量"].map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v)) else _var_zh(ctx, str(v).strip()))
        f = f.where(f.notna(), "").map(_printed_cell)
        base = name[: -len("_table")]
        out.append(JournalTable(f"reg_{base}", _REG_TITLES.get(base, f"回归结果（{base}）"), f.reset_index(drop=True),
                                f"括号内为{se}；***、**、* 分别表示在 1%、5%、10% 的水平上显著。" + ctx.source))
    return out


_SPATIAL_MODEL_ZH = {"durbin": "空间杜宾模型（SDM）", "lag": "空间滞后模型（SAR）", "error": "空间误差模型（SEM）",
                     "durbin_error": "空间杜宾误差模型（SDEM）"}
_WEIGHTS_ZH = {"queen": "Queen 邻接矩阵（行标准化）", "rook": "Rook 邻接矩阵（行标准化）",
               "analysis": "分析阶段的空间权重矩阵"}
_EFFECT_ZH = {"direct": "直接效应", "indirect": "间接效应", "total": "总效应"}


def _num_text(v: Any, as_int: bool = False) -> str:
    """A statistic as printed (three decimals, integers without), the minus as U+2212."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    return "" if not math.isfinite(f) else fmt_fixed(f, 3, as_int=as_int).replace("-", "\u2212")


def spatial_table(ctx_or_run: "_Ctx | RunTables", name: str = "spatial") -> JournalTable | None:
    """The journal table of one spatial panel model of the explain stage (``explain/<name>_coefficients.csv``,
    ``_effects``, ``_statistics``, ``_lm_tests``), laid out as Chinese papers print it.

    Columns 变量, 系数 (β), W×变量 (θ, the spatial lags of a Durbin model), 直接效应, 间接效应 and 总效应 (when
    the run decomposed the effects); each regressor on two rows, the coefficient with its significance stars and
    the standard error in parentheses below; then ρ (lag models) or λ (error models), the fixed-effect rows,
    观测值, 对数似然值 and R² (the squared correlation of fitted and observed values). None when the run has no
    such model.
    """
    ctx = ctx_or_run if isinstance(ctx_or_run, _Ctx) else _context(ctx_or_run)
    coef = ctx.table("explain", f"{name}_coefficients")
    stats = ctx.table("explain", f"{name}_statistics")
    if coef is None or stats is None or "term" not in coef:
        return None
    st = dict(zip(stats["statistic"].astype(str), stats["value"]))
    model = str(st.get("model", ""))
    eff = ctx.table("explain", f"{name}_effects")
    terms = [str(t) for t in coef["term"]]
    by = {str(r.term): r for r in coef.itertuples(index=False)}
    spatial_par = [t for t in terms if t in ("rho", "lambda")]
    base = [t for t in terms if not t.startswith("W_") and t not in spatial_par]
    has_w = any(t.startswith("W_") for t in terms)
    cols = ["系数"] + (["W×变量"] if has_w else []) + ([_EFFECT_ZH[e] for e in ("direct", "indirect", "total")]
                                                     if eff is not None else [])
    effects = {}
    if eff is not None:
        effects = {(str(r.term), str(r.effect)): r for r in eff.itertuples(index=False)}

    def pair(r) -> tuple[str, str]:
        if r is None:
            return "", ""
        est = getattr(r, "coef", None)
        if est is None:
            est = getattr(r, "estimate", None)
        return coef_text(est, getattr(r, "std_error", None), getattr(r, "p_value", None))

    rows: list[dict[str, str]] = []
    for t in base:
        cells = {"系数": pair(by.get(t))}
        if has_w:
            cells["W×变量"] = pair(by.get(f"W_{t}"))
        for e in ("direct", "indirect", "total") if eff is not None else ():
            cells[_EFFECT_ZH[e]] = pair(effects.get((t, e)))
        rows.append({"变量": _var_zh(ctx, t), **{c: cells.get(c, ("", ""))[0] for c in cols}})
        rows.append({"变量": "", **{c: cells.get(c, ("", ""))[1] for c in cols}})
    for t in spatial_par:
        c, e = pair(by.get(t))
        label = "空间自回归系数 ρ" if t == "rho" else "空间误差系数 λ"
        rows.append({"变量": label, "系数": c})
        rows.append({"变量": "", "系数": e})
    fe = str(st.get("fixed_effects", ""))
    rows.append({"变量": "个体固定效应", "系数": "是"})
    rows.append({"变量": "时间固定效应", "系数": "是" if fe == "twoway" else "否"})
    rows.append({"变量": "观测值", "系数": _num_text(st.get("nobs"), as_int=True)})
    rows.append({"变量": "对数似然值", "系数": _num_text(st.get("log_likelihood"))})
    rows.append({"变量": "R²", "系数": _num_text(st.get("pseudo_r2"))})
    frame = pd.DataFrame(rows, columns=["变量", *cols]).fillna("")
    spec = next((sp for sp in ((ctx.cfg.get("explain") or {}).get("spatial") or [])
                 if isinstance(sp, dict) and str(sp.get("name", "spatial")) == name), {})
    y = str(spec.get("y", "") or "")
    w = str(spec.get("weights", "") or "")
    model_zh = _SPATIAL_MODEL_ZH.get(model, model)
    note = (f"{model_zh}，" + ("双向固定效应（个体与时间）" if fe == "twoway" else "个体固定效应")
            + (f"；被解释变量为 {_var_zh(ctx, y)}" if y else "")
            + (f"；空间权重：{_WEIGHTS_ZH.get(w, w)}" if w else "")
            + "。括号内为标准误；***、**、* 分别表示在 1%、5%、10% 的水平上显著。")
    if has_w:
        note += "W×变量为解释变量的空间滞后项系数。"
    if eff is not None:
        note += "直接效应、间接效应（空间溢出效应）与总效应按 LeSage 与 Pace（2009）的偏微分方法分解。"
    note += "R² 为拟合值与观测值相关系数的平方。"
    lm = ctx.table("explain", f"{name}_lm_tests")
    if lm is not None and {"test", "statistic", "p_value"} <= set(lm.columns):
        note += "LM 检验：" + "，".join(f"{r.test} = {_num_text(r.statistic)}（p = {_num_text(r.p_value)}）"
                                        for r in lm.itertuples(index=False)) + "。"
    title = f"{model_zh}回归结果" if model_zh else _REG_TITLES["spatial"]
    key = "reg_spatial" if name == "spatial" else f"reg_spatial_{re.sub(r'[^0-9A-Za-z_]+', '_', name)}"
    return JournalTable(key, title, frame, note + ctx.source)


def _spatial_tables(ctx: _Ctx) -> list[JournalTable]:
    """One table per spatial panel model (``<name>_statistics`` with the spatial parameter ``rho_or_lambda``)."""
    out = []
    for (stage, table), t in ctx.run.stage_tables.items():
        if (stage == "explain" and table.endswith("_statistics") and t is not None and "statistic" in t
                and bool((t["statistic"].astype(str) == "rho_or_lambda").any())):
            jt = spatial_table(ctx, table[: -len("_statistics")])
            if jt is not None:
                out.append(jt)
    return out


# ---------------------------------------------------------------------------- assemble and write
def journal_tables(run: RunTables) -> list[JournalTable]:
    """Every journal table the run supports, numbered 表1, 表2, … in order."""
    ctx = _context(run)
    tables: list[JournalTable] = []
    for builder in (_weights_table, _scores_tables, _topsis_tables, _dagum_tables, _markov_tables, _lisa_tables,
                    _convergence_tables, _coupling_tables, _obstacle_tables, _regression_tables, _spatial_tables):
        tables.extend(builder(ctx))
    for k, t in enumerate(tables, start=1):
        t.number = k
    return tables


def _fmt_csv(v: Any, as_int: bool) -> str:
    return fmt_fixed(v, 3, as_int=as_int)  # three decimals, counts as integers (nqpf._format)


def _csv_frame(t: JournalTable) -> pd.DataFrame:
    """The table as printed: numbers with three decimals (integers without), as text."""
    return pd.DataFrame({c: [_fmt_csv(v, c in t.int_cols) for v in t.frame[c].astype(object)] for c in t.frame.columns})


def write_journal(run: RunTables, run_dir: str | Path | None = None, *, csv: bool = True) -> Path:
    """Write ``DIR/nqpf_journal_tables.xlsx`` and (``csv=True``) ``DIR/journal/<nn>_<key>.csv``.

    Each sheet (``表1`` …) has the title row (表n …), the header row (three-line table borders), the
    rows (numbers with format ``0.000``, counts, years and ranks ``0``) and the note row (注：…). The
    CSV files hold the same tables as printed (three decimals), in the run's CSV encoding (UTF-8 with
    a BOM unless ``[output] csv_encoding = "utf-8"``).

    Returns
    -------
    Path
        The workbook.
    """
    import xlsxwriter

    d = Path(run_dir) if run_dir is not None else Path(run.run_dir)
    tables = journal_tables(run)
    path = d / JOURNAL_WORKBOOK
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    wb.set_properties({"title": "nqpf 论文表格", "comments": "written by nqpf",
                       "created": pd.Timestamp("2000-01-01").to_pydatetime()})
    font = {"font_name": "宋体", "font_size": 10.5}
    f_title = wb.add_format({**font, "bold": True, "align": "center"})
    f_head = wb.add_format({**font, "bold": True, "align": "center", "valign": "vcenter", "top": 2, "bottom": 1, "text_wrap": True})
    f_note = wb.add_format({**font, "font_size": 9, "text_wrap": True, "valign": "top", "top": 2})
    f3 = {"num_format": "0.000", "align": "center"}
    fi = {"num_format": "0", "align": "center"}
    ft = {"align": "center"}
    cache: dict[tuple[str, bool], Any] = {}

    def cell_fmt(kind: str, last: bool):
        key = (kind, last)
        if key not in cache:
            base = {"f": f3, "i": fi, "t": ft}[kind]
            cache[key] = wb.add_format({**font, **base, **({"bottom": 2} if last else {})})
        return cache[key]

    readme = wb.add_worksheet("目录")
    readme.write_row(0, 0, ["表", "标题", "文件"], f_head)
    for r, t in enumerate(tables, start=1):
        readme.write_row(r, 0, [f"表{t.number}", t.title, f"{JOURNAL_DIR}/{t.number:02d}_{t.key}.csv"])
    readme.set_column(0, 0, 8)
    readme.set_column(1, 1, 50)
    readme.set_column(2, 2, 36)
    for t in tables:
        ws = wb.add_worksheet(f"表{t.number}")
        df = t.frame
        ncol = max(df.shape[1], 1)
        if ncol > 1:
            ws.merge_range(0, 0, 0, ncol - 1, t.caption, f_title)
        else:
            ws.write_string(0, 0, t.caption, f_title)
        ws.write_row(1, 0, [str(c) for c in df.columns], f_head)
        kinds = []
        for c in df.columns:
            s = df[c]
            if c in t.int_cols:
                kinds.append("i")
            elif pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                kinds.append("f")
            else:
                kinds.append("t")
        n = len(df)
        for i, row in enumerate(df.astype(object).itertuples(index=False), start=2):
            last = i == n + 1
            for j, v in enumerate(row):
                fmt = cell_fmt(kinds[j], last)
                if v is None or v is pd.NA or (isinstance(v, (float, np.floating)) and not math.isfinite(float(v))):
                    ws.write_blank(i, j, None, fmt)
                elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
                    ws.write_number(i, j, float(v), fmt)
                else:
                    ws.write_string(i, j, str(v), fmt)
        note_row = n + 2
        if ncol > 1:
            ws.merge_range(note_row, 0, note_row, ncol - 1, t.note_text, f_note)
        else:
            ws.write_string(note_row, 0, t.note_text, f_note)
        ws.set_row(note_row, 15 * max(1, math.ceil(len(t.note_text) / max(12 * ncol, 40))))
        for j, c in enumerate(df.columns):
            width = max([len(str(c)) * 2] + [len(str(v)) * (2 if any(ord(ch) > 127 for ch in str(v)) else 1)
                                              for v in df[c].astype(str).head(200)])
            ws.set_column(j, j, min(max(width if kinds[j] == "t" else 9, 8) + 1, 30))
        ws.freeze_panes(2, 0)
        # printed as papers print them: A4, one page wide (landscape beyond eight columns), title and headers repeated
        ws.set_paper(9)
        if ncol > 8:
            ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, 1)
        ws.center_horizontally()
    wb.close()
    if csv:
        from ..index.result import write_csv

        jd = d / JOURNAL_DIR
        jd.mkdir(parents=True, exist_ok=True)
        enc = csv_encoding_of(run.result.manifest)
        for t in tables:
            write_csv(_csv_frame(t), jd / f"{t.number:02d}_{t.key}.csv", encoding=enc)
    return path
