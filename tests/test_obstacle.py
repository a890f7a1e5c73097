"""Tests of nqpf.analysis.obstacle (obstacle degree model, 障碍度模型)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from _shared import fixture_path, shared_path
from nqpf._errors import DataError, MethodError, MethodWarning, NqpfError
from nqpf.analysis.obstacle import obstacle_degree, obstacle_degrees

RTOL, ATOL = 1e-9, 1e-12


def _vectors(path) -> pd.DataFrame:
    return pd.read_csv(path)


def _wide(vec: pd.DataFrame) -> pd.DataFrame:
    w = vec.pivot(index="unit", columns="indicator", values="z").reset_index()
    w.columns.name = None
    return w


def _check_oracle(vec: pd.DataFrame) -> None:
    weights = vec.drop_duplicates("indicator").set_index("indicator")["weight"].to_dict()
    parent = vec.drop_duplicates("indicator").set_index("indicator")["criterion"].to_dict()
    res = obstacle_degree(_wide(vec), weights, parent=parent, top_k=3)
    got = res.indicators.set_index(["unit", "indicator"]).loc[list(zip(vec["unit"], vec["indicator"]))]
    assert_allclose(got["weight"], vec["weight"], rtol=RTOL, atol=ATOL)
    assert_allclose(got["deviation"], vec["deviation"], rtol=RTOL, atol=ATOL)
    assert_allclose(got["obstacle"], vec["obstacle"], rtol=RTOL, atol=ATOL)  # fractions, as in the oracle
    assert_allclose(got["obstacle_pct"], 100 * vec["obstacle"], rtol=RTOL, atol=1e-10)
    # criterion level U_ik = Σ O_ij
    expected_nodes = vec.groupby(["unit", "criterion"])["obstacle"].sum()
    nodes = res.nodes.set_index(["unit", "node"])["obstacle"]
    assert_allclose(nodes.loc[expected_nodes.index], expected_nodes, rtol=RTOL, atol=ATOL)
    # two-level factor contribution F_j = W_k · w_j|k gives the same numbers
    node_w = vec.drop_duplicates("indicator").groupby("criterion")["weight"].sum()
    within = {i: weights[i] / node_w[parent[i]] for i in weights}
    res2 = obstacle_degree(_wide(vec), within, parent=parent, node_weights=node_w.to_dict())
    assert_allclose(res2.indicators["obstacle"], res.indicators["obstacle"], rtol=1e-12)


def test_oracle_vectors_fixture():
    # ../shared/data/oracles/coupling_obstacle/obstacle_test_vectors.csv (copied; see PROVENANCE.md)
    _check_oracle(_vectors(fixture_path("oracles", "coupling_obstacle", "obstacle_test_vectors.csv")))


def test_oracle_vectors_shared_copy_identical():
    shared = _vectors(shared_path("data", "oracles", "coupling_obstacle", "obstacle_test_vectors.csv"))
    local = _vectors(fixture_path("oracles", "coupling_obstacle", "obstacle_test_vectors.csv"))
    pd.testing.assert_frame_equal(shared, local)
    _check_oracle(shared)


def test_top_list_and_ranks():
    vec = _vectors(fixture_path("oracles", "coupling_obstacle", "obstacle_test_vectors.csv"))
    weights = vec.drop_duplicates("indicator").set_index("indicator")["weight"].to_dict()
    res = obstacle_degree(_wide(vec), weights, top_k=2, labels={"x2": "R&D强度"})
    top = res.top
    assert top[top["unit"] == "u1"]["indicator"].tolist() == ["x2", "x3"]
    assert top[top["unit"] == "u1"]["label"].tolist() == ["R&D强度", "x3"]
    assert top[top["unit"] == "u2"]["indicator"].tolist() == ["x1", "x2"]
    assert res.top_wide.set_index("unit").loc["u3", "top1"] == "x1 (58.8%)"
    ranks = res.indicators[res.indicators["unit"] == "u1"].set_index("indicator")["rank"]
    assert ranks.to_dict() == {"x1": 3, "x2": 1, "x3": 2, "x4": 4}
    assert "No parent mapping" in " ".join(res.notes)
    assert res.to_frame() is res.indicators


def test_framework_tree_weights_table_and_long_input():
    # IndexResult-style weights table: node, parent, level, year, weight, effective_weight
    wt = pd.DataFrame({
        "node": ["NQPF", "A", "B", "x1", "x2", "x3"],
        "parent": ["", "NQPF", "NQPF", "A", "A", "B"],
        "weight": [1.0, 0.6, 0.4, 0.5, 0.5, 1.0],
    })
    long = pd.DataFrame({
        "unit": ["p", "p", "p", "q", "q", "q"], "year": [2020] * 6,
        "indicator": ["x1", "x2", "x3"] * 2, "value": [0.0, 0.5, 1.0, 1.0, 1.0, 0.2],
    })
    res = obstacle_degree(long, wt)
    f = res.factor_contribution
    assert_allclose(f[["x1", "x2", "x3"]], [0.3, 0.3, 0.4])
    p = res.indicators[res.indicators["unit"] == "p"]["obstacle"].to_numpy()
    assert_allclose(p, np.array([0.3, 0.15, 0.0]) / 0.45)
    nodes = res.nodes[res.nodes["unit"] == "p"].set_index("node")
    assert_allclose(nodes.loc["A", "obstacle"], 1.0)
    assert_allclose(nodes.loc["NQPF", "obstacle"], 1.0)
    assert nodes.loc["A", "level"] == 1 and nodes.loc["NQPF", "level"] == 0
    q = res.nodes[res.nodes["unit"] == "q"].set_index("node")
    assert_allclose(q.loc[["A", "B"], "obstacle"], [0.0, 1.0])
    assert q.loc["B", "rank"] == 1


def test_year_specific_weights():
    wt = pd.DataFrame({"node": ["x1", "x2", "x1", "x2"], "year": [2020, 2020, 2021, 2021], "weight": [0.5, 0.5, 0.9, 0.1]})
    z = pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2021], "x1": [0.0, 0.0], "x2": [0.0, 0.0]})
    res = obstacle_degree(z, wt)
    assert_allclose(res.indicators["obstacle"], [0.5, 0.5, 0.9, 0.1])


def test_frontier_unit_is_nan_with_note():
    z = pd.DataFrame({"unit": ["a", "b"], "x1": [1.0, 0.5], "x2": [1.0, 0.5]})
    with pytest.warns(MethodWarning, match="undefined"):
        res = obstacle_degree(z, {"x1": 0.5, "x2": 0.5}, parent={"x1": "A", "x2": "A"})
    a = res.indicators[res.indicators["unit"] == "a"]
    assert a["obstacle"].isna().all() and (a["rank"] == 0).all()
    assert res.nodes.set_index("unit").loc["a", "obstacle"] != res.nodes.set_index("unit").loc["a", "obstacle"]
    assert res.top_wide.set_index("unit").loc["a"].isna().all()
    assert any("frontier" in n for n in res.notes)
    assert_allclose(obstacle_degrees([[1.0, 1.0]], [0.5, 0.5]), [[np.nan, np.nan]])


def test_errors_exact_messages():
    z = pd.DataFrame({"unit": ["a", "b"], "x1": [1.2, 0.5], "x2": [-0.1, 0.5]})
    with pytest.raises(DataError) as e:
        obstacle_degree(z, {"x1": 0.5, "x2": 0.5})
    assert str(e.value) == (
        "obstacle_degree: normalised values must lie in [0, 1]; got values outside for 'x1' (1 values, min 1.2, max 1.2), "
        "'x2' (1 values, min -0.1, max -0.1). Pass min–max normalised values in the benefit direction "
        "(e.g. IndexResult.normalised)."
    )
    ok = pd.DataFrame({"unit": ["a"], "x1": [0.2]})
    with pytest.raises(DataError, match=r"indicators \['x9'\] have a weight but no column in the data"):
        obstacle_degree(ok, {"x1": 1.0, "x9": 1.0})
    with pytest.raises(DataError, match=r"factor contributions must be finite and non-negative; got invalid or missing weights for \['x1'\]"):
        obstacle_degree(ok, {"x1": -1.0})
    with pytest.raises(NqpfError) as e:
        obstacle_degree(ok, {"x1": 1.0}, top_k=0)
    assert str(e.value) == "The 'top_k' parameter of obstacle_degree must be an int in the range [1, inf); got 0."
    with pytest.raises(MethodError, match=r"node_weights names nodes that are not ancestors of any indicator; got \['Z'\]"):
        obstacle_degree(ok, {"x1": 1.0}, parent={"x1": "A"}, node_weights={"Z": 1.0})
    dup = pd.DataFrame({"unit": ["a", "a"], "x1": [0.2, 0.3]})
    with pytest.raises(DataError, match=r"1 rows repeat a \(unit\) key"):
        obstacle_degree(dup, {"x1": 1.0})


def test_input_not_modified():
    z = pd.DataFrame({"unit": ["a", "b"], "year": [2020, 2020], "x1": [0.2, 1 + 1e-12], "x2": [0.5, 0.1]})
    before = z.copy()
    res = obstacle_degree(z, {"x1": 0.5, "x2": 0.5})
    pd.testing.assert_frame_equal(z, before)
    assert any("rounding" in n for n in res.notes)


z_values = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(min_value=1, max_value=5).flatmap(
        lambda p: st.tuples(
            st.lists(st.lists(z_values, min_size=p, max_size=p), min_size=1, max_size=6),
            st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=p, max_size=p),
        )
    )
)
def test_invariants_sum_to_one_and_permutation(args):
    rows, w = args
    p = len(w)
    cols = [f"x{j}" for j in range(p)]
    z = pd.DataFrame(rows, columns=cols)
    z.insert(0, "unit", [f"u{i}" for i in range(len(z))])
    weights = dict(zip(cols, w))
    parent = {c: ("A" if j % 2 == 0 else "B") for j, c in enumerate(cols)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        res = obstacle_degree(z, weights, parent=parent)
        res_perm = obstacle_degree(z.iloc[::-1].reset_index(drop=True), weights, parent=parent)
    sums = res.indicators.groupby("unit")["obstacle"].sum(min_count=1).dropna()
    assert_allclose(sums, 1.0, rtol=1e-12)
    pct = res.indicators.groupby("unit")["obstacle_pct"].sum(min_count=1).dropna()
    assert_allclose(pct, 100.0, rtol=1e-12)
    node_sums = res.nodes.groupby("unit")["obstacle"].sum(min_count=1).dropna()
    assert_allclose(node_sums, 1.0, rtol=1e-12)
    a = res.indicators.sort_values(["unit", "indicator"]).reset_index(drop=True)
    b = res_perm.indicators.sort_values(["unit", "indicator"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)


def test_units_from_the_index():
    z = pd.DataFrame({"x1": [0.2, 0.8], "x2": [0.5, 0.5]}, index=pd.Index(["a", "b"], name="province"))
    res = obstacle_degree(z, {"x1": 0.5, "x2": 0.5})
    assert res.indicators["unit"].tolist() == ["a", "a", "b", "b"]
    mi = pd.DataFrame({"x1": [0.2, 0.8], "x2": [0.5, 0.5]},
                      index=pd.MultiIndex.from_tuples([("a", 2020), ("a", 2021)], names=["unit", "year"]))
    res2 = obstacle_degree(mi, {"x1": 0.5, "x2": 0.5})
    assert res2.id_columns == ["unit", "year"]
    assert_allclose(res2.indicators["obstacle"], [0.8 / 1.3, 0.5 / 1.3, 0.2 / 0.7, 0.5 / 0.7])


def test_missing_value_leaves_indicator_out():
    import pandas as pd

    from nqpf.analysis.obstacle import obstacle_degree

    z = pd.DataFrame({"unit": ["u1", "u2"], "x1": [0.9, 0.1], "x2": [np.nan, 0.0], "x3": [0.5, 0.5]})
    res = obstacle_degree(z, {"x1": 0.4, "x2": 0.3, "x3": 0.3})
    t = res.tables()["indicators"].set_index(["unit", "indicator"])
    assert np.isnan(t.at[("u1", "x2"), "obstacle"]) and pd.isna(t.at[("u1", "x2"), "rank"])
    assert t.loc["u1", "obstacle"].sum() == pytest.approx(1.0)
    assert t.at[("u1", "x1"), "obstacle"] == pytest.approx(0.4 * 0.1 / (0.4 * 0.1 + 0.3 * 0.5))
    assert any("left out" in n for n in res.notes)
