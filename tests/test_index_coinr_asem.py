"""The full COINr ASEM build reproduced by nqpf's engine (oracle: COINr 1.1.14, see fixtures/coinr_asem)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf.framework.io import framework_from_dict
from _shared import fixture_path

RTOL, ATOL = 1e-9, 1e-12
FIX = fixture_path("coinr_asem")


def asem_framework():
    meta = pd.read_csv(FIX / "asem_imeta.csv")
    nodes, inds = [], []
    for r in meta.itertuples():
        if r.Type == "Aggregate":
            nodes.append({"id": r.iCode, "name_en": r.iName, "parent": "" if pd.isna(r.Parent) else r.Parent, "weight": float(r.Weight)})
        elif r.Type == "Indicator":
            d = {"id": r.iCode, "name_en": r.iName, "parent": r.Parent, "direction": int(r.Direction), "weight": float(r.Weight),
                 "unit": str(r.Unit), "tags": {"target": float(r.Target)}}
            if isinstance(r.Denominator, str):
                d["derive"] = f"ratio({r.iCode}, {r.Denominator})"
            inds.append(d)
    return framework_from_dict({"framework": {"id": "asem", "unit_level": "country"}, "node": nodes, "indicator": inds})


def asem_long():
    wide = pd.read_csv(FIX / "asem_idata.csv")
    value_cols = [c for c in wide.columns if c not in ("uName", "uCode", "GDP_group", "GDPpc_group", "Pop_group", "EurAsia_group", "Time")]
    long = wide.melt(id_vars=["uCode", "uName", "EurAsia_group", "Time"], value_vars=value_cols, var_name="indicator", value_name="value")
    long = long.rename(columns={"uCode": "unit", "uName": "unit_name", "Time": "year"})
    return long


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
    return nqpf.build(ASEM_CONFIG, data=asem_long(), framework=asem_framework())


def _wide(long: pd.DataFrame, col="indicator") -> pd.DataFrame:
    return long.pivot(index="unit", columns=col, values="value" if "value" in long else "score")


def _oracle(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / "main" / f"dset_{name}.csv").set_index("uCode")


def test_denominated(asem):
    exp = _oracle("denominated")
    got = _wide(asem.raw).loc[exp.index, exp.columns]
    np.testing.assert_allclose(got.to_numpy(float), exp.to_numpy(float), rtol=RTOL, atol=ATOL)


def test_imputed_cells(asem):
    exp = _oracle("imputed")
    imp = asem.changes[asem.changes["step"] == "impute"]
    assert len(imp) == 65  # 63 missing raw cells + 2 whose denominator is missing, all group-mean imputed
    for r in imp.itertuples():
        assert r.new == pytest.approx(exp.at[r.unit, r.indicator], rel=RTOL, abs=ATOL)


def test_screen_keeps_all_units(asem):
    assert asem.excluded.empty
    assert asem.units.shape[0] == 51


def test_treated(asem):
    exp = _oracle("treated")
    got = _wide(asem.treated).loc[exp.index, exp.columns]
    np.testing.assert_allclose(got.to_numpy(float), exp.to_numpy(float), rtol=RTOL, atol=ATOL)


def test_treat_details(asem):
    exp = pd.read_csv(FIX / "main" / "treat_details.csv").set_index("iCode")
    det = asem.treatment.set_index("indicator")
    for ind, r in exp.iterrows():
        assert det.at[ind, "skew0"] == pytest.approx(r["check_SkewKurt0.Skew"], rel=1e-9)
        assert det.at[ind, "kurt0"] == pytest.approx(r["check_SkewKurt0.Kurt"], rel=1e-9)
        assert bool(det.at[ind, "pass0"]) == bool(r["check_SkewKurt0.Pass"])
        if not pd.isna(r["winsorise.nwin"]):
            assert det.at[ind, "nwin"] == int(r["winsorise.nwin"]), ind
            assert det.at[ind, "skew1"] == pytest.approx(r["check_SkewKurt1.Skew"], rel=1e-9)
            assert det.at[ind, "kurt1"] == pytest.approx(r["check_SkewKurt1.Kurt"], rel=1e-9)
            assert det.at[ind, "action"] == "winsorised"
    assert (det["action"] == "winsorised").sum() == 15
    treated_cells = asem.changes[asem.changes["step"] == "treat"]
    assert set(treated_cells["indicator"]) == set(det.index[det["action"] == "winsorised"])


def test_normalised(asem):
    exp = _oracle("normalised")
    got = _wide(asem.normalised).loc[exp.index, exp.columns]
    np.testing.assert_allclose(got.to_numpy(float), exp.to_numpy(float), rtol=RTOL, atol=1e-9)


def test_aggregated_every_level(asem):
    exp = _oracle("aggregated")
    got = asem.scores.pivot(index="unit", columns="node", values="score").loc[exp.index, exp.columns]
    np.testing.assert_allclose(got.to_numpy(float), exp.to_numpy(float), rtol=RTOL, atol=1e-9)


def test_scores_and_ranks(asem):
    exp = pd.read_csv(FIX / "main" / "scores_ranks.csv").set_index("uCode")
    aggs = [c for c in exp.columns if not c.endswith("_rank")]
    s = asem.scores[asem.scores["node"].isin(aggs)]
    score = s.pivot(index="unit", columns="node", values="score").loc[exp.index, aggs]
    rank = s.pivot(index="unit", columns="node", values="rank").loc[exp.index, aggs]
    np.testing.assert_allclose(score.to_numpy(float), exp[aggs].to_numpy(float), rtol=RTOL, atol=1e-9)
    np.testing.assert_array_equal(rank.to_numpy(int), exp[[a + "_rank" for a in aggs]].to_numpy(int))
    top = asem.ranking(2018)["unit"].head(5).tolist()
    assert top == ["CHE", "NLD", "DNK", "NOR", "BEL"]


def test_effective_weights(asem):
    exp = pd.read_csv(FIX / "main" / "effective_weights.csv").set_index("iCode")
    w = asem.weights.set_index("node")
    for node, r in exp.iterrows():
        assert w.at[node, "effective_weight"] == pytest.approx(r["EffWeight"], rel=1e-12)
    leaves = w.loc[asem.framework.indicators, "effective_weight"]
    assert leaves.sum() == pytest.approx(1.0, rel=1e-12)
