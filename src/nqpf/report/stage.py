"""``[report]`` stage of ``nqpf build`` (order 90): workbook, figures, HTML report and unit profiles of the run.

Writes ``DIR/nqpf_results.xlsx``, ``DIR/figures/*.png|svg`` and ``DIR/report.html`` from the typed view
of the run (:class:`~nqpf.report.tables.RunTables`): inside a run built from the run in memory (the index
result and the earlier stages' outputs), by ``nqpf report DIR`` from the saved run — the same view, so the
same files. Returns the figure index (saved as ``DIR/report/figures.csv``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .._config import validate_section
from ..index.result import csv_encoding_of, write_csv
from .._stages import Stage, StageContext, StageOutput
from ._jobs import default_processes

if TYPE_CHECKING:
    from .tables import RunTables

__all__ = ["ReportConfig", "ReportOutputs", "FiguresAhead", "generate_reports", "start_figures_ahead", "run_stage",
           "STAGE"]


class ReportConfig(BaseModel):
    """``[report]`` section of a run config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lang: Literal["zh", "en"] = Field("zh", description="language of headers, figure labels and the initial page language")
    workbook: bool = Field(True, description="write DIR/nqpf_results.xlsx")
    journal: bool = Field(True, description="write DIR/nqpf_journal_tables.xlsx and DIR/journal/*.csv: the tables "
                          "papers print (Chinese headers, three decimals, 表n title and 注 note)")
    figures: bool = Field(True, description="write DIR/figures/*.png (and *.svg with svg = true)")
    svg: bool = Field(False, description="also write every figure as SVG (vector) next to its PNG")
    html: bool = Field(True, description="write DIR/report.html")
    unit_radars: bool = Field(False, description="one element radar PNG per unit (else only the first and last "
                              "ranked; report.html draws every unit's radar itself)")
    map_nodes: list[str] = Field(default_factory=list, description="nodes mapped as figures (default: index and elements)")
    map_years: list[int] = Field(default_factory=list, description="years mapped as figures (default: first and last)")
    embed_font: bool = Field(True, description="embed a subset of the CJK font in report.html")
    dpi: int = Field(150, ge=50, le=600, description="PNG resolution")
    processes: int = Field(0, ge=0, le=64, description="worker processes writing the workbooks, figures and unit "
                           "profiles side by side (0: two when the machine has two or more CPUs, else one; 1: all "
                           "in this process)")


@dataclass
class ReportOutputs:
    """Files written by :func:`generate_reports`."""

    run_dir: Path
    workbook: Path | None = None
    journal: Path | None = None
    report: Path | None = None
    figures: list = field(default_factory=list)
    profiles: list = field(default_factory=list)

    def figure_index(self) -> pd.DataFrame:
        return pd.DataFrame([{"name": r.name, "section": r.section, "title_zh": r.title_zh, "title_en": r.title_en,
                              "unit": r.unit, "files": ";".join(p.name for p in r.files)} for r in self.figures],
                            columns=["name", "section", "title_zh", "title_en", "unit", "files"])


def generate_reports(run_dir: "str | Path | RunTables", config: ReportConfig | dict | None = None, *,
                     progress: Callable[[str], None] | None = None, ahead: "FiguresAhead | None" = None) -> ReportOutputs:
    """Write the workbook, figures and HTML report of a run.

    Parameters
    ----------
    run_dir
        A run directory (``nqpf build --out DIR`` / ``nqpf demo --out DIR``), read with
        :func:`~nqpf.report.tables.collect`, or the :class:`~nqpf.report.tables.RunTables` of a run
        (the files go to its ``run_dir``).
    config
        :class:`ReportConfig` or a dict of its fields (default settings when ``None``).
    progress
        Optional callback receiving a short message per step.
    ahead
        Figures a run started drawing before the report stage (:func:`start_figures_ahead`); the plan's
        figures found there are not drawn again.

    Returns
    -------
    ReportOutputs
    """
    from ._jobs import JobBatch
    from .excel import write_workbook
    from .figures import longest_first
    from .html import write_report
    from .journal import write_journal
    from .profile import profile_files, run_profile_jobs
    from .tables import RunTables, collect

    if not isinstance(config, ReportConfig):
        config = validate_section(ReportConfig, config or {}, where="Config [report]",
                                  fix="See docs/reports.md for the options.")
    run = run_dir if isinstance(run_dir, RunTables) else collect(run_dir)
    d = Path(run.run_dir)
    out = ReportOutputs(run_dir=d)
    # the workbooks, figures and unit profiles are independent files: one batch of jobs run by forked workers
    # (or, with one process, here). The figures come first: report.html embeds them and is written here while
    # the workers go on with the workbooks and profiles (the costliest first, so that the workers finish together)
    plan = _figure_plan(run, config) if config.figures else None
    # figures handed to processes forked while the later stages ran are taken from them (waited for once the
    # workers here have started)
    expected = ({k for k, j in enumerate(plan.jobs) if ahead.origin(j, run.stages) in ahead.handed}
                if ahead is not None and plan is not None else set())
    todo = [k for k in range(len(plan.jobs)) if k not in expected] if plan is not None else []
    calls_figures = plan.calls() if plan is not None else []
    jobs: dict[str, list] = {
        "figures": [calls_figures[k] for k in todo],
        "workbook": [lambda: write_workbook(run, d / "nqpf_results.xlsx", lang=config.lang)] if config.workbook else [],
        "journal": [lambda: write_journal(run, d)] if config.journal else [],
        "profiles": run_profile_jobs(run) if run.guide_data else [],
    }
    calls, slots = [], {}
    for name, part in jobs.items():
        slots[name] = list(range(len(calls), len(calls) + len(part)))
        calls += part
    # the figures first, costliest first by the plan's relative costs; then the other jobs by the rough seconds
    # of one job on the demo (the workbook ~3, the journal tables ~0.8, a profile page ~0.3)
    rest = [(sec, i) for name, sec in (("workbook", 3.0), ("journal", 0.8), ("profiles", 0.3)) for i in slots[name]]
    costs = plan.costs() if plan is not None else []
    order = ([slots["figures"][k] for k in longest_first([costs[i] for i in todo])]
             + [rest[k][1] for k in longest_first([sec for sec, _ in rest])])
    processes = default_processes(config.processes)
    if progress:
        progress(f"report: {len(calls)} files (figures, workbooks, unit profiles) in "
                 f"{processes if processes > 1 and len(calls) > 1 else 1} process(es)"
                 + (f"; {len(expected)} figures drawn ahead" if expected else ""))
    batch = JobBatch(calls, processes=processes, order=order, before_fork=_choose_backend)
    try:
        if plan is not None:
            drawn = ahead.drawn() if expected else {}
            # a figure expected from ahead but not drawn there (the plans would have to differ) is drawn here
            values = {k: drawn[ahead.key(plan.jobs[k])] if ahead.key(plan.jobs[k]) in drawn else calls_figures[k]()
                      for k in sorted(expected)}
            values.update(zip(todo, batch.result(slots["figures"])))
            out.figures = plan.records([values[k] for k in range(len(plan.jobs))])
            (d / "report").mkdir(exist_ok=True)
            write_csv(out.figure_index(), d / "report" / "figures.csv", encoding=csv_encoding_of(run.result.manifest))
        if config.html:
            if progress:
                progress("report: html")
            out.report = write_report(run, d / "report.html", figures=out.figures, lang=config.lang,
                                      embed_font=config.embed_font)
        parts = {name: batch.result(idx) for name, idx in slots.items()}
    except BaseException:
        batch.cancel()
        if ahead is not None:
            ahead.cancel()
        raise
    out.workbook = parts["workbook"][0] if parts["workbook"] else None
    out.journal = parts["journal"][0] if parts["journal"] else None
    out.profiles = profile_files(parts["profiles"], progress)
    return out


def _figure_plan(run: "RunTables", config: ReportConfig):
    """The figures of ``run`` as the report config asks (the same plan for figures drawn ahead and in the stage)."""
    from .figures import plan_run_figures

    return plan_run_figures(run, Path(run.run_dir) / "figures", lang=config.lang, unit_radars=config.unit_radars,
                            map_nodes=config.map_nodes or None, map_years=config.map_years or None, dpi=config.dpi,
                            formats=("png", "svg") if config.svg else ("png",))


class FiguresAhead:
    """Figures of a run drawn before its report stage: a call of :meth:`start` forks one process
    (:class:`~nqpf.report._jobs.BackgroundJobs`) that plans the figures on the outputs so far and draws those of
    the stages not handed out before (the index's figures first), while this process goes on with the later
    stages. Planning in the forked process keeps this one's cost to the fork; while one such process is still
    drawing no other is started (two would share the second core with this one), so its stages wait for the
    next call or are drawn by the report stage."""

    def __init__(self) -> None:
        self.handed: set[str] = set()  # "index" and the stages whose figures a batch draws
        self.batches: list = []

    @staticmethod
    def origin(job, stages) -> str:
        """Where a planned figure's table comes from: its stage when that is one of ``stages`` (the stages that ran),
        else "index" (the index's own figures and its data-quality tables)."""
        return job.stage if job.stage in stages else "index"

    @staticmethod
    def key(job) -> tuple:
        """What makes two planned figures the same: name, titles, unit and languages (a figure is drawn from the
        run's saved tables, which do not change once written)."""
        return (job.name, job.section, job.title_zh, job.title_en, job.unit, job.langs)

    def start(self, result, config: ReportConfig, context: StageContext) -> list[str]:
        """Fork a process drawing the figures of the index and stages in ``context.earlier`` not handed out yet;
        returns their names ("index", stage names)."""
        import functools

        from ._jobs import BackgroundJobs

        def drawn_from(stage: str) -> bool:  # a table of the stage has a figure type (as the plan chooses them)
            return stage == "index" or bool(_figure_tables(context.earlier[stage]).tables)

        if any(batch.busy for batch in self.batches):
            return []  # one drawing process at a time beside the run: the next call, or the report, takes these
        new = sorted(({"index"} | set(context.earlier)) - self.handed)
        self.handed |= set(new)
        new = [name for name in new if drawn_from(name)]
        if new:
            job = functools.partial(_draw_ahead, result, dict(context.earlier), context.run_dir, config, frozenset(new))
            self.batches.append(BackgroundJobs([job], before_fork=_choose_backend))
        return new

    def drawn(self) -> dict[tuple, Any]:
        """``{key: files}`` of every figure drawn ahead (waits for the batches still drawing)."""
        out: dict[tuple, Any] = {}
        for batch in self.batches:
            out.update(batch.result()[0])
        return out

    def cancel(self) -> None:
        """Stop every batch still drawing."""
        for batch in self.batches:
            batch.cancel()


def _draw_ahead(result, earlier: dict, run_dir: Path, config: ReportConfig, origins: frozenset) -> dict[tuple, Any]:
    """In the forked process: plan the run's figures on the outputs so far and draw those whose table comes from
    ``origins`` ("index": the index's own figures and its quality tables), costliest first."""
    from .figures import longest_first
    from .tables import RunTables

    run = RunTables.from_outputs(result, {stage: _figure_tables(o) for stage, o in earlier.items()}, run_dir, saved=True)
    plan = _figure_plan(run, config)
    calls = plan.calls()
    mine = [k for k in longest_first(plan.costs()) if FiguresAhead.origin(plan.jobs[k], run.stages) in origins]
    return {FiguresAhead.key(plan.jobs[k]): calls[k]() for k in mine}


def _figure_tables(output) -> StageOutput:
    """A stage's output with only the tables a figure type draws (the others do not enter the figure plan)."""
    from .figures import match_figure_types

    out = StageOutput.from_mapping(output)
    kinds = out.table_kinds()
    return StageOutput(tables={n: t for n, t in out.tables.items() if match_figure_types(kinds[n])}, results=out.results)


def start_figures_ahead(result, config: ReportConfig, context: StageContext, started: FiguresAhead | None):
    """The report stage's ``ahead`` hook: after the build and after each stage, fork a process drawing the
    figures whose tables are ready, while the run goes on with its later stages. Only when the run is saved,
    draws figures and may use two processes (``[report] processes``)."""
    context = StageContext.coerce(context)
    if context.run_dir is None or not config.figures or default_processes(config.processes) < 2:
        return started
    ahead = started if started is not None else FiguresAhead()
    new = ahead.start(result, config, context)
    if new:
        context.say(f"figures ahead: the report figures of {', '.join(new)} drawn by a worker process")
    return ahead


def _choose_backend() -> None:
    """matplotlib's non-interactive backend, chosen before the workers are forked."""
    from .figures import _plt

    _plt()


def run_stage(result, config: ReportConfig, context: StageContext) -> StageOutput:
    context = StageContext.coerce(context)
    if context.run_dir is None:
        return StageOutput()
    from .tables import RunTables

    ahead = context.ahead if isinstance(context.ahead, FiguresAhead) else None
    run = RunTables.from_outputs(result, context.earlier, context.run_dir, saved=True)  # run_stages saved them
    out = generate_reports(run, config, progress=context.progress, ahead=ahead)
    # the figure index is written by generate_reports (also for 'nqpf report'); returned only without figures
    tables = {} if config.figures else {"figures": out.figure_index()}
    return StageOutput(tables=tables, artefacts={"_outputs": out})


STAGE = Stage(name="report", order=90, config_model=ReportConfig, run=run_stage, ahead=start_figures_ahead,
              description="Excel workbook, figures (PNG/SVG, China maps) and the self-contained HTML report")
