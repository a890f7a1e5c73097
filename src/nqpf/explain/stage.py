"""The ``explain`` post-build stage: the ``[explain]`` section of the run config.

Example (TOML)::

    [explain]
    extra = "controls.csv"              # optional user columns (unit, year, ...) relative to the config
    hausman = true                      # Hausman test for every FE model
    hausman_method = "mundlak"          # classic (Hausman 1978) | mundlak (cluster-robust)

    [explain.series]                    # columns derived from the run's raw input series (derive grammar)
    real_gdp_growth = "index_growth(gdp_index_prev_year_100) * 100"
    population = "series(resident_population_year_end)"

    [[explain.models]]
    name = "(1)"
    y = "real_gdp_growth"               # not built from the regressors (see below)
    x = ["lag(NQPF)"]
    controls = ["log(population)", "urbanisation"]
    fe = "twoway"
    cluster = "unit"

    [explain.table]
    lang = "zh"
    formats = ["xlsx", "html", "tex"]

    [[explain.mediation]]
    y = "real_gdp_growth"
    x = "lag(NQPF)"
    mediator = "urbanisation"

    [[explain.heterogeneity]]
    y = "real_gdp_growth"
    x = ["lag(driver:数据)"]
    by = "region4"

    [[explain.threshold]]
    y = "real_gdp_growth"
    x = ["lag(NQPF)"]
    q = "log(population)"

    [[explain.spatial]]
    y = "real_gdp_growth"
    x = ["lag(NQPF)"]
    weights = "queen"                   # province weights kind, a CSV matrix / edge list, GAL/GWT, or "analysis"

    [[explain.robustness]]
    model = "(1)"
    alternatives = { "equal weights" = "runs/equal_weights" }   # column name or saved run directory

Every specification is recorded in the run manifest through this section.

Tautological models are refused: when a regressor (key regressor, control, mediator,
threshold variable) and the dependent variable are built from the same indicators of the
index's framework — ``NQPF`` on ``driver:数据``, a dimension on an indicator under it, a
grouping node sharing indicators with the outcome, a lagged outcome — the stage raises a
:class:`~nqpf.ConfigError` before fitting anything (:func:`nqpf.explain.overlap.check_overlap`).
``allow_overlap = true`` in that model runs it anyway and records a warning in the ``notes`` table.
"""
from __future__ import annotations

import dataclasses
import re
import warnings
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._config import read_toml_section, validate_section
from .._errors import ConfigError, DataError, MethodWarning
from .._stages import Stage, StageContext, StageOutput
from .fe import HausmanMethod, fit_spec, hausman
from .heterogeneity import EqualityTest, heterogeneity
from .mediation import mediation
from .overlap import check_overlap
from .robustness import MUNICIPALITIES, robustness
from .spatial import FEMethod, SpatialEffects, SpatialModel, spatial_panel
from .spec import ClusterBy, FixedEffects, ModelSpec, SmallSample, regression_frame
from .tables import Brackets, TableLanguage, TableStat, regression_table
from .threshold import ThresholdEffects, panel_threshold

__all__ = [
    "ExplainConfig",
    "TableOptions",
    "MediationSpec",
    "HeterogeneitySpec",
    "ThresholdSpec",
    "SpatialSpec",
    "RobustnessSpec",
    "run_explain",
    "load_explain_config",
    "explain_config",
    "read_weights",
    "derive_series",
    "overlap_notes",
    "STAGE",
]

TableFormat = Literal["xlsx", "html", "tex", "csv"]
#: province weights built by nqpf.analysis.weights_cn.province_weights
_WEIGHT_KINDS = ("queen", "rook", "inverse_distance", "inverse_distance_sq")


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TableOptions(_Base):
    """How the journal table is printed and which files are written."""

    lang: TableLanguage = "zh"
    stat: TableStat = "se"
    brackets: Brackets = "()"
    digits: int = Field(3, ge=0, le=8)
    show_controls: bool = True
    formats: list[TableFormat] = Field(default_factory=lambda: ["xlsx", "html", "tex"])
    labels: dict[str, str] = Field(default_factory=dict)


class MediationSpec(_Base):
    name: str = "mediation"
    y: str
    x: str
    mediator: str
    controls: list[str] = Field(default_factory=list)
    fe: FixedEffects = "twoway"
    cluster: ClusterBy = "unit"
    ssc: SmallSample = "stata"
    reps: int = Field(500, ge=0)
    seed: int | None = 0
    allow_overlap: bool = False


class HeterogeneitySpec(_Base):
    name: str = "heterogeneity"
    y: str
    x: list[str]
    by: str
    controls: list[str] = Field(default_factory=list)
    groups: list[str] | None = None
    test: EqualityTest = "interaction"
    fe: FixedEffects = "twoway"
    cluster: ClusterBy = "unit"
    reps: int = Field(500, ge=1)
    seed: int | None = 0
    allow_overlap: bool = False


class ThresholdSpec(_Base):
    name: str = "threshold"
    y: str
    x: list[str]
    q: str
    controls: list[str] = Field(default_factory=list)
    n_thresholds: int = Field(1, ge=1, le=3)
    fe: ThresholdEffects = "unit"
    trim: float = Field(0.01, gt=0, lt=0.3)
    grid: int = Field(300, ge=10)
    reps: int = Field(300, ge=0)
    seed: int | None = 0
    allow_overlap: bool = False


class SpatialSpec(_Base):
    name: str = "spatial"
    y: str
    x: list[str]
    controls: list[str] = Field(default_factory=list)
    model: SpatialModel = "durbin"
    fe: SpatialEffects = "twoway"
    fe_method: FEMethod = "lee_yu"
    weights: str = "analysis"
    draws: int = Field(1000, ge=0)
    seed: int | None = 0
    allow_overlap: bool = False


class RobustnessSpec(_Base):
    name: str = "robustness"
    model: str
    alternatives: dict[str, str] = Field(default_factory=dict)
    winsorise_at: float | None = Field(0.01, ge=0, lt=0.5)
    drop_units: list[str] | None = Field(default_factory=lambda: list(MUNICIPALITIES))
    lag_x: bool = True
    years: tuple[int, int] | None = None
    allow_overlap: bool = False


class ExplainConfig(_Base):
    """The ``[explain]`` section: panel models of what drives the index."""

    models: list[ModelSpec] = Field(default_factory=list)
    hausman: bool = False
    hausman_method: HausmanMethod = "classic"
    table: TableOptions = Field(default_factory=TableOptions)
    mediation: list[MediationSpec] = Field(default_factory=list)
    heterogeneity: list[HeterogeneitySpec] = Field(default_factory=list)
    threshold: list[ThresholdSpec] = Field(default_factory=list)
    spatial: list[SpatialSpec] = Field(default_factory=list)
    robustness: list[RobustnessSpec] = Field(default_factory=list)
    extra: str | None = None
    series: dict[str, str] = Field(default_factory=dict)
    data: str | None = None
    run: str | None = None

    @field_validator("series")
    @classmethod
    def _series(cls, v: dict[str, str]) -> dict[str, str]:
        from ..framework.derive import parse_derivation

        for name, expr in v.items():
            if not _SERIES_NAME.match(name):
                raise ValueError(f"series name {name!r} must be a plain identifier (letters, digits, '_', no ':' or spaces)")
            parse_derivation(expr, indicator=name)
        return v


_SERIES_NAME = re.compile(r"^[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*$")


def load_explain_config(path: str | Path) -> tuple[ExplainConfig, Path]:
    """Read the ``[explain]`` section of a TOML file; return the config and the file's folder.

    Validation errors become one :class:`~nqpf.ConfigError` naming the offending key.
    """
    path = Path(path)
    section, _ = read_toml_section(path, "explain", file_hint="Pass a TOML file with an [explain] section.",
                                   section_hint="Add [explain] with [[explain.models]].")
    return explain_config(section, where=f"{path.name} [explain]"), path.parent


def explain_config(section: dict, *, where: str = "[explain]") -> ExplainConfig:
    """Validate a dict as an :class:`ExplainConfig`, raising :class:`~nqpf.ConfigError` on the first problem.

    Examples
    --------
    >>> cfg = explain_config({"models": [{"y": "real_gdp_growth", "x": ["lag(NQPF)"]}]})
    >>> cfg.models[0].cluster, cfg.table.lang, cfg.models[0].allow_overlap
    ('unit', 'zh', False)
    """
    return validate_section(ExplainConfig, section, where=where, fix="See docs/explain.md for the keys.")


def _resolve(path: str, base: Path | None) -> Path:
    p = Path(path)
    return p if p.is_absolute() or base is None else base / p


def _read_table(path: Path, where: str) -> pd.DataFrame:
    if not path.exists():
        raise ConfigError(f"{where}: file not found; got {str(path)!r}. Give a path relative to the config file.")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype={"unit": str})
    return pd.read_csv(path, dtype={"unit": str, "neighbor": str, "focal": str}, encoding="utf-8-sig")


def read_weights(path: str | Path) -> pd.DataFrame:
    """Read spatial weights from CSV: a square matrix (first column = unit codes) or an edge list.

    An edge list has columns ``unit`` (or ``focal``), ``neighbor`` and optionally ``weight``
    (default 1). GAL/GWT files are read by :func:`nqpf.analysis.weights_cn.read_weights`
    through :func:`~nqpf.explain.spatial.as_weights`.
    Returns a square unit × unit DataFrame (not standardised).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "w.csv")
    >>> pd.DataFrame({"unit": ["a", "b"], "neighbor": ["b", "a"]}).to_csv(p, index=False)
    >>> read_weights(p).to_numpy().tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    path = Path(path)
    df = _read_table(path, "read_weights")
    if "focal" in df.columns and "unit" not in df.columns:
        df = df.rename(columns={"focal": "unit"})
    if {"unit", "neighbor"} <= set(df.columns):
        w = df["weight"] if "weight" in df.columns else pd.Series(1.0, index=df.index)
        ids = sorted(set(df["unit"].astype(str)) | set(df["neighbor"].astype(str)))
        m = pd.DataFrame(0.0, index=ids, columns=ids)
        for u, v, val in zip(df["unit"].astype(str), df["neighbor"].astype(str), w.astype(float)):
            m.loc[u, v] = val
        return m
    first = df.columns[0]
    m = df.set_index(first)
    m.index = m.index.astype(str).str.replace(r"\.0$", "", regex=True)
    m.columns = [str(c) for c in m.columns]
    if list(m.index) != list(m.columns):
        raise DataError(
            f"read_weights: {path.name}: the matrix must list the same units as rows and columns"
            f"; got {list(m.index)[:3]} and {list(m.columns)[:3]}. Or use an edge list unit, neighbor, weight."
        )
    return m.astype(float)


def derive_series(series: dict[str, str], raw: pd.DataFrame) -> pd.DataFrame:
    """Columns ``unit, year, <name>…`` derived from raw input series (the framework's derive grammar).

    ``series`` maps a column name to a derivation such as ``"index_growth(gdp_index_prev_year_100) * 100"``
    (:mod:`nqpf.framework.derive`); ``raw`` is a long table ``unit, year, indicator`` (or ``series``), ``value``.

    Examples
    --------
    >>> raw = pd.DataFrame({"unit": ["a", "a"], "year": [2020, 2021], "series": "gdp_index", "value": [105.0, 102.0]})
    >>> derive_series({"growth": "index_growth(gdp_index) * 100"}, raw)["growth"].round(6).tolist()
    [5.0, 2.0]
    """
    from ..framework.derive import derive_wide, parse_derivation
    from ..framework.model import Framework, Node

    key = "indicator" if "indicator" in raw.columns else "series"
    need = {"unit", "year", key, "value"}
    if not need <= set(raw.columns):
        raise DataError(
            f"[explain] series: the raw input needs columns unit, year, indicator (or series), value"
            f"; got {list(raw.columns)[:10]}. Pass the long table the index was built from."
        )
    available = set(map(str, raw[key].unique()))
    for name, expr in series.items():
        miss = [a for a in parse_derivation(expr, indicator=name).args if a not in available]
        if miss:
            import difflib

            close = {m: difflib.get_close_matches(m, sorted(available), n=1) for m in miss}
            hint = "; ".join(f"{m!r}" + (f" (did you mean {c[0]!r}?)" if c else "") for m, c in close.items())
            raise ConfigError(
                f"[explain] series {name!r}: {expr!r} needs raw series not in the run's input; got {hint}. "
                "Use series of the input data (nqpf.datasets.load_province_raw() for the bundled panel)."
            )
    fw = Framework(id="explain_series", nodes=(Node("_series", "aggregate"),)
                   + tuple(Node(n, "indicator", parent="_series", derive=e) for n, e in series.items()))
    r = raw.rename(columns={key: "indicator"})[["unit", "year", "indicator", "value"]].copy()
    r["unit"] = r["unit"].astype(str)
    r["year"] = pd.to_numeric(r["year"]).astype(int)
    r["value"] = pd.to_numeric(r["value"], errors="coerce").astype(float)
    wide, _log = derive_wide(r, fw)
    return wide.reset_index()[["unit", "year", *series]]


def _raw_input(data: Any, raw_series: pd.DataFrame | None) -> pd.DataFrame | None:
    """The raw input series for ``[explain] series``: given, else the bundled panel a result was built from."""
    if raw_series is not None:
        return raw_series
    manifest = getattr(data, "manifest", None)
    inputs = manifest.get("inputs", []) if isinstance(manifest, dict) else []
    if any(isinstance(i, dict) and i.get("source") == "bundled:province" for i in inputs):
        from ..datasets import load_province_raw

        return load_province_raw()
    if isinstance(data, pd.DataFrame) and {"unit", "year", "indicator", "value"} <= set(data.columns):
        return data
    return None


def _series_derivations(config: ExplainConfig) -> dict[str, Any]:
    from ..framework.derive import parse_derivation

    return {n: parse_derivation(e, indicator=n) for n, e in config.series.items()}


def overlap_notes(config: ExplainConfig, framework: Any) -> list[tuple[str, str, str]]:
    """Check every model of ``config`` for regressors built from the outcome's indicators.

    Runs :func:`~nqpf.explain.overlap.check_overlap` on each equation: FE/RE models (y on key
    regressors, interactions and controls), mediation (y on x, mediator and controls; mediator on x
    and controls), heterogeneity, threshold (y on x, q and controls), spatial, and the alternative
    dependent variables of robustness checks. Raises :class:`~nqpf.ConfigError` on the first refused
    model; returns ``[(section, model name, warning note)]`` for the models forced with ``allow_overlap``.
    """
    if framework is None:
        return []
    series = _series_derivations(config)
    notes: list[tuple[str, str, str]] = []

    def check(section: str, name: str, outcome: str, regressors: list[str], allow: bool) -> None:
        for n in check_overlap(framework, where=f"[explain.{section}]", name=name, outcome=outcome,
                               regressors=regressors, allow=allow, series=series):
            notes.append((section, name, n))

    for m in config.models:
        check("models", m.name, m.y, m.terms(), m.allow_overlap)
    for s in config.mediation:
        check("mediation", s.name, s.y, [s.x, s.mediator, *s.controls], s.allow_overlap)
        check("mediation", s.name, s.mediator, [s.x, *s.controls], s.allow_overlap)
    for s in config.heterogeneity:
        check("heterogeneity", s.name, s.y, [*s.x, *s.controls], s.allow_overlap)
    for s in config.threshold:
        check("threshold", s.name, s.y, [*s.x, s.q, *s.controls], s.allow_overlap)
    for s in config.spatial:
        check("spatial", s.name, s.y, [*s.x, *s.controls], s.allow_overlap)
    for s in config.robustness:
        spec = next((m for m in config.models if m.name == s.model), None)
        if spec is None:
            continue  # reported by run_explain
        for label, src in s.alternatives.items():
            if _is_term(src):
                check("robustness", f"{s.name}: {label}", src, spec.terms(), s.allow_overlap or spec.allow_overlap)
    return notes


def _is_term(src: str) -> bool:
    """A robustness alternative that names a column/term (not a saved run directory)."""
    try:
        from .spec import parse_term

        parse_term(src)
    except ConfigError:
        return False
    return not any(ch in src for ch in "/\\")


def run_explain(data: Any, config: ExplainConfig, *, out_dir: str | Path | None = None, base_dir: str | Path | None = None,
                context: StageContext | dict | None = None, progress: Any = None, raw_series: pd.DataFrame | None = None,
                framework: Any = None) -> dict[str, Any]:
    """Run every analysis of an :class:`ExplainConfig` on an index result or panel.

    Returns ``{table name: DataFrame}`` (and, under ``"_results"``, the result objects: ``"models"`` the
    journal table, ``"model_fits"`` ``{name: PanelRegression}``, and each analysis under its name).
    With ``out_dir`` the journal tables are also written as Excel / HTML / LaTeX files.

    Before anything is fitted, every model is checked against the index's framework
    (``data.framework``, or ``framework=``) by :func:`overlap_notes`: a regressor built from the
    outcome's indicators is a :class:`~nqpf.ConfigError`; models forced with ``allow_overlap``
    get a warning, recorded in the ``notes`` table (columns ``section, model, note``).
    ``[explain] series`` columns are derived from ``raw_series`` (long ``unit, year, indicator,
    value``), else from the bundled panel when ``data`` was built from it.

    Examples
    --------
    >>> from linearmodels.datasets import wage_panel
    >>> d = wage_panel.load().rename(columns={"nr": "unit"})
    >>> cfg = explain_config({"models": [{"y": "lwage", "x": ["union"], "controls": ["married"]}]})
    >>> out = run_explain(d, cfg)
    >>> out["models_table"].iloc[0, 0]
    'union'
    """
    base = Path(base_dir) if base_dir is not None else None
    context = StageContext.coerce(context)
    fw = framework if framework is not None else getattr(data, "framework", None)
    notes = overlap_notes(config, fw)  # refuses tautological models before anything is fitted
    for _section, _name, note in notes:
        warnings.warn(note, MethodWarning, stacklevel=2)
    extra = _read_table(_resolve(config.extra, base), "[explain] extra") if config.extra else None
    frame = regression_frame(data, extra=extra)
    if config.series:
        raw = _raw_input(data, raw_series)
        if raw is None:
            raise ConfigError(
                f"[explain] series: no raw input series to derive {sorted(config.series)} from; got {type(data).__name__} without "
                "the input panel. Run the stage from `nqpf build`, pass raw_series= (long unit, year, indicator, value) "
                "or give the columns in extra."
            )
        frame = regression_frame(frame, extra=derive_series(config.series, raw))
    out: dict[str, Any] = {}
    results: dict[str, Any] = {}
    say = progress or (lambda _msg: None)
    fitted = {}
    for spec in config.models:
        say(f"explain: model {spec.name}")
        m = fit_spec(frame, spec)
        forced = tuple(n for sec, name, n in notes if sec == "models" and name == spec.name)
        fitted[spec.name] = dataclasses.replace(m, notes=m.notes + forced) if forced else m
    if fitted:
        opts = config.table
        tab = regression_table(list(fitted.values()), labels=opts.labels, show_controls=opts.show_controls, stat=opts.stat,
                               brackets=opts.brackets, digits=opts.digits, lang=opts.lang)
        results["models"] = tab
        results["model_fits"] = dict(fitted)  # PanelRegression per model (forced models carry the overlap note)
        out["models_table"] = tab.tables()["table"]
        out["models_coefficients"] = pd.concat([m.tables()["coefficients"].assign(model=k) for k, m in fitted.items()], ignore_index=True)
        out["models_statistics"] = pd.concat([m.tables()["statistics"].assign(model=k) for k, m in fitted.items()], ignore_index=True)
        if out_dir is not None:
            d = Path(out_dir)
            d.mkdir(parents=True, exist_ok=True)
            for fmt in opts.formats:
                tab.save(d / f"models_table.{fmt}")
    if config.hausman:
        rows = []
        for name, m in fitted.items():
            spec = next(s for s in config.models if s.name == name)
            h = hausman(frame, y=spec.y, x=spec.key_terms(), controls=spec.controls, fe=spec.fe, method=config.hausman_method,
                        years=spec.years, drop_units=spec.drop_units)
            rows.append({"model": name, "chi2": h.statistic, "df": h.df, "p_value": h.p_value, "preferred": h.preferred})
        out["hausman"] = pd.DataFrame(rows)
    for s in config.mediation:
        say(f"explain: mediation {s.name}")
        r = mediation(frame, y=s.y, x=s.x, mediator=s.mediator, controls=s.controls, fe=s.fe, cluster=s.cluster, ssc=s.ssc, reps=s.reps, seed=s.seed)
        results[s.name] = r
        out[f"{s.name}_effects"] = r.effects
        t = regression_table(r.models, lang=config.table.lang, title=f"Mediation: {s.x} → {s.mediator} → {s.y}")
        out[f"{s.name}_table"] = t.tables()["table"]
    for s in config.heterogeneity:
        say(f"explain: heterogeneity {s.name}")
        r = heterogeneity(frame, y=s.y, x=s.x, by=s.by, controls=s.controls, groups=s.groups, test=s.test, fe=s.fe, cluster=s.cluster, reps=s.reps, seed=s.seed)
        results[s.name] = r
        out[f"{s.name}_coefficients"] = r.tables()["coefficients"]
        out[f"{s.name}_equality"] = r.equality
        t = regression_table(list(r.models), lang=config.table.lang, title=f"Heterogeneity by {s.by}")
        out[f"{s.name}_table"] = t.tables()["table"]
    for s in config.threshold:
        say(f"explain: threshold {s.name}")
        r = panel_threshold(frame, y=s.y, x=s.x, q=s.q, controls=s.controls, n_thresholds=s.n_thresholds, fe=s.fe, trim=s.trim,
                            grid=s.grid, reps=s.reps, seed=s.seed)
        results[s.name] = r
        for k, v in r.tables().items():
            out[f"{s.name}_{k}"] = v
    for s in config.spatial:
        say(f"explain: spatial {s.name}")
        if s.weights == "analysis":
            w = context.result("weights")  # the SpatialWeights the analysis stage used (found by kind)
            if w is None:
                raise ConfigError(
                    f"[explain.spatial] {s.name}: weights = 'analysis' but the analysis stage provided no weights; got none. "
                    "Give a CSV path (square matrix or edge list unit, neighbor, weight)."
                )
        elif s.weights in _WEIGHT_KINDS:
            w = s.weights
        else:
            path = _resolve(s.weights, base)
            w = read_weights(path) if path.suffix.lower() in (".csv", ".xlsx", ".xls", ".parquet") else str(path)
        r = spatial_panel(frame, y=s.y, x=s.x, w=w, controls=s.controls, model=s.model, fe=s.fe, fe_method=s.fe_method, draws=s.draws, seed=s.seed, name=s.name)
        results[s.name] = r
        for k, v in r.tables().items():
            out[f"{s.name}_{k}"] = v
    for s in config.robustness:
        say(f"explain: robustness {s.name}")
        spec = next((m for m in config.models if m.name == s.model), None)
        if spec is None:
            raise ConfigError(
                f"[explain.robustness] {s.name}: model {s.model!r} is not in [[explain.models]]"
                f"; got {[m.name for m in config.models]}. Name one of them."
            )
        alts: dict[str, Any] = {}
        for label, src in s.alternatives.items():
            p = _resolve(src, base)
            alts[label] = _load_run(p) if p.is_dir() else src
        r = robustness(frame, spec, alternatives=alts, winsorise_at=s.winsorise_at, drop_units=s.drop_units, lag_x=s.lag_x,
                       years=s.years, lang=config.table.lang)
        results[s.name] = r
        out[f"{s.name}_comparison"] = r.comparison
        out[f"{s.name}_table"] = r.table.tables()["table"]
        if out_dir is not None:
            for fmt in config.table.formats:
                r.table.save(Path(out_dir) / f"{s.name}_table.{fmt}")
    if notes:
        out["notes"] = pd.DataFrame(notes, columns=["section", "model", "note"])
    out["_results"] = results
    return out


def _load_run(path: Path) -> Any:
    """Read a saved run directory with :func:`nqpf.index.result.load_result`."""
    from ..index.result import load_result

    return load_result(path)


def _stage_run(result: Any, config: ExplainConfig, context: StageContext) -> StageOutput:
    context = StageContext.coerce(context)
    target = Path(context.out_dir) if context.out_dir is not None else None
    raw = None
    if config.series and context.config is not None:
        from ..index.build import load_inputs

        raw = load_inputs(context.config, context.data)[0]
    tables = run_explain(result, config, out_dir=target, base_dir=context.config_dir, context=context,
                         progress=context.progress, raw_series=raw)
    tables.pop("_results", None)
    return StageOutput.from_mapping(tables)


STAGE = Stage(name="explain", order=30, config_model=ExplainConfig, run=_stage_run,
              description="Panel regressions with the index as a regressor or outcome (FE/RE, mediation, heterogeneity, "
                          "threshold, spatial); tautological models refused.")
