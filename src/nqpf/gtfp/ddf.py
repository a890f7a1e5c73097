"""Directional distance function (DDF) with undesirable outputs and a user direction.

References: Chambers, Chung & Färe (1996), JET 70(2); Chung, Färe & Grosskopf (1997), JEM 51(3)
(weak disposability of bad outputs, g = (0, y, −b)); Färe & Grosskopf (2004) for the
directional technology. deaR ``model_dir`` and Stata ``teddf`` solve the same LP.
"""
from __future__ import annotations

from typing import Literal, Mapping, Sequence

import pandas as pd

from .._errors import MethodError
from .._validation import check_option
from .engine import RTS, DirectionBasis, Disposability, Frontier, ModelSpec, efficiency_frames
from .panel import DEAData, dea_data
from .results import EfficiencyResult

__all__ = ["ddf", "DirectionPreset", "direction_factors"]

#: named directions: ``output_bad`` g = (0, y, −b) (Chung et al. 1997); ``all`` g = (−x, y, −b);
#: ``output`` g = (0, y, 0); ``input`` g = (−x, 0, 0)
DirectionPreset = Literal["output_bad", "all", "output", "input"]


def direction_factors(direction: str | Mapping[str, float], data: DEAData, *, caller: str) -> tuple:
    """Resolve a direction (preset name or {variable: factor ≥ 0}) to ((variable, factor), ...).

    Factors are magnitudes: a factor f on an input or bad output means "reduce by f·basis", on a
    good output "expand by f·basis".
    """
    if isinstance(direction, str):
        check_option(direction, DirectionPreset, param="direction", caller=caller)
        on = {
            "output_bad": data.outputs + data.undesirable,
            "all": data.variables,
            "output": data.outputs,
            "input": data.inputs,
        }[direction]
        return tuple((v, 1.0) for v in on)
    if not isinstance(direction, Mapping):
        raise MethodError(
            f"{caller}: direction must be a preset name or a mapping {{variable: factor}}; got "
            f"{type(direction).__name__}. Use e.g. direction={{'Y': 1, 'CO2': 1}}."
        )
    unknown = [k for k in direction if k not in data.variables]
    if unknown:
        raise MethodError(
            f"{caller}: direction names variables {unknown} that are not inputs or outputs; got variables "
            f"{list(data.variables)}. Use the declared variable names."
        )
    neg = {k: v for k, v in direction.items() if float(v) < 0}
    if neg:
        raise MethodError(
            f"{caller}: direction factors must be >= 0 (the sign follows the variable's role); got {neg}. "
            "Give magnitudes: inputs and bads are reduced, good outputs expanded."
        )
    if not any(float(v) > 0 for v in direction.values()):
        raise MethodError(
            f"{caller}: the direction is zero for every variable; got {dict(direction)}. Give at least one factor > 0."
        )
    return tuple((str(k), float(v)) for k, v in direction.items())


def ddf(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    undesirable: str | Sequence[str] | None = None,
    direction: DirectionPreset | Mapping[str, float] = "output_bad",
    direction_basis: DirectionBasis = "own",
    rts: RTS = "crs",
    disposability: Disposability = "weak",
    allow_negative: bool = False,
    frontier: Frontier = "year",
    unit: str = "unit",
    year: str = "year",
) -> EfficiencyResult:
    """Directional distance function β* of every unit-year.

    β* = max β s.t. Σλx_j ≤ x_o − βg_x, Σλy_j ≥ y_o + βg_y, Σλb_j = b_o − βg_b, λ ≥ 0
    (+ Σλ = 1 under VRS); ``efficiency`` = 1/(1 + β*).

    Parameters
    ----------
    data
        Long panel or wide table.
    inputs, outputs, undesirable
        Variable names.
    direction
        Preset (``"output_bad"`` = (0, y, −b), ``"all"`` = (−x, y, −b), ``"output"``,
        ``"input"``) or a mapping {variable: factor ≥ 0}.
    direction_basis
        Direction = factor × the unit's own value (``"own"``), × the sample mean (``"mean"``)
        or the factor itself (``"unit"``).
    rts
        Returns to scale.
    disposability
        ``"weak"`` (bads by equality, Färe et al. 1989) or ``"strong"`` (≤).
    allow_negative
        Allow β < 0 (points above the frontier, only possible for cross-period or pooled
        evaluations of other units); with the default (β ≥ 0, as deaR and Stata) such LPs are
        infeasible and reported.
    frontier
        ``"year"``, ``"sequential"`` or ``"pooled"``.
    unit, year
        Key columns.

    Returns
    -------
    EfficiencyResult
        ``scores`` with ``beta`` and ``efficiency`` = 1/(1 + β).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("ab"), "year": 2020, "x": [1.0, 1.0],
    ...                    "y": [2.0, 1.0], "co2": [1.0, 1.0]})
    >>> res = ddf(df, inputs="x", outputs="y", undesirable="co2")
    >>> res.scores["beta"].round(3).tolist()
    [0.0, 0.333]
    """
    check_option(direction_basis, DirectionBasis, param="direction_basis", caller="ddf")
    check_option(rts, RTS, param="rts", caller="ddf")
    check_option(disposability, Disposability, param="disposability", caller="ddf")
    check_option(frontier, Frontier, param="frontier", caller="ddf")
    d = dea_data(data, inputs=inputs, outputs=outputs, undesirable=undesirable, unit=unit, year=year, caller="ddf")
    fac = direction_factors(direction, d, caller="ddf")
    spec = ModelSpec("ddf", rts=rts, direction=fac, direction_basis=direction_basis, disposability=disposability,
                     allow_negative=allow_negative)
    scores, sl, peers = efficiency_frames(spec, d, frontier=frontier)
    params = {"model": "ddf", "rts": rts, "direction": dict(fac), "direction_basis": direction_basis,
              "disposability": disposability, "allow_negative": allow_negative, "frontier": frontier,
              "inputs": list(d.inputs), "outputs": list(d.outputs), "undesirable": list(d.undesirable)}
    return EfficiencyResult("ddf", scores, sl, peers, d.excluded, d.zeros, params)
