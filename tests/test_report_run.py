"""Reports of a real run (the demo on bundled provincial data): stage, workbook, figures, HTML, CLI, dashboard, browser.

One demo run is shared by the module. When the analysis stage is not part of this installation,
the fixture writes the analysis tables the way that stage saves them (``DIR/analysis/<kind>_<table>.csv``,
computed with :mod:`nqpf.analysis`, and their kinds in ``stages.json``), so that the report's generic table handling and every
figure type are exercised on real results.
"""
import fcntl
import http.client
import json
import os
import re
import shutil
import subprocess
import threading
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import nqpf
import nqpf.pipeline
import nqpf.run
from nqpf.cli import app
from nqpf.report import generate_reports
from nqpf.report.excel import workbook_headers, workbook_tables
from nqpf.report.tables import collect, column_label

from _browser import launch, print_report
from _browser import sync_api as browser_api

FIGURE_TYPES = {"bump_chart", "radar", "map", "density_surface", "density_ridgeline", "markov_heatmap", "dagum_chart",
                "coupling_chart", "obstacle_bars", "rank_interval", "lisa_map"}


def _write_analysis_tables(out: Path, res) -> None:
    """The analysis stage's tables, computed with nqpf.analysis (used when that stage did not run)."""
    from nqpf import analysis as A

    d = out / "analysis"
    d.mkdir(exist_ok=True)
    fr = A.subsystem_frame(res.scores, {s.id: list(s.nodes) for s in res.framework.subsystems})
    results = {
        "kernel_density": A.kernel_density(res), "markov": A.markov(res), "spatial_markov": A.spatial_markov(res),
        "dagum": A.dagum_panel(res, group="region4"), "lisa": A.lisa_panel(res, permutations=99, seed=0),
        "sigma": A.sigma_convergence(res.panel()), "obstacle": A.obstacle_degree(res.normalised, res.weights),
        "coupling": A.coupling_coordination(fr, subsystems=[s.id for s in res.framework.subsystems], zeros="allow"),
    }
    kinds = {}
    for kind, r in results.items():
        for name, df in r.tables().items():
            df.to_csv(d / f"{kind}_{name}.csv", index=False)
            kinds[f"{kind}_{name}"] = f"{r.kind}.{name}"
    stages = json.loads((out / "stages.json").read_text(encoding="utf-8"))
    stages["analysis"] = {"tables": kinds, "results": {}, "artefacts": []}
    (out / "stages.json").write_text(json.dumps(stages), encoding="utf-8")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    """One demo run per test session, shared by pytest-xdist workers (built once, under a file lock)."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        return _build_demo(tmp_path_factory.mktemp("report_demo"))
    root = tmp_path_factory.getbasetemp().parent
    out = root / "report_demo_shared"
    with open(root / "report_demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (out / ".complete").exists():
                shutil.rmtree(out, ignore_errors=True)
                out.mkdir()
                _build_demo(out)
                (out / ".complete").touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    from nqpf.report.dashboard import _figure_records
    from nqpf.report.stage import ReportOutputs

    return out, ReportOutputs(run_dir=out, workbook=out / "nqpf_results.xlsx", report=out / "report.html",
                              figures=_figure_records(out))


def _build_demo(out: Path):
    cfg = nqpf.datasets.demo_config()
    assert "report" in cfg, "demo_config must include the [report] section once the report stage exists"
    cfg["report"] = {"figures": False}  # the stage itself runs; figures are drawn below, after the analysis tables
    cfg.pop("explain", None)  # regressions are not part of what the report is tested on (their tables are generic)
    if "analysis" in cfg:
        cfg["analysis"] = {"nodes": ["NQPF"], "permutations": 99}
    cfg["sensitivity"] = {"factors": [{"name": "weights", "kind": "weights_noise", "levels": [2, 3], "spread": 0.25,
                                       "n_sets": 16}],
                          "n": 16, "analyses": ["uncertainty"], "seed": 3}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=out)
        assert (out / "report.html").exists() and (out / "nqpf_results.xlsx").exists()
        if not (out / "analysis").is_dir() or not any((out / "analysis").glob("*.csv")):
            _write_analysis_tables(out, nqpf.load_result(out))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # a missing glyph is a UserWarning from matplotlib
        # SVG is written on request only since the report got faster ([report] svg = true): asked for here
        outputs = generate_reports(out, {"unit_radars": False, "map_nodes": ["NQPF"], "dpi": 90, "svg": True})
    return out, outputs


# ----------------------------------------------------------------------------- stage and workbook

def test_report_stage_is_registered_at_order_90():
    st = {s.name: s for s in nqpf.pipeline.stages()}
    assert st["report"].order == 90
    assert "report" in nqpf.datasets.DEMO_STAGES


def test_stage_wrote_the_three_outputs(demo_dir):
    out, outputs = demo_dir
    assert outputs.workbook == out / "nqpf_results.xlsx" and outputs.report == out / "report.html"
    idx = pd.read_csv(out / "report" / "figures.csv")
    assert list(idx.columns) == ["name", "section", "title_zh", "title_en", "unit", "files"]
    assert idx["name"].tolist() == [r.name for r in outputs.figures] and len(idx) >= 14  # the pooled Markov duplicate is not drawn
    assert all((out / "figures" / f).exists() for fs in idx["files"] for f in fs.split(";"))


def _cell_equal(a, b) -> bool:
    if a is None or a is pd.NA or (isinstance(a, str) and a == "") or (isinstance(a, (float, np.floating)) and (np.isnan(a) or np.isinf(a))):
        return b is None  # missing and infinite values are empty cells
    if isinstance(a, (bool, np.bool_)):
        return b == bool(a)
    if isinstance(a, (int, float, np.integer, np.floating)):
        return isinstance(b, (int, float)) and np.isclose(float(a), float(b), rtol=1e-12, atol=0)
    return str(a) == b


def _compare_workbook(path: Path, tables: dict, lang: str, headers: dict) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)  # LibreOffice stores booleans as =TRUE()
    assert wb.sheetnames == ["README", *tables]
    for name, df in tables.items():
        rows = list(wb[name].iter_rows(values_only=True))
        assert list(rows[0])[: df.shape[1]] == headers[name], name
        assert len(rows) - 1 == len(df), name
        data = df.astype(object).to_numpy()
        for i in range(len(df)):
            for j in range(df.shape[1]):
                got = rows[i + 1][j] if j < len(rows[i + 1]) else None
                assert _cell_equal(data[i, j], got), (name, i, df.columns[j], data[i, j], got)
    wb.close()


def test_workbook_reads_back_equal_to_the_result_tables(demo_dir):
    out, _ = demo_dir
    run = collect(out)
    tables = workbook_tables(run, lang="zh")
    for required in ("scores_wide", "ranks_wide", "elements", "weights", "normalised", "dagum_totals",
                     "obstacle_top", "recommendations"):
        assert any(k == required or k.endswith("_" + required) for k in tables), required
    _compare_workbook(out / "nqpf_results.xlsx", tables, "zh", workbook_headers(run, lang="zh"))
    # stage sheets are the CSV tables the stages saved
    for sheet, path in (("dagum_totals", "analysis/dagum_totals.csv"), ("uncertainty_rank_stats",
                                                                         "sensitivity/uncertainty_rank_stats.csv")):
        disk = pd.read_csv(out / path, dtype={"unit": str})
        pd.testing.assert_frame_equal(tables[sheet].reset_index(drop=True), disk, check_dtype=False)
    # the wide score table is the index score of every unit and year
    res = run.result
    sw = tables["scores_wide"].set_index("unit")
    s = res.scores[(res.scores["node"] == res.root) & (res.scores["year"] == 2022)].set_index("unit")["score"]
    np.testing.assert_allclose(sw["2022"].reindex(s.index).to_numpy(), s.to_numpy(), rtol=1e-15)
    assert sw.index[0] == "110000"  # rows ordered by the last year's rank (Beijing first in 2022)


def test_workbook_frozen_headers_formats_and_readme(demo_dir):
    import openpyxl

    out, _ = demo_dir
    wb = openpyxl.load_workbook(out / "nqpf_results.xlsx")
    assert wb["scores_wide"].freeze_panes == "B2"
    assert wb["weights"].freeze_panes in ("A2", "B2")
    assert wb["scores_wide"]["C2"].number_format == "0.0000"
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True) if r[0]}
    assert readme["年份"] == "2013–2022" and readme["单元数"] == "31"
    assert "entropy" in readme["步骤: weight"] and '"scope": "pooled"' in readme["步骤: normalise"]


def test_workbook_english_headers(demo_dir, tmp_path):
    from nqpf.report.excel import write_workbook

    import openpyxl

    out, _ = demo_dir
    p = write_workbook(collect(out), tmp_path / "en.xlsx", lang="en")
    wb = openpyxl.load_workbook(p, read_only=True)
    assert [c.value for c in next(wb["scores_wide"].iter_rows(max_row=1))][:3] == ["Code", "Unit", "2013"]
    assert [r[0] for r in wb["README"].iter_rows(min_row=2, max_row=4, values_only=True)] == [
        "nqpf results workbook", "Framework", "Years"]


def test_columns_are_labelled_by_table_kind(demo_dir):
    """Geary's C and Theil's T are not headed 耦合度 / 综合发展指数 (the coupling table's C and T)."""
    import openpyxl

    out, _ = demo_dir
    wb = openpyxl.load_workbook(out / "nqpf_results.xlsx", read_only=True)

    def header(sheet: str, col: str) -> str:
        df = pd.read_csv(out / "analysis" / f"{sheet}.csv", nrows=1)
        return [c.value for c in next(wb[sheet].iter_rows(max_row=1))][list(df.columns).index(col)]

    assert header("moran_global", "C") == "吉尔里指数 C" and header("moran_global", "I") == "莫兰指数 I"
    assert header("theil_totals", "T") == "泰尔指数 T" and header("theil_totals", "L") == "泰尔指数 L"
    assert header("coupling_coupling", "C") == "耦合度" and header("coupling_coupling", "T") == "综合发展指数"
    assert header("coupling_coupling", "D") == "耦合协调度" and header("dagum_totals", "G") == "总体基尼系数"
    en = workbook_headers(collect(out), lang="en")
    mg = pd.read_csv(out / "analysis" / "moran_global.csv", nrows=1)
    assert en["moran_global"][list(mg.columns).index("C")] == "Geary's C"
    assert column_label("C", "zh") == "C" and column_label("T", "en", "inequality_measures") == "T"
    # first-passage times: the note column and its caption; undefined times are empty cells, never ±inf
    mf = pd.read_csv(out / "analysis" / "markov_mfpt.csv")
    rows = list(wb["markov_mfpt"].iter_rows(values_only=True))
    assert rows[0][list(mf.columns).index("note")] == "说明"
    states = ["low", "lower-middle", "upper-middle", "high"]
    assert not np.isinf(mf[states].to_numpy()).any() and np.nanmax(mf[states].to_numpy()) < 1e4
    readme = {r[0]: r[1] for r in wb["README"].iter_rows(values_only=True) if r[0]}
    assert "空白（NaN）表示从该状态不能以概率 1 到达目标状态" in readme["markov_mfpt"]
    wb.close()
    html = (out / "report.html").read_text(encoding="utf-8")
    prov = html[html.index('<section id="provenance">'):]
    ind = prov[prov.index("Indicators"):]
    ind = ind[: ind.index("</tr>")]  # the header row of the indicator table
    assert "计量单位" in ind and "Unit of measure" in ind and "地区代码" not in ind
    mfpt = html[html.index('data-table="analysis/markov_mfpt"'):]
    mfpt = mfpt[: mfpt.index("</details>")]
    assert "Blank (NaN): the target is not reached from that state with probability 1" in mfpt
    assert ">说明<" in mfpt and "inf" not in mfpt.lower().replace("infinite", "")


def test_workbook_opens_in_libreoffice(demo_dir, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
    out, _ = demo_dir
    src = tmp_path / "in.xlsx"
    shutil.copy(out / "nqpf_results.xlsx", src)
    conv = tmp_path / "conv"
    r = subprocess.run([soffice, "--headless", "--norestore", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                        "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(conv), str(src)],
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr
    run = collect(out)
    _compare_workbook(conv / "in.xlsx", workbook_tables(run, lang="zh"), "zh", workbook_headers(run, lang="zh"))


# ----------------------------------------------------------------------------- figures

def _glyph_id(char: str) -> str:
    from fontTools.ttLib import TTFont

    from nqpf.report.fonts import cjk_font

    f = TTFont(str(cjk_font().path), fontNumber=0, lazy=True)
    return f"{f['name'].getDebugName(6)}-{f.getGlyphID(f.getBestCmap()[ord(char)]):x}"


def test_every_figure_type_is_drawn_for_the_demo(demo_dir):
    from PIL import Image

    out, outputs = demo_dir
    kinds = {r.name.split("__")[0].split("_")[0] if r.name.startswith(("radar_", "map_")) else r.name.split("__")[0]
             for r in outputs.figures}
    assert FIGURE_TYPES <= kinds, FIGURE_TYPES - kinds
    for r in outputs.figures:
        png, svg = r.files[:2]
        with Image.open(png) as im:
            assert im.size[0] >= 350 and im.size[1] >= 300, r.name
            assert len(np.unique(np.asarray(im.convert("L")))) > 20, r.name
        assert svg.suffix == ".svg" and svg.stat().st_size > 10_000
    # Chinese text is drawn with real glyphs: the bump chart's axis label 排名 and a map title 新质生产力
    bump = (out / "figures" / "bump_chart.svg").read_text(encoding="utf-8")
    assert _glyph_id("排") in bump and _glyph_id("名") in bump
    m = (out / "figures" / "map_NQPF_2022.svg").read_text(encoding="utf-8")
    assert all(_glyph_id(c) in m for c in "新质生产力南海诸岛")
    names = {r.name for r in outputs.figures}
    # the spatial-Markov pooled matrix is the classical Markov matrix: drawn once
    assert "markov_heatmap__analysis_markov_probabilities" in names
    assert "markov_heatmap__analysis_spatial_markov_pooled" not in names
    assert not (out / "figures" / "markov_heatmap__analysis_spatial_markov_pooled.png").exists()
    # the figures the page shows are drawn in both languages; titles name the year span and the sample
    bump = next(r for r in outputs.figures if r.name == "bump_chart")
    assert bump.png_for("en") is not None and bump.png_for("en").exists()
    dagum = next(r for r in outputs.figures if r.name.startswith("dagum_chart"))
    assert "31 个省份" in dagum.title_zh and "2013–2022" in dagum.title_en and "four regions" in dagum.title_en
    assert "/" not in dagum.title_en  # no raw stage/table names
    coupling = next(r for r in outputs.figures if r.name.startswith("coupling_chart"))
    assert "subsystems:" in coupling.title_en


# ----------------------------------------------------------------------------- HTML

def _page_data(html: str) -> dict:
    m = re.search(r'<script id="nqpf-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(m.group(1).replace("<\\/", "</"))


def test_html_is_self_contained_and_complete(demo_dir):
    out, _ = demo_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert '@font-face { font-family: "NQPF CJK"' in html
    for sec in ("summary", "rankings", "maps", "elements", "inequality", "dynamics", "spatial", "convergence",
                "integration", "obstacles", "sensitivity", "guides", "methods", "provenance"):
        assert f'<section id="{sec}">' in html, sec
    assert html.count("<path class=\"province\" data-unit=") == 31
    assert "熵值法（§2.1）" in html and "Entropy weights (§2.1)" in html  # methods with formulas
    assert "p_ij = z_ij / Σ_i z_ij" in html
    # generic stage tables are shown under readable titles, never under their raw "stage / table" names
    assert "Dagum 基尼系数及分解（按年）" in html and "Dagum Gini and decomposition by year" in html
    assert "Uncertainty analysis: rank intervals" in html
    summaries = re.findall(r"<summary>(.*?)</summary>", html, re.S)
    assert summaries and not [x for x in summaries if re.search(r"\b[a-z]+ / [a-z_]+\b", x)]
    assert "analysis / dagum_totals" not in html
    # each figure is embedded in both languages (the page shows the one of its language)
    assert re.search(r'<figure data-figure="dagum_chart__analysis_dagum_totals"><img class="zh"[^>]*><img class="en"', html)


def test_html_data_equals_the_scores(demo_dir):
    out, _ = demo_dir
    data = _page_data((out / "report.html").read_text(encoding="utf-8"))
    res = nqpf.load_result(out)
    codes = [u["code"] for u in data["units"]]
    for node in [res.root, *res.children(res.root)]:
        for year in (2013, 2022):
            s = res.scores[(res.scores["node"] == node) & (res.scores["year"] == year)].set_index("unit")
            got = data["scores"][node][str(year)]
            want = [None if np.isnan(s.loc[c, "score"]) else round(float(s.loc[c, "score"]), 4) for c in codes]
            assert got == want
            assert data["ranks"][node][str(year)] == [None if np.isnan(s.loc[c, "rank"]) else int(s.loc[c, "rank"])
                                                      for c in codes]
    assert set(data["guides"]) == set(codes) and set(data["guides"]["110000"]) == {"zh", "en"}


# ----------------------------------------------------------------------------- CLI

def test_cli_report_regenerates_in_english(demo_dir, tmp_path):
    out, _ = demo_dir
    d = tmp_path / "run"
    shutil.copytree(out, d, ignore=shutil.ignore_patterns("figures", "*.parquet"))
    r = CliRunner().invoke(app, ["report", str(d), "--no-figures", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert f"HTML report: {d / 'report.html'}" in r.output
    html = (d / "report.html").read_text(encoding="utf-8")
    assert '<body class="lang-en"' in html


def test_cli_report_errors(tmp_path):
    r = CliRunner().invoke(app, ["report", str(tmp_path / "nope")])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == (f"Error: nqpf report: the run directory does not exist; got "
                                                 f"{str(tmp_path / 'nope')!r}. Give the --out folder of 'nqpf build' "
                                                 "or 'nqpf demo'.")
    r = CliRunner().invoke(app, ["report", str(tmp_path), "--lang", "fr"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == ("Error: Config [report]: lang: Input should be 'zh' or 'en'; got 'fr'. "
                                                 "See docs/reports.md for the options.")


def test_new_result_types_plug_in_as_sections(demo_dir, tmp_path):
    from nqpf.report.html import build_report_html
    from nqpf.report.tables import SECTIONS, register_section

    out, _ = demo_dir
    d = tmp_path / "run"
    shutil.copytree(out, d, ignore=shutil.ignore_patterns("figures", "*.parquet", "*.xlsx", "report.html"))
    (d / "forecast").mkdir()
    pd.DataFrame({"year": [2023, 2024], "p50": [0.71, 0.74]}).to_csv(d / "forecast" / "fan.csv", index=False)
    # a plug-in stage's tables are recorded in stages.json, as a run records every stage's tables and kinds
    stages = json.loads((d / "stages.json").read_text(encoding="utf-8"))
    stages["forecast"] = {"tables": {"fan": "forecast.fan"}, "results": {}, "artefacts": []}
    (d / "stages.json").write_text(json.dumps(stages), encoding="utf-8")
    register_section("forecast", title_zh="预测", title_en="Forecast", order=75,
                     match=lambda stage, table: stage == "forecast",
                     builder=lambda run, lang: f"<p id='fc-note'>{len(run.stage_tables[('forecast', 'fan')])} years</p>")
    try:
        html = build_report_html(collect(d), embed_font=False)
    finally:
        SECTIONS.pop("forecast")
    sec = html[html.index('<section id="forecast">'):]
    sec = sec[: sec.index("</section>")]
    assert "<p id='fc-note'>2 years</p>" in sec and "0.7400" in sec
    # an unknown table gets a cleaned title (never the raw "stage / table")
    assert "Fan (Forecast)" in sec and "forecast / fan" not in sec
    assert html.index('<section id="convergence">') < html.index('<section id="forecast">') < html.index(
        '<section id="integration">')


def test_every_analysis_table_has_its_section(demo_dir):
    from nqpf.report.tables import section_of

    out, _ = demo_dir
    run = collect(out)
    where = {t: section_of(st, t) for st, t in run.stage_tables}
    expect = {"dagum_totals": "inequality", "theil_totals": "inequality", "density_curves": "dynamics",
              "markov_probabilities": "dynamics", "spatial_markov_conditional": "dynamics", "lisa_local": "spatial",
              "moran_global": "spatial", "sigma_sigma": "convergence", "club_membership": "convergence",
              "coupling_coupling": "integration", "obstacle_top": "obstacles", "typology_members": "elements",
              "uncertainty_rank_stats": "sensitivity", "recommendations": "guides", "analysis_log": "methods"}
    for table, sec in expect.items():
        if table in where:
            assert where[table] == sec, table
    assert "dagum_totals" in where and "uncertainty_rank_stats" in where
    assert [t for t, sec in where.items() if sec == "other"] == []


def test_cli_serve_rejects_bad_port(demo_dir):
    out, _ = demo_dir
    r = CliRunner().invoke(app, ["serve", str(out), "--port", "70000"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == ("Error: nqpf serve --port: must be in 0–65535; got 70000. "
                                                 "Pick a free port such as 8765.")


# ----------------------------------------------------------------------------- dashboard

@pytest.fixture(scope="module")
def dashboard(demo_dir):
    from nqpf.report.dashboard import make_server

    out, _ = demo_dir
    srv = make_server(out, port=0)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv.server_address[:2], out
    srv.shutdown()
    srv.server_close()


def _req(addr, method, path, *, body=None, headers=None):
    c = http.client.HTTPConnection(*addr, timeout=20)
    c.putrequest(method, path, skip_accept_encoding=True, skip_host=False)
    for k, v in (headers or {}).items():
        c.putheader(k, v)
    c.endheaders(body)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, dict(r.getheaders()), data


def test_dashboard_serves_page_and_tables(dashboard):
    addr, out = dashboard
    st, h, body = _req(addr, "GET", "/")
    assert st == 200 and h["Content-Type"].startswith("text/html")
    page = body.decode("utf-8")
    assert page.count('<path class="province" data-unit="') == 31
    assert 'data-figure="bump_chart"' in page and 'href="download/analysis/dagum_totals.csv"' in page
    st, h, body = _req(addr, "GET", "/download/analysis/dagum_totals.csv")
    assert st == 200 and body == (out / "analysis" / "dagum_totals.csv").read_bytes()
    st, _, body = _req(addr, "GET", "/download/core/scores_wide.csv")
    assert st == 200 and body.decode("utf-8").startswith("unit,unit_name,2013")
    st, _, body = _req(addr, "GET", "/api/unit/440000")
    prof = json.loads(body)
    assert st == 200 and prof["unit_name"] == "广东"
    st, _, body = _req(addr, "GET", "/api/files")
    assert st == 200 and {"path": "scores.csv", "bytes": (out / "scores.csv").stat().st_size} in json.loads(body)
    st, _, body = _req(addr, "GET", "/files/figures/bump_chart.png")
    assert st == 200 and body[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("path", ["/files/../manifest.json", "/download/../../etc/passwd", "/files/%2e%2e/%2e%2e/etc/passwd",
                                  "/files/%2Fetc%2Fpasswd", "/files//etc/passwd", "/download/..%5c..%5cetc",
                                  "/files/figures/../../x", "/files/a%00b"])
def test_dashboard_refuses_path_traversal(dashboard, path):
    st, _, _ = _req(dashboard[0], "GET", path)
    assert st == 403


def test_dashboard_refuses_symlinks_out_of_the_folder(dashboard, tmp_path):
    addr, out = dashboard
    secret = tmp_path / "secret.txt"
    secret.write_text("secret")
    link = out / "link_out.txt"
    link.symlink_to(secret)
    try:
        st, _, body = _req(addr, "GET", "/files/link_out.txt")
        assert st == 403 and b"secret" not in body
    finally:
        link.unlink()


def test_dashboard_refuses_other_methods_long_urls_and_bodies(dashboard):
    addr, _ = dashboard
    for m in ("POST", "PUT", "DELETE", "PATCH"):
        st, h, _ = _req(addr, m, "/", body=b"x", headers={"Content-Length": "1"})
        assert st == 405 and h["Allow"] == "GET, HEAD"
    assert _req(addr, "GET", "/" + "a" * 5000)[0] == 414
    assert _req(addr, "GET", "/", body=b"x" * 100, headers={"Content-Length": "100"})[0] == 413
    assert _req(addr, "GET", "/nothing-here")[0] == 404
    assert _req(addr, "HEAD", "/")[0] == 200


# ----------------------------------------------------------------------------- browser

def _check_page(url: str, tmp_path: Path, *, allowed: tuple[str, ...]) -> None:
    sync_api = browser_api()
    with sync_api.sync_playwright() as p:
        b = launch(p, "--disable-background-networking", "--disable-component-update", "--disable-sync")
        try:
            page = b.new_page(viewport={"width": 1280, "height": 900})
            errors, requests = [], []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: requests.append(r.url))
            page.goto(url)
            page.wait_for_load_state("load")
            assert page.locator("#map path[data-unit]").count() == 31
            assert page.locator("#summary h2").inner_text() == "概要"
            page.locator('#map path[data-unit="440000"]').click()
            assert page.locator("#profile").is_visible()
            assert page.locator("#profile h3.profile-title").inner_text().startswith("广东")
            assert page.locator("#profile .guide").count() == 1
            page.click("#lang-en")
            assert page.locator("#summary h2").inner_text() == "Summary"
            assert page.locator("#inequality h2").inner_text() == "Inequality"
            assert page.locator("#profile h3.profile-title").inner_text().startswith("Guangdong")
            fills = 'Array.from(document.querySelectorAll("#map path[data-unit]")).map(p => p.getAttribute("fill"))'
            f2022 = page.evaluate(fills)
            page.select_option("#year-select", "2013")
            assert page.evaluate(fills) != f2022
            assert "2013" in page.locator("#legend").inner_text()
            page.select_option("#node-select", "labourers")
            assert "New-type labourers" in page.locator("#legend").inner_text()
            page.select_option("#unit-a", "110000")
            page.select_option("#unit-b", "650000")
            assert "Xinjiang" in page.locator("#compare-out").inner_text()
            shot = tmp_path / "shot.png"
            page.screenshot(path=str(shot))
            from PIL import Image

            with Image.open(shot) as im:
                assert len(np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)) > 50
            assert errors == []
            assert all(u.startswith(allowed) for u in requests), [u for u in requests if not u.startswith(allowed)]
        finally:
            b.close()


@pytest.mark.browser
def test_report_in_headless_chromium(demo_dir, tmp_path):
    out, _ = demo_dir
    _check_page((out / "report.html").as_uri(), tmp_path, allowed=("file://",))


@pytest.mark.browser
def test_dashboard_in_headless_chromium(dashboard, tmp_path):
    (host, port), _ = dashboard
    _check_page(f"http://{host}:{port}/", tmp_path, allowed=(f"http://{host}:{port}/",))


@pytest.mark.browser
@pytest.mark.parametrize("width", [1440, 390])
def test_report_layout_at_desktop_and_phone_width(demo_dir, tmp_path, width):
    """Nothing overflows the viewport, the header is compact on a phone, anchors land below the sticky header."""
    sync_api = browser_api()
    out, _ = demo_dir
    phone = width < 500
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            ctx = b.new_context(viewport={"width": width, "height": 844 if phone else 900}, is_mobile=phone,
                                has_touch=phone, device_scale_factor=1)
            page = ctx.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((out / "report.html").as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1
            header = page.evaluate("document.querySelector('header.top').getBoundingClientRect().height")
            assert header <= (100 if phone else 80), header
            assert page.title().endswith("nqpf 报告")
            # every section reached from the table of contents shows its heading below the sticky header
            ids = page.evaluate("Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href'))")
            assert {"#summary", "#inequality", "#dynamics", "#sensitivity", "#provenance"} <= set(ids)
            for href in ["#inequality", "#dynamics", "#spatial", "#sensitivity", "#methods"]:
                page.evaluate(f"document.querySelector('nav.toc a[href=\"{href}\"]').click()")
                page.wait_for_timeout(50)
                top = page.evaluate(f"document.querySelector('{href} h2').getBoundingClientRect().top")
                bottom = page.evaluate("document.querySelector('header.top').getBoundingClientRect().bottom")
                assert top >= bottom - 1, (href, top, bottom)
            # figures fit the width; the page shows the figure of its language
            widths = page.evaluate("Array.from(document.querySelectorAll('figure img')).filter(i => i.offsetParent)"
                                   ".map(i => i.getBoundingClientRect().right)")
            assert widths and max(widths) <= width + 1
            assert page.locator('figure[data-figure^="dagum_chart"] img.zh').is_visible()
            assert not page.locator('figure[data-figure^="dagum_chart"] img.en').is_visible()
            page.click("#lang-en")
            assert page.locator('figure[data-figure^="dagum_chart"] img.en').is_visible()
            assert not page.locator('figure[data-figure^="dagum_chart"] img.zh').is_visible()
            assert page.title().endswith("nqpf report")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= width + 1
            # collapsed tables carry readable titles in the page's language
            summary = page.locator('details[data-table="analysis/dagum_totals"] > summary').inner_text()
            assert summary.startswith("Dagum Gini and decomposition by year")
            page.screenshot(path=str(tmp_path / f"report_{width}.png"))
            assert errors == []
        finally:
            b.close()


@pytest.mark.browser
def test_tapped_tooltip_closes_on_scroll(demo_dir):
    sync_api = browser_api()
    out, _ = demo_dir
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            ctx = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page = ctx.new_page()
            page.goto((out / "report.html").as_uri())
            page.wait_for_load_state("load")
            page.locator("#map").scroll_into_view_if_needed()
            page.locator('#map path[data-unit="510000"]').tap()
            tip = page.locator("#tooltip")
            assert tip.is_visible() and "四川" in tip.inner_text()
            page.evaluate("window.scrollBy(0, 400)")
            for _ in range(20):  # the page's CSP forbids wait_for_function (eval): poll
                if page.evaluate("getComputedStyle(document.getElementById('tooltip')).display") == "none":
                    break
                page.wait_for_timeout(100)
            assert not tip.is_visible()
        finally:
            b.close()


@pytest.mark.browser
def test_printed_report_holds_every_table_and_guide(demo_dir, tmp_path):
    """Chromium's print-to-PDF: every collapsed table expanded, every guide in full, no controls."""
    sync_api = browser_api()
    pdfium = pytest.importorskip("pypdfium2")
    from nqpf.report.html import _fmt

    out, _ = demo_dir
    html = (out / "report.html").read_text(encoding="utf-8")
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            page = b.new_page()
            pdf = tmp_path / "report.pdf"
            closed = print_report(page, out / "report.html", pdf)
            assert page.evaluate("document.querySelectorAll('details:not([open])').length") == closed  # restored
        finally:
            b.close()
    doc = pdfium.PdfDocument(str(pdf))
    pages = len(doc)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(pages))
    norm = re.sub(r"\s+", "", text)
    assert 40 <= pages <= 900, pages
    # headings and the readable titles of the collapsed tables
    for t in ("概要", "区域差异", "分布动态", "Dagum 基尼系数及分解（按年）", "空间马尔可夫检验", "不确定性分析：排名区间"):
        assert re.sub(r"\s+", "", t) in norm, t
    # cells of tables that are collapsed on screen
    pairs = pd.read_csv(out / "analysis" / "dagum_pairs.csv")
    num = pairs.select_dtypes("number").drop(columns=[c for c in ("year", "n", "k") if c in pairs], errors="ignore")
    cells = [_fmt(v) for v in num.iloc[0].tolist()[:3]] + [_fmt(v) for v in num.iloc[-1].tolist()[:3]]
    assert all(c in norm for c in cells), [c for c in cells if c not in norm]
    mfpt = pd.read_csv(out / "analysis" / "markov_mfpt.csv")
    assert any(_fmt(v) in norm for v in mfpt.select_dtypes("number").to_numpy().ravel() if v == v and v > 1)
    # every guide prints in full (the last unit's guide as well as the first)
    data = _page_data(html)
    for unit in (min(data["guides"]), max(data["guides"])):
        heading = re.search(r"<h[12]>(.*?)</h[12]>", data["guides"][unit]["zh"]).group(1)
        heading = re.sub(r"<[^>]+>|&[a-z#0-9]+;", "", heading)
        assert re.sub(r"\s+", "", heading) in norm, heading
    # the controls do not print, raw table names never appear
    assert "打印" not in norm and "analysis/dagum_totals" not in norm and "analysis / dagum_totals" not in text


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """An index-only run of four provinces (no stages), reports without figures."""
    d = tmp_path_factory.mktemp("small")
    cfg = nqpf.datasets.demo_config(years=(2020, 2022), units=["北京", "上海", "广东", "四川"], stages=[])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=d)
    return generate_reports(d, {"figures": False, "embed_font": False})


def test_report_of_a_run_without_stages_and_with_four_provinces(small_run):
    html = small_run.report.read_text(encoding="utf-8")
    # sections of stages that did not run are left out (no empty sections, no "no results" notes)
    for sec in ("inequality", "dynamics", "spatial", "convergence", "integration", "obstacles", "sensitivity", "guides"):
        assert f'<section id="{sec}">' not in html, sec
        assert f'href="#{sec}"' not in html, sec
    for sec in ("summary", "rankings", "maps", "elements", "methods", "provenance"):
        assert f'<section id="{sec}">' in html, sec
    assert "No results for this section" not in html and "没有该部分的结果" not in html
    assert "This run has no path-guide stage" not in html
    data = _page_data(html)
    assert [u["code"] for u in data["units"]] == ["110000", "310000", "440000", "510000"]
    assert len(data["map_names"]) == 31
    import openpyxl

    wb = openpyxl.load_workbook(small_run.workbook, read_only=True)
    assert wb.sheetnames == ["README", "scores_wide", "ranks_wide", "elements", "weights", "normalised", "units",
                             "excluded", "changes", "rule_counts", "findings", "coverage"]  # + the data-quality tables


@pytest.mark.browser
def test_clicking_a_province_outside_the_run(small_run):
    sync_api = browser_api()
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            page = b.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(small_run.report.as_uri())
            page.locator('#map path[data-unit="650000"]').click()  # Xinjiang: not in this run
            assert page.locator("#profile h3.profile-title").inner_text().startswith("新疆")
            assert "不包含该地区" in page.locator("#profile").inner_text()
            assert page.locator('#map path[data-unit="650000"]').get_attribute("fill") == "#dddddd"
            assert errors == []
        finally:
            b.close()


def test_cli_report_maps_any_node_and_year(small_run):
    d = small_run.run_dir
    r = CliRunner().invoke(app, ["report", str(d), "--no-workbook", "--no-html", "--no-unit-radars", "--svg",
                                 "--map-node", "labourers", "--map-year", "2021", "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert (d / "figures" / "map_labourers_2021.png").exists() and (d / "figures" / "map_labourers_2021.svg").exists()
    idx = pd.read_csv(d / "report" / "figures.csv")
    assert "map_labourers_2021" in idx["name"].tolist()
    assert idx.set_index("name").loc["map_labourers_2021", "title_en"] == "New-type labourers (2021)"
    r = CliRunner().invoke(app, ["report", str(d), "--no-workbook", "--no-html", "--map-year", "1999"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == ("Error: render_run_figures: map year not in the run; got 1999. "
                                                 "Use one of [2020, 2021, 2022].")
    r = CliRunner().invoke(app, ["report", str(d), "--no-workbook", "--no-html", "--map-node", "nope"])
    assert r.exit_code == 1 and "map nodes not in the run; got ['nope']" in r.output


@pytest.fixture(scope="module")
def country_run(tmp_path_factory):
    """A toy run on countries (not provinces): no China maps, profiles from the ranking table."""
    from nqpf.framework.io import framework_from_dict

    fw = framework_from_dict({
        "framework": {"id": "toy", "unit_level": "country", "name_en": "Toy index"},
        "node": [{"id": "I", "name_en": "Index", "parent": ""}]
        + [{"id": f"D{k}", "name_en": f"Dim {k}", "parent": "I"} for k in range(3)],
        "indicator": [{"id": f"x{k}", "name_en": f"x {k}", "parent": f"D{k}", "direction": 1} for k in range(3)]})
    rng = np.random.default_rng(0)
    # a user group column named region4 without the provincial region4_zh (as city runs have)
    rows = [{"unit": u, "unit_name": n, "region4": g, "year": y, "indicator": f"x{k}", "value": float(rng.uniform(1, 10))}
            for u, n, g in [("AUS", "Australia", "west"), ("CHN", "China", "east"), ("DEU", "Germany", "west"),
                            ("FRA", "France", "west")]
            for y in (2020, 2021) for k in range(3)]
    d = tmp_path_factory.mktemp("country")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build({"normalise": {"method": "minmax"}, "weight": {"method": "equal"},
                          "aggregate": {"method": "arithmetic"}}, data=pd.DataFrame(rows), framework=fw)
    res.save(d)
    return res, generate_reports(d, {"unit_radars": False, "embed_font": False})


def test_country_run_has_no_china_maps(country_run):
    res, out = country_run
    last = res.ranking(2021)["unit"].tolist()
    assert [r.name for r in out.figures] == ["bump_chart", f"radar_{last[0]}", f"radar_{last[-1]}"]
    html = out.report.read_text(encoding="utf-8")
    assert 'id="map"' not in html
    assert "this run&#x27;s units are not provinces" in html
    data = _page_data(html)
    assert [u["en"] for u in data["units"]] == ["Australia", "China", "Germany", "France"]  # name_en empty: unit_name


@pytest.mark.browser
def test_country_run_profile_from_the_ranking_table(country_run):
    sync_api = browser_api()
    _, out = country_run
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            page = b.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(out.report.as_uri())
            page.locator('#ranking-table tr[data-unit="DEU"]').click()
            assert page.locator("#profile").is_visible()
            assert page.locator("#profile h3.profile-title").inner_text().startswith("Germany")
            assert errors == []
        finally:
            b.close()
