"""``[report]`` stage of ``nqpf build`` (order 90): workbook, figures, HTML report and unit profiles of the run.

Writes ``DIR/nqpf_results.xlsx``, ``DIR/figures/*.png|svg`` and ``DIR/report.html`` from the typed view
of the run (:class:`~nqpf.report.tables.RunTables`): inside a run built from the run in memory (the index
result and the earlier stages' outputs), by ``nqpf report DIR`` from the saved run — the same view, so the
same files. Returns the figure index (saved as ``DIR/report/figures.csv``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .._config import validate_section
from ..index.result import csv_encoding_of, write_csv
from .._stages import Stage, StageContext, StageOutput

if TYPE_CHECKING:
    from .tables import RunTables

__all__ = ["ReportConfig", "ReportOutputs", "generate_reports", "run_stage", "STAGE"]


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
                     progress: Callable[[str], None] | None = None) -> ReportOutputs:
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

    Returns
    -------
    ReportOutputs
    """
    from ._jobs import JobBatch, default_processes
    from .excel import write_workbook
    from .figures import longest_first, plan_run_figures
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
    plan = (plan_run_figures(run, d / "figures", lang=config.lang, unit_radars=config.unit_radars,
                             map_nodes=config.map_nodes or None, map_years=config.map_years or None, dpi=config.dpi,
                             formats=("png", "svg") if config.svg else ("png",))
            if config.figures else None)
    jobs: dict[str, list] = {
        "figures": plan.calls() if plan is not None else [],
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
    order = ([slots["figures"][k] for k in longest_first(plan.costs() if plan is not None else [])]
             + [rest[k][1] for k in longest_first([sec for sec, _ in rest])])
    processes = default_processes(config.processes)
    if progress:
        progress(f"report: {len(calls)} files (figures, workbooks, unit profiles) in "
                 f"{processes if processes > 1 and len(calls) > 1 else 1} process(es)")
    batch = JobBatch(calls, processes=processes, order=order, before_fork=_choose_backend)
    try:
        if plan is not None:
            out.figures = plan.records(batch.result(slots["figures"]))
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
        raise
    out.workbook = parts["workbook"][0] if parts["workbook"] else None
    out.journal = parts["journal"][0] if parts["journal"] else None
    out.profiles = profile_files(parts["profiles"], progress)
    return out


def _choose_backend() -> None:
    """matplotlib's non-interactive backend, chosen before the workers are forked."""
    from .figures import _plt

    _plt()


def run_stage(result, config: ReportConfig, context: StageContext) -> StageOutput:
    context = StageContext.coerce(context)
    if context.run_dir is None:
        return StageOutput()
    from .tables import RunTables

    run = RunTables.from_outputs(result, context.earlier, context.run_dir)
    out = generate_reports(run, config, progress=context.progress)
    # the figure index is written by generate_reports (also for 'nqpf report'); returned only without figures
    tables = {} if config.figures else {"figures": out.figure_index()}
    return StageOutput(tables=tables, artefacts={"_outputs": out})


STAGE = Stage(name="report", order=90, config_model=ReportConfig, run=run_stage,
              description="Excel workbook, figures (PNG/SVG, China maps) and the self-contained HTML report")
