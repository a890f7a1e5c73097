"""Engine rules that hold for every node: coverage and method for grouping nodes, ties in ranks,
refused negative given weights, recorded re-weighting of unit-years with missing components."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf import ConfigError
from nqpf._ranking import rank_desc
from nqpf.framework.io import framework_from_dict
from nqpf.index.config import RunConfig


def _data(values: dict[str, tuple], year: int = 2020) -> pd.DataFrame:
    return pd.DataFrame([(u, year, f"x{j + 1}", float(v)) for u, vs in values.items() for j, v in enumerate(vs)],
                        columns=["unit", "year", "indicator", "value"])


def _flat(driver: tuple[str, str, str] = ("数据", "算力", "数据")):
    return framework_from_dict({
        "framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
        "indicator": [{"id": f"x{j + 1}", "parent": "I", "driver": d} for j, d in enumerate(driver)],
        "grouping": [{"id": "driver", "tag": "driver"}],
    })


# normalise = none keeps the raw values, so every expected score below is a hand-computed weighted mean
VALUES = {"u0": (0.6, np.nan, np.nan), "u1": (0.2, 0.4, 0.8), "u2": (0.5, 0.1, np.nan), "u3": (0.3, 0.9, 0.6)}
NONE_EQUAL = {"normalise": {"method": "none"}, "weight": {"method": "equal"}}


def _score(res, unit: str, node: str, year: int = 2020) -> float:
    s = res.scores
    return float(s.loc[(s["unit"] == unit) & (s["year"] == year) & (s["node"] == node), "score"].iloc[0])


# --------------------------------------------------------------------------- grouping nodes (issue 3)
def test_grouping_node_obeys_min_coverage_and_records_exclusion():
    res = nqpf.build({**NONE_EQUAL, "aggregate": {"min_coverage": 0.6, "scale": 100}}, data=_data(VALUES), framework=_flat())
    # u0 has only x1: the root covers 1/3 of its weight, driver:数据 (x1, x3) covers 1/2 — both below 0.6
    assert np.isnan(_score(res, "u0", "I"))
    assert np.isnan(_score(res, "u0", "driver:数据"))  # was 60.0 (x1 alone, scaled) before the fix
    ex = res.excluded.set_index(["unit", "node"])["reason"]
    assert ex[("u0", "I")] == "available weight share 0.333 < aggregate.min_coverage 0.6"
    assert ex[("u0", "driver:数据")] == "available weight share 0.500 < aggregate.min_coverage 0.6"
    assert ex[("u0", "driver:算力")] == "available weight share 0.000 < aggregate.min_coverage 0.6"
    # u2 lacks x3: driver:数据 covers 1/2 < 0.6 as well, while the root (2/3) is scored
    assert ex[("u2", "driver:数据")] == "available weight share 0.500 < aggregate.min_coverage 0.6"
    assert _score(res, "u2", "I") == pytest.approx(100 * (0.5 + 0.1) / 2, rel=1e-12)
    assert _score(res, "u1", "driver:数据") == pytest.approx(100 * (0.2 + 0.8) / 2, rel=1e-12)
    assert len(res.excluded) == 4 and res.manifest["counts"]["excluded"] == 4


def test_grouping_node_equal_to_the_tree_gets_the_same_scores_and_gaps():
    # one grouping value holding every indicator is the root under another name: same scores, same gaps
    fw = _flat(driver=("数据", "数据", "数据"))
    res = nqpf.build({**NONE_EQUAL, "aggregate": {"min_coverage": 0.5}}, data=_data(VALUES), framework=fw)
    wide = res.wide(2020)
    np.testing.assert_array_equal(wide["driver:数据"].to_numpy(), wide["I"].to_numpy())
    assert wide["I"].isna().tolist() == [True, False, False, False]
    ex = res.excluded
    assert sorted(map(tuple, ex[["unit", "node"]].to_numpy())) == [("u0", "I"), ("u0", "driver:数据")]
    assert ex["reason"].nunique() == 1


def test_grouping_node_uses_node_methods():
    cfg = {**NONE_EQUAL, "aggregate": {"node_methods": {"driver:数据": "geometric"}}}
    res = nqpf.build(cfg, data=_data(VALUES), framework=_flat())
    assert _score(res, "u1", "driver:数据") == pytest.approx(np.sqrt(0.2 * 0.8), rel=1e-12)  # was 0.5 (arithmetic)
    assert _score(res, "u3", "driver:数据") == pytest.approx(np.sqrt(0.3 * 0.6), rel=1e-12)
    assert _score(res, "u1", "I") == pytest.approx((0.2 + 0.4 + 0.8) / 3, rel=1e-12)  # the root stays arithmetic


# --------------------------------------------------------------------------- ties (issue 4)
def test_equal_scores_tie_despite_rounding():
    # (0.1 + 0.2 + 0.3) / 3 in two summation orders: 0.2 and 0.19999999999999998
    vals = {"u0": (0.1, 0.2, 0.3), "u1": (0.3, 0.2, 0.1), "u2": (0.2, 0.1, 0.3), "u3": (0.05, 0.1, 0.2)}
    res = nqpf.build(NONE_EQUAL, data=_data(vals), framework=_flat())
    r = res.ranking(2020).set_index("unit")
    assert r.at["u1", "score"] != r.at["u0", "score"]  # the scores differ in the last bit …
    assert r["rank"].to_dict() == {"u0": 1, "u1": 1, "u2": 1, "u3": 4}  # … but are one score: u1 was ranked 3


def test_rank_desc_relative_tolerance_and_competition_ranks():
    x = np.array([26.0, 26.000000000000007, 30.0, np.nan, 1.0, 26.0 * (1 + 1e-9)])
    r = rank_desc(x)
    assert np.isnan(r[3]) and r[[0, 1, 2, 4, 5]].tolist() == [3.0, 3.0, 1.0, 5.0, 2.0]
    # negative values and zero: -1 and -1 − 1e-13 tie (relative difference 1e-13), 0.0 and −0.0 tie
    assert rank_desc(np.array([-1.0, -1.0 - 1e-13, 0.0, -0.0, -2.0])).tolist() == [3.0, 3.0, 1.0, 1.0, 5.0]
    # along an axis of a 3-D array, one ranking per (year, node)
    S = np.array([[[0.2, 5.0], [0.19999999999999998, 4.0], [0.1, 5.0 + 1e-14]]])
    assert rank_desc(S, axis=1)[0].tolist() == [[1.0, 1.0], [1.0, 3.0], [3.0, 1.0]]


def test_every_rank_helper_uses_the_tolerant_ranks():
    from nqpf.analysis.obstacle import _rank_within
    from nqpf.index.engine import rank_desc as engine_rank
    from nqpf.paths.recommend import _rank_desc as path_rank

    near = [0.2, 0.19999999999999998, 0.1]
    assert engine_rank(np.array(near)[None, :, None])[0, :, 0].tolist() == [1.0, 1.0, 3.0]
    assert path_rank(pd.Series(near, index=["a", "b", "c"])).tolist() == [1.0, 1.0, 3.0]
    assert list(_rank_within(np.array([near]))) == [1, 1, 3]


# --------------------------------------------------------------------------- negative given weights (issue 5)
def test_negative_given_weight_is_refused_with_the_fix():
    cfg = {**NONE_EQUAL, "weight": {"method": "given", "given": {"x1": -0.2, "x2": 0.7, "x3": 0.5}}}
    msg = ("Config [weight] given: weights must be finite numbers >= 0 (the framework refuses negative weights too); "
           "got x1 = -0.2. Fix the weight of 'x1' in [weight] given to a value >= 0, or remove it to use the framework's weight.")
    with pytest.raises(ConfigError) as exc:
        nqpf.build(cfg, data=_data(VALUES), framework=_flat())
    assert str(exc.value) == msg
    # a RunConfig built without config_from_dict is refused by the engine with the same message
    with pytest.raises(ConfigError) as exc:
        nqpf.build(RunConfig.model_validate(cfg), data=_data(VALUES), framework=_flat())
    assert str(exc.value) == msg
    with pytest.raises(ConfigError, match=r"got I = -1, x2 = nan\. Fix the weight of 'I', 'x2'"):
        nqpf.build({**NONE_EQUAL, "weight": {"given": {"I": -1.0, "x2": float("nan")}}}, data=_data(VALUES), framework=_flat())
    # zero weights stay allowed
    res = nqpf.build({**NONE_EQUAL, "weight": {"method": "given", "given": {"x1": 0.0, "x2": 1.0, "x3": 1.0}}},
                     data=_data(VALUES), framework=_flat())
    assert _score(res, "u1", "I") == pytest.approx((0.4 + 0.8) / 2, rel=1e-12)


# --------------------------------------------------------------------------- re-weighting recorded (issue 7)
def test_reweighted_unit_years_are_recorded_and_counted():
    fw = framework_from_dict({"framework": {"id": "t"},
                              "node": [{"id": "I", "parent": ""}, {"id": "A", "parent": "I"}, {"id": "B", "parent": "I"}],
                              "indicator": [{"id": "x1", "parent": "A"}, {"id": "x2", "parent": "A"}, {"id": "x3", "parent": "B"}]})
    vals = {"u0": (0.6, np.nan, 0.3), "u1": (0.2, 0.4, np.nan), "u2": (0.5, 0.1, 0.7), "u3": (np.nan, np.nan, 0.9)}
    res = nqpf.build({**NONE_EQUAL, "weight": {"method": "equal", "scheme": "within_parent"}}, data=_data(vals), framework=fw)
    ch = res.changes[res.changes["step"] == "aggregate"]
    got = {(r.unit, r.indicator): (r.reason, r.new) for r in ch.itertuples()}
    assert got == {
        ("u0", "A"): ("re-weighted: 1 of 2 components present (weights re-normalised over the present ones)", pytest.approx(0.6)),
        ("u1", "I"): ("re-weighted: 1 of 2 components present (weights re-normalised over the present ones)", pytest.approx(0.3)),
        ("u3", "I"): ("re-weighted: 1 of 2 components present (weights re-normalised over the present ones)", pytest.approx(0.9)),
    }
    assert ch["old"].isna().all() and (ch["year"] == 2020).all()
    # the recorded value is the score: the weighted mean over the present components
    assert _score(res, "u1", "I") == pytest.approx((0.2 + 0.4) / 2, rel=1e-12)
    assert _score(res, "u0", "I") == pytest.approx(2 / 3 * 0.6 + 1 / 3 * 0.3, rel=1e-12)  # upper = sum: A weighs 2 leaves
    m = res.manifest
    assert m["counts"]["reweighted"] == 3 and m["counts"]["changed_cells"] == 3 and m["counts"]["excluded"] == 0
    summary = pd.DataFrame(m["changes"]["summary"])
    assert summary.loc[summary["step"] == "aggregate", "cells"].sum() == 3
    # below min_coverage a node is excluded instead (never both); u1's root keeps 2/3 of its weight >= 0.6
    res = nqpf.build({**NONE_EQUAL, "weight": {"method": "equal", "scheme": "within_parent"}, "aggregate": {"min_coverage": 0.6}},
                     data=_data(vals), framework=fw)
    ch = res.changes[res.changes["step"] == "aggregate"]
    assert list(zip(ch["unit"], ch["indicator"])) == [("u1", "I")] and res.manifest["counts"]["reweighted"] == 1
    assert sorted(map(tuple, res.excluded[["unit", "node"]].to_numpy())) == [("u0", "A"), ("u0", "I"), ("u1", "B"),
                                                                               ("u3", "A"), ("u3", "I")]


def test_reweighted_grouping_and_topsis_nodes_count_indicators():
    vals = {"u0": (0.6, 0.2, np.nan), "u1": (0.2, 0.4, 0.8), "u2": (0.5, 0.1, 0.7)}
    res = nqpf.build({**NONE_EQUAL, "aggregate": {"method": "topsis"}}, data=_data(vals), framework=_flat())
    ch = res.changes[res.changes["step"] == "aggregate"]
    assert sorted(zip(ch["unit"], ch["indicator"], ch["reason"])) == [
        ("u0", "I", "re-weighted: 2 of 3 components present (weights re-normalised over the present ones)"),
        ("u0", "driver:数据", "re-weighted: 1 of 2 components present (weights re-normalised over the present ones)"),
    ]
    assert res.manifest["counts"]["reweighted"] == 2
