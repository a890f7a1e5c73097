"""``[sensitivity]`` stage of ``nqpf build``: tables under ``DIR/sensitivity/``."""
from __future__ import annotations

from ..pipeline import Stage, register_stage
from . import run_sensitivity
from .design import SensitivityConfig

__all__ = ["run_stage"]


def run_stage(result, config: SensitivityConfig, context: dict) -> dict:
    cfg = context["config"]
    outs = run_sensitivity(cfg, config, data=context.get("data"), framework=result.framework, progress=context.get("progress"))
    tables = {}
    for name, res in outs.items():
        for tname, df in res.tables().items():
            tables[f"{name}_{tname}"] = df
    tables["_results"] = outs
    return tables


register_stage(Stage(name="sensitivity", order=20, config_model=SensitivityConfig, run=run_stage,
                     description="uncertainty (Monte Carlo) and sensitivity (Sobol') analysis of the ranking"))
