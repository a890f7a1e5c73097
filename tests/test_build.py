"""nqpf.build / regenerate / load_result on bundled data; config and data errors."""
from __future__ import annotations

import filecmp
import json

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf import ConfigError, MethodError
from nqpf.framework.io import framework_from_dict
from _shared import REPO

EXAMPLE = REPO / "examples" / "scitech.toml"


@pytest.fixture(scope="module")
def scitech():
    return nqpf.build(EXAMPLE)


def test_scores_layout_and_ranks(scitech):
    s = scitech.scores
    assert list(s.columns) == ["unit", "unit_name", "year", "node", "score", "rank"]
    assert s["unit"].nunique() == 31 and scitech.years == list(range(2011, 2023))
    assert set(s["node"]) == set(scitech.framework.preorder())
    # ranks: 1 = best within (year, node), consistent with scores
    for (y, node), g in s.groupby(["year", "node"]):
        g = g.dropna(subset=["score"])
        assert g["rank"].min() == 1
        best = g.loc[g["score"].idxmax()]
        assert best["rank"] == 1
    top = scitech.ranking(2022)["unit_name"].head(5).tolist()
    assert top[0] == "北京" and {"上海", "江苏", "广东"} <= set(scitech.ranking(2022)["unit_name"].head(8))


def test_weights_sum_and_reconcile(scitech):
    w = scitech.weights
    leaves = w[w["node"].isin(scitech.framework.indicators)]
    assert leaves["effective_weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (w["weight"] >= 0).all()
    for parent, g in w[w["parent"] != ""].groupby("parent"):
        assert g["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    # arithmetic aggregation: the index is the effective-weight sum of its dimensions
    wide = scitech.wide()
    dims = scitech.framework.children(scitech.root)
    ew = w.set_index("node").loc[dims, "effective_weight"]
    np.testing.assert_allclose((wide[dims] * ew).sum(axis=1), wide[scitech.root], rtol=1e-12)


def test_every_changed_cell_is_recorded(scitech):
    raw = scitech.raw.set_index(["unit", "year", "indicator"])["value"]
    treated = scitech.treated.set_index(["unit", "year", "indicator"])["value"]
    differs = raw.index[~((raw == treated) | (raw.isna() & treated.isna()))]
    ch = scitech.changes[scitech.changes["step"] == "impute"].set_index(["unit", "year", "indicator"])
    assert set(differs) == set(ch.index)
    assert len(ch) > 0 and ch["old"].isna().all() and ch["new"].notna().all()
    assert "enterprise_rd_share" in set(ch.reset_index()["indicator"])  # 北京 2012 has no enterprise-funds row


def test_save_load_and_byte_identical_regeneration(scitech, tmp_path):
    scitech.save(tmp_path / "a")
    names = {p.name for p in (tmp_path / "a").iterdir()}
    assert {"scores.csv", "weights.csv", "normalised.csv", "manifest.json", "scores.parquet", "changes.csv",
            "excluded.csv", "units.csv", "framework.csv"} <= names
    again = nqpf.regenerate(tmp_path / "a" / "manifest.json")
    again.save(tmp_path / "b")
    for name in sorted(names):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name
    back = nqpf.load_result(tmp_path / "a")
    pd.testing.assert_frame_equal(back.scores, scitech.scores, check_dtype=False)
    assert back.framework.indicators == scitech.framework.indicators
    m = json.loads((tmp_path / "a" / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["weight"]["method"] == "entropy" and m["inputs"][0]["source"] == "bundled:province"
    assert [s["name"] for s in m["steps"]] == ["quality", "derive", "impute", "screen", "treat", "normalise", "weight", "aggregate"]
    assert m["counts"]["imputed"] == int((scitech.changes["step"] == "impute").sum())


def test_build_from_dict_equals_toml(scitech):
    import tomllib

    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    res = nqpf.build(data)
    pd.testing.assert_frame_equal(res.scores, scitech.scores)


def test_regenerate_detects_changed_input(tmp_path):
    csv = tmp_path / "d.csv"
    pd.DataFrame({"unit": ["a", "b", "c"] * 2, "year": [2020] * 3 + [2021] * 3, "x": [1, 2, 3, 2, 3, 5.0]}).to_csv(csv, index=False)
    fw = tmp_path / "fw.toml"
    fw.write_text('[framework]\nid="f"\n[[node]]\nid="I"\nparent=""\n[[indicator]]\nid="x"\nparent="I"\ndirection=1\n'
                  '[[indicator]]\nid="y"\nparent="I"\ndirection=-1\nderive="series(x)"\n', encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\npath = "d.csv"\nlayout = "wide"\nunit = "unit"\nyear = "year"\n[framework]\npath = "fw.toml"\n'
                   '[weight]\nmethod = "equal"\n', encoding="utf-8")
    res = nqpf.build(cfg)
    res.save(tmp_path / "run")
    csv.write_text(csv.read_text().replace("5.0", "6.0"))
    with pytest.raises(nqpf.DataError, match="input 'd.csv' changed since the manifest was written"):
        nqpf.regenerate(tmp_path / "run")


def tiny_framework():
    return framework_from_dict({"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}, {"id": "A", "parent": "I"}, {"id": "B", "parent": "I"}],
                                "indicator": [{"id": "x1", "parent": "A"}, {"id": "x2", "parent": "A", "direction": -1},
                                              {"id": "x3", "parent": "B"}]})


def tiny_data(missing=()):
    rng = np.random.default_rng(1)
    rows = []
    for u in range(6):
        for y in (2020, 2021):
            for j, ind in enumerate(["x1", "x2", "x3"]):
                v = float(rng.uniform(1, 10))
                if (f"u{u}", y, ind) in missing:
                    v = np.nan
                rows.append((f"u{u}", y, ind, v))
    return pd.DataFrame(rows, columns=["unit", "year", "indicator", "value"])


def test_min_coverage_gives_explicit_reasons():
    data = tiny_data(missing={("u0", 2020, "x1"), ("u0", 2020, "x2"), ("u1", 2021, "x3")})
    res = nqpf.build({"weight": {"method": "equal"}, "aggregate": {"min_coverage": 0.6}}, data=data, framework=tiny_framework())
    ex = res.excluded
    assert ("u0", 2020, "A") in set(map(tuple, ex[["unit", "year", "node"]].values))
    root_missing = ex[ex["node"] == "I"]
    assert set(map(tuple, root_missing[["unit", "year"]].values)) == {("u0", 2020)}
    assert "available weight share 0.333 < aggregate.min_coverage 0.6" in root_missing["reason"].iloc[0]
    s = res.scores.set_index(["unit", "year", "node"])["score"]
    assert np.isnan(s[("u0", 2020, "I")]) and np.isnan(s[("u1", 2021, "B")]) and not np.isnan(s[("u1", 2021, "I")])


def test_screening_excludes_unit_years():
    data = tiny_data(missing={("u2", 2021, "x1"), ("u2", 2021, "x2")})
    res = nqpf.build({"screen": {"min_coverage": 0.9}, "weight": {"method": "equal"}}, data=data, framework=tiny_framework())
    ex = res.excluded
    assert list(ex[["unit", "year", "node"]].itertuples(index=False, name=None)) == [("u2", 2021, "*")]
    assert "data availability 0.333 < 0.9" in ex["reason"].iloc[0]


@pytest.mark.parametrize("method", ["equal", "entropy", "critic", "cv", "pca"])
@pytest.mark.parametrize("agg", ["arithmetic", "geometric", "harmonic", "topsis", "copeland"])
def test_every_weight_and_aggregation_method_runs(method, agg):
    cfg = {"normalise": {"range": [1, 100]}, "weight": {"method": method, "on": "raw" if method == "cv" else "normalised"},
           "aggregate": {"method": agg}}
    res = nqpf.build(cfg, data=tiny_data(), framework=tiny_framework())
    s = res.scores[res.scores["node"] == "I"]["score"]
    assert s.notna().all()
    w = res.weights[res.weights["node"].isin(["x1", "x2", "x3"])]["effective_weight"]
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()


def test_within_parent_scheme_and_ahp():
    cfg = {"weight": {"method": "ahp", "scheme": "within_parent", "upper": "same",
                      "ahp": {"I": [[1, 3], [1 / 3, 1]], "A": [[1, 2], [0.5, 1]]}}}
    res = nqpf.build(cfg, data=tiny_data(), framework=tiny_framework())
    w = res.weights.set_index("node")
    assert w.at["A", "weight"] == pytest.approx(0.75) and w.at["x1", "weight"] == pytest.approx(2 / 3)
    assert w.at["x1", "effective_weight"] == pytest.approx(0.5)
    bad = {"weight": {"method": "ahp", "scheme": "within_parent", "upper": "same",
                      "ahp": {"I": [[1, 3], [1 / 3, 1]], "A": [[1, 2], [0.5, 1]], "B": [[1]]}}}
    nqpf.build(bad, data=tiny_data(), framework=tiny_framework())


def test_geometric_refuses_zeros_with_fix():
    with pytest.raises(MethodError, match=r"requires strictly positive values; node 'B' has 1 component values <= 0 after normalisation. "
                                          r"Use normalise.method='minmax' with range = \[1, 100\]"):
        nqpf.build({"aggregate": {"method": "geometric"}, "weight": {"method": "equal"}}, data=tiny_data(), framework=tiny_framework())


def test_config_errors_are_clear():
    with pytest.raises(ConfigError, match=r"normalise.method: Input should be 'minmax', .*; got 'max'"):
        nqpf.build({"normalise": {"method": "max"}}, data=tiny_data(), framework=tiny_framework())
    from nqpf.run import run

    with pytest.raises(ConfigError, match=r"unknown section \[analyses\] \(did you mean \[analysis\]\?\); got it at the top level"):
        run({"analyses": {}, "weight": {"method": "equal"}}, data=tiny_data())
    with pytest.raises(ConfigError, match=r"Config \[data\]: no input"):
        nqpf.build({"framework": {"path": "scitech_province"}})
    with pytest.raises(ConfigError, match=r"Config \[framework\]: no framework given"):
        nqpf.build({"data": {"bundled": "province"}})


def test_grouping_nodes_reconcile():
    fw = framework_from_dict({"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
                              "indicator": [{"id": "x1", "parent": "I", "driver": "数据"}, {"id": "x2", "parent": "I", "driver": "算力"},
                                            {"id": "x3", "parent": "I", "driver": "数据"}],
                              "grouping": [{"id": "driver", "tag": "driver"}]})
    res = nqpf.build({}, data=tiny_data(), framework=fw)
    wide = res.wide()
    w = res.weights.set_index("node")
    total = wide["driver:数据"] * w.at["driver:数据", "effective_weight"] + wide["driver:算力"] * w.at["driver:算力", "effective_weight"]
    np.testing.assert_allclose(total, wide["I"], rtol=1e-12)
    assert w.at["driver:数据", "effective_weight"] + w.at["driver:算力", "effective_weight"] == pytest.approx(1.0)


def test_file_errors_name_file_rows_and_fix(tmp_path):
    (tmp_path / "d.csv").write_text("省份,年份,x,y\n北京市,2020,1,2\n北京市,2021,2,3\n上海,2020,3,\"1,200\"\n上海市,2020,4,5\n",
                                    encoding="gbk")
    (tmp_path / "fw.toml").write_text('[framework]\nid="f"\n[[node]]\nid="I"\nparent=""\n[[indicator]]\nid="x"\nparent="I"\n'
                                      '[[indicator]]\nid="y"\nparent="I"\n', encoding="utf-8")
    (tmp_path / "c.toml").write_text('[data]\npath = "d.csv"\n[framework]\npath = "fw.toml"\n', encoding="utf-8")
    with pytest.raises(nqpf.DataError) as exc:
        nqpf.build(tmp_path / "c.toml")
    assert str(exc.value) == ("d.csv: duplicate (unit, year, indicator) key; got unit '310000', year 2020 for 2 indicators "
                              "['x', 'y'] in rows 4 and 5. Keep one row per key (delete or aggregate the extra rows).")
    (tmp_path / "d.csv").write_text("省份,年份,x,y\n北京市,2020,1,2\n上海,2020,abc,3\n", encoding="gbk")
    with pytest.raises(nqpf.DataError, match=r"d.csv, row 3, column 'x': not a number; got 'abc'"):
        nqpf.build(tmp_path / "c.toml")


def test_manifest_records_changed_and_excluded_cells(scitech):
    m = scitech.manifest
    summary = pd.DataFrame(m["changes"]["summary"])
    assert summary["cells"].sum() == len(scitech.changes)
    per = scitech.changes.groupby("indicator").size()
    assert summary.groupby("indicator")["cells"].sum().to_dict() == per.to_dict()
    assert m["changes"]["file"] == "changes.csv" and len(m["changes"]["sha256"]) == 64
    assert m["excluded"] == {"file": "excluded.csv", "summary": []}


def test_topsis_unit_year_without_components_has_no_score():
    from nqpf.index.aggregate import topsis

    V = np.array([[[0.2, 0.4], [np.nan, np.nan], [1.0, 0.0]]])
    c = topsis(V, np.array([0.5, 0.5]))
    assert np.isnan(c[0, 1]) and 0 <= c[0, 0] <= 1 and 0 <= c[0, 2] <= 1
    assert topsis(np.array([[[0.3], [0.3]]]), np.array([1.0]))[0].tolist() == [0.5, 0.5]
