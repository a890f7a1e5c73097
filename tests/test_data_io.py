"""Tests of nqpf.data.numbers and nqpf.data.io (reading tables and panels)."""
from __future__ import annotations

import doctest
import hashlib
import importlib
import warnings

import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import DataError, DataWarning
from nqpf.data import (
    Panel,
    check_panel,
    detect_encoding,
    parse_number_series,
    read_panel,
    read_table,
)
from nqpf.data.numbers import MISSING_MARKERS, parse_number

# A small synthetic province table (values illustrative, not official statistics), written the
# way Chinese statistical exports look: GBK, full names with 省/市/自治区, thousands separators,
# full-width digits, '—' and blank cells.
GBK_WIDE = (
    "地区,年份,gdp,rd,pop\n"
    '北京市,2020年,"36,102.6",２３２６．６,2189\n'
    '内蒙古自治区,2020,"17,359.8",—,2403\n'
    '广西壮族自治区,2020.0,"22,156.7",,5019\n'
    '新疆维吾尔自治区,２０２０,"13,797.6", 61.7 ,"2,590"\n'
    '广东省,2020,"110,760.9","3,479.9","12,601"\n'
)
# the same data in long layout with other key spellings and missing markers
BOM_LONG = (
    "省份,年度,指标,数值\n"
    "Xinjiang,2020,pop,2590\n"
    "北京,2020,gdp,36102.6\n"
    "110000,2020,rd,2326.6\n"
    "北京,2020,pop,2189\n"
    "内蒙古,2020,gdp,17359.8\n"
    "Inner Mongolia,2020,rd,NA\n"
    "Nei Mongol,2020,pop,2403\n"
    "Guangdong,2020,gdp,110760.9\n"
    "广东,2020,rd,3479.9\n"
    "440000,2020,pop,12601\n"
    "广西,2020,gdp,22156.7\n"
    "广西,2020,rd,\n"
    "广西,2020,pop,5019\n"
    "新疆,2020,gdp,13797.6\n"
    "新疆,2020,rd,61.7\n"
)
EXPECTED = pd.DataFrame({
    "unit": ["110000"] * 3 + ["150000"] * 3 + ["440000"] * 3 + ["450000"] * 3 + ["650000"] * 3,
    "year": np.full(15, 2020, dtype=np.int64),
    "indicator": ["gdp", "pop", "rd"] * 5,
    "value": [36102.6, 2189.0, 2326.6, 17359.8, 2403.0, np.nan, 110760.9, 12601.0, 3479.9,
              22156.7, 5019.0, np.nan, 13797.6, 2590.0, 61.7],
    "unit_name": ["北京"] * 3 + ["内蒙古"] * 3 + ["广东"] * 3 + ["广西"] * 3 + ["新疆"] * 3,
})


def _expected() -> pd.DataFrame:
    e = EXPECTED.copy()
    for c in ("unit", "indicator", "unit_name"):
        e[c] = e[c].astype(str)
    return e


@pytest.fixture
def gbk_wide(tmp_path):
    p = tmp_path / "gdp_wide.csv"
    p.write_bytes(GBK_WIDE.encode("gbk"))
    return p


@pytest.fixture
def bom_long(tmp_path):
    p = tmp_path / "gdp_long.csv"
    p.write_bytes(BOM_LONG.encode("utf-8-sig"))
    return p


# ----------------------------------------------------------------------------- numbers
def test_parse_number_series_formats():
    s = pd.Series(["1,234.5", "1，234", "１２３．４", "  7 ", "-3", "－５", "\u22122.5", "1e3", ".5", "+4", "1,234,567"])
    values, problems = parse_number_series(s)
    np.testing.assert_array_equal(values.to_numpy(),
                                  [1234.5, 1234.0, 123.4, 7.0, -3.0, -5.0, -2.5, 1000.0, 0.5, 4.0, 1234567.0])
    assert problems.empty
    assert values.dtype == np.float64


@pytest.mark.parametrize("marker", sorted(MISSING_MARKERS) + ["N/A", "NaN", "NULL", " — ", "．．"])
def test_missing_markers_are_recorded(marker):
    values, problems = parse_number_series(pd.Series(["1", marker]), file="f.csv", column="x", row_offset=10)
    assert values.iloc[0] == 1.0 and np.isnan(values.iloc[1])
    assert problems[["file", "row", "column", "value", "kind"]].values.tolist() == [["f.csv", 11, "x", marker, "missing"]]


def test_none_and_nan_cells_are_missing():
    values, problems = parse_number_series(pd.Series([None, np.nan, 2.5], dtype=object))
    assert np.isnan(values.iloc[:2]).all() and values.iloc[2] == 2.5
    assert problems["kind"].tolist() == ["missing", "missing"]
    assert problems["row"].tolist() == [2, 3]


def test_percent_policies():
    s = pd.Series(["12.5%", "３％"])
    with pytest.raises(DataError) as err:
        parse_number_series(s, file="p.csv", column="share")
    assert str(err.value) == (
        "p.csv: 2 cells are not numbers; got row 2, column 'share': '12.5%' (percent sign); row 3, column 'share': "
        "'３％' (percent sign). Replace the text by a number or leave the cell empty; for percentages remove the % "
        "signs in the file (write 12.5 or 0.125), or set percent = \"divide\" (12.5% → 0.125) or percent = \"keep\" "
        "(12.5% → 12.5) in the [data] section of the run config (nqpf.read_panel(..., percent='divide') in Python)."
    )
    v, p = parse_number_series(s, percent="divide")
    np.testing.assert_allclose(v, [0.125, 0.03], rtol=1e-15)
    assert p["kind"].tolist() == ["percent", "percent"]
    v, _ = parse_number_series(s, percent="keep")
    np.testing.assert_allclose(v, [12.5, 3.0], rtol=1e-15)


def test_single_bad_cell_message():
    with pytest.raises(DataError) as err:
        parse_number_series(pd.Series(["1", "2", "abc"]), file="data.csv", column="rd", row_offset=3)
    assert str(err.value) == (
        "data.csv, row 5, column 'rd': not a number; got 'abc'. Replace the text by a number or leave the cell empty."
    )


def test_many_bad_cells_one_error_with_first_ten_and_count():
    s = pd.Series([f"x{i}" for i in range(13)] + ["1"])
    with pytest.raises(DataError) as err:
        parse_number_series(s, file="d.csv", column="c")
    msg = str(err.value)
    assert msg.startswith("d.csv: 13 cells are not numbers; got row 2, column 'c': 'x0'; row 3, column 'c': 'x1';")
    assert "row 11, column 'c': 'x9'; … and 3 more." in msg
    assert "'x10'" not in msg


@pytest.mark.parametrize("text", ["1,2", "12,34.5", "1 234", "inf", "(12)", "约5", "1.2.3", "0x10", "1_000", "TRUE"])
def test_invalid_texts(text):
    _, problems = parse_number_series(pd.Series([text]), errors="return")
    assert problems["kind"].tolist() == ["invalid"]


def test_numeric_input_passes_and_inf_is_invalid():
    v, p = parse_number_series(pd.Series([1, 2.5, np.inf]), errors="return")
    assert v.iloc[:2].tolist() == [1.0, 2.5] and np.isnan(v.iloc[2])
    assert p[["row", "kind", "message"]].values.tolist() == [[4, "invalid", "infinite values are not allowed"]]


def test_parse_number_scalar_and_option_check():
    assert parse_number("２,０００") == 2000.0
    assert np.isnan(parse_number("—"))
    with pytest.raises(DataError, match="not a number; got 'x'"):
        parse_number("x")
    with pytest.raises(Exception, match="The 'percent' parameter of parse_number_series must be one of"):
        parse_number_series(pd.Series(["1"]), percent="half")


def test_parse_does_not_change_input():
    s = pd.Series(["1,000", "—"])
    before = s.copy()
    parse_number_series(s)
    pd.testing.assert_series_equal(s, before)


# ----------------------------------------------------------------------------- encodings and tables
@pytest.mark.parametrize(
    "enc, expected",
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_detect_encoding(enc, expected):
    assert detect_encoding("地区,年份,数值\n北京市,2020,1\n".encode(enc)) == expected


def test_read_table_gbk(gbk_wide):
    t = read_table(gbk_wide)
    meta = t.attrs["nqpf_source"]
    assert meta["encoding"] == "gb18030"
    assert meta["sha256"] == hashlib.sha256(gbk_wide.read_bytes()).hexdigest()
    assert meta["delimiter"] == "," and meta["format"] == "csv" and meta["header_row"] == 1
    assert list(t.columns) == ["地区", "年份", "gdp", "rd", "pop"]
    assert t.index.tolist() == [2, 3, 4, 5, 6] and t.index.name == "row"
    assert t.loc[4].tolist() == ["广西壮族自治区", "2020.0", "22,156.7", "", "5019"]
    assert all(isinstance(v, str) for v in t.to_numpy().ravel())


def test_read_table_rows_keep_file_numbers(tmp_path):
    p = tmp_path / "t.tsv"
    p.write_text("\n\nunit\tyear\tx\n\na\t2020\t1\n\t\t\nb\t2020\t2\n", encoding="utf-8")
    t = read_table(p)
    assert t.attrs["nqpf_source"]["header_row"] == 3
    assert t.attrs["nqpf_source"]["blank_rows_dropped"] == 2
    assert t.index.tolist() == [5, 7]
    assert t["x"].tolist() == ["1", "2"]


def test_read_table_sniffs_semicolon_txt(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("unit;year;x\na;2020;1,5\n", encoding="utf-8")
    t = read_table(p)
    assert t.attrs["nqpf_source"]["delimiter"] == ";"
    assert t.loc[2].tolist() == ["a", "2020", "1,5"]


def test_read_table_errors(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("unit,year,x,x\na,2020,1,2\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_table(dup)
    assert str(err.value) == "dup.csv, row 1: duplicate column names; got ['x']. Rename the columns so each name is unique."
    nohead = tmp_path / "nohead.csv"
    nohead.write_text("unit,year,\na,2020,5\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"nohead.csv, row 1: column 3 has values but no header"):
        read_table(nohead)
    bad = tmp_path / "data.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(DataError, match=r"data.json: unsupported file type; got suffix '.json'"):
        read_table(bad)
    with pytest.raises(DataError, match=r"missing.csv: file not found"):
        read_table(tmp_path / "missing.csv")
    wrong = tmp_path / "w.csv"
    wrong.write_bytes("地区\n北京\n".encode("gbk"))
    with pytest.raises(DataError, match=r"w.csv: cannot decode the file with encoding 'utf-8'"):
        read_table(wrong, encoding="utf-8")


def test_read_table_gzip(tmp_path):
    import gzip

    p = tmp_path / "t.csv.gz"
    p.write_bytes(gzip.compress("unit,year,x\na,2020,1\n".encode("gbk")))
    t = read_table(p)
    assert t.loc[2].tolist() == ["a", "2020", "1"]
    assert t.attrs["nqpf_source"]["sha256"] == hashlib.sha256(p.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- panels
def test_read_panel_gbk_wide(gbk_wide):
    p = read_panel(gbk_wide)
    assert isinstance(p, Panel)
    pd.testing.assert_frame_equal(p.data, _expected())
    s = p.source
    assert (s.file, s.encoding, s.layout, s.n_rows, s.units, s.format) == (
        "gdp_wide.csv", "gb18030", "wide", 5, "province", "csv")
    assert s.sha256 == hashlib.sha256(gbk_wide.read_bytes()).hexdigest()
    assert s.columns["unit"] == "地区" and s.columns["year"] == "年份"
    assert p.missing_cells[["file", "row", "column", "value", "unit", "year", "indicator"]].values.tolist() == [
        ["gdp_wide.csv", 3, "rd", "—", "150000", 2020, "rd"],
        ["gdp_wide.csv", 4, "rd", "", "450000", 2020, "rd"],
    ]
    # origin points every value to its input cell
    o = p.origin
    assert o.iloc[0].tolist() == [2, "gdp"] and o.iloc[14].tolist() == [5, "rd"] and o.iloc[7].tolist() == [6, "pop"]
    assert p.units == ["110000", "150000", "440000", "450000", "650000"] and p.years == [2020]
    assert p.indicators == ["gdp", "pop", "rd"]


def test_long_and_wide_layouts_give_identical_data(gbk_wide, bom_long):
    wide = read_panel(gbk_wide)
    long = read_panel(bom_long)
    assert long.source.encoding == "utf-8-sig" and long.source.layout == "long"
    assert long.source.columns["indicator"] == "指标" and long.source.columns["value"] == "数值"
    pd.testing.assert_frame_equal(long.data, wide.data)
    assert long.missing_cells[["row", "column", "value", "unit"]].values.tolist() == [
        [7, "数值", "NA", "150000"], [13, "数值", "", "450000"]]
    # and back: the wide table of the panel reads into the same panel
    pd.testing.assert_frame_equal(read_panel(wide.to_wide(), unit_name="unit_name").data, wide.data)


def test_read_panel_xlsx(tmp_path, gbk_wide):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "notes"
    ws.append(["this sheet is not data"])
    ws2 = wb.create_sheet("panel")
    ws2.append(["region_code", "year", "indicator", "value"])
    rows = [(110000, 2020, "gdp", 36102.6), (110000, 2020, "rd", "２３２６．６"), (110000, 2020, "pop", 2189),
            (150000, 2020, "gdp", "17,359.8"), (150000, 2020, "rd", "—"), (150000, 2020, "pop", 2403),
            (450000, 2020.0, "gdp", 22156.7), (450000, 2020, "rd", None), (450000, 2020, "pop", 5019),
            (650000, "2020年", "gdp", 13797.6), (650000, 2020, "rd", 61.7), (650000, 2020, "pop", 2590),
            ("广东省", 2020, "gdp", 110760.9), ("Guangdong", 2020, "rd", 3479.9), (440000, 2020, "pop", 12601)]
    for r in rows:
        ws2.append(list(r))
    path = tmp_path / "panel.xlsx"
    wb.save(path)
    p = read_panel(path, sheet="panel")
    pd.testing.assert_frame_equal(p.data, read_panel(gbk_wide).data)
    assert p.source.sheet == "panel" and p.source.format == "xlsx" and p.source.encoding is None
    assert p.missing_cells[["row", "value", "unit"]].values.tolist() == [[6, "—", "150000"], [9, "", "450000"]]
    assert read_panel(path, sheet=1).data.equals(p.data)
    with pytest.raises(DataError) as err:
        read_panel(path, sheet="data")
    assert str(err.value) == "panel.xlsx: no sheet named 'data'; got sheets ['notes', 'panel']. Pass one of these names as sheet=."


def test_read_panel_parquet(tmp_path, gbk_wide):
    df = pd.DataFrame({
        "unit": ["110000", "150000", "450000", "650000", "440000"] * 3,
        "year": [2020] * 15,
        "indicator": ["gdp"] * 5 + ["rd"] * 5 + ["pop"] * 5,
        "value": [36102.6, 17359.8, 22156.7, 13797.6, 110760.9, 2326.6, np.nan, np.nan, 61.7, 3479.9,
                  2189, 2403, 5019, 2590, 12601],
    })
    path = tmp_path / "panel.parquet"
    df.to_parquet(path)
    p = read_panel(path)
    pd.testing.assert_frame_equal(p.data, read_panel(gbk_wide).data)
    assert p.source.format == "parquet"
    assert p.missing_cells[["row", "column", "unit"]].values.tolist() == [[8, "value", "150000"], [9, "value", "450000"]]
    assert p.missing_cells["value"].isna().all()


def test_text_cell_error_names_file_row_column(tmp_path):
    path = tmp_path / "gdp_wide.csv"
    path.write_bytes(GBK_WIDE.replace(" 61.7 ", "abc").encode("gbk"))
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "gdp_wide.csv, row 5, column 'rd': not a number; got 'abc'. Replace the text by a number or leave the cell empty."
    )


def test_several_bad_cells_across_columns_one_error(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("unit,year,a,b\nx,2020,?,1\ny,2020,2,n.v.\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "w.csv: 2 cells are not numbers; got row 2, column 'a': '?'; row 3, column 'b': 'n.v.'. "
        "Replace the text by a number or leave the cell empty."
    )


def test_text_columns_in_wide_layout_get_a_hint(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("code,name,year,gdp\n110000,北京,2020,1\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "w.csv: wide layout, but 1 column(s) hold text, not numbers; got ['name'] (e.g. row 2, column 'name': '北京'). "
        "If they are not indicators, pass them as unit_name= or groups=, or choose the indicator columns with indicators=."
    )
    p = read_panel(path, unit_name="name")
    assert p.data[["unit", "unit_name", "indicator", "value"]].values.tolist() == [["110000", "北京", "gdp", 1.0]]


def test_unknown_province_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("地区,年份,gdp\n北京,2020,1\n北平,2020,2\n天津,2020,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path, units="province")
    assert str(err.value) == (
        "bad.csv, column '地区': 1 unit key is not a mainland province; got '北平' (row 3; did you mean '北京', "
        "'河北', '湖北'?). Use a province name or GB/T 2260 code, or pass units='raw' to keep the keys as given."
    )
    # 'auto' sees a province table (2 of 3 keys resolve) and refuses too, saying why
    with pytest.raises(DataError, match=r"units='auto' treats the table as provinces because 2 of 3 keys are provinces"):
        read_panel(path)
    raw = read_panel(path, units="raw")
    assert raw.units == ["北京", "北平", "天津"] and raw.source.units == "raw"
    assert "unit_name" not in raw.data.columns


def test_sar_rows_are_named_as_not_mainland(tmp_path):
    path = tmp_path / "sar.csv"
    path.write_text("region,year,x\n北京,2020,1\n香港,2020,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"got '香港' \(row 3; not in the 31 mainland provinces\)"):
        read_panel(path, units="province")


def test_auto_units_keeps_raw_keys_with_warning_when_few_are_provinces():
    df = pd.DataFrame({"city": ["北京", "苏州", "无锡", "宁波"], "year": [2020] * 4, "x": [1, 2, 3, 4]})
    with pytest.warns(DataWarning, match=r"units kept as given: only 1 of 4 distinct keys in column 'city'"):
        p = read_panel(df)
    assert p.source.units == "raw" and p.units == ["北京", "宁波", "无锡", "苏州"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        firms = read_panel(pd.DataFrame({"firm_code": ["000001", "600000"], "year": [2020, 2020], "x": [1, 2]}))
    assert firms.units == ["000001", "600000"]


def test_bad_year_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("地区,年份,gdp\n北京,2020,1\n天津,20x0,2\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "bad.csv, row 3, column '年份': year is not an integer year; got '20x0'. "
        "Write years as four digits such as 2015 (2015年 and 2015.0 are accepted)."
    )


def test_duplicate_row_is_reported_with_file_rows(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("unit,year,indicator,value\n北京,2020,gdp,1\n天津,2020,gdp,2\n北京市,2020,gdp,3\n",
                    encoding="utf-8")
    p = read_panel(path)
    with pytest.raises(DataError) as err:
        check_panel(p).raise_if_errors()
    assert str(err.value) == (
        "dup.csv: duplicate (unit, year, indicator) key; got unit '110000', year 2020, indicator 'gdp' in rows 2 "
        "and 4. Keep one row per key (delete or aggregate the extra rows)."
    )
    with pytest.raises(DataError, match=r"dup.csv: duplicate \(unit, year, indicator\) keys; got 2 rows"):
        p.to_wide()


def test_column_mapping_and_errors(tmp_path):
    df = pd.DataFrame({"Region_Code": ["110000"], "YEAR": [2020], "Indicator": ["gdp"], "Value": ["1"]})
    p = read_panel(df)
    assert p.source.columns["unit"] == "Region_Code" and p.source.layout == "long"
    with pytest.raises(DataError) as err:
        read_panel(df, unit="regoin_code")
    assert str(err.value) == (
        "<DataFrame>: no column 'regoin_code' for unit; got columns ['Region_Code', 'YEAR', 'Indicator', 'Value']. "
        "Did you mean 'Region_Code'? Pass unit= with one of the column names."
    )
    with pytest.raises(DataError, match=r"<DataFrame>: no year column found; got columns \['a', 'b'\]"):
        read_panel(pd.DataFrame({"a": [1], "b": [2]}), unit="a")
    with pytest.raises(DataError, match=r"no indicator column found"):
        read_panel(pd.DataFrame({"unit": ["a"], "year": [2020], "x": [1]}), layout="long")


def test_measurement_unit_column_is_not_taken_as_key():
    df = pd.DataFrame({"region": ["北京", "天津"], "year": [2020, 2020], "indicator": ["gdp", "gdp"],
                       "value": [1.0, 2.0], "unit": ["亿元", "亿元"]})
    p = read_panel(df)
    assert p.source.columns["unit"] == "region" and p.units == ["110000", "120000"]
    assert "columns not used: ['unit']" in p.source.notes


def test_indicator_selection_and_rename(gbk_wide):
    p = read_panel(gbk_wide, indicators={"gdp": "gdp_100m", "rd": "rd_exp"})
    assert p.indicators == ["gdp_100m", "rd_exp"]
    assert p.source.dropped_indicators == ("pop",)
    assert "1 indicators not selected: ['pop']" in p.source.notes
    with pytest.raises(DataError, match=r"indicators not found in the input; got 'gpd' \(did you mean 'gdp'\?\)"):
        read_panel(gbk_wide, indicators=["gpd"])


def test_groups_and_percent(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("unit,year,tier,share\na,2020,1,12.5%\nb,2020,2,３％\n", encoding="utf-8")
    p = read_panel(path, groups=["tier"], percent="divide")
    assert p.data[["unit", "tier", "value"]].values.tolist() == [["a", "1", 0.125], ["b", "2", 0.03]]
    assert "2 cells with a percent sign read with percent='divide'" in p.source.notes


def test_dataframe_input_hash_is_content_based():
    df = pd.DataFrame({"unit": ["a"], "year": [2020], "x": [1.0]})
    h1 = read_panel(df).source.sha256
    assert h1 == read_panel(df.copy()).source.sha256
    assert h1 != read_panel(df.assign(x=[2.0])).source.sha256
    assert len(h1) == 64


def test_read_panel_does_not_change_input():
    df = pd.DataFrame({"地区": ["北京市"], "年份": ["2020年"], "gdp": ["1,000"]})
    before = df.copy()
    read_panel(df)
    pd.testing.assert_frame_equal(df, before)


def test_panel_result_interface(gbk_wide):
    p = read_panel(gbk_wide)
    assert list(p.tables()) == ["data", "missing_cells"]
    text = str(p.summary())
    assert "gdp_wide.csv" in text and "missing cells" in text
    d = p.to_dict()
    assert d["kind"] == "panel" and d["source"]["encoding"] == "gb18030" and len(d["tables"]["data"]) == 15


def test_nbs_fixture_values():
    # oracle: NBS 分省年度数据 2022 (tests/fixtures/data/PROVENANCE.md)
    p = read_panel(fixture_path("data", "nbs_province_2022_long.csv"), unit="region_code")
    assert len(p.units) == 31 and p.years == [2022] and len(p.indicators) == 6 and len(p.data) == 186
    gdp = p.data[p.data["indicator"] == "gdp"].set_index("unit")["value"]
    np.testing.assert_allclose(gdp[["110000", "440000", "540000"]], [45222.4, 132547.1, 2235.4], rtol=1e-12)
    assert check_panel(p).ok


@pytest.mark.shared
def test_real_shared_nbs_file():
    path = shared_path("data", "cn-province-nbs-ceads", "nbs_province_2011_2022_long.csv")
    p = read_panel(path, unit="region_code", unit_name="region")
    assert len(p.units) == 31 and p.years == list(range(2011, 2023)) and len(p.indicators) == 6
    assert len(p.data) == 31 * 12 * 6 and p.data["value"].notna().all()
    assert p.source.units == "province" and p.source.encoding == "utf-8"
    assert p.source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    rep = check_panel(p)
    assert rep.ok and not rep.warnings
    bj = p.data.query("unit == '110000' and year == 2022 and indicator == 'gdp'")
    assert bj["value"].tolist() == [45222.4] and bj["unit_name"].tolist() == ["北京"]


@pytest.mark.parametrize("module", ["nqpf.data", "nqpf.data.numbers", "nqpf.data.io", "nqpf.data.regions",
                                    "nqpf.data.validate"])
def test_docstring_examples_run(module):
    mod = importlib.import_module(module)
    res = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0


NBS_EXPORT = (
    "数据库：分省年度数据\n指标：地区生产总值(亿元)\n时间：最近3年\n"
    "地区,2022年,2021年,2020年\n北京市,41610.9,40269.6,36102.6\n天津市,16311.3,15695.0,14083.7\n"
    "注：2021年起为修订数。\n数据来源：国家统计局\n"
)


def test_nbs_export_title_lines_years_layout_and_footnotes(tmp_path):
    # layout of a 国家数据 export (values illustrative): title lines, one column per year, footnotes
    path = tmp_path / "nbs.csv"
    path.write_bytes(NBS_EXPORT.encode("gbk"))
    t = read_table(path)
    meta = t.attrs["nqpf_source"]
    assert meta["header_row"] == 4
    assert meta["title_lines"] == ["数据库：分省年度数据", "指标：地区生产总值(亿元)", "时间：最近3年"]
    assert list(t.columns) == ["地区", "2022年", "2021年", "2020年"] and t.index.tolist() == [5, 6, 7, 8]
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "nbs.csv: a table with one column per year holds one indicator; got indicators=None. "
        "Name it with indicators='<id>' (e.g. indicators='gdp')."
    )
    p = read_panel(path, indicators="gdp")
    assert p.source.layout == "years"
    assert p.data[["unit", "year", "indicator", "value"]].values.tolist() == [
        ["110000", 2020, "gdp", 36102.6], ["110000", 2021, "gdp", 40269.6], ["110000", 2022, "gdp", 41610.9],
        ["120000", 2020, "gdp", 14083.7], ["120000", 2021, "gdp", 15695.0], ["120000", 2022, "gdp", 16311.3]]
    assert p.origin.iloc[0].tolist() == [5, "2020年"]
    assert any(n.startswith("2 footnote rows skipped (rows [7, 8])") for n in p.source.notes)
    assert any(n.startswith("title lines above the header skipped") for n in p.source.notes)
    # explicit header_row gives the same table
    assert read_table(path, header_row=4).equals(t)
    with pytest.raises(DataError, match=r"header_row must be a row number between 1 and 8; got 0"):
        read_table(path, header_row=0)


def test_years_layout_errors(tmp_path):
    path = tmp_path / "y.csv"
    path.write_text("地区,2020,2021,备注\n北京,1,2,x\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"y.csv: layout 'years' needs one column per year besides the keys; got "
                                        r"non-year columns \['备注'\]"):
        read_panel(path, layout="years", indicators="gdp")
    path.write_text("地区,2020,2020年\n北京,1,2\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"two columns for the same year; got years \[2020\]"):
        read_panel(path, indicators=["gdp"])


def test_no_year_column_hint(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("地区,x,y\n北京,1,2\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "n.csv: no year column found; got columns ['地区', 'x', 'y']. Name it one of "
        "['year', 'yr', '年份', '年度', '年', 'time'] or pass year='<column>'."
    )


def test_footnotes_below_a_wide_table(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("地区,年份,x\n北京,2020,1\n资料来源：某统计年鉴,,\n", encoding="utf-8")
    p = read_panel(path)
    assert p.units == ["110000"] and "1 footnote rows skipped (rows [3]): ['资料来源:某统计年鉴']" in p.source.notes


def test_wide_key_errors_name_each_row_once(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("unit,year,a,b,c\nx,2020,1,2,3\ny,二〇二〇,1,2,3\n,2020,1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "w.csv, row 3, column 'year': year is not an integer year; got '二〇二〇'. "
        "Write years as four digits such as 2015 (2015年 and 2015.0 are accepted)."
    )
    path.write_text("unit,year,a,b,c\nx,2020,1,2,3\n,2020,1,2,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "w.csv, column 'unit': empty unit key; got 1 row(s) without a unit (row 3). Fill in the unit or delete "
        "these rows."
    )


def test_many_bad_years_listed_with_count():
    df = pd.DataFrame({"unit": ["a"] * 12, "year": [f"y{i}" for i in range(12)], "x": [1.0] * 12})
    with pytest.raises(DataError) as err:
        read_panel(df)
    msg = str(err.value)
    assert msg.startswith("<DataFrame>, column 'year': year is not an integer year; got 12 cells: row 2: 'y0'; ")
    assert "row 11: 'y9'; … and 2 more." in msg


def test_national_total_rows_are_named(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("地区,年份,x\n全国,2020,10\n北京,2020,1\n天津,2020,2\n河北,2020,3\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(path)
    assert str(err.value) == (
        "t.csv, column '地区': 1 unit key is not a mainland province; got '全国' (row 2; a national total, not a "
        "province: delete these rows). units='auto' treats the table as provinces because 3 of 4 keys are provinces. "
        "Use a province name or GB/T 2260 code, or pass units='raw' to keep the keys as given."
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15), min_size=1,
                max_size=30),
       st.sampled_from(["repr", "thousands", "fullwidth", "spaces"]))
def test_parsing_written_numbers_round_trips(values, style):
    def write(v: float) -> str:
        if style == "repr":
            return repr(v)
        if style == "thousands":
            return f"{v:,.6f}"
        if style == "fullwidth":
            return repr(v).translate(str.maketrans("0123456789.-+e", "０１２３４５６７８９．－＋ｅ"))
        return f"  {v!r}\t"
    texts = [write(v) for v in values]
    parsed, problems = parse_number_series(pd.Series(texts, dtype=object))
    expected = [float(t.replace(",", "")) if style == "thousands" else v for t, v in zip(texts, values)]
    assert parsed.tolist() == expected
    assert problems.empty


def test_ragged_and_multiline_csv(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text('unit,year,x\na,2020,1\nb,2020,2,extra\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"r.csv, row 1: column 4 has values but no header"):
        read_table(path)
    path.write_text('unit,year,note\na,2020,"two\nlines"\nb,2020,x\n', encoding="utf-8")
    t = read_table(path)
    assert t.index.tolist() == [2, 3] and t.loc[2, "note"] == "two\nlines"


def test_reprs(gbk_wide):
    p = read_panel(gbk_wide)
    assert repr(p) == ("Panel(file='gdp_wide.csv', layout='wide', units=5, years=2020–2020, indicators=3, values=15, "
                       "missing_cells=2)")
    assert repr(check_panel(p)) == "ValidationReport(file='gdp_wide.csv', rows=15, errors=0, warnings=0, ignored=0)"


def test_read_panel_of_a_read_table_frame_keeps_file_rows(gbk_wide):
    t = read_table(gbk_wide)
    p = read_panel(t)
    direct = read_panel(gbk_wide)
    pd.testing.assert_frame_equal(p.data, direct.data)
    pd.testing.assert_frame_equal(p.missing_cells, direct.missing_cells)
    assert p.source.sha256 == direct.source.sha256 and p.source.file == "gdp_wide.csv"
