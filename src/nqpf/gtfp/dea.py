"""Radial DEA: CCR (constant returns) and BCC (variable returns), input or output oriented.

References: Charnes, Cooper & Rhodes (1978), EJOR 2(6); Banker, Charnes & Cooper (1984),
Management Science 30(9); two-stage max-slack solution as in Cooper, Seiford & Tone (2007) §3.3
(deaR ``model_basic``, DEAP, Benchmarking ``slack``).
"""
from __future__ import annotations

from typing import Literal, Sequence

import numpy as np
import pandas as pd

from .._validation import check_option
from .engine import RTS, Frontier, ModelSpec, Orientation, efficiency_frames, evaluate, frontier_masks
from .panel import dea_data
from .results import EfficiencyResult

__all__ = ["dea", "SlackMode", "SlackWeights"]

SlackMode = Literal["max", "residual"]
SlackWeights = Literal["unit", "relative"]


def dea(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    rts: RTS = "crs",
    orientation: Orientation = "input",
    frontier: Frontier = "year",
    slacks: SlackMode = "max",
    slack_weights: SlackWeights = "unit",
    super_efficiency: bool = False,
    unit: str = "unit",
    year: str = "year",
) -> EfficiencyResult:
    """Radial (CCR / BCC) efficiency of every unit-year.

    Parameters
    ----------
    data
        Long panel (``unit, year, indicator, value``) or wide table (one row per unit-year).
    inputs, outputs
        Variable names (indicator ids or columns).
    rts
        ``"crs"`` (CCR), ``"vrs"`` (BCC), ``"nirs"`` or ``"ndrs"``.
    orientation
        ``"input"``: θ* = min θ with Σλx ≤ θx_o, Σλy ≥ y_o. ``"output"``: η* = max η with
        Σλx ≤ x_o, Σλy ≥ ηy_o; ``efficiency`` = 1/η*.
    frontier
        Reference set of year t: ``"year"`` (its own year), ``"sequential"`` (years ≤ t) or
        ``"pooled"`` (every year, a global frontier).
    slacks
        ``"max"``: second stage maximising the slack sum with θ* fixed (deaR, DEAP, Benchmarking);
        ``"residual"``: slacks of the first-stage optimum.
    slack_weights
        ``"unit"``: maximise Σs in data units (deaR default); ``"relative"``: Σ s/x_o + Σ s/y_o
        (unit-free).
    super_efficiency
        Andersen–Petersen: leave the evaluated unit out of its own reference set (scores may
        exceed 1; VRS LPs can be infeasible and are reported as such).
    unit, year
        Key columns.

    Returns
    -------
    EfficiencyResult
        ``scores`` (``efficiency``, ``theta``/``eta``, ``status``), ``slacks`` (slacks and
        targets), ``peers`` (λ), ``excluded``, ``zeros``.

    Notes
    -----
    Each LP row is scaled by the unit's own value, so scores are invariant to the units of
    measurement. LPs are solved with SciPy's HiGHS, many units per call (see
    :mod:`nqpf.gtfp._lp`); results equal the one-LP-per-unit solution.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abc"), "year": 2020, "x": [2.0, 4.0, 3.0], "y": [2.0, 2.0, 1.0]})
    >>> res = dea(df, inputs="x", outputs="y")
    >>> res.scores["efficiency"].round(3).tolist()
    [1.0, 0.5, 0.333]
    """
    check_option(rts, RTS, param="rts", caller="dea")
    check_option(orientation, Orientation, param="orientation", caller="dea")
    check_option(frontier, Frontier, param="frontier", caller="dea")
    check_option(slacks, SlackMode, param="slacks", caller="dea")
    check_option(slack_weights, SlackWeights, param="slack_weights", caller="dea")
    d = dea_data(data, inputs=inputs, outputs=outputs, unit=unit, year=year, caller="dea")
    spec = ModelSpec("radial", rts=rts, orientation=orientation, slacks=slacks, slack_weights=slack_weights)
    if super_efficiency:
        scores, sl, peers = efficiency_frames(spec, d, frontier=frontier)
        refs = frontier_masks(d.year, frontier)
        sup = np.full(len(d.unit), np.nan)
        sst = np.empty(len(d.unit), dtype=object)
        for y, ref in refs.items():
            ev = np.flatnonzero(d.year == y)
            r = evaluate(ModelSpec("radial", rts=rts, orientation=orientation, slacks="residual"), d, ev, ref, exclude_self=True)
            sup[ev], sst[ev] = r["score"], r["status"]
        scores = scores.assign(super_efficiency=sup, super_status=sst)
    else:
        scores, sl, peers = efficiency_frames(spec, d, frontier=frontier)
    params = {"model": "radial", "rts": rts, "orientation": orientation, "frontier": frontier, "slacks": slacks,
              "slack_weights": slack_weights, "super_efficiency": super_efficiency, "inputs": list(d.inputs),
              "outputs": list(d.outputs)}
    name = {"crs": "ccr", "vrs": "bcc"}.get(rts, f"radial_{rts}")
    return EfficiencyResult(name, scores, sl, peers, d.excluded, d.zeros, params)
