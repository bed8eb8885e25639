"""The home page: the step-by-step walkthrough of the current scenario's run."""

import streamlit as st

from lab_ui import frame, state
from lab_ui.panels import show_scenario
from lab_ui.stepping import stepped

frame.require()

trace = state.current_trace()
show_scenario(trace, state.player(trace).step)
stepped("walkthrough")
st.page_link(frame.page_for("pages/process_table.py"), label="The whole run in a table", icon="📋")
