"""The ``validation`` post-build stage (``[validation]`` section): tables under ``DIR/validation/``.

Example (TOML)::

    [validation]
    year = "last"            # an int, "last" (default) or "pooled" (all unit-years) for the coherence statistics
    alpha = 0.05             # significance level of the flags and known-group verdicts
    external = "path.csv"    # unit (or region_code), year, value; default: the published NQPF estimates
                             # under ../shared when present, else recorded as "not available"; false = skip
    external_value = "nqpf"  # value column of the external table (default: value, nqpf or score)
    known_groups = "my_groups.toml"  # default: the bundled nqpf/analysis/data/known_groups.toml
    top_k = 5

Order 25: after ``sensitivity`` (20), so the Monte Carlo rank intervals (``uncertainty_rank_stats``)
are compared when that stage ran. Tables: ``coherence``, ``correlations``, ``flags``, ``known_groups``,
``external``, ``top_bottom`` (see :mod:`nqpf.analysis.validation`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .._stages import Stage, StageContext, StageOutput
from .validation import read_external, validate_index

__all__ = ["ValidationConfig", "run_stage", "STAGE"]


class ValidationConfig(BaseModel):
    """The ``[validation]`` section (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    year: int | Literal["last", "pooled"] = "last"
    alpha: float = Field(0.05, gt=0, lt=1)
    external: str | bool | None = None
    external_value: str | None = None
    known_groups: str | None = None
    top_k: int = Field(5, ge=1)


def _resolve(path: str, context: StageContext) -> Path:
    p = Path(path)
    if not p.is_absolute():
        p = Path(context.config_dir or Path.cwd()) / p
    return p


def run_stage(result: Any, config: ValidationConfig, context: StageContext) -> StageOutput:
    context = StageContext.coerce(context)
    # the Monte Carlo rank intervals of the uncertainty analysis, when the sensitivity stage ran it
    uncertainty = context.result("uncertainty")
    rank_stats = uncertainty.rank_stats if uncertainty is not None else None
    if config.external is False:
        external: Any = False
    elif config.external in (None, True):
        external = None
    else:
        path = _resolve(str(config.external), context)
        # a missing file is recorded as "not available" in the external table, not an error
        external = read_external(path, value=config.external_value) if path.exists() else path
    groups = _resolve(config.known_groups, context) if config.known_groups else None
    res = validate_index(result, year=None if config.year == "pooled" else config.year, groups=groups, external=external,
                         alpha=config.alpha, rank_stats=rank_stats, top_k=config.top_k)
    return StageOutput(tables=dict(res.tables()), results={"validation": res})


STAGE = Stage(name="validation", order=25, config_model=ValidationConfig, run=run_stage,
              description="Validation (OECD/JRC Handbook): statistical coherence, Cronbach alpha, PCA, "
                          "known-group checks, rank agreement with external measures, top/bottom five.")
