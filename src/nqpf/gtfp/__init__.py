"""nqpf.gtfp — DEA efficiency and green total factor productivity (绿色全要素生产率).

Models: radial CCR/BCC (:func:`dea`), SBM with undesirable outputs and super-SBM (:func:`sbm`),
directional distance functions (:func:`ddf`); productivity: :func:`malmquist` and
:func:`malmquist_luenberger` on contemporaneous, sequential, window, global and biennial
frontiers, with a cumulative GTFP series (:func:`gtfp_indicator`). LPs are solved with SciPy's
HiGHS, many units per call (:mod:`nqpf.gtfp._lp`).
"""
from __future__ import annotations

from .dea import dea
from .ddf import ddf, direction_factors
from .malmquist import gtfp_indicator, malmquist, malmquist_luenberger
from .panel import DEAData, dea_data
from .results import EfficiencyResult, ProductivityResult
from .sbm import sbm

__all__ = [
    "dea",
    "sbm",
    "ddf",
    "malmquist",
    "malmquist_luenberger",
    "gtfp_indicator",
    "dea_data",
    "DEAData",
    "direction_factors",
    "EfficiencyResult",
    "ProductivityResult",
]
