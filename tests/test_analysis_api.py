"""nqpf.analysis integration: as_panel on IndexResult / DataFrame, the [analysis] stage, `nqpf analyze`."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from typer.testing import CliRunner

import nqpf
from _shared import fixture_path, province_nqpf_input
from nqpf import DataError, DataWarning, MethodWarning
from nqpf.analysis import as_panel, dagum, dagum_panel
from nqpf.analysis.stage import ANALYSIS_KINDS, AnalysisConfig, analyze, run_analysis
from nqpf.cli import app

@pytest.fixture
def PROV():
    return province_nqpf_input()


@pytest.fixture(scope="module")
def built():
    from nqpf.datasets import demo_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nqpf.build(demo_config(years=(2016, 2022), stages=[]))


@pytest.fixture(scope="module")
def stage_out(built):
    cfg = AnalysisConfig(permutations=19, gdp_per_capita="gdp_per_capita", nodes=["NQPF", "labourers"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        return run_analysis(built, cfg, {})


def test_public_names():
    from nqpf import analysis

    for name in ["dagum", "theil", "gini", "markov", "spatial_markov", "moran", "local_moran", "kernel_density",
                 "province_weights", "sigma_convergence", "beta_convergence", "club_convergence",
                 "coupling_coordination", "obstacle_degree", "typology"]:
        assert callable(getattr(analysis, name)), name
    r = analysis.dagum([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"])
    assert {"G", "Gw", "Gnb", "Gt"} <= set(vars(r)) and list(r.tables()) == ["totals", "groups", "pairs"]
    t = analysis.theil([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"])
    assert_allclose(t.T, t.within + t.between)


def test_convergence_speed_and_half_life_are_exported():
    from nqpf import analysis

    assert {"convergence_speed", "half_life"} <= set(analysis.__all__)
    assert all(hasattr(analysis, n) for n in analysis.__all__)
    lam = analysis.convergence_speed(-0.05)  # λ = −ln(1 + β) for an annual panel
    assert_allclose(lam, -np.log(0.95), rtol=1e-15)
    assert_allclose(analysis.half_life(lam), np.log(2) / -np.log(0.95), rtol=1e-15)
    assert_allclose(analysis.convergence_speed(-0.02, periods=10, annualised=True), -np.log(0.8) / 10, rtol=1e-15)


def test_as_panel_from_index_result(built):
    p = as_panel(built, group="region4")
    assert list(p.columns) == ["unit", "year", "value", "group"]
    root = built.scores[built.scores["node"] == built.root]
    assert len(p) == root["score"].notna().sum()
    assert set(p["group"]) == {"east", "central", "west", "northeast"}
    child = as_panel(built, node="labourers")
    s = built.scores[(built.scores["node"] == "labourers")].set_index(["unit", "year"])["score"]
    assert_allclose(child.set_index(["unit", "year"])["value"], s.loc[list(zip(child["unit"], child["year"]))])
    with pytest.raises(DataError, match=r"^as_panel: node 'nope' is not a score column of the IndexResult"):
        as_panel(built, node="nope")


def test_index_result_and_dataframe_give_same_dagum(built):
    a = dagum_panel(built, group="region4")
    long = built.scores[built.scores["node"] == built.root].rename(columns={"score": "value"})
    b = dagum_panel(long.drop(columns=["rank"]), group="region4")
    pd.testing.assert_frame_equal(a.totals, b.totals)


def test_as_panel_dataframe_rules():
    df = pd.DataFrame({"unit": [110000, 120000, 110000], "year": ["2020", "2020", "2021"], "v": [1.0, None, 2.0]})
    with pytest.warns(DataWarning, match=r"as_panel: dropped 1 rows with a missing value"):
        p = as_panel(df, value="v", group="belt3")
    assert p["unit"].tolist() == ["110000", "110000"] and p["year"].tolist() == [2020, 2021]
    dup = pd.DataFrame({"unit": ["a", "a"], "year": [1, 1], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"^as_panel: duplicate \(unit, year\) rows; got 2 rows"):
        as_panel(dup)
    bad = pd.DataFrame({"unit": ["a"], "year": [1], "value": ["x"]})
    with pytest.raises(DataError, match=r"^as_panel: the value column of data has non-numeric entries; got \['x'\]"):
        as_panel(bad)
    cs = pd.DataFrame({"unit": ["a", "b"], "value": [1.0, 3.0], "g": ["x", "y"]})
    assert as_panel(cs, year=None, group="g")["year"].tolist() == [0, 0]


def test_stage_tables(stage_out, built):
    log = stage_out["analysis_log"]
    # log-based convergence needs positive scores: a unit-year at the pooled minimum of every indicator of an
    # element scores exactly 0 there (西藏's labourers in 2016 under nqpf_province 2.0), and those two analyses
    # are skipped with the reason, never run on a shifted series
    skipped = log[log["status"] != "ok"]
    assert set(skipped["analysis"]) <= {"beta", "club"} and skipped["node"].ne(built.root).all(), skipped.to_string()
    assert skipped["message"].str.contains("logarithms need values > 0|log series must all have one sign").all()
    for name in ["dagum_totals", "dagum_groups", "dagum_pairs", "theil_totals", "inequality_measures",
                 "density_descriptors", "density_curves", "markov_probabilities", "spatial_markov_tests",
                 "moran_global", "lisa_local", "sigma_sigma", "beta_beta", "club_membership", "coupling_coupling",
                 "obstacle_indicators", "typology_members", "weights_edges"]:
        assert isinstance(stage_out[name], pd.DataFrame) and len(stage_out[name]), name
    tot = stage_out["dagum_totals"]
    assert list(tot.columns[:3]) == ["node", "grouping", "year"]
    direct = dagum_panel(built, node="labourers", group="region4").totals
    got = tot[tot["node"] == "labourers"].drop(columns=["node", "grouping"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, direct)
    assert set(stage_out["moran_global"]["node"]) == {"NQPF", "labourers"}
    assert "_results" in stage_out and "dagum:NQPF:region4" in stage_out["_results"]
    # first-passage times: finite or NaN (never ±inf or 1e16 garbage), each NaN row explained in the note column
    mf = stage_out["markov_mfpt"]
    states = ["low", "lower-middle", "upper-middle", "high"]
    assert list(mf.columns) == ["node", "from_state", *states, "note"]
    vals = mf[states].to_numpy(dtype=float)
    assert not np.isinf(vals).any() and np.nanmax(vals) < 1e4
    assert (mf["note"].fillna("") != "").tolist() == np.isnan(vals).any(axis=1).tolist()


def test_stage_config_validation_and_registration():
    from pydantic import ValidationError

    from nqpf.pipeline import stages

    st = {s.name: s for s in stages()}["analysis"]
    assert st.order == 10 and st.config_model is AnalysisConfig
    assert AnalysisConfig().kinds() == list(ANALYSIS_KINDS)
    with pytest.raises(ValidationError, match="unknown analyses \\['gin'\\]"):
        AnalysisConfig(run=["gin"])
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        AnalysisConfig(colour="red")


def test_stage_skips_what_does_not_apply(built):
    cfg = AnalysisConfig(run=["moran"], weights="economic", nodes=["NQPF"], permutations=0)
    with pytest.warns(MethodWarning, match=r"moran:NQPF skipped|economic and nested weights need"):
        out = run_analysis(built, cfg, {})
    log = out["analysis_log"]
    assert log["status"].tolist()[0] == "skipped" and "gdp_per_capita=None" in log["message"].iloc[0]


def test_analyze_dispatch_errors(PROV):
    df = pd.read_csv(PROV, dtype={"unit": str})
    with pytest.raises(nqpf.NqpfError, match=r"^The 'kind' parameter of analyze must be one of 'dagum'"):
        analyze("ginny", df, value="nqpf")
    with pytest.raises(nqpf.MethodError, match=r"^analyze\('dagum'\): a grouping is required; got group=None"):
        analyze("dagum", df, value="nqpf")
    r = analyze("gini", df, value="nqpf")
    assert_allclose(r.table["gini"].iloc[0], 0.098733773874, rtol=1e-9)


# --------------------------------------------------------------------------- CLI
def test_cli_dagum_on_csv(tmp_path, PROV):
    res = CliRunner().invoke(app, ["analyze", "dagum", str(PROV), "--value-col", "nqpf", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Dagum Gini decomposition by year" in res.output
    tot = pd.read_csv(tmp_path / "dagum_totals.csv")
    e = pd.read_csv(fixture_path("oracles", "nqpf_province_dagum", "expected_dagum_totals.csv"))
    assert_allclose(tot["G"], e["G"], rtol=1e-9, atol=1e-12)
    assert {"dagum_totals.csv", "dagum_groups.csv", "dagum_pairs.csv"} <= {p.name for p in tmp_path.iterdir()}


def test_cli_on_run_directory(built, tmp_path):
    run = tmp_path / "run"
    built.save(run)
    res = CliRunner().invoke(app, ["analyze", "markov", str(run), "--node", "NQPF", "--k", "3"])
    assert res.exit_code == 0, res.output
    prob = pd.read_csv(run / "analysis" / "markov_probabilities.csv")
    assert prob.shape == (3, 5)
    assert_allclose(prob[["S1", "S2", "S3"]].sum(axis=1), 1.0)
    res = CliRunner().invoke(app, ["analyze", "lisa", str(run), "--permutations", "19", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "o" / "lisa_local.csv").exists()


def test_cli_errors(tmp_path, PROV):
    res = CliRunner().invoke(app, ["analyze", "theil", str(tmp_path / "missing.csv")])
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1] == f"Error: analyze: file not found; got {str(tmp_path / 'missing.csv')!r}. Check the path."
    res = CliRunner().invoke(app, ["analyze", "dagum", str(PROV)])
    assert res.exit_code == 1
    assert res.output.strip().splitlines()[-1].startswith("Error: as_panel: column(s) ['value'] not found")
    res = CliRunner().invoke(app, ["analyze", "nonsense", str(PROV)])
    assert res.exit_code == 2


def test_results_do_not_depend_on_row_order(PROV):
    df = pd.read_csv(PROV, dtype={"unit": str})
    rng = np.random.default_rng(0)
    shuffled = df.iloc[rng.permutation(len(df))]
    for kind in ["theil", "markov", "density"]:
        a = analyze(kind, df, value="nqpf", group="region4")
        b = analyze(kind, shuffled, value="nqpf", group="region4")
        for name, t in a.tables().items():
            pd.testing.assert_frame_equal(t.reset_index(drop=True), b.tables()[name].reset_index(drop=True),
                                          obj=f"{kind}.{name}")
    r = dagum(df[df["year"] == 2022]["nqpf"], df[df["year"] == 2022]["unit"].str[:1])
    assert r.k == 6


def test_build_runs_the_analysis_stage(tmp_path):
    from nqpf.datasets import demo_config
    from nqpf.run import run

    cfg = demo_config(years=(2019, 2022), stages=["analysis"])
    cfg["analysis"] = {"run": ["dagum", "moran", "markov"], "nodes": ["NQPF"], "permutations": 19,
                       "markov_k": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(cfg, out=tmp_path / "run")
    folder = tmp_path / "run" / "analysis"
    for name in ["dagum_totals", "dagum_pairs", "moran_global", "markov_probabilities", "analysis_log"]:
        assert (folder / f"{name}.csv").exists(), name
    tot = pd.read_csv(folder / "dagum_totals.csv")
    assert tot["year"].tolist() == [2019, 2020, 2021, 2022]
    assert_allclose(tot["Gw"] + tot["Gnb"] + tot["Gt"], tot["G"], rtol=1e-12)
    assert out.stage_outputs["analysis"]["analysis_log"]["status"].eq("ok").all()


def test_cli_on_minimal_run_directory(tmp_path, PROV):
    df = pd.read_csv(PROV, dtype={"unit": str})
    d = tmp_path / "mini"
    d.mkdir()
    df.rename(columns={"nqpf": "score"}).assign(node="nqpf_gtfp", unit_name="", rank=0).to_csv(d / "scores.csv",
                                                                                               index=False)
    res = CliRunner().invoke(app, ["analyze", "theil", str(d), "--node", "nqpf_gtfp", "--group", "region4"])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(d / "analysis" / "theil_totals.csv")
    e = pd.read_csv(fixture_path("oracles", "nqpf_province_dagum", "expected_dagum_totals.csv"))
    assert_allclose(t["T_between"], e["Theil_between"], rtol=1e-9, atol=1e-12)


def test_cli_economic_weights_from_csv_column(tmp_path, PROV):
    df = pd.read_csv(PROV, dtype={"unit": str})
    rng = np.random.default_rng(1)
    gdp = pd.Series(rng.uniform(3e4, 1.5e5, size=31), index=sorted(df["unit"].unique()))
    df["gdp_pc"] = df["unit"].map(gdp)
    path = tmp_path / "panel.csv"
    df.to_csv(path, index=False)
    res = CliRunner().invoke(app, ["analyze", "moran", str(path), "--value-col", "nqpf", "--weights", "economic",
                                   "--gdp-per-capita", "gdp_pc", "--permutations", "0", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "w_ij = 1/|ȳ_i − ȳ_j|" in res.output
    from nqpf.analysis import moran, province_weights

    sw = province_weights(sorted(gdp.index), kind="economic", gdp_per_capita=gdp)
    y22 = df[df["year"] == 2022].set_index("unit")["nqpf"]
    got = pd.read_csv(tmp_path / "o" / "moran_global.csv").set_index("year").loc[2022, "I"]
    assert_allclose(got, moran(y22, sw, permutations=0).I, rtol=1e-12)
