"""``nqpf explain``: panel regressions of the index on its drivers (a thin shell over nqpf.explain)."""
from __future__ import annotations

from pathlib import Path

import typer

from ._common import console, handle_errors

__all__ = ["register"]


def _load_data(target: Path, cfg, base: Path):
    """The data to regress: a saved run directory, [explain] data/run, or an index built from the config."""
    from ..explain.stage import _load_run, _read_table

    if target.is_dir():
        return _load_run(target)
    if cfg.data:
        p = Path(cfg.data) if Path(cfg.data).is_absolute() else base / cfg.data
        return _read_table(p, "[explain] data")
    if cfg.run:
        p = Path(cfg.run) if Path(cfg.run).is_absolute() else base / cfg.run
        return _load_run(p)
    from ..index.build import build

    return build(target)


def register(app: typer.Typer) -> None:
    @app.command("explain")
    @handle_errors
    def explain_cmd(
        target: Path = typer.Argument(..., help="Run config (TOML with an \\[explain] section) or a saved run directory (nqpf build --out DIR)."),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder for the tables (CSV, and Excel/HTML/LaTeX journal tables)."),
        config: Path = typer.Option(None, "--config", "-c", help="TOML with the \\[explain] section (default: TARGET itself, or DIR/config.toml for a run directory)."),
    ) -> None:
        """Explain the index with panel models (面板回归: 双向固定效应, 随机效应, Hausman, 中介效应, 异质性, 门槛回归, 空间杜宾).

        Example: nqpf explain run.toml --out out/explain
        """
        from ..explain.stage import load_explain_config, run_explain

        cfg_path = config
        if cfg_path is None:
            cfg_path = target / "config.toml" if target.is_dir() else target
        cfg, base = load_explain_config(cfg_path)
        data = _load_data(target, cfg, base)
        con = console()
        out.mkdir(parents=True, exist_ok=True)
        tables = run_explain(data, cfg, out_dir=out, base_dir=base, progress=lambda m: con.print(m))
        tables.pop("_results", None)
        for name, df in tables.items():
            df.to_csv(out / f"{name}.csv", index=False, encoding="utf-8-sig")
        if "models_table" in tables:
            con.print(tables["models_table"].to_string(index=False))
        typer.echo(f"Wrote {len(tables)} tables to {out}")
