"""The views several pages show, each drawn from a ``Trace`` and a step: the flow, the step card,
the narration, the "in real Airflow" notes, the tracked variables, the process table and the
variable tracker. Layout only; every value comes from ``engine``.
"""

from __future__ import annotations

import html
import re

import streamlit as st

from engine import fidelity
from engine.flow import STATES, describe, flow_graph, flow_svg, mark, step_state
from engine.lessons import scenario
from engine.trace import Trace
from engine.views import (
    changed_cells,
    changed_steps,
    changed_tracker_cells,
    changes_at,
    column_for_step,
    column_markers,
    log_lines,
    notes_for,
    process_rows,
    step_markers,
    tracker_columns,
    tracker_values,
)
from lab_ui import server

MARKERS_LABEL = "Where the lesson simplifies"


def show_markers(markers) -> None:
    """The markers' sentences, in sight next to the words they mark (never in a collapsed section)."""
    unique = list(dict.fromkeys(markers))
    if not unique:
        return
    items = "".join(
        f"<li><b>{m.symbol}</b> {_html(m.says)}<small>Source: {_html(m.source)}</small></li>"
        for m in sorted(unique, key=lambda m: m.number)
    )
    st.markdown(
        f'<ul class="lab-markers" aria-label="{MARKERS_LABEL}: what Airflow 3.3 does instead">{items}</ul>',
        unsafe_allow_html=True,
    )


def sym(text: str, markers) -> str:
    return fidelity.with_symbols(text, tuple(markers))


CSS = f"""
<style>
/* Long words (conn ids, job ids) wrap instead of widening the page on a phone. */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ overflow-wrap: anywhere; }}
.lab-card {{ border: 2px solid {STATES["current"][2]}; border-radius: .5rem; padding: .6rem .8rem;
             margin-bottom: .5rem; }}
.lab-card.failed {{ border-color: {STATES["failed"][2]}; }}
.lab-table-box {{ max-width: 100%; overflow-x: auto; }}
.lab-table {{ width: 100%; border-collapse: collapse; font-size: .9rem; }}
.lab-table caption {{ caption-side: bottom; text-align: left; font-size: .8rem; opacity: .8; }}
.lab-table th, .lab-table td {{ padding: .3rem .45rem; border-bottom: 1px solid rgba(128,128,128,.35);
  vertical-align: top; text-align: left; overflow-wrap: break-word; }}
.lab-table td.long {{ overflow-wrap: anywhere; }}  /* a long URL or JSON value wraps, short words stay whole */
.lab-table td:first-child, .lab-table th:first-child {{ white-space: nowrap; }}
.lab-table tr.current > *, .lab-table .current {{ background: {STATES["current"][1]}; color: {STATES["current"][2]};
  font-weight: bold; }}
.lab-table tr.failed > * {{ background: {STATES["failed"][1]}; color: {STATES["failed"][2]}; }}
.lab-table tr.pending > * {{ font-style: italic; }}
.lab-table tr[aria-current] > * {{ font-weight: bold; }}
.lab-table tr[aria-current] > :first-child {{ box-shadow: inset 5px 0 0 currentColor; }}
.lab-markers {{ list-style: none; padding-left: 0; margin: .3rem 0 .6rem; font-size: .85rem; }}
.lab-markers li {{ border-left: 3px solid #b26a00; padding: .15rem .5rem; margin-bottom: .3rem; }}
.lab-markers small {{ display: block; opacity: .85; overflow-wrap: anywhere; }}
/* Contrast of at least 4.5:1 in both themes: captions take the text colour, softened; code keywords. */
[data-testid="stCaptionContainer"], [data-has-shortcut="true"] kbd {{ color: inherit !important; opacity: .8; }}
[data-testid="stCode"] .token.keyword {{ color: #0b5cad; }}
[data-testid="stCode"] .token.string {{ color: #116329; }}
[data-testid="stCode"] .token.comment {{ color: #5a5d6b; }}
@media (prefers-color-scheme: dark) {{
  [data-testid="stCode"] .token.keyword {{ color: #79b8ff; }}
  [data-testid="stCode"] .token.string {{ color: #7ee787; }}
  [data-testid="stCode"] .token.comment {{ color: #b1b5c4; }}
}}
/* On a phone: the step card and narration before the diagram, tabs that wrap, no key hints. */
@media (max-width: 640px) {{
  .st-key-walkthrough_views [data-testid="stHorizontalBlock"] {{ flex-direction: column-reverse; }}
  .st-key-connections_tab [role="tablist"] {{ flex-wrap: wrap; }}
  .st-key-step_options [data-testid="stCaptionContainer"] {{ display: none; }}
}}
</style>
"""


def show_flow(trace: Trace, step: int, graphviz: bool = False) -> None:
    """The flow: an inline SVG (instant on every step), or the graphviz chart of the same states."""
    if graphviz:
        st.graphviz_chart(flow_graph(trace, step), alt=describe(trace, step), width="content")
    else:  # st.html's sanitiser strips inline SVG; markdown keeps it (its text is the lesson's, escaped)
        st.markdown(flow_svg(trace, step), unsafe_allow_html=True)
    legend = " · ".join(f"{symbol} {words}" for symbol, _, _, words, _ in STATES.values())
    caption = sym(trace.lesson["flow_caption"], fidelity.at("flow_caption"))
    st.caption(f"{legend} — the current node has a double border. {caption}")
    show_markers(
        m for place in ["flow_caption", *(f"flow.{n['id']}" for n in trace.lesson["flow"])] for m in fidelity.at(place)
    )


def show_step_card(trace: Trace, step: int) -> None:
    s = trace.step(step)
    marks = step_markers(trace, step)
    failed = " failed" if s.failed else ""
    status = "✗ Failed" if s.failed else "▶ Now"
    st.html(
        f"""<div class="lab-card{failed}" role="group" aria-label="Step {s.number}">
<b>{status} — Step {s.number}</b><br>
<b>Action:</b> {_html(sym(s.action, marks.get("action", ())))}<br>
<b>Connection ID Used:</b> <code>{_html(s.conn_id or "N/A")}</code><br>
<b>Airflow Internal State:</b> {_html(sym(s.internal_state, marks.get("state", ())))}<br>
<b>Result:</b> {_html(sym(s.result, marks.get("result", ())))}</div>"""
    )


def show_narration(trace: Trace, step: int) -> None:
    """The narration as HTML: the lesson's `code` spans become <code>, and every value of the run
    (a project id, a conn_id, an error from the store) is text, never markdown or markup."""
    text = trace.step(step).words_with("narration", lambda v: _html(v).replace("`", "&#96;"))
    code_spans = re.sub(r"`([^`]*)`", r"<code>\1</code>", text)
    st.markdown(f"<p>{code_spans}</p>", unsafe_allow_html=True)


def show_airflow_notes(trace: Trace, step: int) -> None:
    notes = notes_for(trace.step(step))
    if notes:
        with st.expander("In real Airflow 3"):
            for note in notes:
                st.markdown(" ".join(note["text"].split()))
                st.caption(f"Source: {note['package']}, {note['file']}: “{note['quote']}”")


def show_variables(trace: Trace, step: int) -> None:
    """Each tracked variable's value after ``step`` (◆ when it changed at this step) and the object
    it holds, as one HTML list: no markdown, so a URL in a value is text, never a link."""
    changed = {v for v, _, _ in changes_at(trace, step)}
    marks = step_markers(trace, step)
    items = []
    for variable in trace.variables:
        value = trace.value(variable, step)
        value = value._replace(text=sym(value.text, marks.get(variable, ())))
        flag = " ◆ changed" if variable in changed else ""
        detail = value.detail if value.detail not in ("None", value.state) else ""
        small = f"<br><small><code>{_html(detail)}</code></small>" if detail else ""
        items.append(f"<li><code>{_html(variable)}</code> → <b>{_html(value.text)}</b>{_html(flag)}{small}</li>")
    st.markdown(f'<ul class="lab-variables">{"".join(items)}</ul>', unsafe_allow_html=True)


LONG_CELL = 40  # characters: a cell this long may break inside a word (a URL, a JSON value)


def html_table(
    headers: list[str], rows: list[list[str]], caption: str, row_classes=None, current_col=None, current_row=None
) -> str:
    """A real ``<table>``: its text is in the page (selectable, found by Ctrl+F, read by screen
    readers) and long cells wrap. One line, so that markdown passes it through untouched.
    ``row_classes``: row index → its state (current, done, failed, pending); ``current_row`` and
    ``current_col``: the row and column to mark (a column's rows are then headed by their first cell)."""

    def cell(tag: str, text: str, current: bool, scope: str = "") -> str:
        classes = " ".join(c for c, on in (("current", current), ("long", len(text) > LONG_CELL)) if on)
        attr = f' class="{classes}"' if classes else ""
        return f"<{tag}{scope}{attr}>{_html(text)}</{tag}>"

    head = "".join(cell("th", h, i == current_col, " scope=col") for i, h in enumerate(headers))
    body = []
    for r, cells in enumerate(rows):
        state = (row_classes or {}).get(r)
        attrs = f' class="{state}"' if state else ""
        if r == current_row:
            attrs += ' aria-current="step"'  # the current row, failed or not
        row_header = current_col is not None
        tds = "".join(
            cell("th", c, False, " scope=row") if i == 0 and row_header else cell("td", c, i == current_col)
            for i, c in enumerate(cells)
        )
        body.append(f"<tr{attrs}>{tds}</tr>")
    return (  # the box scrolls sideways when the table is wider than the screen; the page never does
        f'<div class="lab-table-box" role="region" aria-label="{_html(caption)}" tabindex="0">'
        f'<table class="lab-table"><caption>{_html(caption)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def comparable(trace: Trace) -> bool:
    """Whether marking what differs from the lesson means anything: not for the lesson itself, nor
    for the airflow3 run, whose steps are others than the lesson's."""
    return trace.scenario_id != "lesson" and scenario(trace.scenario_id).path == "lesson"


def show_process_table(trace: Trace, step: int, hide_future: bool = False, compare: bool = True) -> None:
    rows = process_rows(trace)
    versus = compare and comparable(trace)  # a column that marks the rows unlike the lesson's
    changed = changed_steps(trace, server.current_trace("lesson")) if versus else set()
    headers = ["", *rows[0], *(["vs the lesson"] if versus else [])]
    cells, classes, used = [], {}, []
    for row, s in zip(rows, trace.steps):
        if hide_future and s.number > step:
            break
        state = step_state(trace, s.number, step)
        classes[len(cells)] = state
        extra = ["≠ changed from the lesson" if s.number in changed else ""] if versus else []
        row_marks = column_markers(s)
        used.extend(m for found in row_marks.values() for m in found)
        values = [sym(str(v), row_marks.get(k, ())) for k, v in row.items()]
        cells.append([mark(state), *values, *extra])
    caption = f"Process table of {len(trace.steps)} steps; step {step} is the current row."
    st.markdown(html_table(headers, cells, caption, classes, current_row=step - 1), unsafe_allow_html=True)
    lesson = trace.lesson
    if trace.succeeded:
        footer_marks = fidelity.at("table_footer_ok")
        footer = sym(lesson["table_footer_ok"], footer_marks)
        used.extend(footer_marks)
    else:
        footer = lesson["table_footer_failed"].format(step=trace.failed_step.number, error=trace.failed_step.result)
    st.caption(f"💡 {footer}")
    show_markers(used)


def show_tracker(trace: Trace, step: int, every_step: bool, compare: bool = True) -> None:
    values = tracker_values(trace, every_step)
    changed = changed_cells(trace, every_step)
    current = column_for_step(trace, step, every_step)
    differs = (
        {}
        if not compare or not comparable(trace)
        else changed_tracker_cells(trace, server.current_trace("lesson"), every_step)
    )
    labels = [label for label, _ in tracker_columns(trace, every_step)]
    rows, used = [], []
    index_of = dict(tracker_columns(trace, every_step))
    for variable, row in values.items():
        cells = [str(variable)]
        for label in labels:
            flags = ("◆ " if label in changed[variable] else "") + ("≠ " if label in differs.get(variable, ()) else "")
            state = trace.value(variable, index_of[label]).state
            marks = () if row[label] == trace.lesson["unchanged"] else fidelity.at(f"variables.{variable.name}.{state}")
            used.extend(marks)
            cells.append(flags + sym(row[label], marks))
        rows.append(cells)
    headers = ["Variable", *(f"▶ {c}" if c == current else c for c in labels)]
    caption = f"Variable tracker; the column for step {step} is {current}."
    st.markdown(html_table(headers, rows, caption, current_col=labels.index(current) + 1), unsafe_allow_html=True)
    legend = "▶ the column for the current step · ◆ the value changed since the previous column"
    st.caption(legend + (" · ≠ changed from the lesson" if differs else ""))
    show_markers(used)


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
    with st.container(key="walkthrough_views"):
        left, right = st.columns([2, 3])
    with left:
        show_flow(trace, step)
    with right:
        show_step_card(trace, step)
        show_narration(trace, step)
        show_markers(m for found in step_markers(trace, step).values() for m in found)
        show_airflow_notes(trace, step)
        st.markdown("#### Tracked variables")
        show_variables(trace, step)
        show_task_log(trace, step)
    st.page_link("pages/process_table.py", label="The whole run in a table", icon="📋")


def show_task_log(trace: Trace, step: int) -> None:
    """The task log lines a learner would read so far (the airflow3 run records them), masked."""
    if not any(s.raw_facts.get("log") for s in trace.steps):
        return
    lines = log_lines(trace, step) or ["(nothing logged yet)"]
    st.markdown("#### Task log")
    st.caption("What the task's log shows so far, with every registered secret as ***.")
    st.code("\n".join(lines), language=None, wrap_lines=True)


def _html(text: str) -> str:
    return html.escape(text)
