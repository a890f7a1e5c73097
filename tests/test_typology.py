"""Tests of nqpf.analysis.typology (types of units by element profile)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from nqpf._errors import ConstantIndicatorWarning, DataError, MethodError, NqpfError
from nqpf.analysis.typology import describe_profile, standardise, typology

ELEMENTS = ["labourer", "means", "object", "combination"]
ZH = {"labourer": "劳动者", "means": "劳动资料", "object": "劳动对象", "combination": "优化组合"}


def _three_clusters(seed: int = 0) -> tuple[pd.DataFrame, dict[str, int]]:
    """15 units in three obvious groups: strong labour/means, strong object, weak everywhere."""
    rng = np.random.default_rng(seed)
    centres = {
        "A": [0.9, 0.9, 0.5, 0.2],
        "B": [0.4, 0.3, 0.9, 0.6],
        "C": [0.1, 0.1, 0.1, 0.1],
    }
    rows, truth = [], {}
    for g, c in centres.items():
        for i in range(5):
            u = f"{g}{i}"
            rows.append([u, *(np.array(c) + rng.normal(0, 0.02, 4))])
            truth[u] = g
    df = pd.DataFrame(rows, columns=["unit", *ELEMENTS])
    return df, truth


def _same_partition(members: pd.DataFrame, truth: dict[str, int]) -> bool:
    pairs = members.set_index("unit")["type"]
    return all((pairs[a] == pairs[b]) == (truth[a] == truth[b]) for a in truth for b in truth)


@pytest.mark.parametrize("method", ["kmeans", "ward"])
def test_recovers_obvious_clusters_and_k(method):
    df, truth = _three_clusters()
    res = typology(df, method=method, labels=ZH)
    assert res.k == 3
    assert _same_partition(res.members, truth)
    assert res.silhouette["k"].tolist() == [2, 3, 4, 5, 6]
    assert res.silhouette.set_index("k")["silhouette"].idxmax() == 3
    # type 1 = highest mean standardised profile = group A (high 劳动者, 劳动资料)
    t = res.types.set_index("type")
    assert t.loc[1, "members"] == "A0, A1, A2, A3, A4"
    # hand check: z(劳动资料) ≈ 1.37 > z(劳动者) ≈ 1.31; 优化组合 of A: (0.2 − 0.3) / 0.216 ≈ −0.46 → mid
    assert t.loc[1, "description_zh"] == "高: 劳动资料, 劳动者"
    assert t.loc[2, "description_en"] == "high: 优化组合, 劳动对象"
    assert t.loc[3, "members"] == "C0, C1, C2, C3, C4"
    assert t.loc[3, "description_zh"] == "低: 劳动对象, 劳动者, 劳动资料, 优化组合"
    assert t.loc[3, "high"] == ""
    prof = res.profiles
    assert set(prof.columns) == {"type", "node", "label", "mean_z", "mean", "level"}
    # mean z over all units is 0 per node (weighted by type size)
    n = res.types.set_index("type")["n"]
    wmean = prof.assign(w=prof["type"].map(n)).groupby("node").apply(lambda g: (g["mean_z"] * g["w"]).sum() / g["w"].sum(),
                                                                       include_groups=False)
    assert_allclose(wmean.to_numpy(), 0.0, atol=1e-12)


def test_deterministic_and_order_independent():
    df, _ = _three_clusters(seed=4)
    a = typology(df, seed=7)
    b = typology(df.sample(frac=1.0, random_state=1).reset_index(drop=True), seed=7)
    pd.testing.assert_frame_equal(a.members, b.members)
    pd.testing.assert_frame_equal(a.types, b.types)
    c = typology(df, seed=7)
    pd.testing.assert_frame_equal(a.profiles, c.profiles)


def test_given_k_and_index_units():
    df, _ = _three_clusters()
    res = typology(df.set_index("unit"), k=2, method="ward")
    assert res.k == 2 and len(res.silhouette) == 1
    assert res.members["unit"].str[0].isin(list("ABC")).all()
    assert res.to_frame() is res.members
    s = str(res.summary())
    assert "因地制宜" in s and "types (k)" in s
    assert res.to_dict()["k"] == 2


def test_describe_profile_thresholds():
    zh, en, high, low = describe_profile({"a": 0.51, "b": 0.5, "c": -0.5, "d": -0.51})
    assert (high, low) == (["a"], ["d"])
    assert zh == "高: a; 低: d" and en == "high: a; low: d"
    assert describe_profile({"a": 0.7})[0] == "高: a"
    z, m, s = standardise([[1.0], [2.0], [3.0]])
    assert_allclose(z.ravel(), [-1.224744871391589, 0.0, 1.224744871391589])


def test_constant_node_warns_and_errors():
    df, _ = _three_clusters()
    df["flat"] = 0.5
    with pytest.warns(ConstantIndicatorWarning, match=r"nodes \['flat'\] are constant"):
        res = typology(df, k=3)
    assert "flat" not in res.nodes
    bad = df.copy()
    bad.loc[0, "means"] = np.nan
    with pytest.raises(DataError) as e:
        typology(bad.drop(columns="flat"), k=3)
    assert str(e.value) == "typology: node scores must not be missing; got NaN for units ['A0']. Impute or drop them first."
    with pytest.raises(MethodError, match=r"k must be an int between 2 and the number of units − 1 \(14\); got 15"):
        typology(df.drop(columns="flat"), k=15)
    with pytest.raises(NqpfError) as e:
        typology(df, method="dbscan")
    assert str(e.value) == "The 'method' parameter of typology must be one of 'kmeans', 'ward'; got 'dbscan'."
    dup = pd.concat([df.iloc[:2], df.iloc[:1]])
    with pytest.raises(DataError, match=r"units must be unique; got duplicates \['A0'\]"):
        typology(dup.drop(columns="flat"))


def test_silhouette_is_exact_up_to_the_stated_n_and_sampled_above(monkeypatch):
    """The mean silhouette is exact up to SILHOUETTE_MAX_N units (results unchanged) and sampled above it."""
    from sklearn.metrics import silhouette_score

    import importlib

    T = importlib.import_module("nqpf.analysis.typology")

    rng = np.random.default_rng(5)
    centres = np.array([[0, 0, 0], [3, 0, 1], [0, 3, 2]], dtype=float)
    x = np.vstack([c + rng.normal(scale=0.8, size=(100, 3)) for c in centres])
    df = pd.DataFrame(x, columns=["a", "b", "c"], index=[f"u{i:03d}" for i in range(len(x))])
    exact = typology(df, seed=0)
    z, _, _ = standardise(df.sort_index().to_numpy())
    lab = T.cluster_labels(z, exact.k, method="kmeans", seed=0)
    assert len(x) <= T.SILHOUETTE_MAX_N
    assert exact.silhouette.set_index("k")["silhouette"][exact.k] == float(silhouette_score(z, lab))
    monkeypatch.setattr(T, "SILHOUETTE_MAX_N", 150)  # force sampling on the same data
    sampled = typology(df, seed=0)
    assert sampled.k == exact.k
    pd.testing.assert_frame_equal(sampled.members, exact.members)  # per-unit silhouettes stay exact
    assert_allclose(sampled.silhouette["silhouette"], exact.silhouette["silhouette"], atol=0.05)
