"""Real Airflow 3.3.2 is the judge: the lab's connections compared with Airflow's own code.

Generated connections (every field, every extra value type, "" against None, hosts with a
protocol or a path, the characters ``@:/?#%+&= !$'()*,;[]~"\\`` and non-ASCII) are built,
turned into URIs and JSON and parsed by the lab and by Airflow (``airflow.models.Connection``
for the store and CLI, ``airflow.sdk.Connection`` for what a task receives); masked as the REST
API masks them; conn_ids checked by the CLI's rule; export files of every format imported by
``airflow connections import`` and Airflow's exports imported by the lab. Values are compared,
not reprs. Where the lab refuses what Airflow accepts, the case must be one that
``engine/connection.py`` and ``engine/transfer.py`` name as a refusal. A DAG's and a task's ids
are read by the lab's DAG reader as Airflow takes or refuses them when it parses the file.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.connection import Connection, TaskConnection, validate_conn_id
from engine.dag import DagSourceError, read_dag
from engine.errors import AirflowException
from engine.transfer import export_text, parse_text
from engine.uri import URL_STRIPPED, unescaped_in_userinfo
from engine.values import TEXT_FIELDS

pytestmark = pytest.mark.airflow
FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")
SPECIAL = "@:/?#%+&= !$'()*,;[]~\"\\"
EXAMPLES = int(os.environ.get("LAB_DIFFERENTIAL_EXAMPLES", "300"))  # more to explore locally
CHECKS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
FILE_CHECKS = settings(
    max_examples=max(EXAMPLES // 5, 1), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# -- what to generate ----------------------------------------------------------------------
chars = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(SPECIAL) | st.sampled_from("aZ9é日ß")
words = st.text(chars, min_size=1, max_size=12)
maybe_text = st.none() | st.just("") | words
hosts = (
    maybe_text
    | st.builds(lambda p, h: f"{p}://{h}", st.sampled_from(["https", "k8s", "http"]), words)
    | st.builds(lambda a, b: f"{a}/{b}", words, words)
)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | words
    | st.just("")
)
json_value = st.recursive(
    json_leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3), max_leaves=6
)
extra_values = json_value | st.builds(json.dumps, json_value)  # JSON text too, e.g. a keyfile
extra_keys = words | st.sampled_from(["password", "api-key", "Private Key", "client.secret", "token", "timeout"])
extras = st.none() | st.dictionaries(extra_keys, extra_values, max_size=4).map(lambda d: d or None)
conn_types = (
    st.sampled_from(
        [
            "http",
            "aws",
            "google_cloud_platform",
            "google-cloud-platform",
            "wasb",
            "postgres",
            "postgresql",
            "spark",
            "sftp",
            "my_type",
        ]
    )
    | words
)
fields_st = st.fixed_dictionaries(
    {
        "conn_type": conn_types,
        "description": maybe_text,
        "host": hosts,
        "schema": maybe_text,
        "login": maybe_text,
        "password": maybe_text,
        "port": st.none() | st.integers(1, 65535),
        "extra": extras,
    }
).map(lambda f: {**f, "extra": json.dumps(f["extra"]) if f["extra"] is not None else None})


def values(fields: dict) -> dict:
    """Fields to compare: extra as the value it holds, not its text."""
    out = {f: fields.get(f) for f in FIELDS}
    out["extra"] = json.loads(out["extra"]) if out["extra"] else None
    return out


def lab_values(conn: Connection) -> dict:
    return values(conn.fields())


def ok(answer: dict):
    assert "ok" in answer, answer
    return answer["ok"]


# -- URIs ----------------------------------------------------------------------------------
@CHECKS
@given(fields=fields_st)
def test_get_uri_writes_what_airflow_writes(airflow, fields):
    assert Connection(**fields).get_uri() == ok(airflow.ask("models_get_uri", fields=fields))
    assert TaskConnection(conn_id="c", **fields).get_uri() == ok(airflow.ask("task_get_uri", fields=fields))


@CHECKS
@given(fields=fields_st)
def test_a_uri_reads_back_as_airflow_reads_it_in_the_store_and_in_a_task(airflow, fields):
    uri = Connection(**fields).get_uri()
    for cls, op in ((Connection, "models_from_uri"), (TaskConnection, "task_from_uri")):
        theirs = airflow.ask(op, uri=uri)
        if "error" in theirs:
            with pytest.raises(AirflowException):
                cls.from_uri(uri)
            continue
        assert lab_values(cls.from_uri(uri)) == values(theirs["ok"]), (op, uri)


uri_parts = st.lists(
    words
    | st.sampled_from(
        ["//", "://", "@", ":", "?", "=", "&", "%2F", "%", "__extra__=", "k8s://", "h:80", "[::1]", "[::1"]
    ),
    max_size=6,
).map("".join)
raw_uris = st.builds(
    lambda t, rest: t + rest, st.sampled_from(["http://", "aws://", "//", "", "x:/", "my-type://"]), uri_parts
)


def refused_on_purpose(uri: str, theirs: dict | None = None) -> bool:
    """The URIs engine/connection.py says it refuses where Airflow reads something else: an empty
    one, one with no scheme, one whose login or password holds an unescaped / ? # (Airflow
    would store the password's tail unencrypted in the schema), and one that decodes to a text
    field holding a NUL (``http://%00``: Airflow's model takes it, PostgreSQL refuses to store it;
    engine/values.py ``check_text``)."""
    no_scheme = "://" not in uri and not uri.lstrip(URL_STRIPPED).startswith("//")
    read = (theirs or {}).get("ok") or {}
    nul = any("\x00" in (read.get(field) or "") for field in TEXT_FIELDS)
    return not uri.strip() or no_scheme or unescaped_in_userinfo(uri) or nul


@CHECKS
@given(uri=raw_uris)
@example(uri="http://%00")  # found by CI: Airflow reads a NUL host, the lab refuses it (PostgreSQL would)
def test_any_uri_is_read_as_airflow_reads_it_or_refused_for_a_stated_reason(airflow, uri):
    theirs = airflow.ask("models_from_uri", uri=uri)
    try:
        ours = Connection.from_uri(uri)
    except AirflowException as err:
        assert "error" in theirs or refused_on_purpose(uri, theirs), (uri, str(err), theirs)
        return
    assert "error" not in theirs, (uri, theirs)
    assert lab_values(ours) == values(theirs["ok"]), uri


@pytest.mark.parametrize(
    "uri",
    [
        "sftp://u@MyHost/x",
        "sftp://@:22",
        "//abc",
        "http://h/?flag=false&n=123",
        "http://user:@host",
        "aws://",
        "scheme://%2FTmP%2F:1234",
        "spark://k8s://100.68.0.1:443?deploy-mode=cluster",
    ],
)
def test_the_issues_reproducers_read_as_airflow_reads_them(airflow, uri):
    assert lab_values(Connection.from_uri(uri)) == values(ok(airflow.ask("models_from_uri", uri=uri)))
    assert lab_values(TaskConnection.from_uri(uri, "c")) == values(ok(airflow.ask("task_from_uri", uri=uri)))


# -- JSON ----------------------------------------------------------------------------------
@CHECKS
@given(fields=fields_st)
def test_as_json_and_from_json_match_airflow(airflow, fields):
    text = Connection(**fields).as_json()
    assert json.loads(text) == json.loads(ok(airflow.ask("models_as_json", fields=fields)))
    assert lab_values(Connection.from_json(text)) == values(ok(airflow.ask("models_from_json", json=text)))
    assert lab_values(TaskConnection.from_json(text, "c")) == values(ok(airflow.ask("task_from_json", json=text)))


@CHECKS
@given(fields=fields_st)
def test_extra_dejson_is_typed_as_in_each_airflow_class(airflow, fields):
    assert Connection(**fields).extra_dejson == ok(airflow.ask("models_extra_dejson", fields=fields))
    assert TaskConnection(conn_id="c", **fields).extra_dejson == ok(airflow.ask("task_extra_dejson", fields=fields))


# -- masking -------------------------------------------------------------------------------
@CHECKS
@given(fields=fields_st, reused=st.booleans())
def test_masking_matches_the_rest_api(airflow, fields, reused):
    if reused and fields["password"] and fields["extra"]:  # the password inside other extra values
        extra = json.loads(fields["extra"])
        extra["url"] = f"https://u:{fields['password']}@h/?p={fields['password']}"
        fields = {**fields, "extra": json.dumps(extra)}
    theirs = ok(airflow.ask("api_response", fields=fields))
    shown = Connection(**fields).masked_dict()
    assert shown["password"] == theirs["password"]
    assert shown["extra"] == (json.loads(theirs["extra"]) if theirs["extra"] else {})


def test_masking_of_nested_and_renamed_keys_matches_the_rest_api(airflow):
    fields = {
        "conn_type": "http",
        "password": "hunter22",
        "extra": json.dumps(
            {
                "token": {"value": "abc", "ttl": 3600},
                "api-key": "zzz",
                "Private Key": "k",
                "client.secret": "s",
                "url": "http://x:hunter22@h",
                "timeout": 30,
            }
        ),
    }
    theirs = ok(airflow.ask("api_response", fields=fields))
    assert Connection(**fields).masked_dict()["extra"] == json.loads(theirs["extra"])


# -- conn_ids ------------------------------------------------------------------------------
conn_ids = (
    st.text(st.sampled_from("ab_-.9é" + SPECIAL + "\n\t<>"), max_size=8)
    | st.just("x" * 200)
    | st.just("x" * 201)
    | st.sampled_from(["my_gcp_conn", "a..b", ".", "a.b", "日本", "a\n", "path/like:id"])
)


@CHECKS
@given(conn_id=conn_ids)
def test_a_new_conn_id_is_accepted_and_refused_as_the_cli_does(airflow, conn_id):
    theirs = airflow.ask("cli_key_rule", conn_id=conn_id)
    try:
        validate_conn_id(conn_id)
    except AirflowException as err:
        if "ok" in theirs:  # Airflow's "$" takes "a\n" and then cuts the id: the lab refuses
            assert conn_id.endswith("\n"), conn_id
        else:
            assert f"SystemExit: {err}" == theirs["error"]
        return
    assert "ok" in theirs, (conn_id, theirs)


# -- a DAG's and a task's ids ----------------------------------------------------------------
dag_keys = st.text(st.sampled_from("ab_-.9é日 ()<>[]`*'\"\n\t/:#!"), max_size=8) | st.sampled_from(
    ["load (eu)", "my dag", "a\n", "日本", "a..b", ".", "x" * 250, "x" * 251, ""]
)


@CHECKS
@given(dag_id=dag_keys, task_id=dag_keys)
@example(dag_id="my_dag", task_id="load (eu)")
@example(dag_id="my dag", task_id="t")
@example(dag_id="d", task_id="x" * 251)
def test_dag_and_task_ids_are_taken_and_refused_as_airflow_parses_them(airflow, dag_id, task_id):
    theirs = airflow.ask("dag_keys", dag_id=dag_id, task_id=task_id)
    source = (
        "from airflow import DAG\n"
        "from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator\n"
        f"with DAG({dag_id!r}) as dag:\n"
        f"    BigQueryInsertJobOperator(task_id={task_id!r}, gcp_conn_id='my_gcp_conn')\n"
    )
    try:
        dag = read_dag(source)
    except DagSourceError as err:
        assert "error" in theirs, (dag_id, task_id, str(err))
        assert theirs["error"] in str(err)  # Airflow's own words: "ValueError: The key ..."
        dag_refused = "error" in airflow.ask("dag_keys", dag_id=dag_id, task_id="t")
        assert err.lineno == (3 if dag_refused else 4)  # the line of the id Airflow refused first
        return
    assert theirs == {"ok": [dag.dag_id, dag.tasks[0].task_id]}


# -- files ---------------------------------------------------------------------------------
file_conn_ids = st.from_regex(r"[a-z][a-z0-9_.-]{0,8}", fullmatch=True).filter(lambda i: ".." not in i)
file_conns = st.lists(st.tuples(file_conn_ids, fields_st), min_size=1, max_size=3, unique_by=lambda t: t[0])


def stored(answer: dict) -> dict:
    return {conn_id: values(fields) for conn_id, fields in ok(answer)["stored"].items()}


@FILE_CHECKS
@given(conns=file_conns, file_format=st.sampled_from(["json", "yaml", "env"]))
def test_the_labs_exports_are_imported_by_airflow_as_the_lab_imports_them(airflow, conns, file_format):
    lab_conns = [Connection(conn_id=i, **f) for i, f in conns]
    theirs = ok(airflow.ask("cli_export", conns=[c.fields() for c in lab_conns], file_format=file_format))
    try:
        text = export_text(lab_conns, file_format)
    except AirflowException:  # refused: only where Airflow's own export does not import back
        assert "error" in airflow.ask("cli_import", text=theirs, suffix=f".{file_format}")
        return
    assert text == theirs
    imported = stored(airflow.ask("cli_import", text=text, suffix=f".{file_format}"))
    assert {i: lab_values(c) for i, c in parse_text(text, file_format).items()} == imported


@FILE_CHECKS
@given(conns=file_conns, file_format=st.sampled_from(["json", "yaml", "env"]))
def test_airflows_exports_are_imported_by_the_lab_as_airflow_imports_them(airflow, conns, file_format):
    text = ok(airflow.ask("cli_export", conns=[{"conn_id": i, **f} for i, f in conns], file_format=file_format))
    answer = airflow.ask("cli_import", text=text, suffix=f".{file_format}")
    if "error" in answer:
        with pytest.raises(AirflowException):
            parse_text(text, file_format)
        return
    assert {i: lab_values(c) for i, c in parse_text(text, file_format).items()} == stored(answer)


def test_an_airflow_env_export_with_a_keyfile_and_an_empty_login_reads_as_airflow_reads_it(airflow):
    conns = [
        {
            "conn_id": "g",
            "conn_type": "google_cloud_platform",
            "login": "",
            "password": "pw-12345",
            "extra": json.dumps({"keyfile_dict": json.dumps({"private_key": "K"}), "n": "123"}),
        }
    ]
    text = ok(airflow.ask("cli_export", conns=conns, file_format="env"))
    imported = stored(airflow.ask("cli_import", text=text, suffix=".env"))
    assert lab_values(parse_text(text, "env")["g"]) == imported["g"]
    assert imported["g"]["login"] == "" and imported["g"]["extra"]["keyfile_dict"] == {"private_key": "K"}
