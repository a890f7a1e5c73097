"""One number formatter (nqpf._format) behind the report page, the journal tables, the regression tables and the
printed summaries: the rules of each use, pinned on the values that distinguish them."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from nqpf._format import fmt_display, fmt_fixed, fmt_general


@pytest.mark.parametrize("value, display, fixed3, general", [
    (None, "", "", "None"),
    (pd.NA, "", "", "<NA>"),
    (float("nan"), "", "", "nan"),
    (np.float64("inf"), "inf", "", "inf"),
    (True, "True", "True", "True"),
    (np.int64(110000), "110000", "110000", "110000"),
    (3.0, "3", "3.000", "3"),
    (0.123456, "0.1235", "0.123", "0.123456"),
    (-0.0004567, "-0.0004567", "-0.000", "-0.0004567"),
    (123456.7, "1.235e+05", "123456.700", "123457"),
    (np.float32(0.5), "0.5000", "0.500", "0.5"),
    ("东部", "东部", "东部", "东部"),
])
def test_rules(value, display, fixed3, general):
    assert fmt_display(value) == display
    assert fmt_fixed(value, 3) == fixed3
    assert fmt_general(value) == general


def test_counts_round_to_integers_and_digits_are_honoured():
    assert fmt_fixed(2.5, as_int=True) == "2" and fmt_fixed(3.5, as_int=True) == "4"  # round half to even
    assert fmt_fixed(0.1, 4) == "0.1000" and fmt_fixed(-math.inf, 2) == ""
    assert fmt_general(1 / 3, 3) == "0.333"


def test_every_user_goes_through_the_one_module():
    from nqpf._results import Summary
    from nqpf.explain import tables as et
    from nqpf.report import html, journal

    assert html._fmt is fmt_display
    assert journal._fmt_csv(2.5, True) == "2" and journal._fmt_csv(0.12345, False) == "0.123" and journal._fmt_csv(pd.NA, False) == ""
    assert et._fmt(0.12345, 3) == "0.123" and et._fmt(np.nan, 3) == "" and et._fmt(None, 2) == ""
    assert Summary._fmt(float("nan")) == "nan" and Summary._fmt(0.1234567) == "0.123457" and Summary._fmt(7) == "7"
