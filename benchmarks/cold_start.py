"""Cold start: `streamlit run app.py` to the first fully drawn walkthrough, beside a bare app.

    python benchmarks/cold_start.py [--runs 7]

Each run starts a fresh server process (a fresh LAB_HOME, so the first start also creates the
database and key) and times spawn → health check answered → page drawn and idle in headless
Chromium (one browser, started before the clock). Prints medians for the lab and for the bare
one-button page (served with the lab's Streamlit configuration), and the difference.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.baseline import bare_server, lab_server  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, READY  # noqa: E402


def cold_start(browser, start_server, heading) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as home:
        start = time.perf_counter()
        server = start_server(Path(home))
        healthy = time.perf_counter() - start
        try:
            page = browser.new_page()
            page.goto(server.url)
            page.get_by_role("heading", name=heading).wait_for(timeout=60_000)
            page.wait_for_selector(READY)
            drawn = time.perf_counter() - start
            page.close()
        finally:
            server.stop()
    return healthy, drawn


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    results = {"bare": [], "lab": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(args.runs):
            results["bare"].append(cold_start(browser, bare_server, "Count 0"))
            results["lab"].append(cold_start(browser, lab_server, re.compile(r"^Step 1 of 6")))
        browser.close()
    print(f"| cold start (median of {args.runs}) | server healthy | page drawn |")
    print("|---|---|---|")
    med = {k: (statistics.median(h for h, _ in v), statistics.median(d for _, d in v)) for k, v in results.items()}
    print(f"| bare one-button page | {med['bare'][0]:.2f} s | {med['bare'][1]:.2f} s |")
    print(f"| lab walkthrough | {med['lab'][0]:.2f} s | {med['lab'][1]:.2f} s |")
    print(f"| lab − bare | {med['lab'][0] - med['bare'][0]:+.2f} s | {med['lab'][1] - med['bare'][1]:+.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
