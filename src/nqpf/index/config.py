"""The run configuration (one TOML file reproduces a run), validated with pydantic.

Sections: ``[data]``, ``[framework]``, ``[impute]``, ``[screen]``, ``[treat]``,
``[normalise]``, ``[weight]``, ``[aggregate]``, ``[output]`` — and one section per
post-build stage (``[analysis]``, ``[sensitivity]``, ``[explain]``, ``[gtfp]``,
``[paths]``, ``[report]``), validated by that stage's own model.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .._config import format_validation_error
from .._errors import ConfigError
from ..data.numbers import PercentPolicy
from .aggregate import AggMethod, TopsisDistance
from .impute import ImputeMethod
from .normalise import NormMethod, NormScope
from .quality import QualityConfig
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
    "check_given_weights",
    "INDEX_SECTIONS",
    "toml_text",
]

INDEX_SECTIONS = ("data", "framework", "quality", "impute", "screen", "treat", "normalise", "weight", "aggregate", "output")


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
    percent: PercentPolicy = "error"


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
    """The indicator framework (a built-in name or a TOML/CSV file)."""

    path: str = Field("", description="framework TOML/CSV (relative to the config) or a built-in name")
    indicators: list[str] = Field(default_factory=list, description="use only these indicators")
    exclude: list[str] = Field(default_factory=list, description="leave these indicators out")


class ImputeConfig(_Model):
    """Imputation of missing indicator values (every filled cell is recorded in changes.csv)."""

    method: ImputeMethod = "none"
    group: str | None = Field(None, description="unit-table column for group_mean")


class ScreenConfig(_Model):
    """Screening of units by data availability (excluded unit-years are listed in excluded.csv)."""

    min_coverage: float = Field(0.0, ge=0.0, le=1.0, description="minimum share of available indicators")
    by: Literal["unit", "unit_year"] = "unit_year"
    on: Literal["raw", "imputed"] = Field("imputed", description="screen before or after imputation")


class TreatConfig(_Model):
    """Outlier treatment (COINr rule, percentile Winsorisation, logs)."""

    method: TreatMethod = "none"
    scope: Literal["year", "pooled"] = "year"
    winmax: int | None = Field(5, ge=1)
    skew_thresh: float = Field(2.0, gt=0)
    kurt_thresh: float = 3.5
    lower: float = Field(0.01, ge=0, lt=0.5)
    upper: float = Field(0.99, gt=0.5, le=1)
    indicators: list[str] = Field(default_factory=list, description="treat only these (default: all)")


class NormaliseConfig(_Model):
    """Normalisation (无量纲化) and its reference set."""

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
    """Combination of several weighting methods (组合赋权)."""

    methods: list[Literal["equal", "given", "entropy", "critic", "cv", "pca"]] = Field(min_length=2)
    rule: Literal["linear", "multiplicative", "mdi", "game"] = "linear"
    alpha: float = Field(0.5, ge=0, le=1)


class WeightConfig(_Model):
    """Weighting (赋权): method, reference set and scheme."""

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
    """Aggregation up the tree."""

    method: AggMethod = "arithmetic"
    topsis_ideal: Literal["pooled", "year"] = "pooled"
    topsis_distance: TopsisDistance = "weighted_values"
    min_coverage: float = Field(0.0, ge=0.0, le=1.0, description="minimum available weight share per node")
    scale: float = Field(1.0, gt=0, description="multiply aggregate scores (e.g. 100)")
    node_methods: dict[str, AggMethod] = Field(default_factory=dict, description="per-node method overrides")


class OutputConfig(_Model):
    """Where and how results are saved."""

    dir: str = ""
    formats: list[Literal["csv", "parquet"]] = Field(default_factory=lambda: ["csv", "parquet"])
    csv_encoding: Literal["utf-8-sig", "utf-8"] = Field(
        "utf-8-sig", description="CSV files of the run: UTF-8 with a BOM (Excel on Chinese Windows shows Chinese "
        "correctly) or plain UTF-8; nqpf reads both")


class RunConfig(_Model):
    """A complete run: the index sections plus free-form stage sections (validated by the stages)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    title: str = ""
    data: DataConfig = Field(default_factory=DataConfig)
    framework: FrameworkConfig = Field(default_factory=FrameworkConfig)
    quality: QualityConfig = Field(default_factory=QualityConfig)
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
    return format_validation_error(exc, where=where, label="invalid configuration", limit=10,
                                   fix="See docs/config.md for every option.")


def check_given_weights(given: Mapping[str, float]) -> None:
    """Refuse negative (or non-finite) weights in ``[weight] given``, as the framework refuses them.

    Called when a config is read and again by the engine (for a :class:`WeightConfig` built in Python).
    """
    bad = {k: v for k, v in given.items() if not (math.isfinite(v) and v >= 0)}
    if bad:
        got = ", ".join(f"{k} = {v:g}" for k, v in bad.items())
        ids = ", ".join(repr(k) for k in bad)
        raise ConfigError(
            f"Config [weight] given: weights must be finite numbers >= 0 (the framework refuses negative weights too); "
            f"got {got}. Fix the weight of {ids} in [weight] given to a value >= 0, or remove it to use the framework's weight."
        )


#: the sections of the post-build stages (validated by each stage's own model); the stage registry of
#: :mod:`nqpf.pipeline` is checked against this list by the tests, so it is the one list of section names
STAGE_SECTIONS = ("analysis", "sensitivity", "validation", "explain", "gtfp", "paths", "report")


def check_section_names(data: Mapping[str, Any], *, source: str = "config") -> None:
    """Refuse a top-level section that is neither an index section nor a stage section, with a suggestion.

    A misspelt section (``[normalize]``, ``[wieght]``) would otherwise be ignored and the run would use the
    defaults of the section the user meant.

    >>> check_section_names({"normalize": {"method": "zscore"}})
    Traceback (most recent call last):
    ...
    nqpf._errors.ConfigError: config: unknown section [normalize] (did you mean [normalise]?); got it at the top level. Known sections: data, framework, quality, impute, screen, treat, normalise, weight, aggregate, output, analysis, sensitivity, validation, explain, gtfp, paths, report.
    """
    import difflib

    known = list(INDEX_SECTIONS) + list(STAGE_SECTIONS)
    extra = [k for k in data if k not in known and k not in ("title", "base_dir")]
    if not extra:
        return
    parts = []
    for k in extra:
        close = difflib.get_close_matches(str(k), known, n=1, cutoff=0.6)
        parts.append(f"[{k}]" + (f" (did you mean [{close[0]}]?)" if close else ""))
    raise ConfigError(f"{source}: unknown section{'s' if len(extra) > 1 else ''} {', '.join(parts)}; got "
                      f"{'them' if len(extra) > 1 else 'it'} at the top level. Known sections: {', '.join(known)}.")


def config_from_dict(data: Mapping[str, Any], *, source: str = "config") -> RunConfig:
    check_section_names(data, source=source)
    try:
        cfg = RunConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_format_validation(exc, source)) from None
    check_given_weights(cfg.weight.given)
    return cfg


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
    if path.is_dir():
        inside = sorted(p.name for p in path.glob("*.toml"))[:5]
        raise ConfigError(f"Config file {str(config)!r}: is a folder, not a config file; got a directory"
                          + (f" holding {inside}" if inside else "") + ". Give the run config (e.g. "
                          f"{str(Path(config) / (inside[0] if inside else 'run.toml'))!r}) or a saved manifest.json.")
    if path.suffix.lower() == ".json":
        import json

        try:
            data = json.loads(_config_text(path))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"Config file {path.name}: not readable JSON; got {exc}. Give a run config (TOML) or "
                              "the manifest.json a run wrote.") from None
        if not isinstance(data, dict):
            raise ConfigError(f"Config file {path.name}: not a manifest; got a JSON {type(data).__name__}. Give a run "
                              "config (TOML) or the manifest.json a run wrote.")
        if "config" in data and "nqpf_version" in data:  # a manifest: replay its config
            data = dict(data["config"])
            data["base_dir"] = str(path.parent.resolve()) if not data.get("base_dir") else data["base_dir"]
        return config_from_dict(data, source=path.name)
    try:
        data = tomllib.loads(_config_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Config file {path.name}: invalid TOML; got {exc}. Fix the syntax at that line.") from None
    data.setdefault("base_dir", str(path.parent.resolve()))
    return config_from_dict(data, source=path.name)


def _config_text(path: Path, what: str = "Config file") -> str:
    """The text of a config (or framework) TOML file, which must be UTF-8 (a BOM is accepted); any other encoding
    is one ConfigError naming the encoding the bytes look like."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        likely = ""
        for enc, label in (("gb18030", "GBK/GB18030"), ("big5", "Big5"), ("utf-16", "UTF-16")):
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            likely = f" (it looks {label}-encoded)"
            break
        line = raw[:exc.start].count(b"\n") + 1
        raise ConfigError(f"{what} {path.name}, line {line}: not UTF-8 text{likely}; got byte "
                          f"{raw[exc.start:exc.start + 1]!r} at position {exc.start}. Save the file as UTF-8 (in Notepad/WPS: "
                          "Save As → encoding UTF-8); TOML files are always UTF-8.") from None


_DOCS = {
    ("data", "files"): "input tables ([[data.files]]); a single `path = ...` in [data] is accepted as a shorthand",
    ("data", "exclude_units"): "drop these units (codes or names)",
    ("data.files", "layout"): "long (unit, year, indicator, value) or wide (one column per indicator); auto-detected",
    ("data.files", "year"): "year column (default: auto-detect, e.g. year / 年份)",
    ("data.files", "indicator"): "indicator column of a long table",
    ("data.files", "value"): "value column of a long table",
    ("data.files", "unit_name"): "column with display names of the units",
    ("data.files", "sheet"): "sheet of an XLSX file",
    ("data.files", "encoding"): "CSV encoding (default: detected — UTF-8, UTF-8 BOM, GBK/GB18030)",
    ("data.files", "units"): "province: resolve keys through the province registry (北京/北京市/110000/Beijing); raw: keep keys",
    ("data.files", "percent"): "cells such as 12.5%: error (refused, the default), divide (12.5% → 0.125) or keep (12.5% → 12.5); "
                               "also accepted in [data] beside a single path",
    ("impute", "method"): "none; linear (time interpolation, constant at the ends); locf; group_mean; unit_mean; mean; median",
    ("screen", "by"): "unit (availability over all years) or unit_year",
    ("screen", "on"): "screen the raw or the imputed data",
    ("treat", "method"): "none; coinr (abs(skew) ≥ 2 and kurtosis ≥ 3.5 → iterative Winsorisation up to winmax points, then log_CT); winsorise (percentiles lower/upper); log; log_ct",
    ("treat", "scope"): "treat each year's cross-section or all years pooled",
    ("treat", "winmax"): "maximum number of points Winsorised (COINr rule)",
    ("treat", "skew_thresh"): "absolute skewness threshold",
    ("treat", "kurt_thresh"): "kurtosis threshold",
    ("treat", "lower"): "lower percentile of method winsorise",
    ("treat", "upper"): "upper percentile of method winsorise",
    ("normalise", "method"): "minmax (极差标准化), zscore, ratio_max, vector, percentile_rank, rank, borda, dist_max, target, none",
    ("normalise", "scope"): "pooled (全局: all years, comparable over time), year (截面), base_year",
    ("normalise", "range"): "[a, b] of min–max",
    ("normalise", "base_year"): "year whose min/max (mean/sd) is used when scope = base_year",
    ("normalise", "mean"): "target mean of zscore",
    ("normalise", "sd"): "target standard deviation of zscore",
    ("normalise", "ddof"): "degrees of freedom of the zscore standard deviation",
    ("weight", "method"): "equal, given (framework weights), entropy (熵值法), critic, cv (变异系数法), pca, ahp, combined",
    ("weight", "entropy_k"): "ln_n: k = 1/ln n; ln_nonzero: k = 1/ln(number of non-zero proportions)",
    ("weight", "entropy_zeros"): "keep (0·ln 0 = 0), shift (add entropy_shift), replace (zeros → entropy_shift), e_zero (pymcdm: e_j = 0 if any zero)",
    ("weight", "entropy_shift"): "the small constant of entropy_zeros = shift / replace",
    ("weight", "critic_correlation"): "signed r_jk or |r_jk|",
    ("weight", "critic_contrast"): "σ_j or σ_j / mean_j",
    ("weight", "pca_retain"): "kaiser (λ > 1) or variance (cumulative share ≥ pca_variance)",
    ("weight", "pca_variance"): "cumulative variance share of pca_retain = variance",
    ("weight", "ahp_max_cr"): "largest accepted consistency ratio",
    ("weight", "ahp_allow_inconsistent"): "accept CR above ahp_max_cr",
    ("weight", "combine"): "[weight.combine]: methods and rule of a combined weighting",
    ("weight.combine", "methods"): "two or more methods to combine",
    ("weight.combine", "rule"): "linear (α a + (1 − α) b), multiplicative (乘法合成), mdi (最小相对信息熵), game (博弈论组合赋权)",
    ("weight.combine", "alpha"): "α of the linear rule",
    ("aggregate", "method"): "arithmetic, geometric, harmonic, topsis (over the node's indicators), copeland",
    ("aggregate", "topsis_ideal"): "ideal and anti-ideal over all unit-years (pooled) or per year",
    ("aggregate", "topsis_distance"): "weighted_values: D = sqrt(Σ (w z − (w z)*)²); weights_inside: D = sqrt(Σ w (z − z*)²)",
    ("output", "dir"): "output folder (the --out option overrides it)",
    ("output", "formats"): "table formats written by save()",
}


def config_reference() -> str:
    """Markdown reference of every index section and option (generated from the pydantic models)."""
    import typing

    lines = ["# Run configuration reference", "",
             "Generated from the configuration models (`python -c 'from nqpf.index.config import config_reference; "
             "print(config_reference())' > docs/config.md`).",
             "Paths are relative to the config file. Stage sections (`[analysis]`, `[sensitivity]`, `[explain]`,",
             "`[gtfp]`, `[paths]`, `[report]`) are documented with their stages.", ""]
    sections = [("data", DataConfig), ("data.files", DataFile), ("framework", FrameworkConfig), ("quality", QualityConfig),
                ("impute", ImputeConfig),
                ("screen", ScreenConfig), ("treat", TreatConfig), ("normalise", NormaliseConfig), ("weight", WeightConfig),
                ("weight.combine", CombineConfig), ("aggregate", AggregateConfig), ("output", OutputConfig)]
    for name, model in sections:
        lines += [f"## `[{name}]`", "", (model.__doc__ or "").strip(), "", "| option | type | default | meaning |", "| --- | --- | --- | --- |"]
        for fname, f in model.model_fields.items():
            ann = f.annotation
            if typing.get_origin(ann) is typing.Literal:
                typ = "one of " + ", ".join(repr(a) for a in typing.get_args(ann))
            else:
                typ = getattr(ann, "__name__", str(ann)).replace("typing.", "").replace("|", "or")
            default = "required" if f.is_required() else repr(f.default if f.default_factory is None else f.default_factory())
            desc = f.description or _DOCS.get((name, fname), "")
            lines.append(f"| `{fname}` | {typ} | `{default}` | {desc} |")
        lines.append("")
    return "\n".join(lines).replace("\n\n\n", "\n\n")


toml_text = _config_text  # public name: the UTF-8 check of every TOML file a run reads
