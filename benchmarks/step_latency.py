"""Click "Next" → page updated, in headless Chromium: the lab against a bare one-button page.

    python benchmarks/step_latency.py [--steps 20]

Starts the apps with `streamlit run` on free loopback ports (the same machine, the same run),
clicks "Next" repeatedly and times click → the new step's heading drawn and the app idle.
Prints median and p95 for the lab, for the bare page with the lab's Streamlit configuration
(the baseline of the ratio) and for the bare page as Streamlit ships (for reference).
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


def idle(page):
    page.wait_for_selector(READY, timeout=30_000)


def measure_lab(page, url: str, steps: int) -> list[float]:
    """Time "Next" on an open walkthrough, as ``measure_bare`` times it on an open bare page:
    after step 6, "First" (not timed) goes back and the stepping goes on without a reload."""
    page.goto(f"{url}/?step=1")
    idle(page)
    page.get_by_role("heading", name=re.compile(r"^Step 1 of 6")).wait_for()
    times = []
    while True:
        for n in range(2, 7):
            if len(times) == steps:
                return times
            start = time.perf_counter()
            page.get_by_role("button", name="Next").click()
            page.get_by_role("heading", name=re.compile(rf"^Step {n} of 6")).wait_for()
            idle(page)
            times.append(time.perf_counter() - start)
        page.get_by_role("button", name="First").click()
        page.get_by_role("heading", name=re.compile(r"^Step 1 of 6")).wait_for()
        idle(page)


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
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        servers = {  # name -> (server, how a step is clicked and timed on it)
            "bare one-button page": (bare_server(Path(home) / "bare"), measure_bare),
            "bare page, Streamlit's defaults": (bare_server(Path(home) / "defaults", config="defaults"), measure_bare),
            "lab walkthrough": (lab_server(Path(home) / "lab"), measure_lab),
        }
        times = {}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                for server, measure in servers.values():  # warm up every server and the browser
                    measure(page, server.url, 3)
                for name, (server, measure) in servers.items():
                    times[name] = measure(page, server.url, args.steps)
                browser.close()
        finally:
            for server, _ in servers.values():
                server.stop()
    print(f"{'step: click → page updated':<34} {'median ms':>10} {'p95 ms':>8}")
    for name, values in times.items():
        print(f"{name:<34} {statistics.median(values) * 1000:>10.0f} {p95(values) * 1000:>8.0f}")
    lab, bare = times["lab walkthrough"], times["bare one-button page"]
    print(
        f"{'ratio lab / bare (same config)':<34} {statistics.median(lab) / statistics.median(bare):>10.2f} "
        f"{p95(lab) / p95(bare):>8.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
