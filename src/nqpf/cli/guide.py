"""``nqpf guide``: the personalised path guide (个性化行动指南) of one unit, from a run directory."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("guide")
    @handle_errors
    def guide_cmd(
        directory: Path = typer.Argument(..., help="Run directory written by 'nqpf build' (holds scores.csv, framework.csv …)."),
        unit: str = typer.Option(..., "--unit", "-u", help="Unit id or name, e.g. 贵州, 贵州省 or 520000."),
        year: Optional[int] = typer.Option(None, "--year", "-y", help="Year of the guide (default: the last year)."),
        lang: str = typer.Option("zh", "--lang", "-l", help="Language of the guide: zh (中文) or en."),
        fmt: str = typer.Option("md", "--format", "-f", help="Output format: md (Markdown) or json."),
        top: int = typer.Option(8, "--top", "-n", help="Number of paths (实践路径) in the guide."),
        catalogue: Optional[Path] = typer.Option(None, "--catalogue", "-c",
                                                 help="Your own path catalogue (TOML); default: the bundled one."),
        group: str = typer.Option("auto", "--group", "-g",
                                  help="Peer group for the group gap: auto, type (typology), region4, belt3 or none."),
        out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the guide to this file instead of printing it."),
    ) -> None:
        """Print the path guide of one unit: profile (得分, 排名), top obstacles (障碍度), ranked practical paths
        with reasons, seed citations, cautions (先立后破, 东数西算 …) and peers to learn from.

        Example: nqpf guide out/ --unit 贵州 --year 2022 --lang zh
        """
        from ..paths.guide import GuideFormat, render_json, render_markdown
        from ..paths.diagnosis import diagnose_dir
        from ..paths.recommend import recommend
        from .._validation import check_option

        check_option(fmt, GuideFormat, param="format", caller="nqpf guide")
        g = recommend(diagnose_dir(directory), unit=unit, year=year, top=top,
                      catalogue=str(catalogue) if catalogue else None, group=group)
        text = render_markdown(g, lang=lang) if fmt == "md" else render_json(g, lang=lang) + "\n"
        if out is not None:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(text, encoding="utf-8")
            typer.echo(f"Guide written to {out}", err=True)
        else:
            typer.echo(text)

    @app.command("guide-check")
    @handle_errors
    def guide_check_cmd(
        catalogue: Optional[Path] = typer.Argument(None, help="Path catalogue (TOML) to check; default: the bundled one."),
        seeds: Optional[Path] = typer.Option(None, "--seeds", "-s",
                                             help="Folder with the cited texts: every quote must occur verbatim in its file."),
    ) -> None:
        """Validate a path catalogue (实践路径目录) and, with --seeds, check every citation quote against the texts.

        Example: nqpf guide-check my_paths.toml --seeds ../shared/seeds
        """
        from ..paths.catalogue import check_citations, load_catalogue

        cat = load_catalogue(str(catalogue) if catalogue else None)
        n_cit = len(cat.citations())
        typer.echo(f"{cat.id}: {len(cat.paths)} paths ({sum(p.role == 'frontier' for p in cat.paths)} frontier), "
                   f"{len(cat.cautions)} cautions, {n_cit} citations — valid.")
        if seeds is not None:
            res = check_citations(cat, seeds)
            bad = res[~res["found"]]
            for r in bad.itertuples(index=False):
                typer.echo(f"  {r.owner_kind} {r.owner}: {r.file} {r.section} 「{r.quote}」 — {r.problem}", err=True)
            typer.echo(f"{int(res['found'].sum())}/{len(res)} quotes found verbatim in {seeds}.")
            if len(bad):
                raise typer.Exit(1)
