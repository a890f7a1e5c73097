"""nqpf.levels — every level on the same engine: cities and counties, industries (meso), firms (micro).

* :mod:`~nqpf.levels.admin` — city/county registry with history (MCA codes 1981–2024, bundled,
  CC0): year-by-year mapping of historical names and codes, merge/split report, boundary
  harmonisation, groupings (province, four regions, user tiers and agglomerations);
* :mod:`~nqpf.levels.city` — reading the open city series in ``../shared`` and the partial city
  index (built-in templates ``nqpf_city`` and ``nqpf_county`` name each yearbook series);
* :mod:`~nqpf.levels.io_tables` — industry digitalisation from input–output tables
  (产业数字化: ICT-input shares; 数字产业化: digital-core output shares), sector panels;
* :mod:`~nqpf.levels.firms` — firm template helpers: aggregation to city or province (mean,
  median, value-weighted), firm groupings.

The demos of the levels (``nqpf demo --level city|industry``) are run by
:func:`nqpf.workflow.demos.run_level_demo` from the presets of :mod:`nqpf.workflow.presets`
(``city_demo_config``, ``industry_demo_config``).
"""
from __future__ import annotations

from typing import Literal

from .admin import AdminRegistry, HarmonisedPanel, UnitMapping, admin_registry, load_admin_codes
from .city import (
    city_coverage, city_panel, city_weights, read_city_digital_finance, read_city_economy, shared_dir,
)
from .firms import aggregate_firms, firm_groups
from .io_tables import digital_output_share, harmonise_sectors, ict_input_share, industry_framework, industry_panel

__all__ = [
    "DemoLevel",
    "AdminRegistry",
    "UnitMapping",
    "HarmonisedPanel",
    "admin_registry",
    "load_admin_codes",
    "read_city_economy",
    "read_city_digital_finance",
    "city_panel",
    "city_coverage",
    "city_weights",
    "shared_dir",
    "digital_output_share",
    "ict_input_share",
    "harmonise_sectors",
    "industry_panel",
    "industry_framework",
    "aggregate_firms",
    "firm_groups",
]

#: the levels of ``nqpf demo --level`` (the same alias as :data:`nqpf.workflow.demos.DemoLevel`)
DemoLevel = Literal["city", "industry", "province"]
