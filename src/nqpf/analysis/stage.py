"""The ``analysis`` post-build stage (``[analysis]`` section) and the dispatcher behind ``nqpf analyze``.

Example (TOML)::

    [analysis]
    run = ["dagum", "theil", "inequality", "density", "markov", "spatial_markov", "moran", "lisa",
           "sigma", "beta", "club", "coupling", "obstacle", "typology"]   # default: all
    nodes = ["NQPF"]                 # default: the root node and its children
    groupings = ["region4"]          # default: region4 for provinces; any column of units.csv
    markov_k = 4
    markov_states = "pooled"         # pooled | per_year | fixed (then markov_cutoffs)
    relative = false                 # Markov states of x / yearly mean
    kernel = "gaussian"              # gaussian | epanechnikov
    bandwidth = "silverman"          # silverman | scott | a number
    weights = "queen"                # queen | rook | inverse_distance | inverse_distance_sq | economic | nested | a file
    island = "guangdong"             # guangdong | nearest | none
    gdp_per_capita = "gdp_per_capita"  # raw series for economic / nested weights (mean over the years)
    permutations = 999
    seed = 0
    coupling_subsystems = []         # default: the framework's [[subsystem]] tables
    obstacle_top_k = 5
    typology_k = 0                   # 0 = chosen by silhouette

Every table is returned as ``{kind}_{table}`` (``dagum_totals``, ``dagum_pairs``, ``moran_global``,
``lisa_local``, ``markov_probabilities`` …) with a ``node`` column (and ``grouping`` for the
decompositions); ``nqpf build`` writes them under ``DIR/analysis/``. ``analysis_log`` lists what
ran, what was skipped and why.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from .._errors import DataError, MethodError, MethodWarning, NqpfError
from .._results import Result
from .._validation import check_option
from .._stages import Stage, StageContext, StageOutput
from ._input import as_panel, child_nodes, panel_cache, root_node
from .density import Kernel
from .dynamics import StateRule
from ..spatial.weights import IslandRule, SpatialWeights, WeightsKind, province_units, province_weights, read_weights

__all__ = ["AnalysisKind", "ANALYSIS_KINDS", "AnalysisConfig", "run_analysis", "analyze", "STAGE"]

AnalysisKind = Literal["dagum", "theil", "gini", "inequality", "density", "markov", "spatial-markov", "moran",
                       "lisa", "sigma", "beta", "club", "coupling", "obstacle", "typology"]
#: every kind, in the order the stage runs them ("gini" is the same table as "inequality")
ANALYSIS_KINDS: tuple[str, ...] = ("dagum", "theil", "inequality", "density", "markov", "spatial-markov", "moran",
                                   "lisa", "sigma", "beta", "club", "coupling", "obstacle", "typology")
_GROUPED = {"dagum", "theil"}
_SPATIAL = {"moran", "lisa", "spatial-markov"}
_PER_NODE = {"dagum", "theil", "inequality", "gini", "density", "markov", "spatial-markov", "moran", "lisa", "sigma",
             "beta", "club"}


def _norm_kind(kind: str) -> str:
    return str(kind).replace("_", "-")


class AnalysisConfig(BaseModel):
    """The ``[analysis]`` section (see the module docstring for every key)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: list[str] = Field(default_factory=lambda: list(ANALYSIS_KINDS))
    nodes: list[str] | None = None
    groupings: list[str] | None = None
    markov_k: int = Field(4, ge=2)
    markov_states: StateRule = "pooled"
    markov_cutoffs: list[float] | None = None
    relative: bool = False
    kernel: Kernel = "gaussian"
    bandwidth: Literal["silverman", "scott"] | float = "silverman"
    grid_size: int = Field(256, ge=16)
    weights: str = "queen"
    island: IslandRule = "guangdong"
    gdp_per_capita: str | None = None
    permutations: int = Field(999, ge=0)
    seed: int = Field(0, ge=0)
    alpha: float = Field(0.05, gt=0, lt=1)
    beta_kind: Literal["absolute", "conditional"] = "absolute"
    beta_controls: list[str] = Field(default_factory=list)
    beta_fe: Literal["twoway", "unit", "none"] = "twoway"
    coupling_subsystems: list[str] = Field(default_factory=list)
    coupling_model: Literal["wang2021", "traditional"] = "wang2021"
    obstacle_top_k: int = Field(5, ge=1)
    typology_k: int = Field(0, ge=0)
    typology_method: Literal["kmeans", "ward"] = "kmeans"
    typology_year: int | None = None

    @field_validator("run")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        bad = [k for k in value if _norm_kind(k) not in ANALYSIS_KINDS and _norm_kind(k) != "gini"]
        if bad:
            raise ValueError(f"unknown analyses {bad}; use any of {', '.join(ANALYSIS_KINDS)}")
        return value

    def kinds(self) -> list[str]:
        """The analyses to run, normalised (``spatial_markov`` → ``spatial-markov``, ``gini`` → ``inequality``)."""
        out = ["inequality" if _norm_kind(k) == "gini" else _norm_kind(k) for k in self.run]
        return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- dispatcher
def _is_province_set(units: list[str]) -> bool:
    return set(units) <= set(province_units())


def _weights_for(units: list[str], *, weights: Any, island: str, gdp: Any = None) -> SpatialWeights:
    if isinstance(weights, SpatialWeights):
        return weights
    if isinstance(weights, str) and weights in WeightsKind.__args__:  # type: ignore[attr-defined]
        if not _is_province_set(units):
            bad = sorted(set(units) - set(province_units()))[:5]
            raise DataError(
                f"analysis: built-in {weights!r} weights cover the 31 mainland provinces only; got other units {bad}. "
                "Give a weights file (GAL, GWT or CSV) with weights=."
            )
        return province_weights(units, kind=weights, island=island, gdp_per_capita=gdp)  # type: ignore[arg-type]
    return read_weights(weights)


def analyze(kind: str, data: Any, *, node: str | None = None, group: str | None = None, value: str = "value",
            unit: str = "unit", year: str = "year", k: int = 4, states: str = "pooled", cutoffs: Any = None,
            relative: bool = False, kernel: str = "gaussian", bandwidth: Any = "silverman", grid_size: int = 256,
            weights: Any = "queen", island: str = "guangdong", gdp_per_capita: Any = None,
            permutations: int = 999, seed: int = 0, alpha: float = 0.05, beta_kind: str = "absolute",
            controls: Any = (), fe: str = "twoway", subsystems: Any = None, coupling_model: str = "wang2021",
            top_k: int = 5, typology_k: int | None = None, typology_method: str = "kmeans",
            typology_year: int | None = None, nodes: Any = None) -> Result:
    """Run one analysis by name on an ``IndexResult`` or a DataFrame (used by ``nqpf analyze`` and the stage).

    Parameters
    ----------
    kind : str
        One of ``dagum, theil, gini, inequality, density, markov, spatial-markov, moran, lisa,
        sigma, beta, club, coupling, obstacle, typology``.
    data : IndexResult or DataFrame
        For ``coupling`` a DataFrame holds one column per subsystem; for ``obstacle`` it is the
        normalised wide/long table (an ``IndexResult`` supplies it and its weights); for
        ``typology`` a unit × node table.
    Other parameters are passed to the analysis (see each function).

    Returns
    -------
    Result

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcd"), "year": 2020, "value": [1.0, 2, 3, 4], "g": list("aabb")})
    >>> round(float(analyze("dagum", df, group="g").totals["G"].iloc[0]), 4)
    0.25
    """
    kind = _norm_kind(kind)
    check_option(kind, AnalysisKind, param="kind", caller="analyze")
    cols = dict(node=node, value=value, unit=unit, year=year)
    if kind == "dagum":
        from .inequality import dagum_panel

        if group is None:
            raise MethodError("analyze('dagum'): a grouping is required; got group=None. Pass group='region4' "
                              "(provinces), 'belt3' or a column name (CLI: --group).")
        return dagum_panel(data, group=group, **cols)
    if kind == "theil":
        from .inequality import theil_panel

        return theil_panel(data, group=group, **cols)
    if kind in ("inequality", "gini"):
        from .inequality import inequality_panel

        return inequality_panel(data, **cols)
    if kind == "density":
        from .density import kernel_density

        return kernel_density(data, kernel=kernel, bw=bandwidth, grid_size=grid_size, **cols)  # type: ignore[arg-type]
    if kind == "markov":
        from .dynamics import markov

        return markov(data, k=k, states=states, cutoffs=cutoffs, relative=relative, **cols)  # type: ignore[arg-type]
    if kind in _SPATIAL:
        panel = as_panel(data, **cols)
        gdp = _gdp_series(data, gdp_per_capita, unit=unit) if isinstance(gdp_per_capita, str) else gdp_per_capita
        sw = _weights_for(sorted(panel["unit"].unique()), weights=weights, island=island, gdp=gdp)
        if kind == "moran":
            from .spatial import moran_panel

            return moran_panel(data, sw, permutations=permutations, seed=seed, **cols)
        if kind == "lisa":
            from .spatial import lisa_panel

            return lisa_panel(data, sw, permutations=permutations, seed=seed, alpha=alpha, **cols)
        from .dynamics import spatial_markov

        return spatial_markov(data, sw, k=k, states=states, cutoffs=cutoffs, relative=relative,  # type: ignore[arg-type]
                              **cols)
    if kind in ("sigma", "beta", "club"):
        from . import convergence

        panel = as_panel(data, **cols)
        if kind == "sigma":
            return convergence.sigma_convergence(panel)
        if kind == "club":
            return convergence.club_convergence(panel)
        ctrl = list(controls or ())
        if ctrl:
            panel = _with_controls(panel, data, ctrl)
        return convergence.beta_convergence(panel, kind=beta_kind, controls=ctrl, fe=fe)
    if kind == "coupling":
        from .coupling import coupling_coordination, subsystem_frame

        if _has_scores(data):
            mapping = _subsystems_of(data, subsystems)
            frame = subsystem_frame(data.scores, mapping)
            # the framework's subsystem names label the relative-development classes (数字经济滞后型 …)
            subs = {str(x.id): x for x in (getattr(getattr(data, "framework", None), "subsystems", ()) or ())}
            zh = {k: subs[k].name_zh for k in mapping if k in subs and subs[k].name_zh}
            en = {k: subs[k].name_en for k in mapping if k in subs and subs[k].name_en}
            return coupling_coordination(frame, subsystems=list(mapping), model=coupling_model, names=zh, names_en=en)
        if not subsystems:
            raise MethodError("analyze('coupling'): name the subsystem columns; got subsystems=None. "
                              "CLI: --subsystems digital_economy,real_economy.")
        return coupling_coordination(data, subsystems=list(subsystems), model=coupling_model)
    if kind == "obstacle":
        from .obstacle import obstacle_degree

        if _has_scores(data):
            return obstacle_degree(data.normalised, data.weights, top_k=top_k)
        raise MethodError("analyze('obstacle'): needs normalised values and weights; got a plain table. Use a run "
                          "directory of 'nqpf build' or nqpf.analysis.obstacle_degree(normalised, weights).")
    from .typology import typology

    if _has_scores(data):
        yr = typology_year if typology_year is not None else int(data.scores["year"].max())
        chosen = list(nodes) if nodes else child_nodes(data, root_node(data))
        wide = _scores_of(data.scores, yr, chosen)
        if wide.empty:
            raise DataError(f"analyze('typology'): no scores for nodes {chosen} in {yr}; got years "
                            f"{sorted(data.scores['year'].unique())[-3:]}. Pass typology_year= or nodes=.")
        table = wide.assign(unit=wide["unit"].astype(str), node=wide["node"].astype(str)).pivot(
            index="unit", columns="node", values="score")[[c for c in chosen if c in set(wide["node"].astype(str))]]
        names = data.node_names("zh") if hasattr(data, "node_names") else {}
        labels = {c: names.get(c, c) for c in table.columns}
        return typology(table, k=typology_k or None, method=typology_method, seed=seed, labels=labels)  # type: ignore[arg-type]
    return typology(data, k=typology_k or None, method=typology_method, seed=seed)  # type: ignore[arg-type]


def _scores_of(scores: pd.DataFrame, year: int, nodes: list[str]) -> pd.DataFrame:
    """The rows of ``scores`` of one year and of the given nodes (in their order in ``scores``, with their index).

    The year first: the node labels are converted to text for that year's rows only, not for every score row
    (1.9 million at county scale, 0.1 s).
    """
    in_year = scores[scores["year"] == year]
    return in_year[in_year["node"].astype(str).isin(nodes).to_numpy()]


def _has_scores(data: Any) -> bool:
    return hasattr(data, "scores") and isinstance(getattr(data, "scores"), pd.DataFrame)


def _subsystems_of(result: Any, subsystems: Any) -> dict[str, list[str]]:
    if subsystems:
        return {str(s): [str(s)] for s in subsystems}
    fw = getattr(result, "framework", None)
    subs = getattr(fw, "subsystems", ()) or ()
    mapping = {str(s.id): [str(n) for n in s.nodes] for s in subs}
    if len(mapping) < 2:
        raise MethodError("analyze('coupling'): the framework defines fewer than two [[subsystem]] tables; got "
                          f"{list(mapping)}. Name the subsystem nodes with coupling_subsystems (CLI: --subsystems).")
    return mapping


def _with_controls(panel: pd.DataFrame, data: Any, controls: list[str]) -> pd.DataFrame:
    if _has_scores(data):
        s = data.scores[data.scores["node"].astype(str).isin(controls)]
        wide = s.assign(unit=s["unit"].astype(str), node=s["node"].astype(str)).pivot_table(
            index=["unit", "year"], columns="node", values="score").reset_index()
    elif isinstance(data, pd.DataFrame):
        missing = [c for c in controls if c not in data.columns]
        if missing:
            raise DataError(f"analyze('beta'): control columns {missing} not found; got columns {list(data.columns)}. "
                            "Name columns of the data.")
        wide = data[["unit", "year"] + controls].assign(unit=lambda d: d["unit"].astype(str))
    else:
        wide = pd.DataFrame(columns=["unit", "year"])
    return panel.merge(wide, on=["unit", "year"], how="left")


# --------------------------------------------------------------------------- stage
def _gdp_series(result: Any, name: str | None, data: Any = None, *, unit: str = "unit") -> pd.Series | None:
    """Mean GDP per capita per unit: a raw series of an IndexResult (or of the run data), or a column of a table."""
    if not name:
        return None
    if isinstance(result, pd.DataFrame):
        if name not in result.columns or unit not in result.columns:
            raise DataError(f"analyze: gdp_per_capita column {name!r} not found; got columns {list(result.columns)}. "
                            "Name the column holding GDP per capita.")
        return pd.to_numeric(result[name], errors="coerce").groupby(result[unit].astype(str)).mean()
    for frame in (getattr(result, "raw", None), data):
        if isinstance(frame, pd.DataFrame) and {"unit", "indicator", "value"} <= set(frame.columns):
            sub = frame[frame["indicator"].astype(str) == name]
            if not sub.empty:
                return sub.assign(unit=sub["unit"].astype(str)).groupby("unit")["value"].mean()
    raise DataError(f"[analysis] gdp_per_capita: series {name!r} not found in the raw data; got none. Use the id of a "
                    "raw series or indicator holding GDP per capita.")


def _default_nodes(result: Any) -> list[str]:
    root = root_node(result)
    return [root] + [c for c in child_nodes(result, root) if c != root]


def _default_groupings(result: Any) -> list[str]:
    units = getattr(result, "units", None)
    cols = list(units.columns) if isinstance(units, pd.DataFrame) else []
    codes = sorted({str(u) for u in result.scores["unit"].unique()})
    if "region4" in cols or _is_province_set(codes):
        return ["region4"]
    return [c for c in ("region", "group") if c in cols][:1]


def _stack(store: dict[str, list[pd.DataFrame]], kind: str, res: Result, extra: dict[str, Any]) -> None:
    prefix = kind.replace("-", "_")
    for tname, df in res.tables().items():
        if not isinstance(df, pd.DataFrame):
            continue
        # a shallow copy: the id columns are inserted into the copy only, the result's table is left as it was
        # (a deep copy cost ~0.3 s for the obstacle tables of a county panel, 1.7 million rows)
        df = df.copy(deep=False)
        for pos, (col, val) in enumerate(extra.items()):
            if col in df.columns:
                df = df.drop(columns=[col])
            df.insert(pos, col, val)
        store.setdefault(f"{prefix}_{tname}", []).append(df)


def run_analysis(result: Any, config: AnalysisConfig, context: StageContext | dict | None = None) -> dict[str, Any]:
    """Run the configured analyses on an ``IndexResult``; return ``{table_name: DataFrame}``.

    Analyses that do not apply (no grouping, units without built-in weights, too few years for
    club convergence …) are skipped with a :class:`MethodWarning`; the ``analysis_log`` table
    records every analysis and node with its status and message. ``_results`` holds the results
    objects (for the reports).
    """
    tables, results, _ = _run_analyses(result, config, StageContext.coerce(context))
    return {**tables, "_results": results}


def _run_analyses(result: Any, config: AnalysisConfig, ctx: StageContext
                  ) -> tuple[dict[str, pd.DataFrame], dict[str, Result], SpatialWeights | None]:
    """The analyses of :func:`run_analysis`: tables, results by label, and the spatial weights used (or None).

    Each node's panel is built once for all the analyses of the node (:func:`~nqpf.analysis._input.panel_cache`).
    """
    with panel_cache():
        return _attempt_all(result, config, ctx)


def _attempt_all(result: Any, config: AnalysisConfig, ctx: StageContext
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, Result], SpatialWeights | None]:
    """The body of :func:`_run_analyses`: every configured analysis attempted, skips logged."""
    progress: Callable[[str], None] | None = ctx.progress
    kinds = config.kinds()
    nodes = config.nodes or _default_nodes(result)
    groupings = config.groupings if config.groupings is not None else _default_groupings(result)
    gdp = _gdp_series(result, config.gdp_per_capita, ctx.data)
    store: dict[str, list[pd.DataFrame]] = {}
    results: dict[str, Result] = {}
    log: list[dict[str, Any]] = []
    sw_cache: dict[tuple, SpatialWeights] = {}
    opts = dict(k=config.markov_k, states=config.markov_states, cutoffs=config.markov_cutoffs,
                relative=config.relative, kernel=config.kernel, bandwidth=config.bandwidth,
                grid_size=config.grid_size, island=config.island, gdp_per_capita=gdp,
                permutations=config.permutations, seed=config.seed, alpha=config.alpha, beta_kind=config.beta_kind,
                controls=config.beta_controls, fe=config.beta_fe, coupling_model=config.coupling_model,
                top_k=config.obstacle_top_k, typology_k=config.typology_k or None,
                typology_method=config.typology_method, typology_year=config.typology_year)

    def attempt(kind: str, label: str, extra: dict[str, Any], **kw: Any) -> None:
        if progress:
            progress(f"analysis: {label}")
        try:
            res = analyze(kind, result, **{**opts, **kw})
        except NqpfError as exc:
            warnings.warn(f"[analysis] {label} skipped: {exc}", MethodWarning, stacklevel=3)
            log.append({"analysis": kind, **extra, "status": "skipped", "message": str(exc)})
            return
        results[label] = res
        _stack(store, kind, res, extra)
        log.append({"analysis": kind, **extra, "status": "ok", "message": ""})

    for kind in kinds:
        if kind in _PER_NODE:
            for node in nodes:
                if kind in _GROUPED:
                    if not groupings:
                        log.append({"analysis": kind, "node": node, "grouping": "", "status": "skipped",
                                    "message": "no grouping: set groupings = [...] in [analysis]"})
                        continue
                    for g in groupings:
                        attempt(kind, f"{kind}:{node}:{g}", {"node": node, "grouping": g}, node=node, group=g)
                elif kind in _SPATIAL:
                    # the weights (or why they cannot be built, e.g. county units) are found once per run:
                    # the unit list is not rebuilt, nor the failing build retried, for every spatial kind × node
                    if ("w",) not in sw_cache and ("failed",) not in sw_cache:
                        try:
                            units = sorted({str(u) for u in result.scores["unit"].unique()})
                            sw_cache[("w",)] = _weights_for(units, weights=config.weights, island=config.island,
                                                            gdp=gdp)
                        except NqpfError as exc:
                            sw_cache[("failed",)] = exc  # type: ignore[assignment]
                    w = sw_cache.get(("w",))
                    if w is None:
                        exc = sw_cache[("failed",)]
                        if progress:
                            progress(f"analysis: {kind}:{node}")
                        warnings.warn(f"[analysis] {kind}:{node} skipped: {exc}", MethodWarning, stacklevel=2)
                        log.append({"analysis": kind, "node": node, "status": "skipped", "message": str(exc)})
                        continue
                    attempt(kind, f"{kind}:{node}", {"node": node}, node=node, weights=w)
                else:
                    attempt(kind, f"{kind}:{node}", {"node": node}, node=node)
        else:
            attempt(kind, kind, {}, subsystems=config.coupling_subsystems or None)
    tables: dict[str, Any] = {name: pd.concat(frames, ignore_index=True) for name, frames in store.items()}
    if ("w",) in sw_cache:
        sw = sw_cache[("w",)]
        tables["weights_edges"] = sw.edges()
        log.append({"analysis": "weights", "status": "ok", "message": sw.describe()})
    tables["analysis_log"] = pd.DataFrame(log, columns=["analysis", "node", "grouping", "status", "message"])
    return tables, results, sw_cache.get(("w",))


def _stage_run(result: Any, config: AnalysisConfig, context: StageContext) -> StageOutput:
    tables, results, weights = _run_analyses(result, config, StageContext.coerce(context))
    # the spatial weights the analyses used are a result too (kind "weights"), read by [explain.spatial]
    # weights = "analysis"
    return StageOutput(tables=tables, results={**results, **({"weights": weights} if weights is not None else {})})


STAGE = Stage(name="analysis", order=10, config_model=AnalysisConfig, run=_stage_run,
              description="Inequality (Dagum, Theil), kernel density, Markov and spatial Markov chains, "
                          "Moran/LISA, convergence, coupling coordination, obstacle degree, typology.")
