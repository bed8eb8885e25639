"""Mode 9: the transcript, the sentence for the current step highlighted."""

import streamlit as st

from lab_ui import frame
from lab_ui.stepping import stepped

frame.require()


def render(trace, step):
    kind = trace.step(step).kind
    parts = []
    for sentence in trace.lesson["transcript"]:
        text = " ".join(sentence["text"].split())
        parts.append(f"**▶ :blue-background[{text}]**" if sentence["step_kind"] == kind else text)
    st.markdown(" ".join(parts))
    st.caption("▶ the sentence about the current step")


stepped(render)
