"""Mode 8: the six points of the concept snapshot, each linked to its step of the chosen run, and
marked where this run failed there or never got there."""

import streamlit as st

from engine import fidelity
from engine.views import in_this_run, link_to_step
from lab_ui import frame, state
from lab_ui.panels import show_markers, sym

frame.require()

trace = state.current_trace()
step = state.player(trace).step
failed = trace.failed_step
st.markdown("**Airflow connection management:**")
for i, point in enumerate(trace.lesson["concept_snapshot"]):
    marks = fidelity.at(f"concept_snapshot.{i}")
    text = sym(point["text"], marks)
    target, status = in_this_run(trace, point["step_kind"])
    here = "▶ " if target == step else ""
    cols = st.columns([4, 1], vertical_alignment="center")
    if status == "missing":
        cols[0].markdown(f"– {text}  \n*Not in this run: it failed at step {failed.number}.*")
    elif status == "failed":
        cols[0].markdown(f"✗ {text}  \n*This run fails here, at step {target}.*")
    else:
        cols[0].markdown(f"{here}{text}")
    with cols[0]:
        show_markers(marks)
    if target is not None:
        with cols[1]:
            st.page_link(
                frame.page_for("pages/walkthrough.py"),
                label=f"Step {target}",
                icon="🧭",
                query_params=link_to_step(trace.scenario_id, target),
                help=f"Open the walkthrough at step {target}",
            )
