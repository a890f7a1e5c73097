"""Benchmark of the analysis suite (not a test).

1. Dagum Gini decomposition on a county-scale panel (2,800 units × 12 years × 4 groups):
   nqpf's O(n log n)-per-pair implementation (``nqpf.analysis.dagum_panel``, the full call with
   its tables) beside the direct O(n²) double sums of methods-reference §4 (the reference
   ``dagum_direct`` of ``tests/_reference.py``), measured in the same run; the two must agree.
   Target: nqpf under 0.5 s for all 12 years.
2. The whole suite on the 31-province × 10-year panel of the default framework (bundled data,
   ``nqpf.datasets.demo_config()``, root node only): every analysis of ``[analysis]`` with
   permutations = 0, beside the same call with 999 permutations. Target: under 3 s excluding
   permutation inference. Imports and a warm-up run are excluded.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--repeat 3]``.
"""
from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd
from _timing import best_of


def bench_dagum(repeat: int) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the test-only reference implementations
    from _reference import dagum_direct

    from nqpf.analysis.inequality import dagum_panel

    rng = np.random.default_rng(20261124)
    n, years, groups = 2800, list(range(2011, 2023)), np.array(["east", "central", "west", "northeast"])
    unit_group = groups[rng.integers(0, 4, size=n)]
    level = {"east": 1.4, "central": 1.0, "west": 0.8, "northeast": 0.9}
    rows = []
    for t, yr in enumerate(years):
        mu = np.array([level[g] for g in unit_group]) * (1 + 0.03 * t)
        rows.append(pd.DataFrame({"unit": [f"c{i:04d}" for i in range(n)], "year": yr, "group": unit_group,
                                  "value": rng.lognormal(np.log(mu), 0.5)}))
    panel = pd.concat(rows, ignore_index=True)
    t_fast, res = best_of(lambda: dagum_panel(panel, group="group"), repeat)

    def direct():
        out = []
        for yr, sub in panel.groupby("year"):
            core = dagum_direct(sub["value"].to_numpy(), sub["group"].to_numpy())
            out.append(core["G"])
        return out

    t_direct, g_direct = best_of(direct, 1)
    err = float(np.max(np.abs(res.totals["G"].to_numpy() - np.asarray(g_direct))))
    print("Dagum decomposition, 2,800 units × 12 years × 4 groups")
    print(f"  nqpf dagum_panel (sorted cumulative sums): {t_fast:8.3f} s   (target < 0.5 s)")
    print(f"  direct O(n²) double sums:                  {t_direct:8.3f} s")
    print(f"  ratio direct / nqpf:                       {t_direct / t_fast:8.1f} ×   max |ΔG| = {err:.1e}")
    if not err < 1e-10:
        raise SystemExit("Dagum G differs from the direct double sums")


def bench_suite(repeat: int) -> None:
    import nqpf
    from nqpf.analysis.stage import AnalysisConfig, run_analysis
    from nqpf.datasets import demo_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = nqpf.build(demo_config(years=(2013, 2022), stages=[]))
        cfg0 = AnalysisConfig(nodes=[result.root], permutations=0, gdp_per_capita="gdp_per_capita")
        cfg999 = AnalysisConfig(nodes=[result.root], permutations=999, gdp_per_capita="gdp_per_capita")
        run_analysis(result, cfg0, {})  # warm-up: imports of esda, linearmodels, scikit-learn …
        t0, out = best_of(lambda: run_analysis(result, cfg0, {}), repeat)
        t999, _ = best_of(lambda: run_analysis(result, cfg999, {}), 1)
    ok = int((out["analysis_log"]["status"] == "ok").sum())
    print(f"Whole analysis suite, 31 provinces × 10 years, root node ({ok} analyses ok)")
    print(f"  nqpf run_analysis, permutations = 0:       {t0:8.3f} s   (target < 3 s)")
    print(f"  nqpf run_analysis, permutations = 999:     {t999:8.3f} s")
    print(f"  ratio 999 / 0:                             {t999 / t0:8.1f} ×")
    print("  (no peer implements the whole suite: the second line is the same call with permutation inference)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs (default 3)")
    args = ap.parse_args()
    bench_dagum(args.repeat)
    bench_suite(args.repeat)


if __name__ == "__main__":
    main()
