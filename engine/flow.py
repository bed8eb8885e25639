"""The process flow as a ``graphviz.Digraph``: the seven nodes, each in its state at a step.

States share one colour language with the tables (see ``STATES``): pending, current, done,
failed. The current node is marked by a double border and bold text as well as colour, and each
label carries a symbol, so the state never depends on colour alone.
"""

from __future__ import annotations

import graphviz

from engine.lessons import lesson
from engine.simulator import Trace

# state → (symbol, fill, border/text colour, words)
STATES = {
    "pending": ("○", "#f1f3f4", "#5f6368", "not reached yet"),
    "current": ("▶", "#d2e3fc", "#174ea6", "happening now"),
    "done": ("✓", "#ceead6", "#0d652d", "done"),
    "failed": ("✗", "#fad2cf", "#a50e0e", "failed"),
}
PRE_RUN = ("define", "store")  # happen before the DAG runs, in the UI and the metadata DB


def node_states(trace: Trace, step: int) -> dict[str, str]:
    """node id → pending/current/done/failed after ``step`` (0 = before the run)."""
    nodes = [n["id"] for n in lesson()["flow"]]
    states = {n: "pending" for n in nodes}
    request = trace.first("request_connection")
    defined = request is not None and not request.failed
    for node in PRE_RUN:
        states[node] = "done" if defined else "failed"
    for s in trace.steps[:step]:
        states[s.flow_node] = "failed" if s.failed else "done"
    if 0 < step <= len(trace.steps):
        current = trace.step(step)
        states[current.flow_node] = "failed" if current.failed else "current"
    return states


def describe(trace: Trace, step: int) -> str:
    """A sentence for screen readers: every node and its state."""
    states = node_states(trace, step)
    parts = [f"{n['label']}: {STATES[states[n['id']]][3]}" for n in lesson()["flow"]]
    return f"Process flow at step {step} of {len(trace.steps)}. " + "; ".join(parts) + "."


def flow_graph(trace: Trace, step: int, direction: str = "TB") -> graphviz.Digraph:
    states = node_states(trace, step)
    graph = graphviz.Digraph("process_flow", graph_attr={"rankdir": direction, "bgcolor": "transparent", "ranksep": "0.25", "nodesep": "0.2"})
    graph.attr("node", shape="box", style="rounded,filled", fontname="Helvetica", fontsize="12", height="0.35",
               width="2.8", margin="0.08,0.04")
    graph.attr("edge", color="#80868b")
    flow = lesson()["flow"]
    for node in flow:
        state = states[node["id"]]
        symbol, fill, ink, _ = STATES[state]
        attrs = {"fillcolor": fill, "color": ink, "fontcolor": ink}
        if state == "current" or (state == "failed" and 0 < step and trace.step(step).flow_node == node["id"]):
            attrs.update(peripheries="2", penwidth="2", fontname="Helvetica-Bold")
        graph.node(node["id"], f"{symbol} {node['label']}", **attrs)
    for a, b in zip(flow, flow[1:]):
        graph.edge(a["id"], b["id"])
    return graph
