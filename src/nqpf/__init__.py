"""nqpf — measure, diagnose and explain New Quality Productive Forces (新质生产力) from data.

Public API (flat):

>>> import nqpf
>>> result = nqpf.build({"data": {"bundled": "province"}, "framework": {"path": "scitech_province"}})
>>> list(result.scores.columns)
['unit', 'unit_name', 'year', 'node', 'score', 'rank']
>>> result.ranking(2022)["unit_name"].iloc[0]
'北京'
"""
from __future__ import annotations

__version__ = "0.1.0"

from ._errors import (  # noqa: F401
    ConfigError,
    ConstantIndicatorWarning,
    DataError,
    DataWarning,
    FrameworkError,
    MethodError,
    MethodWarning,
    NqpfError,
    NqpfWarning,
    UnknownRegionError,
)

__all__ = [
    "__version__",
    "NqpfError",
    "DataError",
    "UnknownRegionError",
    "FrameworkError",
    "ConfigError",
    "MethodError",
    "NqpfWarning",
    "DataWarning",
    "ConstantIndicatorWarning",
    "MethodWarning",
    "build",
    "regenerate",
    "load_result",
    "IndexResult",
    "Framework",
    "load_framework",
    "read_panel",
]

_LAZY = {
    "build": ("nqpf.index.build", "build"),
    "regenerate": ("nqpf.index.build", "regenerate"),
    "load_result": ("nqpf.index.result", "load_result"),
    "IndexResult": ("nqpf.index.result", "IndexResult"),
    "Framework": ("nqpf.framework.model", "Framework"),
    "load_framework": ("nqpf.framework.io", "load_framework"),
    "read_panel": ("nqpf.data.io", "read_panel"),
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    if name in ("analysis", "datasets", "text", "paths", "report", "gtfp", "explain", "sensitivity", "data", "framework",
                "index", "levels"):
        import importlib

        return importlib.import_module(f"nqpf.{name}")
    raise AttributeError(f"module 'nqpf' has no attribute {name!r}")
