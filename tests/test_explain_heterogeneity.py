"""Heterogeneity: group fits equal subset fits; Wald equality test against a hand computation;
the tests reject unequal slopes and not equal ones."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqpf import NqpfError
from nqpf.explain import fit_panel, heterogeneity, wald_equality


def simulate(gap: float, seed: int, n: int = 40, T: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), T)
    year = np.tile(np.arange(2010, 2010 + T), n)
    region = np.where(unit < n // 2, "东部", "西部")
    x = rng.normal(size=n * T)
    z = rng.normal(size=n * T)
    y = np.where(region == "东部", 1.0 + gap, 1.0) * x + 0.3 * z + rng.normal(size=n)[unit] + rng.normal(size=n * T)
    return pd.DataFrame({"unit": unit.astype(str), "year": year, "y": y, "x": x, "z": z, "region4": region})


def test_group_models_equal_subset_fits():
    d = simulate(1.0, 0)
    res = heterogeneity(d, y="y", x=["x"], by="region4", controls=["z"])
    sub = fit_panel(d[d["region4"] == "西部"], y="y", x=["x"], controls=["z"])
    assert res.groups == ("东部", "西部")
    assert res.models[1].params["x"] == pytest.approx(sub.params["x"], rel=1e-10)
    assert res.models[1].std_errors["x"] == pytest.approx(sub.std_errors["x"], rel=1e-10)


def test_wald_equality_matches_hand_computation():
    d = simulate(1.0, 1)
    res = heterogeneity(d, y="y", x=["x"], by="region4", controls=["z"])
    p = res.pooled
    names = ["x × [region4=东部]", "x × [region4=西部]"]
    diff = p.params[names[1]] - p.params[names[0]]
    V = p.cov.loc[names, names].to_numpy()
    var = V[0, 0] + V[1, 1] - 2 * V[0, 1]
    row = res.equality.set_index("term").loc["x"]
    assert row["statistic"] == pytest.approx(diff**2 / var, rel=1e-10)
    assert row["p_value"] < 0.001


def test_wald_closed_form():
    w, q = wald_equality(np.array([1.0, 2.0, 0.0, 0.0]), np.eye(4), 2, 2)
    assert q == 2 and w == pytest.approx(1 / 2 + 4 / 2)


def test_equal_slopes_not_rejected_and_permutation():
    d = simulate(0.0, 2)
    res = heterogeneity(d, y="y", x=["x"], by="region4", controls=["z"])
    assert res.equality.set_index("term").loc["joint", "p_value"] > 0.05
    perm = heterogeneity(d, y="y", x=["x"], by="region4", controls=["z"], test="permutation", reps=100, seed=4)
    row = perm.equality.iloc[0]
    assert row["p_value"] > 0.05
    assert row["statistic"] == pytest.approx(perm.models[1].params["x"] - perm.models[0].params["x"])
    gap = heterogeneity(simulate(1.5, 2), y="y", x=["x"], by="region4", test="permutation", reps=100, seed=4)
    assert gap.equality.iloc[0]["p_value"] < 0.05


def test_errors():
    d = simulate(0.0, 2)
    with pytest.raises(NqpfError, match="group column 'belt3' is not in the frame"):
        heterogeneity(d, y="y", x=["x"], by="belt3")
    with pytest.raises(NqpfError, match="The 'test' parameter of heterogeneity must be one of 'interaction', 'permutation'; got 'chow'"):
        heterogeneity(d, y="y", x=["x"], by="region4", test="chow")
