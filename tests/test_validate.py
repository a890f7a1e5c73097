"""Tests of nqpf.data.validate (check_panel and ValidationReport)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path

from nqpf import ConstantIndicatorWarning, DataError, DataWarning
from nqpf.data import ValidationReport, check_panel, read_panel


def _panel(**cols) -> pd.DataFrame:
    base = {"unit": ["a", "b", "c", "a", "b", "c"], "year": [2020] * 3 + [2021] * 3, "indicator": ["x"] * 6,
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}
    base.update(cols)
    return pd.DataFrame(base)


def _check(df, **kw) -> ValidationReport:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return check_panel(df, **kw)


def test_clean_panel_has_no_issue():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = check_panel(_panel(), indicators=["x"], units=["a", "b", "c"], years=(2020, 2021), positive=["x"])
    assert rep.ok and rep.errors == () and rep.warnings == () and rep.ignored == ()
    assert rep.raise_if_errors() is rep and rep.n_rows == 6


def test_required_columns_first():
    rep = _check(pd.DataFrame({"unit": ["a"], "year": [2020], "val": [1.0]}))
    assert [e["check"] for e in rep.errors] == ["required_columns"]
    assert rep.errors[0]["message"] == (
        "<DataFrame>: required columns missing; got columns ['unit', 'year', 'val'] without ['indicator', 'value']. "
        "A long panel needs unit, year, indicator and value (use read_panel to map and reshape)."
    )


def test_type_errors():
    df = _panel(year=[2020, 2020.5, 2020, "x", 2021, 2021], unit=["a", "", "c", "a", None, "c"],
                value=[1.0, "2,000", "abc", 4.0, "inf", 6.0])
    rep = _check(df)
    checks = [e["check"] for e in rep.errors]
    assert checks == ["missing_key", "year_type", "non_numeric"]
    msgs = [e["message"] for e in rep.errors]
    assert msgs[0] == ("<DataFrame>, column 'unit': empty unit; got 2 rows without a unit (rows 3 and 6). "
                       "Fill in the unit or delete these rows.")
    assert msgs[1] == ("<DataFrame>, column 'year': year is not an integer year; got ['2020.5', 'x'] (rows 3 and 5). "
                       "Write years as four-digit integers such as 2015.")
    assert msgs[2] == ("<DataFrame>, column 'value': 2 values are not numbers; got row 4: 'abc'; row 6: 'inf'. "
                       "Replace the text by a number or leave the cell empty.")


def test_infinite_values():
    rep = _check(_panel(value=[1.0, np.inf, 3.0, -np.inf, 5.0, 6.0]))
    (err,) = rep.errors
    assert err["message"] == (
        "<DataFrame>, column 'value': infinite values; got 2 (±inf, rows 3 and 5). Replace them by finite numbers "
        "or leave the cells empty (an upstream ratio may divide by zero)."
    )
    assert (err["check"], err["row"], err["count"]) == ("non_finite", 3, 2)


def test_unknown_indicator_error_and_ignore():
    df = _panel(indicator=["x", "x", "x", "rd_intensty", "rd_intensty", "rd_intensty"])
    rep = _check(df, indicators=["x", "rd_intensity"])
    assert [e["check"] for e in rep.errors] == ["unknown_indicator"]
    assert rep.errors[0]["message"] == (
        "<DataFrame>: unknown indicator; got 'rd_intensty' in rows 5, 6 and 7 (did you mean 'rd_intensity'?). "
        "Rename it to a framework indicator id, remove it, or pass unknown='ignore'."
    )
    with pytest.warns(DataWarning, match=r"indicator 'rd_intensty' is not in the framework and is ignored"):
        rep = check_panel(df, indicators=["x", "rd_intensity"], unknown="ignore")
    assert rep.ok
    assert rep.ignored == ({"indicator": "rd_intensty", "rows": 3, "reason": "not an indicator of the framework"},)
    assert rep.ignored_indicators == ["rd_intensty"]
    assert [w["check"] for w in rep.warnings] == ["unknown_indicator"]


def test_unknown_unit_and_years_out_of_range():
    rep = _check(_panel(), units=["a", "b"], years=range(2015, 2021))
    assert [e["check"] for e in rep.errors] == ["unknown_unit", "year_out_of_range"]
    assert rep.errors[0]["message"] == (
        "<DataFrame>, column 'unit': unknown unit; got 'c' in rows 4 and 7. Use one of the expected units or remove "
        "these rows."
    )
    assert rep.errors[1]["message"] == (
        "<DataFrame>, column 'year': years outside 2015–2020; got [2021] in rows 5, 6 and 7. "
        "Remove these years or widen the year range of the run."
    )
    assert _check(_panel(), years=[2020, 2021]).ok


def test_non_positive_values_named_by_cell():
    rep = _check(_panel(value=[1.0, 0.0, 3.0, -2.0, 5.0, np.nan]), positive=True)
    (err,) = rep.errors
    assert err["check"] == "non_positive" and err["count"] == 2
    assert err["message"] == (
        "<DataFrame>: indicator 'x' must be strictly positive for the chosen method; got 2 values <= 0: "
        "row 3, column 'value' (unit 'b', 2020) = 0; row 5, column 'value' (unit 'a', 2021) = -2. Correct the "
        "values, or use a method that accepts zeros and negatives (e.g. min-max normalisation before a geometric mean)."
    )
    rep = _check(_panel(), positive=["y"])
    assert rep.ok and [w["check"] for w in rep.warnings] == ["positive_absent"]


def test_duplicates_in_wide_file_grouped_by_rows(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("地区,年份,x,y\n北京,2020,1,2\n天津,2020,3,4\n北京市,2020,5,6\n", encoding="utf-8")
    rep = _check(read_panel(path))
    (err,) = rep.errors
    assert err["message"] == (
        "w.csv: duplicate (unit, year, indicator) key; got unit '110000', year 2020 for 2 indicators ['x', 'y'] "
        "in rows 2 and 4. Keep one row per key (delete or aggregate the extra rows)."
    )
    assert (err["row"], err["unit"], err["year"], err["count"]) == (2, "110000", 2020, 2)


def test_constant_indicator_warnings():
    df = pd.concat([
        _panel(value=[7.0] * 6),
        _panel(indicator=["y"] * 6, value=[1.0, 1.0, 1.0, 1.0, 2.0, np.nan]),
    ], ignore_index=True)
    with pytest.warns(ConstantIndicatorWarning) as rec:
        rep = check_panel(df)
    assert rep.ok and len(rec) == 2
    msgs = [w["message"] for w in rep.warnings]
    assert msgs[0] == (
        "<DataFrame>: indicator 'x' is constant across all units and years; got every value equal to 7. It carries "
        "no information for the index (min-max maps it to 0, entropy weight 0): drop it or check the data."
    )
    assert msgs[1] == (
        "<DataFrame>: indicator 'y' is constant across units in 1 year(s); got one value per year in [2020]. "
        "Within-year min-max or z-scores are undefined there: normalise across years (pooled) or drop those years."
    )
    assert str(rec[0].message) == msgs[0]


def test_indicator_missing_in_a_year_warning():
    df = pd.concat([_panel(), _panel(indicator=["y"] * 6, value=[1.0, 2.0, 3.0] + [np.nan] * 3),
                    _panel(indicator=["z"] * 6, value=[np.nan] * 6)], ignore_index=True)
    with pytest.warns(DataWarning):
        rep = check_panel(df)
    assert [(w["check"], w["indicator"]) for w in rep.warnings] == [("missing_in_year", "y"), ("missing_in_year", "z")]
    # the old text predicted "unit-years without a score", but without [impute] they are scored on the
    # other indicators (weights re-normalised) — the warning now says so and where it is recorded
    assert rep.warnings[0]["message"] == (
        "<DataFrame>: indicator 'y' has no value in 1 year(s); got all cells missing in [2021]. Impute or drop these "
        "years; otherwise these unit-years are scored on their other indicators with the weights re-normalised over "
        "them (each recorded in changes.csv, step 'aggregate'), and get no score only where a node's available "
        "weight share is below [aggregate] min_coverage."
    )
    # absent rows count as missing too
    rep = _check(pd.concat([_panel(), _panel(indicator=["y"] * 6).iloc[:3]], ignore_index=True))
    assert [(w["check"], w["indicator"], w["year"]) for w in rep.warnings] == [("missing_in_year", "y", 2021)]


def test_raise_if_errors_lists_every_problem():
    df = _panel(unit=["a", "a", "a", "b", "b", "b"], year=[2020] * 6)
    rep = _check(df, indicators=["x"], years=(2021, 2022))
    with pytest.raises(DataError) as err:
        rep.raise_if_errors()
    assert str(err.value) == (
        "<DataFrame>: 3 problems in the panel; got:\n"
        "  1. <DataFrame>, column 'year': years outside 2021–2022; got [2020] in rows 2, 3, 4, 5, 6 … (6 rows). "
        "Remove these years or widen the year range of the run.\n"
        "  2. <DataFrame>: duplicate (unit, year, indicator) key; got unit 'a', year 2020, indicator 'x' in rows 2, 3 "
        "and 4. Keep one row per key (delete or aggregate the extra rows).\n"
        "  3. <DataFrame>: duplicate (unit, year, indicator) key; got unit 'b', year 2020, indicator 'x' in rows 5, 6 "
        "and 7. Keep one row per key (delete or aggregate the extra rows).\n"
        "Fix them in the input and read it again."
    )


def test_more_than_twenty_errors_are_counted():
    n = 30
    df = pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "year": [2020] * n, "indicator": [f"i{i}" for i in range(n)],
                       "value": np.arange(1.0, n + 1)})
    rep = _check(df, indicators=["other"])
    assert len(rep.errors) == n
    msg = rep.error_message()
    assert msg.count("unknown indicator") == 20
    assert msg.endswith("  … and 10 more (see report.tables()['errors']).\nFix them in the input and read it again.")


def test_report_tables_summary_and_dict():
    rep = _check(_panel(value=[1.0] * 6), units=["a"])
    t = rep.tables()
    assert list(t) == ["errors", "warnings", "ignored"]
    assert t["errors"]["check"].tolist() == ["unknown_unit", "unknown_unit"]
    assert t["warnings"]["check"].tolist() == ["constant_indicator"]
    assert list(t["errors"].columns) == ["check", "severity", "file", "row", "column", "unit", "year", "indicator",
                                         "count", "message"]
    s = str(rep.summary())
    assert "errors" in s and "error: unknown_unit" in s
    d = rep.to_dict()
    assert d["kind"] == "validation" and len(d["tables"]["errors"]) == 2


def test_check_does_not_change_input():
    df = _panel(value=[1.0, "2", 3.0, 4.0, 5.0, 6.0])
    before = df.copy()
    _check(df)
    pd.testing.assert_frame_equal(df, before)


def test_messages_use_file_rows_of_the_panel(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("unit,year,indicator,value\n\nBeijing,2020,gdp,0\nTianjin,2020,gdp,2\n", encoding="utf-8")
    rep = _check(read_panel(path), positive=["gdp"])
    assert rep.errors[0]["message"].startswith(
        "p.csv: indicator 'gdp' must be strictly positive for the chosen method; got 1 values <= 0: "
        "row 3, column 'value' (unit '110000', 2020) = 0.")
    assert rep.errors[0]["file"] == "p.csv" and rep.errors[0]["row"] == 3


def test_nbs_fixture_checks_clean():
    p = read_panel(fixture_path("data", "nbs_province_2022_long.csv"), unit="region_code")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rep = check_panel(p, years=(2011, 2022), positive=True, units=p.units, indicators=p.indicators)
    assert rep.ok and rep.warnings == ()


def test_bad_input_type():
    with pytest.raises(DataError, match=r"check_panel: panel must be a Panel or a long DataFrame; got list"):
        check_panel([1, 2])
    with pytest.raises(Exception, match=r"The 'unknown' parameter of check_panel must be one of 'error', 'ignore'"):
        check_panel(_panel(), unknown="drop")


def test_scalar_arguments():
    rep = _check(_panel(value=[1.0, 0.0, 3.0, 4.0, 5.0, 6.0]), positive="x", indicators="x", units="a")
    assert [e["check"] for e in rep.errors] == ["unknown_unit", "unknown_unit", "non_positive"]
    with pytest.raises(Exception, match=r"The 'years' parameter of check_panel must be a \(first, last\) tuple"):
        check_panel(_panel(), years=2020)
