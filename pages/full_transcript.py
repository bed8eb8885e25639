"""Mode 9: the transcript, the sentence for the current step highlighted."""

import streamlit as st

from engine import fidelity
from engine.views import in_this_run, lesson_kind
from lab_ui import frame
from lab_ui.panels import show_markers, sym
from lab_ui.stepping import stepped

frame.require()


def render(trace, step):
    kind = lesson_kind(trace, trace.step(step))
    parts, used = [], []
    for i, sentence in enumerate(trace.lesson["transcript"]):
        marks = fidelity.at(f"transcript.{i}")
        used.extend(marks)
        text = sym(" ".join(sentence["text"].split()), marks)
        target, status = in_this_run(trace, sentence["step_kind"])
        if status == "missing":
            text = f"~~{text}~~ *(not in this run)*"
        elif status == "failed":
            text = f"{text} *(✗ this run fails here, at step {target})*"
        parts.append(f"**▶ :blue-background[{text}]**" if sentence["step_kind"] == kind else text)
    st.markdown(" ".join(parts))
    st.caption("▶ the sentence about the current step · ~~struck through~~: what this run never got to")
    show_markers(used)


stepped(render)
