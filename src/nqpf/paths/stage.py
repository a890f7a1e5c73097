"""The ``paths`` stage of ``nqpf build``: path guides for every unit under ``DIR/paths/``.

Config section (all keys optional)::

    [paths]
    catalogue = "my_paths.toml"   # default: the bundled catalogue (relative paths: to the config file)
    years = "last"                # "last", "all" or a list of years
    langs = ["zh", "en"]
    formats = ["md", "json"]
    top = 8
    group = "auto"                # auto | type | region4 | belt3 | none
    weights = { obstacle = 0.3 }  # evidence weights (see nqpf.paths.DEFAULT_WEIGHTS)

Outputs: ``recommendations.csv`` (every unit × year × ranked path with reasons and citations),
``evidence.csv`` (one evidence row per recommended path), ``first_paths.csv`` (national distribution of
first-ranked paths, with the explanation of a dominant one), ``catalogue.csv``,
``guides/<unit>_<name>_<year>.<lang>.<md|json>``. The one-page profiles
``profiles/<unit>_<name>_<year>.profile.zh.<html|pdf>`` (``profiles``) are written by the report stage
(:func:`nqpf.report.profile.write_run_profiles`) from the JSON guides.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Optional, Union

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .._stages import Stage, StageContext, StageOutput
from .catalogue import load_catalogue
from .guide import guide_texts
from .diagnosis import diagnose
from .recommend import DEFAULT_WEIGHTS, recommend_all

__all__ = ["PathsConfig", "run_paths_stage", "EVIDENCE_KINDS", "STAGE"]

#: result kinds of earlier stages that the diagnosis uses when present (else it computes them itself)
EVIDENCE_KINDS = ("obstacle", "coupling", "typology", "uncertainty")


class PathsConfig(BaseModel):
    """The ``[paths]`` section of a run config."""

    model_config = ConfigDict(extra="forbid")

    catalogue: Optional[str] = Field(None, description="Path catalogue TOML (relative to the config file); default: bundled.")
    years: Union[Literal["last", "all"], list[int]] = Field("last", description="Years with guides: 'last', 'all' or a list.")
    langs: list[Literal["zh", "en"]] = Field(default_factory=lambda: ["zh", "en"], description="Languages of the guides.")
    formats: list[Literal["md", "json"]] = Field(default_factory=lambda: ["md", "json"], description="File formats of the guides.")
    top: int = Field(8, ge=1, description="Paths per guide.")
    group: Literal["auto", "type", "region4", "belt3", "none"] = Field(
        "auto", description="Peer group of the group gap: auto = region4/belt3, else the typology type.")
    weights: dict[Literal[tuple(DEFAULT_WEIGHTS)], float] = Field(  # type: ignore[valid-type]
        default_factory=dict, description="Evidence weights (keys of nqpf.paths.DEFAULT_WEIGHTS); missing keys keep defaults.")
    frontier_tol: float = Field(0.05, ge=0, le=1, description="Relative gap up to which a unit counts as at the frontier.")
    frontier_band: float = Field(0.25, ge=0, le=1, description="Frontier paths need a linked node within this relative gap.")
    n_peers: int = Field(2, ge=0, description="Peers per path (similar in profile and place context, ahead on the evidence node).")
    profiles: list[Literal["html", "pdf"]] = Field(default_factory=lambda: ["html"],
                                                   description="One-page unit profiles (Chinese) of the last year under "
                                                   "DIR/paths/profiles/, written by the report stage from the JSON guides: "
                                                   "HTML (prints to one A4 page from a browser); add \"pdf\" for a PDF "
                                                   "drawn by matplotlib too (about 0.3 s per unit).")


def run_paths_stage(result: Any, config: PathsConfig, context: StageContext | dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the stage: diagnose, recommend for every unit and year, write guides (when an output folder is set).

    The evidence of earlier stages is read by result kind (:data:`EVIDENCE_KINDS`: obstacle degrees,
    coupling coordination, typology, the uncertainty analysis' rank intervals).
    """
    context = StageContext.coerce(context)
    evidence_tables = {f"{res.kind}_{name}": df for res in context.results(*EVIDENCE_KINDS)
                       for name, df in res.tables().items()}
    diag = diagnose(result, evidence_tables)
    cat_src = config.catalogue
    if cat_src:
        cfg = context.config
        cat_src = str(cfg.resolve(cat_src)) if cfg is not None and hasattr(cfg, "resolve") else cat_src
    cat = load_catalogue(cat_src)
    years = diag.years
    if config.years == "last":
        chosen = [years[-1]]
    elif config.years == "all":
        chosen = years
    else:
        chosen = [int(y) for y in config.years]
    progress = context.progress
    tables, evidence, guides, firsts = [], [], [], []
    for y in chosen:
        if progress:
            progress(f"paths {y}")
        rec = recommend_all(diag, year=y, catalogue=cat, top=config.top, group=config.group,
                            weights=dict(config.weights) or None, frontier_tol=config.frontier_tol,
                            frontier_band=config.frontier_band, n_peers=config.n_peers)
        tables.append(rec.table)
        firsts.append(rec.first_paths.assign(year=y))
        for u, g in rec.guides.items():
            ev = g.evidence.copy()
            ev.insert(0, "unit", u)
            ev.insert(1, "year", g.year)
            evidence.append(ev)
            guides.append(g)
    out_dir = context.out_dir
    files: list[Path] = []
    # the guide files by name, also handed to the report (Markdown guides in the page, JSON ones for the profiles)
    texts = guide_texts(guides, langs=config.langs, formats=config.formats)
    if out_dir is not None:
        gdir = Path(out_dir) / "guides"
        gdir.mkdir(parents=True, exist_ok=True)
        for name, text in texts.items():
            (gdir / name).write_text(text, encoding="utf-8")
            files.append(gdir / name)
    return {
        "recommendations": pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(),
        "evidence": pd.concat(evidence, ignore_index=True) if evidence else pd.DataFrame(),
        "catalogue": cat.to_frame(),
        "first_paths": pd.concat(firsts, ignore_index=True) if firsts else pd.DataFrame(),
        "guides": guides,
        "guide_files": texts,
        "files": files,
    }


def _stage_run(result: Any, config: PathsConfig, context: StageContext) -> StageOutput:
    return StageOutput.from_mapping(run_paths_stage(result, config, context))


STAGE = Stage(
    name="paths",
    order=40,
    config_model=PathsConfig,
    run=_stage_run,
    description="Personalised path guides (个性化行动指南) for every unit: ranked practical paths with reasons, citations and peers.",
)
