"""Mode 5: connection_details, session and task_status across the run."""

import streamlit as st

from lab_ui import frame
from lab_ui.panels import show_tracker, show_variables
from lab_ui.state import EVERY_STEP
from lab_ui.stepping import stepped

frame.require()


def render(trace, step):
    every = st.toggle("Show a column after every step", key=EVERY_STEP)
    show_tracker(trace, step, every)
    st.markdown(f"#### After step {step}")
    show_variables(trace, step)


stepped(render)
