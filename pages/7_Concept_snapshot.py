"""Mode 8: the six points of the concept snapshot, each linked to its step."""

import streamlit as st

from app import go_to, setup
from engine.lessons import lesson
from engine.views import step_of_kind

trace, step = setup("Concept snapshot", "🧩")
st.markdown("**Airflow connection management:**")
for i, point in enumerate(lesson()["concept_snapshot"], start=1):
    target = step_of_kind(trace, point["step_kind"])
    cols = st.columns([4, 1])
    here = "▶ " if target == step else ""
    cols[0].markdown(f"{here}- {point['text']}")
    if target is not None:
        cols[1].button(f"Step {target}", key=f"concept_{i}", on_click=go_to, args=(target,),
                       help=f"Show step {target} on every page")
