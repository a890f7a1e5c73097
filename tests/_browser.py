"""Headless Chromium for the browser tests: Debian's ``chromium`` driven by Playwright.

A test calls :func:`sync_api` (it skips, with the reason, when either is missing) and :func:`launch`;
:func:`print_report` is the print-to-PDF step the printed-report tests share.
"""
from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ("--headless", "--no-sandbox", "--disable-gpu")


def sync_api():
    """Playwright's sync API; skips the calling test when Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip("needs Debian chromium at /usr/bin/chromium (make browser installs it)")
    return pytest.importorskip("playwright.sync_api", reason="needs the playwright package")


def launch(p, *extra_args: str):
    """Chromium launched headless by the Playwright instance ``p`` (``extra_args`` after the common ones)."""
    return p.chromium.launch(executable_path=str(CHROMIUM), args=[*ARGS, *extra_args])


def print_report(page, html: Path, pdf: Path) -> int:
    """Open ``html`` in ``page`` and print it with Chromium's print-to-PDF into ``pdf``; returns the number of
    tables collapsed on screen before printing (a report has more than 20)."""
    page.goto(html.as_uri())
    page.wait_for_load_state("load")
    closed = page.evaluate("document.querySelectorAll('details:not([open])').length")
    assert closed > 20
    page.pdf(path=str(pdf), format="A4", print_background=True)
    return closed
