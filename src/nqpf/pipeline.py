"""Post-build stages (re-exported from :mod:`nqpf.workflow.stages` and :mod:`nqpf._stages`).

The stages are the explicit ordered tuple :data:`nqpf.workflow.STAGES`; :func:`register_stage` adds a plug-in.
"""
from __future__ import annotations

from ._stages import Stage, StageContext, StageOutput
from .workflow.stages import STAGES, register_stage, stage, stages

__all__ = ["Stage", "StageContext", "StageOutput", "STAGES", "register_stage", "stages", "stage"]
