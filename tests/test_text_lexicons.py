"""nqpf.text.lexicons: built-in dictionaries and user files."""
from __future__ import annotations

import pandas as pd
import pytest

from nqpf import ConfigError, DataError, MethodError
from nqpf.text.lexicons import Lexicon, lexicon_from_terms, load_lexicon


def test_wu2021_published_structure():
    lex = load_lexicon("wu2021")
    assert len(lex) == 76 and not lex.partial
    # 吴非 et al. (2021) Figure 1: 15 / 9 / 13 / 5 / 34 terms
    assert lex.terms.groupby("group", sort=False).size().to_dict() == {
        "artificial_intelligence": 15, "big_data": 9, "cloud_computing": 13, "blockchain": 5,
        "digital_technology_application": 34}
    assert lex.terms["term"].is_unique
    norm = lex.normalised_terms()
    assert len(norm) == 76 and norm["fintech"] == ["Fintech"] and norm["eb级存储"] == ["EB级存储"]
    # the known traps of circulating copies are absent
    assert not set(lex.terms["term"]) & {"智能数据分", "綠色计算", "020", "数学金融", "股权众筹融资"}
    assert {"自动驾驶", "自然语言处理", "混合现实", "虚拟现实", "信息物理系统"} <= set(lex.terms["term"])


def test_partial_lexicon_is_refused_unless_forced():
    lex = load_lexicon("yao2024_partial")
    assert lex.partial and len(lex) == 10
    with pytest.raises(MethodError) as exc:
        lex.require_complete(allow_partial=False, where="count_corpus")
    assert str(exc.value) == (
        "count_corpus: lexicon 'yao2024_partial' is partial (only 10 published terms are available) and cannot be "
        "used as a stand-alone measure; got lexicon='yao2024_partial'. Use 'wu2021' or a complete user lexicon, or "
        "pass allow_partial=True (--allow-partial) for tests and comparisons.")
    lex.require_complete(allow_partial=True, where="count_corpus")
    from nqpf.text.matching import count_terms

    with pytest.raises(MethodError, match=r"^count_terms: lexicon 'yao2024_partial' is partial"):
        count_terms("人工智能与知识图谱", lex)
    assert sum(count_terms("人工智能与知识图谱", lex, allow_partial=True).values()) == 2


def test_user_csv_txt_yaml(tmp_path):
    (tmp_path / "mine.csv").write_text("group,term\nai,机器学习\nai,深度学习\ncloud,云计算\n", encoding="utf-8")
    (tmp_path / "mine.txt").write_text("# ai\n机器学习\n深度学习\n\ncloud\t云计算\n", encoding="utf-8")
    (tmp_path / "mine.yaml").write_text("my_dict:\n  ai: [机器学习, 深度学习]\n  cloud: [云计算]\n", encoding="utf-8")
    expected = [("ai", "机器学习"), ("ai", "深度学习"), ("cloud", "云计算")]
    for ext in ("csv", "txt", "yaml"):
        lex = load_lexicon(tmp_path / f"mine.{ext}")
        assert list(zip(lex.terms["group"], lex.terms["term"])) == expected, ext
        assert lex.name == "mine"
    (tmp_path / "plain.csv").write_text("term\nB2B\nb2b\n", encoding="utf-8")
    plain = load_lexicon(tmp_path / "plain.csv")
    assert plain.groups == ["all"] and plain.normalised_terms() == {"b2b": ["B2B", "b2b"]}
    assert load_lexicon(tmp_path / "mine.csv", group="cloud").terms["term"].tolist() == ["云计算"]


def test_errors(tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_lexicon("wu2020")
    assert str(exc.value) == (
        "load_lexicon: no built-in lexicon or file named 'wu2020'; got 'wu2020'. "
        "Use one of 'wu2021', 'yao2024_partial' or a path to a .csv/.txt/.yaml file.")
    (tmp_path / "bad.csv").write_text("word\n云计算\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"needs a 'term' column; got columns \['word'\]"):
        load_lexicon(tmp_path / "bad.csv")
    with pytest.raises(ConfigError, match="has no group 'iot'"):
        load_lexicon("wu2021", group="iot")
    with pytest.raises(DataError, match="empty after normalisation"):
        Lexicon(name="x", terms=pd.DataFrame({"group": ["g"], "term": ["\u3000 "]})).normalised_terms()


def test_fingerprint_changes_with_terms():
    a = lexicon_from_terms({"g": ["云计算"]})
    b = lexicon_from_terms({"g": ["云计算", "大数据"]})
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == lexicon_from_terms({"g": ["云计算"]}).fingerprint()
