"""The evidence formulas of the path recommender (docs/paths.md): gaps, trend lag, obstacle share, the priority
of a target and of a path, the default evidence weights and the fit factors.

Pure functions on numbers (numpy inside); :mod:`nqpf.paths.recommend` applies them to a unit's evidence.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from .._errors import MethodError


#: default weights of the evidence components (see module docstring; docs/paths.md)
DEFAULT_WEIGHTS: dict[str, float] = {
    "weakness": 0.25,       # 1 − percentile of the unit on the target (rank-based, scale-free)
    "own_profile": 0.15,    # how far the target lies below the unit's own overall percentile (what is distinctive)
    "group_gap": 0.15,      # percentile shortfall against the other units of its group
    "obstacle": 0.25,       # obstacle degree per indicator, relative to the unit's largest
    "trend": 0.05,
    "uncertainty": 0.05,
    "coupling": 0.10,
    "frontier_gap": 0.0,    # range-scaled gap to the frontier (reported in every reason; weight 0 by default)
}


def frontier_gap(value: Any, frontier: Any, floor: Any) -> np.ndarray:
    """Relative gap to the frontier ``g_f = (max − s) / (max − min)`` (docs/paths.md §2).

    0 at the frontier, 1 at the bottom of the distribution; 0 when all units are equal.

    Examples
    --------
    >>> frontier_gap([0.2, 0.8], 0.8, 0.0).round(3).tolist()
    [0.75, 0.0]
    """
    s = np.asarray(value, dtype=float)
    hi = np.asarray(frontier, dtype=float)
    lo = np.asarray(floor, dtype=float)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(rng > 0, (hi - s) / np.where(rng > 0, rng, 1.0), 0.0)
    return np.clip(out, 0.0, 1.0)


def _shortfall(value: Any, reference: Any, value_range: Any) -> np.ndarray:
    """Shortfall of ``value`` below ``reference`` as a share of the range, ``clip((ref − v) / range, 0, 1)``.

    0 where the range is not positive or the result is NaN (docs/paths.md §2: group gap, trend lag).
    """
    v = np.asarray(value, dtype=float)
    m = np.asarray(reference, dtype=float)
    r = np.asarray(value_range, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(r > 0, (m - v) / np.where(r > 0, r, 1.0), 0.0)
    return np.clip(np.nan_to_num(out, nan=0.0), 0.0, 1.0)


def group_gap(value: Any, group_mean: Any, value_range: Any) -> np.ndarray:
    """Shortfall against the own group ``g_g = clip((mean_G − s) / range, 0, 1)`` (docs/paths.md §2).

    Examples
    --------
    >>> group_gap([0.2, 0.6], 0.4, 0.8).round(3).tolist()
    [0.25, 0.0]
    """
    return _shortfall(value, group_mean, value_range)


def trend_lag(change: Any, peer_median_change: Any, value_range: Any) -> np.ndarray:
    """Growth shortfall against the median unit ``l = clip((median Δ − Δ) / range, 0, 1)`` (docs/paths.md §2).

    Examples
    --------
    >>> trend_lag([0.05, 0.2], 0.1, 0.5).round(3).tolist()
    [0.1, 0.0]
    """
    return _shortfall(change, peer_median_change, value_range)


def obstacle_share(per_indicator: float, largest: float) -> float:
    """Obstacle component ``o = (O_k / m_k) / max_k' (O_k' / m_k')`` (docs/paths.md §2).

    O_k is the obstacle degree of target k (%, methods-reference §11: the sum over its m_k
    indicators), so o compares the mean obstacle per indicator of the targets of one unit;
    NaN when no obstacle degrees are available.

    Examples
    --------
    >>> obstacle_share(4.0, 8.0)
    0.5
    """
    if per_indicator is None or largest is None or math.isnan(per_indicator) or math.isnan(largest) or largest <= 0:
        return math.nan
    return float(per_indicator) / float(largest)


def path_priority(target_priorities: Sequence[float]) -> float:
    """Priority of a catch-up path ``P = ½ max_k P_k + ½ mean_k P_k`` over its targets (docs/paths.md §2).

    Targets at the frontier count as 0, so a path whose every linked node is weak outranks
    one with a single weak node among strong ones.

    Examples
    --------
    >>> round(path_priority([0.8, 0.0]), 6)
    0.6
    """
    p = np.asarray(target_priorities, dtype=float)
    if p.size == 0:
        return 0.0
    return float(0.5 * p.max() + 0.5 * p.mean())


def target_priority(components: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """Weighted mean of the available evidence components ``P = Σ w_c x_c / Σ_{c available} w_c``.

    Components that are NaN (evidence not available, e.g. no obstacle table) are left out and
    the weights of the others rescaled (docs/paths.md §2).

    Examples
    --------
    >>> round(target_priority({"frontier_gap": 1.0, "obstacle": float("nan")}, {"frontier_gap": 0.35, "obstacle": 0.25}), 3)
    1.0
    """
    num = den = 0.0
    for k, w in weights.items():
        x = components.get(k, math.nan)
        if x is None or (isinstance(x, float) and math.isnan(x)) or w <= 0:
            continue
        num += w * float(x)
        den += w
    return num / den if den > 0 else 0.0


#: how well a target fits the path it justifies: a named sub-dimension / indicator (keyword or explicit
#: node) fits best, a driver / type tag less, a whole element least (docs/paths.md §2)
FIT_FACTOR: dict[int, float] = {3: 1.0, 2: 0.85, 1: 0.6}


#: added to a path's priority when the unit has one of the path's place contexts
CONTEXT_BONUS = 0.10


def _check_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    w = dict(DEFAULT_WEIGHTS)
    if weights is None:
        return w
    unknown = sorted(set(weights) - set(DEFAULT_WEIGHTS))
    if unknown:
        raise MethodError(f"recommend: unknown evidence weights; got {unknown}. Use keys {sorted(DEFAULT_WEIGHTS)}.")
    bad = {k: v for k, v in weights.items() if not isinstance(v, (int, float)) or isinstance(v, bool) or not v >= 0}
    if bad:
        raise MethodError(f"recommend: evidence weights must be numbers >= 0; got {bad}. Use e.g. weights={{'obstacle': 0.3}}.")
    w.update({k: float(v) for k, v in weights.items()})
    if sum(w.values()) <= 0:
        raise MethodError(f"recommend: evidence weights sum to 0; got {w}. Give at least one positive weight.")
    return w
