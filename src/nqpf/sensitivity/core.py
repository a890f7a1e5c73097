"""Uncertainty and sensitivity analysis of an index build (JRC/OECD Handbook steps 7–8; COINr ``get_sensitivity``).

Design: every run is one level per factor. Runs are grouped by the treatment /
normalisation / weighting choices they share; each group's data are treated,
normalised and weighted once by the index engine, and the aggregation of all
its runs (weight noise, leave-outs, aggregation methods) is vectorised
(:mod:`nqpf.sensitivity.vectorised`). Results depend only on the seed, never on
threads or a Dask cluster.
"""
from __future__ import annotations

import json
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from .._errors import ConfigError, DataWarning
from .._results import Result, Summary
from ..framework.model import Framework
from ..index.build import load_inputs, resolve_framework, unit_table
from ..index.prepare import prepare_inputs
from ..index.config import AggregateConfig, RunConfig, config_from_dict, load_config
from ..index.engine import EngineInput, rank_desc, run_engine
from .design import (
    Factor,
    SensitivityConfig,
    factor_levels,
    leave_out_items,
    noise_sets,
    sample_levels,
    saltelli_levels,
)
from .vectorised import aggregate_runs, within_sets

__all__ = [
    "SensitivityModel",
    "UncertaintyResult",
    "SensitivityResult",
    "OATResult",
    "LeaveOneOutResult",
    "uncertainty_analysis",
    "sensitivity_analysis",
    "one_at_a_time",
    "leave_one_out",
    "rank_statistics",
    "prepared_from_index",
]


def _merge(base: dict, edits: Mapping[str, Mapping[str, Any]]) -> dict:
    """``base`` with the sections in ``edits`` updated: a new top-level dict and new dicts for the edited
    sections; everything else is shared with ``base`` (read only), not copied."""
    out = dict(base)
    for section, params in edits.items():
        out[section] = {**(out.get(section) or {}), **params}
    return out


def prepared_from_index(index: Any) -> tuple[Framework, np.ndarray, list[str], list[int], pd.DataFrame]:
    """The prepared inputs an :class:`~nqpf.index.result.IndexResult` holds: its framework (declared indicators
    activated), the derived indicator matrix ``X`` (year × unit × indicator, from ``raw``), the units and years
    in build order, and the unit table.

    Examples
    --------
    >>> import nqpf
    >>> from nqpf.datasets import demo_config
    >>> res = nqpf.build(demo_config(years=(2020, 2022), units=["110000", "310000"]))  # doctest: +SKIP
    >>> fw, X, units, years, tab = prepared_from_index(res)  # doctest: +SKIP
    >>> X.shape == (len(years), len(units), len(fw.indicators))  # doctest: +SKIP
    True
    """
    raw = index.raw
    unit_col, year_col = raw["unit"], raw["year"]
    units = ([str(u) for u in unit_col.cat.categories] if isinstance(unit_col.dtype, pd.CategoricalDtype)
             else [str(u) for u in pd.unique(unit_col.astype(str))])
    years = [int(y) for y in pd.unique(year_col)]
    inds = list(index.framework.indicators)
    values = pd.Series(raw["value"].to_numpy(float), index=pd.MultiIndex.from_arrays(
        [year_col.astype(int).to_numpy(), unit_col.astype(str).to_numpy(), raw["indicator"].astype(str).to_numpy()]))
    X = values.reindex(pd.MultiIndex.from_product([years, units, inds])).to_numpy(float)
    X = X.reshape(len(years), len(units), len(inds)).copy()
    return index.framework, X, units, years, index.units.copy()


#: Most runs of one group evaluated (and reduced) as one batch.
BATCH = 400
#: Most runs aggregated at once within a batch: the vectorised aggregation holds a few arrays of
#: years × units × indicators × runs (TOPSIS with yearly weights and a pooled ideal), ~50 KB per run
#: for 31 units × 21 indicators × 10 years.
PART = 64


def _parts(n: int, size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of consecutive parts of ``range(n)`` of at most ``size`` (``size`` ≥ 3) items, sizes as
    equal as possible, none of a single item when ``n`` ≥ 2: numpy sums over an axis of length one (one run)
    in another order than over longer ones, so a run's scores must not depend on the split."""
    k = max(1, min(-(-n // size), n // 2))
    q, extra = divmod(n, k)
    bounds = np.cumsum([0] + [q + (i < extra) for i in range(k)])
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


@dataclass
class _Prepared:
    Zagg: np.ndarray
    Z: np.ndarray
    within: dict
    keep: np.ndarray


class SensitivityModel:
    """A base build plus its uncertain factors; evaluates the target node's ranks for any set of runs.

    Parameters
    ----------
    config
        The nominal run config (path, dict or :class:`RunConfig`).
    factors
        The uncertain choices (:class:`Factor` or dicts).
    data, framework
        As in :func:`nqpf.build`.
    index
        The :class:`~nqpf.index.result.IndexResult` of the same config and data (what a run hands to its
        sensitivity stage): its prepared inputs — the derived indicator matrix (``raw``), the framework with
        the declared indicators the data activated, the unit table — are used as they are. Without it the
        inputs are read and prepared here (:func:`~nqpf.index.prepare.prepare_inputs`, as :func:`nqpf.build`).
    node
        Output node (default: the root).
    seed
        Seed of the weight-noise sets.
    """

    def __init__(self, config, factors, *, data: pd.DataFrame | None = None, framework=None, node: str = "",
                 seed: int = 1, n_jobs: int = 1, scheduler: str = "", progress: Callable[[str], None] | None = None,
                 index: Any = None):
        self.cfg: RunConfig = load_config(config)
        self.factors = [f if isinstance(f, Factor) else Factor.model_validate(f) for f in factors]
        if not self.factors:
            raise ConfigError("sensitivity: no factors; got an empty list. Declare at least one uncertain choice.")
        names = [f.name for f in self.factors]
        if len(set(names)) != len(names):
            raise ConfigError(f"sensitivity: factor names must be unique; got {names}.")
        if index is not None:
            self.framework, self.X, self.units, self.years, self.unit_table = prepared_from_index(index)
        else:
            self.framework, _ = resolve_framework(self.cfg, framework)
            raw, found, _ = load_inputs(self.cfg, data)
            with warnings.catch_warnings():  # the build of the same config reports the screen's findings
                warnings.simplefilter("ignore", DataWarning)
                prep = prepare_inputs(raw, self.framework, self.cfg)  # the same screening and derivation as nqpf.build
            self.framework, wide = prep.framework, prep.wide
            self.units = [str(u) for u in wide.index.levels[0]]
            self.years = [int(y) for y in wide.index.levels[1]]
            inds = self.framework.indicators
            self.X = wide[inds].to_numpy(float).reshape(len(self.units), len(self.years), len(inds)).transpose(1, 0, 2).copy()
            self.unit_table = unit_table(self.units, found, self.cfg, self.framework.unit_level)
        self.groups = {c: self.unit_table[c].replace("", np.nan).to_numpy(dtype=object) for c in self.unit_table.columns if c != "unit"}
        self.node = node or self.framework.root
        self.framework._check_id(self.node)
        self.seed = seed
        self.n_jobs = n_jobs
        self.scheduler = scheduler
        self.progress = progress or (lambda s: None)
        rng = np.random.default_rng(seed)
        self._noise = {f.name: noise_sets(f, self.framework, rng) for f in self.factors if f.kind == "weights_noise"}
        self._items = {f.name: leave_out_items(f, self.framework) for f in self.factors if f.kind == "leave_out"}
        self.L = [factor_levels(f, self.framework) for f in self.factors]
        self._base = json.loads(self.cfg.model_dump_json())
        self._cache: dict[str, _Prepared] = {}
        self._keys: dict[tuple[int, ...], tuple[dict, str, str]] = {}
        nominal = self._engine(self._base)
        self.nominal_scores = self._aggregate(nominal, [None], [set()], AggregateConfig.model_validate(self._base["aggregate"]))[:, :, 0]
        self.nominal_ranks = rank_desc(self.nominal_scores[:, :, None])[:, :, 0]

    # ------------------------------------------------------------------ evaluation
    def _engine(self, cfg_dict: dict) -> _Prepared:
        key = json.dumps({k: cfg_dict.get(k) for k in ("impute", "screen", "treat", "normalise", "weight")}, sort_keys=True)
        if key in self._cache:
            return self._cache[key]
        c = config_from_dict(cfg_dict)
        out = run_engine(
            EngineInput(X=self.X, units=self.units, years=self.years, framework=self.framework, groups=self.groups),
            impute=c.impute, screen=c.screen, treat=c.treat, normalise=c.normalise, weight=c.weight,
            aggregate=AggregateConfig(), raw_for_weights=self.X,
        )
        prep = _Prepared(Zagg=out.aggregated_with, Z=out.normalised, within=out.within, keep=out.keep)
        self._cache[key] = prep
        return prep

    def _aggregate(self, prep: _Prepared, noise: list, zero: list, agg: AggregateConfig) -> np.ndarray:
        W = within_sets(self.framework, prep.within, len(self.years), noise=noise, zero=zero)
        S = aggregate_runs(self.framework, prep.Zagg, prep.Z, W, method=agg.method, target=self.node,
                           min_coverage=agg.min_coverage, scale=agg.scale, topsis_ideal=agg.topsis_ideal,
                           topsis_distance=agg.topsis_distance, node_methods=dict(agg.node_methods))
        return np.where(prep.keep[:, :, None], S, np.nan)

    def run_spec(self, levels: np.ndarray) -> tuple[dict, dict | None, set]:
        """Config dict (a fresh copy the caller may edit), weight-noise multipliers and leave-out set of one run."""
        return json.loads(json.dumps(self._merged(self._option_levels(levels)))), *self._noise_zero(levels)

    def _option_levels(self, levels: np.ndarray) -> tuple[int, ...]:
        """The levels of the option factors: all that a run's config depends on."""
        return tuple(int(lev) for f, lev in zip(self.factors, levels) if f.kind == "options")

    def _merged(self, opt_levels: tuple[int, ...]) -> dict:
        edits: dict[str, dict[str, Any]] = {}
        for f, lev in zip((f for f in self.factors if f.kind == "options"), opt_levels):
            for sec, params in f.all_options()[lev].items():
                edits.setdefault(sec, {}).update(params)
        return _merge(self._base, edits)

    def _config_keys(self, opt_levels: tuple[int, ...]) -> tuple[dict, str, str]:
        """(config dict, engine key, aggregation key) of a combination of option levels, built once.

        Runs differ mostly in weight noise and left-out items, which do not touch the config: the
        config is merged once per combination of option levels, not per run. The dict shares its
        unedited sections with the base config and is shared between runs: read only.
        """
        hit = self._keys.get(opt_levels)
        if hit is None:
            cfg_dict = self._merged(opt_levels)
            ekey = json.dumps({k: cfg_dict.get(k) for k in ("impute", "screen", "treat", "normalise", "weight")},
                              sort_keys=True)
            hit = self._keys[opt_levels] = (cfg_dict, ekey, json.dumps(cfg_dict.get("aggregate"), sort_keys=True))
        return hit

    def _noise_zero(self, levels: np.ndarray) -> tuple[dict | None, set]:
        noise: dict[str, float] | None = None
        zero: set[str] = set()
        for f, lev in zip(self.factors, levels):
            lev = int(lev)
            if f.kind == "options":
                continue
            elif f.kind == "weights_noise":
                noise = dict(noise or {})
                for k, v in self._noise[f.name][lev].items():
                    noise[k] = noise.get(k, 1.0) * v
            elif lev > 0:
                item = self._items[f.name][lev - 1]
                zero |= {item} if f.what == "indicator" else {item}
        return noise, zero

    def evaluate(self, levels: np.ndarray) -> np.ndarray:
        """Target-node scores for every run: (T, n, R)."""
        S = np.full((len(self.years), len(self.units), levels.shape[0]), np.nan)
        for runs, s in self.map_runs(levels, None):
            S[:, :, runs] = s
        return S

    def ranks(self, levels: np.ndarray) -> np.ndarray:
        """Target-node ranks for every run: (T, n, R); :func:`rank_desc` of :meth:`evaluate`, run by run."""
        out = np.full((len(self.years), len(self.units), levels.shape[0]), np.nan)
        for runs, r in self.map_runs(levels, rank_desc):
            out[:, :, runs] = r
        return out

    def map_runs(self, levels: np.ndarray, reduce: Callable[[np.ndarray], Any] | None):
        """``(runs, reduce(scores))`` for every batch of runs, ``scores`` the target-node scores (T, n, len(runs)).

        Runs are grouped by the engine and aggregation configs they share; a group is evaluated in
        batches of at most :data:`BATCH` runs, and each batch is aggregated in parts of at most
        :data:`PART` runs (the vectorised aggregation holds arrays of unit × indicator × run). ``reduce``
        (``None``: the scores themselves) turns a batch's scores into what the caller keeps, so the
        scores of all runs are never held at once. Serially the batches are yielded as they are computed.
        """
        R = levels.shape[0]
        groups: dict[tuple[str, str], list[int]] = {}
        for r in range(R):
            _, ekey, akey = self._config_keys(self._option_levels(levels[r]))
            groups.setdefault((ekey, akey), []).append(r)
        tasks = []
        for (_, akey), runs in groups.items():
            prep = self._engine(self._config_keys(self._option_levels(levels[runs[0]]))[0])
            agg = AggregateConfig.model_validate(json.loads(akey))
            for s in range(0, len(runs), BATCH):
                chunk = runs[s:s + BATCH]
                tasks.append((prep, agg, chunk, levels[chunk]))
        self.progress(f"sensitivity: {R} runs in {len(groups)} groups")

        def work(task):
            prep, agg, chunk, lev = task
            parts = []
            for a, b in _parts(len(chunk), PART):
                noise, zero = zip(*(self._noise_zero(row) for row in lev[a:b]))
                parts.append(self._aggregate(prep, list(noise), list(zero), agg))
            s = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=2)
            del parts
            return chunk, (s if reduce is None else reduce(s))

        if self.scheduler:
            from distributed import Client

            with Client(self.scheduler) as client:
                yield from client.gather(client.map(work, tasks, pure=False))
        elif self.n_jobs > 1:
            with ThreadPoolExecutor(self.n_jobs) as ex:
                yield from ex.map(work, tasks)
        else:
            for t in tasks:
                yield work(t)

    def year_mask(self, years: list[int] | None) -> np.ndarray:
        if not years:
            return np.ones(len(self.years), dtype=bool)
        bad = [y for y in years if y not in self.years]
        if bad:
            raise ConfigError(f"sensitivity years: not in the data; got {bad}. Data years: {self.years}.")
        return np.isin(self.years, years)


# ---------------------------------------------------------------------------- statistics
def rank_statistics(ranks: np.ndarray, nominal: np.ndarray, units: list[str], years: list[int],
                    unit_names: dict[str, str] | None = None) -> pd.DataFrame:
    """Per unit × year: nominal, mean, median, 5 % / 95 % rank quantiles (linear, R type 7), mean |shift|,
    share of runs in the nominal quartile."""
    T, n, R = ranks.shape
    rows = []
    with np.errstate(invalid="ignore"):
        q5, med, q95 = np.nanquantile(ranks, [0.05, 0.5, 0.95], axis=2)
        mean = np.nanmean(ranks, axis=2)
        shift = np.nanmean(np.abs(ranks - nominal[:, :, None]), axis=2)
        n_ranked = np.sum(~np.isnan(nominal), axis=1, keepdims=True)
        quart = np.ceil(4 * ranks / n_ranked[:, :, None])
        nq = np.ceil(4 * nominal / n_ranked)
        same = np.nanmean(quart == nq[:, :, None], axis=2)
    for t in range(T):
        for i in range(n):
            rows.append({"unit": units[i], "unit_name": (unit_names or {}).get(units[i], units[i]), "year": years[t],
                         "nominal": nominal[t, i], "mean": mean[t, i], "median": med[t, i], "q05": q5[t, i],
                         "q95": q95[t, i], "mean_abs_shift": shift[t, i], "share_same_quartile": same[t, i]})
    df = pd.DataFrame(rows)
    return df.sort_values(["year", "nominal", "unit"]).reset_index(drop=True)


def _mean_abs_shift(ranks: np.ndarray, nominal: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Output of each run: mean absolute rank change vs nominal over the selected years and all units."""
    d = np.abs(ranks[mask] - nominal[mask][:, :, None])
    return np.nanmean(d.reshape(-1, d.shape[-1]), axis=0)


def _run_shifts(model: SensitivityModel, levels: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`_mean_abs_shift` of every run, computed batch by batch (the ranks of all runs are never held)."""
    y = np.full(levels.shape[0], np.nan)
    nominal = model.nominal_ranks
    for runs, v in model.map_runs(levels, lambda s: _mean_abs_shift(rank_desc(s), nominal, mask)):
        y[runs] = v
    return y


@dataclass(frozen=True)
class UncertaintyResult(Result):
    """Monte Carlo uncertainty analysis: rank distribution of every unit × year.

    Attributes
    ----------
    rank_stats : per unit × year nominal rank, mean, median, q05, q95, mean_abs_shift, share_same_quartile
        (sorted by year and nominal rank: the data of the rank-interval plot).
    runs : one row per run: the level of every factor and the run's mean absolute rank shift.
    """

    rank_stats: pd.DataFrame
    runs: pd.DataFrame
    n: int
    seed: int
    node: str
    kind = "uncertainty"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"rank_stats": self.rank_stats, "runs": self.runs}

    def summary(self) -> Summary:
        last = self.rank_stats["year"].max()
        rs = self.rank_stats[self.rank_stats["year"] == last]
        widest = rs.assign(width=rs["q95"] - rs["q05"]).sort_values("width", ascending=False).head(5)
        rows = [("runs", self.n), ("seed", self.seed), ("node", self.node),
                (f"mean |rank shift| ({last})", float(rs["mean_abs_shift"].mean())),
                (f"share in nominal quartile ({last})", float(rs["share_same_quartile"].mean())),
                ("widest 5–95 % rank intervals", ", ".join(f"{u} [{a:g}, {b:g}]" for u, a, b in
                                                           zip(widest["unit_name"], widest["q05"], widest["q95"])))]
        return Summary("Uncertainty analysis (Monte Carlo)", rows,
                       notes=["Rank quantiles use linear interpolation (R type 7, numpy default)."])


@dataclass(frozen=True)
class SensitivityResult(Result):
    """Variance-based first-order (Si) and total (STi) sensitivity indices (Saltelli design, SALib).

    ``indices``: factor, Si, STi, Si_conf, STi_conf, Si_low, Si_high, STi_low, STi_high (bootstrap,
    ``conf_level``) — the data of the Si/STi bar chart. ``runs``: levels and output of every run.
    """

    indices: pd.DataFrame
    runs: pd.DataFrame
    n: int
    seed: int
    output: str
    conf_level: float
    kind = "sensitivity"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"indices": self.indices, "runs": self.runs}

    def summary(self) -> Summary:
        rows = [("base samples N", self.n), ("runs", len(self.runs)), ("output", self.output)]
        rows += [(f"{r.factor}: Si / STi", f"{r.Si:.3f} / {r.STi:.3f}") for r in self.indices.itertuples()]
        return Summary("Sensitivity analysis (Sobol' indices)", rows, notes=[
            f"Confidence intervals: {self.conf_level:.0%} bootstrap ({'SALib'}); Si can be negative at small N (estimation noise).",
            "STi > Si indicates interactions with other factors."])


@dataclass(frozen=True)
class OATResult(Result):
    """One-at-a-time: for each factor level (others nominal), the rank changes against the nominal ranking."""

    effects: pd.DataFrame
    ranks: pd.DataFrame
    kind = "oat"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"effects": self.effects, "ranks": self.ranks}


@dataclass(frozen=True)
class LeaveOneOutResult(Result):
    """Leave one indicator out (weights re-derived without it): rank shifts it causes, top-k flags."""

    effects: pd.DataFrame
    ranks: pd.DataFrame
    top: int
    kind = "leave_one_out"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"effects": self.effects, "ranks": self.ranks}

    def summary(self) -> Summary:
        flagged = self.effects[self.effects["changes_top"]]["indicator"].tolist()
        return Summary("Leave one indicator out", [("indicators", len(self.effects)),
                                                   (f"change a top-{self.top} rank", ", ".join(flagged) or "none")])


def _levels_frame(model: SensitivityModel, levels: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    df = pd.DataFrame(levels, columns=[f.name for f in model.factors])
    df.insert(0, "run", np.arange(len(df)))
    df["mean_abs_rank_shift"] = y
    return df


def uncertainty_analysis(model: SensitivityModel, *, n: int = 1000, seed: int = 1, years: list[int] | None = None) -> UncertaintyResult:
    """Monte Carlo over the factors: rank distribution of every unit × year."""
    rng = np.random.default_rng(seed)
    levels = sample_levels(model.L, n, rng)
    ranks = model.ranks(levels)
    mask = model.year_mask(years)
    stats = rank_statistics(ranks[mask], model.nominal_ranks[mask], model.units, [y for y, k in zip(model.years, mask) if k],
                            dict(zip(model.unit_table["unit"], model.unit_table["unit_name"])))
    y = _mean_abs_shift(ranks, model.nominal_ranks, mask)
    return UncertaintyResult(rank_stats=stats, runs=_levels_frame(model, levels, y), n=n, seed=seed, node=model.node)


def sensitivity_analysis(model: SensitivityModel, *, n: int = 1000, seed: int = 1, years: list[int] | None = None,
                         bootstrap: int = 100, conf_level: float = 0.90) -> SensitivityResult:
    """Sobol' first-order and total indices of every factor on the mean absolute rank shift (COINr's output)."""
    from SALib.analyze import sobol as sobol_analyze

    levels, problem = saltelli_levels(model.L, n, seed)
    y = _run_shifts(model, levels, model.year_mask(years))
    problem = dict(problem, names=[f.name for f in model.factors])
    res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=bootstrap, conf_level=conf_level, seed=seed)
    idx = pd.DataFrame({"factor": problem["names"], "Si": res["S1"], "STi": res["ST"],
                        "Si_conf": res["S1_conf"], "STi_conf": res["ST_conf"]})
    idx["Si_low"], idx["Si_high"] = idx["Si"] - idx["Si_conf"], idx["Si"] + idx["Si_conf"]
    idx["STi_low"], idx["STi_high"] = idx["STi"] - idx["STi_conf"], idx["STi"] + idx["STi_conf"]
    return SensitivityResult(indices=idx, runs=_levels_frame(model, levels, y), n=n, seed=seed,
                             output="mean absolute rank change vs nominal", conf_level=conf_level)


def _describe_level(model: SensitivityModel, f: Factor, lev: int) -> str:
    if f.kind == "options":
        return json.dumps(f.all_options()[lev], ensure_ascii=False, sort_keys=True)
    if f.kind == "weights_noise":
        return f"noise set {lev}"
    return "none" if lev == 0 else f"without {model._items[f.name][lev - 1]}"


def one_at_a_time(model: SensitivityModel, *, years: list[int] | None = None) -> OATResult:
    """Each factor varied alone over its levels (others at the nominal configuration)."""
    rows, rank_rows = [], []
    mask = model.year_mask(years)
    nominal_levels = []
    for fi, f in enumerate(model.factors):
        L = model.L[fi] if f.kind != "weights_noise" else min(model.L[fi], 20)
        for lev in range(L):
            nominal_levels.append((fi, lev))
    # a run at "nominal" for factor g ≠ f: no edit, no noise, no leave-out
    specs = []
    for fi, lev in nominal_levels:
        specs.append((fi, lev))
    R = len(specs)
    ranks = np.full((len(model.years), len(model.units), R), np.nan)
    for r, (fi, lev) in enumerate(specs):
        f = model.factors[fi]
        edits: dict = {}
        noise = None
        zero: set = set()
        if f.kind == "options":
            edits = f.all_options()[lev]
        elif f.kind == "weights_noise":
            noise = model._noise[f.name][lev]
        elif lev > 0:
            zero = {model._items[f.name][lev - 1]}
        cfg_dict = _merge(model._base, edits)
        prep = model._engine(cfg_dict)
        S = model._aggregate(prep, [noise], [zero], AggregateConfig.model_validate(cfg_dict["aggregate"]))
        ranks[:, :, r] = rank_desc(S)[:, :, 0]
    y = _mean_abs_shift(ranks, model.nominal_ranks, mask)
    for r, (fi, lev) in enumerate(specs):
        f = model.factors[fi]
        d = np.abs(ranks[mask][:, :, r] - model.nominal_ranks[mask])
        rows.append({"factor": f.name, "level": lev, "choice": _describe_level(model, f, lev),
                     "mean_abs_rank_shift": float(y[r]), "max_abs_rank_shift": float(np.nanmax(d)) if np.isfinite(d).any() else np.nan})
        for t, yr in enumerate(model.years):
            if not mask[t]:
                continue
            for i, u in enumerate(model.units):
                rank_rows.append({"factor": f.name, "level": lev, "unit": u, "year": yr, "rank": ranks[t, i, r],
                                  "nominal": model.nominal_ranks[t, i]})
    return OATResult(effects=pd.DataFrame(rows), ranks=pd.DataFrame(rank_rows))


def leave_one_out(model: SensitivityModel, *, years: list[int] | None = None, top: int = 10) -> LeaveOneOutResult:
    """Rebuild without each indicator in turn (objective weights re-derived), compare ranks with the nominal."""
    fw = model.framework
    mask = model.year_mask(years)
    rows, rank_rows = [], []
    base_cfg = config_from_dict(model._base)
    for j, ind in enumerate(fw.indicators):
        keep = [i for i in fw.indicators if i != ind]
        sub = fw.subset(keep)
        cols = [fw.indicators.index(i) for i in sub.indicators]
        out = run_engine(EngineInput(X=model.X[:, :, cols], units=model.units, years=model.years, framework=sub, groups=model.groups),
                         impute=base_cfg.impute, screen=base_cfg.screen, treat=base_cfg.treat, normalise=base_cfg.normalise,
                         weight=base_cfg.weight, aggregate=base_cfg.aggregate, raw_for_weights=model.X[:, :, cols])
        node = model.node if model.node in out.nodes else sub.root
        S = out.scores[:, :, out.nodes.index(node)]
        r = rank_desc(S[:, :, None])[:, :, 0]
        d = np.abs(r - model.nominal_ranks)[mask]
        topmask = (model.nominal_ranks[mask] <= top)
        changes_top = bool(np.any(d[topmask] > 0))
        rows.append({"indicator": ind, "mean_abs_rank_shift": float(np.nanmean(d)), "max_abs_rank_shift": float(np.nanmax(d)),
                     "changes_top": changes_top})
        for t, yr in enumerate(model.years):
            if mask[t]:
                for i, u in enumerate(model.units):
                    rank_rows.append({"indicator": ind, "unit": u, "year": yr, "rank": r[t, i], "nominal": model.nominal_ranks[t, i]})
    eff = pd.DataFrame(rows).sort_values("mean_abs_rank_shift", ascending=False).reset_index(drop=True)
    return LeaveOneOutResult(effects=eff, ranks=pd.DataFrame(rank_rows), top=top)
