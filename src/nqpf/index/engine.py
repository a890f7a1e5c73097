"""The numeric core of an index build: impute → screen → treat → normalise → weight → aggregate.

Works on a (years, units, indicators) array; no file I/O. Every changed cell is
returned as a change record; every unit-year without a score gets a reason.
:func:`run_engine` is what :func:`nqpf.build` calls after reading and deriving the data.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .._errors import ConfigError, MethodError, MethodWarning
from .._ranking import rank_desc as _rank_desc
from ..framework.model import Framework
from . import aggregate as agg
from .config import (AggregateConfig, ImputeConfig, NormaliseConfig, ScreenConfig, TreatConfig, WeightConfig,
                     check_given_weights)
from .impute import impute_panel
from .normalise import normalise_panel
from .treat import treat_panel
from .weights import (
    ahp_weights,
    combine_game,
    combine_linear,
    combine_mdi,
    combine_multiplicative,
    equal_weights,
    objective_weights,
)

__all__ = ["EngineInput", "EngineOutput", "run_engine", "rank_desc"]

CHANGE_COLUMNS = ["step", "unit", "year", "indicator", "old", "new", "reason"]
#: columns of the partial-coverage table (``partial.csv``): one row per scored unit-year × aggregate node whose score
#: was computed from fewer than all the indicators under it; ``missing`` is a JSON array of the indicator ids left out
PARTIAL_COLUMNS = ["unit", "year", "node", "n_used", "n_indicators", "weight_share", "missing"]


@dataclass(frozen=True)
class EngineInput:
    """Arrays and labels for one build."""

    X: np.ndarray  # (T, n, m) raw indicator values, NaN = missing
    units: list[str]
    years: list[int]
    framework: Framework
    groups: dict[str, np.ndarray] = field(default_factory=dict)  # unit-table group columns, each length n


@dataclass
class EngineOutput:
    scores: np.ndarray  # (T, n, N) one column per node in `nodes`
    nodes: list[str]
    imputed: np.ndarray
    treated: np.ndarray
    normalised: np.ndarray
    weights: pd.DataFrame
    changes: list[pd.DataFrame]
    excluded: pd.DataFrame
    treat_details: pd.DataFrame
    steps: list[dict]
    within: dict = field(default_factory=dict)  # node -> within-parent weights of its children, (k,) or (T, k)
    keep: np.ndarray | None = None  # (T, n) unit-years kept by screening
    aggregated_with: np.ndarray | None = None  # (T, n, m) values the aggregation used (z, or p when score_on = "p")
    partial: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PARTIAL_COLUMNS))  # see _partial_coverage


def rank_desc(S: np.ndarray) -> np.ndarray:
    """Ranks along axis 1 of a (T, n, N) array: 1 = highest, ties (equal within a relative 1e-12) = min,
    NaN unranked — :func:`nqpf._ranking.rank_desc`."""
    return _rank_desc(S, axis=1)


def _cell_changes(step: str, before: np.ndarray, after: np.ndarray, inp: EngineInput, reason: str | np.ndarray) -> pd.DataFrame:
    diff = ~((before == after) | (np.isnan(before) & np.isnan(after)))
    t, i, j = np.nonzero(diff)
    if t.size == 0:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    inds = inp.framework.indicators
    rs = reason if isinstance(reason, str) else reason[t, i, j]
    return pd.DataFrame({
        "step": step,
        "unit": np.asarray(inp.units, dtype=object)[i],
        "year": np.asarray(inp.years)[t],
        "indicator": np.asarray(inds, dtype=object)[j],
        "old": before[t, i, j],
        "new": after[t, i, j],
        "reason": rs,
    })


# ---------------------------------------------------------------------------- weights
def _block(Zx: np.ndarray) -> np.ndarray:
    """All unit-years pooled, rows with every value missing dropped."""
    flat = Zx.reshape(-1, Zx.shape[-1])
    return flat[~np.isnan(flat).all(axis=1)]


def _method_weights(V: np.ndarray, names: list[str], cfg: WeightConfig, node: str, given: dict[str, float],
                    method: str | None = None) -> np.ndarray:
    """Weights of the components of one node: (k,) or (T, k) when cfg.scope == 'year'."""
    method = method or cfg.method
    k = V.shape[-1]
    if k == 1:
        return np.ones(1)
    params = {"k": cfg.entropy_k, "zeros": cfg.entropy_zeros, "shift": cfg.entropy_shift,
              "correlation": cfg.critic_correlation, "contrast": cfg.critic_contrast,
              "retain": cfg.pca_retain, "variance": cfg.pca_variance}
    if method == "equal":
        return equal_weights(k)
    if method == "given":
        missing = [n for n in names if n not in given]
        if missing:
            raise MethodError(
                f"weight(method='given'): node {node!r} has components without a weight; got none for {missing}. "
                "Set 'weight' on every node and indicator in the framework or in [weight] given."
            )
        w = np.array([given[n] for n in names], dtype=float)
        if w.sum() <= 0:
            raise MethodError(f"Weights in group {node!r} sum to 0.0; at least one weight per group must be > 0. Fix the given weights.")
        return w / w.sum()
    if method == "ahp":
        if node not in cfg.ahp:
            raise MethodError(f"weight(method='ahp'): no pairwise matrix for node {node!r}; got matrices for {sorted(cfg.ahp)}. Add [weight.ahp] {node} = [[...]].")
        A = np.asarray(cfg.ahp[node], dtype=float)
        if A.shape != (k, k):
            raise MethodError(f"weight(method='ahp'): the matrix of node {node!r} must be {k}×{k} (children {names}); got shape {A.shape}.")
        return ahp_weights(A, max_cr=cfg.ahp_max_cr, allow_inconsistent=cfg.ahp_allow_inconsistent, node=node,
                           children=list(names)).weights
    if method == "combined":
        if cfg.combine is None:
            raise MethodError("weight(method='combined') needs [weight.combine] methods = [...]; got none.")
        vecs = [_method_weights(V, names, cfg, node, given, method=m) for m in cfg.combine.methods]
        if any(np.ndim(v) == 2 for v in vecs):
            raise MethodError("weight(method='combined') works with pooled weights only; got scope='year'. Set weight.scope = 'pooled'.")
        rule = cfg.combine.rule
        if rule == "game":
            return combine_game(vecs)
        if len(vecs) != 2:
            raise MethodError(f"weight.combine.rule={rule!r} combines exactly two methods; got {len(vecs)}. Use rule='game' for more.")
        if rule == "linear":
            return combine_linear(vecs[0], vecs[1], alpha=cfg.combine.alpha)
        if rule == "multiplicative":
            return combine_multiplicative(vecs[0], vecs[1])
        return combine_mdi(vecs[0], vecs[1])
    if cfg.scope == "pooled":
        return objective_weights(_block(V), method, params, names=list(names))
    return np.vstack([objective_weights(V[t][~np.isnan(V[t]).all(axis=1)], method, params, names=list(names))
                      for t in range(V.shape[0])])


def _given_weights(fw: Framework, cfg: WeightConfig) -> dict[str, float]:
    """Framework weights overridden by ``[weight] given``; unknown ids are refused, sibling sets given in the
    config that do not sum to 1 are rescaled with a warning (recorded in the manifest), never silently."""
    import difflib

    check_given_weights(cfg.given)
    unknown = [k for k in cfg.given if k not in fw.by_id]
    if unknown:
        hints = []
        for k in unknown:
            close = difflib.get_close_matches(k, list(fw.by_id), n=1, cutoff=0.6)
            hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ConfigError(f"Config [weight] given: ids not in framework {fw.id!r}; got {', '.join(hints)}. "
                          "Use node or indicator ids of the framework (nqpf framework show NAME lists them).")
    g = {n.id: n.weight for n in fw.nodes if n.weight is not None}
    g.update(cfg.given)
    parents = {fw.by_id[k].parent for k in cfg.given}
    for p in sorted(parents):
        kids = fw.children(p) if p else [fw.root]
        if not p or not all(k in g for k in kids):
            continue
        total = sum(g[k] for k in kids)
        if total > 0 and abs(total - 1.0) > 1e-9:
            warnings.warn(f"Config [weight] given: the weights of the children of {p!r} sum to {total:.6g}, not 1; "
                          f"got {', '.join(f'{k} = {g[k]:g}' for k in kids)}. Each was divided by {total:.6g} "
                          "(the relative weights are kept); give weights that sum to 1 to silence this.",
                          MethodWarning, stacklevel=3)
    return g


# ---------------------------------------------------------------------------- engine
def run_engine(
    inp: EngineInput,
    *,
    impute: ImputeConfig,
    screen: ScreenConfig,
    treat: TreatConfig,
    normalise: NormaliseConfig,
    weight: WeightConfig,
    aggregate: AggregateConfig,
    raw_for_weights: np.ndarray | None = None,
    progress: Callable[[str], None] | None = None,
) -> EngineOutput:
    fw = inp.framework
    inds = fw.indicators
    T, n, m = inp.X.shape
    say = progress or (lambda s: None)
    changes: list[pd.DataFrame] = []
    steps: list[dict] = []
    excluded_rows: list[dict] = []

    X0 = np.asarray(inp.X, dtype=float)  # read only: not copied
    # -- screen on raw data (optional)
    keep = np.ones((T, n), dtype=bool)

    def do_screen(Xs: np.ndarray) -> None:
        if screen.min_coverage <= 0:
            return
        avail = (~np.isnan(Xs)).mean(axis=2)  # (T, n)
        if screen.by == "unit":
            cov = avail.mean(axis=0)
            low = np.broadcast_to(cov[None, :] < screen.min_coverage, (T, n))
            covv = np.broadcast_to(cov[None, :], (T, n))
        else:
            low = avail < screen.min_coverage
            covv = avail
        for t, i in zip(*np.nonzero(low & keep)):
            excluded_rows.append({"unit": inp.units[i], "year": inp.years[t], "node": "*",
                                  "reason": f"screened out: data availability {covv[t, i]:.3f} < {screen.min_coverage} ({screen.by})"})
        keep[low] = False

    say("impute")
    if screen.on == "raw":
        do_screen(X0)
    groups = inp.groups.get(impute.group) if impute.group else None
    if impute.method == "group_mean" and groups is None:
        raise MethodError(
            f"impute(method='group_mean') needs a group column of the unit table; got group={impute.group!r}, "
            f"available: {sorted(inp.groups)}. Set [impute] group = '<column>'."
        )
    X1 = impute_panel(X0, method=impute.method, groups=groups)
    changes.append(_cell_changes("impute", X0, X1, inp, f"imputed ({impute.method})"))
    steps.append({"name": "impute", "params": impute.model_dump()})
    if screen.on == "imputed":
        do_screen(X1)
    steps.append({"name": "screen", "params": screen.model_dump()})
    X1s = X1 if keep.all() else np.where(keep[:, :, None], X1, np.nan)

    say("treat")
    tmask = np.ones(m, dtype=bool)
    if treat.indicators:
        tmask = np.isin(inds, treat.indicators)
    sub = X1s if tmask.all() else X1s[:, :, tmask]
    tparams = dict(winmax=treat.winmax, skew_thresh=treat.skew_thresh, kurt_thresh=treat.kurt_thresh,
                   lower=treat.lower, upper=treat.upper)
    tinds = [i for i, k in zip(inds, tmask) if k]
    treated_sub, details = treat_panel(sub, method=treat.method, scope=treat.scope, names=tinds,
                                       year_labels=list(inp.years), **tparams)
    if tmask.all():
        X2 = treated_sub  # a new array (treat_panel copies)
    else:
        X2 = X1s.copy()
        X2[:, :, tmask] = treated_sub
    del sub, treated_sub
    det_rows = []
    reason: str | np.ndarray = np.full(X2.shape, "", dtype=object) if details else ""
    column = {x: k for k, x in enumerate(inds)}
    for t, j, d in details:
        det_rows.append({"year": None if t is None else inp.years[t], "indicator": tinds[j], **vars(d)})
        jj = column[tinds[j]]
        if t is None:
            reason[:, :, jj] = d.action
        else:
            reason[t, :, jj] = d.action
    changes.append(_cell_changes("treat", X1s, X2, inp, reason))
    steps.append({"name": "treat", "params": treat.model_dump()})
    treat_details = pd.DataFrame(det_rows, columns=["year", "indicator", "skew0", "kurt0", "pass0", "nwin", "skew1", "kurt1", "pass1", "action"])

    say("normalise")
    direction = np.array([fw.by_id[i].direction for i in inds], dtype=float)
    params = {"range": normalise.range, "mean": normalise.mean, "sd": normalise.sd, "ddof": normalise.ddof}
    if normalise.method == "target":
        params["target"] = [float(fw.by_id[i].tags.get("target", np.nan)) for i in inds]
    base_index = None
    if normalise.scope == "base_year":
        if normalise.base_year not in inp.years:
            raise MethodError(f"normalise.base_year must be one of the data years {inp.years}; got {normalise.base_year}.")
        base_index = inp.years.index(normalise.base_year)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        Z = normalise_panel(X2, direction, method=normalise.method, scope=normalise.scope, base_index=base_index,
                            shift=normalise.shift, params=params, indicator_names=inds, year_labels=inp.years)
    steps.append({"name": "normalise", "params": normalise.model_dump()})

    say("weight")
    given = _given_weights(fw, weight)
    Zw = Z if weight.on == "normalised" else (raw_for_weights if raw_for_weights is not None else X2)
    Zagg = Z
    if weight.score_on == "p":
        # entropy score on proportions: p = z / Σ z over the weighting scope
        with np.errstate(invalid="ignore", divide="ignore"):
            if weight.scope == "pooled":
                Zagg = Z / np.nansum(Z, axis=(0, 1), keepdims=True)
            else:
                Zagg = Z / np.nansum(Z, axis=1, keepdims=True)
    col = {ind: j for j, ind in enumerate(inds)}
    order_post = list(reversed(fw.preorder()))
    node_scores: dict[str, np.ndarray] = {ind: Zagg[:, :, col[ind]] for ind in inds}
    within: dict[str, np.ndarray] = {}  # node -> child weights (k,) or (T, k)
    eff_leaf: np.ndarray | None = None

    if weight.scheme == "global":
        wl = _method_weights(Zw, inds, weight, fw.root, given)
        eff_leaf = wl  # (m,) or (T, m)
        for nid in fw.aggregates:
            ch = fw.children(nid)
            cw = [np.take(wl, [col[x] for x in fw.leaves_under(c)], axis=-1).sum(axis=-1) for c in ch]
            cw = np.stack(cw, axis=-1)
            with np.errstate(invalid="ignore", divide="ignore"):
                within[nid] = cw / cw.sum(axis=-1, keepdims=True)
    steps.append({"name": "weight", "params": weight.model_dump()})

    say("aggregate")
    scale = aggregate.scale
    cov_fail: dict[str, np.ndarray] = {}  # node -> available weight share where below min_coverage, else NaN
    reweighted: dict[str, tuple[np.ndarray, int]] = {}  # node -> (present components (T, n), 0 = not re-weighted; K)

    def record(nid: str, s: np.ndarray, covv: np.ndarray, present: np.ndarray) -> np.ndarray:
        """Keep the coverage failures and the re-weighted unit-years of one node (tree or grouping)."""
        low = covv < aggregate.min_coverage
        if low.any():
            cov_fail[nid] = np.where(low, covv, np.nan)
        rew = ~np.isnan(s) & (covv < 1.0)
        if rew.any():
            reweighted[nid] = (np.where(rew, present.sum(axis=-1), 0), present.shape[-1])
        return s

    for nid in order_post:
        node = fw.by_id[nid]
        if node.is_indicator:
            continue
        ch = fw.children(nid)
        V = np.stack([node_scores[c] for c in ch], axis=-1)
        if weight.scheme == "within_parent":
            all_leaves = all(fw.by_id[c].is_indicator for c in ch)
            if all_leaves:
                Vw = np.stack([Zw[:, :, col[c]] for c in ch], axis=-1)
                within[nid] = _method_weights(Vw, ch, weight, nid, given)
            elif weight.upper == "same":
                within[nid] = _method_weights(V, ch, weight, nid, given)
            elif weight.upper == "given":
                within[nid] = _method_weights(V, ch, weight, nid, given, method="given")
            elif weight.upper == "equal":
                within[nid] = equal_weights(len(ch))
            else:  # sum: each child weighs the number of leaves under it (equal leaf weight)
                cnt = np.array([len(fw.leaves_under(c)) for c in ch], dtype=float)
                within[nid] = cnt / cnt.sum()
        w = within[nid]
        leaf_values = None
        if aggregate.node_methods.get(nid, aggregate.method) == "topsis":
            leaves = fw.leaves_under(nid)
            leaf_values = (np.stack([Z[:, :, col[x]] for x in leaves], axis=-1), _effective_leaf_weights(fw, within, nid, leaves))
        node_scores[nid] = record(nid, *_aggregate_node(nid, V, w, aggregate, leaf_values))

    # grouping nodes (second hierarchies over the same indicators)
    if eff_leaf is None:
        eff_leaf = _effective_leaf_weights(fw, within, fw.root, inds)
    group_nodes: list[str] = []
    group_weight_rows: list[dict] = []
    for g in fw.groupings:
        for value, members in fw.grouping_members(g).items():
            gid = f"{g.id}:{value}"
            idx = [col[x] for x in members]
            wv = np.take(eff_leaf, idx, axis=-1)
            V = np.stack([Zagg[:, :, j] for j in idx], axis=-1)
            leaf_values = (np.stack([Z[:, :, j] for j in idx], axis=-1), wv)
            # the same dispatch, coverage rule and records as the tree nodes
            node_scores[gid] = record(gid, *_aggregate_node(gid, V, wv, aggregate, leaf_values))
            group_nodes.append(gid)
            tot = wv.sum(axis=-1)
            group_weight_rows.append({"node": gid, "parent": g.id, "level": 2, "weight": tot, "effective_weight": tot})
    steps.append({"name": "aggregate", "params": aggregate.model_dump()})

    nodes = fw.preorder() + group_nodes
    S = np.stack([node_scores[x] for x in nodes], axis=-1)
    agg_mask = np.array([not fw.by_id[x].is_indicator if x in fw.by_id else True for x in nodes])
    S[:, :, agg_mask] = S[:, :, agg_mask] * scale
    if not keep.all():
        S = np.where(keep[:, :, None], S, np.nan)

    # excluded unit-years: every missing root score gets a reason
    root_j = nodes.index(fw.root)
    for t, i in zip(*np.nonzero(np.isnan(S[:, :, root_j]))):
        if not keep[t, i]:
            continue
        if fw.root in cov_fail and not np.isnan(cov_fail[fw.root][t, i]):
            reason = f"available weight share {cov_fail[fw.root][t, i]:.3f} < aggregate.min_coverage {aggregate.min_coverage}"
        elif np.isnan(X2[t, i]).all():
            reason = "no indicator data for this unit-year"
        else:
            missing = [inds[j] for j in np.nonzero(np.isnan(Z[t, i]))[0]]
            reason = f"score undefined (missing or non-positive components; missing indicators: {missing[:8]})"
        excluded_rows.append({"unit": inp.units[i], "year": inp.years[t], "node": fw.root, "reason": reason})
    for nid, cf in cov_fail.items():
        if nid == fw.root:
            continue
        for t, i in zip(*np.nonzero(~np.isnan(cf))):
            excluded_rows.append({"unit": inp.units[i], "year": inp.years[t], "node": nid,
                                  "reason": f"available weight share {cf[t, i]:.3f} < aggregate.min_coverage {aggregate.min_coverage}"})

    changes.append(_reweighted_changes(reweighted, S, nodes, inp))
    group_members = {f"{g.id}:{v}": members for g in fw.groupings for v, members in fw.grouping_members(g).items()}
    partial = _partial_coverage(fw, S, nodes, Z, within, eff_leaf, group_members, inp)

    weights = _weights_table(fw, within, eff_leaf, inp.years, weight.scope == "year", group_weight_rows)
    excluded = pd.DataFrame(excluded_rows, columns=["unit", "year", "node", "reason"])
    return EngineOutput(within=within, keep=keep, aggregated_with=Zagg, scores=S, nodes=nodes, imputed=X1, treated=X2, normalised=Z, weights=weights,
                        changes=changes, excluded=excluded, treat_details=treat_details, steps=steps, partial=partial)


def _aggregate_node(nid: str, V: np.ndarray, w: np.ndarray, cfg: AggregateConfig,
                    leaf_values: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores of one node — tree node or grouping node alike (methods-reference §2.2, §3).

    ``V`` (T, n, k) are the node's components (children scores, or indicators of a grouping node) with
    weights ``w`` (k,) or (T, k); ``leaf_values`` = (indicator values, effective weights) for TOPSIS, which
    works on the indicators under the node. The method is ``cfg.node_methods[nid]`` or ``cfg.method``.
    Missing components are skipped and the others' weights re-normalised; a unit-year whose available
    weight share ``Σ_available w / Σ w`` is below ``cfg.min_coverage`` gets no score.

    Returns the scores (T, n), the available weight share (T, n) and which components are present (T, n, k).
    """
    method = cfg.node_methods.get(nid, cfg.method)
    if method == "topsis":
        if leaf_values is None:
            raise MethodError(f"aggregate(method='topsis'): node {nid!r} needs its indicator values; got none. "
                              "This is a bug in the caller; report it.")
        VL, wl = leaf_values
        s = agg.topsis(VL, wl, ideal=cfg.topsis_ideal, distance=cfg.topsis_distance)
        covv, present = agg.coverage(VL, wl), ~np.isnan(VL)
    else:
        if method == "arithmetic":
            s = agg.arithmetic(V, w)
        elif method == "geometric":
            s = agg.geometric(V, w, node=nid)
        elif method == "harmonic":
            s = agg.harmonic(V, w, node=nid)
        else:
            s = agg.copeland(V, w)
        covv, present = agg.coverage(V, w), ~np.isnan(V)
    return np.where(covv < cfg.min_coverage, np.nan, s), covv, present


def _reweighted_changes(reweighted: dict[str, tuple[np.ndarray, int]], S: np.ndarray, nodes: list[str],
                        inp: EngineInput) -> pd.DataFrame:
    """One change record per scored unit-year × node aggregated over only some of its components.

    ``indicator`` = the node, ``old`` = NaN, ``new`` = its score, ``reason`` = "re-weighted: k of K
    components present …" (the weights of the present components re-normalised to sum 1).
    """
    frames = []
    for nid, (k, K) in reweighted.items():
        sj = S[:, :, nodes.index(nid)]
        t, i = np.nonzero((k > 0) & ~np.isnan(sj))
        if t.size == 0:
            continue
        frames.append(pd.DataFrame({
            "step": "aggregate",
            "unit": np.asarray(inp.units, dtype=object)[i],
            "year": np.asarray(inp.years)[t],
            "indicator": nid,
            "old": np.nan,
            "new": sj[t, i],
            "reason": np.array([f"re-weighted: {c} of {K} components present (weights re-normalised over the present ones)"
                                for c in range(K + 1)], dtype=object)[k[t, i]],
        }))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHANGE_COLUMNS)


def _partial_coverage(fw: Framework, S: np.ndarray, nodes: list[str], Z: np.ndarray, within: dict[str, np.ndarray],
                      eff_leaf: np.ndarray, group_members: dict[str, list[str]], inp: EngineInput) -> pd.DataFrame:
    """Unit-years whose node score was computed from fewer than all the indicators under the node.

    An indicator enters a node's score when its normalised value exists and every node between it and the
    node has a score (a sub-node left unscored by ``min_coverage`` takes its indicators out). Indicators with no
    value in any unit-year (weight 0, reported by their own warning) are not counted. ``weight_share`` is the
    share of the node's indicator weight (effective weights below the node) that entered the score; ``missing``
    lists the indicators left out, as a JSON array. Such scores measure less than the node's full definition
    (``aggregate.min_coverage = 0`` scores them whatever is missing), so they are flagged rather than silent.
    """
    import json

    T, n, m = Z.shape
    col = {ind: j for j, ind in enumerate(fw.indicators)}
    pos = {x: k for k, x in enumerate(nodes)}
    present = ~np.isnan(Z)
    informative = present.any(axis=(0, 1))
    units = np.asarray(inp.units, dtype=object)
    years = np.asarray(inp.years)
    frames: list[pd.DataFrame] = []

    def emit(nid: str, leaves: list[str], used: np.ndarray, w: np.ndarray) -> None:
        info = np.array([informative[col[x]] for x in leaves], dtype=bool)
        if not info.any():
            return
        used_i, w = used[:, :, info], np.asarray(w, dtype=float)[..., info]
        names = [x for x, k in zip(leaves, info) if k]
        flag = ~np.isnan(S[:, :, pos[nid]]) & ~used_i.all(axis=-1)
        t, i = np.nonzero(flag)
        if t.size == 0:
            return
        u = used_i[t, i]  # (r, k)
        wr = w[t] if w.ndim == 2 else np.broadcast_to(w, u.shape)
        tot = wr.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(tot > 0, (wr * u).sum(axis=-1) / tot, np.nan)
        cache: dict[bytes, str] = {}
        missing = []
        for row in u:
            key = np.packbits(row).tobytes()
            if key not in cache:
                cache[key] = json.dumps([x for x, ok in zip(names, row) if not ok], ensure_ascii=False, separators=(",", ":"))
            missing.append(cache[key])
        frames.append(pd.DataFrame({"unit": units[i], "year": years[t], "node": nid, "n_used": u.sum(axis=-1),
                                    "n_indicators": len(names), "weight_share": share, "missing": missing}))

    used_of: dict[str, tuple[list[str], np.ndarray]] = {}
    for nid in reversed(fw.preorder()):
        if fw.by_id[nid].is_indicator:
            continue
        leaves, parts = [], []
        for c in fw.children(nid):
            if fw.by_id[c].is_indicator:
                leaves.append(c)
                parts.append(present[:, :, col[c]][:, :, None])
            else:
                cl, cu = used_of.pop(c)
                leaves += cl
                parts.append(cu & ~np.isnan(S[:, :, pos[c]])[:, :, None])
        used = np.concatenate(parts, axis=-1)
        used_of[nid] = (leaves, used)
        emit(nid, leaves, used, _effective_leaf_weights(fw, within, nid, leaves))
    for gid, members in group_members.items():
        idx = [col[x] for x in members]
        emit(gid, list(members), present[:, :, idx], np.take(eff_leaf, idx, axis=-1))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(PARTIAL_COLUMNS, (object, "int64", object, "int64", "int64",
                                                                                   float, object))})
    out = pd.concat(frames, ignore_index=True)
    order = {x: k for k, x in enumerate(nodes)}
    out = out.assign(_o=out["node"].map(order)).sort_values(["year", "unit", "_o"], kind="stable").drop(columns="_o")
    out["year"] = out["year"].astype("int64")
    return out.reset_index(drop=True)


def _effective_leaf_weights(fw: Framework, within: dict[str, np.ndarray], node: str, leaves: list[str]) -> np.ndarray:
    """Product of within-parent weights from ``node`` down to each leaf: shape (k,) or (T, k)."""
    out = []
    position: dict[str, dict[str, int]] = {}  # a child's place among its parent's children (no list search per leaf)
    for leaf in leaves:
        w: np.ndarray | float = 1.0
        cur = leaf
        while cur != node:
            parent = fw.by_id[cur].parent
            if parent not in position:
                position[parent] = {c: k for k, c in enumerate(fw.children(parent))}
            k = position[parent][cur]
            w = w * np.take(within[parent], k, axis=-1)
            cur = parent
        out.append(np.asarray(w, dtype=float))
    shape = np.broadcast_shapes(*[o.shape for o in out])
    return np.stack([np.broadcast_to(o, shape) for o in out], axis=-1)


def _weights_table(fw: Framework, within: dict[str, np.ndarray], eff_leaf: np.ndarray, years: list[int],
                   per_year: bool, group_rows: list[dict]) -> pd.DataFrame:
    """One row per node (and per year when weights vary by year): within-parent and effective weight."""
    rows = []
    year_list: list = list(years) if per_year else [None]
    for yi, year in enumerate(year_list):
        rows.append({"node": fw.root, "parent": "", "level": fw.level_of[fw.root], "year": year,
                     "weight": 1.0, "effective_weight": 1.0})
        eff = {fw.root: 1.0}
        for nid in fw.preorder():
            if fw.by_id[nid].is_indicator:
                continue
            wv = np.asarray(within[nid], dtype=float)
            wrow = wv[yi] if wv.ndim == 2 else wv
            for k, c in enumerate(fw.children(nid)):
                eff[c] = eff[nid] * float(wrow[k])
                rows.append({"node": c, "parent": nid, "level": fw.level_of[c], "year": year,
                             "weight": float(wrow[k]), "effective_weight": eff[c]})
        for g in group_rows:
            wv = np.asarray(g["weight"], dtype=float)
            val = float(wv[yi]) if wv.ndim == 1 else float(wv)
            rows.append({"node": g["node"], "parent": g["parent"], "level": g["level"], "year": year,
                         "weight": val, "effective_weight": val})
    df = pd.DataFrame(rows, columns=["node", "parent", "level", "year", "weight", "effective_weight"])
    df["year"] = df["year"].astype("Int64")
    return df
