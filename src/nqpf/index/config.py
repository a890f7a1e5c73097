"""The run configuration (one TOML file reproduces a run), validated with pydantic.

Sections: ``[data]``, ``[framework]``, ``[impute]``, ``[screen]``, ``[treat]``,
``[normalise]``, ``[weight]``, ``[aggregate]``, ``[output]`` — and one section per
post-build stage (``[analysis]``, ``[sensitivity]``, ``[explain]``, ``[gtfp]``,
``[paths]``, ``[report]``), validated by that stage's own model.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._errors import ConfigError
from .aggregate import AggMethod, TopsisDistance
from .impute import ImputeMethod
from .normalise import NormMethod, NormScope
from .treat import TreatMethod
from .weights import EntropyK, EntropyZeros

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "DataFile",
    "DataConfig",
    "FrameworkConfig",
    "ImputeConfig",
    "ScreenConfig",
    "TreatConfig",
    "NormaliseConfig",
    "WeightConfig",
    "AggregateConfig",
    "OutputConfig",
    "RunConfig",
    "load_config",
    "INDEX_SECTIONS",
]

INDEX_SECTIONS = ("data", "framework", "impute", "screen", "treat", "normalise", "weight", "aggregate", "output")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFile(_Model):
    """One input table."""

    path: str = Field(description="CSV/TSV/XLSX/Parquet file, relative to the config file")
    layout: Literal["auto", "long", "wide"] = "auto"
    unit: str | None = Field(None, description="unit key column (default: auto-detect)")
    year: str | None = None
    indicator: str | None = None
    value: str | None = None
    unit_name: str | None = None
    sheet: str | None = None
    encoding: str | None = None
    units: Literal["auto", "province", "raw"] = "auto"
    groups: list[str] = Field(default_factory=list, description="group columns carried to the unit table")


class DataConfig(_Model):
    """Where the raw series come from."""

    files: list[DataFile] = Field(default_factory=list)
    bundled: Literal["province", ""] = Field("", description="use nqpf's bundled provincial raw series")
    years: tuple[int, int] | None = Field(None, description="first and last year to use (inclusive)")
    units: list[str] = Field(default_factory=list, description="keep only these units (codes or names)")
    exclude_units: list[str] = Field(default_factory=list)
    groups: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="user groupings {name: {unit: label}} added to the unit table")

    @model_validator(mode="before")
    @classmethod
    def _single_path(cls, v: Any) -> Any:
        if isinstance(v, Mapping) and "path" in v:
            v = dict(v)
            f = {k: v.pop(k) for k in list(v) if k in DataFile.model_fields}
            v.setdefault("files", []).append(f)
        return v


class FrameworkConfig(_Model):
    path: str = Field("", description="framework TOML/CSV (relative to the config) or a built-in name")
    indicators: list[str] = Field(default_factory=list, description="use only these indicators")
    exclude: list[str] = Field(default_factory=list, description="leave these indicators out")


class ImputeConfig(_Model):
    method: ImputeMethod = "none"
    group: str | None = Field(None, description="unit-table column for group_mean")


class ScreenConfig(_Model):
    min_coverage: float = Field(0.0, ge=0.0, le=1.0, description="minimum share of available indicators")
    by: Literal["unit", "unit_year"] = "unit_year"
    on: Literal["raw", "imputed"] = Field("imputed", description="screen before or after imputation")


class TreatConfig(_Model):
    method: TreatMethod = "none"
    scope: Literal["year", "pooled"] = "year"
    winmax: int | None = Field(5, ge=1)
    skew_thresh: float = Field(2.0, gt=0)
    kurt_thresh: float = 3.5
    lower: float = Field(0.01, ge=0, lt=0.5)
    upper: float = Field(0.99, gt=0.5, le=1)
    indicators: list[str] = Field(default_factory=list, description="treat only these (default: all)")


class NormaliseConfig(_Model):
    method: NormMethod = "minmax"
    scope: NormScope = "pooled"
    range: tuple[float, float] = (0.0, 1.0)
    shift: float = Field(0.0, ge=0.0, description="constant A added after normalisation (平移)")
    base_year: int | None = None
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)
    ddof: Literal[0, 1] = 1

    @field_validator("range")
    @classmethod
    def _range(cls, v: tuple[float, float]) -> tuple[float, float]:
        if not v[1] > v[0]:
            raise ValueError(f"range must be increasing (a < b); got {list(v)}")
        return v


class CombineConfig(_Model):
    methods: list[Literal["equal", "given", "entropy", "critic", "cv", "pca"]] = Field(min_length=2)
    rule: Literal["linear", "multiplicative", "mdi", "game"] = "linear"
    alpha: float = Field(0.5, ge=0, le=1)


class WeightConfig(_Model):
    method: Literal["equal", "given", "entropy", "critic", "cv", "pca", "ahp", "combined"] = "entropy"
    scope: Literal["pooled", "year"] = Field("pooled", description="weights from all years pooled or per year")
    scheme: Literal["global", "within_parent"] = Field(
        "global",
        description="global: one method over all indicators, node weights = sums; "
        "within_parent: the method within each parent group")
    upper: Literal["sum", "equal", "given", "same"] = Field(
        "sum", description="weights of aggregate nodes in the within_parent scheme")
    on: Literal["normalised", "raw"] = Field("normalised", description="data the objective method sees")
    entropy_k: EntropyK = "ln_n"
    entropy_zeros: EntropyZeros = "keep"
    entropy_shift: float = Field(0.0001, gt=0)
    critic_correlation: Literal["signed", "abs"] = "signed"
    critic_contrast: Literal["sd", "cv"] = "sd"
    pca_retain: Literal["kaiser", "variance"] = "kaiser"
    pca_variance: float = Field(0.85, gt=0, le=1)
    ahp: dict[str, list[list[float]]] = Field(default_factory=dict, description="{node: pairwise matrix of its children}")
    ahp_max_cr: float = 0.10
    ahp_allow_inconsistent: bool = False
    combine: CombineConfig | None = None
    given: dict[str, float] = Field(default_factory=dict, description="weights overriding the framework's")
    score_on: Literal["z", "p"] = Field("z", description="entropy score on normalised values z or proportions p")


class AggregateConfig(_Model):
    method: AggMethod = "arithmetic"
    topsis_ideal: Literal["pooled", "year"] = "pooled"
    topsis_distance: TopsisDistance = "weighted_values"
    min_coverage: float = Field(0.0, ge=0.0, le=1.0, description="minimum available weight share per node")
    scale: float = Field(1.0, gt=0, description="multiply aggregate scores (e.g. 100)")
    node_methods: dict[str, AggMethod] = Field(default_factory=dict, description="per-node method overrides")


class OutputConfig(_Model):
    dir: str = ""
    formats: list[Literal["csv", "parquet"]] = Field(default_factory=lambda: ["csv", "parquet"])


class RunConfig(_Model):
    """A complete run: the index sections plus free-form stage sections (validated by the stages)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: str = ""
    data: DataConfig = Field(default_factory=DataConfig)
    framework: FrameworkConfig = Field(default_factory=FrameworkConfig)
    impute: ImputeConfig = Field(default_factory=ImputeConfig)
    screen: ScreenConfig = Field(default_factory=ScreenConfig)
    treat: TreatConfig = Field(default_factory=TreatConfig)
    normalise: NormaliseConfig = Field(default_factory=NormaliseConfig)
    weight: WeightConfig = Field(default_factory=WeightConfig)
    aggregate: AggregateConfig = Field(default_factory=AggregateConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    base_dir: str = Field("", description="folder relative paths are resolved against (set by load_config)")

    def stage_sections(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def resolve(self, path: str) -> Path:
        p = Path(path)
        return p if p.is_absolute() or not self.base_dir else Path(self.base_dir) / p

    def with_params(self, section: str, **changes: Any) -> "RunConfig":
        """A copy with typed edits to one section, e.g. ``cfg.with_params("normalise", method="rank")``."""
        if section not in INDEX_SECTIONS:
            raise ConfigError(f"with_params: unknown section; got {section!r}. Use one of {', '.join(INDEX_SECTIONS)}.")
        current = getattr(self, section).model_dump()
        current.update(changes)
        data = self.model_dump()
        data[section] = current
        return config_from_dict(data)


def _format_validation(exc: ValidationError, where: str) -> str:
    parts = []
    for err in exc.errors()[:10]:
        loc = ".".join(str(x) for x in err["loc"])
        msg = err["msg"]
        got = err.get("input")
        parts.append(f"{loc}: {msg}; got {got!r}")
    more = f" (and {len(exc.errors()) - 10} more)" if len(exc.errors()) > 10 else ""
    return f"{where}: invalid configuration — " + "; ".join(parts) + more + ". See docs/config.md for every option."


def config_from_dict(data: Mapping[str, Any], *, source: str = "config") -> RunConfig:
    try:
        return RunConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, source)) from None


def load_config(config: str | Path | Mapping[str, Any] | RunConfig) -> RunConfig:
    """Read a run config from a TOML file (or a dict with the same content)."""
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, Mapping):
        data = dict(config)
        if "manifest" in data and "config" in data:  # a saved manifest
            data = dict(data["config"])
        return config_from_dict(data)
    path = Path(config)
    if not path.exists():
        raise ConfigError(f"Config file {str(config)!r}: not found; got a path that does not exist. Check the path.")
    if path.suffix.lower() == ".json":
        import json

        data = json.loads(path.read_text(encoding="utf-8"))
        if "config" in data and "nqpf_version" in data:  # a manifest: replay its config
            data = dict(data["config"])
            data["base_dir"] = str(path.parent.resolve()) if not data.get("base_dir") else data["base_dir"]
        return config_from_dict(data, source=path.name)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path.name}: invalid TOML; got {exc}. Fix the syntax at that line.") from None
    data.setdefault("base_dir", str(path.parent.resolve()))
    return config_from_dict(data, source=path.name)
