"""``nqpf text``: firm-level text measures (数字化转型 / 人工智能 keyword counts in annual reports)."""
from __future__ import annotations

import time
from pathlib import Path
from typing import List, Optional

import typer

from ._common import console, handle_errors

__all__ = ["register"]

text_app = typer.Typer(
    name="text",
    help=(
        "Firm-level text measures: count digital-transformation (数字化转型) and AI (人工智能) keywords in "
        "annual reports (年度报告, whole report or 管理层讨论与分析 MD&A) → firm × year panel."
    ),
    no_args_is_help=True,
)


def _fields(values: List[str]) -> dict[str, str] | None:
    from .._errors import ConfigError

    out = {}
    for v in values:
        if "=" not in v:
            raise ConfigError(f"--field must look like ROLE=NAME (ROLE is firm, year or text); got {v!r}. "
                              f"Write e.g. --field firm=stkcd.")
        k, name = v.split("=", 1)
        if k not in ("firm", "year", "text"):
            raise ConfigError(f"--field role must be firm, year or text; got {k!r}. Write e.g. --field text=content.")
        out[k] = name
    return out or None


@text_app.command("count")
@handle_errors
def count(
    corpus: Path = typer.Argument(..., help="Folder of .txt/.pdf/.html reports, or a .jsonl/.parquet table (firm code, year, text)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (resumable: rerun to continue an interrupted run)."),
    lexicon: str = typer.Option("wu2021", "--lexicon", "-l", help="wu2021 (吴非等 2021, 76 terms), yao2024_partial, or a .csv/.txt/.yaml file."),
    section: List[str] = typer.Option(["full"], "--section", "-s", help="full (全文) or mda (管理层讨论与分析); repeat for both."),
    semantics: List[str] = typer.Option(
        ["leftmost_longest"], "--semantics", "-m",
        help="overlapping | leftmost_longest | jieba | jieba_userdict, optional negation suffix _neg<k> "
             "(e.g. overlapping_neg4); repeat for several."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Local worker processes (default: all cores)."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask distributed scheduler address (tcp://host:8786)."),
    pattern: Optional[str] = typer.Option(None, "--pattern", help="File-name regex with groups (?P<firm>…) and (?P<year>…)."),
    exclude: Optional[str] = typer.Option(None, "--exclude", help="Skip files whose name matches this regex (default: 摘要|英文|english|取消)."),
    field: List[str] = typer.Option([], "--field", help="Column names of table corpora, e.g. --field firm=stkcd --field text=content."),
    no_nfkc: bool = typer.Option(False, "--no-nfkc", help="Do not apply Unicode NFKC."),
    no_lower: bool = typer.Option(False, "--no-lower", help="Do not lower-case Latin letters."),
    keep_whitespace: bool = typer.Option(False, "--keep-whitespace", help="Do not remove whitespace (PDF line breaks stay inside words)."),
    negation_chars: str = typer.Option("没无不未", "--negation-chars", help="Negation characters for the _neg<k> filters."),
    allow_partial: bool = typer.Option(False, "--allow-partial", help="Allow a partial lexicon (yao2024_partial) as a measure."),
    restart: bool = typer.Option(False, "--restart", help="Start over instead of resuming from OUT."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
) -> None:
    """Count keywords per document and write a firm × year panel.

    Writes OUT/panel.csv (unit, year, indicator, value — e.g. wu2021_mda_leftmost_longest_total_ln1p),
    OUT/groups.csv, OUT/terms.csv, OUT/documents.csv (per-document log: extractor, MD&A span,
    warnings) and OUT/documents.jsonl (the resumable per-document store).

    Example: nqpf text count reports/ --lexicon wu2021 --section mda --semantics leftmost_longest --out counts/
    """
    from ..text.corpus import count_corpus
    from ..text.extract import DEFAULT_EXCLUDE_PATTERN, DEFAULT_NAME_PATTERN

    con = console()
    kwargs = dict(
        lexicon=lexicon, section=section, semantics=semantics, out=out, workers=workers, scheduler=scheduler,
        pattern=pattern or DEFAULT_NAME_PATTERN, exclude=DEFAULT_EXCLUDE_PATTERN if exclude is None else (exclude or None),
        fields=_fields(field), nfkc=not no_nfkc, lower=not no_lower, remove_whitespace=not keep_whitespace,
        negation_chars=negation_chars, allow_partial=allow_partial, resume=not restart,
    )
    if quiet:
        res = count_corpus(str(corpus), **kwargs)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        t0 = time.perf_counter()
        with Progress(TextColumn("counting"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[rate]}"),
                      TimeElapsedColumn(), console=con, transient=False) as bar:
            task = bar.add_task("count", total=None, rate="")

            def progress(docs: int, nbytes: int, total: int | None) -> None:
                dt = max(time.perf_counter() - t0, 1e-9)
                bar.update(task, completed=docs, total=total,
                           rate=f"{docs / dt:,.1f} docs/s  {nbytes / 1e6 / dt:,.1f} MB/s")

            res = count_corpus(str(corpus), progress=progress, **kwargs)
    if not quiet:
        con.print(str(res.summary()))
        con.print(f"Wrote {out}/panel.csv, groups.csv, terms.csv, documents.csv")


@text_app.command("lexicon")
@handle_errors
def lexicon_cmd(
    name: str = typer.Argument("wu2021", help="Built-in lexicon (wu2021, yao2024_partial) or a .csv/.txt/.yaml file."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the terms as CSV (group,term) instead of printing."),
) -> None:
    """Show the terms and groups of a keyword dictionary (词典).

    Example: nqpf text lexicon wu2021
    """
    from ..text.lexicons import load_lexicon

    lex = load_lexicon(name)
    if out is not None:
        lex.terms.to_csv(out, index=False)
        return
    flag = "  [PARTIAL: refused as a measure unless --allow-partial]" if lex.partial else ""
    typer.echo(f"{lex.name}: {len(lex)} terms in {len(lex.groups)} groups{flag}")
    typer.echo(f"source: {lex.citation}")
    for g, terms in lex.terms.groupby("group", sort=False)["term"]:
        typer.echo(f"{g} ({len(terms)}): {' '.join(terms)}")


def register(app: typer.Typer) -> None:
    """Add the ``text`` command group to the nqpf CLI."""
    app.add_typer(text_app, name="text")
