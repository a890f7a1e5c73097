"""Tautological models are refused; ``allow_overlap`` forces them with a warning; lags and derived series."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from nqpf import ConfigError, MethodWarning
from nqpf.explain import check_overlap, column_indicators, find_overlap
from nqpf.explain.stage import derive_series, explain_config, overlap_notes, run_explain
from nqpf.framework.model import Framework, Grouping, Node

FIX = ("Use an outcome not built from the regressors, e.g. green TFP or GDP growth on lagged NQPF, "
       "or set allow_overlap = true in that model to force it.")


def small_framework() -> Framework:
    """I → A (a1, a2), B (b1, b2); drivers: a1, a2, b2 = 数据, b1 = 算力."""
    return Framework(
        id="toy",
        nodes=(Node("I", "aggregate"), Node("A", "aggregate", parent="I"), Node("B", "aggregate", parent="I"),
               Node("a1", "indicator", parent="A", driver="数据"), Node("a2", "indicator", parent="A", driver="数据"),
               Node("b1", "indicator", parent="B", driver="算力"), Node("b2", "indicator", parent="B", driver="数据")),
        groupings=(Grouping("driver", "driver"),),
    )


def small_panel(n: int = 12, T: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat([f"u{i:02d}" for i in range(n)], T)
    year = np.tile(np.arange(2015, 2015 + T), n)
    d = pd.DataFrame({"unit": unit, "year": year})
    for c in ("a1", "a2", "b1", "b2", "z", "w"):
        d[c] = rng.uniform(size=n * T)
    d["A"] = (d["a1"] + d["a2"]) / 2
    d["B"] = (d["b1"] + d["b2"]) / 2
    d["I"] = (d["A"] + d["B"]) / 2
    d["driver:数据"] = (d["a1"] + d["a2"] + d["b2"]) / 3
    d["driver:算力"] = d["b1"]
    d["raw:a1"] = d["a1"] * 10
    d["region4"] = np.where(d["unit"] < "u06", "east", "west")
    return d


def test_column_indicators_tree_groupings_raw():
    fw = small_framework()
    assert column_indicators(fw, "I") == ["a1", "a2", "b1", "b2"]
    assert column_indicators(fw, "B") == ["b1", "b2"]
    assert column_indicators(fw, "driver:数据") == ["a1", "a2", "b2"]
    assert column_indicators(fw, "raw:a1") == ["a1"] and column_indicators(fw, "norm:b2") == ["b2"]
    assert column_indicators(fw, "z") == [] and column_indicators(fw, "driver:none") == []
    assert find_overlap(fw, "lag(log(I))", ["z", "sq(b1)"]) == [("sq(b1)", ["b1"], "is a component of")]


@pytest.mark.parametrize(
    ("y", "x", "regressor", "relation", "shared"),
    [
        ("I", ["z", "A"], "A", "is a component of", "a1, a2"),                     # descendant node
        ("I", ["b2"], "b2", "is a component of", "b2"),                           # indicator under the outcome
        ("A", ["driver:数据"], "driver:数据", "contains", "a1, a2"),                # grouping node, outcome inside it
        ("B", ["driver:数据"], "driver:数据", "shares indicators with", "b2"),      # grouping node sharing one indicator
        ("a1", ["w", "I"], "I", "contains", "a1"),                                 # ancestor of the outcome
        ("raw:a1", ["lag(A)"], "lag(A)", "contains", "a1"),                        # raw indicator vs lagged parent
        ("I", ["lag(I)"], "lag(I)", "is built from the same indicators as", "a1, a2, b1, b2"),
    ],
)
def test_tautological_model_refused_with_exact_message(y, x, regressor, relation, shared):
    cfg = explain_config({"models": [{"name": "(1) taut", "y": y, "x": x}]})
    with pytest.raises(ConfigError) as exc:
        run_explain(small_panel(), cfg, framework=small_framework())
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(f"[explain.models] '(1) taut': the regressor {regressor!r} {relation} the outcome {y!r}")
    assert f"; got shared indicators {shared}. " in msg
    assert msg.endswith(FIX)


def test_exact_message_names_every_overlapping_regressor():
    cfg = explain_config({"models": [{"name": "M", "y": "I", "x": ["A", "z", "driver:算力"]}]})
    with pytest.raises(ConfigError) as exc:
        run_explain(small_panel(), cfg, framework=small_framework())
    assert str(exc.value) == (
        "[explain.models] 'M': the regressor 'A' is a component of the outcome 'I' (also 'driver:算力'), so they are linked "
        "by construction (an index regressed on its own components has R² near 1) and the coefficient is not an effect; "
        "got shared indicators a1, a2. " + FIX
    )


def test_long_shared_list_is_cut():
    fw = Framework(id="f", nodes=(Node("I", "aggregate"),) + tuple(Node(f"i{k}", "indicator", parent="I") for k in range(8)))
    with pytest.raises(ConfigError, match=r"got shared indicators i0, i1, i2, i3, i4, … \(8 in all\)\. Use an outcome"):
        check_overlap(fw, where="[explain.models]", name="m", outcome="I", regressors=["lag(I)"])


@pytest.mark.parametrize(
    ("section", "entry", "fragment"),
    [
        ("mediation", {"name": "med", "y": "z", "x": "A", "mediator": "a1", "reps": 0},
         "[explain.mediation] 'med': the regressor 'A' contains the outcome 'a1'"),
        ("heterogeneity", {"name": "het", "y": "I", "x": ["B"], "by": "region4"},
         "[explain.heterogeneity] 'het': the regressor 'B' is a component of the outcome 'I'"),
        ("threshold", {"name": "thr", "y": "A", "x": ["z"], "q": "a2", "reps": 0},
         "[explain.threshold] 'thr': the regressor 'a2' is a component of the outcome 'A'"),
        ("spatial", {"name": "sp", "y": "I", "x": ["z"], "controls": ["driver:算力"], "weights": "queen"},
         "[explain.spatial] 'sp': the regressor 'driver:算力' is a component of the outcome 'I'"),
    ],
)
def test_every_model_kind_is_checked(section, entry, fragment):
    cfg = explain_config({section: [entry]})
    with pytest.raises(ConfigError) as exc:
        run_explain(small_panel(), cfg, framework=small_framework())
    assert str(exc.value).startswith(fragment) and str(exc.value).endswith(FIX)


def test_robustness_alternative_outcome_is_checked():
    cfg = explain_config({"models": [{"name": "(1)", "y": "z", "x": ["A"]}],
                          "robustness": [{"name": "rob", "model": "(1)", "alternatives": {"index": "I"}}]})
    with pytest.raises(ConfigError, match=r"^\[explain.robustness\] 'rob: index': the regressor 'A' is a component of the outcome 'I'"):
        run_explain(small_panel(), cfg, framework=small_framework())


def test_allow_overlap_runs_and_records_the_warning():
    cfg = explain_config({
        "models": [{"name": "(1) forced", "y": "I", "x": ["A"], "allow_overlap": True},
                   {"name": "(2) clean", "y": "z", "x": ["lag(I)"]}],
        "heterogeneity": [{"name": "het", "y": "I", "x": ["B"], "by": "region4", "allow_overlap": True}],
    })
    with pytest.warns(MethodWarning) as record:
        out = run_explain(small_panel(), cfg, framework=small_framework())
    assert [str(w.message)[:40] for w in record if w.category is MethodWarning] == [
        "[explain.models] '(1) forced': the regre", "[explain.heterogeneity] 'het': the regre"]
    notes = out["notes"]
    assert notes[["section", "model"]].values.tolist() == [["models", "(1) forced"], ["heterogeneity", "het"]]
    assert notes["note"].iloc[0].startswith("[explain.models] '(1) forced': the regressor 'A' is a component of the outcome 'I'")
    assert notes["note"].str.contains("shared indicators: a1, a2. Forced by allow_overlap = true").iloc[0]
    coef = out["models_coefficients"].set_index(["model", "term"])
    assert coef.loc[("(1) forced", "A"), "coef"] == pytest.approx(0.5, abs=0.2)  # the aggregation weight, not an effect
    assert ("(2) clean", "lag(I)") in coef.index
    fits = out["_results"]["model_fits"]
    assert fits["(1) forced"].notes[-1] == notes["note"].iloc[0]
    assert not any("allow_overlap" in n for n in fits["(2) clean"].notes)
    assert set(out["het_coefficients"]["group"]) == {"east", "west"}


def test_forced_run_is_silent_only_when_asked():
    cfg = explain_config({"models": [{"name": "f", "y": "I", "x": ["B"], "allow_overlap": True}]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", MethodWarning)
        with pytest.raises(MethodWarning, match="Forced by allow_overlap = true"):
            run_explain(small_panel(), cfg, framework=small_framework())


def test_no_framework_no_check():
    cfg = explain_config({"models": [{"name": "m", "y": "I", "x": ["A"]}]})
    out = run_explain(small_panel(), cfg)  # a plain table: nothing known about how columns are built
    assert "notes" not in out


# ------------------------------------------------------------------------------ lags (known numbers)


def _twoway_demean(v: np.ndarray, n: int, T: int) -> np.ndarray:
    m = v.reshape(n, T)
    return (m - m.mean(axis=1, keepdims=True) - m.mean(axis=0, keepdims=True) + m.mean()).ravel()


@pytest.mark.parametrize("k", [1, 2])
def test_lag_coefficient_equals_hand_built_within_regression(k):
    rng = np.random.default_rng(7)
    n, T = 6, 7
    years = np.arange(2010, 2010 + T)
    x = rng.normal(size=(n, T))
    z = rng.normal(size=(n, T))
    a = rng.normal(size=(n, 1))
    g = rng.normal(size=(1, T))
    y = np.full((n, T), np.nan)
    y[:, k:] = 2.0 * x[:, :-k] - 0.5 * z[:, k:] + a + g[:, k:] + 0.1 * rng.normal(size=(n, T - k))
    d = pd.DataFrame({"unit": np.repeat([f"p{i}" for i in range(n)], T), "year": np.tile(years, n),
                      "x": x.ravel(), "z": z.ravel(), "y": y.ravel()})
    # shuffle the rows: the lag must follow calendar years within units, not row order
    d = d.sample(frac=1.0, random_state=1).reset_index(drop=True)
    term = "lag(x)" if k == 1 else f"lag(x, {k})"
    cfg = explain_config({"models": [{"name": "L", "y": "y", "x": [term], "controls": ["z"], "fe": "twoway", "cluster": "unit"}]})
    out = run_explain(d, cfg)
    coef = out["models_coefficients"].set_index("term")
    # by hand: keep years t >= first + k (balanced), two-way demean, OLS
    Y = _twoway_demean(y[:, k:].ravel(), n, T - k)
    X1 = _twoway_demean(x[:, :-k].ravel(), n, T - k)
    X2 = _twoway_demean(z[:, k:].ravel(), n, T - k)
    b, *_ = np.linalg.lstsq(np.column_stack([X1, X2]), Y, rcond=None)
    assert coef.loc[term, "coef"] == pytest.approx(b[0], rel=1e-9)
    assert coef.loc["z", "coef"] == pytest.approx(b[1], rel=1e-9)
    assert b[0] == pytest.approx(2.0, abs=0.1)
    stats = out["models_statistics"].set_index("statistic")["value"]
    assert int(stats["nobs"]) == n * (T - k)


# ------------------------------------------------------------------------------ derived series


def test_derive_series_known_numbers():
    raw = pd.DataFrame({
        "unit": ["a"] * 3 + ["b"] * 3, "year": [2020, 2021, 2022] * 2,
        "series": ["gdp_index"] * 6, "value": [106.0, 102.5, 104.0, 107.0, 103.0, 101.0],
    })
    pop = raw.assign(series="pop", value=[10.0, 11.0, 12.0, 20.0, 20.0, 20.0])
    urb = raw.assign(series="urban", value=[5.0, 5.5, 9.0, 4.0, 5.0, 6.0])
    out = derive_series({"growth": "index_growth(gdp_index) * 100", "urbanisation": "share(urban, pop) * 100",
                         "pop_growth": "growth(pop)"}, pd.concat([raw, pop, urb]))
    assert out.columns.tolist() == ["unit", "year", "growth", "urbanisation", "pop_growth"]
    np.testing.assert_allclose(out["growth"], [6.0, 2.5, 4.0, 7.0, 3.0, 1.0])
    np.testing.assert_allclose(out["urbanisation"], [50.0, 50.0, 75.0, 20.0, 25.0, 30.0])
    np.testing.assert_allclose(out["pop_growth"], [np.nan, 0.1, 1 / 11, np.nan, 0.0, 0.0])
    with pytest.raises(ConfigError, match=r"\[explain\] series 'g': 'growth\(gpd_index\)' needs raw series not in the run's input; "
                                          r"got 'gpd_index' \(did you mean 'gdp_index'\?\)"):
        derive_series({"g": "growth(gpd_index)"}, raw)


def test_series_config_is_validated():
    with pytest.raises(ConfigError, match=r"series: Value error, series name 'a b' must be a plain identifier"):
        explain_config({"series": {"a b": "series(x)"}})
    with pytest.raises(ConfigError, match=r"series: Value error, Indicator 'g': unknown derive operation"):
        explain_config({"series": {"g": "grow(x)"}})


def test_stage_uses_raw_series_and_checks_them_against_indicators():
    fw = Framework(id="f", nodes=(Node("I", "aggregate"), Node("ci", "indicator", parent="I", derive="ratio(co2, gdp) * 100"),
                                  Node("k", "indicator", parent="I")))
    d = small_panel(n=4, T=4)[["unit", "year"]].assign(I=np.linspace(0.1, 0.9, 16), k=np.linspace(1, 2, 16))
    raw = pd.concat([d[["unit", "year"]].assign(indicator=s, value=v) for s, v in
                     (("co2", np.linspace(5, 9, 16)), ("gdp", np.linspace(50, 60, 16)), ("gdp_index", np.linspace(103, 108, 16)))])
    # a derived series equal to an index indicator (co2 per GDP, any scale) is that indicator
    cfg = explain_config({"series": {"co2_per_gdp": "share(co2, gdp)"}, "models": [{"name": "c", "y": "co2_per_gdp", "x": ["lag(I)"]}]})
    with pytest.raises(ConfigError, match=r"'c': the regressor 'lag\(I\)' contains the outcome 'co2_per_gdp'.*got shared indicators ci\."):
        run_explain(d, cfg, raw_series=raw, framework=fw)
    ok = explain_config({"series": {"growth": "index_growth(gdp_index) * 100"},
                         "models": [{"name": "g", "y": "growth", "x": ["lag(I)"], "fe": "unit"}]})
    out = run_explain(d, ok, raw_series=raw, framework=fw)
    assert "notes" not in out and int(out["models_statistics"].set_index("statistic").loc["nobs", "value"]) == 12
    with pytest.raises(ConfigError, match=r"\[explain\] series: no raw input series to derive \['growth'\] from; got DataFrame"):
        run_explain(d, ok, framework=fw)


# ------------------------------------------------------------------------------ the demo preset


def test_demo_preset_passes_the_check_and_old_demo_is_refused():
    from nqpf.datasets import DEMO_EXPLAIN, load_province_raw
    from nqpf.framework.io import load_framework

    fw = load_framework("nqpf_province")
    cfg = explain_config(DEMO_EXPLAIN)
    assert overlap_notes(cfg, fw) == []
    assert not any(m.allow_overlap for m in cfg.models)
    assert not set(cfg.series) & set(fw.by_id)  # derived columns never shadow index nodes
    # every series derives from the bundled panel
    derived = derive_series(cfg.series, load_province_raw())
    assert derived[list(cfg.series)].notna().mean().min() > 0.9
    old = explain_config({"models": [{"name": "(1) FE", "y": "NQPF", "x": ["driver:数据", "driver:算法", "driver:算力"]}]})
    with pytest.raises(ConfigError, match=r"^\[explain.models\] '\(1\) FE': the regressor 'driver:数据' is a component of the outcome 'NQPF'"):
        overlap_notes(old, fw)
