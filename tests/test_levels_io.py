"""Tests of industry digitalisation from input-output tables (nqpf.levels.io_tables)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nqpf import DataError
from nqpf.framework.io import load_framework
from nqpf.levels.io_tables import (
    COMMON_SECTORS, common_sector, digital_output_share, harmonise_sectors, ict_input_share, industry_framework,
    industry_panel, input_shares,
)

IO2020 = pd.read_csv(fixture_path("levels", "io42_2020_totals.csv"))


def test_direct_and_total_input_shares_closed_form():
    z = np.array([[1.0, 2.0], [3.0, 2.0]])
    np.testing.assert_allclose(input_shares(z, np.array([True, False])), [0.25, 0.5], rtol=1e-15)
    x = np.array([10.0, 10.0])
    a = z / x
    lmi = np.linalg.inv(np.eye(2) - a) - np.eye(2)
    np.testing.assert_allclose(input_shares(z, np.array([True, False]), gross_output=x, method="total"),
                               lmi[0] / lmi.sum(axis=0), rtol=1e-12)
    with pytest.raises(DataError, match=r"^input_shares: intermediate flows must be >= 0; got 1 negative cells"):
        input_shares(np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([True, False]))


@settings(max_examples=40, deadline=None)
@given(arrays(float, (5, 5), elements=st.floats(0, 1e6)), st.lists(st.booleans(), min_size=5, max_size=5))
def test_input_shares_lie_in_unit_interval(z, core):
    s = input_shares(z, np.array(core))
    ok = ~np.isnan(s)
    assert np.all((s[ok] >= 0) & (s[ok] <= 1 + 1e-12))
    assert np.array_equal(ok, z.sum(axis=0) > 0)


def test_every_42_sector_name_maps_to_39_common_sectors():
    h = harmonise_sectors(IO2020)
    assert h["unit"].nunique() == 39 == len(COMMON_SECTORS)
    assert common_sector("通用、专用设备制造业") == "S16" and common_sector("邮政业") == "S26"
    assert common_sector("非金属矿物制品业") == "S13" and common_sector("金属矿采选业") == "S04"
    with pytest.raises(DataError, match=r"^common_sector: no common sector matches the sector name; got '外星制造'"):
        common_sector("外星制造")


def test_digital_output_share_2020_against_table_totals():
    r = digital_output_share(IO2020)
    row = r.shares.iloc[0]
    # oracle: Σ value added 2020 = 101.6 万亿元 ≈ official GDP (cn-industry-io README)
    np.testing.assert_allclose(row["total_value_added"] / 1e8, 101.6, rtol=1e-3)
    core = IO2020[IO2020["industry"].isin(["通信设备、计算机和其他电子设备", "信息传输、软件和信息技术服务"])]
    va = core[core["indicator"] == "value_added"]["value"].sum()
    np.testing.assert_allclose(row["va_share"], va / IO2020[IO2020["indicator"] == "value_added"]["value"].sum(), rtol=1e-12)
    np.testing.assert_allclose([row["output_share"], row["va_share"]], [0.076198, 0.060445], rtol=1e-4)
    assert 0 <= row["output_share"] <= 1 and 0 <= row["va_share"] <= 1


def test_ict_input_share_from_flows_in_unit_interval():
    f = pd.DataFrame({"year": 2020, "from_sector": ["信息传输、软件和信息技术服务", "农林牧渔产品和服务", "S19", "S01"],
                      "to_sector": ["农林牧渔产品和服务", "农林牧渔产品和服务", "S19", "S19"], "value": [1.0, 3, 2, 6]})
    s = ict_input_share(f).set_index("unit")["value"]
    assert s.to_dict() == {"S01": 0.25, "S19": 0.25, "S27": pytest.approx(np.nan, nan_ok=True)} or \
        (s["S01"] == 0.25 and s["S19"] == 0.25 and np.isnan(s["S27"]))


def test_industry_panel_and_framework_build():
    import nqpf

    d = industry_panel(IO2020)
    assert d["unit"].nunique() == 39 and set(d["sector_group"]) == {"primary", "mining_utilities", "manufacturing",
                                                                    "construction", "services"}
    fw = load_framework(industry_framework(with_employment=False))
    res = nqpf.build({"weight": {"method": "equal"}, "normalise": {"method": "minmax", "scope": "pooled"}},
                     data=d, framework=fw)
    sc = res.scores[(res.scores["node"] == "NQPF")]
    assert len(sc) == 39 and sc["score"].between(0, 1).all()


def test_employment_mapping_covers_every_sector_once():
    from nqpf.levels.io_tables import EMPLOYMENT_MAP, employment_to_sectors

    assert set(EMPLOYMENT_MAP.values()) == {s[0] for s in COMMON_SECTORS}
    raw = pd.read_csv(shared_path("data", "cn-industry-io", "industry_panel_long.csv"))
    emp = employment_to_sectors(raw)
    e18 = emp[emp["year"] == 2018]
    total = raw[(raw["industry_code"] == "GB4754_TOT") & (raw["year"] == 2018)]["value"].iloc[0]
    # every GB/T 4754 section is counted once (international organisations T excluded)
    t = raw[(raw["industry_code"] == "GB4754_T") & (raw["year"] == 2018)]["value"]
    np.testing.assert_allclose(e18["value"].sum() + (t.iloc[0] if len(t) else 0.0), total, rtol=1e-4)  # source rounding
    assert e18["unit"].nunique() == 39


def test_shares_for_every_table_year_in_shared():
    raw = pd.read_csv(shared_path("data", "cn-industry-io", "industry_panel_long.csv"))
    r = digital_output_share(raw[raw["industry_code"].str.startswith("IO")])
    assert r.shares["year"].tolist() == [2005, 2015, 2017, 2018, 2020]
    assert r.shares[["output_share", "va_share"]].apply(lambda c: c.between(0, 1)).all().all()
