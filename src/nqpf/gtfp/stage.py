"""The ``gtfp`` post-build stage and the shared runner of ``nqpf gtfp``: the ``[gtfp]`` config section.

Example (TOML)::

    [gtfp]
    data = "gtfp_inputs.csv"        # optional long/wide panel (relative to the config); default: the run's raw panel
    inputs = ["capital_stock", "employment", "energy"]
    outputs = ["real_gdp"]
    undesirable = ["co2"]
    model = "sbm"                   # sbm | ddf (Malmquist–Luenberger) | radial (Malmquist, no bads)
    frontier = "global"             # contemporaneous | sequential | window | global | biennial
    rts = "crs"
    window = 3                      # for frontier = "window"
    direction = "output_bad"        # ddf: preset or { real_gdp = 1, co2 = 1 }
    direction_basis = "own"         # own | mean | unit
    disposability = "weak"          # ddf: weak | strong
    allow_negative = false          # ddf: allow β < 0 in cross-period LPs
    orientation = "input"           # radial only
    efficiency = true               # also the per-year efficiency table of the same model
    super_efficiency = false        # sbm: super-SBM for efficient unit-years

Tables written under ``DIR/gtfp/``: ``index`` (ML/MI, EC, TC, status), ``cumulative`` (GTFP,
base year = 1), ``distances``, ``efficiency`` and ``slacks`` (when ``efficiency = true``),
``excluded``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from .._config import read_toml_section, validate_section
from .._errors import ConfigError
from .._stages import Stage, StageContext, StageOutput
from .ddf import ddf
from .dea import dea
from .malmquist import malmquist, malmquist_luenberger
from .sbm import sbm

__all__ = ["GTFPConfig", "gtfp_config", "load_gtfp_config", "run_gtfp", "read_gtfp_panel", "STAGE"]

GTFPModel = Literal["sbm", "ddf", "radial"]


class GTFPConfig(BaseModel):
    """The ``[gtfp]`` section (see the module docstring for every key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    data: str | None = None
    inputs: list[str] = Field(min_length=1)
    outputs: list[str] = Field(min_length=1)
    undesirable: list[str] = Field(default_factory=list)
    model: GTFPModel = "sbm"
    frontier: Literal["contemporaneous", "sequential", "window", "global", "biennial"] = "global"
    rts: Literal["crs", "vrs", "nirs", "ndrs"] = "crs"
    window: int = Field(3, ge=1)
    direction: str | dict[str, float] = "output_bad"
    direction_basis: Literal["own", "mean", "unit"] = "own"
    disposability: Literal["weak", "strong"] = "weak"
    allow_negative: bool = False
    orientation: Literal["input", "output"] = "input"
    efficiency: bool = True
    super_efficiency: bool = False
    unit: str = "unit"
    year: str = "year"


def gtfp_config(section: dict, *, where: str = "[gtfp]") -> GTFPConfig:
    """Validate a dict as a :class:`GTFPConfig`; the first problem becomes a :class:`~nqpf.ConfigError`."""
    return validate_section(GTFPConfig, section, where=where, fix="See docs/gtfp.md for the keys.")


def load_gtfp_config(path: str | Path) -> tuple[GTFPConfig, dict, Path]:
    """Read a TOML file with a ``[gtfp]`` (and optionally ``[data]``) section.

    Returns the validated ``[gtfp]`` config, the raw ``[data]`` table (``{}`` if absent) and the
    config file's folder (relative paths are resolved against it).
    """
    path = Path(path)
    section, doc = read_toml_section(path, "gtfp", file_hint="Pass a TOML file with [data] and [gtfp] sections.",
                                     section_hint="Add [gtfp] with inputs, outputs and undesirable.")
    data = doc.get("data", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path.name}: [data] must be a table; got {type(data).__name__}. Write [data] path = \"panel.csv\".")
    return gtfp_config(section, where=f"{path.name} [gtfp]"), data, path.parent


def read_gtfp_panel(path: str | Path, *, base: Path | None = None, options: dict | None = None) -> pd.DataFrame:
    """Read a panel file with :func:`nqpf.data.read_panel` and return its long table."""
    from ..data.io import read_panel

    p = Path(path)
    if not p.is_absolute() and base is not None:
        p = base / p
    if not p.exists():
        raise ConfigError(f"gtfp: data file not found; got {str(p)!r}. Give a path relative to the config file.")
    opts = dict(options or {})
    opts.pop("path", None)
    return read_panel(p, **opts).data


def run_gtfp(panel: pd.DataFrame, config: GTFPConfig) -> dict[str, Any]:
    """Run the configured productivity index (and efficiency model) on a panel.

    Returns ``{table name: DataFrame}`` (``index``, ``cumulative``, ``distances``, ``excluded``,
    ``efficiency``, ``slacks``) plus ``_results`` (the result objects).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [1, 1, 2, 2], "x": [1.0, 1.0, 1.0, 1.0],
    ...                    "y": [2.0, 1.0, 2.0, 2.0], "co2": [1.0, 1.0, 1.0, 1.0]})
    >>> cfg = gtfp_config({"inputs": ["x"], "outputs": ["y"], "undesirable": ["co2"]})
    >>> out = run_gtfp(df, cfg)
    >>> out["cumulative"]["value"].round(2).tolist()
    [1.0, 1.0, 1.0, 2.5]
    """
    c = config
    keys = {"unit": c.unit, "year": c.year}
    if c.model == "radial":
        if c.undesirable:
            raise ConfigError(
                f"[gtfp]: model 'radial' (Malmquist) takes no undesirable outputs; got undesirable = {c.undesirable}. "
                "Use model = \"sbm\" or \"ddf\" for green TFP."
            )
        if c.rts not in ("crs", "vrs"):
            raise ConfigError(f"[gtfp]: model 'radial' supports rts 'crs' or 'vrs'; got {c.rts!r}. Set rts = \"crs\".")
        prod = malmquist(panel, inputs=c.inputs, outputs=c.outputs, rts=c.rts, orientation=c.orientation,
                         frontier=c.frontier, window=c.window, **keys)
    else:
        prod = malmquist_luenberger(
            panel, inputs=c.inputs, outputs=c.outputs, undesirable=c.undesirable, model=c.model, frontier=c.frontier,
            window=c.window, rts=c.rts, direction=c.direction, direction_basis=c.direction_basis,
            disposability=c.disposability, allow_negative=c.allow_negative, **keys,
        )
    out: dict[str, Any] = {"index": prod.index, "cumulative": prod.cumulative, "distances": prod.distances,
                           "excluded": prod.excluded}
    results: dict[str, Any] = {"productivity": prod}
    if c.efficiency:
        if c.model == "sbm":
            eff = sbm(panel, inputs=c.inputs, outputs=c.outputs, undesirable=c.undesirable, rts=c.rts,
                      super_efficiency=c.super_efficiency, **keys)
        elif c.model == "ddf":
            eff = ddf(panel, inputs=c.inputs, outputs=c.outputs, undesirable=c.undesirable, direction=c.direction,
                      direction_basis=c.direction_basis, rts=c.rts, disposability=c.disposability, **keys)
        else:
            eff = dea(panel, inputs=c.inputs, outputs=c.outputs, rts=c.rts, orientation=c.orientation, **keys)
        out["efficiency"] = eff.scores
        out["slacks"] = eff.slacks
        results["efficiency"] = eff
    if len(prod.zeros):
        out["zeros"] = prod.zeros
    out["_results"] = results
    return out


def _stage_run(result, config: GTFPConfig, context: StageContext) -> StageOutput:
    """Stage entry point: the ``[gtfp] data`` file (relative to the run config) or the run's raw panel."""
    context = StageContext.coerce(context)
    if config.data:
        cfg = context.config
        path = Path(cfg.resolve(config.data)) if cfg is not None and hasattr(cfg, "resolve") else Path(config.data)
        panel = read_gtfp_panel(path)
    else:
        panel = result.raw
        have = set(panel["indicator"].astype(str))
        need = [v for v in config.inputs + config.outputs + config.undesirable if v not in have]
        if need:
            raise ConfigError(
                f"[gtfp]: series {need} are not in the run's raw panel; got {len(have)} indicators. "
                "Add them to the data or give [gtfp] data = \"gtfp_inputs.csv\"."
            )
    context.say("gtfp: productivity index")
    out = run_gtfp(panel, config)
    out.pop("_results", None)
    return StageOutput.from_mapping(out)


STAGE = Stage(
    name="gtfp", order=35, config_model=GTFPConfig, run=_stage_run,
    description="Green TFP: SBM / DDF efficiency and the Malmquist–Luenberger index (EC × TC), cumulative GTFP.",
)
