"""``[sensitivity]`` stage of ``nqpf build``: tables under ``DIR/sensitivity/``."""
from __future__ import annotations

from .._stages import Stage, StageContext, StageOutput
from . import run_sensitivity
from .design import SensitivityConfig

__all__ = ["run_stage", "STAGE"]


def run_stage(result, config: SensitivityConfig, context: StageContext) -> StageOutput:
    """Run the configured analyses on the run's config and data; tables ``{analysis}_{table}``, results by analysis.

    The run's index result hands over its prepared inputs (derived indicators, activated framework, unit
    table), so the inputs are not read, screened and derived a second time."""
    ctx = StageContext.coerce(context)
    outs = run_sensitivity(ctx.config, config, data=ctx.data, framework=result.framework, progress=ctx.progress,
                           index=result)
    tables = {f"{name}_{tname}": df for name, res in outs.items() for tname, df in res.tables().items()}
    return StageOutput(tables=tables, results=dict(outs))


STAGE = Stage(name="sensitivity", order=20, config_model=SensitivityConfig, run=run_stage,
              description="uncertainty (Monte Carlo) and sensitivity (Sobol') analysis of the ranking")
