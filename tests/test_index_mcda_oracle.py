"""Entropy / CRITIC / CV weights, linear score and TOPSIS against pyrepo-mcda and pymcdm (fixtures/mcda_scitech)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf.framework.io import framework_from_dict
from nqpf.index.normalise import normalise_panel
from nqpf.index.weights import critic_weights, cv_weights, entropy_weights
from _shared import fixture_path

RTOL, ATOL = 1e-9, 1e-12
FIX = fixture_path("mcda_scitech")
INDS = ["rd_intensity", "rd_personnel_fte_total", "patent_grants_invention", "tech_market_outflow_turnover",
        "public_budget_expenditure_science_technology", "papers_sci_rank"]
DIRECTION = np.array([1, 1, 1, 1, 1, -1], dtype=float)


@pytest.fixture(scope="module")
def wide():
    return pd.read_csv(FIX / "input_wide.csv", dtype={"region_code": str})


@pytest.fixture(scope="module")
def expected():
    return pd.read_csv(FIX / "expected_weights.csv")


def panel(wide):
    years = sorted(wide["year"].unique())
    units = sorted(wide["region_code"].unique())
    w = wide.set_index(["year", "region_code"]).loc[pd.MultiIndex.from_product([years, units])]
    return w[INDS].to_numpy(float).reshape(len(years), len(units), len(INDS)), years, units


def exp_vec(expected, method, scope):
    sub = expected[(expected["method"] == method) & (expected["scope"] == scope)].set_index("indicator")
    return sub.loc[INDS, "weight"].to_numpy(float)


def test_entropy_per_year(wide, expected):
    X, years, _ = panel(wide)
    Z = normalise_panel(X, DIRECTION, method="minmax", scope="year")
    for t, y in enumerate(years):
        np.testing.assert_allclose(entropy_weights(Z[t]), exp_vec(expected, "entropy_minmax_noshift", f"year={y}"), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("shift,label", [(0.0, "noshift"), (0.0001, "shift0.0001"), (0.01, "shift0.01")])
def test_entropy_pooled_with_shift(wide, expected, shift, label):
    X, _, _ = panel(wide)
    Z = normalise_panel(X, DIRECTION, method="minmax", scope="pooled", shift=shift)
    flat = Z.reshape(-1, len(INDS))
    np.testing.assert_allclose(entropy_weights(flat), exp_vec(expected, f"entropy_minmax_{label}", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)
    if shift:
        # the same weights when the shift is applied inside the entropy method only
        Z0 = normalise_panel(X, DIRECTION, method="minmax", scope="pooled").reshape(-1, len(INDS))
        np.testing.assert_allclose(entropy_weights(Z0, zeros="shift", shift=shift),
                                   exp_vec(expected, f"entropy_minmax_{label}", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)


def test_pymcdm_variants(wide, expected):
    X, _, _ = panel(wide)
    Z = normalise_panel(X, DIRECTION, method="minmax", scope="pooled", shift=0.0001).reshape(-1, len(INDS))
    np.testing.assert_allclose(entropy_weights(Z, zeros="e_zero"),
                               exp_vec(expected, "pymcdm_entropy_minmax_shift0.0001", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)
    Z0 = normalise_panel(X, DIRECTION, method="minmax", scope="pooled").reshape(-1, len(INDS))
    np.testing.assert_allclose(critic_weights(Z0), exp_vec(expected, "pymcdm_critic_minmax", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)


def test_critic_and_cv(wide, expected):
    X, _, _ = panel(wide)
    Z = normalise_panel(X, DIRECTION, method="minmax", scope="pooled").reshape(-1, len(INDS))
    np.testing.assert_allclose(critic_weights(Z), exp_vec(expected, "critic_minmax", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(critic_weights(Z, ddof=0), exp_vec(expected, "critic_minmax", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(cv_weights(X.reshape(-1, len(INDS))), exp_vec(expected, "cv_raw", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)


def scitech_framework():
    inds = [{"id": i, "parent": "S", "direction": int(d)} for i, d in zip(INDS, DIRECTION)]
    return framework_from_dict({"framework": {"id": "mcda", "unit_level": "province"},
                                "node": [{"id": "S", "parent": ""}], "indicator": inds})


#: the oracle compares the engine with pymcdm on the data as given: no data-quality screen
OFF = {"quality": {"preset": "off"}}


def long_data(wide):
    return wide.melt(id_vars=["region_code", "year"], value_vars=INDS, var_name="indicator").rename(columns={"region_code": "unit"})


@pytest.fixture(scope="module")
def expected_scores():
    return pd.read_csv(FIX / "expected_scores.csv", dtype={"region_code": str}).set_index(["region_code", "year"])


def test_build_linear_score_and_weights(wide, expected, expected_scores):
    cfg = {"normalise": {"method": "minmax", "scope": "pooled"}, "weight": {"method": "entropy", "scope": "pooled"}}
    res = nqpf.build({**OFF, **cfg}, data=long_data(wide), framework=scitech_framework())
    s = res.scores[res.scores["node"] == "S"].set_index(["unit", "year"])["score"]
    exp = expected_scores["linear_score_pooled_entropy"]
    np.testing.assert_allclose(s.loc[exp.index].to_numpy(), exp.to_numpy(), rtol=RTOL, atol=ATOL)
    rk = res.scores[res.scores["node"] == "S"].set_index(["unit", "year"])["rank"]
    np.testing.assert_array_equal(rk.loc[exp.index].to_numpy(int), expected_scores["rank_linear_within_year"].to_numpy(int))
    w = res.weights.set_index("node").loc[INDS, "weight"].to_numpy(float)
    np.testing.assert_allclose(w, exp_vec(expected, "entropy_minmax_noshift", "pooled_2020_2022"), rtol=RTOL, atol=ATOL)


def test_build_per_year_weights(wide, expected):
    cfg = {"normalise": {"method": "minmax", "scope": "year"}, "weight": {"method": "entropy", "scope": "year"}}
    res = nqpf.build({**OFF, **cfg}, data=long_data(wide), framework=scitech_framework())
    for y in (2020, 2021, 2022):
        w = res.weights[res.weights["year"] == y].set_index("node").loc[INDS, "weight"].to_numpy(float)
        np.testing.assert_allclose(w, exp_vec(expected, "entropy_minmax_noshift", f"year={y}"), rtol=RTOL, atol=ATOL)


def test_build_topsis(wide, expected_scores):
    cfg = {"normalise": {"method": "minmax", "scope": "pooled"}, "weight": {"method": "entropy", "scope": "pooled"},
           "aggregate": {"method": "topsis", "topsis_ideal": "pooled", "topsis_distance": "weighted_values"}}
    res = nqpf.build({**OFF, **cfg}, data=long_data(wide), framework=scitech_framework())
    s = res.scores[res.scores["node"] == "S"].set_index(["unit", "year"])["score"]
    exp = expected_scores["topsis_pyrepo_minmax_pooled_entropy"]
    np.testing.assert_allclose(s.loc[exp.index].to_numpy(), exp.to_numpy(), rtol=RTOL, atol=ATOL)
    top = res.ranking(2022)
    assert top["unit"].iloc[0] == "440000" and top["score"].iloc[0] == pytest.approx(0.753232, abs=1e-6)


def test_topsis_variants_differ(wide):
    base = {"normalise": {"method": "minmax", "scope": "pooled"}, "weight": {"method": "entropy"}}
    r1 = nqpf.build({**OFF, **base, "aggregate": {"method": "topsis", "topsis_distance": "weighted_values"}}, data=long_data(wide), framework=scitech_framework())
    r2 = nqpf.build({**OFF, **base, "aggregate": {"method": "topsis", "topsis_distance": "weights_inside"}}, data=long_data(wide), framework=scitech_framework())
    r3 = nqpf.build({**OFF, **base, "aggregate": {"method": "topsis", "topsis_ideal": "year"}}, data=long_data(wide), framework=scitech_framework())
    a, b, c = (r[r["node"] == "S"]["score"].to_numpy() for r in (r1.scores, r2.scores, r3.scores))
    assert not np.allclose(a, b) and not np.allclose(a, c)
    for x in (a, b, c):
        assert np.nanmin(x) >= 0 and np.nanmax(x) <= 1
