"""Mode 4: the process table, the current row marked."""

import streamlit as st

from lab_ui import frame
from lab_ui.panels import show_process_table
from lab_ui.state import HIDE_FUTURE
from lab_ui.stepping import stepped

frame.require()


def render(trace, step):
    hide = st.toggle("Hide the steps not reached yet", key=HIDE_FUTURE)
    show_process_table(trace, step, hide_future=hide)


stepped(render)
