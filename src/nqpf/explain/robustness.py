"""Robustness checks (稳健性检验) of a baseline model.

Variants, each refitted with the baseline specification and put side by side:

* ``alternatives``: replace the dependent variable by an alternative measure — another
  column/term of the frame, or the same node of an alternative index build (e.g. a
  sensitivity run with other weights or normalisation, 替换被解释变量);
* ``winsorise_at``: winsorise y and every regressor at the given tail share (缩尾处理);
* ``drop_units``: leave out units, by default the four municipalities 北京、天津、上海、重庆
  (剔除直辖市);
* ``lag_x``: regressors lagged one year (滞后一期, against reverse causality);
* ``years``: a shorter sample window.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import Interval, validate_params
from .fe import PanelRegression, _fit_frame
from .spec import ModelSpec, evaluate_term, regression_frame
from .tables import RegressionTable, regression_table

__all__ = ["MUNICIPALITIES", "winsorise", "robustness", "RobustnessResult"]

#: GB/T 2260 codes of the four municipalities directly under the central government (直辖市)
MUNICIPALITIES = ("110000", "120000", "310000", "500000")


@validate_params({"lower": [Interval(numbers.Real, 0.0, 0.5, closed="left")], "upper": [Interval(numbers.Real, 0.0, 0.5, closed="left")]})
def winsorise(frame: pd.DataFrame, columns: Sequence[str], *, lower: float = 0.01, upper: float = 0.01, by_year: bool = False) -> pd.DataFrame:
    """Winsorise columns (or terms) at the ``lower`` and ``upper`` tail shares; return a copy.

    Values below the ``lower`` quantile are set to it, values above the ``1 − upper``
    quantile likewise (quantiles by linear interpolation, over the pooled sample or per
    year with ``by_year=True``). A term such as ``"log(raw:gdp)"`` is evaluated first and
    stored under its own name.

    Examples
    --------
    >>> f = pd.DataFrame({"unit": list("abcde"), "year": 2020, "v": [1.0, 2, 3, 4, 100]})
    >>> winsorise(f, ["v"], lower=0.0, upper=0.2)["v"].tolist()
    [1.0, 2.0, 3.0, 4.0, 23.200000000000017]
    """
    out = frame.copy()
    for c in columns:
        v = evaluate_term(out, c)
        if by_year:
            lo = v.groupby(out["year"]).transform(lambda s: s.quantile(lower))
            hi = v.groupby(out["year"]).transform(lambda s: s.quantile(1 - upper))
        else:
            lo, hi = v.quantile(lower), v.quantile(1 - upper)
        out[c] = v.clip(lower=lo, upper=hi)
    return out


@dataclass(frozen=True, eq=False)
class RobustnessResult(Result):
    """Baseline and robustness variants.

    Attributes
    ----------
    models : PanelRegression per variant (the first is the baseline).
    variants : DataFrame ``variant, description``.
    comparison : DataFrame ``variant, term, coef, std_error, p_value, nobs`` for the key terms.
    table : the journal-style table of all variants.
    """

    kind = "robustness"

    models: tuple[PanelRegression, ...]
    variants: pd.DataFrame
    comparison: pd.DataFrame
    table: RegressionTable
    notes: tuple[str, ...] = ()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"comparison": self.comparison, "variants": self.variants, "table": self.table.tables()["table"]}

    def summary(self) -> Summary:
        return Summary(title="Robustness checks", tables={"comparison": self.comparison.set_index(["variant", "term"]), "table": self.table.frame},
                       notes=list(self.notes))


def robustness(
    data: Any,
    spec: ModelSpec,
    *,
    alternatives: Mapping[str, Any] | None = None,
    winsorise_at: float | None = 0.01,
    drop_units: Sequence[str] | None = MUNICIPALITIES,
    lag_x: bool = True,
    years: tuple[int, int] | None = None,
    extra: pd.DataFrame | None = None,
    lang: str = "zh",
) -> RobustnessResult:
    """Refit ``spec`` under the usual robustness variants and compare the key coefficients.

    Parameters
    ----------
    data
        IndexResult, long panel or wide frame of the baseline.
    spec
        The baseline model.
    alternatives
        ``{label: source}``: a term/column name to use as the dependent variable, or an
        alternative IndexResult / frame whose column ``spec.y`` replaces the dependent variable.
    winsorise_at
        Tail share for winsorising y and all regressors (None: skip).
    drop_units
        Units left out in one variant (default: the four municipalities; None or empty: skip).
    lag_x
        Add a variant with the key regressors lagged one year.
    years
        Add a variant restricted to this window.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n, T = 20, 6
    >>> unit = np.repeat(np.arange(n), T); year = np.tile(np.arange(2015, 2015 + T), n)
    >>> xv = rng.normal(size=n * T)
    >>> d = pd.DataFrame({"unit": unit.astype(str), "year": year, "x": xv, "y": xv + rng.normal(size=n * T)})
    >>> d["y2"] = d["y"] + rng.normal(scale=0.1, size=n * T)
    >>> res = robustness(d, ModelSpec(y="y", x=["x"]), alternatives={"alt y": "y2"}, drop_units=None)
    >>> res.variants["variant"].tolist()
    ['baseline', 'alt y', 'winsorised 1%', 'lagged regressors']
    """
    frame = regression_frame(data, extra=extra)
    models: list[PanelRegression] = []
    desc: list[tuple[str, str]] = []

    def add(label: str, fr: pd.DataFrame, sp: ModelSpec, what: str) -> None:
        models.append(_fit_frame(fr, sp.model_copy(update={"name": label})))
        desc.append((label, what))

    add("baseline", frame, spec, "baseline specification")
    for label, src in (alternatives or {}).items():
        if isinstance(src, str):
            add(label, frame, spec.model_copy(update={"y": src}), f"dependent variable replaced by {src!r}")
        else:
            alt = regression_frame(src)
            if spec.y not in alt.columns:
                raise DataError(
                    f"robustness: alternative {label!r} has no column {spec.y!r}"
                    f"; got {list(alt.columns)[:10]}. Pass a result that holds the same node."
                )
            col = f"{spec.y} [{label}]"
            fr = frame.drop(columns=[col], errors="ignore").merge(alt[["unit", "year", spec.y]].rename(columns={spec.y: col}), on=["unit", "year"], how="left")
            add(label, fr, spec.model_copy(update={"y": col}), f"dependent variable {spec.y!r} from the alternative build {label!r}")
    if winsorise_at:
        cols = [spec.y] + spec.terms()
        fr = winsorise(frame, cols, lower=float(winsorise_at), upper=float(winsorise_at))
        add(f"winsorised {winsorise_at:.0%}", fr, spec, f"y and regressors winsorised at {winsorise_at:.0%} and {1 - winsorise_at:.0%}")
    if drop_units:
        present = [u for u in drop_units if u in set(frame["unit"])]
        if present:
            add("without " + ("municipalities" if tuple(drop_units) == MUNICIPALITIES else f"{len(present)} units"), frame,
                spec.model_copy(update={"drop_units": list(spec.drop_units) + [str(u) for u in present]}), f"units left out: {present}")
    if lag_x:
        lagged = [f"lag({t})" for t in spec.x]
        add("lagged regressors", frame, spec.model_copy(update={"x": lagged}), "key regressors lagged one year")
    if years is not None:
        add(f"{years[0]}–{years[1]}", frame, spec.model_copy(update={"years": tuple(years)}), f"sample {years[0]}–{years[1]}")
    rows = []
    for m in models:
        for t in m.key_terms:
            rows.append({"variant": m.name, "term": t, "coef": m.params.get(t, np.nan), "std_error": m.std_errors.get(t, np.nan),
                         "p_value": m.pvalues.get(t, np.nan), "nobs": m.nobs})
    # lagged terms are shown on the row of the baseline term in the table
    labels = {f"lag({t})": t for t in spec.x}
    table = regression_table(models, labels=labels, lang=lang if lang in ("zh", "en") else "zh", title="Robustness checks")
    return RobustnessResult(models=tuple(models), variants=pd.DataFrame(desc, columns=["variant", "description"]),
                            comparison=pd.DataFrame(rows), table=table,
                            notes=("Every variant keeps the baseline fixed effects, clustering and controls.",))
