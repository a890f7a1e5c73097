"""The demo runs (re-exported from :mod:`nqpf.workflow.demos`, which owns them)."""
from __future__ import annotations

from .workflow.demos import DemoLevel, demo_summary, parse_years, run_demo, run_level_demo

__all__ = ["run_demo", "run_level_demo", "demo_summary", "parse_years", "DemoLevel"]
