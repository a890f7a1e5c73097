"""nqpf.text.corpus: corpus runs (synthetic fixture + shared-sample oracles), resume, backends."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from _shared import fixture_path, shared_path
from nqpf import ConfigError, MethodError
from nqpf.text.corpus import count_corpus, load_text_counts
from nqpf.text.extract import extract_text
from nqpf.text.lexicons import lexicon_from_terms
from nqpf.text.normalise import normalise_text

CORPUS = fixture_path("text", "corpus")
SEMANTICS = ["overlapping", "leftmost_longest", "overlapping_neg4", "overlapping_neg6"]
GROUPS = ["artificial_intelligence", "big_data", "cloud_computing", "blockchain", "digital_technology_application"]

# hand-derived from the fixture texts (see tests/fixtures/text/PROVENANCE.md):
# 000001 full, overlapping: 人工智能 1, 机器学习 1 | 大数据 1 | 云计算 1 (broken line), 物联网 1 | 区块链 1 |
#   Fintech 1 (FinTech), 移动互联网 1, 移动互联 2 (one inside 移动互联网), B2B 2 (B2B2C + full-width Ｂ２Ｂ),
#   B2C 1 (inside B2B2C), 数字金融 1 (数字 金融)  → 14
# leftmost-longest drops the nested 移动互联 and B2C → 12; neg4 drops 尚未开展区块链 → 13;
# neg6 also drops 物联网 (无 six characters before) → 12. MD&A excludes 人工智能, Fintech, 物联网.
EXPECTED_TOTALS = {
    ("000001", "full"): [14, 12, 13, 12],
    ("000001", "mda"): [11, 9, 10, 10],
    ("000002", "full"): [3, 3, 2, 2],  # 工业互联网, 云计算, 不涉及电子商务 (script text ignored)
    ("000002", "mda"): [2, 2, 2, 2],
    ("000004", "full"): [2, 2, 2, 2],  # GB18030 file: 大数据, 人工智能
    ("000004", "mda"): [None] * 4,  # no MD&A chapter
}


@pytest.fixture(scope="module")
def synthetic():
    return count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, workers=1)


def _totals(res):
    g = res.groups
    out = {}
    for (firm, scope), grp in g.groupby(["firm", "scope"]):
        vals = grp.set_index("semantics").loc[SEMANTICS, "total"].tolist()
        out[(firm, scope)] = [None if pd.isna(v) else int(v) for v in vals]
    return out


def test_synthetic_totals(synthetic):
    assert _totals(synthetic) == EXPECTED_TOTALS


def test_synthetic_groups_terms_and_measures(synthetic):
    g = synthetic.groups.set_index(["firm", "scope", "semantics"])
    row = g.loc[("000001", "full", "overlapping")]
    assert row[GROUPS].astype(int).tolist() == [2, 1, 2, 1, 8]
    raw = (CORPUS / "000001_2019.txt").read_text(encoding="utf-8")
    n = len(normalise_text(raw))
    assert row["n_chars"] == n
    assert row["ln1p_total"] == pytest.approx(math.log(15), rel=1e-12)
    assert row["per10k_total"] == pytest.approx(14 / n * 1e4, rel=1e-12)
    t = synthetic.terms
    sel = t[(t.firm == "000001") & (t.scope == "full")]
    over = dict(zip(sel[sel.semantics == "overlapping"].term, sel[sel.semantics == "overlapping"]["count"]))
    assert over["移动互联"] == 2 and over["B2B"] == 2 and over["B2C"] == 1 and over["Fintech"] == 1
    ll = dict(zip(sel[sel.semantics == "leftmost_longest"].term, sel[sel.semantics == "leftmost_longest"]["count"]))
    assert ll["移动互联"] == 1 and "B2C" not in ll
    # long panel usable as indicators: unit, year, indicator, value
    p = synthetic.panel
    assert list(p.columns[:4]) == ["unit", "year", "indicator", "value"]
    assert not p.duplicated(["unit", "year", "indicator"]).any()
    v = p.set_index(["unit", "year", "indicator"])["value"]
    assert v[("000001", 2019, "wu2021_full_overlapping_total_ln1p")] == pytest.approx(math.log(15))
    assert v[("000001", 2019, "wu2021_mda_leftmost_longest_digital_technology_application_count")] == 5  # 移动互联网, 移动互联, B2B ×2, 数字金融
    assert np.isnan(v[("000004", 2018, "wu2021_mda_overlapping_total_count")])
    w = synthetic.wide(scope="full", semantics="leftmost_longest")
    assert w.columns.tolist() == ["unit", "year", *GROUPS, "total"]
    assert w["total"].tolist() == [12.0, 3.0, 2.0]


def test_synthetic_document_log(synthetic):
    d = synthetic.documents.set_index("doc_id")
    assert d.loc["000003_示例_2020年年度报告摘要.txt", "status"] == "skipped"
    assert d.loc["README.txt", "status"] == "skipped"
    assert d.loc["README.txt", "warnings"] == "file name does not give firm code and year"
    assert d.loc["000004_2018.txt", "warnings"] == "MD&A not found"
    assert d.loc["000004_2018.txt", "extractor"] == "txt:gb18030"
    assert d.loc["000002_示例科技_2020年年度报告.html", "extractor"] == "html.parser"
    assert d.loc["000001_2019.txt", "mda_heading"] == "经营情况讨论与分析"
    raw = (CORPUS / "000001_2019.txt").read_text(encoding="utf-8")
    start, end = d.loc["000001_2019.txt", ["mda_start", "mda_end"]]
    assert raw[start:end].startswith("第三节 经营情况讨论与分析\n一、概述")
    assert raw[end:].startswith("第四节 重要事项\n无重大诉讼")
    assert "MD&A not found in 1 documents" in " ".join(synthetic.notes)
    summary = synthetic.summary()
    assert ("documents counted", 3) in summary.rows and ("MD&A found", "2 of 3") in summary.rows
    assert ("total matches (full, overlapping)", 19) in summary.rows  # 14 + 3 + 2


def test_raw_text_without_normalisation():
    res = count_corpus(CORPUS / "000001_2019.txt", semantics="overlapping", nfkc=False, lower=False,
                       remove_whitespace=False, workers=1)
    # FinTech ≠ Fintech, Ｂ２Ｂ is full width, 云计\n算 and 数字 金融 are broken → 10 of 14
    assert res.groups["total"].tolist() == [10]


def test_table_inputs_equal_folder(tmp_path, synthetic):
    rows = []
    for name, firm, year in [("000001_2019.txt", "000001", 2019), ("000002_示例科技_2020年年度报告.html", "000002", 2020),
                             ("000004_2018.txt", "000004", 2018)]:
        rows.append({"firm_code": firm, "year": year, "text": extract_text(CORPUS / name).text})
    df = pd.DataFrame(rows)
    with (tmp_path / "c.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    df.rename(columns={"firm_code": "stkcd", "text": "content"}).to_parquet(tmp_path / "c.parquet")
    cols = ["firm", "year", "scope", "semantics", *GROUPS, "total", "n_chars"]
    expected = synthetic.groups[cols].reset_index(drop=True)
    for corpus, kw in [(df, {}), (tmp_path / "c.jsonl", {}),
                       (tmp_path / "c.parquet", {"fields": {"firm": "stkcd", "text": "content"}})]:
        res = count_corpus(corpus, section=["full", "mda"], semantics=SEMANTICS, workers=1, **kw)
        pd.testing.assert_frame_equal(res.groups[cols].reset_index(drop=True), expected, check_dtype=False)


def test_parallel_processes_equal_serial(synthetic):
    res = count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, workers=2)
    pd.testing.assert_frame_equal(res.groups, synthetic.groups)
    pd.testing.assert_frame_equal(res.panel, synthetic.panel)


def test_dask_local_cluster_equals_serial(synthetic):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        res = count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, scheduler=cluster.scheduler_address)
    assert res.params["backend"].startswith("dask ")
    pd.testing.assert_frame_equal(res.groups, synthetic.groups)


def test_resume_after_interruption(tmp_path, synthetic):
    out = tmp_path / "run"
    seen = []

    def stop_after_two(docs, nbytes, total):
        seen.append(docs)
        if docs == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, out=out, workers=1, progress=stop_after_two)
    lines = (out / "documents.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2 and not (out / "panel.csv").exists()
    # simulate a kill during a write: a torn last line
    with (out / "documents.jsonl").open("a", encoding="utf-8") as fh:
        fh.write('{"doc_id": "000004_2018.txt", "status": "o')
    done_before = {json.loads(x)["doc_id"] for x in lines if json.loads(x)["status"] == "ok"}
    res = count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, out=out, workers=1)
    assert res.params["documents_resumed"] == len(done_before) >= 1
    assert res.params["documents_this_run"] == 5 - len(done_before)
    pd.testing.assert_frame_equal(res.groups, synthetic.groups)
    for line in (out / "documents.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line)  # the torn line is gone
    # a third run recounts nothing that was completed
    again = count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, out=out, workers=1)
    assert again.params["documents_resumed"] == 3
    pd.testing.assert_frame_equal(again.groups, synthetic.groups)
    # the folder can be read back, tables were written
    back = load_text_counts(out)
    pd.testing.assert_frame_equal(back.groups, synthetic.groups)
    assert pd.read_csv(out / "panel.csv", dtype={"unit": str}).shape == synthetic.panel.shape
    # a restart (resume=False) recounts everything
    fresh = count_corpus(CORPUS, section=["full", "mda"], semantics=SEMANTICS, out=out, workers=1, resume=False)
    assert fresh.params["documents_resumed"] == 0 and fresh.params["documents_this_run"] == 5


def test_resume_with_other_settings_is_refused(tmp_path):
    out = tmp_path / "run"
    count_corpus(CORPUS, semantics="overlapping", out=out, workers=1)
    with pytest.raises(ConfigError) as exc:
        count_corpus(CORPUS, semantics="leftmost_longest", out=out, workers=1)
    assert str(exc.value) == (
        f"{out}: this folder holds a run with different settings (semantics); got {{'semantics': ['leftmost_longest']}}. "
        f"Use a new --out folder, the same settings, or resume=False to start over.")


def test_duplicate_firm_years_keep_longest():
    df = pd.DataFrame({"firm": ["000001", "000001"], "year": [2019, 2019], "text": ["云计算", "云计算与大数据，更长的更正版"]})
    res = count_corpus(df, semantics="overlapping", workers=1)
    assert res.documents["used_in_panel"].tolist() == [False, True]
    assert res.wide()["total"].tolist() == [2.0]
    assert "1 firm-years have several documents (000001/2019)" in res.notes[0]


def test_partial_lexicon_and_option_errors():
    df = pd.DataFrame({"firm": ["000001"], "year": [2019], "text": ["人工智能与知识图谱"]})
    with pytest.raises(MethodError, match="lexicon 'yao2024_partial' is partial"):
        count_corpus(df, lexicon="yao2024_partial", workers=1)
    res = count_corpus(df, lexicon="yao2024_partial", allow_partial=True, workers=1)
    assert res.groups["total"].tolist() == [2] and "PARTIAL" in res.notes[0]
    with pytest.raises(ConfigError) as exc:
        count_corpus(df, section="md&a", workers=1)
    assert str(exc.value) == ("The 'section' parameter of count_corpus must be 'full', 'mda' or both; got 'md&a'. "
                              "Use section='mda' for the MD&A chapter only.")
    with pytest.raises(ValueError) as exc2:
        count_corpus(df, workers=0)
    assert str(exc2.value) == "The 'workers' parameter of count_corpus must be None or an int in the range [1, inf); got 0."


def test_user_lexicon_with_shared_term_in_two_groups():
    lex = lexicon_from_terms({"a": ["云计算", "大数据"], "b": ["云计算"]}, name="mine")
    df = pd.DataFrame({"firm": ["1"], "year": [2020], "text": ["云计算云计算大数据"]})
    res = count_corpus(df, lexicon=lex, semantics="overlapping", workers=1)
    row = res.groups.iloc[0]
    assert (row["firm"], row["a"], row["b"], row["total"]) == ("000001", 3, 2, 3)  # total counts each term once


# ----------------------------------------------------------------------------- shared-sample oracles


@pytest.fixture(scope="module")
def sample_counts():
    path = shared_path("data", "annual-reports-sample", "annual_reports.jsonl")
    return count_corpus(path, section=["full", "mda"], semantics=["overlapping", "leftmost_longest", "overlapping_neg4"],
                        workers=1)


@pytest.mark.shared
def test_reference_counts_every_document_scope_semantics(sample_counts):
    ref = pd.read_csv(fixture_path("text", "wu2021_counts_reference.csv"), dtype={"firm_code": str})
    got = sample_counts.groups.rename(columns={"firm": "firm_code"})
    m = ref.merge(got, on=["firm_code", "year", "scope", "semantics"], suffixes=("_ref", ""), how="left",
                  validate="one_to_one")
    assert len(m) == 132
    for c in [*GROUPS, "total"]:
        assert (m[c] == m[f"{c}_ref"]).all(), c
    np.testing.assert_allclose(m["ln1p_total"], m["ln1p_total_ref"], rtol=0, atol=5e-7)
    tot = got[got.scope == "full"].groupby("semantics")["total"].sum().to_dict()
    assert tot == {"overlapping": 419, "leftmost_longest": 406, "overlapping_neg4": 418}
    assert got[(got.scope == "mda") & (got.semantics == "overlapping")]["total"].sum() == 318


@pytest.mark.shared
def test_reference_term_counts(sample_counts):
    ref = pd.read_csv(fixture_path("text", "wu2021_term_counts_reference.csv"), dtype={"firm_code": str})
    t = sample_counts.terms
    got = t[(t.scope == "full") & (t.semantics == "overlapping")]
    got = got.rename(columns={"firm": "firm_code", "term_normalised": "term_normalized", "count": "count_full_overlapping"})
    cols = ["firm_code", "year", "term_normalized", "group", "count_full_overlapping"]
    a = ref[cols].sort_values(cols[:3]).reset_index(drop=True)
    b = got[cols].sort_values(cols[:3]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


@pytest.mark.shared
def test_published_jieba_counts():
    path = shared_path("data", "annual-reports-sample", "annual_reports.jsonl")
    pub = pd.read_csv(fixture_path("text", "keyword_counts_published.csv"), dtype={"firm_code": str})
    pub = pub[pub["same_text_as_jsonl"]]
    docs = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d["firm_code"] == "000001" and d["year"] in (2006, 2018):
                docs.append({"firm": d["firm_code"], "year": d["year"], "text": d["text"]})
    lex = lexicon_from_terms(list(dict.fromkeys(pub["term"])), name="published")
    # jieba.cut(text) on the text as published: no normalisation, default dictionary
    res = count_corpus(pd.DataFrame(docs), lexicon=lex, semantics="jieba", nfkc=False, lower=False,
                       remove_whitespace=False, workers=1)
    counts = res.terms.set_index(["year", "term"])["count"].to_dict()
    for r in pub.itertuples():
        assert counts.get((r.year, r.term), 0) == r.count, (r.year, r.term)
    assert len(pub) == 16


def test_pdf_report_in_a_folder(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4, 3))
    fig.text(0.05, 0.8, "FinTech, B2B and O2O")
    fig.savefig(tmp_path / "600000_浦发银行_2021年年度报告.pdf")
    plt.close(fig)
    res = count_corpus(tmp_path, semantics="overlapping", workers=1)
    doc = res.documents.iloc[0]
    assert (doc["firm"], doc["year"], doc["status"]) == ("600000", 2021, "ok")
    assert doc["extractor"].startswith("pypdfium2 ")
    assert res.groups["digital_technology_application"].tolist() == [3]  # fintech, b2b, o2o


def test_panel_feeds_the_index_engine():
    import warnings

    import nqpf

    df = pd.DataFrame({"firm": ["000001", "000002", "000003"] * 2, "year": [2019] * 3 + [2020] * 3,
                       "text": ["云计算与大数据", "人工智能、机器学习与区块链", "无", "云计算", "大数据与物联网、数字金融", "移动互联网"]})
    res = count_corpus(df, semantics="leftmost_longest", workers=1)
    text_id = "wu2021_full_leftmost_longest_total_ln1p"
    finance = pd.DataFrame({"unit": ["000001", "000002", "000003"] * 2, "year": [2019] * 3 + [2020] * 3,
                            "indicator": "rd_intensity", "value": [1.0, 3.0, 2.0, 1.5, 3.5, 2.5]})
    framework = {
        "framework": {"id": "firm_nqpf", "name_zh": "企业新质生产力", "name_en": "Firm NQPF", "unit_level": "firm"},
        "node": [{"id": "NQPF", "name_zh": "新质生产力", "name_en": "NQPF", "parent": ""}],
        "indicator": [
            {"id": text_id, "name_zh": "数字化转型词频", "name_en": "DT keywords", "parent": "NQPF", "direction": 1},
            {"id": "rd_intensity", "name_zh": "研发强度", "name_en": "R&D intensity", "parent": "NQPF", "direction": 1},
        ],
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        built = nqpf.build({"data": {}}, data=pd.concat([res.panel[["unit", "year", "indicator", "value"]], finance]),
                           framework=framework)
    raw = built.raw[built.raw["indicator"] == text_id].set_index(["unit", "year"])["value"]
    assert raw[("000002", 2019)] == pytest.approx(math.log(4))  # 人工智能, 机器学习, 区块链
    assert raw[("000003", 2019)] == 0.0
    top = built.scores[(built.scores["node"] == "NQPF") & (built.scores["rank"] == 1)]
    assert top["unit"].tolist() == ["000002", "000002"]


def test_failed_documents_are_logged_and_retried(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "000001_2019.txt").write_text("第四节 经营情况讨论与分析\n云计算\n", encoding="utf-8")
    (corpus / "000002_2019.pdf").write_bytes(b"not a pdf")
    out = tmp_path / "out"
    res = count_corpus(corpus, out=out, workers=1)
    d = res.documents.set_index("doc_id")
    assert d.loc["000002_2019.pdf", "status"] == "error"
    assert d.loc["000002_2019.pdf", "warnings"].startswith("DataError: ")
    assert "1 documents failed" in " ".join(res.notes)
    assert res.groups["firm"].tolist() == ["000001"]
    again = count_corpus(corpus, out=out, workers=1)
    assert (again.params["documents_resumed"], again.params["documents_this_run"]) == (1, 1)  # the failed one is retried
    empty = tmp_path / "empty"
    empty.mkdir()
    assert count_corpus(empty, workers=1).notes[0].startswith("no documents found in the corpus")


@pytest.mark.parametrize("text, expected", [
    ("正常的年报文本\n第二行\t表格\r\n", False),
    ("a\x00b", True),
    ("\x01\x02\x03" + "字" * 57, False),     # 3 of 60 control characters: 5 %, not more
    ("\x01\x02\x03" + "字" * 56, True),      # 3 of 59: above 5 %
    ("\x01\x02\x03" + "字" * 57 + "\ufffd", True),
    ("\ufffd" * 5 + "字" * 95, False),       # exactly 5 %
    ("", False),
])
def test_binary_detection_matches_its_definition(text, expected):
    from nqpf.text.corpus import _looks_binary

    sample = text[:65536]
    reference = "\x00" in sample or (len(sample) > 0 and sum(
        1 for ch in sample if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f\v")) / len(sample) > 0.05)
    assert reference is expected
    assert _looks_binary(text) is expected
