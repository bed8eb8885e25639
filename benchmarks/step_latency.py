"""A step as the learner feels it, timed inside the page: the input event → the new step's views
in the DOM → the next animation frame (when the browser paints them). Headless Chromium.

    python benchmarks/step_latency.py [--steps 40] [--bursts 24]

The lab's walkthrough and process flow page and a bare one-button Streamlit page (the baseline,
served with the lab's Streamlit configuration; and as Streamlit ships, for reference) are open
in tabs of the same browser, and their steps are interleaved: one on each page in turn, so that
the machine's load falls on all of them alike. The start is the ``pointerdown`` event's own
timestamp (when the browser took the click, not when Playwright sent it); the end is the first
animation frame after a MutationObserver saw the page say the new step ("Step 3 of 6" /
"Count 3"), the issue's measure. A frame's callback runs before the frame's layout and paint, so
a second figure ends at the task after that frame, when it has been painted: the difference is
the browser's rendering, which a long table makes the larger part. Playwright's ``click()`` wall
time adds ~40 ms to every figure and is not used.

Beside them, a long run: the Your DAG page of a 500-task DAG (2,002 steps, the largest the page
accepts), stepped with the → key (the ``keydown`` event's timestamp) from the top of the page, and
with its process table scrolled into view.

Then bursts: five ← or → presses 50 ms apart on the walkthrough, alternating direction; a burst
that moves fewer steps than pressed lost a press.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.baseline import bare_server, lab_server  # noqa: E402
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, READY  # noqa: E402

ARM = """([selector, expected]) => {
  window.__step = new Promise((resolve) => {
    let start = null;
    const said = () => {
      const el = document.querySelector(selector);
      return !!el && el.textContent.includes(expected);
    };
    const seen = new MutationObserver(() => {
      if (start === null || !said()) return;
      seen.disconnect();
      // the next animation frame begins (the issue's measure), and the task after it: by then the
      // browser has laid out and painted that frame
      requestAnimationFrame(() => {
        const frame = performance.now() - start;
        setTimeout(() => resolve([frame, performance.now() - start]), 0);
      });
    });
    seen.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    const began = (e) => { if (start === null) start = e.timeStamp; };
    window.addEventListener("pointerdown", began, { once: true, capture: true });
    window.addEventListener("keydown", began, { once: true, capture: true });
  });
}"""


class Stepper:
    """One open page and how to step it: the button to click and what the page says after."""

    def __init__(self, page, url: str, button: str, said, total: int | None, key: str = "", view: str = ""):
        self.page, self.url, self.button, self.said, self.total = page, url, button, said, total
        self.key, self.view = key, view  # step with this key instead; scroll this into view first
        self.n = 0

    def open(self) -> None:
        self.page.goto(self.url)
        self.page.wait_for_selector(READY, timeout=60_000)
        self.n = 1 if self.total else 0
        self.page.get_by_text(self.said(self.n)[1]).first.wait_for(timeout=60_000)
        if self.view:
            self.page.locator(self.view).first.scroll_into_view_if_needed()

    def step(self) -> float:
        page = self.page
        page.bring_to_front()
        if self.total and self.n == self.total:  # back to the first step (not timed)
            page.keyboard.press("Home")
            self.n = 1
            page.get_by_text(self.said(1)[1]).first.wait_for()
        page.wait_for_selector(READY)
        self.n += 1
        page.evaluate(ARM, list(self.said(self.n)))
        if self.key:
            page.keyboard.press(self.key)
        else:
            page.locator(self.button).click()
        took = tuple(page.evaluate("() => window.__step"))  # (frame begun, frame painted) ms
        page.wait_for_timeout(350)  # each step from an idle page: the lab's report (250 ms) has gone
        page.wait_for_selector(READY)
        return took


def lab(page, url: str, path: str) -> Stepper:
    return Stepper(
        page, f"{url}/{path}?step=1", ".lab-controls [data-move=next]", lambda n: (".lab-heading", f"Step {n} of 6"), 6
    )


def long_run(page, url: str, view: str = "") -> Stepper:
    """Your DAG with 500 tasks, stepped with → (its tables have 2,002 and 1,501 rows)."""
    from engine.dag import pack_source
    from tests.helpers import generated_dag

    dag = pack_source(generated_dag(500, 1).replace("conn_0", "my_gcp_conn"))
    said = lambda n: (".lab-heading", f"Step {n} of 2002")  # noqa: E731
    return Stepper(page, f"{url}/your_dag?step=1&dag={dag}", "", said, 2002, key="ArrowRight", view=view)


def bare(page, url: str) -> Stepper:
    return Stepper(page, url, 'button:has-text("Next")', lambda n: ("h3", f"Count {n}"), None)


def bursts(page, url: str, count: int) -> tuple[int, int]:
    """(presses lost, presses made) over ``count`` bursts of five presses 50 ms apart."""
    page.bring_to_front()
    page.goto(f"{url}/?step=1")
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_selector(".lab-heading")
    lost, position = 0, 1
    for burst in range(count):
        key = "ArrowRight" if burst % 2 == 0 else "ArrowLeft"
        for _ in range(5):
            page.keyboard.press(key)
            page.wait_for_timeout(50)
        page.wait_for_timeout(300)
        shown = int(re.match(r"Step (\d+)", page.inner_text(".lab-heading")).group(1))
        wanted = min(6, position + 5) if key == "ArrowRight" else max(1, position - 5)
        lost += abs(wanted - shown)
        position = shown
    return lost, count * 5


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--bursts", type=int, default=24)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        servers = {
            "bare": bare_server(Path(home) / "bare"),
            "defaults": bare_server(Path(home) / "defaults", config="defaults"),
            "lab": lab_server(Path(home) / "lab"),
        }
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                steppers = {
                    "bare one-button page": bare(context.new_page(), servers["bare"].url),
                    "bare page, Streamlit's defaults": bare(context.new_page(), servers["defaults"].url),
                    "lab walkthrough": lab(context.new_page(), servers["lab"].url, ""),
                    "lab process flow": lab(context.new_page(), servers["lab"].url, "process_flow"),
                    "Your DAG, 500 tasks": long_run(context.new_page(), servers["lab"].url),
                    "… its process table in view": long_run(
                        context.new_page(), servers["lab"].url, view=".lab-player .lab-table-box"
                    ),
                }
                for stepper in steppers.values():
                    stepper.open()
                    for _ in range(3):  # warm up
                        stepper.step()
                times = {name: [] for name in steppers}
                for _ in range(args.steps):  # interleaved: one step on each page in turn
                    for name, stepper in steppers.items():
                        times[name].append(stepper.step())
                lost, pressed = bursts(context.new_page(), servers["lab"].url, args.bursts)
                browser.close()
        finally:
            for server in servers.values():
                server.stop()
    print(
        f"{'step: input event →':<30} {'next frame: median':>18} {'p95':>6} {'p95 / bare':>10}"
        f" {'painted: median':>16} {'p95':>6} {'p95 / bare':>10}"
    )
    base = [p95([t[i] for t in times["bare one-button page"]]) for i in (0, 1)]
    for name, values in times.items():
        cols = []
        for i in (0, 1):
            figures = [t[i] for t in values]
            cols.append(
                f"{statistics.median(figures):>{18 if i == 0 else 16}.1f} {p95(figures):>6.1f} "
                f"{p95(figures) / base[i]:>10.2f}"
            )
        print(f"{name:<30} {cols[0]} {cols[1]}")
    print(f"\nbursts of 5 key presses 50 ms apart: {lost} of {pressed} presses lost ({args.bursts} bursts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
