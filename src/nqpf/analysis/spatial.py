"""Spatial autocorrelation: global Moran's I, Geary's c, local Moran (LISA) — methods-reference §9.

Analytical inference (normality and randomisation) comes from ``esda`` (``Moran``, ``Geary``);
permutation inference for the global statistics is computed here with a seeded generator
(``esda`` draws unseeded permutations), and the local Moran uses ``esda.Moran_Local`` with its
``seed``. Every function takes the values first and the spatial weights second: a
:class:`~nqpf.analysis.weights_cn.SpatialWeights`, a libpysal ``W`` (never changed), a kind
name of :func:`~nqpf.analysis.weights_cn.province_weights` or a weights file.
"""
from __future__ import annotations

import copy
import numbers
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import Interval, check_option, validate_params
from ._input import as_panel
from ..spatial.weights import SpatialWeights, as_weights

__all__ = [
    "moran",
    "geary",
    "local_moran",
    "lisa",
    "moran_panel",
    "lisa_panel",
    "moran_statistic",
    "geary_statistic",
    "MoranResult",
    "GearyResult",
    "LisaResult",
    "MoranPanelResult",
    "LisaPanelResult",
    "QUADRANTS",
    "LisaEngine",
    "local_moran_statistic",
]

#: esda quadrant codes → labels (HH high value among high neighbours …; 0 = unit without neighbours)
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL", 0: "island"}

LisaEngine = Literal["numpy", "esda"]


# --------------------------------------------------------------------------- pure formulas
def moran_statistic(z: np.ndarray, w_sparse: Any, s0: float) -> np.ndarray:
    """Global Moran's I for one or many centred vectors (rows of ``z``), methods-reference §9.

    I = (n / S0) Σ_i Σ_j w_ij z_i z_j / Σ_i z_i², z centred; ``z`` of shape (n,) or (R, n).
    """
    z2 = np.atleast_2d(z)
    n = z2.shape[1]
    lag = (w_sparse @ z2.T).T
    return (n / s0) * np.sum(z2 * lag, axis=1) / np.sum(z2 * z2, axis=1)


def geary_statistic(x: np.ndarray, w_sparse: Any, s0: float) -> np.ndarray:
    """Geary's c for one or many vectors (rows of ``x``), methods-reference §9.

    c = (n − 1) Σ_i Σ_j w_ij (x_i − x_j)² / (2 S0 Σ_i z_i²), using
    Σ_ij w_ij (x_i − x_j)² = Σ_i x_i² (Σ_j w_ij + Σ_j w_ji) − 2 xᵀ W x.
    """
    x2 = np.atleast_2d(x)
    n = x2.shape[1]
    rs = np.asarray(w_sparse.sum(axis=1)).ravel()
    cs = np.asarray(w_sparse.sum(axis=0)).ravel()
    quad = np.sum(x2 * (w_sparse @ x2.T).T, axis=1)
    num = np.sum(x2 * x2 * (rs + cs), axis=1) - 2.0 * quad
    z = x2 - x2.mean(axis=1, keepdims=True)
    return (n - 1) * num / (2.0 * s0 * np.sum(z * z, axis=1))


def local_moran_statistic(z: np.ndarray, w_sparse: Any) -> np.ndarray:
    """Local Moran I_i = (z_i / m2) Σ_j w_ij z_j with z centred and m2 = Σ z_i² / (n − 1).

    This is esda's scaling (methods-reference §9 notes that Anselin 1995 uses m2 = Σ z_i² / n,
    giving values (n − 1)/n as large).
    """
    m2 = np.sum(z * z) / (z.size - 1)
    return z * (w_sparse @ z) / m2


def _lisa_pseudo_p(z: np.ndarray, w_csr: Any, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """Conditional-permutation pseudo p-values of the local Moran (Anselin 1995).

    For unit i, the values of the other n − 1 units are permuted and the first k_i go to its
    k_i neighbours (weights kept); p_i = (1 + #{I_i^perm on the far side}) / (1 + R), folded to the
    smaller tail as in esda. Cost O(R n) per unit.
    """
    n = z.size
    out = np.full(n, np.nan)
    m2 = np.sum(z * z) / (n - 1)
    for i in range(n):
        lo, hi = w_csr.indptr[i], w_csr.indptr[i + 1]
        k = hi - lo
        if k == 0:
            continue
        wts = w_csr.data[lo:hi]
        others = np.delete(z, i)
        keys = rng.random((permutations, n - 1))
        idx = np.argpartition(keys, k - 1, axis=1)[:, :k] if k < n - 1 else np.argsort(keys, axis=1)
        sim = z[i] * (others[idx] @ wts) / m2
        obs = z[i] * float(z[w_csr.indices[lo:hi]] @ wts) / m2
        out[i] = _pseudo_p(obs, sim)
    return out


def _pseudo_p(stat: float, sim: np.ndarray) -> float:
    """esda's folded pseudo p-value: (1 + #{sim on the far side}) / (1 + R), smaller tail."""
    r = sim.size
    larger = int(np.sum(sim >= stat))
    if r - larger < larger:
        larger = r - larger
    return (larger + 1.0) / (r + 1.0)


# --------------------------------------------------------------------------- alignment
def _subset(sw: SpatialWeights, ids: list[str]) -> SpatialWeights:
    from libpysal.weights import w_subset

    w = copy.deepcopy(sw.w)
    w.transform = "O"
    ws = w_subset(w, ids, silence_warnings=True)
    if sw.transform in ("r", "b"):
        ws.transform = sw.transform.upper()
    dropped = len(sw.ids) - len(ids)
    notes = list(sw.notes) + [f"Weights restricted to the {len(ids)} units of the data ({dropped} dropped)."]
    if ws.islands:
        notes.append(f"Units without neighbours after restriction: {', '.join(map(str, ws.islands))}.")
    return SpatialWeights(w=ws, weights_kind=sw.weights_kind, transform=sw.transform, notes=notes, params=sw.params)


def _align(values: Any, w: Any, *, where: str, ids: Any = None) -> tuple[np.ndarray, SpatialWeights]:
    """Values in the order of the weights' ids, and weights restricted to the units present."""
    if isinstance(values, pd.Series):
        s = values.copy()
        s.index = s.index.astype(str)
        units = list(s.index)
    else:
        arr = np.asarray(values, dtype=float).ravel()
        if ids is not None:
            units = [str(i) for i in ids]
            s = pd.Series(arr, index=units)
        else:
            sw = as_weights(w)
            if arr.size != sw.w.n:
                raise DataError(f"{where}: got {arr.size} values for {sw.w.n} spatial units. Pass a Series indexed "
                                "by unit (or ids=) so values can be matched to the weights.")
            s = pd.Series(arr, index=sw.ids)
            units = sw.ids
    sw = as_weights(w, units=units)
    if s.index.duplicated().any():
        raise DataError(f"{where}: duplicate units; got {sorted(set(s.index[s.index.duplicated()]))[:5]}. "
                        "Pass one value per unit.")
    unknown = [u for u in s.index if u not in set(sw.ids)]
    if unknown:
        raise DataError(f"{where}: units not in the spatial weights; got {unknown[:5]}. Use weights covering every "
                        "unit of the data (e.g. province codes such as '110000').")
    if s.isna().any():
        raise DataError(f"{where}: values contain NaN for units {list(s.index[s.isna()])[:5]}. Spatial statistics "
                        "need a value for every unit; impute or drop these units.")
    if len(s) < len(sw.ids):
        keep = [i for i in sw.ids if i in set(s.index)]
        sw = _subset(sw, keep)
    y = s.loc[sw.ids].to_numpy(dtype=float)
    if y.size < 4:
        raise DataError(f"{where}: needs at least 4 units; got {y.size}. Use more units.")
    return y, sw


def _esda_transform(sw: SpatialWeights) -> str:
    return {"r": "r", "b": "b"}.get(sw.transform, "o")


def _esda_fit(statistic: Any, y: np.ndarray, sw: SpatialWeights, **options: Any) -> Any:
    """Fit an esda statistic (``esda.Moran``, ``esda.Geary``, ``esda.Moran_Local``) on weights built by nqpf.

    ``sw.w`` was built or copied by :func:`as_weights`, so esda may reset its transform; esda's
    RuntimeWarnings (0/0 for constant values) are silenced, the results carry NaN instead.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return statistic(y, sw.w, transformation=_esda_transform(sw), **options)


def _permutation_draws(v: np.ndarray, ws: Any, statistic: Any, *, permutations: int, seed: int | None) -> np.ndarray:
    """The global ``statistic(V, W, S0)`` for ``permutations`` seeded random permutations of ``v`` (one per row)."""
    rng = np.random.default_rng(seed)
    return statistic(rng.permuted(np.tile(v, (permutations, 1)), axis=1), ws, float(ws.sum()))


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class MoranResult(Result):
    """Global Moran's I with normality, randomisation and (if ``permutations > 0``) permutation inference.

    Attributes
    ----------
    I, EI : float
        Statistic and its expectation −1/(n − 1).
    VI_norm, z_norm, p_norm : float
        Normality assumption (p two-sided).
    VI_rand, z_rand, p_rand : float
        Randomisation assumption (p two-sided).
    p_sim, EI_sim, seI_sim, z_sim, p_z_sim : float
        Permutation inference (NaN when ``permutations = 0``); ``p_sim`` is the folded pseudo
        p-value (1 + #{I_perm on the far side}) / (1 + R); ``p_z_sim`` two-sided.
    n, permutations, seed : int
    weights : str
        Description of the weights used.
    """

    I: float
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    EI_sim: float
    seI_sim: float
    z_sim: float
    p_z_sim: float
    n: int
    permutations: int
    seed: int | None
    weights: str
    notes: list[str] = field(default_factory=list)
    kind: str = "moran"

    def row(self) -> dict[str, Any]:
        keys = ["n", "I", "EI", "VI_norm", "z_norm", "p_norm", "VI_rand", "z_rand", "p_rand", "permutations",
                "p_sim", "EI_sim", "seI_sim", "z_sim", "p_z_sim"]
        return {k: getattr(self, k) for k in keys}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"global": pd.DataFrame([self.row()])}

    def summary(self) -> Summary:
        rows = [("units", self.n), ("Moran's I", self.I), ("E[I]", self.EI), ("z (normality)", self.z_norm),
                ("p (normality, two-sided)", self.p_norm), ("z (randomisation)", self.z_rand),
                ("p (randomisation, two-sided)", self.p_rand)]
        if self.permutations:
            rows += [("permutations", self.permutations), ("pseudo p", self.p_sim), ("seed", self.seed)]
        return Summary(title="Global Moran's I (全局莫兰指数)", rows=rows,
                       notes=list(self.notes) + [self.weights, "Moran (1950); Cliff & Ord (1981); methods-reference §9."])


@dataclass(frozen=True)
class GearyResult(Result):
    """Geary's c with normality, randomisation and permutation inference (E[c] = 1; c < 1 positive
    autocorrelation).

    Attributes
    ----------
    C, EC, VC_norm, z_norm, p_norm, VC_rand, z_rand, p_rand, p_sim : float
        As for :class:`MoranResult` (p two-sided; ``p_sim`` NaN without permutations).
    """

    C: float
    EC: float
    VC_norm: float
    z_norm: float
    p_norm: float
    VC_rand: float
    z_rand: float
    p_rand: float
    p_sim: float
    n: int
    permutations: int
    seed: int | None
    weights: str
    notes: list[str] = field(default_factory=list)
    kind: str = "geary"

    def row(self) -> dict[str, Any]:
        keys = ["n", "C", "EC", "VC_norm", "z_norm", "p_norm", "VC_rand", "z_rand", "p_rand", "permutations", "p_sim"]
        return {k: getattr(self, k) for k in keys}

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"global": pd.DataFrame([self.row()])}

    def summary(self) -> Summary:
        rows = [("units", self.n), ("Geary's c", self.C), ("E[c]", self.EC), ("z (normality)", self.z_norm),
                ("p (normality, two-sided)", self.p_norm), ("z (randomisation)", self.z_rand),
                ("p (randomisation, two-sided)", self.p_rand), ("pseudo p", self.p_sim)]
        return Summary(title="Geary's c (吉尔里指数)", rows=rows, notes=list(self.notes) + [self.weights])


@dataclass(frozen=True)
class LisaResult(Result):
    """Local Moran's I (LISA) per unit.

    Attributes
    ----------
    table : DataFrame
        ``unit, value, z`` (standardised value), ``lag`` (spatial lag of z), ``Is`` (local I, esda
        scaling m2 = Σz²/(n − 1)), ``quadrant`` (HH / LH / LL / HL; ``island`` without neighbours), ``p_sim`` (conditional
        permutation pseudo p), ``significant`` (p_sim ≤ alpha), ``cluster`` (quadrant if
        significant, else ``ns``).
    alpha : float
    permutations, seed : int
    """

    table: pd.DataFrame
    alpha: float
    permutations: int
    seed: int | None
    weights: str
    notes: list[str] = field(default_factory=list)
    kind: str = "lisa"

    def counts(self) -> pd.DataFrame:
        """Units per cluster type (HH, LH, LL, HL, ns)."""
        c = self.table["cluster"].value_counts().reindex(["HH", "LH", "LL", "HL", "ns"], fill_value=0)
        return c.rename_axis("cluster").rename("n").reset_index()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"local": self.table, "clusters": self.counts()}

    def summary(self) -> Summary:
        rows = [("units", len(self.table)), ("permutations", self.permutations), ("alpha", self.alpha),
                ("seed", self.seed)] + [(f"{r.cluster} clusters", int(r.n)) for r in self.counts().itertuples()]
        return Summary(title="Local Moran's I (LISA 局部莫兰指数)", rows=rows,
                       tables={"significant units": self.table[self.table["significant"]]},
                       notes=list(self.notes) + [self.weights,
                                                 "Quadrants by the signs of z_i and its spatial lag (Anselin 1995); "
                                                 "local I scaled as in esda (m2 = Σz²/(n − 1)); p_sim from "
                                                 "conditional permutations, not corrected for multiple testing."])


# --------------------------------------------------------------------------- API
_PERM = {"permutations": [Interval(numbers.Integral, 0, None)], "seed": [Interval(numbers.Integral, 0, None), None]}


@validate_params(_PERM)
def moran(values: Any, w: Any, *, ids: Any = None, permutations: int = 999, seed: int | None = 0) -> MoranResult:
    """Global Moran's I (全局莫兰指数) with three kinds of inference.

    Parameters
    ----------
    values : Series indexed by unit, or array-like in the order of ``w`` (or of ``ids``)
    w : SpatialWeights, libpysal W, weights kind name or file path
    ids : list of str, optional
        Units of an array ``values``.
    permutations : int
        Random permutations for the pseudo p-value (0 = none).
    seed : int or None
        Seed of ``numpy.random.default_rng``.

    Notes
    -----
    Methods-reference §9: I = (n/S0) Σ_ij w_ij z_i z_j / Σ z_i², E[I] = −1/(n − 1); Var_N and Var_R
    as in Cliff & Ord (1981), computed by ``esda.Moran`` (two-sided p-values).

    Examples
    --------
    >>> import libpysal, numpy as np
    >>> w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    >>> y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    >>> r = moran(y, w, permutations=0)
    >>> round(r.I, 3), round(r.p_norm, 6)
    (0.244, 0.000271)
    """
    import esda

    y, sw = _align(values, w, where="moran", ids=ids)
    mi = _esda_fit(esda.Moran, y, sw, permutations=0, two_tailed=True)
    p_sim = EI_sim = se_sim = z_sim = p_z_sim = np.nan
    if permutations:
        from scipy import stats

        sim = _permutation_draws(y - y.mean(), sw.w.sparse, moran_statistic, permutations=permutations, seed=seed)
        p_sim = _pseudo_p(mi.I, sim)
        EI_sim, se_sim = float(sim.mean()), float(sim.std())
        z_sim = (mi.I - EI_sim) / se_sim if se_sim > 0 else np.nan
        p_z_sim = float(2 * stats.norm.sf(abs(z_sim))) if se_sim > 0 else np.nan
    return MoranResult(I=float(mi.I), EI=float(mi.EI), VI_norm=float(mi.VI_norm), z_norm=float(mi.z_norm),
                       p_norm=float(mi.p_norm), VI_rand=float(mi.VI_rand), z_rand=float(mi.z_rand),
                       p_rand=float(mi.p_rand), p_sim=p_sim, EI_sim=EI_sim, seI_sim=se_sim, z_sim=z_sim,
                       p_z_sim=p_z_sim, n=int(y.size), permutations=int(permutations), seed=seed,
                       weights=sw.describe())


@validate_params(_PERM)
def geary(values: Any, w: Any, *, ids: Any = None, permutations: int = 999, seed: int | None = 0) -> GearyResult:
    """Geary's c (吉尔里指数), analytical inference from ``esda.Geary`` plus seeded permutations.

    Examples
    --------
    >>> import libpysal, numpy as np
    >>> w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    >>> y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    >>> round(geary(y, w, permutations=0).C, 4)
    0.5971
    """
    import esda

    y, sw = _align(values, w, where="geary", ids=ids)
    g = _esda_fit(esda.Geary, y, sw, permutations=0)
    p_sim = np.nan
    if permutations:
        sim = _permutation_draws(y, sw.w.sparse, geary_statistic, permutations=permutations, seed=seed)
        p_sim = _pseudo_p(float(g.C), sim)
    return GearyResult(C=float(g.C), EC=float(g.EC), VC_norm=float(g.VC_norm), z_norm=float(g.z_norm),
                       p_norm=float(2 * g.p_norm), VC_rand=float(g.VC_rand), z_rand=float(g.z_rand),
                       p_rand=float(2 * g.p_rand), p_sim=p_sim, n=int(y.size), permutations=int(permutations),
                       seed=seed, weights=sw.describe())


@validate_params({**_PERM, "alpha": [Interval(numbers.Real, 0, 1, closed="neither")]})
def local_moran(values: Any, w: Any, *, ids: Any = None, permutations: int = 999, seed: int | None = 0,
                alpha: float = 0.05, engine: LisaEngine = "numpy") -> LisaResult:
    """Local Moran's I (LISA, 局部莫兰指数) with HH / LH / LL / HL quadrants and significance.

    Parameters
    ----------
    permutations : int
        Conditional permutations for ``p_sim`` (0 = none: every unit is ``ns``).
    alpha : float
        Significance level for ``significant`` and ``cluster``.
    engine : {'numpy', 'esda'}
        Conditional permutations drawn here with ``numpy.random.default_rng(seed)`` (O(R n²),
        quick up to a few hundred units), or by ``esda.Moran_Local`` (fast for thousands of units:
        999 permutations for 2,800 units in about a second with esda's numpy code; when numba is
        installed — nqpf does not require it — esda compiles that code instead, about a minute at its
        first call in a process).

    Examples
    --------
    >>> import libpysal, numpy as np
    >>> w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    >>> y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    >>> r = local_moran(y, w, permutations=99, seed=1)
    >>> r.table["quadrant"].value_counts().sort_index().to_dict()
    {'HH': 8, 'HL': 13, 'LH': 13, 'LL': 44}
    """
    y, sw = _align(values, w, where="local_moran", ids=ids)
    check_option(engine, LisaEngine, param="engine", caller="local_moran")
    wc = sw.w  # built by nqpf (user W objects are copied by as_weights): esda may reset its transform
    ws = wc.sparse.tocsr()
    zc = y - y.mean()
    m2 = float(np.sum(zc * zc) / (y.size - 1))
    lag_c = ws @ zc
    Is = local_moran_statistic(zc, ws)
    q = 1 * ((zc > 0) & (lag_c > 0)) + 2 * ((zc <= 0) & (lag_c > 0)) + 3 * ((zc <= 0) & (lag_c <= 0)) + 4 * (
        (zc > 0) & (lag_c <= 0))
    isolated = np.diff(ws.indptr) == 0
    q[isolated] = 0  # no neighbours: no quadrant
    if not permutations:
        p_sim = np.full(y.size, np.nan)
    elif engine == "esda":
        import esda

        lm = _esda_fit(esda.Moran_Local, y, sw, permutations=int(permutations), seed=seed, keep_simulations=False)
        p_sim = np.asarray(lm.p_sim, dtype=float)
    else:
        p_sim = _lisa_pseudo_p(zc, ws, int(permutations), np.random.default_rng(seed)) if m2 > 0 else np.full(
            y.size, np.nan)
    z = (y - y.mean()) / y.std()
    lag = wc.sparse @ z
    quadrant = [QUADRANTS[int(c)] for c in q]
    sig = p_sim <= alpha if permutations else np.zeros(y.size, dtype=bool)
    table = pd.DataFrame({"unit": sw.ids, "value": y, "z": z, "lag": lag, "Is": Is,
                          "quadrant": quadrant, "p_sim": p_sim, "significant": sig,
                          "cluster": np.where(sig, quadrant, "ns")})
    notes = [] if permutations else ["permutations=0: no significance, every unit is 'ns'."]
    if isolated.any():
        notes.append(f"Units without neighbours get quadrant 'island' and no p-value: "
                     f"{', '.join(np.asarray(sw.ids)[isolated])}.")
    return LisaResult(table=table, alpha=float(alpha), permutations=int(permutations), seed=seed,
                      weights=sw.describe(), notes=notes)


lisa = local_moran


# --------------------------------------------------------------------------- panels
@dataclass(frozen=True)
class MoranPanelResult(Result):
    """Global Moran's I and Geary's c per year.

    Attributes
    ----------
    table : DataFrame
        One row per year: ``year, n, I, EI, z_norm, p_norm, z_rand, p_rand, p_sim, z_sim, C,
        z_C_rand, p_C_rand, p_C_sim``.
    weights : str
    """

    table: pd.DataFrame
    permutations: int
    seed: int | None
    weights: str
    value: str = "value"
    notes: list[str] = field(default_factory=list)
    kind: str = "moran"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"global": self.table}

    def summary(self) -> Summary:
        t = self.table
        rows = [("value", self.value), ("years", f"{t['year'].min()}–{t['year'].max()}"),
                ("permutations", self.permutations), ("seed", self.seed),
                ("years with p_rand < 0.05", int((t["p_rand"] < 0.05).sum()))]
        return Summary(title="Global Moran's I by year (全局莫兰指数)", rows=rows,
                       tables={"by year": t.set_index("year")[["I", "z_rand", "p_rand", "p_sim", "C", "p_C_rand"]]},
                       notes=list(self.notes) + [self.weights])


def _panel_years(data: Any, w: Any, *, node, value, unit, year) -> tuple[list[tuple[int, pd.Series]], SpatialWeights]:
    panel = as_panel(data, node=node, value=value, unit=unit, year=year)
    sw = as_weights(w, units=sorted(panel["unit"].unique()))
    return [(int(yr), sub.set_index("unit")["value"]) for yr, sub in panel.groupby("year", sort=True)], sw


@validate_params(_PERM)
def moran_panel(data: Any, w: Any = "queen", *, node: str | None = None, value: str = "value", unit: str = "unit",
                year: str = "year", permutations: int = 999, seed: int | None = 0) -> MoranPanelResult:
    """Global Moran's I and Geary's c for every year (one row per year).

    ``w`` defaults to queen contiguity of the provinces (海南 linked to 广东).

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> from nqpf.spatial.weights import province_units
    >>> units = province_units()
    >>> df = pd.DataFrame({"unit": units, "year": 2020, "value": np.arange(31.0)})
    >>> round(float(moran_panel(df, permutations=0).table["I"].iloc[0]), 4)
    0.7368
    """
    rows, descr, notes = [], "", []
    years, sw = _panel_years(data, w, node=node, value=value, unit=unit, year=year)
    for yr, s in years:
        mi = moran(s, sw, permutations=permutations, seed=seed)
        gc = geary(s, sw, permutations=permutations, seed=seed)
        rows.append({"year": yr, "n": mi.n, "I": mi.I, "EI": mi.EI, "z_norm": mi.z_norm, "p_norm": mi.p_norm,
                     "z_rand": mi.z_rand, "p_rand": mi.p_rand, "p_sim": mi.p_sim, "z_sim": mi.z_sim,
                     "C": gc.C, "z_C_rand": gc.z_rand, "p_C_rand": gc.p_rand, "p_C_sim": gc.p_sim})
        descr = mi.weights
    return MoranPanelResult(table=pd.DataFrame(rows), permutations=int(permutations), seed=seed, weights=descr,
                            value=node or value, notes=notes)


@dataclass(frozen=True)
class LisaPanelResult(Result):
    """Local Moran per unit and year.

    Attributes
    ----------
    table : DataFrame
        ``year`` + the columns of :attr:`LisaResult.table`.
    """

    table: pd.DataFrame
    alpha: float
    permutations: int
    seed: int | None
    weights: str
    value: str = "value"
    notes: list[str] = field(default_factory=list)
    kind: str = "lisa"

    def counts(self) -> pd.DataFrame:
        """Units per cluster type and year (columns HH, LH, LL, HL, ns)."""
        c = self.table.groupby(["year", "cluster"]).size().unstack(fill_value=0)
        return c.reindex(columns=["HH", "LH", "LL", "HL", "ns"], fill_value=0).reset_index()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"local": self.table, "clusters": self.counts()}

    def summary(self) -> Summary:
        rows = [("value", self.value), ("permutations", self.permutations), ("alpha", self.alpha), ("seed", self.seed)]
        return Summary(title="Local Moran's I by year (LISA)", rows=rows,
                       tables={"clusters by year": self.counts().set_index("year")},
                       notes=list(self.notes) + [self.weights, "p_sim not corrected for multiple testing."])


@validate_params({**_PERM, "alpha": [Interval(numbers.Real, 0, 1, closed="neither")]})
def lisa_panel(data: Any, w: Any = "queen", *, node: str | None = None, value: str = "value", unit: str = "unit",
               year: str = "year", permutations: int = 999, seed: int | None = 0,
               alpha: float = 0.05, engine: LisaEngine = "numpy") -> LisaPanelResult:
    """Local Moran (LISA) for every year; one row per unit and year."""
    frames, descr = [], ""
    years, sw = _panel_years(data, w, node=node, value=value, unit=unit, year=year)
    for yr, s in years:
        r = local_moran(s, sw, permutations=permutations, seed=seed, alpha=alpha, engine=engine)
        frames.append(r.table.assign(year=yr))
        descr = r.weights
    table = pd.concat(frames, ignore_index=True)
    table = table[["year"] + [c for c in table.columns if c != "year"]]
    return LisaPanelResult(table=table, alpha=float(alpha), permutations=int(permutations), seed=seed, weights=descr,
                           value=node or value)

