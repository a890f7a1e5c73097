"""Guides read as an analyst reads them: diagnosis → path, place context, quality-screened peers, one evidence
row per path, cautions once, references, limits (constructed profiles for the logic, the demo for coverage)."""
from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest

from nqpf.paths import Diagnosis, load_catalogue, recommend, recommend_all
from nqpf.paths.context import load_context

UNITS = ["110000", "230000", "220000", "520000", "510000", "440000"]   # 北京 黑龙江 吉林 贵州 四川 广东


def _nodes() -> pd.DataFrame:
    rows = [{"id": "NQPF", "kind": "aggregate", "parent": "", "name_zh": "新质生产力", "name_en": "NQPF"}]
    spec = {"labourers": ("新型劳动者", "劳动者", [("rd_personnel", "每万人R&D人员全时当量", "none", "基础:科技创新")]),
            "means": ("新型劳动资料", "劳动资料", [("fibre", "每平方公里光缆线路长度", "算力", "数字产业化"),
                                                    ("patents", "每万人有效发明专利拥有量", "none", "基础:科技创新")]),
            "objects": ("新型劳动对象", "劳动对象", [("hightech", "高技术产业营业收入占GDP比重", "none", "数实融合"),
                                                      ("ecommerce", "有电子商务交易活动的企业比重", "数据", "产业数字化")]),
            "combo": ("要素优化组合", "优化组合", [("gdp_pc", "人均地区生产总值", "none", "基础:实体经济")])}
    for eid, (name, el, inds) in spec.items():
        rows.append({"id": eid, "kind": "aggregate", "parent": "NQPF", "name_zh": name, "name_en": eid, "element": el})
        for iid, iname, dr, ty in inds:
            rows.append({"id": iid, "kind": "indicator", "parent": eid, "name_zh": iname, "name_en": iid, "element": el,
                         "driver": dr, "type": ty})
    return pd.DataFrame(rows).fillna("")


def _scores(overrides: dict[str, dict[str, float]] | None = None) -> pd.DataFrame:
    base = {"rd_personnel": 0.6, "fibre": 0.6, "patents": 0.6, "hightech": 0.6, "ecommerce": 0.6, "gdp_pc": 0.6}
    rows = []
    for k, u in enumerate(UNITS):
        r = {x: v + 0.05 * k for x, v in base.items()}
        r.update((overrides or {}).get(u, {}))
        rows.append({"unit": u, "year": 2022, **r})
    df = pd.DataFrame(rows)
    df["labourers"] = df["rd_personnel"]
    df["means"] = df[["fibre", "patents"]].mean(axis=1)
    df["objects"] = df[["hightech", "ecommerce"]].mean(axis=1)
    df["combo"] = df["gdp_pc"]
    df["NQPF"] = df[["labourers", "means", "objects", "combo"]].mean(axis=1)
    return df


def _units() -> pd.DataFrame:
    names = {"110000": "北京", "230000": "黑龙江", "220000": "吉林", "520000": "贵州", "510000": "四川", "440000": "广东"}
    reg = {"110000": "east", "230000": "northeast", "220000": "northeast", "520000": "west", "510000": "west", "440000": "east"}
    return pd.DataFrame({"unit": UNITS, "unit_name": [names[u] for u in UNITS], "region4": [reg[u] for u in UNITS]})


def test_weakest_node_gets_the_path_named_for_it():
    # 贵州 is weakest by far on R&D personnel: the talent path that answers it comes first and says so
    d = Diagnosis(_scores({"520000": {"rd_personnel": 0.0}}), _nodes(), units=_units())
    g = recommend(d, unit="贵州", top=6)
    first = g.recommendations.iloc[0]
    assert first["key_node"] == "rd_personnel"
    assert first["path"] in {"rd_talent_base", "talent_attraction_incentives"}
    # with obstacle degrees, the top obstacle is listed as answered by that path
    from nqpf.analysis.obstacle import obstacle_degree

    z = d.scores[["unit", "year", "rd_personnel", "fibre", "patents", "hightech", "ecommerce", "gdp_pc"]]
    ob = obstacle_degree(z, {x: 1 / 6 for x in z.columns[2:]})
    g2 = recommend(Diagnosis(d.scores, d.nodes, units=d.units, obstacles=ob.indicators), unit="贵州", top=6)
    top = g2.diagnosis.iloc[0]
    assert top["node"] == "rd_personnel" and top["path_rank"] == 1


def test_same_context_gets_the_same_context_paths():
    # 黑龙江 and 吉林 share 东北振兴 / 粮食主产区 / 老工业基地: identical profiles → identical context paths
    same = {"230000": {x: 0.5 for x in ("rd_personnel", "fibre", "patents", "hightech", "ecommerce", "gdp_pc")},
            "220000": {x: 0.5 for x in ("rd_personnel", "fibre", "patents", "hightech", "ecommerce", "gdp_pc")}}
    d = Diagnosis(_scores(same), _nodes(), units=_units())
    a, b = recommend(d, unit="黑龙江", top=8), recommend(d, unit="吉林", top=8)
    ctx_a = {p for p, c in zip(a.recommendations["path"], a.recommendations["context"]) if c}
    ctx_b = {p for p, c in zip(b.recommendations["path"], b.recommendations["context"]) if c}
    assert ctx_a == ctx_b and "northeast_revitalisation" in ctx_a
    assert any("东北全面振兴" in r for r in a.recommendations["reason_zh"])
    # a unit without the context never gets the context-only path
    g = recommend(d, unit="北京", top=None)
    assert "northeast_revitalisation" not in set(g.recommendations["path"])


def test_flagged_peer_is_excluded_and_flags_are_reported():
    d0 = Diagnosis(_scores({"520000": {"rd_personnel": 0.0}}), _nodes(), units=_units())
    g0 = recommend(d0, unit="贵州", top=6)
    key = g0.recommendations.iloc[0]["key_node"]
    peers0 = g0.peers[g0.peers["node"] == key]["peer"].tolist()
    assert peers0
    flagged_peer = peers0[0]
    quality = pd.DataFrame([{"unit": flagged_peer, "series": key, "years": "2020", "rule": "carry_forward",
                             "severity": "high", "action": "set_missing"}])
    d1 = Diagnosis(d0.scores, d0.nodes, units=d0.units, quality=quality)
    g1 = recommend(d1, unit="贵州", top=6)
    assert flagged_peer not in set(g1.peers[g1.peers["node"] == key]["peer"])
    # panel-wide flag on the unit's own evidence: named in the limits, in plain words
    q2 = pd.DataFrame([{"unit": "*", "series": key, "years": "2015", "rule": "series_break", "severity": "medium",
                        "action": "flag", "units": ""}])
    g2 = recommend(Diagnosis(d0.scores, d0.nodes, units=d0.units, quality=q2), unit="贵州", top=6)
    lim = " ".join(x["text_zh"] for x in g2.limits)
    assert "口径变化" in lim and "每万人R&D人员全时当量" in lim


def test_place_context_table_is_cited():
    c = load_context()
    assert (c["source"].str.len() > 0).all()
    assert set(c["scope"]) <= {"province", "part"}
    part = c[c["scope"] == "part"]
    assert part["detail_zh"].str.contains("省级简化|未设").all()
    hlj = set(c.loc[c["province"] == "黑龙江", "tag"])
    assert {"东北振兴", "粮食主产区"} <= hlj
    gz = set(c.loc[c["province"] == "贵州", "tag"])
    assert {"算力枢纽", "大数据", "西部大开发"} <= gz


# --------------------------------------------------------------------------- the demo, read side by side

@pytest.fixture(scope="module")
def demo_guides():
    from nqpf import datasets
    from nqpf.index.build import build
    from nqpf.paths import diagnose

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build(datasets.demo_config())
    return recommend_all(diagnose(res), top=8)


def test_demo_guides_read_well(demo_guides):
    rec = demo_guides
    assert len(rec.guides) == 31
    # no single first path for a third of the provinces or more
    assert rec.first_paths["units"].max() < 31 / 3, rec.first_paths[["path", "units"]]
    for u, g in rec.guides.items():
        md = g.to_markdown("zh")
        # one evidence row per path, never the same node twice
        assert g.evidence["path"].is_unique and g.evidence["node"].is_unique, u
        # cautions collected once
        assert md.count("要防止一哄而上") <= 1, u
        assert g.cautions["caution"].is_unique
        # a reference list with the five papers
        refs = re.findall(r"^\[(\d)\] ", md, re.M)
        assert refs == ["1", "2", "3", "4", "5"], u
        # no internal keys or file names in the prose
        assert not re.search(r"docs/|\.json|\.csv|nqpf\.|JSON", md), u
        # every top obstacle is answered by a path or says why not
        for it in g.diagnosis.to_dict(orient="records"):
            assert it["path"] or it["why_zh"], (u, it)
    gz = rec.guides["520000"].to_markdown("zh")
    assert "东数西算" in gz and "大数据" in gz
    hlj = rec.guides["230000"].to_markdown("zh")
    assert "东北" in hlj and ("智慧农业" in hlj or "粮食主产区" in hlj)
    # 003 quotes are printed with a simplified rendering
    assert "（简体：" in "".join(g.to_markdown("zh") for g in rec.guides.values())


def test_profile_html_and_pdf(demo_guides, tmp_path):
    from nqpf.report.profile import render_profile_html, write_profiles

    g = demo_guides.guides["520000"]
    html = render_profile_html(g, lang="zh")
    assert "@page" in html and "贵州" in html and "<svg" in html and "[5]" in html
    files = write_profiles([g], tmp_path, langs=("zh",), pdf=True)
    pdf = [f for f in files if f.suffix == ".pdf"]
    assert pdf and pdf[0].read_bytes()[:4] == b"%PDF"
    import pypdfium2 as pdfium

    assert len(pdfium.PdfDocument(str(pdf[0]))) == 1


def test_guide_files_equal_the_renderers_and_profiles_read_the_json(demo_guides):
    """guide_texts renders every guide once per language; its files equal render_markdown / render_json, and the
    profile drawn from a JSON guide read back equals the profile drawn from the guide itself."""
    import json

    from nqpf.paths.guide import guide_filename, guide_texts, render_json, render_markdown
    from nqpf.report.profile import render_profile_html

    guides = [demo_guides.guides[u] for u in ("110000", "520000", "650000")]
    texts = guide_texts(guides, langs=("zh", "en"), formats=("md", "json"))
    assert len(texts) == 12 and list(texts)[:2] == ["110000_北京_2022.zh.md", "110000_北京_2022.zh.json"]
    for g in guides:
        for lg in ("zh", "en"):
            assert texts[guide_filename(g, lang=lg, fmt="md")] == render_markdown(g, lang=lg)
            assert texts[guide_filename(g, lang=lg, fmt="json")] == render_json(g, lang=lg) + "\n"
    d = json.loads(texts["520000_贵州_2022.zh.json"])
    assert d["unit"] == "520000" and d["year"] == 2022 and len(d["recommendations"]) == 8
    assert "evidence" in d["recommendations"][0]  # the JSON guide carries the evidence rows, the Markdown one not
    assert render_profile_html(d, lang="zh") == render_profile_html(demo_guides.guides["520000"], lang="zh")


def test_split_modules_keep_their_names_importable():
    """The recommender and the city registry are split along their concerns; every name stays where it was."""
    import importlib

    from nqpf.levels import admin, admin_codes, admin_harmonise, admin_mapping, admin_results
    from nqpf.paths import evidence, scoring, targets

    rec = importlib.import_module("nqpf.paths.recommend")  # nqpf.paths.recommend the name is the function

    for name in ("frontier_gap", "group_gap", "trend_lag", "target_priority", "obstacle_share", "path_priority",
                 "DEFAULT_WEIGHTS"):
        assert getattr(rec, name) is getattr(scoring, name) and name in rec.__all__
    assert rec._rank_desc is evidence._rank_desc
    assert rec.frontier_gap(0.4, 0.9, 0.1) == pytest.approx(0.625)  # (0.9 − 0.4) / (0.9 − 0.1)
    assert targets._Target("x", "node", ("x",), "x", 3).fit == 3
    assert admin.parse_successors is admin_codes.parse_successors and admin.UnitMapping is admin_results.UnitMapping
    assert admin.AdminRegistry.resolve is admin_mapping._UnitMapper.resolve
    assert admin.AdminRegistry.harmonise is admin_harmonise._Harmoniser.harmonise
    reg = admin.admin_registry()
    assert reg.resolve("巢湖", year=2010) == "341400" and reg.lineage("371200", year=2015, to_year=2019) == ("merge", ("370100",))
