"""Tests of the city/county registry with history (nqpf.levels.admin)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _shared import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import DataError, NqpfError
from nqpf.data import registry as default_registry
from nqpf.levels.admin import admin_registry, load_admin_codes, parse_successors

REG = admin_registry()


def test_code_table_counts_and_columns():
    t = load_admin_codes()
    assert list(t.columns) == ["code", "name", "level", "status", "valid_from", "valid_to", "province_name",
                               "parent_name", "successors", "parent"]
    assert t["level"].value_counts().to_dict() == {"county": 6245, "prefecture": 544, "province": 34}
    assert t["status"].value_counts().to_dict() == {"abolished": 3237, "in_use": 3213, "changed": 373}


def test_every_code_of_the_admin_file_resolves_in_each_of_its_years():
    t = load_admin_codes()
    for r in t.itertuples(index=False):
        last = (int(r.valid_to) - 1) if not pd.isna(r.valid_to) else 2024
        for y in {int(r.valid_from), last}:
            assert REG.registry.resolve(r.code, year=y, allow_sar=True) == r.code
            assert REG.name_in(r.code, y) == r.name or y != int(r.valid_from)


def test_default_registry_is_not_changed():
    assert len(default_registry.provinces(include_sar=True)) == 34
    assert "371200" not in default_registry


@pytest.mark.parametrize(("key", "year", "code"), [
    ("巢湖", 2010, "341400"), ("巢湖市", 2005, "341400"), ("巢湖地区", 1995, "342600"),
    ("莱芜", 2015, "371200"), ("莱芜市", 2017, "371200"), ("济南", 2019, "370100"),
    ("襄樊", 2009, "420600"), ("襄阳", 2011, "420600"), ("思茅", 2005, "530800"), ("普洱", 2010, "530800"),
    ("毕节", 2010, "522400"), ("毕节市", 2012, "520500"), ("北京市", 2015, "110000"), ("济源市", 2015, "419001"),
    ("毫州", 2015, "341600"), ("371200", 2015, "371200"),
])
def test_historical_names_resolve_year_by_year(key, year, code):
    assert REG.resolve(key, year=year) == code


def test_names_in_their_years():
    assert (REG.name_in("420600", 2009), REG.name_in("420600", 2010)) == ("襄樊市", "襄阳市")
    assert REG.name_in("530800", 2006) == "思茅市"


def test_ambiguous_and_unknown_names_raise_with_the_template():
    with pytest.raises(DataError, match=r"ambiguous region name; got \d+ matches: "):
        REG.resolve("朝阳区", year=2015, level="county")
    with pytest.raises(DataError, match=r"^AdminRegistry.resolve\('火星市'\): no city-level unit"):
        REG.resolve("火星市", year=2015)


@pytest.mark.parametrize(("code", "year", "kind", "targets"), [
    ("371200", 2018, "merge", "370100"),
    ("341400", 2011, "split", "340100;340200;340500"),
    ("420600", 2010, "rename", "420600"),
    ("522400", 2011, "recode", "520500"),
    ("632100", 2013, "recode", "630200"),
    ("340800", 2015, "transfer", "340700"),
])
def test_changes_derived_from_member_counties(code, year, kind, targets):
    ch = REG.changes
    row = ch[(ch["code"] == code) & (ch["year"] == year) & (ch["kind"] == kind)]
    assert len(row) == 1 and row["targets"].iloc[0] == targets


def test_lineage_forward_and_backward():
    assert REG.lineage("371200", year=2015, to_year=2019) == ("merge", ("370100",))
    assert REG.lineage("341400", year=2010, to_year=2019) == ("split", ("340100", "340200", "340500"))
    assert REG.lineage("522400", year=2005, to_year=2015) == ("recode", ("520500",))
    assert REG.lineage("520500", year=2015, to_year=2005) == ("recode", ("522400",))
    assert REG.lineage("370100", year=2019, to_year=2015)[0] == "partial"
    assert REG.lineage("110000", year=2005, to_year=2019) == ("same", ("110000",))


def test_parse_successors():
    assert parse_successors("420602[1984];420603") == (("420602", 1984), ("420603", None))
    assert parse_successors("") == ()
    with pytest.raises(DataError, match=r"^areacodes 新代码: unreadable successor; got 'x12'"):
        parse_successors("x12")


def test_units_in_2019():
    u = REG.units_in(2019)
    assert len(u) == 367 and int((u["level"] == "prefecture").sum()) == 333
    assert {"110000", "419001", "370100"} <= set(u["unit"]) and "371200" not in set(u["unit"])


# ------------------------------------------------------------------ harmonisation
def _panel(rows):
    return pd.DataFrame(rows, columns=["unit", "year", "indicator", "value"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0.1, 1e5), min_size=6, max_size=6))
def test_harmonise_sums_merged_units_exactly(vals):
    p = _panel([("370100", 2015, "gdp", vals[0]), ("371200", 2015, "gdp", vals[1]),
                ("370100", 2016, "gdp", vals[2]), ("371200", 2016, "gdp", vals[3]),
                ("370100", 2019, "gdp", vals[4]), ("320500", 2015, "gdp", vals[5])])
    h = REG.harmonise(p, to_year=2019, additive=["gdp"])
    got = h.panel.set_index(["unit", "year"])["value"]
    assert got[("370100", 2015)] == vals[0] + vals[1]
    assert got[("370100", 2016)] == vals[2] + vals[3]
    assert got[("370100", 2019)] == vals[4] and got[("320500", 2015)] == vals[5]
    assert "371200" not in set(h.panel["unit"])
    assert set(h.report["status"]) == {"summed"}


def test_harmonise_weighted_incomplete_and_not_additive():
    p = _panel([("370100", 2015, "gdp", 6000.0), ("371200", 2015, "gdp", 1000.0),
                ("370100", 2015, "tertiary", 60.0), ("371200", 2015, "tertiary", 40.0),
                ("370100", 2015, "rate", 1.0), ("371200", 2015, "rate", 2.0),
                ("370100", 2016, "gdp", 6500.0)])
    h = REG.harmonise(p, to_year=2019, additive=["gdp"], weighted={"tertiary": "gdp"})
    got = h.panel.set_index(["unit", "year", "indicator"])["value"]
    np.testing.assert_allclose(got[("370100", 2015, "tertiary")], (6000 * 60 + 1000 * 40) / 7000, rtol=1e-12)
    assert np.isnan(got[("370100", 2015, "rate")]) and np.isnan(got[("370100", 2016, "gdp")])
    st_ = h.report.set_index(["year", "indicator"])["status"]
    assert st_[(2015, "rate")] == "not_additive" and st_[(2016, "gdp")] == "incomplete"
    assert h.report.set_index(["year", "indicator"])["note"][(2016, "gdp")] == "missing for 莱芜市; set to missing"


def test_harmonise_refuses_splits_unless_asked():
    p = _panel([("341400", 2010, "gdp", 500.0), ("340100", 2010, "gdp", 2700.0)])
    with pytest.raises(DataError) as exc:
        REG.harmonise(p, to_year=2019, additive=["gdp"])
    assert str(exc.value) == (
        "harmonise(to_year=2019): 1 units cannot be mapped one-to-one onto 2019 boundaries; got 341400 巢湖市 2010 "
        "(split → 340100;340200;340500). Pass on_split='drop' to remove their rows or 'keep' to keep them under "
        "their old codes (both are reported), or harmonise to another year.")
    h = REG.harmonise(p, to_year=2019, additive=["gdp"], on_split="drop")
    assert h.panel["unit"].tolist() == ["340100"] and h.report["status"].tolist() == ["dropped"]
    k = REG.harmonise(p, to_year=2019, additive=["gdp"], on_split="keep")
    assert sorted(k.panel["unit"]) == ["340100", "341400"]
    with pytest.raises(NqpfError, match=r"^The 'on_split' parameter of harmonise must be one of 'raise', 'drop', 'keep'; got 'split'"):
        REG.harmonise(p, to_year=2019, on_split="split")


def test_groups_with_tiers_and_agglomerations():
    g = REG.groups(["310000", "320500", "510100"], tiers={"上海": "一线", "苏州": "新一线"},
                   agglomerations={"长三角": ["上海", "苏州"]})
    assert g["region4"].tolist() == ["east", "east", "west"]
    assert g["province"].tolist() == ["310000", "320000", "510000"]
    assert g["tier"].tolist() == ["一线", "新一线", None]
    assert g["agglomeration"].tolist() == ["长三角", "长三角", None]
    with pytest.raises(DataError, match=r"is in two agglomerations"):
        REG.groups(["310000"], agglomerations={"a": ["上海"], "b": ["上海"]})


def test_map_units_reports_changes_and_missing_columns():
    df = pd.DataFrame({"city": ["巢湖", "莱芜", "济南", "襄樊"], "year": [2010, 2015, 2019, 2009]})
    m = REG.map_units(df, unit="city")
    assert m.codes.tolist() == ["341400", "371200", "370100", "420600"]
    assert set(m.mapping["how"]) == {"name"}
    assert set(m.changes["kind"]) >= {"merge", "split", "rename"}
    with pytest.raises(DataError, match=r"^map_units: columns \['province'\] not found"):
        REG.map_units(df, unit="city", parent="province")


# ------------------------------------------------------------------ the real city panels (../shared)
def test_city_panel_cities_all_resolve_with_merge_report():
    raw = pd.read_csv(shared_path("data", "cn-city-economy", "city_panel_long.csv"),
                      dtype={"region_code": str, "province_code": str})
    m = REG.map_units(raw, unit="region_code")
    assert m.codes.notna().all()
    assert set(m.mapping["how"]) == {"code", "out_of_period", "non_mainland"}
    s1 = raw["source"].str.startswith("HaofeiQin")
    per_year = raw[s1].assign(code=m.codes[s1]).groupby("year")["code"].nunique()
    assert per_year.min() == 286 and per_year.max() == 296
    by_name = REG.map_units(raw, unit="region", parent="province_code")
    assert by_name.codes.notna().sum() == len(raw) - 4  # Hong Kong and Macao census rows are non-mainland
    ch = m.changes.set_index(["code", "year"])["kind"]
    assert ch[("371200", 2018)] == "merge" and ch[("341400", 2011)] == "split"


def test_digital_finance_names_all_resolve():
    raw = pd.read_csv(shared_path("data", "cn-city-digital-finance", "pku_dfiic_city_2011_2020_long.csv"))
    m = REG.map_units(raw, unit="city", parent="province")
    assert m.codes.notna().all() and m.codes.nunique() == 279
    assert set(m.mapping["how"]) == {"name", "parent_mismatch"}  # 儋州 is filed under 四川 in the source


def test_harmonise_real_panel_to_2019_sums_jinan_and_laiwu():
    raw = pd.read_csv(shared_path("data", "cn-city-economy", "city_panel_long.csv"),
                      dtype={"region_code": str, "province_code": str})
    s2 = raw[raw["source"].str.startswith("jcdasheng")]
    p = s2.rename(columns={"region_code": "code"})[["code", "year", "indicator", "value"]].rename(columns={"code": "unit"})
    h = REG.harmonise(p, to_year=2019, additive=["gdp", "pop_hukou_yearend"], on_split="drop")
    w = p[p["indicator"] == "gdp"].pivot_table(index="year", columns="unit", values="value")
    got = h.panel[(h.panel["unit"] == "370100") & (h.panel["indicator"] == "gdp")].set_index("year")["value"]
    for y in range(2004, 2013):
        assert got[y] == w.loc[y, "370100"] + w.loc[y, "371200"]
    assert h.report[h.report["status"] == "dropped"]["target"].tolist() == ["341400"]


def test_out_of_period_codes_come_from_the_structured_error():
    """map_units classifies a unit used outside its period from UnknownRegionError.code (no message parsing)."""
    from nqpf import UnknownRegionError

    with pytest.raises(UnknownRegionError) as err:
        REG.resolve("巢湖", year=2015)
    assert (err.value.reason, err.value.code) == ("not_in_use", "341400")
    m = REG.map_units(pd.DataFrame({"city": ["341400", "巢湖", "合肥"], "year": [2015, 2015, 2015]}), unit="city")
    assert m.codes.tolist() == ["341400", "341400", "340100"]
    assert m.mapping.set_index("key")["how"].to_dict() == {"341400": "out_of_period", "巢湖": "historical_name", "合肥": "name"}
