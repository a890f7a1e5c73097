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

For counting, :func:`normalise_to_codes` gives the normalised text as code points without
building the string: 16-bit code units for texts of BMP characters (every Chinese report, half the
memory traffic of UTF-32), expanding characters and words holding a capital sigma spliced in place,
so that raw offsets (the MD&A span) still map into it.
"""
from __future__ import annotations

import functools
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import validate_params

__all__ = ["Normalisation", "normalise_text", "normalise_with_codes", "normalise_to_codes", "NormalisedCodes", "text_codes",
           "codes_to_text", "normalise_text_reference", "DEFAULT_NORMALISATION", "NO_NORMALISATION"]

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
    bounds = _token_bounds(text, sigma.tolist())
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



# ----------------------------------------------------------------------------- code-point path for counting

# markers of the 16-bit table (surrogate code points: never the output of a character)
_DEL16 = np.uint16(0xD800)  # whitespace, removed
_EXP16 = np.uint16(0xD801)  # becomes several characters (all in the BMP)
_SIG16 = np.uint16(0xD802)  # capital sigma: lower case depends on context
_RISKY16 = np.uint16(0xD803)  # NFKC depends on neighbours
_WIDE16 = np.uint16(0xD804)  # becomes a character outside the BMP: use the 32-bit table
_N_MARKERS16 = np.uint16(4)  # _EXP16 … _WIDE16


@functools.lru_cache(maxsize=8)
def _table16(nfkc: bool, lower: bool, remove_whitespace: bool) -> np.ndarray:
    """The lookup for texts whose characters are all in the BMP, as 16-bit values (half the memory
    traffic of the 32-bit table); characters that need more than one 16-bit value get a marker."""
    table, expansions = _table(nfkc, lower, remove_whitespace)
    t = table[:0x10000]
    out = np.where(t < 0x10000, t, _WIDE16).astype(np.uint16)
    out[t == _DELETE] = _DEL16
    out[t == _SIGMA] = _SIG16
    out[t == _RISKY] = _RISKY16
    flagged = (t > _DELETE) & (t != _SIGMA) & (t != _RISKY)
    for cp in np.flatnonzero(flagged).tolist():
        out[cp] = _EXP16 if max(expansions[cp]) <= "\uffff" else _WIDE16
    return out


@dataclass(frozen=True)
class NormalisedCodes:
    """A normalised text as code points, and where raw offsets land in it (internal, for counting).

    Attributes
    ----------
    codes : the normalised text as ``uint16`` (every character in the BMP) or ``uint32`` code points.
    keep : None when raw character ``i`` is normalised character ``i`` (nothing deleted or
        replaced); else one bool per raw character, True when it became exactly one character
        at its place (deleted and replaced characters are False).
    splices : ``(start, end, n)`` sorted by ``start``: raw ``text[start:end]`` became ``n``
        characters (expanding characters such as ``…`` → ``...``, tokens holding a capital sigma).
    exact : False when the text went through the reference definition (context-dependent
        characters): ``codes`` is right, but raw offsets cannot be mapped (:meth:`offset` gives None).
    perm : when given, ``codes`` (uint16) are in this code order (an involution of the 16-bit codes,
        see :attr:`nqpf.text.matching.Matcher.perm16`): code ``c`` stands for character ``perm[c]``.
    """

    codes: np.ndarray
    keep: np.ndarray | None = None
    splices: tuple[tuple[int, int, int], ...] = ()
    exact: bool = True
    perm: np.ndarray | None = None

    def offset(self, i: int) -> int | None:
        """Index in :attr:`codes` of raw offset ``i`` (so that ``codes[offset(a):offset(b)]`` is
        ``text[a:b]`` normalised), or None when ``i`` falls inside a splice or offsets are unknown."""
        if not self.exact:
            return None
        k = i if self.keep is None else int(np.count_nonzero(self.keep[:i]))
        for a, b, n in self.splices:
            if b <= i:
                k += n
            elif a < i:
                return None
            else:
                break
        return k

    def text(self) -> str:
        """The normalised string."""
        return codes_to_text(self.codes if self.perm is None else self.perm.take(self.codes))


def codes_to_text(codes: np.ndarray) -> str:
    """The string of a ``uint16`` (BMP) or ``uint32`` code-point array."""
    if codes.dtype == np.uint16:
        return np.ascontiguousarray(codes, dtype="<u2").tobytes().decode("utf-16-le", "surrogatepass")
    return np.ascontiguousarray(codes, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")


def _text_to_codes(text: str) -> np.ndarray:
    data = text.encode("utf-16-le", "surrogatepass")
    if len(data) == 2 * len(text):
        return np.frombuffer(data, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def text_codes(text: str) -> np.ndarray | None:
    """``text`` as code points: ``uint16`` when every character is in the BMP, else ``uint32``;
    None when it holds lone surrogates (not text a normalisation table can look up)."""
    try:
        data = text.encode("utf-16-le")
    except UnicodeEncodeError:
        return None
    if len(data) == 2 * len(text):
        return np.frombuffer(data, dtype=np.uint16)
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _token_bounds(text: str, positions: list[int]) -> list[tuple[int, int]]:
    """The whitespace-delimited tokens around ``positions`` (sorted), merged."""
    bounds: list[tuple[int, int]] = []
    for i in positions:
        if bounds and i < bounds[-1][1]:
            continue
        a = i
        while a > 0 and not text[a - 1].isspace():
            a -= 1
        b = i + 1
        while b < len(text) and not text[b].isspace():
            b += 1
        bounds.append((a, b))
    return bounds


class _NeedsWide(Exception):
    pass


def normalise_to_codes(text: str, *, nfkc: bool = True, lower: bool = True, remove_whitespace: bool = True,
                       raw: np.ndarray | None = None, perm: np.ndarray | None = None) -> NormalisedCodes:
    """Normalise ``text`` straight to code points (the counting path; no string is built).

    ``codes_to_text(result.codes) == normalise_text(text, ...)`` always. A text of BMP characters
    (Chinese reports) is looked up in a 16-bit table; characters that become several characters
    and whitespace-delimited tokens holding a capital sigma (normalised by the reference definition)
    are spliced into the code points, so raw offsets still map (:meth:`NormalisedCodes.offset`).
    Only texts with context-dependent characters (combining marks, conjoining jamo, lone surrogates)
    go through :func:`normalise_text_reference` as a whole. ``raw`` is ``text_codes(text)`` when
    already at hand. ``perm`` (an involution of the uint16 codes) puts a uint16 result in that code
    order at no cost (it is folded into the table); a uint32 result is never permuted.
    """
    opts = {"nfkc": nfkc, "lower": lower, "remove_whitespace": remove_whitespace}
    if not (nfkc or lower or remove_whitespace) or not text:
        return NormalisedCodes(raw if raw is not None else _text_to_codes(text))
    if raw is None:
        raw = text_codes(text)
    if raw is None:  # lone surrogates
        return NormalisedCodes(_text_to_codes(normalise_text_reference(text, **opts)), exact=False)
    if raw.dtype == np.uint16:
        try:
            return _normalise_codes(text, raw, False, opts, perm)
        except _NeedsWide:
            raw = raw.astype(np.uint32)
    return _normalise_codes(text, raw, True, opts, None)


_PERMUTED: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def _table16_in(nfkc: bool, lower: bool, remove_whitespace: bool, perm: np.ndarray | None) -> np.ndarray:
    """:func:`_table16` with its characters (not its markers) put in the code order ``perm``."""
    base = _table16(nfkc, lower, remove_whitespace)
    if perm is None:
        return base
    key = (nfkc, lower, remove_whitespace, id(perm))
    hit = _PERMUTED.get(key)
    if hit is not None and hit[0] is perm:
        return hit[1]
    out = base.copy()
    chars = (base < 0xD800) | (base > 0xDFFF)
    out[chars] = perm.take(base[chars])
    if len(_PERMUTED) >= 8:
        _PERMUTED.clear()
    _PERMUTED[key] = (perm, out)
    return out


def _normalise_codes(text: str, raw: np.ndarray, wide: bool, opts: dict, perm: np.ndarray | None) -> NormalisedCodes:
    nfkc, lower, remove_whitespace = opts["nfkc"], opts["lower"], opts["remove_whitespace"]
    if wide:
        table, expansions = _table(nfkc, lower, remove_whitespace)
        mapped = table.take(raw)
        rare = np.flatnonzero(mapped > _DELETE)
        delete, sigma_mark, risky_mark = _DELETE, _SIGMA, _RISKY
    else:
        _, expansions = _table(nfkc, lower, remove_whitespace)
        mapped = _table16_in(nfkc, lower, remove_whitespace, perm).take(raw)
        rare = np.flatnonzero((mapped - _EXP16) < _N_MARKERS16)
        delete, sigma_mark, risky_mark = _DEL16, _SIG16, _RISKY16
    splices: list[tuple[int, int, str]] = []
    if len(rare):
        kinds = mapped[rare]
        if (kinds == risky_mark).any():
            return NormalisedCodes(_text_to_codes(normalise_text_reference(text, **opts)), exact=False)
        if not wide and (kinds == _WIDE16).any():
            raise _NeedsWide
        at_sigma = kinds == sigma_mark
        tokens = _token_bounds(text, rare[at_sigma].tolist()) if at_sigma.any() else []
        singles = rare[~at_sigma].tolist()
        if tokens:  # characters inside a sigma token are normalised with it
            inside = np.zeros(len(text), dtype=bool)
            for a, b in tokens:
                inside[a:b] = True
            singles = [p for p in singles if not inside[p]]
        raw_list = raw.take(singles).tolist() if singles else []
        for p, cp in zip(singles, raw_list):
            splices.append((p, p + 1, expansions[cp]))
        for a, b in tokens:
            rep = normalise_text_reference(text[a:b], **opts)
            if not wide and rep and max(rep) > "\uffff":
                raise _NeedsWide
            splices.append((a, b, rep))
        splices.sort()
    keep = None
    if remove_whitespace or splices:
        keep = mapped != delete
        for a, b, _ in splices:
            keep[a:b] = False
        if splices or not keep.all():
            codes = np.compress(keep, mapped)
        else:
            codes, keep = mapped, None
    else:
        codes = mapped
    if splices:
        # where each splice goes in the compressed codes: the kept characters before its start
        starts = np.fromiter((a for a, _, _ in splices), dtype=np.intp, count=len(splices))
        before = np.empty(len(splices), dtype=np.intp)
        before[0] = np.count_nonzero(keep[: starts[0]])
        if len(splices) > 1:
            before[1:] = before[0] + np.cumsum(np.add.reduceat(keep.view(np.uint8), starts, dtype=np.intp)[:-1])
        reps = [rep for _, _, rep in splices]
        lens = np.fromiter((len(r) for r in reps), dtype=np.intp, count=len(reps))
        joined = "".join(reps)
        if joined:
            dtype = codes.dtype
            values = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(dtype)
            if perm is not None and not wide:
                values = perm.take(values)
            codes = np.insert(codes, np.repeat(before, lens), values)
    return NormalisedCodes(codes, keep, tuple((a, b, len(rep)) for a, b, rep in splices), perm=None if wide else perm)
