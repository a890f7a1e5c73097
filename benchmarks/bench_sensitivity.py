"""Benchmark: uncertainty and Saltelli sensitivity analyses against one full build per run, both measured.

1. COINr's sensitivity-vignette specification on the ASEM data (winmax 1–5; min–max [1, 100] vs z-score (10, 2);
   ±25 % noise on pillar and sub-index weights; arithmetic vs geometric).
2. The default provincial NQPF build (all years): normalisation scope pooled vs per year, weighting entropy vs
   CRITIC vs equal, ±25 % element-weight noise, aggregation arithmetic vs TOPSIS.

The peer is the naive approach, measured in full (nothing extrapolated): every run of the design is a call of
``nqpf.build`` with that run's config; a run with weight noise takes the build's weights, multiplies them by the
run's noise and builds again with those weights given (``weight.method = "given"``, within parent) — what a
script without shared work has to do. Both sides compute exactly the same runs (a Monte Carlo sample of
``--peer-runs`` runs and a Saltelli design with ``--peer-sobol-n`` base samples) and the target node's scores of
every run are checked equal (max |difference| < 1e-9, same ranks). nqpf's time for the full-size analyses
(N = 1000 and Sobol' N = 1000, 6,000 runs) is printed beside them; target < 10 s each on a 2-core machine.

Run:  .venv/bin/python benchmarks/bench_sensitivity.py [--peer-runs 100] [--peer-sobol-n 8] [--n 1000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np

import nqpf
from nqpf import datasets
from nqpf.sensitivity import SensitivityModel, sensitivity_analysis, uncertainty_analysis
from nqpf.sensitivity.design import sample_levels, saltelli_levels

warnings.simplefilter("ignore")


def full_build_scores(model: SensitivityModel, levels: np.ndarray, data=None, framework=None) -> np.ndarray:
    """The peer: target-node scores (T, n, R), one full build per run (two for a run with weight noise)."""
    S = np.full((len(model.years), len(model.units), len(levels)), np.nan)
    pos_u = {u: i for i, u in enumerate(model.units)}
    pos_y = {y: i for i, y in enumerate(model.years)}
    for r, lev in enumerate(levels):
        cfg, noise, zero = model.run_spec(lev)
        res = nqpf.build(cfg, data=data, framework=framework)
        if noise or zero:
            w = res.weights
            w = w[(w["parent"] != "") & w["node"].isin(list(model.framework.by_id))]  # tree nodes only
            if "year" in w and w["year"].notna().any():
                raise SystemExit("per-year weights: the given-weights rebuild cannot express them")
            given = {n: (0.0 if n in zero else float(v) * noise.get(n, 1.0) if noise else float(v))
                     for n, v in zip(w["node"], w["weight"])}
            cfg = dict(cfg, weight={**cfg["weight"], "method": "given", "scheme": "within_parent", "upper": "given",
                                    "given": given, "combine": None})
            res = nqpf.build(cfg, data=data, framework=framework)
        s = res.scores[res.scores["node"] == model.node]
        S[[pos_y[int(y)] for y in s["year"]], [pos_u[str(u)] for u in s["unit"]], r] = s["score"].to_numpy(float)
    return S


def compare(model: SensitivityModel, levels: np.ndarray, data, framework) -> tuple[float, float, float, bool]:
    """(nqpf seconds, peer seconds, max |score difference|, equal ranks) on the same runs."""
    t = time.perf_counter()
    ours = model.evaluate(levels)
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    peer = full_build_scores(model, levels, data, framework)
    t_peer = time.perf_counter() - t
    both = np.isfinite(ours) & np.isfinite(peer)
    same_missing = bool((np.isfinite(ours) == np.isfinite(peer)).all())
    diff = float(np.abs(ours[both] - peer[both]).max()) if both.any() else 0.0
    from nqpf.sensitivity.core import rank_desc

    return t_ours, t_peer, diff if same_missing else float("inf"), bool(np.array_equal(rank_desc(ours), rank_desc(peer)))


def bench(label, cfg, factors, args, data=None, framework=None) -> bool:
    t0 = time.perf_counter()
    model = SensitivityModel(cfg, factors, data=data, framework=framework, seed=1)
    t_model = time.perf_counter() - t0
    t = time.perf_counter()
    uncertainty_analysis(model, n=args.n, seed=2)
    t_ua = time.perf_counter() - t
    t = time.perf_counter()
    sa = sensitivity_analysis(model, n=args.n, seed=3)
    t_sa = time.perf_counter() - t
    print(label)
    print(f"  set-up (read, derive, nominal build): {t_model:.2f} s")
    print(f"  nqpf uncertainty, N = {args.n} runs:            {t_ua:.2f} s")
    print(f"  nqpf sensitivity, N = {args.n} ({len(sa.runs):,} runs):      {t_sa:.2f} s")
    ok = True
    mc = sample_levels(model.L, args.peer_runs, np.random.default_rng(2))
    sob, _ = saltelli_levels(model.L, args.peer_sobol_n, 3)
    for name, levels in ((f"Monte Carlo, {len(mc)} runs", mc), (f"Saltelli N = {args.peer_sobol_n}, {len(sob)} runs", sob)):
        model._cache.clear()  # nqpf pays for its engine runs again, as in a fresh analysis
        t_ours, t_peer, diff, same_ranks = compare(model, levels, data, framework)
        n_noise = sum(1 for lev in levels if model.run_spec(lev)[1])
        same = diff < 1e-9 and same_ranks
        ok &= same
        print(f"  {name} ({n_noise} with weight noise): nqpf {t_ours:.2f} s, full builds {t_peer:.2f} s "
              f"({t_peer / t_ours:.0f}×); scores max |diff| {diff:.1e}, ranks {'equal' if same_ranks else 'DIFFERENT'}")
    print(f"  STi (N = {args.n}): " + ", ".join(f"{r.factor} {r.STi:.2f}" for r in sa.indices.itertuples()))
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peer-runs", type=int, default=100, help="Monte Carlo runs computed by both sides")
    ap.add_argument("--peer-sobol-n", type=int, default=8, help="Saltelli base samples computed by both sides")
    ap.add_argument("--n", type=int, default=1000, help="N of the full-size analyses (nqpf only)")
    args = ap.parse_args()
    from test_index_coinr_asem import ASEM_CONFIG, asem_framework, asem_long

    print(f"CPUs {os.cpu_count()}")
    ok = bench("ASEM (COINr vignette specification), 51 countries",
               ASEM_CONFIG,
               [{"name": "Winmax", "section": "treat", "param": "winmax", "values": [1, 2, 3, 4, 5]},
                {"name": "Normalisation", "options": [{"normalise": {"method": "minmax", "range": [1, 100]}},
                                                      {"normalise": {"method": "zscore", "mean": 10, "sd": 2}}]},
                {"name": "Weights", "kind": "weights_noise", "levels": [2, 3], "spread": 0.25, "n_sets": 100},
                {"name": "Aggregation", "section": "aggregate", "param": "method", "values": ["arithmetic", "geometric"]}],
               args, data=asem_long(), framework=asem_framework())
    cfg = datasets.demo_config(stages=[])
    ok &= bench("Provincial NQPF demo (31 provinces, all years)", cfg,
                [{"name": "Normalisation scope", "options": [{"normalise": {"scope": "pooled"}}, {"normalise": {"scope": "year"}}]},
                 {"name": "Weighting", "options": [{"weight": {"method": "entropy"}}, {"weight": {"method": "critic"}},
                                                   {"weight": {"method": "equal"}}]},
                 {"name": "Element weights", "kind": "weights_noise", "levels": [3], "spread": 0.25, "n_sets": 100},
                 {"name": "Aggregation", "options": [{"aggregate": {"method": "arithmetic"}}, {"aggregate": {"method": "topsis"}}]}],
                args)
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
