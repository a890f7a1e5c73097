"""Path catalogue: bundled content, seed citations verified against the texts, validation messages."""
from __future__ import annotations

import copy
import sys

import pandas as pd
import pytest

from _shared import shared_path
from nqpf import ConfigError
from nqpf.paths import check_citations, load_catalogue
from nqpf.paths.catalogue import BUILTIN_CATALOGUE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEEDS = ("000_96b5c49107c61f6f.txt", "001_ee063bae6db04d62.txt", "002_c4ec37985887901a.txt",
         "003_b2e8848fa4dffbbf.txt", "004_d4bd464de3bc99a6.txt")


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def _minimal_path(**over):
    p = {"id": "p1", "title_zh": "路径", "title_en": "Path", "summary_zh": "摘要", "summary_en": "Summary",
         "role": "catch_up", "level": ["region"], "type": "数实融合", "links": {"elements": ["劳动者"]},
         "citations": [{"file": "a.txt", "section": "§1", "quote": "因地制宜"}]}
    p.update(over)
    return p


def _doc(*paths, **extra):
    d = {"catalogue": {"id": "t"}, "source": [{"file": "a.txt"}], "path": list(paths)}
    d.update(extra)
    return d


# --------------------------------------------------------------------------- bundled content

def test_bundled_catalogue_size_and_fields(cat):
    assert 20 <= len(cat.paths) <= 60
    ids = [p.id for p in cat.paths]
    assert len(ids) == len(set(ids))
    for p in cat.paths:
        assert p.title_zh and p.title_en and p.summary_zh and p.summary_en, p.id
        assert p.citations, p.id
        assert p.type in ("数字产业化", "产业数字化", "数实融合"), p.id
        assert set(p.level) <= {"firm", "industry", "region"} and p.level, p.id
        assert not p.links.is_empty(), p.id


def test_bundled_catalogue_cites_all_five_papers_within_quote_length(cat):
    cits = cat.citations()
    assert set(cits["file"]) == set(SEEDS)
    assert (cits["quote"].str.len() <= 40).all(), cits.loc[cits["quote"].str.len() > 40, "quote"].tolist()
    assert {s.file for s in cat.sources} == set(SEEDS)


def test_bundled_catalogue_has_frontier_paths_and_the_papers_cautions(cat):
    roles = {p.id: p.role for p in cat.paths}
    assert roles["original_innovation"] == "frontier"
    assert roles["future_industries"] == "frontier"
    assert sum(r == "catch_up" for r in roles.values()) >= 20
    quotes = " ".join(cat.citations().query("owner_kind == 'caution'")["quote"])
    for phrase in ("先立后破", "放弃传统产业", "一哄而上", "泡沫", "东数西算"):
        assert phrase in quotes, phrase
    west = cat.caution_by_id["east_data_west_compute"]
    assert west.when == "group" and "西部" in west.groups
    # the compute path carries the western-region caution
    assert "east_data_west_compute" in cat.path_by_id["compute_infrastructure"].cautions


def test_bundled_catalogue_uses_no_framework_ids_and_keywords_find_nodes(cat):
    """The bundled catalogue links by keywords and tags, never by node ids of one framework."""
    from nqpf.framework.io import builtin_frameworks, load_framework
    from nqpf.paths import Diagnosis

    assert all(not p.links.nodes for p in cat.paths)
    fw = load_framework(builtin_frameworks()["nqpf_province"])
    nodes = fw.to_frame()
    ind = nodes.loc[nodes["kind"] == "indicator", "id"].tolist()
    scores = pd.DataFrame({"unit": ["A", "B"], "year": 2022, **{i: [0.1, 0.9] for i in ind}})
    d = Diagnosis(scores, nodes)
    # the talent path answering an R&D-workforce obstacle finds the R&D personnel indicator by name
    hits = {n for w in cat.path_by_id["rd_talent_base"].links.keywords for n in d.keyword_nodes(w)}
    assert any("R&D人员" in d.label(n) for n in hits)
    # "SCI" must not match "Science" in English names
    assert all("SCI" in d.label(n) for n in d.keyword_nodes("SCI"))


def test_place_paths_and_simplified_renderings(cat):
    byid = cat.path_by_id
    for pid, tag in (("smart_agriculture_grain", "粮食主产区"), ("northeast_revitalisation", "东北振兴"),
                     ("national_compute_hub", "算力枢纽"), ("county_economy", "西部大开发")):
        assert byid[pid].context_only and tag in byid[pid].contexts, pid
    cits = cat.citations()
    trad = cits[cits["file"] == SEEDS[3]]
    assert len(trad) and (trad["simplified"].str.len() == trad["quote"].str.len()).all()
    assert (trad["simplified"] != trad["quote"]).all()
    # every source has a bibliographic entry taken from the text itself
    assert all(s.reference for s in cat.sources)
    assert "重庆大学学报" in cat.source_by_file[SEEDS[1]].reference and "2024(4): 144-156" in cat.source_by_file[SEEDS[1]].reference


def test_every_seed_quote_occurs_verbatim_in_the_named_file(cat):
    seeds = shared_path("seeds")
    res = check_citations(cat, seeds)
    bad = res[~res["found"]]
    assert bad.empty, bad[["owner", "file", "quote", "problem"]].to_string()
    assert len(res) >= 60


def test_check_citations_reports_missing_quote_and_missing_file(tmp_path):
    (tmp_path / "a.txt").write_text("发展新质生产力要因地制宜", encoding="utf-8")
    doc = _doc(_minimal_path(citations=[{"file": "a.txt", "section": "§1", "quote": "因地制宜"},
                                        {"file": "a.txt", "section": "§2", "quote": "一哄而上"},
                                        {"file": "b.txt", "section": "§3", "quote": "先立后破"}]),
               source=[{"file": "a.txt"}, {"file": "b.txt"}])
    res = check_citations(load_catalogue(doc), tmp_path)
    assert res["found"].tolist() == [True, False, False]
    assert res["problem"].tolist() == ["", "quote does not occur verbatim in the file", f"file 'b.txt' not found in {tmp_path.name}"]


# --------------------------------------------------------------------------- user catalogues

def test_user_file_extends_builtin_with_own_path_and_links(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(
        '[catalogue]\nid = "mine"\nextends = "builtin"\n\n'
        '[[source]]\nfile = "my_report.txt"\n\n'
        '[[path]]\nid = "my_path"\ntitle_zh = "本地路径"\ntitle_en = "Local path"\nsummary_zh = "摘要"\nsummary_en = "Summary"\n'
        'role = "catch_up"\nlevel = ["region"]\ntype = "数实融合"\nlinks = { nodes = ["my_node"] }\n'
        'citations = [ { file = "my_report.txt", section = "§2", quote = "本地做法" } ]\n\n'
        '[[link]]\npath = "compute_infrastructure"\nnodes = ["data_centre_racks"]\n',
        encoding="utf-8")
    cat = load_catalogue(f)
    base = load_catalogue()
    assert len(cat.paths) == len(base.paths) + 1
    assert cat.path_by_id["my_path"].links.nodes == ("my_node",)
    assert cat.path_by_id["compute_infrastructure"].links.nodes[-1] == "data_centre_racks"
    assert cat.path_by_id["compute_infrastructure"].links.drivers == base.path_by_id["compute_infrastructure"].links.drivers
    assert cat.origin == "paths.toml (bundled) + mine.toml"


def test_user_path_with_a_bundled_id_replaces_it():
    doc = _doc(_minimal_path(id="future_industries", role="catch_up"), catalogue={"id": "x", "extends": "builtin"})
    cat = load_catalogue(doc)
    assert cat.path_by_id["future_industries"].role == "catch_up"
    assert [p.id for p in cat.paths].count("future_industries") == 1


def test_bundled_file_round_trips_through_the_loader():
    data = tomllib.loads(BUILTIN_CATALOGUE.read_text(encoding="utf-8"))
    cat = load_catalogue(copy.deepcopy(data))
    assert [p.id for p in cat.paths] == [p["id"] for p in data["path"]]


@pytest.mark.parametrize("path_over, message", [
    ({"role": "leader"},
     "catalogue dict, [[path]] #1 'p1', field 'role': must be one of 'catch_up', 'frontier'; got 'leader'. Use one of the allowed values."),
    ({"type": "科技创新"},
     "catalogue dict, [[path]] #1 'p1', field 'type': must be one of '数字产业化', '产业数字化', '数实融合'; got '科技创新'. "
     "Use one of the allowed values."),
    ({"level": ["nation"]},
     "catalogue dict, [[path]] #1 'p1', field 'level': must be one of 'firm', 'industry', 'region'; got 'nation'. Use one of the allowed values."),
    ({"citations": []},
     "catalogue dict, [[path]] #1 'p1', field 'citations': needs at least one seed citation; got []. "
     "Add citations = [ { file = \"004_….txt\", section = \"§4.1\", quote = \"…\" } ]."),
    ({"links": {}},
     "catalogue dict, [[path]] #1 'p1', field 'links': must link the path to at least one node, element, driver or type; got {}. "
     "Add links = { elements = [\"劳动者\"] } or node ids of your framework."),
    ({"links": {"node": ["x"]}},
     "catalogue dict, [[path]] #1 'p1', field 'links': has unknown fields; got ['node']. Allowed fields: nodes, elements, drivers, types, keywords."),
    ({"cautions": ["nope"]},
     "catalogue dict, [[path]] 'p1', field 'cautions': names unknown cautions; got ['nope']. Use ids of [[caution]] tables: (none declared)."),
    ({"title": "x"},
     "catalogue dict, [[path]] #1: has unknown fields; got ['title']. Allowed fields: id, title_zh, title_en, summary_zh, summary_en, "
     "role, level, type, links, cautions, citations, contexts, context_only, context_note_zh, context_note_en."),
    ({"title_en": ""},
     "catalogue dict, [[path]] #1 'p1', field 'title_en': is required and must not be empty; got ''. Add title_en = \"…\"."),
])
def test_invalid_path_entries_raise_clear_errors(path_over, message):
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(**path_over)))
    assert str(exc.value) == message


def test_quote_too_long_and_undeclared_source_are_rejected():
    long = "新" * 61
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(citations=[{"file": "a.txt", "section": "§1", "quote": long}])))
    assert str(exc.value) == ("catalogue dict, [[path]] #1 'p1', citation 1, field 'quote': must be at most 60 characters "
                              "(a locating quote, not a passage); got '61 characters'. Shorten the quote to a distinctive verbatim phrase.")
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(citations=[{"file": "z.txt", "section": "§1", "quote": "因地制宜"}])))
    assert str(exc.value) == ("catalogue dict, [[path]] 'p1', citations: cite files not declared as [[source]]; got ['z.txt']. "
                              "Add a [[source]] table for the file or correct the file name.")


def test_duplicate_ids_unknown_link_target_and_group_caution_without_groups():
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(), _minimal_path()))
    assert str(exc.value) == "catalogue dict: duplicate [[path]] ids; got ['p1']. Give every entry a unique id (file)."
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(), link=[{"path": "p2", "nodes": ["x"]}]))
    assert str(exc.value) == "catalogue dict, [[link]] #1, field 'path': names an unknown path; got 'p2'. Use one of: p1."
    caution = {"id": "c", "when": "group", "text_zh": "注意", "text_en": "Note",
               "citations": [{"file": "a.txt", "section": "§1", "quote": "因地制宜"}]}
    with pytest.raises(ConfigError) as exc:
        load_catalogue(_doc(_minimal_path(), caution=[caution]))
    assert str(exc.value) == ("catalogue dict, [[caution]] #1 'c', field 'groups': is required when when = \"group\"; got []. "
                              "Write groups = [\"西部\"].")


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_catalogue(tmp_path / "missing.toml")
    assert str(exc.value) == (f"load_catalogue: file not found; got {str(tmp_path / 'missing.toml')!r}. "
                              "Give the path of a catalogue TOML file.")
    bad = tmp_path / "bad.toml"
    bad.write_text("[catalogue\nid = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^bad.toml: is not valid TOML; got .*\. Fix the syntax at the position given\.$"):
        load_catalogue(bad)
    with pytest.raises(ConfigError) as exc:
        load_catalogue({"catalogue": {"id": "x", "extends": "other.toml"}, "path": []})
    assert str(exc.value) == ("catalogue dict, [catalogue], field 'extends': must be \"builtin\" (extend the bundled catalogue) or absent; "
                              "got 'other.toml'. Copy the other catalogue's paths into this file instead.")


def test_section_labels_follow_each_papers_numbering(cat):
    import re

    forms = {"000": r"^§([12](\.\d)?|引言)$", "001": r"^§[1-4](\.\d){0,2}$", "003": r"^§[1-3](\.\d)?$",
             "004": r"^§[1-5](\.\d)?( 第[一二三四])?$", "002": r"^[^§]+$"}
    cits = cat.citations()
    bad = [(f, s) for f, s in zip(cits["file"], cits["section"]) if not re.match(forms[f[:3]], s)]
    assert bad == []


def test_headings_named_for_the_unnumbered_paper_occur_in_it(cat):
    text = shared_path("seeds", SEEDS[2]).read_text(encoding="utf-8")
    cits = cat.citations()
    for section in set(cits.loc[cits["file"] == SEEDS[2], "section"]):
        for part in section.split("："):
            assert part in text, part
