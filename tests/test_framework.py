"""Framework model, TOML/CSV round trip, derivations and validation errors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqpf import FrameworkError
from nqpf.framework import (
    builtin_frameworks,
    derive_indicators,
    framework_from_dict,
    framework_from_frame,
    framework_to_frame,
    load_framework,
    parse_derivation,
    write_framework_csv,
    write_framework_toml,
)


def small(**over):
    d = {
        "framework": {"id": "t", "unit_level": "province"},
        "node": [{"id": "I", "parent": ""}, {"id": "A", "parent": "I"}, {"id": "B", "parent": "I"}],
        "indicator": [
            {"id": "x1", "parent": "A", "direction": 1, "element": "劳动者", "driver": "数据"},
            {"id": "x2", "parent": "A", "direction": "-", "element": "劳动资料", "driver": "算力"},
            {"id": "x3", "parent": "B", "direction": 1, "derive": "ratio(a, b) * 100", "driver": "数据",
             "seed_refs": [{"file": "004.txt", "section": "§5", "quote": "分级分类", "rationale": "r"}]},
        ],
        "grouping": [{"id": "driver", "tag": "driver"}],
        "subsystem": [{"id": "digital", "nodes": ["A"]}, {"id": "real", "nodes": ["B"]}],
    }
    d.update(over)
    return d


def test_tree_structure():
    fw = framework_from_dict(small())
    assert fw.root == "I"
    assert fw.indicators == ["x1", "x2", "x3"]
    assert fw.children("I") == ["A", "B"]
    assert fw.leaves_under("A") == ["x1", "x2"]
    assert fw.level_of == {"I": 3, "A": 2, "B": 2, "x1": 1, "x2": 1, "x3": 1}
    assert fw.by_id["x2"].direction == -1
    assert fw.grouping_members(fw.groupings[0]) == {"数据": ["x1", "x3"], "算力": ["x2"]}


def test_csv_and_toml_round_trip(tmp_path):
    fw = framework_from_dict(small())
    write_framework_csv(fw, tmp_path / "f.csv")
    back = load_framework(tmp_path / "f.csv")
    assert back.nodes == fw.nodes and back.groupings == fw.groupings and back.subsystems == fw.subsystems
    assert (back.id, back.unit_level) == (fw.id, fw.unit_level)
    write_framework_toml(fw, tmp_path / "f.toml")
    back2 = load_framework(tmp_path / "f.toml")
    assert framework_to_frame(back2).equals(framework_to_frame(fw))
    assert back2.by_id["x3"].seed_refs[0].quote == "分级分类"


@pytest.mark.parametrize("mutate,message", [
    (lambda d: d["node"].append({"id": "A", "parent": "I"}), "duplicate node ids; got ['A']"),
    (lambda d: d["indicator"].append({"id": "x9", "parent": "Z"}), "parents not found (orphan nodes); got 'x9' → 'Z'"),
    (lambda d: d["node"].append({"id": "R2", "parent": ""}), "needs exactly one root"),
    (lambda d: d["node"].extend([{"id": "C", "parent": "D"}, {"id": "D", "parent": "C"}]), "form a cycle"),
    (lambda d: d["indicator"][0].update(direction=0), "direction must be 1 or -1"),
    (lambda d: d["indicator"][0].update(element="劳动力"), "tag 'element' must be one of 劳动者"),
    (lambda d: d["node"].append({"id": "E", "parent": "I"}), "aggregate nodes without children; got ['E']"),
    (lambda d: d["indicator"][0].update(weight=-1), "weights must be >= 0"),
    (lambda d: d["indicator"][0].update(colour="red"), "unknown keys ['colour']"),
    (lambda d: d["subsystem"].append({"id": "s", "nodes": ["nope"]}), "subsystem 's' names unknown nodes"),
])
def test_invalid_frameworks(mutate, message):
    d = small()
    mutate(d)
    with pytest.raises(FrameworkError, match=None) as exc:
        framework_from_dict(d)
    assert message in str(exc.value)


def test_parse_derivation():
    d = parse_derivation("ratio(rd, gdp) * 100")
    assert (d.op, d.args, d.scale) == ("ratio", ("rd", "gdp"), 100.0)
    assert parse_derivation("share(a, b) / 4").scale == 0.25
    assert parse_derivation("", indicator="x").args == ("x",)
    with pytest.raises(FrameworkError, match=r"unknown derive operation; got 'ratoi'\. Use one of series, .* \(did you mean 'ratio'\?\)"):
        parse_derivation("ratoi(a, b)", indicator="x")
    with pytest.raises(FrameworkError, match="cannot parse derive expression"):
        parse_derivation("a + b", indicator="x")
    with pytest.raises(FrameworkError, match=r"ratio\(\) takes 2 series; got 3"):
        parse_derivation("ratio(a, b, c)", indicator="x")


def raw_long():
    rows = []
    for u, base in (("u1", 1.0), ("u2", 2.0)):
        for y in (2020, 2021, 2022):
            rows += [(u, y, "a", base * (y - 2019)), (u, y, "b", 0.0 if (u, y) == ("u2", 2022) else 4.0),
                     (u, y, "x1", base + y - 2020), (u, y, "x2", 10 - base)]
    return pd.DataFrame(rows, columns=["unit", "year", "indicator", "value"])


def test_derive_values_and_log():
    fw = framework_from_dict(small())
    ind, log = derive_indicators(raw_long(), fw)
    x3 = ind[ind["indicator"] == "x3"].set_index(["unit", "year"])["value"]
    assert x3[("u1", 2021)] == pytest.approx(2 / 4 * 100)
    assert np.isnan(x3[("u2", 2022)])  # division by zero → missing, recorded
    assert log[["unit", "year", "indicator"]].values.tolist() == [["u2", 2022, "x3"]]
    assert "division by zero" in log["reason"].iloc[0]


def test_derive_growth_share_log():
    fw = framework_from_dict({
        "framework": {"id": "g"}, "node": [{"id": "I", "parent": ""}],
        "indicator": [{"id": "g", "parent": "I", "derive": "growth(a)"}, {"id": "s", "parent": "I", "derive": "within_year_share(a)"},
                      {"id": "l", "parent": "I", "derive": "log(b)"}, {"id": "t", "parent": "I", "derive": "sum(a, b, x2)"}],
    })
    ind, log = derive_indicators(raw_long(), fw)
    v = ind.set_index(["unit", "year", "indicator"])["value"]
    assert v[("u1", 2021, "g")] == pytest.approx(2 / 1 - 1)
    assert np.isnan(v[("u1", 2020, "g")])
    assert v[("u1", 2022, "s")] == pytest.approx(3 / (3 + 6))
    assert np.isnan(v[("u2", 2022, "l")])
    assert v[("u1", 2020, "t")] == pytest.approx(1 + 4 + 9)
    assert set(log["reason"].str.split(": ").str[-1]) == {"no value for the previous year", "log of a non-positive value"}


def test_derive_unknown_series_is_one_clear_error():
    fw = framework_from_dict(small(indicator=[{"id": "x3", "parent": "A", "derive": "ratio(aa, gdp)"},
                                              {"id": "x4", "parent": "B"}]))
    with pytest.raises(FrameworkError) as exc:
        derive_indicators(raw_long(), fw)
    msg = str(exc.value)
    assert "indicators refer to series not in the data" in msg
    assert "'x3' needs 'aa' (did you mean 'a'?); 'gdp'" in msg and "'x4' needs 'x4'" in msg


def test_builtin_frameworks_load():
    names = builtin_frameworks()
    assert "scitech_province" in names
    fw = load_framework("scitech_province")
    assert len(fw.indicators) == 9 and fw.unit_level == "province"
    with pytest.raises(FrameworkError, match="not found"):
        load_framework("no_such_framework.toml")


def test_framework_from_frame_row_errors():
    frame = framework_to_frame(framework_from_dict(small()))
    frame.loc[1, "tags"] = "bad-tag"
    with pytest.raises(FrameworkError, match=r"row 3: tags must be key=value pairs"):
        framework_from_frame(frame, source="f.csv")


def test_derive_gtfp_matches_gtfp_engine():
    from nqpf.gtfp import gtfp_indicator

    rows = []
    rng = np.random.default_rng(3)
    for u in range(6):
        for y in (2013, 2014, 2015):
            k, l = rng.uniform(1, 5, 2)
            rows += [(f"u{u}", y, "k", k), (f"u{u}", y, "l", l), (f"u{u}", y, "y", k * l * rng.uniform(0.5, 1.5)),
                     (f"u{u}", y, "co2", rng.uniform(1, 3))]
    raw = pd.DataFrame(rows, columns=["unit", "year", "indicator", "value"])
    fw = framework_from_dict({"framework": {"id": "g"}, "node": [{"id": "I", "parent": ""}],
                              "indicator": [{"id": "gtfp", "parent": "I", "derive": "gtfp(k, l, y, co2)"}]})
    ind, log = derive_indicators(raw, fw)
    wide = raw.pivot_table(index=["unit", "year"], columns="indicator", values="value").reset_index()
    exp = gtfp_indicator(wide, inputs=["k", "l"], outputs="y", undesirable="co2").set_index(["unit", "year"])["value"]
    got = ind.set_index(["unit", "year"])["value"]
    np.testing.assert_allclose(got.loc[exp.index].to_numpy(), exp.to_numpy(), rtol=1e-12)
    assert (got.xs(2013, level="year") == 1.0).all()
