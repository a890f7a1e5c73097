"""Scale benchmark: a synthetic county panel (2,800 counties × 15 years × 40 indicators) through
build + the full analysis suite (the spatial analyses are skipped: no county weights file).

Prints nqpf's time (build, analysis) beside a plain numpy reference of the core index arithmetic
(pooled min–max, pooled entropy weights, weighted sum — the peer), measured in the same run, and
the ratio. Target: build + analysis under 60 s on a 2-core machine.

    .venv/bin/python benchmarks/bench_county_scale.py
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

import nqpf
from nqpf.levels import admin_registry
from nqpf.run import run_stages
from nqpf.index.config import load_config

N_UNITS, N_YEARS, N_IND = 2800, 15, 40


def synthetic_panel(seed: int = 0) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    counties = admin_registry().units_in(2019, level="county")["unit"].tolist()[:N_UNITS]
    years = np.arange(2005, 2005 + N_YEARS)
    base = rng.lognormal(0, 0.6, size=(N_UNITS, 1, N_IND))
    trend = 1 + 0.04 * (years - years[0])[None, :, None] * rng.uniform(0.5, 1.5, size=(N_UNITS, 1, N_IND))
    vals = base * trend * rng.lognormal(0, 0.05, size=(N_UNITS, N_YEARS, N_IND))
    u, y, i = np.meshgrid(np.arange(N_UNITS), np.arange(N_YEARS), np.arange(N_IND), indexing="ij")
    d = pd.DataFrame({"unit": np.asarray(counties)[u.ravel()], "year": years[y.ravel()],
                      "indicator": np.char.add("x", i.ravel().astype(str)), "value": vals.ravel()})
    groups = admin_registry().groups(counties)
    d = d.merge(groups[["unit", "region4"]], on="unit")
    nodes = [{"id": "NQPF", "parent": "", "name_en": "index"}] + [
        {"id": f"d{k}", "parent": "NQPF", "name_en": f"dimension {k}"} for k in range(4)]
    inds = [{"id": f"x{j}", "parent": f"d{j % 4}", "direction": 1, "derive": f"series(x{j})"} for j in range(N_IND)]
    fw = {"framework": {"id": "bench_county", "unit_level": "county"}, "node": nodes, "indicator": inds}
    return d, fw


def peer_reference(d: pd.DataFrame) -> np.ndarray:
    """Pooled min–max, pooled entropy weights and the weighted sum in plain numpy (the peer)."""
    w = d.pivot_table(index=["unit", "year"], columns="indicator", values="value").to_numpy()
    z = (w - w.min(0)) / (w.max(0) - w.min(0))
    p = (z + 1e-4) / (z + 1e-4).sum(0)
    e = -(p * np.log(p)).sum(0) / np.log(len(z))
    wt = (1 - e) / (1 - e).sum()
    return z @ wt


def main() -> None:
    d, fw = synthetic_panel()
    cfg = load_config({"normalise": {"method": "minmax", "scope": "pooled", "range": [0.01, 1.0]},
                       "weight": {"method": "entropy", "scope": "pooled"},
                       "analysis": {"groupings": ["region4"], "permutations": 0}})
    t0 = time.perf_counter()
    peer = peer_reference(d)
    t_peer = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res = nqpf.build(cfg, data=d, framework=fw)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        out = run_stages(res, cfg, data=d)
        t_analysis = time.perf_counter() - t0
    log = out["analysis"]["analysis_log"]
    ok = sorted(set(log.loc[log["status"] == "ok", "analysis"]))
    from nqpf.analysis.stage import analyze

    per_kind = {}
    for kind in ok:
        t0 = time.perf_counter()
        analyze(kind, res, node="NQPF", group="region4", permutations=0)
        per_kind[kind] = time.perf_counter() - t0
    print(f"synthetic county panel: {N_UNITS} counties × {N_YEARS} years × {N_IND} indicators "
          f"({len(d):,} rows); peer index values {len(peer):,}")
    print(f"nqpf build:             {t_build:8.2f} s")
    print(f"nqpf analysis suite:    {t_analysis:8.2f} s   (ran: {', '.join(ok)})")
    print(f"nqpf build + analysis:  {t_build + t_analysis:8.2f} s   target < 60 s")
    print(f"peer (numpy index core): {t_peer:7.2f} s   ratio nqpf build / peer = {t_build / t_peer:.1f}")
    print("per analysis, root node only (the stage runs the per-node analyses on the root and its 4 children):")
    for kind, t in sorted(per_kind.items(), key=lambda kv: -kv[1]):
        print(f"  {kind:<12} {t:7.2f} s")


if __name__ == "__main__":
    main()
