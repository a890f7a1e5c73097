"""Data-quality screen (nqpf.index.quality): the known defects of the bundled data, planted defects on
synthetic panels, false-positive rates on clean panels, actions (set_missing / refuse / exempt)."""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from _shared import FIXTURES
from nqpf._errors import ConfigError, DataError
from nqpf._results import Result
from nqpf.index.quality import CHANGE_COLUMNS, QualityConfig, QualityResult, screen

SNAPSHOT = FIXTURES / "quality" / "province_raw_2026-11-24_subset.csv.gz"


# ----------------------------------------------------------------------------- synthetic panels
def clean_panel(seed: int, n_units: int = 31, years=range(2010, 2024), n_series: int = 12) -> pd.DataFrame:
    """Seeded log random walks with drift, unit drifts, common year shocks and realistic rounding:
    money series (2 decimals), counts (integers), shares (4 decimals)."""
    rng = np.random.default_rng(seed)
    years = np.array(list(years))
    T = len(years)
    units = [f"{i + 11:02d}0000" for i in range(n_units)]
    frames = []
    for s in range(n_series):
        kind = ["money", "count", "share"][s % 3]
        sigma = rng.uniform(0.02, 0.10)
        drift = rng.uniform(0.0, 0.10)
        common = np.cumsum(rng.normal(0, 0.02, T))
        base = rng.normal({"money": np.log(500), "count": np.log(2000), "share": np.log(0.1)}[kind],
                          0.3 if kind == "share" else 1.0, n_units)
        ud = rng.normal(0, 0.02, n_units)
        logx = (base[:, None] + (drift + ud)[:, None] * np.arange(T)[None, :] + common[None, :]
                + np.cumsum(rng.normal(0, sigma, (n_units, T)), axis=1))
        x = np.round(np.exp(logx), {"money": 2, "count": 0, "share": 4}[kind])
        frames.append(pd.DataFrame({"unit": np.repeat(units, T), "year": np.tile(years, n_units),
                                    "series": f"s{s:02d}_{kind}", "value": x.reshape(-1)}))
    return pd.concat(frames, ignore_index=True)


def _set(raw: pd.DataFrame, series: str, unit: str | None, years, fn) -> None:
    m = (raw["series"] == series) & raw["year"].isin(list(years))
    if unit is not None:
        m &= raw["unit"] == unit
    raw.loc[m, "value"] = fn(raw.loc[m])


def _value(raw, series, unit, year) -> float:
    return float(raw.loc[(raw.series == series) & (raw.unit == unit) & (raw.year == year), "value"].iloc[0])


@pytest.fixture(scope="module")
def planted():
    raw = clean_panel(7)
    rng = np.random.default_rng(70)
    U = sorted(raw["unit"].unique())
    # 1 carry-forward: unit U[1] repeats its 2016 value in 2017–2021
    v = _value(raw, "s00_money", U[1], 2016)
    _set(raw, "s00_money", U[1], range(2017, 2022), lambda d: v)
    # 2 panel freeze: every unit repeats its 2018 value from 2019 on
    last = raw[(raw.series == "s03_money") & (raw.year == 2018)].set_index("unit")["value"]
    _set(raw, "s03_money", None, range(2019, 2024), lambda d: d["unit"].map(last).to_numpy())
    # 3 round fillers: unit U[2] reports integers 10..99 in 2015–2022 where others carry 2 decimals
    _set(raw, "s06_money", U[2], range(2015, 2023), lambda d: rng.integers(10, 99, len(d)).astype(float))
    # 4 level break: unit U[3] doubles from 2016 on
    _set(raw, "s09_money", U[3], range(2016, 2024), lambda d: d["value"] * 2.0)
    # 5 spike: unit U[4] ×1.8 in 2019 only
    _set(raw, "s01_count", U[4], [2019], lambda d: np.round(d["value"] * 1.8))
    # 6 series-wide break: every unit ×1.6 from 2015 on (a definition change)
    _set(raw, "s04_count", None, range(2015, 2024), lambda d: np.round(d["value"] * 1.6))
    # 7 the same value in five units in 2020
    _set(raw, "s07_count", None, [2020], lambda d: np.where(d["unit"].isin(U[10:15]), 12345.0, d["value"]))
    # 8 a raw ratio that moves without its inputs: r = s00 / s02 · 100, unit U[5] ×1.5 in 2018
    a = raw[raw.series == "s00_money"].set_index(["unit", "year"])["value"]
    b = raw[raw.series == "s02_share"].set_index(["unit", "year"])["value"]
    r = (a / b * 100).round(2).rename("value").reset_index().assign(series="r_ratio")
    r.loc[(r.unit == U[5]) & (r.year == 2018), "value"] *= 1.5
    raw = pd.concat([raw, r[["unit", "year", "series", "value"]]], ignore_index=True)
    res = screen(raw, derivations={"r_ratio": ("s00_money", "s02_share"), "x_per_gdp": ("s00_money", "s05_share")})
    return raw, U, res


def _one(res, rule, series, unit=None):
    f = res.findings
    m = (f.rule == rule) & (f.series == series)
    if unit is not None:
        m &= f.unit == unit
    assert m.sum() >= 1, f"{rule} on {series} {unit} not found; findings:\n{f[['unit', 'series', 'years', 'rule']]}"
    return f[m].iloc[0]


# ----------------------------------------------------------------------------- bundled data (snapshot with the defects)
@pytest.fixture(scope="module")
def bundle():
    raw = pd.read_csv(SNAPSHOT, dtype={"unit": str})
    t = time.perf_counter()
    res = screen(raw)
    return raw, res, time.perf_counter() - t


def test_electronics_telecom_panel_freeze(bundle):
    _, res, _ = bundle
    f = _one(res, "panel_freeze", "new_fixed_assets_electronics_telecom")
    assert f.years == "2017–2022" and f.year_list == list(range(2017, 2023))
    assert f.n_units >= 29 and {"440000", "320000"} <= set(f.units.split(";"))
    assert f.severity == "high" and f.action == "set_missing" and f.statistic == 1.0
    assert "2016" in f.detail and ("1408.62" in f.detail or "2522.92" in f.detail)


def test_computers_office_frozen_and_round_fills(bundle):
    _, res, _ = bundle
    f = _one(res, "panel_freeze", "new_fixed_assets_computers_office")
    assert f.years == "2017–2022" and f.n_units >= 27
    assert not {"540000", "630000", "640000", "460000"} & set(f.units.split(";"))
    tibet = _one(res, "round_fill", "new_fixed_assets_computers_office", "540000")
    assert set(range(2017, 2023)) <= set(tibet.year_list) and tibet.statistic >= 5
    assert "33" in tibet.detail and "88" in tibet.detail
    for u in ("630000", "640000", "460000"):  # 青海, 宁夏, 海南
        assert set(range(2017, 2023)) <= set(_one(res, "round_fill", "new_fixed_assets_computers_office", u).year_list)
    xj = _one(res, "carry_forward", "new_fixed_assets_computers_office", "650000")  # 新疆 1.8 every year
    assert xj.years == "2014–2022" and xj.statistic == 10


def test_higher_education_step_pattern(bundle):
    _, res, _ = bundle
    f = _one(res, "panel_freeze", "higher_education_share")
    assert f.year_list == [2014, 2015, 2016, 2017, 2018, 2019, 2021, 2022]
    assert f.n_units == 31 and f.detail.startswith("Step pattern") and "2020" in f.detail


def test_shanghai_co2_2022_jump(bundle):
    _, res, _ = bundle
    f = _one(res, "jump", "co2_total_apparent", "310000")
    assert f.years == "2022" and f.statistic >= 5 and "+34" in f.detail


def test_bundle_is_fast_and_clean_series_quiet(bundle):
    raw, res, elapsed = bundle
    assert elapsed < 1.0
    f = res.findings
    for s in ("gdp", "resident_population_year_end", "gdp_index_prev_year_100", "rd_expenditure_total"):
        assert not (f[(f.series == s)].rule.isin(["carry_forward", "panel_freeze", "round_fill"])).any()
    clean = f[~f.series.isin(["new_fixed_assets_electronics_telecom", "new_fixed_assets_computers_office",
                              "higher_education_share"])]
    assert len(clean) / len(raw) < 0.01  # under 1 finding per 100 unit-years on the other series


def test_live_bundle_runs_and_static_series_not_flagged():
    import nqpf.datasets as ds

    raw = ds.load_province_raw()
    res = screen(raw)
    f = res.findings
    static = set(res.manifest()["static_series"])
    assert not f.series.isin(static).any()
    # whatever the current bundle holds: a frozen series is still found if present
    assert isinstance(res, QualityResult)


# ----------------------------------------------------------------------------- planted defects
def test_planted_carry_forward(planted):
    _, U, res = planted
    f = _one(res, "carry_forward", "s00_money", U[1])
    assert f.years == "2017–2021" and f.statistic == 6 and f.severity == "high"


def test_planted_panel_freeze(planted):
    _, U, res = planted
    f = _one(res, "panel_freeze", "s03_money")
    assert f.years == "2019–2023" and f.n_units == 31
    assert not ((res.findings.rule == "carry_forward") & (res.findings.series == "s03_money")).any()


def test_planted_round_fill(planted):
    _, U, res = planted
    f = _one(res, "round_fill", "s06_money", U[2])
    assert set(f.year_list) <= set(range(2015, 2023)) and len(f.year_list) >= 6


def test_planted_level_break(planted):
    _, U, res = planted
    f = _one(res, "level_break", "s09_money", U[3])
    assert f.years == "2016"


def test_planted_spike(planted):
    _, U, res = planted
    f = _one(res, "jump", "s01_count", U[4])
    assert f.years == "2019" and f.detail.startswith("Spike") and f.cells == [(U[4], 2019)]


def test_planted_series_break(planted):
    _, U, res = planted
    f = _one(res, "series_break", "s04_count")
    assert f.years == "2015" and f.statistic >= 0.5


def test_planted_cross_unit_repeat(planted):
    _, U, res = planted
    f = _one(res, "cross_unit_repeat", "s07_count")
    assert f.years == "2020" and set(f.units.split(";")) == set(U[10:15])


def test_planted_ratio_and_propagation(planted):
    _, U, res = planted
    f = _one(res, "ratio_unexplained", "r_ratio", U[5])
    assert f.years == "2018"
    g = _one(res, "ratio_input_flagged", "x_per_gdp", U[1])
    assert g.source == "s00_money" and "carry_forward" in g.detail and g.years == "2017–2021"


def test_planted_nothing_else(planted):
    """Every finding is one of the planted defects (or its propagation), up to one chance finding."""
    _, U, res = planted
    f = res.findings
    expected = {"s00_money", "s03_money", "s06_money", "s09_money", "s01_count", "s04_count", "s07_count", "r_ratio",
                "x_per_gdp"}
    assert (~f.series.isin(expected)).sum() <= 1


# ----------------------------------------------------------------------------- false positives on clean panels
def test_false_positive_rate_on_clean_panels():
    seeds = range(10)
    counts, tests = [], 0
    for seed in seeds:
        raw = clean_panel(seed)
        res = screen(raw)
        counts.append(len(res.findings))
        tests += raw.groupby(["unit", "series"]).ngroups
        assert not res.findings.rule.isin(["panel_freeze", "round_fill", "carry_forward"]).sum() > 1
    rate = sum(counts) / tests
    print(f"clean panels: {sum(counts)} findings over {tests} unit-series ({rate:.4%}); per panel {np.mean(counts):.2f}")
    assert rate < 0.002 and np.mean(counts) <= 1.0
    assert all(len(screen(clean_panel(s)).changes) <= 1 for s in range(3))


def test_county_scale_is_fast():
    raw = clean_panel(3, n_units=2800, years=range(2012, 2024), n_series=30)
    t = time.perf_counter()
    res = screen(raw)
    assert time.perf_counter() - t < 8.0
    assert len(res.findings) / raw.groupby(["unit", "series"]).ngroups < 0.002


# ----------------------------------------------------------------------------- actions
def test_set_missing_changes_match_cleaned(bundle):
    raw, res, _ = bundle
    ch = res.changes
    assert list(ch.columns) == CHANGE_COLUMNS
    from nqpf.index.engine import CHANGE_COLUMNS as ENGINE_COLUMNS

    assert CHANGE_COLUMNS == ENGINE_COLUMNS
    assert (ch.step == "quality").all() and ch.new.isna().all() and ch.old.notna().all()
    removed = raw[raw.value.notna() & res.cleaned.value.isna()]
    assert len(removed) == len(ch)
    a = removed.set_index(["unit", "year", "series"]).value.sort_index()
    b = ch.set_index(["unit", "year", "indicator"]).old.sort_index()
    assert a.index.equals(b.index.set_names(["unit", "year", "series"])) and np.allclose(a.values, b.values)
    # the frozen copies go, the 2016 source values stay
    el = ch[ch.indicator == "new_fixed_assets_electronics_telecom"]
    assert set(el.year) == set(range(2017, 2023)) and len(el) == 31 * 6
    assert res.cleaned.shape == raw.shape and list(res.cleaned.columns) == list(raw.columns)


def test_refuse_raises_one_line(bundle):
    raw, _, _ = bundle
    with pytest.raises(DataError) as ei:
        screen(raw, {"preset": "strict"})
    msg = str(ei.value)
    assert "\n" not in msg
    assert "rule " in msg and "series '" in msg and "years " in msg and "exempt" in msg


def test_exempt_with_reason_suppresses_and_records(bundle):
    raw, _, _ = bundle
    cfg = {"exempt": [{"target": "higher_education_share", "reason": "census-based share, updated with each census"},
                      {"target": "new_fixed_assets_computers_office:540000", "reason": "checked against the yearbook",
                       "rules": ["round_fill"]}]}
    res = screen(raw, cfg)
    f = res.findings
    assert not (f.series == "higher_education_share").any()
    assert not ((f.series == "new_fixed_assets_computers_office") & (f.unit == "540000") & (f.rule == "round_fill")).any()
    assert ((f.series == "new_fixed_assets_computers_office") & (f.unit == "630000")).any()
    ex = res.exempted
    assert set(ex.exempt_reason) == {"census-based share, updated with each census", "checked against the yearbook"}
    dec = res.manifest()["exempt"]
    assert dec[0]["findings_suppressed"] >= 1 and dec[1]["findings_suppressed"] == 1
    assert not (res.changes.indicator == "higher_education_share").any()
    with pytest.raises(ConfigError):
        screen(raw, {"exempt": ["higher_education_share"]})  # no reason
    with pytest.raises(ConfigError):
        screen(raw, {"no_such_field": 1})


def test_presets_off_and_action_override(bundle):
    raw, _, _ = bundle
    off = screen(raw, {"preset": "off"})
    assert off.findings.empty and off.changes.empty and off.cleaned.equals(raw)
    flag = screen(raw, QualityConfig(actions={"high": "flag"}))
    assert flag.changes.empty and set(flag.findings.action) == {"flag"}


def test_result_api(bundle):
    raw, res, _ = bundle
    assert isinstance(res, Result)
    d = res.to_dict()
    json.dumps(d)
    m = res.manifest()
    json.dumps(m)
    assert m["by_rule"]["panel_freeze"] == 3 and m["cells_set_missing"] == len(res.changes)
    assert "Data-quality screen" in str(res.summary())
    assert res.to_frame() is res.findings
    assert {"findings", "changes", "exempted", "counts"} == set(res.tables())


def test_indicator_column_and_no_input_mutation(bundle):
    raw, res, _ = bundle
    before = raw.copy()
    r2 = screen(raw.rename(columns={"series": "indicator"}))
    assert raw.equals(before)
    assert len(r2.findings) == len(res.findings)
