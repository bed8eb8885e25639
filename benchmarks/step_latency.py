"""Click "Next" → page updated, in headless Chromium: the lab against a bare one-button page.

    python benchmarks/step_latency.py [--steps 10]

Starts both apps with `streamlit run` on free loopback ports (the same machine, the same run),
clicks "Next" repeatedly and times click → the new step's heading drawn and the app idle.
Prints median and p95 for both and their ratio.
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
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, READY, Server  # noqa: E402


def idle(page):
    page.wait_for_selector(READY, timeout=30_000)


def measure_lab(page, url: str, steps: int) -> list[float]:
    times = []
    for rnd in range((steps + 4) // 5):
        page.goto(f"{url}/?step=1")
        idle(page)
        page.get_by_role("heading", name=re.compile(r"^Step 1 of 6")).wait_for()
        for n in range(2, 7):
            if len(times) == steps:
                return times
            start = time.perf_counter()
            page.get_by_role("button", name="Next").click()
            page.get_by_role("heading", name=re.compile(rf"^Step {n} of 6")).wait_for()
            idle(page)
            times.append(time.perf_counter() - start)
    return times


def measure_bare(page, url: str, steps: int) -> list[float]:
    page.goto(url)
    idle(page)
    page.get_by_role("heading", name="Count 0").wait_for()
    times = []
    for n in range(1, steps + 1):
        start = time.perf_counter()
        page.get_by_role("button", name="Next").click()
        page.get_by_role("heading", name=f"Count {n}").wait_for()
        idle(page)
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        lab = Server(ROOT / "app.py", Path(home))
        bare = Server(ROOT / "benchmarks" / "bare_app.py", Path(home))
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                measure_bare(page, bare.url, 3)  # warm up both servers and the browser
                measure_lab(page, lab.url, 3)
                bare_times = measure_bare(page, bare.url, args.steps)
                lab_times = measure_lab(page, lab.url, args.steps)
                browser.close()
        finally:
            lab.stop()
            bare.stop()
    lab_med, bare_med = statistics.median(lab_times), statistics.median(bare_times)
    print(f"{'step: click → page updated':<30} {'median ms':>10} {'p95 ms':>8}")
    print(f"{'bare one-button page':<30} {bare_med * 1000:>10.0f} {p95(bare_times) * 1000:>8.0f}")
    print(f"{'lab walkthrough':<30} {lab_med * 1000:>10.0f} {p95(lab_times) * 1000:>8.0f}")
    print(f"{'ratio lab / bare':<30} {lab_med / bare_med:>10.2f} {p95(lab_times) / p95(bare_times):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
