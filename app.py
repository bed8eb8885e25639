"""The Airflow connections lab: ``streamlit run app.py``.

This file is the home page (the step-by-step walkthrough) and the parts every page shares: the
session-state keys, the sidebar, the step controls and the views that several pages show.
Pages import it (``from app import ...``); its home page is drawn only when Streamlit runs it.
Everything here is layout and widget state; what is computed comes from ``engine``.
"""

from __future__ import annotations

import html
import time
from typing import Callable

import streamlit as st

from engine import lab
from engine.flow import STATES, describe, flow_graph, flow_svg
from engine.lessons import lesson, scenario, scenarios
from engine.simulator import Trace
from engine.views import (
    NOTHING_CHANGES,
    changed_cells,
    changed_steps,
    changed_tracker_cells,
    changes_at,
    check_prediction,
    column_for_step,
    notes_for,
    prediction_choices,
    process_table,
    tracker_columns,
    variable_tracker,
)

# -- session-state keys: one per concept, used by every page ---------------------------------
SCENARIO = "lab_scenario"  # current scenario id
STEP = "lab_step"  # current step (1-based)
URL_SEEN = "lab_url_seen"  # the (scenario, step) last written to or read from the URL
NOTICE = "lab_notice"  # a notice about a URL value that was not valid
EVERY_STEP = "lab_every_step"  # tracker: a column after every step
HIDE_FUTURE = "lab_hide_future"  # process table: hide rows not reached yet
PREDICT = "lab_predict"  # "predict, then step" mode
PREDICTION = "lab_prediction"  # the last prediction's outcome
AUTOPLAY = "lab_autoplay"
AUTOPLAY_AT = "lab_autoplay_at"
QUIZ = "lab_quiz"  # question id -> chosen option

AUTOPLAY_SECONDS = 2.5

PAGES = [
    ("app.py", "Step-by-step walkthrough", "🧭"),
    ("pages/1_Process_flow.py", "Process flow", "🔀"),
    ("pages/2_Execution_sample.py", "Execution sample", "🐍"),
    ("pages/3_Process_table.py", "Process table", "📋"),
    ("pages/4_Variable_tracker.py", "Variable tracker", "🔎"),
    ("pages/5_Key_moments.py", "Key moments", "💡"),
    ("pages/6_Quiz.py", "Quiz", "❓"),
    ("pages/7_Concept_snapshot.py", "Concept snapshot", "🧩"),
    ("pages/8_Full_transcript.py", "Full transcript", "📜"),
    ("pages/9_Connections.py", "Connections", "🔐"),
    ("pages/10_Compare_with_the_lesson.py", "Compare with the lesson", "⚖️"),
    ("pages/11_Your_DAG.py", "Your DAG", "✍️"),
]

CSS = """
<style>
/* Long words (conn ids, job ids) wrap instead of widening the page on a phone. */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { overflow-wrap: anywhere; }
.lab-card { border: 2px solid #174ea6; border-radius: .5rem; padding: .6rem .8rem; margin-bottom: .5rem; }
.lab-card.failed { border-color: #a50e0e; }
</style>
"""


# -- state and URL ---------------------------------------------------------------------------
def _sync_from_url() -> None:
    """A URL that changed outside the app (a deep link, the back button) sets the state."""
    ss = st.session_state
    params = st.query_params
    raw = (params.get("scenario"), params.get("step"))
    if raw == ss.get(URL_SEEN):
        return
    notices = []
    if raw[0] is not None or SCENARIO not in ss:
        scenario_id, notice = lab.parse_scenario(raw[0])
        ss[SCENARIO] = scenario_id
        notices.append(notice)
    if raw[1] is not None:
        total = len(lab.current_trace(ss[SCENARIO]).steps)
        ss[STEP], notice = lab.parse_step(raw[1], total)
        notices.append(notice)
    ss[NOTICE] = " ".join(n for n in notices if n) or None
    ss[URL_SEEN] = raw


def _write_url(trace: Trace) -> None:
    ss = st.session_state
    wanted = {"step": str(ss[STEP])}
    if ss[SCENARIO] != "lesson":
        wanted["scenario"] = ss[SCENARIO]
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
    ss[URL_SEEN] = (wanted.get("scenario"), wanted["step"])


def go_to(step: int) -> None:
    st.session_state[STEP] = step
    st.session_state[PREDICTION] = None


def set_scenario(scenario_id: str, step: int = 1) -> None:
    st.session_state[SCENARIO] = scenario_id
    go_to(step)


def _on_scenario_change() -> None:
    set_scenario(st.session_state["scenario_select"])


def _on_slider() -> None:
    go_to(st.session_state["step_slider"])


# -- the frame of every page -----------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _sockets_set_for_small_messages() -> int:
    """Once per server process: a step's messages leave at once (see ``lab.send_small_messages_at_once``)."""
    return lab.send_small_messages_at_once()


def setup(title: str, icon: str = "🧭", dag_source: str | None = None) -> tuple[Trace, int]:
    """Page config, URL sync and the sidebar; returns the current trace (of ``dag_source``'s DAG
    when a page runs the learner's own) and step."""
    st.set_page_config(page_title=f"{title} · Airflow connections lab", page_icon=icon, layout="wide")
    _sockets_set_for_small_messages()
    st.markdown(CSS, unsafe_allow_html=True)
    ss = st.session_state
    ss.setdefault(STEP, 1)
    ss.setdefault(PREDICTION, None)
    _sync_from_url()
    trace = lab.current_trace(ss[SCENARIO]) if dag_source is None else lab.current_trace("lesson", dag_source)
    ss[STEP] = min(max(1, ss[STEP]), len(trace.steps))
    _write_url(trace)
    sidebar(trace)
    st.title(f"{icon} {title}")
    if ss.get(NOTICE):
        st.warning(ss[NOTICE], icon="⚠️")
    return trace, ss[STEP]


def sidebar(trace: Trace) -> None:
    ss = st.session_state
    with st.sidebar:
        st.markdown(f"**{lesson()['title']}**")
        ids = list(scenarios())
        ss["scenario_select"] = ss[SCENARIO]
        st.selectbox(
            "Scenario",
            ids,
            key="scenario_select",
            format_func=lambda i: scenario(i).title,
            on_change=_on_scenario_change,
            help="Each scenario is a recorded run of its own; every page shows the same one.",
        )
        st.caption(scenario(ss[SCENARIO]).summary)
        st.markdown("**Learning modes**")
        for path, label, icon in PAGES:  # the step and scenario travel in the session, then the URL
            st.page_link(path, label=label, icon=icon)


def stepper(trace: Trace) -> int:
    """First / previous / next / last, a slider and "Step N of M"; keyboard ← → Home End."""
    ss = st.session_state
    step, total = ss[STEP], len(trace.steps)
    current = trace.step(step)
    mark = "✗ failed here" if current.failed else ""
    st.markdown(f"### Step {step} of {total}: {current.action} {mark}")
    predicting = ss.get(PREDICT, False) and step < total
    with st.container(horizontal=True, key="step_controls"):
        st.button("First", key="step_first", icon="⏮", on_click=go_to, args=(1,), disabled=step == 1,
                  shortcut="Home", help="First step (Home)")
        st.button("Previous", key="step_prev", icon="◀", on_click=go_to, args=(step - 1,), disabled=step == 1,
                  shortcut="Left", help="Previous step (←)")
        st.button("Next", key="step_next", icon="▶", on_click=go_to, args=(step + 1,), type="primary",
                  disabled=step == total or predicting, shortcut="Right",
                  help="Next step (→)" if not predicting else "Make a prediction below first")
        st.button("Last", key="step_last", icon="⏭", on_click=go_to, args=(total,), disabled=step == total,
                  shortcut="End", help="Last step (End)")
    ss["step_slider"] = step
    if total > 1:
        st.slider(f"Step (1–{total})", 1, total, key="step_slider", on_change=_on_slider)
    if ss.get(AUTOPLAY):
        _autoplay(total)
    if ss.get(PREDICT):
        predict_box(trace, step)
    return step


def stepped(render: Callable[[Trace, int], None], dag_source: str | None = None) -> None:
    """The step options, then the stepper and the views of the current step as a fragment."""
    step_options()
    _stepped(render, dag_source)


@st.fragment
def _stepped(render: Callable[[Trace, int], None], dag_source: str | None = None) -> None:
    """A step reruns only this part of the page (not the sidebar or the page's frame), and
    keeps the URL in step."""
    ss = st.session_state
    trace = lab.current_trace(ss[SCENARIO]) if dag_source is None else lab.current_trace("lesson", dag_source)
    ss[STEP] = min(max(1, ss[STEP]), len(trace.steps))
    _write_url(trace)
    render(trace, stepper(trace))


def step_options() -> None:
    """Keys, autoplay and predict-then-step: outside the stepped fragment, they change rarely."""
    with st.container(horizontal=True, vertical_alignment="center", key="step_options"):
        st.caption("Keys: ← previous · → next · Home first · End last")
        st.toggle("Autoplay", key=AUTOPLAY, help=f"One step every {AUTOPLAY_SECONDS:g} s; stops at the end.")
        st.toggle("Predict, then step", key=PREDICT,
                  help="Before each step, say which tracked variable will change, and to what.")


@st.fragment(run_every=0.5)
def _autoplay(total: int) -> None:
    ss = st.session_state
    if not ss.get(AUTOPLAY):
        return
    now = time.monotonic()
    last = ss.get(AUTOPLAY_AT)
    if last is None:
        ss[AUTOPLAY_AT] = now
    elif now - last >= AUTOPLAY_SECONDS:
        ss[AUTOPLAY_AT] = now
        if ss[STEP] >= total:
            ss[AUTOPLAY] = False
        else:
            go_to(ss[STEP] + 1)
        st.rerun(scope="app")
    st.caption(f"▶ Autoplay: next step in {max(0.0, AUTOPLAY_SECONDS - (now - ss[AUTOPLAY_AT])):.0f} s")


def predict_box(trace: Trace, step: int) -> None:
    ss = st.session_state
    if ss.get(PREDICTION):
        right, truth = ss[PREDICTION]
        (st.success if right else st.error)(("✅ Right. " if right else "❌ Not quite. ") + truth)
    if step >= len(trace.steps):
        st.info("This is the last step: nothing left to predict.")
        return
    choices = prediction_choices(trace)
    with st.container(border=True):
        st.markdown(f"**Predict step {step + 1}:** which tracked variable changes, and to what?")
        variable = st.selectbox("Variable", [NOTHING_CHANGES, *choices], key="predict_variable")
        values = sorted({v for vals in choices.values() for v in vals})
        value = st.selectbox("Becomes", values, key="predict_value", help="Ignored when nothing changes.")
        st.button(f"Reveal step {step + 1}", key="predict_reveal", type="primary", on_click=_reveal,
                  args=(trace, step, variable, value))


def _reveal(trace: Trace, step: int, variable: str, value: str) -> None:
    st.session_state[PREDICTION] = check_prediction(trace, step + 1, variable, value)
    st.session_state[STEP] = step + 1


# -- views that several pages show -----------------------------------------------------------
def show_flow(trace: Trace, step: int, graphviz: bool = False) -> None:
    """The flow: an inline SVG (instant on every step), or the graphviz chart of the same states."""
    if graphviz:
        st.graphviz_chart(flow_graph(trace, step), alt=describe(trace, step), width="content")
    else:
        st.html(flow_svg(trace, step))
    legend = " · ".join(f"{sym} {words}" for sym, _, _, words in STATES.values())
    st.caption(f"{legend} — the current node has a double border. {lesson()['flow_caption']}")


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
        changed = changed_steps(trace, lab.current_trace("lesson"))
        frame["vs the lesson"] = ["≠ changed from the lesson" if s.number in changed else "" for s in trace.steps]
    marks = []
    for s in trace.steps:
        if s.number == step:
            marks.append("✗ failed" if s.failed else "▶ now")
        elif s.number < step:
            marks.append("✗ failed" if s.failed else "✓ done")
        else:
            marks.append("○ next")
    frame.insert(0, "", marks)
    if hide_future:
        frame = frame[frame["Step"] <= step]

    def style(row):
        n = row["Step"]
        if n == step:
            return ["background-color: #d2e3fc; color: #174ea6; font-weight: bold"] * len(row)
        if trace.step(n).failed and n < step:
            return ["color: #a50e0e"] * len(row)
        if n > step:
            return ["color: #9aa0a6"] * len(row)
        return [""] * len(row)

    st.dataframe(
        frame.style.apply(style, axis=1),
        hide_index=True,
        width="stretch",
        alt=f"Process table of {len(trace.steps)} steps; step {step} is the current row.",
    )
    footer = lesson()["table_footer_ok"] if trace.succeeded else lesson()["table_footer_failed"].format(
        step=trace.failed_step.number, error=trace.failed_step.result)
    st.caption(f"💡 {footer}")


def show_tracker(trace: Trace, step: int, every_step: bool, compare: bool = True) -> None:
    frame = variable_tracker(trace, every_step)
    changed = changed_cells(trace, every_step)
    current = column_for_step(trace, step, every_step)
    differs = ({} if not compare or trace.scenario_id == "lesson"
               else changed_tracker_cells(trace, lab.current_trace("lesson"), every_step))
    shown = frame.copy()
    for variable in shown.index:
        for label in changed[variable]:
            shown.loc[variable, label] = f"◆ {shown.loc[variable, label]}"
        for label in differs.get(variable, ()):
            shown.loc[variable, label] = f"≠ {shown.loc[variable, label]}"
    shown.columns = [f"▶ {c}" if c == current else c for c in shown.columns]

    def style(column):
        if column.name.startswith("▶ "):
            return ["background-color: #d2e3fc; color: #174ea6; font-weight: bold"] * len(column)
        return [""] * len(column)

    st.dataframe(
        shown.style.apply(style, axis=0),
        width="stretch",
        alt=f"Variable tracker; the column for step {step} is {current}.",
    )
    legend = "▶ the column for the current step · ◆ the value changed since the previous column"
    st.caption(legend + (" · ≠ changed from the lesson" if differs else ""))


def _html(text: str) -> str:
    return html.escape(text)


# -- the home page: the step-by-step walkthrough ---------------------------------------------
def show_scenario(trace: Trace) -> None:
    sc = scenario(trace.scenario_id)
    if sc.id == "lesson":
        st.caption(lesson()["subtitle"])
        return
    with st.expander(f"Scenario: {sc.title}", expanded=False):
        st.markdown(sc.description)
        st.markdown("**What to notice**\n" + "\n".join(f"- {n}" for n in sc.notice))
        st.page_link("pages/10_Compare_with_the_lesson.py", label="Compare it with the lesson, side by side",
                     icon="⚖️", query_params={"scenario": sc.id, "step": str(st.session_state[STEP])})


def show_airflow_notes(trace: Trace, step: int) -> None:
    notes = notes_for(trace.step(step))
    if notes:
        with st.expander("In real Airflow 3"):
            for note in notes:
                st.markdown(" ".join(note["text"].split()))
                quote = f": “{note['quote']}”" if note.get("quote") else ""
                st.caption(f"Source: {note['source']}{quote}")


def walkthrough(trace: Trace, step: int) -> None:
    left, right = st.columns([2, 3])
    with left:
        show_flow(trace, step)
    with right:
        show_step_card(trace, step)
        show_narration(trace, step)
        show_airflow_notes(trace, step)
        st.markdown("#### Tracked variables")
        show_variables(trace, step)
    st.page_link("pages/3_Process_table.py", label="The whole run in a table", icon="📋")


def home() -> None:
    trace, _ = setup("Step-by-step walkthrough", "🧭")
    show_scenario(trace)
    stepped(walkthrough)


if __name__ == "__main__":
    home()
