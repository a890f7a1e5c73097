"""From a panel (long or wide pandas table) to the arrays of a DEA technology.

A panel is either *long* (columns ``unit, year, indicator, value`` as everywhere in nqpf) or
*wide* (one row per unit-year, one column per variable). :func:`dea_data` picks the declared
inputs, desirable outputs and undesirable outputs, drops (and reports) unit-years with a
missing value, refuses negative values and records zeros, so that no observation is ever
lost or changed silently.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .._errors import DataError, DataWarning

__all__ = ["DEAData", "dea_data", "as_list"]


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """``"K"`` → ``["K"]``; a sequence → list; None → []."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


@dataclass(frozen=True)
class DEAData:
    """Inputs, good outputs and bad outputs of every usable unit-year.

    Attributes
    ----------
    unit : ndarray (n,) of str
    year : ndarray (n,) of int (all 0 for a cross-section without a year column)
    X, Y, B : ndarray (n, m), (n, s1), (n, s2)
    inputs, outputs, undesirable : variable names
    excluded : DataFrame ``unit, year, reason`` — unit-years dropped (missing values)
    zeros : DataFrame ``unit, year, variable`` — zero values kept (reported in results)
    """

    unit: np.ndarray
    year: np.ndarray
    X: np.ndarray
    Y: np.ndarray
    B: np.ndarray
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    undesirable: tuple[str, ...]
    excluded: pd.DataFrame
    zeros: pd.DataFrame

    @property
    def variables(self) -> tuple[str, ...]:
        return self.inputs + self.outputs + self.undesirable

    @property
    def years(self) -> list[int]:
        return sorted(set(int(y) for y in self.year))

    def subset(self, mask: np.ndarray) -> "DEAData":
        return DEAData(
            self.unit[mask], self.year[mask], self.X[mask], self.Y[mask], self.B[mask],
            self.inputs, self.outputs, self.undesirable, self.excluded, self.zeros,
        )


def _wide(data: pd.DataFrame, variables: list[str], unit: str, year: str, caller: str) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise DataError(
            f"{caller}: data must be a pandas DataFrame (long: unit, year, indicator, value; or wide); "
            f"got {type(data).__name__}. Pass a DataFrame, e.g. nqpf.read_panel(path)."
        )
    if unit not in data.columns:
        raise DataError(
            f"{caller}: the unit column {unit!r} is missing; got columns {list(data.columns)}. "
            f"Name the unit column with unit=..."
        )
    is_long = "indicator" in data.columns and "value" in data.columns
    if is_long:
        keys = [unit] + ([year] if year in data.columns else [])
        sub = data[data["indicator"].astype(str).isin(variables)]
        dup = sub.duplicated(keys + ["indicator"], keep=False)
        if dup.any():
            first = sub[dup].iloc[0]
            raise DataError(
                f"{caller}: the long panel has {int(dup.sum())} duplicated (unit, year, indicator) rows; "
                f"got e.g. {first[unit]!r}, {first.get(year, '')!r}, {first['indicator']!r}. "
                "Keep one value per unit, year and indicator."
            )
        wide = sub.pivot(index=keys, columns="indicator", values="value").reset_index()
        wide.columns.name = None
        present = set(sub["indicator"].astype(str))
        missing = [v for v in variables if v not in present]
        if missing:
            raise DataError(
                f"{caller}: indicators {missing} are not in the panel; got indicators "
                f"{sorted(set(data['indicator'].astype(str)))[:20]}. Check the inputs/outputs/undesirable names."
            )
        return wide
    missing = [v for v in variables if v not in data.columns]
    if missing:
        raise DataError(
            f"{caller}: columns {missing} are not in the table; got columns {list(data.columns)}. "
            "Check the inputs/outputs/undesirable names (or pass a long panel with indicator/value)."
        )
    return data


def dea_data(
    data: pd.DataFrame,
    *,
    inputs: str | Sequence[str],
    outputs: str | Sequence[str],
    undesirable: str | Sequence[str] | None = None,
    unit: str = "unit",
    year: str = "year",
    caller: str = "dea_data",
) -> DEAData:
    """Extract a DEA technology from a long or wide panel.

    Parameters
    ----------
    data
        Long panel (``unit, year, indicator, value``) or wide table (one row per unit-year).
    inputs, outputs, undesirable
        Variable names (indicator ids or columns). At least one input and one output.
    unit, year
        Key columns. Without a ``year`` column the data are one cross-section (year 0).
    caller
        Name used in error messages.

    Returns
    -------
    DEAData

    Raises
    ------
    DataError
        Missing variables, duplicated keys, non-numeric or negative values.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["a", "b"], "year": [2020, 2020], "x": [2.0, 4.0], "y": [1.0, 1.0]})
    >>> d = dea_data(df, inputs="x", outputs="y")
    >>> d.X.ravel().tolist(), d.years
    ([2.0, 4.0], [2020])
    """
    ins, outs, bads = as_list(inputs), as_list(outputs), as_list(undesirable)
    if not ins or not outs:
        raise DataError(
            f"{caller}: at least one input and one desirable output are needed; got inputs={ins}, "
            f"outputs={outs}. Declare e.g. inputs=['K', 'L', 'E'], outputs=['Y']."
        )
    allv = ins + outs + bads
    dupv = sorted({v for v in allv if allv.count(v) > 1})
    if dupv:
        raise DataError(
            f"{caller}: variables {dupv} are declared twice; got inputs={ins}, outputs={outs}, "
            f"undesirable={bads}. Use each variable in one role only."
        )
    wide = _wide(data, allv, unit, year, caller)
    has_year = year in wide.columns
    keys = wide[[unit] + ([year] if has_year else [])].copy()
    if keys.duplicated().any():
        k = keys[keys.duplicated()].iloc[0].tolist()
        raise DataError(
            f"{caller}: unit-year keys are duplicated; got e.g. {k}. Keep one row per unit and year."
        )
    vals = wide[allv].apply(pd.to_numeric, errors="coerce")
    bad_text = vals.isna() & wide[allv].notna()
    if bad_text.any().any():
        col = bad_text.any().idxmax()
        row = int(np.flatnonzero(bad_text[col].to_numpy())[0])
        raise DataError(
            f"{caller}: column {col!r} holds a non-numeric value; got {wide[col].iloc[row]!r} for unit "
            f"{wide[unit].iloc[row]!r}. Clean the value or set it missing."
        )
    V = vals.to_numpy(dtype=float)
    if np.isinf(V).any():
        raise DataError(f"{caller}: infinite values in {[c for c in allv if np.isinf(vals[c]).any()]}; got inf. Replace them.")
    neg = (V < 0) & ~np.isnan(V)
    if neg.any():
        r, c = np.argwhere(neg)[0]
        raise DataError(
            f"{caller}: DEA needs non-negative data; got {float(V[r, c])!r} for {allv[c]!r} of unit "
            f"{wide[unit].iloc[r]!r}{' in ' + str(wide[year].iloc[r]) if has_year else ''}. "
            "Translate or drop the variable (negative data need a different model)."
        )
    units = wide[unit].astype(str).to_numpy()
    years = wide[year].astype(int).to_numpy() if has_year else np.zeros(len(wide), dtype=int)
    miss = np.isnan(V)
    drop = miss.any(axis=1)
    excluded = pd.DataFrame({
        "unit": units[drop],
        "year": years[drop],
        "reason": ["missing " + ", ".join(np.array(allv)[miss[i]]) for i in np.flatnonzero(drop)],
    })
    if drop.any():
        warnings.warn(
            f"{caller}: {int(drop.sum())} unit-years have missing values and are left out of every frontier "
            f"(e.g. {units[drop][0]} {years[drop][0]}); see the 'excluded' table.",
            DataWarning, stacklevel=3,
        )
    keep = ~drop
    units, years, V = units[keep], years[keep], V[keep]
    order = np.lexsort((units, years))
    units, years, V = units[order], years[order], V[order]
    zr, zc = np.nonzero(V == 0)
    zeros = pd.DataFrame({"unit": units[zr], "year": years[zr], "variable": np.array(allv, dtype=object)[zc]})
    m, s1 = len(ins), len(outs)
    return DEAData(
        units, years, V[:, :m], V[:, m : m + s1], V[:, m + s1 :],
        tuple(ins), tuple(outs), tuple(bads), excluded, zeros,
    )
