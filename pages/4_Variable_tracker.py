"""Mode 5: connection_details, session and task_status across the run."""

import streamlit as st

from app import EVERY_STEP, setup, show_tracker, show_variables, stepped

trace, _ = setup("Variable tracker", "🔎")


def render(trace, step):
    every = st.toggle("Show a column after every step", key=EVERY_STEP)
    show_tracker(trace, step, every)
    st.markdown(f"#### After step {step}")
    show_variables(trace, step)


stepped(render)
