"""Mode 6: the lesson's three insights, each with a "show me" that opens the walkthrough at its step.

The insights are the lesson's, so their steps are those of the run each is about (the lesson's,
or the scenario a moment names), whichever scenario is chosen.
"""

import streamlit as st

from engine import fidelity
from engine.lessons import scenario, scenarios
from engine.views import link_to_step, step_of_kind
from lab_ui import frame, server, state
from lab_ui.panels import show_markers, sym

frame.require()

trace = state.current_trace()
if trace.scenario_id != "lesson":
    chosen = scenario(trace.scenario_id).title
    st.caption(f"These are the lesson's key moments, shown on the runs they are about (not “{chosen}”).")
for i, moment in enumerate(trace.lesson["key_moments"], start=1):
    marks = fidelity.at(f"key_moments.{i - 1}")
    scenario_id = moment.get("scenario") if moment.get("scenario") in scenarios() else "lesson"
    target = step_of_kind(server.current_trace(scenario_id), moment["step_kind"])
    with st.container(border=True):
        st.markdown(f"**{i}. {moment['question']}**")
        st.markdown(sym(moment["answer"].format(step=target), marks))
        show_markers(marks)
        if target is not None:
            where = "" if scenario_id == "lesson" else f" of “{scenario(scenario_id).title}”"
            st.page_link(
                frame.page_for("pages/walkthrough.py"),
                label=f"Show me step {target}{where}",
                icon="🧭",
                query_params=link_to_step(scenario_id, target),
            )
