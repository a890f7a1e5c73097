"""Uncertainty and sensitivity analysis: COINr ASEM vignette specification, analytic cases, determinism."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf.framework.io import framework_from_dict
from nqpf.sensitivity import (
    SensitivityModel,
    leave_one_out,
    one_at_a_time,
    run_sensitivity,
    sensitivity_analysis,
    uncertainty_analysis,
)
from _shared import fixture_path
from test_index_coinr_asem import ASEM_CONFIG, asem_framework, asem_long

FIX = fixture_path("coinr_asem", "sensitivity")
COINR_FACTORS = [
    {"name": "Winmax", "section": "treat", "param": "winmax", "values": [1, 2, 3, 4, 5]},
    {"name": "Normalisation", "options": [{"normalise": {"method": "minmax", "range": [1, 100]}},
                                          {"normalise": {"method": "zscore", "mean": 10, "sd": 2}}]},
    {"name": "Weights", "kind": "weights_noise", "levels": [2, 3], "spread": 0.25, "n_sets": 100},
    {"name": "Aggregation", "section": "aggregate", "param": "method", "values": ["arithmetic", "geometric"]},
]


@pytest.fixture(scope="module")
def asem_model():
    return SensitivityModel(ASEM_CONFIG, COINR_FACTORS, data=asem_long(), framework=asem_framework(), seed=11)


def test_vectorised_nominal_equals_engine(asem_model):
    built = nqpf.build(ASEM_CONFIG, data=asem_long(), framework=asem_framework())
    s = built.scores[built.scores["node"] == "Index"].set_index("unit").loc[asem_model.units, "score"].to_numpy()
    np.testing.assert_allclose(asem_model.nominal_scores[0], s, rtol=1e-12)


@pytest.mark.parametrize("agg", [{"method": "geometric"}, {"method": "harmonic"}, {"method": "topsis"},
                                 {"method": "topsis", "topsis_distance": "weights_inside", "topsis_ideal": "year"},
                                 {"method": "arithmetic", "min_coverage": 0.9, "scale": 100}])
def test_vectorised_aggregation_matches_engine(agg):
    cfg = dict(ASEM_CONFIG, normalise={"method": "minmax", "range": [1, 100]}, aggregate=agg)
    m = SensitivityModel(cfg, [{"name": "w", "kind": "weights_noise", "levels": [2], "n_sets": 3}],
                         data=asem_long(), framework=asem_framework())
    built = nqpf.build(cfg, data=asem_long(), framework=asem_framework())
    s = built.scores[built.scores["node"] == "Index"].set_index("unit").loc[m.units, "score"].to_numpy()
    np.testing.assert_allclose(m.nominal_scores[0], s, rtol=1e-10)


def test_uncertainty_matches_coinr(asem_model):
    ua = uncertainty_analysis(asem_model, n=1000, seed=2)
    exp = pd.read_csv(FIX / "ua_N100_rankstats.csv").set_index("uCode")
    rs = ua.rank_stats.set_index("unit").loc[exp.index]
    np.testing.assert_array_equal(rs["nominal"].to_numpy(int), exp["Nominal"].to_numpy(int))
    for ours, theirs in (("median", "Median"), ("q05", "Q5"), ("q95", "Q95")):
        within = (rs[ours] - exp[theirs]).abs() <= 2
        assert within.mean() >= 0.9, (ours, within.mean())
    assert len(ua.runs) == 1000 and set(ua.runs.columns) >= {"Winmax", "Normalisation", "Weights", "Aggregation"}
    assert ((rs["q05"] <= rs["median"]) & (rs["median"] <= rs["q95"])).all()


def test_sensitivity_ordering_matches_coinr(asem_model):
    sa = sensitivity_analysis(asem_model, n=1000, seed=3)
    st = sa.indices.set_index("factor")["STi"]
    assert len(sa.runs) == 1000 * (4 + 2)
    assert st["Aggregation"] > 2 * max(st["Normalisation"], st["Weights"])
    assert min(st["Normalisation"], st["Weights"]) > st["Winmax"]
    assert 0.55 <= st["Aggregation"] <= 0.85 and 0.12 <= st["Normalisation"] <= 0.35 and 0.12 <= st["Weights"] <= 0.35
    assert 0.0 <= st["Winmax"] <= 0.12


def tiny():
    rng = np.random.default_rng(5)
    rows = [(f"u{i}", 2020, f"x{j}", float(rng.uniform(1, 10))) for i in range(12) for j in range(4)]
    data = pd.DataFrame(rows, columns=["unit", "year", "indicator", "value"])
    fw = framework_from_dict({"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
                              "indicator": [{"id": f"x{j}", "parent": "I"} for j in range(4)]})
    return data, fw


def test_inert_factor_has_zero_total_index_and_single_factor_carries_all():
    data, fw = tiny()
    factors = [
        {"name": "scale", "options": [{"normalise": {"range": [0, 1]}}, {"normalise": {"range": [0, 100]}}]},  # never changes ranks
        {"name": "agg", "section": "aggregate", "param": "method", "values": ["arithmetic", "topsis"]},
    ]
    m = SensitivityModel({"weight": {"method": "equal"}}, factors, data=data, framework=fw)
    sa = sensitivity_analysis(m, n=256, seed=1)
    idx = sa.indices.set_index("factor")
    if np.var(sa.runs["mean_abs_rank_shift"]) == 0:
        pytest.skip("aggregation choice did not change ranks on this draw")
    assert idx.at["scale", "STi"] == pytest.approx(0.0, abs=1e-12)
    assert idx.at["scale", "Si"] == pytest.approx(0.0, abs=1e-12)
    assert idx.at["agg", "STi"] == pytest.approx(1.0, abs=1e-9)
    assert idx.at["agg", "Si"] == pytest.approx(1.0, abs=0.05)


def test_seeded_and_parallel_runs_identical():
    data, fw = tiny()
    f = [{"name": "w", "kind": "weights_noise", "levels": [1], "spread": 0.5, "n_sets": 20},
         {"name": "n", "options": [{"normalise": {"method": "minmax"}}, {"normalise": {"method": "zscore"}}]}]
    a = uncertainty_analysis(SensitivityModel({"weight": {"method": "equal"}}, f, data=data, framework=fw, seed=4), n=200, seed=9)
    b = uncertainty_analysis(SensitivityModel({"weight": {"method": "equal"}}, f, data=data, framework=fw, seed=4, n_jobs=2), n=200, seed=9)
    pd.testing.assert_frame_equal(a.rank_stats, b.rank_stats)
    pd.testing.assert_frame_equal(a.runs, b.runs)


def test_oat_and_leave_one_out():
    data, fw = tiny()
    f = [{"name": "agg", "section": "aggregate", "param": "method", "values": ["arithmetic", "geometric"]},
         {"name": "loo", "kind": "leave_out"}]
    m = SensitivityModel({"weight": {"method": "entropy"}, "normalise": {"range": [1, 100]}}, f, data=data, framework=fw)
    oat = one_at_a_time(m)
    eff = oat.effects.set_index(["factor", "level"])
    assert eff.at[("agg", 0), "mean_abs_rank_shift"] == 0.0  # arithmetic = nominal
    assert eff.at[("loo", 0), "mean_abs_rank_shift"] == 0.0
    assert len(eff.loc["loo"]) == 5
    lo = leave_one_out(m, top=3)
    assert set(lo.effects["indicator"]) == {"x0", "x1", "x2", "x3"}
    assert lo.effects["changes_top"].dtype == bool
    # leaving an indicator out by zero weight in the vectorised path equals an exact rebuild for entropy weights
    for j, ind in enumerate(fw.indicators):
        exact = lo.ranks[lo.ranks["indicator"] == ind].set_index("unit").loc[m.units, "rank"].to_numpy()
        fast = oat.ranks[(oat.ranks["factor"] == "loo") & (oat.ranks["level"] == j + 1)].set_index("unit").loc[m.units, "rank"].to_numpy()
        np.testing.assert_array_equal(exact, fast)


def test_run_sensitivity_from_config_and_stage(tmp_path):
    data, fw = tiny()
    from nqpf.run import run

    cfg = {"weight": {"method": "equal"}, "sensitivity": {"n": 64, "factors": [
        {"name": "agg", "section": "aggregate", "param": "method", "values": ["arithmetic", "topsis"]},
        {"name": "w", "kind": "weights_noise", "levels": [1], "n_sets": 10}]}}
    fw_path = tmp_path / "fw.toml"
    from nqpf.framework.io import write_framework_toml

    write_framework_toml(fw, fw_path)
    cfg["framework"] = {"path": str(fw_path)}
    out = run(cfg, data=data, out=tmp_path / "run")
    files = {p.name for p in (tmp_path / "run" / "sensitivity").iterdir()}
    assert {"uncertainty_rank_stats.csv", "sensitivity_indices.csv", "oat_effects.csv"} <= files
    with pytest.raises(nqpf.ConfigError, match=r"Config \[sensitivity\]: invalid — factors.0"):
        run_sensitivity(cfg, {"factors": [{"name": "x", "options": [{"normalise": {}}]}]}, data=data, framework=fw)


def test_dask_scheduler_gives_identical_results():
    distributed = pytest.importorskip("distributed")
    data, fw = tiny()
    f = [{"name": "w", "kind": "weights_noise", "levels": [1], "spread": 0.5, "n_sets": 20},
         {"name": "a", "section": "aggregate", "param": "method", "values": ["arithmetic", "topsis"]}]
    local = uncertainty_analysis(SensitivityModel({"weight": {"method": "equal"}}, f, data=data, framework=fw, seed=4), n=100, seed=9)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        m = SensitivityModel({"weight": {"method": "equal"}}, f, data=data, framework=fw, seed=4, scheduler=cluster.scheduler_address)
        remote = uncertainty_analysis(m, n=100, seed=9)
    pd.testing.assert_frame_equal(local.rank_stats, remote.rank_stats)


def test_vectorised_topsis_with_yearly_weights_and_pooled_ideal_matches_engine():
    from nqpf import datasets

    cfg = datasets.demo_config(years=(2018, 2022), stages=[])
    cfg = dict(cfg, normalise={"method": "minmax", "scope": "year"}, weight={"method": "entropy", "scope": "year"},
               aggregate={"method": "topsis", "topsis_ideal": "pooled"})
    m = SensitivityModel(cfg, [{"name": "w", "kind": "weights_noise", "levels": [2], "n_sets": 2}])
    built = nqpf.build(cfg)
    s = built.scores[built.scores["node"] == built.root].pivot(index="year", columns="unit", values="score")
    np.testing.assert_allclose(m.nominal_scores, s.loc[m.years, m.units].to_numpy(), rtol=1e-10)


def test_the_run_hands_its_prepared_inputs_to_the_sensitivity_model():
    """A model given the run's index result uses its prepared inputs and equals one that prepares them itself."""
    import warnings

    from nqpf.sensitivity import SensitivityModel, uncertainty_analysis

    cfg = nqpf.datasets.demo_config(years=(2019, 2022), units=["北京", "上海", "广东", "四川", "甘肃"], stages=[])
    factors = [{"name": "w", "kind": "weights_noise", "levels": [1, 2], "n_sets": 8, "spread": 0.25},
               {"name": "scope", "section": "normalise", "param": "scope", "values": ["pooled", "year"]}]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build(cfg)
        own = SensitivityModel(cfg, factors, seed=4)
        handed = SensitivityModel(cfg, factors, seed=4, index=res)
    assert handed.units == own.units == ["110000", "310000", "440000", "510000", "620000"]
    assert handed.years == own.years == [2019, 2020, 2021, 2022]
    assert handed.X.shape == own.X.shape == (4, 5, len(res.framework.indicators))
    np.testing.assert_array_equal(handed.X, own.X)  # NaN cells in the same places, every value bit-equal
    assert handed.framework.indicators == own.framework.indicators
    pd.testing.assert_frame_equal(handed.unit_table.reset_index(drop=True), own.unit_table.reset_index(drop=True))
    np.testing.assert_array_equal(handed.nominal_ranks, own.nominal_ranks)
    # the nominal ranks are the index's own ranks of the root
    last = res.scores[(res.scores["node"] == res.root) & (res.scores["year"] == 2022)].set_index("unit")["rank"]
    assert handed.nominal_ranks[-1].tolist() == last.loc[handed.units].astype(int).tolist()
    a = uncertainty_analysis(own, n=32, seed=2).tables()
    b = uncertainty_analysis(handed, n=32, seed=2).tables()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_batches_and_parts_do_not_change_any_run():
    """Runs are evaluated in batches and aggregated in parts; the reductions per batch equal those of all runs."""
    from nqpf import datasets
    from nqpf.sensitivity import core
    from nqpf.sensitivity.design import saltelli_levels

    cfg = datasets.demo_config(years=(2019, 2022), stages=[])
    factors = [{"name": "scope", "options": [{"normalise": {"scope": "pooled"}, "weight": {"scope": "pooled"}},
                                             {"normalise": {"scope": "year"}, "weight": {"scope": "year"}}]},
               {"name": "w", "kind": "weights_noise", "levels": [2, 3], "n_sets": 9},
               {"name": "loo", "kind": "leave_out"},
               {"name": "agg", "options": [{"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "topsis"}},
                                           {"aggregate": {"method": "topsis", "topsis_distance": "weights_inside"}}]}]
    m = SensitivityModel(cfg, factors, seed=3)
    levels, _ = saltelli_levels(m.L, 16, 5)
    whole = m.evaluate(levels)
    seen = []
    aggregate = m._aggregate

    def spy(prep, noise, zero, agg):
        seen.append(len(noise))
        return aggregate(prep, noise, zero, agg)

    m._aggregate = spy
    try:
        for part in (3, 5):
            seen.clear()
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(core, "PART", part)
                np.testing.assert_array_equal(m.evaluate(levels), whole)  # bit-equal, NaN in the same cells
            assert max(seen) <= part and sum(seen) == len(levels)
    finally:
        del m._aggregate
    ranks = m.ranks(levels)
    np.testing.assert_array_equal(ranks, core.rank_desc(whole))
    mask = m.year_mask([2021, 2022])
    np.testing.assert_array_equal(core._run_shifts(m, levels, mask), core._mean_abs_shift(ranks, m.nominal_ranks, mask))
    batches = [runs for runs, _ in m.map_runs(levels, lambda s: None)]
    assert sorted(r for b in batches for r in b) == list(range(len(levels)))
    assert max(len(b) for b in batches) <= core.BATCH


def test_parts_are_balanced_and_never_split_off_a_single_run():
    from nqpf.sensitivity.core import _parts

    assert _parts(1, 64) == [(0, 1)]
    assert _parts(64, 64) == [(0, 64)]
    assert _parts(65, 64) == [(0, 33), (33, 65)]
    for size in (3, 4, 7, 64):
        for n in range(2, 300):
            p = _parts(n, size)
            sizes = [b - a for a, b in p]
            assert p[0][0] == 0 and p[-1][1] == n and all(p[i][1] == p[i + 1][0] for i in range(len(p) - 1))
            assert max(sizes) <= size and min(sizes) >= 2 and max(sizes) - min(sizes) <= 1


def test_merged_configs_share_the_base_without_changing_it():
    import copy
    import json

    from nqpf.sensitivity.core import _merge

    base = {"normalise": {"method": "minmax", "range": [0, 100]}, "weight": {"method": "entropy"}, "aggregate": {}}
    before = copy.deepcopy(base)
    edits = {"normalise": {"method": "zscore"}, "treat": {"winmax": 3}}
    out = _merge(base, edits)
    deep = json.loads(json.dumps(base))
    for sec, params in edits.items():
        deep.setdefault(sec, {}).update(params)
    assert out == deep and base == before
    assert out["weight"] is base["weight"] and out["normalise"] is not base["normalise"]
    data, fw = tiny()
    m = SensitivityModel({"weight": {"method": "equal"}}, [{"name": "n", "section": "normalise", "param": "method",
                                                            "values": ["minmax", "zscore"]}], data=data, framework=fw)
    cfg, noise, zero = m.run_spec(np.array([1]))
    cfg["weight"]["method"] = "changed"  # a fresh copy: the model's base config is not touched
    assert m._base["weight"]["method"] == "equal" and cfg["normalise"]["method"] == "zscore"


def test_within_sets_noise_then_leave_out_renormalised():
    from nqpf.sensitivity.vectorised import within_sets

    data, fw = tiny()
    base = {"I": np.array([0.1, 0.2, 0.3, 0.4])}
    W = within_sets(fw, base, 2, noise=[None, {"x1": 2.0, "x3": 0.5}, {"x1": 2.0}], zero=[set(), {"x0"}, {"x1", "nope"}])
    assert W["I"].shape == (2, 4, 3)
    np.testing.assert_array_equal(W["I"][0, :, 0], base["I"] / base["I"].sum())
    w1 = np.array([0.0, 0.4, 0.3, 0.2])
    np.testing.assert_array_equal(W["I"][1, :, 1], w1 / w1.sum())
    w2 = np.array([0.1, 0.0, 0.3, 0.4])
    np.testing.assert_array_equal(W["I"][1, :, 2], w2 / w2.sum())
