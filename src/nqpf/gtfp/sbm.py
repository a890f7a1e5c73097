"""Slacks-based measure (SBM) with undesirable outputs and super-efficiency SBM.

References: Tone (2001), EJOR 130(3) (SBM); Tone (2002), EJOR 143(1) (super-SBM); Tone (2004)
"Dealing with undesirable outputs in DEA: a slacks-based measure (SBM) approach" (NAPW III,
Toronto) and Cooper, Seiford & Tone (2007) §13.5 (undesirable outputs). Formulas in
:func:`nqpf.gtfp._build.solve_sbm` and :func:`nqpf.gtfp._build.solve_super_sbm`.
"""
from __future__ import annotations

from typing import Sequence

import pandas as pd

from .._validation import check_option
from .engine import RTS, Frontier, ModelSpec, SBMOrientation, efficiency_frames
from .panel import dea_data
from .results import EfficiencyResult

__all__ = ["sbm"]


def sbm(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    undesirable: str | Sequence[str] | None = None,
    rts: RTS = "crs",
    orientation: SBMOrientation = "non",
    frontier: Frontier = "year",
    super_efficiency: bool = False,
    unit: str = "unit",
    year: str = "year",
) -> EfficiencyResult:
    """SBM efficiency with undesirable outputs (and super-SBM for efficient units).

    ρ* = min [1 − (1/m)Σ s⁻_i/x_io] / [1 + (1/(s₁+s₂))(Σ s^g_r/y_ro + Σ s^b_k/b_ko)]
    s.t. x_o = Xλ + s⁻, y_o = Yλ − s^g, b_o = Bλ + s^b, λ, s ≥ 0 (+ Σλ = 1 under VRS).

    Parameters
    ----------
    data
        Long panel or wide table.
    inputs, outputs, undesirable
        Inputs (e.g. capital, labour, energy), desirable outputs (real GDP), undesirable
        outputs (CO2, SO2).
    rts
        ``"crs"``, ``"vrs"``, ``"nirs"``, ``"ndrs"``.
    orientation
        ``"non"`` (non-oriented, default), ``"input"`` or ``"output"`` SBM.
    frontier
        ``"year"``, ``"sequential"`` or ``"pooled"`` (see :func:`nqpf.gtfp.dea`).
    super_efficiency
        Also solve the super-SBM (Tone 2002; bads like in the SBM) for SBM-efficient unit-years;
        ``efficiency`` is then the SBM score if < 1 and the super-SBM score otherwise
        (columns ``sbm`` and ``super_sbm`` keep both).
    unit, year
        Key columns.

    Returns
    -------
    EfficiencyResult

    Notes
    -----
    A variable whose own value is 0 has its term deleted from the ratio and the mean runs over
    the remaining terms (Tone 2001); every zero is listed in the ``zeros`` table and in the
    summary notes. Rows are scaled by the unit's own values, so scores are invariant to units
    of measurement.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abc"), "year": 2020, "x": [2.0, 4.0, 3.0],
    ...                    "y": [2.0, 2.0, 1.0], "co2": [1.0, 1.0, 1.0]})
    >>> res = sbm(df, inputs="x", outputs="y", undesirable="co2")
    >>> res.scores["efficiency"].round(3).tolist()
    [1.0, 0.5, 0.267]
    """
    check_option(rts, RTS, param="rts", caller="sbm")
    check_option(orientation, SBMOrientation, param="orientation", caller="sbm")
    check_option(frontier, Frontier, param="frontier", caller="sbm")
    d = dea_data(data, inputs=inputs, outputs=outputs, undesirable=undesirable, unit=unit, year=year, caller="sbm")
    spec = ModelSpec("sbm", rts=rts, orientation=orientation)
    scores, sl, peers = efficiency_frames(spec, d, frontier=frontier, super_efficiency=super_efficiency)
    params = {"model": "sbm", "rts": rts, "orientation": orientation, "frontier": frontier,
              "super_efficiency": super_efficiency, "inputs": list(d.inputs), "outputs": list(d.outputs),
              "undesirable": list(d.undesirable)}
    return EfficiencyResult("super_sbm" if super_efficiency else "sbm", scores, sl, peers, d.excluded, d.zeros, params)
