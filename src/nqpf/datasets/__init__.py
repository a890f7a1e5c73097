"""Bundled redistributable data and the default run configuration.

The package ships one tidy long table of official provincial statistics for the 31
provinces of mainland China (science & technology, NBS macro series, CEADs CO2, digital
infrastructure and household ICT), with a provenance table naming the source folder,
repository, commit, licence and citation of every series, and the known problems and
decisions taken. Third-party composites and model outputs are never bundled: they are
benchmarks read from ``../shared``.

>>> from nqpf import datasets
>>> raw = datasets.load_province_raw()
>>> sorted(raw.columns)
['series', 'unit', 'unit_of_measure', 'value', 'year']
>>> raw["unit"].nunique()
31
>>> cfg = datasets.demo_config(years=(2013, 2022))
>>> cfg["normalise"]["scope"], cfg["weight"]["method"], cfg["weight"]["scope"]
('pooled', 'entropy', 'pooled')
"""
from __future__ import annotations

from ._bundle import (
    DEMO_RATIONALE,
    DEMO_SENSITIVITY,
    DEMO_EXPLAIN,
    DEMO_STAGES,
    DEMO_YEARS,
    PROVINCES,
    Normalisation,
    Scope,
    Weighting,
    AI_TEMPLATE_UNITS,
    ai_indicators_template,
    bundle_manifest,
    demo_config,
    list_datasets,
    load_dsxs_hubs,
    load_provenance,
    load_province_area,
    load_province_raw,
    run_decisions,
    province_panel,
)

__all__ = [
    "load_province_raw",
    "run_decisions",
    "load_provenance",
    "list_datasets",
    "bundle_manifest",
    "province_panel",
    "load_province_area",
    "load_dsxs_hubs",
    "ai_indicators_template",
    "AI_TEMPLATE_UNITS",
    "demo_config",
    "DEMO_YEARS",
    "DEMO_STAGES",
    "DEMO_RATIONALE",
    "DEMO_SENSITIVITY",
    "DEMO_EXPLAIN",
    "PROVINCES",
    "Weighting",
    "Normalisation",
    "Scope",
]
