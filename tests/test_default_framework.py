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

ALLOWED_TYPES = ("数字产业化", "产业数字化", "数实融合", "基础:科技创新", "基础:绿色低碳", "基础:实体经济")
ALL_INDICATOR_NODES = [FW.by_id[i] for i in FW.indicators] + list(FW.declared)


def test_version_and_v1_still_loadable():
    assert FW.version == "2.0"
    v1 = load_framework("nqpf_province_v1")
    assert v1.id == "nqpf_province" and v1.version == "1.0" and len(v1.indicators) == 28 and not v1.declared
    # v1 still runs on the bundle: every series it derives from is still bundled
    bundled = set(datasets.load_province_raw()["series"])
    assert all(set(d.args) <= bundled for d in required_series(v1).values())


def test_coverage_table_sums():
    from nqpf.framework import coverage

    cov = coverage(FW)
    assert int(cov["computed"].sum()) == len(FW.indicators) == 21
    assert int(cov["declared"].sum()) == len(FW.declared) >= 10
    assert int(cov["declared_with_data"].sum()) == 0
    listed = {x for cell in cov["declared_missing"] for x in cell.split(", ") if x}
    assert listed == set(FW.declared_ids)
    # with weights: shares sum to one
    w = {i: 1.0 for i in FW.indicators}
    covw = coverage(FW, weights=w)
    assert covw["weight_share"].sum() == pytest.approx(1.0)
    # each element has computed indicators; every element's indicators sit under its node
    per_element = Counter(FW.by_id[i].element for i in FW.indicators)
    assert set(per_element) == set(ELEMENTS)
    for iid in FW.indicators:
        assert FW.by_id[FW.ancestors(iid)[-2]].element == FW.by_id[iid].element, iid
    for d in FW.declared:
        assert d.element == (FW.by_id[d.parent].element or FW.by_id[FW.ancestors(d.parent)[-2]].element), d.id


def test_every_indicator_typed_and_driver_tagged_honestly():
    for n in ALL_INDICATOR_NODES:
        assert n.type in ALLOWED_TYPES, (n.id, n.type)
        assert n.tags.get("type_rationale"), n.id
        assert n.driver in DRIVERS, n.id
        if n.driver != "none":
            assert len(n.tags.get("driver_rationale", "")) > 20, n.id
    # driver tags of the computed indicators: only where data, algorithms or compute are measured
    tagged = {i: FW.by_id[i].driver for i in FW.indicators if FW.by_id[i].driver != "none"}
    assert tagged == {"fibre_per_km2": "算力", "broadband_ports_per_capita": "算力", "enterprise_ecommerce_share": "数据"}
    # papers, patents, R&D and technology contracts are foundations, not algorithms
    for iid in ("sci_papers_per_10k", "invention_patents_per_10k", "invention_applications_per_10k",
                "tech_market_inflow_share", "basic_research_intensity"):
        assert FW.by_id[iid].driver == "none" and FW.by_id[iid].type == "基础:科技创新", iid
    # each of 004 §5's three types is measured by at least one computed indicator
    types = Counter(FW.by_id[i].type for i in FW.indicators)
    assert all(types[t] >= 1 for t in ("数字产业化", "产业数字化", "数实融合")), types
    # all three drivers appear at least among the declared indicators
    assert {d.driver for d in FW.declared} >= {"数据", "算法", "算力"}


def test_every_indicator_fully_documented():
    for n in ALL_INDICATOR_NODES:
        assert n.element in ELEMENTS and n.level in LEVELS, n.id
        assert n.direction in (1, -1) and n.unit and n.derive and n.source, n.id
        assert n.name_zh and n.name_en, n.id
        assert n.seed_refs, n.id
        for r in n.seed_refs:
            assert r.file.endswith(".txt") and r.section and r.quote and r.rationale, n.id
            assert len(r.quote) <= 40, (n.id, r.quote)
    for iid in FW.indicators:
        assert FW.by_id[iid].tags.get("rationale_zh") and FW.by_id[iid].tags.get("formula_zh"), iid
    # cost indicators are exactly the carbon ones
    assert sorted(i for i in FW.indicators if FW.by_id[i].direction == -1) == ["co2_intensity", "coal_share_of_co2"]


def test_green_is_a_real_sub_dimension():
    green = FW.leaves_under("green_low_carbon")
    assert len(green) >= 2 and all(FW.by_id[i].type == "基础:绿色低碳" for i in green)


def test_declared_indicators_are_not_computed():
    assert set(FW.declared_ids).isdisjoint(FW.indicators)
    assert {"software_revenue_share", "base_stations_5g_per_km2", "industrial_robot_density", "data_centre_racks_per_10k",
            "compute_capacity_per_gdp", "ecommerce_sales_share", "ai_enterprises_per_million", "data_trading_share",
            "tertiary_share"} <= set(FW.declared_ids)
    for d in FW.declared:
        assert d.is_declared and d.source and d.unit, d.id
    # nothing the engine computes needs a series the bundle lacks
    bundled = set(datasets.load_province_raw()["series"])
    assert all(set(dv.args) <= bundled for dv in required_series(FW).values())


def test_activate_declared_when_data_supplied():
    from nqpf.framework import activate_declared

    assert activate_declared(FW, set(datasets.load_province_raw()["series"])) is FW  # bundle alone: nothing
    fw2 = activate_declared(FW, {"software_business_revenue", "gdp", "base_stations_5g", "land_area"})
    assert {"software_revenue_share", "base_stations_5g_per_km2"} <= set(fw2.indicators)
    assert "software_revenue_share" not in fw2.declared_ids and len(fw2.declared) == len(FW.declared) - 2
    assert fw2.by_id["base_stations_5g_per_km2"].parent == "digital_infrastructure"
    # the template lists exactly the series the declared indicators need and the bundle lacks
    tpl = pd.read_csv(Path(datasets.__file__).parent / "data" / "ai_indicators_template.csv", dtype=str,
                      keep_default_na=False)
    fresh = datasets.ai_indicators_template()
    fresh["value"] = ""
    pd.testing.assert_frame_equal(tpl, fresh.astype(str), check_dtype=False)
    assert fw2.indicators[-1] in fw2.indicators  # still a valid tree
    fw3 = activate_declared(FW, set(datasets.load_province_raw()["series"]) | set(tpl["indicator"]))
    assert not fw3.declared and len(fw3.indicators) == len(FW.indicators) + len(FW.declared)


@pytest.mark.shared
@pytest.mark.parametrize(("node", "ref"), SEED_REFS, ids=[f"{n}-{r.file[:3]}" for n, r in SEED_REFS])
def test_quote_occurs_verbatim_in_seed(node, ref):
    text = shared_path("seeds", ref.file).read_text(encoding="utf-8")
    assert ref.quote in text, f"{node}: quote not found verbatim in {ref.file}: {ref.quote!r}"


def test_groupings_and_subsystems():
    assert [g.id for g in FW.groupings] == ["driver", "type"]
    members = FW.grouping_members(FW.groupings[0])
    assert set(members) == {"数据", "算力"}  # no bundled series measures algorithms (declared only)
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
    for phrase in ("compiler's fills", "not the census", "Tibet has no CEADs CO2", "Shanxi", "Shanghai 2022",
                   "by land area", "declared missing", "2013-2022", "18 of 21", "东数西算", "price-base breaks",
                   "energy-macro panel"):
        assert phrase in d or phrase.replace("not the census", "against census") in d, phrase
    zh = FW.by_id[FW.root].tags["decisions_zh"]
    for phrase in ("整理者填充值", "西藏无CEADs", "山西", "上海2022年", "国土面积", "待补", "东数西算"):
        assert phrase in zh, phrase
    used = {a for dv in required_series(FW).values() for a in dv.args}
    for dropped in ("telecom_business_volume", "new_fixed_assets_computers_office", "new_fixed_assets_electronics_telecom",
                    "higher_education_share", "household_mobile_phones_per_100"):
        assert dropped not in used, dropped


# ------------------------------------------------------------------------------ data

@pytest.fixture(scope="module")
def derived() -> pd.DataFrame:
    """The indicators as a demo run derives them: bundled raw series, quality screen, run decisions."""
    from nqpf.index.config import load_config
    from nqpf.index.prepare import prepare_inputs

    raw = datasets.load_province_raw().rename(columns={"series": "indicator"})
    prep = prepare_inputs(raw, FW, load_config(datasets.demo_config(stages=[])))
    ind = prep.wide[FW.indicators].stack(future_stack=True).rename("value").reset_index()
    ind.columns = ["unit", "year", "indicator", "value"]
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
        "co2_intensity": 11, "coal_share_of_co2": 11,                 # Tibet: no CEADs; Shanghai 2022 artefact
        "hightech_revenue_share": 31, "hightech_firms_per_million": 31,  # no 2017 in the yearbook
        "enterprise_ecommerce_share": 62,                             # 2014 and 2022: the compiler's estimates
        "tech_market_outflow_share": 4,                               # Tibet 2013-2016
    }
    assert {k: v for k, v in miss.items() if v} == expected
    tibet = derived[(derived.unit == "540000") & derived.indicator.eq("tech_market_outflow_share")]
    assert tibet.loc[tibet.value.isna(), "year"].tolist() == [2013, 2014, 2015, 2016]
    sh = derived[(derived.unit == "310000") & derived.indicator.eq("co2_intensity")]
    assert sh.loc[sh.value.isna(), "year"].tolist() == [2022]
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
    # fibre per km2 of land: km / km2
    assert v[("fibre_per_km2", *gd)] == pytest.approx(raw[("fiber_optic_cable_length", *gd)] / raw[("land_area", *gd)])
    # plausible ranges of shares
    for iid in ("coal_share_of_co2", "st_budget_share", "enterprise_rd_share", "invention_grant_share"):
        vals = derived.loc[derived.indicator == iid, "value"].dropna()
        assert vals.between(0, 100).all(), iid
    # per km2 no longer favours sparse provinces: Tibet far below Beijing and Shanghai
    assert v[("fibre_per_km2", "540000", 2022)] < 0.1 * v[("fibre_per_km2", "110000", 2022)]


# ------------------------------------------------------------------------------ generated twins

def test_csv_twin_matches_toml():
    twin = load_framework(TOML.with_suffix(".csv"))
    assert twin.nodes == FW.nodes and twin.groupings == FW.groupings and twin.subsystems == FW.subsystems
    assert twin.declared == FW.declared
    assert twin.description == FW.description
    on_disk = pd.read_csv(TOML.with_suffix(".csv"), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    fresh = framework_to_frame(FW).astype(str)
    pd.testing.assert_frame_equal(on_disk, fresh, check_dtype=False)


def test_docs_page_is_up_to_date():
    page = REPO / "docs" / "framework.md"
    assert page.read_text(encoding="utf-8") == framework_markdown(FW)
    text = page.read_text(encoding="utf-8")
    for iid in FW.indicators + FW.declared_ids:
        assert f"`{iid}`" in text
    assert "待补指标 Declared indicators" in text and "Coverage (element × driver × type)" in text
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


def test_demo_face_validity_2022(demo):
    """Stated before the 2.0 build was run: invariants, not exact ranks."""
    s = demo.scores[demo.scores.year == 2022]

    def order(node):
        d = s[(s.node == node) & s.score.notna()].sort_values("score", ascending=False)
        return d["unit_name"].tolist()

    infra = order("digital_infrastructure")
    assert {"北京", "上海", "江苏", "浙江", "广东"} <= set(infra[:10]), infra[:10]
    assert "西藏" not in infra[:10]
    for node in ("driver:数据", "driver:算力"):
        assert "西藏" not in order(node)[:5], node
    assert "北京" in order("driver:算力")[:8] and "北京" in order("driver:数据")[:5]
    total = order(FW.root)
    assert set(total[:3]) <= {"北京", "上海", "江苏", "广东", "浙江"} and "西藏" not in total[:10]


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
