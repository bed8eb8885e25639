"""Your DAG: edit the sample DAG (or paste your own) and run it against the stored connections.

The source is read with ``ast`` — never executed — and every operator's conn_id is looked up
exactly as in the lesson.
"""

from collections import Counter

import streamlit as st

from engine.dag import DagSourceError, pack_source, unpack_source, unseen_characters
from engine.hooks import HOOK_FOR_TYPE, NOT_A_DB_HOOK, UNKNOWN_HOOK_TYPE
from engine.lessons import DATA_DIR, scenario
from engine.render import esc, markdown_text
from lab_ui import frame, server, state
from lab_ui.panels import code_field
from lab_ui.stepping import stepped

frame.require()

SOURCE = "own_dag_source"
RAN = "own_dag_ran"
TOO_LONG = "own_dag_too_long"  # the source is too long to keep in the URL
EXAMPLES = {p.stem: p for p in sorted((DATA_DIR / "dags").glob("*.py"))}

ss = st.session_state
if SOURCE not in ss:  # a reload or a shared link: the source the URL carries, else the scenario's DAG
    # (chosen in the sidebar; choosing another later keeps the learner's DAG and runs it in that one)
    ss[SOURCE] = scenario(ss[state.SCENARIO]).dag_source
    if st.query_params.get("dag"):
        try:
            ss[SOURCE] = unpack_source(st.query_params["dag"])
        except DagSourceError as err:
            st.warning(markdown_text(str(err)), icon="⚠️")
    ss[RAN] = ss[SOURCE]


def ran(source: str) -> None:
    """Run ``source`` from its first step, and keep it in the URL for a reload or a link."""
    ss[RAN] = source
    state.go_to(1)
    packed = pack_source(source)
    if packed is None:
        st.query_params.pop("dag", None)
        ss[TOO_LONG] = True
    else:
        st.query_params["dag"] = packed
        ss[TOO_LONG] = False


def load_example() -> None:
    name = ss.get("own_dag_example")
    if name:
        ss[SOURCE] = EXAMPLES[name].read_text(encoding="utf-8")
        ran(ss[SOURCE])


def run_source() -> None:
    ran(ss[SOURCE])


error = None
try:
    server.read_learner_dag(ss[RAN])  # parsed once per source, not on every rerun
except DagSourceError as err:
    error = err
trace = state.current_trace(None if error else ss[RAN])
st.caption(
    "Edit the DAG — change a conn_id, add a task, use another cloud's operator — and run it against "
    "the connections on the Connections page, in the scenario chosen in the sidebar (its environment "
    "variables and cloud). The lab reads the file; it never runs it. The URL keeps your DAG: a reload or "
    "a shared link opens it again."
)
if ss.get(TOO_LONG):
    st.caption("This DAG is too long to keep in the URL: a reload starts from the scenario's DAG.")
st.selectbox(
    "Start from an example",
    list(EXAMPLES),
    index=None,
    key="own_dag_example",
    on_change=load_example,
    placeholder="Choose an example DAG",
)
code_field(st.text_area, "DAG source", key=SOURCE, wrap=False, height=260)
st.button("Run this DAG", key="own_dag_run", type="primary", on_click=run_source)


EVERY_STEP_CELLS = 20_000  # a tracker with a column after every step, up to this many cells


def options(trace):
    """A column after every step when the tracker stays small enough, else the lesson's columns."""
    cells = len(trace.variables) * (len(trace.steps) + 1)
    every_step = len(trace.dag.tasks) > 1 and cells <= EVERY_STEP_CELLS
    note = ""
    if len(trace.dag.tasks) > 1 and not every_step:
        note = (
            f"With {len(trace.dag.tasks):,} tasks a column after every step would be {cells:,} cells; the "
            "tracker shows the lesson's columns instead."
        )
    return {"every_step": every_step, "tracker_note": note}


def show_error(error: DagSourceError) -> None:
    st.error(markdown_text(f"The DAG cannot be read: {error}"), icon="⚠️")  # it quotes the DAG
    if error.lineno:
        lines = ss[RAN].splitlines()
        st.code(
            "\n".join(f"{line}  # ◀ here" if i + 1 == error.lineno else line for i, line in enumerate(lines)),
            language="python",
            line_numbers=True,
        )


LISTED = 10  # tasks named above the player; a longer DAG is summed up there, and its whole list folded


def task_markup(task) -> str:  # names from the learner's source are text, never markup
    conn = f"<code>{esc(task.conn_arg)}='{esc(task.conn_id)}'</code>"
    return f"<code>{esc(task.task_id)}</code> ({esc(task.operator)}, {conn})"


def at_most_listed(named: list[str], more: str) -> list[str]:
    """The first ``LISTED`` of ``named``, and how many more (``more``: what they are)."""
    return named[:LISTED] + ([f"and {len(named) - LISTED:,} more{more}"] if len(named) > LISTED else [])


def show_tasks(dag) -> None:
    """The DAG's tasks above the player: each by name, or (a long DAG) how many use which operator
    and connection, with every name in a folded list, so that the player is not screens below."""
    head = f"<b><code>{esc(dag.dag_id)}</code></b>"
    # one paragraph, never a blank line (after which Markdown is read)
    names = ", ".join(map(task_markup, dag.tasks))
    if len(dag.tasks) <= LISTED:
        st.markdown(f"<p>{head}: {names}</p>", unsafe_allow_html=True)
    else:
        kinds = Counter((t.operator, t.conn_arg, t.conn_id) for t in dag.tasks)  # in the order first met
        shown = at_most_listed(
            [
                f"{count:,} × {esc(operator)} with <code>{esc(arg)}='{esc(conn_id)}'</code>"
                for (operator, arg, conn_id), count in kinds.items()
            ],
            " combinations",
        )
        st.markdown(
            f"<p>{head}: {len(dag.tasks):,} tasks that use a connection: {'; '.join(shown)}.</p>",
            unsafe_allow_html=True,
        )
        with st.expander(f"All {len(dag.tasks):,} tasks by name"):
            st.markdown(f"<p>{names}</p>", unsafe_allow_html=True)
    if dag.other_tasks:
        named = at_most_listed(
            [f"“{task_id}” ({operator}, line {line})" for task_id, operator, line in dag.other_tasks], ""
        )
        st.caption(
            "Tasks that use no connection, listed and not run (the lab follows connections): "
            + markdown_text(", ".join(named))  # an id may hold "_": as typed, not emphasis
        )


def conn_line(dag, task_id: str) -> int | None:
    """The line of a task's conn_id argument (looked for only when a warning quotes it)."""
    return next(t.conn_lineno for t in dag.tasks if t.task_id == task_id)


def show_run(trace) -> None:
    if ss[RAN] != ss[SOURCE]:
        st.caption("You changed the source since the last run: press “Run this DAG” to run it.")
    show_tasks(trace.dag)
    failed = trace.failed_step
    if failed is not None and failed.kind == "request_connection":
        unseen = unseen_characters(failed.conn_id)
        st.warning(
            markdown_text(  # the result quotes the DAG's conn_id
                f"Step {failed.number} fails: {failed.result}. No secrets backend has this conn_id: the task fails "
                "before any session exists, as in the scenario “The conn_id is missing”."
                + (
                    f" This conn_id holds what cannot be seen (line {conn_line(trace.dag, failed.task_id)}): {unseen}. "
                    "Airflow looks a conn_id up as it is written, character for character."
                    if unseen
                    else ""
                )
            ),
            icon="⚠️",
        )
    elif failed is not None and failed.kind == "create_session" and failed.fact("error").startswith(UNKNOWN_HOOK_TYPE):
        st.info(  # the lab's simplification, next to the failure it causes
            markdown_text(
                f"Step {failed.number} fails as Airflow fails when no installed provider has a hook for the "
                f"connection's type ({failed.result}). The lab simulates only the hooks of the types "
                f"{', '.join(HOOK_FOR_TYPE)}: in Airflow, with the provider of this type installed, "
                "`Connection.get_hook()` would build its hook and the task would go on."
            ),
            icon="ℹ️",
        )
    elif failed is not None and (failed.fact("error") or "").startswith(NOT_A_DB_HOOK):
        st.info(  # as in Airflow: what the learner would need instead
            markdown_text(
                f"Step {failed.number} fails as it does in Airflow: common-sql's operators run SQL through a "
                "database hook (a `DbApiHook`: postgres, mysql, sqlite, …), and the hook a cloud connection's "
                "type gives is not one. Give the operator a database connection; the lab simulates only the "
                "cloud hooks, so here such a run stops at `Connection.get_hook()`."
            ),
            icon="ℹ️",
        )
    stepped("your_dag", dag_source=ss[RAN], options=options, compare=False)


if error is not None:
    show_error(error)
else:
    show_run(trace)
