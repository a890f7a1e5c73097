"""Personalised path guides (个性化行动指南): from a unit's diagnosis to the practical paths of the seed papers.

* :mod:`~nqpf.paths.catalogue` – the path catalogue (bundled ``data/paths.toml``; user catalogues without code);
* :mod:`~nqpf.paths.diagnosis` – the evidence (:class:`Diagnosis`) and adapters (:func:`diagnose`, :func:`diagnose_dir`);
* :mod:`~nqpf.paths.recommend` – the rule-based, explainable recommender (:func:`recommend`, :func:`recommend_all`);
* :mod:`~nqpf.paths.guide` – Markdown / JSON rendering in Chinese and English;
* :mod:`~nqpf.paths.stage` – the ``paths`` stage of ``nqpf build`` (guides for every unit under ``DIR/paths/``).
"""
from __future__ import annotations

from .catalogue import (
    BUILTIN_CATALOGUE,
    Catalogue,
    Caution,
    Citation,
    Links,
    PathEntry,
    Source,
    check_citations,
    load_catalogue,
)
from .diagnosis import Diagnosis, diagnose, diagnose_dir
from .guide import guide_to_dict, render_json, render_markdown, write_guides
from .recommend import DEFAULT_WEIGHTS, PathGuide, Recommendations, recommend, recommend_all

__all__ = [
    "BUILTIN_CATALOGUE",
    "Catalogue",
    "Caution",
    "Citation",
    "Links",
    "PathEntry",
    "Source",
    "check_citations",
    "load_catalogue",
    "Diagnosis",
    "PathGuide",
    "Recommendations",
    "DEFAULT_WEIGHTS",
    "diagnose",
    "diagnose_dir",
    "recommend",
    "recommend_all",
    "render_markdown",
    "render_json",
    "guide_to_dict",
    "write_guides",
]
