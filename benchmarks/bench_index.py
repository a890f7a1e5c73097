"""Benchmark: full index build on a synthetic panel of 3,000 units × 15 years × 40 indicators.

Prints nqpf's time for the whole build (treat → normalise → weight → aggregate, all years) and,
for the steps the peers share (min–max normalisation + entropy weights + TOPSIS, per year), the
time of nqpf beside pymcdm and pyrepo-mcda measured in the same run, with the ratios.

Run:  .venv/bin/python benchmarks/bench_index.py
Targets: full build < 2 s on a 2-core machine; no slower than the peers on the shared steps.
"""
from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

import nqpf
from nqpf.framework.io import framework_from_dict
from nqpf.index.aggregate import topsis
from nqpf.index.normalise import normalise_panel
from nqpf.index.weights import entropy_weights

N_UNITS, N_YEARS, N_IND, N_DIMS = 3000, 15, 40, 4


def synthetic(seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.lognormal(mean=2.0, sigma=0.8, size=(N_YEARS, N_UNITS, N_IND))
    X *= (1 + 0.03 * np.arange(N_YEARS))[:, None, None]
    X[rng.random(X.shape) < 0.01] = np.nan
    units = np.array([f"{i:06d}" for i in range(N_UNITS)])
    years = np.arange(2010, 2010 + N_YEARS)
    long = pd.DataFrame({
        "unit": np.tile(np.repeat(units, N_IND), N_YEARS),
        "year": np.repeat(years, N_UNITS * N_IND),
        "indicator": np.tile([f"x{j:02d}" for j in range(N_IND)], N_YEARS * N_UNITS),
        "value": X.reshape(-1),
    })
    nodes = [{"id": "I", "parent": ""}] + [{"id": f"d{k}", "parent": "I"} for k in range(N_DIMS)]
    inds = [{"id": f"x{j:02d}", "parent": f"d{j % N_DIMS}", "direction": -1 if j % 7 == 0 else 1} for j in range(N_IND)]
    fw = framework_from_dict({"framework": {"id": "bench"}, "node": nodes, "indicator": inds})
    return X, long, fw


def best_of(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    X, long, fw = synthetic()
    cfg = {"impute": {"method": "linear"}, "treat": {"method": "winsorise", "scope": "year"},
           "normalise": {"method": "minmax", "scope": "pooled"}, "weight": {"method": "entropy", "scope": "pooled"},
           "aggregate": {"method": "arithmetic"}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_full = best_of(lambda: nqpf.build(cfg, data=long, framework=fw), repeat=2)
        cfg_t = dict(cfg, aggregate={"method": "topsis"})
        t_full_topsis = best_of(lambda: nqpf.build(cfg_t, data=long, framework=fw), repeat=2)

    # shared steps, per year: min–max + entropy + TOPSIS on complete data
    Xc = np.nan_to_num(X, nan=np.nanmean(X))
    d = np.where(np.arange(N_IND) % 7 == 0, -1.0, 1.0)

    def ours():
        Z = normalise_panel(Xc, d, method="minmax", scope="year")
        for t in range(N_YEARS):
            w = entropy_weights(Z[t])
            topsis(Z[t][None], w, ideal="year")

    from pymcdm.methods import TOPSIS as PmTOPSIS
    from pymcdm.normalizations import minmax_normalization
    from pymcdm.weights import entropy_weights as pm_entropy

    types = d.astype(int)

    def pymcdm_run():
        for t in range(N_YEARS):
            m = Xc[t]
            Z = np.column_stack([minmax_normalization(m[:, j], cost=types[j] < 0) for j in range(N_IND)]) + 1e-4
            w = pm_entropy(Z)
            PmTOPSIS(normalization_function=minmax_normalization)(m, w, types)

    from pyrepo_mcda.mcda_methods import TOPSIS as PrTOPSIS
    from pyrepo_mcda import normalizations as prn
    from pyrepo_mcda import weighting_methods as prw

    def pyrepo_run():
        for t in range(N_YEARS):
            m = Xc[t]
            Z = prn.minmax_normalization(m, types)
            w = prw.entropy_weighting(Z)
            PrTOPSIS(normalization_method=prn.minmax_normalization)(m, w, types)

    t_ours = best_of(ours)
    t_pm = best_of(pymcdm_run)
    t_pr = best_of(pyrepo_run)
    print(f"panel: {N_UNITS} units × {N_YEARS} years × {N_IND} indicators ({N_UNITS * N_YEARS * N_IND:,} cells)")
    print(f"nqpf full build (long table → impute, winsorise, pooled min–max, pooled entropy, arithmetic, ranks): {t_full:.2f} s  (target < 2 s)")
    print(f"nqpf full build with TOPSIS aggregation:                                                  {t_full_topsis:.2f} s")
    print("shared steps per year (min–max + entropy + TOPSIS, 15 years):")
    print(f"  nqpf        {t_ours:.3f} s")
    print(f"  pymcdm      {t_pm:.3f} s   ratio pymcdm/nqpf = {t_pm / t_ours:.1f}×")
    print(f"  pyrepo-mcda {t_pr:.3f} s   ratio pyrepo/nqpf = {t_pr / t_ours:.1f}×")


if __name__ == "__main__":
    main()
