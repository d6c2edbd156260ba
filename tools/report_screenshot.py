"""Screenshot an ``amends report`` HTML page with headless Chromium, for docs/report.png.

    python tools/report_screenshot.py report.html docs/report.png [--height 2400]

Chromium comes from the system (apt-get install chromium; Playwright's own download needs a
CDN); Playwright drives it. Set AMENDS_CHROMIUM to use another binary.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path)
    parser.add_argument("png", type=Path)
    parser.add_argument("--width", type=int, default=1100)
    parser.add_argument("--height", type=int, default=2400, help="0: the whole page")
    args = parser.parse_args()
    chromium = os.environ.get("AMENDS_CHROMIUM") or shutil.which("chromium")
    if chromium is None:
        raise SystemExit("no chromium on PATH: apt-get install chromium, or set AMENDS_CHROMIUM")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": args.width, "height": args.height or 900})
        page.goto(args.html.resolve().as_uri())
        page.screenshot(path=str(args.png), full_page=not args.height)
        browser.close()
    print(f"wrote {args.png}")


if __name__ == "__main__":
    main()
