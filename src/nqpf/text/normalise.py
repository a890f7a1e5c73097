"""Text normalisation before keyword matching (NFKC, lower-case, whitespace removal).

Annual reports extracted from PDF mix full-width and half-width Latin letters
(``ＡＩ`` / ``AI``), upper and lower case (``Fintech`` / ``FinTech``) and break lines
inside words (``移动互\\n联网``). The measure is only comparable across reports
when text and lexicon terms are normalised the same way. The three steps, each
optional and applied in this order, are:

1. ``nfkc`` — Unicode NFKC (full-width → half-width, compatibility ideographs …);
2. ``lower`` — :meth:`str.lower` (Latin and every other cased script);
3. ``remove_whitespace`` — delete every character for which :meth:`str.isspace` is
   true (spaces, tabs, line breaks, form feeds, ideographic space …).

The result equals ``"".join(unicodedata.normalize("NFKC", text).lower().split())``
exactly. A vectorised fast path (one code-point lookup table in numpy) gives the
same string about ten times faster; documents with characters whose NFKC form
depends on their neighbours (combining marks, conjoining jamo, final sigma …)
go through the exact slow path.
"""
from __future__ import annotations

import functools
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import validate_params

__all__ = ["Normalisation", "normalise_text", "normalise_with_codes", "normalise_text_reference", "DEFAULT_NORMALISATION", "NO_NORMALISATION"]

# table values: a code point (< 0x110000) or one of these markers (all above 0x110000)
_DELETE = np.uint32(0x110000)  # whitespace, removed
_EXPAND = np.uint32(0x80000000)  # flag bit: the character becomes several characters (cp | _EXPAND)
_SIGMA = np.uint32(0xFFFFFFFD)  # lower-case depends on context (final sigma)
_RISKY = np.uint32(0xFFFFFFFE)  # NFKC depends on neighbours (combining marks, jamo …)


@dataclass(frozen=True)
class Normalisation:
    """Which normalisation steps to apply (all on by default).

    Attributes
    ----------
    nfkc : apply Unicode NFKC.
    lower : lower-case with :meth:`str.lower`.
    remove_whitespace : delete every whitespace character.

    Examples
    --------
    >>> Normalisation().apply("Ｆｉｎ Tech\\n移动互\\n联网")
    'fintech移动互联网'
    >>> Normalisation(lower=False).label
    'nfkc+whitespace'
    """

    nfkc: bool = True
    lower: bool = True
    remove_whitespace: bool = True

    @property
    def label(self) -> str:
        """Short description such as ``'nfkc+lower+whitespace'`` (``'none'`` if all off)."""
        parts = [n for n, on in (("nfkc", self.nfkc), ("lower", self.lower), ("whitespace", self.remove_whitespace)) if on]
        return "+".join(parts) if parts else "none"

    def apply(self, text: str) -> str:
        """Normalise ``text`` (see :func:`normalise_text`)."""
        return normalise_text(text, nfkc=self.nfkc, lower=self.lower, remove_whitespace=self.remove_whitespace)


DEFAULT_NORMALISATION = Normalisation()
NO_NORMALISATION = Normalisation(nfkc=False, lower=False, remove_whitespace=False)


def normalise_text_reference(text: str, *, nfkc: bool = True, lower: bool = True, remove_whitespace: bool = True) -> str:
    """The definition of the normalisation, in plain Python (slow, exact).

    ``"".join(unicodedata.normalize("NFKC", text).lower().split())`` with each step optional.

    >>> normalise_text_reference("Ｂ２Ｂ　平台")
    'b2b平台'
    """
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if lower:
        text = text.lower()
    if remove_whitespace:
        text = "".join(text.split())
    return text


def _is_risky_output(s: str) -> bool:
    return any(unicodedata.combining(ch) for ch in s)


#: the default table (NFKC + lower + whitespace) as its exceptions to the identity, for the Unicode version
#: it was computed with; written by ``python -c "from nqpf.text.normalise import write_shipped_table as w; w()"``
#: (computing it takes 0.4–2 s, once per process and worker)
_SHIPPED = Path(__file__).resolve().parent / "data" / "normalise_table.npz"


def _shipped_table() -> tuple[np.ndarray, dict[int, str]] | None:
    """The shipped default table, or None when missing or made for another Unicode version."""
    try:
        with np.load(_SHIPPED, allow_pickle=False) as z:
            if str(z["unidata_version"]) != unicodedata.unidata_version or int(z["maxunicode"]) != sys.maxunicode:
                return None
            table = np.arange(sys.maxunicode + 1, dtype=np.uint32)
            table[z["cps"]] = z["vals"]
            text, ends = str(z["exp_text"]), z["exp_ends"].tolist()
            starts = [0] + ends[:-1]
            expansions = {int(cp): text[a:b] for cp, a, b in zip(z["exp_cps"].tolist(), starts, ends)}
    except (OSError, KeyError, ValueError):
        return None
    return table, expansions


def write_shipped_table(path: Path = _SHIPPED) -> Path:
    """Compute the default table and save it (its exceptions to the identity) for :func:`_table` to load."""
    table, expansions = _compute_table(True, True, True)
    cps = np.flatnonzero(table != np.arange(len(table), dtype=np.uint32)).astype(np.uint32)
    exp_cps = sorted(expansions)
    np.savez_compressed(path, unidata_version=np.array(unicodedata.unidata_version), maxunicode=np.array(sys.maxunicode),
                        cps=cps, vals=table[cps], exp_cps=np.array(exp_cps, dtype=np.uint32),
                        exp_text=np.array("".join(expansions[c] for c in exp_cps)),
                        exp_ends=np.cumsum([len(expansions[c]) for c in exp_cps]).astype(np.int64))
    return path


@functools.lru_cache(maxsize=8)
def _table(nfkc: bool, lower: bool, remove_whitespace: bool) -> tuple[np.ndarray, dict[int, str]]:
    """Code point lookup for the context-free characters (the default one loaded from the shipped file
    when it was made for this Python's Unicode version, else computed; see :func:`_compute_table`)."""
    if nfkc and lower and remove_whitespace:
        shipped = _shipped_table()
        if shipped is not None:
            return shipped
    return _compute_table(nfkc, lower, remove_whitespace)


def _compute_table(nfkc: bool, lower: bool, remove_whitespace: bool) -> tuple[np.ndarray, dict[int, str]]:
    """Code point lookup for the context-free characters.

    Returns ``(table, expansions)``: ``table[c]`` is the single code point that ``c``
    becomes, ``_DELETE`` (whitespace), ``_RISKY`` (the result depends on neighbours),
    ``_SIGMA`` (lower case depends on context) or ``c | _EXPAND`` when ``c`` becomes the
    several context-free characters ``expansions[c]``.
    """
    n = sys.maxunicode + 1
    table = np.arange(n, dtype=np.uint32)
    expansions: dict[int, str] = {}
    # characters that may combine with a preceding character under canonical composition
    second: set[int] = set(range(0x1161, 0x1176)) | set(range(0x11A8, 0x11C3))
    for cp in range(n):
        dec = unicodedata.decomposition(chr(cp))
        if dec and not dec.startswith("<"):
            parts = dec.split()
            if len(parts) == 2:
                second.add(int(parts[1], 16))
    for cp in range(n):
        if 0xD800 <= cp <= 0xDFFF:
            table[cp] = _RISKY
            continue
        c = chr(cp)
        if cp in second or unicodedata.combining(c):
            table[cp] = _RISKY
            continue
        out = unicodedata.normalize("NFKC", c) if nfkc else c
        if lower:
            if "\u03a3" in out:  # final-sigma rule of str.lower depends on context
                table[cp] = _SIGMA
                continue
            out = out.lower()
        if remove_whitespace:
            out = "".join(out.split())
        if out == c:
            continue
        if out == "":
            table[cp] = _DELETE
        elif _is_risky_output(out) or any(ord(ch) in second for ch in out):
            table[cp] = _RISKY
        elif len(out) == 1:
            table[cp] = ord(out)
        else:
            table[cp] = cp | int(_EXPAND)
            expansions[cp] = out
    return table, expansions


def _normalise_around_sigma(text: str, sigma: np.ndarray, *, nfkc: bool, lower: bool, remove_whitespace: bool) -> str:
    """Exact normalisation of a text containing capital sigma (context-dependent lower case).

    Whitespace is neither cased nor case-ignorable and never composes, so the final-sigma
    context of a Σ ends at the surrounding whitespace: the whitespace-delimited tokens holding
    a Σ go through the reference definition, the rest through the fast path.
    """
    bounds: list[tuple[int, int]] = []
    for i in sigma.tolist():
        if bounds and i < bounds[-1][1]:
            continue
        a = i
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        b = i + 1
        while b < len(text) and not text[b].isspace():
            b += 1
        bounds.append((a, b))
    opts = {"nfkc": nfkc, "lower": lower, "remove_whitespace": remove_whitespace}
    parts = []
    prev = 0
    for a, b in bounds:
        parts.append(normalise_with_codes(text[prev:a], **opts)[0])
        parts.append(normalise_text_reference(text[a:b], **opts))
        prev = b
    parts.append(normalise_with_codes(text[prev:], **opts)[0])
    return "".join(parts)


def normalise_with_codes(text: str, *, nfkc: bool = True, lower: bool = True, remove_whitespace: bool = True,
                         decode: bool = True) -> tuple[str | None, np.ndarray | None, np.ndarray | None]:
    """Normalised text, its code points, and the kept-character mask (internal fast path).

    Returns ``(norm, codes, keep)``: ``codes`` is ``norm`` as a uint32 array (None on the slow
    path). ``keep`` (bool, one entry per raw character) is given when normalisation maps
    characters one to one apart from deleted whitespace, so that with
    ``k(i) = keep[:i].sum()``, ``norm[k(a):k(b)] == normalise_text(text[a:b])``; it is None
    otherwise (slow path, expanding characters, or nothing deleted — then ``k(i) = i``
    when ``codes`` is not None).

    ``decode=False`` leaves ``norm`` as None whenever ``codes`` is given: callers that match on
    the code points (:meth:`nqpf.text.matching.Matcher.matches`) never need the string, and
    building it is a third pass over the text.
    """
    if not (nfkc or lower or remove_whitespace) or not text:
        return text, None, None
    try:
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # lone surrogates
        return normalise_text_reference(text, nfkc=nfkc, lower=lower, remove_whitespace=remove_whitespace), None, None
    table, expansions = _table(nfkc, lower, remove_whitespace)
    mapped = table.take(codes)
    rare = np.flatnonzero(mapped > _DELETE)
    expanded: list[int] = []
    if len(rare):
        kinds = mapped[rare]
        if (kinds == _RISKY).any():
            return normalise_text_reference(text, nfkc=nfkc, lower=lower, remove_whitespace=remove_whitespace), None, None
        sigma = rare[kinds == _SIGMA]
        if len(sigma):
            return _normalise_around_sigma(text, sigma, nfkc=nfkc, lower=lower, remove_whitespace=remove_whitespace), None, None
        expanded = np.unique(kinds).tolist()
        mapped[rare] = kinds & ~_EXPAND  # leave the character in place, expand it below
    keep = None
    if remove_whitespace:
        keep = mapped != _DELETE
        mapped = mapped[keep]
    if not decode and not expanded:
        return None, mapped, keep
    out = mapped.tobytes().decode("utf-32-le")
    if expanded:
        for flagged in expanded:
            cp = flagged & ~int(_EXPAND)
            out = out.replace(chr(cp), expansions[cp])
        return out, None, None
    return out, mapped, keep


@validate_params({"text": [str], "nfkc": [bool], "lower": [bool], "remove_whitespace": [bool]})
def normalise_text(text: str, *, nfkc: bool = True, lower: bool = True, remove_whitespace: bool = True) -> str:
    """Normalise a text for keyword matching.

    Parameters
    ----------
    text
        Raw text (as extracted).
    nfkc
        Apply Unicode NFKC normalisation (full-width Ｌａｔｉｎ → Latin, ㈱ → (株) …).
    lower
        Lower-case with :meth:`str.lower` after NFKC.
    remove_whitespace
        Delete all whitespace (:meth:`str.isspace`), which rejoins words broken across
        lines by PDF extraction.

    Returns
    -------
    str
        Exactly ``"".join(unicodedata.normalize("NFKC", text).lower().split())`` (with
        the disabled steps left out); see :func:`normalise_text_reference`.

    Notes
    -----
    A document whose characters are all context-free under these steps (the usual
    case for Chinese reports) is normalised by one table lookup per code point in
    numpy. Any other document is normalised by :func:`normalise_text_reference`;
    both give identical strings (tested with hypothesis).

    Examples
    --------
    >>> normalise_text("ＦｉｎＴｅｃｈ 与\\n移动互\\n联网")
    'fintech与移动互联网'
    >>> normalise_text("B2B  平台", lower=False)
    'B2B平台'
    """
    if text.isascii():
        return normalise_text_reference(text, nfkc=False, lower=lower, remove_whitespace=remove_whitespace)
    return normalise_with_codes(text, nfkc=nfkc, lower=lower, remove_whitespace=remove_whitespace)[0]

