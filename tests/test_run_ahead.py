"""A stage's ``ahead`` hook: called after the build and after each stage but the one right before it, with the
outputs so far; its value reaches the stage as ``context.ahead`` and is cancelled when the run fails first. The
report uses it to draw the figures of the index and the analysis tables in a forked process while the later
stages run: the run's files are byte-identical to those of a run without it."""
from __future__ import annotations

import importlib
import multiprocessing as mp
import shutil
import warnings
from collections import Counter

import pandas as pd
import pytest
from pydantic import BaseModel

import nqpf
import nqpf.datasets
import nqpf.run
from nqpf._stages import Stage, StageOutput
from nqpf.index.config import load_config

workflow_run = importlib.import_module("nqpf.workflow.run")  # the module (nqpf.workflow.run is also a function)


class _Empty(BaseModel):
    pass


class _Started:
    def __init__(self, n: int):
        self.n, self.cancelled = n, False

    def cancel(self) -> None:
        self.cancelled = True


@pytest.fixture(scope="module")
def small():
    cfg = nqpf.datasets.demo_config(years=(2021, 2022), units=["北京", "上海", "广东", "四川"], stages=[])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cfg, nqpf.build(cfg)


def _stages(calls: list, fail: str | None = None) -> list[Stage]:
    def make(name: str, order: int, ahead=None) -> Stage:
        def run(result, config, ctx):
            calls.append((name, "run", sorted(ctx.earlier), ctx.ahead.n if ctx.ahead else None))
            if name == fail:
                raise RuntimeError(f"{name} failed")
            return StageOutput(tables={"t": pd.DataFrame({"x": [order]})})
        return Stage(name=name, order=order, config_model=_Empty, run=run, ahead=ahead)

    def ahead(result, config, ctx, started):
        calls.append(("paths", "ahead", sorted(ctx.earlier), started.n if started else None))
        return _Started((started.n if started else 0) + 1)

    return [make("analysis", 10), make("sensitivity", 20), make("validation", 25), make("paths", 40, ahead)]


def test_ahead_is_called_with_the_outputs_so_far_and_its_value_reaches_the_stage(small, monkeypatch):
    cfg, res = small
    calls: list = []
    monkeypatch.setattr(workflow_run, "stages", lambda: _stages(calls))
    run_cfg = load_config({**cfg, "analysis": {}, "sensitivity": {}, "validation": {}, "paths": {}})
    out = workflow_run.run_stages(res, run_cfg)
    assert calls == [
        ("paths", "ahead", [], None),                        # after the build
        ("analysis", "run", [], None),
        ("paths", "ahead", ["analysis"], 1),                 # after analysis, with what the last call returned
        ("sensitivity", "run", ["analysis"], None),
        ("paths", "ahead", ["analysis", "sensitivity"], 2),  # validation runs next, then paths
        ("validation", "run", ["analysis", "sensitivity"], None),
        # not after validation: paths itself runs next
        ("paths", "run", ["analysis", "sensitivity", "validation"], 3),
    ]
    assert list(out) == ["analysis", "sensitivity", "validation", "paths"]


def test_what_was_started_ahead_is_cancelled_when_the_run_fails_first(small, monkeypatch):
    cfg, res = small
    calls: list = []
    started: list[_Started] = []
    stages = _stages(calls, fail="sensitivity")
    hook = stages[-1].ahead

    def keep(*args):
        started.append(hook(*args))
        return started[-1]

    stages[-1] = Stage(name="paths", order=40, config_model=_Empty, run=stages[-1].run, ahead=keep)
    monkeypatch.setattr(workflow_run, "stages", lambda: stages)
    run_cfg = load_config({**cfg, "analysis": {}, "sensitivity": {}, "validation": {}, "paths": {}})
    with pytest.raises(RuntimeError, match="sensitivity failed"):
        workflow_run.run_stages(res, run_cfg)
    assert [c[:2] for c in calls] == [("paths", "ahead"), ("analysis", "run"), ("paths", "ahead"), ("sensitivity", "run")]
    assert started[-1].cancelled and started[-1].n == 2


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="figures drawn ahead need the fork start method")
def test_figures_drawn_ahead_give_the_same_files(tmp_path):
    """A run whose report figures are drawn ahead (two processes) and one written in this process alone."""
    cfg = nqpf.datasets.demo_config(years=(2020, 2022), units=["北京", "上海", "广东", "四川", "贵州", "甘肃"],
                                    stages=["analysis", "sensitivity", "paths", "report"])
    opts = {"dpi": 50, "map_nodes": ["NQPF"], "map_years": [2022], "embed_font": False}
    said: list[str] = []
    runs = {}
    for name, processes in (("ahead", 2), ("alone", 1)):
        c = {**cfg, "report": {**opts, "processes": processes}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            runs[name] = nqpf.run.run(c, out=tmp_path / name, progress=said.append if name == "ahead" else None)
    ahead_msgs = [m for m in said if m.startswith("figures ahead:")]
    # the index's figures after the build; the stages' figures after a later stage, by the first call that finds no
    # batch still drawing (which calls those are depends on the machine's speed); paths runs after the last call
    assert ahead_msgs[0] == "figures ahead: the report figures of index drawn by a worker process"
    handed = [s for m in ahead_msgs for s in m.split(" of ", 1)[1].split(" drawn ")[0].split(", ")]
    assert len(handed) == len(set(handed)) and set(handed) <= {"index", "analysis", "sensitivity"}
    report_msg = next(m for m in said if m.startswith("report: ") and "files" in m)
    n_ahead = int(report_msg.rsplit("; ", 1)[1].split()[0])
    # every figure whose table came from a stage handed out was drawn ahead, the others by the report
    from nqpf.report.stage import FiguresAhead, ReportConfig, _figure_plan, generate_reports
    from nqpf.report.tables import collect

    alone = collect(tmp_path / "alone")
    origins = Counter(FiguresAhead.origin(job, alone.stages)
                      for job in _figure_plan(alone, ReportConfig(**opts)).jobs)
    # the index's 4 figures (rank bumps, the NQPF map, the radars of the first and last unit), the analysis
    # tables' 7 (Dagum, two densities, LISA, two Markov heatmaps, obstacles), the rank intervals of sensitivity
    assert origins == Counter({"index": 4, "analysis": 7, "sensitivity": 1})
    assert n_ahead == sum(origins[s] for s in handed)
    n_figures = len(runs["ahead"].stage_outputs["report"].artefacts["_outputs"].figures)
    assert n_figures == sum(origins.values())
    a, b = tmp_path / "ahead", tmp_path / "alone"
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    differ = [str(f) for f in files if (a / f).read_bytes() != (b / f).read_bytes() and f.name != "manifest.json"]
    assert differ == []
    # figures handed out ahead but not drawn there (the plans would have to differ) are drawn by the report itself
    c = tmp_path / "fallback"
    shutil.copytree(b, c)
    for f in (c / "figures").iterdir():
        f.unlink()
    lost = FiguresAhead()
    lost.handed.update({"index", "analysis"})  # nothing was started: every figure is expected but missing
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = generate_reports(c, {**opts, "processes": 2}, ahead=lost)
    assert len(out.figures) == n_figures
    for f in sorted((b / "figures").iterdir()):
        assert (c / "figures" / f.name).read_bytes() == f.read_bytes(), f.name
    shutil.rmtree(tmp_path)
