"""Tests of the city level, the level templates and the level demos (nqpf.levels)."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest
from _shared import shared_path, shared_root

from nqpf import ConfigError, NqpfError
from nqpf.framework.io import builtin_frameworks, framework_to_frame, load_framework
from nqpf.levels import city_coverage, shared_dir
from nqpf.workflow import city_demo_config, run_level_demo


@pytest.mark.parametrize(("name", "level", "n"), [("nqpf_city", "city", 21), ("nqpf_county", "county", 12),
                                                   ("nqpf_firm", "firm", 8)])
def test_templates_load_with_tags_and_csv_twin(name, level, n):
    fw = load_framework(name)
    assert fw.unit_level == level and len(fw.indicators) == n
    for i in fw.indicators:
        node = fw.by_id[i]
        assert node.element and node.driver and node.type and node.level, i
        assert node.tags.get("yearbook_name"), i
    twin = load_framework(builtin_frameworks()[name].with_suffix(".csv"))
    pd.testing.assert_frame_equal(framework_to_frame(twin), framework_to_frame(fw))
    assert {fw.by_id[c].element for c in fw.children(fw.root)} <= {"劳动者", "劳动资料", "劳动对象", "优化组合"}


def test_city_template_names_yearbook_series_in_chinese():
    fw = load_framework("nqpf_city")
    yb = fw.by_id["ict_employment_share"].tags["yearbook_name"]
    assert yb.startswith("中国城市统计年鉴：信息传输、计算机服务和软件业从业人员数")


def test_coverage_of_a_toy_panel():
    d = pd.DataFrame({"unit": "110000", "year": [2015, 2015, 2016], "indicator": ["gdp", "pop_hukou_yearend", "gdp"],
                      "value": 1.0})
    cov = city_coverage("nqpf_city", d)
    assert cov.loc[cov["available"], "indicator"].tolist() == ["gdp_per_capita"]
    assert cov.set_index("indicator").loc["gdp_per_capita", "years"] == "2015–2015"
    assert city_demo_config()["framework"]["indicators"][0] == "pku_dfiic"


def test_missing_shared_folder_message(tmp_path):
    with pytest.raises(ConfigError, match=r"^nqpf.levels: the shared data folder is not available; got .*\(missing\)"):
        shared_dir(tmp_path / "nowhere")
    with pytest.raises(NqpfError, match=r"^The 'level' parameter of run_level_demo must be one of 'city', 'industry'"):
        run_level_demo("county", out=None)


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_city_demo_end_to_end(tmp_path):
    shared_path("data", "cn-city-economy", "city_panel_long.csv")
    shared_path("data", "cn-city-digital-finance", "pku_dfiic_city_2011_2020_long.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_level_demo("city", out=tmp_path / "city", shared=shared_root())
    res = out.result
    assert res.years[0] == 2011 and res.years[-1] == 2019
    top = res.ranking(2019)["unit_name"].head(3).tolist()
    assert top[0] == "深圳市" and set(top) <= {"深圳市", "上海市", "北京市", "杭州市", "广州市"}
    cov = out.stage_outputs["levels"]["coverage"]
    labour = cov[cov["element"] == "劳动者"]
    assert len(labour) == 5 and not labour["available"].any()  # the open city data cannot cover 劳动者
    assert (tmp_path / "city" / "levels" / "coverage.csv").exists()
    log = out.stage_outputs["analysis"]["analysis_log"]
    assert set(log.loc[log["status"] == "ok", "analysis"]) >= {"dagum", "theil", "markov", "coupling", "sigma", "beta",
                                                               "moran", "lisa", "spatial-markov"}
    edges = pd.read_csv(tmp_path / "city" / "levels" / "city_queen_weights.csv", dtype=str)
    assert {"320500", "310000"} <= set(edges.loc[edges["focal"] == "330400", "neighbor"])  # 嘉兴 borders 苏州, 上海
    units = set(res.scores["unit"])
    assert "469003" not in units  # 儋州's pre-2015 code is recoded to 460400 (harmonised to 2019 codes)
    assert "371200" not in units and len(units) == 288  # 莱芜: GDP in too few years (digital finance only)


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_industry_demo_end_to_end(tmp_path):
    shared_path("data", "cn-industry-io", "industry_panel_long.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_level_demo("industry", out=tmp_path / "ind", shared=shared_root())
    res = out.result
    assert res.years == [2005, 2015, 2017, 2018]
    assert res.framework.indicators == ["compensation_per_worker", "depreciation_per_worker", "labour_productivity",
                                        "va_rate"]
    assert res.scores[res.scores["node"] == "NQPF"]["unit"].nunique() == 39
    shares = out.stage_outputs["levels"]["digital_output_share"]
    assert shares["va_share"].between(0, 1).all() and shares["year"].tolist()[-1] == 2020


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_cli_demo_level_industry_and_missing_shared(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from nqpf.cli import app

    runner = CliRunner()
    real = shared_path("data", "cn-industry-io").parents[1]
    monkeypatch.setenv("NQPF_SHARED", str(tmp_path / "absent"))
    r = runner.invoke(app, ["demo", "--level", "industry", "--out", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 1
    assert r.output.startswith("Error: nqpf.levels: the shared data folder is not available; got ")
    monkeypatch.setenv("NQPF_SHARED", str(real))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = runner.invoke(app, ["demo", "--level", "industry", "--out", str(tmp_path / "o"), "-q"])
    assert r.exit_code == 0, r.output
    assert "39 units, 2005–2018" in r.output and (tmp_path / "o" / "levels" / "digital_output_share.csv").exists()
