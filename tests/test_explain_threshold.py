"""Hansen (1999) panel threshold model: closed forms, the FWL SSR against an LSDV brute force,
and recovery of a known threshold on simulated data (seeded, small bootstrap)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nqpf import DataError, NqpfError
from nqpf.explain import lr_critical_value, panel_threshold, ssr_profile, threshold_f_statistic, within_demean


def simulate(jump: float, seed: int, *, n: int = 40, T: int = 10, gamma: float = 0.4, second: float | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), T)
    year = np.tile(np.arange(2010, 2010 + T), n)
    q = rng.uniform(0, 1, n * T)
    x = rng.normal(size=n * T)
    z = rng.normal(size=n * T)
    slope = np.where(q <= gamma, 1.0, 1.0 + jump)
    if second is not None:
        slope = np.where(q > second, 1.0 + 2 * jump, slope)
    y = rng.normal(size=n)[unit] + slope * x + 0.5 * z + rng.normal(size=n * T)
    return pd.DataFrame({"unit": [f"u{u:02d}" for u in unit], "year": year, "y": y, "x": x, "q": q, "z": z})


def test_lr_critical_values_hansen_table():
    # Hansen (1999) §3.3: c(0.10) = 5.94, c(0.05) = 7.35, c(0.01) = 10.59
    assert lr_critical_value(0.10) == pytest.approx(5.94, abs=0.005)
    assert lr_critical_value(0.05) == pytest.approx(7.35, abs=0.005)
    assert lr_critical_value(0.01) == pytest.approx(10.59, abs=0.005)


def test_f_statistic_closed_form():
    assert threshold_f_statistic(12.0, 10.0, 100) == pytest.approx(20.0)


def test_within_demean_zero_unit_means():
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(5), 4)
    v = rng.normal(size=(20, 3))
    d = within_demean(v, g)
    np.testing.assert_allclose(pd.DataFrame(d).groupby(g).mean().to_numpy(), 0.0, atol=1e-12)


def test_ssr_profile_equals_lsdv_brute_force():
    d = simulate(1.0, 5, n=10, T=6)
    g = pd.factorize(d["unit"])[0]
    y, x, z, q = d["y"].to_numpy(), d["x"].to_numpy(), d["z"].to_numpy(), d["q"].to_numpy()
    gammas = np.quantile(q, [0.2, 0.5, 0.8])
    W = within_demean(np.c_[x, z], g)
    D = np.stack([within_demean((x * (q <= gm))[:, None], g) for gm in gammas])
    got = ssr_profile(within_demean(y, g), W, D)
    dummies = pd.get_dummies(g, dtype=float).to_numpy()
    for gm, s in zip(gammas, got):
        X = np.c_[x * (q <= gm), x * (q > gm), z, dummies]  # LSDV with regime-split slopes
        e = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
        assert s == pytest.approx(float(e @ e), rel=1e-10)


def test_known_threshold_recovered_and_no_threshold_rejected():
    res = panel_threshold(simulate(1.0, 3), y="y", x=["x"], q="q", controls=["z"], reps=100, grid=100, seed=1)
    th = res.thresholds.iloc[0]
    assert res.n_thresholds == 1
    assert abs(th["estimate"] - 0.4) < 0.03
    assert th["ci_lower"] <= 0.4 <= th["ci_upper"] + 0.01
    assert res.tests.loc[0, "p_value"] < 0.01
    coef = res.model.params
    assert coef.iloc[0] == pytest.approx(1.0, abs=0.25) and coef.iloc[1] == pytest.approx(2.0, abs=0.25)
    assert coef["z"] == pytest.approx(0.5, abs=0.15)


def test_no_threshold_not_rejected():
    res = panel_threshold(simulate(0.0, 3), y="y", x=["x"], q="q", controls=["z"], reps=100, grid=100, seed=1)
    assert res.tests.loc[0, "p_value"] > 0.10
    assert res.n_thresholds == 0
    assert list(res.model.params.index) == ["x", "z"]
    assert any("No threshold effect" in n for n in res.notes)


def test_two_thresholds_sequential_tests():
    d = simulate(1.5, 11, n=50, T=10, gamma=0.3, second=0.7)
    res = panel_threshold(d, y="y", x=["x"], q="q", controls=["z"], n_thresholds=2, reps=50, grid=60, seed=2)
    assert res.n_thresholds == 2
    est = sorted(res.thresholds["estimate"])
    assert abs(est[0] - 0.3) < 0.05 and abs(est[1] - 0.7) < 0.05
    assert (res.tests["p_value"] < 0.05).all()


def test_seeded_bootstrap_is_deterministic():
    d = simulate(0.3, 8, n=20, T=6)
    a = panel_threshold(d, y="y", x=["x"], q="q", reps=30, grid=40, seed=7)
    b = panel_threshold(d, y="y", x=["x"], q="q", reps=30, grid=40, seed=7)
    pd.testing.assert_frame_equal(a.tests, b.tests)


def test_unbalanced_panel_refused():
    d = simulate(1.0, 3, n=10, T=6).iloc[1:]
    with pytest.raises(DataError, match=r"panel_threshold: the panel must be balanced \(Hansen 1999\); got 1 units"):
        panel_threshold(d, y="y", x=["x"], q="q", reps=0)


def test_parameter_constraints():
    d = simulate(1.0, 3, n=10, T=6)
    with pytest.raises(NqpfError, match=r"The 'n_thresholds' parameter of panel_threshold must be an int in the range \[1, 3\]; got 4\."):
        panel_threshold(d, y="y", x=["x"], q="q", n_thresholds=4)
    assert math.isnan(panel_threshold(d, y="y", x=["x"], q="q", reps=0, grid=20).tests.loc[0, "p_value"])


def test_twoway_threshold_with_year_effects():
    d = simulate(1.0, 21, n=40, T=8)
    shock = {y: 3.0 * i for i, y in enumerate(sorted(d["year"].unique()))}  # strong common trend
    d = d.assign(y=d["y"] + d["year"].map(shock))
    res = panel_threshold(d, y="y", x=["x"], q="q", controls=["z"], fe="twoway", reps=50, grid=60, seed=3)
    assert res.n_thresholds == 1 and abs(res.thresholds.loc[0, "estimate"] - 0.4) < 0.05
    assert res.model.fe_rows == {"unit": True, "year": True}
