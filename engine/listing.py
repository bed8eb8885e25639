"""The connections a learner sees listed: every stored row and every ``AIRFLOW_CONN_*``
variable, secrets masked, and a row that cannot be decrypted shown as such (never as a crash).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from engine.errors import AirflowException
from engine.secrets import EnvironmentVariablesBackend, env_conn_id

UNREADABLE = "(cannot decrypt)"


def connection_rows(store, environ: Mapping[str, str] | None = None) -> tuple[list[dict], list[str]]:
    """(rows for the list, error messages of rows that cannot be read), metadata DB first."""
    rows, errors = [], []
    for raw in store.rows():
        row = {
            "conn_id": raw.conn_id,
            "conn_type": raw.conn_type,
            "host": raw.host or "",
            "description": raw.description or "",
            "source": "metadata DB",
        }
        try:
            masked = store.get(raw.conn_id).masked_dict()
        except AirflowException as err:
            errors.append(str(err))
            rows.append({**row, "password": UNREADABLE, "extra": UNREADABLE})
            continue
        rows.append({**row, "password": masked["password"] or "", "extra": _extra_text(masked["extra"])})
    for name, conn, error in EnvironmentVariablesBackend(environ).found():
        masked = conn.masked_dict() if conn else {}
        rows.append(
            {
                "conn_id": env_conn_id(name),
                "conn_type": masked.get("conn_type") or "?",
                "host": masked.get("host") or "",
                "description": error or "",
                "source": f"environment ({name})",
                "password": masked.get("password") or "",
                "extra": _extra_text(masked.get("extra")),
            }
        )
    return rows, errors


def _extra_text(extra: dict | None) -> str:
    return json.dumps(extra) if extra else ""
