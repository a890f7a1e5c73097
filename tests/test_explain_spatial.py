"""Spatial panel models: LeSage–Pace effects against brute force and spreg, and recovery of a
known spatial Durbin model (ρ, β, θ) on simulated two-way FE data."""
from __future__ import annotations

import contextlib
import io
import warnings

import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg

from nqpf import DataError
from nqpf.explain import as_weights, regression_table, spatial_effects, spatial_panel

RHO, BETA, THETA = 0.4, np.array([1.0, -0.5]), np.array([0.5, 0.3])


def _row_std(w) -> np.ndarray:
    m = w.full()[0]
    return m / m.sum(axis=1, keepdims=True)


def simulate_sdm(seed: int, *, side: int = 7, T: int = 10) -> tuple[pd.DataFrame, object]:
    w = libpysal.weights.lat2W(side, side, rook=False)
    W = _row_std(w)
    N = side * side
    rng = np.random.default_rng(seed)
    mu, alpha = rng.normal(size=N), rng.normal(size=T)
    frames = []
    for t in range(T):
        X = np.c_[rng.normal(size=N) + 0.3 * mu, rng.normal(size=N)]
        e = rng.normal(scale=0.5, size=N)
        y = np.linalg.solve(np.eye(N) - RHO * W, X @ BETA + W @ X @ THETA + mu + alpha[t] + e)
        frames.append(pd.DataFrame({"unit": [str(i) for i in range(N)], "year": 2000 + t, "y": y, "x1": X[:, 0], "x2": X[:, 1]}))
    return pd.concat(frames, ignore_index=True), w


def test_effects_formula_equals_brute_force():
    w = libpysal.weights.lat2W(4, 4)
    W = _row_std(w)
    d, i, t = spatial_effects(RHO, BETA, THETA, W)
    A = np.linalg.inv(np.eye(16) - RHO * W)
    for k in range(2):
        S = A @ (BETA[k] * np.eye(16) + THETA[k] * W)
        assert d[k] == pytest.approx(np.trace(S) / 16, rel=1e-12)
        assert t[k] == pytest.approx(S.sum() / 16, rel=1e-12)
        assert i[k] == pytest.approx(t[k] - d[k], rel=1e-12)
    # row-standardised W: total = (β + θ) / (1 − ρ)
    np.testing.assert_allclose(t, (BETA + THETA) / (1 - RHO), rtol=1e-12)


def test_lag_model_effects_match_spreg_full_multiplier():
    d, w = simulate_sdm(2)
    res = spatial_panel(d, y="y", x=["x1", "x2"], w=w, model="lag", fe="unit", draws=0, lm_tests=False)
    wr = as_weights(w)
    order = {u: i for i, u in enumerate(wr.id_order)}
    Y = d.assign(o=d["unit"].map(order)).sort_values(["year", "o"])
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref = spreg.ML_LagFE(Y[["y"]].to_numpy(), Y[["x1", "x2"]].to_numpy(), wr, spat_impacts="full")
    np.testing.assert_allclose(res.params.to_numpy(), np.asarray(ref.betas).ravel(), rtol=1e-10)
    adi, aii, ati = ref.sp_multipliers["full"]
    eff = res.effects.set_index(["term", "effect"])["estimate"]
    b = np.asarray(ref.betas).ravel()[:2]
    np.testing.assert_allclose([eff[("x1", "direct")], eff[("x2", "direct")]], b * adi, rtol=1e-8)
    np.testing.assert_allclose([eff[("x1", "total")], eff[("x2", "total")]], b * ati, rtol=1e-8)


def test_spatial_durbin_recovers_rho_theta():
    d, w = simulate_sdm(0)
    res = spatial_panel(d, y="y", x=["x1", "x2"], w=w, model="durbin", fe="twoway", draws=300, seed=1)
    p, se = res.params, res.std_errors
    # within 3 standard errors of the truth (sampling error)
    for name, truth in (("rho", RHO), ("x1", BETA[0]), ("x2", BETA[1]), ("W_x1", THETA[0]), ("W_x2", THETA[1])):
        assert abs(p[name] - truth) < 3 * se[name], (name, p[name], se[name])
    eff = res.effects.set_index(["term", "effect"])
    true_d, true_i, true_t = spatial_effects(RHO, BETA, THETA, _row_std(w))
    for k, term in enumerate(["x1", "x2"]):
        for lab, truth in (("direct", true_d[k]), ("indirect", true_i[k]), ("total", true_t[k])):
            row = eff.loc[(term, lab)]
            assert abs(row["estimate"] - truth) < 3 * row["std_error"], (term, lab, row["estimate"], truth)
    assert res.lm_tests is not None and set(res.lm_tests["test"]) == {"LM-lag", "LM-error", "robust LM-lag", "robust LM-error"}
    assert res.fe_rows == {"unit": True, "year": True}
    tab = regression_table([res], lang="en")
    assert "rho" in tab.frame.index


def test_error_models_effects_are_coefficients():
    d, w = simulate_sdm(4)
    res = spatial_panel(d, y="y", x=["x1", "x2"], w=w, model="durbin_error", draws=0, lm_tests=False)
    eff = res.effects.set_index(["term", "effect"])["estimate"]
    assert eff[("x1", "direct")] == res.params["x1"]
    assert eff[("x1", "indirect")] == res.params["W_x1"]
    assert eff[("x1", "total")] == pytest.approx(res.params["x1"] + res.params["W_x1"])
    assert "lambda" in res.params.index


def test_weights_dataframe_and_mismatch_errors():
    d, w = simulate_sdm(1, side=4, T=4)
    M = pd.DataFrame(w.full()[0], index=[str(i) for i in w.id_order], columns=[str(i) for i in w.id_order])
    a = spatial_panel(d, y="y", x=["x1"], w=M, model="lag", draws=0, lm_tests=False)
    b = spatial_panel(d, y="y", x=["x1"], w=w, model="lag", draws=0, lm_tests=False)
    np.testing.assert_allclose(a.params.to_numpy(), b.params.to_numpy(), rtol=1e-12)
    assert w.transform == "O"  # the caller's weights are not changed
    with pytest.raises(DataError, match=r"^spatial_panel: the units of the data and of the weights differ; got 1 only in the data "
                                        r"\['99'\] and 1 only in the weights \['0'\]\. Subset the weights or the data to the same units\.$"):
        spatial_panel(d.assign(unit=d["unit"].replace({"0": "99"})), y="y", x=["x1"], w=w, model="lag", draws=0)
    with pytest.raises(DataError, match="the panel must be balanced over the units of the weights"):
        spatial_panel(d.iloc[1:], y="y", x=["x1"], w=w, model="lag", draws=0)


def test_provincial_sdm_with_analysis_suite_weights():
    wc = pytest.importorskip("nqpf.analysis.weights_cn")
    from _shared import fixture_path

    d = pd.read_csv(fixture_path("explain", "province_scitech_panel.csv"), dtype={"unit": str})
    kw = dict(y="log(patent_grants_invention)", x=["log(rd_expenditure_total)"], controls=["log(rd_personnel_fte_total)"],
              model="durbin", draws=100, seed=0, lm_tests=False)
    by_name = spatial_panel(d, w="queen", **kw)
    sw = wc.province_weights(kind="queen")
    by_object = spatial_panel(d, w=sw, **kw)
    by_w = spatial_panel(d, w=sw.w, **kw)
    np.testing.assert_allclose(by_name.params.to_numpy(), by_object.params.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by_w.params.to_numpy(), by_object.params.to_numpy(), rtol=1e-12)
    assert by_name.n_units == 31 and by_name.nobs == 31 * 12
    assert -1 < by_name.rho < 1
