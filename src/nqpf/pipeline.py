"""Post-build stages run by ``nqpf build`` after the index (analysis, sensitivity, explain, guides, reports).

A stage is declared by a module of the package with :func:`register_stage`. It
owns one section of the run config (``[analysis]``, ``[sensitivity]`` …),
validates that section with its own pydantic model, runs on the
:class:`~nqpf.index.result.IndexResult` and returns tables that ``nqpf build``
saves under ``DIR/<stage name>/<table>.csv``. Stages run in ``order``; a later
stage can read the tables of earlier ones from ``context``.
"""
from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any, Callable

__all__ = ["Stage", "register_stage", "stages", "STAGE_MODULES"]

#: modules that declare stages; those present in the package are imported on first use
STAGE_MODULES = (
    "nqpf.analysis.stage",
    "nqpf.sensitivity.stage",
    "nqpf.analysis.validation_stage",
    "nqpf.explain.stage",
    "nqpf.gtfp.stage",
    "nqpf.paths.stage",
    "nqpf.report.stage",
)


@dataclass(frozen=True)
class Stage:
    """A post-build stage.

    Attributes
    ----------
    name : config section and output sub-folder name.
    order : stages run in increasing order (analysis 10, sensitivity 20, explain 30,
        gtfp 35, paths 40, report 90).
    config_model : pydantic model validating the config section (extra keys forbidden).
    run : ``run(result, config, context) -> dict[str, DataFrame | Any]``; ``context`` is a
        dict with ``out_dir`` (Path or None), ``progress`` (callable(str) or None) and the
        outputs of earlier stages under their stage names.
    """

    name: str
    order: int
    config_model: type
    run: Callable[..., dict[str, Any]]
    description: str = ""


_REGISTRY: dict[str, Stage] = {}
_LOADED = False


def register_stage(stage: Stage) -> Stage:
    _REGISTRY[stage.name] = stage
    return stage


def stages() -> list[Stage]:
    """All registered stages, in run order."""
    global _LOADED
    if not _LOADED:
        for mod in STAGE_MODULES:
            if importlib.util.find_spec(mod.rsplit(".", 1)[0]) is not None and importlib.util.find_spec(mod) is not None:
                importlib.import_module(mod)
        _LOADED = True
    return sorted(_REGISTRY.values(), key=lambda s: s.order)
