"""Tests of the region registry (nqpf.data.regions)."""
from __future__ import annotations

import pandas as pd
import pytest
from _shared import fixture_path
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import DataError
from nqpf.data import Region, Registry, province_of, registry, resolve_unit

PROV = registry.provinces()
CODES = PROV["unit"].tolist()

# methods-reference §13
EAST10 = "北京 天津 河北 上海 江苏 浙江 福建 山东 广东 海南".split()
CENTRAL6 = "山西 安徽 江西 河南 湖北 湖南".split()
WEST12 = "内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆".split()
NORTHEAST3 = "辽宁 吉林 黑龙江".split()


def test_registry_matches_mca_code_list():
    # oracle: the province-level rows of the MCA code list (tests/fixtures/data/PROVENANCE.md)
    ref = pd.read_csv(fixture_path("data", "areacodes_provinces.csv"), dtype=str)
    assert len(ref) == 34
    allp = registry.provinces(include_sar=True)
    assert allp["unit"].tolist() == ref["代码"].tolist()
    assert allp["full_name_zh"].tolist() == ref["名称"].tolist()
    assert len(PROV) == 31 and set(ref["代码"]) - set(CODES) == {"710000", "810000", "820000"}


def test_provinces_table_columns_and_names():
    assert list(PROV.columns) == ["unit", "name_zh", "full_name_zh", "name_en", "region4", "region4_zh", "belt3",
                                  "belt3_zh"]
    row = PROV.set_index("unit").loc["150000"]
    assert row[["name_zh", "full_name_zh", "name_en", "region4", "region4_zh", "belt3", "belt3_zh"]].tolist() == [
        "内蒙古", "内蒙古自治区", "Inner Mongolia", "west", "西部", "west", "西部"]
    full = PROV.set_index("name_zh")["full_name_zh"]
    assert full[["广西", "新疆", "宁夏", "西藏", "北京", "重庆", "黑龙江"]].tolist() == [
        "广西壮族自治区", "新疆维吾尔自治区", "宁夏回族自治区", "西藏自治区", "北京市", "重庆市", "黑龙江省"]


@pytest.mark.parametrize("code", CODES)
def test_every_province_resolves_from_every_name_form(code):
    row = PROV.set_index("unit").loc[code]
    forms = [code, int(code), code[:2], int(code[:2]), f"{code}000000", float(code), f"{code}.0",
             row["name_zh"], row["full_name_zh"], row["name_en"], row["name_en"].upper(),
             f"  {row['name_en'].lower()}  ", f"{row['name_en']} Province", row["name_zh"] + "省"]
    for form in forms:
        assert registry.resolve(form) == code, form


def test_region4_and_belt3_counts_and_members():
    assert PROV["region4"].value_counts().to_dict() == {"west": 12, "east": 10, "central": 6, "northeast": 3}
    assert PROV["belt3"].value_counts().to_dict() == {"west": 12, "east": 11, "central": 8}
    by = PROV.groupby("region4")["name_zh"].apply(set).to_dict()
    assert by == {"east": set(EAST10), "central": set(CENTRAL6), "west": set(WEST12), "northeast": set(NORTHEAST3)}
    belts = PROV.groupby("belt3")["name_zh"].apply(set).to_dict()
    assert belts == {"east": set(EAST10) | {"辽宁"}, "central": set(CENTRAL6) | {"吉林", "黑龙江"},
                     "west": set(WEST12)}


@settings(max_examples=200, deadline=None)
@given(code=st.sampled_from(CODES), pad=st.sampled_from(["", " ", "\u3000", "\t"]))
def test_full_name_round_trip(code, pad):
    assert registry.resolve(pad + registry.full_name(code) + pad) == code
    assert registry.resolve(registry.name(code)) == code
    assert registry.resolve(registry.name(code, lang="en").swapcase()) == code


def test_aliases_and_pinyin_variants():
    cases = {"Nei Mongol": "150000", "Neimenggu": "150000", "Xizang": "540000", "Tibet": "540000",
             "Guangxi Zhuang Autonomous Region": "450000", "Ningxia Hui Autonomous Region": "640000",
             "Xinjiang Uygur Autonomous Region": "650000", "广西省": "450000", "Shaanxi": "610000", "Shanxi": "140000",
             "guangdong sheng": "440000", "Beijing Shi": "110000", "Beijing Municipality": "110000",
             "１１００００": "110000", "内 蒙 古": "150000", "Peking": "110000"}
    for key, code in cases.items():
        assert resolve_unit(key) == code, key


def test_unknown_name_message_with_suggestions():
    with pytest.raises(DataError) as err:
        registry.resolve("北平")
    assert str(err.value) == (
        "resolve('北平'): unknown region name; got '北平'. Did you mean '北京', '河北', '湖北'? "
        "Use a GB/T 2260 code or a province name such as '北京', '北京市' or 'Beijing'."
    )
    with pytest.raises(DataError, match=r"resolve\('990000'\): unknown region code; got '990000'\."):
        registry.resolve("990000")
    with pytest.raises(DataError, match=r"unknown region name; got 'Shanxii'\. Did you mean 'Shanxi', 'Shaanxi'"):
        registry.resolve("Shanxii")


def test_sar_codes_known_but_not_mainland():
    with pytest.raises(DataError) as err:
        registry.resolve("香港")
    assert str(err.value) == (
        "resolve('香港'): 香港特别行政区 (810000) is not in the 31 mainland provinces; got '香港'. "
        "Remove these rows, or pass allow_sar=True to keep Taiwan, Hong Kong and Macao."
    )
    assert registry.resolve("Macau", allow_sar=True) == "820000"
    assert registry.resolve(710000, allow_sar=True) == "710000"
    assert "810000" in registry and "990000" not in registry
    assert len(registry.provinces(include_sar=True)) == 34


def test_resolve_many():
    keys = pd.Series(["北京市", "Tianjin", "北平", "北京", None, "香港"], index=list("abcdef"))
    codes, bad = registry.resolve_many(keys)
    assert codes.index.tolist() == list("abcdef")
    assert codes.tolist() == ["110000", "120000", None, "110000", None, None]
    assert bad[0] == "北平" and pd.isna(bad[1]) and bad[2] == "香港"
    codes, bad = registry.resolve_many(["香港"], allow_sar=True)
    assert codes.tolist() == ["810000"] and bad == []


def test_groups_and_province_of():
    g = registry.groups(pd.Series(["110000", "210000", "220000", "320102"], index=[5, 6, 7, 8]), by="belt3")
    assert g.index.tolist() == [5, 6, 7, 8] and g.name == "belt3"
    assert g.tolist() == ["east", "east", "central", "east"]
    assert registry.groups([210000, "650000"], by="region4", lang="zh").tolist() == ["东北", "西部"]
    assert province_of("320102") == "320000" and province_of(110105) == "110000"
    with pytest.raises(DataError, match=r"belongs to no region4 group; got '810000'"):
        registry.groups(["810000"])
    with pytest.raises(DataError, match=r"province_of\('990101'\): the first two digits are not a known province"):
        province_of("990101")
    with pytest.raises(Exception, match=r"The 'by' parameter of groups must be one of 'region4', 'belt3'; got 'r7'"):
        registry.groups(["110000"], by="r7")


def _with_lower_levels() -> Registry:
    # rows as in the MCA code list (cn-admin-codes/areacodes.csv)
    return Registry.default().add([
        Region("110105", "county", "朝阳区", "朝阳区", parent="110000", valid_from=1981),
        Region("220104", "county", "朝阳区", "朝阳区", parent="220100", valid_from=1981),
        Region("211300", "prefecture", "朝阳市", "朝阳市", name_en="Chaoyang", parent="210000", valid_from=1984),
        Region("220200", "prefecture", "吉林市", "吉林市", name_en="Jilin", parent="220000", valid_from=1981),
        Region("110103", "county", "崇文区", "崇文区", parent="110000", valid_from=1981, valid_to=2010,
               successors=("110101",)),
        Region("110101", "county", "东城区", "东城区", parent="110000", valid_from=1981),
    ])


def test_lower_levels_can_be_added_and_disambiguated():
    reg = _with_lower_levels()
    assert len(reg) == 40 and len(registry) == 34  # the default instance is untouched
    assert reg.resolve("朝阳市") == "211300"
    with pytest.raises(DataError) as err:
        reg.resolve("朝阳区")
    assert str(err.value) == (
        "resolve('朝阳区'): ambiguous region name; got 2 matches: 110105 朝阳区 (county), 220104 朝阳区 (county). "
        "Use the code, or pass level=, parent= or year= to choose one."
    )
    assert reg.resolve("朝阳区", parent="北京") == "110105"
    assert reg.resolve("朝阳区", parent="220000") == "220104"
    # '吉林' is a province and a prefecture: the province wins unless a level is asked
    assert reg.resolve("吉林") == "220000"
    assert reg.resolve("吉林", level="prefecture") == "220200"
    assert reg.resolve("Jilin", level="prefecture") == "220200"
    assert reg.province_of("220104") == "220000"
    assert reg.groups(["220104"], by="belt3").tolist() == ["central"]


def test_validity_years_and_successors():
    reg = _with_lower_levels()
    assert reg.resolve("崇文区", year=2005) == "110103"
    with pytest.raises(DataError) as err:
        reg.resolve("崇文区", year=2015)
    assert str(err.value) == (
        "resolve('崇文区'): code 110103 (崇文区) is not in use in 2015; got a unit valid 1981–2010 "
        "(successors: 110101). Map the unit to the code in use that year or remove the year filter."
    )
    assert reg.get("110103").successors == ("110101",)
    with pytest.raises(DataError, match=r"code 500000 \(重庆市\) is not in use in 1990"):
        reg.resolve("重庆", year=1990)


def test_region_record_checks():
    with pytest.raises(DataError, match=r"Region: code must be a six-digit GB/T 2260 code; got '1101'"):
        Region("1101", "county", "x", "x")
    with pytest.raises(Exception, match=r"The 'level' parameter of Region must be one of"):
        Region("110101", "district", "x", "x")
    with pytest.raises(DataError, match=r"Registry.add: every record must be a Region; got tuple"):
        Registry().add([("110000", "province")])


def test_replacing_a_record_reindexes_names():
    reg = Registry.default().add([Region("110000", "province", "京", "北京市", name_en="Beijing", region4="east",
                                         belt3="east", valid_from=1981)])
    assert reg.resolve("京") == "110000" and reg.name("110000") == "京"
    assert reg.resolve("北京市") == "110000" and len(reg) == 34
    assert registry.name("110000") == "北京"


def test_codes_reused_over_time_keep_every_period():
    # 211400: 锦西市 1989–1994, renamed 葫芦岛市 in 1994 (MCA code list, cn-admin-codes)
    reg = Registry.default().add([
        Region("211400", "prefecture", "锦西市", "锦西市", parent="210000", valid_from=1989, valid_to=1994),
        Region("211400", "prefecture", "葫芦岛市", "葫芦岛市", parent="210000", valid_from=1994),
    ])
    assert len(reg) == 36
    assert reg.get("211400").full_name_zh == "葫芦岛市"
    assert reg.get(211400, year=1990).full_name_zh == "锦西市"
    assert reg.resolve("锦西市") == reg.resolve("葫芦岛") == "211400"
    assert reg.resolve("锦西", year=1992) == "211400"
    with pytest.raises(DataError, match=r"code 211400 \(锦西市\) is not in use in 2000; got a unit valid 1989–1994"):
        reg.resolve("锦西市", year=2000)
    with pytest.raises(DataError, match=r"Registry.get: unknown GB/T 2260 code in 1980; got '211400'"):
        reg.get("211400", year=1980)


def test_unknown_region_error_is_structured():
    """Callers (nqpf.levels.admin) decide by the type and attributes of the error, never by its text."""
    import pickle

    from nqpf import UnknownRegionError

    reg = _with_lower_levels()
    cases = [
        (lambda: reg.resolve("北平"), "unknown", None, None, ()),
        (lambda: reg.resolve("崇文区", year=2015), "not_in_use", "110103", "崇文区", ()),
        (lambda: reg.resolve("朝阳区"), "ambiguous", None, None, ("110105", "220104")),
        (lambda: reg.resolve("朝阳区", parent="上海"), "no_match", None, None, ()),
        (lambda: reg.resolve("香港"), "non_mainland", "810000", "香港特别行政区", ()),
    ]
    for call, reason, code, name, candidates in cases:
        with pytest.raises(UnknownRegionError) as err:
            call()
        e = err.value
        assert isinstance(e, DataError)
        assert (e.reason, e.code, e.name, e.candidates) == (reason, code, name, candidates)
        back = pickle.loads(pickle.dumps(e))
        assert (type(back), str(back), back.reason, back.code, back.key) == (UnknownRegionError, str(e), reason, code, e.key)
    assert str(err.value) == ("resolve('香港'): 香港特别行政区 (810000) is not in the 31 mainland provinces; got '香港'. "
                              "Remove these rows, or pass allow_sar=True to keep Taiwan, Hong Kong and Macao.")
