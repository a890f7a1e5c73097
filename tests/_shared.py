"""Locate the shared real-data folder (``../shared`` beside the repository).

Tests that need a shared file call :func:`shared_path`, which skips the test with
a clear reason when the folder or file is absent (e.g. on a fresh clone).
Override the location with the environment variable ``NQPF_SHARED``.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_root() -> Path:
    env = os.environ.get("NQPF_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """Path of a file under ``../shared``; skip the calling test when it is missing."""
    p = shared_root().joinpath(*parts)
    if not p.exists():
        pytest.skip(f"needs ../shared/{'/'.join(parts)} (not present: the shared data folder is not beside this clone)")
    return p


def fixture_path(*parts: str) -> Path:
    return FIXTURES.joinpath(*parts)


def province_nqpf_input() -> "Path":
    """The published provincial NQPF estimates (input of the nqpf_province_dagum oracle) as ``unit, year, nqpf``.

    Third-party model output without a licence: read from ``../shared`` at test time (never copied into the
    repository); the test is skipped when it is absent.
    """
    import tempfile

    import pandas as pd

    src = shared_path("data", "nqpf-index-gtfp-lstm-dai", "nqpf_gtfp_province_2010_2022.csv")
    out = Path(tempfile.gettempdir()) / f"nqpf_province_input_{os.getpid()}.csv"
    if not out.exists():
        d = pd.read_csv(src, dtype={"region_code": str})
        d.rename(columns={"region_code": "unit"})[["unit", "year", "nqpf"]].to_csv(out, index=False)
    return out
