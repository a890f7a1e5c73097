"""Benchmark: global Malmquist–Luenberger (SBM, one undesirable output), 300 units × 15 years.

Prints nqpf's time beside a straightforward one-LP-at-a-time SciPy loop (the same SBM LPs,
``scipy.optimize.linprog(method="highs")`` once per unit-year and frontier) measured in the same
run, the ratio, and the largest difference between the two sets of indices.

Run: ``.venv/bin/python benchmarks/bench_gtfp.py [--units 300] [--years 15] [--naive-sample 0]``
(``--naive-sample N`` times the loop on N random LPs of each kind and extrapolates, for a quick run).
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from nqpf.gtfp import malmquist_luenberger


def synthetic_panel(n_units: int, n_years: int, seed: int = 0) -> pd.DataFrame:
    """Seeded provincial-like panel: K, L, E → Y (Cobb–Douglas with inefficiency and technical progress), CO2."""
    rng = np.random.default_rng(seed)
    size = rng.lognormal(0.0, 0.8, n_units)
    rows = []
    for t in range(n_years):
        K = size * rng.lognormal(np.log(3e4) + 0.08 * t, 0.3, n_units)
        L = size * rng.lognormal(np.log(2e3) + 0.01 * t, 0.3, n_units)
        E = size * rng.lognormal(np.log(1e2) + 0.03 * t, 0.3, n_units)
        u = rng.exponential(0.3, n_units)
        Y = np.exp(0.02 * t) * K**0.4 * L**0.35 * E**0.25 * np.exp(-u)
        CO2 = E * rng.lognormal(np.log(2.5) - 0.02 * t, 0.25, n_units)
        rows.append(pd.DataFrame({"unit": [f"u{i:03d}" for i in range(n_units)], "year": 2000 + t,
                                  "K": K, "L": L, "E": E, "Y": Y, "CO2": CO2}))
    return pd.concat(rows, ignore_index=True)


def naive_sbm(x0, y0, b0, X, Y, B):
    """Non-oriented CRS SBM with bads, Charnes–Cooper LP, one linprog call (the peer)."""
    n, m = X.shape
    s1, s2 = Y.shape[1], B.shape[1]
    nv = 1 + n + m + s1 + s2  # t, Λ, S⁻, S^g, S^b
    c = np.zeros(nv)
    c[0] = 1.0
    c[1 + n : 1 + n + m] = -1.0 / (m * x0)
    A = np.zeros((1 + m + s1 + s2, nv))
    b = np.zeros(1 + m + s1 + s2)
    A[0, 0] = 1.0
    A[0, 1 + n + m : 1 + n + m + s1] = 1.0 / ((s1 + s2) * y0)
    A[0, 1 + n + m + s1 :] = 1.0 / ((s1 + s2) * b0)
    b[0] = 1.0
    for i in range(m):
        A[1 + i, 0] = -x0[i]; A[1 + i, 1 : 1 + n] = X[:, i]; A[1 + i, 1 + n + i] = 1.0
    for r in range(s1):
        A[1 + m + r, 0] = -y0[r]; A[1 + m + r, 1 : 1 + n] = Y[:, r]; A[1 + m + r, 1 + n + m + r] = -1.0
    for k in range(s2):
        A[1 + m + s1 + k, 0] = -b0[k]; A[1 + m + s1 + k, 1 : 1 + n] = B[:, k]; A[1 + m + s1 + k, 1 + n + m + s1 + k] = 1.0
    res = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    return res.fun if res.status == 0 else np.nan


def naive_global_ml(df: pd.DataFrame, sample: int = 0, seed: int = 1):
    X = df[["K", "L", "E"]].to_numpy(); Y = df[["Y"]].to_numpy(); B = df[["CO2"]].to_numpy()
    years = df["year"].to_numpy()
    n = len(df)
    rng = np.random.default_rng(seed)
    jobs = [("own", i) for i in range(n)] + [("global", i) for i in range(n)]
    if sample:
        pick = np.concatenate([rng.choice(n, sample, replace=False), n + rng.choice(n, sample, replace=False)])
        jobs = [jobs[j] for j in pick]
    own = np.full(n, np.nan); glob = np.full(n, np.nan)
    t0 = time.perf_counter()
    for kind, i in jobs:
        ref = years == years[i] if kind == "own" else slice(None)
        v = naive_sbm(X[i], Y[i], B[i], X[ref], Y[ref], B[ref])
        (own if kind == "own" else glob)[i] = v
    elapsed = time.perf_counter() - t0
    if sample:
        elapsed *= n / sample  # extrapolate to all 2n LPs
    return elapsed, own, glob


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=300)
    ap.add_argument("--years", type=int, default=15)
    ap.add_argument("--naive-sample", type=int, default=0)
    a = ap.parse_args()
    df = synthetic_panel(a.units, a.years)
    t0, c0 = time.perf_counter(), time.process_time()
    res = malmquist_luenberger(df, inputs=["K", "L", "E"], outputs="Y", undesirable="CO2", model="sbm", frontier="global")
    t_nqpf, c_nqpf = time.perf_counter() - t0, time.process_time() - c0
    c0 = time.process_time()
    t_naive, own, glob = naive_global_ml(df, a.naive_sample)
    c_naive = time.process_time() - c0
    if a.naive_sample:
        c_naive *= len(df) / a.naive_sample
    dist = res.distances
    g = dist[dist["frontier"] == "global"].set_index(["unit", "year"])["score"]
    o = dist[dist["frontier"] == "own"].set_index(["unit", "year"])["score"]
    key = pd.MultiIndex.from_arrays([df["unit"], df["year"]])
    dg = np.nanmax(np.abs(g.reindex(key).to_numpy() - glob))
    do = np.nanmax(np.abs(o.reindex(key).to_numpy() - own))
    n_lp = 2 * len(df)
    print(f"global Malmquist–Luenberger, SBM (CRS), K L E -> Y : CO2, {a.units} units x {a.years} years ({n_lp} LPs)")
    print(f"nqpf (stacked HiGHS + column generation): {t_nqpf:8.2f} s wall, {c_nqpf:8.2f} s CPU")
    label = "one-LP-at-a-time scipy linprog loop" + (f" (extrapolated from {2 * a.naive_sample} LPs)" if a.naive_sample else "")
    print(f"{label}: {t_naive:8.2f} s wall, {c_naive:8.2f} s CPU")
    print(f"speed-up: {t_naive / t_nqpf:6.1f}x wall, {c_naive / c_nqpf:6.1f}x CPU")
    print(f"max |score difference| global: {dg:.2e}, contemporaneous: {do:.2e}")
    print(f"indices: {res.index['index'].notna().sum()} defined, geometric mean ML = "
          f"{float(np.exp(np.log(res.index['index']).mean())):.4f}")
    if not (dg < 1e-8 and do < 1e-8):
        raise SystemExit("the scores differ from the one-LP-at-a-time loop")


if __name__ == "__main__":
    main()
