"""Connections in and out of the store in the file formats of ``airflow connections``.

``export_text`` writes what ``airflow connections export`` writes (JSON or YAML: conn_id →
fields with ``extra`` as text; ``.env``: one ``conn_id=<URI or JSON>`` line each), and
``parse_file`` reads what ``airflow connections import`` reads (the local-filesystem secrets
backend's formats: a value may be a URI string or a dict of fields, ``extra`` or
``extra_dejson``). Errors name the connection and say what is wrong, never a secret.
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from engine.connection import Connection
from engine.errors import AirflowException, InvalidConnection

FILE_FORMATS = ("json", "yaml", "env")
FIELDS = ("conn_type", "description", "login", "password", "host", "port", "schema", "extra")


def _to_dict(conn: Connection) -> dict[str, Any]:
    return {field: getattr(conn, field) for field in FIELDS}


def export_text(conns: list[Connection], file_format: str = "json", serialization: str = "uri") -> str:
    """The text of an export file, as ``airflow connections export`` writes it."""
    if file_format == "env":
        serialize = (lambda c: json.dumps(_to_dict(c))) if serialization == "json" else Connection.get_uri
        return "".join(f"{c.conn_id}={serialize(c)}\n" for c in conns)
    data = {c.conn_id: _to_dict(c) for c in conns}
    if file_format == "yaml":
        return yaml.safe_dump(data, sort_keys=False)
    if file_format == "json":
        return json.dumps(data, indent=2)
    raise AirflowException(f"Unsupported file format. The file must have one of the extensions: {FILE_FORMATS}.")


def env_line(conn: Connection) -> str:
    """``AIRFLOW_CONN_<ID>=<URI>``: the connection as an environment variable."""
    return f"AIRFLOW_CONN_{conn.conn_id.upper()}='{conn.get_uri()}'"


def file_format_of(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = {"yml": "yaml"}.get(suffix, suffix)
    if fmt not in FILE_FORMATS:
        raise AirflowException(
            f"Unsupported file format. The file must have the extension .env, .json, .yaml or .yml, not {name!r}."
        )
    return fmt


def connection_from_value(conn_id: str, value: Any) -> Connection:
    """One entry of an import file: a URI string, or a dict of connection fields."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("{"):
            return Connection.from_json(text, conn_id=conn_id)
        return Connection.from_uri(text, conn_id=conn_id)
    if not isinstance(value, dict):
        raise InvalidConnection(f"Connection `{conn_id}`: expected a URI or an object, got {type(value).__name__}.")
    allowed = set(FIELDS) | {"conn_id", "extra_dejson"}
    illegal = set(value) - allowed
    if illegal:
        raise InvalidConnection(
            f"Connection `{conn_id}`: the object has illegal keys: {', '.join(sorted(illegal))}. "
            f"The dictionary can only contain the following keys: {', '.join(sorted(allowed))}."
        )
    fields = dict(value)
    if "extra" in fields and "extra_dejson" in fields:
        raise InvalidConnection(
            f"Connection `{conn_id}`: the extra and extra_dejson parameters are mutually exclusive."
        )
    if "extra_dejson" in fields:
        fields["extra"] = fields.pop("extra_dejson")
    if fields.pop("conn_id", conn_id) != conn_id:
        raise InvalidConnection(f"Connection `{conn_id}`: the conn_id in the object differs from its key.")
    return Connection(conn_id=conn_id, **fields)


def parse_text(text: str, file_format: str) -> dict[str, Connection]:
    """Every connection in an import file's text; the first problem raises, naming its line or id."""
    entries: dict[str, Any] = {}
    if file_format == "env":
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "=" not in line:
                raise InvalidConnection(f"Line {number}: expected KEY=VALUE, got a line without '='.")
            key, value = (part.strip() for part in line.split("=", 1))
            if key in entries:
                raise InvalidConnection(f"Line {number}: the conn_id {key!r} appears twice.")
            entries[key] = value
    else:
        try:
            data = json.loads(text) if file_format == "json" else yaml.safe_load(text)
        except (json.JSONDecodeError, yaml.YAMLError) as err:
            where = f" (line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
            raise InvalidConnection(f"The file is not valid {file_format.upper()}{where}.") from None
        if not isinstance(data, dict):
            raise InvalidConnection("The file must hold an object mapping each conn_id to its connection.")
        entries = data
    conns = {}
    for conn_id, value in entries.items():
        try:
            conns[conn_id] = connection_from_value(str(conn_id), value)
        except InvalidConnection as err:
            message = str(err)
            raise InvalidConnection(message if f"`{conn_id}`" in message else f"Connection `{conn_id}`: {message}") from None
    return conns
