"""A report written in English, read in headless Chromium and printed to PDF.

One run on the bundled provincial data (2018–2022) with the analysis and path-guide stages and
``[report] lang = "en"`` — no sensitivity, validation or regression stage, so their sections must be
left out. Checked: the page opens in English (titles, table captions, figures), no raw stage-table
name is shown as content in either language, and Chromium's print-to-PDF holds every collapsed table
and every guide in full, with the tables of many columns on landscape pages.
"""
import json
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

import nqpf
import nqpf.run

from _browser import launch, print_report
from _browser import sync_api as browser_api

CJK = re.compile(r"[\u4e00-\u9fff]")
SUMMARY_SHAPE = re.compile(r"\((\d+) rows × (\d+) columns\)")
pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def en_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report_en")
    cfg = nqpf.datasets.demo_config(years=(2018, 2022), stages=["analysis", "paths", "report"])
    cfg["analysis"] = {"nodes": ["NQPF"], "permutations": 99}
    cfg["report"] = {"lang": "en", "unit_radars": False, "dpi": 80, "journal": False, "workbook": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nqpf.run.run(cfg, out=out)
    return out


def _stage_table_names(run_dir: Path) -> set[tuple[str, str]]:
    st = json.loads((run_dir / "stages.json").read_text(encoding="utf-8"))
    out = set()
    for stage, entry in st.items():
        tables = entry.get("tables", {}) if isinstance(entry, dict) else entry
        out |= {(stage, str(n)) for n in tables if not str(n).startswith("_")}
    return out


def _raw_names_in(text: str, names: set[tuple[str, str]]) -> list[str]:
    """Stage-table names (snake_case, e.g. ``dagum_totals``) or ``stage/table`` paths shown in ``text``."""
    hits = [n for _, n in names if "_" in n and re.search(rf"(?<![\w/]){re.escape(n)}(?![\w.])", text)]
    hits += [f"{s}/{n}" for s, n in names if f"{s}/{n}" in text or f"{s} / {n}" in text]
    return sorted(set(hits))


def test_english_report_opens_in_english_and_shows_no_raw_table_names(en_run):
    sync_api = browser_api()
    names = _stage_table_names(en_run)
    assert ("analysis", "dagum_totals") in names and len(names) > 20
    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            page = b.new_page(viewport={"width": 1440, "height": 900})
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((en_run / "report.html").as_uri())
            page.wait_for_load_state("load")
            assert page.evaluate("document.body.className") == "lang-en"
            assert page.evaluate("document.documentElement.lang") == "en"
            assert page.title().endswith("nqpf report")
            h2 = page.evaluate("Array.from(document.querySelectorAll('main section > h2')).map(h => h.innerText)")
            assert h2[:3] == ["Summary", "Rankings", "Maps"] and "Inequality" in h2 and "Convergence" in h2
            visible = """sel => Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent).map(e => e.innerText)"""
            for sel in ("main section > h2", "nav.toc a", "details > summary", "figcaption", "#legend"):
                texts = page.evaluate(visible, sel)
                assert texts, sel
                assert not [t for t in texts if CJK.search(t)], (sel, [t for t in texts if CJK.search(t)][:5])
            shown = page.evaluate("Array.from(document.querySelectorAll('figure img')).filter(i => i.offsetParent)"
                                  ".map(i => i.className)")
            assert shown and set(shown) == {"en"}, shown
            # sections of the stages that did not run are left out, with their links
            ids = page.evaluate("Array.from(document.querySelectorAll('main section')).map(s => s.id)")
            for sec in ("sensitivity", "validation", "explain"):
                assert sec not in ids and page.locator(f'nav.toc a[href="#{sec}"]').count() == 0, sec
            assert "guides" in ids and "convergence" in ids
            # every build step of the methods section is named in the page's language, never by its key
            steps = page.evaluate("Array.from(document.querySelectorAll('#methods h3')).map(h => h.innerText)")
            assert steps[:3] == ["Data-quality screen", "Indicator derivation", "Imputation"], steps
            assert not set(steps) & {"quality", "derive", "impute", "screen", "treat", "normalise", "weight", "aggregate"}
            en_text = page.evaluate("document.body.innerText")
            assert _raw_names_in(en_text, names) == []
            page.click("#lang-zh")
            h2 = page.evaluate("Array.from(document.querySelectorAll('main section > h2')).map(h => h.innerText)")
            assert h2[:3] == ["概要", "排名", "地图"] and all(CJK.search(t) for t in h2), h2
            assert page.title().endswith("nqpf 报告")
            assert _raw_names_in(page.evaluate("document.body.innerText"), names) == []
            assert errors == []
        finally:
            b.close()


def test_english_report_prints_every_table_and_guide_with_wide_tables_on_landscape_pages(en_run, tmp_path):
    sync_api = browser_api()
    pdfium = pytest.importorskip("pypdfium2")
    from nqpf._format import fmt_display

    with sync_api.sync_playwright() as p:
        b = launch(p)
        try:
            pdf = tmp_path / "report.pdf"
            print_report(b.new_page(), en_run / "report.html", pdf)
        finally:
            b.close()
    doc = pdfium.PdfDocument(str(pdf))
    pages = [(doc[i].get_size(), doc[i].get_textpage().get_text_range()) for i in range(len(doc))]
    assert 60 <= len(pages) <= 600, len(pages)
    text = "\n".join(t for _, t in pages)
    norm = re.sub(r"\s+", "", text)
    for heading in ("Summary", "Inequality", "Dynamics", "Spatial", "Convergence", "Obstacles", "Pathguides", "Methods",
                    "Sigmaconvergencebyyear", "Betaconvergenceregressions"):
        assert heading in norm, heading
    # cells of tables that are collapsed on screen print
    sig = pd.read_csv(en_run / "analysis" / "sigma_sigma.csv", encoding="utf-8-sig")
    cells = [fmt_display(v) for v in sig[["sd", "cv"]].iloc[[0, -1]].to_numpy().ravel()]
    assert all(c in norm for c in cells), [c for c in cells if c not in norm]
    # every unit's guide prints in full: the last one's heading and its last line
    guides = sorted((en_run / "paths" / "guides").glob("*.en.md"))
    assert len(guides) == 31
    last = guides[-1].read_text(encoding="utf-8")
    heading = re.sub(r"[#*`]", "", next(line for line in last.splitlines() if line.startswith("#")))
    assert re.sub(r"\s+", "", heading) in norm, heading
    # tables of twelve or more columns print on landscape pages, the others on portrait pages
    landscape = 0
    for (w, h), t in pages:
        landscape += w > h
        for m in SUMMARY_SHAPE.finditer(t):
            assert (int(m.group(2)) >= 12) == (w > h), (m.group(0), w, h)
    assert landscape >= 1
    assert "Print" not in {line.strip() for line in text.splitlines()} and "analysis/dagum_totals" not in norm
