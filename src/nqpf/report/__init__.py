"""Reports people read: Excel workbook, figures and China maps, self-contained HTML report, local dashboard.

* :func:`generate_reports` — everything for a run directory (``nqpf report DIR``; the ``[report]``
  stage of ``nqpf build`` calls it): ``DIR/nqpf_results.xlsx``, ``DIR/figures/*.png|svg``,
  ``DIR/report.html``.
* :mod:`~nqpf.report.excel` (:func:`write_workbook`), :mod:`~nqpf.report.figures` (bump chart, radar,
  kernel-density surface and ridgeline, Markov heat-maps, Dagum, coupling, obstacles, rank
  intervals), :mod:`~nqpf.report.maps` (China choropleth and LISA maps with the South China Sea
  inset), :mod:`~nqpf.report.html` (:func:`build_report_html`), :mod:`~nqpf.report.dashboard`
  (``nqpf serve DIR``).
* Extension points: :func:`register_section` (report sections) and :func:`register_figure`
  (figures for new table layouts).
"""
from __future__ import annotations

from .excel import workbook_tables, write_workbook
from .figures import FigureType, register_figure, render_run_figures, save_figure
from .html import build_report_html, write_report
from .maps import choropleth, lisa_map
from .stage import ReportConfig, ReportOutputs, generate_reports
from .tables import RunTables, collect, register_section

__all__ = [
    "generate_reports",
    "ReportConfig",
    "ReportOutputs",
    "collect",
    "RunTables",
    "write_workbook",
    "workbook_tables",
    "render_run_figures",
    "save_figure",
    "register_figure",
    "FigureType",
    "register_section",
    "build_report_html",
    "write_report",
    "choropleth",
    "lisa_map",
]
