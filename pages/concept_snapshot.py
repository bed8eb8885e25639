"""Mode 8: the six points of the concept snapshot, each linked to its step."""

import streamlit as st

from engine.views import step_of_kind
from lab_ui import frame, state

frame.require()

trace = state.current_trace()
step = state.player(trace).step
st.markdown("**Airflow connection management:**")
for i, point in enumerate(trace.lesson["concept_snapshot"], start=1):
    target = step_of_kind(trace, point["step_kind"])
    cols = st.columns([4, 1])
    here = "▶ " if target == step else ""
    cols[0].markdown(f"{here}- {point['text']}")
    if target is not None:
        cols[1].button(
            f"Step {target}",
            key=f"concept_{i}",
            on_click=state.go_to,
            args=(target,),
            help=f"Show step {target} on every page",
        )
