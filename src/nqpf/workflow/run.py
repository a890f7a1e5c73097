"""A full run: build the index, run every configured post-build stage, save everything.

``nqpf build CONFIG --out DIR``, ``nqpf demo`` (every level) and ``nqpf regenerate`` are thin shells
over :func:`run` / :func:`regenerate_run`.
"""
from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
from pydantic import ValidationError

from .._config import format_validation_error
from .._errors import ConfigError, NqpfWarning
from .._stages import Stage, StageContext, StageOutput
from ..index.build import build
from ..index.config import INDEX_SECTIONS, STAGE_SECTIONS, RunConfig, load_config
from ..index.result import DEFAULT_CSV_ENCODING, IndexResult, write_csv
from .stages import stages

__all__ = ["RunOutput", "run", "regenerate_run", "prepare_out_dir", "run_stages", "check_stage_sections",
           "validate_stage_sections", "save_stage_outputs", "RUN_FILE_SUFFIXES", "RUN_FILES", "RUN_DIRS", "RUN_INPUT_DIRS"]


@dataclass
class RunOutput:
    """What :func:`run` produced.

    Attributes
    ----------
    result : the index.
    out_dir : the run folder (None: not saved).
    stage_outputs : ``{stage name: StageOutput}`` in run order (a level demo adds ``levels``).
    files : extra files written.
    """

    result: IndexResult
    out_dir: Path | None
    stage_outputs: dict[str, StageOutput] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def table(self, stage: str, name: str) -> pd.DataFrame:
        """Table ``name`` of stage ``stage`` (``out.table("analysis", "analysis_log")``)."""
        return self.stage_outputs[stage].tables[name]

    def results(self, *kinds: str) -> list[Any]:
        """Result objects of every stage whose ``kind`` is one of ``kinds`` (all when none given)."""
        return StageContext(earlier=self.stage_outputs).results(*kinds)


def _validate_section(stage: Stage, section: Any):
    try:
        return stage.config_model.model_validate(section or {})
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, where=f"Config [{stage.name}]", label="invalid", limit=8)) from None


def check_stage_sections(cfg: RunConfig) -> dict[str, Any]:
    """The stage sections of a config; unknown top-level sections are an error naming them."""
    sections = cfg.stage_sections()
    known = {s.name for s in stages()}
    unknown = set(sections) - known
    if unknown:
        raise ConfigError(
            f"Config: unknown sections {sorted(unknown)}; got them at the top level. "
            f"Known sections: {', '.join(INDEX_SECTIONS)}, {', '.join(sorted(known))}."
        )
    return sections


def validate_stage_sections(cfg: RunConfig) -> dict[str, Any]:
    """Check every stage section of a config against its stage's model, as ``build`` does; ``{stage: config}``.

    Raises the :class:`ConfigError` of :func:`check_stage_sections` (unknown section) or of the
    first invalid section (``Config [analysis]: invalid — markov_k: …``), before anything is built.
    """
    sections = check_stage_sections(cfg)
    return {st.name: _validate_section(st, sections[st.name]) for st in stages() if st.name in sections}


def run_stages(result: IndexResult, cfg: RunConfig, *, out_dir: Path | None = None,
               progress: Callable[[str], None] | None = None, only: tuple[str, ...] | None = None,
               data: pd.DataFrame | None = None) -> dict[str, StageOutput]:
    """Run the post-build stages whose config sections are present (in stage order).

    Each stage gets a :class:`~nqpf._stages.StageContext` holding the outputs of the stages before it
    and returns a :class:`~nqpf._stages.StageOutput`, whose tables are saved under ``out_dir/<stage>/``.
    """
    sections = check_stage_sections(cfg)
    config_dir = Path(cfg.base_dir) if cfg.base_dir else Path.cwd()
    todo = [st for st in stages() if st.name in sections and not (only and st.name not in only)]
    outputs: dict[str, StageOutput] = {}
    started: dict[str, Any] = {}  # what the later stages' ahead hooks began (e.g. figures drawn in a worker)
    configs: dict[str, Any] = {}  # each section validated once, when first needed (an ahead hook or its turn)

    def config_of(st: Stage) -> Any:
        if st.name not in configs:
            configs[st.name] = _validate_section(st, sections[st.name])
        return configs[st.name]

    def context(st: Stage, **extra) -> StageContext:
        sub = out_dir / st.name if out_dir is not None else None
        return StageContext(config=cfg, config_dir=config_dir, out_dir=sub, run_dir=out_dir, data=data,
                            progress=progress, earlier=dict(outputs), **extra)

    try:
        for k, st in enumerate(todo):
            # the stages after the next one may start what they can from the outputs so far
            for later in todo[k + 1:]:
                if later.ahead is not None:
                    started[later.name] = later.ahead(result, config_of(later), context(later), started.get(later.name))
            if progress:
                progress(st.name)
            sc = config_of(st)
            ctx = context(st, ahead=started.pop(st.name, None))
            if ctx.out_dir is not None:
                ctx.out_dir.mkdir(parents=True, exist_ok=True)
            res = StageOutput.from_mapping(st.run(result, sc, ctx))  # a plug-in may still return a plain dict
            outputs[st.name] = res
            if ctx.out_dir is not None:
                save_stage_outputs(res.tables, ctx.out_dir, encoding=cfg.output.csv_encoding)
    finally:  # work started ahead for a stage that did not run (a failure, or a stage that ignored it)
        for value in started.values():
            if hasattr(value, "cancel"):
                value.cancel()
    return outputs


def save_stage_outputs(tables: Mapping[str, Any], directory: Path, *, encoding: str = DEFAULT_CSV_ENCODING) -> list[Path]:
    """Write every DataFrame of a stage output as CSV (other objects are the stage's own business).

    ``encoding``: ``utf-8-sig`` (default, with a BOM) or ``utf-8`` (``[output] csv_encoding``).
    """
    written = []
    for name, obj in tables.items():
        if isinstance(obj, pd.DataFrame):
            p = directory / f"{name}.csv"
            write_csv(obj, p, encoding=encoding)
            written.append(p)
    return written


#: what a run writes into its folder: top-level files by suffix or name, and sub-folders
RUN_FILE_SUFFIXES = (".csv", ".parquet", ".xlsx", ".html", ".pdf")
RUN_FILES = ("manifest.json", "stages.json")
RUN_DIRS = STAGE_SECTIONS + ("figures", "report", "core", "journal")
#: folders that a level demo writes before its run (its harmonised inputs): kept, not cleared
RUN_INPUT_DIRS = ("levels",)


def prepare_out_dir(out_dir: Path) -> list[str]:
    """Make ``out_dir`` ready for a run, before anything is computed.

    A missing folder is created; a folder holding a previous nqpf run (``manifest.json``) has what that
    run wrote removed (returned, so the caller can say so); a non-empty folder that is not an nqpf run,
    a path that is a file, lies under a file or cannot be written is refused with one ConfigError.
    """
    out_dir = Path(out_dir)
    for parent in [out_dir, *out_dir.parents]:
        if parent.exists() and not parent.is_dir():
            raise ConfigError(f"Output folder {str(out_dir)!r}: {'it is' if parent == out_dir else str(parent) + ' is'} a file; "
                              "got a path that cannot hold a run folder. Choose another --out folder.")
        if parent.exists():
            break
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".nqpf-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ConfigError(f"Output folder {str(out_dir)!r}: cannot be written; got {exc.strerror or type(exc).__name__}. "
                          "Choose a folder you can write to.") from None
    entries = [p for p in out_dir.iterdir() if not p.name.startswith(".")]
    if not entries:
        return []
    if not (out_dir / "manifest.json").is_file():
        if all(p.is_dir() and p.name in RUN_INPUT_DIRS for p in entries):
            return []  # inputs a level demo prepared for this run (e.g. levels/)
        names = sorted(p.name for p in entries)
        raise ConfigError(f"Output folder {str(out_dir)!r}: not empty and not an nqpf run folder; got {names[:5]}"
                          f"{' …' if len(names) > 5 else ''}. Choose an empty or new folder (nqpf only replaces its own runs).")
    cleared = []
    for p in sorted(entries, key=lambda q: q.name):
        if p.is_dir() and p.name in RUN_DIRS:
            shutil.rmtree(p)
            cleared.append(p.name + "/")
        elif p.is_file() and (p.suffix.lower() in RUN_FILE_SUFFIXES or p.name in RUN_FILES):
            p.unlink()
            cleared.append(p.name)
    return cleared


def run(config: str | Path | Mapping[str, Any] | RunConfig, *, data: pd.DataFrame | None = None, framework: Any = None,
        out: str | Path | None = None, progress: Callable[[str], None] | None = None) -> RunOutput:
    """Build the index, run the configured stages and save everything into ``out`` (or ``[output] dir``).

    Parameters
    ----------
    config
        Run config: TOML path, dict, :class:`~nqpf.index.config.RunConfig` or a saved manifest.
    data
        Long panel overriding the config's ``[data]`` inputs (as :func:`nqpf.build`).
    framework
        Framework overriding the config's ``[framework]`` (as :func:`nqpf.build`).
    out
        Run folder (None: ``[output] dir`` of the config, else nothing is saved). A previous nqpf run
        in it is cleared first (with a warning); any other non-empty folder is refused.
    progress
        Callback receiving short step messages.
    """
    cfg = load_config(config)
    validate_stage_sections(cfg)  # fail before the build, with the message run_stages would give
    out_dir = Path(out) if out else (cfg.resolve(cfg.output.dir) if cfg.output.dir else None)
    if out_dir is not None:  # before any computation: an unusable folder is refused, an old run is cleared
        cleared = prepare_out_dir(out_dir)
        if cleared:
            warnings.warn(f"{out_dir}: removed {len(cleared)} outputs of the previous nqpf run in this folder "
                          f"({', '.join(cleared[:5])}{', …' if len(cleared) > 5 else ''}) so that no old result "
                          "stands beside the new ones.", NqpfWarning, stacklevel=2)
    result = build(cfg, data=data, framework=framework, progress=progress)
    return _finish(result, cfg, out_dir, progress=progress, data=data)


def _finish(result: IndexResult, cfg: RunConfig, out_dir: Path | None, *, progress=None, data=None) -> RunOutput:
    """Save the index, run the configured stages into their sub-folders, write ``stages.json``."""
    if out_dir is not None:
        if progress:
            progress("save")
        result.save(out_dir, formats=tuple(cfg.output.formats), csv_encoding=cfg.output.csv_encoding)
    outputs = run_stages(result, cfg, out_dir=out_dir, progress=progress, data=data)
    if out_dir is not None:
        (out_dir / "stages.json").write_text(
            json.dumps({k: v.describe() for k, v in outputs.items()}, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
            encoding="utf-8")
    return RunOutput(result=result, out_dir=out_dir, stage_outputs=outputs)


def regenerate_run(run_dir: str | Path, out: str | Path, *, data: pd.DataFrame | None = None, framework=None,
                   progress: Callable[[str], None] | None = None) -> RunOutput:
    """Replay a saved run into ``out``: the index exactly as :func:`nqpf.regenerate` (or refused, naming why),
    then every stage the run configured, so the whole run folder is reproduced — from any location of the
    project folder (the manifest stores the config's folder relative to the run)."""
    from ..index.build import read_manifest, regenerate

    m = read_manifest(run_dir)
    out_dir = Path(out)
    prepare_out_dir(out_dir)
    result = regenerate(m, data=data, framework=framework)
    cfg = load_config(m["config"])
    return _finish(result, cfg, out_dir, progress=progress, data=data)
