"""Data-quality screen of the raw series (步骤 quality): find broken inputs before derivation and imputation.

Every unit × raw series is screened for

==========================  =======================================================================  =========
rule                        what it finds                                                            cells
==========================  =======================================================================  =========
``carry_forward``           a unit repeats the same value ``min_run`` or more consecutive years      copies
``panel_freeze``            most units repeat their previous value in the same years (one finding    copies
                            per series, units listed; two or more frozen blocks = a step pattern)
``cross_unit_repeat``       one value shared by many units in a year, or two units with identical   –
                            series (chance ruled out with a Poisson / precision argument)
``round_fill``              a unit's values are far rounder than the series' reporting precision     round cells
                            (integers or multiples of 10 where other units carry 2 decimals)
``level_break``             a large change of a unit that persists (medians before / after)          –
``series_break``            most units break in the same year in the same direction (definition or  –
                            vintage change)
``jump``                    a year-on-year change extreme against BOTH the year's cross-section      the cell
                            and the unit's own history (robust z on log changes)                     (spike / end)
``ratio_unexplained``       a raw ratio moves strongly but its numerator / denominator do not        –
``ratio_input_flagged``     an input of a derived indicator is flagged (propagated, naming it)       –
==========================  =======================================================================  =========

Each finding has a severity (low / medium / high); the action taken is set per severity by the
preset (``warn``: high → ``set_missing``; ``strict``: high → ``refuse``, medium → ``set_missing``;
``off``: no screen) or by ``actions``. ``set_missing`` cells become NaN in ``cleaned`` and are returned
as change records (``step = "quality"``) with the schema of the engine's ``changes``. Rules without
a cell to remove (breaks, cross-unit repeats, ratio rules, mid-series jumps) are recorded with
action ``flag`` whatever the preset says. ``exempt`` entries (``series`` or ``series:unit``, with a
required ``reason``) suppress findings and are recorded as decisions.

Wiring into a build is one call on the raw long table::

    res = screen(raw, cfg.quality, derivations=derivations_from_framework(framework), series_col="indicator")
    raw = res.cleaned            # then derive, impute, ...; res.changes join the build's changes

The functions are pure (no printing, inputs never modified); numpy inside, pandas at the API.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Literal, Mapping, Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .._errors import ConfigError, DataError
from .._results import Result, Summary, json_safe

__all__ = [
    "QualityConfig",
    "QualityExempt",
    "QualityResult",
    "screen",
    "derivations_from_framework",
    "RULES",
    "FINDING_COLUMNS",
    "LIST_COLUMNS",
    "encode_list_columns",
    "decode_list_columns",
    "CHANGE_COLUMNS",
    "PRESET_ACTIONS",
    "equal_prior",
    "true_runs",
    "decimals",
    "robust_z",
    "rule_carry_forward",
    "rule_panel_freeze",
    "rule_cross_unit_repeat",
    "rule_round_fill",
    "rule_level_break",
    "rule_series_break",
    "rule_jump",
    "change_stats",
    "rule_ratio_unexplained",
]

RULES = (
    "carry_forward",
    "panel_freeze",
    "cross_unit_repeat",
    "round_fill",
    "level_break",
    "series_break",
    "jump",
    "ratio_unexplained",
    "ratio_input_flagged",
)
Rule = Literal[
    "carry_forward", "panel_freeze", "cross_unit_repeat", "round_fill", "level_break", "series_break", "jump",
    "ratio_unexplained", "ratio_input_flagged",
]
Severity = Literal["low", "medium", "high"]
Action = Literal["flag", "set_missing", "refuse"]
SEVERITIES = ("low", "medium", "high")
_SEV_RANK = {"low": 0, "medium": 1, "high": 2}

#: the same columns as the engine's change records (``nqpf.index.engine.CHANGE_COLUMNS``)
CHANGE_COLUMNS = ["step", "unit", "year", "indicator", "old", "new", "reason"]
FINDING_COLUMNS = [
    "unit", "series", "years", "rule", "statistic", "threshold", "severity", "action", "detail",
    "units", "n_units", "year_list", "cells", "source",
]
#: finding columns holding lists: ``year_list`` (years) and ``cells`` ([unit, year] pairs). In a run's
#: ``quality.csv`` / ``quality.parquet`` and :attr:`IndexResult.quality` they are JSON arrays written as text
#: (:func:`encode_list_columns`; ``json.loads`` or :func:`decode_list_columns` restores them)
LIST_COLUMNS = ("year_list", "cells")


def encode_list_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose list-valued cells are compact JSON arrays (``[2017,2018]``,
    ``[["110000",2017]]``): one documented text form for CSV, Parquet and the workbook alike.

    >>> encode_list_columns(pd.DataFrame({"year_list": [[2020, 2021]], "cells": [[("110000", 2020)]]})).iloc[0].tolist()
    ['[2020,2021]', '[["110000",2020]]']
    """
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object and out[c].map(lambda v: isinstance(v, (list, tuple))).any():
            out[c] = out[c].map(lambda v: json.dumps(_plain(v), ensure_ascii=False, separators=(",", ":"))
                                if isinstance(v, (list, tuple)) else v)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def decode_list_columns(df: pd.DataFrame, columns: Sequence[str] = LIST_COLUMNS) -> pd.DataFrame:
    """The inverse of :func:`encode_list_columns` for ``columns``: JSON text → lists (``cells`` → (unit, year) tuples).

    >>> decode_list_columns(pd.DataFrame({"year_list": ["[2020,2021]"], "cells": ['[["110000",2020]]']})).iloc[0].tolist()
    [[2020, 2021], [('110000', 2020)]]
    """
    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = out[c].map(lambda v: json.loads(v) if isinstance(v, str) and v.startswith("[") else v)
            if c == "cells":
                out[c] = out[c].map(lambda v: [tuple(x) for x in v] if isinstance(v, list) else v)
    return out


#: action per severity of each preset (``actions`` overrides single entries)
PRESET_ACTIONS: dict[str, dict[str, str]] = {
    "warn": {"high": "set_missing", "medium": "flag", "low": "flag"},
    "strict": {"high": "refuse", "medium": "set_missing", "low": "flag"},
    "off": {"high": "flag", "medium": "flag", "low": "flag"},
}
_MAD_K = 1.4826  # MAD → sd of a normal
_MEANAD_K = 1.2533  # mean absolute deviation → sd of a normal (fallback when MAD = 0)
_STAT_CAP = 999.0  # statistics are capped (a zero scale gives an infinite z)


# ----------------------------------------------------------------------------- config
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QualityExempt(_Model):
    """A recorded decision: findings on ``series`` (all units) or ``series:unit`` are not acted on."""

    target: str = Field(description="raw series name, or 'series:unit' for one unit")
    reason: str = Field(min_length=3, description="why the pattern is genuine (recorded in the manifest)")
    rules: list[Rule] = Field(default_factory=list, description="exempt only these rules (default: every rule)")

    @property
    def series(self) -> str:
        return self.target.split(":", 1)[0].strip()

    @property
    def unit(self) -> str | None:
        parts = self.target.split(":", 1)
        return parts[1].strip() if len(parts) == 2 and parts[1].strip() else None


class QualityConfig(_Model):
    """Data-quality screen of the raw series (carry-forwards, panel freezes, fillers, breaks, jumps, ratios)."""

    preset: Literal["strict", "warn", "off"] = Field(
        "warn", description="warn: flag all, set_missing high severity; strict: refuse high, set_missing medium; off: no screen")
    actions: dict[Severity, Action] = Field(
        default_factory=dict, description="override the preset's action per severity, e.g. {high = 'flag'}")
    # 1. carry-forward runs
    carry_forward: bool = True
    min_run: int = Field(3, ge=2, description="years with an identical value that make a carry-forward run")
    rtol: float = Field(1e-9, ge=0, lt=1e-3, description="relative tolerance of 'identical'")
    carry_max_p: float = Field(1e-5, gt=0, le=1, description="largest chance probability of a run from rounding alone")
    static_share: float = Field(0.9, gt=0, le=1, description="share of units constant over all years that makes a series static (not screened)")
    ignore_zero_runs: bool = Field(True, description="runs of exact zeros are legitimate (no patents, no firms)")
    # 2. repeats across units
    panel_freeze: bool = True
    freeze_share: float = Field(0.5, gt=0, le=1, description="share of units repeating the previous value in a year")
    cross_unit_repeat: bool = True
    repeat_min_units: int = Field(3, ge=2, description="units sharing one value in a year (and units of a panel freeze)")
    repeat_max_p: float = Field(1e-6, gt=0, lt=1, description="chance probability below which a shared value is flagged")
    # 3. round numbers / fillers
    round_fill: bool = True
    round_min_cells: int = Field(3, ge=1, description="round cells (≥ 2 digits short of the series precision) needed")
    round_max_sig: int = Field(3, ge=1, description="a round cell has at most this many significant digits")
    round_score: float = Field(5.0, gt=0, description="-log10 of the chance probability of that many round cells")
    # 4. level breaks
    level_break: bool = True
    break_z: float = Field(5.0, gt=0, description="persistent shift of the medians before/after, in robust sd of changes")
    break_min_side: int = Field(3, ge=2, description="observations needed before and after a break")
    series_break: bool = True
    series_break_z: float = Field(3.0, gt=0, description="own-history robust z counted towards a series-wide break")
    series_break_share: float = Field(0.5, gt=0, le=1, description="share of units breaking in the same year and direction")
    # 5. jumps
    jump: bool = True
    jump_z: float = Field(5.0, gt=0, description="geometric mean of the cross-section and own-history robust z")
    jump_z_each: float = Field(3.5, gt=0, description="robust z each of the two must reach")
    min_change: float = Field(0.1, ge=0, description="smallest log change (or relative change) a jump or break must have")
    min_history: int = Field(4, ge=3, description="other changes of the unit needed for its own-history statistics")
    shrink: float = Field(4.0, ge=0, description="pseudo-observations shrinking a unit's own scale towards the series' median")
    min_units: int = Field(5, ge=3, description="units with a change needed for the cross-section statistics")
    # 6. ratios
    ratio: bool = True
    ratio_z: float = Field(5.0, gt=0, description="robust z of a ratio's change and of its unexplained part")
    propagate: bool = Field(True, description="report findings on inputs against the derived indicators")
    exempt: list[QualityExempt] = Field(default_factory=list, description="recorded decisions: series or series:unit + reason")

    @field_validator("exempt", mode="before")
    @classmethod
    def _exempt(cls, v: Any) -> Any:
        out = []
        for e in v or []:
            if isinstance(e, str):
                raise ValueError(f"exempt entries need a reason: write {{target = {e!r}, reason = '...'}}")
            if isinstance(e, (tuple, list)) and len(e) == 2:
                e = {"target": e[0], "reason": e[1]}
            out.append(e)
        return out

    def action_for(self, severity: str) -> str:
        return self.actions.get(severity, PRESET_ACTIONS[self.preset][severity])  # type: ignore[arg-type]


def _config(config: QualityConfig | Mapping | None) -> QualityConfig:
    if config is None:
        return QualityConfig()
    if isinstance(config, QualityConfig):
        return config
    try:
        return QualityConfig.model_validate(dict(config))
    except ValidationError as exc:
        from .._config import format_validation_error

        raise ConfigError(format_validation_error(exc, where="Config [quality]", label="invalid configuration", limit=5,
                                                  fix="See docs/quality.md.")) from None


# ----------------------------------------------------------------------------- helpers
def equal_prior(X: np.ndarray, rtol: float = 1e-9) -> np.ndarray:
    """E[i, t] = x[i, t] equals x[i, t-1]: both finite and ``|x_t − x_{t−1}| ≤ rtol · max(|x_t|, |x_{t−1}|)``.

    Relative (not exact) equality, so a value that went through a unit conversion or a CSV
    round-trip (1408.62 vs 1408.6200000000001) still counts as repeated; zeros are equal only to zeros.
    """
    E = np.zeros(X.shape, dtype=bool)
    if X.shape[1] < 2:
        return E
    a, b = X[:, 1:], X[:, :-1]
    with np.errstate(invalid="ignore"):
        E[:, 1:] = np.isfinite(a) & np.isfinite(b) & (np.abs(a - b) <= rtol * np.maximum(np.abs(a), np.abs(b)))
    return E


def true_runs(M: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of True along axis 1 of a 2-D bool array: ``(row, start, stop)`` with ``stop`` exclusive."""
    n, T = M.shape
    P = np.zeros((n, T + 2), dtype=np.int8)
    P[:, 1:-1] = M
    d = np.diff(P, axis=1)
    r0, s = np.nonzero(d == 1)
    r1, e = np.nonzero(d == -1)
    # np.nonzero is row-major, so starts and stops pair up in order
    return r0, s, e


def decimals(X: np.ndarray, lo: int = -3, hi: int = 7) -> np.ndarray:
    """Number of decimals a value is written with: the smallest d in [lo, hi] with x·10^d an integer.

    d < 0 means a multiple of 10^-d (d = −1: multiple of 10); ``hi`` means 'hi or more'; NaN for
    missing and zero cells. Integer test: ``|x·10^d − round(x·10^d)| ≤ 1e-6 · max(1, |x·10^d|)``.
    """
    D = np.full(X.shape, np.nan)
    ok = np.isfinite(X) & (X != 0)
    todo = ok.copy()
    for d in range(lo, hi + 1):
        with np.errstate(invalid="ignore", over="ignore"):
            y = X * (10.0 ** d)
            hit = todo & (np.abs(y - np.round(y)) <= 1e-6 * np.maximum(1.0, np.abs(y)))
        D[hit] = d
        todo &= ~hit
        if not todo.any():
            break
    D[todo] = hi
    return D


def _nanmedian_axis(a: np.ndarray, axis: int) -> np.ndarray:
    """``np.nanmedian(a, axis=axis)`` of a float array, equal value for value, by one sort along the axis.

    numpy's own path for short axes goes through masked arrays (milliseconds a call, thousands of calls
    at county scale). Here: NaN sorts last, the median is (low + high) / 2 of the two middle observed
    values (the same one value twice for an odd count, as numpy), NaN for an all-NaN slice.
    """
    a = np.asarray(a)
    if a.dtype.kind != "f" or a.ndim == 0:
        return np.nanmedian(a, axis=axis)
    s = np.sort(a, axis=axis)
    c = np.expand_dims((~np.isnan(a)).sum(axis=axis), axis)
    lo = np.take_along_axis(s, np.maximum((c - 1) // 2, 0), axis=axis)
    hi = np.take_along_axis(s, np.minimum(c // 2, max(a.shape[axis] - 1, 0)), axis=axis) if a.shape[axis] else lo
    with np.errstate(invalid="ignore", over="ignore"):
        out = np.true_divide(lo + hi, 2.0)
    out = np.where(c > 0, out, np.nan)
    return np.squeeze(out, axis=axis)


def _robust_scale(V: np.ndarray, med: np.ndarray, axis: int) -> np.ndarray:
    """1.4826·MAD, falling back to 1.2533·mean|x − median| when MAD = 0 (NaN-aware)."""
    with np.errstate(invalid="ignore"), _quiet():
        dev = np.abs(V - np.expand_dims(med, axis))
        mad = _MAD_K * _nanmedian_axis(dev, axis)
        mean_ad = _MEANAD_K * np.nanmean(dev, axis=axis)
    return np.where(mad > 0, mad, mean_ad)


class _quiet:
    """Silence numpy's 'All-NaN slice' / 'Mean of empty slice' warnings inside a block."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)
        return self

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)


def robust_z(x: np.ndarray, med: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """z = (x − median) / scale with scale = 1.4826·MAD (or 1.2533·meanAD when MAD = 0).

    A zero scale (every reference change identical) gives ±cap for any x ≠ median and 0 for x = median.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x - med) / scale
    z = np.where((scale == 0) & np.isfinite(x) & np.isfinite(med), np.sign(x - med) * _STAT_CAP, z)
    return np.clip(z, -_STAT_CAP, _STAT_CAP)


def _log_or_level(X: np.ndarray) -> tuple[np.ndarray, bool]:
    """ln x when the series is positive wherever observed, else x scaled by its median |x| (relative changes)."""
    fin = X[np.isfinite(X)]
    if fin.size and (fin > 0).all():
        return np.log(X), True
    s = np.median(np.abs(fin[fin != 0])) if (fin != 0).any() else 1.0
    return X / s, False


def _diffs(Y: np.ndarray) -> np.ndarray:
    d = np.full(Y.shape, np.nan)
    d[:, 1:] = Y[:, 1:] - Y[:, :-1]
    return d


def _fmt_years(years: Sequence[int]) -> str:
    ys = sorted(set(int(y) for y in years))
    if not ys:
        return ""
    out, start, prev = [], ys[0], ys[0]
    for y in ys[1:] + [None]:  # type: ignore[list-item]
        if y is not None and y == prev + 1:
            prev = y
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(out)


def _fmt_v(v: float) -> str:
    if not np.isfinite(v):
        return "missing"
    return f"{v:.6g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.3g}"


def _finding(unit: str, series: str, years: Sequence[int], rule: str, statistic: float, threshold: float,
             severity: str, detail: str, *, units: Sequence[str] = (), cells: Sequence[tuple[str, int]] = (),
             source: str = "") -> dict:
    st = float(statistic)
    return {
        "unit": unit, "series": series, "years": _fmt_years(years), "rule": rule,
        "statistic": round(min(st, _STAT_CAP), 4) if np.isfinite(st) else _STAT_CAP,
        "threshold": float(threshold), "severity": severity, "action": "flag", "detail": detail,
        "units": ";".join(units) if units else unit, "n_units": len(units) if units else 1,
        "year_list": sorted(set(int(y) for y in years)), "cells": list(cells), "source": source,
    }


@dataclass(frozen=True)
class _Panel:
    """One series as a units × years matrix (consecutive calendar years; NaN = missing)."""

    series: str
    X: np.ndarray
    units: np.ndarray
    years: np.ndarray


def _panels(raw: pd.DataFrame, unit_col: str, year_col: str, series_col: str, value_col: str) -> list[_Panel]:
    d = raw[[series_col, unit_col, year_col, value_col]]
    d = d[d[value_col].notna()]
    if d.empty:
        return []
    years_all = np.arange(int(d[year_col].min()), int(d[year_col].max()) + 1)
    out = []
    for s, g in d.groupby(series_col, sort=True, observed=True):
        u_codes, u_names = pd.factorize(g[unit_col].astype(str), sort=True)
        y = g[year_col].to_numpy(dtype=int)
        y0, y1 = y.min(), y.max()
        years = years_all[(years_all >= y0) & (years_all <= y1)]
        X = np.full((len(u_names), len(years)), np.nan)
        X[u_codes, y - y0] = g[value_col].to_numpy(dtype=float)
        out.append(_Panel(str(s), X, np.asarray(u_names, dtype=object), years))
    return out


# ----------------------------------------------------------------------------- rules
def rule_carry_forward(p: _Panel, cfg: QualityConfig, E: np.ndarray, skip: np.ndarray, P: float) -> tuple[list[dict], np.ndarray]:
    """Carry-forward runs: a unit's value is identical (``equal_prior``) in ``R ≥ min_run`` consecutive years.

    statistic = R (years in the run); threshold = ``min_run``. Severity: high when R ≥ min_run + 2, or the
    run reaches the series' last year with R ≥ min_run + 1 (a frozen tail); medium when R = min_run + 1;
    low otherwise. Chance repeats of a rounded, slowly moving series are ruled out: with reporting
    resolution q = 10^-P, the unit's drift m (median log change × |v|) and the series' typical change σ
    (median unit 1.4826·MAD of log changes, × |v|), one repeat has probability p0 ≈ q·φ(m/σ)/σ (the normal
    density of the change at 0 times the resolution) and the run p0^(R−1); runs with p0^(R−1) >
    ``carry_max_p`` are not reported.
    Runs of exact zeros are skipped with ``ignore_zero_runs``. Copies inside a panel freeze (``skip``)
    are reported there. Returns the findings and the mask of copied cells (the first year of a run is kept).
    """
    X, T = p.X, p.X.shape[1]
    copies = np.zeros(X.shape, dtype=bool)
    out: list[dict] = []
    rows, s, e = true_runs(E)
    if not len(rows):
        return out, copies
    q = 10.0 ** (-P) if np.isfinite(P) else 0.0
    Y, islog = _log_or_level(X)
    dY = _diffs(Y)
    dY[E] = np.nan
    with _quiet():
        mu = _nanmedian_axis(dY, 1)
    sig = float(np.nanmedian(_robust_scale(dY, mu, axis=1))) if np.isfinite(dY).any() else np.nan
    level = 1.0 if islog else float(np.nanmedian(np.abs(X[np.isfinite(X) & (X != 0)]))) if (np.isfinite(X) & (X != 0)).any() else 1.0
    for i, a, b in zip(rows, s, e):
        R = b - a + 1  # years incl. the source year a-1
        v = X[i, a - 1]
        if R < cfg.min_run or (cfg.ignore_zero_runs and v == 0):
            continue
        if skip[i, a:b].all():
            continue
        # chance that a rounded series repeats R-1 times: one change falls within the resolution with
        # p0 = P(|Δ| < q/2) ≈ q·φ(m/σ)/σ for Δ ~ N(m, σ²), m the unit's median change (its drift) and σ the
        # series' typical scale, both in the units of the value; without spread, p0 = 1 only when |m| < q/2
        scale_v = abs(v) if islog else level
        sabs = scale_v * sig
        m_i = scale_v * float(mu[i]) if np.isfinite(mu[i]) else 0.0
        if q <= 0:
            p0 = 0.0
        elif np.isfinite(sabs) and sabs > 0:
            p0 = min(1.0, q * math.exp(-0.5 * (m_i / sabs) ** 2) / (2.5066 * sabs))
        else:
            p0 = 1.0 if abs(m_i) < q / 2 else 0.0
        pch = p0 ** (R - 1)
        if pch > cfg.carry_max_p:
            continue
        copies[i, a:b] = True
        if R >= cfg.min_run + 2 or (b == T and R >= cfg.min_run + 1):
            sev = "high"
        elif R == cfg.min_run + 1:
            sev = "medium"
        else:
            sev = "low"
        yrs = p.years[a:b]
        out.append(_finding(
            str(p.units[i]), p.series, yrs, "carry_forward", R, cfg.min_run, sev,
            f"The {int(p.years[a - 1])} value {_fmt_v(v)} is repeated unchanged in {_fmt_years(yrs)} "
            f"({R} identical years; chance at this precision and volatility {pch:.1e}).",
            cells=[(str(p.units[i]), int(y)) for y in yrs]))
    return out, copies


def rule_panel_freeze(p: _Panel, cfg: QualityConfig, E: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Panel-wide freeze: in year t the share s_t = #{units with x_t = x_{t−1}} / #{units with both observed}.

    Frozen years F = {t : s_t ≥ freeze_share and at least ``repeat_min_units`` units repeat}; spans of
    ≥ min_run − 1 consecutive frozen years are reported as ONE finding per series (severity high) listing
    the units that repeat in every year of a span. statistic = min s_t over the spans; threshold =
    ``freeze_share``. Two or more spans (values updated only in the years between) = a step pattern.
    Returns the findings and the mask of copied cells of the listed units.
    """
    X = p.X
    both = np.zeros(X.shape, dtype=bool)
    both[:, 1:] = np.isfinite(X[:, 1:]) & np.isfinite(X[:, :-1])
    if cfg.ignore_zero_runs:
        E = E & (X != 0)
        both &= X != 0
    nb = both.sum(axis=0)
    ne = E.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(nb > 0, ne / np.maximum(nb, 1), 0.0)
    F = (share >= cfg.freeze_share) & (ne >= cfg.repeat_min_units)
    _, s, e = true_runs(F[None, :])
    spans = [(a, b) for a, b in zip(s, e) if b - a >= cfg.min_run - 1]
    copies = np.zeros(X.shape, dtype=bool)
    if not spans:
        return [], copies
    listed = np.zeros(X.shape[0], dtype=bool)
    for a, b in spans:
        full = E[:, a:b].all(axis=1)
        copies[full, a:b] = True
        listed |= full
    yrs = np.concatenate([p.years[a:b] for a, b in spans])
    stat = float(min(share[a:b].min() for a, b in spans))
    units = [str(u) for u in p.units[listed]]
    n_obs = int(np.isfinite(X).any(axis=1).sum())
    ex = [f"{p.units[i]} {_fmt_v(X[i, spans[0][0]])}" for i in np.argsort(-np.nan_to_num(X[:, spans[0][0]], nan=-np.inf))[:2] if listed[i]]
    src = [int(p.years[a - 1]) for a, b in spans]
    blocks = ", ".join(f"{p.years[a - 1]}–{p.years[b - 1]}" for a, b in spans)
    if len(spans) >= 2:
        kind = (f"Step pattern: {len(units)} of {n_obs} units hold their values constant in blocks {blocks}, "
                f"changing only in {', '.join(str(y) for y in src)}")
    else:
        kind = (f"Panel-wide freeze: {len(units)} of {n_obs} units repeat their {src[0]} value in every year "
                f"{_fmt_years(yrs)}")
    detail = f"{kind} (at least {stat:.0%} of units frozen each year; e.g. {', '.join(ex)})."
    cells = [(str(p.units[i]), int(p.years[t])) for i, t in zip(*np.nonzero(copies))]
    return [_finding("*", p.series, yrs, "panel_freeze", stat, cfg.freeze_share, "high", detail, units=units, cells=cells)], copies


def rule_cross_unit_repeat(p: _Panel, cfg: QualityConfig, P: float, mask: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Values repeated across units.

    (a) One value v shared by k ≥ ``repeat_min_units`` units in a year. Chance model: the units' values
    near v have density f(v) ≈ #{|x − v| ≤ h} / (2h·n) with h = max(IQR/2, 10·10^-P); the expected number
    of other units at exactly v (reporting resolution 10^-P) is λ = (n − 1)·10^-P·f(v);
    p = P(Poisson(λ) ≥ k − 1). Flag when p < ``repeat_max_p``; statistic = −log10 p.
    (b) Two or more units with identical series (≥ min_run non-zero years, ≥ 3 distinct values, median
    of at least 3 significant digits): statistic = number of identical years.
    Zeros and cells already explained by carry-forward / freeze / round fill (``mask``) are ignored.
    Severity medium; no cell is removed (which unit holds the true value is unknown). Returns the
    findings and the mask of shared cells (kept out of the jump statistics).
    """
    from scipy.stats import poisson

    X = np.where(mask, np.nan, p.X)
    n, T = X.shape
    q = 10.0 ** (-P) if np.isfinite(P) else 0.0
    out: list[dict] = []
    shared = np.zeros(X.shape, dtype=bool)
    if q > 0:
        for t in range(T):
            col = X[:, t]
            ok = np.isfinite(col) & (col != 0)
            v = col[ok]
            if v.size < cfg.repeat_min_units + 2 or np.abs(v / q).max() > 9e15:
                continue
            keys = np.round(v / q).astype(np.int64)
            vals, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
            big = np.nonzero(counts >= cfg.repeat_min_units)[0]
            if not big.size:
                continue
            vs = np.sort(v)
            iqr = float(np.subtract(*np.percentile(v, [75, 25])))
            h = max(iqr / 2, 10 * q)
            centre = vals[big] * q
            near = np.searchsorted(vs, centre + h, side="right") - np.searchsorted(vs, centre - h, side="left")
            lam = (v.size - 1) * q * near / (2 * h * v.size)
            pv = poisson.sf(counts[big] - 2, lam)
            for g, k, pval, vv in zip(big, counts[big], pv, centre):
                if pval >= cfg.repeat_max_p:
                    continue
                who = [str(u) for u in p.units[ok][inv == g]]
                shared[np.nonzero(ok)[0][inv == g], t] = True
                stat = -math.log10(max(float(pval), 1e-300))
                out.append(_finding("*", p.series, [p.years[t]], "cross_unit_repeat", stat, -math.log10(cfg.repeat_max_p),
                                    "medium",
                                    f"In {p.years[t]} the value {_fmt_v(vv)} is shared by {k} units ({', '.join(who[:6])}"
                                    f"{', …' if len(who) > 6 else ''}); chance probability {pval:.1e} at this precision.",
                                    units=who))
    # (b) identical series between units (vectorised: duplicated rows of the rounded matrix)
    fin = np.isfinite(X) & (X != 0)
    cand = fin.sum(axis=1) >= cfg.min_run
    if cand.sum() >= 2:
        Xr = np.where(np.isfinite(X), np.round(X, 9), np.inf)
        frame = pd.DataFrame(Xr[cand])
        dup = frame.duplicated(keep=False).to_numpy()
        if dup.any():
            idx = np.nonzero(cand)[0][dup]
            D = decimals(X[idx])
            for key, grp in pd.DataFrame(Xr[idx]).groupby(list(range(T)), sort=False).groups.items():
                rows = idx[np.asarray(grp)]
                if len(rows) < 2:
                    continue
                row = X[rows[0]]
                okr = np.isfinite(row) & (row != 0)
                if np.unique(row[okr]).size < 3:
                    continue
                j = np.nonzero(idx == rows[0])[0][0]
                sig = np.floor(np.log10(np.abs(row[okr]))) + 1 + D[j, okr]
                if np.median(sig) < 3:
                    continue
                yrs = p.years[okr]
                who = [str(p.units[i]) for i in rows]
                out.append(_finding("*", p.series, yrs, "cross_unit_repeat", len(yrs), cfg.min_run, "medium",
                                    f"Units {', '.join(who)} have identical values in every year {_fmt_years(yrs)} "
                                    f"(e.g. {_fmt_v(row[okr][0])}, {_fmt_v(row[okr][-1])}); one is probably a copy.",
                                    units=who))
    return out, shared


def rule_round_fill(p: _Panel, cfg: QualityConfig, D: np.ndarray, P: float, mask: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Round-number fillers: values far rounder than the series' reporting precision.

    P = median number of decimals (``decimals``) of the series' non-zero cells (the cross-section's
    precision). A cell is round when it is written with e = P − d ≥ 2 fewer decimals (an integer where
    others carry 2 decimals; a multiple of 10 where others carry 1) and has at most ``round_max_sig``
    significant digits (so 44,868,900 from a unit conversion is not round, 88 is). If the last digits were uniform,
    P(e ≥ j) = 10^-j, so for a unit with k round cells out of m non-zero cells the chance probability is
    at most p = C(m, k) · Π 10^-e_i. Flag when k ≥ ``round_min_cells`` and statistic = −log10 p ≥
    ``round_score``. Severity high when k ≥ 4 and k ≥ m/2, else medium. Cells already explained as
    carry-forward copies (``mask``) are not counted. Returns findings and the mask of round cells.
    """
    X = p.X
    round_mask = np.zeros(X.shape, dtype=bool)
    if not np.isfinite(P):
        return [], round_mask
    live = np.isfinite(D) & ~mask
    e = np.where(live, P - D, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sig = np.floor(np.log10(np.abs(X))) + 1 + D
    rc = live & (e >= 2) & (sig <= cfg.round_max_sig)
    k = rc.sum(axis=1)
    m = live.sum(axis=1)
    out = []
    for i in np.nonzero(k >= cfg.round_min_cells)[0]:
        ki, mi = int(k[i]), int(m[i])
        logp = (math.lgamma(mi + 1) - math.lgamma(ki + 1) - math.lgamma(mi - ki + 1)) / math.log(10) - float(e[i, rc[i]].sum())
        stat = -logp
        if stat < cfg.round_score:
            continue
        round_mask[i] = rc[i]
        yrs = p.years[rc[i]]
        sev = "high" if ki >= 4 and ki >= mi / 2 else "medium"
        vals = ", ".join(_fmt_v(v) for v in X[i, np.isfinite(X[i])])
        out.append(_finding(
            str(p.units[i]), p.series, yrs, "round_fill", stat, cfg.round_score, sev,
            f"{ki} of {mi} values are round ({', '.join(_fmt_v(v) for v in X[i, rc[i]])}) where the series is reported "
            f"with {int(P)} decimals; all values: {vals}.",
            cells=[(str(p.units[i]), int(y)) for y in yrs]))
    return out, round_mask


def _own_stats(d: np.ndarray, t: int, min_history: int, shrink: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Median and robust scale of each unit's changes other than the change of year index t.

    With k other changes, the unit's scale s_i is shrunk towards the median unit scale s̃ of the series:
    s = sqrt((k·s_i² + k0·s̃²) / (k + k0)), k0 = ``shrink`` (a MAD from ~10 changes is itself noisy).
    """
    o = d.copy()
    o[:, t] = np.nan
    with _quiet():
        med = _nanmedian_axis(o, 1)
    sc = _robust_scale(o, med, axis=1)
    k = np.isfinite(o).sum(axis=1)
    if shrink > 0:
        with _quiet():
            pool = np.nanmedian(np.where(k >= min_history, sc, np.nan))
        if np.isfinite(pool):
            sc = np.sqrt((k * sc ** 2 + shrink * pool ** 2) / (k + shrink))
    few = k < min_history
    med[few] = np.nan
    sc[few] = np.nan
    return med, sc


@dataclass
class _Changes:
    """Year-on-year change statistics of one series (see ``rule_jump``)."""

    Y: np.ndarray
    d: np.ndarray
    med_cs: np.ndarray
    z_cs: np.ndarray
    med_own: np.ndarray
    sc_own: np.ndarray
    z_own: np.ndarray
    zg: np.ndarray
    hit: np.ndarray
    islog: bool = True

    def pct(self, v: float) -> str:
        return _pct(v, self.islog)


def _pct(v: float, islog: bool) -> str:
    """A change for the detail text: a percentage on logs, else in units of the series' median |x|."""
    if not np.isfinite(v):
        return "n/a"
    return f"{math.expm1(v):+.1%}" if islog else f"{v:+.2f}·median|x|"


def change_stats(p: _Panel, cfg: QualityConfig, mask: np.ndarray) -> _Changes:
    """Log changes d_it and their robust z against the year's cross-section and the unit's own history.

    d_it = ln x_it − ln x_i,t−1 (x / median|x| differences for series with zeros or negatives);
    z_cs = (d_it − median_i d_·t) / (1.4826·MAD_t) over the units that year (≥ ``min_units``);
    z_own = (d_it − median_s≠t d_is) / s_i with s_i the 1.4826·MAD of the unit's other changes
    (≥ ``min_history``), shrunk towards the series' median unit scale with ``shrink`` pseudo-observations;
    MAD = 0 falls back to 1.2533·mean absolute deviation (±999 when every change is identical).
    hit = |z_cs| ≥ ``jump_z_each`` and |z_own| ≥ ``jump_z_each`` (same sign), zg = sqrt(|z_cs|·|z_own|) ≥
    ``jump_z`` and |d_it − median| ≥ ``min_change`` for both medians. Cells in ``mask`` are excluded.
    """
    Y, islog = _log_or_level(np.where(mask, np.nan, p.X))
    d = _diffs(Y)
    n, T = d.shape
    with _quiet():
        med_cs = _nanmedian_axis(d, 0)
    sc_cs = _robust_scale(d, med_cs, axis=0)
    few = np.isfinite(d).sum(axis=0) < cfg.min_units
    z_cs = robust_z(d, med_cs[None, :], sc_cs[None, :])
    z_cs[:, few] = np.nan
    z_own = np.full(d.shape, np.nan)
    med_own = np.full(d.shape, np.nan)
    sc_own = np.full(d.shape, np.nan)
    for t in range(1, T):
        if not np.isfinite(d[:, t]).any():
            continue
        m, s = _own_stats(d, t, cfg.min_history, cfg.shrink)
        z_own[:, t] = robust_z(d[:, t], m, s)
        med_own[:, t], sc_own[:, t] = m, s
    with np.errstate(invalid="ignore"):
        zg = np.sqrt(np.abs(z_cs) * np.abs(z_own))
        hit = ((zg >= cfg.jump_z) & (np.abs(z_cs) >= cfg.jump_z_each) & (np.abs(z_own) >= cfg.jump_z_each)
               & (np.sign(z_cs) == np.sign(z_own))
               & (np.abs(d - med_cs[None, :]) >= cfg.min_change) & (np.abs(d - med_own) >= cfg.min_change))
    return _Changes(Y, d, med_cs, z_cs, med_own, sc_own, z_own, zg, hit, islog)


def _persistent_shift(c: _Changes, i: int, b: int, m: int) -> float:
    """|D_b| / s: D_b = median(y_t − g·t, t ≥ b) − median(y_t − g·t, t < b) (drift g = median change),
    s = the unit's own robust scale of changes; NaN when fewer than m observations on a side or when
    D_b is not of the sign of the change or smaller than half of it (the change does not persist)."""
    y = c.Y[i]
    fin = np.isfinite(y)
    if fin[:b].sum() < m or fin[b:].sum() < m:
        return np.nan
    with _quiet():
        g = np.nanmedian(np.delete(c.d[i], b))
    yd = y - (g if np.isfinite(g) else 0.0) * np.arange(y.size)
    D = np.nanmedian(yd[b:]) - np.nanmedian(yd[:b])
    size = c.d[i, b] - c.med_own[i, b]
    if np.sign(D) != np.sign(size) or abs(D) < 0.5 * abs(size):
        return np.nan
    s = c.sc_own[i, b]
    return float(abs(D) / s) if s > 0 else _STAT_CAP


def rule_jump(p: _Panel, cfg: QualityConfig, c: _Changes) -> list[dict]:
    """Implausible year-on-year changes, judged against the cross-section AND the unit's own history.

    A change with ``hit`` (``change_stats``: both robust z ≥ ``jump_z_each``, their geometric mean
    ≥ ``jump_z``, at least ``min_change`` away from both medians) that is not a level break. statistic =
    sqrt(|z_cs|·|z_own|); threshold = ``jump_z``. A jump followed by a flagged change back is ONE spike
    (severity high when the statistic ≥ 2·jump_z; the cell of the spike year is removable); a jump in
    the last observed year is removable (medium); a jump that neither reverts nor persists (too few
    years after it) is reported only (medium).
    """
    X, T = p.X, p.X.shape[1]
    out, done = [], set()
    for i, t in zip(*np.nonzero(c.hit)):
        if (i, t) in done:
            continue
        u = str(p.units[i])
        spike = t + 1 < T and c.hit[i, t + 1] and np.sign(c.d[i, t + 1]) != np.sign(c.d[i, t])
        if not spike and np.isfinite(_persistent_shift(c, i, t, cfg.break_min_side)):
            continue  # a level break (rule_level_break)
        stat = float(c.zg[i, t])
        last = not np.isfinite(X[i, t + 1:]).any()
        chg = c.pct(c.d[i, t])
        ctx = (f"cross-section median change {c.pct(c.med_cs[t])}, z = {c.z_cs[i, t]:.1f}; "
               f"own median {c.pct(c.med_own[i, t])}, z = {c.z_own[i, t]:.1f}")
        if spike:
            done.add((i, t + 1))
            stat = float(min(stat, c.zg[i, t + 1]))
            sev = "high" if stat >= 2 * cfg.jump_z else "medium"
            detail = (f"Spike in {p.years[t]}: {_fmt_v(X[i, t - 1])} → {_fmt_v(X[i, t])} → {_fmt_v(X[i, t + 1])} "
                      f"({chg} then back; {ctx}).")
            cells = [(u, int(p.years[t]))]
        else:
            sev = "medium"
            detail = f"Jump in {p.years[t]}: {_fmt_v(X[i, t - 1])} → {_fmt_v(X[i, t])} ({chg}; {ctx})."
            cells = [(u, int(p.years[t]))] if last else []
            if not last:
                detail = detail[:-1] + "; too few later years to tell a break, so no cell is removed."
        out.append(_finding(u, p.series, [p.years[t]], "jump", stat, cfg.jump_z, sev, detail, cells=cells))
    return out


def rule_level_break(p: _Panel, cfg: QualityConfig, c: _Changes) -> list[dict]:
    """Level breaks: an extreme change (``hit`` of ``change_stats``) whose new level persists.

    With drift g = the unit's median change and y' = y − g·t, D_b = median(y'_t, t ≥ b) − median(y'_t,
    t < b) over ≥ ``break_min_side`` observations on each side; statistic = |D_b| / s (s = the unit's
    robust scale of changes, as in z_own); flag when it is ≥ ``break_z``, D_b has the sign of the change
    and at least half its size (the step stays; a spike is a jump). One finding per unit-series (the
    largest). Severity medium; no cell is removed (which side is wrong is unknown).
    """
    X, T = p.X, p.X.shape[1]
    best: dict[int, tuple[float, int]] = {}
    for i, t in zip(*np.nonzero(c.hit)):
        if t + 1 < T and c.hit[i, t + 1] and np.sign(c.d[i, t + 1]) != np.sign(c.d[i, t]):
            continue  # spike
        st = _persistent_shift(c, i, t, cfg.break_min_side)
        if np.isfinite(st) and st >= cfg.break_z and st > best.get(i, (-1.0, 0))[0]:
            best[i] = (st, t)
    out = []
    for i, (st, b) in sorted(best.items()):
        x = X[i]
        pre, post = x[:b][np.isfinite(c.Y[i, :b])], x[b:][np.isfinite(c.Y[i, b:])]
        out.append(_finding(
            str(p.units[i]), p.series, [p.years[b]], "level_break", st, cfg.break_z, "medium",
            f"Level break in {p.years[b]}: {_fmt_v(x[b - 1])} → {_fmt_v(x[b])} ({c.pct(c.d[i, b])}; "
            f"cross-section z = {c.z_cs[i, b]:.1f}, own z = {c.z_own[i, b]:.1f}), median {_fmt_v(np.median(pre))} before vs "
            f"{_fmt_v(np.median(post))} after; the new level persists."))
    return out


def rule_series_break(p: _Panel, cfg: QualityConfig, c: _Changes) -> list[dict]:
    """Series-wide breaks (definition or vintage changes): most units break in the same year.

    For year t, with z_own,it from ``change_stats``: share_t = #{units with |z_own| ≥ ``series_break_z``
    in the direction of the year's median change} / #{units with a change}. Flag when share_t ≥
    ``series_break_share``, |median change_t − median over years| ≥ ``min_change`` / 2, and the change
    is not undone the next year (a common shock that reverts, e.g. 2020, is not a break: the next year's
    median change must not reverse more than half of it). statistic = share_t. Severity medium.
    """
    d, islog = c.d, c.islog
    n, T = d.shape
    med_cs = c.med_cs
    with _quiet():
        typical = np.nanmedian(med_cs)
    out = []
    for t in range(1, T):
        nt = np.isfinite(d[:, t]).sum()
        if nt < cfg.min_units or not np.isfinite(med_cs[t]):
            continue
        z = c.z_own[:, t]
        sgn = np.sign(med_cs[t] - typical)
        with np.errstate(invalid="ignore"):
            k = int(((np.abs(z) >= cfg.series_break_z) & (np.sign(z) == sgn)).sum())
        share = k / nt
        if share < cfg.series_break_share or abs(med_cs[t] - typical) < cfg.min_change / 2:
            continue
        if t + 1 < T and np.isfinite(med_cs[t + 1]) and np.sign(med_cs[t + 1] - typical) == -sgn \
                and abs(med_cs[t + 1] - typical) >= 0.5 * abs(med_cs[t] - typical):
            continue
        out.append(_finding(
            "*", p.series, [p.years[t]], "series_break", share, cfg.series_break_share, "medium",
            f"Series-wide break in {p.years[t]}: {k} of {nt} units change by more than {cfg.series_break_z:g} robust sd "
            f"of their own history in the same direction (median change {_pct(med_cs[t], islog)} vs typical "
            f"{_pct(typical, islog)}); likely a definition or vintage change.",
            units=[str(u) for u in p.units[np.isfinite(d[:, t])]]))
    return out


def rule_ratio_unexplained(ratio: _Panel, num: _Panel, den: _Panel, cfg: QualityConfig) -> list[dict]:
    """A raw ratio r = c·a/b that moves while its inputs do not explain it.

    On aligned units × years: d_r = Δ ln r, residual e = d_r − (Δ ln a − Δ ln b) (zero when r = c·a/b).
    Flag unit-years where the ratio moves (|d_r − the year's median| ≥ ``min_change``), the unexplained
    part is large (|e − median e| ≥ ``min_change``) and extreme: |z(e)| ≥ ``ratio_z`` with z(e) robust
    over all unit-years of e (a ratio published from the same inputs has e ≈ 0 up to rounding).
    statistic = |z(e)|. Severity medium.
    """
    units = np.array(sorted(set(ratio.units) & set(num.units) & set(den.units)), dtype=object)
    years = np.array(sorted(set(ratio.years) & set(num.years) & set(den.years)))
    if len(units) < cfg.min_units or len(years) < 3:
        return []

    def align(pn: _Panel) -> np.ndarray:
        ui = pd.Index(pn.units).get_indexer(units)
        yi = pd.Index(pn.years).get_indexer(years)
        return pn.X[np.ix_(ui, yi)]

    R, A, B = align(ratio), align(num), align(den)
    with np.errstate(invalid="ignore", divide="ignore"):
        lr, la, lb = (np.where(V > 0, np.log(np.where(V > 0, V, 1.0)), np.nan) for V in (R, A, B))
    dr, da, db = _diffs(lr), _diffs(la), _diffs(lb)
    e = dr - (da - db)
    consec = np.diff(years, prepend=years[0] - 2) == 1
    dr[:, ~consec] = np.nan
    e[:, ~consec] = np.nan
    with _quiet():
        mc = _nanmedian_axis(dr, 0)
        me = np.nanmedian(e)
    ef = e[np.isfinite(e)]
    if ef.size < cfg.min_units:
        return []
    se = float(_robust_scale(ef[None, :], np.array([me]), axis=1)[0])
    ze = robust_z(e, me, np.full(e.shape, se))
    with np.errstate(invalid="ignore"):
        hit = (np.abs(ze) >= cfg.ratio_z) & (np.abs(e - me) >= cfg.min_change) & (np.abs(dr - mc[None, :]) >= cfg.min_change)
    out = []
    for i, t in zip(*np.nonzero(hit)):
        stat = float(abs(ze[i, t]))
        out.append(_finding(
            str(units[i]), ratio.series, [years[t]], "ratio_unexplained", stat, cfg.ratio_z, "medium",
            f"{ratio.series} changes {math.expm1(dr[i, t]):+.0%} in {years[t]} ({_fmt_v(R[i, t - 1])} → {_fmt_v(R[i, t])}) "
            f"but {num.series} / {den.series} change {math.expm1(da[i, t] - db[i, t]):+.0%}; "
            f"{math.expm1(e[i, t]):+.0%} is unexplained by its inputs."))
    return out


# ----------------------------------------------------------------------------- result
@dataclass(frozen=True)
class QualityResult(Result):
    """Findings of the data-quality screen, the cells set missing and the cleaned raw table."""

    findings: pd.DataFrame
    changes: pd.DataFrame
    cleaned: pd.DataFrame
    exempted: pd.DataFrame
    config: QualityConfig
    n_series: int = 0
    n_units: int = 0
    decisions: list[dict] = field(default_factory=list)
    static_series: list[str] = field(default_factory=list)

    kind = "quality"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"findings": self.findings, "changes": self.changes, "exempted": self.exempted, "counts": self.counts()}

    def counts(self) -> pd.DataFrame:
        """Findings per rule × severity × action (and affected cells)."""
        f = self.findings
        if f.empty:
            return pd.DataFrame(columns=["rule", "severity", "action", "findings", "cells"])
        g = f.assign(ncells=f["cells"].map(len)).groupby(["rule", "severity", "action"], observed=True)
        return g.agg(findings=("rule", "size"), cells=("ncells", "sum")).reset_index()

    def to_frame(self) -> pd.DataFrame:
        return self.findings

    def manifest(self) -> dict[str, Any]:
        """JSON-safe summary for the build manifest: counts per rule / severity / action and the config."""
        f = self.findings
        by = (lambda col: {str(k): int(v) for k, v in f[col].value_counts().sort_index().items()}) if len(f) else (lambda col: {})
        return json_safe({
            "step": "quality",
            "config": self.config.model_dump(mode="json"),
            "series": self.n_series,
            "units": self.n_units,
            "findings": int(len(f)),
            "by_rule": by("rule"),
            "by_severity": by("severity"),
            "by_action": by("action"),
            "cells_set_missing": int(len(self.changes)),
            "series_flagged": sorted(set(f["series"])) if len(f) else [],
            "static_series": list(self.static_series),
            "exempt": self.decisions,
        })

    def summary(self) -> Summary:
        m = self.manifest()
        rows = [("preset", self.config.preset), ("series screened", self.n_series), ("units", self.n_units),
                ("findings", m["findings"]), ("cells set missing", m["cells_set_missing"]),
                ("exempted findings", int(len(self.exempted)))]
        rows += [(f"rule {k}", v) for k, v in m["by_rule"].items()]
        cols = ["unit", "series", "years", "rule", "statistic", "severity", "action"]
        top = self.findings.sort_values(["severity", "statistic"], key=lambda s: s.map(_SEV_RANK) if s.name == "severity" else s,
                                        ascending=False)[cols].head(20) if len(self.findings) else pd.DataFrame(columns=cols)
        notes = ["Rules and thresholds: docs/quality.md. Every finding has a plain-English detail in the findings table.",
                 "set_missing cells are NaN in `cleaned` and listed in `changes` (step = quality)."]
        return Summary(title="Data-quality screen (数据质量筛查)", rows=rows, tables={"findings (top 20)": top, "counts": self.counts()},
                       notes=notes)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "manifest": self.manifest(),
                "tables": {k: json_safe(v) for k, v in self.tables().items()}}


# ----------------------------------------------------------------------------- API
def derivations_from_framework(framework: Any) -> dict[str, tuple[str, ...]]:
    """``{indicator: (raw series, …)}`` from a framework's derive expressions (for ``screen(derivations=…)``).

    ratio / share / per_capita give ``(numerator, denominator)``; other operations list their inputs.
    """
    from ..framework.derive import required_series

    return {i: tuple(d.args) for i, d in required_series(framework).items()}


def _is_static(X: np.ndarray, cfg: QualityConfig) -> bool:
    """A time-invariant series (land area, a fixed classification): at least ``static_share`` of the units
    with two or more observations hold one value in every year. Such series are legitimately constant and
    are not screened (they are listed in the manifest as ``static_series``)."""
    fin = np.isfinite(X)
    many = fin.sum(axis=1) >= 2
    if not many.any():
        return False
    with _quiet():
        hi, lo = np.nanmax(X[many], axis=1), np.nanmin(X[many], axis=1)
    const = np.abs(hi - lo) <= cfg.rtol * np.maximum(np.abs(hi), np.abs(lo))
    return bool(const.mean() >= cfg.static_share)


def _exempt_match(cfg: QualityConfig, f: dict) -> QualityExempt | None:
    for ex in cfg.exempt:
        if ex.series != f["series"] and not (f["rule"] == "ratio_input_flagged" and ex.series == f["source"]):
            continue
        if ex.rules and f["rule"] not in ex.rules:
            continue
        if ex.unit is None or ex.unit == f["unit"] or ex.unit in f["units"].split(";"):
            return ex
    return None


def screen(
    raw: pd.DataFrame,
    config: QualityConfig | Mapping[str, Any] | None = None,
    *,
    derivations: Mapping[str, Sequence[str]] | None = None,
    value_col: str = "value",
    series_col: str | None = None,
    unit_col: str = "unit",
    year_col: str = "year",
) -> QualityResult:
    """Screen every unit × raw series for carry-forwards, panel freezes, fillers, breaks, jumps and ratio issues.

    Parameters
    ----------
    raw
        Long table ``unit, year, series|indicator, value`` (the raw inputs, before derivation and imputation).
    config
        :class:`QualityConfig` or a dict with its fields (``None`` = defaults, preset ``warn``).
    derivations
        ``{derived indicator: (numerator, denominator)}`` or any tuple of input series (e.g. from
        :func:`derivations_from_framework`). Findings on an input are reported against every indicator
        derived from it; a derived name that is itself a raw series with two inputs is checked for
        changes its inputs do not explain.
    series_col
        Column naming the series (default: ``series`` if present, else ``indicator``).

    Returns
    -------
    QualityResult
        ``findings`` (one row per finding), ``changes`` (cells set missing, engine change schema),
        ``cleaned`` (``raw`` with those cells NaN), ``exempted`` and ``manifest()``.

    Raises
    ------
    DataError
        When a finding's action is ``refuse`` (preset ``strict``: high severity), with one line naming
        the unit, series, years and rule and how to fix it.
    """
    cfg = _config(config)
    if series_col is None:
        series_col = "series" if "series" in raw.columns else "indicator"
    need = [unit_col, year_col, series_col, value_col]
    miss = [c for c in need if c not in raw.columns]
    if miss:
        raise DataError(f"quality.screen: the raw table lacks columns {miss}; got {list(raw.columns)}. "
                        f"Pass a long table with {need} (or set series_col / value_col).")
    empty_f = pd.DataFrame(columns=FINDING_COLUMNS)
    if cfg.preset == "off":
        return QualityResult(findings=empty_f, changes=pd.DataFrame(columns=CHANGE_COLUMNS), cleaned=raw.copy(),
                             exempted=empty_f.assign(exempt_reason=[]), config=cfg,
                             n_series=int(raw[series_col].nunique()), n_units=int(raw[unit_col].nunique()))
    vals = pd.to_numeric(raw[value_col], errors="coerce").astype(float)
    work = pd.DataFrame({"unit": raw[unit_col].astype(str), "year": pd.to_numeric(raw[year_col]).astype(int),
                         "series": raw[series_col].astype(str), "value": vals})
    if work.duplicated(["unit", "year", "series"]).any():
        dup = work[work.duplicated(["unit", "year", "series"], keep=False)].head(3)
        raise DataError(f"quality.screen: duplicate unit-year-series rows; got {dup[['unit', 'year', 'series']].to_dict('records')}. "
                        "Remove the duplicates first.")
    panels = _panels(work, "unit", "year", "series", "value")
    findings: list[dict] = []
    static: list[str] = []
    by_name: dict[str, _Panel] = {}
    for p in panels:
        by_name[p.series] = p
        D = decimals(p.X)
        Dn = D[np.isfinite(D)]
        P = float(np.floor(np.median(Dn))) if Dn.size else np.nan
        E = equal_prior(p.X, cfg.rtol)
        mask = np.zeros(p.X.shape, dtype=bool)
        if _is_static(p.X, cfg):
            static.append(p.series)
            continue
        if cfg.panel_freeze:
            f, copies = rule_panel_freeze(p, cfg, E)
            findings += f
            mask |= copies
        if cfg.carry_forward:
            f, copies = rule_carry_forward(p, cfg, E, mask, P)
            findings += f
            mask |= copies
        if cfg.round_fill:
            f, rmask = rule_round_fill(p, cfg, D, P, mask)
            findings += f
            mask |= rmask
        if cfg.cross_unit_repeat:
            f, shared = rule_cross_unit_repeat(p, cfg, P, mask)
            findings += f
            mask |= shared
        if cfg.jump or cfg.level_break or cfg.series_break:
            c = change_stats(p, cfg, mask)
            if cfg.jump:
                findings += rule_jump(p, cfg, c)
            if cfg.level_break:
                findings += rule_level_break(p, cfg, c)
            if cfg.series_break:
                findings += rule_series_break(p, cfg, c)
    derivs = {str(k): tuple(a for a in v if a) for k, v in (derivations or {}).items()}
    if cfg.ratio:
        for r, args in derivs.items():
            if len(args) == 2 and r in by_name and args[0] in by_name and args[1] in by_name and r not in args:
                findings += rule_ratio_unexplained(by_name[r], by_name[args[0]], by_name[args[1]], cfg)
    if cfg.propagate and derivs:
        base = list(findings)
        for r, args in derivs.items():
            for f in base:
                if f["series"] in args and r != f["series"]:
                    g = dict(f)
                    g.update(series=r, rule="ratio_input_flagged", source=f["series"], cells=[],
                             detail=f"Derived indicator {r} uses raw series {f['series']} ({', '.join(args)}), which is flagged "
                                    f"{f['rule']} in {f['years']}: {f['detail']}")
                    findings.append(g)

    # exemptions and actions
    kept, exempted = [], []
    used: dict[int, int] = {}
    for f in findings:
        ex = _exempt_match(cfg, f)
        if ex is not None:
            k = cfg.exempt.index(ex)
            used[k] = used.get(k, 0) + 1
            exempted.append(dict(f, action="exempt", exempt_reason=ex.reason))
            continue
        act = cfg.action_for(f["severity"])
        if act == "set_missing" and not f["cells"]:
            act = "flag"
        f["action"] = act
        kept.append(f)
    decisions = [{"target": ex.target, "reason": ex.reason, "rules": list(ex.rules), "findings_suppressed": used.get(k, 0)}
                 for k, ex in enumerate(cfg.exempt)]
    refuse = [f for f in kept if f["action"] == "refuse"]
    if refuse:
        refuse.sort(key=lambda f: (-_SEV_RANK[f["severity"]], -f["statistic"]))
        f = refuse[0]
        who = f"unit {f['unit']}" if f["unit"] != "*" else f"{f['n_units']} units"
        more = f" ({len(refuse) - 1} more findings also refused)" if len(refuse) > 1 else ""
        raise DataError(
            f"quality screen: series {f['series']!r}, {who}, years {f['years']}: rule {f['rule']} "
            f"(statistic {f['statistic']:.4g} vs threshold {f['threshold']:g}); got: {f['detail'].rstrip('.')}{more}. "
            f"Fix the source data, or record a decision with [quality] exempt = [{{target = \"{f['series']}"
            f"{'' if f['unit'] == '*' else ':' + f['unit']}\", reason = \"...\"}}], or use preset = \"warn\"."
        )
    fdf = pd.DataFrame(kept, columns=FINDING_COLUMNS) if kept else empty_f.copy()
    if len(fdf):
        fdf["_s"] = fdf["severity"].map(_SEV_RANK)
        fdf = fdf.sort_values(["_s", "series", "rule", "unit", "years"], ascending=[False, True, True, True, True],
                              kind="stable").drop(columns="_s").reset_index(drop=True)
    xdf = pd.DataFrame(exempted, columns=FINDING_COLUMNS + ["exempt_reason"]) if exempted else empty_f.assign(exempt_reason=[])

    # set missing
    cells: dict[tuple[str, str, int], str] = {}
    for f in kept:
        if f["action"] != "set_missing":
            continue
        for u, y in f["cells"]:
            cells.setdefault((f["series"], u, int(y)), f"quality {f['rule']}: {_REASON[f['rule']]}")
    cleaned = raw.copy()
    if cells:
        key = pd.MultiIndex.from_arrays([work["series"], work["unit"], work["year"]])
        hit = key.isin(list(cells.keys())) & work["value"].notna().to_numpy()
        idx = np.nonzero(hit)[0]
        ch = pd.DataFrame({
            "step": "quality",
            "unit": work["unit"].to_numpy()[idx],
            "year": work["year"].to_numpy()[idx],
            "indicator": work["series"].to_numpy()[idx],
            "old": work["value"].to_numpy()[idx],
            "new": np.nan,
            "reason": [cells[(s, u, int(y))] for s, u, y in zip(work["series"].to_numpy()[idx], work["unit"].to_numpy()[idx],
                                                                 work["year"].to_numpy()[idx])],
        }, columns=CHANGE_COLUMNS)
        ch = ch.sort_values(["indicator", "unit", "year"], kind="stable").reset_index(drop=True)
        col = cleaned[value_col].astype(float) if not pd.api.types.is_float_dtype(cleaned[value_col]) else cleaned[value_col].copy()
        col.iloc[idx] = np.nan
        cleaned[value_col] = col
    else:
        ch = pd.DataFrame(columns=CHANGE_COLUMNS)
    return QualityResult(findings=fdf, changes=ch, cleaned=cleaned, exempted=xdf, config=cfg, n_series=len(panels),
                         n_units=int(work["unit"].nunique()), decisions=decisions, static_series=static)


_REASON = {
    "carry_forward": "value repeats the previous year's (carry-forward run)",
    "panel_freeze": "value repeats the previous year's in a panel-wide freeze",
    "round_fill": "round filler value far below the series' reporting precision",
    "jump": "implausible year-on-year jump",
    "cross_unit_repeat": "value repeated across units",
    "level_break": "level break",
    "series_break": "series-wide break",
    "ratio_unexplained": "ratio change not explained by its inputs",
    "ratio_input_flagged": "input of a derived indicator flagged",
}
