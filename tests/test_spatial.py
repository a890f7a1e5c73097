"""Spatial weights for provinces, Moran's I, Geary's c and local Moran — oracles and invariants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from _shared import fixture_path, province_nqpf_input
from nqpf import DataError, MethodError, NqpfError
from nqpf.analysis import spatial
from nqpf.analysis.spatial import geary, geary_statistic, local_moran, moran, moran_panel, moran_statistic, lisa_panel
from nqpf.analysis.weights_cn import (
    great_circle_km,
    province_contiguity_table,
    province_units,
    province_weights,
    read_weights,
    weights_from_matrix,
)

libpysal = pytest.importorskip("libpysal")


def _stl():
    w = libpysal.io.open(libpysal.examples.get_path("stl.gal")).read()
    y = np.array(libpysal.io.open(libpysal.examples.get_path("stl_hom.txt")).by_col["HR8893"])
    return y, w


# esda 2.8.2 Moran_Local(HR8893, stl.gal, permutations=9999, seed=12345): local I and pseudo p (4 d.p.)
ESDA_IS = [
    -0.077287719, 0.1728231865, 0.1017576564, 0.0891041889, 0.1627968727, -0.2926005377, -0.0506615958,
    0.1454997479, -0.0009241599, 0.0425653985, -0.028964063, 0.0714860605, 0.1326995994, 0.0247093788,
    0.0776369782, 0.0717856391, 0.0070381832, 0.0067014945, 0.0234309157, 0.1083127956, -0.0896953024,
]
ESDA_P = [
    0.1872, 0.0717, 0.4206, 0.2837, 0.3517, 0.0659, 0.2926, 0.232, 0.0488, 0.0535, 0.253, 0.4735, 0.4552, 0.3749,
    0.4207, 0.4805, 0.475, 0.3815, 0.3958, 0.1855, 0.1427, 0.0304, 0.3617, 0.3907, 0.2779, 0.3243, 0.2128, 0.3213,
    0.388, 0.3923, 0.4926, 0.4219, 0.0052, 0.4394, 0.253, 0.0132, 0.002, 0.0018,
]
ESDA_Q = [2, 3, 3, 3, 3, 4, 4, 3, 4, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 1, 4, 2, 3,
          1, 3, 3, 1, 2, 3, 4, 3, 2, 1, 3, 3, 2, 2, 1, 4, 3, 3, 3, 3, 2, 3, 4, 3, 2, 3, 4, 3, 3, 4, 2, 3, 1, 2, 2, 3,
          3, 1, 4, 3, 2, 1]


# --------------------------------------------------------------------------- published examples
def test_moran_stl_homicides_oracle():
    # esda Moran docstring / oracles README: I = 0.244 (3 d.p.), p_norm = 0.00027147862770937614
    y, w = _stl()
    r = moran(y, w, permutations=0)
    assert round(r.I, 3) == 0.244
    assert_allclose(r.I, 0.24365582621771659, rtol=1e-9)
    assert_allclose(r.p_norm, 0.00027147862770937614, rtol=1e-9)
    assert_allclose(r.EI, -1 / (len(y) - 1), rtol=1e-12)


def test_moran_sids_oracle_through_gal_file():
    # esda Moran docstring: SIDS SIDR74 I = 0.248, p_norm = 0.0001158330781489969; weights read by nqpf
    y = np.array(libpysal.io.open(libpysal.examples.get_path("sids2.dbf")).by_col("SIDR74"))
    sw = read_weights(libpysal.examples.get_path("sids2.gal"))
    r = moran(y, sw, permutations=0)
    assert round(r.I, 3) == 0.248
    assert_allclose(r.p_norm, 0.0001158330781489969, rtol=1e-9)


def test_moran_permutation_inference_seeded():
    y, w = _stl()
    a = moran(y, w, permutations=499, seed=7)
    b = moran(y, w, permutations=499, seed=7)
    c = moran(y, w, permutations=499, seed=8)
    assert a.p_sim == b.p_sim and a.EI_sim == b.EI_sim
    assert a.EI_sim != c.EI_sim
    assert a.p_sim <= 0.01  # esda docstring: p_sim = 0.001 with 999 permutations
    assert abs(a.EI_sim - a.EI) < 0.02


def test_geary_stl_against_esda_and_formula():
    y, w = _stl()
    g = geary(y, w, permutations=99, seed=1)
    # esda 2.8.2 Geary(HR8893, stl.gal): C = 0.597128215893689, z_rand = -3.524788661716373
    assert_allclose(g.C, 0.597128215893689, rtol=1e-9)
    assert_allclose(g.z_rand, -3.524788661716373, rtol=1e-9)
    assert_allclose(g.p_rand, 2 * 0.0002119103852659972, rtol=1e-9)  # two-sided
    w.transform = "R"
    m, _ = w.full()
    direct = (len(y) - 1) * np.sum(m * (y[:, None] - y[None, :]) ** 2) / (2 * m.sum() * np.sum((y - y.mean()) ** 2))
    assert_allclose(g.C, direct, rtol=1e-12)
    assert g.p_sim == pytest.approx(0.01)


def test_local_moran_against_esda():
    y, w = _stl()
    r = local_moran(y, w, permutations=999, seed=0)
    t = r.table
    assert_allclose(t["Is"].to_numpy()[: len(ESDA_IS)], ESDA_IS, rtol=1e-8, atol=1e-10)
    assert t["quadrant"].tolist() == [spatial.QUADRANTS[q] for q in ESDA_Q]
    # own seeded conditional permutations agree with esda's (9,999 draws) within Monte-Carlo error
    assert_allclose(t["p_sim"].to_numpy()[: len(ESDA_P)], ESDA_P, atol=0.045)
    assert set(t.loc[t["significant"], "cluster"]) <= {"HH", "LH", "LL", "HL"}
    assert (t.loc[~t["significant"], "cluster"] == "ns").all()
    again = local_moran(y, w, permutations=999, seed=0)
    pd.testing.assert_frame_equal(t, again.table)


def test_statistics_by_formula_and_permutation_invariance():
    rng = np.random.default_rng(3)
    sw = province_weights()
    units = sw.ids
    y = rng.lognormal(size=31)
    m, _ = sw.w.full()
    z = y - y.mean()
    direct = 31 / m.sum() * (z @ m @ z) / (z @ z)
    assert_allclose(moran_statistic(z, sw.w.sparse, m.sum())[0], direct, rtol=1e-12)
    assert_allclose(moran(pd.Series(y, index=units), sw, permutations=0).I, direct, rtol=1e-12)
    perm = rng.permutation(31)
    s = pd.Series(y[perm], index=np.asarray(units)[perm])
    assert_allclose(moran(s, sw, permutations=0).I, direct, rtol=1e-12)
    gd = 30 * np.sum(m * (y[:, None] - y[None, :]) ** 2) / (2 * m.sum() * (z @ z))
    assert_allclose(geary_statistic(y, sw.w.sparse, m.sum())[0], gd, rtol=1e-12)


# --------------------------------------------------------------------------- province weights
def test_province_contiguity_known_neighbours():
    sw = province_weights(transform="b")
    nb = {k: set(v) for k, v in sw.w.neighbors.items()}
    assert nb["110000"] == {"120000", "130000"}  # 北京: 天津, 河北
    assert nb["310000"] == {"320000", "330000"}  # 上海: 江苏, 浙江
    assert nb["460000"] == {"440000"}  # 海南 → 广东 (island rule)
    assert nb["130000"] == {"110000", "120000", "140000", "150000", "210000", "370000", "410000"}
    assert nb["510000"] == {"500000", "520000", "530000", "540000", "610000", "620000", "630000"}  # 四川
    assert len(province_contiguity_table()) == 68
    assert all(a in nb[b] for a in nb for b in nb[a])  # symmetric
    assert "海南 (460000)" in sw.notes[0] and "广东 (440000)" in sw.notes[0]
    assert sw.w.n == 31 and sw.w.nonzero == 2 * 69


def test_island_options_and_row_standardisation():
    none = province_weights(island="none")
    assert none.w.islands == ["460000"]
    near = province_weights(island="nearest")
    assert set(near.w.neighbors["460000"]) == {"450000"}  # nearest centroid is 广西
    sw = province_weights()
    assert_allclose(sw.full().sum(axis=1), 1.0)
    sub = province_weights([u for u in province_units() if u != "540000"])  # without 西藏
    assert sub.w.n == 30 and "540000" not in sub.w.neighbors["510000"]


def test_distance_and_economic_weights():
    d = great_circle_km(116.4, 39.9, 121.47, 31.23)  # Beijing–Shanghai ≈ 1,070 km
    assert 1050 < float(d) < 1090
    inv = province_weights(kind="inverse_distance", transform="none").full()
    inv2 = province_weights(kind="inverse_distance_sq", transform="none").full()
    assert_allclose(inv2.loc["110000", "120000"], inv.loc["110000", "120000"] ** 2, rtol=1e-12)
    assert 1 / inv.loc["110000", "120000"] < 150  # Beijing–Tianjin centroids about 120 km apart
    gdp = pd.Series(np.arange(1.0, 32.0) * 1000, index=province_units())
    eco = province_weights(kind="economic", gdp_per_capita=gdp, transform="none").full()
    assert_allclose(eco.loc["110000", "120000"], 1 / 1000)
    nest = province_weights(kind="nested", gdp_per_capita=gdp, transform="none").full()
    assert_allclose(nest.to_numpy(), inv.to_numpy() * eco.to_numpy(), rtol=1e-12)
    lin = province_weights(kind="nested", gdp_per_capita=gdp, nesting="linear", phi=0.3).full()
    assert_allclose(lin.sum(axis=1), 1.0)
    with pytest.raises(MethodError, match=r"^province_weights: economic and nested weights need mean GDP per capita"):
        province_weights(kind="economic")
    with pytest.raises(MethodError, match=r"are infinite for equal GDP per capita; got 110000 and 120000 both 1"):
        province_weights(kind="economic", gdp_per_capita=pd.Series(1.0, index=province_units()))
    with pytest.raises(DataError, match=r"^province_weights: units must be six-digit codes .* got unknown \['999999'\]"):
        province_weights(["110000", "999999"])
    with pytest.raises(NqpfError, match=r"^The 'island' parameter of province_weights must be one of 'guangdong'"):
        province_weights(island="hk")


def test_read_weights_csv_forms(tmp_path):
    edges = tmp_path / "w.csv"
    edges.write_text("focal,neighbor,weight\na,b,1\nb,a,1\nb,c,2\nc,b,2\n", encoding="utf-8")
    sw = read_weights(edges, transform="none")
    assert sw.full().loc["b", "c"] == 2.0 and sw.ids == ["a", "b", "c"]
    mat = tmp_path / "m.csv"
    sw.full().to_csv(mat)
    back = read_weights(mat, transform="r")
    assert_allclose(back.full().loc["b"].to_numpy(), [1 / 3, 0, 2 / 3])
    gal = tmp_path / "w.gal"
    f = libpysal.io.open(str(gal), "w")
    f.write(sw.w)
    f.close()
    assert read_weights(gal, transform="b").full().loc["b", "c"] == 1.0
    gwt = tmp_path / "w.gwt"
    gwt.write_text("0 3 w a\na b 1.0\nb a 1.0\nb c 2.0\nc b 2.0\n", encoding="utf-8")
    assert_allclose(read_weights(gwt, transform="none").full().to_numpy(), sw.full().to_numpy())
    txt = tmp_path / "x.txt"
    txt.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"^read_weights: unsupported file type; got '\.txt'. Use \.gal, \.gwt or \.csv\.$"):
        read_weights(txt)
    with pytest.raises(DataError, match=r"^weights_from_matrix: weights must be finite and non-negative"):
        weights_from_matrix(np.array([[0, -1], [1, 0]]), ids=["a", "b"])


# --------------------------------------------------------------------------- panels
def _province_panel():
    return pd.read_csv(province_nqpf_input(), dtype={"unit": str})


def test_moran_panel_on_provinces():
    df = _province_panel()
    r = moran_panel(df, "queen", value="nqpf", permutations=99, seed=0)
    assert r.table["year"].tolist() == list(range(2010, 2023))
    sw = province_weights()
    s = df[df["year"] == 2022].set_index("unit")["nqpf"]
    m, ids = sw.w.full()
    y = s.loc[ids].to_numpy()
    z = y - y.mean()
    assert_allclose(r.table["I"].iloc[-1], 31 / m.sum() * (z @ m @ z) / (z @ z), rtol=1e-12)
    shuffled = df.sample(frac=1.0, random_state=1)
    r2 = moran_panel(shuffled, "queen", value="nqpf", permutations=99, seed=0)
    pd.testing.assert_frame_equal(r.table, r2.table)
    assert "海南 (460000)" in str(r.summary())


def test_lisa_panel_and_subset_weights():
    df = _province_panel()
    df = df[(df["unit"] != "540000") & (df["year"] >= 2021)]
    r = lisa_panel(df, value="nqpf", permutations=99, seed=0)
    assert len(r.table) == 60 and set(r.table["quadrant"]) <= {"HH", "LH", "LL", "HL"}
    counts = r.counts()
    assert (counts[["HH", "LH", "LL", "HL", "ns"]].sum(axis=1) == 30).all()
    assert "海南 (460000)" in str(r.summary())
    r31 = lisa_panel(df, province_weights(), value="nqpf", permutations=99, seed=0)  # 31-unit weights, restricted
    assert "Weights restricted to the 30 units of the data (1 dropped)" in str(r31.summary())
    pd.testing.assert_frame_equal(r.table, r31.table)


def test_lisa_island_without_neighbours():
    rng = np.random.default_rng(5)
    s = pd.Series(rng.lognormal(size=31), index=province_units())
    r = local_moran(s, province_weights(island="none"), permutations=99, seed=0)
    row = r.table.set_index("unit").loc["460000"]
    assert row["quadrant"] == "island" and np.isnan(row["p_sim"]) and row["cluster"] == "ns"
    assert "Units without neighbours get quadrant 'island'" in str(r.summary())


def test_alignment_errors():
    sw = province_weights()
    with pytest.raises(DataError, match=r"^moran: units not in the spatial weights; got \['x1'\]"):
        moran(pd.Series([1.0] * 31, index=province_units()[:30] + ["x1"]), sw)
    with pytest.raises(DataError, match=r"^moran: values contain NaN for units \['110000'\]"):
        moran(pd.Series([np.nan] + [1.0] * 30, index=province_units()), sw)
    with pytest.raises(NqpfError, match=r"^The 'permutations' parameter of moran must be an int in the range"):
        moran(pd.Series(np.arange(31.0), index=province_units()), sw, permutations=-1)
