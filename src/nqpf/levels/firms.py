"""Micro level: firm panels, firm groupings and aggregation of firm measures to cities or provinces.

The firm template ``nqpf_firm`` combines the text measures of :mod:`nqpf.text` (AI and
digital-transformation intensity from annual reports) with the financial indicators firm-level
NQPF studies use (R&D intensity, technical and highly educated staff shares, fixed and
intangible asset intensity, TFP), supplied by the user. :func:`aggregate_firms` turns any firm
measure (an indicator or an index score) into a city or province panel: mean, median or
value-weighted mean over the firms of each unit-year.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import DataError
from .._results import Result, Summary
from .._validation import check_option

__all__ = ["AggMethod", "FirmLevel", "aggregate_firms", "FirmAggregate", "firm_groups", "weighted_mean"]

AggMethod = Literal["mean", "median", "value_weighted"]
FirmLevel = Literal["city", "province", "industry"]


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float:
    """Value-weighted mean :math:`\\sum_i w_i x_i / \\sum_i w_i` over firms with both values (NaN if none).

    >>> weighted_mean(np.array([1.0, 3.0, np.nan]), np.array([1.0, 3.0, 5.0]))
    2.5
    """
    x = np.asarray(values, float)
    w = np.asarray(weights, float)
    ok = np.isfinite(x) & np.isfinite(w)
    if not ok.any() or w[ok].sum() <= 0:
        return float("nan")
    return float(np.sum(w[ok] * x[ok]) / np.sum(w[ok]))


@dataclass(frozen=True)
class FirmAggregate(Result):
    """Firm measures aggregated to a higher level.

    Attributes
    ----------
    panel : DataFrame
        ``unit, year, indicator, value, n_firms`` (``unit`` = city / province code or industry).
    method : str
    level : str
    dropped : DataFrame
        Firm-year rows without a unit (or without a weight for ``value_weighted``), with the reason.
    """

    panel: pd.DataFrame
    method: str
    level: str
    dropped: pd.DataFrame
    kind: str = "firm_aggregate"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"panel": self.panel, "dropped": self.dropped}

    def summary(self) -> Summary:
        notes = [f"{len(self.dropped)} firm-year rows not used (see dropped)."] if len(self.dropped) else []
        return Summary(title=f"Firm measures aggregated to {self.level} ({self.method})",
                       rows=[("units", self.panel["unit"].nunique()), ("unit-years", len(self.panel)),
                             ("median firms per unit-year", float(self.panel["n_firms"].median()) if len(self.panel) else 0.0)],
                       notes=notes)


def aggregate_firms(panel: pd.DataFrame, *, firms: pd.DataFrame, level: FirmLevel = "province",
                    method: AggMethod = "mean", weight: str | None = None, min_firms: int = 1) -> FirmAggregate:
    """Aggregate firm × year measures to cities, provinces or industries.

    Parameters
    ----------
    panel : DataFrame
        Long firm panel ``unit`` (firm id), ``year``, ``indicator``, ``value`` (financial
        indicators, text measures or index scores).
    firms : DataFrame
        Firm attributes: ``firm`` and the column named by ``level`` (``city``, ``province`` or
        ``industry``); optionally a ``year`` column when firms move; for ``value_weighted`` the
        weight column (e.g. ``total_assets``, ``market_value``; may also be a ``year``-varying column).
    level : {'city', 'province', 'industry'}
    method : {'mean', 'median', 'value_weighted'}
    weight : str, optional
        Column of ``firms`` (or an indicator of ``panel``) with the weights; required for
        ``value_weighted``.
    min_firms : int
        Unit-years with fewer firms get no value (row kept with NaN and its count).

    Returns
    -------
    FirmAggregate

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"unit": ["a", "b", "c"], "year": 2020, "indicator": "rd_intensity", "value": [1.0, 3.0, 5.0]})
    >>> f = pd.DataFrame({"firm": ["a", "b", "c"], "province": ["310000", "310000", "320000"], "assets": [1.0, 3.0, 2.0]})
    >>> aggregate_firms(p, firms=f, method="value_weighted", weight="assets").panel[["unit", "value", "n_firms"]].values.tolist()
    [['310000', 2.5, 2], ['320000', 5.0, 1]]
    """
    check_option(level, FirmLevel, param="level", caller="aggregate_firms")
    check_option(method, AggMethod, param="method", caller="aggregate_firms")
    need = {"unit", "year", "indicator", "value"}
    if not need <= set(panel.columns):
        raise DataError(f"aggregate_firms: the firm panel must have columns {sorted(need)}; got {list(panel.columns)}. "
                        "Pass a long panel with the firm id in 'unit'.")
    if "firm" not in firms.columns or level not in firms.columns:
        raise DataError(f"aggregate_firms(level={level!r}): the firms table needs columns 'firm' and {level!r}; got "
                        f"{list(firms.columns)}. Add the firm's {level} (code) to the firms table.")
    if method == "value_weighted" and not weight:
        raise DataError("aggregate_firms(method='value_weighted'): no weight given; got weight=None. Pass weight= a "
                        "column of firms (e.g. 'total_assets') or an indicator of the panel.")
    if min_firms < 1:
        raise DataError(f"aggregate_firms: min_firms must be >= 1; got {min_firms}. Use 1 to keep every unit-year.")
    d = panel[["unit", "year", "indicator", "value"]].rename(columns={"unit": "firm"})
    d = d.assign(firm=d["firm"].astype(str))
    f = firms.assign(firm=firms["firm"].astype(str))
    keys = ["firm", "year"] if "year" in f.columns else ["firm"]
    cols = keys + [level] + ([weight] if weight and weight in f.columns else [])
    d = d.merge(f[cols].drop_duplicates(keys), on=keys, how="left")
    if weight and weight not in f.columns:
        w = panel[panel["indicator"] == weight][["unit", "year", "value"]].rename(columns={"unit": "firm", "value": weight})
        if w.empty:
            raise DataError(f"aggregate_firms: weight {weight!r} is neither a column of firms nor an indicator of the panel; "
                            f"got columns {list(f.columns)}. Name the weight column.")
        d = d.merge(w.assign(firm=w["firm"].astype(str)), on=["firm", "year"], how="left")
        d = d[d["indicator"] != weight]
    drop_mask = d[level].isna()
    reasons = np.where(drop_mask, f"no {level}", "")
    if method == "value_weighted":
        bad_w = d[weight].isna() | (d[weight] <= 0)
        reasons = np.where(~drop_mask & bad_w, "no positive weight", reasons)
        drop_mask = drop_mask | bad_w
    dropped = d[drop_mask].assign(reason=reasons[drop_mask.to_numpy()])[["firm", "year", "indicator", "value", "reason"]]
    d = d[~drop_mask & d["value"].notna()]
    g = d.groupby([level, "year", "indicator"], sort=True)
    if method == "mean":
        val = g["value"].mean()
    elif method == "median":
        val = g["value"].median()
    else:
        val = g[["value", weight]].apply(lambda x: weighted_mean(x["value"].to_numpy(), x[weight].to_numpy()))
    n = g["firm"].nunique()
    out = pd.DataFrame({"value": val, "n_firms": n}).reset_index().rename(columns={level: "unit"})
    out.loc[out["n_firms"] < min_firms, "value"] = np.nan
    out["unit"] = out["unit"].astype(str)
    return FirmAggregate(panel=out[["unit", "year", "indicator", "value", "n_firms"]], method=method, level=level,
                         dropped=dropped.reset_index(drop=True))


def firm_groups(firms: pd.DataFrame, *, by: tuple[str, ...] = ("industry", "province")) -> pd.DataFrame:
    """Group columns of firms for the analysis suite (Dagum / Theil by industry or province).

    Returns ``unit`` (firm id) and one column per grouping; a province given by name or code is
    mapped to its six-digit code and the NBS four regions are added when ``province`` is asked.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"firm": ["600000", "000001"], "industry": ["J66", "J66"], "province": ["上海", "广东"]})
    >>> firm_groups(f).values.tolist()
    [['600000', 'J66', '310000', 'east'], ['000001', 'J66', '440000', 'east']]
    """
    missing = [c for c in ("firm", *by) if c not in firms.columns]
    if missing:
        raise DataError(f"firm_groups: missing columns {missing}; got {list(firms.columns)}. Add them to the firms table.")
    out = pd.DataFrame({"unit": firms["firm"].astype(str).to_numpy()})
    for col in by:
        if col == "province":
            from ..data.regions import registry

            codes = [registry.resolve(v) for v in firms[col]]
            out["province"] = codes
            out["region4"] = registry.groups(codes, by="region4").to_numpy()
        else:
            out[col] = firms[col].astype(str).to_numpy()
    return out
