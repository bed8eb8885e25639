"""Simulated provider hooks and the cloud they talk to: no network, real lifecycles.

``GoogleCloudHook`` reads a connection the way Airflow's ``GoogleBaseHook`` does (``key_path``
or ``keyfile_dict``, ``project``, with or without the ``extra__google_cloud_platform__``
prefix) and fails with the same words. ``hook.open_session(conn)`` returns a ``ClientSession``
whose life is created → used → closed; ``close()`` is idempotent.
``Cloud`` stands in for the service: a scenario can make it reject credentials or fail a job.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.connection import Connection
from engine.errors import AirflowException, CloudError, HookError

GOOGLE_PREFIX = "extra__google_cloud_platform__"


@dataclass
class Credentials:
    """What a hook built from a connection: never the secret itself, only where it came from."""

    kind: str  # e.g. "service account keyfile_dict"
    principal: str  # e.g. the service account's e-mail
    project: str | None


@dataclass
class ClientSession:
    """A client session to a cloud service: open until ``close()``, which may be called twice."""

    client: str
    project: str | None
    principal: str
    session_id: str
    state: str = "open"
    requests: list[str] = field(default_factory=list)

    def send(self, request: str) -> None:
        if self.state != "open":
            raise AirflowException(f"{self.client} {self.session_id} is closed; it cannot send {request}.")
        self.requests.append(request)

    def close(self) -> None:
        self.state = "closed"

    def __repr__(self) -> str:
        return f"{self.client}(project={self.project!r}, session={self.session_id}, {self.state})"


@dataclass
class Cloud:
    """The simulated cloud service. ``rejects_credentials`` / ``job_error`` are error texts."""

    rejects_credentials: str | None = None  # e.g. google.auth's RefreshError text
    job_error: str | None = None  # e.g. BigQuery's 400 error text
    new_id: Callable[[str], str] = lambda prefix: prefix

    @classmethod
    def from_scenario(cls, spec: dict[str, Any], new_id: Callable[[str], str]) -> Cloud:
        return cls(spec.get("rejects_credentials"), spec.get("job_error"), new_id)

    def authenticate(self, credentials: Credentials) -> None:
        if self.rejects_credentials:
            raise CloudError(self.rejects_credentials, "RefreshError")

    def call(self, session: ClientSession, call: str, task_id: str, dag_id: str) -> str:
        session.send(call)
        if self.job_error:
            raise CloudError(self.job_error, "BadRequest")
        return self.new_id(f"airflow_{dag_id}_{task_id}_")


class GoogleCloudHook:
    """Airflow's ``GoogleBaseHook`` (+ ``BigQueryHook``), simulated."""

    name = "Google Cloud hook (GoogleBaseHook)"
    client = "bigquery.Client"

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    @staticmethod
    def get_field(extras: dict, name: str) -> Any:
        """``extras[name]``, else ``extras['extra__google_cloud_platform__' + name]``, as Airflow reads them."""
        if name in extras:
            return extras[name] or None
        return extras.get(GOOGLE_PREFIX + name) or None

    def credentials(self, conn: Connection) -> Credentials:
        extras = conn.extra_dejson
        key_path = self.get_field(extras, "key_path")
        keyfile_dict = self.get_field(extras, "keyfile_dict")
        project = self.get_field(extras, "project")
        if key_path and keyfile_dict:
            raise HookError(
                "The `keyfile_dict` and `key_path` fields are mutually exclusive. Please provide only one value."
            )
        if key_path:
            if str(key_path).endswith(".p12"):
                raise HookError("Legacy P12 key file are not supported, use a JSON key file.")
            if not str(key_path).endswith(".json"):
                raise HookError("Unrecognised extension for key file.")
            return Credentials(f"service account key file {key_path}", "service account from key file", project)
        if keyfile_dict:
            if not isinstance(keyfile_dict, dict):
                try:
                    keyfile_dict = json.loads(keyfile_dict)
                except (json.JSONDecodeError, TypeError):
                    raise HookError("Invalid key JSON.") from None
                if not isinstance(keyfile_dict, dict):
                    raise HookError("Invalid key JSON.")
            if "private_key" not in keyfile_dict:
                raise HookError("'private_key'", "KeyError")
            missing = [f for f in ("client_email", "token_uri") if f not in keyfile_dict]
            if missing:
                raise HookError(
                    "Service account info was not in the expected format, missing fields "
                    f"{', '.join(missing)}.",
                    "MalformedError",
                )
            if "-----BEGIN" not in str(keyfile_dict["private_key"]):
                raise HookError("No key could be detected.", "ValueError")
            return Credentials(
                "service account keyfile_dict",
                keyfile_dict["client_email"],
                project or keyfile_dict.get("project_id"),
            )
        raise HookError(
            "Your default credentials were not found. The connection has neither key_path nor "
            "keyfile_dict, and this worker has no Application Default Credentials.",
            "DefaultCredentialsError",
        )

    def open_session(self, conn: Connection, session_id: str) -> ClientSession:
        """Build credentials from ``conn``, authenticate, and return an open client session."""
        creds = self.credentials(conn)
        self.cloud.authenticate(creds)
        self.last_credentials = creds
        return ClientSession(self.client, creds.project, creds.principal, session_id)


HOOKS: dict[str, type] = {"google": GoogleCloudHook}
