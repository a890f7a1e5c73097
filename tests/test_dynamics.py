"""Classic and spatial Markov chains — giddy's published usjoin examples, §8 rules, invariants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from nqpf import DataError, MethodError, NqpfError
from nqpf.analysis.dynamics import (
    classify,
    first_passage_times,
    homogeneity_test,
    is_irreducible,
    markov,
    passage_certain,
    quantile_cutoffs,
    spatial_markov,
    steady_state,
    transition_counts,
)

libpysal = pytest.importorskip("libpysal")

YEARS = list(range(1929, 2010))


@pytest.fixture(scope="module")
def usjoin():
    """US state per-capita income 1929–2009 (libpysal example usjoin.csv, 48 states) as a long panel.

    Units are '0' … '47' in file order, the ids of ``states48.gal``.
    """
    f = libpysal.io.open(libpysal.examples.get_path("usjoin.csv"))
    pci = np.array([f.by_col[str(y)] for y in YEARS])  # years × states
    ids = [str(i) for i in range(pci.shape[1])]
    return pd.DataFrame({"unit": np.tile(ids, len(YEARS)), "year": np.repeat(YEARS, len(ids)),
                         "value": pci.ravel()})


def test_markov_usjoin_giddy_oracle(usjoin):
    # giddy Markov docstring (oracles README): per-year quintiles, transitions row 1 = [729, 71, 1, 0, 0]
    r = markov(usjoin, k=5, states="per_year")
    assert r.counts.iloc[0].tolist() == [729, 71, 1, 0, 0]
    assert_allclose(r.steady_state.to_numpy(),
                    [0.20774716, 0.18725774, 0.20740537, 0.18821787, 0.20937187], rtol=1e-7)
    assert int(r.counts.to_numpy().sum()) == 48 * 80
    assert_allclose(r.probabilities.sum(axis=1), 1.0)
    P = r.probabilities.to_numpy()
    assert_allclose(r.steady_state.to_numpy() @ P, r.steady_state.to_numpy(), atol=1e-12)
    # first-passage times satisfy M = P (M − diag M) + 1 (Kemeny & Snell)
    M = r.mfpt.to_numpy()
    assert_allclose(M, P @ (M - np.diag(np.diag(M))) + 1.0, rtol=1e-9)
    assert_allclose(np.diag(M), 1 / r.steady_state.to_numpy(), rtol=1e-12)
    assert r.tables()["mfpt"]["note"].eq("").all() and not any("irreducible" in n for n in r.notes)


def test_spatial_markov_usjoin_giddy_oracle(usjoin):
    # giddy Spatial_Markov(rpci, w, fixed=True, k=5, m=5), states48.gal row-standardised:
    # cutoffs [0.83999133, 0.94707545, 1.03242697, 1.14911154]; Q = 200.624, LR = 170.659, dof 60
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    r = spatial_markov(usjoin, w, k=5, m=5, relative=True)
    assert_allclose(r.cutoffs[["cut1", "cut2", "cut3", "cut4"]].iloc[0].to_numpy(),
                    [0.83999133, 0.94707545, 1.03242697, 1.14911154], rtol=1e-7)
    assert round(r.Q, 3) == 200.624
    assert round(r.LR, 3) == 170.659
    assert r.dof == 60 and r.dof_full == 80  # 4 · 5 · 4 without empty cells
    cond = r.conditional
    assert list(cond.columns) == ["lag_class", "from_state", "n", "S1", "S2", "S3", "S4", "S5"]
    assert_allclose(cond.loc[cond["n"] > 0, ["S1", "S2", "S3", "S4", "S5"]].sum(axis=1), 1.0)
    assert r.conditional_counts.sum() == 48 * 80


def test_homogeneity_empty_cells_rule():
    # two lag classes, three states; lag class 2 never leaves state 3 and the pooled row 1 has a zero
    T = np.array([
        [[5, 5, 0], [2, 6, 2], [0, 3, 7]],
        [[4, 6, 0], [1, 8, 1], [0, 0, 0]],
    ], dtype=float)
    t = homogeneity_test(T)
    # b = [2, 2, 1]; A = [2, 3, 2] → df = 1·1 + 1·2 + 0·1 = 3 (full would be 1·3·2 = 6)
    assert t["dof"] == 3 and t["dof_full"] == 6
    P = T.sum(0) / T.sum(0).sum(1, keepdims=True)
    Pl = np.divide(T, T.sum(2, keepdims=True), out=np.zeros_like(T), where=T.sum(2, keepdims=True) > 0)
    q = sum(T[l, i].sum() * (Pl[l, i, j] - P[i, j]) ** 2 / P[i, j]
            for l in range(2) for i in range(3) for j in range(3) if P[i, j] > 0)
    lr = 2 * sum(T[l, i, j] * np.log(Pl[l, i, j] / P[i, j])
                 for l in range(2) for i in range(3) for j in range(3) if T[l, i, j] > 0)
    assert_allclose([t["Q"], t["LR"]], [q, lr], rtol=1e-12)


def test_closed_form_chain():
    P = np.array([[0.9, 0.1], [0.5, 0.5]])
    assert_allclose(steady_state(P), [5 / 6, 1 / 6])
    assert_allclose(first_passage_times(P), [[1.2, 10.0], [2.0, 6.0]])
    assert quantile_cutoffs([1, 2, 3, 4, 5], 4).tolist() == [2.0, 3.0, 4.0]
    assert classify([2.0, 2.0001], [2.0]).tolist() == [0, 1]  # class c for cut_{c-1} < x <= cut_c
    S = np.array([[0, 1, -1, 1], [1, 1, 0, 0]])
    assert transition_counts(S, 2).tolist() == [[1, 1], [1, 1]]  # gaps (−1) break transitions


def test_first_passage_times_with_an_absorbing_state():
    # state 3 absorbing. Target 3: m1 = 1 + .5 m1 + .5 m2, m2 = 1 + .25 m1 + .5 m2 → m1 = 8, m2 = 6, m33 = 1.
    # Target 2 from 1: state 1 only moves to 1 or 2, so m12 = 1 / 0.5 = 2. Everything else is entered with
    # probability < 1 (absorption in 3): undefined, NaN — not the ±inf / 1e16 of the singular Kemeny–Snell formula.
    P = np.array([[0.5, 0.5, 0.0], [0.25, 0.5, 0.25], [0.0, 0.0, 1.0]])
    assert not is_irreducible(P)
    assert_allclose(first_passage_times(P), [[np.nan, 2.0, 8.0], [np.nan, np.nan, 6.0], [np.nan, np.nan, 1.0]],
                    rtol=1e-12, equal_nan=True)
    assert passage_certain(P).tolist() == [[False, True, True], [False, False, True], [False, False, True]]
    # a state with no observed transitions (zero row): nothing to or from it is defined; {1, 2} is a closed class
    Q = np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 0.0]])
    assert_allclose(first_passage_times(Q), [[2.0, 2.0, np.nan], [2.0, 2.0, np.nan], [np.nan] * 3], equal_nan=True)


def test_first_passage_times_match_giddy():
    # giddy is not a dependency (it would bring numba and llvmlite into every install for this one oracle): its
    # ergodic.mfpt values are pinned here, printed by giddy 2.3.8 —
    #   mfpt(oz)  = [[2.5, 4.000000000000002, 3.333333333333332], [2.6666666666666665, 5.000000000000002,
    #                2.6666666666666656], [3.333333333333333, 4.000000000000002, 2.499999999999999]]
    #   mfpt(two) = [[3.5000000000000004, 2.0, inf], [5.000000000000001, 1.4, inf], [inf, inf, 1.0]]
    # (the Land of Oz values are also the closed forms of Kemeny & Snell, Finite Markov Chains, 1960)
    giddy_oz = np.array([[2.5, 4.000000000000002, 3.333333333333332],
                         [2.6666666666666665, 5.000000000000002, 2.6666666666666656],
                         [3.333333333333333, 4.000000000000002, 2.499999999999999]])
    giddy_two = np.array([[3.5000000000000004, 2.0, np.inf], [5.000000000000001, 1.4, np.inf], [np.inf, np.inf, 1.0]])
    oz = np.array([[0.5, 0.25, 0.25], [0.5, 0.0, 0.5], [0.25, 0.25, 0.5]])  # Kemeny & Snell's Land of Oz
    assert is_irreducible(oz)
    assert_allclose(first_passage_times(oz), giddy_oz, rtol=1e-12)
    assert_allclose(first_passage_times(oz), [[2.5, 4.0, 10 / 3], [8 / 3, 5.0, 8 / 3], [10 / 3, 4.0, 2.5]], rtol=1e-12)
    # giddy's reducible example (two closed classes): the same finite values, NaN where giddy has inf
    two = np.array([[0.5, 0.5, 0.0], [0.2, 0.8, 0.0], [0.0, 0.0, 1.0]])
    m = first_passage_times(two)
    assert np.array_equal(np.isnan(m), np.isinf(giddy_two))
    assert_allclose(m[np.isfinite(giddy_two)], giddy_two[np.isfinite(giddy_two)], rtol=1e-12)
    assert_allclose(m, [[3.5, 2.0, np.nan], [5.0, 1.4, np.nan], [np.nan, np.nan, 1.0]], equal_nan=True)


def test_markov_with_absorbing_and_unvisited_states_notes_undefined_passage_times():
    # fixed classes low (1), lower-middle (2), upper-middle (3), high (never observed); upper-middle is absorbing
    paths = {"u1": [1, 1, 2, 2, 3, 3], "u2": [1, 2, 1, 2, 3, 3], "u3": [2, 2, 3, 3, 3, 3], "u4": [3] * 6}
    df = pd.DataFrame([{"unit": u, "year": 2000 + t, "value": v} for u, vs in paths.items() for t, v in enumerate(vs)])
    r = markov(df, k=4, states="fixed", cutoffs=[1.5, 2.5, 3.5])
    assert_allclose(r.probabilities.to_numpy()[:3, :3], [[0.25, 0.75, 0], [1 / 6, 1 / 3, 1 / 2], [0, 0, 1]])
    # target 3: m1 = 1 + m1/4 + 3 m2/4, m2 = 1 + m1/6 + m2/3 → m1 = 34/9, m2 = 22/9; m12 = 1/0.75 = 4/3
    nan = np.nan
    assert_allclose(r.mfpt.to_numpy(), [[nan, 4 / 3, 34 / 9, nan], [nan, nan, 22 / 9, nan], [nan, nan, 1.0, nan],
                                        [nan] * 4], rtol=1e-12, equal_nan=True)
    assert any("not irreducible (absorbing state(s) ['upper-middle'])" in n and "NaN elsewhere (12 of 16)" in n
               for n in r.notes)
    t = r.tables()["mfpt"]
    assert list(t.columns) == ["from_state", "low", "lower-middle", "upper-middle", "high", "note"]
    assert t["note"].tolist() == [
        "NaN to low, high: not reached from low with probability 1 (nor low returned to); the chain is not irreducible",
        "NaN to low, lower-middle, high: not reached from lower-middle with probability 1 (nor lower-middle returned "
        "to); the chain is not irreducible",
        "NaN to low, lower-middle, high: not reached from upper-middle with probability 1; the chain is not irreducible",
        "NaN: no transitions observed out of high, so passage times from it are undefined",
    ]
    assert not np.isinf(t[r.labels].to_numpy()).any()


def test_state_rules(usjoin):
    fixed = markov(usjoin, k=3, states="fixed", cutoffs=[0.9, 1.1], relative=True)
    rel = usjoin.assign(value=usjoin["value"] / usjoin.groupby("year")["value"].transform("mean"))
    cls = np.searchsorted([0.9, 1.1], rel["value"], side="left")
    assert (fixed.classes.sort_values(["year", "unit"])["state"].map({"S1": 0, "S2": 1, "S3": 2}).to_numpy()
            == cls[np.lexsort((rel["unit"], rel["year"]))]).all()
    pooled = markov(usjoin, k=4)
    assert pooled.labels == ["low", "lower-middle", "upper-middle", "high"]
    assert pooled.classes["state"].value_counts().between(971, 973).all()  # pooled quartiles of 3,888 values
    assert_allclose(pooled.step(2).to_numpy(), np.linalg.matrix_power(pooled.probabilities.to_numpy(), 2))
    with pytest.raises(MethodError, match=r"^markov: states='fixed' needs cutoffs; got cutoffs=None"):
        markov(usjoin, states="fixed")
    with pytest.raises(MethodError, match=r"^markov: cutoffs must be 3 strictly increasing numbers for k = 4"):
        markov(usjoin, states="fixed", cutoffs=[1, 2])
    with pytest.raises(NqpfError, match=r"^The 'k' parameter of markov must be an int in the range \[2, inf\)"):
        markov(usjoin, k=1)


def test_spatial_markov_requires_balanced_panel(usjoin):
    w = libpysal.io.open(libpysal.examples.get_path("states48.gal")).read()
    with pytest.raises(DataError, match=r"^spatial_markov: the panel must be balanced"):
        spatial_markov(usjoin.iloc[1:], w, k=3)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=2, max_value=5))
def test_markov_invariants(seed, k):
    rng = np.random.default_rng(seed)
    n, T = 12, 6
    df = pd.DataFrame({"unit": np.tile([f"u{i}" for i in range(n)], T), "year": np.repeat(np.arange(T), n),
                       "value": rng.lognormal(size=n * T)})
    r = markov(df, k=k)
    rows = r.counts.to_numpy().sum(axis=1) > 0
    assert_allclose(r.probabilities.to_numpy()[rows].sum(axis=1), 1.0)
    r2 = markov(df.sample(frac=1.0, random_state=seed), k=k)
    pd.testing.assert_frame_equal(r.counts, r2.counts)
