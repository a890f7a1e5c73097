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
