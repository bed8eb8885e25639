"""Simulated provider hooks and the cloud they talk to: no network, real lifecycles.

``GoogleCloudHook`` reads a connection the way Airflow's ``GoogleBaseHook`` does (``key_path``
or ``keyfile_dict``, ``project``, with or without the ``extra__google_cloud_platform__``
prefix) and fails with the same words. ``hook.open_session(conn)`` returns a ``ClientSession``
whose life is created → used → closed; ``close()`` is idempotent.
``Cloud`` stands in for the service: a scenario can make it reject credentials or fail a job.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    credential_source: str = ""  # how the hook built its credentials, e.g. "service account keyfile_dict"
    state: str = "open"
    has_credentials: bool = True
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
        if not session.has_credentials:
            raise CloudError("Unable to locate credentials", "NoCredentialsError")
        if self.job_error:
            raise CloudError(self.job_error, "BadRequest")
        return self.new_id(f"airflow_{dag_id}_{task_id}_")


class SimulatedHook:
    """What every simulated hook shares: credentials from a connection, then a client session.

    A subclass says how it reads a connection (``credentials``); ``open_session`` authenticates
    with the cloud when there is a principal to authenticate, and returns an open session.
    """

    name = "hook"
    client = "client"
    falls_back_when_missing = False

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def credentials(self, conn: Connection) -> Credentials:
        raise NotImplementedError

    def open_session(self, conn: Connection, session_id: str) -> ClientSession:
        """Build credentials from ``conn``, authenticate, and return an open client session."""
        creds = self.credentials(conn)
        if creds.principal:
            self.cloud.authenticate(creds)
        return ClientSession(
            self.client,
            creds.project,
            creds.principal or "default chain",
            session_id,
            credential_source=creds.kind,
            has_credentials=bool(creds.principal),
        )


class GoogleCloudHook(SimulatedHook):
    """Airflow's ``GoogleBaseHook`` (+ ``BigQueryHook``), simulated."""

    name = "Google Cloud hook (GoogleBaseHook)"
    client = "bigquery.Client"

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
                    f"Service account info was not in the expected format, missing fields {', '.join(missing)}.",
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


class AwsHook(SimulatedHook):
    """Airflow's ``AwsBaseHook`` (+ ``S3Hook``), simulated.

    Reads the key pair from login/password (or ``aws_access_key_id``/``aws_secret_access_key``
    in extra) and ``region_name`` from extra. With neither, it falls back to boto3's default
    credential chain, which this worker does not have: the client is built, and the first call
    fails with botocore's "Unable to locate credentials".
    """

    name = "Amazon Web Services hook (AwsBaseHook)"
    client = "boto3 S3 client"
    falls_back_when_missing = True  # "Unable to find AWS Connection ID '...', switching to empty."

    def credentials(self, conn: Connection) -> Credentials:
        extra = conn.extra_dejson
        key_id = conn.login or extra.get("aws_access_key_id")
        secret = conn.password or extra.get("aws_secret_access_key")
        region = extra.get("region_name")
        if key_id and not secret:
            raise HookError(
                "aws_secret_access_key is missing: the connection has an access key id but no secret.", "ValueError"
            )
        if key_id:
            return Credentials("access key pair from the connection", str(key_id), region)
        return Credentials("boto3's default credential chain (none on this worker)", "", region)


class WasbHook(SimulatedHook):
    """Airflow's ``WasbHook`` (Azure Blob Storage), simulated.

    In the order the provider tries them: ``connection_string`` in extra; a shared key in the
    password with the account name in login (or the account URL in host); else
    ``DefaultAzureCredential``, which this worker does not have.
    """

    name = "Azure Blob Storage hook (WasbHook)"
    client = "BlobServiceClient"

    def credentials(self, conn: Connection) -> Credentials:
        extra = conn.extra_dejson
        conn_str = extra.get("connection_string")
        if conn_str:
            parts = dict(p.split("=", 1) for p in str(conn_str).split(";") if "=" in p)
            if not parts.get("AccountName") and not parts.get("BlobEndpoint"):
                raise HookError("Connection string is either blank or malformed.", "ValueError")
            return Credentials("connection string", parts.get("AccountName", parts.get("BlobEndpoint", "")), None)
        account_url = conn.host or (f"https://{conn.login}.blob.core.windows.net/" if conn.login else None)
        if not account_url:
            raise HookError(
                "The connection has no connection_string, no account name (login) and no account URL.", "ValueError"
            )
        if conn.password:
            return Credentials("shared account key", account_url, None)
        raise HookError(
            "DefaultAzureCredential failed to retrieve a token from the included credentials: this worker has "
            "no managed identity, environment credentials or Azure CLI login.",
            "ClientAuthenticationError",
        )


HOOKS: dict[str, type] = {"google": GoogleCloudHook, "aws": AwsHook, "azure": WasbHook}
HOOK_FOR_TYPE = {"google_cloud_platform": "google", "aws": "aws", "wasb": "azure"}


def hook_for(provider: str, conn: Connection | None, cloud: Cloud):
    """The provider's hook; for a generic operator, the hook of the connection's type (get_hook())."""
    if provider == "generic":
        conn_type = conn.conn_type if conn else None
        if conn_type not in HOOK_FOR_TYPE:
            raise HookError(f'Unknown hook type "{conn_type}"')
        provider = HOOK_FOR_TYPE[conn_type]
    return HOOKS[provider](cloud)


def test_connection(conn: Connection) -> tuple[bool, str]:
    """What the type's (simulated) hook says of a connection, without any network."""
    provider = HOOK_FOR_TYPE.get(conn.conn_type or "")
    if provider is None:
        return False, f'The lab has no simulated hook for conn_type "{conn.conn_type}", so it cannot be tested.'
    hook = HOOKS[provider](Cloud())
    try:
        creds = hook.credentials(conn)
    except HookError as err:
        return False, conn.redact(f"{hook.name} could not build credentials: {err.type_name}: {err}")
    if provider == "aws" and not creds.principal:
        return False, conn.redact(
            f"{hook.name}: no access key in the connection, so boto3 would use its default "
            "credential chain; this worker has none (Unable to locate credentials)."
        )
    found = f" ({creds.project})" if creds.project else ""
    return True, conn.redact(
        f"{hook.name} built credentials from the {creds.kind}{found}. A real test would now "
        "call the service; the lab does not reach the network."
    )
