"""Regression frame adapter (IndexResult duck type, long, wide, extra) and the term grammar."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import ConfigError, DataError
from nqpf.explain import ModelSpec, design_matrix, evaluate_term, make_spec, parse_term, regression_frame


def fake_result() -> SimpleNamespace:
    units = ["110000", "120000", "130000"]
    years = [2020, 2021, 2022]
    rows = []
    for i, u in enumerate(units):
        for j, y in enumerate(years):
            for node, base in (("NQPF", 0.5), ("driver:数据", 0.2)):
                rows.append({"unit": u, "unit_name": u, "year": y, "node": node, "score": base + 0.1 * i + 0.01 * j, "rank": 1})
    scores = pd.DataFrame(rows)
    raw = pd.DataFrame([{"unit": u, "year": y, "indicator": "gdp", "value": 100.0 * (i + 1) + j} for i, u in enumerate(units) for j, y in enumerate(years)])
    norm = raw.assign(value=raw["value"] / 1000)
    unit_tab = pd.DataFrame({"unit": units, "unit_name": ["北京", "天津", "河北"], "name_en": ["Beijing", "Tianjin", "Hebei"], "region4": ["东部"] * 3})
    return SimpleNamespace(scores=scores, raw=raw, normalised=norm, units=unit_tab)


def test_frame_from_index_result():
    f = regression_frame(fake_result())
    assert {"NQPF", "driver:数据", "raw:gdp", "norm:gdp", "region4", "unit_name"} <= set(f.columns)
    assert len(f) == 9 and f["unit"].map(type).eq(str).all()
    row = f[(f["unit"] == "120000") & (f["year"] == 2021)].iloc[0]
    assert row["NQPF"] == pytest.approx(0.61) and row["raw:gdp"] == 201.0 and row["norm:gdp"] == pytest.approx(0.201)
    assert row["unit_name"] == "天津"


def test_extra_columns_merge_and_clash():
    res = fake_result()
    extra = pd.DataFrame({"unit": ["110000"] * 3, "year": [2020, 2021, 2022], "urban": [0.8, 0.81, 0.82]})
    f = regression_frame(res, extra=extra)
    assert f.loc[f["unit"] == "110000", "urban"].tolist() == [0.8, 0.81, 0.82]
    assert f.loc[f["unit"] == "130000", "urban"].isna().all()
    groups = pd.DataFrame({"unit": ["110000", "120000", "130000"], "coastal": [1, 1, 1]})
    assert regression_frame(res, extra=groups)["coastal"].eq(1).all()
    with pytest.raises(DataError, match=r"regression_frame: extra columns already in the frame; got \['region4'\]"):
        regression_frame(res, extra=pd.DataFrame({"unit": ["110000"], "region4": ["x"]}))


def test_duplicate_rows_refused():
    long = pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2020], "indicator": ["g", "g"], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"regression_frame: duplicate \(unit, year, indicator\) rows; got 1"):
        regression_frame(long)
    with pytest.raises(DataError, match="the data need columns 'unit' and 'year'"):
        regression_frame(pd.DataFrame({"id": [1]}))


def test_terms_lag_log_diff_inter_std():
    f = pd.DataFrame({"unit": ["a"] * 3 + ["b"] * 2, "year": [2020, 2021, 2023, 2020, 2021], "x": [1.0, 2, 4, 8, 16], "z": [1.0, 1, 1, 2, 2]})
    lag = evaluate_term(f, "lag(x)")
    assert np.isnan(lag.iloc[0]) and lag.iloc[1] == 1.0 and np.isnan(lag.iloc[2])  # 2022 is missing: no silent skip
    assert evaluate_term(f, "lag(x, 2)").iloc[2] == 2.0
    assert evaluate_term(f, "diff(x)").iloc[4] == 8.0
    np.testing.assert_allclose(evaluate_term(f, "log(x)"), np.log(f["x"]))
    np.testing.assert_allclose(evaluate_term(f, "inter(x, z)"), f["x"] * f["z"])
    np.testing.assert_allclose(evaluate_term(f, "sq(log(x))"), np.log(f["x"]) ** 2)
    s = evaluate_term(f, "std(x)")
    assert s.mean() == pytest.approx(0, abs=1e-12) and s.std() == pytest.approx(1)


def test_parse_errors():
    assert parse_term("driver:数据") == ("col", "driver:数据")
    with pytest.raises(ConfigError, match=r"lag\(\) takes 1 or 2 argument\(s\); got 3"):
        parse_term("lag(x, 1, 2)")
    with pytest.raises(ConfigError, match="the lag order must be a positive integer; got 'k'"):
        parse_term("lag(x, k)")
    f = pd.DataFrame({"unit": ["a", "b"], "year": [2020, 2020], "x": [0.0, 1.0]})
    with pytest.raises(DataError, match=r"Model term 'log\(x\)': the logarithm needs values > 0; got 1 values <= 0"):
        evaluate_term(f, "log(x)")
    with pytest.raises(ConfigError, match="ModelSpec: x: List should have at least 1 item"):
        make_spec(y="y", x=[])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.1, 100, allow_nan=False), min_size=4, max_size=12))
def test_lag_then_design_never_changes_input(values):
    n = len(values)
    f = pd.DataFrame({"unit": ["a"] * n, "year": list(range(2000, 2000 + n)), "x": values, "y": values[::-1]})
    before = f.copy()
    d, dropped = design_matrix(f, y="y", terms=["lag(log(x))"])
    pd.testing.assert_frame_equal(f, before)
    assert dropped == 1 and len(d) == n - 1
    np.testing.assert_allclose(d["lag(log(x))"], np.log(values[:-1]))


def test_modelspec_terms_and_variables():
    s = ModelSpec(y="NQPF", x=["driver:数据"], controls=["log(raw:gdp)", "driver:数据"], interactions=[("driver:数据", "region_east")])
    assert s.terms() == ["driver:数据", "inter(driver:数据, region_east)", "log(raw:gdp)"]
    assert s.variables() == ["NQPF", "driver:数据", "region_east", "raw:gdp"]
