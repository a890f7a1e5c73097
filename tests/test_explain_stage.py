"""The explain stage (config → tables) and the ``nqpf explain`` CLI command."""
from __future__ import annotations

import shutil

import libpysal
import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path
from typer.testing import CliRunner

from nqpf import ConfigError
from nqpf.cli import app
from nqpf.explain import fit_panel
from nqpf.explain.stage import ExplainConfig, explain_config, load_explain_config, read_weights, run_explain
from nqpf.pipeline import stages

Y = "log(patent_grants_invention)"
X = "log(rd_expenditure_total)"

CONFIG = f"""
[explain]
data = "province_scitech_panel.csv"
hausman = true

[[explain.models]]
name = "(1)"
y = "{Y}"
x = ["{X}"]

[[explain.models]]
name = "(2)"
y = "{Y}"
x = ["{X}"]
controls = ["log(rd_personnel_fte_total)"]
cluster = "twoway"

[explain.table]
lang = "en"
formats = ["xlsx", "html", "tex"]

[[explain.robustness]]
model = "(2)"
"""


@pytest.fixture()
def workdir(tmp_path):
    shutil.copy(fixture_path("explain", "province_scitech_panel.csv"), tmp_path / "province_scitech_panel.csv")
    (tmp_path / "run.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


def test_stage_registered():
    st = {s.name: s for s in stages()}["explain"]
    assert st.order == 30 and st.config_model is ExplainConfig


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_run_explain_tables_equal_library(workdir):
    cfg, base = load_explain_config(workdir / "run.toml")
    data = pd.read_csv(workdir / "province_scitech_panel.csv", dtype={"unit": str})
    out = run_explain(data, cfg, out_dir=workdir / "out", base_dir=base)
    coef = out["models_coefficients"].set_index(["model", "term"])
    ref = fit_panel(data, y=Y, x=[X], controls=["log(rd_personnel_fte_total)"], cluster="twoway")
    assert coef.loc[("(2)", X), "std_error"] == pytest.approx(ref.std_errors[X], rel=1e-12)
    assert list(out["hausman"]["model"]) == ["(1)", "(2)"]
    assert {"models_table.xlsx", "models_table.html", "models_table.tex", "robustness_table.tex"} <= {p.name for p in (workdir / "out").iterdir()}
    assert out["robustness_comparison"]["variant"].iloc[-1] == "lagged regressors"


def test_cli_writes_tables(workdir):
    r = CliRunner().invoke(app, ["explain", str(workdir / "run.toml"), "--out", str(workdir / "res")])
    assert r.exit_code == 0, r.output
    assert "Wrote 6 tables" in r.output
    t = pd.read_csv(workdir / "res" / "models_table.csv")
    assert t.iloc[0, 0] == X


def test_cli_config_error_is_one_line(workdir):
    (workdir / "bad.toml").write_text('[explain]\ndata = "province_scitech_panel.csv"\n[[explain.models]]\ny = "a"\nx = ["b"]\nfe = "firm"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["explain", str(workdir / "bad.toml"), "--out", str(workdir / "res")])
    assert r.exit_code == 1
    assert r.output.startswith("Error: bad.toml [explain]: models.0.fe: Input should be 'twoway', 'unit', 'year' or 'none'; got 'firm'.")


def test_config_errors():
    with pytest.raises(ConfigError, match=r"\[explain\]: models.0.x: Field required"):
        explain_config({"models": [{"y": "NQPF"}]})
    cfg = explain_config({"robustness": [{"model": "(9)"}]})
    with pytest.raises(ConfigError, match=r"model '\(9\)' is not in \[\[explain.models\]\]"):
        run_explain(pd.DataFrame({"unit": ["a"], "year": [2020], "y": [1.0]}), cfg)


def test_spatial_from_weights_csv(tmp_path):
    w = libpysal.weights.lat2W(4, 4)
    ids = [str(i) for i in w.id_order]
    edges = pd.DataFrame([(str(i), str(j)) for i in w.id_order for j in w.neighbors[i]], columns=["unit", "neighbor"])
    edges.to_csv(tmp_path / "w.csv", index=False)
    M = read_weights(tmp_path / "w.csv")
    assert sorted(M.index) == sorted(ids) and M.to_numpy().sum() == sum(len(v) for v in w.neighbors.values())
    rng = np.random.default_rng(0)
    d = pd.DataFrame([{"unit": u, "year": t, "x": rng.normal(), "y": rng.normal()} for t in range(2000, 2005) for u in ids])
    cfg = explain_config({"spatial": [{"y": "y", "x": ["x"], "weights": "w.csv", "model": "lag", "draws": 50}]})
    out = run_explain(d, cfg, base_dir=tmp_path)
    assert set(out["spatial_effects"]["effect"]) == {"direct", "indirect", "total"}


def test_mediation_heterogeneity_threshold_from_config():
    rng = np.random.default_rng(3)
    n, T = 24, 8
    unit = np.repeat([f"{i:02d}" for i in range(n)], T)
    year = np.tile(np.arange(2010, 2010 + T), n)
    x = rng.normal(size=n * T)
    q = rng.uniform(size=n * T)
    m = 0.7 * x + rng.normal(size=n * T)
    y = 0.5 * m + np.where(q <= 0.5, 0.2, 1.2) * x + rng.normal(scale=0.5, size=n * T)
    d = pd.DataFrame({"unit": unit, "year": year, "y": y, "x": x, "m": m, "q": q,
                      "region4": np.where(np.arange(n * T) // T < n // 2, "东部", "西部")})
    cfg = explain_config({
        "mediation": [{"name": "med", "y": "y", "x": "x", "mediator": "m", "reps": 50}],
        "heterogeneity": [{"name": "het", "y": "y", "x": ["x"], "by": "region4"}],
        "threshold": [{"name": "thr", "y": "y", "x": ["x"], "q": "q", "controls": ["m"], "reps": 30, "grid": 40}],
    })
    out = run_explain(d, cfg)
    assert list(out["med_effects"]["effect"])[-1] == "indirect (a·b)"
    assert set(out["het_coefficients"]["group"]) == {"东部", "西部"}
    assert out["thr_tests"].loc[0, "p_value"] < 0.05
    assert abs(out["thr_thresholds"].loc[0, "estimate"] - 0.5) < 0.1
    assert set(out["_results"]) == {"med", "het", "thr"}


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_stage_on_bundled_demo_index(tmp_path):
    """End to end: build the bundled provincial demo index, then run the registered explain stage.

    The models put the index on the right-hand side (lagged) of an outcome that is not built from it
    (real GDP growth, derived from the bundled NBS index series); NQPF on its own driver sub-indices is refused.
    """
    pytest.importorskip("nqpf.index.build")
    import nqpf
    from nqpf import datasets

    res = nqpf.build(datasets.demo_config(years=(2013, 2022)))
    series = {"real_gdp_growth": "index_growth(gdp_index_prev_year_100) * 100",
              "population": "series(resident_population_year_end)"}
    drivers = ["lag(driver:数据)", "lag(driver:算力)"]  # no bundled series measures 算法 (declared missing)
    controls = ["log(population)"]
    cfg = explain_config({
        "series": series,
        "models": [{"name": "(1)", "y": "real_gdp_growth", "x": [f"lag({res.root})"]},
                   {"name": "(2)", "y": "real_gdp_growth", "x": drivers, "controls": controls}],
        "heterogeneity": [{"y": "real_gdp_growth", "x": [f"lag({res.root})"], "by": "region4"}],
        "table": {"formats": ["xlsx"]},
    })
    st = {s.name: s for s in stages()}["explain"]
    tables = st.run(res, cfg, {"out_dir": tmp_path, "progress": None})
    assert (tmp_path / "models_table.xlsx").exists()  # the stage writes into its own folder DIR/explain
    coef = tables["models_coefficients"].set_index(["model", "term"])
    from nqpf.explain import design_matrix, regression_frame
    from nqpf.explain.stage import derive_series

    frame = regression_frame(res, extra=derive_series(series, datasets.load_province_raw()))
    ref = fit_panel(frame, y="real_gdp_growth", x=drivers, controls=controls)
    assert coef.loc[("(2)", "lag(driver:数据)"), "coef"] == pytest.approx(ref.params["lag(driver:数据)"], rel=1e-12)
    assert ref.nobs == 31 * 9 and ref.r2_within < 0.5  # no identity: the within fit is far from 1
    assert set(tables["heterogeneity_coefficients"]["group"]) == set(res.units["region4"])
    assert not tables.results and "notes" not in tables
    # the tautological model of the old demo is refused before anything is fitted
    bad = explain_config({"models": [{"name": "(0)", "y": res.root, "x": ["driver:数据", "driver:算法", "driver:算力"]}]})
    with pytest.raises(ConfigError, match=r"^\[explain.models\] '\(0\)': the regressor 'driver:数据' is a component of the outcome 'NQPF'"):
        st.run(res, bad, {"out_dir": None, "progress": None})
    # the CLI on the saved run directory gives the same numbers (series derived from the bundled panel of the manifest)
    run_dir = tmp_path / "run"
    res.save(run_dir)
    (tmp_path / "explain.toml").write_text(
        "[explain]\n[explain.series]\n" + "".join(f'{k} = "{v}"\n' for k, v in series.items())
        + f'[[explain.models]]\nname = "(2)"\ny = "real_gdp_growth"\nx = {drivers!r}\ncontrols = {controls!r}\n'.replace("'", '"'),
        encoding="utf-8")
    r = CliRunner().invoke(app, ["explain", str(run_dir), "--config", str(tmp_path / "explain.toml"), "--out", str(tmp_path / "cli")])
    assert r.exit_code == 0, r.output
    cli_coef = pd.read_csv(tmp_path / "cli" / "models_coefficients.csv").set_index("term")
    assert cli_coef.loc["lag(driver:数据)", "coef"] == pytest.approx(ref.params["lag(driver:数据)"], rel=1e-9)
    # verification on the provincial demo: nqpf (pyfixest) == linearmodels to 1e-8
    from test_explain_fe import _lm

    terms = drivers + controls
    design, _ = design_matrix(frame, y="real_gdp_growth", terms=terms)
    for ssc, cluster in (("stata", "unit"), ("none", "twoway")):
        ours = fit_panel(frame, y="real_gdp_growth", x=drivers, controls=controls, ssc=ssc, cluster=cluster)
        lm = _lm(design, "real_gdp_growth", terms, ssc, cluster)
        np.testing.assert_allclose(ours.params[terms].to_numpy(), lm.params[terms].to_numpy(), rtol=0, atol=1e-8)
        np.testing.assert_allclose(ours.std_errors[terms].to_numpy(), lm.std_errors[terms].to_numpy(), rtol=1e-8)
