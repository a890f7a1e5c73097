"""Journal-layout tables (nqpf_journal_tables.xlsx, DIR/journal/*.csv) and CSVs with a UTF-8 BOM."""
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

import nqpf
import nqpf.run
from nqpf.index.aggregate import topsis, topsis_distances
from nqpf.index.weights import critic_parts, critic_weights, entropy_parts, entropy_weights
from nqpf.report.journal import journal_tables, write_journal
from nqpf.report.tables import collect

MODELS_TABLE = ",(1) FE,(2) RE\nlag(NQPF),0.719,5.655***\n ,(4.492),(1.244)\n个体固定效应,是,否\n观测值,279,279\nR²,0.789,0.685\n"


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
    (out / "explain" / "models_table.csv").write_text(MODELS_TABLE, encoding="utf-8-sig")
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=tmp_path)
    res = nqpf.load_result(tmp_path)
    t = journal_tables(collect(tmp_path))[0].frame
    assert {"标准差", "冲突性", "信息量", "权重 w"} <= set(t.columns)
    w = res.weights.set_index("node").loc[res.framework.indicators, "effective_weight"].to_numpy()
    np.testing.assert_allclose(t["权重 w"].to_numpy(), w, atol=1e-12)
    np.testing.assert_allclose(t["信息量"], t["标准差"] * t["冲突性"])
