"""Property tests (hypothesis) for normalisation, weights and the build."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nqpf
from nqpf.framework.io import framework_from_dict
from nqpf.index.normalise import normalise_panel
from nqpf.index.weights import critic_weights, cv_weights, entropy_weights

finite = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def panels(T=st.integers(1, 3), n=st.integers(4, 8), m=st.integers(2, 4)):
    return st.tuples(T, n, m).flatmap(lambda s: arrays(np.float64, s, elements=finite))


@SETTINGS
@given(panels(), st.tuples(st.floats(-5, 5), st.floats(0.1, 100)), st.sampled_from(["year", "pooled"]))
def test_minmax_in_range(X, ab, scope):
    a, width = ab
    d = np.where(np.arange(X.shape[2]) % 2 == 0, 1.0, -1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Z = normalise_panel(X, d, method="minmax", scope=scope, params={"range": (a, a + width)})
    assert np.all(Z >= a - 1e-9) and np.all(Z <= a + width + 1e-9)


@SETTINGS
@given(panels(T=st.just(1)), st.sampled_from(["entropy", "critic", "cv"]))
def test_weights_nonnegative_sum_one(X, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Z = normalise_panel(X, np.ones(X.shape[2]), method="minmax", scope="pooled", shift=0.01).reshape(-1, X.shape[2])
    rng = Z.max(axis=0) - Z.min(axis=0)
    if not np.any(rng > 1e-9):
        return
    fn = {"entropy": entropy_weights, "critic": critic_weights, "cv": cv_weights}[method]
    try:
        w = fn(Z)
    except nqpf.MethodError:
        return  # e.g. CRITIC with every column constant: refused with a message, never NaN
    assert np.all(w >= 0) and w.sum() == pytest.approx(1.0, abs=1e-12) and not np.isnan(w).any()


def test_entropy_constant_column_gets_zero_weight_without_nan():
    z = np.array([[0.0, 0.5], [0.5, 0.5], [1.0, 0.5], [0.2, 0.5]])
    w = entropy_weights(z)
    assert w[1] == 0.0 and w[0] == pytest.approx(1.0) and not np.isnan(w).any()
    w2 = entropy_weights(z, zeros="shift", shift=0.01)
    assert w2[1] == 0.0


def fw3():
    return framework_from_dict({"framework": {"id": "p"}, "node": [{"id": "I", "parent": ""}, {"id": "A", "parent": "I"}],
                                "indicator": [{"id": "x1", "parent": "A"}, {"id": "x2", "parent": "A", "direction": -1},
                                              {"id": "x3", "parent": "I"}]})


def long_from(X, units, years):
    T, n, m = X.shape
    return pd.DataFrame({"unit": np.tile(np.repeat(units, m), T), "year": np.repeat(years, n * m),
                         "indicator": np.tile(["x1", "x2", "x3"], T * n), "value": X.reshape(-1)})


CONFIGS = [
    {"normalise": {"scope": "pooled"}, "weight": {"method": "entropy"}},
    {"normalise": {"scope": "year"}, "weight": {"method": "entropy", "scope": "year"}},
    {"normalise": {"scope": "pooled"}, "weight": {"method": "critic"}, "aggregate": {"method": "topsis"}},
    {"normalise": {"scope": "pooled", "range": [1, 100]}, "weight": {"method": "equal"}, "aggregate": {"method": "geometric"}},
]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(arrays(np.float64, (2, 6, 3), elements=finite), st.integers(0, 10_000), st.sampled_from(range(len(CONFIGS))),
       st.floats(0.001, 1000))
def test_build_invariant_to_row_order_and_rescaling(X, seed, ci, c):
    units = np.array([f"u{i}" for i in range(6)])
    years = np.array([2020, 2021])
    if np.any(np.ptp(X.reshape(-1, 3), axis=0) < 1e-6 * np.abs(X).max()):
        return
    cfg = CONFIGS[ci]
    data = long_from(X, units, years)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            base = nqpf.build(cfg, data=data, framework=fw3()).scores
        except nqpf.MethodError:
            return
        shuffled = data.sample(frac=1.0, random_state=seed)
        again = nqpf.build(cfg, data=shuffled, framework=fw3()).scores
        scaled = data.copy()
        scaled.loc[scaled["indicator"] == "x2", "value"] *= c  # positive rescaling (units of measurement)
        resc = nqpf.build(cfg, data=scaled, framework=fw3()).scores
    pd.testing.assert_frame_equal(base, again)
    agg = base["node"].isin(["I", "A"])
    np.testing.assert_allclose(resc.loc[agg, "score"].to_numpy(), base.loc[agg, "score"].to_numpy(), rtol=1e-9, atol=1e-12)
