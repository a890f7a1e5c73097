"""The interactive map of report.html and the dashboard in headless Chromium: units without a value.

A run of four provinces on the bundled data, 2020–2022, in which every series of 四川 (510000) in 2022 is
blanked (no imputation), so 四川 has no 2022 score (excluded.csv) but has one in 2021. The other 27 provinces
are not in the run. Units without a value must be drawn hatched (white with grey lines), unlike the lightest
class colour, with a legend entry 无数据 / No data.
"""
import threading
import warnings

import numpy as np
import pytest

import nqpf
import nqpf.run

from _browser import launch
from _browser import sync_api as browser_api

UNITS = ["北京", "上海", "广东", "四川"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def gap_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("map_gap")
    cfg = nqpf.datasets.demo_config(years=(2020, 2022), units=UNITS, stages=["report"])
    cfg["data"].pop("bundled")
    cfg["impute"] = {"method": "none"}
    cfg["report"] = {"figures": False, "workbook": False, "journal": False, "embed_font": False}
    data = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    data.loc[(data["unit"] == "510000") & (data["year"] == 2022), "value"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, data=data, out=out)
    res = nqpf.load_result(out)
    root = res.scores[res.scores["node"] == res.root].set_index(["unit", "year"])["score"]
    assert np.isnan(root[("510000", 2022)]) and np.isfinite(root[("510000", 2021)])
    assert ("510000" in set(res.excluded["unit"].astype(str)))
    return out


# the fill the page computes for a province, its classes, and whether a small square around an inner point is all
# inside it (found with isPointInFill), in page pixels
_PROBE = """code => {
  const p = document.querySelector(`#map path[data-unit="${code}"]`);
  const b = p.getBBox(), m = p.getScreenCTM();
  const s = m.a;                    // page pixels per SVG unit
  const r = 5 / s;                  // a 10 x 10 px square
  let best = null;
  for (let i = 1; i < 24 && !best; i++) {
    for (let j = 1; j < 24 && !best; j++) {
      const x = b.x + b.width * i / 24, y = b.y + b.height * j / 24;
      const ok = [[0, 0], [-r, -r], [r, -r], [-r, r], [r, r], [0, -r], [0, r], [-r, 0], [r, 0]].every(
        ([dx, dy]) => p.isPointInFill(new DOMPoint(x + dx, y + dy)));
      if (ok) { best = [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]; }
    }
  }
  return {fill: getComputedStyle(p).fill, cls: p.getAttribute("class"), point: best};
}"""


def _pixels(page, point):
    from io import BytesIO

    from PIL import Image

    x, y = point
    png = page.screenshot(clip={"x": x - 5, "y": y - 5, "width": 10, "height": 10})
    with Image.open(BytesIO(png)) as im:
        return np.asarray(im.convert("RGB")).reshape(-1, 3).astype(int)


def _check_no_data(page):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.wait_for_load_state("load")
    page.locator("#map").scroll_into_view_if_needed()
    assert page.locator("#year-select").input_value() == "2022"
    # 四川 has no 2022 value: hatched fill (the pattern), class nodata
    sc = page.evaluate(_PROBE, "510000")
    assert "nodata" in sc["cls"].split() and "nqpf-nodata" in sc["fill"], sc
    assert page.locator("#map pattern#nqpf-nodata line").count() == 1
    # 广东, the lowest of the three 2022 values, gets the lightest class colour, a flat fill
    gd = page.evaluate(_PROBE, "440000")
    assert "nodata" not in gd["cls"].split() and gd["fill"].startswith("rgb("), gd
    assert page.evaluate(_PROBE, "650000")["fill"].find("nqpf-nodata") >= 0          # 新疆: not in the run
    # on screen: the hatching holds white and dark grey pixels; the lightest class is one light yellow
    hatch, light = _pixels(page, sc["point"]), _pixels(page, gd["point"])
    assert (hatch.min(axis=1) > 235).sum() >= 20 and (hatch.max(axis=1) < 170).sum() >= 10, np.unique(hatch, axis=0)
    assert len(np.unique(light, axis=0)) <= 2 and abs(light.mean(axis=0) - [0xff, 0xff, 0xd9]).max() < 8, light.mean(axis=0)
    # the legend has the same entry, with a hatched swatch
    entry = page.locator("#legend .legend-nodata")
    assert entry.inner_text().strip() == "无数据"
    swatch = page.evaluate("getComputedStyle(document.querySelector('#legend .nodata-swatch')).backgroundImage")
    assert swatch.startswith("repeating-linear-gradient"), swatch
    assert page.locator("#legend .nodata-swatch").bounding_box()["width"] >= 10
    # hovering a unit without a value says so
    page.mouse.move(*sc["point"])
    tip = page.locator("#tooltip")
    assert tip.is_visible() and "四川" in tip.inner_text() and "无数据" in tip.inner_text()
    page.evaluate("document.getElementById('lang-en').click()")  # a click that does not scroll the sticky header
    assert page.locator("#legend .legend-nodata").inner_text().strip() == "No data"
    sc_en = page.evaluate(_PROBE, "510000")              # the longer English text above moves the map
    assert "nqpf-nodata" in sc_en["fill"]
    page.mouse.move(*sc_en["point"])
    tip = page.locator("#tooltip")
    assert tip.is_visible() and "Sichuan" in tip.inner_text() and "No data" in tip.inner_text()
    # 2021: 四川 has a value again, drawn with a class colour
    page.select_option("#year-select", "2021")
    sc21 = page.evaluate(_PROBE, "510000")
    assert "nodata" not in sc21["cls"].split() and sc21["fill"].startswith("rgb("), sc21
    assert errors == []


def test_report_map_draws_units_without_a_value_hatched_with_a_legend_entry(gap_run):
    sync_api = browser_api()
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            page = b.new_page(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
            page.goto((gap_run / "report.html").as_uri())
            _check_no_data(page)
        finally:
            b.close()


def test_dashboard_map_draws_units_without_a_value_hatched(gap_run):
    from nqpf.report.dashboard import make_server

    sync_api = browser_api()
    srv = make_server(gap_run, port=0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        host, port = srv.server_address[:2]
        with sync_api.sync_playwright() as p:
            b = launch(p)
            try:
                page = b.new_page(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
                page.goto(f"http://{host}:{port}/")
                _check_no_data(page)
            finally:
                b.close()
    finally:
        srv.shutdown()
        srv.server_close()
