"""The run along Airflow 3.3's own path (scenario ``airflow3``), the hooks' real orders, and the
markers on the lesson's simplifications, checked against what Airflow's code says.

Where a claim is about Airflow itself (the worker's chain, the task states, what the log masker
prints), the expected value comes from the real Airflow 3.3.2 in ``.venv-airflow`` (the
``airflow`` fixture), never from the lab.
"""

from __future__ import annotations

import json

import pytest

from engine import fidelity
from engine.connection import Connection
from engine.dag import read_dag
from engine.lessons import scenario, seed_connections
from engine.quiz import reference_trace
from engine.secrets import FixedConnections, default_backends
from engine.simulator import run, run_scenario
from engine.views import log_lines

SECRETS = [  # every practice secret the seed holds, in the forms a page or a log could show
    seed_connections()["my_aws_conn"]["password"],
    "PRACTICE-ONLY-NOT-A-REAL-KEY",
]


def kinds(trace):
    return [s.kind for s in trace.steps]


def states(trace, variable):
    return [trace.value(variable, n).state for n in range(len(trace.steps) + 1)]


def real_run(source: str, connections: dict | None = None, env: dict | None = None, cloud: dict | None = None):
    store = FixedConnections(seed_connections() if connections is None else connections)
    return run(read_dag(source), default_backends(store, env or {}), cloud or {}, "airflow3", path="airflow3")


def dag_with(operator: str, conn_arg: str, conn_id: str) -> str:
    return f"with DAG('d') as dag:\n    {operator}(task_id='t', {conn_arg}='{conn_id}')\n"


# -- the airflow3 run ------------------------------------------------------------------------------
def test_the_airflow3_run_follows_the_steps_the_issue_lists():
    trace = reference_trace("airflow3")
    assert kinds(trace) == [
        "dag_start",
        "supervisor_start",
        "hook_built",
        "worker_chain",
        "execution_api",
        "api_server_chain",
        "values_in_task",
        "credentials_built",
        "client_created",
        "token_fetched",
        "job_submitted",
        "task_success",
        "process_exit",
        "dag_end",
    ]
    assert trace.succeeded


def test_the_password_row_follows_the_secret_and_the_client_is_never_closed():
    trace = reference_trace("airflow3")
    password = states(trace, "password")
    # encrypted at rest → decrypted in the API server → in the task (masked) → gone with the process
    assert list(dict.fromkeys(password)) == ["at_rest", "api_server", "in_task", "freed"]
    assert password[6] == "api_server" and password[7] == "in_task"
    session = states(trace, "session")
    assert "closed" not in session  # nothing closes it
    assert session[9] == "open" and session[10] == "token"  # the token comes with the first request
    assert session[12] == "token" and session[13] == "released"  # still there after success; freed at exit


def test_task_status_uses_only_airflows_task_states(airflow):
    real = set(airflow.ask("task_states")["ok"])
    trace = reference_trace("airflow3")
    used = set(states(trace, "task_status"))
    assert used == {"queued", "running", "success"} and used <= real
    # the lesson's words that are no Airflow state are exactly the ones marked
    lesson_states = set(trace.lesson["variables"]["task_status"])
    invented = lesson_states - real - {"not_started"}
    assert invented == {"waiting_for_connection", "completed"}
    assert all(fidelity.at(f"variables.task_status.{state}") for state in invented)


def test_the_worker_and_server_chains_are_airflows(airflow):
    real = airflow.ask("chains")["ok"]
    assert real == {
        "worker": ["EnvironmentVariablesBackend", "ExecutionAPISecretsBackend"],
        "server": ["EnvironmentVariablesBackend", "MetastoreBackend"],
    }
    trace = reference_trace("airflow3")
    worker = trace.step(4).internal_state
    assert worker.index("AIRFLOW_CONN_MY_GCP_CONN") < worker.index("Execution API")
    server = trace.step(6).internal_state
    assert server.index("AIRFLOW_CONN_MY_GCP_CONN") < server.index("metadata DB")


def test_a_connection_in_the_workers_environment_is_read_in_the_task_as_the_lesson_says(airflow):
    """Step 2 of the lesson's run says where the connection came from. From the worker's environment
    (scenario env_var_wins): the task reads it itself and masks its secrets, and no API server takes
    part. From the metadata DB: the task asks the API server. Airflow's own task code decides."""
    uri = scenario("env_var_wins").env["AIRFLOW_CONN_MY_GCP_CONN"]
    assert uri.startswith("google-cloud-platform://?")  # the scenario's URI, with a password to follow
    uri = uri.replace("://", "://:pw-in-the-uri@", 1)
    in_env = airflow.ask(
        "task_reads_connection", conn_id="my_gcp_conn", env={"AIRFLOW_CONN_MY_GCP_CONN": uri}, lines=["pw-in-the-uri"]
    )["ok"]
    assert in_env["conn_type"] == "google_cloud_platform" and in_env["raised"] is None
    assert "GetConnection" not in in_env["sent"] and "MaskSecret" in in_env["sent"], in_env["sent"]
    assert in_env["log"] == ["***"]
    said = reference_trace("env_var_wins").step(2).narration
    assert "`AIRFLOW_CONN_MY_GCP_CONN` is set in the worker's own environment" in said
    assert "No API server, metadata DB or Fernet key takes part" in said and "log masker" in said
    assert "API server decrypts" not in said

    not_in_env = airflow.ask("task_reads_connection", conn_id="my_gcp_conn", env={}, lines=[])["ok"]
    assert not_in_env["sent"] == ["GetConnection"]  # the Execution API: the API server reads the DB
    said = reference_trace("lesson").step(2).narration
    assert "the API server decrypts the row and sends plain values" in said and "worker's own environment" not in said


@pytest.mark.parametrize("conn_id", ["my_gcp_conn", "my_aws_conn", "my_azure_conn"])
def test_a_sql_operator_on_a_cloud_connection_fails_as_common_sql_fails_it(airflow, conn_id):
    """The lab ran SQLExecuteQueryOperator on a cloud connection to success. common-sql's operator,
    run in the Airflow venv, refuses the hook that connection's type registers (no DbApiHook),
    with these words; the lab's step 3 fails with the same."""
    from engine.hooks import REGISTERED_HOOK

    source = f"with DAG('g') as dag:\n    SQLExecuteQueryOperator(task_id='q', sql='SELECT 1', conn_id='{conn_id}')\n"
    trace = real_run(source)
    conn_type = seed_connections()[conn_id]["conn_type"]
    hook_class, bases = REGISTERED_HOOK[conn_type]
    real = airflow.ask("sql_operator_hook", conn_type=conn_type, hook_class=hook_class, bases=list(bases))["ok"]
    failed = trace.failed_step
    assert (failed.kind, f"{failed.error_type}: {failed.error}") == ("credentials_built", real)
    lesson_path = run(read_dag(source), default_backends(FixedConnections(seed_connections()), {}), {})
    assert lesson_path.failed_step.number == 3 and lesson_path.failed_step.result == real


def test_the_task_log_is_what_airflows_masker_prints(airflow):
    """The AWS DAG along the real path: its log, masked by the lab, equals the same lines masked
    by Airflow's own secrets masker once the connection's password and extra are registered."""
    trace = real_run(dag_with("S3CreateObjectOperator", "aws_conn_id", "my_aws_conn"))
    raw = [line for s in trace.steps for line in s.raw_facts.get("log", ())]
    conn = Connection(conn_id="my_aws_conn", **seed_connections()["my_aws_conn"])
    expected = airflow.ask("mask_lines", secrets=[conn.password, conn.extra], lines=raw)["ok"]
    shown = log_lines(trace, len(trace.steps))
    assert shown == expected
    assert any("***" in line for line in shown) and not any(s in "\n".join(shown) for s in SECRETS)


def test_the_lessons_log_shows_no_secret_and_the_job_id():
    trace = reference_trace("airflow3")
    text = "\n".join(log_lines(trace, len(trace.steps)))
    assert not any(secret in text for secret in SECRETS)
    assert "print(conn.extra) -> ***" in text
    assert "Inserting job airflow_example_dag_bq_task_" in text
    assert log_lines(trace, 1) == []  # nothing is logged before the task starts


def test_an_env_var_connection_skips_the_api_server():
    env = {
        "AIRFLOW_CONN_MY_GCP_CONN": json.dumps({"conn_type": "google_cloud_platform", "extra": {"key_path": "/k.json"}})
    }
    trace = real_run(scenario("lesson").dag_source, env=env)
    assert "execution_api" not in kinds(trace) and "api_server_chain" not in kinds(trace)
    assert states(trace, "password")[4] == "in_env"
    assert trace.succeeded


def test_a_missing_conn_id_fails_when_the_api_server_answers_404():
    trace = real_run(dag_with("BigQueryInsertJobOperator", "gcp_conn_id", "nope"))
    failed = trace.failed_step
    assert failed.kind == "api_server_chain" and failed.result == "The conn_id `nope` isn't defined"
    assert kinds(trace)[-3:] == ["task_failed", "process_exit", "dag_end"]
    assert trace.value("task_status", len(trace.steps)).state == "failed"


def test_a_missing_aws_conn_id_switches_to_empty_and_fails_at_the_first_request():
    trace = real_run(dag_with("S3CreateObjectOperator", "aws_conn_id", "nope"))
    assert trace.first("api_server_chain").outcome == "not_found"
    assert "switching to empty" in trace.first("values_in_task").result
    failed = trace.failed_step
    assert (failed.kind, failed.error_type, failed.error) == (
        "token_fetched",
        "NoCredentialsError",
        "Unable to locate credentials",
    )


@pytest.mark.parametrize(
    "dag_file, asks, signs",
    [
        ("aws_s3.py", "AwsBaseHook asks the first time it needs the connection", "boto3 signs the request"),
        ("azure_blob.py", "WasbHook asks as it builds its BlobServiceClient", "signs the request with the account's"),
    ],
)
def test_airflow_3s_path_for_a_key_signed_cloud_says_what_its_hook_and_client_do(dag_file, asks, signs):
    """Airflow 3.3's path was told as Google's for every cloud: the hook's constructor asking for the
    connection, a token fetched at the first request, a job polled. S3Hook and WasbHook ask when they
    build their client; a key pair or a shared key signs each request; put_object and upload_blob are
    single requests. The notes beside the steps quote each provider's line."""
    from engine import render
    from engine.lessons import DATA_DIR

    trace = reference_trace("airflow3", (DATA_DIR / "dags" / dag_file).read_text(encoding="utf-8"))
    assert trace.succeeded
    built = trace.first("hook_built")
    assert asks in built.narration and "constructor calls" not in built.narration, built.narration
    assert "constructor" not in built.result
    said = " ".join(f"{s.action} {s.internal_state} {s.result} {s.narration}" for s in trace.steps)
    for claim in ("fetch an access token", "fetches a token", "Access token obtained", "polls the job", "Job done"):
        assert claim not in said, claim
    first = trace.first("token_fetched")
    assert signs in first.narration and "no access token is fetched" in first.narration, first.narration
    assert "It is one request, with no job to wait for." in trace.first("job_submitted").narration
    # the tracker never says the client holds a token
    assert all(value.state != "token" for timeline in trace.timelines.values() for _, value in timeline)
    provider = built.fact("provider")
    for kind in ("hook_built", "token_fetched"):
        notes = render.notes_html(trace, trace.first(kind).number)
        assert f"apache-airflow-providers-{'amazon' if provider == 'aws' else 'microsoft-azure'}" in notes, kind
        assert "google-auth" not in notes, kind


@pytest.mark.parametrize(
    "dag_file, result, not_said",
    [
        ("example_dag.py", "Connection and client freed", "no client was made"),
        ("malformed_connection.py", "Connection freed; there was no client", "the client, never closed"),
        ("aws_missing_conn_id.py", "Empty connection and client freed", "encrypted in the metadata DB"),
        ("missing_conn_id.py", "Nothing to free", "plain values"),
    ],
)
def test_the_task_process_exit_frees_what_the_task_held(dag_file, result, not_said):
    """The process exit said "the connection's plain values and the client … are freed" in every run,
    the one whose conn_id no backend had too (it held neither)."""
    from engine.lessons import DATA_DIR

    trace = reference_trace("airflow3", (DATA_DIR / "dags" / dag_file).read_text(encoding="utf-8"))
    exit_step = trace.first("process_exit")
    assert exit_step.result == result
    # and before the look-up, the tracker does not say a password no backend has is stored encrypted
    at_start = trace.value("password", 0).text
    assert at_start == ("No connection, no password" if "missing" in dag_file else "Encrypted in the metadata DB")
    assert not_said not in exit_step.narration, exit_step.narration
    built = trace.first("credentials_built")
    if built is not None and built.outcome == "ok":  # the connection's, or the worker's own
        from_worker = dag_file == "aws_missing_conn_id.py"
        assert ("falls back to" in built.narration) == from_worker, built.narration
        assert ("reads the connection and builds" in built.narration) != from_worker


def test_a_gcs_operator_builds_a_gcs_hook_and_a_storage_client_in_both_runs():
    """Every Google operator was said to build a bigquery.Client (and a BigQueryHook on Airflow 3.3's
    path); GCSCreateBucketOperator builds a GCSHook, which makes a storage.Client
    (tests/test_airflow_sources.py finds both in the provider)."""
    source = (
        "with DAG('g') as dag:\n    GCSCreateBucketOperator(task_id='b', bucket_name='x', gcp_conn_id='my_gcp_conn')\n"
    )
    lesson_path = reference_trace("lesson", source)
    assert "and a storage.Client for project lab-practice-project" in lesson_path.step(3).narration
    assert "bigquery" not in " ".join(s.narration for s in lesson_path.steps).lower()
    real_path = reference_trace("airflow3", source)
    assert real_path.first("hook_built").internal_state == "GCSHook(gcp_conn_id='my_gcp_conn')"
    assert "Nothing closes the `storage.Client`" in real_path.first("task_success").narration


def test_rejected_credentials_fail_at_the_first_request_in_both_runs(lesson_store):
    rejected = scenario("credentials_rejected").cloud
    trace = real_run(scenario("lesson").dag_source, cloud=rejected)
    assert trace.failed_step.kind == "token_fetched" and trace.failed_step.error_type == "RefreshError"
    assert trace.first("client_created").outcome == "ok"  # the client was built without error
    # not "the cloud refuses": DefaultAzureCredential finds no identity on the worker, and asks no cloud
    assert "asks for an access token and gets none: `RefreshError" in trace.failed_step.narration
    azure = real_run(
        dag_with("LocalFilesystemToWasbOperator", "wasb_conn_id", "c"), {"c": {"conn_type": "wasb", "login": "a"}}
    )
    assert azure.failed_step.kind == "token_fetched" and "the cloud refuses" not in azure.failed_step.narration
    lesson_path = run_scenario(scenario("credentials_rejected"), lesson_store)
    assert (lesson_path.failed_step.number, lesson_path.failed_step.kind) == (4, "api_call")


# -- the hooks, in the providers' orders and words -------------------------------------------------
def lesson_run(store, conn_type: str, dag: str, cloud: dict | None = None, **fields):
    store.add(Connection(conn_id="c", conn_type=conn_type, **fields))
    return run(read_dag(dag), default_backends(store, {}), cloud or {})


GOOGLE_DAG = dag_with("BigQueryInsertJobOperator", "gcp_conn_id", "c")
AWS_DAG = dag_with("S3CreateObjectOperator", "aws_conn_id", "c")
AZURE_DAG = dag_with("LocalFilesystemToWasbOperator", "wasb_conn_id", "c")


def test_google_key_options_are_mutually_exclusive_in_airflows_words(store):
    trace = lesson_run(
        store, "google_cloud_platform", GOOGLE_DAG, extra={"key_path": "/k.json", "credential_config_file": "/c.json"}
    )
    assert trace.failed_step.result == (
        "AirflowException: The `keyfile_dict`, `key_path`, `credential_config_file`, `is_anonymous` and "
        "`key_secret_name` fields are all mutually exclusive. Received options: ['key_path', "
        "'credential_config_file']. Please provide only one value."
    )


def test_a_credential_config_file_connection_works(store):
    config = {
        "type": "external_account",
        "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
    }
    trace = lesson_run(
        store, "google_cloud_platform", GOOGLE_DAG, extra={"credential_config_file": json.dumps(config), "project": "p"}
    )
    assert trace.succeeded
    assert "workload identity federation" in trace.first("create_session").facts["credential_source"]


def test_a_google_connection_with_no_key_uses_the_workers_identity_when_it_has_one(store):
    adc = {"adc": {"principal": "worker@ops.iam.gserviceaccount.com", "project": "ops"}}
    trace = lesson_run(store, "google_cloud_platform", GOOGLE_DAG, cloud=adc, extra={})
    assert trace.succeeded
    step = trace.first("create_session")
    assert step.facts["principal"] == "worker@ops.iam.gserviceaccount.com" and step.facts["project"] == "ops"
    without = run(read_dag(GOOGLE_DAG), default_backends(store, {}), {})  # the same connection, no ADC
    assert without.failed_step.error_type == "DefaultCredentialsError"
    assert without.failed_step.error.startswith("Your default credentials were not found.")


def test_the_no_key_scenario_succeeds_as_the_worker():
    trace = reference_trace("no_key_uses_adc")
    assert trace.succeeded
    assert "airflow-worker@ops-shared-project" in trace.step(3).narration
    # the connection holds no key: the credentials are the worker's own, not built from the connection
    # (it read "builds credentials from the connection (Application Default Credentials (...))")
    assert "falls back to Application Default Credentials" in trace.step(3).narration
    assert "from the connection (" not in trace.step(3).narration
    assert "ops-shared-project" in trace.step(3).facts["target"]


def test_a_key_the_hook_reads_later_is_said_to_name_the_account_it_holds():
    """A key_path is read as the credentials are built; which service account it holds is the file's
    to say. Step 3 read "to run as service account from key file"."""
    step = reference_trace("env_var_wins").step(3)
    assert step.fact("credential_source") == "service account key file /opt/airflow/keys/practice.json"
    assert "to run as the service account whose key is in that file." in step.narration, step.narration


def test_aws_takes_login_and_password_only_as_a_pair(store):
    trace = lesson_run(
        store,
        "aws",
        AWS_DAG,
        login="AKIAONLYLOGIN",
        extra={"aws_access_key_id": "AKIAEXTRA", "aws_secret_access_key": "s"},
    )
    step = trace.first("create_session")
    assert step.facts["credential_source"] == "access key pair from extra"
    assert step.raw_facts["principal"] == "AKIAEXTRA"
    # the extra names no region_name: the client is said to have none, in words (it read "a boto3 S3
    # client for no region set")
    assert step.facts["target"] == "with no region set"
    assert "a boto3 S3 client with no region set, to run as" in step.narration


def test_aws_with_a_login_and_no_secret_uses_boto3s_chain_and_fails_at_the_first_request(store):
    trace = lesson_run(store, "aws", AWS_DAG, login="AKIAONLYLOGIN")
    assert trace.first("create_session").outcome == "ok"  # no "secret is missing" error: Airflow raises none
    assert (trace.failed_step.kind, trace.failed_step.error) == ("api_call", "Unable to locate credentials")


@pytest.mark.parametrize(
    "fields, source",
    [
        (
            {"password": "k", "extra": {"connection_string": "AccountName=a;AccountKey=b", "sas_token": "s"}},
            "connection string",
        ),
        (
            {"login": "app", "password": "secret", "extra": {"tenant_id": "t"}},
            "service principal (ClientSecretCredential)",
        ),
        ({"login": "acct", "password": "k", "extra": {"sas_token": "sv=1&sig=x"}}, "SAS token"),
        (
            {"login": "acct", "password": "k", "extra": {"shared_access_key": "x", "sas_token": "s"}},
            "shared access key from extra",
        ),
        ({"login": "acct", "password": "k", "extra": {"account_key": "x"}}, "shared account key (password)"),
        ({"login": "acct", "extra": {"account_key": "x"}}, "account key from extra"),
        ({"login": "acct"}, "DefaultAzureCredential"),
    ],
)
def test_wasb_tries_credentials_in_get_conns_order(store, fields, source):
    trace = lesson_run(store, "wasb", AZURE_DAG, **fields)
    assert trace.first("create_session").facts["credential_source"] == source


TOKEN = "the access token is fetched at the first request"
SIGNED_BY_KEY = "signs each request with the account's shared key"


@pytest.mark.parametrize(
    "conn_type, dag, fields, said",
    [
        ("google_cloud_platform", GOOGLE_DAG, {"extra": {"key_path": "/k.json"}}, TOKEN),
        ("google_cloud_platform", GOOGLE_DAG, {"extra": {"key_secret_name": "key"}}, TOKEN),
        ("google_cloud_platform", GOOGLE_DAG, {"extra": {"is_anonymous": True}}, "anonymous credentials send no"),
        ("aws", AWS_DAG, {"login": "AKIA1", "password": "s"}, "boto3 signs each request with the key pair"),
        ("aws", AWS_DAG, {"extra": {"aws_access_key_id": "A", "aws_secret_access_key": "s"}}, "with the key pair"),
        ("aws", AWS_DAG, {}, "boto3 asks its default chain"),
        ("wasb", AZURE_DAG, {"extra": {"connection_string": "AccountName=a;AccountKey=b"}}, "in the connection"),
        ("wasb", AZURE_DAG, {"login": "app", "password": "secret", "extra": {"tenant_id": "t"}}, TOKEN),
        ("wasb", AZURE_DAG, {"login": "acct", "extra": {"sas_token": "sv=1&sig=x"}}, "the SAS token goes with"),
        ("wasb", AZURE_DAG, {"login": "acct", "extra": {"shared_access_key": "x"}}, SIGNED_BY_KEY),
        ("wasb", AZURE_DAG, {"login": "acct", "password": "k"}, SIGNED_BY_KEY),
        ("wasb", AZURE_DAG, {"login": "acct", "extra": {"account_key": "x"}}, SIGNED_BY_KEY),
        ("wasb", AZURE_DAG, {"login": "acct"}, TOKEN),  # DefaultAzureCredential: a token, at the first request
    ],
)
def test_every_way_a_hook_builds_credentials_says_what_its_first_request_does(store, conn_type, dag, fields, said):
    """Only a token-based credential fetches a token at the first request: a key pair or a shared key
    signs each request, a SAS goes with it (the api_call notes quote the hooks that hand them over)."""
    trace = lesson_run(store, conn_type, dag, **fields)
    built = trace.first("create_session")
    assert built.outcome == "ok" and said in built.narration, built.narration
    assert ("access token" in built.narration) == (said == TOKEN)
    # boto3's chain and DefaultAzureCredential are the worker's, not the connection's: said so
    from_worker = fields in ({}, {"login": "acct"})
    assert ("builds credentials from the connection" in built.narration) != from_worker, built.narration
    assert ("finds no credentials of its own in the connection, so it falls back to" in built.narration) == from_worker


def test_default_azure_credential_fails_at_the_first_request(store):
    trace = lesson_run(store, "wasb", AZURE_DAG, login="acct")
    assert (trace.failed_step.kind, trace.failed_step.error_type) == ("api_call", "ClientAuthenticationError")


def test_only_bigquery_answers_with_a_job_id(lesson_store):
    s3 = run_scenario(scenario("aws_s3"), lesson_store)
    assert "no job id" in s3.first("api_call").facts["answer"]
    assert fidelity.of_step(s3.first("api_call"), "result")  # "Cloud job started" carries its marker


# -- the markers ---------------------------------------------------------------------------------------
def test_the_lessons_closing_words_carry_the_never_closed_marker():
    trace = reference_trace("lesson")
    marker = fidelity.at("variables.session.closed")[0]
    assert marker.id == "never_closed"
    assert marker in fidelity.of_step(trace.step(5), "state") and marker in fidelity.of_step(trace.step(5), "result")
    assert "Nothing closes the client" in marker.says


def test_the_lesson_keeps_its_words_word_for_word():
    trace = reference_trace("lesson")
    assert [(s.action, s.internal_state, s.result) for s in trace.steps][4] == (
        "Task completes",
        "Session closed",
        "Resources freed",
    )
    assert trace.step(2).internal_state == "Fetch connection details from Airflow metadata DB"
    assert fidelity.of_step(trace.step(2), "state")[0].id == "task_never_reads_db"


def test_the_test_connection_note_matches_airflows_default(airflow):
    from engine.lessons import connection_test_note

    default = airflow.ask("test_connection_default")["ok"]
    assert default == "Disabled" and f"`{default}`" in connection_test_note()


def test_the_cli_lists_where_the_lessons_words_simplify(tmp_path):
    from tests.helpers import engine_cli

    def simplifications(scenario_id):
        out = engine_cli(tmp_path, "run", "--scenario", scenario_id, "--format", "json")
        return json.loads(out.stdout)["simplifications"]

    lesson = {(s["where"], s["words"], s["marker"]) for s in simplifications("lesson")}
    assert ("Step 5, Airflow Internal State", "Session closed", "⚑1") in lesson
    assert ("task_status, After Step 2", "Waiting for connection", "⚑4") in lesson
    assert not [s for s in simplifications("airflow3") if s["marker"] in ("⚑1", "⚑2", "⚑4")]


def test_the_airflow3_run_never_says_what_airflow_does_not_do():
    trace = reference_trace("airflow3")
    said = " ".join(f"{s.action} {s.internal_state} {s.result} {s.narration}" for s in trace.steps) + " ".join(
        trace.value(v, n).text for v in trace.variables for n in range(len(trace.steps) + 1)
    )
    for claim in (
        "Session closed",
        "Waiting for connection",
        "Completed",
        "Fetch connection details from Airflow metadata DB",
    ):
        assert claim not in said


def test_each_tasks_fallback_connection_is_shown_as_its_own():
    # Each task's empty AWS connection is freed when its process exits, and the next task's may be
    # given the same id(): a value kept by id() would show the previous task's conn_id.
    tasks = "".join(f"    S3CreateObjectOperator(task_id='t{i}', aws_conn_id='missing_{i}')\n" for i in range(30))
    trace = real_run(f"with DAG('d') as dag:\n{tasks}")
    for i in range(30):
        shown = [v.detail for _, v in trace.timelines[f"connection_details (t{i})"] if v.state == "empty"]
        assert shown == [f"TaskConnection(conn_id='missing_{i}', conn_type='aws')"], (i, shown)
