"""Imputation of missing values in a (years, units, indicators) panel.

Methods (each records every filled cell):

* ``"none"``       – leave missing values (aggregation then skips them, subject to the threshold);
* ``"linear"``     – linear interpolation in time within a unit; constant extrapolation at the ends;
* ``"locf"``       – last observation carried forward (leading gaps stay missing);
* ``"group_mean"`` – mean of the indicator over the units of the same group in the same year
  (COINr ``i_mean_grp``);
* ``"unit_mean"``  – mean of the unit's own values of the indicator over the years;
* ``"mean"`` / ``"median"`` – over all units in the same year.
"""
from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
import pandas as pd

from .._errors import MethodError
from .._validation import check_option

__all__ = ["ImputeMethod", "impute_panel"]

ImputeMethod = Literal["none", "linear", "locf", "group_mean", "unit_mean", "mean", "median"]


def _interp_linear(v: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(v)
    if ok.all() or not ok.any():
        return v
    t = np.arange(v.size)
    return np.interp(t, t[ok], v[ok])  # np.interp extrapolates with the end values (constant)


def impute_panel(X: np.ndarray, *, method: str = "none", groups: np.ndarray | None = None) -> np.ndarray:
    """Impute a (T, n, m) panel; returns a new array (the input is not changed).

    ``groups`` (length n) is required for ``group_mean``; units whose group is missing are left as they are.
    """
    check_option(method, ImputeMethod, param="method", caller="impute")
    out = np.array(X, dtype=float)  # a copy
    if method == "none":
        return out
    T, n, m = out.shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "linear":
            flat = out.reshape(T, n * m)
            gaps = np.nonzero(np.isnan(flat).any(axis=0) & ~np.isnan(flat).all(axis=0))[0]
            for c in gaps:
                flat[:, c] = _interp_linear(flat[:, c])
            out = flat.reshape(T, n, m)
        elif method == "locf":
            flat = out.reshape(T, n * m)
            out = pd.DataFrame(flat).ffill().to_numpy().reshape(T, n, m)
        elif method == "unit_mean":
            mu = np.nanmean(out, axis=0, keepdims=True)
            out = np.where(np.isnan(out), np.broadcast_to(mu, out.shape), out)
        elif method in ("mean", "median"):
            f = np.nanmean if method == "mean" else np.nanmedian
            stat = f(out, axis=1, keepdims=True)
            out = np.where(np.isnan(out), np.broadcast_to(stat, out.shape), out)
        elif method == "group_mean":
            if groups is None:
                raise MethodError("impute(method='group_mean') needs a grouping; got none. Set impute.group = '<group column>'.")
            g = pd.Series(groups).astype("object")
            for label in pd.unique(g.dropna()):
                idx = np.where(g.to_numpy() == label)[0]
                sub = out[:, idx, :]
                mu = np.nanmean(sub, axis=1, keepdims=True)
                out[:, idx, :] = np.where(np.isnan(sub), np.broadcast_to(mu, sub.shape), sub)
    return out
