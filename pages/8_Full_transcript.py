"""Mode 9: the transcript, the sentence for the current step highlighted."""

import streamlit as st

from app import setup, stepped
from engine.lessons import lesson

trace, _ = setup("Full transcript", "📜")


def render(trace, step):
    kind = trace.step(step).kind
    parts = []
    for sentence in lesson()["transcript"]:
        text = " ".join(sentence["text"].split())
        parts.append(f"**▶ :blue-background[{text}]**" if sentence["step_kind"] == kind else text)
    st.markdown(" ".join(parts))
    st.caption("▶ the sentence about the current step")


stepped(render)
