"""Real Airflow 3.3 answering the lab's questions: run inside the separate Airflow venv.

Not a test module: ``tests/airflow.py`` starts it with the venv's Python and speaks one JSON
request a line on stdin, one JSON answer a line on stdout. Every answer comes from Airflow's
own code (``airflow.models.Connection``, ``airflow.sdk.Connection``, the CLI's key rule, the REST
API's connection response with its secrets masker, ``airflow connections export/import``, a DAG's
and a task's id checks), so
the lab's tests compare it with what Airflow does, not with what the lab expects.

Answers are ``{"ok": value}`` or ``{"error": "ExceptionType: message"}``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import warnings

HOME = tempfile.mkdtemp(prefix="airflow-oracle-")
os.environ["AIRFLOW_HOME"] = HOME
os.environ["AIRFLOW__CORE__FERNET_KEY"] = "aGVyZS1pcy1hLWZlcm5ldC1rZXktZm9yLXRlc3RzLTE="
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{HOME}/airflow.db"
os.environ["AIRFLOW__LOGGING__LOGGING_LEVEL"] = "ERROR"
warnings.simplefilter("ignore")

from airflow._shared.secrets_masker import reset_secrets_masker  # noqa: E402
from airflow.api_fastapi.core_api.datamodels.connections import ConnectionResponse  # noqa: E402
from airflow.models.connection import Connection  # noqa: E402
from airflow.sdk import Connection as TaskConnection  # noqa: E402
from airflow.utils import helpers  # noqa: E402

FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")
_db_ready = False


def fields_of(conn) -> dict:
    return {f: getattr(conn, f) for f in ("conn_id", *FIELDS)}


def models_conn(fields: dict) -> Connection:
    return Connection(conn_id=fields.get("conn_id"), **{f: fields.get(f) for f in FIELDS})


def task_conn(fields: dict) -> TaskConnection:
    return TaskConnection(conn_id=fields.get("conn_id") or "c", **{f: fields.get(f) for f in FIELDS})


def _cli_key_rule(conn_id: str) -> None:
    """What `airflow connections add` and `import` check before anything else."""
    try:
        helpers.validate_key(conn_id, max_length=200)
    except Exception as err:
        raise SystemExit(f"Could not create connection. {err}") from None


def _migrate() -> None:
    global _db_ready
    if not _db_ready:
        from airflow.utils.db import initdb

        with contextlib.redirect_stdout(io.StringIO()):
            initdb()
        _db_ready = True


def cli_import(text: str, suffix: str) -> dict:
    """`airflow connections import FILE --overwrite` into an empty table: what it printed and stored."""
    from airflow.cli.commands.connection_command import _import_helper
    from airflow.utils.session import create_session
    from sqlalchemy import delete, select

    _migrate()
    with create_session() as session:
        session.execute(delete(Connection))
    with tempfile.NamedTemporaryFile("w", suffix=suffix, delete=False, encoding="utf-8") as fh:
        fh.write(text)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            _import_helper(fh.name, overwrite=True)
    finally:
        os.unlink(fh.name)
    with create_session() as session:
        stored = {c.conn_id: fields_of(c) for c in session.scalars(select(Connection))}
    return {"printed": out.getvalue(), "stored": stored}


def cli_export(conns: list[dict], file_format: str, serialization: str) -> str:
    from airflow.cli.commands.connection_command import _format_connections

    return _format_connections([models_conn(c) for c in conns], f".{file_format}", serialization)


def api_response(fields: dict) -> dict:
    """A stored connection as the REST API shows it (GET /api/v2/connections/{id})."""
    reset_secrets_masker()
    conn = models_conn({"conn_id": "c", **fields})
    conn.on_db_load()  # what loading the row registers with the masker
    data = ConnectionResponse.model_validate(conn).model_dump(by_alias=True)
    return {"password": data["password"], "extra": data["extra"]}


def mask_lines(secrets: list[str], lines: list[str]) -> list[str]:
    """Log lines as a task's log shows them once the secrets are registered with the masker
    (what ``_mask_connection_secrets`` does with a connection's password and extra)."""
    from airflow._shared import secrets_masker

    secrets_masker.reset_secrets_masker()
    for secret in secrets:
        secrets_masker.mask_secret(secret)
    return [secrets_masker.redact(line) for line in lines]


def chains() -> dict:
    from airflow.sdk.execution_time import secrets

    short = lambda paths: [p.rsplit(".", 1)[1] for p in paths]  # noqa: E731
    return {
        "worker": short(secrets.DEFAULT_SECRETS_SEARCH_PATH_WORKERS),
        "server": short(secrets._SERVER_DEFAULT_SECRETS_SEARCH_PATH),
    }


def task_reads_connection(conn_id: str, env: dict[str, str], lines: list[str]) -> dict:
    """A task process asks for ``conn_id`` (``airflow.sdk.execution_time.context._get_connection``,
    what a hook's ``get_connection`` calls) with ``env`` set in its environment. The supervisor's
    channel is a recorder, and answers every ``GetConnection`` with "not found". Returns what the task
    sent the supervisor, which backend's answer it used, what it raised, and ``lines`` as its log
    would show them afterwards."""
    from unittest import mock

    from airflow.sdk._shared.secrets_masker import redact
    from airflow.sdk._shared.secrets_masker import reset_secrets_masker as reset_task_masker
    from airflow.sdk.execution_time import context, task_runner
    from airflow.sdk.execution_time.comms import ErrorResponse
    from airflow.sdk.execution_time.secrets import DEFAULT_SECRETS_SEARCH_PATH_WORKERS

    reset_task_masker()
    comms = mock.Mock()
    comms.send.side_effect = lambda msg: ErrorResponse() if type(msg).__name__ == "GetConnection" else None
    found, raised = None, None
    with mock.patch.dict(os.environ, env), mock.patch.object(task_runner, "SUPERVISOR_COMMS", comms, create=True):
        try:
            found = context._get_connection(conn_id).conn_type
        except Exception as err:
            raised = f"{type(err).__name__}: {err}"
    return {
        "chain": [p.rsplit(".", 1)[1] for p in DEFAULT_SECRETS_SEARCH_PATH_WORKERS],
        "sent": [type(call.args[0]).__name__ for call in comms.send.call_args_list],
        "conn_type": found,
        "raised": raised,
        "log": [redact(line) for line in lines],
    }


def sql_operator_hook(conn_type: str, hook_class: str, bases: list[str]) -> str:
    """common-sql's ``SQLExecuteQueryOperator`` (installed in the venv from its wheel) asks for a
    connection of ``conn_type`` and is handed, by ``Connection.get_hook()``, a hook of class
    ``hook_class`` whose bases are the Task SDK's ``BaseHook`` and ``bases`` (the cloud providers are
    not installed, so a stand-in of that name and module is handed over). Returns what its ``_hook``
    raises, or "no error"."""
    import types
    from typing import Generic, TypeVar
    from unittest import mock

    from airflow.providers.common.compat.sdk import BaseHook
    from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
    from airflow.sdk.definitions.connection import Connection as SdkConnection

    known = {"typing.Generic": Generic[TypeVar("T")]}
    module, name = hook_class.rsplit(".", 1)
    cls = types.new_class(
        name, (BaseHook, *(known[b] for b in bases)), exec_body=lambda ns: ns.update(__module__=module)
    )
    env = {"AIRFLOW_CONN_SQL_CONN": json.dumps({"conn_type": conn_type})}
    with mock.patch.dict(os.environ, env), mock.patch.object(SdkConnection, "get_hook", lambda self, **kw: cls()):
        operator = SQLExecuteQueryOperator(task_id="q", conn_id="sql_conn", sql="SELECT 1")
        try:
            operator._hook  # noqa: B018 (a cached property: reading it asks for the hook)
        except Exception as err:
            return f"{type(err).__name__}: {err}"
    return "no error"


def task_states() -> list[str]:
    from airflow.utils.state import TaskInstanceState

    return [state.value for state in TaskInstanceState]


def test_connection_default() -> str:
    from airflow.configuration import conf

    return conf.get_default_value("core", "test_connection")


OPERATIONS = {
    "mask_lines": lambda r: mask_lines(r["secrets"], r["lines"]),
    "chains": lambda r: chains(),
    "task_states": lambda r: task_states(),
    "task_reads_connection": lambda r: task_reads_connection(r["conn_id"], r["env"], r["lines"]),
    "sql_operator_hook": lambda r: sql_operator_hook(r["conn_type"], r["hook_class"], r["bases"]),
    "test_connection_default": lambda r: test_connection_default(),
    "models_from_uri": lambda r: fields_of(Connection(conn_id=r.get("conn_id"), uri=r["uri"])),
    "task_from_uri": lambda r: fields_of(TaskConnection.from_uri(r["uri"], conn_id=r.get("conn_id") or "c")),
    "models_get_uri": lambda r: models_conn(r["fields"]).get_uri(),
    "task_get_uri": lambda r: task_conn(r["fields"]).get_uri(),
    "models_extra_dejson": lambda r: models_conn(r["fields"]).extra_dejson,
    "task_extra_dejson": lambda r: task_conn(r["fields"]).extra_dejson,
    "models_as_json": lambda r: models_conn(r["fields"]).as_json(),
    "models_from_json": lambda r: fields_of(Connection.from_json(r["json"], conn_id=r.get("conn_id"))),
    "task_from_json": lambda r: fields_of(TaskConnection.from_json(r["json"], conn_id=r.get("conn_id") or "c")),
    "cli_key_rule": lambda r: _cli_key_rule(r["conn_id"]),
    "api_response": lambda r: api_response(r["fields"]),
    "cli_export": lambda r: cli_export(r["conns"], r["file_format"], r.get("serialization", "uri")),
    "cli_import": lambda r: cli_import(r["text"], r["suffix"]),
    "dag_keys": lambda r: dag_keys(r["dag_id"], r["task_id"]),
}


def dag_keys(dag_id: str, task_id: str) -> list[str]:
    """A DAG of one task, built as a DAG file builds it: Airflow checks both ids as it parses."""
    from airflow.sdk import DAG, BaseOperator

    with DAG(dag_id) as dag:
        task = BaseOperator(task_id=task_id)
    return [dag.dag_id, task.task_id]


def answer(request: dict) -> dict:
    try:
        return {"ok": OPERATIONS[request["op"]](request)}
    except SystemExit as err:
        return {"error": f"SystemExit: {err}"}
    except Exception as err:  # the answer is the error Airflow raised
        return {"error": f"{type(err).__name__}: {err}"}


def main() -> None:
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(answer(json.loads(line)), default=str), flush=True)


if __name__ == "__main__":
    main()
