"""Indicator frameworks: the tree, its tags, derivations from raw series, TOML/CSV I/O."""
from .derive import Derivation, derive_indicators, parse_derivation
from .io import (
    builtin_frameworks,
    framework_from_dict,
    framework_from_frame,
    framework_to_dict,
    framework_to_frame,
    load_framework,
    write_framework_csv,
    write_framework_toml,
)
from .model import (
    DRIVERS, ELEMENTS, FOUNDATION_TYPES, LEVELS, TYPES, Framework, Grouping, Node, SeedRef, Subsystem,
    activate_declared, coverage,
)

__all__ = [
    "Framework", "Node", "SeedRef", "Grouping", "Subsystem", "ELEMENTS", "DRIVERS", "TYPES", "LEVELS",
    "load_framework", "framework_from_dict", "framework_to_dict", "framework_to_frame", "framework_from_frame",
    "write_framework_csv", "write_framework_toml", "builtin_frameworks",
    "Derivation", "parse_derivation", "derive_indicators", "FOUNDATION_TYPES", "activate_declared", "coverage",
]
