"""The Connections page's form, as data in, ``Connection`` out — with no Streamlit.

Each type's fields come from ``data/connection_types.yaml`` (Google Cloud, AWS, Azure Blob
Storage, and a generic form for any other type, which Airflow also accepts). A field a learner
gets wrong raises ``FieldError`` naming the field, so the page can show the message beside it.
"""

from __future__ import annotations

import json
from typing import Any

from engine.connection import Connection, validate_conn_id
from engine.errors import InvalidConnection
from engine.lessons import connection_types
from engine.store import check_lengths
from engine.values import validate_port


class FieldError(InvalidConnection):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def form_type(conn_type: str | None) -> str:
    """The form to use for a conn_type: its own, or the generic one."""
    return conn_type if conn_type in connection_types() else "generic"


def fields(conn_type: str | None) -> list[dict]:
    return connection_types()[form_type(conn_type)]["fields"]


def form_values(conn: Connection) -> dict[str, str]:
    """The form's starting values for an existing connection; secrets are left empty."""
    extra = conn.extra_dejson
    values: dict[str, str] = {}
    for spec in fields(conn.conn_type):
        if spec.get("secret"):
            values[spec["key"]] = ""
            continue
        if spec["key"].startswith("extra."):
            value = extra.get(spec["key"][6:])
        else:
            value = getattr(conn, spec["key"])
        values[spec["key"]] = (
            "" if value is None else (json.dumps(value) if isinstance(value, (dict, list)) else str(value))
        )
    shown = {spec["key"][6:] for spec in fields(conn.conn_type) if spec["key"].startswith("extra.")}
    rest = {k: v for k, v in extra.items() if k not in shown}
    values["extra"] = json.dumps(rest, indent=2) if rest else ""
    return values


def build_connection(
    conn_id: str,
    conn_type: str,
    values: dict[str, str],
    existing: Connection | None = None,
) -> Connection:
    """A Connection from the form's values. Empty secret fields keep ``existing``'s value."""
    try:
        validate_conn_id((conn_id or "").strip())
    except InvalidConnection as err:
        raise FieldError("conn_id", str(err)) from None
    conn_type = (conn_type or "").strip()
    if not conn_type:
        raise FieldError("conn_type", "Choose or type a connection type.")
    kept = existing.extra_dejson if existing else {}
    extra_text = (values.get("extra") or "").strip()
    try:
        extra: dict[str, Any] = json.loads(extra_text) if extra_text else {}
    except json.JSONDecodeError as err:
        raise FieldError(
            "extra", f"Extra is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})."
        ) from None
    if not isinstance(extra, dict):
        raise FieldError("extra", 'Extra must be a JSON object, e.g. {"region_name": "eu-west-1"}.')
    kwargs: dict[str, Any] = {"description": (values.get("description") or "").strip() or None}
    for spec in fields(conn_type):
        key = spec["key"]
        raw = values.get(key)
        raw = raw.strip() if isinstance(raw, str) and not spec.get("multiline") else raw
        if spec.get("secret") and not raw:
            raw = (
                (kept.get(key[6:]) if key.startswith("extra.") else getattr(existing, key, None)) if existing else None
            )
            if isinstance(raw, (dict, list)):
                raw = json.dumps(raw)
        if raw in (None, ""):
            continue
        if spec.get("json") and isinstance(raw, str):
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError as err:
                raise FieldError(key, f"{spec['label']} is not valid JSON: {err.msg} (line {err.lineno}).") from None
            if not isinstance(parsed, dict):
                raise FieldError(key, f"{spec['label']} must be a JSON object.")
        if key == "port":
            try:
                port = validate_port(raw)
            except InvalidConnection:
                raise FieldError("port", f"The port must be a whole number from 1 to 65535, not {raw!r}.") from None
            if port is not None and not 1 <= port <= 65535:
                raise FieldError("port", f"The port must be a whole number from 1 to 65535, not {raw!r}.")
            kwargs["port"] = port
        elif key.startswith("extra."):
            extra[key[6:]] = raw
        else:
            kwargs[key] = raw
    if "port" in values and form_type(conn_type) != "generic":
        kwargs.setdefault("port", None)
    conn = Connection(conn_id=conn_id.strip(), conn_type=conn_type, extra=extra or None, **kwargs)
    try:
        check_lengths(conn)
    except InvalidConnection as err:
        field = next(
            (
                f
                for f in ("conn_id", "conn_type", "host", "schema", "description", "login", "password", "extra")
                if f"The {f} is" in str(err)
            ),
            "conn_id",
        )
        raise FieldError(field, str(err)) from None
    return conn
