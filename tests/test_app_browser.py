"""``nqpf app`` end to end in headless Chromium: upload → framework → methods → run → results, at 1440 px and 390 px."""
from __future__ import annotations

import io
import shutil
import zipfile

import openpyxl
import pytest
from typer.testing import CliRunner

from _browser import launch
from _browser import sync_api as browser_api
from test_app import BAD_COL, BAD_ROW, Server, write_inputs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    with browser_api().sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("app-home"))
    yield s
    s.stop()


def test_click_through_upload_framework_methods_run_results(browser, server, tmp_path):
    files = write_inputs(tmp_path / "in")
    page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.base + "/")
    page.wait_for_selector("#m-weight option", state="attached")
    # a bad cell is reported with its row and column, before anything runs
    page.set_input_files("#dataFile", str(files["bad"]))
    page.wait_for_selector("#dataError")
    cells = page.locator(".cells tbody tr")
    assert cells.count() == 1
    assert cells.first.locator("td").all_inner_texts()[:3] == [str(BAD_ROW), BAD_COL, "12.5万"]
    assert f"row {BAD_ROW}, column '{BAD_COL}'" in page.inner_text("#dataError")
    # the GBK file with 「—」 cells and 省/市 suffixes: read, with units resolved to codes
    page.set_input_files("#dataFile", str(files["good"]))
    page.wait_for_selector(".facts")
    assert "gb18030" in page.inner_text(".facts") and "2013–2022" in page.inner_text(".facts")
    # the framework sheet, its tree and an in-place edit
    page.set_input_files("#fwFile", str(files["sheet"]))
    page.wait_for_selector(".tree >> text=科技创新")
    assert page.locator(".tree select.dir").count() == 7
    assert page.locator('.tree select.dir[data-node="X07"]').input_value() == "-1"
    # methods: entropy + TOPSIS; analyses: a few, with figures (the report stage's defaults)
    page.select_option("#m-weight", "entropy")
    page.select_option("#m-aggregate", "topsis")
    assert "TOPSIS" in page.inner_text("#methodGrid")
    for kind in ("theil", "inequality", "density", "markov", "spatial-markov", "moran", "lisa", "beta", "club", "coupling",
                 "typology"):
        page.uncheck(f'input[data-kind="{kind}"]')
    page.fill("#title", "browser run")
    page.click("#checkBtn")
    page.wait_for_selector("#tomlText")
    toml = page.inner_text("#tomlText")
    assert 'method = "topsis"' in toml and 'run = [\n    "dagum",\n    "sigma",\n    "obstacle",\n]' in toml
    page.click("#runBtn")
    page.wait_for_selector("#runState[data-state=done], #runState[data-state=failed]", timeout=300_000)
    assert page.get_attribute("#runState", "data-state") == "done", page.inner_text("#runError")
    page.wait_for_selector("iframe.report")
    rid = server.json("GET", "/api/runs")[1]["runs"][0]["id"]
    folder = server.app.runs.folder(rid)
    pngs = sorted(p.name for p in (folder / "results" / "figures").iterdir())
    assert any(n.endswith(".png") for n in pngs)
    status, _, zipped = server.call("GET", f"/runs/{rid}/download/figures")
    with zipfile.ZipFile(io.BytesIO(zipped)) as z:
        assert status == 200 and sorted(n.split("/", 1)[1] for n in z.namelist()) == pngs
        assert all(z.read(f"figures/{n}") == (folder / "results" / "figures" / n).read_bytes() for n in pngs)
    # the workbook downloaded through the page, read back cell by cell against the run folder's workbook
    with page.expect_download() as dl:
        page.click('a[data-dl="workbook"]')
    got = tmp_path / "wb.xlsx"
    dl.value.save_as(got)
    a, b = openpyxl.load_workbook(got), openpyxl.load_workbook(folder / "results" / "nqpf_results.xlsx")
    assert a.sheetnames == b.sheetnames
    for name in b.sheetnames:
        assert list(a[name].iter_rows(values_only=True)) == list(b[name].iter_rows(values_only=True)), name
    # the config downloaded through the page and replayed by the CLI beside the same inputs: identical outputs
    with page.expect_download() as dl:
        page.click('a[data-dl="config"]')
    replay = tmp_path / "replay"
    replay.mkdir()
    dl.value.save_as(replay / "run.toml")
    for name in ("省级面板.csv", "framework.csv"):
        shutil.copyfile(folder / name, replay / name)
    from nqpf.cli import app as cli

    res = CliRunner().invoke(cli, ["build", str(replay / "run.toml"), "--quiet"])
    assert res.exit_code == 0, res.output
    ours = {p.relative_to(folder / "results").as_posix(): p.read_bytes() for p in (folder / "results").rglob("*") if p.is_file()}
    theirs = {p.relative_to(replay / "results").as_posix(): p.read_bytes() for p in (replay / "results").rglob("*") if p.is_file()}
    assert sorted(ours) == sorted(theirs)
    assert [k for k in ours if ours[k] != theirs[k]] == []
    assert page.inner_text("#replayCmd") == "nqpf build run.toml"
    # past runs reopen
    page.reload()
    page.wait_for_selector("button[data-run]")
    page.click(f'button[data-run="{rid}"]')
    page.wait_for_selector("iframe.report")
    assert page.input_value("#title") == "browser run"
    # the English UI
    page.click("#lang")
    assert page.inner_text("#methods h2") == "3 Methods"
    assert errors == []


def test_phone_width_nothing_overflows(browser, server, tmp_path):
    files = write_inputs(tmp_path / "in")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server.base + "/")
    page.wait_for_selector("#m-weight option", state="attached")
    page.set_input_files("#dataFile", str(files["good"]))
    page.wait_for_selector(".tree")
    page.set_input_files("#fwFile", str(files["sheet"]))
    page.wait_for_selector(".tree >> text=科技创新")
    page.check("#st-sensitivity")
    for lang in ("zh", "en"):
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, lang
        page.screenshot(path=str(tmp_path / f"app-390-{lang}.png"), full_page=True)
        page.click("#lang")
