"""Spatial weights for the provinces: moved to :mod:`nqpf.spatial.weights`; this module re-exports it.

Kept so that ``nqpf.analysis.weights_cn.province_weights`` and the other public names keep working.
"""
from __future__ import annotations

from ..spatial.weights import (  # noqa: F401  (re-exports)
    EARTH_RADIUS_KM,
    GUANGDONG,
    HAINAN,
    IslandRule,
    NestedForm,
    SpatialWeights,
    Transform,
    WeightsKind,
    _distance_matrix,
    as_weights,
    great_circle_km,
    panel_weights,
    province_centroids,
    province_contiguity_table,
    province_units,
    province_weights,
    read_weights,
    weights_from_matrix,
    weights_matrix,
)
from ..spatial.weights import __all__  # noqa: F401
