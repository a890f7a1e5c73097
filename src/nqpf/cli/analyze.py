"""``nqpf analyze KIND SOURCE``: one analysis of the suite on a run directory or a CSV (thin shell over nqpf.analysis)."""
from __future__ import annotations

import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import typer

from .._errors import DataError
from ._common import choice_enum, handle_errors

__all__ = ["register", "load_source", "RunTables"]

from ..analysis.density import Kernel
from ..analysis.dynamics import StateRule
from ..analysis.stage import AnalysisConfig, AnalysisKind
from ..spatial.weights import IslandRule

#: the analyses of ``nqpf analyze`` (``gini`` is the table of ``inequality``), from :data:`AnalysisKind`
KINDS = tuple(k for k in typing.get_args(AnalysisKind) if k != "inequality")

Kind = choice_enum("Kind", AnalysisKind, exclude=("inequality",))
States = choice_enum("States", StateRule)
KernelChoice = choice_enum("KernelChoice", Kernel)
Island = choice_enum("Island", IslandRule)
BetaKind = choice_enum("BetaKind", AnalysisConfig.model_fields["beta_kind"].annotation)


def _split(text: Optional[str]) -> list[str] | None:
    return [t.strip() for t in text.split(",") if t.strip()] if text else None


@dataclass(frozen=True)
class RunTables:
    """The score and unit tables of a run directory without a framework file (duck-types IndexResult)."""

    scores: Any
    units: Any


def load_source(source: Path, *, unit_col: str = "unit"):
    """A run directory of ``nqpf build`` (→ IndexResult; only ``scores.csv`` + ``units.csv`` → RunTables)
    or a CSV / XLSX table (→ DataFrame)."""
    import pandas as pd

    if source.is_dir():
        if not (source / "scores.csv").exists():
            raise DataError(f"analyze: {str(source)!r} is not a run directory; got no scores.csv in it. "
                            "Give the --out folder of 'nqpf build' or a CSV file.")
        if (source / "framework.csv").exists():
            from ..index.result import load_result

            return load_result(source)
        scores = pd.read_csv(source / "scores.csv", dtype={"unit": str, "node": str}, encoding="utf-8-sig")
        units_path = source / "units.csv"
        units = (pd.read_csv(units_path, dtype=str, keep_default_na=False, encoding="utf-8-sig") if units_path.exists()
                 else pd.DataFrame({"unit": sorted(scores["unit"].unique())}))
        return RunTables(scores=scores, units=units)
    if not source.exists():
        raise DataError(f"analyze: file not found; got {str(source)!r}. Check the path.")
    if source.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(source, dtype={unit_col: str})
    return pd.read_csv(source, dtype={unit_col: str}, encoding="utf-8-sig")


def register(app: typer.Typer) -> None:
    @app.command("analyze")
    @handle_errors
    def analyze_cmd(
        kind: Kind = typer.Argument(..., help="Analysis to run.", show_default=False),
        source: Path = typer.Argument(..., help="Run directory of 'nqpf build' (scores.csv, units.csv) or a CSV/XLSX "
                                                "table (long: unit, year, value)."),
        node: Optional[str] = typer.Option(None, "--node", help="Score column (node id) of a run; default the root "
                                                                "index. For a long CSV with a 'node' column: the rows to use."),
        group: Optional[str] = typer.Option(None, "--group", help="Grouping for dagum/theil: region4 (四大区域), belt3 "
                                                                  "(三大地带) or a column name. Default region4 for dagum."),
        unit_col: str = typer.Option("unit", "--unit-col", help="Unit column of a CSV."),
        year_col: str = typer.Option("year", "--year-col", help="Year column of a CSV."),
        value_col: str = typer.Option("value", "--value-col", help="Value column of a CSV (e.g. score)."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the tables (CSV). Default: "
                                                                      "RUN_DIR/analysis for a run directory; none for a CSV."),
        k: int = typer.Option(4, "--k", help="Markov states (状态数)."),
        states: States = typer.Option("pooled", "--states",
                                   help="Markov state rule: pooled or per-year quantiles, or fixed --cutoffs."),
        cutoffs: Optional[str] = typer.Option(None, "--cutoffs", help="Fixed Markov cut-offs, comma-separated (k − 1)."),
        relative: bool = typer.Option(False, "--relative", help="Markov states of x / yearly mean (相对水平)."),
        kernel: KernelChoice = typer.Option("gaussian", "--kernel",
                                   help="Kernel density kernel (核函数)."),
        bw: str = typer.Option("silverman", "--bw", help="Bandwidth: silverman, scott or a number (带宽)."),
        weights: str = typer.Option("queen", "--weights", help="Spatial weights (空间权重): queen, rook, "
                                                               "inverse_distance, inverse_distance_sq, economic, nested, or a GAL/GWT/CSV file."),
        island: Island = typer.Option("guangdong", "--island",
                                   help="Island rule for 海南 in contiguity weights."),
        gdp_per_capita: Optional[str] = typer.Option(None, "--gdp-per-capita", help="For economic / nested weights: "
                                                     "the raw series (run directory) or column (CSV) of GDP per capita; "
                                                     "its mean over the years is used (人均GDP)."),
        permutations: int = typer.Option(999, "--permutations", help="Permutations for Moran / LISA pseudo p-values."),
        seed: int = typer.Option(0, "--seed", help="Random seed."),
        beta_kind: BetaKind = typer.Option("absolute", "--beta-kind",
                                      help="β-convergence: absolute (绝对) or conditional (条件)."),
        controls: Optional[str] = typer.Option(None, "--controls", help="Conditional β controls (columns or nodes), comma-separated."),
        subsystems: Optional[str] = typer.Option(None, "--subsystems", help="Coupling subsystems (耦合子系统): columns or "
                                                                            "nodes, comma-separated; default the framework's."),
        top_k: int = typer.Option(5, "--top-k", help="Obstacle factors listed per unit-year (障碍因子)."),
        typology_k: int = typer.Option(0, "--typology-k", help="Number of types (0 = by silhouette)."),
        year: Optional[int] = typer.Option(None, "--year", help="Year for typology (default the last)."),
    ) -> None:
        """Run one analysis and write its tables: Dagum 基尼系数分解, Theil 泰尔指数, Gini/σ/CV, 核密度 kernel
        density, 马尔可夫链 Markov, 空间马尔可夫 spatial Markov, Moran's I 全局莫兰, LISA 局部莫兰, σ/β/俱乐部收敛
        convergence, 耦合协调度 coupling coordination, 障碍度 obstacle degree, 类型划分 typology.

        Example: nqpf analyze dagum out/run --node NQPF --group region4
        """
        from ..analysis.stage import analyze

        kind_s = kind.value
        data = load_source(source, unit_col=unit_col)
        try:
            bandwidth: float | str = float(bw)
        except ValueError:
            bandwidth = bw
        grp = group if group is not None else ("region4" if kind_s == "dagum" else None)
        res = analyze(
            kind_s, data, node=node, group=grp, value=value_col, unit=unit_col, year=year_col, k=k, states=states.value,
            cutoffs=[float(c) for c in _split(cutoffs) or []] or None, relative=relative, kernel=kernel.value,
            bandwidth=bandwidth, weights=weights, island=island.value, gdp_per_capita=gdp_per_capita,
            permutations=permutations, seed=seed,
            beta_kind=beta_kind.value, controls=_split(controls) or (), subsystems=_split(subsystems), top_k=top_k,
            typology_k=typology_k or None, typology_year=year,
        )
        typer.echo(str(res.summary()))
        target = out if out is not None else (source / "analysis" if source.is_dir() else None)
        if target is None:
            typer.echo("No tables written (pass --out DIR to save them).")
            return
        target.mkdir(parents=True, exist_ok=True)
        prefix = kind_s.replace("-", "_")
        names = []
        for name, df in res.tables().items():
            path = target / f"{prefix}_{name}.csv"
            df.to_csv(path, index=False, encoding="utf-8-sig")
            names.append(path.name)
        typer.echo(f"Wrote {len(names)} tables to {target}: {', '.join(names)}")
