"""The teacher's view: create a class, and see how it is doing, behind the instructor passphrase.

Only counts and shares are shown (``engine.teaching``); no learner's answers. Each chart has its
table beside it as the text alternative (the chart is a canvas; the table is text).
"""

import altair as alt
import pandas as pd
import streamlit as st

from engine.progress import InvalidName, shown_code
from engine.quiz import questions
from engine.render import markdown_text
from engine.teaching import question_rows, report_csv, scenario_rows
from lab_ui import frame, server
from lab_ui.panels import html_table
from lab_ui.state import TEACHER

frame.require()
ss = st.session_state

if not server.instructor_passphrase_set():
    st.info(
        "The teacher's view is off: no instructor passphrase is configured. Set `LAB_INSTRUCTOR_PASSPHRASE` "
        "(at least 12 characters) in the server's environment and restart it; the README's *Running a class* "
        'says how. Classes can also be created with `python -m engine class create "Name"`.',
        icon="🔒",
    )
    st.stop()


def unlock() -> None:
    ok, message = server.check_passphrase(ss.get("teacher_passphrase", ""))
    ss["teacher_passphrase"] = ""  # never kept in the field
    ss[TEACHER] = ok
    ss["teacher_error"] = message


if not ss.get(TEACHER):
    with st.form("teacher_unlock_form", border=False):  # the passphrase goes with the button
        st.text_input("Instructor passphrase", type="password", key="teacher_passphrase")
        if ss.get("teacher_error"):
            st.error(markdown_text(ss["teacher_error"]), icon="⚠️")
        st.form_submit_button("Open the teacher's view", key="teacher_unlock", on_click=unlock, type="primary")
    st.stop()

progress = server.get_progress()


def create() -> None:
    try:
        code = progress.create_class(ss.get("teacher_class_name", ""))
    except InvalidName as err:
        ss["teacher_create_error"] = str(err)
        return
    ss["teacher_create_error"] = None
    ss["teacher_created"] = code
    ss["teacher_class"] = code


with st.expander("Create a class", expanded=not progress.classes()), st.form("teacher_create_form", border=False):
    st.text_input("Class name", key="teacher_class_name", placeholder="e.g. Data Eng 101, Tuesday")
    if ss.get("teacher_create_error"):
        st.error(markdown_text(ss["teacher_create_error"]), icon="⚠️")
    st.form_submit_button("Create the class", key="teacher_create", on_click=create)
    if ss.get("teacher_created"):
        st.success(f"Class code: **{shown_code(ss['teacher_created'])}** — give it to your learners.", icon="✅")

classes = dict(progress.classes())
if not classes:
    st.stop()
code = st.selectbox(
    "Class", list(classes), key="teacher_class", format_func=lambda c: f"{classes[c]} ({shown_code(c)})"
)
records = progress.class_records(code)
bank = questions()
per_question, per_scenario = question_rows(records, bank), scenario_rows(records, bank)
st.markdown(f"**{len(records)} learners** have joined {markdown_text(classes[code])} ({shown_code(code)}).")

st.subheader("Questions")
answered = [r for r in per_question if r.answered]
if answered:
    data = pd.DataFrame({"question": [r.question_id for r in answered], "share": [r.first_try_share for r in answered]})
    chart = (
        alt.Chart(data, title="Share right at the first try, per answered question")
        .mark_bar()
        .encode(
            x=alt.X("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]), title="right at first try"),
            y=alt.Y("question:N", sort=None, title=None),
            tooltip=["question", alt.Tooltip("share:Q", format=".0%")],
        )
    )
    st.altair_chart(chart, use_container_width=True)
rows = [
    [
        r.question_id,
        r.question,
        f"{r.answered} of {r.learners}",
        "—" if r.first_try_share is None else f"{r.first_try_share:.0%}",
        f"{r.most_chosen_wrong} ({r.most_chosen_wrong_count})" if r.most_chosen_wrong else "—",
    ]
    for r in per_question
]
headers = ["Question", "Text", "Answered", "Right at first try", "Most chosen wrong option"]
st.markdown(
    html_table(headers, rows, "Per question: the chart's figures, and the wrong option chosen most"),
    unsafe_allow_html=True,
)

st.subheader("Scenarios")
data = pd.DataFrame(
    [
        {"scenario": r.title, "how far": label, "learners": n}
        for r in per_scenario
        for label, n in (
            ("answered all", r.finished),
            ("started", r.started - r.finished),
            ("not started", r.learners - r.started),
        )
    ]
)
if len(records):
    chart = (
        alt.Chart(data, title="How far learners got in each scenario's questions")
        .mark_bar()
        .encode(
            x=alt.X("learners:Q", stack="zero", title="learners"),
            y=alt.Y("scenario:N", sort=None, title=None),
            color=alt.Color("how far:N", sort=["answered all", "started", "not started"]),
            tooltip=["scenario", "how far", "learners"],
        )
    )
    st.altair_chart(chart, use_container_width=True)
rows = [
    [r.title, str(r.questions), str(r.finished), str(r.started - r.finished), str(r.learners - r.started)]
    for r in per_scenario
]
headers = ["Scenario", "Questions", "Answered all", "Started", "Not started"]
st.markdown(
    html_table(headers, rows, "Per scenario: learners who answered all, some or none of its questions"),
    unsafe_allow_html=True,
)

st.download_button(
    "Download as CSV",
    report_csv(per_question, per_scenario),
    file_name=f"class-{code}.csv",
    mime="text/csv",
    key="teacher_csv",
)
if st.button("Close the teacher's view", key="teacher_lock"):
    ss[TEACHER] = False
    st.rerun()
