"""Mode 4: the process table, the current row marked."""

import streamlit as st

from lab_ui import frame
from lab_ui.state import HIDE_FUTURE
from lab_ui.stepping import stepped

frame.require()


def options(trace):
    return {"hide_future": st.toggle("Hide the steps not reached yet", key=HIDE_FUTURE)}


stepped("process_table", options=options)
