"""The recorded run reproduces the lesson, step by step, from live objects."""

from __future__ import annotations

import copy
import json
import pickle
import re

import pytest

from engine.connection import Connection
from engine.dag import read_dag
from engine.flow import describe, flow_svg, node_states
from engine.lessons import scenario, scenarios
from engine.quiz import reference_trace
from engine.secrets import default_backends
from engine.simulator import Ids, Runner, run, run_scenario, runner_for
from engine.trace import Variable
from engine.views import (
    changed_cells,
    column_for_step,
    prediction_choices,
    process_rows,
    tracker_values,
    variable_tracker,
)
from tests.helpers import rendered

# The seed's process table and status tracker, word for word (../shared/seed/lesson-reference.md).
SEED_PROCESS_TABLE = [
    (1, "DAG starts execution", "N/A", "DAG loaded, task ready", "Ready to run task"),
    (
        2,
        "Task requests connection",
        "my_gcp_conn",
        "Fetch connection details from Airflow metadata DB",
        "Connection details retrieved",
    ),
    (
        3,
        "Airflow creates client session",
        "my_gcp_conn",
        "Session object created with credentials",
        "Session ready for API calls",
    ),
    (
        4,
        "Task executes cloud API call",
        "my_gcp_conn",
        "Session used to send request",
        "Cloud job started successfully",
    ),
    (5, "Task completes", "my_gcp_conn", "Session closed", "Resources freed"),
    (6, "DAG run ends", "N/A", "All tasks finished", "DAG run successful"),
]
SEED_TRACKER = {
    "connection_details": ["None", "Credentials and config loaded", "Same", "Same", "None (released)"],
    "session": ["None", "None", "Client session object created", "Session closed", "None"],
    "task_status": ["Not started", "Waiting for connection", "Running", "Completed", "Success"],
}
SEED_COLUMNS = ["Start", "After Step 2", "After Step 3", "After Step 5", "Final"]


@pytest.fixture
def lesson_trace(lesson_store):
    return run_scenario(scenario("lesson"), lesson_store)


def test_process_table_equals_the_seeds(lesson_trace):
    rows = process_rows(lesson_trace)
    assert [tuple(r.values()) for r in rows] == SEED_PROCESS_TABLE
    assert list(rows[0]) == ["Step", "Action", "Connection ID Used", "Airflow Internal State", "Result"]


def test_variable_tracker_equals_the_seeds(lesson_trace):
    frame = variable_tracker(lesson_trace)
    assert list(frame.columns) == SEED_COLUMNS
    assert {v: list(frame.loc[v]) for v in frame.index} == SEED_TRACKER


def test_every_step_tracker_has_a_column_per_step(lesson_trace):
    frame = variable_tracker(lesson_trace, every_step=True)
    assert list(frame.columns) == ["Start"] + [f"After Step {n}" for n in range(1, 6)] + ["Final"]
    assert frame.loc["session", "After Step 4"] == "Same"
    assert "After Step 4" not in changed_cells(lesson_trace, every_step=True)["session"]
    assert "After Step 3" in changed_cells(lesson_trace, every_step=True)["session"]


def test_session_is_created_at_step_3_and_closed_at_step_5(lesson_trace):
    states = [snap["session"].state for snap in lesson_trace.snapshots]
    assert states == ["absent", "absent", "absent", "open", "open", "closed", "released"]
    assert "bigquery.Client" in lesson_trace.value("session", 3).detail


def test_the_snapshot_reads_the_live_connection(lesson_store):
    conn = lesson_store.get("my_gcp_conn")
    conn.description = "edited by the learner"
    lesson_store.update(conn)
    trace = run_scenario(scenario("lesson"), lesson_store)
    assert "edited by the learner" in trace.value("connection_details", 2).detail


def test_missing_conn_id_fails_at_step_2_before_a_session_exists(lesson_store):
    source = scenario("lesson").dag_source.replace("my_gcp_conn", "no_such_conn")
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source)
    failed = trace.failed_step
    assert failed.number == 2 and failed.kind == "request_connection"
    assert failed.result == "The conn_id `no_such_conn` isn't defined"
    assert failed.error_type == "AirflowNotFoundException"
    assert all(snap["session"].state in ("absent", "released") for snap in trace.snapshots)
    assert trace.steps[-1].result == "DAG run failed" and not trace.succeeded
    assert trace.value("task_status", len(trace.steps)).text == "Failed"
    assert node_states(trace, 2)["retrieve"] == "failed"
    assert node_states(trace, 4)["session"] == "skipped"  # it did not happen, and never will in this run


def test_runner_advances_one_step_at_a_time(lesson_store):
    dag = read_dag(scenario("lesson").dag_source)
    runner = Runner(dag, default_backends(lesson_store, {}))
    first = runner.step()
    assert first.number == 1 and len(runner.snapshots) == 2
    assert runner.snapshots[-1]["connection_details"].state == "absent"
    runner.step()
    assert runner.snapshots[-1]["connection_details"].state == "loaded"
    assert runner.frames[0].session is None
    while runner.step():
        pass
    assert runner.step() is None and len(runner.steps) == 6


def test_a_job_error_still_closes_the_session(lesson_store):
    dag = read_dag(scenario("lesson").dag_source)
    trace = run(dag, default_backends(lesson_store, {}), {"job_error": "400 Syntax error: Unexpected end of input"})
    assert trace.failed_step.number == 4
    assert trace.value("session", 5).state == "closed"
    assert trace.step(5).action == "Task fails"


def test_the_same_scenario_and_store_give_the_same_trace(lesson_store):
    a = run_scenario(scenario("lesson"), lesson_store)
    b = run_scenario(scenario("lesson"), lesson_store)
    assert a == b
    # BigQueryHook.generate_job_id: airflow_<dag>_<task>_<run start date>_<md5 hex of a uuid4>, ":-+." as "_"
    assert re.search(
        r"job airflow_example_dag_bq_task_2026_01_01T00_00_02_00_00_[0-9a-f]{32}$", a.step(4).facts["answer"]
    )


def test_ids_are_injectable():
    assert Ids("x")("job_") != Ids("y")("job_") and Ids("x")("job_") == Ids("x")("job_")


def test_no_secret_appears_in_any_recorded_text(lesson_store):
    conn = lesson_store.get("my_gcp_conn")
    conn.password = "s3cret-pass-word"
    lesson_store.update(conn)
    trace = run_scenario(scenario("lesson"), lesson_store)
    dumped = json.dumps([rendered(s) for s in trace.steps], default=str) + json.dumps(
        [{k: v._asdict() for k, v in snap.items()} for snap in trace.snapshots]
    )
    for secret in ("s3cret-pass-word", "PRACTICE-ONLY-NOT-A-REAL-KEY"):
        assert secret not in dumped


def test_env_var_answers_before_the_metadata_db(lesson_store):
    dag = read_dag(scenario("lesson").dag_source)
    env = {
        "AIRFLOW_CONN_MY_GCP_CONN": Connection(
            conn_type="google_cloud_platform", extra={"project": "env-project", "key_path": "/keys/lab.json"}
        ).get_uri()
    }
    trace = run(dag, default_backends(lesson_store, env))
    assert trace.step(2).internal_state == "Fetch connection details from environment variable AIRFLOW_CONN_MY_GCP_CONN"
    assert "env-project" in trace.step(3).narration


@pytest.mark.parametrize(
    "extra, error_type, words",
    [
        ({"keyfile_dict": "{not json"}, "AirflowException", "Invalid key JSON."),
        (
            {"keyfile_dict": json.dumps({"client_email": "a@b", "token_uri": "t"})},
            "MalformedError",
            "The private_key field was not found in the service account info.",
        ),
        (
            {"keyfile_dict": json.dumps({"private_key": "k"})},
            "MalformedError",
            "missing fields client_email, token_uri",
        ),
        ({"key_path": "/k.p12"}, "AirflowException", "Legacy P12 key file are not supported"),
        ({"key_path": "/k.json", "keyfile_dict": '{"a": 1}'}, "AirflowException", "mutually exclusive"),
        ({}, "DefaultCredentialsError", "default credentials were not found"),
    ],
)
def test_a_malformed_google_connection_fails_at_step_3(store, extra, error_type, words):
    store.add(Connection(conn_id="my_gcp_conn", conn_type="google_cloud_platform", extra=extra))
    trace = run_scenario(scenario("lesson"), store)
    failed = trace.failed_step
    assert failed.number == 3 and failed.error_type == error_type and words in failed.result
    assert trace.step(4).action == "Task fails" and trace.step(4).internal_state == "No session was created"


def test_prefixed_google_extras_are_read_too(store):
    store.add(
        Connection(
            conn_id="my_gcp_conn",
            conn_type="google_cloud_platform",
            extra={
                "extra__google_cloud_platform__project": "prefixed",
                "extra__google_cloud_platform__key_path": "/a.json",
            },
        )
    )
    trace = run_scenario(scenario("lesson"), store)
    assert trace.succeeded and "prefixed" in trace.step(3).narration


def test_two_tasks_get_a_tracker_row_each(lesson_store):
    source = (
        "with DAG('two') as dag:\n"
        "    BigQueryInsertJobOperator(task_id='a', gcp_conn_id='my_gcp_conn')\n"
        "    BigQueryInsertJobOperator(task_id='b', gcp_conn_id='my_gcp_conn')\n"
    )
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source)
    assert len(trace.steps) == 10
    assert "session (a)" in trace.variables and "session (b)" in trace.variables
    assert process_rows(trace)[1]["Task"] == "a"
    assert trace.value("session (a)", 5).state == "closed" and trace.value("session (b)", 5).state == "absent"


def test_each_step_of_a_dag_of_several_tasks_says_which_task_it_is_of(lesson_store):
    """The lesson's words say "Task requests connection" for every task: with two tasks the heading
    (also the slider's and the announcement's words) and the step card name the task; the lesson's
    own run of one task keeps the seed's heading."""
    from engine.render import card_html, heading_text

    source = (
        "with DAG('two') as dag:\n"
        "    BigQueryInsertJobOperator(task_id='load.eu-1', gcp_conn_id='my_gcp_conn')\n"
        "    BigQueryInsertJobOperator(task_id='report', gcp_conn_id='my_gcp_conn')\n"
    )
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source)
    assert heading_text(trace, 2) == "Step 2 of 10, task load.eu-1: Task requests connection"
    assert heading_text(trace, 6) == "Step 6 of 10, task report: Task requests connection"
    assert heading_text(trace, 1) == "Step 1 of 10: DAG starts execution"  # the DAG's, no task's
    assert "<b>Task:</b> <code>report</code>" in card_html(trace, 7)
    assert "Task:" not in card_html(trace, 10)
    lesson = run_scenario(scenario("lesson"), lesson_store)
    assert heading_text(lesson, 2) == "Step 2 of 6: Task requests connection"
    assert "Task:" not in card_html(lesson, 2)


def test_task_ids_keep_their_own_tracker_rows_and_words(lesson_store):
    """A variable's label is ``session (task)``; the variable and the task are read back from it.
    The ids here are as odd as Airflow allows (dots, dashes, letters beyond ASCII)."""
    source = (
        "with DAG('two') as dag:\n"
        "    BigQueryInsertJobOperator(task_id='load.eu-1', gcp_conn_id='my_gcp_conn')\n"
        "    BigQueryInsertJobOperator(task_id='日本_x', gcp_conn_id='my_gcp_conn')\n"
    )
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source)
    assert [(v.name, v.task_id) for v in trace.variables if v.name == "session"] == [
        ("session", "load.eu-1"),
        ("session", "日本_x"),
    ]
    assert pickle.loads(pickle.dumps(trace.variables)) == trace.variables
    choices = prediction_choices(trace)
    assert choices["session (日本_x)"] == list(dict.fromkeys(trace.lesson["variables"]["session"].values()))
    assert trace.value("session (load.eu-1)", 5).text == trace.lesson["variables"]["session"]["closed"]
    assert trace.value("task_status (日本_x)", 0).text == trace.lesson["variables"]["task_status"]["not_started"]


@pytest.mark.parametrize("task_id", ["load (eu)", "x) (y", " (", ")"])
def test_a_label_gives_back_its_variable_and_task_whatever_the_task_holds(task_id):
    """Airflow refuses such ids (the reader does too), but a label must not depend on it: the
    variable's name is a Python name, so the first " (" ends it, and the task runs to the last
    character but one."""
    label = Variable("session", task_id)
    assert (label, label.name, label.task_id) == (f"session ({task_id})", "session", task_id)
    assert pickle.loads(pickle.dumps(label)).task_id == task_id
    one = Variable("session")  # a DAG of one task: no task in the label
    assert (one.name, one.task_id, type(one.name)) == ("session", None, str)
    assert copy.deepcopy(one) == "session" and copy.deepcopy(one).name == "session"  # Streamlit copies widget options


@pytest.mark.parametrize("scenario_id", sorted(scenarios()))
def test_what_a_step_recorded_is_not_changed_by_the_steps_after_it(lesson_store, scenario_id):
    """A step keeps its event's own dict of facts (not a copy): what the run changes after a step
    must not reach back into it. Each step's facts are copied when it is recorded and compared
    with what the step holds once the run has ended, on every scenario and both paths."""
    chosen = scenario(scenario_id)
    dag, backends = read_dag(chosen.dag_source), default_backends(lesson_store, chosen.env)
    runner = runner_for(dag, backends, chosen.cloud, chosen.id, path=chosen.path)
    recorded = []
    while (step := runner.step()) is not None:
        recorded.append((step, copy.deepcopy(step.task_facts | step.own_facts)))
    assert len(recorded) >= 4
    assert [step.task_facts | step.own_facts for step, _ in recorded] == [facts for _, facts in recorded]
    assert [(s.own_facts, s.task_facts) for s, _ in recorded] == [
        (s.own_facts, s.task_facts) for s in run_scenario(chosen, lesson_store).steps
    ]


def test_flow_marks_the_current_node_by_border_and_text(lesson_trace):
    svg = flow_svg(lesson_trace, 3)
    node = svg[svg.index("<title>Establish Cloud Service Session") :].split("</g>")[0]
    assert node.count("<rect") == 2 and 'font-weight="bold"' in node and "▶ Establish" in node  # a double border
    assert "happening now" in describe(lesson_trace, 3)
    assert node_states(lesson_trace, 0)["use_conn_id"] == "pending"
    assert set(node_states(lesson_trace, 6).values()) == {"done"}  # the run has ended: no node is current
    assert "Run ended: DAG run successful" in describe(lesson_trace, 6)


def test_the_flow_marks_only_the_failure_and_what_it_stopped():
    job = reference_trace("job_fails")  # the job fails at step 4; the close still runs at step 5
    assert node_states(job, 4)["execute"] == "failed" and node_states(job, 4)["close"] == "pending"
    assert node_states(job, 5)["close"] == "current" and node_states(job, 6)["close"] == "done"
    missing = reference_trace("missing_conn_id")  # no backend has the conn_id: it was never defined or stored
    first = node_states(missing, 1)
    assert (first["define"], first["store"]) == ("skipped", "skipped")
    assert node_states(missing, 3)["close"] == "skipped"  # no session: nothing to close
    assert "■ Run ended: DAG run failed" in flow_svg(missing, len(missing.steps))
    assert "Run ended" not in flow_svg(missing, len(missing.steps) - 1)


MIXED_DAG = """from airflow import DAG
with DAG('mixed') as dag:
    BigQueryInsertJobOperator(task_id='a', configuration={}, gcp_conn_id='my_gcp_conn')
    BigQueryInsertJobOperator(task_id='b', configuration={}, gcp_conn_id='not_defined_anywhere')
    BigQueryInsertJobOperator(task_id='c', configuration={}, gcp_conn_id='my_gcp_conn')
"""


@pytest.mark.parametrize("scenario_id,source", [*((s, None) for s in scenarios()), ("lesson", MIXED_DAG)])
def test_the_flow_drawn_for_every_step_at_once_is_each_steps_own_picture(scenario_id, source):
    """The player's flow reuses a picture wherever the nodes, the current node and the run's end
    are the same: at no step may that show another step's picture (a failure in the middle of a
    run, the close after it, the run's end)."""
    from engine.render import flow_drawer

    trace = reference_trace(scenario_id, source)
    draw = flow_drawer(trace)
    drawn = [draw(trace, n) for n in range(1, len(trace.steps) + 1)]
    assert drawn == [flow_svg(trace, n) for n in range(1, len(trace.steps) + 1)]
    if source:  # task b fails at step 6; a and c succeed around it
        assert [s.outcome for s in trace.steps][5] == "failed" and "✗ Airflow Retrieves" in drawn[5]
        assert drawn[3] != drawn[9] and "Run ended: DAG run failed" in drawn[-1]


def test_tracker_column_for_each_step(lesson_trace):
    assert [column_for_step(lesson_trace, n) for n in range(7)] == [
        "Start",
        "Start",
        "After Step 2",
        "After Step 3",
        "After Step 3",
        "After Step 5",
        "Final",
    ]
    assert tracker_values(lesson_trace)["session"]["After Step 5"] == "Session closed"


def test_svg_flow_marks_the_same_states_as_the_graph(lesson_trace):
    from engine.flow import flow_svg

    svg = flow_svg(lesson_trace, 3)
    assert svg.count("<rect") == 8  # seven nodes, the current one with a second border
    assert "<title>Airflow Retrieves Connection: done</title>" in svg
    assert 'aria-label="Process flow. Define Connection in Airflow UI: done;' in svg
