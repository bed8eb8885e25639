"""Mode 6: the lesson's three insights, each with a "show me" that jumps to its step."""

import streamlit as st

from engine.lessons import scenarios
from engine.views import step_of_kind
from lab_ui import frame, server, state

frame.require()

trace = state.current_trace()
for i, moment in enumerate(trace.lesson["key_moments"], start=1):
    scenario_id = moment.get("scenario") if moment.get("scenario") in scenarios() else trace.scenario_id
    target = step_of_kind(server.current_trace(scenario_id), moment["step_kind"])
    with st.container(border=True):
        st.markdown(f"**{i}. {moment['question']}**")
        st.markdown(moment["answer"].format(step=target))
        if target is not None:
            st.button(
                f"Show me step {target}", key=f"moment_{i}", on_click=state.set_scenario, args=(scenario_id, target)
            )
