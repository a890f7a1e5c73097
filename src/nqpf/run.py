"""A full run (re-exported from :mod:`nqpf.workflow.run`, which owns it).

``nqpf build CONFIG --out DIR`` is a thin shell over :func:`run`.
"""
from __future__ import annotations

from .workflow.run import (
    RUN_DIRS,
    RUN_FILE_SUFFIXES,
    RUN_FILES,
    RUN_INPUT_DIRS,
    RunOutput,
    check_stage_sections,
    prepare_out_dir,
    regenerate_run,
    run,
    run_stages,
    save_stage_outputs,
    validate_stage_sections,
)

__all__ = ["RunOutput", "run", "regenerate_run", "prepare_out_dir", "run_stages", "check_stage_sections", "validate_stage_sections",
           "save_stage_outputs", "RUN_DIRS", "RUN_FILES", "RUN_FILE_SUFFIXES", "RUN_INPUT_DIRS"]
