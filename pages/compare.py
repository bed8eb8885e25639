"""Any scenario beside the lesson: the same step in both, the differences marked."""

import streamlit as st

from engine.lessons import scenario, scenarios
from lab_ui import frame, server, state
from lab_ui.panels import show_flow, show_process_table, show_step_card, show_tracker
from lab_ui.stepping import stepped

frame.require()

lesson_trace = server.current_trace("lesson")


def render(trace, step):
    left, right = st.columns(2)
    with left:
        st.subheader("The lesson")
        lesson_step = min(step, len(lesson_trace.steps))
        show_step_card(lesson_trace, lesson_step)
        show_flow(lesson_trace, lesson_step)
    with right:
        st.subheader(scenario(trace.scenario_id).title)
        show_step_card(trace, step)
        show_flow(trace, step)
    st.markdown("#### Process table of the scenario")
    show_process_table(trace, step)
    st.markdown("#### Variable tracker of the scenario")
    show_tracker(trace, step, every_step=False)


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
    stepped(render)
