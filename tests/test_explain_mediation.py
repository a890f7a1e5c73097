"""Mediation: the three equations equal separate fits, a·b = c − c' (same sample, OLS identity),
Sobel closed form, bootstrap detects a true indirect effect and not a null one."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqpf import DataError
from nqpf.explain import fit_panel, mediation, regression_table, sobel_test


def simulate(a: float, b: float, seed: int, n: int = 30, T: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n), T)
    year = np.tile(np.arange(2010, 2010 + T), n)
    x = rng.normal(size=n * T) + rng.normal(size=n)[unit]
    z = rng.normal(size=n * T)
    m = a * x + 0.3 * z + rng.normal(size=n * T)
    y = b * m + 0.2 * x + 0.1 * z + rng.normal(size=n)[unit] + rng.normal(size=n * T)
    return pd.DataFrame({"unit": unit.astype(str), "year": year, "y": y, "x": x, "m": m, "z": z})


def test_three_equations_and_identity():
    d = simulate(0.8, 0.5, 0)
    res = mediation(d, y="y", x="x", mediator="m", controls=["z"], reps=0)
    eq1 = fit_panel(d, y="y", x=["x"], controls=["z"])
    eq2 = fit_panel(d, y="m", x=["x"], controls=["z"])
    eq3 = fit_panel(d, y="y", x=["x", "m"], controls=["z"])
    assert res.total.params["x"] == pytest.approx(eq1.params["x"], rel=1e-10)
    assert res.first_stage.std_errors["x"] == pytest.approx(eq2.std_errors["x"], rel=1e-10)
    assert res.outcome.params["m"] == pytest.approx(eq3.params["m"], rel=1e-10)
    eff = res.effects.set_index("effect")["estimate"]
    # OLS on a common sample: c = c' + a·b exactly
    assert eff["total (c)"] == pytest.approx(eff["direct (c')"] + eff["indirect (a·b)"], rel=1e-9)
    assert res.share_mediated == pytest.approx(eff["indirect (a·b)"] / eff["total (c)"])


def test_sobel_closed_form():
    z, p = sobel_test(0.5, 0.1, 0.4, 0.1)
    assert z == pytest.approx(0.2 / np.sqrt(0.16 * 0.01 + 0.25 * 0.01))
    assert p == pytest.approx(2 * (1 - 0.9991066), abs=1e-6)


def test_bootstrap_detects_indirect_effect_and_not_a_null_one():
    yes = mediation(simulate(0.8, 0.5, 1), y="y", x="x", mediator="m", controls=["z"], reps=200, seed=3)
    row = yes.effects.set_index("effect").loc["indirect (a·b)"]
    assert row["ci_lower"] > 0 and row["estimate"] == pytest.approx(0.4, abs=0.15)
    no = mediation(simulate(0.8, 0.0, 1), y="y", x="x", mediator="m", controls=["z"], reps=200, seed=3)
    row = no.effects.set_index("effect").loc["indirect (a·b)"]
    assert row["ci_lower"] < 0 < row["ci_upper"]
    assert len(no.boot) == 200


def test_seed_determinism_and_assumptions_in_notes():
    d = simulate(0.5, 0.5, 2)
    a = mediation(d, y="y", x="x", mediator="m", reps=50, seed=9)
    b = mediation(d, y="y", x="x", mediator="m", reps=50, seed=9)
    np.testing.assert_array_equal(a.boot, b.boot)
    assert sum(n.startswith("Assumption:") for n in a.notes) == 4
    assert "sequential ignorability" in str(a.summary())
    t = regression_table(a.models, lang="en")
    assert list(t.frame.columns) == ["(1) y", "(2) m", "(3) y"]


def test_same_variable_refused():
    with pytest.raises(DataError, match="mediation: y, x and mediator must differ"):
        mediation(simulate(0.5, 0.5, 2), y="y", x="x", mediator="x")
