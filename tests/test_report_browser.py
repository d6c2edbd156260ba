"""The HTML report opened by a real headless Chromium: it renders its sections and plots, runs
no script from a reply, and asks for nothing but itself. Chromium comes from the system
(Debian's ``chromium`` package; Playwright's own download needs a CDN) and is driven by
Playwright; without either the test skips and says which is missing."""

from __future__ import annotations

import os
import shutil
import struct
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_report import SCRIPT, rows
from typer.testing import CliRunner

from amends.batch.schema import table
from amends.cli import app

playwright = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
CHROMIUM = os.environ.get("AMENDS_CHROMIUM") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium on PATH (apt-get install chromium, or set AMENDS_CHROMIUM)",
)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_chromium_renders_the_report_offline(tmp_path: Path):
    scored = tmp_path / "scored.parquet"
    pq.write_table(table(rows()), scored)
    page_path = tmp_path / "report.html"
    result = CliRunner().invoke(
        app, ["report", str(scored), "--html", str(page_path), "--no-rewrites"]
    )
    assert result.exit_code == 0, result.output
    requests: list[str] = []
    dialogs: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 800})
            page.on("request", lambda r: requests.append(r.url))
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.goto(page_path.as_uri())
            assert page.title().startswith("amends report")
            headings = page.locator("h2").all_inner_texts()
            assert headings[:2] == ["Score distribution", "Components and mistakes"]
            assert "Recurring failures" in headings
            boxes = [svg.bounding_box() for svg in page.locator("figure svg").all()]
            assert len(boxes) == 6 and all(b and b["width"] > 200 for b in boxes)
            assert SCRIPT in page.locator("#worst").inner_text()  # shown as text, not run
            shot = page.screenshot(full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert requests == [page_path.as_uri()]
    width, height = _png_size(shot)
    assert width >= 1000 and height > 2000
