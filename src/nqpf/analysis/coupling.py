"""Coupling coordination degree (耦合协调度) for 2…n subsystems — 数实融合 and beyond.

Pure numpy functions implement each formula of methods-reference §12; the public
:func:`coupling_coordination` applies them row by row to a pandas table with one column per
subsystem score (for example 数字经济 ``digital_economy`` and 实体经济 ``real_economy``) and
returns a :class:`CouplingResult`.

Formulas (Wang Shujia, Kong Wei, Ren Liang, Zhi Dandan & Dai Binting 2021, 国内耦合协调度模型的
误区及修正, 自然资源学报 36(3), 793–810; classes after Liao Chongbin 1999):

* traditional coupling degree ``C = n [Π U_i / (Σ U_i)^n]^{1/n}``;
* corrected coupling degree ``C = sqrt([1 − Σ_{i>j}|U_i − U_j| / Σ_{m=1}^{n−1} m] ·
  [Π (U_i / max U)]^{1/(n−1)})``;
* comprehensive index ``T = Σ α_i U_i`` (Σ α_i = 1) and coordination degree ``D = sqrt(C T)``;
* ten classes of D on half-open intervals ``[k/10, (k+1)/10)`` with D = 1.0 in the top class,
  grouped into three stages 失调衰退 (D < 0.4) / 过渡 (0.4 ≤ D < 0.6) / 协调发展 (D ≥ 0.6).
"""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError, MethodError, MethodWarning
from .._results import Result, Summary
from .._validation import check_option

__all__ = [
    "CouplingModel",
    "ZeroPolicy",
    "CLASS_EDGES",
    "CLASSES_ZH",
    "CLASSES_EN",
    "STAGES_ZH",
    "STAGES_EN",
    "coupling_traditional",
    "coupling_wang2021",
    "comprehensive_index",
    "coordination_degree",
    "coordination_level",
    "coordination_class",
    "coordination_stage",
    "relative_development",
    "coupling_coordination",
    "subsystem_frame",
    "CouplingResult",
]

CouplingModel = Literal["wang2021", "traditional"]
ZeroPolicy = Literal["error", "allow"]

#: lower edges of the coordination classes 2..10 (class 1 starts at 0)
CLASS_EDGES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
CLASSES_ZH = (
    "极度失调", "严重失调", "中度失调", "轻度失调", "濒临失调",
    "勉强协调", "初级协调", "中级协调", "良好协调", "优质协调",
)
CLASSES_EN = (
    "extreme imbalance", "serious imbalance", "moderate imbalance", "mild imbalance",
    "on the verge of imbalance", "barely coordinated", "primary coordination",
    "intermediate coordination", "good coordination", "high-quality coordination",
)
STAGES_ZH = ("失调衰退", "过渡", "协调发展")
STAGES_EN = ("imbalance and decline", "transition", "coordinated development")


# --------------------------------------------------------------------------- formulas
def _as_matrix(u: Any) -> np.ndarray:
    arr = np.asarray(u, dtype=float)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise MethodError(
            f"coupling: subsystem scores must form an (m, n) array with n >= 2 subsystems; got shape {np.shape(u)}. "
            "Pass one column per subsystem."
        )
    return arr


def coupling_traditional(u: Any) -> np.ndarray:
    """Traditional coupling degree in the normative form with the coefficient n.

    ``C = n [Π_i U_i / (Σ_i U_i)^n]^{1/n}`` (methods-reference §12; Wang et al. 2021, eq. 1);
    for n = 2 ``C = 2 sqrt(U_1 U_2) / (U_1 + U_2)``. C depends only on the ratios U_i / U_j.

    Parameters
    ----------
    u : array of shape (n,) or (m, n)
        Subsystem scores, one row per observation.

    Returns
    -------
    ndarray of shape (m,)
        C in [0, 1]; NaN when every score of a row is 0 (0/0).

    Examples
    --------
    >>> round(float(coupling_traditional([0.3, 0.5])[0]), 6)
    0.968246
    """
    u = _as_matrix(u)
    n = u.shape[1]
    total = u.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        # geometric mean / arithmetic mean, computed stably in logs where positive
        gm = np.exp(np.log(u).mean(axis=1)) if np.all(u > 0) else np.prod(u, axis=1) ** (1.0 / n)
        c = gm / (total / n)
    return np.where(total > 0, np.clip(c, 0.0, 1.0), np.nan)


def coupling_wang2021(u: Any) -> np.ndarray:
    """Corrected coupling degree of Wang Shujia et al. (2021).

    ``C = sqrt( [1 − Σ_{i>j} |U_i − U_j| / Σ_{m=1}^{n−1} m] · [Π_i (U_i / max_i U_i)]^{1/(n−1)} )``
    (methods-reference §12); for n = 2 ``C = sqrt((1 − |U_2 − U_1|) · min U / max U)``.
    Unlike the traditional C it also penalises absolute gaps between subsystems.

    Parameters
    ----------
    u : array of shape (n,) or (m, n)
        Subsystem scores in [0, 1].

    Returns
    -------
    ndarray of shape (m,)
        C in [0, 1]; NaN when every score of a row is 0.

    Examples
    --------
    >>> round(float(coupling_wang2021([0.3, 0.5])[0]), 6)
    0.69282
    """
    u = _as_matrix(u)
    n = u.shape[1]
    i, j = np.triu_indices(n, k=1)
    gap = np.abs(u[:, i] - u[:, j]).sum(axis=1) / (n * (n - 1) / 2.0)
    umax = u.max(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.prod(u / umax[:, None], axis=1) ** (1.0 / (n - 1))
        c = np.sqrt(np.clip((1.0 - gap) * ratio, 0.0, None))
    return np.where(umax > 0, np.clip(c, 0.0, 1.0), np.nan)


def comprehensive_index(u: Any, weights: Any = None) -> np.ndarray:
    """Comprehensive development index ``T = Σ_i α_i U_i`` with Σ α_i = 1 (methods-reference §12).

    Parameters
    ----------
    u : array of shape (n,) or (m, n)
    weights : array of shape (n,), optional
        Non-negative contributions α_i; rescaled to sum to 1. Default: equal weights 1/n.

    Examples
    --------
    >>> float(comprehensive_index([0.2, 0.8], [0.5, 0.5])[0])
    0.5
    """
    u = _as_matrix(u)
    n = u.shape[1]
    a = np.full(n, 1.0 / n) if weights is None else np.asarray(weights, dtype=float)
    a = a / a.sum()
    return u @ a


def coordination_degree(c: Any, t: Any) -> np.ndarray:
    """Coupling coordination degree ``D = sqrt(C · T)`` (methods-reference §12).

    Examples
    --------
    >>> round(float(coordination_degree(0.968245836552, 0.4)), 6)
    0.622333
    """
    return np.sqrt(np.asarray(c, dtype=float) * np.asarray(t, dtype=float))


def coordination_level(d: Any) -> np.ndarray:
    """Class number 1…10 of D on the intervals ``[0, 0.1), [0.1, 0.2), …, [0.9, 1.0]``.

    Half-open intervals exactly as methods-reference §12 (Liao 1999), D = 1.0 in class 10;
    NaN → 0 (no class).

    Examples
    --------
    >>> coordination_level([0.0, 0.1, 0.39999, 0.4, 0.95, 1.0]).tolist()
    [1, 2, 4, 5, 10, 10]
    """
    d = np.asarray(d, dtype=float)
    level = np.searchsorted(np.asarray(CLASS_EDGES), d, side="right") + 1
    return np.where(np.isnan(d), 0, level).astype(int)


def coordination_class(d: Any, *, lang: Literal["zh", "en", "both"] = "both") -> np.ndarray:
    """Class name of each D: ``"初级协调 primary coordination"`` (both), or one language.

    Examples
    --------
    >>> coordination_class([0.62, 0.05]).tolist()
    ['初级协调 primary coordination', '极度失调 extreme imbalance']
    """
    check_option(lang, Literal["zh", "en", "both"], param="lang", caller="coordination_class")
    level = coordination_level(d)
    out = []
    for lv in level:
        if lv == 0:
            out.append("")
        elif lang == "zh":
            out.append(CLASSES_ZH[lv - 1])
        elif lang == "en":
            out.append(CLASSES_EN[lv - 1])
        else:
            out.append(f"{CLASSES_ZH[lv - 1]} {CLASSES_EN[lv - 1]}")
    return np.asarray(out, dtype=object)


def coordination_stage(d: Any) -> np.ndarray:
    """Stage number of D: 1 失调衰退 (D < 0.4), 2 过渡 (0.4 ≤ D < 0.6), 3 协调发展 (D ≥ 0.6); NaN → 0.

    Examples
    --------
    >>> coordination_stage([0.39, 0.4, 0.59, 0.6]).tolist()
    [1, 2, 2, 3]
    """
    d = np.asarray(d, dtype=float)
    stage = np.searchsorted(np.asarray([0.4, 0.6]), d, side="right") + 1
    return np.where(np.isnan(d), 0, stage).astype(int)


def relative_development(u: Any, *, thresholds: tuple[float, float] = (0.8, 1.2)) -> tuple[np.ndarray, np.ndarray]:
    """Relative-development ratio and index of the lagging subsystem (−1 = synchronous).

    For two subsystems the ratio is ``r = U_1 / U_2``: ``r > hi`` → subsystem 2 lags,
    ``r < lo`` → subsystem 1 lags, otherwise synchronous (methods-reference §12). For n > 2
    subsystems the ratio is ``min_i U_i / mean(U)``: below ``lo`` the lowest subsystem lags,
    otherwise the development is synchronous.

    Returns
    -------
    ratio : ndarray of shape (m,)
    lagging : ndarray of int, shape (m,)
        Column index of the lagging subsystem, −1 when synchronous or undefined.

    Examples
    --------
    >>> r, lag = relative_development([[0.6, 0.3], [0.5, 0.45], [0.2, 0.5]])
    >>> lag.tolist()
    [1, -1, 0]
    """
    u = _as_matrix(u)
    lo, hi = thresholds
    with np.errstate(divide="ignore", invalid="ignore"):
        if u.shape[1] == 2:
            ratio = u[:, 0] / u[:, 1]
            lag = np.where(ratio > hi, 1, np.where(ratio < lo, 0, -1))
        else:
            ratio = u.min(axis=1) / u.mean(axis=1)
            lag = np.where(ratio < lo, np.argmin(u, axis=1), -1)
    lag = np.where(np.isnan(ratio), -1, lag)
    return ratio, lag.astype(int)


# --------------------------------------------------------------------------- result
@dataclass(frozen=True)
class CouplingResult(Result):
    """Coupling coordination degree per observation.

    Attributes
    ----------
    table : DataFrame
        The id columns of the input, the subsystem scores, then ``C, T, D, level`` (1…10),
        ``class_zh, class_en, stage`` (1…3), ``stage_zh, stage_en``, ``relative_ratio``,
        ``lagging`` (subsystem name, empty when synchronous), ``relative_zh, relative_en``;
        plus ``C_traditional`` and ``C_wang2021`` (both coupling degrees, for comparison).
    subsystems : list of str
    weights : ndarray of shape (n,)
        The α_i of T (sum 1).
    model : {'wang2021', 'traditional'}
        Which C enters D.
    ratio_thresholds : tuple of float
    notes : list of str
    """

    table: pd.DataFrame
    subsystems: list[str]
    weights: np.ndarray
    model: str
    ratio_thresholds: tuple[float, float]
    id_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    kind: str = "coupling"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"coupling": self.table, "classes": self.class_counts()}

    def class_counts(self) -> pd.DataFrame:
        """Number of observations per class (and per year when a ``year`` column is present)."""
        t = self.table[self.table["level"] > 0]
        keys = (["year"] if "year" in self.id_columns else []) + ["level", "class_zh", "class_en"]
        out = t.groupby(keys, sort=True).size().rename("n").reset_index()
        return out

    def summary(self) -> Summary:
        t = self.table
        rows: list[tuple[str, Any]] = [
            ("model (C in D)", self.model),
            ("subsystems", ", ".join(self.subsystems)),
            ("weights of T", ", ".join(f"{w:.4g}" for w in self.weights)),
            ("observations", len(t)),
            ("mean C", float(t["C"].mean())),
            ("mean T", float(t["T"].mean())),
            ("mean D", float(t["D"].mean())),
        ]
        tabs: dict[str, pd.DataFrame] = {}
        if "year" in self.id_columns:
            tabs["by year"] = t.groupby("year")[["C", "T", "D"]].mean()
        tabs["classes"] = self.class_counts()
        notes = list(self.notes)
        notes.append(
            "Classes of D are the half-open intervals [k/10, (k+1)/10), D = 1.0 in 优质协调; stages 失调衰退 "
            "D < 0.4, 过渡 0.4 ≤ D < 0.6, 协调发展 D ≥ 0.6 (methods-reference §12)."
        )
        if self.model == "wang2021":
            notes.append("C is the corrected coupling degree of Wang Shujia et al. (2021); C_traditional is given for comparison.")
        else:
            notes.append(
                "C is the traditional coupling degree (normative form with coefficient n); it depends only on the "
                "ratios of the subsystems, so two equally low subsystems get C = 1 (Wang et al. 2021)."
            )
        return Summary(title="Coupling coordination degree (耦合协调度)", rows=rows, tables=tabs, notes=notes)

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d.update(model=self.model, subsystems=list(self.subsystems), weights=[float(w) for w in self.weights],
                 ratio_thresholds=list(self.ratio_thresholds), notes=list(self.notes))
        return d


# --------------------------------------------------------------------------- API
def _check_weights(weights: Any, subsystems: list[str]) -> np.ndarray:
    n = len(subsystems)
    if weights is None:
        return np.full(n, 1.0 / n)
    if isinstance(weights, Mapping):
        missing = [s for s in subsystems if s not in weights]
        extra = [k for k in weights if k not in subsystems]
        if missing or extra:
            raise MethodError(
                f"coupling_coordination: weights must name every subsystem exactly; got missing {missing} and unknown "
                f"{extra}. Pass a mapping with the keys {subsystems}."
            )
        w = np.array([weights[s] for s in subsystems], dtype=float)
    else:
        w = np.asarray(list(weights), dtype=float)
        if w.shape != (n,):
            raise MethodError(
                f"coupling_coordination: weights must have one value per subsystem ({n}); got {len(w)} values. "
                "Pass one weight per entry of subsystems, in the same order."
            )
    if np.any(~np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise MethodError(
            f"coupling_coordination: weights must be finite, non-negative and not all zero; got {w.tolist()}. "
            "Use e.g. equal weights (weights=None)."
        )
    return w / w.sum()


def coupling_coordination(
    frame: pd.DataFrame,
    *,
    subsystems: Sequence[str],
    weights: Sequence[float] | Mapping[str, float] | None = None,
    model: CouplingModel = "wang2021",
    ratio_thresholds: tuple[float, float] = (0.8, 1.2),
    zeros: ZeroPolicy = "error",
    names: Mapping[str, str] | None = None,
    names_en: Mapping[str, str] | None = None,
) -> CouplingResult:
    """Coupling coordination degree (耦合协调度) of 2…n subsystems, e.g. 数字经济 × 实体经济 (数实融合).

    Parameters
    ----------
    frame : DataFrame
        One row per observation (unit × year), one column per subsystem score in (0, 1]. Every
        other column (``unit``, ``year``, ``unit_name`` …) is kept as an id column, and so is a
        named or non-default index (e.g. units as the index).
    subsystems : list of str
        The subsystem columns (at least two), e.g. framework node ids.
    weights : sequence or mapping, optional
        Contributions α_i of the subsystems to T (rescaled to sum 1); default equal.
        Weights enter T only, never C (Wang et al. 2021 list weights inside C as a misuse).
    model : {'wang2021', 'traditional'}
        Coupling degree used for D: the corrected C of Wang Shujia et al. (2021) (default)
        or the traditional normative form.
    ratio_thresholds : (lo, hi)
        Bounds of the synchronous band of the relative-development ratio (default 0.8, 1.2).
    zeros : {'error', 'allow'}
        Scores must lie in (0, 1]. ``'allow'`` accepts exact zeros: C is then 0 for that row
        (NaN when every subsystem is 0), and a note records how many rows had a zero.
    names : mapping, optional
        Display names of the subsystems for the relative-development labels (e.g.
        ``{"digital_economy": "数字经济"}``); default the column names.
    names_en : mapping, optional
        English display names for ``relative_en`` (e.g. ``{"digital_economy": "Digital economy"}``);
        default ``names``.

    Returns
    -------
    CouplingResult

    Notes
    -----
    Formulas and classes: methods-reference §12 (see the module docstring). Rows with a
    missing score get NaN for C, T, D and no class; they are counted in the notes.
    The relative-development label for two subsystems uses ``r = U_1/U_2`` (r > hi: the
    second lags; r < lo: the first lags); for more subsystems the lowest one lags when
    ``min U / mean U < lo``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["A", "B"], "digital": [0.3, 0.2], "real": [0.5, 0.8]})
    >>> res = coupling_coordination(df, subsystems=["digital", "real"])
    >>> res.table[["unit", "C", "D", "class_zh", "lagging"]].round(4)
      unit       C       D class_zh  lagging
    0    A  0.6928  0.5264     勉强协调  digital
    1    B  0.3162  0.3976     轻度失调  digital
    """
    where = "coupling_coordination"
    check_option(model, CouplingModel, param="model", caller=where)
    check_option(zeros, ZeroPolicy, param="zeros", caller=where)
    if not isinstance(frame, pd.DataFrame):
        raise DataError(f"{where}: frame must be a pandas DataFrame; got {type(frame).__name__}. Pass a table with one column per subsystem.")
    if isinstance(frame.index, pd.MultiIndex) or frame.index.name is not None or not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()  # units (and years) held in the index become id columns
    subsystems = list(subsystems)
    if len(subsystems) < 2 or len(set(subsystems)) != len(subsystems):
        raise MethodError(
            f"{where}: subsystems must name at least two distinct columns; got {subsystems}. "
            "Pass e.g. subsystems=['digital_economy', 'real_economy']."
        )
    missing = [s for s in subsystems if s not in frame.columns]
    if missing:
        raise DataError(f"{where}: subsystem columns {missing} are not in the frame; got columns {list(frame.columns)}. Check the names.")
    lo_hi = tuple(ratio_thresholds)
    if (len(lo_hi) != 2 or not all(isinstance(v, numbers.Real) and math.isfinite(v) for v in lo_hi)
            or not 0 < lo_hi[0] <= 1 <= lo_hi[1]):
        raise MethodError(
            f"{where}: ratio_thresholds must be (lo, hi) with 0 < lo <= 1 <= hi; got {ratio_thresholds!r}. Use e.g. (0.8, 1.2)."
        )
    w = _check_weights(weights, subsystems)

    values = frame[subsystems]
    non_numeric = [s for s in subsystems if not pd.api.types.is_numeric_dtype(values[s])]
    if non_numeric:
        raise DataError(f"{where}: subsystem columns {non_numeric} are not numeric. Convert them to numbers first.")
    u = values.to_numpy(dtype=float)
    finite = np.isfinite(u) | np.isnan(u)
    if not finite.all():
        bad = sorted({subsystems[j] for j in np.where(~finite)[1]})
        raise DataError(f"{where}: subsystem columns {bad} contain infinite values. Replace them with finite scores or NaN.")
    _check_range(u, subsystems, zeros=zeros, where=where)

    notes: list[str] = []
    complete = ~np.isnan(u).any(axis=1)
    if (~complete).any():
        notes.append(f"{int((~complete).sum())} rows have a missing subsystem score; their C, T and D are NaN and they have no class.")
        warnings.warn(f"{where}: {int((~complete).sum())} rows have a missing subsystem score; C, T, D set to NaN.",
                      MethodWarning, stacklevel=2)
    has_zero = complete & (u == 0).any(axis=1)
    if has_zero.any():
        notes.append(f"{int(has_zero.sum())} rows have a subsystem score of exactly 0 (zeros='allow'); their C is 0 (NaN if all scores are 0).")

    c_trad = np.full(len(u), np.nan)
    c_wang = np.full(len(u), np.nan)
    t_idx = np.full(len(u), np.nan)
    if complete.any():
        c_trad[complete] = coupling_traditional(u[complete])
        c_wang[complete] = coupling_wang2021(u[complete])
        t_idx[complete] = comprehensive_index(u[complete], w)
    c = c_wang if model == "wang2021" else c_trad
    d = coordination_degree(c, t_idx)
    level = coordination_level(d)
    stage = coordination_stage(d)
    ratio, lag = relative_development(np.where(complete[:, None], u, np.nan), thresholds=lo_hi)
    labels = {s: (names or {}).get(s, s) for s in subsystems}
    labels_en = {s: (names_en or {}).get(s, labels[s]) for s in subsystems}

    out = frame[[col for col in frame.columns if col not in subsystems]].copy()
    id_columns = list(out.columns)
    for s in subsystems:
        out[s] = values[s].to_numpy(dtype=float)
    out["C"] = c
    out["T"] = t_idx
    out["D"] = d
    out["level"] = level
    out["class_zh"] = [CLASSES_ZH[lv - 1] if lv else "" for lv in level]
    out["class_en"] = [CLASSES_EN[lv - 1] if lv else "" for lv in level]
    out["stage"] = stage
    out["stage_zh"] = [STAGES_ZH[s - 1] if s else "" for s in stage]
    out["stage_en"] = [STAGES_EN[s - 1] if s else "" for s in stage]
    out["relative_ratio"] = ratio
    out["lagging"] = [subsystems[k] if k >= 0 else "" for k in lag]
    rel_zh, rel_en = [], []
    for k, ok in zip(lag, complete):
        if not ok:
            rel_zh.append("")
            rel_en.append("")
        elif k < 0:
            rel_zh.append("同步发展")
            rel_en.append("synchronous development")
        else:
            rel_zh.append(f"{labels[subsystems[k]]}滞后型")
            rel_en.append(f"{labels_en[subsystems[k]]} lagging")
    out["relative_zh"] = rel_zh
    out["relative_en"] = rel_en
    out["C_traditional"] = c_trad
    out["C_wang2021"] = c_wang
    return CouplingResult(table=out.reset_index(drop=True), subsystems=subsystems, weights=w, model=model,
                          ratio_thresholds=(float(lo_hi[0]), float(lo_hi[1])), id_columns=id_columns, notes=notes)


def _check_range(u: np.ndarray, subsystems: list[str], *, zeros: str, where: str) -> None:
    with np.errstate(invalid="ignore"):
        low = (u < 0) if zeros == "allow" else (u <= 0)
        bad = low | (u > 1)
    if not bad.any():
        return
    parts = []
    for j, s in enumerate(subsystems):
        col = u[:, j][bad[:, j]]
        if col.size:
            parts.append(f"{s!r} has {col.size} values outside {'[0, 1]' if zeros == 'allow' else '(0, 1]'} (min {col.min():.6g}, max {col.max():.6g})")
    fix = "Rescale the scores to (0, 1] (e.g. divide a 0–100 score by 100)"
    if zeros == "error" and not (u < 0).any() and not (u > 1).any():
        fix += ", or pass zeros='allow' to accept exact zeros (C becomes 0)"
    raise DataError(f"{where}: subsystem scores must lie in {'[0, 1]' if zeros == 'allow' else '(0, 1]'}; got {'; '.join(parts)}. {fix}.")


def subsystem_frame(
    scores: pd.DataFrame,
    subsystems: Mapping[str, Sequence[str]] | Sequence[str],
    *,
    value: str = "score",
) -> pd.DataFrame:
    """Build the input of :func:`coupling_coordination` from a long table of node scores.

    Parameters
    ----------
    scores : DataFrame
        Long table ``unit, year, node, score`` (the layout of ``IndexResult.scores``; ``unit_name``
        is kept when present).
    subsystems : mapping or sequence
        Either subsystem id → list of nodes (the framework's ``[[subsystem]]`` tables: the
        subsystem score is the mean of the node scores), or a list of node ids (each node is a
        subsystem).
    value : str
        The score column (default ``score``).

    Returns
    -------
    DataFrame
        One row per unit-year: ``unit[, unit_name], year`` and one column per subsystem. A
        subsystem is NaN for a unit-year when one of its nodes has no score there (it is never
        averaged over fewer nodes).

    Examples
    --------
    >>> import pandas as pd
    >>> sc = pd.DataFrame({"unit": ["A"] * 3, "year": [2020] * 3, "node": ["d1", "d2", "r"],
    ...                    "score": [0.2, 0.4, 0.5]})
    >>> subsystem_frame(sc, {"digital": ["d1", "d2"], "real": ["r"]}).round(3)
      unit  year  digital  real
    0    A  2020      0.3   0.5
    """
    where = "subsystem_frame"
    need = ["unit", "year", "node", value]
    if not isinstance(scores, pd.DataFrame) or any(c not in scores.columns for c in need):
        got = list(scores.columns) if isinstance(scores, pd.DataFrame) else type(scores).__name__
        raise DataError(f"{where}: scores must be a long table with columns {need}; got {got}. Pass IndexResult.scores.")
    spec = dict(subsystems) if isinstance(subsystems, Mapping) else {str(n): [str(n)] for n in subsystems}
    spec = {str(k): [str(v)] if isinstance(v, str) else [str(x) for x in v] for k, v in spec.items()}
    known = set(scores["node"].astype(str))
    unknown = sorted({n for nodes in spec.values() for n in nodes} - known)
    if unknown:
        raise DataError(f"{where}: nodes {unknown} have no scores; got {len(known)} scored nodes. Use node ids of the framework.")
    ids = ["unit"] + (["unit_name"] if "unit_name" in scores.columns else []) + ["year"]
    base = scores.assign(node=scores["node"].astype(str))
    dup = base.duplicated(["unit", "year", "node"])
    if dup.any():
        raise DataError(f"{where}: {int(dup.sum())} rows repeat a (unit, year, node) key. Keep one score per unit, year and node.")
    wide = base.set_index(ids + ["node"])[value].unstack("node")
    out = pd.DataFrame(index=wide.index)
    for sid, nodes in spec.items():
        out[sid] = wide[nodes].mean(axis=1, skipna=False)
    return out.reset_index()
