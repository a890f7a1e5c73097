"""Invariants, closed-form cases, infeasibility/zero reporting and error messages of nqpf.gtfp."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from _shared import fixture_path
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from nqpf import DataError, DataWarning, MethodError, NqpfError
from nqpf.gtfp import (
    EfficiencyResult,
    ProductivityResult,
    dea,
    ddf,
    gtfp_indicator,
    malmquist,
    malmquist_luenberger,
    sbm,
)
from nqpf.gtfp._build import solve_ddf, solve_sbm
from nqpf.gtfp.malmquist import chain_index, geometric_index, ratio_index

KLE = ["K", "L", "E"]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    df = pd.read_csv(fixture_path("oracles", "dea", "input_panel.csv"), dtype={"region_code": str})
    return df.rename(columns={"region_code": "unit"}).drop(columns="region_en")


def _random_panel(seed: int, n: int = 12, years: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for t in range(years):
        K = rng.lognormal(3, 0.5, n)
        L = rng.lognormal(2, 0.5, n)
        Y = K**0.5 * L**0.5 * np.exp(-rng.exponential(0.3, n) + 0.05 * t)
        B = L * rng.lognormal(0, 0.3, n)
        rows.append(pd.DataFrame({"unit": [f"u{i}" for i in range(n)], "year": 2000 + t, "K": K, "L": L, "Y": Y, "B": B}))
    return pd.concat(rows, ignore_index=True)


# ----------------------------------------------------------------------------- closed forms


def test_closed_form_single_input_output():
    df = pd.DataFrame({"unit": list("abc"), "year": 2020, "x": [2.0, 4.0, 3.0], "y": [2.0, 2.0, 1.0]})
    ccr = dea(df, inputs="x", outputs="y")
    np.testing.assert_allclose(ccr.scores["efficiency"], [1.0, 0.5, 1 / 3], rtol=1e-12)
    bcc = dea(df, inputs="x", outputs="y", rts="vrs")
    # VRS hull of (2,2) and (3,1)... c at x=3,y=1 is dominated by a: input efficiency 2/3
    np.testing.assert_allclose(bcc.scores["efficiency"], [1.0, 0.5, 2 / 3], rtol=1e-12)
    out = dea(df, inputs="x", outputs="y", orientation="output")
    np.testing.assert_allclose(out.scores["efficiency"], [1.0, 0.5, 1 / 3], rtol=1e-12)
    np.testing.assert_allclose(out.scores["eta"], [1.0, 2.0, 3.0], rtol=1e-12)


def test_closed_form_super_sbm_with_bad_output():
    # a = (x 1, y 2, b 1) is efficient; against b = (2, 2, 1) alone the cheapest worsening is
    # λ = 1/2: ȳ = 1, δ = 1/(1 − ½·½) = 4/3; b's SBM score is (1 − 1/2)/1 = 1/2
    df = pd.DataFrame({"unit": ["a", "b"], "year": 1, "x": [1.0, 2.0], "y": [2.0, 2.0], "co2": [1.0, 1.0]})
    res = sbm(df, inputs="x", outputs="y", undesirable="co2", super_efficiency=True)
    np.testing.assert_allclose(res.scores["efficiency"], [4 / 3, 0.5], rtol=1e-12)
    np.testing.assert_allclose(res.scores["sbm"], [1.0, 0.5], rtol=1e-12)


def test_pure_formulas():
    idx, ec, tc = geometric_index(0.5, 0.8, 0.4, 0.6)
    assert idx == pytest.approx(np.sqrt(0.8 / 0.5 * 0.6 / 0.4))
    assert ec == pytest.approx(1.2)
    assert idx == pytest.approx(ec * tc)
    idx, ec, tc = ratio_index(0.5, 0.6, 0.8, 0.4)
    assert (float(idx), float(ec), float(tc)) == pytest.approx((1.2, 0.5, 2.4))
    np.testing.assert_allclose(chain_index(np.array([1.1, np.nan, 1.0])), [1.0, 1.1, np.nan, np.nan])


# ----------------------------------------------------------------------------- invariants on the real panel


def test_ccr_le_bcc_and_bounds(panel):
    ccr = dea(panel, inputs=KLE, outputs="Y").scores["efficiency"].to_numpy()
    bcc = dea(panel, inputs=KLE, outputs="Y", rts="vrs").scores["efficiency"].to_numpy()
    assert np.all(ccr <= bcc + 1e-10)
    for e in (ccr, bcc):
        assert np.all((e > 0) & (e <= 1 + 1e-10))
    s_crs = sbm(panel, inputs=KLE, outputs="Y", undesirable="CO2").scores["efficiency"].to_numpy()
    s_vrs = sbm(panel, inputs=KLE, outputs="Y", undesirable="CO2", rts="vrs").scores["efficiency"].to_numpy()
    assert np.all(s_crs <= s_vrs + 1e-10)
    assert np.all((s_crs > 0) & (s_crs <= 1 + 1e-10))
    # without bads the SBM score never exceeds the CCR score (Tone 2001, Theorem 2)
    s_plain = sbm(panel, inputs=KLE, outputs="Y").scores["efficiency"].to_numpy()
    assert np.all(s_plain <= ccr + 1e-10)


def test_super_sbm_at_least_one_for_efficient(panel):
    res = sbm(panel, inputs=KLE, outputs="Y", undesirable="CO2", super_efficiency=True, rts="vrs")
    s = res.scores
    eff = s["sbm"] >= 1 - 1e-9
    assert eff.sum() > 0
    assert (s.loc[eff, "efficiency"] >= 1 - 1e-10).all()
    assert (s.loc[~eff, "efficiency"] < 1).all()
    assert (s.loc[~eff, "super_status"] == "not efficient").all()


@pytest.mark.parametrize("frontier", ["contemporaneous", "sequential", "window", "global", "biennial"])
@pytest.mark.parametrize("model", ["ddf", "sbm"])
def test_ml_equals_ec_times_tc(panel, frontier, model):
    res = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", model=model, frontier=frontier,
                               window=2, allow_negative=True)
    ix = res.index.dropna(subset=["index"])
    assert len(ix) > 0
    np.testing.assert_allclose(ix["index"], ix["EC"] * ix["TC"], rtol=1e-12)
    if frontier in ("global", "biennial") and model == "ddf":
        assert res.index["index"].notna().all()


def test_window_one_is_contemporaneous_and_sequential_first_pair(panel):
    a = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="contemporaneous").index
    b = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="window", window=1).index
    pd.testing.assert_frame_equal(a, b)
    seq = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="sequential",
                               allow_negative=True).index
    win = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="window", window=3,
                               allow_negative=True).index
    # with 3 years a 3-year trailing window is the sequential frontier
    pd.testing.assert_frame_equal(seq, win)


def test_global_cumulative_equals_score_ratio(panel):
    res = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", model="sbm", frontier="global")
    g = res.distances[res.distances["frontier"] == "global"].set_index(["unit", "year"])["score"]
    cum = res.cumulative.set_index(["unit", "year"])["value"]
    expect = g / g.groupby(level="unit").transform("first")
    np.testing.assert_allclose(cum.loc[expect.index], expect, rtol=1e-10)
    ind = gtfp_indicator(panel, inputs=KLE, outputs="Y", undesirable="CO2")
    assert list(ind.columns) == ["unit", "year", "value"]
    assert (ind.loc[ind["year"] == 2013, "value"] == 1.0).all()
    np.testing.assert_allclose(ind.set_index(["unit", "year"])["value"], cum, rtol=1e-12)


def _shuffle_scale(df: pd.DataFrame, seed: int, factors: dict) -> pd.DataFrame:
    out = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    for k, f in factors.items():
        out[k] = out[k] * f
    return out


@pytest.mark.parametrize("call", [
    lambda d: dea(d, inputs=KLE, outputs="Y", rts="vrs").scores[["unit", "year", "efficiency"]],
    lambda d: sbm(d, inputs=KLE, outputs="Y", undesirable="CO2", super_efficiency=True).scores[["unit", "year", "efficiency"]],
    lambda d: ddf(d, inputs=KLE, outputs="Y", undesirable="CO2").scores[["unit", "year", "beta"]],
    lambda d: malmquist_luenberger(d, inputs=KLE, outputs="Y", undesirable="CO2", frontier="global").index[
        ["unit", "period", "index", "EC", "TC"]],
    lambda d: malmquist(d, inputs=KLE, outputs="Y", rts="vrs", frontier="global").index[
        ["unit", "period", "index", "PEC", "SEC"]],
], ids=["bcc", "super_sbm", "ddf", "ml_global", "malmquist_vrs"])
def test_invariant_to_unit_order_and_units_of_measurement(panel, call):
    base = call(panel)
    other = call(_shuffle_scale(panel, 7, {"K": 1e-4, "E": 1e3, "Y": 0.01, "CO2": 1e6}))
    pd.testing.assert_frame_equal(base.reset_index(drop=True), other.reset_index(drop=True), rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------- batched LPs = one LP at a time


def _naive_sbm(x0, y0, b0, X, Y, B):
    n, m = X.shape
    nv = 1 + n + m + 2
    c = np.zeros(nv); c[0] = 1; c[1 + n : 1 + n + m] = -1 / (m * x0)
    A = np.zeros((1 + m + 2, nv)); b = np.zeros(1 + m + 2)
    A[0, 0] = 1; A[0, 1 + n + m] = 0.5 / y0[0]; A[0, 1 + n + m + 1] = 0.5 / b0[0]; b[0] = 1
    for i in range(m):
        A[1 + i, 0] = -x0[i]; A[1 + i, 1 : 1 + n] = X[:, i]; A[1 + i, 1 + n + i] = 1
    A[1 + m, 0] = -y0[0]; A[1 + m, 1 : 1 + n] = Y[:, 0]; A[1 + m, 1 + n + m] = -1
    A[2 + m, 0] = -b0[0]; A[2 + m, 1 : 1 + n] = B[:, 0]; A[2 + m, 2 + n + m] = 1
    r = linprog(c, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
    return r.fun if r.status == 0 else np.nan


def _naive_ddf(x0, y0, b0, X, Y, B):
    n = X.shape[0]
    c = np.zeros(1 + n); c[0] = -1
    A_ub = np.vstack([np.hstack([[0.0], X[:, i]]) for i in range(X.shape[1])] + [np.hstack([[y0[0]], -Y[:, 0]])])
    b_ub = np.concatenate([x0, [-y0[0]]])
    A_eq = np.hstack([[b0[0]], B[:, 0]])[None, :]
    r = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[b0[0]], bounds=(0, None), method="highs")
    return -r.fun if r.status == 0 else np.nan


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n_eval=st.integers(1, 40))
def test_batched_equals_one_lp_at_a_time(seed, n_eval):
    rng = np.random.default_rng(seed)
    n_ref = 25
    X = rng.lognormal(0, 0.6, (n_ref, 2)); Y = rng.lognormal(0, 0.6, (n_ref, 1)); B = rng.lognormal(0, 0.6, (n_ref, 1))
    Xe = rng.lognormal(0, 0.6, (n_eval, 2)); Ye = rng.lognormal(0, 0.6, (n_eval, 1)); Be = rng.lognormal(0, 0.6, (n_eval, 1))
    got = solve_sbm(Xe, Ye, Be, X, Y, B)
    want = [_naive_sbm(Xe[i], Ye[i], Be[i], X, Y, B) for i in range(n_eval)]
    np.testing.assert_allclose(got["efficiency"], want, rtol=1e-8, atol=1e-10)
    got = solve_ddf(Xe, Ye, Be, X, Y, B, np.zeros_like(Xe), Ye, Be)
    want = np.array([_naive_ddf(Xe[i], Ye[i], Be[i], X, Y, B) for i in range(n_eval)])
    np.testing.assert_array_equal(np.isnan(got["beta"]), np.isnan(want))
    np.testing.assert_allclose(got["beta"][~np.isnan(want)], want[~np.isnan(want)], rtol=1e-8, atol=1e-9)
    assert set(got["status"][np.isnan(want)]) <= {2}


def test_random_panels_invariants():
    for seed in range(3):
        df = _random_panel(seed)
        res = malmquist_luenberger(df, inputs=["K", "L"], outputs="Y", undesirable="B", model="sbm",
                                   frontier="contemporaneous")
        ix = res.index.dropna(subset=["index"])
        np.testing.assert_allclose(ix["index"], ix["EC"] * ix["TC"], rtol=1e-12)
        own = res.distances[res.distances["frontier"] == "own"]["score"]
        assert ((own > 0) & (own <= 1 + 1e-10)).all()


# ----------------------------------------------------------------------------- infeasibility, zeros, missing


def test_super_efficiency_vrs_infeasible_is_reported():
    # a is the only unit with the largest output: without a, no VRS combination reaches y = 3
    df = pd.DataFrame({"unit": list("abc"), "year": 1, "x": [2.0, 1.0, 3.0], "y": [3.0, 1.0, 2.0]})
    res = dea(df, inputs="x", outputs="y", rts="vrs", super_efficiency=True)
    s = res.scores.set_index("unit")
    assert s.loc["a", "super_status"] == "infeasible"
    assert np.isnan(s.loc["a", "super_efficiency"])
    assert s.loc["b", "super_status"] == "optimal"
    assert s.loc["b", "super_efficiency"] == pytest.approx(2.0)  # input-oriented: b's x could double


def test_cross_period_infeasible_reported_in_status(panel):
    res = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="contemporaneous")
    miss = res.index[res.index["index"].isna()]
    assert len(miss) == 15
    assert miss["status"].str.contains(r"frontier 2013 x 2014: infeasible|frontier 2014 x 2015: infeasible").all()
    assert any("indices are missing" in n for n in res.summary().notes)
    # allowing β < 0 leaves only the LPs that are infeasible under weak disposability itself
    res2 = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="contemporaneous",
                                allow_negative=True)
    miss2 = res2.index[res2.index["index"].isna()]
    assert sorted(zip(miss2["unit"], miss2["period"])) == [
        ("150000", "2014~2015"), ("340000", "2013~2014"), ("340000", "2014~2015")]
    ok = res.index["index"].notna()
    np.testing.assert_allclose(res.index.loc[ok, "index"], res2.index.loc[ok, "index"], rtol=1e-9)
    # with strong disposability of CO2 every cross-period LP is feasible
    res3 = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2", frontier="contemporaneous",
                                allow_negative=True, disposability="strong")
    assert res3.index["index"].notna().all()


def test_zeros_are_handled_and_reported():
    df = pd.DataFrame({"unit": list("abcd"), "year": 1, "x1": [1.0, 2.0, 0.0, 2.0], "x2": [1.0, 1.0, 2.0, 3.0],
                       "y": [1.0, 1.0, 1.0, 0.0], "b": [1.0, 1.0, 1.0, 1.0]})
    res = sbm(df, inputs=["x1", "x2"], outputs="y", undesirable="b")
    assert set(zip(res.zeros["unit"], res.zeros["variable"])) == {("c", "x1"), ("d", "y")}
    assert (res.scores["status"] == "optimal").all()
    e = res.scores.set_index("unit")["efficiency"]
    # c uses none of x1 and is efficient; d produces nothing from positive inputs: ρ = 0 (its output
    # term is deleted, its inputs can all be saved)
    assert e["c"] == pytest.approx(1.0)
    assert e["d"] == pytest.approx(0.0, abs=1e-12)
    assert ((e[["a", "b"]] > 0) & (e[["a", "b"]] <= 1)).all()
    assert any("zero values" in n for n in res.summary().notes)


def test_missing_values_excluded_with_warning():
    df = _random_panel(1, n=6, years=2)
    df.loc[3, "K"] = np.nan
    with pytest.warns(DataWarning, match="1 unit-years have missing values"):
        res = sbm(df, inputs=["K", "L"], outputs="Y", undesirable="B")
    assert res.excluded[["unit", "year", "reason"]].values.tolist() == [["u3", 2000, "missing K"]]
    assert len(res.scores) == 11
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        ml = malmquist_luenberger(df, inputs=["K", "L"], outputs="Y", undesirable="B")
    # u3 has no 2000 observation: its series starts in 2001 and it has no 2000~2001 index
    assert "u3" not in set(ml.index["unit"])
    assert ml.cumulative.query("unit == 'u3'")[["year", "value"]].values.tolist() == [[2001, 1.0]]


def test_long_panel_equals_wide(panel):
    long = panel.melt(id_vars=["unit", "year"], var_name="indicator", value_name="value")
    a = sbm(panel, inputs=KLE, outputs="Y", undesirable="CO2").scores
    b = sbm(long, inputs=KLE, outputs="Y", undesirable="CO2").scores
    pd.testing.assert_frame_equal(a, b)


# ----------------------------------------------------------------------------- results objects and errors


def test_results_objects(panel):
    res = sbm(panel, inputs=KLE, outputs="Y", undesirable="CO2")
    assert isinstance(res, EfficiencyResult) and res.kind == "efficiency"
    assert list(res.tables()) == ["scores", "slacks", "peers", "excluded", "zeros"]
    assert res.peers["lambda"].gt(0).all()
    d = res.to_dict()
    assert d["model"] == "sbm" and len(d["tables"]["scores"]) == 90
    assert "mean efficiency" in str(res.summary())
    ml = malmquist_luenberger(panel, inputs=KLE, outputs="Y", undesirable="CO2")
    assert isinstance(ml, ProductivityResult)
    assert list(ml.tables())[:2] == ["index", "cumulative"]
    assert "geometric means" in str(ml.summary())


def test_error_messages(panel):
    with pytest.raises(DataError, match=r"^sbm: columns \['Z'\] are not in the table"):
        sbm(panel, inputs=["K", "Z"], outputs="Y")
    bad = panel.copy()
    bad.loc[0, "K"] = -1.0
    with pytest.raises(DataError, match=r"^dea: DEA needs non-negative data; got -1.0 for 'K' of unit '110000' in 2013\."):
        dea(bad, inputs=KLE, outputs="Y")
    with pytest.raises(NqpfError, match=r"^The 'rts' parameter of sbm must be one of 'crs', 'vrs', 'nirs', 'ndrs'; got 'xrs'\.$"):
        sbm(panel, inputs=KLE, outputs="Y", rts="xrs")
    with pytest.raises(MethodError, match=r"^dea: radial CCR/BCC models take no undesirable outputs"):
        from nqpf.gtfp.engine import ModelSpec, evaluate
        from nqpf.gtfp.panel import dea_data

        d = dea_data(panel, inputs=KLE, outputs="Y", undesirable="CO2")
        evaluate(ModelSpec("radial"), d, np.arange(3), np.arange(30))
    with pytest.raises(MethodError, match=r"^ddf: direction factors must be >= 0"):
        ddf(panel, inputs=KLE, outputs="Y", undesirable="CO2", direction={"CO2": -1})
    with pytest.raises(MethodError, match=r"^malmquist_luenberger: a productivity index needs at least two years"):
        malmquist_luenberger(panel[panel["year"] == 2013], inputs=KLE, outputs="Y", undesirable="CO2")
    with pytest.raises(MethodError, match=r"^The 'window' parameter of malmquist must be an int >= 1; got 0\."):
        malmquist(panel, inputs=KLE, outputs="Y", frontier="window", window=0)
    with pytest.raises(DataError, match=r"^sbm: variables \['K'\] are declared twice"):
        sbm(panel, inputs=["K", "L"], outputs="K")
