"""nqpf.spatial: the one spatial panel estimator, its effects and the weights converter.

* spatial β-convergence and explain.spatial_panel give identical estimates for the same model and
  FE method (they share fit_spatial_panel);
* fe='unit' equals spreg's public ML_LagFE / ML_ErrorFE (with slx_lags=1 for the Durbin models);
* fe_method='lee_yu' maximises the Lee & Yu (2010) likelihood written out independently here, and
  recovers ρ on simulated two-way FE data where 'demean' is biased towards 0;
* the simulated effects reduce to the exact LeSage–Pace effects;
* one set of weights checks and messages.
"""
from __future__ import annotations

import contextlib
import io
import warnings

import libpysal
import numpy as np
import pandas as pd
import pytest
import spreg
from numpy.testing import assert_allclose
from scipy.optimize import minimize_scalar

import nqpf.analysis.weights_cn as weights_cn
from nqpf import DataError, MethodError, NqpfError
from nqpf.analysis import spatial_beta_convergence
from nqpf.explain import spatial_effects as explain_effects
from nqpf.explain import spatial_panel
from nqpf.spatial import (
    effects_table,
    fit_spatial_panel,
    lee_yu_basis,
    panel_weights,
    province_weights,
    simulate_effects,
    spatial_effects,
    weights_matrix,
)


def _lattice(side: int = 5, rook: bool = False) -> np.ndarray:
    m = libpysal.weights.lat2W(side, side, rook=rook).full()[0]
    return m / m.sum(axis=1, keepdims=True)


def _sdm(seed: int, W: np.ndarray, *, T: int = 10, rho: float = 0.4, beta=(1.0, -0.5), theta=(0.5, 0.3), year_scale=3.0):
    """y_t = ρWy_t + X_tβ + WX_tθ + μ + α_t + ε_t with X correlated with μ and α (so both effects matter)."""
    n = W.shape[0]
    rng = np.random.default_rng(seed)
    mu, alpha = rng.normal(size=n), rng.normal(size=T) * year_scale
    ys, xs = [], []
    for t in range(T):
        X = np.c_[rng.normal(size=n) + 0.3 * mu + alpha[t], rng.normal(size=n)]
        y = np.linalg.solve(np.eye(n) - rho * W, X @ np.asarray(beta) + W @ X @ np.asarray(theta) + mu + alpha[t]
                            + rng.normal(scale=0.5, size=n))
        ys.append(y)
        xs.append(X)
    return np.array(ys), np.array(xs)


def _growth_panel(seed: int = 0, n_side: int = 6, T: int = 9):
    """A positive level panel for spatial β-convergence, and the same data as (g, ln x) for explain."""
    W = _lattice(n_side)
    n = W.shape[0]
    ids = [f"u{i:02d}" for i in range(n)]
    rng = np.random.default_rng(seed)
    lx = np.zeros((n, T))
    lx[:, 0] = rng.normal(1, 0.3, n)
    A = np.linalg.inv(np.eye(n) - 0.3 * W)
    mu, eta = rng.normal(0, 0.1, n), rng.normal(0, 0.05, T)
    for t in range(T - 1):
        lx[:, t + 1] = lx[:, t] + A @ (-0.08 * lx[:, t] + 0.03 * (W @ lx[:, t]) + mu + eta[t] + rng.normal(0, 0.02, n))
    years = np.arange(2010, 2010 + T)
    levels = pd.DataFrame({"unit": np.repeat(ids, T), "year": np.tile(years, n), "value": np.exp(lx).ravel()})
    lx = np.log(levels["value"].to_numpy().reshape(n, T))  # the same floating-point inputs as spatial_beta_convergence
    g = lx[:, 1:] - lx[:, :-1]
    growth = pd.DataFrame({"unit": np.repeat(ids, T - 1), "year": np.tile(years[:-1], n), "g": g.ravel(),
                           "ln_initial": lx[:, :-1].ravel()})
    return levels, growth, pd.DataFrame(W, index=ids, columns=ids)


# --------------------------------------------------------------------------- one estimator for both callers
@pytest.mark.parametrize("model", ["lag", "durbin", "error"])
@pytest.mark.parametrize("fe,fe_method", [("twoway", "lee_yu"), ("twoway", "demean"), ("unit", "lee_yu")])
def test_convergence_and_explain_give_identical_estimates(model, fe, fe_method):
    levels, growth, Wdf = _growth_panel()
    conv = spatial_beta_convergence(levels, Wdf, model=model, fe=fe, fe_method=fe_method, draws=50, seed=3)
    expl = spatial_panel(growth, y="g", x=["ln_initial"], w=Wdf, model=model, fe=fe, fe_method=fe_method, draws=50, seed=3,
                         lm_tests=False)
    assert_allclose(conv.coefficients["coef"].to_numpy(), expl.params.to_numpy(), rtol=1e-12)
    assert_allclose(conv.coefficients["se"].to_numpy(), expl.std_errors.to_numpy(), rtol=1e-12)
    assert conv.table.iloc[0]["log_likelihood"] == pytest.approx(expl.logll, rel=1e-12)
    if model != "error":
        eff = expl.effects.set_index("effect")
        for lab in ("direct", "indirect", "total"):
            assert conv.impacts.iloc[0][lab] == pytest.approx(eff.loc[lab, "estimate"], rel=1e-12)
            assert conv.impacts.iloc[0][f"{lab}_se"] == pytest.approx(eff.loc[lab, "std_error"], rel=1e-12)
    assert conv.table.iloc[0]["fe_method"] == expl.fe_method == (fe_method if fe == "twoway" else "none")


def test_explain_demean_reproduces_the_former_two_way_estimates():
    """fe_method='demean' is the former explain path: year means removed, then spreg ML_LagFE with slx_lags=1."""
    W = _lattice(5)
    y, X = _sdm(2, W, T=6)
    T, n, _ = X.shape
    yd = (y - y.mean(axis=1, keepdims=True)).reshape(-1, 1)
    Xd = (X - X.mean(axis=1, keepdims=True)).reshape(T * n, 2)
    w = libpysal.weights.full2W(W)
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref = spreg.ML_LagFE(yd, Xd, w, slx_lags=1, spat_impacts=None)
    fit = fit_spatial_panel(y, X, W, model="durbin", fe="twoway", fe_method="demean")
    assert_allclose(fit.params, np.asarray(ref.betas).ravel(), rtol=1e-8)
    assert fit.logll == pytest.approx(float(ref.logll), rel=1e-12)
    assert fit.aic == pytest.approx(float(ref.aic), rel=1e-12)


@pytest.mark.parametrize("model,cls", [("lag", "ML_LagFE"), ("durbin", "ML_LagFE"), ("error", "ML_ErrorFE"),
                                       ("durbin_error", "ML_ErrorFE")])
def test_unit_fe_equals_spreg_public_estimators(model, cls):
    W = _lattice(5)
    y, X = _sdm(1, W, T=6, year_scale=0.0)
    T, n, k = X.shape
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref = getattr(spreg, cls)(y.reshape(-1, 1), X.reshape(T * n, k), libpysal.weights.full2W(W),
                                  slx_lags=1 if model.startswith("durbin") else 0, **({"spat_impacts": None} if cls == "ML_LagFE" else {}))
    fit = fit_spatial_panel(y, X, W, model=model, fe="unit", names=["a", "b"])
    assert_allclose(fit.params, np.asarray(ref.betas).ravel(), rtol=1e-8)
    assert_allclose(fit.std_errors, np.asarray(ref.std_err).ravel(), rtol=1e-7)
    assert fit.logll == pytest.approx(float(ref.logll), rel=1e-12)
    assert fit.pseudo_r2 == pytest.approx(float(ref.pr2), rel=1e-10)
    spatial = "rho" if model in ("lag", "durbin") else "lambda"
    assert fit.names == (("a", "b", "W_a", "W_b") if model.startswith("durbin") else ("a", "b")) + (spatial,)


# --------------------------------------------------------------------------- Lee & Yu (2010)
def test_lee_yu_basis_properties():
    W = _lattice(4)
    F = lee_yu_basis(16)
    assert F.shape == (16, 15)
    assert_allclose(F.T @ F, np.eye(15), atol=1e-12)
    assert_allclose(F.T @ np.ones(16), 0.0, atol=1e-12)
    assert_allclose(F @ F.T, np.eye(16) - 1 / 16, atol=1e-12)
    # W1 = 1 ⇒ F′W = (F′WF)F′, and ln|I − ρF′WF| = ln|I − ρW| − ln(1 − ρ)
    assert_allclose(F.T @ W, (F.T @ W @ F) @ F.T, atol=1e-12)
    for rho in (-0.5, 0.3, 0.8):
        lhs = np.linalg.slogdet(np.eye(15) - rho * F.T @ W @ F)[1]
        assert lhs == pytest.approx(np.linalg.slogdet(np.eye(16) - rho * W)[1] - np.log(1 - rho), rel=1e-10)


def test_lee_yu_maximises_the_transformed_likelihood():
    """An independent implementation of the Lee–Yu concentrated likelihood (Jacobian via the identity above)."""
    W = _lattice(5)
    n = W.shape[0]
    y, X = _sdm(5, W, T=7)
    T = y.shape[0]
    F = lee_yu_basis(n)
    Z = np.concatenate([X, np.einsum("ij,tjk->tik", W, X)], axis=2)

    def within(a):  # F′ then deviations from the means over time
        a = np.einsum("in,ti...->tn...", F, a)
        return a - a.mean(axis=0, keepdims=True)

    ys, wys, Zs = within(y), within(np.einsum("ij,tj->ti", W, y)), within(Z)
    ys, wys, Zs = ys.reshape(-1), wys.reshape(-1), Zs.reshape(-1, Z.shape[2])
    m = ys.size  # (n − 1) T

    def negll(rho):
        r = ys - rho * wys
        b = np.linalg.lstsq(Zs, r, rcond=None)[0]
        e = r - Zs @ b
        jac = T * (np.linalg.slogdet(np.eye(n) - rho * W)[1] - np.log(1 - rho))
        return m / 2 * np.log(e @ e / m) - jac

    rho = minimize_scalar(negll, bounds=(-0.99, 0.99), method="bounded", options={"xatol": 1e-10}).x
    fit = fit_spatial_panel(y, X, W, model="durbin", fe="twoway", fe_method="lee_yu")
    assert fit.rho == pytest.approx(rho, abs=1e-6)
    b = np.linalg.lstsq(Zs, ys - fit.rho * wys, rcond=None)[0]
    assert_allclose(fit.params[:-1], b, rtol=1e-6)
    assert fit.logll == pytest.approx(-negll(fit.rho) - m / 2 * (np.log(2 * np.pi) + 1), rel=1e-9)


def test_lee_yu_is_unbiased_where_demean_is_not():
    """30 replications, 16 units, 10 years, true ρ = 0.4 (year effects correlated with X)."""
    W = _lattice(4)
    rhos = {"lee_yu": [], "demean": []}
    for seed in range(30):
        y, X = _sdm(seed, W)
        for method in rhos:
            rhos[method].append(fit_spatial_panel(y, X, W, model="durbin", fe="twoway", fe_method=method).rho)
    lee_yu, demean = np.mean(rhos["lee_yu"]), np.mean(rhos["demean"])
    assert abs(lee_yu - 0.4) < 0.06, lee_yu        # Monte Carlo se ≈ 0.025
    assert demean < 0.3, demean                    # ≈ 0.22: a year constant left in the error term


def test_fit_errors():
    W = _lattice(3)
    y, X = _sdm(0, W, T=4)
    with pytest.raises(NqpfError) as e:
        fit_spatial_panel(y, X, W, fe_method="within")
    assert str(e.value) == ("The 'fe_method' parameter of fit_spatial_panel must be one of 'lee_yu', 'demean'; got 'within'.")
    with pytest.raises(DataError, match=r"^fit_spatial_panel: W must be row-standardised; got row sums from 3 to 8\. Use nqpf\.spatial\.weights\.weights_matrix\(\)\.$"):
        fit_spatial_panel(y, X, W * libpysal.weights.lat2W(3, 3, rook=False).full()[0].sum(1, keepdims=True))
    with pytest.raises(DataError, match=r"^fit_spatial_panel: y \(T, N\), X \(T, N, k\) and W \(N, N\) must agree"):
        fit_spatial_panel(y[:, :5], X, W)
    rng = np.random.default_rng(0)
    near_unit_root = np.stack([np.linalg.solve(np.eye(9) - 0.9999 * W, rng.normal(size=9)) for _ in range(6)])
    with pytest.raises(MethodError) as e:
        fit_spatial_panel(near_unit_root, rng.normal(size=(6, 9, 1)), W, fe="unit", model="error")
    assert str(e.value) == ("fit_spatial_panel: the spatial coefficient lambda is at the boundary of the search interval; "
                            "got 1.000. Check the weights and the model.")


# --------------------------------------------------------------------------- effects
def test_effects_closed_form_and_reexports():
    W = np.array([[0, 1.0], [1.0, 0]])
    d, i, t = spatial_effects(0.5, [1.0], [0.0], W)  # (I − 0.5W)⁻¹ = [[4/3, 2/3], [2/3, 4/3]]
    assert_allclose([d[0], i[0], t[0]], [4 / 3, 2 / 3, 2.0], rtol=1e-12)
    assert explain_effects is spatial_effects


@pytest.mark.parametrize("row_standardised", [True, False])
def test_simulated_effects_reduce_to_the_exact_effects(row_standardised):
    W = _lattice(4) if row_standardised else libpysal.weights.lat2W(4, 4).full()[0] * 0.2
    b = np.array([1.0, -0.5, 0.5, 0.3, 0.4])          # β (2), θ (2), ρ
    sims = simulate_effects(b, np.eye(5) * 1e-24, W, k=2, durbin=True, draws=5, seed=0)
    exact = np.stack(spatial_effects(0.4, b[:2], b[2:4], W))
    assert sims.shape == (5, 3, 2)
    assert_allclose(sims, np.broadcast_to(exact, sims.shape), rtol=1e-9)
    # only β uncertain: every effect is linear in β, so the draws are proportional
    vm = np.diag([0.01, 0.0, 0.0, 0.0, 0.0])
    sims = simulate_effects(b, vm, W, k=2, durbin=True, draws=200, seed=1)
    A = np.linalg.inv(np.eye(len(W)) - 0.4 * W)
    assert_allclose(np.std(sims[:, 0, 0], ddof=1), 0.1 * np.trace(A) / len(W), rtol=0.15)
    assert_allclose(sims[:, 2, 0] - sims[:, 0, 0], sims[:, 1, 0], rtol=1e-12)


def test_effects_table_error_models_are_the_coefficients():
    W = _lattice(4)
    y, X = _sdm(3, W, T=6)
    fit = fit_spatial_panel(y, X, W, model="durbin_error", fe="twoway", names=["x1", "x2"])
    tab = effects_table(fit, W, draws=0).set_index(["term", "effect"])
    se = fit.std_errors
    assert tab.loc[("x1", "direct"), "estimate"] == fit.params[0] and tab.loc[("x1", "direct"), "std_error"] == se[0]
    assert tab.loc[("x2", "indirect"), "estimate"] == fit.params[3] and tab.loc[("x2", "indirect"), "std_error"] == se[3]
    var = fit.vm[0, 0] + fit.vm[2, 2] + 2 * fit.vm[0, 2]
    assert tab.loc[("x1", "total"), "std_error"] == pytest.approx(np.sqrt(var), rel=1e-12)


# --------------------------------------------------------------------------- weights
def test_panel_weights_inputs_give_the_same_matrix():
    M = libpysal.weights.lat2W(3, 3).full()[0]
    ids = [f"r{i}" for i in range(9)]
    df = pd.DataFrame(M, index=ids, columns=ids)
    w = libpysal.weights.full2W(M, ids=ids)
    graph = libpysal.graph.Graph.from_W(w)
    ref_ids, ref = weights_matrix(df)
    assert ref_ids == ids
    assert_allclose(ref.sum(axis=1), 1.0, rtol=1e-15)
    for obj in (w, graph, weights_cn.weights_from_matrix(M, ids=ids, transform="none")):
        got_ids, got = weights_matrix(obj)
        assert got_ids == ids
        assert_allclose(got, ref, rtol=1e-15)
    assert w.transform == "O"  # the caller's object is not changed
    # a province kind name is built for the (sorted) units of the data
    units = province_weights().ids
    _, m = weights_matrix("queen", units[::-1])
    assert_allclose(m, province_weights(kind="queen").full().to_numpy(), rtol=1e-15)


def test_panel_weights_messages():
    ids = list("abc")
    ok = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=ids, columns=ids, dtype=float)
    island = ok.copy()
    island.loc["a"] = 0.0  # 'a' has no neighbour (others may still point to it)
    cases = [
        (ok.iloc[:, :2], "f: a weights DataFrame must be square with the same unit codes as index and columns; got shape (3, 2). "
                         "Pass an n × n matrix labelled by unit on both axes."),
        (ok.replace(1.0, -1.0), "f: spatial weights must be finite and non-negative; got 0 non-finite and 4 negative entries. "
                                "Fix the matrix."),
        (ok + np.eye(3), "f: spatial weights must have a zero diagonal (no unit is its own neighbour); got 3 non-zero diagonal "
                         "entries. Set the diagonal to 0."),
        (island,
         "f: units ['a'] have no neighbours (islands); got 1 islands. Use distance or k-nearest-neighbour weights, or connect "
         "the islands (e.g. Hainan to Guangdong)."),
        ([1, 2], "f: unsupported weights object; got list. Pass a libpysal W or Graph, a square DataFrame, SpatialWeights, "
                 "a province weights kind name or a weights file."),
    ]
    for w, msg in cases:
        with pytest.raises(DataError) as e:
            panel_weights(w, where="f")
        assert str(e.value) == msg
    with pytest.raises(DataError) as e:
        panel_weights(ok, ["a", "b", "z"], where="f")
    assert str(e.value) == ("f: the units of the data and of the weights differ; got 1 only in the data ['z'] and 1 only in "
                            "the weights ['c']. Subset the weights or the data to the same units.")


def test_weights_module_moved_with_reexports():
    import nqpf.analysis as analysis
    import nqpf.spatial.weights as sw

    assert weights_cn.province_weights is sw.province_weights is analysis.province_weights
    assert weights_cn.SpatialWeights is sw.SpatialWeights
    assert len(weights_cn.province_contiguity_table()) == 68  # the bundled data moved with the module
