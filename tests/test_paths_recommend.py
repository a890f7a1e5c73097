"""Recommender on constructed profiles: closed-form evidence, ranking rules, determinism, cautions, errors."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nqpf import DataError, MethodError
from nqpf.paths import DEFAULT_WEIGHTS, Diagnosis, load_catalogue, recommend, recommend_all
from nqpf.paths.recommend import frontier_gap, group_gap, path_priority, target_priority, trend_lag

ELEMENTS = {"x1": ("劳动者", "数据", "数实融合"), "x2": ("劳动资料", "算力", "科技创新"),
            "x3": ("劳动对象", "none", "数字产业化"), "x4": ("优化组合", "算法", "产业数字化")}


def nodes_table() -> pd.DataFrame:
    rows = [{"id": "NQPF", "kind": "aggregate", "parent": "", "name_zh": "新质生产力", "name_en": "NQPF"}]
    for i, (x, (el, dr, ty)) in enumerate(ELEMENTS.items(), 1):
        rows.append({"id": f"E{i}", "kind": "aggregate", "parent": "NQPF", "name_zh": el, "name_en": f"element {i}", "element": el})
        rows.append({"id": x, "kind": "indicator", "parent": f"E{i}", "name_zh": f"指标{i}", "name_en": f"indicator {i}",
                     "element": el, "driver": dr, "type": ty})
    return pd.DataFrame(rows).fillna("")


def scores_table(values: dict[str, list[float]], units: list[str], year: int = 2022) -> pd.DataFrame:
    df = pd.DataFrame({"unit": units, "year": year})
    for i, x in enumerate(ELEMENTS, 1):
        df[x] = values[x]
        df[f"E{i}"] = values[x]
    df["NQPF"] = df[list(ELEMENTS)].mean(axis=1)
    return df


def one_node_catalogue() -> dict:
    paths = []
    for x in ELEMENTS:
        paths.append({"id": f"fix_{x}", "title_zh": f"补{x}", "title_en": f"Fix {x}", "summary_zh": "摘要", "summary_en": "Summary",
                      "role": "catch_up", "level": ["region"], "type": "数实融合", "links": {"nodes": [x]},
                      "citations": [{"file": "a.txt", "section": "§1", "quote": "因地制宜"}]})
    return {"catalogue": {"id": "one_node"}, "source": [{"file": "a.txt"}], "path": paths}


# --------------------------------------------------------------------------- closed-form pieces

def test_component_formulas_closed_form():
    assert frontier_gap([0.2, 0.5, 0.8], 0.8, 0.2).tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert frontier_gap([0.3, 0.3], 0.3, 0.3).tolist() == [0.0, 0.0]          # no spread → no gap
    assert group_gap([0.5, 0.1], 0.3, 0.6).tolist() == pytest.approx([0.0, 1 / 3])
    assert trend_lag([0.0, 0.3], 0.1, 0.5).tolist() == pytest.approx([0.2, 0.0])
    assert target_priority({"frontier_gap": 0.5, "group_gap": 0.0, "obstacle": math.nan},
                           {"frontier_gap": 0.35, "group_gap": 0.15, "obstacle": 0.25}) == pytest.approx(0.35 * 0.5 / 0.5)
    assert path_priority([0.6, 0.0, 0.3]) == pytest.approx(0.5 * 0.6 + 0.5 * 0.3)


def test_evidence_row_and_priority_by_hand():
    # x1: A .2, B .5, C .8, D .4; B's group (west) = A, D → mean .3; base year: B +0.1, others +0.2 → median +0.2
    units = ["A", "B", "C", "D"]
    now = {"x1": [0.2, 0.5, 0.8, 0.4], "x2": [0.9, 0.9, 0.9, 0.9], "x3": [0.9, 0.9, 0.9, 0.9], "x4": [0.9, 0.9, 0.9, 0.9]}
    base = {k: [v - 0.2 if (k == "x1" and u != "B") else (v - 0.1 if k == "x1" else v) for u, v in zip(units, vals)]
            for k, vals in now.items()}
    scores = pd.concat([scores_table(base, units, 2020), scores_table(now, units, 2022)], ignore_index=True)
    groups = pd.DataFrame({"unit": units, "unit_name": units, "region4": ["west", "west", "east", "west"]})
    g = recommend(Diagnosis(scores, nodes_table(), units=groups), unit="B", catalogue=one_node_catalogue(), top=None)
    ev = g.evidence.set_index("node").loc["x1"]
    assert ev["gap_frontier"] == pytest.approx(0.5)
    assert ev["group_mean"] == pytest.approx(0.3)
    # B ranks 2 of 4 on x1: percentile 2/3; A and D (its group) have percentiles 0 and 1/3
    assert ev["pct"] == pytest.approx(2 / 3) and ev["weakness"] == pytest.approx(1 / 3)
    assert ev["group_pct"] == pytest.approx(1 / 6) and ev["gap_group"] == pytest.approx(0.0)
    assert ev["own_gap"] == pytest.approx(0.0)          # B is also 2nd overall
    assert ev["change"] == pytest.approx(0.1) and ev["median_change"] == pytest.approx(0.2)
    assert ev["trend_lag"] == pytest.approx(0.1 / 0.6)
    w = DEFAULT_WEIGHTS
    expect = ((w["weakness"] / 3 + w["own_profile"] * 0 + w["group_gap"] * 0 + w["trend"] * (0.1 / 0.6))
              / (w["weakness"] + w["own_profile"] + w["group_gap"] + w["trend"]))
    assert ev["priority"] == pytest.approx(expect)      # a named node: fit factor 1, no place context
    # only x1 has a gap (the others are equal everywhere): one path, its priority = that of its evidence node
    assert g.recommendations["path"].tolist() == ["fix_x1"]
    assert g.recommendations["priority"].iloc[0] == pytest.approx(expect)
    assert set(g.excluded["path"]) == {"fix_x2", "fix_x3", "fix_x4"}


# --------------------------------------------------------------------------- ranking rules

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.integers(0, 100), min_size=4, max_size=4), min_size=5, max_size=5),
       st.integers(0, 3))
def test_unit_weakest_on_a_node_gets_the_path_of_that_node_first(grid, k):
    m = np.array(grid, dtype=float) / 100
    col = m[:, k]
    assume(col.max() > col.min())
    u = int(np.argmin(col))
    assume((col == col.min()).sum() == 1)
    for j in range(4):                      # weakest only on node k
        if j != k:
            assume(m[u, j] > m[:, j].min())
    units = [f"U{i}" for i in range(5)]
    values = {x: m[:, j].tolist() for j, x in enumerate(ELEMENTS)}
    g = recommend(Diagnosis(scores_table(values, units), nodes_table()), unit=units[u], catalogue=one_node_catalogue(), top=None)
    assert g.recommendations["path"].iloc[0] == f"fix_{list(ELEMENTS)[k]}"


def test_weakest_node_first_also_with_obstacle_degrees():
    from nqpf.analysis.obstacle import obstacle_degree

    units = ["A", "B", "C", "D", "E"]
    values = {"x1": [0.0, 0.5, 0.9, 0.6, 0.4], "x2": [0.5, 0.2, 0.8, 0.9, 0.3],
              "x3": [0.6, 0.7, 0.1, 0.2, 0.9], "x4": [0.4, 0.9, 0.5, 0.3, 0.8]}
    scores = scores_table(values, units)
    z = scores[["unit", "year"] + list(ELEMENTS)]
    ob = obstacle_degree(z, {x: 0.25 for x in ELEMENTS})
    diag = Diagnosis(scores, nodes_table(), obstacles=ob.indicators)
    res = recommend_all(diag, catalogue=one_node_catalogue(), top=1)
    firsts = dict(zip(res.table["unit"], res.table["path"]))
    assert firsts["A"] == "fix_x1"     # A is the weakest on x1
    assert firsts["C"] == "fix_x3"     # C is the weakest on x3
    assert firsts["B"] == "fix_x2"     # B is the weakest on x2


def _twin_diag() -> Diagnosis:
    units = ["A", "B", "C", "D", "E"]
    y0 = {"x1": [0.3, 0.3, 0.1, 0.5, 0.6], "x2": [0.4, 0.4, 0.2, 0.6, 0.7],
          "x3": [0.5, 0.5, 0.3, 0.1, 0.8], "x4": [0.2, 0.2, 0.4, 0.6, 0.5]}
    y1 = {k: [v + (0.05 if u in "AB" else 0.2) for u, v in zip(units, vals)] for k, vals in y0.items()}
    scores = pd.concat([scores_table(y0, units, 2020), scores_table(y1, units, 2022)], ignore_index=True)
    unit_table = pd.DataFrame({"unit": units, "unit_name": ["甲", "乙", "丙", "丁", "戊"],
                               "name_en": ["Aa", "Bb", "Cc", "Dd", "Ee"],
                               "region4": ["west", "west", "west", "east", "east"]})
    return Diagnosis(scores, nodes_table(), units=unit_table)


def test_identical_profiles_get_identical_guides():
    diag = _twin_diag()
    ga, gb = (recommend(diag, unit=u, top=10) for u in ("A", "B"))
    for name in ("recommendations", "evidence", "citations", "cautions", "peers", "excluded", "obstacles"):
        pd.testing.assert_frame_equal(ga.tables()[name], gb.tables()[name], check_exact=True, obj=name)
    assert ga.profile == gb.profile
    for lang in ("zh", "en"):
        ma = ga.to_markdown(lang).replace(ga.unit_name if lang == "zh" else ga.unit_name_en, "X", 1)
        mb = gb.to_markdown(lang).replace(gb.unit_name if lang == "zh" else gb.unit_name_en, "X", 1)
        assert ma == mb


def test_guides_do_not_depend_on_row_order():
    diag = _twin_diag()
    shuffled = Diagnosis(diag.scores.sample(frac=1, random_state=3), diag.nodes.sample(frac=1, random_state=4),
                         units=diag.units.iloc[::-1])
    for u in ("A", "C", "E"):
        a, b = recommend(diag, unit=u), recommend(shuffled, unit=u)
        pd.testing.assert_frame_equal(a.recommendations, b.recommendations)
        assert a.to_markdown("zh") == b.to_markdown("zh")


def test_frontier_unit_gets_only_frontier_paths_and_bottom_unit_none():
    units = ["F", "B", "C", "D"]
    values = {"x1": [0.9, 0.5, 0.2, 0.1], "x2": [0.95, 0.4, 0.3, 0.0], "x3": [0.8, 0.6, 0.1, 0.05], "x4": [1.0, 0.2, 0.5, 0.1]}
    diag = Diagnosis(scores_table(values, units), nodes_table())
    g = recommend(diag, unit="F", top=None)
    assert set(g.recommendations["role"]) == {"frontier"}
    assert {"ai_for_science", "cross_domain_tech_fusion"} <= set(g.recommendations["path"])
    reasons = g.excluded.set_index("path")["reason"]
    assert reasons["compute_infrastructure"] == "at the frontier on every linked node (relative gap ≤ 0.05)"
    low = recommend(diag, unit="D", top=None)
    assert set(low.recommendations["role"]) == {"catch_up"}
    assert low.excluded.set_index("path")["reason"]["ai_for_science"].startswith(
        "frontier path: no linked node within 0.25 of the frontier")


def test_firm_level_units_get_firm_paths_only():
    units = ["A", "B", "C"]
    values = {"x1": [0.1, 0.5, 0.9], "x2": [0.2, 0.5, 0.9], "x3": [0.3, 0.5, 0.9], "x4": [0.1, 0.6, 0.9]}
    g = recommend(Diagnosis(scores_table(values, units), nodes_table(), unit_level="firm"), unit="A", top=None)
    cat = load_catalogue()
    assert all("firm" in cat.path_by_id[p].level for p in g.recommendations["path"])
    assert "flexible_organisation" in set(g.recommendations["path"])


# --------------------------------------------------------------------------- reasons carry the numbers of the result

NUM = re.compile(r"[+-]?\d+(?:\.\d+)?")


def _allowed_numbers(guide, row) -> set[str]:
    ev = guide.evidence[(guide.evidence["path"] == row["path"]) & (guide.evidence["node"] == row["key_node"])].iloc[0]
    out: set[str] = set()
    for f in ("score", "frontier", "gap_abs", "group_mean"):
        out.add(f"{ev[f]:.3f}")
    for f in ("change", "median_change"):
        if not pd.isna(ev[f]):
            out.add(("+" if ev[f] >= 0 else "") + f"{ev[f]:.3f}")
    out.add(f"{100 * ev['gap_frontier']:.1f}")
    if guide.profile.get("rank") is not None:
        out.add(str(guide.profile["rank"]))
    if not pd.isna(ev["obstacle_pct"]):
        out.add(f"{ev['obstacle_pct']:.1f}")
    for f in ("rank", "n", "rank_lo", "rank_hi"):
        if not pd.isna(ev[f]):
            v = float(ev[f])
            out.add(f"{v:.0f}" if v.is_integer() else f"{v:.1f}")
    c = guide.profile.get("coupling") or {}
    if c:
        out.add(f"{c['D']:.3f}")
    if not pd.isna(guide.profile.get("percentile", math.nan)):
        out.add(f"{100 * guide.profile['percentile']:.1f}")
    out |= {str(guide.year), str(guide.params["base_year"])}
    return out


def assert_reasons_quote_result_numbers(guide) -> int:
    checked = 0
    for _, row in guide.recommendations.iterrows():
        allowed = _allowed_numbers(guide, row)
        for lang in ("zh", "en"):
            text = row[f"reason_{lang}"]
            # strip the node / unit / group names, which may contain digits of their own
            ev = guide.evidence[(guide.evidence["path"] == row["path"]) & (guide.evidence["node"] == row["key_node"])].iloc[0]
            names = [row["key_node_zh"], row["key_node_en"], ev["group"], ev["frontier_unit"]]
            names += guide.peers["peer_name"].tolist() + guide.peers["peer_name_en"].tolist()
            for name in sorted(map(str, names), key=len, reverse=True):
                if name:
                    text = text.replace(name, "")
            nums = NUM.findall(text.replace("–", " "))
            assert nums, text
            bad = [n for n in nums if n not in allowed]
            assert not bad, (row["path"], lang, bad, text)
            checked += len(nums)
    return checked


def test_reasons_quote_only_numbers_of_the_result():
    from nqpf.analysis.obstacle import obstacle_degree

    diag0 = _twin_diag()
    z = diag0.scores[["unit", "year"] + list(ELEMENTS)]
    ob = obstacle_degree(z, {x: 0.25 for x in ELEMENTS})
    coupling = pd.DataFrame({"unit": ["A", "B", "C", "D", "E"], "year": 2022, "D": [0.41, 0.41, 0.33, 0.62, 0.7],
                             "class_zh": ["濒临失调", "濒临失调", "轻度失调", "初级协调", "中级协调"],
                             "class_en": ["on the verge", "on the verge", "mild", "primary", "intermediate"],
                             "lagging": ["E1", "E1", "E2", "", ""]})
    intervals = pd.DataFrame({"unit": ["A", "A", "C"], "year": 2022, "node": ["NQPF", "E1", "E1"],
                              "rank_lo": [3, 3, 4], "rank_hi": [4, 5, 5]})
    diag = Diagnosis(diag0.scores, diag0.nodes, units=diag0.units, obstacles=ob.indicators, coupling=coupling,
                     intervals=intervals)
    total = 0
    for u in ("A", "C", "D", "E"):
        g = recommend(diag, unit=u, top=None)
        assert len(g.recommendations)
        total += assert_reasons_quote_result_numbers(g)
    assert total > 50
    ga = recommend(diag, unit="A", top=None)
    assert ga.profile["rank_lo"] == 3 and ga.profile["rank_hi"] == 4
    evs = ga.evidence[ga.evidence["node"] == "E1"]     # E1 backs a path only if no better-fitting node does
    if len(evs):
        ev = evs.iloc[0]
        assert (ev["rank_lo"], ev["rank_hi"], ev["robust_weak"]) == (3, 5, 1.0)   # best rank 3 > 5/2: robust weakness
        assert bool(ev["lagging_subsystem"]) is True
        assert any("（区间 3–5）" in r for r in ga.recommendations.loc[ga.recommendations["key_node"] == "E1", "reason_zh"])


# --------------------------------------------------------------------------- cautions and peers

def test_group_and_lagging_cautions_apply_only_where_they_should():
    units = ["W", "E", "T", "L"]
    values = {"x1": [0.2, 0.3, 0.9, 0.0], "x2": [0.1, 0.2, 0.9, 0.85], "x3": [0.3, 0.2, 0.9, 0.0], "x4": [0.3, 0.4, 0.9, 0.0]}
    ut = pd.DataFrame({"unit": units, "unit_name": units, "region4": ["west", "east", "east", "central"]})
    diag = Diagnosis(scores_table(values, units), nodes_table(), units=ut)
    gw, ge = recommend(diag, unit="W", top=None), recommend(diag, unit="E", top=None)
    def cautions_of(g, pid):
        k = int(g.recommendations.set_index("path").loc[pid, "rank"])
        return {c for c, ks in zip(g.cautions["caution"], g.cautions["paths"]) if k in ks}

    cw, ce = cautions_of(gw, "compute_infrastructure"), cautions_of(ge, "compute_infrastructure")
    assert not gw.cautions["caution"].duplicated().any()          # each caution once, naming its paths
    assert "east_data_west_compute" in cw and "east_data_west_compute" not in ce
    assert {"no_duplicate_investment", "no_rush_bubble"} <= cw & ce
    assert "东数西算" in gw.to_markdown("zh") and "东数西算" not in ge.to_markdown("zh")
    # L is lagging overall but close to the frontier on x2 (劳动资料): frontier paths come with 先立后破-type caution
    import dataclasses

    cat = load_catalogue()
    frontier_only = dataclasses.replace(cat, paths=tuple(p for p in cat.paths if p.role == "frontier"))
    gl = recommend(diag, unit="L", top=None, catalogue=frontier_only)
    fr = gl.recommendations[gl.recommendations["role"] == "frontier"]["path"].tolist()
    # (one evidence node per path: a frontier path whose only near-frontier node backs a higher path is not repeated)
    assert fr, gl.excluded.to_string()
    assert "frontier_before_base" in cautions_of(gl, fr[0])
    gt = recommend(diag, unit="T", top=None, catalogue=frontier_only)
    assert "frontier_before_base" not in set(gt.cautions["caution"])


def test_peers_are_ahead_on_the_key_node_and_sorted_by_profile_distance():
    diag = _twin_diag()
    g = recommend(diag, unit="C", top=3)
    first = g.recommendations.iloc[0]
    peers = g.peers[(g.peers["path"] == first["path"])]
    sim = peers[peers["kind"] == "similar"]
    key = first["key_node"]
    v = diag.year_scores(2022)
    own = float(v.loc["C", key]) if key in v.columns else None
    if own is not None:
        assert (sim["value"] > own).all()
    assert sim["distance"].is_monotonic_increasing
    imp = peers[peers["kind"] == "improver"]
    assert imp["change"].is_monotonic_decreasing and (imp["change"] > 0).all()
    assert "C" not in set(peers["peer"])


# --------------------------------------------------------------------------- errors

def test_errors_name_the_problem():
    diag = _twin_diag()
    with pytest.raises(DataError) as exc:
        recommend(diag, unit="乙乙")
    assert str(exc.value) == "recommend: unknown unit; got '乙乙'. Did you mean '乙'? Use a unit id or name of the run (e.g. '甲')."
    with pytest.raises(DataError) as exc:
        recommend(diag, unit="A", year=1999)
    assert str(exc.value) == "recommend: no scores for year 1999; got years 2020–2022. Choose a year of the run."
    with pytest.raises(MethodError) as exc:
        recommend(diag, unit="A", weights={"gap": 1.0})
    assert str(exc.value) == ("recommend: unknown evidence weights; got ['gap']. Use keys "
                              "['coupling', 'frontier_gap', 'group_gap', 'obstacle', 'own_profile', 'trend', 'uncertainty', 'weakness'].")
    with pytest.raises(MethodError) as exc:
        recommend(diag, unit="A", group="type")
    assert str(exc.value) == ("recommend: group='type' needs a typology table; got none in the diagnosis. "
                              "Pass typology= to Diagnosis or use group='region4'.")
    with pytest.raises(Exception) as exc:
        recommend(diag, unit="A", group="province")
    assert str(exc.value) == ("The 'group' parameter of recommend must be one of 'auto', 'type', 'region4', 'belt3', 'none'; "
                              "got 'province'.")
    with pytest.raises(MethodError) as exc:
        recommend(diag, unit="A", frontier_tol=2)
    assert str(exc.value) == "recommend: frontier_tol must be a number in [0, 1]; got 2. Use e.g. frontier_tol=0.1."
    with pytest.raises(DataError) as exc:
        Diagnosis(pd.DataFrame({"region": ["A"], "x1": [0.1]}), nodes_table())
    assert str(exc.value) == ("Diagnosis: scores need columns 'unit' and 'year' plus one column per node; got ['region', 'x1']. "
                              "Pass IndexResult.scores (long) or a wide unit-year × node table.")
    dup = pd.concat([diag.scores.head(1), diag.scores.head(1)])
    with pytest.raises(DataError) as exc:
        Diagnosis(dup, nodes_table())
    assert str(exc.value) == "Diagnosis: scores have duplicate unit-years; got [['A', 2020]]. Keep one row per unit and year."


def test_long_scores_and_typology_group():
    diag = _twin_diag()
    long = diag.scores.melt(id_vars=["unit", "year"], var_name="node", value_name="score")
    ty = pd.DataFrame({"unit": ["A", "B", "C", "D", "E"], "type": ["均衡", "均衡", "均衡", "领先", "领先"],
                       "type_en": ["balanced"] * 3 + ["leading"] * 2})
    d2 = Diagnosis(long, nodes_table(), units=diag.units, typology=ty)
    assert recommend(d2, unit="D", top=3).profile["group_kind"] == "region4"     # auto: region first
    g = recommend(d2, unit="D", top=3, group="type")
    assert g.profile["group_kind"] == "type"
    # the profile's type is the rule-based typology (tier · shape) with its stated criterion
    assert g.profile["type"].split("·")[0] in {"前列", "中间", "后段"} and "百分位" in g.profile["type_description_zh"]
    ev = g.evidence.iloc[0]
    assert ev["group"] == "领先"
    other = float(d2.year_scores(2022).loc["E", ev["node"]]) if ev["node"] in d2.scores.columns else None
    if other is not None:
        assert ev["group_mean"] == pytest.approx(other)


def test_recommend_all_covers_every_unit():
    diag = _twin_diag()
    res = recommend_all(diag, top=3)
    assert sorted(res.guides) == ["A", "B", "C", "D", "E"]
    assert (res.table.groupby("unit")["rank"].max() <= 3).all()
    assert res.table["citation"].str.contains("「").all()
    with pytest.raises(MethodError) as exc:
        recommend_all(diag, topn=3)
    assert str(exc.value).startswith("recommend_all: unknown options; got ['topn'].")


def test_quantile_rank_intervals_of_the_uncertainty_analysis_are_shown():
    diag = _twin_diag()
    rank_stats = pd.DataFrame({"unit": ["C", "D"], "unit_name": ["丙", "丁"], "year": 2022, "nominal": [5, 2],
                               "q05": [3.5, 1.0], "q95": [5.0, 3.25]})
    d2 = Diagnosis(diag.scores, diag.nodes, units=diag.units, intervals=rank_stats)
    g = recommend(d2, unit="C", top=2)
    assert (g.profile["rank_lo"], g.profile["rank_hi"]) == (3.5, 5.0)
    md = g.to_markdown("zh")
    assert "| 排名 | 3/5（区间 3.5–5） |" in md        # the interval of the uncertainty analysis, as given
    assert "| Rank | 2/5 (interval 1–3.2) |" in recommend(d2, unit="D", top=2).to_markdown("en")


def test_unit_without_scores_in_the_year_gets_an_explained_empty_guide():
    diag = _twin_diag()
    s = diag.scores.copy()
    cols = [c for c in s.columns if c not in ("unit", "year")]
    s.loc[(s["unit"] == "E") & (s["year"] == 2022), cols] = np.nan
    g = recommend(Diagnosis(s, diag.nodes, units=diag.units), unit="E", top=5)
    assert g.recommendations.empty
    assert {r for r in g.excluded["reason"] if not r.startswith("applies only to units with the place context")} <= {
        "no score of this unit on the linked nodes", "level firm does not include region",
        "level industry/firm does not include region", "level firm/industry does not include region",
        "no linked node with data in this framework"}
    md = g.to_markdown("en")
    assert "| Rank | NA |" in md and "(No eligible paths.)" in md


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0.01, 1000, allow_nan=False, allow_infinity=False), st.floats(-5, 5, allow_nan=False, allow_infinity=False))
def test_ranking_is_invariant_to_the_score_scale(scale, shift):
    """Every component is a ratio of score differences, so 0–1 or 0–100 scores give the same ranking."""
    diag = _twin_diag()
    s = diag.scores.copy()
    cols = [c for c in s.columns if c not in ("unit", "year")]
    s[cols] = s[cols] * scale + shift
    other = Diagnosis(s, diag.nodes, units=diag.units)
    a = recommend_all(diag, top=None).table
    b = recommend_all(other, top=None).table
    assert a["path"].tolist() == b["path"].tolist()
    assert np.allclose(a["priority"], b["priority"], rtol=1e-9, atol=1e-12)
