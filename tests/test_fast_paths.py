"""The numpy fast paths give the results of the code they replace: the quality screen's NaN-aware median vs
np.nanmedian, obstacle top-k lists vs the row loop (tests/_reference.py)."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from nqpf.analysis import obstacle as obs_mod
from nqpf.index.quality import _nanmedian_axis

from _reference import obstacle_top_lists_rows


def test_nanmedian_axis_equals_numpy():
    rng = np.random.default_rng(0)
    for trial in range(200):
        shape = tuple(int(s) for s in rng.integers(1, 15, size=rng.integers(1, 3)))
        a = rng.normal(size=shape) * 10.0 ** rng.integers(-5, 5)
        a[rng.uniform(size=shape) < rng.uniform()] = np.nan
        if trial % 7 == 0:
            a[rng.uniform(size=shape) < .1] = np.inf
        if trial % 5 == 0:
            a = np.round(a)
        for axis in range(a.ndim):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                np.testing.assert_array_equal(_nanmedian_axis(a, axis), np.nanmedian(a, axis=axis))


def test_obstacle_top_lists_equal_row_loop(monkeypatch):
    z = pd.DataFrame({"unit": ["u1", "u2", "u3", "u4"], "x1": [0.9, 1.0, np.nan, 0.2],
                      "x2": [0.2, 1.0, np.nan, np.nan], "x3": [0.5, 1.0, np.nan, 0.3]})
    w = {"x1": 0.5, "x2": 0.3, "x3": 0.2}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        new = obs_mod.obstacle_degree(z, w, top_k=3)
        monkeypatch.setattr(obs_mod, "_top_lists", obstacle_top_lists_rows)
        old = obs_mod.obstacle_degree(z, w, top_k=3)
    for name in ("top", "top_wide"):
        a, b = getattr(new, name), getattr(old, name)
        assert a.equals(b) and list(a.dtypes) == list(b.dtypes) and list(a.columns) == list(b.columns)
