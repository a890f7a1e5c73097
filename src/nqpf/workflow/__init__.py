"""nqpf.workflow — running a project: the index build, the post-build stages and the demos.

* :mod:`nqpf._stages` (base layer, so stage modules need not import upwards) — :class:`Stage`,
  :class:`StageContext` (typed: config, folders, data, progress, earlier stage outputs, results by kind),
  :class:`StageOutput` (``tables``, ``results``, ``artefacts``);
* :mod:`~nqpf.workflow.stages` — :data:`STAGES`, the explicit ordered tuple of stages;
* :mod:`~nqpf.workflow.run` — :func:`run` (``run(config, *, data=None, framework=None, out=None, progress=None)``),
  :func:`regenerate_run`, :func:`prepare_out_dir`, :class:`RunOutput`;
* :mod:`~nqpf.workflow.demos` — :func:`run_demo`, :func:`run_level_demo`, :func:`demo_summary`;
* :mod:`~nqpf.workflow.presets` — the demo configurations of every level (:func:`demo_config`,
  :func:`city_demo_config`, :func:`industry_demo_config`).

``nqpf.run``, ``nqpf.pipeline`` and ``nqpf.demo`` re-export these names for existing code.
"""
from .._stages import Stage, StageContext, StageOutput
from .demos import DemoLevel, demo_summary, parse_years, run_demo, run_level_demo
from .presets import city_demo_config, demo_config, industry_demo_config
from .run import (
    RunOutput,
    check_stage_sections,
    prepare_out_dir,
    regenerate_run,
    run,
    run_stages,
    save_stage_outputs,
    validate_stage_sections,
)
from .stages import STAGES, register_stage, stage, stages

__all__ = [
    "Stage", "StageContext", "StageOutput", "STAGES", "stages", "stage", "register_stage",
    "RunOutput", "run", "run_stages", "regenerate_run", "prepare_out_dir", "check_stage_sections",
    "validate_stage_sections", "save_stage_outputs",
    "DemoLevel", "run_demo", "run_level_demo", "demo_summary", "parse_years",
    "demo_config", "city_demo_config", "industry_demo_config",
]
