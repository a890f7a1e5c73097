"""Tests of nqpf.analysis.coupling (coupling coordination degree, 耦合协调度)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from _shared import fixture_path, shared_path
from nqpf._errors import DataError, MethodError, MethodWarning, NqpfError
from nqpf.analysis.coupling import (
    CLASSES_EN,
    CLASSES_ZH,
    coordination_class,
    coordination_level,
    coordination_stage,
    coupling_coordination,
    coupling_traditional,
    coupling_wang2021,
    relative_development,
)

RTOL, ATOL = 1e-9, 1e-12


def _vectors(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"U": str})


def _check_vectors(vec: pd.DataFrame) -> None:
    for _, row in vec.iterrows():
        u = [float(x) for x in row["U"].split(";")]
        assert len(u) == row["n"]
        frame = pd.DataFrame([u], columns=[f"s{i}" for i in range(len(u))])
        for model, suffix in (("traditional", "traditional"), ("wang2021", "modified")):
            res = coupling_coordination(frame, subsystems=list(frame.columns), model=model)
            t = res.table.iloc[0]
            assert_allclose(t["T"], row["T_equal_weights"], rtol=RTOL, atol=ATOL)
            assert_allclose(t["C"], row[f"C_{suffix}"], rtol=RTOL, atol=ATOL)
            assert_allclose(t["D"], row[f"D_{suffix}"], rtol=RTOL, atol=ATOL)
            assert f"{t['class_zh']} {t['class_en']}" == row[f"level_{suffix}"]


def test_oracle_vectors_fixture():
    # ../shared/data/oracles/coupling_obstacle/coupling_test_vectors.csv (copied; see PROVENANCE.md)
    vec = _vectors(fixture_path("oracles", "coupling_obstacle", "coupling_test_vectors.csv"))
    assert len(vec) == 9
    _check_vectors(vec)


def test_oracle_vectors_shared_copy_identical():
    shared = _vectors(shared_path("data", "oracles", "coupling_obstacle", "coupling_test_vectors.csv"))
    local = _vectors(fixture_path("oracles", "coupling_obstacle", "coupling_test_vectors.csv"))
    pd.testing.assert_frame_equal(shared, local)
    _check_vectors(shared)


def test_closed_forms_two_subsystems():
    u = np.array([[0.3, 0.5], [0.2, 0.8]])
    assert_allclose(coupling_traditional(u), 2 * np.sqrt(u[:, 0] * u[:, 1]) / u.sum(axis=1), rtol=1e-14)
    assert_allclose(coupling_wang2021(u), np.sqrt((1 - np.abs(u[:, 1] - u[:, 0])) * u.min(1) / u.max(1)), rtol=1e-14)
    # two equally low subsystems: traditional C = 1, corrected C = 1 as well (no gap), D low through T
    assert_allclose(coupling_traditional([0.05, 0.05]), [1.0])
    assert_allclose(coupling_wang2021([0.05, 0.05]), [1.0])


def test_class_boundaries_half_open():
    d = np.array([0.0, 0.0999999, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99, 1.0])
    assert coordination_level(d).tolist() == [1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10]
    assert coordination_stage([0.0, 0.3999, 0.4, 0.5999, 0.6, 1.0]).tolist() == [1, 1, 2, 2, 3, 3]
    assert coordination_class([np.nan]).tolist() == [""]
    assert coordination_class([0.85], lang="zh").tolist() == ["良好协调"]
    assert coordination_class([0.85], lang="en").tolist() == ["good coordination"]
    assert len(CLASSES_ZH) == len(CLASSES_EN) == 10


def test_weights_enter_t_only():
    df = pd.DataFrame({"a": [0.3], "b": [0.5]})
    eq = coupling_coordination(df, subsystems=["a", "b"]).table.iloc[0]
    wt = coupling_coordination(df, subsystems=["a", "b"], weights={"a": 3, "b": 1}).table.iloc[0]
    assert wt["C"] == eq["C"]
    assert_allclose(wt["T"], 0.75 * 0.3 + 0.25 * 0.5, rtol=1e-14)
    assert_allclose(wt["D"], np.sqrt(wt["C"] * wt["T"]), rtol=1e-14)


def test_relative_development_labels_and_ids():
    df = pd.DataFrame({
        "unit": ["A", "B", "C"], "year": [2020, 2020, 2020],
        "digital": [0.6, 0.5, 0.2], "real": [0.3, 0.45, 0.5],
    })
    res = coupling_coordination(df, subsystems=["digital", "real"], names={"digital": "数字经济", "real": "实体经济"})
    t = res.table
    assert list(t.columns[:2]) == ["unit", "year"]
    assert t["lagging"].tolist() == ["real", "", "digital"]
    assert t["relative_zh"].tolist() == ["实体经济滞后型", "同步发展", "数字经济滞后型"]
    assert t["relative_en"].tolist() == ["实体经济 lagging", "synchronous development", "数字经济 lagging"]
    assert_allclose(t["relative_ratio"], [2.0, 0.5 / 0.45, 0.4])
    assert res.to_frame() is t or res.to_frame().equals(t)
    classes = res.tables()["classes"]
    assert classes["n"].sum() == 3 and "year" in classes.columns
    text = str(res.summary())
    assert "耦合协调度" in text and "Wang Shujia" in text
    assert res.to_dict()["model"] == "wang2021"


def test_relative_development_n_subsystems():
    ratio, lag = relative_development([[0.1, 0.5, 0.6], [0.5, 0.5, 0.45]])
    assert lag.tolist() == [0, -1]
    assert_allclose(ratio, [0.1 / 0.4, 0.45 / (1.45 / 3)])


def test_errors_exact_messages():
    df = pd.DataFrame({"a": [0.3, 0.0], "b": [0.5, 1.2]})
    with pytest.raises(DataError) as e:
        coupling_coordination(df, subsystems=["a", "b"])
    assert str(e.value) == (
        "coupling_coordination: subsystem scores must lie in (0, 1]; got 'a' has 1 values outside (0, 1] "
        "(min 0, max 0); 'b' has 1 values outside (0, 1] (min 1.2, max 1.2). Rescale the scores to (0, 1] "
        "(e.g. divide a 0–100 score by 100)."
    )
    with pytest.raises(DataError, match=r"pass zeros='allow' to accept exact zeros"):
        coupling_coordination(pd.DataFrame({"a": [0.0], "b": [0.5]}), subsystems=["a", "b"])
    with pytest.raises(NqpfError) as e:
        coupling_coordination(df, subsystems=["a", "b"], model="wang")
    assert str(e.value) == "The 'model' parameter of coupling_coordination must be one of 'wang2021', 'traditional'; got 'wang'."
    with pytest.raises(MethodError, match=r"subsystems must name at least two distinct columns; got \['a'\]"):
        coupling_coordination(df, subsystems=["a"])
    with pytest.raises(DataError, match=r"subsystem columns \['c'\] are not in the frame"):
        coupling_coordination(df, subsystems=["a", "c"])
    with pytest.raises(MethodError, match=r"weights must have one value per subsystem \(2\); got 3 values"):
        coupling_coordination(df.clip(0.1, 1), subsystems=["a", "b"], weights=[1, 1, 1])
    with pytest.raises(MethodError, match=r"ratio_thresholds must be \(lo, hi\)"):
        coupling_coordination(df.clip(0.1, 1), subsystems=["a", "b"], ratio_thresholds=(1.2, 0.8))


def test_zeros_allowed_and_missing_rows():
    df = pd.DataFrame({"a": [0.0, 0.0, np.nan, 0.4], "b": [0.5, 0.0, 0.3, 0.4]})
    with pytest.warns(MethodWarning, match="1 rows have a missing subsystem score"):
        res = coupling_coordination(df, subsystems=["a", "b"], zeros="allow")
    t = res.table
    assert t["C"].iloc[0] == 0.0 and t["level"].iloc[0] == 1
    assert np.isnan(t["C"].iloc[1]) and t["class_zh"].iloc[1] == ""
    assert np.isnan(t["D"].iloc[2]) and t["level"].iloc[2] == 0 and t["relative_zh"].iloc[2] == ""
    assert_allclose(t["D"].iloc[3], np.sqrt(0.4))
    assert any("exactly 0" in n for n in res.notes)


scores = st.floats(min_value=1e-6, max_value=1.0, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=2, max_value=5).flatmap(lambda n: st.lists(st.lists(scores, min_size=n, max_size=n), min_size=1, max_size=8)))
def test_invariants_bounds_and_permutation(rows):
    n = len(rows[0])
    df = pd.DataFrame(rows, columns=[f"s{i}" for i in range(n)])
    df.insert(0, "unit", [f"u{i}" for i in range(len(df))])
    for model in ("traditional", "wang2021"):
        res = coupling_coordination(df, subsystems=[f"s{i}" for i in range(n)], model=model).table
        for col in ("C", "T", "D", "C_traditional", "C_wang2021"):
            assert ((res[col] >= 0) & (res[col] <= 1 + 1e-12)).all(), col
        if n == 2:  # sqrt((1 − |ΔU|) r) <= 2 sqrt(r) / (1 + r) for r = min/max (not so for n > 2)
            assert (res["C_wang2021"] <= res["C_traditional"] + 1e-12).all()
        perm = df.iloc[::-1].reset_index(drop=True)
        res2 = coupling_coordination(perm, subsystems=[f"s{i}" for i in range(n)], model=model).table
        pd.testing.assert_frame_equal(res.sort_values("unit").reset_index(drop=True),
                                      res2.sort_values("unit").reset_index(drop=True))
        # permuting the subsystems leaves C, T (equal weights) and D unchanged
        rev = coupling_coordination(df, subsystems=[f"s{i}" for i in reversed(range(n))], model=model).table
        assert_allclose(rev["D"], res["D"], rtol=1e-12)


def test_subsystem_frame_from_scores():
    from nqpf.analysis.coupling import subsystem_frame

    sc = pd.DataFrame({
        "unit": ["A", "A", "A", "B", "B", "A", "A", "A"],
        "unit_name": ["甲", "甲", "甲", "乙", "乙", "甲", "甲", "甲"],
        "year": [2020, 2020, 2020, 2020, 2020, 2021, 2021, 2021],
        "node": ["d1", "d2", "r", "d1", "r", "d1", "d2", "r"],
        "score": [0.2, 0.4, 0.5, 0.3, 0.6, 0.5, 0.7, 0.4],
    })
    fr = subsystem_frame(sc, {"digital": ["d1", "d2"], "real": ["r"]})
    assert list(fr.columns) == ["unit", "unit_name", "year", "digital", "real"]
    assert len(fr) == 3
    b = fr.set_index(["unit", "year"])
    assert_allclose(b.loc[("A", 2020), ["digital", "real"]].to_numpy(dtype=float), [0.3, 0.5])
    assert np.isnan(b.loc[("B", 2020), "digital"])  # d2 missing: not averaged over fewer nodes
    with pytest.warns(MethodWarning):
        res = coupling_coordination(fr, subsystems=["digital", "real"])
    assert res.id_columns == ["unit", "unit_name", "year"]
    assert subsystem_frame(sc, ["d1", "r"]).columns.tolist() == ["unit", "unit_name", "year", "d1", "r"]
    with pytest.raises(DataError, match=r"nodes \['zz'\] have no scores"):
        subsystem_frame(sc, {"x": ["zz"]})


def test_units_in_the_index_are_kept():
    df = pd.DataFrame({"a": [0.3, 0.4], "b": [0.5, 0.4]}, index=pd.Index(["110000", "310000"], name="unit"))
    res = coupling_coordination(df, subsystems=["a", "b"], model="traditional")
    assert res.table["unit"].tolist() == ["110000", "310000"]
    assert_allclose(res.table["C"], [2 * np.sqrt(0.15) / 0.8, 1.0], rtol=1e-14)


def test_relative_development_in_each_language_and_from_the_framework():
    df = pd.DataFrame({"unit": ["A", "B"], "year": [2020, 2020], "digital": [0.6, 0.2], "real": [0.3, 0.5]})
    res = coupling_coordination(df, subsystems=["digital", "real"], names={"digital": "数字经济", "real": "实体经济"},
                                names_en={"digital": "Digital economy", "real": "Real economy"})
    assert res.table["relative_zh"].tolist() == ["实体经济滞后型", "数字经济滞后型"]
    assert res.table["relative_en"].tolist() == ["Real economy lagging", "Digital economy lagging"]
    # the analysis stage names them after the framework's [[subsystem]] tables, never after their ids
    import warnings

    import nqpf
    from nqpf.analysis.stage import analyze

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = nqpf.build(nqpf.datasets.demo_config(stages=[]))
        t = analyze("coupling", built).table
    lag = t[t["lagging"] != ""]
    assert set(lag["relative_zh"]) <= {"数字经济滞后型", "实体经济滞后型"} and len(lag)
    assert set(lag["relative_en"]) <= {"Digital economy lagging", "Real economy lagging"}
