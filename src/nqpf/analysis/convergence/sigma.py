"""σ-convergence: the dispersion per year and its OLS trend."""
from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..._results import Result, Summary
from ..._validation import Interval, validate_params
from .common import _panel, _require_positive, dispersion

__all__ = ["SigmaResult", "sigma_convergence"]


# =========================================================================== σ-convergence
@dataclass(frozen=True)
class SigmaResult(Result):
    """σ-convergence: dispersion per year and its trend.

    Attributes
    ----------
    table : DataFrame
        ``year, n, mean, sd, cv, sigma`` — ``sigma`` is the measure tested (sd of the values,
        or of their logs when ``log=True``).
    trend : DataFrame
        OLS of each measure (``sigma``, ``cv``) on year: ``measure, slope, se, t, p, first, last,
        change`` (last / first − 1), ``converging`` (slope < 0 and p < 0.05).
    log, ddof : the options used.
    """

    table: pd.DataFrame
    trend: pd.DataFrame
    log: bool
    ddof: int
    notes: list[str] = field(default_factory=list)
    kind: str = "sigma"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sigma": self.table, "trend": self.trend}

    @property
    def converging(self) -> bool:
        """True when σ_t has a significantly negative trend (5 %)."""
        return bool(self.trend.set_index("measure").loc["sigma", "converging"])

    def summary(self) -> Summary:
        tr = self.trend.set_index("measure")
        rows = [
            ("measure", "sd of ln value" if self.log else "sd of value"),
            ("ddof", self.ddof),
            ("years", f"{int(self.table['year'].min())}–{int(self.table['year'].max())}"),
            ("sigma first → last", f"{tr.loc['sigma', 'first']:.4g} → {tr.loc['sigma', 'last']:.4g}"),
            ("trend slope (per year)", float(tr.loc["sigma", "slope"])),
            ("trend p-value", float(tr.loc["sigma", "p"])),
            ("σ-convergence", "yes" if self.converging else "no"),
        ]
        notes = ["σ-convergence: the dispersion falls over time (methods-reference §6); the trend is an OLS of σ_t on "
                 "the year with classical standard errors (a descriptive test)."] + list(self.notes)
        return Summary(title="σ-convergence (σ收敛)", rows=rows, tables={"by year": self.table, "trend": self.trend}, notes=notes)


def _trend(years: np.ndarray, y: np.ndarray) -> dict[str, float]:
    # the two names of statsmodels.api used here, without importing the whole API (seconds and ~30 MiB)
    from statsmodels.regression.linear_model import OLS
    from statsmodels.tools.tools import add_constant

    ok = np.isfinite(y)
    if ok.sum() < 3:
        return {"slope": np.nan, "se": np.nan, "t": np.nan, "p": np.nan}
    fit = OLS(y[ok], add_constant(years[ok].astype(float))).fit()
    return {"slope": float(fit.params[1]), "se": float(fit.bse[1]), "t": float(fit.tvalues[1]), "p": float(fit.pvalues[1])}


@validate_params({"log": [bool], "ddof": [Interval(numbers.Integral, 0, 1)]})
def sigma_convergence(
    data: pd.DataFrame,
    *,
    value: str = "value",
    year: str = "year",
    unit: str = "unit",
    log: bool = False,
    ddof: int = 0,
) -> SigmaResult:
    """σ-convergence (σ收敛): the cross-sectional dispersion by year and its time trend.

    Parameters
    ----------
    data : DataFrame
        Long panel with columns ``unit, year, value`` (names configurable).
    log : bool
        Measure σ on ln(value) (requires values > 0). Default: σ of the values.
    ddof : int
        0 for the population standard deviation (methods-reference §6), 1 for the sample one.

    Returns
    -------
    SigmaResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": list("abcabc"), "year": [2020] * 3 + [2021] * 3,
    ...                    "value": [1.0, 2.0, 3.0, 1.5, 2.0, 2.5]})
    >>> sigma_convergence(df).table[["year", "sd", "cv"]].round(4)
       year      sd      cv
    0  2020  0.8165  0.4082
    1  2021  0.4082  0.2041
    """
    where = "sigma_convergence"
    df = _panel(data, value=value, year=year, unit=unit, where=where)
    notes: list[str] = []
    if log:
        _require_positive(df, value, unit, year, where)
    n_missing = int(df[value].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} missing values were left out of the yearly statistics.")
    rows = []
    for y, g in df.groupby(year, sort=True):
        x = g[value].to_numpy(dtype=float)
        mean, sd, cv = dispersion(x, ddof=ddof)
        sigma = dispersion(np.log(x[~np.isnan(x)]), ddof=ddof)[1] if log else sd
        rows.append({"year": int(y), "n": int(np.isfinite(x).sum()), "mean": mean, "sd": sd, "cv": cv, "sigma": sigma})
    table = pd.DataFrame(rows)
    yrs = table["year"].to_numpy()
    trend_rows = []
    for measure in ("sigma", "cv"):
        s = table[measure].to_numpy(dtype=float)
        tr = _trend(yrs, s)
        fin = s[np.isfinite(s)]
        first, last = (float(fin[0]), float(fin[-1])) if fin.size else (np.nan, np.nan)
        trend_rows.append({"measure": measure, **tr, "first": first, "last": last,
                           "change": last / first - 1 if first else np.nan,
                           "converging": bool(np.isfinite(tr["p"]) and tr["slope"] < 0 and tr["p"] < 0.05)})
    if len(table) < 3:
        notes.append("Fewer than 3 years: the trend regression is not estimated.")
    return SigmaResult(table=table, trend=pd.DataFrame(trend_rows), log=bool(log), ddof=int(ddof), notes=notes)
