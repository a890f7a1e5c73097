"""Dagum Gini decomposition, Theil, Gini, CV — oracle values, identities and invariants."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from _reference import dagum_direct
from _shared import fixture_path, province_nqpf_input, shared_path
from nqpf import DataError, MethodError, MethodWarning, NqpfError
from nqpf.analysis import inequality as ineq
from nqpf.analysis.inequality import (
    coefficient_of_variation,
    dagum,
    dagum_panel,
    gini,
    inequality_panel,
    theil,
    theil_panel,
    theil_l,
    theil_t,
)

RTOL, ATOL = 1e-9, 1e-12
TINY = fixture_path("oracles", "dagum_tiny")
PROV = fixture_path("oracles", "nqpf_province_dagum")


def _province_panel() -> pd.DataFrame:
    return pd.read_csv(province_nqpf_input(), dtype={"unit": str})


# --------------------------------------------------------------------------- dagum_tiny oracle
def test_dagum_tiny_totals_groups_pairs():
    # oracle: shared/data/oracles/dagum_tiny (direct formulas + R dineq::gini_decomp 0.1.0)
    d = pd.read_csv(TINY / "input.csv")
    r = dagum(d["value"], d["group"])
    tot = pd.read_csv(TINY / "expected_totals.csv").iloc[0]
    for key in ["G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"]:
        got = getattr(r, key) if hasattr(r, key) else r.totals()[key].iloc[0]
        assert_allclose(got, tot[key], rtol=RTOL, atol=ATOL, err_msg=key)
    eg = pd.read_csv(TINY / "expected_groups.csv")
    assert r.groups["group"].tolist() == eg["group"].tolist()
    for col in ["n", "mean", "p", "s", "G_jj", "Gw_j"]:
        assert_allclose(r.groups[col].to_numpy(float), eg[col].to_numpy(float), rtol=RTOL, atol=ATOL, err_msg=col)
    ep = pd.read_csv(TINY / "expected_pairs.csv")
    assert r.pairs[["j", "h"]].values.tolist() == ep[["j", "h"]].values.tolist()
    for col in ["G_jh", "d_jh", "p_jh", "D_jh", "weight", "Gnb_jh", "Gt_jh"]:
        assert_allclose(r.pairs[col].to_numpy(float), ep[col].to_numpy(float), rtol=RTOL, atol=ATOL, err_msg=col)


def test_theil_tiny_oracle():
    # oracle: PySAL inequality 1.1.2 TheilD on dagum_tiny
    d = pd.read_csv(TINY / "input.csv")
    tot = pd.read_csv(TINY / "expected_totals.csv").iloc[0]
    r = theil(d["value"], d["group"])
    assert_allclose([r.T, r.between, r.within], tot[["Theil_T", "Theil_between", "Theil_within"]].to_numpy(float),
                    rtol=RTOL, atol=ATOL)


@pytest.mark.shared
def test_dagum_tiny_matches_shared_copy():
    src = shared_path("data", "oracles", "dagum_tiny", "expected_pairs.csv")
    pd.testing.assert_frame_equal(pd.read_csv(src), pd.read_csv(TINY / "expected_pairs.csv"))


# --------------------------------------------------------------------------- province oracle
@pytest.fixture(scope="module")
def province_result():
    return dagum_panel(_province_panel(), value="nqpf", group="region4")


def test_province_dagum_totals(province_result):
    # oracle: shared/data/oracles/nqpf_province_dagum (direct formulas + dineq), 13 years
    e = pd.read_csv(PROV / "expected_dagum_totals.csv")
    t = province_result.totals
    assert t["year"].tolist() == e["year"].tolist()
    for col in ["G", "Gw", "Gnb", "Gt", "Gw_share", "Gnb_share", "Gt_share"]:
        assert_allclose(t[col], e[col], rtol=RTOL, atol=ATOL, err_msg=col)
    assert_allclose(t["G"], e["G_pysal"], rtol=RTOL, atol=ATOL)


def test_province_dagum_groups_and_pairs(province_result):
    eg = pd.read_csv(PROV / "expected_dagum_groups.csv")
    g = province_result.groups
    assert g[["year", "group"]].values.tolist() == eg[["year", "group"]].values.tolist()
    for col in ["n", "mean", "p", "s", "G_jj", "Gw_j"]:
        assert_allclose(g[col].to_numpy(float), eg[col].to_numpy(float), rtol=RTOL, atol=ATOL, err_msg=col)
    ep = pd.read_csv(PROV / "expected_dagum_pairs.csv")
    p = province_result.pairs
    assert p[["year", "j", "h"]].values.tolist() == ep[["year", "j", "h"]].values.tolist()
    for col in ["G_jh", "d_jh", "p_jh", "D_jh", "weight", "Gnb_jh", "Gt_jh"]:
        assert_allclose(p[col].to_numpy(float), ep[col].to_numpy(float), rtol=RTOL, atol=ATOL, err_msg=col)


def test_panel_wide_views(province_result):
    g = province_result.wide("G_jh")
    assert g.shape == (13, 6) and "east–west" in g.columns
    ep = pd.read_csv(PROV / "expected_dagum_pairs.csv")
    row = ep[(ep["year"] == 2022) & (ep["j"] == "east") & (ep["h"] == "west")].iloc[0]
    assert_allclose(g.loc[2022, "east–west"], row["G_jh"], rtol=RTOL)
    assert province_result.wide("G_jj").shape == (13, 4)
    with pytest.raises(DataError, match=r"^DagumPanelResult.wide: unknown statistic; got 'Gx'"):
        province_result.wide("Gx")


def test_province_theil_oracle():
    e = pd.read_csv(PROV / "expected_dagum_totals.csv")
    groups = pd.read_csv(PROV / "region_groups.csv", dtype={"unit": str})
    df = _province_panel().merge(groups[["unit", "group"]], on="unit")
    t = theil_panel(df, value="nqpf", group="group").totals
    assert_allclose(t[["T", "T_between", "T_within"]].to_numpy(),
                    e[["Theil_T", "Theil_between", "Theil_within"]].to_numpy(), rtol=RTOL, atol=ATOL)


def test_registry_grouping_equals_oracle_grouping():
    groups = pd.read_csv(PROV / "region_groups.csv", dtype={"unit": str})
    df = _province_panel().merge(groups[["unit", "group"]], on="unit")
    a = dagum_panel(df, value="nqpf", group="group").totals
    b = dagum_panel(_province_panel(), value="nqpf", group="region4").totals
    assert_allclose(a[["G", "Gw", "Gnb", "Gt"]], b[["G", "Gw", "Gnb", "Gt"]], rtol=0, atol=0)


@pytest.mark.shared
def test_province_input_matches_shared_source():
    src = shared_path("data", "nqpf-index-gtfp-lstm-dai", "nqpf_gtfp_province_2010_2022.csv")
    s = pd.read_csv(src, dtype={"region_code": str})
    f = _province_panel()
    assert s["region_code"].tolist() == f["unit"].tolist()
    assert_allclose(s["nqpf"], f["nqpf"], rtol=0, atol=0)


# --------------------------------------------------------------------------- fast == direct
def _direct_tables(values, groups):
    y = np.asarray(values, float)
    _, labels = ineq._group_codes(groups, y.size, where="t")
    return ineq._dagum_tables(dagum_direct(values, groups), labels)


def test_fast_equals_direct_on_province_year():
    df = _province_panel()
    sub = df[df["year"] == 2022]
    from nqpf.data.regions import registry

    grp = registry.groups(sub["unit"], by="region4")
    fast = dagum(sub["nqpf"], grp)
    tot, g, p = _direct_tables(sub["nqpf"].to_numpy(), grp.to_numpy())
    assert_allclose([fast.G, fast.Gw, fast.Gnb, fast.Gt], [tot["G"], tot["Gw"], tot["Gnb"], tot["Gt"]], rtol=1e-12)
    assert_allclose(fast.pairs[["G_jh", "d_jh", "p_jh", "D_jh"]], p[["G_jh", "d_jh", "p_jh", "D_jh"]], rtol=1e-12,
                    atol=1e-15)
    assert_allclose(fast.groups["G_jj"], g["G_jj"], rtol=1e-12)


values_st = st.lists(st.integers(min_value=0, max_value=50), min_size=4, max_size=40)


@settings(max_examples=60, deadline=None)
@given(values_st, st.integers(min_value=0, max_value=10_000))
def test_invariants_hypothesis(vals, seed):
    rng = np.random.default_rng(seed)
    y = np.asarray(vals, float) + rng.integers(0, 2) * 0.25  # integers force ties between groups
    if y.sum() == 0:
        y = y + 1.0
    groups = rng.choice(["a", "b", "c"], size=y.size)
    groups[:3] = ["a", "b", "c"]
    r = dagum(y, groups)
    # G = Gw + Gnb + Gt, and the Dagum total equals the plain Gini
    assert_allclose(r.Gw + r.Gnb + r.Gt, r.G, rtol=1e-12, atol=1e-14)
    assert_allclose(r.G, gini(y), rtol=1e-12, atol=1e-14)
    # identities of methods-reference §4
    mu = r.groups.set_index("group")["mean"]
    p = r.pairs
    assert_allclose(p["d_jh"] - p["p_jh"], mu[p["j"]].to_numpy() - mu[p["h"]].to_numpy(), rtol=1e-9, atol=1e-12)
    assert (p["D_jh"].between(-1e-12, 1 + 1e-12)).all()
    # fast path equals the O(n²) reference
    tot, g, pd_ = _direct_tables(y, groups)
    assert_allclose(r.pairs[["G_jh", "d_jh", "p_jh"]].to_numpy(), pd_[["G_jh", "d_jh", "p_jh"]].to_numpy(),
                    rtol=1e-10, atol=1e-13)
    # permutation of units leaves everything unchanged
    perm = rng.permutation(y.size)
    r2 = dagum(y[perm], groups[perm])
    assert_allclose([r2.G, r2.Gw, r2.Gnb, r2.Gt], [r.G, r.Gw, r.Gnb, r.Gt], rtol=1e-12, atol=1e-15)
    # Theil decomposition sums; Gini unchanged by scaling
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MethodWarning)
        t = theil(y, groups)
    assert_allclose(t.within + t.between, t.T, rtol=1e-10, atol=1e-14)
    assert_allclose(gini(3.5 * y), gini(y), rtol=1e-12)
    if (y > 0).all():
        assert_allclose(t.L_within + t.L_between, t.L, rtol=1e-10, atol=1e-14)


# --------------------------------------------------------------------------- plain measures
def test_closed_forms():
    assert gini([1, 1, 1]) == 0.0
    assert_allclose(gini([0, 0, 0, 1]), 0.75)  # n² normalisation: (n − 1)/n
    assert_allclose(theil_t([0, 0, 0, 10, 10, 10]), np.log(2))
    assert theil_l([0, 1]) == np.inf
    assert_allclose(theil_l([1, 4]), np.log(2.5) - 0.5 * np.log(4))
    assert_allclose(coefficient_of_variation([2, 4]), 1 / 3)
    assert_allclose(coefficient_of_variation([2, 4], ddof=1), np.sqrt(2) / 3)


def test_inequality_panel_values():
    df = _province_panel()
    t = inequality_panel(df, value="nqpf").table
    e = pd.read_csv(PROV / "expected_dagum_totals.csv")
    assert_allclose(t["gini"], e["G"], rtol=RTOL, atol=ATOL)
    assert_allclose(t["theil_T"], e["Theil_T"], rtol=RTOL, atol=ATOL)
    y22 = df.loc[df["year"] == 2022, "nqpf"].to_numpy()
    row = t[t["year"] == 2022].iloc[0]
    assert_allclose(row["cv"], y22.std() / y22.mean(), rtol=1e-12)
    assert_allclose(row["sd_log"], np.log(y22).std(), rtol=1e-12)


def test_errors_messages():
    with pytest.raises(MethodError, match=r"^dagum: the Gini/Theil family needs non-negative values; got 1 negative"):
        dagum([1.0, -2.0, 3.0], ["a", "b", "b"])
    with pytest.raises(DataError, match=r"^dagum: values and groups must have the same length; got 3 values and 2"):
        dagum([1.0, 2.0, 3.0], ["a", "b"])
    with pytest.raises(DataError, match=r"^gini: values contain NaN; got 1 missing of 3\."):
        gini([1.0, np.nan, 2.0])
    with pytest.raises(NqpfError, match=r"^The 'ddof' parameter of inequality_panel must be an int in the range"):
        inequality_panel(pd.DataFrame({"unit": ["a"], "year": [1], "value": [1.0]}), ddof=3)
    with pytest.raises(DataError, match=r"^as_panel: group column 'zone' not found"):
        dagum_panel(pd.DataFrame({"unit": ["a"], "year": [1], "value": [1.0]}), group="zone")


def test_inputs_not_changed():
    df = _province_panel()
    before = df.copy()
    dagum_panel(df, value="nqpf", group="region4")
    pd.testing.assert_frame_equal(df, before)


def test_summary_and_dict():
    d = pd.read_csv(TINY / "input.csv")
    r = dagum(d["value"], d["group"])
    text = str(r.summary())
    assert "Gnb (net between" in text and "0.305314" in text
    out = r.to_dict()
    assert out["kind"] == "dagum" and abs(out["G"] - 0.305314009662) < 1e-9
    assert list(r.tables()) == ["totals", "groups", "pairs"]
