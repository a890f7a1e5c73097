"""Path guides on the provincial demo (bundled real data): 31 guides, stage, CLI."""
from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest
from typer.testing import CliRunner

from test_paths_recommend import assert_reasons_quote_result_numbers


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from nqpf import datasets
    from nqpf.analysis.typology import typology
    from nqpf.index.build import build
    from nqpf.paths import diagnose

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = build(datasets.demo_config())
    out = tmp_path_factory.mktemp("demo_run")
    res.save(out, formats=("csv",))
    last = res.years[-1]
    elems = res.framework.children(res.root)
    wide = res.wide(year=last, nodes=elems).reset_index()
    ty = typology(wide, k=3, seed=0, labels=res.node_names("zh"))
    diag = diagnose(res, {"typology_members": ty.members})
    return {"result": res, "dir": out, "diag": diag, "year": last, "typology": ty}


@pytest.fixture(scope="module")
def all_guides(demo):
    from nqpf.paths import recommend_all

    return recommend_all(demo["diag"], year=demo["year"], top=6)


def test_diagnosis_of_the_demo_uses_the_analysis_modules(demo):
    d = demo["diag"]
    assert d.obstacles is not None and d.coupling is not None and d.typology is not None
    assert len(d.units) == 31
    assert any("obstacle" in n.lower() for n in d.notes) and any("coupling" in n.lower() for n in d.notes)
    # obstacle degrees of the indicators sum to 100 % per unit-year (methods-reference §11)
    ob = d.obstacles[d.obstacles["node"].isin(d.indicators)].dropna()
    sums = ob.groupby(["unit", "year"])["obstacle_pct"].sum()
    assert sums.to_numpy() == pytest.approx(100.0, rel=1e-9)


def test_a_guide_for_each_of_31_provinces_with_citations_and_numbers(all_guides):
    assert len(all_guides.guides) == 31
    for unit, g in all_guides.guides.items():
        assert len(g.recommendations) >= 1, unit
        for p in g.recommendations["path"]:
            assert (g.citations["path"] == p).sum() >= 1, (unit, p)
        assert_reasons_quote_result_numbers(g)
        assert g.obstacles["obstacle_pct"].notna().all()
    assert all_guides.table["citation"].str.len().gt(0).all()


def test_guides_differ_across_types(demo, all_guides):
    ty = demo["diag"].typology.set_index("unit")["type"]
    t = all_guides.table.assign(utype=all_guides.table["unit"].map(ty))
    top3 = t[t["rank"] <= 3].groupby("utype")["path"].agg(lambda s: frozenset(s.value_counts().index[:3]))
    assert len(set(top3)) >= 2
    roles = t[t["rank"] == 1].groupby("utype")["role"].agg(set)
    assert any("frontier" in r for r in roles) and any("catch_up" in r for r in roles)
    # the leading unit gets frontier paths first, a lagging western unit catch-up paths and the 东数西算 caution
    lead = all_guides.guides["110000"]
    assert lead.recommendations["role"].iloc[0] == "frontier"
    gz = all_guides.guides["520000"]
    assert gz.recommendations["role"].iloc[0] == "catch_up"


def test_unit_names_resolve(demo):
    from nqpf.paths import recommend

    for key in ("贵州", "贵州省", "520000", "Guizhou", 520000, "贵州 "):
        assert demo["diag"].resolve_unit(key) == "520000", key
    a = recommend(demo["diag"], unit="贵州省", top=3)
    assert a.unit == "520000" and a.unit_name == "贵州" and a.unit_name_en == "Guizhou"


def test_western_caution_on_compute_path(demo):
    from nqpf.paths import recommend

    g = recommend(demo["diag"], unit="贵州", top=None)
    recs = g.recommendations.set_index("path")
    compute = [p for p in ("compute_infrastructure", "bridge_digital_divide", "national_compute_hub") if p in recs.index]
    assert compute, g.excluded.to_string()
    ks = {int(recs.loc[p, "rank"]) for p in compute}
    c = {cid for cid, paths in zip(g.cautions["caution"], g.cautions["paths"]) if ks & set(paths)}
    assert "east_data_west_compute" in c
    gd = recommend(demo["diag"], unit="广东", top=None)
    assert "east_data_west_compute" not in set(gd.cautions["caution"])


def test_stage_is_registered():
    from nqpf.paths.stage import PathsConfig
    from nqpf.pipeline import stages

    st = {s.name: s for s in stages()}["paths"]
    assert st.order == 40 and st.config_model is PathsConfig


def test_stage_config_rejects_unknown_keys():
    from pydantic import ValidationError

    from nqpf.paths.stage import PathsConfig

    with pytest.raises(ValidationError):
        PathsConfig.model_validate({"lang": ["zh"]})
    with pytest.raises(ValidationError):
        PathsConfig.model_validate({"weights": {"gap": 1.0}})


# --------------------------------------------------------------------------- CLI

def test_cli_guide_markdown_and_json(demo):
    from nqpf.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["guide", str(demo["dir"]), "--unit", "贵州", "--year", str(demo["year"])])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith(f"# 贵州 新质生产力发展路径指南（{demo['year']} 年）")
    assert "## 三、推荐路径" in r.stdout and "「" in r.stdout
    r = runner.invoke(app, ["guide", str(demo["dir"]), "--unit", "520000", "--lang", "en", "--format", "json", "--top", "3"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["unit"] == "520000" and d["unit_name"] == "Guizhou" and d["lang"] == "en"
    assert len(d["recommendations"]) == 3
    assert all(rec["citations"] and rec["reason"] for rec in d["recommendations"])


def test_cli_guide_errors(demo, tmp_path):
    from nqpf.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["guide", str(demo["dir"]), "--unit", "贵洲"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == ("Error: recommend: unknown unit; got '贵洲'. Did you mean '贵州'? "
                                                 "Use a unit id or name of the run (e.g. '北京').")
    r = runner.invoke(app, ["guide", str(demo["dir"]), "--unit", "贵州", "--format", "pdf"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == "Error: The 'format' parameter of nqpf guide must be one of 'md', 'json'; got 'pdf'."
    r = runner.invoke(app, ["guide", str(tmp_path), "--unit", "贵州"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == (f"Error: load_result: {str(tmp_path)!r} is not a run directory; got no scores.csv "
                                                 "in it. Give the --out folder of 'nqpf build'.")


def test_cli_guide_writes_file(demo, tmp_path):
    from nqpf.cli import app

    out = tmp_path / "g" / "guizhou.md"
    r = CliRunner().invoke(app, ["guide", str(demo["dir"]), "-u", "贵州省", "-l", "en", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("# NQPF path guide for Guizhou (")


def test_nqpf_run_with_a_paths_section_writes_guides(tmp_path):
    from nqpf import datasets
    from nqpf.run import run

    cfg = {k: v for k, v in datasets.demo_config().items() if k in ("title", "data", "framework", "impute", "treat",
                                                                    "normalise", "weight", "aggregate")}
    cfg["paths"] = {"years": "last", "langs": ["zh", "en"], "formats": ["md", "json"], "top": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run(cfg, out=tmp_path / "run")
    gdir = tmp_path / "run" / "paths" / "guides"
    assert len(list(gdir.glob("*.en.json"))) == 31 and len(list(gdir.glob("*.zh.md"))) == 31
    assert len(list(gdir.iterdir())) == 124
    rec = pd.read_csv(tmp_path / "run" / "paths" / "recommendations.csv", dtype={"unit": str})
    assert rec["unit"].nunique() == 31 and set(rec["rank"]) == {1, 2, 3}
    assert out.stage_outputs["paths"]["recommendations"].shape[0] == rec.shape[0]
    ev = pd.read_csv(tmp_path / "run" / "paths" / "evidence.csv", dtype={"unit": str})
    assert {"unit", "year", "path", "node", "gap_frontier", "priority"} <= set(ev.columns)
    cat = pd.read_csv(tmp_path / "run" / "paths" / "catalogue.csv")
    assert {"original_innovation", "future_industries"} <= set(cat["id"])
    gz = next(gdir.glob("520000_贵州_*.en.json"))
    d = json.loads(gz.read_text(encoding="utf-8"))
    assert d["unit_name"] == "Guizhou" and len(d["recommendations"]) == 3
    md = next(gdir.glob("520000_贵州_*.zh.md")).read_text(encoding="utf-8")
    assert md.startswith("# 贵州 新质生产力发展路径指南（") and "## 三、推荐路径" in md


def test_cli_guide_check(tmp_path):
    from nqpf.cli import app

    runner = CliRunner()
    r = runner.invoke(app, ["guide-check"])
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("nqpf_seed_paths: 46 paths (6 frontier), 9 cautions, ")
    (tmp_path / "a.txt").write_text("发展新质生产力要因地制宜", encoding="utf-8")
    cat = tmp_path / "c.toml"
    cat.write_text('[[source]]\nfile = "a.txt"\n\n[[path]]\nid = "p"\ntitle_zh = "路径"\ntitle_en = "Path"\nsummary_zh = "摘要"\n'
                   'summary_en = "Summary"\nlevel = ["region"]\ntype = "数实融合"\nlinks = { elements = ["劳动者"] }\n'
                   'citations = [ { file = "a.txt", section = "§1", quote = "因地制宜" }, '
                   '{ file = "a.txt", section = "§2", quote = "先立后破" } ]\n', encoding="utf-8")
    r = runner.invoke(app, ["guide-check", str(cat), "--seeds", str(tmp_path)])
    assert r.exit_code == 1
    assert "path p: a.txt §2 「先立后破」 — quote does not occur verbatim in the file" in r.output
    assert f"1/2 quotes found verbatim in {tmp_path}." in r.output
    r = runner.invoke(app, ["guide-check", str(tmp_path / "none.toml")])
    assert r.exit_code == 1 and r.output.strip().startswith("Error: load_catalogue: file not found;")


def test_diagnose_takes_tables_of_earlier_stages(demo):
    from nqpf.analysis.obstacle import obstacle_degree
    from nqpf.paths import diagnose, recommend

    res = demo["result"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ob = obstacle_degree(res.normalised, res.weights)
    last = demo["year"]
    root = res.scores[(res.scores["node"] == res.root) & (res.scores["year"] == last)]
    rank_stats = pd.DataFrame({"unit": root["unit"], "year": last, "nominal": root["rank"],
                               "q05": (root["rank"] - 1.5).clip(lower=1), "q95": (root["rank"] + 2).clip(upper=31)})
    tables = {"obstacle_indicators": ob.indicators, "obstacle_nodes": ob.nodes, "typology_members": demo["typology"].members,
              "uncertainty_rank_stats": rank_stats}
    d = diagnose(res, tables)
    assert not any("Obstacle degrees computed" in n for n in d.notes)
    assert "Rank intervals taken from the uncertainty analysis (rank quantiles of the root node)." in d.notes
    pd.testing.assert_frame_equal(
        d.obstacles[d.obstacles["node"].isin(d.indicators)].reset_index(drop=True),
        demo["diag"].obstacles[demo["diag"].obstacles["node"].isin(d.indicators)].reset_index(drop=True))
    g = recommend(d, unit="贵州", top=3)
    r = int(root.set_index("unit").loc["520000", "rank"])
    assert g.profile["rank"] == r
    assert (g.profile["rank_lo"], g.profile["rank_hi"]) == (max(r - 1.5, 1), min(r + 2, 31))
