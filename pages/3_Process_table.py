"""Mode 4: the process table, the current row marked."""

import streamlit as st

from app import HIDE_FUTURE, setup, show_process_table, stepper

trace, _ = setup("Process table", "📋")
step = stepper(trace)
hide = st.toggle("Hide the steps not reached yet", key=HIDE_FUTURE)
show_process_table(trace, step, hide_future=hide)
