"""Chinese report cells (codes and generated sentences shown in Chinese, English kept as saved) and the journal
table of a spatial panel model (SDM: coefficients, W×X, direct / indirect / total effects, ρ, FE rows, N)."""
import json
import re
import warnings

import libpysal
import numpy as np
import openpyxl
import pandas as pd
import pytest
from bs4 import BeautifulSoup

import nqpf
import nqpf.run
from nqpf.explain.spatial import spatial_panel
from nqpf.index.result import write_csv
from nqpf.report.html import build_report_html, render_table
from nqpf.report.journal import spatial_table, write_journal
from nqpf.report.sections import cell_text, sentence_zh
from nqpf.report.tables import collect

# the validation and quality tables as the stages save them (codes and English sentences)
FLAGS = pd.DataFrame({"scope": ["dimension", "dimension"], "dimension": ["NQPF", "digital_infrastructure"],
                      "member": ["labourers|means_of_labour", ""], "flag": ["redundant_pair", "low_alpha"],
                      "value": [0.9619, 0.4465], "threshold": [0.9, 0.7],
                      "rule": ["pairwise Pearson r > 0.9", "Cronbach alpha < 0.7"]})
KNOWN = pd.DataFrame({"check": ["east_west", "frontier_provinces"],
                      "title": ["East (东部) vs west (西部) provinces on the index",
                                "北京, 天津, 上海, 重庆 + 广东, 江苏, 浙江 vs the rest, on science-technology and digital nodes"],
                      "node": ["NQPF", ""], "node_name": ["新质生产力", ""], "year": [2022, 2022],
                      "group_a": ["东部 (east)", "4 municipalities + 广东/江苏/浙江"], "group_b": ["西部 (west)", "rest"],
                      "expected": ["a>b", "a>b"], "mean_diff": [0.2545, np.nan], "agrees": [True, np.nan],
                      "status": ["ok", "skipped"], "reason": ["", "no node of the framework matches grouping=type:科技创新"]})
FINDINGS = pd.DataFrame({
    "unit": ["540000", "120000"], "series": ["broadband_ports_per_capita", "basic_research_intensity"],
    "years": ["2016", "2022"], "rule": ["level_break", "ratio_input_flagged"], "statistic": [12.2047, 6.6717],
    "threshold": [5.0, 5.0], "severity": ["medium", "high"], "action": ["flag", "flag"], "used": [True, False],
    "detail": ["Level break in 2016: 0.1546 → 0.3151 (+103.8%; cross-section z = 4.8, own z = 8.3), median 0.148 before "
               "vs 0.5792 after; the new level persists.",
               "Derived indicator basic_research_intensity uses raw series rd_expenditure_basic_research "
               "(rd_expenditure_basic_research, gdp), which is flagged jump in 2022: Jump in 2022: 588112 → 248128 "
               "(-57.8%; cross-section median change +17.0%, z = -7.5; own median +26.8%, z = -5.9)."]})
ENGLISH = ["True", "False", "medium", "high", "flag", "redundant_pair", "low_alpha", "level_break", "Level break",
           "Derived indicator", "East (东部)", "rest", "skipped", "no node", "pairwise", "Cronbach alpha"]


def _visible(html: str, lang: str) -> str:
    """The text a reader sees in ``lang`` (the other language's spans removed; code, scripts and styles left out)."""
    soup = BeautifulSoup(html, "html.parser")
    for t in soup(["script", "style", "svg", "code"]):
        t.decompose()
    for t in soup.select(".en" if lang == "zh" else ".zh"):
        t.decompose()
    return soup.get_text(" ")


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z][A-Za-z_'\-]*[A-Za-z]", text))


def test_cell_text_zh_words_and_english_as_saved():
    assert [cell_text(v, "zh") for v in (True, False, "True", "medium", "high", "low", "flag")] == \
        ["是", "否", "是", "中", "高", "低", "标记"]
    assert cell_text("redundant_pair", "zh") == "冗余指标对（高度相关）"
    assert cell_text("low_alpha; not_significant_with_dimension", "zh", "flags") == "内部一致性偏低（α < 0.7）；与所属维度相关不显著"
    assert cell_text("lower-middle", "zh", "from_state") == "中低水平" and cell_text("high", "zh", "severity") == "高"
    assert cell_text("direct", "zh", "effect") == "直接效应" and cell_text("ns", "zh", "cluster") == "不显著"
    assert cell_text("East (东部) vs west (西部) provinces on the index", "zh") == "东部与西部省份比较（总指数）"
    for v in (True, "medium", "redundant_pair", "Level break in 2016: 1 → 2 (+100.0%; cross-section z = 4.8, own z = 8.3), "
              "median 1 before vs 2 after; the new level persists."):
        assert cell_text(v, "en") == (str(v) if not isinstance(v, bool) else "True")
    assert cell_text(0.5, "zh") == "0.5000" and cell_text("北京", "zh") == "北京"


def test_quality_sentences_in_chinese():
    d = FINDINGS["detail"]
    assert sentence_zh(d[0]) == ("2016 年水平断点：0.1546 → 0.3151（+103.8%；截面 z = 4.8，自身 z = 8.3），断点前中位数 0.148，"
                                 "断点后 0.5792；新水平持续存在。")
    assert sentence_zh(d[1]) == ("派生指标 basic_research_intensity 使用的原始序列 rd_expenditure_basic_research"
                                 "（rd_expenditure_basic_research、gdp）在 2022 被标记为「异常跳变」：2022 年异常跳变：588112 → "
                                 "248128（-57.8%；截面中位变化 +17.0%，z = -7.5；自身中位变化 +26.8%，z = -5.9）。")
    assert sentence_zh("The 2013 value 1.8 is repeated unchanged in 2014–2022 (10 identical years; chance at this "
                       "precision and volatility 1.4e-22).") == \
        "2013 年的数值 1.8 在 2014–2022 原样重复（连续 10 年相同；按此精度与波动偶然出现的概率为 1.4e-22）。"
    assert sentence_zh("Jump in 2013: 831.83 → 1474.49 (+77.3%; cross-section median change -1.1%, z = 8.2; own median "
                       "+6.2%, z = 12.4); too few later years to tell a break, so no cell is removed.") == \
        ("2013 年异常跳变：831.83 → 1474.49（+77.3%；截面中位变化 -1.1%，z = 8.2；自身中位变化 +6.2%，z = 12.4）；"
         "其后年份太少，无法判断是否为断点，因此未删除任何单元格。")
    assert sentence_zh("NaN to low, lower-middle: not reached from lower-middle with probability 1 (nor lower-middle "
                       "returned to); the chain is not irreducible") == \
        "到低水平、中低水平为空：从中低水平出发不能以概率 1 到达（也不会以概率 1 返回中低水平）；马尔可夫链不是不可约的"


def test_render_table_shows_each_language_its_words():
    html = render_table(FINDINGS, table="findings")
    zh, en = _visible(html, "zh"), _visible(html, "en")
    assert not _words(zh) & {"True", "False", "medium", "high", "flag", "level_break", "Level", "Derived"}
    assert "是" in zh and "否" in zh and "水平断点" in zh and "中" in zh
    assert {"True", "False", "medium", "high", "flag", "Level", "Derived"} <= _words(en)
    assert '<span class="zh">水平断点</span><span class="en"><code>level_break</code></span>' in html
    assert "水平断点" not in en and "是" not in en
    # ids as code in both languages
    assert "<code>broadband_ports_per_capita</code>" in html
    # of a pair X_zh / X_en, each language shows its own column
    pair = render_table(pd.DataFrame({"class_zh": ["勉强协调"], "class_en": ["barely coordinated"]}))
    assert "barely" not in _visible(pair, "zh") and "勉强协调" not in _visible(pair, "en")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("zhcells")
    cfg = nqpf.datasets.demo_config(stages=["report"])
    cfg["report"] = {"figures": False, "html": False, "workbook": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=out)
    return out


def test_zh_report_has_no_english_codes_and_en_report_keeps_them(run_dir):
    run = collect(run_dir)
    run.stage_tables[("validation", "flags")] = FLAGS
    run.stage_tables[("validation", "known_groups")] = KNOWN
    run.stage_tables[("quality", "findings")] = FINDINGS
    html = build_report_html(run, embed_font=False, lang="zh")
    zh = _visible(html, "zh")
    assert not _words(zh) & {"True", "False", "medium", "flag", "redundant_pair", "low_alpha", "level_break", "rest",
                             "skipped", "Derived", "pairwise", "East"}
    for text in ("冗余指标对（高度相关）", "内部一致性偏低（α < 0.7）", "两两 Pearson 相关系数 r > 0.9", "东部与西部省份比较（总指数）",
                 "框架中没有与 grouping=type:科技创新 匹配的节点", "其余地区", "2016 年水平断点"):
        assert text in zh
    en = _visible(build_report_html(run, embed_font=False, lang="en"), "en")
    assert {"True", "rest", "skipped", "medium", "Level", "pairwise"} <= _words(en)
    assert '<span class="en"><code>redundant_pair</code></span>' in html
    assert "冗余指标对" not in en and "两两" not in en


def _spatial_run(run_dir, tmp_path):
    """A run folder with the tables of an SDM fitted through the public API, saved as the explain stage saves them."""
    w = libpysal.weights.lat2W(5, 5)
    rng = np.random.default_rng(0)
    N, T = 25, 8
    Wm = w.full()[0] / w.full()[0].sum(1, keepdims=True)
    frames = []
    for t in range(T):
        xv = rng.normal(size=N)
        yv = np.linalg.solve(np.eye(N) - 0.4 * Wm, xv + 0.5 * Wm @ xv + rng.normal(scale=0.3, size=N))
        frames.append(pd.DataFrame({"unit": [str(i) for i in range(N)], "year": 2000 + t, "y": yv, "x": xv}))
    res = spatial_panel(pd.concat(frames), y="y", x=["x"], w=w, draws=200, seed=1)
    out = tmp_path / "run"
    import shutil

    shutil.copytree(run_dir, out)
    (out / "explain").mkdir()
    names = {}
    for k, t in res.tables().items():
        write_csv(t, out / "explain" / f"spatial_{k}.csv")
        names[f"spatial_{k}"] = f"spatial_{k}"
    stages = json.loads((out / "stages.json").read_text(encoding="utf-8"))
    stages["explain"] = {"tables": names, "results": {}, "artefacts": []}
    (out / "stages.json").write_text(json.dumps(stages), encoding="utf-8")
    return res, out


def _printed(v: float, p: float | None = None) -> str:
    s = f"{v:.3f}".replace("-", "\u2212")
    if p is not None:
        s += "*" * sum(p < lv for lv in (0.1, 0.05, 0.01))
    return s


def test_spatial_journal_table_of_an_sdm(run_dir, tmp_path):
    res, out = _spatial_run(run_dir, tmp_path)
    t = spatial_table(collect(out))
    f = t.frame
    assert t.title == "空间杜宾模型（SDM）回归结果"
    assert f.columns.tolist() == ["变量", "系数", "W×变量", "直接效应", "间接效应", "总效应"]
    b, se, p = res.params, res.std_errors, res.pvalues
    assert f.iloc[0].tolist()[:3] == ["x", _printed(b["x"], p["x"]), _printed(b["W_x"], p["W_x"])]
    assert f.iloc[1].tolist()[:3] == ["", f"({se['x']:.3f})", f"({se['W_x']:.3f})"]
    # the SDM of the example: x → y with 1, W x with 0.5, ρ = 0.4 (all significant at 1%)
    assert f.iloc[0, 1].endswith("***") and f.iloc[0, 2].endswith("***") and abs(b["x"] - 1) < 0.15
    e = res.effects.set_index(["term", "effect"])
    for col, eff in (("直接效应", "direct"), ("间接效应", "indirect"), ("总效应", "total")):
        assert f.loc[0, col] == _printed(e.loc[("x", eff), "estimate"], e.loc[("x", eff), "p_value"])
        assert f.loc[1, col] == f"({e.loc[('x', eff), 'std_error']:.3f})"
    rows = dict(zip(f["变量"], f["系数"]))
    assert rows["空间自回归系数 ρ"] == _printed(res.rho, p["rho"]) and rows["空间自回归系数 ρ"].startswith("0.4")
    assert rows["个体固定效应"] == "是" and rows["时间固定效应"] == "是" and rows["观测值"] == str(res.nobs) == "200"
    assert rows["对数似然值"] == _printed(res.logll) and rows["R²"] == _printed(res.pseudo_r2)
    assert "括号内为标准误；***、**、* 分别表示在 1%、5%、10% 的水平上显著。" in t.note
    assert "直接效应、间接效应（空间溢出效应）与总效应" in t.note and "LM 检验：LM-lag = " in t.note
    # in the workbook: title row, headers, the cells as text, and the note below
    write_journal(collect(out), out)
    wb = openpyxl.load_workbook(out / "nqpf_journal_tables.xlsx")
    ws = next(wb[n] for n in wb.sheetnames[1:] if "空间杜宾模型" in str(wb[n]["A1"].value))
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[1] == ["变量", "系数", "W×变量", "直接效应", "间接效应", "总效应"]
    assert rows[2][:2] == ["x", _printed(b["x"], p["x"])] and rows[-1][0].startswith("注：空间杜宾模型（SDM），双向固定效应")
    assert not any(isinstance(v, str) and v.startswith("'") for r in rows for v in r)
