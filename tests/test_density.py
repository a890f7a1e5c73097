"""Kernel density per year: kernels, bandwidth rules, descriptors."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from _shared import fixture_path, province_nqpf_input
from nqpf import MethodError, NqpfError
from nqpf.analysis.density import bandwidth, density_descriptors, kde, kernel_density


def test_gaussian_kde_equals_scipy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    h = bandwidth(x, "silverman")
    grid = np.linspace(-4, 4, 101)
    ref = stats.gaussian_kde(x, bw_method=h / np.std(x, ddof=1))(grid)  # scipy: h = factor · σ̂ (ddof 1)
    assert_allclose(kde(x, grid, h=h), ref, rtol=1e-10)


def test_epanechnikov_closed_form_and_mass():
    assert_allclose(kde([0.0], [0.0, 0.5, 1.0, 2.0], h=1.0, kernel="epanechnikov"), [0.75, 0.5625, 0.0, 0.0])
    grid = np.linspace(-3, 4, 7001)
    dens = kde([0.0, 0.5, 1.0], grid, h=0.7, kernel="epanechnikov")
    assert_allclose(np.trapezoid(dens, grid), 1.0, atol=1e-6)


def test_bandwidth_rules():
    y = np.array([1.0, 2, 3, 4, 5, 7, 11])
    sd = np.std(y, ddof=1)
    iqr = np.subtract(*np.percentile(y, [75, 25]))
    assert_allclose(bandwidth(y, "silverman"), 0.9 * min(sd, iqr / 1.34) * 7 ** -0.2)
    assert_allclose(bandwidth(y, "scott"), 1.06 * sd * 7 ** -0.2)
    assert bandwidth(y, 0.3) == 0.3
    with pytest.raises(MethodError, match=r"^bandwidth: rule 'silverman' gives h = 0"):
        bandwidth([1.0, 1.0, 1.0], "silverman")


def test_descriptors_on_bimodal_and_skewed():
    grid = np.linspace(-5, 15, 2001)
    v = np.array([0.0, 0.1, -0.1, 0.05, 10.0, 10.1])
    dens = kde(v, grid, h=0.5)
    d = density_descriptors(grid, dens, v)
    assert d["n_peaks"] == 2
    assert abs(d["peak_x"]) < 0.05
    assert_allclose(d["right_tail"], 10.1 - d["peak_x"])
    assert d["skewness"] > 0
    unimodal = density_descriptors(grid, kde([0.0], grid, h=1.0), np.array([0.0]))
    assert unimodal["n_peaks"] == 1
    assert_allclose(unimodal["peak_width"], 2 * np.sqrt(2 * np.log(2)), atol=0.02)  # FWHM of N(0, 1)


def test_kernel_density_panel_on_provinces():
    df = pd.read_csv(province_nqpf_input(), dtype={"unit": str})
    r = kernel_density(df, value="nqpf", kernel="epanechnikov", bw="silverman", grid_size=128)
    assert r.descriptors["year"].tolist() == list(range(2010, 2023))
    assert len(r.curves) == 13 * 128 and r.surface().shape == (13, 128)
    g = r.curves["x"].unique()
    for yr, sub in r.curves.groupby("year"):
        assert_allclose(np.trapezoid(sub["density"], g), 1.0, atol=2e-2)  # 128-point grid
    y22 = df.loc[df["year"] == 2022, "nqpf"].to_numpy()
    row = r.descriptors.set_index("year").loc[2022]
    assert_allclose(row["bandwidth"], bandwidth(y22, "silverman"))
    assert row["peak_x"] < np.median(y22) + 0.5 and row["right_tail"] > 2  # 江苏 far above the mode
    assert "Kernel density by year" in str(r.summary())
    with pytest.raises(NqpfError, match=r"^The 'kernel' parameter of kernel_density must be one of 'gaussian'"):
        kernel_density(df, value="nqpf", kernel="box")
