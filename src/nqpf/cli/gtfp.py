"""``nqpf gtfp``: green total factor productivity (绿色全要素生产率) from a config file (a thin shell over nqpf.gtfp)."""
from __future__ import annotations

from pathlib import Path

import typer

from .._errors import ConfigError
from ._common import console, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("gtfp")
    @handle_errors
    def gtfp_cmd(
        config: Path = typer.Argument(..., help=r"TOML with \[data] (path = panel file, long or wide) and \[gtfp] sections."),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder for the tables (CSV)."),
    ) -> None:
        """Green TFP (绿色全要素生产率): SBM / 方向性距离函数 DDF efficiency with undesirable outputs (非期望产出)
        and the Malmquist–Luenberger index (ML = EC 技术效率变化 × TC 技术进步), cumulative GTFP (base year = 1).

        Frontiers: contemporaneous (当期), sequential (序列), window (窗口), global (全局), biennial.

        Example: nqpf gtfp gtfp.toml --out out/gtfp
        """
        from ..gtfp.stage import load_gtfp_config, read_gtfp_panel, run_gtfp

        cfg, data_opts, base = load_gtfp_config(config)
        path = cfg.data or data_opts.get("path")
        if not path:
            raise ConfigError(
                f"{config.name}: no data file; got neither [data] path nor [gtfp] data. Add [data] path = \"panel.csv\"."
            )
        con = console()
        panel = read_gtfp_panel(path, base=base, options={k: v for k, v in data_opts.items() if k != "path"})
        tables = run_gtfp(panel, cfg)
        results = tables.pop("_results")
        out.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            df.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
        con.print(str(results["productivity"].summary()))
        typer.echo(f"Wrote {len(tables)} tables to {out}")
