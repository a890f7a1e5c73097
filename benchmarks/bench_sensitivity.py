"""Benchmark: uncertainty (N = 1000) and Saltelli sensitivity (N = 1000, 6,000 builds) analyses.

1. COINr's sensitivity-vignette specification on the ASEM data (winmax 1–5; min–max [1, 100] vs z-score (10, 2);
   ±25 % noise on pillar and sub-index weights; arithmetic vs geometric).
2. The default provincial NQPF build (all years): normalisation scope pooled vs per year, weighting entropy vs
   CRITIC vs equal, ±25 % element-weight noise, aggregation arithmetic vs TOPSIS.

Printed beside nqpf's time: the time of the naive approach (calling the full build once per run) measured on a
sample of runs and extrapolated. Targets: each analysis under 10 s on this 2-core machine.

Run:  .venv/bin/python benchmarks/bench_sensitivity.py
"""
from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np

import nqpf
from nqpf import datasets
from nqpf.sensitivity import SensitivityModel, sensitivity_analysis, uncertainty_analysis

warnings.simplefilter("ignore")


def naive_time(cfg, factors, model, data=None, framework=None, k=12):
    """Seconds per run when every run is a full nqpf.build (sampled on k runs)."""
    rng = np.random.default_rng(0)
    levels = np.column_stack([rng.integers(0, L, size=k) for L in model.L])
    t = time.perf_counter()
    for r in range(k):
        cfg_dict, _, _ = model.run_spec(levels[r])
        nqpf.build(cfg_dict, data=data, framework=framework)
    return (time.perf_counter() - t) / k


def bench(label, cfg, factors, data=None, framework=None):
    t0 = time.perf_counter()
    model = SensitivityModel(cfg, factors, data=data, framework=framework, seed=1)
    t_model = time.perf_counter() - t0
    t = time.perf_counter()
    uncertainty_analysis(model, n=1000, seed=2)
    t_ua = time.perf_counter() - t
    t = time.perf_counter()
    sa = sensitivity_analysis(model, n=1000, seed=3)
    t_sa = time.perf_counter() - t
    per_run = naive_time(cfg, factors, model, data=data, framework=framework)
    print(f"{label}")
    print(f"  set-up (read, derive, nominal build): {t_model:.2f} s")
    print(f"  uncertainty, N = 1000 runs:           {t_ua:.2f} s   naive full builds ≈ {per_run * 1000:.0f} s  ({per_run * 1000 / t_ua:.0f}× slower)")
    print(f"  sensitivity, N = 1000 (6,000 runs):   {t_sa:.2f} s   naive full builds ≈ {per_run * len(sa.runs):.0f} s  ({per_run * len(sa.runs) / t_sa:.0f}× slower)")
    print("  STi: " + ", ".join(f"{r.factor} {r.STi:.2f}" for r in sa.indices.itertuples()))


def main() -> None:
    from test_index_coinr_asem import ASEM_CONFIG, asem_framework, asem_long

    bench("ASEM (COINr vignette specification), 51 countries",
          ASEM_CONFIG,
          [{"name": "Winmax", "section": "treat", "param": "winmax", "values": [1, 2, 3, 4, 5]},
           {"name": "Normalisation", "options": [{"normalise": {"method": "minmax", "range": [1, 100]}},
                                                 {"normalise": {"method": "zscore", "mean": 10, "sd": 2}}]},
           {"name": "Weights", "kind": "weights_noise", "levels": [2, 3], "spread": 0.25, "n_sets": 100},
           {"name": "Aggregation", "section": "aggregate", "param": "method", "values": ["arithmetic", "geometric"]}],
          data=asem_long(), framework=asem_framework())
    cfg = datasets.demo_config(stages=[])
    bench("Provincial NQPF demo (31 provinces, all years)", cfg,
          [{"name": "Normalisation scope", "options": [{"normalise": {"scope": "pooled"}}, {"normalise": {"scope": "year"}}]},
           {"name": "Weighting", "options": [{"weight": {"method": "entropy"}}, {"weight": {"method": "critic"}},
                                             {"weight": {"method": "equal"}}]},
           {"name": "Element weights", "kind": "weights_noise", "levels": [3], "spread": 0.25, "n_sets": 100},
           {"name": "Aggregation", "options": [{"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "topsis"}}]}])


if __name__ == "__main__":
    main()
