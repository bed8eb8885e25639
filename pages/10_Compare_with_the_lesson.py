"""Any scenario beside the lesson: the same step in both, the differences marked."""

import streamlit as st

from app import SCENARIO, set_scenario, setup, show_flow, show_process_table, show_step_card, show_tracker, stepped
from engine import lab
from engine.lessons import scenario, scenarios

trace, _ = setup("Compare with the lesson", "⚖️")
others = [i for i in scenarios() if i != "lesson"]
if trace.scenario_id == "lesson":
    st.info("Choose a scenario to set beside the lesson.", icon="ℹ️")
    st.selectbox("Scenario", others, index=None, key="compare_pick", format_func=lambda i: scenario(i).title,
                 on_change=lambda: set_scenario(st.session_state["compare_pick"]))
    st.stop()
lesson_trace = lab.current_trace("lesson")


def render(trace, step):
    left, right = st.columns(2)
    with left:
        st.subheader("The lesson")
        lesson_step = min(step, len(lesson_trace.steps))
        show_step_card(lesson_trace, lesson_step)
        show_flow(lesson_trace, lesson_step)
    with right:
        st.subheader(scenario(st.session_state[SCENARIO]).title)
        show_step_card(trace, step)
        show_flow(trace, step)
    st.markdown("#### Process table of the scenario")
    show_process_table(trace, step)
    st.markdown("#### Variable tracker of the scenario")
    show_tracker(trace, step, every_step=False)


stepped(render)
