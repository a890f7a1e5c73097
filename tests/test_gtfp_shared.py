"""GTFP on the shared provincial inputs (skipped without ../shared): only years with every input are used."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from _shared import shared_path

from nqpf import DataWarning
from nqpf.gtfp import gtfp_indicator, malmquist_luenberger

INPUTS = ["capital_stock_zj_1997prices", "employment", "energy_consumption_gtfpch"]


def test_zhang_jun_capital_with_employment_years_only():
    path = shared_path("data", "cn-province-gtfp-inputs", "gtfp_inputs_long.csv")
    long = pd.read_csv(path, dtype={"region_code": str})
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", DataWarning)
        res = malmquist_luenberger(long, inputs=INPUTS, outputs="real_gdp_gtfpch_1997prices",
                                   undesirable="co2_gtfpch", model="sbm", frontier="global", unit="region_code")
    assert any(issubclass(w.category, DataWarning) for w in rec)
    # capital 2000–2022 for 31 provinces, employment only 2013–2015 for 30: 30 × 3 usable unit-years
    assert sorted(res.cumulative["year"].unique()) == [2013, 2014, 2015]
    assert res.cumulative["unit"].nunique() == 30
    ex = res.excluded
    assert len(ex) == 31 * 23 - 90
    assert ex["reason"].str.contains("employment").all()
    assert set(ex.loc[ex["unit"] == "540000", "year"]) == set(range(2000, 2023))  # Tibet: no employment at all
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ind = gtfp_indicator(long, inputs=INPUTS, outputs="real_gdp_gtfpch_1997prices", undesirable="co2_gtfpch",
                             unit="region_code")
    assert (ind.loc[ind["year"] == 2013, "value"] == 1.0).all()
    assert np.isfinite(ind["value"]).all()
