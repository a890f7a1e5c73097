"""Malmquist and Malmquist–Luenberger productivity indices, EC/TC decomposition, cumulative GTFP.

Every index is written with efficiency-equivalent scores E ∈ (0, 1] (θ for input-radial
models, 1/η for output-radial, ρ for SBM and 1/(1 + β) for directional distances);
E^F(x_t) is unit *i*'s period-t point against frontier F:

* geometric-mean form (frontiers ``contemporaneous``, ``sequential``, ``window``; Färe et al.
  1994; Chung, Färe & Grosskopf 1997; Shestalova 2003)::

      index = sqrt[ E^{F_s}(x_t)/E^{F_s}(x_s) · E^{F_t}(x_t)/E^{F_t}(x_s) ],
      EC = E^{F_t}(x_t)/E^{F_s}(x_s),   TC = index / EC;

* ``global`` (Pastor & Lovell 2005; Oh 2010): index = E^G(x_t)/E^G(x_s) with G the pooled
  frontier of every period, EC = E^t(x_t)/E^s(x_s) on contemporaneous frontiers, TC = index/EC;
* ``biennial`` (Pastor, Asmild & Lovell 2011): as global with G = periods s and t pooled.

With directional distances E = 1/(1 + D) this is exactly the README form of the oracle,
e.g. ML_glob = (1 + D^G(x_s)) / (1 + D^G(x_t)). For the radial Malmquist index under VRS the
decomposition follows deaR 1.5.3 (``type2 = "fgnz"``; global: Grifell-Tatjé & Lovell 1999
scale change). The cumulative index (GTFP, base year = 1) chains the indices:
GTFP_t = GTFP_{t−1} · index_{t−1,t}.
"""
from __future__ import annotations

from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from .._errors import MethodError
from .._validation import check_option
from .ddf import DirectionPreset, direction_factors
from .engine import RTS, DirectionBasis, Disposability, ModelSpec, Orientation, evaluate
from .panel import DEAData, dea_data
from .results import ProductivityResult

__all__ = [
    "IndexFrontier",
    "MLModel",
    "malmquist",
    "malmquist_luenberger",
    "gtfp_indicator",
    "geometric_index",
    "ratio_index",
    "chain_index",
]

IndexFrontier = Literal["contemporaneous", "sequential", "window", "global", "biennial"]
MLModel = Literal["ddf", "sbm"]


# ----------------------------------------------------------------------------- pure formulas


def geometric_index(e_s_s, e_s_t, e_t_s, e_t_t):
    """Geometric-mean index and decomposition (Färe et al. 1994; Chung et al. 1997).

    ``e_a_b`` = E^{F_a}(x_b). index = sqrt[(e_s_t/e_s_s)·(e_t_t/e_t_s)], EC = e_t_t/e_s_s,
    TC = index/EC. Returns (index, EC, TC) as arrays.

    >>> [round(float(v), 4) for v in geometric_index(0.5, 0.8, 0.4, 0.6)]
    [1.5492, 1.2, 1.291]
    """
    e_s_s, e_s_t, e_t_s, e_t_t = (np.asarray(a, dtype=float) for a in (e_s_s, e_s_t, e_t_s, e_t_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = np.sqrt((e_s_t / e_s_s) * (e_t_t / e_t_s))
        ec = e_t_t / e_s_s
        tc = idx / ec
    return idx, ec, tc


def ratio_index(g_s, g_t, own_s, own_t):
    """Global / biennial index (Pastor & Lovell 2005; Oh 2010): index = g_t/g_s, EC = own_t/own_s, TC = index/EC.

    >>> [round(float(v), 4) for v in ratio_index(0.5, 0.6, 0.8, 0.8)]
    [1.2, 1.0, 1.2]
    """
    g_s, g_t, own_s, own_t = (np.asarray(a, dtype=float) for a in (g_s, g_t, own_s, own_t))
    with np.errstate(divide="ignore", invalid="ignore"):
        idx = g_t / g_s
        ec = own_t / own_s
        tc = idx / ec
    return idx, ec, tc


def chain_index(index: np.ndarray) -> np.ndarray:
    """Cumulative index with base 1: c_0 = 1, c_k = c_{k−1}·index_k (NaN propagates).

    >>> chain_index(np.array([1.1, 0.9])).round(3).tolist()
    [1.0, 1.1, 0.99]
    """
    return np.concatenate([[1.0], np.cumprod(np.asarray(index, dtype=float))])


# ----------------------------------------------------------------------------- engine


class _Scores:
    """Score store: one entry per (row, frontier label)."""

    def __init__(self, n: int):
        self.n = n
        self.val: dict[str, np.ndarray] = {}
        self.raw: dict[str, np.ndarray] = {}
        self.st: dict[str, np.ndarray] = {}
        self.ref_year: dict[str, np.ndarray] = {}

    def put(self, label: str, rows: np.ndarray, r: dict, ref_year: str | None = None):
        if label not in self.val:
            self.val[label] = np.full(self.n, np.nan)
            self.raw[label] = np.full(self.n, np.nan)
            self.st[label] = np.full(self.n, "", dtype=object)
            self.ref_year[label] = np.full(self.n, "", dtype=object)
        self.val[label][rows] = r["score"]
        self.raw[label][rows] = r["raw"]
        self.st[label][rows] = r["status"]
        self.ref_year[label][rows] = ref_year or ""

    def get(self, label: str, rows: np.ndarray) -> np.ndarray:
        return self.val[label][rows] if label in self.val else np.full(len(rows), np.nan)

    def frame(self, d: DEAData, raw_name: str) -> pd.DataFrame:
        parts = []
        for label, v in self.val.items():
            have = self.st[label] != ""
            parts.append(pd.DataFrame({
                "unit": d.unit[have], "year": d.year[have], "frontier": label,
                "reference": self.ref_year[label][have], "score": v[have], raw_name: self.raw[label][have],
                "status": self.st[label][have],
            }))
        if not parts:
            return pd.DataFrame(columns=["unit", "year", "frontier", "reference", "score", raw_name, "status"])
        return pd.concat(parts, ignore_index=True).sort_values(["frontier", "year", "unit"], kind="stable").reset_index(drop=True)


def _pairs(d: DEAData):
    """Consecutive observed years and the row pairs (s-row, t-row) of units present in both."""
    ys = d.years
    key = {(u, int(y)): i for i, (u, y) in enumerate(zip(d.unit, d.year))}
    out = []
    for a, b in zip(ys[:-1], ys[1:]):
        rs, rt = [], []
        for i in np.flatnonzero(d.year == a):
            j = key.get((d.unit[i], b))
            if j is not None:
                rs.append(i)
                rt.append(j)
        out.append((a, b, np.asarray(rs, dtype=int), np.asarray(rt, dtype=int)))
    return out


def _frontier_rows(d: DEAData, t: int, frontier: str, window: int) -> np.ndarray:
    ys = d.years
    k = ys.index(t)
    if frontier == "contemporaneous":
        keep = [t]
    elif frontier == "sequential":
        keep = ys[: k + 1]
    else:  # window
        keep = ys[max(0, k - window + 1) : k + 1]
    return np.flatnonzero(np.isin(d.year, keep))


def _label(frontier: str, window: int) -> str:
    return {"contemporaneous": "t", "sequential": "seq", "window": f"win{window}"}.get(frontier, frontier)


def _geometric_scores(spec: ModelSpec, d: DEAData, S: _Scores, pairs, frontier: str, window: int, tag: str = ""):
    """own, prev (x_t vs F_s) and next (x_s vs F_t) scores for geometric-mean frontiers."""
    ys = d.years
    prev_rows = {b: rt for (a, b, rs, rt) in pairs}   # rows at b evaluated against F_a
    next_rows = {a: rs for (a, b, rs, rt) in pairs}   # rows at a evaluated against F_b
    prev_year = {b: a for (a, b, _, _) in pairs}
    next_year = {a: b for (a, b, _, _) in pairs}
    lab = _label(frontier, window)
    for t in ys:
        ref = _frontier_rows(d, t, frontier, window)
        own = np.flatnonzero(d.year == t)
        ev_next = prev_rows.get(next_year.get(t, None), np.zeros(0, dtype=int)) if t in next_year else np.zeros(0, dtype=int)
        ev_prev = next_rows.get(prev_year.get(t, None), np.zeros(0, dtype=int)) if t in prev_year else np.zeros(0, dtype=int)
        # ev_next: rows of year t+1 against F_t ; ev_prev: rows of year t−1 against F_t
        ev = np.concatenate([own, ev_next, ev_prev])
        r = evaluate(spec, d, ev, ref)
        n0, n1 = len(own), len(own) + len(ev_next)
        sub = lambda a, b: {k: v[a:b] for k, v in r.items() if k != "lam"}  # noqa: E731
        S.put(f"own{tag}", own, sub(0, n0), str(t))
        if len(ev_next):
            S.put(f"{lab}-1{tag}", ev_next, sub(n0, n1), str(t))
        if len(ev_prev):
            S.put(f"{lab}+1{tag}", ev_prev, sub(n1, len(ev)), str(t))


def _contemporaneous_own(spec: ModelSpec, d: DEAData, S: _Scores, tag: str = "") -> np.ndarray:
    """Own-year scores; returns the rows that are efficient in their own year (hint for pooled frontiers)."""
    eff_rows = []
    for t in d.years:
        own = np.flatnonzero(d.year == t)
        r = evaluate(spec, d, own, own)
        S.put(f"own{tag}", own, {k: v for k, v in r.items() if k != "lam"}, str(t))
        for cols, vals in r["lam"]:
            eff_rows.extend(int(c) for c, v in zip(cols, vals) if v > 1e-9)
    return np.unique(np.asarray(eff_rows, dtype=int))


def _status_text(pieces: list[tuple[str, np.ndarray]], n: int) -> np.ndarray:
    out = np.full(n, "ok", dtype=object)
    for i in range(n):
        bad = [f"{name}: {st[i]}" for name, st in pieces if st[i] != "optimal"]
        if bad:
            out[i] = "; ".join(bad)
    return out


def _productivity(
    spec: ModelSpec, d: DEAData, *, frontier: str, window: int, radial_vrs: bool, index_name: str, params: dict,
) -> ProductivityResult:
    if len(d.years) < 2:
        raise MethodError(
            f"{index_name}: a productivity index needs at least two years; got years {d.years}. "
            "Pass a panel with several years."
        )
    pairs = _pairs(d)
    S = _Scores(len(d.unit))
    n = len(d.unit)
    base_spec = spec
    if radial_vrs:
        base_spec = ModelSpec("radial", rts="crs", orientation=spec.orientation, slacks="residual")
        vrs_spec = ModelSpec("radial", rts="vrs", orientation=spec.orientation, slacks="residual")
    lab = _label(frontier, window)
    if frontier in ("contemporaneous", "sequential", "window"):
        _geometric_scores(base_spec, d, S, pairs, frontier, window)
        if radial_vrs:
            for t in d.years:
                own = np.flatnonzero(d.year == t)
                r = evaluate(vrs_spec, d, own, _frontier_rows(d, t, frontier, window))
                S.put("own_vrs", own, {k: v for k, v in r.items() if k != "lam"}, str(t))
    else:
        hint = _contemporaneous_own(base_spec, d, S)
        if frontier == "global":
            allr = np.arange(n)
            r = evaluate(base_spec, d, allr, allr, hint=hint)
            S.put("global", allr, {k: v for k, v in r.items() if k != "lam"}, "all")
        else:
            for a, b, rs, rt in pairs:
                ref = np.flatnonzero(np.isin(d.year, [a, b]))
                ev = np.concatenate([rs, rt])
                r = evaluate(base_spec, d, ev, ref, hint=hint)
                k = len(rs)
                S.put("biennial_next", rs, {kk: v[:k] for kk, v in r.items() if kk != "lam"}, f"{a}+{b}")
                S.put("biennial_prev", rt, {kk: v[k:] for kk, v in r.items() if kk != "lam"}, f"{a}+{b}")
        if radial_vrs:
            _contemporaneous_own(vrs_spec, d, S, tag="_vrs")
            if frontier == "global":
                allr = np.arange(n)
                r = evaluate(vrs_spec, d, allr, allr, hint=hint)
                S.put("global_vrs", allr, {k: v for k, v in r.items() if k != "lam"}, "all")
            for a, b, rs, rt in pairs:
                ref = np.flatnonzero(d.year == a)
                for tag, sp in (("", base_spec), ("_vrs", vrs_spec)):
                    r = evaluate(sp, d, rt, ref)
                    S.put(f"t-1{tag}", rt, {k: v for k, v in r.items() if k != "lam"}, str(a))
    # --- indices
    recs = []
    for a, b, rs, rt in pairs:
        if len(rs) == 0:
            continue
        own_s, own_t = S.get("own", rs), S.get("own", rt)
        pieces = [(f"own {a}", S.st["own"][rs]), (f"own {b}", S.st["own"][rt])]
        extra = {}
        if frontier in ("contemporaneous", "sequential", "window"):
            e_s_t = S.get(f"{lab}-1", rt)
            e_t_s = S.get(f"{lab}+1", rs)
            idx, ec, tc = geometric_index(own_s, e_s_t, e_t_s, own_t)
            pieces += [(f"frontier {a} x {b}", S.st[f"{lab}-1"][rt]), (f"frontier {b} x {a}", S.st[f"{lab}+1"][rs])]
            if radial_vrs:
                pv_s, pv_t = S.get("own_vrs", rs), S.get("own_vrs", rt)
                with np.errstate(divide="ignore", invalid="ignore"):
                    pec = pv_t / pv_s
                    extra = {"PEC": pec, "SEC": ec / pec}
                pieces += [(f"own vrs {a}", S.st["own_vrs"][rs]), (f"own vrs {b}", S.st["own_vrs"][rt])]
        else:
            if frontier == "global":
                g_s, g_t = S.get("global", rs), S.get("global", rt)
                pieces += [(f"global {a}", S.st["global"][rs]), (f"global {b}", S.st["global"][rt])]
            else:
                g_s, g_t = S.get("biennial_next", rs), S.get("biennial_prev", rt)
                pieces += [(f"biennial {a}", S.st["biennial_next"][rs]), (f"biennial {b}", S.st["biennial_prev"][rt])]
            idx, ec, tc = ratio_index(g_s, g_t, own_s, own_t)
            if radial_vrs:
                ev_s, ev_t = S.get("own_vrs", rs), S.get("own_vrs", rt)
                e12, ev12 = S.get("t-1", rt), S.get("t-1_vrs", rt)
                with np.errstate(divide="ignore", invalid="ignore"):
                    pec = ev_t / ev_s
                    sec = (ev_s / own_s) / (ev12 / e12)  # Grifell-Tatjé & Lovell (1999), as deaR
                    if frontier == "global":
                        gv_s, gv_t = S.get("global_vrs", rs), S.get("global_vrs", rt)
                        tc = (gv_t / ev_t) / (gv_s / ev_s)
                        idx = tc * pec * sec
                        pieces += [(f"global vrs {a}", S.st["global_vrs"][rs]), (f"global vrs {b}", S.st["global_vrs"][rt])]
                    else:
                        tc = idx / (pec * sec)
                    ec = pec * sec
                extra = {"PEC": pec, "SEC": sec}
                pieces += [(f"frontier {a} x {b}", S.st["t-1"][rt]), (f"frontier {a} x {b} vrs", S.st["t-1_vrs"][rt])]
        status = _status_text(pieces, len(rs))
        # a non-optimal LP has a NaN score, so every component that uses it is NaN (and only those)
        rec = pd.DataFrame({
            "unit": d.unit[rs], "period": f"{a}~{b}", "year_from": a, "year_to": b,
            "index": idx, "EC": ec, "TC": tc,
        })
        for k, v in extra.items():
            rec[k] = v
        rec["status"] = status
        recs.append(rec)
    index = pd.concat(recs, ignore_index=True) if recs else pd.DataFrame(
        columns=["unit", "period", "year_from", "year_to", "index", "EC", "TC", "status"])
    cumulative = _cumulative(index, d)
    raw_name = "beta" if spec.model == "ddf" else ("theta" if spec.model == "radial" and spec.orientation == "input" else
                                                  "eta" if spec.model == "radial" else "rho")
    distances = S.frame(d, raw_name)
    return ProductivityResult(index_name, index, distances, cumulative, d.excluded, d.zeros, params)


def _cumulative(index: pd.DataFrame, d: DEAData) -> pd.DataFrame:
    """Chained cumulative index per unit (:func:`chain_index`); base = the unit's first year (value 1).

    A year whose index is missing (infeasible LP, or the unit absent the year before) makes the
    rest of that unit's series NaN.
    """
    ys_all = d.years
    prev_of = {b: a for a, b in zip(ys_all[:-1], ys_all[1:])}
    look = {(u, int(a)): v for u, a, v in zip(index["unit"], index["year_from"], index["index"])}
    frame = pd.DataFrame({"unit": d.unit, "year": d.year.astype(int)}).sort_values(["unit", "year"], kind="stable")
    out_u, out_y, out_v = [], [], []
    for u, grp in frame.groupby("unit", sort=True):
        years = grp["year"].tolist()
        steps = np.array([look.get((u, prev_of[y]), np.nan) for y in years[1:]])
        out_u += [u] * len(years)
        out_y += years
        out_v += chain_index(steps).tolist()
    return pd.DataFrame({"unit": out_u, "year": out_y, "value": out_v})


# ----------------------------------------------------------------------------- public API


def malmquist(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    rts: Literal["crs", "vrs"] = "crs",
    orientation: Orientation = "input",
    frontier: IndexFrontier = "contemporaneous",
    window: int = 3,
    unit: str = "unit",
    year: str = "year",
) -> ProductivityResult:
    """Radial Malmquist productivity index with EC × TC (and PEC × SEC under VRS).

    Parameters
    ----------
    data
        Long panel or wide table with several years.
    inputs, outputs
        Variable names.
    rts
        ``"crs"``: index = EC × TC. ``"vrs"``: decomposition of deaR 1.5.3 — for the
        geometric frontiers the index and TC are the CRS ones and EC = PEC × SEC
        (PEC = VRS efficiency change, Färe et al. 1994); for ``global`` TC is measured on the
        VRS global frontier and SEC follows Grifell-Tatjé & Lovell (1999), so
        index = TC × PEC × SEC.
    orientation
        ``"input"`` (θ) or ``"output"`` (1/η).
    frontier
        ``"contemporaneous"``, ``"sequential"`` (all years ≤ t), ``"window"`` (the last
        ``window`` years up to t), ``"global"`` (all years pooled) or ``"biennial"`` (s and t pooled).
    window
        Width of the window frontier (years), ≥ 1.
    unit, year
        Key columns.

    Returns
    -------
    ProductivityResult
        ``index`` (``index, EC, TC[, PEC, SEC], status``), ``distances``, ``cumulative``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [1, 1, 2, 2],
    ...                    "x": [1.0, 2.0, 1.0, 2.0], "y": [1.0, 1.0, 2.0, 1.0]})
    >>> res = malmquist(df, inputs="x", outputs="y")
    >>> res.index[["unit", "index", "EC", "TC"]].round(3).values.tolist()
    [['a', 2.0, 1.0, 2.0], ['b', 1.0, 0.5, 2.0]]
    """
    check_option(rts, Literal["crs", "vrs"], param="rts", caller="malmquist")
    check_option(orientation, Orientation, param="orientation", caller="malmquist")
    check_option(frontier, IndexFrontier, param="frontier", caller="malmquist")
    _check_window(window, "malmquist")
    d = dea_data(data, inputs=inputs, outputs=outputs, unit=unit, year=year, caller="malmquist")
    spec = ModelSpec("radial", rts=rts, orientation=orientation, slacks="residual")
    params = {"model": "radial", "rts": rts, "orientation": orientation, "frontier": frontier, "window": window,
              "inputs": list(d.inputs), "outputs": list(d.outputs)}
    return _productivity(spec, d, frontier=frontier, window=window, radial_vrs=rts == "vrs",
                         index_name="malmquist", params=params)


def _check_window(window, caller):
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise MethodError(f"The 'window' parameter of {caller} must be an int >= 1; got {window!r}. Use e.g. window=3.")


def malmquist_luenberger(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    undesirable: str | Sequence[str] | None = None,
    model: MLModel = "ddf",
    frontier: IndexFrontier = "global",
    window: int = 3,
    rts: RTS = "crs",
    direction: DirectionPreset | Mapping[str, float] = "output_bad",
    direction_basis: DirectionBasis = "own",
    disposability: Disposability = "weak",
    allow_negative: bool = False,
    unit: str = "unit",
    year: str = "year",
) -> ProductivityResult:
    """Malmquist–Luenberger (green TFP) index with EC × TC decomposition.

    Parameters
    ----------
    data
        Long panel or wide table with several years.
    inputs, outputs, undesirable
        Inputs (capital, labour, energy), desirable outputs (real GDP) and undesirable outputs
        (CO2, SO2).
    model
        ``"ddf"``: directional distance D, E = 1/(1 + D) (Chung, Färe & Grosskopf 1997; global:
        Oh 2010; Stata ``gtfpch``); ``"sbm"``: non-oriented SBM score with bads (Tone 2004), the
        "SBM-GML" of the applied literature.
    frontier
        ``"global"`` (default, always feasible for own points), ``"contemporaneous"``,
        ``"sequential"``, ``"window"`` or ``"biennial"``.
    window
        Width of the window frontier (years).
    rts
        Returns to scale of every distance (no scale decomposition for ML).
    direction, direction_basis, disposability, allow_negative
        DDF options (see :func:`nqpf.gtfp.ddf`); ignored for ``model="sbm"``.
    unit, year
        Key columns.

    Returns
    -------
    ProductivityResult
        ``index`` (``index`` = ML, ``EC``, ``TC``, ``status``), ``distances`` (every D or ρ),
        ``cumulative`` (GTFP with base year = 1).

    Notes
    -----
    Cross-period LPs (contemporaneous, sequential, window frontiers) can be infeasible — under
    weak disposability, with β ≥ 0, or for SBM. Those indices are NaN and their ``status``
    names the infeasible LP; nothing is dropped silently. The global and biennial indices are
    always defined for DDF.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [1, 1, 2, 2], "x": [1.0, 1.0, 1.0, 1.0],
    ...                    "y": [2.0, 1.0, 2.0, 2.0], "co2": [1.0, 1.0, 1.0, 1.0]})
    >>> res = malmquist_luenberger(df, inputs="x", outputs="y", undesirable="co2")
    >>> res.index[["unit", "index", "EC", "TC"]].round(3).values.tolist()
    [['a', 1.0, 1.0, 1.0], ['b', 1.333, 1.333, 1.0]]
    """
    check_option(model, MLModel, param="model", caller="malmquist_luenberger")
    check_option(frontier, IndexFrontier, param="frontier", caller="malmquist_luenberger")
    check_option(rts, RTS, param="rts", caller="malmquist_luenberger")
    check_option(direction_basis, DirectionBasis, param="direction_basis", caller="malmquist_luenberger")
    check_option(disposability, Disposability, param="disposability", caller="malmquist_luenberger")
    _check_window(window, "malmquist_luenberger")
    d = dea_data(data, inputs=inputs, outputs=outputs, undesirable=undesirable, unit=unit, year=year,
                 caller="malmquist_luenberger")
    if model == "ddf":
        fac = direction_factors(direction, d, caller="malmquist_luenberger")
        spec = ModelSpec("ddf", rts=rts, direction=fac, direction_basis=direction_basis, disposability=disposability,
                         allow_negative=allow_negative)
        extra = {"direction": dict(fac), "direction_basis": direction_basis, "disposability": disposability,
                 "allow_negative": allow_negative}
    else:
        spec = ModelSpec("sbm", rts=rts, orientation="non")
        extra = {}
    params = {"model": model, "rts": rts, "frontier": frontier, "window": window, "inputs": list(d.inputs),
              "outputs": list(d.outputs), "undesirable": list(d.undesirable), **extra}
    return _productivity(spec, d, frontier=frontier, window=window, radial_vrs=False,
                         index_name="malmquist_luenberger", params=params)


def gtfp_indicator(
    panel_long: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    undesirable: str | Sequence[str] | None = None,
    model: MLModel = "sbm",
    frontier: IndexFrontier = "global",
    rts: RTS = "crs",
    unit: str = "unit",
    year: str = "year",
) -> pd.DataFrame:
    """Cumulative green TFP per unit-year (base year = 1) for use as an index indicator.

    Runs :func:`malmquist_luenberger` and returns its ``cumulative`` table renamed to the
    indicator layout ``unit, year, value``. Unit-years without inputs (e.g. years without
    employment data) are absent; a unit's series starts at 1 in its first year with data.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b", "a", "b"], "year": [1, 1, 2, 2], "x": [1.0, 1.0, 1.0, 1.0],
    ...                    "y": [2.0, 1.0, 2.0, 2.0], "co2": [1.0, 1.0, 1.0, 1.0]})
    >>> gtfp_indicator(df, inputs="x", outputs="y", undesirable="co2")["value"].round(3).tolist()
    [1.0, 1.0, 1.0, 2.5]
    """
    res = malmquist_luenberger(panel_long, inputs=inputs, outputs=outputs, undesirable=undesirable, model=model,
                               frontier=frontier, rts=rts, unit=unit, year=year)
    return res.cumulative[["unit", "year", "value"]].copy()
