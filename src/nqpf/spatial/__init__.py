"""Spatial econometrics building blocks shared by the analyses (空间计量).

* :mod:`~nqpf.spatial.weights` — province weights (contiguity, distance, economic, nested), user
  weights, and :func:`panel_weights` / :func:`weights_matrix`, the one checked converter used by
  every estimator.
* :mod:`~nqpf.spatial.panel` — :func:`fit_spatial_panel`, the one ML fixed-effects spatial panel
  estimator (SAR, SEM, SDM, SDEM) with an explicit two-way FE method (``fe_method="lee_yu"`` or
  ``"demean"``).
* :mod:`~nqpf.spatial.effects` — LeSage & Pace (2009) direct / indirect / total effects and the
  parametric simulation of their standard errors.

Used by :func:`nqpf.explain.spatial_panel` and :func:`nqpf.analysis.spatial_beta_convergence`;
exploratory statistics (Moran, Geary, LISA) stay in :mod:`nqpf.analysis.spatial`.
"""
from __future__ import annotations

from .effects import EFFECTS, effects_table, simulate_effects, spatial_effects
from .panel import FEMethod, SpatialFE, SpatialFit, SpatialPanelModel, fit_spatial_panel, lee_yu_basis
from .weights import (
    SpatialWeights,
    as_weights,
    panel_weights,
    province_units,
    province_weights,
    read_weights,
    weights_from_matrix,
    weights_matrix,
)

__all__ = [
    "EFFECTS",
    "effects_table",
    "simulate_effects",
    "spatial_effects",
    "FEMethod",
    "SpatialFE",
    "SpatialFit",
    "SpatialPanelModel",
    "fit_spatial_panel",
    "lee_yu_basis",
    "SpatialWeights",
    "as_weights",
    "panel_weights",
    "province_units",
    "province_weights",
    "read_weights",
    "weights_from_matrix",
    "weights_matrix",
]
