"""Mode 8: the six points of the concept snapshot, each linked to its step of the chosen run, and
marked where this run failed there or never got there."""

import streamlit as st

from engine.views import in_this_run, link_to_step
from lab_ui import frame, state

frame.require()

trace = state.current_trace()
step = state.player(trace).step
failed = trace.failed_step
st.markdown("**Airflow connection management:**")
for point in trace.lesson["concept_snapshot"]:
    target, status = in_this_run(trace, point["step_kind"])
    here = "▶ " if target == step else ""
    cols = st.columns([4, 1], vertical_alignment="center")
    if status == "missing":
        cols[0].markdown(f"– {point['text']}  \n*Not in this run: it failed at step {failed.number}.*")
    elif status == "failed":
        cols[0].markdown(f"✗ {point['text']}  \n*This run fails here, at step {target}.*")
    else:
        cols[0].markdown(f"{here}{point['text']}")
    if target is not None:
        with cols[1]:
            st.page_link(
                "pages/walkthrough.py",
                label=f"Step {target}",
                icon="🧭",
                query_params=link_to_step(trace.scenario_id, target),
                help=f"Open the walkthrough at step {target}",
            )
