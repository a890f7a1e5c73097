"""Tests of nqpf.analysis.convergence (σ, β, spatial β and club convergence)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from _reference import REFERENCE_CLUBS, log_t_test_reference, qs_long_run_variance
from nqpf._errors import DataError, MethodError, NqpfError
from nqpf.analysis import convergence as _cv
from nqpf.analysis.convergence import (
    beta_convergence,
    club_convergence,
    convergence_speed,
    cross_sectional_variation,
    dispersion,
    half_life,
    log_t_test,
    sigma_convergence,
    spatial_beta_convergence,
    spatial_impacts,
)


def _long(lx: np.ndarray, years: np.ndarray, prefix: str = "u") -> pd.DataFrame:
    n, t = lx.shape
    return pd.DataFrame({
        "unit": np.repeat([f"{prefix}{i:02d}" for i in range(n)], t),
        "year": np.tile(years, n),
        "value": np.exp(lx).ravel(),
    })


# --------------------------------------------------------------------------- λ and half-life
def test_speed_formulas_by_hand():
    # annual panel, τ = 1: λ = −ln(1 + β)
    assert_allclose(convergence_speed(-0.05), -math.log(0.95), rtol=1e-15)
    assert_allclose(convergence_speed(-0.05), 0.05129329438755058, rtol=1e-12)
    # cross-section, annualised growth over T = 10: λ = −ln(1 + βT)/T
    assert_allclose(convergence_speed(-0.02, periods=10, annualised=True), -math.log(0.8) / 10, rtol=1e-15)
    # the same data, growth not annualised (β' = T β): λ = −ln(1 + β')/T gives the same speed
    assert_allclose(convergence_speed(-0.2, periods=10), convergence_speed(-0.02, periods=10, annualised=True), rtol=1e-15)
    # the REAT pitfall: the annualised formula on an annual-panel β gives another (wrong) number
    assert convergence_speed(-0.05, periods=10, annualised=True) != pytest.approx(convergence_speed(-0.05))
    assert_allclose(half_life(convergence_speed(-0.05)), math.log(2) / -math.log(0.95), rtol=1e-15)
    assert_allclose(half_life(0.0693147), 10.0, rtol=1e-6)
    assert math.isnan(convergence_speed(-0.2, periods=10, annualised=True))  # 1 + βT = −1 < 0
    assert math.isnan(half_life(convergence_speed(0.01)))                   # divergence
    assert convergence_speed(0.01) < 0


# --------------------------------------------------------------------------- σ
def test_sigma_by_hand_and_trend():
    df = pd.DataFrame({"unit": list("abc") * 4, "year": np.repeat([2018, 2019, 2020, 2021], 3),
                       "value": [1, 2, 3, 1.5, 2, 2.5, 1.8, 2, 2.2, 1.9, 2, 2.1]})
    res = sigma_convergence(df)
    t = res.table
    assert_allclose(t["sd"], [math.sqrt(2 / 3), math.sqrt(1 / 6), math.sqrt(0.08 / 3), math.sqrt(0.02 / 3)], rtol=1e-12)
    assert_allclose(t["cv"], t["sd"] / 2.0, rtol=1e-12)
    assert (t["sigma"] == t["sd"]).all()
    tr = res.trend.set_index("measure")
    assert tr.loc["sigma", "slope"] < 0 and tr.loc["sigma", "p"] < 0.05 and res.converging
    assert_allclose(tr.loc["sigma", "change"], t["sd"].iloc[-1] / t["sd"].iloc[0] - 1)
    res1 = sigma_convergence(df, ddof=1, log=True)
    assert_allclose(res1.table["sigma"].iloc[0], np.std(np.log([1, 2, 3]), ddof=1), rtol=1e-12)
    assert_allclose(res1.table["sd"].iloc[0], 1.0, rtol=1e-12)
    assert "σ-convergence" in str(res.summary())
    assert [round(v, 6) for v in dispersion([2.0, 2.0])] == [2.0, 0.0, 0.0]


def test_sigma_errors():
    df = pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2020], "value": [1.0, 2.0]})
    with pytest.raises(DataError) as e:
        sigma_convergence(df)
    assert str(e.value) == "sigma_convergence: 1 rows repeat a (unit, year) pair, e.g. ['a', 2020]. Keep one row per unit and year."
    with pytest.raises(DataError, match=r"columns \['value'\] are missing"):
        sigma_convergence(df.rename(columns={"value": "v"}))
    with pytest.raises(DataError, match=r"logarithms need values > 0; got 1 values <= 0"):
        sigma_convergence(pd.DataFrame({"unit": ["a", "b"], "year": [2020, 2020], "value": [0.0, 1.0]}), log=True)


# --------------------------------------------------------------------------- β, panel
def _beta_panel(seed=0, n=50, t=12, beta=-0.1):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.1, n)
    d = rng.normal(0, 0.05, t)
    z = rng.normal(0, 1, (n, t))
    lx = np.zeros((n, t))
    lx[:, 0] = rng.normal(1, 0.5, n)
    for k in range(t - 1):
        lx[:, k + 1] = lx[:, k] + a + beta * lx[:, k] + 0.03 * z[:, k] + d[k] + rng.normal(0, 0.02, n)
    df = _long(lx, np.arange(2005, 2005 + t))
    df["z"] = z.ravel()
    return df


def test_beta_panel_recovers_known_beta():
    df = _beta_panel()
    res = beta_convergence(df, kind="conditional", controls=["z"])
    assert abs(res.beta - (-0.1)) < 3 * res.se
    assert_allclose(res.coefficients.set_index("term").loc["z", "coef"], 0.03, atol=0.005)
    assert_allclose(res.lam, -math.log(1 + res.beta), rtol=1e-15)
    assert_allclose(res.half_life, math.log(2) / res.lam, rtol=1e-15)
    row = res.table.iloc[0]
    assert row["n_obs"] == 50 * 11 and row["n_units"] == 50 and row["n_periods"] == 11
    assert row["formula"] == "lambda = -ln(1 + beta)/tau, tau = 1 (un-annualised growth)"
    assert row["cov"] == "clustered by unit" and bool(row["converging"])
    # absolute, two-way FE: the omitted control is independent noise, β still recovered
    res_abs = beta_convergence(df)
    assert abs(res_abs.beta - (-0.1)) < 3 * res_abs.se
    # pooled OLS without effects is biased towards 0 here (unit effects in growth are omitted)
    res_pool = beta_convergence(df, fe="none", cluster="twoway")
    assert res_pool.table.iloc[0]["cov"] == "clustered by unit and year"
    assert res_pool.coefficients["term"].tolist() == ["const", "ln_initial"]


def test_beta_panel_matches_manual_within_estimator():
    df = _beta_panel(seed=2, n=20, t=6)
    res = beta_convergence(df, fe="twoway", cluster="none")
    w = df.pivot(index="unit", columns="year", values="value")
    lx = np.log(w.to_numpy())
    g = (lx[:, 1:] - lx[:, :-1])
    x = lx[:, :-1]

    def dm(a):  # two-way within transformation of a balanced panel
        return a - a.mean(1, keepdims=True) - a.mean(0, keepdims=True) + a.mean()

    b = (dm(x) * dm(g)).sum() / (dm(x) ** 2).sum()
    assert_allclose(res.beta, b, rtol=1e-10)


def test_beta_gaps_are_not_bridged():
    df = _beta_panel(seed=3, n=10, t=6)
    df = df[~((df["unit"] == "u00") & (df["year"] == 2007))]
    res = beta_convergence(df, fe="unit")
    assert res.table.iloc[0]["n_obs"] == 10 * 5 - 2
    assert any("gap" in n for n in res.notes)


# --------------------------------------------------------------------------- β, cross-section
def _cross_section(lam=0.03, T=10, n=200, seed=1, noise=0.002):
    rng = np.random.default_rng(seed)
    lx0 = rng.normal(1.0, 0.6, n)
    lxT = lx0 - (1 - math.exp(-lam * T)) * (lx0 - 1.5) + 0.2 + rng.normal(0, noise, n)
    return pd.DataFrame({"unit": np.tile([f"c{i:03d}" for i in range(n)], 2), "year": np.repeat([2010, 2010 + T], n),
                         "value": np.exp(np.r_[lx0, lxT])})


def test_cross_section_recovers_known_lambda_both_formulas():
    df = _cross_section()
    ann = beta_convergence(df, span=(2010, 2020), fe="none")
    assert_allclose(ann.beta, -(1 - math.exp(-0.3)) / 10, rtol=0.01)
    assert_allclose(ann.lam, 0.03, rtol=0.02)
    raw = beta_convergence(df, span="full", fe="none", annualise=False)
    assert_allclose(raw.beta, 10 * ann.beta, rtol=1e-10)
    assert_allclose(raw.lam, ann.lam, rtol=1e-10)
    assert ann.formula == "lambda = -ln(1 + beta*T)/T, T = 10 (annualised growth)"
    assert raw.formula == "lambda = -ln(1 + beta)/tau, tau = 10 (un-annualised growth)"
    assert ann.table.iloc[0]["cov"] == "HC1"
    # the REAT pitfall: −ln(1 + β)/1 on the annualised β understates λ
    assert convergence_speed(ann.beta) < 0.0265


def test_cross_section_conditional_uses_initial_controls():
    df = _cross_section(n=80)
    rng = np.random.default_rng(5)
    df["z"] = np.r_[rng.normal(size=80), np.full(80, np.nan)]  # controls needed only in y0
    res = beta_convergence(df, kind="conditional", controls=["z"], span="full", fe="none", cluster="none")
    assert res.table.iloc[0]["n_obs"] == 80
    assert res.coefficients["term"].tolist() == ["const", "ln_initial", "z"]


def test_beta_errors_exact():
    df = _cross_section(n=10)
    with pytest.raises(MethodError) as e:
        beta_convergence(df, span="full")
    assert str(e.value) == (
        "beta_convergence: fixed effects cannot be estimated in a cross-section (span='full'); got fe='twoway'. "
        "Pass fe='none' (add controls for conditional convergence) or span=None for the panel."
    )
    with pytest.raises(MethodError, match=r"absolute β-convergence takes no controls; got controls=\['z'\]"):
        beta_convergence(df.assign(z=1.0), controls=["z"])
    with pytest.raises(MethodError, match=r"conditional β-convergence needs controls or fixed effects"):
        beta_convergence(df, kind="conditional", fe="none")
    with pytest.raises(MethodError, match=r"span years must be in the data with y0 < y1; got \(2020, 2010\)"):
        beta_convergence(df, span=(2020, 2010), fe="none")
    with pytest.raises(NqpfError) as e:
        beta_convergence(df, fe="time")
    assert str(e.value) == "The 'fe' parameter of beta_convergence must be one of 'twoway', 'unit', 'none'; got 'time'."
    with pytest.raises(MethodError, match=r"a cross-section has no clusters; got cluster='year'"):
        beta_convergence(df, span="full", fe="none", cluster="year")


# --------------------------------------------------------------------------- spatial β
def _spatial_panel(seed=0, rho=0.3, beta=-0.08, theta=0.0, T=12, error=False, time_effects=True):
    import libpysal

    rng = np.random.default_rng(seed)
    ids = [f"u{i:02d}" for i in range(40)]
    w = libpysal.weights.full2W(libpysal.weights.lat2W(5, 8, rook=True).full()[0], ids=ids)  # binary, ids as strings
    W = w.full()[0] / w.full()[0].sum(axis=1, keepdims=True)
    n = W.shape[0]
    mu = rng.normal(0, 0.1, n)
    eta = rng.normal(0, 0.05, T) * time_effects
    lx = np.zeros((n, T))
    lx[:, 0] = rng.normal(1, 0.3, n)
    A = np.linalg.inv(np.eye(n) - rho * W)
    for t in range(T - 1):
        if error:  # g = β ln x + μ + η + u, u = ρ W u + ε
            g = beta * lx[:, t] + mu + eta[t] + A @ rng.normal(0, 0.02, n)
        else:      # g = ρ W g + β ln x + θ W ln x + μ + η + ε
            g = A @ (beta * lx[:, t] + theta * (W @ lx[:, t]) + mu + eta[t] + rng.normal(0, 0.02, n))
        lx[:, t + 1] = lx[:, t] + g
    df = _long(lx, np.arange(2010, 2010 + T))
    return df, pd.DataFrame(W, index=ids, columns=ids), w


def test_spatial_lag_recovers_rho_beta_and_impacts(capsys):
    df, Wdf, w = _spatial_panel()
    res = spatial_beta_convergence(df, Wdf, model="lag", draws=200, seed=1)
    assert capsys.readouterr().out == ""  # spreg's console output is suppressed
    row = res.table.iloc[0]
    assert abs(res.rho - 0.3) < 3 * row["spatial_se"]
    assert abs(res.beta - (-0.08)) < 3 * row["se"]
    imp = res.impacts.set_index("variable").loc["ln_initial"]
    assert_allclose(imp["total"], res.beta / (1 - res.rho), rtol=1e-10)  # row-standardised W
    wmat = Wdf.to_numpy()
    S = np.linalg.inv(np.eye(len(wmat)) - res.rho * wmat) * res.beta
    assert_allclose(imp["direct"], np.trace(S) / len(wmat), rtol=1e-10)
    assert imp["direct_se"] > 0 and imp["total_p"] < 0.05
    assert_allclose(res.lam, -math.log(1 + res.beta), rtol=1e-15)
    # a (binary) libpysal W gives the same estimates as the equivalent DataFrame, and is not changed
    res_w = spatial_beta_convergence(df, w, model="lag", draws=0)
    assert_allclose(res_w.rho, res.rho, rtol=1e-8)
    assert w.transform.upper() == "O"
    assert "direct_se" not in res_w.impacts.columns


def test_spatial_durbin_and_error():
    df, Wdf, _ = _spatial_panel(seed=3, theta=0.04)
    dur = spatial_beta_convergence(df, Wdf, model="durbin", draws=0)
    c = dur.coefficients.set_index("term")
    assert list(c.index) == ["ln_initial", "W_ln_initial", "rho"]
    assert abs(c.loc["W_ln_initial", "coef"] - 0.04) < 3 * c.loc["W_ln_initial", "se"]
    assert abs(c.loc["rho", "coef"] - 0.3) < 3 * c.loc["rho", "se"]
    eff = spatial_impacts(dur.rho, [c.loc["ln_initial", "coef"]], [c.loc["W_ln_initial", "coef"]], Wdf.to_numpy())
    assert_allclose(dur.impacts[["direct", "indirect", "total"]].to_numpy(), eff, rtol=1e-12)
    assert dur.table.iloc[0]["spatial_term"] == "rho"
    # (no year effects, fe='unit': with year demeaning λ is biased towards 0 for small n, see the notes)
    df_e, _, _ = _spatial_panel(seed=4, rho=0.4, error=True, time_effects=False)
    err = spatial_beta_convergence(df_e, Wdf, model="error", fe="unit")
    e = err.table.iloc[0]
    assert list(err.coefficients["term"]) == ["ln_initial", "lambda_error"]
    assert e["spatial_term"] == "lambda_error" and err.impacts.empty
    assert abs(err.rho - 0.4) < 3 * e["spatial_se"]
    assert abs(err.beta - (-0.08)) < 3 * e["se"]


def test_spatial_durbin_with_control():
    df, Wdf, _ = _spatial_panel(seed=8)
    rng = np.random.default_rng(8)
    df["z"] = rng.normal(size=len(df))
    res = spatial_beta_convergence(df, Wdf, model="durbin", controls=["z"], draws=50)
    assert res.coefficients["term"].tolist() == ["ln_initial", "z", "W_ln_initial", "W_z", "rho"]
    assert res.impacts["variable"].tolist() == ["ln_initial", "z"]
    c = res.coefficients.set_index("term")["coef"]
    eff = spatial_impacts(c["rho"], [c["ln_initial"], c["z"]], [c["W_ln_initial"], c["W_z"]], Wdf.to_numpy())
    assert_allclose(res.impacts[["direct", "indirect", "total"]].to_numpy(), eff, rtol=1e-12)
    assert_allclose(res.table.iloc[0]["theta"], c["W_ln_initial"])
    assert abs(c["z"]) < 4 * res.coefficients.set_index("term").loc["z", "se"]  # z is noise


def test_spatial_errors():
    df, Wdf, _ = _spatial_panel(T=4)
    with pytest.raises(DataError) as e:
        spatial_beta_convergence(df, Wdf.iloc[:-1, :-1])
    assert str(e.value) == ("spatial_beta_convergence: the units of the data and of the weights differ; got 1 only in the data "
                            "['u39'] and 0 only in the weights []. Subset the weights or the data to the same units.")
    holes = df[~((df["unit"] == "u00") & (df["year"] == 2011))]
    with pytest.raises(DataError, match=r"the panel must be balanced with no missing value; got 1 missing cells of 160"):
        spatial_beta_convergence(holes, Wdf)
    iso = Wdf.copy()
    iso.iloc[0, :] = 0.0
    with pytest.raises(DataError, match=r"units \['u00'\] have no neighbours \(islands\)"):
        spatial_beta_convergence(df, iso)
    with pytest.raises(NqpfError, match=r"The 'model' parameter of spatial_beta_convergence must be one of 'lag', 'durbin', 'error'"):
        spatial_beta_convergence(df, Wdf, model="sar")


def test_spatial_impacts_closed_form():
    w = np.array([[0, 1.0], [1.0, 0]])
    # (I − 0.5W)^{-1} = [[4/3, 2/3], [2/3, 4/3]]
    assert_allclose(spatial_impacts(0.5, [1.0], [0.0], w), [[4 / 3, 2 / 3, 2.0]], rtol=1e-12)
    # Durbin: S = (I − ρW)^{-1}(βI + θW); with ρ = 0 direct = β, indirect = θ
    assert_allclose(spatial_impacts(0.0, [0.2], [0.5], w), [[0.2, 0.5, 0.7]], rtol=1e-12)


# --------------------------------------------------------------------------- clubs
def _clubs_panel(levels, seed=3, T=20):
    rng = np.random.default_rng(seed)
    n = len(levels)
    t = np.arange(1, T + 1)
    dev = rng.normal(0, 0.5, n)
    lx = np.asarray(levels)[:, None] + dev[:, None] / t[None, :] ** 0.7 + 0.02 * t[None, :] + rng.normal(0, 0.003, (n, T))
    return _long(lx, 2000 + t, prefix="r")


def test_two_clubs_found():
    levels = [3.0] * 6 + [1.5] * 6
    df = _clubs_panel(levels)
    res = club_convergence(df)
    assert not res.full_panel["converges"] and res.full_panel["t"] < -1.65
    assert res.n_clubs == 2
    club = res.membership.set_index("unit")["club"]
    assert set(club[[f"r{i:02d}" for i in range(6)]]) == {1}
    assert set(club[[f"r{i:02d}" for i in range(6, 12)]]) == {2}
    tests = res.tests.set_index("club")
    assert (tests.loc[["1", "2"], "t"] > -1.65).all()
    # permuting the rows of the input changes nothing
    res_p = club_convergence(df.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(res.membership, res_p.membership)
    assert "俱乐部收敛" in str(res.summary())
    merged = club_convergence(df, merge=True)  # the union of the two clubs fails the test: nothing merged
    assert merged.n_clubs == 2 and not merged.merged
    third = club_convergence(df, order="last_third", filter="none")
    pd.testing.assert_series_equal(third.membership.set_index("unit")["club"].sort_index(), club.sort_index())


def test_two_clubs_with_index_scores_below_one():
    # index scores in (0, 1): their logs are all negative, h_it = X_it / mean X_t is still well defined
    df = _clubs_panel([3.0] * 6 + [1.5] * 6)
    df["value"] = df["value"] / (df["value"].max() * 1.01)
    res = club_convergence(df)
    club = res.membership.set_index("unit")["club"]
    assert set(club[[f"r{i:02d}" for i in range(6)]]) == {1}  # club 1 = the highest level
    assert set(club[[f"r{i:02d}" for i in range(6, 12)]]) == {2}
    assert res.membership["order"].tolist() == list(range(1, 13))


def test_single_converging_panel_is_one_club():
    df = _clubs_panel([2.0] * 10, seed=5)
    res = club_convergence(df)
    assert res.full_panel["converges"] and res.full_panel["t"] > -1.65
    assert res.n_clubs == 1 and (res.membership["club"] == 1).all()
    assert res.tests["club"].tolist() == ["all", "1"]
    nw = club_convergence(df, hac="newey_west")
    assert_allclose(nw.full_panel["b"], res.full_panel["b"], rtol=1e-12)  # same regression, other HAC


def test_log_t_regression_by_hand():
    rng = np.random.default_rng(0)
    x = 2.0 + rng.normal(0, 0.3, (6, 1)) / np.arange(1, 21)[None, :] ** 0.5
    h = cross_sectional_variation(x)
    t_idx = np.arange(7, 21)  # r = 0.3, T = 20: t = [rT] + 1 … T
    y = np.log(h[0] / h[t_idx - 1]) - 2 * np.log(np.log(t_idx))
    b = np.polyfit(np.log(t_idx), y, 1)[0]
    out = log_t_test(x, r=0.3)
    assert_allclose(out["b"], b, rtol=1e-10)
    assert out["n_periods"] == 20 and out["n_units"] == 6


def test_club_errors():
    df = _clubs_panel([2.0] * 4, T=4)
    with pytest.raises(DataError, match=r"needs at least 3 units and 5 years; got 4 units and 4 years"):
        club_convergence(df)
    df = _clubs_panel([2.0] * 4)
    with pytest.raises(DataError, match=r"the panel must be balanced; got missing values for units \['r00'\]"):
        club_convergence(df.iloc[1:])
    with pytest.raises(NqpfError) as e:
        club_convergence(df, r=1.5)
    assert str(e.value) == "The 'r' parameter of club_convergence must be a float in the range (0, 1); got 1.5."


def test_spatial_unit_fe_matches_spreg_public_estimator():
    """fe='unit' must reproduce spreg.ML_LagFE / ML_ErrorFE on the same stacked data (reference implementation)."""
    import contextlib
    import io
    import warnings

    import spreg
    from libpysal.weights import full2W

    df, Wdf, _ = _spatial_panel(seed=6, T=6)
    wide = df.pivot(index="unit", columns="year", values="value").reindex(Wdf.index)
    lx = np.log(wide.to_numpy())
    y = (lx[:, 1:] - lx[:, :-1]).T.reshape(-1, 1)
    x = lx[:, :-1].T.reshape(-1, 1)
    w = full2W(Wdf.to_numpy(), ids=list(Wdf.index))
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        ref_lag = spreg.ML_LagFE(y, x, w, spat_impacts=None)
        ref_err = spreg.ML_ErrorFE(y, x, w)
    lag = spatial_beta_convergence(df, Wdf, model="lag", fe="unit", draws=0)
    assert_allclose(lag.coefficients["coef"], np.asarray(ref_lag.betas).ravel(), rtol=1e-8)
    assert_allclose(lag.coefficients["se"], np.asarray(ref_lag.std_err).ravel(), rtol=1e-8)
    err = spatial_beta_convergence(df, Wdf, model="error", fe="unit")
    assert_allclose(err.coefficients["coef"], np.asarray(ref_err.betas).ravel(), rtol=1e-8)


# --------------------------------------------------------------------------- clubs: vectorised = reference
# The clustering is computed in batches (all pairs, all growing cores, the whole sieve at once). Every club,
# every t statistic and b coefficient must equal the original one-test-at-a-time code path, kept as
# tests/_reference.py and selected with convergence._club_convergence(..., **REFERENCE_CLUBS), to 1e-10.

_CLUB_DEFAULTS = dict(value="value", year="year", unit="unit", log=True, filter="hp", hp_lambda=400.0, r=0.3, hac="qs",
                      sieve=0.0, merge=False, order="last")


def _assert_same_clubs(df, **options):
    kw = {**_CLUB_DEFAULTS, **options}
    fast = _cv._club_convergence(df, **kw)
    ref = _cv._club_convergence(df, **kw, **REFERENCE_CLUBS)
    pd.testing.assert_frame_equal(fast.membership, ref.membership, check_exact=False, rtol=1e-10, atol=1e-12)
    assert fast.tests["club"].tolist() == ref.tests["club"].tolist()
    assert fast.tests["n"].tolist() == ref.tests["n"].tolist()
    assert fast.tests["converges"].tolist() == ref.tests["converges"].tolist()
    for col in ("b", "se", "t"):
        assert_allclose(fast.tests[col].to_numpy(float), ref.tests[col].to_numpy(float), rtol=1e-10, atol=1e-12)
    for key in ("b", "se", "t", "a"):
        assert_allclose(fast.full_panel[key], ref.full_panel[key], rtol=1e-10, atol=1e-12)
    assert fast.full_panel["converges"] == ref.full_panel["converges"]
    assert fast.merged == ref.merged and fast.notes == ref.notes and fast.params == ref.params
    return fast


def _divergent_panel(seed=11, T=15):
    """Three clubs of 8 units plus 5 units that drift apart (log trends 0.1, 0.2, …, 0.5 per year)."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, T + 1)
    levels = np.r_[np.full(8, 3.0), np.full(8, 2.0), np.full(8, 1.0)]
    lx = levels[:, None] + rng.normal(0, 0.4, (24, 1)) / t[None, :] ** 0.6 + rng.normal(0, 0.004, (24, T))
    drift = 3.5 + np.arange(1, 6)[:, None] * 0.1 * t[None, :] + rng.normal(0, 0.004, (5, T))
    return _long(np.vstack([lx, drift]) + 0.02 * t[None, :], 2000 + t, prefix="d")


def _county_like_panel(n=2800, T=15, seed=7):
    """A county-scale index panel: scores in (0, 1) with heterogeneous levels, growth and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(T)
    v = rng.lognormal(0, 0.4, (n, 1)) * (1 + rng.uniform(0.02, 0.06, (n, 1)) * t) * rng.lognormal(0, 0.03, (n, T))
    v = 0.01 + 0.89 * (v - v.min()) / (v.max() - v.min())
    return pd.DataFrame({"unit": np.repeat([f"c{i:04d}" for i in range(n)], T), "year": np.tile(2005 + t, n),
                         "value": v.ravel()})


@pytest.mark.parametrize("options", [
    {},
    {"merge": True},
    {"order": "last_third", "filter": "none"},
    {"hac": "newey_west"},
    {"sieve": 0.5, "r": 0.2},
    {"log": False, "hp_lambda": 100.0},
], ids=["default", "merge", "last_third-nofilter", "newey_west", "sieve-r", "nolog"])
def test_clubs_vectorised_equal_reference_two_clubs(options):
    res = _assert_same_clubs(_clubs_panel([3.0] * 6 + [1.5] * 6), **options)
    assert res.n_clubs >= 1


def test_clubs_vectorised_equal_reference_one_club():
    res = _assert_same_clubs(_clubs_panel([2.0] * 10, seed=5))
    assert res.n_clubs == 1 and res.tests["club"].tolist() == ["all", "1"]
    _assert_same_clubs(_clubs_panel([2.0] * 10, seed=5), hac="newey_west")


@pytest.mark.parametrize("options", [{}, {"merge": True}, {"hac": "newey_west"}], ids=["default", "merge", "newey_west"])
def test_clubs_vectorised_equal_reference_divergent_units(options):
    res = _assert_same_clubs(_divergent_panel(), **options)
    club = res.membership.set_index("unit")["club"]
    assert (club[[f"d{i:02d}" for i in range(24, 29)]] == 0).all()  # the drifting units belong to no club
    for k in range(3):
        assert set(club[[f"d{i:02d}" for i in range(8 * k, 8 * k + 8)]]) == {k + 1}
    assert res.tests["club"].tolist() == ["all", "1", "2", "3", "divergent"]


def test_clubs_vectorised_equal_reference_many_clubs():
    df = _county_like_panel(n=300, seed=3)
    res = _assert_same_clubs(df)
    assert res.n_clubs > 5
    _assert_same_clubs(df, merge=True, sieve=0.3)


@pytest.mark.slow  # > 5 s (pytest --durations)
def test_clubs_vectorised_equal_reference_county_size():
    """A real-size panel (2,800 units × 15 years, as the county benchmark): dozens of clubs, ~80,000 tests."""
    res = _assert_same_clubs(_county_like_panel())
    assert len(res.membership) == 2800 and res.n_clubs > 20


def test_hp_trend_equals_statsmodels_hpfilter():
    from statsmodels.tsa.filters.hp_filter import hpfilter

    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(0.02, 0.05, (40, 15)), axis=1) + 1.0
    for lamb in (400.0, 6.25):
        ref = np.vstack([np.asarray(hpfilter(row, lamb=lamb)[1]) for row in x])
        assert_allclose(_cv._hp_trend(x, lamb), ref, rtol=1e-12, atol=1e-14)
    assert_allclose(_cv._hp_trend(x[:1], 400.0)[0], np.asarray(hpfilter(x[0], lamb=400.0)[1]), rtol=1e-12)


def test_group_variations_by_hand():
    rng = np.random.default_rng(2)
    for sign in (1.0, -1.0):  # X may be all negative (logs of scores below 1)
        x = sign * (2.0 + np.sort(rng.normal(0, 0.3, (40, 1)), axis=0) + rng.normal(0, 0.01, (40, 12)))
        pairs = _cv._pair_variation(x)
        assert_allclose(pairs, [cross_sectional_variation(x[i: i + 2]) for i in range(39)], rtol=1e-13)
        for k_from, k_to in ((1, 41), (3, 10), (17, 41)):
            want = [cross_sectional_variation(x[:k]) for k in range(k_from, k_to)]
            assert_allclose(_cv._prefix_variation(x, k_from, k_to), want, rtol=1e-11, atol=1e-300)
        core = x[[3, 4, 5, 9]]
        others = x[[0, 1, 20, 39]]
        want = [cross_sectional_variation(np.vstack([core, u])) for u in others]
        assert_allclose(_cv._plus_one_variation(core, others), want, rtol=1e-12)
    # one unit: H = 0
    assert_allclose(_cv._prefix_variation(x, 1, 2), 0.0, atol=0)


def test_qs_long_run_variance_batch_equals_scalar():
    rng = np.random.default_rng(4)
    e = rng.normal(size=(30, 11))
    e[1] = np.cumsum(rng.normal(size=11))              # strongly autocorrelated
    e[2] = [1.0, 0.0, -1.0, 0.0] * 2 + [1.0, 0.0, -1.0]  # ρ̂ = 0: no kernel terms
    e[3] = 0.0                                          # zero residuals: ρ̂ set to 0
    got = _cv._qs_long_run_variance_batch(e)
    assert_allclose(got, [qs_long_run_variance(row) for row in e], rtol=1e-12, atol=1e-300)
    assert got[2] == pytest.approx(np.dot(e[2], e[2]) / 11, rel=1e-15) and got[3] == 0.0


@pytest.mark.parametrize("hac", ["qs", "newey_west"])
def test_log_t_batch_equals_reference_rows(hac):
    rng = np.random.default_rng(6)
    groups = [2.0 + rng.normal(0, 0.3, (n, 1)) / np.arange(1, 16) ** a + rng.normal(0, 0.01, (n, 15))
              for n, a in ((2, 0.5), (5, 0.1), (9, 1.0), (30, 0.3))]
    groups.append(np.full((3, 15), 2.0))  # identical units: H_t = 0, the regression is undefined
    h = np.vstack([cross_sectional_variation(g) for g in groups])
    t_idx = _cv._log_t_periods(15, 0.3)
    assert t_idx.tolist() == list(range(5, 16))  # [0.3 · 15] + 1 = 5 … 15
    got = _cv._log_t_batch(h, t_idx, hac=hac)
    for i, g in enumerate(groups):
        ref = log_t_test_reference(g, r=0.3, hac=hac)
        one = log_t_test(g, r=0.3, hac=hac)
        for key in ("b", "se", "t", "a"):
            assert_allclose(got[key][i], ref[key], rtol=1e-10, atol=1e-12, equal_nan=True)
            assert_allclose(one[key], ref[key], rtol=1e-10, atol=1e-12, equal_nan=True)
        assert one["converges"] == ref["converges"]
    assert np.isnan(got["t"][-1]) and not log_t_test(groups[-1])["converges"]
    empty = _cv._log_t_batch(h[:0], t_idx, hac=hac)
    assert all(v.shape == (0,) for v in empty.values())


def test_log_t_too_few_periods_message():
    x = np.random.default_rng(0).normal(2.0, 0.1, (4, 5))
    msg = ("log_t_test: too few periods for the log t regression; got T = 5 with r = 0.6, leaving 2 periods. "
           "Use a longer panel (T >= 5) or a smaller r.")
    for fn in (log_t_test, log_t_test_reference):
        with pytest.raises(MethodError) as e:
            fn(x, r=0.6)
        assert str(e.value) == msg


def test_core_size_blocks_and_reference_scan():
    """The core-group scan gives the same size in blocks of any length and as the one-by-one scan."""
    rng = np.random.default_rng(9)
    t = np.arange(1, 16)
    x = 2.0 + np.sort(rng.normal(0, 0.3, (60, 1)), axis=0)[::-1] / t ** 0.5 + rng.normal(0, 0.002, (60, 15))
    t_idx = _cv._log_t_periods(15, 0.3)
    pair_t = log_t_test_reference(x[:2])["t"]
    assert pair_t > -1.65
    # the one-by-one scan of Phillips & Sul (2007, §4 step 2)
    best_k, best_t, k = 2, pair_t, 2
    while k < len(x):
        tk = log_t_test_reference(x[: k + 1])["t"]
        if not tk > -1.65:
            break
        k += 1
        if tk > best_t:
            best_k, best_t = k, tk
    sizes = {_cv._core_size(x, pair_t, t_idx=t_idx, hac="qs", crit=-1.65, block=b) for b in (1, 2, 7, 256)}
    assert sizes == {best_k}
