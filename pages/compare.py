"""Any scenario beside the lesson: the same step in both, the differences marked."""

import streamlit as st

from engine.lessons import scenario, scenarios
from lab_ui import frame, state
from lab_ui.stepping import stepped

frame.require()


def options(trace):
    return {"title": scenario(trace.scenario_id).title}


if state.current_trace().scenario_id == "lesson":
    st.info("Choose a scenario to set beside the lesson.", icon="ℹ️")
    st.selectbox(
        "Scenario",
        [i for i in scenarios() if i != "lesson"],
        index=None,
        key="compare_pick",
        format_func=lambda i: scenario(i).title,
        on_change=lambda: state.set_scenario(st.session_state["compare_pick"]),
    )
else:
    stepped("compare", options=options)
