"""nqpf.text.matching: counting semantics on hand-checked synthetic texts and invariants."""
from __future__ import annotations

import re

import numpy as np

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import ConfigError
from nqpf.text.lexicons import lexicon_from_terms, load_lexicon
from nqpf.text.matching import Matcher, count_terms, parse_semantics
from nqpf.text.normalise import NO_NORMALISATION

NESTED = lexicon_from_terms({"mobile": ["移动互联", "移动互联网"], "b2x": ["B2B", "B2C", "B2B2C"], "cloud": ["云计算"]},
                            name="nested")


def _counts(text, semantics, lex=NESTED, **kw):
    m = Matcher(lex, **kw)
    return m.count(text, parse_semantics(semantics))


def test_nested_terms_overlapping_vs_leftmost_longest():
    text = "移动互联网与b2b2c，移动互联"
    assert _counts(text, "overlapping") == {"移动互联": 2, "移动互联网": 1, "b2b": 1, "b2c": 1, "b2b2c": 1}
    assert _counts(text, "leftmost_longest") == {"移动互联网": 1, "b2b2c": 1, "移动互联": 1}


def test_leftmost_wins_over_longer_later_match():
    lex = lexicon_from_terms(["ab", "bcd"])
    # leftmost-longest takes 'ab' at 0 and cannot take 'bcd' at 1 (regex alternation does the same)
    assert Matcher(lex).count("abcd", parse_semantics("leftmost_longest")) == {"ab": 1}
    assert Matcher(lex).count("abcd", parse_semantics("overlapping")) == {"ab": 1, "bcd": 1}


def test_negation_window():
    text = "公司尚未开展云计算业务；无重大诉讼。云计算"
    assert _counts(text, "overlapping") == {"云计算": 2}
    # 4 characters before the first 云计算 are 未开展 preceded by 尚 → dropped
    assert _counts(text, "overlapping_neg4") == {"云计算": 1}
    assert _counts(text, "overlapping_neg2") == {"云计算": 2}  # 开展 only
    # second 云计算: '无' is 6 characters before it
    assert _counts(text, "overlapping_neg6") == {}
    assert _counts(text, "leftmost_longest_neg4") == {"云计算": 1}
    assert _counts(text, "overlapping_neg6", negation_chars="未") == {"云计算": 1}


def test_count_terms_normalises_mixed_case_and_broken_lines():
    lex = load_lexicon("wu2021")
    c = count_terms("推进ＦｉｎＴｅｃｈ、fintech与移动互\n联网，数字 金融", lex, semantics="overlapping")
    assert {k: v for k, v in c.items() if v} == {"移动互联网": 1, "移动互联": 1, "数字金融": 1, "Fintech": 2}
    assert len(c) == 76
    raw = count_terms("推进ＦｉｎＴｅｃｈ、fintech与移动互\n联网，数字 金融", lex, semantics="overlapping",
                      normalisation=NO_NORMALISATION)
    assert sum(raw.values()) == 0


def test_jieba_modes():
    lex = lexicon_from_terms(["营业收入", "资产", "金融科技"])
    text = "本行营业收入增长，资产质量稳定，平安金融科技咨询有限公司"
    assert _counts(text, "jieba", lex=lex, normalisation=NO_NORMALISATION) == {"资产": 1}
    # with the terms as user words, jieba keeps 营业收入 but still prefers 金融/科技咨询 here
    assert _counts(text, "jieba_userdict", lex=lex, normalisation=NO_NORMALISATION) == {"营业收入": 1, "资产": 1}
    assert _counts(text, "leftmost_longest", lex=lex, normalisation=NO_NORMALISATION) == {
        "营业收入": 1, "资产": 1, "金融科技": 1}


@pytest.mark.parametrize("bad", ["longest", "overlapping_neg0", "jieba-neg4", ""])
def test_bad_semantics(bad):
    with pytest.raises(ConfigError) as exc:
        parse_semantics(bad)
    assert repr(bad) in str(exc.value)


def test_bad_semantics_message():
    with pytest.raises(ConfigError) as exc:
        parse_semantics("longest")
    assert str(exc.value) == (
        "The 'semantics' parameter must be one of 'overlapping', 'leftmost_longest', 'jieba', 'jieba_userdict', "
        "optionally with a negation suffix '_neg<k>'; got 'longest'. Use e.g. 'leftmost_longest' or 'overlapping_neg4'."
    )


_ALPHA = "abc移动互联网"


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHA, min_size=1, max_size=4), min_size=1, max_size=6, unique=True),
       st.text(alphabet=_ALPHA, max_size=60))
def test_semantics_against_plain_python(terms, text):
    m = Matcher(lexicon_from_terms(terms), normalisation=NO_NORMALISATION)
    over = m.count(text, parse_semantics("overlapping"))
    for t in terms:  # every occurrence of every term, overlapping ones included
        expected = sum(1 for i in range(len(text)) if text.startswith(t, i))
        assert over.get(t, 0) == expected
    rx = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)))
    ll = m.count(text, parse_semantics("leftmost_longest"))
    expected_ll: dict[str, int] = {}
    for mt in rx.finditer(text):
        expected_ll[mt.group()] = expected_ll.get(mt.group(), 0) + 1
    assert ll == expected_ll
    assert sum(ll.values()) <= sum(over.values())
    # the pyahocorasick engine is an independent implementation of the same semantics
    ac = Matcher(lexicon_from_terms(terms), normalisation=NO_NORMALISATION, engine="aho_corasick")
    assert ac.count(text, parse_semantics("overlapping")) == over
    assert ac.count(text, parse_semantics("leftmost_longest")) == ll


@pytest.mark.shared
def test_engines_agree_on_the_sample():
    import json

    from _shared import shared_path
    from nqpf.text.normalise import normalise_text

    lex = load_lexicon("wu2021")
    ngram, ac = Matcher(lex), Matcher(lex, engine="aho_corasick")
    with shared_path("data", "annual-reports-sample", "annual_reports.jsonl").open(encoding="utf-8") as fh:
        for line in list(fh)[10:]:
            text = normalise_text(json.loads(line)["text"])
            assert ngram.matches(text) == ac.matches(text)


def test_engine_option_error():
    with pytest.raises(ValueError) as exc:
        Matcher(NESTED, engine="regex")
    assert str(exc.value) == "The 'engine' parameter of Matcher must be one of 'ngram', 'aho_corasick'; got 'regex'."


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="移动互联网云计算b2cB2C不没，\n 𠀀", max_size=60), st.sampled_from(
    ["overlapping", "leftmost_longest", "overlapping_neg2", "leftmost_longest_neg4"]))
def test_code_point_path_equals_string_path(text, semantics):
    # the corpus counts on the normalised text's code points without rebuilding the string
    from nqpf.text.normalise import normalise_with_codes

    m = Matcher(NESTED)
    norm, codes, _ = normalise_with_codes(text)
    lazy, codes_only, _ = normalise_with_codes(text, decode=False)
    if codes is None:  # slow path (nothing to normalise or context-dependent characters): a string either way
        assert lazy == norm and codes_only is None
        return
    assert lazy is None and codes_only.tolist() == codes.tolist()
    assert m.matches(None, codes=codes_only) == m.matches(norm) == m.matches(norm, codes=codes)
    spec = parse_semantics(semantics)
    assert m.count(None, spec, codes=codes_only) == m.count(norm, spec)


def test_code_point_path_for_jieba_and_aho_corasick_rebuilds_the_text():
    from nqpf.text.normalise import normalise_with_codes

    _, codes, _ = normalise_with_codes("移动互联网与 B2B2C，不涉及云计算")
    assert codes is not None
    m = Matcher(NESTED)
    assert m.count(None, parse_semantics("jieba_userdict"), codes=codes) == {"移动互联网": 1, "b2b2c": 1, "云计算": 1}
    ac = Matcher(NESTED, engine="aho_corasick")
    assert ac.matches(None, codes=codes) == m.matches(None, codes=codes)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="移动互联网云计算b2cB2C不没，\n …Σ𠀀", max_size=60), st.sampled_from(
    ["overlapping", "leftmost_longest", "overlapping_neg2", "jieba_userdict_neg3"]))
def test_code_order_path_equals_string_path(text, semantics):
    # the corpus normalises into the matcher's code order (term first characters on top of the BMP)
    from nqpf.text.normalise import normalise_text, normalise_to_codes

    m = Matcher(NESTED)
    nc = normalise_to_codes(text, perm=m.perm16)
    norm = normalise_text(text)
    permuted = nc.perm is not None
    assert nc.text() == norm
    assert m.matches(None, codes=nc.codes, permuted=permuted) == m.matches(norm)
    spec = parse_semantics(semantics)
    assert m.count_many(None, (spec,), codes=nc.codes, permuted=permuted) == m.count_many(norm, (spec,))
    assert Matcher(NESTED, engine="aho_corasick").perm16 is None  # that engine takes strings


def test_code_order_is_an_involution_with_first_characters_on_top():
    m = Matcher(load_lexicon("wu2021"))
    p = m.perm16
    assert (p.take(p) == np.arange(0x10000)).all()
    firsts = {ord(k[0]) for k in m.terms}
    assert {int(p[f]) for f in firsts} == set(range(0x10000 - len(firsts), 0x10000))
