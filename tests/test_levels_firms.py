"""Tests of firm aggregation and groupings (nqpf.levels.firms)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nqpf import DataError, NqpfError
from nqpf.levels.firms import aggregate_firms, firm_groups, weighted_mean

P = pd.DataFrame({"unit": ["a", "b", "c", "d"], "year": 2020, "indicator": "rd_intensity", "value": [1.0, 3.0, 5.0, 8.0]})
F = pd.DataFrame({"firm": ["a", "b", "c", "d"], "province": ["310000", "310000", "310000", "320000"],
                  "assets": [1.0, 3.0, 0.0, 2.0]})


def test_mean_median_value_weighted():
    m = aggregate_firms(P, firms=F, method="mean").panel.set_index("unit")
    assert m.loc["310000", "value"] == 3.0 and m.loc["310000", "n_firms"] == 3
    md = aggregate_firms(P, firms=F, method="median").panel.set_index("unit")
    assert md.loc["310000", "value"] == 3.0
    vw = aggregate_firms(P, firms=F, method="value_weighted", weight="assets")
    assert vw.panel.set_index("unit").loc["310000", "value"] == (1 * 1 + 3 * 3) / 4
    assert vw.dropped["reason"].tolist() == ["no positive weight"]


def test_min_firms_and_errors():
    r = aggregate_firms(P, firms=F, min_firms=2).panel.set_index("unit")
    assert np.isnan(r.loc["320000", "value"]) and r.loc["320000", "n_firms"] == 1
    with pytest.raises(DataError, match=r"^aggregate_firms\(method='value_weighted'\): no weight given"):
        aggregate_firms(P, firms=F, method="value_weighted")
    with pytest.raises(DataError, match=r"^aggregate_firms\(level='city'\): the firms table needs columns 'firm' and 'city'"):
        aggregate_firms(P, firms=F, level="city")
    with pytest.raises(NqpfError, match=r"^The 'method' parameter of aggregate_firms must be one of"):
        aggregate_firms(P, firms=F, method="sum")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e3, 1e3), st.floats(0.01, 1e3)), min_size=1, max_size=20))
def test_weighted_mean_between_min_and_max(pairs):
    x = np.array([p[0] for p in pairs])
    w = np.array([p[1] for p in pairs])
    m = weighted_mean(x, w)
    assert x.min() - 1e-9 <= m <= x.max() + 1e-9


def test_firm_groups():
    f = pd.DataFrame({"firm": ["600000", "000001"], "industry": ["J66", "C39"], "province": ["上海市", "Guangdong"]})
    g = firm_groups(f)
    assert g.values.tolist() == [["600000", "J66", "310000", "east"], ["000001", "C39", "440000", "east"]]
