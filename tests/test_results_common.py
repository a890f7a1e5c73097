"""Common test over every ``nqpf._results.Result`` subclass (docs/architecture.md, results contract).

Every module of the package is imported, every concrete subclass of ``Result`` is collected, and each
must have a factory in FACTORIES that builds it from a small real computation. For each:
``summary()`` returns a ``Summary`` that renders, ``to_dict()`` is JSON-serialisable with
``json.dumps(allow_nan=False)`` (``to_dict`` applies ``json_safe`` itself: that is the contract), and
``to_frame()`` returns a DataFrame. A new Result subclass without a factory fails
``test_every_result_has_a_factory``.
"""
from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import warnings
from typing import Any, Callable

import numpy as np
import pandas as pd
import pytest

import nqpf
from _shared import fixture_path
from nqpf._results import Result, Summary


def _all_result_classes() -> dict[str, type]:
    for m in pkgutil.walk_packages(nqpf.__path__, "nqpf."):
        importlib.import_module(m.name)

    def subs(c):
        for s in c.__subclasses__():
            yield s
            yield from subs(s)

    return {f"{c.__module__}.{c.__qualname__}": c for c in subs(Result) if not inspect.isabstract(c)}


# --------------------------------------------------------------------------- shared inputs
_CACHE: dict[str, Any] = {}


def _cached(key: str, make: Callable[[], Any]) -> Any:
    if key not in _CACHE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _CACHE[key] = make()
    return _CACHE[key]


def built():
    from nqpf.datasets import demo_config

    return _cached("built", lambda: nqpf.build(demo_config(years=(2016, 2022), stages=[])))


def root_panel() -> pd.DataFrame:
    return built().panel("NQPF")


def _explain_panel(seed: int = 0) -> pd.DataFrame:
    """A balanced 30-unit × 8-year panel with region groups: y = x + 0.5 m + z + effects + noise."""
    rng = np.random.default_rng(seed)
    units = [f"{i:02d}0000" for i in range(11, 41)]
    rows = []
    for i, u in enumerate(units):
        mu = rng.normal()
        for t in range(8):
            x = rng.normal() + 0.3 * mu
            m = 0.6 * x + rng.normal(scale=0.5)
            z = rng.normal()
            q = rng.uniform()
            rows.append({"unit": u, "year": 2010 + t, "x": x, "m": m, "z": z, "q": q, "region4": ["east", "west"][i % 2],
                         "y": x + 0.5 * m + z + 0.8 * x * (q > 0.5) + mu + 0.1 * t + rng.normal(scale=0.5),
                         "y_alt": x + z + mu + rng.normal(scale=0.5)})
    return pd.DataFrame(rows)


def _fe_fit():
    from nqpf.explain import ModelSpec, fit_spec

    return fit_spec(_explain_panel(), ModelSpec(y="y", x=["x"], controls=["z"]))


def _gtfp_panel() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for u in range(8):
        eff = rng.uniform(0.6, 1.0)
        for t in range(3):
            k, lab = rng.uniform(1, 5, 2)
            rows.append({"unit": f"u{u}", "year": 2015 + t, "K": k, "L": lab, "Y": eff * (k ** 0.4 * lab ** 0.6) * (1.03 ** t),
                         "CO2": rng.uniform(0.5, 1.5)})
    return pd.DataFrame(rows)


def _sensitivity_model():
    from test_index_coinr_asem import ASEM_CONFIG, asem_framework, asem_long

    from nqpf.sensitivity import SensitivityModel

    factors = [{"name": "Winmax", "section": "treat", "param": "winmax", "values": [1, 2, 3]},
               {"name": "Weights", "kind": "weights_noise", "levels": [2], "spread": 0.25, "n_sets": 5}]
    return _cached("sens", lambda: SensitivityModel(ASEM_CONFIG, factors, data=asem_long(), framework=asem_framework(), seed=11))


def _diagnosis():
    from nqpf.paths.diagnosis import diagnose

    return _cached("diag", lambda: diagnose(built()))


def _admin_panel() -> pd.DataFrame:
    return pd.DataFrame([("370100", 2015, "gdp", 1.0), ("371200", 2015, "gdp", 2.0), ("370100", 2019, "gdp", 4.0),
                         ("320500", 2015, "gdp", 3.0)], columns=["unit", "year", "indicator", "value"])


# --------------------------------------------------------------------------- factories
def _analysis() -> dict[str, Callable[[], Result]]:
    from nqpf import analysis as A
    from nqpf.analysis import convergence as C

    def spatial_beta():
        sw = A.province_weights()
        return C.spatial_beta_convergence(root_panel(), sw, model="lag", draws=20, fe="unit")

    def coupling():
        r = built()
        wide = r.wide(year=2022, nodes=["labourers", "means_of_labour"]).reset_index()
        return A.coupling_coordination(wide, subsystems=["labourers", "means_of_labour"])

    def obstacle():
        r = built()
        inds = r.indicators("NQPF")[:6]
        wide = r.normalised[r.normalised["year"] == 2022].pivot(index="unit", columns="indicator", values="value")[inds]
        return A.obstacle_degree(wide.fillna(0.5), {i: 1.0 / len(inds) for i in inds})

    def typology():
        wide = built().wide(year=2022, nodes=["labourers", "means_of_labour", "objects_of_labour"])
        return A.typology(wide.reset_index(), k=3)

    return {
        "nqpf.analysis.convergence.beta.BetaResult": lambda: C.beta_convergence(root_panel()),
        "nqpf.analysis.convergence.club.ClubResult": lambda: C.club_convergence(root_panel()),
        "nqpf.analysis.convergence.sigma.SigmaResult": lambda: C.sigma_convergence(root_panel()),
        "nqpf.analysis.convergence.spatial_beta.SpatialBetaResult": spatial_beta,
        "nqpf.analysis.coupling.CouplingResult": coupling,
        "nqpf.analysis.density.KernelDensityResult": lambda: A.kernel_density(root_panel(), grid_size=32),
        "nqpf.analysis.dynamics.MarkovResult": lambda: A.markov(root_panel(), k=3),
        "nqpf.analysis.dynamics.SpatialMarkovResult": lambda: A.spatial_markov(root_panel(), "queen", k=3),
        "nqpf.analysis.inequality.DagumPanelResult": lambda: A.dagum_panel(root_panel(), group="region4"),
        "nqpf.analysis.inequality.DagumResult": lambda: A.dagum([1.0, 2.0, 3.0, 4.0, 6.0], ["a", "a", "b", "b", "b"]),
        "nqpf.analysis.inequality.InequalityPanelResult": lambda: A.inequality_panel(root_panel()),
        "nqpf.analysis.inequality.TheilPanelResult": lambda: A.theil_panel(root_panel(), group="region4"),
        "nqpf.analysis.inequality.TheilResult": lambda: A.theil([1.0, 2.0, 3.0, 4.0], ["a", "a", "b", "b"]),
        "nqpf.analysis.obstacle.ObstacleResult": obstacle,
        "nqpf.analysis.spatial.GearyResult": lambda: A.geary(_year_values(), "queen", permutations=9),
        "nqpf.analysis.spatial.LisaPanelResult": lambda: A.lisa_panel(root_panel(), permutations=9),
        "nqpf.analysis.spatial.LisaResult": lambda: A.local_moran(_year_values(), "queen", permutations=9),
        "nqpf.analysis.spatial.MoranPanelResult": lambda: A.moran_panel(root_panel(), permutations=9),
        "nqpf.analysis.spatial.MoranResult": lambda: A.moran(_year_values(), "queen", permutations=9),
        "nqpf.analysis.typology.TypologyResult": typology,
        "nqpf.analysis.validation.ValidationResult": lambda: __import__("nqpf.analysis.validation", fromlist=["x"]).validate_index(
            built(), year=2022, groups=False),
        "nqpf.spatial.weights.SpatialWeights": lambda: __import__("nqpf.spatial", fromlist=["x"]).province_weights(),
    }


def _year_values() -> pd.Series:
    p = root_panel()
    return p[p["year"] == 2022].set_index("unit")["value"]


def _data_and_index() -> dict[str, Callable[[], Result]]:
    from nqpf.data.io import read_panel
    from nqpf.data.validate import check_panel
    from nqpf.index.quality import screen

    long = pd.DataFrame({"unit": ["110000", "120000", "110000", "120000"], "year": [2020, 2020, 2021, 2021],
                         "indicator": "gdp", "value": [1.0, 2.0, 1.5, 2.5]})
    raw = built().raw
    return {
        "nqpf.data.io.Panel": lambda: read_panel(long),
        "nqpf.data.validate.ValidationReport": lambda: check_panel(long),
        "nqpf.index.quality.QualityResult": lambda: screen(raw),
        "nqpf.index.result.IndexResult": built,
    }


def _explain() -> dict[str, Callable[[], Result]]:
    from nqpf import explain as E

    def spatial():
        d = _explain_panel()
        units = sorted(d["unit"].unique())
        rng = np.random.default_rng(0)
        M = (rng.uniform(size=(30, 30)) > 0.8).astype(float)
        M = np.maximum(M, M.T) + np.eye(30, k=1) + np.eye(30, k=-1)
        np.fill_diagonal(M, 0.0)
        return E.spatial_panel(d, y="y", x=["x"], w=pd.DataFrame(M, index=units, columns=units), model="lag", draws=20)

    return {
        "nqpf.explain.fe.HausmanResult": lambda: E.hausman(_explain_panel(), y="y", x=["x"], controls=["z"]),
        "nqpf.explain.fe.PanelRegression": _fe_fit,
        "nqpf.explain.heterogeneity.HeterogeneityResult": lambda: E.heterogeneity(_explain_panel(), y="y", x=["x"],
                                                                                   by="region4", controls=["z"]),
        "nqpf.explain.mediation.MediationResult": lambda: E.mediation(_explain_panel(), y="y", x="x", mediator="m",
                                                                       controls=["z"], reps=0),
        "nqpf.explain.robustness.RobustnessResult": lambda: E.robustness(
            _explain_panel(), E.ModelSpec(y="y", x=["x"], controls=["z"]), alternatives={"alt": "y_alt"}, drop_units=None),
        "nqpf.explain.spatial.SpatialPanelResult": spatial,
        "nqpf.explain.tables.RegressionTable": lambda: E.regression_table([_fe_fit()], lang="en"),
        "nqpf.explain.threshold.ThresholdResult": lambda: E.panel_threshold(_explain_panel(), y="y", x=["x"], q="q",
                                                                             controls=["z"], reps=5, grid=20, seed=1),
    }


def _gtfp() -> dict[str, Callable[[], Result]]:
    from nqpf import gtfp as G

    return {
        "nqpf.gtfp.results.EfficiencyResult": lambda: G.sbm(_gtfp_panel(), inputs=["K", "L"], outputs="Y", undesirable="CO2"),
        "nqpf.gtfp.results.ProductivityResult": lambda: G.malmquist(_gtfp_panel(), inputs=["K", "L"], outputs="Y"),
    }


def _levels() -> dict[str, Callable[[], Result]]:
    from nqpf.levels.admin import admin_registry
    from nqpf.levels.firms import aggregate_firms
    from nqpf.levels.io_tables import digital_output_share

    def city_panel():
        from nqpf.levels.city import read_city_economy, shared_dir

        try:
            shared_dir(need=("data/cn-city-economy",))
        except nqpf.ConfigError:
            pytest.skip("needs ../shared data (read_city_economy)")
        return read_city_economy()

    firms_p = pd.DataFrame({"unit": ["a", "b", "c", "d"], "year": 2020, "indicator": "rd_intensity", "value": [1.0, 3.0, 5.0, 8.0]})
    firms = pd.DataFrame({"firm": ["a", "b", "c", "d"], "province": ["310000", "310000", "310000", "320000"]})
    return {
        "nqpf.levels.admin_results.HarmonisedPanel": lambda: admin_registry().harmonise(_admin_panel(), to_year=2019, additive=["gdp"]),
        "nqpf.levels.admin_results.UnitMapping": lambda: admin_registry().map_units(
            pd.DataFrame({"city": ["巢湖", "济南"], "year": [2010, 2019]}), unit="city"),
        "nqpf.levels.city.CityPanel": city_panel,
        "nqpf.levels.firms.FirmAggregate": lambda: aggregate_firms(firms_p, firms=firms),
        "nqpf.levels.io_tables.DigitalShares": lambda: digital_output_share(
            pd.read_csv(fixture_path("levels", "io42_2020_totals.csv"))),
    }


def _paths_sensitivity_text() -> dict[str, Callable[[], Result]]:
    from nqpf.paths.recommend import recommend, recommend_all
    from nqpf.sensitivity import leave_one_out, one_at_a_time, sensitivity_analysis, uncertainty_analysis
    from nqpf.text.corpus import count_corpus

    return {
        "nqpf.paths.recommend.PathGuide": lambda: recommend(_diagnosis(), unit="110000", top=3),
        "nqpf.paths.recommend.Recommendations": lambda: recommend_all(_diagnosis(), units=["110000", "650000"], top=3),
        "nqpf.sensitivity.core.LeaveOneOutResult": lambda: leave_one_out(_sensitivity_model()),
        "nqpf.sensitivity.core.OATResult": lambda: one_at_a_time(_sensitivity_model()),
        "nqpf.sensitivity.core.SensitivityResult": lambda: sensitivity_analysis(_sensitivity_model(), n=16, bootstrap=5),
        "nqpf.sensitivity.core.UncertaintyResult": lambda: uncertainty_analysis(_sensitivity_model(), n=16),
        "nqpf.text.panel.TextCountResult": lambda: count_corpus(fixture_path("text", "corpus"), section=["full"], workers=1),
    }


FACTORIES: dict[str, Callable[[], Result]] = {
    **_analysis(), **_data_and_index(), **_explain(), **_gtfp(), **_levels(), **_paths_sensitivity_text(),
}


def test_every_result_has_a_factory():
    classes = _all_result_classes()
    missing = sorted(set(classes) - set(FACTORIES))
    assert not missing, f"Result subclasses without a factory in tests/test_results_common.py: {missing}"
    stale = sorted(set(FACTORIES) - set(classes))
    assert not stale, f"factories for classes that no longer exist: {stale}"


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_result_contract(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = FACTORIES[name]()
    cls = _all_result_classes()[name]
    assert type(res) is cls, (type(res), cls)
    s = res.summary()
    assert isinstance(s, Summary)
    assert isinstance(str(s), str) and str(s)
    assert isinstance(s.as_html(), str)
    d = res.to_dict()
    assert isinstance(d, dict)
    json.dumps(d, allow_nan=False)  # to_dict() is JSON-safe: no NaN, numpy or pandas objects left
    assert isinstance(res.to_frame(), pd.DataFrame)
    tabs = res.tables()
    assert isinstance(tabs, dict) and all(isinstance(t, pd.DataFrame) for t in tabs.values())
