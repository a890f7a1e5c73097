"""Validation of a composite index (nqpf.analysis.validation and the ``validation`` stage).

Oracles: hand-computed Cronbach alpha; scipy/numpy for correlations, PCA and group tests; COINr's documented
formulas (``get_cronbach``: k²·mean off-diagonal covariance / sum of covariances; ``get_PCA``: ``prcomp`` with
centring and scaling) applied to COINr's own normalised and aggregated ASEM data (fixtures/coinr_asem/main).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import nqpf
from nqpf.analysis import validation as V
from nqpf.framework.io import framework_from_dict
from nqpf.pipeline import stages
from _shared import fixture_path, shared_path

ASEM = fixture_path("coinr_asem")


# --------------------------------------------------------------------------- hand examples
def test_cronbach_alpha_hand_example():
    # item variances (ddof 1): 5/3, 8.75/3, 4/3 → sum 17.75/3; row sums 4, 6, 10, 13 → variance 48.75/3
    # alpha = 3/2 · (1 − 17.75/48.75) = 46.5/48.75 = 62/65
    X = np.array([[1, 1, 2], [2, 2, 2], [3, 3, 4], [4, 5, 4]], dtype=float)
    assert V.cronbach_alpha(X) == pytest.approx(62 / 65, rel=1e-12)
    # identical items → 1; k < 2 → nan
    same = np.repeat(np.arange(6.0)[:, None], 4, axis=1)
    assert V.cronbach_alpha(same) == pytest.approx(1.0)
    assert math.isnan(V.cronbach_alpha(X[:, :1]))


def test_cronbach_alpha_equals_classic_formula_and_can_be_negative():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 5)) + rng.normal(size=(40, 1))
    k = X.shape[1]
    classic = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert V.cronbach_alpha(X) == pytest.approx(classic, rel=1e-12)
    neg = np.column_stack([np.arange(10.0), -np.arange(10.0) + rng.normal(scale=0.1, size=10)])
    assert V.cronbach_alpha(neg) < 0


def test_pca_and_correlations_match_numpy_scipy():
    rng = np.random.default_rng(7)
    X = pd.DataFrame(rng.normal(size=(30, 4)) @ rng.normal(size=(4, 4)), columns=list("abcd"))
    p = V.pca_summary(X)
    ev = np.sort(np.linalg.eigvalsh(np.corrcoef(X.to_numpy(), rowvar=False)))[::-1]
    np.testing.assert_allclose(p["eigenvalues"], ev, rtol=1e-10)
    assert p["pca_var1"] == pytest.approx(ev[0] / 4, rel=1e-10)
    assert p["n_eig_gt1"] == int((ev > 1).sum())
    c = V.pairwise_correlations(X)
    assert len(c) == 6
    for r in c.itertuples():
        pr = stats.pearsonr(X[r.var_a], X[r.var_b])
        sr = stats.spearmanr(X[r.var_a], X[r.var_b])
        assert r.pearson == pytest.approx(pr.statistic, rel=1e-12) and r.pearson_p == pytest.approx(pr.pvalue, rel=1e-9)
        assert r.spearman == pytest.approx(sr.statistic, rel=1e-12) and r.spearman_p == pytest.approx(sr.pvalue, rel=1e-9)


def test_dimension_flags_rules():
    rng = np.random.default_rng(0)
    n = 40
    main = rng.normal(size=n)
    X = pd.DataFrame({"big": main * 10, "small1": rng.normal(size=n), "small2": rng.normal(size=n),
                      "neg": -main + rng.normal(scale=0.05, size=n)})
    score = X[["big", "small1", "small2"]].mean(axis=1) + 0 * X["neg"]
    row, corr, fl = V.dimension_coherence(X, score, dimension="d")
    got = set(zip(fl["member"], fl["flag"]))
    assert ("big", "dominates_dimension") in got
    assert ("neg", "negative_with_dimension") in got
    assert ("big|neg", "conflicting_pair") in got
    assert ("", "low_alpha") in got
    assert row["k"] == 4 and row["alpha"] < 0.7
    # all members highly and equally correlated with the score: coherent, not "dominated"
    base = rng.normal(size=n)
    Y = pd.DataFrame({c: base + rng.normal(scale=0.05, size=n) for c in "abc"})
    _, _, fl2 = V.dimension_coherence(Y, Y.mean(axis=1), dimension="y")
    assert "dominates_dimension" not in set(fl2["flag"])
    assert set(fl2["flag"]) == {"redundant_pair"}


def test_group_effect_sizes_against_scipy():
    a = np.array([3.1, 4.0, 5.2, 6.3, 2.2, 4.4, 5.0])
    b = np.array([1.0, 2.5, 3.1, 2.0, 1.7, 3.3, 2.8, 0.9, 2.2])
    out = V.compare_groups(a, b)
    sp = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert out["cohens_d"] == pytest.approx((a.mean() - b.mean()) / sp, rel=1e-12)
    brute = np.mean([np.sign(x - y) for x in a for y in b])
    mw = stats.mannwhitneyu(a, b, alternative="two-sided")
    assert out["cliffs_delta"] == pytest.approx(brute, rel=1e-12)
    assert out["rank_biserial"] == pytest.approx(2 * mw.statistic / (len(a) * len(b)) - 1, rel=1e-12)
    assert out["rank_biserial"] == pytest.approx(out["cliffs_delta"], abs=1e-12)  # tie in 3.1 counted 0 / 0.5
    assert out["mw_u"] == mw.statistic and out["mw_p"] == pytest.approx(mw.pvalue, rel=1e-12)
    w = stats.ttest_ind(a, b, equal_var=False)
    assert out["welch_t"] == pytest.approx(w.statistic) and out["welch_p"] == pytest.approx(w.pvalue, rel=1e-12)
    assert out["mean_diff"] == pytest.approx(a.mean() - b.mean())
    assert out["median_diff"] == pytest.approx(np.median(a) - np.median(b))


def test_interval_agreement_constructed():
    rs = pd.DataFrame({"unit": list("abcd"), "year": 2020, "nominal": [1, 2, 3, 4], "q05": [1, 1, 2, 4],
                       "q95": [2, 3, 4, 4]})
    ext = pd.DataFrame({"unit": list("abcd"), "year": 2020, "value": [10, 9, 1, 2]})  # ranks 1, 2, 4, 3
    out = V.interval_agreement(rs, ext)
    assert out.loc[0, "share_nominal_in_interval"] == 1.0
    assert out.loc[0, "mean_interval_width"] == pytest.approx((1 + 2 + 2 + 0) / 4)
    # external ranks a 1, b 2, c 4, d 3: a, b, c inside their intervals, d (3 vs [4, 4]) outside
    assert out.loc[0, "share_external_in_interval"] == pytest.approx(0.75)


# --------------------------------------------------------------------------- ASEM (COINr)
def _asem_framework():
    meta = pd.read_csv(ASEM / "asem_imeta.csv")
    nodes, inds = [], []
    for r in meta.itertuples():
        if r.Type == "Aggregate":
            nodes.append({"id": r.iCode, "name_en": r.iName, "parent": "" if pd.isna(r.Parent) else r.Parent,
                          "weight": float(r.Weight)})
        elif r.Type == "Indicator":
            d = {"id": r.iCode, "name_en": r.iName, "parent": r.Parent, "direction": int(r.Direction),
                 "weight": float(r.Weight), "unit": str(r.Unit)}
            if isinstance(r.Denominator, str):
                d["derive"] = f"ratio({r.iCode}, {r.Denominator})"
            inds.append(d)
    return framework_from_dict({"framework": {"id": "asem", "unit_level": "country"}, "node": nodes, "indicator": inds})


def _asem_long():
    wide = pd.read_csv(ASEM / "asem_idata.csv")
    skip = ("uName", "uCode", "GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group", "Time")
    long = wide.melt(id_vars=["uCode", "uName", "EurAsia_group", "Time"],
                     value_vars=[c for c in wide.columns if c not in skip], var_name="indicator", value_name="value")
    return long.rename(columns={"uCode": "unit", "uName": "unit_name", "Time": "year"})


ASEM_CONFIG = {
    "impute": {"method": "group_mean", "group": "EurAsia_group"},
    "screen": {"min_coverage": 0.9, "by": "unit", "on": "imputed"},
    "treat": {"method": "coinr", "winmax": 5, "scope": "year"},
    "normalise": {"method": "minmax", "range": [0, 100], "scope": "year"},
    "weight": {"method": "given", "scheme": "within_parent", "upper": "given"},
    "aggregate": {"method": "arithmetic"},
}


@pytest.fixture(scope="module")
def asem():
    return nqpf.build(ASEM_CONFIG, data=_asem_long(), framework=_asem_framework())


def _coinr_cronbach(X: np.ndarray) -> float:
    """COINr get_cronbach: k^2 * mean off-diagonal covariance / sum of all covariances."""
    C = np.cov(X, rowvar=False)
    k = X.shape[1]
    sigav = (C.sum() - np.trace(C)) / (k * (k - 1))
    return k * k * sigav / C.sum()


def _coinr_pca(X: np.ndarray) -> np.ndarray:
    """COINr get_PCA → prcomp(center = TRUE, scale = TRUE): sdev^2 from the SVD of the standardised data."""
    Z = (X - X.mean(axis=0)) / X.std(axis=0, ddof=1)
    s = np.linalg.svd(Z, compute_uv=False)
    return s ** 2 / (len(X) - 1)


def test_asem_coherence_matches_coinr_formulas_on_coinr_data(asem):
    norm = pd.read_csv(ASEM / "main" / "dset_normalised.csv").set_index("uCode")
    agg = pd.read_csv(ASEM / "main" / "dset_aggregated.csv").set_index("uCode")
    coh, corr, _ = V.coherence_tables(asem, year=2018)
    coh = coh.set_index("dimension")
    fw = asem.framework
    assert set(coh.index) == set(fw.aggregates) and len(coh) == 11
    for dim in fw.aggregates:
        members = fw.children(dim)
        X = agg[members].to_numpy(float)  # COINr's own values (normalised indicators / aggregate scores)
        ev = _coinr_pca(X)
        assert coh.at[dim, "k"] == len(members)
        assert coh.at[dim, "alpha"] == pytest.approx(_coinr_cronbach(X), rel=1e-8, abs=1e-10), dim
        assert coh.at[dim, "pca_var1"] == pytest.approx(ev.max() / ev.sum(), rel=1e-8), dim
        assert coh.at[dim, "n_eig_gt1"] == int((ev > 1).sum()), dim
        sub = corr[(corr["dimension"] == dim) & (corr["kind"] == "dimension")].set_index("var_a")
        for m in members:
            r = np.corrcoef(agg[m], agg[dim])[0, 1]
            rho = np.corrcoef(stats.rankdata(agg[m]), stats.rankdata(agg[dim]))[0, 1]
            assert sub.at[m, "pearson"] == pytest.approx(r, rel=1e-8, abs=1e-10)
            assert sub.at[m, "spearman"] == pytest.approx(rho, rel=1e-8, abs=1e-10)
    # the indicator columns of dset_aggregated are COINr's normalised data
    np.testing.assert_allclose(agg[norm.columns].to_numpy(float), norm.to_numpy(float), rtol=1e-12)
    # sanity: a documented property of the ASEM build — the eight pillars do not all cohere
    assert coh.loc[fw.children("Conn") + fw.children("Sust"), "alpha"].min() < 0.7


def test_asem_pairwise_p_values_match_scipy(asem):
    agg = pd.read_csv(ASEM / "main" / "dset_aggregated.csv").set_index("uCode")
    _, corr, _ = V.coherence_tables(asem, year=2018)
    pairs = corr[(corr["dimension"] == "Environ") & (corr["kind"] == "pair")]
    assert len(pairs) == 10
    for r in pairs.itertuples():
        pr = stats.pearsonr(agg[r.var_a], agg[r.var_b])
        sr = stats.spearmanr(agg[r.var_a], agg[r.var_b])
        assert r.pearson_p == pytest.approx(pr.pvalue, rel=1e-6, abs=1e-12)
        assert r.spearman_p == pytest.approx(sr.pvalue, rel=1e-6, abs=1e-12)
        assert r.n == 51


# --------------------------------------------------------------------------- stage on a small build
@pytest.fixture(scope="module")
def small():
    return nqpf.build({"data": {"bundled": "province", "years": [2020, 2022]}, "framework": {"path": "scitech_province"}})


def _fake_rank_stats(result):
    s = result.scores[result.scores["node"] == result.framework.root]
    return pd.DataFrame({"unit": s["unit"].astype(str), "year": s["year"], "nominal": s["rank"],
                         "q05": (s["rank"] - 2).clip(lower=1), "q95": (s["rank"] + 2).clip(upper=31)})


def test_stage_registered_after_sensitivity():
    st = {s.name: s for s in stages()}
    assert st["validation"].order == 25 and st["sensitivity"].order < 25 < st["explain"].order
    with pytest.raises(Exception):
        st["validation"].config_model.model_validate({"nope": 1})


def test_stage_run_tables_and_invariants(small, tmp_path):
    st = {s.name: s for s in stages()}["validation"]
    cfg = st.config_model.model_validate({"external": "no_such_file.csv"})
    from types import SimpleNamespace

    from nqpf.workflow import StageContext, StageOutput

    # the stage reads the rank intervals from the earlier uncertainty result, by kind
    unc = SimpleNamespace(kind="uncertainty", rank_stats=_fake_rank_stats(small))
    ctx = StageContext(config_dir=tmp_path, earlier={"sensitivity": StageOutput(results={"uncertainty": unc})})
    out = st.run(small, cfg, ctx)
    for name in ("coherence", "correlations", "flags", "known_groups", "external", "top_bottom"):
        assert isinstance(out.tables[name], pd.DataFrame), name
    res = out.results["validation"]
    assert isinstance(res, V.ValidationResult) and res.year == 2022
    coh = out["coherence"]
    assert set(coh["dimension"]) == set(small.framework.aggregates)  # scitech has no groupings
    multi = coh[coh["k"] >= 2]
    assert (multi["alpha"] <= 1 + 1e-12).all()
    assert ((multi["pca_var1"] > 0) & (multi["pca_var1"] <= 1 + 1e-12)).all()
    assert (multi["pca_var1"] >= 1 / multi["k"] - 1e-12).all()
    assert ((multi["n_eig_gt1"] >= 1) & (multi["n_eig_gt1"] <= multi["k"])).all()
    c = out["correlations"]
    assert c[["pearson", "spearman"]].abs().max().max() <= 1 + 1e-12
    assert ((c["pearson_p"] >= 0) & (c["pearson_p"] <= 1)).all()
    # known groups: east/west runs; the hub and frontier checks need groupings that scitech lacks → skipped
    kg = out["known_groups"].set_index("check")
    assert kg.at["east_west", "status"] == "ok" and kg.at["east_west", "n_a"] == 10 and kg.at["east_west", "n_b"] == 12
    assert -1 <= kg.at["east_west", "cliffs_delta"] <= 1 and 0 <= kg.at["east_west", "mw_p"] <= 1
    for chk in ("dsxs_hubs", "frontier_provinces"):
        assert kg.at[chk, "status"] == "skipped" and "no node" in kg.at[chk, "reason"]
    ext = out["external"].set_index("source")
    assert ext.at["no_such_file", "status"] == "not available"
    sens = out["external"][out["external"]["source"] == "sensitivity"]
    assert list(sens["year"]) == [2020, 2021, 2022] and (sens["share_nominal_in_interval"] == 1.0).all()
    # top / bottom: 5 + 5 per element, the generated fact recomputed independently
    tb = out["top_bottom"]
    assert set(tb["node"]) == set(small.framework.children("STI"))
    assert (tb.groupby("node").size() == 10).all() and (tb["analyst_note"] == "").all()
    w = small.weights.set_index("node")["effective_weight"]
    Z = small.normalised[small.normalised["year"] == 2022].pivot(index="unit", columns="indicator", values="value")
    for r in tb.itertuples():
        leaves = small.framework.leaves_under(r.node)
        contrib = {x: w[x] / w[r.node] * Z.at[r.unit, x] for x in leaves}
        assert r.top_indicator == max(contrib, key=contrib.get)
        assert 0 < r.top_share <= 1 and r.top_indicator_name in r.note
    top = tb[tb["position"] == "top"]
    assert (top.groupby("node")["rank"].min() == 1).all()
    json.dumps(res.to_dict())
    text = str(res.summary())
    assert "Cronbach" in text and "east_west" in text


def test_validate_index_custom_groups_and_external(small):
    units = small.units["unit"].tolist()
    res = V.validate_index(small, year=None, groups={"node": "outputs", "expected": "a>b", "first": units[:10],
                                                        "others": units[10:]}, external=False)
    assert res.year is None and res.coherence["n"].max() == 31 * 3  # pooled unit-years
    kg = res.known_groups.iloc[0]
    s = small.scores[(small.scores["node"] == "outputs") & (small.scores["year"] == 2022)].set_index("unit")["score"]
    ref = stats.mannwhitneyu(s[units[:10]], s[units[10:]], alternative="two-sided")
    assert kg["mw_p"] == pytest.approx(ref.pvalue) and kg["agrees"] == (s[units[:10]].mean() > s[units[10:]].mean())
    # an external table: a monotone transform of the index → rank correlations 1
    root = small.scores[small.scores["node"] == "STI"]
    ext = pd.DataFrame({"unit": root["unit"], "year": root["year"], "value": np.exp(root["score"])})
    res2 = V.validate_index(small, year=2021, groups=False, external=ext)
    e = res2.external[res2.external["source"] == "external"]
    assert len(e) == 3 and np.allclose(e["spearman"], 1) and np.allclose(e["kendall"], 1)


def test_bundled_known_groups_file_and_hub_table():
    checks = V.load_known_groups()
    assert {c["id"] for c in checks} == {"dsxs_hubs", "east_west", "frontier_provinces"}
    assert all(c["expected"] in ("a>b", "a<b", "none") for c in checks)
    hubs = nqpf.datasets.load_dsxs_hubs()
    members = set(hubs.loc[hubs["dsxs_hub_member"].astype(int) == 1, "unit"].astype(str))
    assert len(hubs) == 31 and len(members) == 14
    assert {"110000", "120000", "130000", "310000", "320000", "330000", "340000", "440000", "500000", "510000",
            "150000", "520000", "620000", "640000"} == members
    assert hubs["sources"].str.contains("S01").all()
    spec = next(c for c in checks if c["id"] == "dsxs_hubs")["group_a"]
    assert spec["dataset"] == "dsxs_hubs"


@pytest.mark.shared
def test_external_published_nqpf_rank_agreement(small):
    path = shared_path("data", "nqpf-index-gtfp-lstm-dai", "nqpf_gtfp_province_2010_2022.csv")
    ext = V.read_external(path)
    ra = V.rank_agreement(small, ext, source="published")
    assert list(ra["year"]) == [2020, 2021, 2022] and (ra["n"] == 31).all()
    for r in ra.itertuples():
        a = small.scores[(small.scores["node"] == "STI") & (small.scores["year"] == r.year)].set_index("unit")["score"]
        b = ext[ext["year"] == r.year].set_index("unit")["value"].reindex(a.index)
        assert r.spearman == pytest.approx(stats.spearmanr(a, b).statistic)
        assert r.kendall == pytest.approx(stats.kendalltau(a, b).statistic)


def test_run_writes_validation_folder(tmp_path):
    from nqpf.run import run

    run({"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"},
                    "validation": {"external": False}}, out=tmp_path / "run")
    d = tmp_path / "run" / "validation"
    for name in ("coherence", "correlations", "flags", "known_groups", "external", "top_bottom"):
        assert (d / f"{name}.csv").exists(), name
