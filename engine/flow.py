"""The process flow as an inline SVG: the seven nodes, each in its state at a step.

States share one colour language with the tables (see ``STATES``): pending, current, done,
failed. The current node is marked by a double border and bold text as well as colour, and each
label carries a symbol, so the state never depends on colour alone.
"""

from __future__ import annotations

import html

from engine import fidelity
from engine.trace import Trace

# The one palette: state → (symbol, fill, border/text colour, words, the table's short word).
# The SVG and the tables read it.
STATES = {
    "pending": ("○", "#f1f3f4", "#5f6368", "not reached yet", "next"),
    "current": ("▶", "#d2e3fc", "#174ea6", "happening now", "now"),
    "done": ("✓", "#ceead6", "#0d652d", "done", "done"),
    "failed": ("✗", "#fad2cf", "#a50e0e", "failed", "failed"),
    "skipped": ("–", "#ffffff", "#5f6368", "did not happen in this run", "skipped"),
}


def step_state(trace: Trace, number: int, step: int) -> str:
    """The state of step ``number`` while the learner is at ``step`` (a table row's mark and colour)."""
    if number > step:
        return "pending"
    if trace.step(number).failed:
        return "failed"
    return "current" if number == step else "done"


def mark(state: str) -> str:
    """A row's mark: its symbol and short word, e.g. "▶ now"."""
    return f"{STATES[state][0]} {STATES[state][4]}"


PRE_RUN = ("define", "store")  # happen before the DAG runs, in the UI and the metadata DB
CLOSE = "close"  # runs after a failure too (the lesson's finally)
DASHED = ' stroke-dasharray="5 3"'  # a skipped node's border


def node_states(trace: Trace, step: int) -> dict[str, str]:
    """node id → pending/current/done/failed/skipped after ``step`` (0 = before the run).

    A node fails only where the run failed; a step after the failure does not fail its node
    again: the close after a failed job still runs (done), a close with no session to close did
    not happen (skipped), and so did defining and storing a conn_id that no backend has. The
    last step ends the run: no node is current then, and ``run_ended`` says how it ended.
    """
    return every_node_state(trace, step)[step]


def every_node_state(trace: Trace, last: int | None = None) -> list[dict[str, str]]:
    """``node_states`` after each step 0…``last`` (default: the whole run), in one pass over the
    steps: a run of thousands of steps is drawn without re-reading the steps before each one."""
    last = len(trace.steps) if last is None else last
    nodes = [n["id"] for n in trace.lesson["flow"]]
    states = dict.fromkeys(nodes, "pending")
    defined = not any(
        s.outcome in ("fallback", "not_found") or s.error_type == "AirflowNotFoundException" for s in trace.steps
    )
    for node in PRE_RUN:
        states[node] = "done" if defined else "skipped"
    failed = trace.failed_step
    total = len(trace.steps)
    found = []
    for step in range(0, last + 1):
        current = trace.steps[step - 1] if step > 0 else None
        if current is not None and current.kind == "dag_end":  # the run's end is not a node of the flow
            current = None
        if current is not None:
            states[current.flow_node] = _state_of(current)
        now = dict(states)
        if failed is not None and failed.number <= step:  # what the failure stopped will not happen
            for node in nodes:
                if now[node] == "pending" and (node != CLOSE or step == total):
                    now[node] = "skipped"
        if current is not None and now[current.flow_node] == "done":
            now[current.flow_node] = "current"
        found.append(now)
    return found


def _state_of(step) -> str:
    if step.kind == "task_complete":  # the close: it runs even after a failure, unless no session exists
        return "skipped" if step.outcome == "failed_without_session" else "done"
    if step.kind == "process_exit":  # the task's process exits whether it failed or not
        return "done"
    return "failed" if step.failed else "done"


def run_ended(trace: Trace, step: int) -> str | None:
    """At the last step, how the run ended (the last step's result); before it, ``None``."""
    return trace.steps[-1].result if step >= len(trace.steps) else None


def describe(trace: Trace, step: int) -> str:
    """A sentence for screen readers: the step, and every node and its state."""
    at = f" at step {step} of {len(trace.steps)}"
    return _described(trace, node_states(trace, step), run_ended(trace, step), at)


def _described(trace: Trace, states: dict, ended: str | None, at: str = "") -> str:
    """The sentence without the step (``at``): the SVG's label, which the player's heading already
    numbers, so that steps with the same states draw the same picture."""
    parts = [f"{n['label']}: {STATES[states[n['id']]][3]}" for n in trace.lesson["flow"]]
    end = f" Run ended: {ended}." if ended else ""
    return f"Process flow{at}. " + "; ".join(parts) + "." + end


def flow_svg(trace: Trace, step: int, states: dict | None = None, drawn: dict | None = None) -> str:
    """The same flow as an inline SVG (a straight chain needs no layout engine).

    A straight chain needs no layout engine (graphviz took ~600 ms a step); ``states``: given
    when already known (``every_node_state``). ``drawn``: the pictures of this trace drawn so far,
    by what the picture shows (every node's state, the current node, how the run ended): a run of
    a thousand tasks shows a handful of pictures over its 4,002 steps, each drawn once.
    """
    states = states or node_states(trace, step)
    now = trace.step(step) if 0 < step <= len(trace.steps) else None
    current = now.flow_node if now is not None and now.kind != "dag_end" else None
    ended = run_ended(trace, step)
    if drawn is None:
        return _picture(trace, states, current, ended)
    shows = (*states.items(), current, ended)
    picture = drawn.get(shows)
    if picture is None:
        picture = drawn[shows] = _picture(trace, states, current, ended)
    return picture


def _picture(trace: Trace, states: dict, current: str | None, ended: str | None) -> str:
    box_w, box_h, gap, pad = 300, 34, 16, 6
    height = pad * 2 + len(trace.lesson["flow"]) * (box_h + gap) - gap + (box_h if ended else 0)
    label = _attr(_described(trace, states, ended))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {box_w + 2 * pad} {height}" '
        f'width="100%" style="max-width:{box_w + 2 * pad}px" aria-label="{label}">'
    ]
    for i, node in enumerate(trace.lesson["flow"]):
        y = pad + i * (box_h + gap)
        state = states[node["id"]]
        symbol, fill, ink, words, _ = STATES[state]
        marked = node["id"] == current
        width = 3 if marked else 1.2
        parts.append(f"<g><title>{_attr(node['label'])}: {words}</title>")
        parts.append(
            f'<rect x="{pad}" y="{y}" width="{box_w}" height="{box_h}" rx="9" fill="{fill}" '
            f'stroke="{ink}" stroke-width="{width}"{DASHED if state == "skipped" else ""}/>'
        )
        if marked:  # a double border, not colour alone
            parts.append(
                f'<rect x="{pad + 4}" y="{y + 4}" width="{box_w - 8}" height="{box_h - 8}" rx="6" '
                f'fill="none" stroke="{ink}" stroke-width="1.2"/>'
            )
        weight = "bold" if marked else "normal"
        parts.append(
            f'<text x="{pad + box_w / 2}" y="{y + box_h / 2 + 5}" text-anchor="middle" fill="{ink}" '
            f'font-family="sans-serif" font-size="14" font-weight="{weight}">{symbol} '
            f"{_attr(fidelity.with_symbols(node['label'], fidelity.at('flow.' + node['id'])))}</text></g>"
        )
        if i < len(trace.lesson["flow"]) - 1:
            x, y1, y2 = pad + box_w / 2, y + box_h, y + box_h + gap
            parts.append(
                f'<path d="M{x} {y1} V{y2 - 2} M{x - 4} {y2 - 7} L{x} {y2 - 1} L{x + 4} {y2 - 7}" '
                f'stroke="#80868b" stroke-width="1.5" fill="none"/>'
            )
    if ended:  # the run's end, under the flow: no node is current any more
        ink = STATES["failed" if trace.failed_step else "done"][2]
        parts.append(
            f'<text x="{pad + box_w / 2}" y="{height - pad - 8}" text-anchor="middle" fill="{ink}" '
            f'font-family="sans-serif" font-size="14" font-weight="bold">■ Run ended: {_attr(ended)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _attr(text: str) -> str:
    return html.escape(text, quote=True)
