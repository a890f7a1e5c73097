"""Robustness helpers: winsorising, variants, alternative index builds."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from nqpf import DataError, NqpfError
from nqpf.explain import MUNICIPALITIES, ModelSpec, fit_panel, robustness, winsorise


def panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = list(MUNICIPALITIES) + [f"6{i:02d}000" for i in range(27)]
    n, T = len(units), 6
    unit = np.repeat(units, T)
    year = np.tile(np.arange(2015, 2015 + T), n)
    x = rng.normal(size=n * T)
    y = 0.8 * x + rng.normal(size=n * T)
    return pd.DataFrame({"unit": unit, "year": year, "NQPF": y, "x": x, "y_alt": y + rng.normal(scale=0.2, size=n * T)})


def test_winsorise_quantiles_and_no_input_change():
    d = panel()
    before = d.copy()
    w = winsorise(d, ["x"], lower=0.05, upper=0.05)
    pd.testing.assert_frame_equal(d, before)
    lo, hi = d["x"].quantile([0.05, 0.95])
    assert w["x"].min() == pytest.approx(lo) and w["x"].max() == pytest.approx(hi)
    mid = d["x"].between(lo, hi)
    np.testing.assert_array_equal(w.loc[mid, "x"], d.loc[mid, "x"])
    by = winsorise(d, ["x"], lower=0.1, upper=0.1, by_year=True)
    for yr, g in d.groupby("year"):
        assert by.loc[g.index, "x"].max() == pytest.approx(g["x"].quantile(0.9))
    with pytest.raises(NqpfError, match=r"The 'lower' parameter of winsorise must be a float in the range \[0, 0.5\); got 0.6"):
        winsorise(d, ["x"], lower=0.6)


def test_variants_refit_the_baseline():
    d = panel()
    spec = ModelSpec(y="NQPF", x=["x"])
    alt_run = SimpleNamespace(scores=d[["unit", "year"]].assign(node="NQPF", score=d["y_alt"]))
    res = robustness(d, spec, alternatives={"alt column": "y_alt", "alt build": alt_run}, years=(2016, 2019))
    names = res.variants["variant"].tolist()
    assert names == ["baseline", "alt column", "alt build", "winsorised 1%", "without municipalities", "lagged regressors", "2016–2019"]
    cmp = res.comparison.set_index("variant")
    assert cmp.loc["alt column", "coef"] == pytest.approx(fit_panel(d, y="y_alt", x=["x"]).params["x"], rel=1e-10)
    assert cmp.loc["alt build", "coef"] == pytest.approx(cmp.loc["alt column", "coef"], rel=1e-10)
    assert cmp.loc["without municipalities", "nobs"] == 27 * 6
    assert cmp.loc["lagged regressors", "term"] == "lag(x)" and cmp.loc["lagged regressors", "nobs"] == 31 * 5
    assert cmp.loc["2016–2019", "nobs"] == 31 * 4
    # lagged term shares the row of x in the table
    assert res.table.frame.loc["x"].ne("").all()


def test_alternative_without_node_refused():
    d = panel()
    bad = SimpleNamespace(scores=d[["unit", "year"]].assign(node="OTHER", score=1.0))
    with pytest.raises(DataError, match="robustness: alternative 'b' has no column 'NQPF'"):
        robustness(d, ModelSpec(y="NQPF", x=["x"]), alternatives={"b": bad})
