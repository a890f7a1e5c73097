"""CLI ``nqpf gtfp`` and the ``gtfp`` post-build stage (in-process)."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path
from typer.testing import CliRunner

from nqpf import ConfigError
from nqpf.cli import app
from nqpf.gtfp import malmquist_luenberger
from nqpf.gtfp.stage import GTFPConfig, gtfp_config, run_gtfp
from nqpf.pipeline import stages


@pytest.fixture(scope="module")
def long_panel() -> pd.DataFrame:
    df = pd.read_csv(fixture_path("oracles", "dea", "input_panel.csv"), dtype={"region_code": str})
    return (df.drop(columns="region_en").rename(columns={"region_code": "unit"})
            .melt(id_vars=["unit", "year"], var_name="indicator", value_name="value"))


def _write(tmp_path, long_panel, gtfp: str):
    long_panel.to_csv(tmp_path / "panel.csv", index=False)
    cfg = tmp_path / "gtfp.toml"
    cfg.write_text('[data]\npath = "panel.csv"\n\n[gtfp]\n' + gtfp, encoding="utf-8")
    return cfg


def test_cli_gtfp_writes_tables(tmp_path, long_panel):
    cfg = _write(tmp_path, long_panel, 'inputs = ["K", "L"]\noutputs = ["Y"]\nundesirable = ["CO2"]\nmodel = "ddf"\n'
                                       'frontier = "global"\n')
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["gtfp", str(cfg), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cumulative.csv", "distances.csv", "efficiency.csv", "excluded.csv", "index.csv", "slacks.csv"]
    idx = pd.read_csv(out / "index.csv", dtype={"unit": str})
    # the same numbers as the Stata gtfpch cross-check (global ML, K L → Y : CO2)
    o = pd.read_csv(fixture_path("oracles", "dea", "crosscheck_stata_gtfpch_ex3.csv"), dtype={"region_code": str})
    m = o.merge(idx, left_on=["region_code", "period"], right_on=["unit", "period"])
    assert len(m) == 60
    np.testing.assert_allclose(m["index"], m["ML_glob"], rtol=1e-8)
    cum = pd.read_csv(out / "cumulative.csv", dtype={"unit": str})
    assert (cum.loc[cum["year"] == 2013, "value"] == 1.0).all()


def test_cli_errors(tmp_path, long_panel):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('[data]\npath = "panel.csv"\n', encoding="utf-8")
    r = CliRunner().invoke(app, ["gtfp", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "Error: bad.toml: no [gtfp] section; got sections ['data']. Add [gtfp] with inputs, outputs and undesirable." in r.output
    cfg = _write(tmp_path, long_panel, 'inputs = ["K"]\noutputs = ["Y"]\nfrontier = "everywhere"\n')
    r = CliRunner().invoke(app, ["gtfp", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "Error: gtfp.toml [gtfp]: frontier: Input should be" in r.output
    cfg = _write(tmp_path, long_panel, 'inputs = ["K", "Z"]\noutputs = ["Y"]\n')
    r = CliRunner().invoke(app, ["gtfp", str(cfg), "--out", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert "Error: malmquist_luenberger: indicators ['Z'] are not in the panel" in r.output


def test_stage_registered_and_runs(long_panel):
    st = {s.name: s for s in stages()}["gtfp"]
    assert st.order == 35 and st.config_model is GTFPConfig
    cfg = gtfp_config({"inputs": ["K", "L", "E"], "outputs": ["Y"], "undesirable": ["CO2"], "model": "sbm",
                       "super_efficiency": True})
    out = st.run(SimpleNamespace(raw=long_panel), cfg, {"progress": None})
    assert {"index", "cumulative", "distances", "efficiency", "slacks", "excluded"} <= set(out)
    ref = malmquist_luenberger(long_panel, inputs=["K", "L", "E"], outputs="Y", undesirable="CO2", model="sbm")
    pd.testing.assert_frame_equal(out["index"], ref.index)
    assert (out["efficiency"]["efficiency"] > 0).all()
    with pytest.raises(ConfigError, match=r"^\[gtfp\]: series \['energy'\] are not in the run's raw panel"):
        st.run(SimpleNamespace(raw=long_panel), gtfp_config({"inputs": ["energy"], "outputs": ["Y"]}), {})


def test_run_gtfp_radial_and_config_errors(long_panel):
    out = run_gtfp(long_panel, gtfp_config({"inputs": ["K", "L", "E"], "outputs": ["Y"], "model": "radial",
                                            "rts": "vrs", "frontier": "contemporaneous"}))
    assert {"PEC", "SEC"} <= set(out["index"].columns)
    with pytest.raises(ConfigError, match=r"^\[gtfp\]: model 'radial' \(Malmquist\) takes no undesirable outputs"):
        run_gtfp(long_panel, gtfp_config({"inputs": ["K"], "outputs": ["Y"], "undesirable": ["CO2"], "model": "radial"}))
    with pytest.raises(ConfigError, match=r"^\[gtfp\]: inputs: List should have at least 1 item"):
        gtfp_config({"inputs": [], "outputs": ["Y"]})


def test_stage_reads_its_own_data_file(tmp_path, long_panel):
    long_panel.to_csv(tmp_path / "inputs.csv", index=False)
    st = {s.name: s for s in stages()}["gtfp"]
    cfg = gtfp_config({"data": "inputs.csv", "inputs": ["K", "L"], "outputs": ["Y"], "undesirable": ["CO2"],
                       "model": "ddf", "frontier": "contemporaneous", "efficiency": False})
    run_cfg = SimpleNamespace(resolve=lambda p: tmp_path / p)
    out = st.run(SimpleNamespace(raw=long_panel.iloc[:0]), cfg, {"config": run_cfg})
    assert "efficiency" not in out
    o = pd.read_csv(fixture_path("oracles", "dea", "malmquist_luenberger_ddf_crs_KL.csv"), dtype={"region_code": str})
    m = o.merge(out["index"], left_on=["region_code", "period"], right_on=["unit", "period"])
    assert len(m) == 60
    np.testing.assert_array_equal(m["index"].isna(), m["ML_cont"].isna())
    np.testing.assert_allclose(m["index"].dropna(), m["ML_cont"].dropna(), rtol=1e-8)
