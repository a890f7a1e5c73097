"""``benchmarks/make_docs.py`` (``make bench``): the share of CPU time the hypervisor took while each benchmark ran
is measured from /proc/stat and printed beside the benchmark on the page."""
from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "make_docs.py"


@pytest.fixture(scope="module")
def make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", _PATH)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_stolen_share(make_docs):
    assert make_docs.stolen_share((10, 1000), (60, 2000)) == pytest.approx(0.05)
    assert make_docs.stolen_share(None, (60, 2000)) is None
    assert make_docs.stolen_share((10, 1000), (10, 1000)) is None  # no time passed: no share


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/stat is Linux's")
def test_cpu_times_read_proc_stat(make_docs):
    steal, total = make_docs.cpu_times()
    assert 0 <= steal <= total and total > 0


def test_page_shows_the_stolen_share_of_each_benchmark(make_docs):
    results = {"bench_demo": ("what it printed\n", 12.0, "2026-12-03 15:00", 0.125),
               "bench_index": ("more\n", 3.0, "2026-12-03 15:01", None)}
    text = make_docs.page(results, dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc), 1.0)
    rows = [line for line in text.splitlines() if line.startswith("| [`bench_")]
    assert rows[0].endswith("| 12 | 12.5 % |") and rows[1].endswith("| 3 | not measured |")
    assert "CPU time stolen meanwhile" in text
