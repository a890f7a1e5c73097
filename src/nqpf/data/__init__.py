"""nqpf.data — reading input tables, the region registry and panel validation.

* :func:`read_table` / :func:`read_panel` read CSV/TSV/TXT (UTF-8, UTF-8 BOM, GBK/GB18030),
  XLSX/XLS and Parquet into the long panel ``unit, year, indicator, value``;
* :func:`parse_number_series` turns spreadsheet text into floats explicitly;
* :data:`registry` (a :class:`Registry`) resolves province codes and names (GB/T 2260) and
  gives the standard regional groupings; :func:`resolve_unit` is its shortcut;
* :func:`check_panel` returns a :class:`ValidationReport` (COINr-style layered checks).

Examples
--------
>>> from nqpf.data import resolve_unit
>>> resolve_unit("广西壮族自治区")
'450000'
"""
from __future__ import annotations

from .io import Panel, PanelSource, detect_encoding, read_panel, read_table
from .numbers import parse_number, parse_number_series
from .regions import Region, Registry, province_of, registry, resolve_unit
from .validate import ValidationReport, check_panel

__all__ = [
    "read_table",
    "read_panel",
    "detect_encoding",
    "Panel",
    "PanelSource",
    "Registry",
    "Region",
    "registry",
    "resolve_unit",
    "province_of",
    "check_panel",
    "ValidationReport",
    "parse_number_series",
    "parse_number",
]
