"""Two-way FE / RE / Hausman: nqpf (pyfixest) against a second implementation (linearmodels).

Verification of the explain issue: coefficients and cluster-robust standard errors equal to
1e-8 on a public data set shipped inside linearmodels (wage_panel) and on a provincial panel
(tests/fixtures/explain, see PROVENANCE.md; and the shared NBS + scitech data when present).

Small-sample corrections (nqpf ``ssc``) and their linearmodels equivalents:

* ``"stata"`` (nqpf default, = Stata ``xtreg y x i.year, fe vce(cluster id)``, reghdfe, fixest):
  G/(G-1)·(N-1)/(N-K). linearmodels: entity effects + explicit year dummies + constant,
  ``debiased=True, group_debias=True`` (entity effects nested in the clusters, not counted).
  With two-way clusters: two-way effects + constant, ``count_effects=False``.
* ``"full"``: K counts every FE level — linearmodels ``count_effects=True``.
* ``"none"``: CR0 — linearmodels ``debiased=False, group_debias=False, count_effects=False``.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from _shared import fixture_path, shared_path
from linearmodels import PanelOLS, RandomEffects
from linearmodels.datasets import wage_panel

from nqpf import ConfigError, DataError, NqpfError
from nqpf.explain import ModelSpec, design_matrix, fit_panel, fit_spec, hausman, hausman_statistic, regression_frame

ATOL_B = 1e-8
RTOL_SE = 1e-8


@pytest.fixture(scope="module")
def wage():
    return wage_panel.load().rename(columns={"nr": "unit"})


@pytest.fixture(scope="module")
def province():
    return pd.read_csv(fixture_path("explain", "province_scitech_panel.csv"), dtype={"unit": str})


def _lm(design, y, terms, ssc, cluster):
    """The linearmodels fit that reproduces nqpf's covariance for (ssc, cluster)."""
    idx = pd.MultiIndex.from_frame(design[["unit", "year"]])
    Y = pd.Series(design[y].to_numpy(float), index=idx)
    X = design[terms].astype(float).set_axis(idx)
    ce, ct = cluster in ("unit", "twoway"), cluster in ("year", "twoway")
    kw = dict(cov_type="clustered", cluster_entity=ce, cluster_time=ct)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if ssc == "stata" and cluster == "unit":
            yd = pd.get_dummies(design["year"], prefix="yr", drop_first=True, dtype=float).set_axis(idx)
            Xs = pd.concat([X.assign(const=1.0), yd], axis=1)
            return PanelOLS(Y, Xs, entity_effects=True).fit(debiased=True, group_debias=True, **kw)
        if ssc == "stata" and cluster == "twoway":
            return PanelOLS(Y, X.assign(const=1.0), entity_effects=True, time_effects=True).fit(
                debiased=True, group_debias=True, auto_df=False, count_effects=False, **kw)
        if ssc == "full":
            return PanelOLS(Y, X, entity_effects=True, time_effects=True).fit(
                debiased=True, group_debias=True, auto_df=False, count_effects=True, **kw)
        return PanelOLS(Y, X, entity_effects=True, time_effects=True).fit(
            debiased=False, group_debias=False, auto_df=False, count_effects=False, **kw)


CASES = [("stata", "unit"), ("stata", "twoway"), ("full", "unit"), ("full", "twoway"), ("none", "unit"), ("none", "twoway")]


@pytest.mark.parametrize("ssc,cluster", CASES)
def test_twfe_equals_linearmodels_on_wage_panel(wage, ssc, cluster):
    y, x, controls = "lwage", ["union"], ["married", "expersq", "hours"]
    res = fit_panel(wage, y=y, x=x, controls=controls, ssc=ssc, cluster=cluster)
    design, _ = design_matrix(regression_frame(wage), y=y, terms=x + controls)
    lm = _lm(design, y, x + controls, ssc, cluster)
    terms = x + controls
    np.testing.assert_allclose(res.params[terms].to_numpy(), lm.params[terms].to_numpy(), rtol=0, atol=ATOL_B)
    np.testing.assert_allclose(res.std_errors[terms].to_numpy(), lm.std_errors[terms].to_numpy(), rtol=RTOL_SE)
    assert res.nobs == 4360 and res.n_units == 545 and res.n_years == 8


PROV_Y = "log(patent_grants_invention)"
PROV_X = ["log(rd_expenditure_total)", "log(rd_personnel_fte_total)"]
PROV_C = ["log(public_budget_expenditure_science_technology)", "lag(log(tech_market_outflow_turnover))"]


@pytest.mark.parametrize("ssc,cluster", CASES)
def test_twfe_equals_linearmodels_on_provincial_panel(province, ssc, cluster):
    # unbalanced: the lag drops 2011 and Tibet lacks technology-market data 2012–2016
    res = fit_panel(province, y=PROV_Y, x=PROV_X, controls=PROV_C, ssc=ssc, cluster=cluster)
    design, dropped = design_matrix(regression_frame(province), y=PROV_Y, terms=PROV_X + PROV_C)
    assert res.nobs == len(design) == 305 and dropped == res.n_dropped == 67
    lm = _lm(design, PROV_Y, PROV_X + PROV_C, ssc, cluster)
    t = PROV_X + PROV_C
    np.testing.assert_allclose(res.params[t].to_numpy(), lm.params[t].to_numpy(), rtol=0, atol=ATOL_B)
    np.testing.assert_allclose(res.std_errors[t].to_numpy(), lm.std_errors[t].to_numpy(), rtol=RTOL_SE)


def test_twfe_on_shared_nbs_and_scitech():
    nbs = pd.read_csv(shared_path("data", "cn-province-nbs-ceads", "nbs_province_2011_2022_long.csv"), dtype={"region_code": str})
    sci = pd.read_csv(shared_path("data", "cn-province-scitech-techme", "cn_province_scitech_long.csv"), dtype={"region_code": str})
    sci = sci[(sci["region_type"] == "province") & ~sci["indicator"].isin(nbs["indicator"].unique())]  # budget total is in both
    long = pd.concat([
        nbs.rename(columns={"region_code": "u"})[["u", "year", "indicator", "value"]],
        sci.drop(columns=["unit"]).rename(columns={"region_code": "u"})[["u", "year", "indicator", "value"]],
    ]).rename(columns={"u": "unit"})
    long = long[long["year"].between(2011, 2022)]
    y, x = "rd_intensity", ["log(patent_grants_invention)"]
    controls = ["log(gdp)", "log(urban_population_year_end)", "log(resident_population_year_end)"]
    for ssc, cluster in (("stata", "unit"), ("none", "twoway")):
        res = fit_panel(long, y=y, x=x, controls=controls, ssc=ssc, cluster=cluster)
        design, _ = design_matrix(regression_frame(long), y=y, terms=x + controls)
        lm = _lm(design, y, x + controls, ssc, cluster)
        t = x + controls
        assert res.nobs == 372
        np.testing.assert_allclose(res.params[t].to_numpy(), lm.params[t].to_numpy(), rtol=0, atol=ATOL_B)
        np.testing.assert_allclose(res.std_errors[t].to_numpy(), lm.std_errors[t].to_numpy(), rtol=RTOL_SE)


def test_stata_correction_factor_is_the_documented_formula(wage):
    """SE(stata)² / SE(CR0)² = G/(G-1)·(N-1)/(N-K) with K = k + T (xtreg: k regressors, T-1 year dummies, constant)."""
    kw = dict(y="lwage", x=["union"], controls=["married", "expersq", "hours"], cluster="unit")
    s = fit_panel(wage, ssc="stata", **kw)
    n = fit_panel(wage, ssc="none", **kw)
    G, N, K = 545, 4360, 4 + 8
    np.testing.assert_allclose((s.std_errors / n.std_errors) ** 2, G / (G - 1) * (N - 1) / (N - K), rtol=1e-10)


def test_random_effects_equals_linearmodels(wage):
    res = fit_panel(wage, y="lwage", x=["union"], controls=["married", "expersq"], estimator="re", fe="none", ssc="stata")
    d = wage.set_index(["unit", "year"])
    X = d[["union", "married", "expersq"]].assign(const=1.0)
    lm = RandomEffects(d["lwage"], X).fit(cov_type="clustered", cluster_entity=True, debiased=True, group_debias=True)
    t = ["union", "married", "expersq"]
    np.testing.assert_allclose(res.params[t].to_numpy(), lm.params[t].to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(res.std_errors[t].to_numpy(), lm.std_errors[t].to_numpy(), rtol=1e-10)
    assert res.fe_rows == {"unit": False, "year": False}


def test_hausman_matches_hand_computation(wage):
    h = hausman(wage, y="lwage", x=["union"], controls=["married", "expersq"], fe="none")
    d = wage.set_index(["unit", "year"])
    t = ["union", "married", "expersq"]
    fe = PanelOLS(d["lwage"], d[t], entity_effects=True).fit()
    re = RandomEffects(d["lwage"], d[t].assign(const=1.0)).fit()
    diff = (fe.params[t] - re.params[t]).to_numpy()
    V = (fe.cov.loc[t, t] - re.cov.loc[t, t]).to_numpy()
    expected = float(diff @ np.linalg.inv(V) @ diff)
    assert h.df == 3
    np.testing.assert_allclose(h.statistic, expected, rtol=1e-8)
    assert h.preferred == "fe" and h.p_value < 1e-6


def test_hausman_statistic_closed_form():
    h, df = hausman_statistic(np.array([1.0, 0.0]), np.array([0.0, 0.0]), np.diag([0.5, 0.2]), np.diag([0.25, 0.1]))
    assert df == 2 and h == pytest.approx(4.0)


def test_fit_spec_equals_fit_panel_and_records_spec(province):
    spec = ModelSpec(name="(2)", y=PROV_Y, x=PROV_X[:1], controls=PROV_X[1:])
    a = fit_spec(province, spec)
    b = fit_panel(province, y=PROV_Y, x=PROV_X[:1], controls=PROV_X[1:], name="(2)")
    pd.testing.assert_series_equal(a.params, b.params)
    assert a.spec["y"] == PROV_Y and a.spec["fe"] == "twoway" and a.key_terms == (PROV_X[0],)
    assert a.to_dict()["spec"]["cluster"] == "unit"


def test_sample_window_and_dropped_units(province):
    res = fit_panel(province, y=PROV_Y, x=PROV_X, years=(2013, 2020), drop_units=["110000", "310000"])
    assert res.nobs == 29 * 8 and res.n_units == 29 and res.n_years == 8


def test_few_clusters_note_and_se_note(province):
    res = fit_panel(province, y=PROV_Y, x=PROV_X)
    assert any("Only 31 clusters" in n for n in res.notes)
    assert any("G/(G-1)·(N-1)/(N-K)" in n for n in res.notes)


def test_collinear_term_warns(province):
    d = regression_frame(province)
    d["const_by_unit"] = d["unit"].astype(int) / 1e5
    with pytest.warns(Warning, match="collinear"):
        res = fit_panel(d, y=PROV_Y, x=PROV_X, controls=["const_by_unit"])
    assert "const_by_unit" not in res.params.index or not np.isfinite(res.params.get("const_by_unit", np.nan))


def test_bad_options_raise_standard_message(wage):
    with pytest.raises(NqpfError, match=r"The 'cluster' parameter of fit_panel must be one of 'unit', 'twoway', 'year', 'none'; got 'firm'\."):
        fit_panel(wage, y="lwage", x=["union"], cluster="firm")
    with pytest.raises(NqpfError, match="The 'ssc' parameter of fit_panel"):
        fit_panel(wage, y="lwage", x=["union"], ssc="hc3")


def test_unknown_column_and_y_in_x(wage):
    with pytest.raises(DataError, match=r"Model term 'unionx': column 'unionx' is not in the regression frame"):
        fit_panel(wage, y="lwage", x=["unionx"])
    with pytest.raises(NqpfError, match="the dependent variable is also a regressor"):
        fit_panel(wage, y="lwage", x=["union", "lwage"])
    with pytest.raises(ConfigError, match="unknown function 'exp'"):
        fit_panel(wage, y="lwage", x=["exp(union)"])


def test_mundlak_hausman_recovers_within_estimates(wage):
    """Balanced panel: in the Mundlak RE regression the coefficients of x equal the FE (within) ones."""
    t = ["union", "married", "hours"]
    h = hausman(wage, y="lwage", x=t[:1], controls=t[1:], fe="none", method="mundlak")
    fe = fit_panel(wage, y="lwage", x=t[:1], controls=t[1:], fe="unit")
    np.testing.assert_allclose(h.comparison.set_index("term").loc[t, "fe"].to_numpy(), fe.params[t].to_numpy(), rtol=1e-8)
    assert h.df == 3 and h.p_value < 0.05
    assert h.statistic > 0 and "Mundlak" in h.notes[0]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_twfe_invariant_to_row_order_and_absorbed_constants(province, seed):
    rng = np.random.default_rng(seed)
    base = fit_panel(province, y=PROV_Y, x=PROV_X)
    f = regression_frame(province)
    f["yy"] = np.log(f["patent_grants_invention"])
    f["yy"] += f["unit"].map({u: rng.normal() * 10 for u in f["unit"].unique()}) + f["year"].map({y: rng.normal() * 10 for y in f["year"].unique()})
    shuffled = f.sample(frac=1.0, random_state=seed)
    res = fit_panel(shuffled, y="yy", x=PROV_X)
    np.testing.assert_allclose(res.params.to_numpy(), base.params.to_numpy(), rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(res.std_errors.to_numpy(), base.std_errors.to_numpy(), rtol=1e-7)
