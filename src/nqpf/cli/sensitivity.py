"""``nqpf sensitivity``: uncertainty and sensitivity analysis of a build."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import console, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("sensitivity")
    @handle_errors
    def sensitivity_cmd(
        config: Path = typer.Argument(..., help="Run config (TOML) with a [sensitivity] section declaring the uncertain choices."),
        out: Path = typer.Option(..., "--out", "-o", help="Folder for the tables (sensitivity/…)."),
        n: Optional[int] = typer.Option(None, "--n", help="Override [sensitivity] n (Monte Carlo runs, Saltelli base samples)."),
        seed: Optional[int] = typer.Option(None, "--seed", help="Override the seed."),
        n_jobs: Optional[int] = typer.Option(None, "--jobs", help="Threads for the vectorised aggregation."),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ) -> None:
        """Uncertainty (Monte Carlo rank intervals) and sensitivity (Sobol' Si/STi) analysis — 稳健性检验.

        Measures how much each methodological choice (imputation, outlier treatment, 标准化 method and scope,
        赋权 method and weight noise, aggregation, leaving an indicator out) moves every unit's rank.
        Writes rank statistics (median, 5–95 % interval), Si/STi with bootstrap intervals, one-at-a-time
        effects and leave-one-out effects under OUT/sensitivity/.
        """
        from ..index.config import load_config
        from ..workflow import save_stage_outputs
        from ..sensitivity import run_sensitivity

        cfg = load_config(config)
        section = cfg.stage_sections().get("sensitivity")
        if section is None:
            from .._errors import ConfigError

            raise ConfigError(f"{config}: no [sensitivity] section; got none. Declare [[sensitivity.factors]] (see docs/sensitivity.md).")
        section = dict(section)
        for k, v in (("n", n), ("seed", seed), ("n_jobs", n_jobs), ("scheduler", scheduler)):
            if v is not None:
                section[k] = v
        c = console()
        with c.status("running uncertainty and sensitivity analysis …"):
            outs = run_sensitivity(cfg, section, progress=lambda s: c.log(s))
        target = Path(out) / "sensitivity"
        target.mkdir(parents=True, exist_ok=True)
        for name, res in outs.items():
            save_stage_outputs({f"{name}_{k}": v for k, v in res.tables().items()}, target)
            if hasattr(res, "summary"):
                c.print(res.summary().as_text())
        c.print(f"Tables written to [bold]{target}[/bold]")
