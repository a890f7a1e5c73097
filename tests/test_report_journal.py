"""Journal-layout tables (nqpf_journal_tables.xlsx, DIR/journal/*.csv) and CSVs with a UTF-8 BOM."""
import json
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

import nqpf
import nqpf.run
from nqpf.index.aggregate import topsis, topsis_distances
from nqpf.index.result import write_csv
from nqpf.index.weights import critic_parts, critic_weights, entropy_parts, entropy_weights
from nqpf.report.journal import journal_tables, write_journal
from nqpf.report.tables import collect

# a regression table as the explain stage saves it (write_csv quotes "-0.223*", a formula to a spreadsheet, as "'-0.223*")
MODELS_TABLE = pd.DataFrame({"": ["lag(NQPF)", " ", "log(population)", "  ", "个体固定效应", "观测值", "R²"],
                             "(1) FE": ["0.719", "(4.492)", "-8.124", "(6.227)", "是", "279", "0.789"],
                             "(2) RE": ["5.655***", "(1.244)", "-0.223*", "(0.121)", "否", "279", "0.685"]})


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("journal")
    cfg = nqpf.datasets.demo_config(stages=["analysis", "report"])
    cfg["analysis"] = {"nodes": ["NQPF"], "permutations": 99}
    cfg["report"] = {"figures": False, "html": False, "workbook": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=out)
    (out / "explain").mkdir()
    write_csv(MODELS_TABLE, out / "explain" / "models_table.csv")
    stages = json.loads((out / "stages.json").read_text(encoding="utf-8"))
    stages["explain"] = {"tables": {"models_table": "models_table"}, "results": {}, "artefacts": []}
    (out / "stages.json").write_text(json.dumps(stages), encoding="utf-8")
    write_journal(collect(out), out)  # again, now with the regression table
    return out


def _sheets(path):
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets[1:]:
        rows = list(ws.iter_rows())
        out[rows[0][0].value.split(" ", 1)[1]] = rows
    return wb, out


def _find(sheets, word):
    return next(rows for title, rows in sheets.items() if word in title)


def test_workbook_has_titles_headers_three_decimals_and_notes(run_dir):
    wb, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    assert wb.sheetnames[0] == "目录" and wb.sheetnames[1] == "表1"
    for name in wb.sheetnames[1:]:
        rows = list(wb[name].iter_rows())
        assert rows[0][0].value.startswith(f"{name} ")          # 表n title
        assert rows[-1][0].value.startswith("注：") and "数据来源" in rows[-1][0].value
    rows = _find(sheets, "指标体系及权重")
    head = [c.value for c in rows[1]]
    assert head[:5] == ["一级指标", "二级指标", "三级指标", "单位", "属性"]
    assert head[5:8] == ["信息熵 e", "信息效用值 d", "权重 w"]
    assert {r[4].value for r in rows[2:-1]} <= {"正向", "负向"} and "负向" in {r[4].value for r in rows[2:-1]}
    assert all(r[7].number_format == "0.000" for r in rows[2:-1])
    # names, never ids
    assert rows[2][2].value == "每万人R&D人员全时当量" and rows[2][0].value == "新型劳动者"


def test_entropy_weights_equal_the_run_and_e_d_are_consistent(run_dir):
    res = nqpf.load_result(run_dir)
    t = journal_tables(collect(run_dir))[0].frame
    w = res.weights.set_index("node").loc[res.framework.indicators, "effective_weight"].to_numpy()
    np.testing.assert_allclose(t["权重 w"].to_numpy(), w, atol=1e-12)
    np.testing.assert_allclose(t["信息效用值 d"] + t["信息熵 e"], 1.0, atol=1e-12)
    np.testing.assert_allclose(t["信息效用值 d"] / t["信息效用值 d"].sum(), w, atol=1e-12)


def test_scores_wide_with_region_means_and_ranks(run_dir):
    res = nqpf.load_result(run_dir)
    _, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    rows = _find(sheets, "指数测度结果")
    head = [c.value for c in rows[1]]
    assert head[:2] == ["区域", "地区"] and head[2] == "2013" and head[-2:] == ["均值", "均值排名"]
    body = {r[1].value: r for r in rows[2:-1]}
    s = res.scores[(res.scores["node"] == "NQPF") & (res.scores["year"] == 2013)].set_index("unit_name")["score"]
    assert body["北京"][2].value == pytest.approx(s["北京"], abs=1e-12) and body["北京"][2].number_format == "0.000"
    assert body["北京"][0].value == "东部" and body["辽宁"][0].value == "东北"
    west = res.units.loc[res.units["region4"] == "west", "unit_name"]
    assert body["西部均值"][2].value == pytest.approx(s[west].mean(), abs=1e-12)
    assert {r[0].value for r in rows[2:-1]} >= {"东部", "中部", "西部", "东北", "全国"}
    assert "east" not in {r[0].value for r in rows[2:-1]}
    ranks = _find(sheets, "指数排名")
    assert [r[2].value for r in ranks[2:-1] if r[1].value == "北京"] == [1] and ranks[2][2].number_format == "0"


def test_topsis_recomputed_by_hand_for_one_unit(run_dir):
    res = nqpf.load_result(run_dir)
    t = journal_tables(collect(run_dir))
    top = next(x for x in t if x.key == "topsis").frame
    n = res.normalised.pivot_table(index=["unit", "year"], columns="indicator", values="value")[res.framework.indicators]
    w = res.weights.set_index("node").loc[res.framework.indicators, "effective_weight"].to_numpy()
    w = w / w.sum()
    v = n.to_numpy() * w
    best, worst = np.nanmax(v, axis=0), np.nanmin(v, axis=0)   # pooled ideal, weighted values (the run's config)
    row = v[n.index.get_loc(("520000", 2022))]
    dp, dm = np.sqrt(np.nansum((row - best) ** 2)), np.sqrt(np.nansum((row - worst) ** 2))
    got = top[(top["地区"] == "贵州") & (top["年份"] == 2022)].iloc[0]
    assert got["D+"] == pytest.approx(dp, abs=1e-12) and got["D−"] == pytest.approx(dm, abs=1e-12)
    assert got["贴近度 C"] == pytest.approx(dm / (dp + dm), abs=1e-12)
    c22 = top[top["年份"] == 2022]
    assert got["排名"] == int((c22["贴近度 C"] > got["贴近度 C"]).sum() + 1)


def test_dagum_markov_moran_coupling_obstacles_from_the_stage_tables(run_dir):
    tables = {t.key: t for t in journal_tables(collect(run_dir))}
    tot = pd.read_csv(run_dir / "analysis" / "dagum_totals.csv")
    tot = tot[(tot["node"] == "NQPF") & (tot["grouping"] == "region4")].set_index("year")
    d = tables["dagum_totals"].frame.set_index("年份")
    assert d.loc[2022, "总体 G"] == pytest.approx(tot.loc[2022, "G"], abs=1e-12)
    assert d.loc[2022, "区域间贡献率(%)"] == pytest.approx(100 * tot.loc[2022, "Gnb_share"], abs=1e-9)
    reg = tables["dagum_regions"].frame
    assert {"东部", "中部", "西部", "东北", "东部—西部"} <= set(reg.columns)
    mk = tables["markov"].frame
    assert list(mk.iloc[:, 0]) == ["低水平", "中低水平", "中高水平", "高水平"] and "n" in mk.columns
    np.testing.assert_allclose(mk[["低水平", "中低水平", "中高水平", "高水平"]].sum(axis=1), 1.0)
    assert set(tables["spatial_markov"].frame["邻域状态"]) == {"邻域低水平", "邻域中低水平", "邻域中高水平", "邻域高水平"}
    mo = tables["moran"].frame
    assert list(mo.columns) == ["年份", "Moran's I", "E(I)", "sd(I)", "z 值", "p 值"]
    assert mo["E(I)"].iloc[0] == pytest.approx(-1 / 30)
    np.testing.assert_allclose((mo["Moran's I"] - mo["E(I)"]) / mo["sd(I)"], mo["z 值"])
    cc = tables["coupling"].frame
    assert {"耦合度 C", "综合协调指数 T", "耦合协调度 D", "协调等级"} <= set(cc.columns)
    assert "数字经济" in tables["coupling"].note
    ob = tables["obstacles"].frame
    ids = set(nqpf.load_result(run_dir).framework.indicators)
    names = set(ob[[f"障碍因子{k}" for k in range(1, 6)]].to_numpy().ravel())
    assert not names & ids and "每百万人高技术产业企业数" in names
    assert set(tables["obstacles_regions"].frame["区域"]) == {"东部", "中部", "西部", "东北"}


def test_regression_table_and_csv_files_with_bom(run_dir):
    tables = journal_tables(collect(run_dir))
    reg = next(t for t in tables if t.key == "reg_models")
    assert reg.frame.columns[0] == "变量" and reg.frame.iloc[0, 2] == "5.655***" and reg.frame.iloc[1, 1] == "(4.492)"
    # node ids by their names; the CSV quote of "-0.223*" undone, the minus printed as U+2212 (never a formula)
    assert reg.frame.iloc[0, 0] == "新质生产力（滞后一期）" and reg.frame.iloc[1, 0] == ""
    assert reg.frame.iloc[2, 2] == "\u22120.223*" and reg.frame.iloc[2, 1] == "\u22128.124"
    _, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    rows = _find(sheets, "基准回归结果")
    assert [c.value for c in rows[1]] == ["变量", "(1) FE", "(2) RE"]
    assert [c.value for c in rows[4]] == ["log(population)", "\u22128.124", "\u22120.223*"]
    printed = pd.read_csv(run_dir / "journal" / f"{reg.number:02d}_reg_models.csv", dtype=str, encoding="utf-8-sig",
                          keep_default_na=False)
    assert printed.iloc[2].tolist() == ["log(population)", "\u22128.124", "\u22120.223*"]
    files = sorted(p.name for p in (run_dir / "journal").glob("*.csv"))
    assert files[0] == "01_weights.csv" and f"{reg.number:02d}_reg_models.csv" in files
    raw = (run_dir / "journal" / "01_weights.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf" + "一级指标".encode())
    w = pd.read_csv(run_dir / "journal" / "01_weights.csv", dtype=str, encoding="utf-8-sig")
    assert all(len(x.split(".")[1]) == 3 for x in w["权重 w"])      # printed with three decimals


def test_run_csvs_have_a_bom_and_plain_utf8_is_a_switch(run_dir, tmp_path):
    assert (run_dir / "scores.csv").read_bytes().startswith(b"\xef\xbb\xbfunit,")
    assert (run_dir / "analysis" / "dagum_totals.csv").read_bytes().startswith(b"\xef\xbb\xbfnode,")
    cfg = nqpf.datasets.demo_config(stages=[], years=(2020, 2022))
    cfg["output"] = {"csv_encoding": "utf-8"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=tmp_path / "plain")
    assert (tmp_path / "plain" / "scores.csv").read_bytes().startswith(b"unit,")
    a, b = nqpf.load_result(run_dir), nqpf.load_result(tmp_path / "plain")
    assert list(a.scores.columns) == list(b.scores.columns) == ["unit", "unit_name", "year", "node", "score", "rank"]
    assert a.units["unit"].iloc[0] == "110000" and b.units["unit"].iloc[0] == "110000"
    with pytest.raises(nqpf.ConfigError if hasattr(nqpf, "ConfigError") else Exception, match="csv_encoding"):
        nqpf.run.run({**cfg, "output": {"csv_encoding": "gbk"}}, out=tmp_path / "bad")


def test_weight_parts_reproduce_the_weights():
    rng = np.random.default_rng(1)
    z = rng.random((40, 5))
    z[3, 2] = np.nan
    p = entropy_parts(z, zeros="shift", shift=0.0001)
    np.testing.assert_allclose(p.w, entropy_weights(z, zeros="shift", shift=0.0001), atol=1e-15)
    col = z[:, 0] + 0.0001
    q = col / col.sum()
    assert p.e[0] == pytest.approx(-(q * np.log(q)).sum() / np.log(40), abs=1e-12)
    c = critic_parts(z[~np.isnan(z).any(axis=1)])
    np.testing.assert_allclose(c.w, critic_weights(z), atol=1e-15)
    r = np.corrcoef(z[~np.isnan(z).any(axis=1)], rowvar=False)
    assert c.conflict[1] == pytest.approx((1 - r[1]).sum(), abs=1e-12)
    V = rng.random((2, 6, 3))
    dp, dm, cc = topsis_distances(V, np.array([0.5, 0.3, 0.2]))
    np.testing.assert_allclose(cc, topsis(V, np.array([0.5, 0.3, 0.2])), atol=1e-15)


def test_critic_run_shows_the_critic_columns(tmp_path):
    cfg = nqpf.datasets.demo_config(stages=["report"], weighting="critic", years=(2018, 2022))
    cfg["report"] = {"figures": False, "html": False, "workbook": False}
    cfg["output"] = {"csv_encoding": "utf-8"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=tmp_path)
    res = nqpf.load_result(tmp_path)
    t = journal_tables(collect(tmp_path))[0].frame
    assert {"标准差", "冲突性", "信息量", "权重 w"} <= set(t.columns)
    w = res.weights.set_index("node").loc[res.framework.indicators, "effective_weight"].to_numpy()
    np.testing.assert_allclose(t["权重 w"].to_numpy(), w, atol=1e-12)
    np.testing.assert_allclose(t["信息量"], t["标准差"] * t["冲突性"])
    # the journal CSVs follow [output] csv_encoding: plain UTF-8 here
    raw = (tmp_path / "journal" / "01_weights.csv").read_bytes()
    assert raw.startswith("一级指标".encode()) and not raw.startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "scores.csv").read_bytes().startswith(b"unit,")


def test_lisa_table_holds_counts_and_province_names_of_every_year(run_dir):
    _, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    rows = _find(sheets, "局部空间集聚类型")
    assert [c.value for c in rows[1]] == ["年份", "集聚类型", "地区数", "地区"]
    body = [[c.value for c in r] for r in rows[2:-1]]
    counts = pd.read_csv(run_dir / "analysis" / "lisa_clusters.csv", encoding="utf-8-sig")
    counts = counts[counts["node"] == "NQPF"].set_index("year")
    local = pd.read_csv(run_dir / "analysis" / "lisa_local.csv", encoding="utf-8-sig", dtype={"unit": str})
    local = local[local["node"] == "NQPF"]
    names = nqpf.load_result(run_dir).units.set_index("unit")["unit_name"]
    labels = {"高—高集聚（HH）": "HH", "低—低集聚（LL）": "LL", "高—低集聚（HL）": "HL", "低—高集聚（LH）": "LH", "不显著": "ns"}
    assert len(body) == 5 * len(counts) and [r[1] for r in body[:5]] == list(labels)
    for year, label, n, units in body:
        c = labels[label]
        assert n == counts.loc[year, c], (year, c)
        want = local[(local["year"] == year) & (local["cluster"] == c)].sort_values("unit")["unit"]
        assert (units or "") == "、".join(names[want]), (year, c)
    assert sum(r[2] for r in body if r[0] == 2022) == 31
    assert rows[2][2].number_format == "0" and "置换检验" in rows[-1][0].value and "p < 0.05" in rows[-1][0].value


def test_sigma_beta_and_club_convergence_tables_equal_the_run(run_dir):
    from nqpf.explain.tables import stars

    _, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    # σ convergence by year
    rows = _find(sheets, "σ 收敛检验")
    assert [c.value for c in rows[1]] == ["年份", "地区数", "均值", "标准差 σ", "变异系数 CV"]
    sig = pd.read_csv(run_dir / "analysis" / "sigma_sigma.csv", encoding="utf-8-sig")
    sig = sig[sig["node"] == "NQPF"].set_index("year")
    got = {r[0].value: r for r in rows[2:-1]}
    assert sorted(got) == sorted(sig.index)
    for y, r in got.items():
        assert r[3].value == pytest.approx(sig.loc[y, "sd"], abs=1e-12) and r[4].value == pytest.approx(sig.loc[y, "cv"], abs=1e-12)
        assert r[3].number_format == "0.000"
    trend = pd.read_csv(run_dir / "analysis" / "sigma_trend.csv", encoding="utf-8-sig").set_index(["node", "measure"])
    assert f"{trend.loc[('NQPF', 'cv'), 'slope']:.3f}" in rows[-1][0].value
    # β convergence in the regression layout
    rows = _find(sheets, "β 收敛检验结果")
    head = [c.value for c in rows[1]]
    assert head[:2] == ["变量", "(1) 新质生产力"]
    table = {r[0].value: [c.value for c in r[1:]] for r in rows[2:-1] if r[0].value}
    bb = pd.read_csv(run_dir / "analysis" / "beta_beta.csv", encoding="utf-8-sig").set_index("node").loc["NQPF"]
    want = f"{bb['beta']:.3f}".replace("-", "\u2212") + stars(bb["p"])
    assert table["ln 初期水平（β）"][0] == want and want.endswith("***")
    se_row = [c.value for c in rows[3]]
    assert se_row[0] in ("", None) and se_row[1] == f"({bb['se']:.3f})"
    assert table["观测值 N"][0] == str(int(bb["n_obs"])) and table["R²"][0] == f"{bb['r2']:.3f}"
    assert table["个体固定效应"][0] == "是" and table["时间固定效应"][0] == "是"     # fe = twoway
    assert table["收敛速度 λ"][0] == f"{bb['lambda']:.3f}" and table["半衰期（年）"][0] == f"{bb['half_life']:.3f}"
    assert float(table["半衰期（年）"][0]) == pytest.approx(np.log(2) / bb["lambda"], abs=1e-3)
    assert "常数项" in table
    # club convergence: the log t test of every club and its members by name
    rows = _find(sheets, "俱乐部收敛")
    assert [c.value for c in rows[1]] == ["俱乐部", "地区数", "log t 系数 b", "标准误", "t 值", "是否收敛", "地区"]
    tests = pd.read_csv(run_dir / "analysis" / "club_tests.csv", encoding="utf-8-sig", dtype={"club": str})
    tests = tests[tests["node"] == "NQPF"]
    mem = pd.read_csv(run_dir / "analysis" / "club_membership.csv", encoding="utf-8-sig", dtype={"unit": str})
    mem = mem[mem["node"] == "NQPF"].sort_values("order")
    names = nqpf.load_result(run_dir).units.set_index("unit")["unit_name"]
    body = {r[0].value: [c.value for c in r] for r in rows[2:-1]}
    assert body["全样本"][1] == 31 and body["全样本"][4] == pytest.approx(tests.set_index("club").loc["all", "t"], abs=1e-12)
    for club in tests["club"]:
        if club in ("all", "divergent"):
            continue
        r = body[f"俱乐部{club}"]
        assert r[6] == "、".join(names[mem.loc[mem["club"].astype(str) == club, "unit"]])
        assert r[5] == ("是" if tests.set_index("club").loc[club, "converges"] else "否")
    assert sum(r[1] for k, r in body.items() if k != "全样本") == 31


def test_ahp_run_shows_the_consistency_table_and_local_and_global_weights(run_dir, tmp_path):
    from nqpf.index.weights import ahp_weights

    fw = nqpf.load_result(run_dir).framework           # the default framework: one matrix per aggregate node
    A = [[1, 2, 3, 1], [1 / 2, 1, 2, 1 / 2], [1 / 3, 1 / 2, 1, 1 / 3], [1, 2, 3, 1]]
    matrices = {a: np.ones((len(fw.children(a)),) * 2).tolist() for a in fw.aggregates}
    matrices["NQPF"] = A
    cfg = nqpf.datasets.demo_config(stages=["report"], years=(2020, 2022))
    cfg["weight"] = {"method": "ahp", "scheme": "within_parent", "ahp": matrices}
    cfg["report"] = {"figures": False, "html": False, "workbook": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=tmp_path)
    res = nqpf.load_result(tmp_path)
    _, sheets = _sheets(tmp_path / "nqpf_journal_tables.xlsx")
    rows = _find(sheets, "一致性检验")
    assert [c.value for c in rows[1]] == ["判断矩阵（上级指标）", "阶数", "λmax", "CI", "RI", "CR", "一致性检验"]
    r = ahp_weights(np.asarray(A, dtype=float))
    got = [c.value for c in rows[2]]                  # framework order: the index first
    assert got[0] == "新质生产力" and got[1] == 4
    assert all(r[3].value >= 0 and r[5].value >= 0 for r in rows[2:-1])   # consistent matrices: CI = CR = 0, never −0
    assert len(rows) == 2 + len(matrices) + 1
    assert got[2:6] == pytest.approx([r.lambda_max, r.CI, r.RI, r.CR], abs=1e-12) and got[6] == "通过"
    w = _find(sheets, "指标体系及权重")
    head = [c.value for c in w[1]]
    assert head[-2:] == ["局部权重", "综合权重"] and "权重 w" not in head
    ws = res.weights.set_index("node")
    first = res.framework.indicators[0]
    assert w[2][len(head) - 2].value == pytest.approx(ws.loc[first, "weight"], abs=1e-12)
    assert w[2][len(head) - 1].value == pytest.approx(ws.loc[first, "effective_weight"], abs=1e-12)
    assert "λmax" in w[-1][0].value or "层次分析法" in w[-1][0].value



def test_every_sheet_and_csv_holds_its_table_cell_by_cell(run_dir):
    """Each sheet 表n read back with openpyxl: title, headers, every cell and the note equal the journal table; each CSV
    the same cells printed with three decimals (integers without)."""
    wb = openpyxl.load_workbook(run_dir / "nqpf_journal_tables.xlsx")
    tables = journal_tables(collect(run_dir))
    assert wb.sheetnames == ["目录"] + [f"表{t.number}" for t in tables]
    toc = [[c.value for c in r] for r in wb["目录"].iter_rows(min_row=2)]
    assert toc == [[f"表{t.number}", t.title, f"journal/{t.number:02d}_{t.key}.csv"] for t in tables]
    for t in tables:
        ws = wb[f"表{t.number}"]
        # printed one page wide on A4 (landscape beyond eight columns), title and header rows on every page
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0   # OOXML: fitToWidth 1 by default
        assert ws.page_setup.orientation == ("landscape" if t.frame.shape[1] > 8 else "portrait")
        assert ws.print_title_rows == "$1:$2"
        rows = [[c.value for c in r] for r in ws.iter_rows()]
        assert rows[0][0] == t.caption and rows[-1][0] == t.note_text
        assert rows[1] == [str(c) for c in t.frame.columns], t.title
        body = rows[2:-1]
        assert len(body) == len(t.frame), t.title
        printed = pd.read_csv(run_dir / "journal" / f"{t.number:02d}_{t.key}.csv", dtype=str, encoding="utf-8-sig",
                              keep_default_na=False)
        assert list(printed.columns) == [str(c) for c in t.frame.columns]
        for i, (got, want, text) in enumerate(zip(body, t.frame.astype(object).itertuples(index=False),
                                                  printed.itertuples(index=False))):
            for j, (g, w, s) in enumerate(zip(got, want, text)):
                where = (t.title, i, t.frame.columns[j])
                if w is None or w is pd.NA or (isinstance(w, float) and np.isnan(w)) or w == "":
                    assert g in (None, "") and s == "", where
                elif isinstance(w, (int, float, np.integer, np.floating)) and not isinstance(w, (bool, np.bool_)):
                    assert g == pytest.approx(float(w), abs=1e-12), where
                    assert s == (str(int(round(float(w)))) if t.frame.columns[j] in t.int_cols else f"{float(w):.3f}"), where
                else:
                    assert g == str(w) and s == str(w), where


def test_dagum_markov_and_moran_sheets_equal_the_analysis_tables(run_dir):
    _, sheets = _sheets(run_dir / "nqpf_journal_tables.xlsx")
    tot = pd.read_csv(run_dir / "analysis" / "dagum_totals.csv", encoding="utf-8-sig")
    tot = tot[(tot["node"] == "NQPF") & (tot["grouping"] == "region4")].set_index("year")
    rows = _find(sheets, "Dagum 基尼系数及其分解")
    assert [c.value for c in rows[1]] == ["年份", "总体 G", "区域内 Gw", "区域间 Gnb", "超变密度 Gt", "区域内贡献率(%)",
                                          "区域间贡献率(%)", "超变密度贡献率(%)"]
    for r in rows[2:-1]:
        y = r[0].value
        assert [c.value for c in r[1:5]] == pytest.approx(tot.loc[y, ["G", "Gw", "Gnb", "Gt"]].tolist(), abs=1e-12)
        assert r[5].value + r[6].value + r[7].value == pytest.approx(100.0, abs=1e-9)
    pairs = pd.read_csv(run_dir / "analysis" / "dagum_pairs.csv", encoding="utf-8-sig")
    pairs = pairs[(pairs["node"] == "NQPF") & (pairs["grouping"] == "region4")]
    rows = _find(sheets, "区域内与区域间基尼系数")
    head = [c.value for c in rows[1]]
    assert head[:5] == ["年份", "东部", "中部", "西部", "东北"] and "东部—西部" in head
    last = next(r for r in rows[2:-1] if r[0].value == 2022)
    ew = pairs[(pairs["year"] == 2022) & (pairs["j"].isin(["east", "west"])) & (pairs["h"].isin(["east", "west"]))]
    assert last[head.index("东部—西部")].value == pytest.approx(ew["G_jh"].iloc[0], abs=1e-12)
    mp = pd.read_csv(run_dir / "analysis" / "markov_probabilities.csv", encoding="utf-8-sig")
    mp = mp[mp["node"] == "NQPF"].reset_index(drop=True)
    rows = _find(sheets, "传统马尔可夫转移概率矩阵")
    assert [c.value for c in rows[1]] == ["t 年 \\ t+1 年", "n", "低水平", "中低水平", "中高水平", "高水平"]
    for r, (_, want) in zip(rows[2:-1], mp.iterrows()):
        assert r[1].value == want["n"] and r[1].number_format == "0"
        assert [c.value for c in r[2:]] == pytest.approx(want[["low", "lower-middle", "upper-middle", "high"]].tolist(),
                                                          abs=1e-12)
    mo = pd.read_csv(run_dir / "analysis" / "moran_global.csv", encoding="utf-8-sig")
    mo = mo[mo["node"] == "NQPF"].set_index("year")
    rows = _find(sheets, "全局 Moran's I 指数")
    for r in rows[2:-1]:
        y = r[0].value
        assert [r[1].value, r[2].value, r[4].value, r[5].value] == pytest.approx(
            mo.loc[y, ["I", "EI", "z_rand", "p_rand"]].tolist(), abs=1e-12)


def test_regression_rows_use_the_runs_explain_labels(tmp_path):
    """``[explain.table] labels`` name the controls in the journal's regression table too (lag(x) keeps its suffix)."""
    cfg = nqpf.datasets.demo_config(stages=["analysis", "report"])
    cfg["analysis"] = {"nodes": ["NQPF"], "permutations": 0}
    cfg["report"] = {"figures": False, "html": False, "workbook": False}
    cfg["explain"] = {"table": {"labels": {"log(population)": "常住人口（对数）", "NQPF": "新质生产力指数"}}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=tmp_path)
    (tmp_path / "explain").mkdir(exist_ok=True)
    write_csv(MODELS_TABLE, tmp_path / "explain" / "models_table.csv")
    stages = json.loads((tmp_path / "stages.json").read_text(encoding="utf-8"))
    stages["explain"] = {"tables": {"models_table": "models_table"}, "results": {}, "artefacts": []}
    (tmp_path / "stages.json").write_text(json.dumps(stages), encoding="utf-8")
    reg = next(t for t in journal_tables(collect(tmp_path)) if t.key == "reg_models")
    assert reg.frame["变量"].tolist()[:4] == ["新质生产力指数（滞后一期）", "", "常住人口（对数）", ""]
