"""A recorded run as the browser's player replays it: every stepped page's views for every step,
built once by Python and sent once, so that a step is drawn in the browser with no round trip.

A page is a layout of blocks (``page_layout``). A block is one of:

- ``step``: its HTML depends on the step (the heading, the flow, the step card, …). The payload
  holds each distinct HTML once (``frags``) and, per block, which one each step shows,
  run-length encoded: it grows with what changes, not with steps × views;
- ``static``: the same HTML at every step (a legend, a caption);
- ``table`` / ``tracker`` / ``transcript``: drawn once, and per step only what marks the current
  row, column or sentence (see ``engine.render``).

``html_at(payload, step)`` is what the browser shows at a step, built from the payload alone by
the same rules as ``lab_ui/static/player.js``; a page too large to send is drawn per step by the
server with it (``views_html``). Pure Python: tests build and read payloads without a browser.
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Callable

from engine import render
from engine.trace import Trace

VERSION = 1
MAX_STEPS = 5_000  # a larger run (a DAG of thousands of tasks) is stepped by the server instead
MAX_BYTES = 8_000_000  # a payload larger than this is too: it would take seconds to send
# A payload larger than this is sent deflated; the player unpacks it with the browser's
# DecompressionStream. A 500-task DAG's 2.3 MB becomes ~0.14 MB: a class on a school network waits
# for every byte, and Chromium hands a WebSocket message to the page in chunks, each taking its
# turn on the page's main thread (BENCHMARKS.md). The lesson's pages (up to ~40 kB) are sent as
# they are and laid out at once.
PACK_ABOVE = 256_000

STRUCTURED = {
    "table": render.process_table_at,
    "tracker": render.tracker_at,
    "transcript": render.transcript_at,
    "variables": render.variables_at,
}


class Block:
    """One stepped view: its name (its slot in the page), kind, and how to draw it."""

    def __init__(self, name: str, kind: str, value):
        self.name, self.kind, self.value = name, kind, value


def _step_block(name: str, trace: Trace, draw: Callable[[Trace, int], str], cap: int | None = None) -> Block:
    """A view of ``trace`` at each step; with ``cap``, at most that step (the lesson beside a longer run)."""
    return Block(name, "step", lambda step: draw(trace, min(step, cap) if cap else step))


def walkthrough(trace: Trace, prefix: str = "") -> list:
    """The home page's views: the flow beside the step card, narration, markers, notes, variables, log."""
    held, logged = render.variable_markers(trace), render.logs(trace)
    return [
        [
            [
                _step_block(prefix + "flow", trace, render.flow_drawer(trace)),
                Block(prefix + "legend", "static", render.flow_legend_html(trace)),
            ],
            [
                _step_block(prefix + "card", trace, render.card_html),
                _step_block(prefix + "narration", trace, render.narration_html),
                _step_block(prefix + "markers", trace, lambda t, s: render.step_markers_html(t, s, held)),
                _step_block(prefix + "notes", trace, render.notes_html),
                Block(prefix + "variables_title", "static", "<h4>Tracked variables</h4>"),
                Block(prefix + "variables", "variables", render.variables(trace)),
                _step_block(prefix + "log", trace, lambda t, s: render.task_log_html(t, s, logged)),
            ],
        ]
    ]


def page_layout(page: str, trace: Trace, lesson_trace: Trace | None = None, **options) -> list:
    """The blocks of a stepped page, in order; a list inside the list is a row of columns."""
    heading = _step_block("heading", trace, render.heading_html)
    if page == "walkthrough":
        return [heading, *walkthrough(trace)]
    if page == "process_flow":
        return [
            heading,
            _step_block("flow", trace, render.flow_drawer(trace)),
            Block("legend", "static", render.flow_legend_html(trace)),
            _step_block("card", trace, render.card_html),
        ]
    if page == "process_table":
        return [heading, Block("table", "table", render.process_table(trace, lesson_trace, options.get("hide_future")))]
    if page == "variable_tracker":
        every = bool(options.get("every_step"))
        return [
            heading,
            Block("tracker", "tracker", render.tracker(trace, lesson_trace, every)),
            _step_block("after_title", trace, lambda t, s: f"<h4>After step {s}</h4>"),
            Block("variables", "variables", render.variables(trace)),
        ]
    if page == "full_transcript":
        return [heading, Block("transcript", "transcript", render.transcript(trace))]
    if page == "compare":
        lesson_steps = len(lesson_trace.steps)
        title = render.esc(options.get("title", ""))
        # Two rows of the lesson | the scenario: the cards, then the flows. A phone stacks each row,
        # so the two cards of a step come one after the other (not the lesson's whole column
        # first), and each flow is named there, as the titles above the cards are screens up.
        cards = [
            [
                Block("lesson_title", "static", "<h3>The lesson</h3>"),
                _step_block("lesson_card", lesson_trace, render.card_html, lesson_steps),
            ],
            [Block("run_title", "static", f"<h3>{title}</h3>"), _step_block("card", trace, render.card_html)],
        ]
        flows = [
            [
                Block("lesson_flow_title", "static", '<h4 class="lab-phone-only">The lesson</h4>'),
                _step_block("lesson_flow", lesson_trace, render.flow_drawer(lesson_trace), lesson_steps),
            ],
            [
                Block("run_flow_title", "static", f'<h4 class="lab-phone-only">{title}</h4>'),
                _step_block("flow", trace, render.flow_drawer(trace)),
            ],
        ]
        return [
            heading,
            cards,
            flows,
            Block("table_title", "static", "<h4>Process table of the scenario</h4>"),
            Block("table", "table", render.process_table(trace, lesson_trace)),
            Block("tracker_title", "static", "<h4>Variable tracker of the scenario</h4>"),
            Block("tracker", "tracker", render.tracker(trace, lesson_trace, False)),
        ]
    if page == "your_dag":
        every = bool(options.get("every_step"))
        return [
            heading,
            *walkthrough(trace),
            Block("table", "table", render.process_table(trace, None)),
            Block("tracker", "tracker", render.tracker(trace, None, every)),
            Block(
                "tracker_note", "static", render.caption(options["tracker_note"]) if options.get("tracker_note") else ""
            ),
        ]
    raise ValueError(f"no stepped page {page!r}")


def _assemble(layout: list, fill: Callable[[Block], str]) -> str:
    parts = []
    for item in layout:
        if isinstance(item, list):  # a row of columns (a phone stacks them, the card first)
            columns = "".join(f'<div class="lab-col">{_assemble(column, fill)}</div>' for column in item)
            parts.append(f'<div class="lab-cols">{columns}</div>')
        else:
            parts.append(f'<div data-slot="{item.name}">{fill(item)}</div>')
    return "".join(parts)


def _blocks(layout: list):
    for item in layout:
        if isinstance(item, list):
            for column in item:
                yield from _blocks(column)
        else:
            yield item


def views_html(layout: list, step: int) -> str:
    """The page's views at ``step``, drawn by the server (a run too large for the player)."""
    return _assemble(layout, lambda b: _fill(b.kind, b.value, step))


def _fill(kind: str, value, step: int) -> str:
    if kind == "step":
        return value(step)
    if kind == "static":
        return value
    return STRUCTURED[kind](value, step)


def payload(layout: list, total: int) -> dict:
    """What the player needs for every step of the run, each distinct piece of HTML once."""
    frags: list[str] = []
    index: dict[str, int] = {}
    slots = {}
    for block in _blocks(layout):
        if block.kind == "step":
            runs: list[int] = []
            for step in range(1, total + 1):
                html = block.value(step)
                i = index.setdefault(html, len(frags))
                if i == len(frags):
                    frags.append(html)
                if runs and runs[-2] == i:
                    runs[-1] += 1
                else:
                    runs += [i, 1]
            slots[block.name] = {"kind": "step", "at": runs}
        elif block.kind != "static":
            slots[block.name] = {"kind": block.kind, "value": block.value}
    skeleton = _assemble(layout, lambda b: b.value if b.kind == "static" else "")
    return {"v": VERSION, "total": total, "layout": skeleton, "frags": frags, "slots": slots}


def digest(run: bytes) -> str:
    """The name a run is sent under (``encode``'s UTF-8): the player lays out a new name anew."""
    return hashlib.sha256(run).hexdigest()[:16]


def pack(run: bytes) -> bytes | None:
    """``run`` (``encode``'s UTF-8) deflated, as the player is sent it, when larger than ``PACK_ABOVE``."""
    return zlib.compress(run, 6) if len(run) > PACK_ABOVE else None


def read_sent(data: bytes) -> tuple[dict, bytes]:
    """What the player is sent (``lab_ui.stepping.player_bytes``), read as ``player.js`` reads it:
    its line of JSON (the page, the step, the nonce...) and the run's JSON, unpacked if deflated.
    For what speaks the browser's side without one (tests, the classroom benchmark)."""
    head, newline, run = data.partition(b"\n")
    if not newline:
        raise ValueError("the player was sent no run")
    fields = json.loads(head)
    return fields, zlib.decompress(run) if fields.get("packed") else run


def encode(data: dict) -> str:
    """The payload as the JSON text the browser parses once (compact, non-ASCII kept)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def frag_at(runs: list[int], step: int) -> int:
    """The fragment shown at ``step`` (1-based) from a run-length list [fragment, count, …]."""
    seen = 0
    for i in range(0, len(runs), 2):
        seen += runs[i + 1]
        if step <= seen:
            return runs[i]
    raise IndexError(step)


def html_at(data: dict, step: int) -> str:
    """What the player shows at ``step``: the page's views rebuilt from the payload alone."""

    def fill(match):
        name = match.group(1)
        slot = data["slots"].get(name)
        if slot is None:  # static: already in the skeleton
            return match.group(0)
        if slot["kind"] == "step":
            inner = data["frags"][frag_at(slot["at"], step)]
        else:
            inner = STRUCTURED[slot["kind"]](slot["value"], step)
        return f'<div data-slot="{name}">{inner}</div>'

    return re.sub(r'<div data-slot="([a-z_]+)"></div>', fill, data["layout"])
