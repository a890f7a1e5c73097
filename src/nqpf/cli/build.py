"""``nqpf build``, ``nqpf regenerate``, ``nqpf validate``, ``nqpf demo``, ``nqpf framework``."""
from __future__ import annotations

import contextlib
import typing
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer

from ._common import choice_enum, console, handle_errors

__all__ = ["register"]

STEPS = ["read", "quality", "derive", "impute", "treat", "normalise", "weight", "aggregate", "assemble", "save"]


def _choices():
    """Option sets of the commands, from the Literal aliases that declare them (one source for config, CLI and docs)."""
    from ..datasets import Normalisation, Scope, Weighting
    from ..index.quality import QualityConfig
    from ..levels import DemoLevel

    return (choice_enum("QualityPreset", QualityConfig.model_fields["preset"].annotation),
            choice_enum("DemoWeighting", Weighting),
            Enum("DemoNormalisation", {v: v for v in (*typing.get_args(Scope), *typing.get_args(Normalisation))}, type=str),
            choice_enum("DemoLevelChoice", DemoLevel))


QualityPreset, DemoWeighting, DemoNormalisation, DemoLevelChoice = _choices()
_QUALITY_HELP = ("Data-quality screen of the raw series: warn (flag findings, set high-severity cells missing; default), "
                 "strict (refuse high-severity findings) or off. Overrides [quality] preset.")


@contextlib.contextmanager
def progress_display(enabled: bool = True) -> Iterator:
    """A rich progress bar driven by the step names that the library reports."""
    if not enabled:
        yield None
        return
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console(), transient=True) as prog:
        task = prog.add_task("starting", total=len(STEPS))
        seen: list[str] = []

        def update(step: str) -> None:
            seen.append(step)
            prog.update(task, description=step, completed=min(len(seen), len(STEPS)),
                        total=max(len(STEPS), len(seen) + 1))

        yield update
        prog.update(task, completed=prog.tasks[0].total)


def _print_summary(out) -> None:
    from rich.panel import Panel

    c = console()
    c.print(Panel.fit(out.result.summary().as_text(), title="nqpf"))
    if out.out_dir is not None:
        c.print(f"Results written to [bold]{out.out_dir}[/bold]")
        for name in ("report.html", "nqpf_results.xlsx", "nqpf_journal_tables.xlsx"):
            p = out.out_dir / name
            if p.exists():
                c.print(f"  {name}: {p}")


def _clear(out: Path) -> None:
    """Refuse an unusable output folder before computing; clear (and say so) a previous run in it."""
    from ..workflow import prepare_out_dir

    cleared = prepare_out_dir(out)
    if cleared:
        console().print(f"Removed {len(cleared)} outputs of the previous run in {out}.")


def register(app: typer.Typer) -> None:
    @app.command("build")
    @handle_errors
    def build_cmd(
        config: Path = typer.Argument(..., help="Run config (TOML), or a saved manifest.json to replay.", exists=False),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Output folder (default: [output] dir of the config)."),
        stages: bool = typer.Option(True, "--stages/--no-stages", help="Run the analysis/sensitivity/report sections of the config."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display and no summary."),
        quality: Optional[QualityPreset] = typer.Option(None, "--quality", help=_QUALITY_HELP),
    ) -> None:
        """Build a composite index from one config file plus data, run its analyses and save everything.

        Steps: derive indicators from raw series → impute → screen → treat outliers → normalise
        (e.g. 极差标准化 min–max, pooled over all years) → weight (e.g. 熵值法 entropy, CRITIC, AHP)
        → aggregate (weighted mean, TOPSIS …) → scores and ranks per unit × year × node.

        Example: nqpf build examples/scitech.toml --out runs/scitech
        """
        from ..index.build import build
        from ..index.config import load_config
        from ..workflow import RunOutput, run

        cfg = load_config(config)
        if quality is not None:
            cfg = cfg.with_params("quality", preset=quality.value)
        with progress_display(not quiet) as prog:
            if stages:
                out_obj = run(cfg, out=out, progress=prog)
            else:
                target = out or (cfg.resolve(cfg.output.dir) if cfg.output.dir else None)
                if target is not None:
                    _clear(target)
                res = build(cfg, progress=prog)
                if target is not None:
                    res.save(target, formats=tuple(cfg.output.formats))
                out_obj = RunOutput(result=res, out_dir=Path(target) if target else None)
        if not quiet:
            _print_summary(out_obj)

    @app.command("regenerate")
    @handle_errors
    def regenerate_cmd(
        run_dir: Path = typer.Argument(..., help="A run folder (or its manifest.json) written by 'nqpf build'."),
        out: Path = typer.Option(..., "--out", "-o", help="Folder for the regenerated run."),
    ) -> None:
        """Re-run a saved run from its manifest — the index and every stage; outputs are byte-identical when the
        inputs are unchanged, wherever the project folder now is.

        Input files and the framework are re-read and their SHA-256 hashes compared with the manifest first.
        """
        from ..workflow import regenerate_run

        regenerate_run(run_dir, out)
        console().print(f"Regenerated run written to [bold]{out}[/bold]")

    @app.command("validate")
    @handle_errors
    def validate_cmd(config: Path = typer.Argument(..., help="Run config (TOML)."),
                     quality: Optional[QualityPreset] = typer.Option(None, "--quality", help=_QUALITY_HELP)) -> None:
        """Check a config, its stage sections, its framework and its data without building (errors name file, row and column)."""
        from ..index.build import load_inputs, resolve_framework
        from ..index.config import load_config
        from ..index.prepare import prepare_inputs
        from ..workflow import validate_stage_sections

        cfg = load_config(config)
        if quality is not None:
            cfg = cfg.with_params("quality", preset=quality.value)
        checked = validate_stage_sections(cfg)  # the same checks (and messages) as 'nqpf build'
        fw, _ = resolve_framework(cfg, None)
        raw, _, inputs = load_inputs(cfg)
        prep = prepare_inputs(raw, fw, cfg)  # quality screen (strict refuses here too) and derivation
        fw, wide, log = prep.framework, prep.wide, prep.derive_log
        # the checks build makes later, made here without building: AHP consistency, logs of values <= 0
        methods = {cfg.weight.method} | set(cfg.weight.combine.methods if cfg.weight.combine else [])
        if "ahp" in methods and cfg.weight.ahp:
            from ..index.weights import check_ahp_matrices

            check_ahp_matrices(cfg.weight.ahp, max_cr=cfg.weight.ahp_max_cr,
                               allow_inconsistent=cfg.weight.ahp_allow_inconsistent)
        if cfg.treat.method == "log":
            from ..index.treat import check_log_positive

            cols = [c for c in (cfg.treat.indicators or list(fw.indicators)) if c in wide.columns]
            check_log_positive(wide[cols].to_numpy(dtype=float), cols)
        ind = wide.stack(future_stack=True).rename("value").reset_index()
        ind.columns = ["unit", "year", "indicator", "value"]
        c = console()
        c.print(f"[green]OK[/green] framework {fw.id!r}: {len(fw.indicators)} indicators, {len(fw.aggregates)} aggregates")
        for i in inputs:
            c.print(f"  input {i.get('path') or i.get('source')}: {i.get('rows', '?')} rows")
        miss = ind["value"].isna().groupby(ind["indicator"]).sum()
        miss = miss[miss > 0]
        c.print(f"  {ind['unit'].nunique()} units × {ind['year'].nunique()} years; "
                f"{int(miss.sum())} missing indicator cells" + (f" in {len(miss)} indicators" if len(miss) else ""))
        if len(log):
            c.print(f"  {len(log)} derived cells undefined (division by zero, missing lag …)")
        if prep.quality is not None:
            f = prep.quality.findings
            c.print(f"  data quality: {len(f)} findings"
                    + (f" ({', '.join(f'{k} {v}' for k, v in f['severity'].value_counts().items())})" if len(f) else "")
                    + f"; {len(prep.quality.changes)} cells would be set missing")
        if checked:
            c.print(f"  stage sections: {', '.join(checked)}")

    @app.command("demo")
    @handle_errors
    def demo_cmd(
        out: Path = typer.Option(Path("nqpf-demo-output"), "--out", "-o", help="Output folder."),
        years: Optional[str] = typer.Option(None, help="Year range, e.g. 2015-2022 (default: all years the data cover)."),
        provinces: Optional[str] = typer.Option(None, help="Comma-separated provinces (names or codes); default all 31."),
        weighting: Optional[DemoWeighting] = typer.Option(None, help="Weighting: entropy (熵值法, default), critic, cv, pca, equal."),
        normalisation: Optional[DemoNormalisation] = typer.Option(
            None, help="Normalisation scope: pooled (全局, default) or year (截面); or a method (minmax, zscore, …)."),
        level: DemoLevelChoice = typer.Option("province", help="Demo level: province (bundled data), city (288 prefecture cities) "
                                  "or industry (IO-table sectors); city and industry read ../shared (or --shared)."),
        shared: Optional[Path] = typer.Option(None, "--shared", help="Folder of the shared data for --level city|industry "
                                              "(default: $NQPF_SHARED or ../shared)."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
        quality: Optional[QualityPreset] = typer.Option(None, "--quality", help=_QUALITY_HELP),
    ) -> None:
        """Run the default NQPF demo on bundled real provincial data and print a short summary.

        Builds the 新质生产力 index for 31 provinces with pooled normalisation and pooled
        panel entropy weights, runs every available analysis and writes tables, workbook and report.
        """
        from ..workflow import demo_summary, run_demo

        with progress_display(not quiet) as prog:
            out_obj = run_demo(out=out, years=years, provinces=provinces,
                               weighting=weighting.value if weighting is not None else None,
                               normalisation=normalisation.value if normalisation is not None else None,
                               level=DemoLevelChoice(level).value, shared=shared, progress=prog,
                               quality=quality.value if quality is not None else None)
        typer.echo(demo_summary(out_obj))

    fw_app = typer.Typer(help="Inspect and export indicator frameworks (指标体系).", no_args_is_help=True)

    @fw_app.command("list")
    @handle_errors
    def fw_list() -> None:
        """List the frameworks shipped with nqpf."""
        from ..framework.io import builtin_frameworks, load_framework

        for name, path in builtin_frameworks().items():
            fw = load_framework(path)
            typer.echo(f"{name}\t{len(fw.indicators)} indicators\t{fw.name_zh} / {fw.name_en}")

    @fw_app.command("export")
    @handle_errors
    def fw_export(
        framework: str = typer.Argument(..., help="Built-in name or path of a framework file."),
        to: Path = typer.Option(..., "--to", help="Target file: .csv (Excel-friendly twin) or .toml."),
    ) -> None:
        """Export a framework to its CSV twin or to TOML."""
        from ..framework.io import load_framework, write_framework_csv, write_framework_toml

        fw = load_framework(framework)
        if to.suffix.lower() == ".csv":
            write_framework_csv(fw, to)
        else:
            write_framework_toml(fw, to)
        typer.echo(f"Framework {fw.id!r} written to {to}")

    @fw_app.command("show")
    @handle_errors
    def fw_show(framework: str = typer.Argument(..., help="Built-in name or path of a framework file.")) -> None:
        """Print the indicator tree with directions and tags."""
        from ..framework.io import load_framework

        fw = load_framework(framework)
        for nid in fw.preorder():
            n = fw.by_id[nid]
            pad = "  " * fw.depth[nid]
            extra = ""
            if n.is_indicator:
                extra = f"  [{'+' if n.direction > 0 else '−'}] {n.unit}"
                tags = [t for t in (n.element, n.driver, n.type) if t]
                if tags:
                    extra += "  " + "/".join(tags)
            typer.echo(f"{pad}{nid}  {n.name_zh or n.name_en}{extra}")

    app.add_typer(fw_app, name="framework")
