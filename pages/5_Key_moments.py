"""Mode 6: the lesson's three insights, each with a "show me" that jumps to its step."""

import streamlit as st

from app import set_scenario, setup
from engine.lab import current_trace
from engine.lessons import lesson, scenarios
from engine.views import step_of_kind

trace, step = setup("Key moments", "💡")
for i, moment in enumerate(lesson()["key_moments"], start=1):
    scenario_id = moment.get("scenario") if moment.get("scenario") in scenarios() else st.session_state["lab_scenario"]
    target = step_of_kind(current_trace(scenario_id), moment["step_kind"])
    with st.container(border=True):
        st.markdown(f"**{i}. {moment['question']}**")
        st.markdown(moment["answer"].format(step=target))
        if target is not None:
            st.button(f"Show me step {target}", key=f"moment_{i}", on_click=set_scenario, args=(scenario_id, target))
