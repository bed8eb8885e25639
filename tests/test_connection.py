"""Connection URIs and JSON, checked against the cases of Airflow's own test suite.

The cases below are carried over from apache/airflow ``airflow-core/tests/unit/always/
test_connection.py`` and ``airflow-core/tests/unit/models/test_connection.py``.
"""

from __future__ import annotations

import json
import re

import pytest

from engine.connection import Connection, TaskConnection, validate_conn_id
from engine.errors import InvalidConnection

# (uri, expected attributes) — Airflow's test_from_uri_params and test_parse_from_uri cases.
AIRFLOW_URI_CASES = [
    (
        "type://user:pass@host:100/schema",
        dict(conn_type="type", host="host", login="user", password="pass", port=100, schema="schema", extra_dejson={}),
    ),
    (
        "type://user:pass@host/schema",
        dict(conn_type="type", host="host", login="user", password="pass", port=None, schema="schema"),
    ),
    (
        "type://user:pass@host/schema?param1=val1&param2=val2",
        dict(conn_type="type", host="host", extra_dejson={"param1": "val1", "param2": "val2"}),
    ),
    ("type://host", dict(conn_type="type", host="host", login=None, password=None, port=None, schema="")),
    (
        "spark://mysparkcluster.com:80?deploy-mode=cluster&spark_binary=command&namespace=kube+namespace",
        dict(
            conn_type="spark",
            host="mysparkcluster.com",
            port=80,
            schema="",
            extra_dejson={"deploy-mode": "cluster", "spark_binary": "command", "namespace": "kube namespace"},
        ),
    ),
    (
        "spark://k8s://100.68.0.1:443?deploy-mode=cluster",
        dict(conn_type="spark", host="k8s://100.68.0.1", port=443, schema="", extra_dejson={"deploy-mode": "cluster"}),
    ),
    (
        "type://protocol://user:pass@host:123?param=value",
        dict(
            conn_type="type",
            host="protocol://host",
            login="user",
            password="pass",
            port=123,
            extra_dejson={"param": "value"},
        ),
    ),
    (
        "scheme://user:password@host%2Flocation:1234/schema",
        dict(conn_type="scheme", host="host/location", schema="schema", login="user", password="password")
        | dict(port=1234, extra=None),
    ),
    (
        "scheme://user:password@host%2Flocation:1234/schema?extra1=a%20value&extra2=%2Fpath%2F",
        dict(host="host/location", extra_dejson={"extra1": "a value", "extra2": "/path/"}),
    ),
    (
        "scheme://user:password@host%2Flocation:1234/schema?__extra__=%7B%22my_val%22%3A+%5B%22list%22%2C+%22of%22%2C"
        "+%22values%22%5D%2C+%22extra%22%3A+%7B%22nested%22%3A+%7B%22json%22%3A+%22val%22%7D%7D%7D",
        dict(
            host="host/location",
            extra_dejson={"my_val": ["list", "of", "values"], "extra": {"nested": {"json": "val"}}},
        ),
    ),
    (
        "scheme://user:password@host%2Flocation:1234/schema?extra1=a%20value&extra2=",
        dict(extra_dejson={"extra1": "a value", "extra2": ""}),
    ),
    (
        "scheme://user:password@host%2Flocation%3Ax%3Ay:1234/schema?extra1=a%20value&extra2=%2Fpath%2F",
        dict(host="host/location:x:y", extra_dejson={"extra1": "a value", "extra2": "/path/"}),
    ),
    (
        "scheme://user:password%20with%20space@host%2Flocation%3Ax%3Ay:1234/schema",
        dict(host="host/location:x:y", password="password with space"),
    ),
    ("scheme://domain%2Fuser:password@host%2Flocation%3Ax%3Ay:1234/schema", dict(login="domain/user")),
    ("scheme://user:password%20with%20space@host:1234/schema%2Ftest", dict(schema="schema/test")),
    ("scheme://user:password%20with%20space@host:1234", dict(schema="", port=1234)),
    (
        "google-cloud-platform://?key_path=%2Fkeys%2Fkey.json&scope=https%3A%2F%2Fwww.googleapis.com%2Fauth%2F"
        "cloud-platform&project=airflow",
        dict(
            conn_type="google_cloud_platform",
            host="",
            schema="",
            login=None,
            password=None,
            port=None,
            extra_dejson={
                "key_path": "/keys/key.json",
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "project": "airflow",
            },
        ),
    ),
    ("scheme://host:1234", dict(host="host", port=1234, login=None, password=None)),
    ("scheme://%2FTmP%2F:1234", dict(host="/TmP/", port=1234)),
    ("scheme:///airflow", dict(schema="airflow")),
    ("scheme://@:1234", dict(port=1234)),
    ("scheme://:password%2F%21%40%23%24%25%5E%26%2A%28%29%7B%7D@", dict(password="password/!@#$%^&*(){}")),
    ("scheme://login%2F%21%40%23%24%25%5E%26%2A%28%29%7B%7D@", dict(login="login/!@#$%^&*(){}")),
    (
        "scheme://host/schema?valid_json=%7B%22key%22%3A%22val%22%7D&invalid_json=just_a_string&empty_val=",
        dict(extra_dejson={"valid_json": {"key": "val"}, "invalid_json": "just_a_string", "empty_val": ""}),
    ),
    # test_connection_from_with_auth_info
    ("http://:password@host:80/database", dict(login="", password="password", host="host", port=80, schema="database")),
    ("http://user:@host:80/database", dict(login="user", password=None, host="host", port=80)),
    ("http://user:password@/database", dict(login="user", password="password", host="", port=None)),
    ("http://user:password@host:80/", dict(host="host", port=80, schema="")),
    ("http://user:password@/", dict(host="", schema="")),
    (
        "postgresql://user:password@%2Ftmp%2Fz6rqdzqh%2Fexample%3Awest1%3Atestdb/testdb",
        dict(conn_type="postgres", host="/tmp/z6rqdzqh/example:west1:testdb", schema="testdb"),
    ),
    (
        "postgresql://user@%2Ftmp%2Fz6rqdzqh%2Fexample%3Aeurope-west1%3Atestdb/testdb",
        dict(conn_type="postgres", login="user", password=None, host="/tmp/z6rqdzqh/example:europe-west1:testdb"),
    ),
    (
        "postgresql://%2Ftmp%2Fz6rqdzqh%2Fexample%3Aeurope-west1%3Atestdb",
        dict(conn_type="postgres", login=None, host="/tmp/z6rqdzqh/example:europe-west1:testdb", schema=""),
    ),
    ("spark://k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster", dict(host="k8s://100.68.0.1", port=443)),
    (
        "spark://user:password@k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster",
        dict(login="user", password="password", host="k8s://100.68.0.1", port=443),
    ),
    ("spark://user@k8s%3a%2F%2F100.68.0.1:443?deploy-mode=cluster", dict(login="user", host="k8s://100.68.0.1")),
    ("spark://k8s%3a%2F%2Fno.port.com?deploy-mode=cluster", dict(host="k8s://no.port.com", port=None)),
    # test_using_env_var
    (
        "postgresql://username:password%21@ec2.compute.com:5432/the_database",
        dict(conn_type="postgres", host="ec2.compute.com", schema="the_database", login="username", port=5432)
        | dict(password="password!"),
    ),
]


@pytest.mark.parametrize("uri, expected", AIRFLOW_URI_CASES, ids=[c[0][:60] for c in AIRFLOW_URI_CASES])
def test_uri_parses_as_airflow_parses_it(uri, expected):
    conn = Connection.from_uri(uri)
    for attr, value in expected.items():
        assert getattr(conn, attr) == value, attr


# Airflow's test_connection_get_uri cases: type, port 100, schema and two plain extras, with...
@pytest.mark.parametrize(
    "fields, expected_uri",
    [
        (dict(login="user", password="pass", host="host"), "type://user:pass@host:100/schema?param1=val1&param2=val2"),
        (dict(host="protocol://host"), "type://protocol://host:100/schema?param1=val1&param2=val2"),
        (
            dict(login="user", password="pass", host="protocol://host"),
            "type://protocol://user:pass@host:100/schema?param1=val1&param2=val2",
        ),
    ],
)
def test_get_uri_matches_airflow(fields, expected_uri):
    conn = Connection(conn_type="type", port=100, schema="schema", extra={"param1": "val1", "param2": "val2"}, **fields)
    assert conn.get_uri() == expected_uri


@pytest.mark.parametrize("conn_type, host", [("http", "http://host"), ("spark", "k8s://100.68.0.1:443")])
def test_host_with_protocol_is_recovered(conn_type, host):
    original = Connection(conn_id="test", conn_type=conn_type, host=host)
    recovered = Connection.from_uri(original.get_uri())
    assert (recovered.conn_type, recovered.host) == (original.conn_type, original.host)


def test_nested_extra_uses_the_extra_parameter():
    conn = Connection(conn_type="http", extra={"headers": {"X": "1"}, "list": [1, 2]})
    assert Connection.from_uri(conn.get_uri()).extra_dejson == {"headers": {"X": "1"}, "list": [1, 2]}


def test_extra_dejson_parses_json_objects_in_extra():
    extra = (
        '{"trust_env": false, "verify": false, "stream": true, "headers":'
        '{\r\n "Content-Type": "application/json",\r\n  "X-Requested-By": "Airflow"\r\n}}'
    )
    conn = Connection(conn_id="pokeapi", conn_type="http", extra=extra)
    assert conn.extra_dejson == {
        "trust_env": False,
        "verify": False,
        "stream": True,
        "headers": {"Content-Type": "application/json", "X-Requested-By": "Airflow"},
    }


@pytest.mark.parametrize(
    "conn_type_in, conn_type_out", [("abc-abc", "abc_abc"), ("abc_abc", "abc_abc"), ("postgresql", "postgres")]
)
def test_json_conn_type_is_normalized(conn_type_in, conn_type_out):
    assert Connection.from_json(json.dumps({"conn_type": conn_type_in})).conn_type == conn_type_out


@pytest.mark.parametrize(
    "extra, expected",
    [
        ('{"extra": null}', None),
        ('{"extra": {"yo": "hi"}}', '{"yo": "hi"}'),
        ('{"extra": "{\\"yo\\": \\"hi\\"}"}', '{"yo": "hi"}'),
    ],
)
def test_json_extra_may_be_an_object_or_its_text(extra, expected):
    assert Connection.from_json(extra).extra == expected


# Airflow's from_json drops a falsy port before int(): 0 becomes None, "0" becomes 0.
@pytest.mark.parametrize(
    "val, expected",
    [
        ('{"port": 0}', None),
        ('{"port": 1}', 1),
        ('{"port": "1"}', 1),
        ('{"port": "0"}', 0),
        ('{"port": ""}', None),
        ('{"port": null}', None),
    ],
)
def test_json_port(val, expected):
    assert Connection.from_json(val).port == expected


@pytest.mark.parametrize(
    "val", ['{"port": -1}', '{"port": 65536}', '{"port": 1.5}', '{"port": "1.5"}', '{"port": "http"}']
)
def test_json_rejects_an_invalid_port(val):
    with pytest.raises(InvalidConnection, match="port"):
        Connection.from_json(val)


@pytest.mark.parametrize("val, expected", [('pass :/!@#$%^&*(){}"', 'pass :/!@#$%^&*(){}"'), (None, None), ("", None)])
def test_json_password_special_characters(val, expected):
    assert Connection.from_json(json.dumps({"password": val})).password == expected


def test_as_json_round_trips_and_leaves_out_conn_id():
    conn = Connection(
        conn_id="c", conn_type="aws", login="AKIA", password="s/e+c r=t", extra={"region_name": "eu-west-1"}
    )
    data = json.loads(conn.as_json())
    assert "conn_id" not in data and data["extra"] == {"region_name": "eu-west-1"}
    assert Connection.from_json(conn.as_json(), conn_id="c") == conn


@pytest.mark.parametrize(
    "conn_id", ["12312312312213___12312321", "a_valid_conn_id_!!##", "a_-.11", "my_gcp_conn", "path/like:id\\x(1)"]
)
def test_the_models_wider_conn_id_rule_keeps_ids_read_back(conn_id):
    assert Connection(conn_id=conn_id, conn_type="http").conn_id == conn_id


@pytest.mark.parametrize("conn_id", ["<script>alert(1)</script>", "has space", "x" * 251, "", "abc\n"])
def test_an_id_airflow_would_silently_drop_or_cut_is_an_error(conn_id):
    with pytest.raises(InvalidConnection, match="not one Airflow can hold"):
        Connection(conn_id=conn_id, conn_type="http")


@pytest.mark.parametrize(
    "conn_id, words",
    [
        ("a b", "The key 'a b' has to be made of alphanumeric characters, dashes, dots and underscores exclusively"),
        ("path/like", "has to be made of alphanumeric"),
        ("a..b", "must not contain consecutive dots"),
        ("x" * 201, "has to be less than 200 characters"),
        ("", "The key '' has to be made of"),
        ("abc\n", "has to be made of"),
    ],
)
def test_a_new_conn_id_follows_the_clis_rule(conn_id, words):
    with pytest.raises(InvalidConnection, match=re.escape("Could not create connection. ") + ".*" + re.escape(words)):
        validate_conn_id(conn_id)


def test_200_characters_is_the_longest_new_conn_id():
    assert validate_conn_id("x" * 200) == "x" * 200


@pytest.mark.parametrize(
    "uri, words",
    [
        ("type://user:pass@protocol://host:port?param=value", "Invalid connection string: type://***@protocol"),
        ("a://b://c://d", "Invalid connection string"),
        ("mysql://host:notaport/db", "port must be an integer"),
        ("mysql://host:70000/db", "port must be an integer"),
        ("just-a-host", "starts with the connection type"),
        ("", "empty"),
    ],
)
def test_malformed_uri_says_what_is_wrong(uri, words):
    with pytest.raises(InvalidConnection, match=words.replace("*", r"\*")):
        Connection.from_uri(uri)


def test_error_about_a_uri_never_shows_its_password():
    with pytest.raises(InvalidConnection) as info:
        Connection.from_uri("mysql://admin:hunter2secret@host:bad/db?api_key=k3yk3y")
    assert "hunter2secret" not in str(info.value) and "k3yk3y" not in str(info.value)


@pytest.mark.parametrize(
    "extra, words",
    [
        ("[1, 2]", "does not parse as a dictionary"),
        ("{not json", "non-JSON"),
        ('"text"', "does not parse as a dictionary"),
    ],
)
def test_extra_must_be_a_json_object(extra, words):
    with pytest.raises(InvalidConnection, match=words):
        Connection(conn_id="c", conn_type="http", extra=extra)


def test_invalid_connection_json_is_reported():
    with pytest.raises(InvalidConnection, match="not valid JSON"):
        Connection.from_json("{conn_type: http}")
    with pytest.raises(InvalidConnection, match="Unknown connection field"):
        Connection.from_json('{"conn_type": "http", "hots": "typo"}')


# The reproducers, each as real Airflow 3.3.2 answered it (test_airflow_differential.py
# asks Airflow itself about these and thousands more).
def test_get_uri_uses_the_extra_parameter_unless_every_extra_value_is_a_string():
    typed = Connection(conn_type="http", host="h", extra={"flag": False, "n": "123"})
    assert typed.get_uri() == "http://h/?__extra__=%7B%22flag%22%3A+false%2C+%22n%22%3A+%22123%22%7D"
    assert Connection(conn_type="http", host="h", extra={"a": "1", "b": "x y"}).get_uri() == "http://h/?a=1&b=x+y"


def test_a_task_reads_query_values_as_strings_and_the_metadata_db_decodes_them():
    assert Connection.from_uri("http://h/?timeout=30&flag=false").extra_dejson == {"timeout": 30, "flag": False}
    assert TaskConnection.from_uri("http://h/?timeout=30&flag=false").extra_dejson == {"timeout": "30", "flag": "false"}


def test_extra_dejson_does_not_decode_values_again():
    conn = Connection(conn_type="http", extra={"timeout": "30", "keyfile_dict": '{"a": 1}'})
    assert conn.extra_dejson == {"timeout": "30", "keyfile_dict": '{"a": 1}'}


def test_a_host_is_lower_cased_as_airflow_reads_it():
    assert Connection.from_uri("sftp://u@MyHost/x").host == "myhost"
    assert Connection.from_uri("scheme://%2FTmP%2F:1234").host == "/TmP/"  # with a "/": kept


def test_empty_user_info_is_an_empty_login():
    assert Connection.from_uri("sftp://@:22").login == ""


def test_as_json_prunes_none_only():
    assert json.loads(Connection.from_uri("aws://").as_json()) == {"conn_type": "aws", "host": "", "schema": ""}
    assert json.loads(Connection(conn_type="aws", login="").as_json()) == {"conn_type": "aws", "login": ""}


def test_a_uri_with_no_connection_type_is_read_as_airflow_reads_it():
    conn = Connection.from_uri("//abc")
    assert (conn.conn_type, conn.host) == ("", "abc")


def test_an_empty_password_is_no_password_in_the_db_but_stays_empty_in_a_task():
    assert Connection.from_uri("http://user:@host").password is None
    assert TaskConnection.from_uri("http://user:@host").password == ""
