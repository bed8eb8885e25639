"""A classroom: 1, 10 and 50 learners at once against one server, on Streamlit's own protocol.

    python benchmarks/classroom.py [--learners 1 10 50] [--url URL]

Each learner is a real Streamlit session: a websocket to ``/_stcore/stream`` speaking the
protobuf messages the browser speaks (BackMsg ``rerun_script`` with widget states; ForwardMsg
deltas until ``script_finished``). A learner opens the walkthrough, steps through the lesson's
six steps as the page's player does (it draws a step in the browser and reports it to the
server: a component state change), opens the Quiz page and answers the seed's three questions.
Step latency is the report's send → ``script_finished``; like a browser, a learner keeps the
messages Streamlit marks cacheable and names them in each rerun, so an unchanged player (the
run it was sent) comes back as a reference, not again. Server memory per session is the growth of the server's RSS over
the sessions held open, divided by their number. Without ``--url`` the script starts its own
server (a fresh LAB_HOME) and, as the baseline, the same measure on the bare one-button page
served with the same Streamlit configuration.

A learner acknowledges what it receives at once, as the browser does here. Streamlit 1.67
leaves Nagle's algorithm on for its websockets (its listening socket is made with protocol 0, so
asyncio skips TCP_NODELAY), and a client that lets the kernel delay its ACKs waits ~40 ms for
every rerun's second message; headless Chromium on this machine does not (measured: the same
step time with and without TCP_NODELAY on the server), so a learner that did would measure the
stall instead of the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect as websocket_connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from engine.replay import read_sent  # noqa: E402


class Learner:
    """One browser-less Streamlit session."""

    def __init__(self, base_url: str):
        self.ws_url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.widgets: dict[str, tuple[str, object]] = {}  # user key or label -> (widget id, element)
        self.pages: dict[str, str] = {}  # url path -> page_script_hash
        self.page_hash = ""
        self.texts: list[str] = []
        self.errors = 0
        self.error_texts: list[str] = []
        self.cache: dict[str, bytes] = {}
        self.seq = 0  # hash → a cacheable ForwardMsg, as the browser keeps them

    async def connect(self) -> None:
        self.ws = await websocket_connect(self.ws_url, subprotocols=["streamlit"], max_size=None)
        self.sock = self.ws.transport.get_extra_info("socket")

    async def receive(self) -> bytes:
        raw = await asyncio.wait_for(self.ws.recv(), timeout=60)
        if hasattr(socket, "TCP_QUICKACK"):  # Linux: ACK now, as a browser does (see the module doc)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return raw

    async def rerun(self, query: str = "", widget_states=None, fragment_id: str = "") -> float:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_script_hash = self.page_hash
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
        for state in widget_states or []:
            msg.rerun_script.widget_states.widgets.append(state)
        msg.rerun_script.cached_message_hashes.extend(self.cache)
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        await self._until_finished()
        return time.perf_counter() - start

    async def _until_finished(self) -> None:
        while True:
            raw = await self.receive()
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            if fwd.WhichOneof("type") == "ref_hash":  # a message this learner has: read it from the cache
                fwd.ParseFromString(self.cache[fwd.ref_hash])
            elif fwd.metadata.cacheable and fwd.hash:
                self.cache[fwd.hash] = raw
            kind = fwd.WhichOneof("type")
            if kind == "navigation":
                for page in fwd.navigation.app_pages:
                    self.pages[page.url_pathname] = page.page_script_hash
                if not self.page_hash:
                    self.page_hash = fwd.navigation.page_script_hash
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                which = element.WhichOneof("type")
                if which == "exception":
                    self.errors += 1
                    self.error_texts.append(element.exception.message)
                if which == "alert" and element.alert.format == 1:  # st.error: the frame's one clear message
                    self.errors += 1
                    self.error_texts.append(element.alert.body)
                widget = getattr(element, which, None)
                wid = getattr(widget, "id", "")
                if isinstance(wid, str) and wid:
                    key = wid.split("-", 2)[-1] if "-" in wid else wid
                    self.widgets[key] = (wid, widget, fwd.delta.fragment_id)
                    label = getattr(widget, "label", None)
                    if label:
                        self.widgets[f"label:{label}"] = (wid, widget, fwd.delta.fragment_id)
                if which == "markdown":
                    self.texts.append(element.markdown.body)
                if which == "bidi_component":  # the step player: the whole run it was sent
                    fields, run = read_sent(element.bidi_component.bytes)
                    self.texts.append(json.dumps(fields) + "\n" + run.decode())
                if which == "page_link":  # the sidebar's links carry the step the server holds
                    self.texts.append(f"link:{element.page_link.page}?{element.page_link.query_string}")
            elif kind == "script_finished":
                return

    def widget(self, key: str):
        for name, value in self.widgets.items():
            if name.endswith(key):
                return value
        raise KeyError(f"no widget {key!r} on the page")

    async def click(self, key: str, extra_states=()) -> float:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        wid, _, fragment = self.widget(key)
        state = WidgetState(id=wid, trigger_value=True)
        return await self.rerun(widget_states=[state, *extra_states], fragment_id=fragment)

    async def report(self, step: int) -> float:
        """Report a step as the player does once it has drawn it (lab_ui/static/player.js)."""
        import json

        from streamlit.proto.WidgetStates_pb2 import WidgetState

        wid, element, fragment = self.widget(PLAYER_KEY)
        nonce = json.loads(element.bytes.partition(b"\n")[0])["nonce"]  # a line of JSON, then the run
        self.seq += 1
        value = json.dumps({"step": {"step": step, "nonce": nonce, "seq": self.seq}})
        return await self.rerun(widget_states=[WidgetState(id=wid, json_value=value)], fragment_id=fragment)

    async def open_page(self, path: str) -> float:
        self.page_hash = self.pages[path]
        self.widgets.clear()
        return await self.rerun()


PLAYER_KEY = "lab_step_player"  # lab_ui/stepping.py
STEPS = [*range(2, 7), *range(5, 0, -1), *range(2, 7)]  # the steps a learner reports: 15, as the bare page's clicks
ROUNDS = 1  # how many times each learner takes those 15 steps (main() sets it from --min-reports)
PHASE: dict = {}  # the class's progress: learners done stepping; the quiz starts when all are
QUIZ: list[float] = []  # the quiz's actions (full reruns of the quiz page), timed apart from the steps
THINK = 1.0  # seconds a learner reads before the next action (set by --think)


async def think(rng: random.Random) -> None:
    if THINK:
        await asyncio.sleep(THINK * rng.uniform(0.5, 1.5))


async def arrive(rng: random.Random) -> None:
    """Learners do not all open the page in the same instant: they arrive over one think time."""
    if THINK:
        await asyncio.sleep(THINK * rng.random())


async def lab_learner(
    base_url: str, latencies: list[float], hold: asyncio.Event, ready: list, index: int = 0
) -> Learner:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    rng = random.Random(index)  # each learner reads at its own pace
    learner = Learner(base_url)
    await arrive(rng)
    await learner.connect()
    await learner.rerun(query="step=1")
    for step in STEPS * ROUNDS:  # through the lesson, back to its start, and through it again
        await think(rng)
        latencies.append(await learner.report(step))
    PHASE["stepped"] += 1  # the class steps through the lesson, then takes the quiz together
    if PHASE["stepped"] == PHASE["learners"]:
        PHASE["quiz"].set()
    await PHASE["quiz"].wait()
    await learner.open_page("quiz")
    for qid, option in (("seed-1", "C. Step 3"), ("seed-2", "C. Session closed"), ("seed-3", "B. Step 2")):
        radio_id, _, _ = learner.widget(f"quiz_{qid}_1")
        choice = WidgetState(id=radio_id, string_value=option)
        await think(rng)
        QUIZ.append(await learner.rerun(widget_states=[choice]))
        QUIZ.append(await learner.click(f"check_{qid}", extra_states=[choice]))
    if not any(text.startswith("link:") and "step=6" in text for text in learner.texts):
        learner.errors += 1  # the server did not take the reported steps
    if not any("**3 of 4** right" in text for text in learner.texts):
        learner.errors += 1  # the three answers did not all count as right
    ready.append(learner)
    await hold.wait()
    await learner.ws.close()
    return learner


async def bare_learner(
    base_url: str, latencies: list[float], hold: asyncio.Event, ready: list, index: int = 0
) -> Learner:
    rng = random.Random(index)
    learner = Learner(base_url)
    await arrive(rng)
    await learner.connect()
    await learner.rerun()
    for _ in STEPS * ROUNDS:
        await think(rng)
        latencies.append(await learner.click("label:Next"))
    ready.append(learner)
    await hold.wait()
    await learner.ws.close()
    return learner


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def classroom(kind, base_url: str, n: int, pid: int | None) -> dict:
    latencies: list[float] = []
    PHASE.update(stepped=0, learners=n, quiz=asyncio.Event())
    QUIZ.clear()
    hold = asyncio.Event()
    ready: list[Learner] = []
    before = rss_kb(pid) if pid else 0
    tasks = [asyncio.create_task(kind(base_url, latencies, hold, ready, i)) for i in range(n)]
    errors = 0
    while len(ready) + sum(t.done() for t in tasks) < n:
        await asyncio.sleep(0.05)
    after = rss_kb(pid) if pid else 0
    hold.set()
    for task in tasks:
        try:
            learner = await task
            errors += learner.errors
        except Exception:  # a failed session is an error in the figures, not a crash
            errors += 1
    lat = sorted(latencies)
    return {
        "n": n,
        "latencies": lat,
        "p50": statistics.median(lat) * 1000 if lat else float("nan"),
        "p95": p95(lat) * 1000 if lat else float("nan"),
        "errors": errors,
        "mb_per_session": (after - before) / 1024 / n if pid else float("nan"),
        "quiz_p95": p95(sorted(QUIZ)) * 1000 if QUIZ else float("nan"),
    }


def p95(ordered: list[float]) -> float:
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def ratio_interval(class_lat: list[float], one_lat: list[float], draws: int = 2000) -> tuple[float, float]:
    """A 90% bootstrap interval of p95(class) / p95(one learner): both samples drawn again with
    replacement, ``draws`` times (a fixed seed, so the same figures give the same interval). A p95 of a
    few hundred reports moves by a millisecond from one run to the next, and on a ~10 ms p95 a
    millisecond is a tenth of the ratio: the interval says how far this run's ratio can be trusted."""
    rng = random.Random(95)
    ratios = sorted(
        p95(sorted(rng.choices(class_lat, k=len(class_lat)))) / p95(sorted(rng.choices(one_lat, k=len(one_lat))))
        for _ in range(draws)
    )
    return ratios[int(0.05 * draws)], ratios[int(0.95 * draws) - 1]


def versus(r: dict, one: dict) -> str:
    if r is one:
        return "1.00x"
    low, high = ratio_interval(r["latencies"], one["latencies"])
    return f"{r['p95'] / one['p95']:.2f}x ({low:.2f}–{high:.2f})"


def rounds(learners: int, min_reports: int) -> int:
    """Set how many times each learner walks the 15 steps so that the class gives ``min_reports``."""
    global ROUNDS
    ROUNDS = max(1, -(-min_reports // (len(STEPS) * learners)))
    return ROUNDS


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Concurrent learners on Streamlit's protocol")
    parser.add_argument("--learners", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--url", help="an already running lab (no baseline, no memory figure)")
    parser.add_argument("--label", default="one server")
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a learner's actions")
    parser.add_argument(
        "--min-reports",
        type=int,
        default=300,
        help="step reports each class size gives at least: its learners walk the 15 steps as often as it takes",
    )
    args = parser.parse_args(argv)
    global THINK
    THINK = args.think
    print(f"Think time {args.think:g} s (±50%) between a learner's actions.")
    print(
        f"Each class size gives at least {args.min_reports} step reports (a p95 of fewer is not one: of 15, it is "
        "the second slowest). Beside each ratio, its 90% bootstrap interval.\n"
    )
    print(
        f"| learners ({args.label}) | step report p50 | step report p95 | errors | server MB/session | bare p50 "
        "| bare p95 | p95 vs 1 learner | quiz action p95 |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    if args.url:
        first = None
        for n in args.learners:
            rounds(n, args.min_reports)
            r = asyncio.run(classroom(lab_learner, args.url, n, None))
            first = first or r
            print(
                f"| {n} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['errors']} | – | – | – | {versus(r, first)} "
                f"| {r['quiz_p95']:.0f} ms |"
            )
        return 0
    from benchmarks.baseline import bare_server, lab_server

    with tempfile.TemporaryDirectory() as home:
        first = None
        think_time = THINK
        for n in args.learners:  # fresh servers for each size: no session's memory freed for the next
            lab = lab_server(Path(home) / f"lab{n}")
            bare = bare_server(Path(home) / f"bare{n}")
            try:
                THINK = 0
                rounds(1, 1)
                asyncio.run(classroom(lab_learner, lab.url, 1, None))  # warm: imports, first trace
                asyncio.run(classroom(bare_learner, bare.url, 1, None))
                THINK = think_time
                rounds(n, args.min_reports)
                r = asyncio.run(classroom(lab_learner, lab.url, n, lab.proc.pid))
                b = asyncio.run(classroom(bare_learner, bare.url, n, bare.proc.pid))
            finally:
                lab.stop()
                bare.stop()
            first = first or r
            print(
                f"| {n} | {r['p50']:.1f} ms | {r['p95']:.1f} ms | {r['errors']} | {r['mb_per_session']:.1f} "
                f"| {b['p50']:.1f} ms | {b['p95']:.1f} ms | {versus(r, first)} | {r['quiz_p95']:.0f} ms |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
