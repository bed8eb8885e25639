"""The secrets lookup chain: environment variables first, then the metadata database."""

from __future__ import annotations

import pytest

from engine.connection import Connection
from engine.secrets import ConnectionNotFound, default_backends, resolve_connection


def test_metadata_db_answers_when_no_env_var(lesson_store):
    res = resolve_connection("my_gcp_conn", default_backends(lesson_store, {}))
    # a task reads it through the API server, which reads the metadata DB
    assert res.source == "metastore" and res.where == "metadata DB (read by the API server)"
    assert [lk.found for lk in res.lookups] == [False, True]


def test_env_var_uri_wins_over_the_metadata_db(lesson_store):
    env = {"AIRFLOW_CONN_MY_GCP_CONN": "google-cloud-platform://?project=from-env"}
    res = resolve_connection("my_gcp_conn", default_backends(lesson_store, env))
    assert res.source == "environment" and res.where == "AIRFLOW_CONN_MY_GCP_CONN"
    assert res.connection.extra_dejson == {"project": "from-env"}
    assert len(res.lookups) == 1


def test_env_var_json_is_read_as_json(store):
    env = {"AIRFLOW_CONN_MY_AWS": ' {"conn_type": "aws", "login": "AKIA", "extra": {"region_name": "eu-west-1"}}'}
    conn = resolve_connection("my_aws", default_backends(store, env)).connection
    assert (conn.conn_id, conn.conn_type, conn.login, conn.extra_dejson) == (
        "my_aws",
        "aws",
        "AKIA",
        {"region_name": "eu-west-1"},
    )


def test_missing_conn_id_raises_airflows_words(store):
    with pytest.raises(ConnectionNotFound) as info:
        resolve_connection("my_gcp_conn", default_backends(store, {}))
    assert str(info.value) == "The conn_id `my_gcp_conn` isn't defined"
    assert [lk.where for lk in info.value.lookups] == [
        "AIRFLOW_CONN_MY_GCP_CONN",
        "metadata DB (read by the API server)",
    ]


def test_a_broken_env_var_is_skipped_like_airflow_does(lesson_store):
    env = {"AIRFLOW_CONN_MY_GCP_CONN": "not a uri"}
    res = resolve_connection("my_gcp_conn", default_backends(lesson_store, env))
    assert res.source == "metastore"
    assert "Invalid connection string" in res.lookups[0].error


def test_env_var_name_is_the_upper_cased_conn_id(store):
    store.add(Connection(conn_id="Mixed_Case", conn_type="http"))
    env = {"AIRFLOW_CONN_MIXED_CASE": "http://env-host"}
    assert resolve_connection("Mixed_Case", default_backends(store, env)).connection.host == "env-host"
