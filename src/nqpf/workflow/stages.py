"""The post-build stages of a run, as one explicit ordered tuple.

``nqpf build`` runs, after the index, every stage whose config section is present, in the order of
:data:`STAGES`. A stage is declared in its own package (``STAGE`` in ``nqpf.analysis.stage``,
``nqpf.report.stage`` …) with the base-layer types of :mod:`nqpf._stages`; this module only lists them.
"""
from __future__ import annotations

from .._stages import Stage, StageContext, StageOutput
from ..analysis.stage import STAGE as ANALYSIS
from ..analysis.validation_stage import STAGE as VALIDATION
from ..explain.stage import STAGE as EXPLAIN
from ..gtfp.stage import STAGE as GTFP
from ..paths.stage import STAGE as PATHS
from ..report.stage import STAGE as REPORT
from ..sensitivity.stage import STAGE as SENSITIVITY

__all__ = ["Stage", "StageContext", "StageOutput", "STAGES", "stages", "stage", "register_stage"]

#: every post-build stage, in run order (analysis 10, sensitivity 20, validation 25, explain 30, gtfp 35,
#: paths 40, report 90): validation compares the sensitivity stage's rank intervals, paths reads the
#: analysis and uncertainty results, the report comes last
STAGES: tuple[Stage, ...] = (ANALYSIS, SENSITIVITY, VALIDATION, EXPLAIN, GTFP, PATHS, REPORT)

_EXTRA: dict[str, Stage] = {}


def register_stage(stage: Stage) -> Stage:
    """Add a stage that is not part of nqpf (a plug-in); it runs at its ``order`` among :data:`STAGES`."""
    if any(s.name == stage.name for s in STAGES):
        raise ValueError(f"register_stage: a built-in stage is named {stage.name!r}; got a second one. Choose another name.")
    _EXTRA[stage.name] = stage
    return stage


def stages() -> list[Stage]:
    """All stages (:data:`STAGES` plus registered plug-ins), in run order."""
    return sorted((*STAGES, *_EXTRA.values()), key=lambda s: s.order)


def stage(name: str) -> Stage:
    """The stage called ``name``."""
    found = {s.name: s for s in stages()}
    if name not in found:
        raise KeyError(f"stage {name!r}; known: {', '.join(found)}")
    return found[name]
