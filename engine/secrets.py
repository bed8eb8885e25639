"""The secrets lookup chain: where Airflow looks for a conn_id, in order.

Airflow asks each backend in turn: the environment variable ``AIRFLOW_CONN_<CONN_ID>`` (a URI,
or JSON when it starts with ``{``), then the metadata database. A backend that fails is logged
and skipped, as Airflow does; when none answers, Airflow raises
``The conn_id `X` isn't defined``. ``resolve_connection`` records every look-up it made.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from engine.connection import Connection, TaskConnection
from engine.errors import AirflowException, AirflowNotFoundException


class SecretsBackend(Protocol):
    source: str

    def where(self, conn_id: str) -> str: ...

    def get_connection(self, conn_id: str) -> Connection | None: ...


CONN_ENV_PREFIX = "AIRFLOW_CONN_"


def env_conn_id(name: str) -> str:
    """The conn_id an ``AIRFLOW_CONN_<ID>`` variable holds, as the backend looks it up (lower-cased)."""
    return name[len(CONN_ENV_PREFIX) :].lower()


def connection_from_text(text: str, conn_id: str | None, conn_class: type[Connection] = Connection) -> Connection:
    """A connection written as a URI or, when it starts with ``{``, as JSON: how Airflow reads an
    ``AIRFLOW_CONN_*`` value (``_deserialize_connection_value``), the CLI and the page's paste box."""
    text = text.strip()
    if text.startswith("{"):
        return conn_class.from_json(text, conn_id=conn_id)
    return conn_class.from_uri(text, conn_id=conn_id)


class EnvironmentVariablesBackend:
    """``AIRFLOW_CONN_<CONN_ID upper-cased>`` holding a URI or a JSON object."""

    source = "environment"

    def __init__(self, environ: Mapping[str, str] | None = None, conn_class: type[Connection] = Connection):
        self.environ = os.environ if environ is None else environ
        self.conn_class = conn_class  # a task reads it as airflow.sdk.Connection, a server as airflow.models

    def where(self, conn_id: str) -> str:
        return f"{CONN_ENV_PREFIX}{conn_id.upper()}"

    def get_connection(self, conn_id: str) -> Connection | None:
        value = self.environ.get(self.where(conn_id))
        return connection_from_text(value, conn_id, self.conn_class) if value else None

    def found(self) -> list[tuple[str, Connection | None, str | None]]:
        """Every ``AIRFLOW_CONN_*`` variable: (name, the connection, or the error reading it gives)."""
        found = []
        for name in sorted(n for n in self.environ if n.startswith(CONN_ENV_PREFIX)):
            conn_id = env_conn_id(name)
            try:
                found.append((name, self.get_connection(conn_id), None))
            except AirflowException as err:
                found.append((name, None, str(err)))
        return found


class MetastoreBackend:
    """The ``connection`` table of the metadata database."""

    source = "metastore"

    def __init__(self, store, for_task: bool = False):
        self.store = store
        self.for_task = for_task  # the API server sends the task the row's fields, decrypted

    def where(self, conn_id: str) -> str:
        return "metadata DB (read by the API server)" if self.for_task else "metadata DB"

    def get_connection(self, conn_id: str) -> Connection | None:
        conn = self.store.get(conn_id)
        return TaskConnection.received(conn) if conn is not None and self.for_task else conn


class FixedConnections:
    """Connections held in memory, answering ``get`` as the store does (no database, no key):
    the lesson's practice connections for runs that must not depend on anyone's edits."""

    def __init__(self, connections: dict[str, dict]):
        self.connections = {conn_id: Connection(conn_id=conn_id, **fields) for conn_id, fields in connections.items()}

    def get(self, conn_id: str) -> Connection | None:
        return self.connections.get(conn_id)


@dataclass(frozen=True)
class Lookup:
    """One backend asked for one conn_id: what it answered."""

    source: str
    where: str
    found: bool
    error: str | None = None


@dataclass(frozen=True)
class Resolution:
    """A resolved connection and the look-ups that led to it."""

    connection: Connection
    source: str
    where: str
    lookups: tuple[Lookup, ...] = field(default_factory=tuple)


class ConnectionNotFound(AirflowNotFoundException):
    def __init__(self, conn_id: str, lookups: tuple[Lookup, ...]):
        super().__init__(f"The conn_id `{conn_id}` isn't defined")
        self.conn_id = conn_id
        self.lookups = lookups


def default_backends(store, environ: Mapping[str, str] | None = None) -> list[SecretsBackend]:
    """The default order in a task: environment variables first, then the metadata database;
    what the task receives is an ``airflow.sdk.Connection`` (``TaskConnection``)."""
    return [EnvironmentVariablesBackend(environ, TaskConnection), MetastoreBackend(store, for_task=True)]


def resolve_connection(conn_id: str, backends: list[SecretsBackend]) -> Resolution:
    """Ask each backend in order; raise ``ConnectionNotFound`` with Airflow's text if none has it."""
    lookups: list[Lookup] = []
    for backend in backends:
        where = backend.where(conn_id)
        try:
            conn = backend.get_connection(conn_id)
        except AirflowException as err:  # Airflow logs and checks the next backend
            lookups.append(Lookup(backend.source, where, False, str(err)))
            continue
        lookups.append(Lookup(backend.source, where, conn is not None))
        if conn is not None:
            return Resolution(conn, backend.source, where, tuple(lookups))
    raise ConnectionNotFound(conn_id, tuple(lookups))
