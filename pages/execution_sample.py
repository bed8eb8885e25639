"""Mode 2: the sample DAG's source, its conn_id line marked."""

import streamlit as st

from engine.lessons import operators, scenario
from lab_ui import frame, state

frame.require()

trace = state.current_trace()
task = trace.dag.tasks[0]
st.markdown(
    f"`{scenario(trace.scenario_id).dag_file}` — the DAG as Airflow would read it. "
    "The line marked ◀ names the connection."
)
lines = trace.dag.source.rstrip("\n").splitlines()
marked = [
    f"{line}  # ◀ the connection is named here, never its credentials" if i + 1 == task.conn_lineno else line
    for i, line in enumerate(lines)
]
st.code("\n".join(marked), language="python", line_numbers=True)
st.markdown(trace.lesson["sample_caption"].format(conn_id=task.conn_id, does=operators()[task.operator]["does"]))
st.markdown(  # when it asks is the provider's (the walkthrough's step 2 says the same, from the lesson)
    f"At run time the task asks Airflow for `{task.conn_id}` (step "
    f"{trace.standing_for('request_connection').number}) inside `{task.operator}.execute()`: "
    f"{trace.lesson['asked_when'][task.provider]}. The operator's `{task.conn_arg}` argument names the "
    "connection."
)
