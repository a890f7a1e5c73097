"""``nqpf text`` commands, in-process with typer's CliRunner."""
from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from _shared import fixture_path
from nqpf.cli import app

runner = CliRunner()
CORPUS = str(fixture_path("text", "corpus"))


def test_count_writes_panel_and_resumes(tmp_path):
    out = tmp_path / "counts"
    args = ["text", "count", CORPUS, "--lexicon", "wu2021", "--section", "mda", "--semantics", "leftmost_longest",
            "--out", str(out), "--workers", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    panel = pd.read_csv(out / "panel.csv", dtype={"unit": str})
    v = panel.set_index(["unit", "year", "indicator"])["value"]
    assert v[("000001", 2019, "wu2021_mda_leftmost_longest_total_count")] == 9
    assert v[("000002", 2020, "wu2021_mda_leftmost_longest_total_count")] == 2
    docs = pd.read_csv(out / "documents.csv", dtype={"firm": str})
    assert docs.set_index("doc_id").loc["000004_2018.txt", "warnings"] == "MD&A not found"
    again = runner.invoke(app, args + ["--quiet"])
    assert again.exit_code == 0 and again.output == ""
    assert len((out / "documents.jsonl").read_text(encoding="utf-8").splitlines()) == 5  # nothing recounted or re-logged


def test_count_several_semantics_and_negation(tmp_path):
    out = tmp_path / "c"
    res = runner.invoke(app, ["text", "count", CORPUS, "-s", "full", "-s", "mda", "-m", "overlapping",
                              "-m", "overlapping_neg4", "-o", str(out), "-j", "1", "-q"])
    assert res.exit_code == 0, res.output
    g = pd.read_csv(out / "groups.csv", dtype={"firm": str})
    got = g[(g.firm == "000001")].set_index(["scope", "semantics"])["total"].to_dict()
    assert got == {("full", "overlapping"): 14, ("full", "overlapping_neg4"): 13,
                   ("mda", "overlapping"): 11, ("mda", "overlapping_neg4"): 10}


def test_errors_are_one_line(tmp_path):
    res = runner.invoke(app, ["text", "count", CORPUS, "--lexicon", "yao2024_partial", "-o", str(tmp_path / "x"), "-q"])
    assert res.exit_code == 1
    assert res.output.startswith("Error: count_corpus: lexicon 'yao2024_partial' is partial")
    res = runner.invoke(app, ["text", "count", CORPUS, "-m", "longest", "-o", str(tmp_path / "y"), "-q"])
    assert res.exit_code == 1
    assert res.output == (
        "Error: The 'semantics' parameter must be one of 'overlapping', 'leftmost_longest', 'jieba', "
        "'jieba_userdict', optionally with a negation suffix '_neg<k>'; got 'longest'. "
        "Use e.g. 'leftmost_longest' or 'overlapping_neg4'.\n")
    res = runner.invoke(app, ["text", "count", CORPUS, "--field", "firm", "-o", str(tmp_path / "z"), "-q"])
    assert res.exit_code == 1
    assert res.output == ("Error: --field must look like ROLE=NAME (ROLE is firm, year or text); got 'firm'. "
                          "Write e.g. --field firm=stkcd.\n")


def test_lexicon_command(tmp_path):
    res = runner.invoke(app, ["text", "lexicon", "wu2021"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert lines[0] == "wu2021: 76 terms in 5 groups"
    assert lines[3].startswith("big_data (9): 大数据 数据挖掘")
    res = runner.invoke(app, ["text", "lexicon", "yao2024_partial", "--out", str(tmp_path / "y.csv")])
    assert res.exit_code == 0
    assert pd.read_csv(tmp_path / "y.csv").shape == (10, 2)


def test_help_mentions_chinese_terms():
    res = runner.invoke(app, ["text", "count", "--help"])
    assert res.exit_code == 0
    assert "管理层讨论与分析" in res.output and "--scheduler" in res.output
