"""Keyword counting semantics (计数规则), each a named option.

Every semantics counts the lexicon terms in an already normalised text. Example text
``"移动互联网与b2b2c，不涉及云计算"`` with terms 移动互联, 移动互联网, b2b, b2c, b2b2c, 云计算:

``overlapping``
    Every occurrence of every term, wherever it starts; equal to ``text.count(term)``
    summed over terms (for terms that cannot overlap themselves). Nested terms are
    counted inside longer ones: 移动互联 1, 移动互联网 1, b2b 1, b2c 1, b2b2c 1, 云计算 1 → 6.
``leftmost_longest``
    Scan left to right; at each position take the longest term that starts there and
    continue after it (non-overlapping; equals ``re.finditer`` over the alternation of
    the terms sorted longest first): 移动互联网 1, b2b2c 1, 云计算 1 → 3.
``jieba``
    Segment with ``jieba.cut(text)`` (default dictionary, HMM on, no user dictionary) and
    count tokens equal to each term (``list.count``), as in much published work: terms
    that jieba splits (营业收入 → 营业/收入) count 0.
``jieba_userdict``
    As ``jieba`` with every term added to a private tokenizer (``Tokenizer.add_word``), the
    other common reimplementation; close to ``leftmost_longest``.

Negation filter: append ``_neg<k>`` to any semantics name (``overlapping_neg4``) to drop
matches with one of ``negation_chars`` (default 没无不未) among the ``k`` characters
before the match. In the example, 云计算 is preceded by 不涉及 and is dropped by
``overlapping_neg4`` (5 matches). Note the common false positive 方兴未艾，物联网.
"""
from __future__ import annotations

import functools
import re
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from .._errors import ConfigError
from .._validation import check_option
from .lexicons import Lexicon
from .normalise import DEFAULT_NORMALISATION, Normalisation, codes_to_text

__all__ = [
    "Semantics",
    "Engine",
    "CountSpec",
    "parse_semantics",
    "Matcher",
    "count_terms",
    "DEFAULT_NEGATION_CHARS",
]

Semantics = Literal["overlapping", "leftmost_longest", "jieba", "jieba_userdict"]

DEFAULT_NEGATION_CHARS = "没无不未"

_SUFFIX = re.compile(r"^(?P<base>[a-z_]+?)(?:_neg(?P<k>\d+))?$")


@dataclass(frozen=True)
class CountSpec:
    """A parsed semantics name.

    Attributes
    ----------
    label : the name as written (``'overlapping_neg4'``), used in output tables.
    base : the counting rule (a :data:`Semantics` value).
    negation_window : characters before a match searched for a negation (0 = no filter).
    """

    label: str
    base: str
    negation_window: int = 0


def parse_semantics(name: str) -> CountSpec:
    """Parse ``'<semantics>'`` or ``'<semantics>_neg<k>'``.

    >>> parse_semantics("overlapping_neg4")
    CountSpec(label='overlapping_neg4', base='overlapping', negation_window=4)
    >>> parse_semantics("leftmost_longest").negation_window
    0
    """
    allowed = get_args(Semantics)
    m = _SUFFIX.match(str(name))
    base = m.group("base") if m else None
    if base not in allowed:
        raise ConfigError(
            f"The 'semantics' parameter must be one of {', '.join(repr(a) for a in allowed)}, optionally with a "
            f"negation suffix '_neg<k>'; got {name!r}. Use e.g. 'leftmost_longest' or 'overlapping_neg4'."
        )
    k = int(m.group("k")) if m.group("k") else 0
    if m.group("k") is not None and k < 1:
        raise ConfigError(
            f"The negation window in semantics {name!r} must be at least 1 character; got {k}. "
            f"Use e.g. '{base}_neg4', or '{base}' for no negation filter."
        )
    return CountSpec(label=str(name), base=base, negation_window=k)


@functools.lru_cache(maxsize=4)
def _jieba_tokenizer(userwords: tuple[str, ...] | None):
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tok = jieba.Tokenizer()
    tok.initialize()
    for w in userwords or ():
        tok.add_word(w)
    return tok


Engine = Literal["ngram", "aho_corasick"]

_HASH_BITS = 20
_HASH_MASK = np.uint32((1 << _HASH_BITS) - 1)
_FNV = np.uint32(0x01000193)


def _codes_of(text: str) -> np.ndarray:
    """``text`` as a uint32 code-point array."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _text_of(codes: np.ndarray) -> str:
    """The string of a uint16 (BMP) or uint32 code-point array (inverse of :func:`_codes_of`)."""
    return codes_to_text(codes)


def _gram_hash(codes: np.ndarray, n: int, at: np.ndarray) -> np.ndarray:
    """Hash of the ``n`` code points starting at positions ``at`` (uint32 FNV-style, wrapping)."""
    h = codes[at] if codes.dtype == np.uint32 else codes.take(at).astype(np.uint32)
    for j in range(1, n):
        h *= _FNV
        h ^= codes[at + j]
    h &= _HASH_MASK
    return h


class Matcher:
    """Count the terms of a lexicon in normalised texts.

    Parameters
    ----------
    lexicon
        The dictionary.
    normalisation
        How the *text* was normalised; terms are normalised the same way.
    negation_chars
        Characters that mark a negation for the ``_neg<k>`` filters.
    engine
        How occurrences are found (both exact, same results):

        - ``'ngram'`` (default): a vectorised prefilter hashes the first 1–3 code points at
          every position in numpy and verifies the few candidate positions with
          :meth:`str.startswith`; its cost hardly grows with the number of terms.
        - ``'aho_corasick'``: pyahocorasick's automaton (the classic algorithm; slows down with
          many terms because of its child lookup) — kept as an independent reference. The wheels
          on PyPI are unicode builds (``ahocorasick.unicode == 1``; ``add_word(b"...")`` raises
          ``TypeError: string expected``): automata over UTF-8 bytes need pyahocorasick built from
          source with ``AHOCORASICK_BYTES``, so this engine takes strings.

    Examples
    --------
    >>> from nqpf.text.lexicons import lexicon_from_terms
    >>> lex = lexicon_from_terms(["移动互联", "移动互联网", "B2B", "B2C", "B2B2C", "云计算"])
    >>> m = Matcher(lex)
    >>> text = "移动互联网与b2b2c，不涉及云计算"
    >>> [sum(m.count(text, parse_semantics(s)).values()) for s in ("overlapping", "leftmost_longest", "overlapping_neg4")]
    [6, 3, 5]
    """

    def __init__(self, lexicon: Lexicon, *, normalisation: Normalisation = DEFAULT_NORMALISATION,
                 negation_chars: str = DEFAULT_NEGATION_CHARS, engine: str = "ngram") -> None:
        self.lexicon = lexicon
        self.normalisation = normalisation
        self.negation_chars = negation_chars
        self.engine = check_option(engine, Engine, param="engine", caller="Matcher")
        self._neg = frozenset(negation_chars)
        self._neg_codes = frozenset(ord(c) for c in negation_chars)
        #: normalised term → source terms
        self.terms = lexicon.normalised_terms(normalisation)
        self.perm16: np.ndarray | None = None
        if self.engine == "aho_corasick":
            import ahocorasick

            self._automaton = ahocorasick.Automaton()
            for key in self.terms:
                self._automaton.add_word(key, (len(key), key))
            self._automaton.make_automaton()
        else:
            # first code points of all terms (prefilter), then per gram length n = min(len, 3)
            # a bitmap of hashed n-grams and the terms starting with each n-gram
            # (the n-gram and the terms are kept as the bytes of their uint32 code points, and of their
            # uint16 code points when all in the BMP, so that candidates are verified on the code-point
            # array itself, whichever its width, without building a string)
            self._first = np.zeros(sys.maxunicode + 1, dtype=bool)
            self._grams: dict[int, tuple[np.ndarray, dict[int, dict[bytes, list[tuple[str, bytes]]]]]] = {}
            for key in self.terms:
                self._first[ord(key[0])] = True
                n = min(len(key), 3)
                bitmap, tables = self._grams.setdefault(n, (np.zeros(1 << _HASH_BITS, dtype=bool), {4: {}, 2: {}}))
                kcodes = _codes_of(key)
                tables[4].setdefault(kcodes[:n].tobytes(), []).append((key, kcodes.tobytes()))
                if max(key) <= "\uffff":  # a term outside the BMP never occurs in a uint16 text
                    k16 = kcodes.astype("<u2")
                    tables[2].setdefault(k16[:n].tobytes(), []).append((key, k16.tobytes()))
                bitmap[_gram_hash(kcodes[:n].copy(), n, np.zeros(1, dtype=np.intp))[0]] = True
            self._order_bmp()

    def _order_bmp(self) -> None:
        """A code order for uint16 texts that moves the first characters of the terms to the top of the
        BMP (an involution of the 16-bit codes, :attr:`perm16`): the prefilter on a text normalised
        into this order (:func:`nqpf.text.normalise.normalise_to_codes` with ``perm``) is one
        comparison per character instead of a table lookup."""
        #: the involution of uint16 codes (None: not used, e.g. more than 8,192 distinct first characters)
        self.perm16: np.ndarray | None = None
        firsts = sorted({ord(k[0]) for k in self.terms if k and ord(k[0]) <= 0xFFFF})
        if not firsts or len(firsts) >= 0x2000 or any(0xD800 <= f <= 0xDFFF for f in firsts):
            return
        top = 0x10000 - len(firsts)  # above the surrogates: never a marker of the normalisation table
        fset = set(firsts)
        moved = [f for f in firsts if f < top]
        freed = [t for t in range(top, 0x10000) if t not in fset]
        perm = np.arange(0x10000, dtype=np.uint16)
        perm[moved] = freed
        perm[freed] = moved
        self.perm16, self._top16 = perm, np.uint16(top)
        self._grams_p: dict[int, tuple[np.ndarray, dict[bytes, list[tuple[str, bytes]]]]] = {}
        for key in self.terms:
            if not key or max(key) > "\uffff":
                continue
            kp = perm.take(_codes_of(key))
            n = min(len(key), 3)
            bitmap, table = self._grams_p.setdefault(n, (np.zeros(1 << _HASH_BITS, dtype=bool), {}))
            table.setdefault(kp[:n].tobytes(), []).append((key, kp.tobytes()))
            bitmap[_gram_hash(kp[:n], n, np.zeros(1, dtype=np.intp))[0]] = True
        self._neg_codes_p = frozenset(int(perm[ord(c)]) for c in self.negation_chars if ord(c) <= 0xFFFF)

    def _negated(self, text: str | None, start: int, window: int, codes: np.ndarray | None = None,
                 permuted: bool = False) -> bool:
        if text is None:
            neg = self._neg_codes_p if permuted else self._neg_codes
            return not neg.isdisjoint(codes[max(0, start - window):start].tolist())
        return not self._neg.isdisjoint(text[max(0, start - window):start])

    def _text_of(self, codes: np.ndarray, permuted: bool) -> str:
        return _text_of(self.perm16.take(codes) if permuted else codes)

    def matches(self, text: str | None, *, codes: np.ndarray | None = None,
                permuted: bool = False) -> list[tuple[int, int, str]]:
        """Every occurrence ``(start, end, normalised term)`` of every term, sorted by start then longest.

        ``codes`` (optional) is ``text`` as a uint32 (or, all in the BMP, uint16) code-point array; with
        ``codes`` given, ``text`` may be None (the ``'ngram'`` engine works on the code points only).
        ``permuted``: ``codes`` are uint16 codes in the order :attr:`perm16` (see :meth:`_order_bmp`).
        """
        if permuted and (codes is None or codes.dtype != np.uint16 or self.engine != "ngram"):
            codes, permuted = (None if codes is None else self.perm16.take(codes)), False
        if self.engine == "aho_corasick":
            if text is None:
                text = _text_of(codes)
            out = [(end - n + 1, end + 1, key) for end, (n, key) in self._automaton.iter(text)]
        else:
            if codes is None:
                codes = _codes_of(text)
            if codes.dtype != np.uint16:
                codes = np.ascontiguousarray(codes, dtype=np.uint32)
            width = codes.itemsize
            raw = memoryview(np.ascontiguousarray(codes)).cast("B")
            out = []
            size = len(codes)
            if permuted:  # first characters of the terms are the top codes
                first = np.flatnonzero(codes >= self._top16)
                grams = self._grams_p
            else:
                first = np.flatnonzero(self._first.take(codes))
                grams = {n: (bitmap, tables[width]) for n, (bitmap, tables) in self._grams.items()}
            for n, (bitmap, table) in grams.items():
                at = first[first <= size - n] if n > 1 else first
                hits = at[bitmap.take(_gram_hash(codes, n, at))]
                for p in hits.tolist():
                    q = width * p
                    for key, kb in table.get(raw[q:q + width * n].tobytes(), ()):
                        if raw[q:q + len(kb)] == kb:
                            out.append((p, p + len(key), key))
        out.sort(key=lambda m: (m[0], m[0] - m[1]))
        return out

    def count(self, text: str | None, spec: CountSpec, *, codes: np.ndarray | None = None) -> dict[str, int]:
        """Counts per normalised term (terms with zero count omitted)."""
        return self.count_many(text, (spec,), codes=codes)[spec.label]

    def count_many(self, text: str | None, specs: tuple[CountSpec, ...], *, codes: np.ndarray | None = None,
                   found: list[tuple[int, int, str]] | None = None, permuted: bool = False) -> dict[str, dict[str, int]]:
        """Counts for several semantics at once: ``{label: {term: count}}``.

        Occurrences are found once (or taken from ``found``, the output of :meth:`matches` on
        this ``text``). ``text`` may be None when ``codes`` is given (it is rebuilt from the code
        points only for the jieba semantics).
        """
        out: dict[str, dict[str, int]] = {}
        for spec in specs:
            counts: Counter = Counter()
            w = spec.negation_window
            if spec.base in ("overlapping", "leftmost_longest"):
                if found is None:
                    found = self.matches(text, codes=codes, permuted=permuted)
                pos = 0
                for start, end, key in found:
                    if spec.base == "leftmost_longest":
                        if start < pos:
                            continue
                        pos = end
                    if w and self._negated(text, start, w, codes, permuted):
                        continue
                    counts[key] += 1
            else:
                if text is None:
                    text = self._text_of(codes, permuted)
                tok = _jieba_tokenizer(tuple(self.terms) if spec.base == "jieba_userdict" else None)
                pos = 0
                for token in tok.cut(text):
                    if token in self.terms and not (w and self._negated(text, pos, w)):
                        counts[token] += 1
                    pos += len(token)
            out[spec.label] = dict(counts)
        return out


def count_terms(text: str, lexicon: Lexicon, *, semantics: str = "leftmost_longest",
                normalisation: Normalisation = DEFAULT_NORMALISATION,
                negation_chars: str = DEFAULT_NEGATION_CHARS, allow_partial: bool = False) -> dict[str, int]:
    """Count lexicon terms in one raw text (normalised here) — a convenience for small jobs.

    Returns counts per *source* term (as written in the lexicon), zeros included. A partial
    lexicon (``yao2024_partial``) is refused unless ``allow_partial=True``.

    >>> from nqpf.text.lexicons import load_lexicon
    >>> c = count_terms("公司推进Ｆｉｎｔｅｃｈ与移动互\\n联网业务", load_lexicon("wu2021"), semantics="overlapping")
    >>> {k: v for k, v in c.items() if v}
    {'移动互联网': 1, '移动互联': 1, 'Fintech': 1}
    """
    lexicon.require_complete(allow_partial=allow_partial, where="count_terms")
    matcher = Matcher(lexicon, normalisation=normalisation, negation_chars=negation_chars)
    counts = matcher.count(normalisation.apply(text), parse_semantics(semantics))
    out = {}
    for key, sources in matcher.terms.items():
        for src in sources:
            out[src] = counts.get(key, 0)
    return out
