"""The numpy fast paths give the results of the code they replace: the quality screen's NaN-aware median vs
np.nanmedian, obstacle top-k lists vs the row loop, and the county-scale paths of the analysis stage (obstacle pivot,
PanelOLS entities, kernel density blocks, group codes, node panels, stage tables) vs their former code
(tests/_reference.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from nqpf.analysis import obstacle as obs_mod
from nqpf.index.quality import _nanmedian_axis

from _reference import obstacle_top_lists_rows


def test_nanmedian_axis_equals_numpy():
    rng = np.random.default_rng(0)
    for trial in range(200):
        shape = tuple(int(s) for s in rng.integers(1, 15, size=rng.integers(1, 3)))
        a = rng.normal(size=shape) * 10.0 ** rng.integers(-5, 5)
        a[rng.uniform(size=shape) < rng.uniform()] = np.nan
        if trial % 7 == 0:
            a[rng.uniform(size=shape) < .1] = np.inf
        if trial % 5 == 0:
            a = np.round(a)
        for axis in range(a.ndim):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.testing.assert_array_equal(_nanmedian_axis(a, axis), np.nanmedian(a, axis=axis))


def test_obstacle_top_lists_equal_row_loop(monkeypatch):
    z = pd.DataFrame({"unit": ["u1", "u2", "u3", "u4"], "x1": [0.9, 1.0, np.nan, 0.2],
                      "x2": [0.2, 1.0, np.nan, np.nan], "x3": [0.5, 1.0, np.nan, 0.3]})
    w = {"x1": 0.5, "x2": 0.3, "x3": 0.2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = obs_mod.obstacle_degree(z, w, top_k=3)
        monkeypatch.setattr(obs_mod, "_top_lists", obstacle_top_lists_rows)
        old = obs_mod.obstacle_degree(z, w, top_k=3)
    for name in ("top", "top_wide"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.equals(b) and list(a.dtypes) == list(b.dtypes) and list(a.columns) == list(b.columns)


# ------------------------------------------------------------------ county-scale fast paths of the analysis stage
def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (a.equals(b) and list(a.dtypes) == list(b.dtypes) and list(a.columns) == list(b.columns)
            and a.index.equals(b.index))


@pytest.fixture(scope="module")
def built():
    import nqpf
    from nqpf.datasets import demo_config

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nqpf.build(demo_config(years=(2016, 2022), stages=[]))


def test_analysis_stage_equals_former_code(built, monkeypatch):
    """Every table of the stage (obstacle, typology, β, club, density, Dagum/Theil …) equals, bit for bit, the
    tables of the former code paths (tests/_reference.county_scale_former_paths), and the results' own tables
    are not changed by the stage's id columns (shallow copies)."""
    from _reference import county_scale_former_paths

    from nqpf.analysis.stage import AnalysisConfig, run_analysis

    cfg = AnalysisConfig(permutations=0, nodes=["NQPF", "labourers"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = run_analysis(built, cfg, {})
        for module, name, former in county_scale_former_paths():
            monkeypatch.setattr(module, name, former)
        old = run_analysis(built, cfg, {})
    names = [k for k in new if k != "_results"]
    assert names == [k for k in old if k != "_results"]
    assert {"obstacle_indicators", "typology_members", "beta_beta", "club_membership", "density_curves",
            "dagum_totals"} <= set(names)
    for name in names:
        assert _same_table(new[name], old[name]), name
    for label, res in new["_results"].items():
        for tname, table in res.tables().items():
            assert "node" not in table.columns or label.split(":")[0] in ("typology", "obstacle"), (label, tname)


@pytest.mark.parametrize("cluster", ["unit", "year", "twoway", "none"])
@pytest.mark.parametrize("fe", ["twoway", "unit", "none"])
def test_beta_panel_integer_entities_equal_labels(monkeypatch, fe, cluster):
    from _reference import panel_index_labels

    from nqpf.analysis.convergence import beta as beta_mod

    rng = np.random.default_rng(3)
    units = [f"u{i:02d}" for i in rng.permutation(30)]
    df = pd.DataFrame({"unit": np.repeat(units, 8), "year": np.tile(np.arange(2010, 2018), 30),
                       "value": np.exp(rng.normal(0, 0.5, 240)), "z": rng.normal(size=240)})
    df = df.sample(frac=1, random_state=1)
    kw = dict(kind="conditional", controls=["z"]) if fe == "none" else {}
    new = beta_mod.beta_convergence(df, fe=fe, cluster=cluster, **kw)
    monkeypatch.setattr(beta_mod, "_panel_index", panel_index_labels)
    old = beta_mod.beta_convergence(df, fe=fe, cluster=cluster, **kw)
    assert _same_table(new.table, old.table) and _same_table(new.coefficients, old.coefficients)


def test_kde_blocks_equal_whole_grid():
    from _reference import kde_whole_grid

    from nqpf.analysis.density import kde

    rng = np.random.default_rng(2)
    for trial in range(60):
        n = int(rng.integers(1, 6000))
        x = rng.normal(size=n) * 10.0 ** rng.integers(-3, 3)
        g = np.linspace(x.min() - 1, x.max() + 1, int(rng.integers(1, 600)))
        h = float(rng.uniform(0.01, 2))
        kernel = ("gaussian", "epanechnikov")[trial % 2]
        np.testing.assert_array_equal(kde(x, g, h=h, kernel=kernel), kde_whole_grid(x, g, h=h, kernel=kernel))


def test_group_codes_equal_string_column():
    from _reference import group_codes_string_column

    from nqpf import DataError
    from nqpf.analysis.inequality import _group_codes

    cases = [np.array(["east", "west", "east", "central"], dtype=object), ["b", "a", "b"],
             np.array(["中部", "东部", "西部"]), [3, 1, 3], [1.5, "a", 1.5],
             pd.Series(["x", "y"]).astype("category").to_numpy(), ["a", None, "b"]]
    for groups in cases:
        n = len(groups)
        try:
            want = group_codes_string_column(groups, n, where="t")
        except DataError:
            with pytest.raises(DataError):
                _group_codes(groups, n, where="t")
            continue
        got = _group_codes(groups, n, where="t")
        assert got[0].dtype == want[0].dtype and np.array_equal(got[0], want[0])
        assert list(got[1]) == list(want[1]) and [type(v) for v in got[1]] == [type(v) for v in want[1]]
    with pytest.raises(DataError):
        _group_codes(["a", "b"], 3, where="t")


def test_panel_cache_returns_copies_of_the_same_panel(built):
    from nqpf import DataWarning
    from nqpf.analysis._input import as_panel, panel_cache

    plain = as_panel(built, node="NQPF", group="region4")
    with panel_cache():
        first = as_panel(built, node="NQPF", group="region4")
        first.loc[0, "value"] = -1.0                                  # a caller changing its panel …
        second = as_panel(built, node="NQPF", group="region4")        # … does not change the next one
        other = as_panel(built, node="labourers")
    assert _same_table(second, plain) and second is not first
    assert _same_table(other, as_panel(built, node="labourers"))

    class Holey:  # an IndexResult-like object whose scores miss values: every call drops them and warns
        scores = built.scores.assign(score=built.scores["score"].where(built.scores["year"] != 2016))
        units = built.units
        root = "NQPF"

    obj = Holey()
    with panel_cache():
        for _ in range(2):
            with pytest.warns(DataWarning, match="dropped"):
                as_panel(obj, node="NQPF")
        with pytest.raises(Exception, match="not a score column"):
            as_panel(obj, node="no-such-node")
