"""Every what-if scenario: where its run fails and what each tracked variable holds."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from engine import render
from engine.connection import Connection
from engine.lessons import DATA_DIR, scenario, scenarios
from engine.quiz import reference_trace
from engine.simulator import run_scenario
from engine.views import changed_steps, changed_tracker_cells, notes_of
from tests.helpers import engine_cli, open_app, rendered, said, step, tables, texts

ROOT = Path(__file__).resolve().parent.parent
IDS = [
    "lesson",
    "airflow3",
    "missing_conn_id",
    "malformed_connection",
    "credentials_rejected",
    "job_fails",
    "no_key_uses_adc",
    "env_var_wins",
    "two_tasks",
    "aws_s3",
    "azure_blob",
]


def states(trace, variable):
    return [snap[variable].state for snap in trace.snapshots]


def test_the_nine_scenarios_are_there_in_order():
    assert list(scenarios()) == IDS
    for sc in scenarios().values():
        assert sc.title and sc.summary and sc.description and sc.notice


# scenario → (failed step number or None, its kind, error type, session states after each step)
EXPECTED = {
    "lesson": (None, None, None, ["absent", "absent", "absent", "open", "open", "closed", "released"]),
    "missing_conn_id": (
        2,
        "request_connection",
        "AirflowNotFoundException",
        ["absent"] * 5,  # no session ever existed: nothing is released
    ),
    "malformed_connection": (
        3,
        "create_session",
        "MalformedError",
        ["absent"] * 6,  # no session ever existed: nothing is released
    ),
    # The client is built without a network call; Google refuses the key at the first request.
    "credentials_rejected": (
        4,
        "api_call",
        "RefreshError",
        ["absent", "absent", "absent", "open", "open", "closed", "released"],
    ),
    "no_key_uses_adc": (None, None, None, ["absent", "absent", "absent", "open", "open", "closed", "released"]),
    "job_fails": (4, "api_call", "BadRequest", ["absent", "absent", "absent", "open", "open", "closed", "released"]),
    "env_var_wins": (None, None, None, ["absent", "absent", "absent", "open", "open", "closed", "released"]),
    "aws_s3": (None, None, None, ["absent", "absent", "absent", "open", "open", "closed", "released"]),
    "azure_blob": (None, None, None, ["absent", "absent", "absent", "open", "open", "closed", "released"]),
}


@pytest.mark.parametrize("scenario_id", list(EXPECTED))
def test_where_each_scenario_fails_and_what_session_holds(lesson_store, scenario_id):
    trace = run_scenario(scenario(scenario_id), lesson_store)
    number, kind, error_type, session = EXPECTED[scenario_id]
    failed = trace.failed_step
    assert (
        failed.number if failed else None,
        failed.kind if failed else None,
        failed.error_type if failed else None,
    ) == (number, kind, error_type)
    assert states(trace, "session") == session
    final_status = trace.value("task_status", len(trace.steps)).text
    assert final_status == ("Failed" if number else "Success")
    assert trace.steps[-1].result == ("DAG run failed" if number else "DAG run successful")


def test_missing_conn_id_names_the_typo(lesson_store):
    trace = run_scenario(scenario("missing_conn_id"), lesson_store)
    assert trace.step(2).result == "The conn_id `my_gpc_conn` isn't defined"
    # never loaded, so never released: the tracker shows no change at the end (issue: "None → None (released)")
    assert states(trace, "connection_details") == ["absent"] * 5


def test_job_fails_still_closes_the_session_at_step_5(lesson_store):
    trace = run_scenario(scenario("job_fails"), lesson_store)
    assert trace.step(4).result.startswith("BadRequest: 400 POST")
    assert (trace.step(5).action, trace.step(5).internal_state) == ("Task fails", "Session closed")
    assert trace.value("task_status", 4).text == "Failed"


def test_env_var_wins_says_which_source_answered(lesson_store):
    trace = run_scenario(scenario("env_var_wins"), lesson_store)
    assert trace.step(2).internal_state == "Fetch connection details from environment variable AIRFLOW_CONN_MY_GCP_CONN"
    assert trace.step(2).facts["source"] == "environment"
    assert "env-practice-project" in trace.value("session", 3).detail


def test_two_tasks_each_get_their_own_session(lesson_store):
    trace = run_scenario(scenario("two_tasks"), lesson_store)
    assert [s.number for s in trace.steps if s.kind == "request_connection"] == [2, 6]
    assert states(trace, "session (load_task)")[3:6] == ["open", "open", "closed"]
    assert states(trace, "session (report_task)")[5:10] == ["absent", "absent", "open", "open", "closed"]
    a, b = trace.value("session (load_task)", 5).detail, trace.value("session (report_task)", 8).detail
    assert a.split("session=")[1][:16] != b.split("session=")[1][:16]


def test_aws_and_azure_hooks_read_their_connections(lesson_store):
    aws = run_scenario(scenario("aws_s3"), lesson_store)
    assert "access key pair" in aws.step(3).narration and "eu-west-1" in aws.step(3).narration
    assert aws.step(4).facts["call"] == "put_object"
    azure = run_scenario(scenario("azure_blob"), lesson_store)
    assert "shared account key" in azure.step(3).narration and azure.step(4).facts["call"] == "upload_blob"
    for trace in (aws, azure):
        dumped = json.dumps([rendered(s) for s in trace.steps], default=str)
        assert "practice/secret/access/key" not in dumped and "cHJhY3RpY2Ut" not in dumped


def test_aws_falls_back_to_default_credentials_when_the_conn_id_is_missing(lesson_store):
    source = (DATA_DIR / "dags" / "aws_missing_conn_id.py").read_text()
    trace = run_scenario(scenario("aws_s3"), lesson_store, dag_source=source)
    assert trace.step(2).outcome == "fallback" and not trace.step(2).failed
    assert trace.step(2).result == "Warning: Unable to find AWS Connection ID 'my_aws_conn_typo', switching to empty."
    assert trace.value("connection_details", 2).text == "Empty connection (no credentials)"
    assert trace.failed_step.number == 4 and trace.failed_step.error_type == "NoCredentialsError"
    assert trace.value("session", 5).state == "closed"


def test_a_generic_operator_gets_the_hook_of_its_connections_type(lesson_store):
    """common-sql's operator finds the connection, then asks Connection.get_hook() for its type's hook
    and refuses it: a cloud hook is no DbApiHook. This test said the run succeeded with AwsBaseHook;
    tests/test_airflow3.py asks common-sql itself for its words."""
    source = "with DAG('g') as dag:\n    SQLExecuteQueryOperator(task_id='q', sql='select 1', conn_id='my_aws_conn')\n"
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source)
    assert trace.step(2).outcome == "ok" and trace.failed_step.number == 3
    assert trace.failed_step.result.startswith(
        "AirflowException: You are trying to use `common-sql` with AwsGenericHook"
    )
    assert trace.failed_step.narration.startswith("The operator gets no hook it can use for `my_aws_conn`")
    lesson_store.add(Connection(conn_id="pg", conn_type="postgres", host="db"))
    trace = run_scenario(scenario("lesson"), lesson_store, dag_source=source.replace("my_aws_conn", "pg"))
    assert trace.failed_step.number == 3 and 'Unknown hook type "postgres"' in trace.failed_step.result


def test_changed_steps_are_marked_against_the_lesson():
    lesson_trace = reference_trace("lesson")
    assert changed_steps(reference_trace("job_fails"), lesson_trace) == {4, 5, 6}
    assert changed_steps(reference_trace("env_var_wins"), lesson_trace) == {2}
    assert changed_steps(lesson_trace, lesson_trace) == set()
    cells = changed_tracker_cells(reference_trace("job_fails"), lesson_trace)
    assert cells["task_status"] == {"After Step 5", "Final"} and cells["session"] == set()


def test_a_tracker_cell_that_differs_from_the_lesson_says_its_value_not_only_same():
    """The tracker writes "Same" for a value unchanged since the column before, as the lesson does;
    where that value differs from the lesson's, "≠ Same" alone would not say what it is."""
    from engine.render import tracker

    lesson_trace = reference_trace("lesson")
    for scenario_id, column in (("job_fails", "Final"), ("missing_conn_id", "After Step 3")):
        table = tracker(reference_trace(scenario_id), lesson_trace, False)
        row = next(r for r in table["rows"] if r[0] == "task_status")
        assert row[1 + table["labels"].index(column)] == "≠ Same (Failed)", scenario_id
    same_as_lesson = tracker(reference_trace("aws_s3"), lesson_trace, False)
    assert "Same" in [cell for row in same_as_lesson["rows"] for cell in row]  # unchanged, and as in the lesson


def test_real_airflow_notes_come_with_their_source():
    trace = reference_trace("aws_s3")
    step = trace.step(2)
    notes = notes_of(step.kind, step.fact("provider"))
    assert any("switching to empty" in n["text"] for n in notes)
    assert all(n["package"].startswith("apache-airflow") and n["quote"] for n in notes)


@pytest.mark.parametrize("scenario_id", IDS)
def test_cli_runs_every_scenario(tmp_path, scenario_id):
    out = engine_cli(tmp_path, "run", "--scenario", scenario_id, "--format", "json")
    data = json.loads(out.stdout)
    assert data["scenario"] == scenario_id and data["process_table"][0]["Action"] == "DAG starts execution"
    assert data["succeeded"] == (EXPECTED.get(scenario_id, (None,))[0] is None)


def test_the_scenario_in_the_url_is_shown_on_every_page():
    at = open_app(scenario="job_fails", step="5")
    assert "Step 5 of 6: Task fails" in texts(at)
    at.switch_page("pages/process_table.py").run()
    table = tables(at)[0]
    assert table.column("vs the lesson") == ["", "", ""] + ["≠ changed from the lesson"] * 3
    assert at.query_params["scenario"] == "job_fails"


def test_an_unknown_scenario_in_the_url_shows_the_lesson_and_a_notice():
    at = open_app(scenario="nope", step="2")
    assert "There is no scenario “nope”" in at.warning[0].value
    assert at.session_state["lab_scenario"] == "lesson"


@pytest.mark.parametrize("scenario_id", IDS)
def test_no_narration_draws_a_backtick_as_text(scenario_id):
    """The lesson's `code` spans are drawn as code; a value of the run is drawn as text, backticks and
    all. So a value must hold none of the lab's own Markdown: step 3 read "for project
    `lab-practice-project`", backticks shown. Airflow's own words keep theirs, inside a code span."""
    trace = reference_trace(scenario_id)
    for s in trace.steps:
        drawn = render.narration_html(trace, s.number)
        outside_code = html.unescape(re.sub(r"<code>.*?</code>", "", drawn))
        assert "`" not in outside_code, (s.number, outside_code)
    if scenario_id == "lesson":
        assert "a bigquery.Client for project lab-practice-project, to run as" in trace.step(3).narration


@pytest.mark.parametrize(
    "scenario_id, built, used",
    [
        ("lesson", "the access token is fetched at the first request", "This first request fetches an access token"),
        ("aws_s3", "boto3 signs each request with the key pair", "boto3 signs the request with the key pair"),
        ("azure_blob", "signs each request with the account's shared key", "signs the request with the account's"),
    ],
)
def test_the_first_request_shows_the_credentials_as_each_cloud_does(scenario_id, built, used):
    """A Google client fetches an access token at its first request; an AWS key pair and an Azure
    shared key sign each request instead, and no token is fetched (the providers' notes quote the
    hooks that hand the keys over). The lesson said "access token" for all three."""
    trace = reference_trace(scenario_id)
    create, call = trace.first("create_session"), trace.first("api_call")
    assert built in create.narration and used in call.narration
    if scenario_id != "lesson":
        assert "access token" not in create.narration + call.narration and "fetches" not in call.narration
        notes = " ".join(note["text"] for note in notes_of("api_call", call.fact("provider")))
        assert "no token is fetched" in notes and "google-auth" not in notes


def test_a_note_on_bigquerys_job_is_beside_a_bigquery_job_only():
    """Google's other operators (a bucket made with GCSCreateBucketOperator) make no BigQuery job: the
    note on how BigQueryInsertJobOperator names its job is not theirs."""
    lesson_call = reference_trace("lesson").first("api_call")
    source = scenario("lesson").dag_source.replace("BigQueryInsertJobOperator", "GCSCreateBucketOperator")
    bucket_call = reference_trace("lesson", source).first("api_call")
    assert bucket_call.fact("call") == "create_bucket"
    job_note = "BigQueryInsertJobOperator builds the job id"
    assert job_note in render.notes_html(reference_trace("lesson"), lesson_call.number)
    assert job_note not in render.notes_html(reference_trace("lesson", source), bucket_call.number)


SQL_DAG = """
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG('sql_dag') as dag:
    SQLExecuteQueryOperator(task_id='count_rows', sql='SELECT 1', conn_id='my_gcp_conn')
"""


@pytest.mark.parametrize(
    "scenario_id, source, when, quoted",
    [
        ("lesson", None, "the Google hook asks as it is built", "self.get_connection(self.gcp_conn_id)"),
        ("aws_s3", None, "AwsBaseHook asks the first time it needs", "self.get_connection(self.aws_conn_id)"),
        ("azure_blob", None, "WasbHook asks as it builds its", "conn = self.get_connection(self.conn_id)"),
        # common-sql's operator asks before it has a hook: the type of what it gets picks the hook
        ("lesson", SQL_DAG, "the operator asks first, to choose a hook", "BaseHook.get_connection(conn_id)"),
    ],
)
def test_the_look_up_is_said_to_happen_when_each_hook_asks(scenario_id, source, when, quoted):
    """Only GoogleBaseHook asks for its connection in its constructor; AwsBaseHook asks when its
    connection is first needed, WasbHook as it builds the client, and the generic SQL operator before
    any hook exists. The note beside the step quotes the provider's line that asks
    (tests/test_airflow_sources.py finds it in the provider)."""
    trace = reference_trace(scenario_id, source)
    step = trace.first("request_connection")
    assert when in step.narration, step.narration
    assert any(quoted in note["quote"] for note in notes_of("request_connection", step.fact("provider")))
    assert quoted in html.unescape(render.notes_html(trace, step.number))  # and it is the note drawn there
    if scenario_id != "lesson":
        assert "as it is built" not in step.narration


def test_the_runs_start_and_end_are_told_for_the_dags_number_of_tasks():
    one, two = reference_trace("lesson"), reference_trace("two_tasks")
    assert "queues its task;" in one.steps[0].narration and "The task's process has ended" in one.steps[-1].narration
    assert "queues its 2 tasks; a worker will run each of them" in two.steps[0].narration
    assert "Each task's process has ended" in two.steps[-1].narration
    assert reference_trace("missing_conn_id").steps[-1].narration == "The task failed, so the DAG run is marked failed."


def test_choosing_a_scenario_in_the_sidebar_changes_every_view():
    at = open_app()
    at.selectbox(key="scenario_select").set_value("missing_conn_id").run()
    step(at, "last")
    assert "Step 4 of 4: DAG run ends" in texts(at)
    assert at.query_params["scenario"] == "missing_conn_id"


def test_compare_page_shows_both_runs():
    at = open_app("pages/compare.py", scenario="job_fails", step="4")
    page = texts(at)
    assert "Cloud job started successfully" in page and "BadRequest: 400 POST" in page


def test_your_dag_page_turns_a_changed_conn_id_into_scenario_2():
    at = open_app("pages/your_dag.py")
    source = at.text_area(key="own_dag_source").value.replace("my_gcp_conn", "my_other_conn")
    at.text_area(key="own_dag_source").set_value(source)
    at.button(key="own_dag_run").click().run()
    assert any("The conn_id `my_other_conn` isn't defined" in w for w in said(at.warning))


def test_your_dag_page_reports_bad_source_with_its_line():
    at = open_app("pages/your_dag.py")
    at.text_area(key="own_dag_source").set_value("with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t',\n")
    at.button(key="own_dag_run").click().run()
    assert any(e.startswith("The DAG cannot be read: Line 2: Syntax error") for e in said(at.error))
    assert not at.exception


def test_your_dag_page_runs_an_example_with_three_clouds():
    at = open_app("pages/your_dag.py")
    at.selectbox(key="own_dag_example").set_value("azure_blob").run()
    assert "example_blob_dag:" in texts(at)
    step(at, "seek", 3)
    assert "BlobServiceClient" in texts(at)
