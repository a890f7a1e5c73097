"""The default provincial NQPF framework (builtin/nqpf_province.toml) and the real demo build."""
from __future__ import annotations

import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqpf import datasets
from nqpf.framework.derive import derive_indicators, required_series
from nqpf.framework.docs import framework_markdown
from nqpf.framework.io import builtin_frameworks, framework_to_frame, load_framework
from nqpf.framework.model import DRIVERS, ELEMENTS, LEVELS, TYPES

from _shared import REPO, shared_path

FW = load_framework("nqpf_province")
TOML = builtin_frameworks()["nqpf_province"]
SEED_REFS = [(n.id, r) for n in FW.nodes for r in n.seed_refs]


# ------------------------------------------------------------------------------ structure and tags

def test_coverage_counts():
    inds = [FW.by_id[i] for i in FW.indicators]
    assert len(inds) >= 28
    per_element = Counter(n.element for n in inds)
    per_driver = Counter(n.driver for n in inds)
    assert set(per_element) == set(ELEMENTS) and min(per_element.values()) >= 5
    assert all(per_driver[d] >= 4 for d in ("数据", "算法", "算力")), per_driver
    # each element's indicators sit under that element's node
    for n in inds:
        top = FW.ancestors(n.id)[-2]
        assert FW.by_id[top].element == n.element, n.id


def test_every_indicator_fully_tagged():
    for iid in FW.indicators:
        n = FW.by_id[iid]
        assert n.element in ELEMENTS and n.driver in DRIVERS and n.type in TYPES and n.level in LEVELS, iid
        assert n.direction in (1, -1) and n.unit and n.derive and n.source, iid
        assert n.name_zh and n.name_en, iid
        assert n.seed_refs, iid
        for r in n.seed_refs:
            assert r.file.endswith(".txt") and r.section and r.quote and r.rationale, iid
            assert len(r.quote) <= 40, (iid, r.quote)
        assert n.tags.get("rationale_zh") and n.tags.get("formula_zh"), iid
    # cost indicators are exactly the carbon ones
    assert sorted(i for i in FW.indicators if FW.by_id[i].direction == -1) == ["co2_growth", "co2_intensity"]


@pytest.mark.shared
@pytest.mark.parametrize(("node", "ref"), SEED_REFS, ids=[f"{n}-{r.file[:3]}" for n, r in SEED_REFS])
def test_quote_occurs_verbatim_in_seed(node, ref):
    text = shared_path("seeds", ref.file).read_text(encoding="utf-8")
    assert ref.quote in text, f"{node}: quote not found verbatim in {ref.file}: {ref.quote!r}"


def test_groupings_and_subsystems():
    assert [g.id for g in FW.groupings] == ["driver", "type"]
    members = FW.grouping_members(FW.groupings[0])
    assert set(members) == {"数据", "算法", "算力"}
    subs = {s.id: s for s in FW.subsystems}
    assert set(subs) == {"digital_economy", "real_economy"}
    leaves = {k: {i for x in s.nodes for i in FW.leaves_under(x)} for k, s in subs.items()}
    assert leaves["digital_economy"].isdisjoint(leaves["real_economy"])
    # digital economy = its two standard parts: the indicators typed 数字产业化 or 产业数字化
    typed = {i for i in FW.indicators if FW.by_id[i].type in ("数字产业化", "产业数字化")}
    assert leaves["digital_economy"] == typed
    assert leaves["real_economy"] == {"secondary_va_per_capita", "gdp_per_capita"}


def test_data_decisions_are_recorded():
    d = FW.description
    for phrase in ("Tibet has no CEADs CO2", "Shanxi", "price-base breaks", "Fujian 2016",
                   "nqpf.gtfp) is not used", "energy-macro panel is not bundled", "level break between 2017 and 2018"):
        assert phrase in d, phrase
    zh = FW.by_id[FW.root].tags["decisions_zh"]
    for phrase in ("西藏无CEADs", "山西", "基期断点", "福建", "nqpf.gtfp", "能源宏观面板不打包"):
        assert phrase in zh, phrase
    assert "Tibet" in FW.by_id["co2_intensity"].notes and "Shanxi" in FW.by_id["co2_intensity"].notes
    assert "telecom_business_volume" not in {a for dv in required_series(FW).values() for a in dv.args}


# ------------------------------------------------------------------------------ data

@pytest.fixture(scope="module")
def derived() -> pd.DataFrame:
    raw = datasets.load_province_raw()
    ind, _ = derive_indicators(raw, FW, series_col="series")
    return ind[ind["year"].between(2013, 2022)]


def test_every_series_is_bundled_with_provenance():
    bundled = set(datasets.load_province_raw()["series"])
    documented = set(datasets.load_provenance()["series"])
    for iid, d in required_series(FW).items():
        assert set(d.args) <= bundled, iid
        assert set(d.args) <= documented, iid


def test_missing_cells_are_exactly_the_recorded_ones(derived):
    miss = derived.groupby("indicator")["value"].apply(lambda s: int(s.isna().sum()))
    expected = {
        "co2_intensity": 10, "co2_growth": 10,                       # Tibet: no CEADs
        "hightech_revenue_share": 31, "hightech_firms_per_million": 31,  # no 2017 in the yearbook
        "mobile_phones_per_100_households": 115,                      # 2013-14 mostly, 2021-22 all
        "tech_market_outflow_share": 4,                               # Tibet 2013-2016
    }
    assert {k: v for k, v in miss.items() if v} == expected
    tibet = derived[(derived.unit == "540000") & derived.indicator.eq("tech_market_outflow_share")]
    assert tibet.loc[tibet.value.isna(), "year"].tolist() == [2013, 2014, 2015, 2016]
    assert len(derived) == 310 * len(FW.indicators)


def test_derivation_scales(derived):
    raw = datasets.load_province_raw().set_index(["series", "unit", "year"])["value"]
    v = derived.set_index(["indicator", "unit", "year"])["value"]
    gd = ("440000", 2022)
    # R&D intensity in %: 万元 → 亿元 (/1e4), over GDP in 亿元 (132,547.1 for Guangdong 2022), × 100
    assert v[("rd_expenditure_intensity", *gd)] == pytest.approx(raw[("rd_expenditure_total", *gd)] / 1e4 / 132547.1 * 100)
    # GDP per resident in CNY: 亿元 / 万人 × 1e4
    assert v[("gdp_per_capita", *gd)] == pytest.approx(132547.1e8 / (raw[("resident_population_year_end", *gd)] * 1e4))
    # CO2 intensity in t per 10k CNY: Mt → t (1e6) over GDP in 10k CNY (亿元 × 1e4)
    assert v[("co2_intensity", *gd)] == pytest.approx(raw[("co2_total_apparent", *gd)] * 1e6 / (132547.1 * 1e4))
    # growth in % from consecutive years
    assert v[("co2_growth", *gd)] == pytest.approx(
        (raw[("co2_total_apparent", *gd)] / raw[("co2_total_apparent", "440000", 2021)] - 1) * 100)
    # plausible ranges of shares
    for iid in ("education_budget_share", "st_budget_share", "enterprise_rd_share", "invention_grant_share"):
        vals = derived.loc[derived.indicator == iid, "value"]
        assert vals.between(0, 100).all(), iid


# ------------------------------------------------------------------------------ generated twins

def test_csv_twin_matches_toml():
    twin = load_framework(TOML.with_suffix(".csv"))
    assert twin.nodes == FW.nodes and twin.groupings == FW.groupings and twin.subsystems == FW.subsystems
    assert twin.description == FW.description
    on_disk = pd.read_csv(TOML.with_suffix(".csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    fresh = framework_to_frame(FW).astype(str)
    pd.testing.assert_frame_equal(on_disk, fresh, check_dtype=False)


def test_docs_page_is_up_to_date():
    page = REPO / "docs" / "framework.md"
    assert page.read_text(encoding="utf-8") == framework_markdown(FW)
    text = page.read_text(encoding="utf-8")
    for iid in FW.indicators:
        assert f"`{iid}`" in text
    assert "原文 quote" in text and "中文理由" in text and "Data decisions" in text
    assert FW.by_id[FW.root].tags["decisions_zh"] in text


# ------------------------------------------------------------------------------ the real demo

@pytest.fixture(scope="module")
def demo():
    import nqpf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nqpf.build(datasets.demo_config(stages=[]))


def _wide(res, year=None) -> pd.DataFrame:
    s = res.scores if year is None else res.scores[res.scores.year == year]
    return s.pivot_table(index=["unit", "year"], columns="node", values="score", dropna=False)


def test_demo_2022_ranking(demo):
    r = demo.ranking(2022)
    r = r[r["score"].notna()].sort_values("rank")
    top5, bottom5 = set(r["unit_name"].head(5)), set(r["unit_name"].tail(5))
    assert len(top5 & {"北京", "上海", "广东", "江苏", "浙江"}) >= 4, top5
    assert bottom5 & {"西藏", "青海"}, bottom5
    assert r["unit_name"].iloc[0] == "北京"


def test_demo_every_province_year_scored_or_explained(demo):
    root = demo.root
    s = demo.scores[demo.scores.node == root]
    assert len(s) == 31 * 10
    missing = s[s["score"].isna()][["unit", "year"]]
    explained = demo.excluded[demo.excluded.node.isin([root, "*"])][["unit", "year"]]
    assert missing.merge(explained).shape[0] == len(missing)
    # every node-level gap has a reason too (Tibet's green sub-dimension), grouping nodes included: they
    # follow aggregate.min_coverage like tree nodes (type:绿色低碳 used to be left without a reason)
    gaps = demo.scores[demo.scores.score.isna()]
    gaps = gaps[~gaps.node.isin(FW.indicators)]
    reasons = demo.excluded.merge(gaps[["unit", "year", "node"]])
    assert len(reasons) == len(gaps)
    assert set(gaps["unit"]) <= {"540000"}
    assert demo.excluded["reason"].str.len().gt(0).all()


def test_demo_effective_weights_sum_to_one(demo):
    w = demo.weights
    ind = w[w.node.isin(FW.indicators)]
    assert ind["effective_weight"].sum() == pytest.approx(1.0, abs=1e-9)
    el = w[w.node.isin(FW.children(FW.root))]
    assert el["effective_weight"].sum() == pytest.approx(1.0, abs=1e-9)
    for g in ("driver", "type"):
        assert w[w.parent == g]["effective_weight"].sum() <= 1.0 + 1e-12
    assert w[w.parent == "type"]["effective_weight"].sum() == pytest.approx(1.0, abs=1e-9)


def test_demo_elements_and_drivers_reconcile_with_total(demo):
    w = demo.weights.set_index("node")["effective_weight"]
    wide = _wide(demo)
    full = wide.drop(index="540000", level="unit")  # Tibet lacks the CO2 indicators
    total = full[FW.root]
    # total = Σ elements (effective weights) and = Σ indicators × effective weights
    elements = FW.children(FW.root)
    by_el = sum(full[e] * w[e] for e in elements)
    np.testing.assert_allclose(by_el, total, rtol=1e-10)
    by_ind = sum(full[i] * w[i] for i in FW.indicators)
    np.testing.assert_allclose(by_ind, total, rtol=1e-10)
    # the driver sub-indices plus the untagged indicators reconcile with the total
    drivers = [n for n in w.index if n.startswith("driver:")]
    none = [i for i in FW.indicators if FW.by_id[i].driver == "none"]
    by_driver = sum(full[d] * w[d] for d in drivers) + sum(full[i] * w[i] for i in none)
    np.testing.assert_allclose(by_driver, total, rtol=1e-10)
    types = [n for n in w.index if n.startswith("type:")]
    np.testing.assert_allclose(sum(full[t] * w[t] for t in types), total, rtol=1e-10)
    # Tibet: the green sub-dimension has no score; 劳动对象 is the weight-rescaled mean of the
    # other two sub-dimensions and the total still reconciles with the four elements
    tib = wide.xs("540000", level="unit")
    assert tib["green_low_carbon"].isna().all()
    subs = ["emerging_industry", "new_objects"]
    rescaled = sum(tib[x] * w[x] for x in subs) / sum(w[x] for x in subs)
    np.testing.assert_allclose(rescaled, tib["objects_of_labour"], rtol=1e-10)
    np.testing.assert_allclose(sum(tib[e] * w[e] for e in elements), tib[FW.root], rtol=1e-10)


def test_demo_subsystem_nodes_scored(demo):
    wide = _wide(demo, 2022)
    for s in FW.subsystems:
        for node in s.nodes:
            assert wide[node].notna().sum() == 31, (s.id, node)
