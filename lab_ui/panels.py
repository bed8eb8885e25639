"""The views several pages show, each drawn from a ``Trace`` and a step: the flow, the step card,
the narration, the "in real Airflow" notes, the tracked variables, the process table and the
variable tracker. Layout only; every value comes from ``engine``.
"""

from __future__ import annotations

import html

import streamlit as st

from engine.flow import STATES, css, describe, flow_graph, flow_svg, mark, step_state
from engine.lessons import scenario
from engine.trace import Trace
from engine.views import (
    changed_cells,
    changed_steps,
    changed_tracker_cells,
    changes_at,
    column_for_step,
    notes_for,
    process_table,
    variable_tracker,
)
from lab_ui import server

CSS = f"""
<style>
/* Long words (conn ids, job ids) wrap instead of widening the page on a phone. */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ overflow-wrap: anywhere; }}
.lab-card {{ border: 2px solid {STATES["current"][2]}; border-radius: .5rem; padding: .6rem .8rem;
             margin-bottom: .5rem; }}
.lab-card.failed {{ border-color: {STATES["failed"][2]}; }}
</style>
"""


def show_flow(trace: Trace, step: int, graphviz: bool = False) -> None:
    """The flow: an inline SVG (instant on every step), or the graphviz chart of the same states."""
    if graphviz:
        st.graphviz_chart(flow_graph(trace, step), alt=describe(trace, step), width="content")
    else:  # st.html's sanitiser strips inline SVG; markdown keeps it (its text is the lesson's, escaped)
        st.markdown(flow_svg(trace, step), unsafe_allow_html=True)
    legend = " · ".join(f"{sym} {words}" for sym, _, _, words, _ in STATES.values())
    st.caption(f"{legend} — the current node has a double border. {trace.lesson['flow_caption']}")


def show_step_card(trace: Trace, step: int) -> None:
    s = trace.step(step)
    failed = " failed" if s.failed else ""
    status = "✗ Failed" if s.failed else "▶ Now"
    st.html(
        f"""<div class="lab-card{failed}" role="group" aria-label="Step {s.number}">
<b>{status} — Step {s.number}</b><br>
<b>Action:</b> {_html(s.action)}<br>
<b>Connection ID Used:</b> <code>{_html(s.conn_id or "N/A")}</code><br>
<b>Airflow Internal State:</b> {_html(s.internal_state)}<br>
<b>Result:</b> {_html(s.result)}</div>"""
    )


def show_narration(trace: Trace, step: int) -> None:
    st.markdown(trace.step(step).narration)


def show_airflow_notes(trace: Trace, step: int) -> None:
    notes = notes_for(trace.step(step))
    if notes:
        with st.expander("In real Airflow 3"):
            for note in notes:
                st.markdown(" ".join(note["text"].split()))
                quote = f": “{note['quote']}”" if note.get("quote") else ""
                st.caption(f"Source: {note['source']}{quote}")


def show_variables(trace: Trace, step: int) -> None:
    changed = {v for v, _, _ in changes_at(trace, step)}
    lines = []
    for variable in trace.variables:
        value = trace.value(variable, step)
        flag = " ◆ changed" if variable in changed else ""
        lines.append(f"- `{variable}` → **{value.text}**{flag}")
        if value.detail != "None" and value.detail != value.state:
            lines.append(f"  <small>{_html(value.detail)}</small>")
    st.markdown("\n".join(lines), unsafe_allow_html=True)


def show_process_table(trace: Trace, step: int, hide_future: bool = False, compare: bool = True) -> None:
    frame = process_table(trace)
    if compare and trace.scenario_id != "lesson":
        changed = changed_steps(trace, server.current_trace("lesson"))
        frame["vs the lesson"] = ["≠ changed from the lesson" if s.number in changed else "" for s in trace.steps]
    frame.insert(0, "", [mark(step_state(trace, s.number, step)) for s in trace.steps])
    if hide_future:
        frame = frame[frame["Step"] <= step]
    st.dataframe(
        frame.style.apply(lambda row: [css(step_state(trace, row["Step"], step))] * len(row), axis=1),
        hide_index=True,
        width="stretch",
        alt=f"Process table of {len(trace.steps)} steps; step {step} is the current row.",
    )
    lesson = trace.lesson
    footer = (
        lesson["table_footer_ok"]
        if trace.succeeded
        else lesson["table_footer_failed"].format(step=trace.failed_step.number, error=trace.failed_step.result)
    )
    st.caption(f"💡 {footer}")


def show_tracker(trace: Trace, step: int, every_step: bool, compare: bool = True) -> None:
    frame = variable_tracker(trace, every_step)
    changed = changed_cells(trace, every_step)
    current = column_for_step(trace, step, every_step)
    differs = (
        {}
        if not compare or trace.scenario_id == "lesson"
        else changed_tracker_cells(trace, server.current_trace("lesson"), every_step)
    )
    shown = frame.copy()
    for variable in shown.index:
        for label in changed[variable]:
            shown.loc[variable, label] = f"◆ {shown.loc[variable, label]}"
        for label in differs.get(variable, ()):
            shown.loc[variable, label] = f"≠ {shown.loc[variable, label]}"
    shown.columns = [f"▶ {c}" if c == current else c for c in shown.columns]
    st.dataframe(
        shown.style.apply(
            lambda column: [css("current") if column.name.startswith("▶ ") else ""] * len(column), axis=0
        ),
        width="stretch",
        alt=f"Variable tracker; the column for step {step} is {current}.",
    )
    legend = "▶ the column for the current step · ◆ the value changed since the previous column"
    st.caption(legend + (" · ≠ changed from the lesson" if differs else ""))


def show_scenario(trace: Trace, step: int) -> None:
    """The scenario's story above the walkthrough (the lesson's subtitle for the lesson)."""
    sc = scenario(trace.scenario_id)
    if sc.id == "lesson":
        st.caption(trace.lesson["subtitle"])
        return
    with st.expander(f"Scenario: {sc.title}", expanded=False):
        st.markdown(sc.description)
        st.markdown("**What to notice**\n" + "\n".join(f"- {n}" for n in sc.notice))
        st.page_link(
            "pages/compare.py",
            label="Compare it with the lesson, side by side",
            icon="⚖️",
            query_params={"scenario": sc.id, "step": str(step)},
        )


def walkthrough(trace: Trace, step: int) -> None:
    """The home page's views: the flow beside the step card, narration, notes and variables."""
    left, right = st.columns([2, 3])
    with left:
        show_flow(trace, step)
    with right:
        show_step_card(trace, step)
        show_narration(trace, step)
        show_airflow_notes(trace, step)
        st.markdown("#### Tracked variables")
        show_variables(trace, step)
    st.page_link("pages/process_table.py", label="The whole run in a table", icon="📋")


def _html(text: str) -> str:
    return html.escape(text)
