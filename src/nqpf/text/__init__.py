"""Firm-level text measures: digital-transformation and AI keyword counts in annual reports.

>>> from nqpf.text import count_corpus, load_lexicon
>>> len(load_lexicon("wu2021"))
76

See ``docs/text.md`` for the counting rules, the corpus runner and the verification against
the reference counts.
"""
from __future__ import annotations

from .corpus import CountConfig, count_corpus, count_document, load_text_counts
from .extract import DEFAULT_EXCLUDE_PATTERN, DEFAULT_NAME_PATTERN, ExtractedText, extract_text, parse_file_name
from .lexicons import BUILTIN_LEXICONS, BuiltinLexicon, Lexicon, lexicon_from_terms, load_lexicon
from .matching import DEFAULT_NEGATION_CHARS, CountSpec, Engine, Matcher, Semantics, count_terms, parse_semantics
from .normalise import Normalisation, normalise_text, normalise_text_reference
from .panel import MEASURES, TextCountResult, ln1p_count, per_10k_chars
from .sections import MDA_TITLES, Scope, SectionSpan, find_mda

__all__ = [
    "count_corpus",
    "load_text_counts",
    "count_document",
    "CountConfig",
    "TextCountResult",
    "Lexicon",
    "load_lexicon",
    "lexicon_from_terms",
    "BuiltinLexicon",
    "BUILTIN_LEXICONS",
    "Matcher",
    "count_terms",
    "parse_semantics",
    "CountSpec",
    "Semantics",
    "Engine",
    "DEFAULT_NEGATION_CHARS",
    "Normalisation",
    "normalise_text",
    "normalise_text_reference",
    "find_mda",
    "SectionSpan",
    "Scope",
    "MDA_TITLES",
    "extract_text",
    "ExtractedText",
    "parse_file_name",
    "DEFAULT_NAME_PATTERN",
    "DEFAULT_EXCLUDE_PATTERN",
    "ln1p_count",
    "per_10k_chars",
    "MEASURES",
]
