"""``nqpf init DATA``: a starter project (run.toml + framework.csv) from a data file, so a first run needs no TOML."""
from __future__ import annotations

from pathlib import Path

import typer

from ..workflow.starter import CONFIRM, init_project, unit_of_column  # noqa: F401 - re-exported
from ._common import console, handle_errors

__all__ = ["register", "init_project", "unit_of_column"]


def register(app: typer.Typer) -> None:
    @app.command("init")
    @handle_errors
    def init_cmd(
        data: Path = typer.Argument(..., help="Data file: CSV (UTF-8 or GBK), XLSX or Parquet; wide (unit, year, one column "
                                              "per indicator) or long."),
        out: Path = typer.Option(Path("."), "--out", "-o", help="Project folder for run.toml and framework.csv."),
        sheet: str = typer.Option(None, "--sheet", help="Worksheet of an XLSX file (default: the first)."),
    ) -> None:
        """Start a project from a data file: write run.toml and framework.csv (指标体系), never overwriting.

        Every data column becomes an indicator (属性 正向 to confirm; unit from headers like 研发经费（万元）).
        Then: nqpf build OUT/run.toml --out OUT/run

        Example: nqpf init data.xlsx --out myproject
        """
        info = init_project(data, out, sheet=sheet)
        c = console()
        c.print(f"Wrote {info['config']} and {info['framework']}: {len(info['indicators'])} indicators, "
                f"{info['units']} units, {info['years'][0]}–{info['years'][1]}"
                + (" (provinces: the analysis stage is switched on)" if info["province"] else ""))
        c.print("Next: check 属性 (正向/负向) and fill 一级指标 / 二级指标 in framework.csv, then")
        typer.echo(f"nqpf build {info['config']} --out {Path(out) / 'run'}")
