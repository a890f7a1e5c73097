"""Convergence: the option sets, the speed / half-life formulas, dispersion and the input checks shared by the estimators."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..._errors import DataError

__all__ = ["BetaKind", "Cluster", "FixedEffects", "HacMethod", "SpatialModel", "convergence_speed", "dispersion", "half_life", "speed_formula"]


BetaKind = Literal["absolute", "conditional"]
FixedEffects = Literal["twoway", "unit", "none"]
Cluster = Literal["unit", "year", "twoway", "none"]
SpatialModel = Literal["lag", "durbin", "error"]
HacMethod = Literal["qs", "newey_west"]


# =========================================================================== formulas
def convergence_speed(beta: float, *, periods: float = 1.0, annualised: bool = False) -> float:
    """Speed of convergence λ implied by a β-convergence coefficient (methods-reference §10).

    ``λ = −ln(1 + β·T) / T`` when the dependent variable is annualised growth over ``T = periods``
    years; ``λ = −ln(1 + β) / τ`` when it is un-annualised growth over ``τ = periods`` years
    (τ = 1 for annual panels). NaN when the logarithm is undefined (1 + βT ≤ 0 or 1 + β ≤ 0).
    A negative λ means divergence.

    Examples
    --------
    >>> round(convergence_speed(-0.05), 6)                      # annual panel
    0.051293
    >>> round(convergence_speed(-0.02, periods=10, annualised=True), 6)
    0.022314
    >>> round(convergence_speed(-0.2, periods=10), 6)           # same data, growth not annualised
    0.022314
    """
    arg = 1.0 + beta * periods if annualised else 1.0 + beta
    if not np.isfinite(arg) or arg <= 0 or periods <= 0:
        return float("nan")
    return float(-math.log(arg) / periods)


def half_life(lam: float) -> float:
    """Half-life ``τ½ = ln 2 / λ`` in years; NaN unless λ > 0 (methods-reference §10).

    Examples
    --------
    >>> round(half_life(0.051293), 3)
    13.513
    """
    if not np.isfinite(lam) or lam <= 0:
        return float("nan")
    return float(math.log(2.0) / lam)


def speed_formula(*, periods: float, annualised: bool) -> str:
    """The formula used for λ, as text for the results tables."""
    if annualised:
        return f"lambda = -ln(1 + beta*T)/T, T = {periods:g} (annualised growth)"
    return f"lambda = -ln(1 + beta)/tau, tau = {periods:g} (un-annualised growth)"


def dispersion(values: Any, *, ddof: int = 0) -> tuple[float, float, float]:
    """Mean, standard deviation and coefficient of variation of one cross-section (methods-reference §6).

    ``σ = sqrt(Σ (x − x̄)² / (n − ddof))``, ``CV = σ / x̄``; NaN values are ignored.

    Examples
    --------
    >>> [round(v, 6) for v in dispersion([1.0, 2.0, 3.0])]
    [2.0, 0.816497, 0.408248]
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if x.size - ddof <= 0:
        return float("nan"), float("nan"), float("nan")
    mean = float(x.mean())
    sd = float(x.std(ddof=ddof))
    cv = sd / mean if mean != 0 else float("nan")
    return mean, sd, cv


def _panel(data: pd.DataFrame, *, value: str, year: str, unit: str, extra: Sequence[str] = (), where: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{where}: data must be a pandas DataFrame; got {type(data).__name__}. Pass a long panel with columns unit, year, value.")
    need = [unit, year, value, *extra]
    missing = [c for c in need if c not in data.columns]
    if missing:
        raise DataError(f"{where}: columns {missing} are missing; got columns {list(data.columns)}. "
                        "Pass a long panel (unit, year, value) or name the columns with unit=, year=, value=.")
    df = data[list(dict.fromkeys(need))].copy()
    non_num = [c for c in [value, *extra] if not pd.api.types.is_numeric_dtype(df[c])]
    if non_num:
        raise DataError(f"{where}: columns {non_num} must be numeric. Convert them to numbers first.")
    try:
        df[year] = df[year].astype(int)
    except (TypeError, ValueError):
        raise DataError(f"{where}: the year column {year!r} must hold integers; got e.g. {df[year].iloc[0]!r}. Use calendar years.") from None
    df[unit] = df[unit].astype(str)
    dup = df.duplicated([unit, year])
    if dup.any():
        first = df.loc[dup].iloc[0]
        ex = [str(first[unit]), int(first[year])]
        raise DataError(f"{where}: {int(dup.sum())} rows repeat a (unit, year) pair, e.g. {ex}. Keep one row per unit and year.")
    return df.sort_values([unit, year]).reset_index(drop=True)


def _require_positive(df: pd.DataFrame, value: str, unit: str, year: str, where: str) -> None:
    bad = df[value].notna() & (df[value] <= 0)
    if bad.any():
        ex = [(str(a), int(b), float(c)) for a, b, c in df.loc[bad, [unit, year, value]].head(3).itertuples(index=False)]
        raise DataError(f"{where}: logarithms need values > 0; got {int(bad.sum())} values <= 0 in {value!r}, e.g. {ex}. "
                        "Use a strictly positive index (e.g. min–max to [0.01, 1]) or drop those units.")
