"""Mode 5: connection_details, session and task_status across the run."""

import streamlit as st

from lab_ui import frame
from lab_ui.state import EVERY_STEP
from lab_ui.stepping import stepped

frame.require()


def options(trace):
    return {"every_step": st.toggle("Show a column after every step", key=EVERY_STEP)}


stepped("variable_tracker", options=options)
