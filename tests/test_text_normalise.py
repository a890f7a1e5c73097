"""nqpf.text.normalise: the vectorised fast path equals the plain definition exactly."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import NqpfError
from nqpf.text.normalise import Normalisation, normalise_text, normalise_text_reference, normalise_with_codes


def _definition(text: str) -> str:
    # the definition in the shared sample README: NFKC → lower-case → remove all whitespace
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ＦｉｎＴｅｃｈ 与\n移动互\n联网", "fintech与移动互联网"),
        ("Ｂ２Ｂ２Ｃ\u3000平台\xa0", "b2b2c平台"),
        ("云计\f算\t\r\n", "云计算"),
        ("Ⅲ类", "iii类"),  # one character → several (Roman numeral)
        ("ΟΔΟΣ Σ", "οδοςσ"),  # final sigma depends on context → exact slow path
        ("e\u0301", "é"),  # combining mark composes
        ("", ""),
        ("ASCII Only\n", "asciionly"),
    ],
)
def test_examples(raw, expected):
    assert normalise_text(raw) == expected
    assert normalise_text(raw) == _definition(raw)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_fast_path_equals_definition_any_text(text):
    assert normalise_text(text) == _definition(text)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("数字化云计算ＡＢＣabcABC ，（）：\n\u3000Ⅲ①㈱ﬁΣσ\u0301")), max_size=40),
       st.booleans(), st.booleans(), st.booleans())
def test_each_step_optional(text, nfkc, lower, ws):
    got = normalise_text(text, nfkc=nfkc, lower=lower, remove_whitespace=ws)
    assert got == normalise_text_reference(text, nfkc=nfkc, lower=lower, remove_whitespace=ws)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("数字化云计算ＡＢab \n\u3000，Ⅲ")), max_size=40), st.data())
def test_slices_of_the_normalised_text(text, data):
    # the MD&A is normalised as a slice of the normalised report: norm[k(a):k(b)] == normalise(text[a:b])
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    norm, codes, keep = normalise_with_codes(text)
    if codes is None:
        return  # expanding characters: the caller normalises the slice itself
    assert codes.tobytes().decode("utf-32-le") == norm
    k = (lambda i: i) if keep is None else (lambda i: int(keep[:i].sum()))
    assert norm[k(a):k(b)] == normalise_text(text[a:b])


def test_idempotent_and_label():
    t = "Ｆｉｎｔｅｃｈ 移动互\n联网"
    once = normalise_text(t)
    assert normalise_text(once) == once
    assert Normalisation().label == "nfkc+lower+whitespace"
    assert Normalisation(nfkc=False, lower=False, remove_whitespace=False).label == "none"
    assert Normalisation(nfkc=False, lower=False, remove_whitespace=False).apply(t) == t


def test_bad_parameter_message():
    with pytest.raises(NqpfError) as exc:
        normalise_text("x", lower="yes")
    assert str(exc.value) == "The 'lower' parameter of normalise_text must be a bool; got 'yes'."


def test_shipped_table_equals_the_computed_one(tmp_path):
    # the default lookup table is shipped (loading it takes milliseconds, computing it about a second per process)
    import unicodedata

    import numpy as np

    from nqpf.text import normalise as nm

    shipped = nm._shipped_table()
    if shipped is None:
        pytest.skip(f"the shipped table is for another Unicode version than this Python's {unicodedata.unidata_version}")
    computed = nm._compute_table(True, True, True)
    assert np.array_equal(shipped[0], computed[0]) and shipped[1] == computed[1]
    assert nm._table(True, True, True)[1] == computed[1]
    # written again, it round-trips
    again = nm.write_shipped_table(tmp_path / "t.npz")
    old, nm._SHIPPED = nm._SHIPPED, again
    try:
        assert np.array_equal(nm._shipped_table()[0], computed[0])
    finally:
        nm._SHIPPED = old


_CODES_ALPHABET = list("数字化云计算ＡＢＣabcABC ，（）：\n\u3000Ⅲ①㈱ﬁΣσς…℃\ufa6c\U00020000\u0301e")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(_CODES_ALPHABET), max_size=50), st.booleans(), st.booleans(), st.booleans(),
       st.data())
def test_normalise_to_codes_equals_the_definition_and_maps_offsets(text, nfkc, lower, ws, data):
    # the counting path: code points (16-bit for BMP texts), expansions and sigma tokens spliced in place
    from nqpf.text.normalise import codes_to_text, normalise_to_codes

    opts = {"nfkc": nfkc, "lower": lower, "remove_whitespace": ws}
    nc = normalise_to_codes(text, **opts)
    assert codes_to_text(nc.codes) == nc.text() == normalise_text_reference(text, **opts)
    a = data.draw(st.integers(0, len(text)))
    b = data.draw(st.integers(a, len(text)))
    ka, kb = nc.offset(a), nc.offset(b)
    if ka is not None and kb is not None:
        assert codes_to_text(nc.codes[ka:kb]) == normalise_text_reference(text[a:b], **opts)
    if nc.exact and "\n" in text:  # offsets at line starts (the MD&A bounds) always map
        assert nc.offset(text.index("\n") + 1) is not None


def test_normalise_to_codes_widths_and_code_order():
    import numpy as np

    from nqpf.text.normalise import normalise_to_codes

    assert normalise_to_codes("云计算 ＡＩ…").codes.dtype == np.uint16
    assert normalise_to_codes("云\U00020000").codes.dtype == np.uint32
    assert normalise_to_codes("ﬤ\ufa6c").text() == normalise_text_reference("ﬤ\ufa6c")  # BMP → astral: 32-bit
    perm = np.arange(0x10000, dtype=np.uint16)
    perm[[ord("云"), 0xFFFF]] = [0xFFFF, ord("云")]  # an involution
    nc = normalise_to_codes("云 计算…云", perm=perm)
    assert nc.perm is perm and nc.codes.tolist().count(0xFFFF) == 2 and nc.text() == "云计算...云"
    assert nc.offset(2) == 1 and nc.offset(5) == 6
