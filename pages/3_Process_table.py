"""Mode 4: the process table, the current row marked."""

import streamlit as st

from app import HIDE_FUTURE, setup, show_process_table, stepped

trace, _ = setup("Process table", "📋")


def render(trace, step):
    hide = st.toggle("Hide the steps not reached yet", key=HIDE_FUTURE)
    show_process_table(trace, step, hide_future=hide)


stepped(render)
