"""Benchmark: rank agreement of the default NQPF index with external provincial estimates.

Builds the default framework (``nqpf.datasets.demo_config()``: bundled official data, COINr
outlier rule, pooled min–max, pooled panel entropy weights) and a few defensible variants, then
prints, per year 2013–2022, the Spearman rank correlation across the 31 provinces with

* the published GTFP/LSTM-based NQPF estimate (``../shared/data/nqpf-index-gtfp-lstm-dai``,
  column ``nqpf``) and the GTFP it is built on (column ``gtfp``);
* the NQPF composite of ``../shared/data/cn-province-digital`` (``nqpf_index_source``);
* for the digital-economy coupling subsystem, that folder's ``digital_economy_index_source``.

The external numbers are read from ``../shared`` only (they are never bundled). There is no
peer *implementation* to time — the peers are published estimates — so the timing line shows
nqpf's build time per variant.

Run: ``.venv/bin/python benchmarks/bench_rank_agreement.py [--shared ../shared] [--markdown]``
"""
from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

import nqpf
from nqpf.datasets import demo_config

YEARS = list(range(2013, 2023))


def default_shared() -> Path:
    env = os.environ.get("NQPF_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"


def read_external(shared: Path) -> pd.DataFrame:
    """External estimates as ``unit, year, <column>`` (one column per estimate)."""
    gt = pd.read_csv(shared / "data" / "nqpf-index-gtfp-lstm-dai" / "nqpf_gtfp_province_2010_2022.csv",
                     dtype={"region_code": str})
    gt = gt.rename(columns={"region_code": "unit", "nqpf": "gtfp_lstm_nqpf", "gtfp": "gtfp"})[
        ["unit", "year", "gtfp_lstm_nqpf", "gtfp"]]
    dg = pd.read_csv(shared / "data" / "cn-province-digital" / "huangwt_province_digital_2013_2022_long.csv",
                     dtype={"region_code": str})
    dg = dg[dg.indicator.isin(["nqpf_index_source", "digital_economy_index_source"])]
    dg = dg.pivot_table(index=["region_code", "year"], columns="indicator", values="value").reset_index()
    dg = dg.rename(columns={"region_code": "unit", "nqpf_index_source": "digital_folder_nqpf",
                            "digital_economy_index_source": "digital_folder_digital_economy"})
    return gt.merge(dg, on=["unit", "year"], how="outer")


def build_variant(**kwargs) -> tuple[pd.DataFrame, float]:
    """Build one variant; returns ``unit, year, NQPF, digital_economy`` and the build time (s)."""
    treat = kwargs.pop("treat", None)
    cfg = demo_config(stages=[], **kwargs)
    if treat is not None:
        cfg["treat"] = treat
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build(cfg)
    dt = time.perf_counter() - t0
    fw = res.framework
    wide = res.scores.pivot_table(index=["unit", "year"], columns="node", values="score", dropna=False)
    sub = next(s for s in fw.subsystems if s.id == "digital_economy")
    out = pd.DataFrame({"NQPF": wide[fw.root], "digital_economy": wide[list(sub.nodes)].mean(axis=1)}).reset_index()
    return out, dt


def spearman_by_year(ours: pd.DataFrame, ext: pd.DataFrame, our_col: str, ext_col: str) -> pd.Series:
    """Spearman's ρ across provinces, per year (pairs with a missing value dropped)."""
    m = ours.merge(ext[["unit", "year", ext_col]], on=["unit", "year"])
    out = {}
    for y in YEARS:
        g = m[m.year == y][[our_col, ext_col]].dropna()
        out[y] = spearmanr(g[our_col], g[ext_col]).statistic if len(g) >= 3 else np.nan
    return pd.Series(out, name=f"{our_col}~{ext_col}")


def agreement_table(ours: pd.DataFrame, ext: pd.DataFrame) -> pd.DataFrame:
    cols = {
        "GTFP-LSTM NQPF": ("NQPF", "gtfp_lstm_nqpf"),
        "its GTFP": ("NQPF", "gtfp"),
        "digital-folder NQPF composite": ("NQPF", "digital_folder_nqpf"),
        "digital subsystem ~ digital-economy composite": ("digital_economy", "digital_folder_digital_economy"),
    }
    t = pd.DataFrame({k: spearman_by_year(ours, ext, a, b) for k, (a, b) in cols.items()})
    t.index.name = "year"
    t.loc["mean 2013–2022"] = t.mean()
    # agreement of the period means (ranks of each province's 2013–2022 average)
    means_o = ours[ours.year.isin(YEARS)].groupby("unit")[["NQPF", "digital_economy"]].mean()
    means_e = ext[ext.year.isin(YEARS)].groupby("unit").mean(numeric_only=True)
    j = means_o.join(means_e, how="inner")
    t.loc["ranks of period means"] = [spearmanr(j[a], j[b], nan_policy="omit").statistic for a, b in cols.values()]
    return t


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=default_shared(), help="the shared folder (default ../shared)")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    args = parser.parse_args(argv)
    ext = read_external(args.shared)
    variants = {
        "default (COINr treatment, pooled min–max, pooled entropy)": {},
        "no outlier treatment": {"treat": {"method": "none"}},
        "per-year normalisation and weights": {"scope": "year"},
        "equal weights": {"weighting": "equal"},
    }
    fmt = (lambda df: df.to_markdown(floatfmt=".3f")) if args.markdown else (lambda df: df.round(3).to_string())
    summary = {}
    for name, kw in variants.items():
        ours, dt = build_variant(**kw)
        table = agreement_table(ours, ext)
        summary[name] = table.loc["mean 2013–2022"]
        print(f"\n## {name}  (nqpf build: {dt:.2f} s; peers are published estimates, not timed)\n")
        if name.startswith("default"):
            print(fmt(table))
    print("\n## Mean Spearman ρ 2013–2022 by variant\n")
    print(fmt(pd.DataFrame(summary).T))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
