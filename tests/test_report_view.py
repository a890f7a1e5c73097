"""The report's typed view of a run (:class:`nqpf.report.tables.RunTables`): the report stage builds it from the
run in memory, ``nqpf report DIR`` from the saved folder — the same object, so byte-identical files; figures are
chosen by table kind, never by the columns a table has."""
from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import nqpf
from nqpf.report.figures import start_run_figures
from nqpf.report.stage import generate_reports
from nqpf.report.tables import RunTables, collect
from nqpf.workflow import run

UNITS = ["北京", "上海", "广东", "四川", "甘肃", "浙江"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("view") / "run"
    cfg = nqpf.datasets.demo_config(years=(2018, 2022), units=UNITS, stages=["analysis", "sensitivity", "paths", "report"])
    cfg["analysis"] = {"nodes": ["NQPF"], "permutations": 0, "run": ["dagum", "density", "markov", "obstacle"]}
    cfg["sensitivity"] = {"factors": [{"name": "w", "kind": "weights_noise", "levels": [1, 2], "n_sets": 8}],
                          "n": 16, "analyses": ["uncertainty"], "seed": 1}
    cfg["paths"] = {"profiles": ["html"]}  # the unit profiles (written by the report stage) as HTML only
    cfg["report"] = {"dpi": 50, "map_nodes": ["NQPF"], "map_years": [2022], "embed_font": False, "processes": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(cfg, out=d)
    return d


REPORT_FILES = ("report.html", "nqpf_results.xlsx", "nqpf_journal_tables.xlsx", "report/figures.csv")


@pytest.mark.slow
def test_report_in_the_run_and_from_the_folder_are_byte_identical(run_dir, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(run_dir, again, ignore=shutil.ignore_patterns(*[Path(f).name for f in REPORT_FILES], "figures", "journal",
                                                                  "profiles"))
    assert not (again / "report.html").exists() and not (again / "figures").exists()
    assert not (again / "paths" / "profiles").exists()
    cfg = {"dpi": 50, "map_nodes": ["NQPF"], "map_years": [2022], "embed_font": False, "processes": 1}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        generate_reports(again, cfg)
    for f in REPORT_FILES:
        assert (run_dir / f).read_bytes() == (again / f).read_bytes(), f
    figures = sorted(p.name for p in (run_dir / "figures").iterdir())
    assert figures == sorted(p.name for p in (again / "figures").iterdir())
    for name in figures:
        assert (run_dir / "figures" / name).read_bytes() == (again / "figures" / name).read_bytes(), name
    profiles = sorted(p.name for p in (run_dir / "paths" / "profiles").iterdir())
    assert profiles == sorted(p.name for p in (again / "paths" / "profiles").iterdir())
    assert len(profiles) == 6 and profiles[0] == "110000_北京_2022.profile.zh.html"
    for name in profiles:
        assert (run_dir / "paths" / "profiles" / name).read_bytes() == (again / "paths" / "profiles" / name).read_bytes()
    journal = sorted(p.name for p in (run_dir / "journal").iterdir())
    assert journal and all((run_dir / "journal" / n).read_bytes() == (again / "journal" / n).read_bytes() for n in journal)
    index = pd.read_csv(run_dir / "report" / "figures.csv", encoding="utf-8-sig")
    assert {"dagum_chart__analysis_dagum_totals", "density_surface__analysis_density_curves",
            "markov_heatmap__analysis_markov_probabilities", "obstacle_bars__analysis_obstacle_indicators",
            "rank_interval__sensitivity_uncertainty_rank_stats", "map_NQPF_2022"} <= set(index["name"])


def test_stages_json_records_the_kind_of_every_table(run_dir):
    stages = json.loads((run_dir / "stages.json").read_text(encoding="utf-8"))
    assert set(stages) == {"analysis", "sensitivity", "paths", "report"}
    kinds = stages["analysis"]["tables"]
    assert kinds["dagum_totals"] == "dagum.totals" and kinds["density_curves"] == "density.curves"
    assert kinds["markov_probabilities"] == "markov.probabilities" and kinds["analysis_log"] == "analysis_log"
    assert stages["sensitivity"]["tables"]["uncertainty_rank_stats"] == "uncertainty.rank_stats"
    assert stages["sensitivity"]["results"] == {"uncertainty": "uncertainty"}
    assert stages["paths"]["tables"]["recommendations"] == "recommendations"
    assert {"guides", "guide_files", "files"} <= set(stages["paths"]["artefacts"])
    assert stages["report"] == {"tables": {}, "results": {}, "artefacts": ["_outputs"]}


def test_the_view_from_memory_equals_the_view_from_the_folder(run_dir):
    from nqpf import load_result
    from nqpf._stages import StageOutput

    disk = collect(run_dir)
    # the stage outputs as a run hands them over, rebuilt from what the run saved and recorded
    listed = json.loads((run_dir / "stages.json").read_text(encoding="utf-8"))
    assert disk.stages == ["analysis", "paths", "sensitivity"]
    assert disk.kind("analysis", "dagum_totals") == "dagum.totals"
    assert disk.kind("quality", "findings") == "quality.findings"
    assert [k for k, _ in disk.of_kind("uncertainty.rank_stats")] == [("sensitivity", "uncertainty_rank_stats")]
    # the guides: one Markdown text per unit and language, the Chinese one titled with the unit's name
    assert sorted(u for u, lg in disk.guides if lg == "zh") == ["110000", "310000", "330000", "440000", "510000", "620000"]
    assert disk.guides[("110000", "zh")].startswith("# 北京")
    assert len(listed["analysis"]["tables"]) == len([k for k in disk.stage_tables if k[0] == "analysis"])
    # a table handed over in memory is shown exactly as the saved one (same dtypes and values)
    t = disk.stage_tables[("analysis", "dagum_totals")]
    mem = RunTables.from_outputs(load_result(run_dir), {"analysis": StageOutput(tables={"dagum_totals": t})}, run_dir)
    pd.testing.assert_frame_equal(mem.stage_tables[("analysis", "dagum_totals")], t)
    assert mem.kind("analysis", "dagum_totals") == "dagum_totals"  # no result handed over: the table's own name
    # saved=True (the report stage of a run): the run saved the table, so its file is read instead of the object
    # being written again — an empty object here, the saved table comes back
    saved = RunTables.from_outputs(load_result(run_dir), {"analysis": StageOutput(tables={"dagum_totals": t.iloc[:0]})},
                                   run_dir, saved=True)
    pd.testing.assert_frame_equal(saved.stage_tables[("analysis", "dagum_totals")], t)


def test_a_table_with_figure_columns_but_another_kind_gets_no_figure(run_dir, tmp_path):
    view = collect(run_dir)
    curves = view.stage_tables[("analysis", "density_curves")]
    assert {"year", "x", "density"} <= set(curves.columns)
    # other values than the analysis' curves, so that no figure is skipped as a repeat of one already drawn
    view.stage_tables[("forecast", "curves")] = curves.assign(density=curves["density"] * 1.5)  # a density layout …
    view.kinds[("forecast", "curves")] = "forecast.curves"     # … but another kind
    view.stage_tables[("forecast", "density")] = curves.assign(density=curves["density"] * 2.0)
    view.kinds[("forecast", "density")] = "density.curves"     # a table of that kind gets the figures

    def planned(v):
        return [j.name for j in start_run_figures(v, tmp_path / "figs", map_nodes=[], processes=1).jobs]

    names = planned(view)
    assert "density_surface__forecast_density" in names and "density_ridgeline__forecast_density" in names
    assert not [n for n in names if n.endswith("__forecast_curves")]
    assert "density_surface__analysis_density_curves" in names
    # renaming the columns of a kind-matched table does not remove its figure, a kind does
    view.kinds[("analysis", "density_curves")] = "analysis_log"
    assert "density_surface__analysis_density_curves" not in planned(view)
