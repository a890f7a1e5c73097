"""The data-quality screen inside a build: findings on the bundled data, recorded decisions, presets."""
from __future__ import annotations

import warnings

import pandas as pd
import pytest

import nqpf
from nqpf import datasets


@pytest.fixture(scope="module")
def demo_build():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = nqpf.build(datasets.demo_config(stages=[]))
    return res, [str(w.message) for w in caught]


def test_bundled_defects_are_found_without_names(demo_build):
    """Every defect a referee listed is in the run's quality table, found by name-blind rules."""
    res, _ = demo_build
    q = res.quality
    key = {(r.series, r.unit, r.rule) for r in q.itertuples()}
    assert ("new_fixed_assets_electronics_telecom", "*", "panel_freeze") in key
    assert ("new_fixed_assets_computers_office", "*", "panel_freeze") in key
    assert ("new_fixed_assets_computers_office", "540000", "round_fill") in key  # 西藏 16.8, 33, 22, 22, 88, 34, 34
    assert ("higher_education_share", "*", "panel_freeze") in key                # constant 2013–2019 and 2020–2022
    assert ("co2_total_apparent", "310000", "jump") in key                        # 上海 +34 % in 2022
    fr = q[(q.series == "new_fixed_assets_electronics_telecom") & (q.rule == "panel_freeze")].iloc[0]
    assert fr["years"] == "2017–2022" and fr["n_units"] == 31 and fr["severity"] == "high"
    sh = q[(q.series == "co2_total_apparent") & (q.unit == "310000") & (q.rule == "jump")]
    assert "2022" in set(sh["years"])
    # series the default framework does not use are reported but not changed
    assert not q.loc[q.series.str.startswith("new_fixed_assets"), "used"].any()
    assert not q["action"].eq("set_missing").any() or q.loc[q["action"].eq("set_missing"), "used"].all()


def test_run_decisions_are_recorded_cell_by_cell(demo_build):
    res, msgs = demo_build
    ch = res.changes
    dec = ch[ch.step == "decision"]
    assert len(dec) == res.manifest["counts"]["decisions"] == 64
    sh = dec[(dec.unit == "310000") & (dec.year == 2022)]
    assert set(sh.indicator) == {"co2_total_apparent", "co2_raw_coal", "enterprise_informatization_level"}
    assert sh.set_index("indicator").loc["co2_total_apparent", "old"] == pytest.approx(216.5, abs=0.05)
    assert dec["new"].isna().all() and dec["reason"].str.len().gt(20).all()
    # the decided cells are missing in what the engine saw
    raw = res.raw.set_index(["unit", "year", "indicator"])["value"]
    assert pd.isna(raw[("310000", 2022, "co2_intensity")])
    assert res.manifest["quality"]["n_findings"] if "n_findings" in res.manifest["quality"] else True
    assert res.manifest["counts"]["quality_findings"] == len(res.quality)
    assert any(m.startswith("Data quality:") and "quality.csv" in m for m in msgs)


def test_quality_table_and_coverage_are_saved_and_loaded(demo_build, tmp_path):
    res, _ = demo_build
    res.save(tmp_path / "run")
    back = nqpf.load_result(tmp_path / "run")
    assert len(back.quality) == len(res.quality)
    assert set(back.quality.columns) >= {"unit", "series", "years", "rule", "statistic", "severity", "action", "detail", "used"}
    cov = back.coverage
    assert int(cov["computed"].sum()) == len(res.framework.indicators)
    assert int(cov["declared"].sum()) == len(res.framework.declared_ids) > 0


def _planted_panel():
    """Eight units × ten years of a smooth series, with one unit frozen for five years (a carry-forward)."""
    rows = []
    for i in range(8):
        for t in range(10):
            v = (10 + i) * (1.05 + 0.01 * i) ** t
            if i == 3 and t >= 5:
                v = (10 + 3) * (1.08) ** 5  # frozen after year 5
            rows.append({"unit": f"u{i}", "year": 2010 + t, "indicator": "x", "value": round(v, 3)})
            rows.append({"unit": f"u{i}", "year": 2010 + t, "indicator": "y", "value": round(5 + i + 0.7 * t + 0.1 * ((i * t) % 3), 3)})
    return pd.DataFrame(rows)


FW = {"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
      "indicator": [{"id": "x", "parent": "I"}, {"id": "y", "parent": "I"}]}


def test_strict_refuses_and_off_skips():
    data = _planted_panel()
    base = {"weight": {"method": "equal"}}
    with pytest.raises(nqpf.DataError, match=r"u3.*x|x.*u3"):
        nqpf.build(dict(base, quality={"preset": "strict"}), data=data, framework=FW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warn = nqpf.build(dict(base), data=data, framework=FW)
        off = nqpf.build(dict(base, quality={"preset": "off"}), data=data, framework=FW)
    cf = warn.quality[(warn.quality.unit == "u3") & (warn.quality.rule == "carry_forward")]
    assert len(cf) == 1 and cf.iloc[0]["severity"] == "high"
    q = warn.changes[warn.changes.step == "quality"]
    assert set(q.unit) == {"u3"} and set(q.indicator) == {"x"} and len(q) >= 3
    assert off.quality.empty and off.manifest["quality"] == {"preset": "off"}
    assert (off.changes["step"] != "quality").all()
