"""``nqpf report DIR``: regenerate the workbook, figures and HTML report of a saved run."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import console, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("report")
    @handle_errors
    def report_cmd(
        run_dir: Path = typer.Argument(..., help="Run folder written by 'nqpf build --out DIR' or 'nqpf demo'."),
        lang: str = typer.Option("zh", "--lang", help="Language of headers and figure labels: zh (中文) or en."),
        figures: bool = typer.Option(True, "--figures/--no-figures", help="Write DIR/figures/*.png|svg (图表与地图)."),
        workbook: bool = typer.Option(True, "--workbook/--no-workbook", help="Write DIR/nqpf_results.xlsx (Excel 工作簿)."),
        html: bool = typer.Option(True, "--html/--no-html", help="Write DIR/report.html (self-contained HTML report)."),
        journal: bool = typer.Option(True, "--journal/--no-journal",
                                     help="Write DIR/nqpf_journal_tables.xlsx and DIR/journal/*.csv (论文表格)."),
        unit_radars: bool = typer.Option(False, "--unit-radars/--no-unit-radars",
                                         help="One element radar PNG (要素雷达图) per unit (default: first and last "
                                              "ranked; report.html draws every unit's radar itself)."),
        svg: bool = typer.Option(False, "--svg/--no-svg", help="Also write every figure as SVG."),
        dpi: int = typer.Option(150, "--dpi", help="PNG resolution."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Print nothing but errors."),
        map_node: Optional[list[str]] = typer.Option(None, "--map-node", help="Node to map (repeatable; default: index and elements)."),
        map_year: Optional[list[int]] = typer.Option(None, "--map-year", help="Year to map (repeatable; default: first and last)."),
    ) -> None:
        """Write the Excel workbook, figures (bump chart, radar, 核密度, Markov, Dagum, 耦合协调度, 障碍度,
        China maps with the South China Sea inset) and the offline HTML report of a run.

        Example: nqpf report nqpf-demo-output --lang en
        """
        from ..report.stage import generate_reports

        cfg = {"lang": lang, "figures": figures, "workbook": workbook, "html": html, "journal": journal, "unit_radars": unit_radars,
               "svg": svg, "dpi": dpi, "map_nodes": list(map_node or []), "map_years": list(map_year or [])}
        out = generate_reports(run_dir, cfg)
        if not quiet:
            c = console()
            c.print(f"{len(out.figures)} figures in {run_dir / 'figures'}" if figures else "figures: skipped")
            if out.workbook:
                typer.echo(f"Excel workbook: {out.workbook}")
            if out.journal:
                typer.echo(f"Journal tables (论文表格): {out.journal}")
            if out.report:
                typer.echo(f"HTML report: {out.report}")
