"""Simulated provider hooks and the cloud they talk to: no network, Airflow's order and words.

Each hook reads a connection in the order its provider does (``GoogleBaseHook`` via the Google
credentials provider, ``AwsConnectionWrapper``, ``WasbHook.get_conn``; see
``data/airflow_notes.yaml`` for the lines quoted) and fails with the same words. Building a
client makes no network call: as in google-auth, boto3 and azure-identity, the credentials are
first used, and a token fetched, at the first request (``Cloud.call``). Where the lesson's model
closes the client, ``close()`` does (the ``airflow3`` run never calls it).
``Cloud`` stands in for the service and the worker: a scenario can make it reject credentials,
fail a job, or give the worker Application Default Credentials.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.connection import Connection
from engine.errors import AirflowException, CloudError, HookError

GOOGLE_PREFIX = "extra__google_cloud_platform__"
GOOGLE_KEY_OPTIONS = ("key_path", "keyfile_dict", "credential_config_file", "key_secret_name", "is_anonymous")
# google-auth's words when google.auth.default() finds nothing (google/auth/_default.py).
JOB_ID_UNSAFE = ":-+."  # BigQueryHook.generate_job_id: re.sub(r"[:\-+.]", "_", ...)
NO_ADC = (
    "Your default credentials were not found. To set up Application Default Credentials, see "
    "https://cloud.google.com/docs/authentication/external/set-up-adc for more information."
)


@dataclass
class Credentials:
    """What a hook built from a connection: never the secret itself, only where it came from."""

    kind: str  # e.g. "service account keyfile_dict"
    principal: str  # who the calls run as, e.g. the service account's e-mail ("" when unknown yet)
    scope: str | None  # the project (Google), region (AWS) or account URL (Azure)
    ambient: bool = False  # the worker's own identity (ADC, boto3's chain, DefaultAzureCredential)
    # How a request shows the cloud the credentials (the lesson's words for each: ``first_request``):
    # "token" (fetched at the first request), "aws_keys" (SigV4-signed), "aws_chain", "shared_key",
    # "sas", "connection_string", "anonymous"
    auth: str = "token"


@dataclass
class ClientSession:
    """A cloud client: built without a network call; its token is fetched at the first request."""

    client: str
    project: str | None
    principal: str
    session_id: str
    credential_source: str = ""  # how the hook built its credentials, e.g. "service account keyfile_dict"
    scope_name: str = "project"
    state: str = "open"
    ambient: bool = False
    auth: str = "token"  # Credentials.auth
    token: bool = False  # whether an access token has been fetched
    requests: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        """What the client is for, in words ("for project lab-practice-project", "with no region set"):
        a value of the run, which a page draws as text, so it holds no Markdown (a backtick here was
        drawn as a backtick)."""
        return f"for {self.scope_name} {self.project}" if self.project else f"with no {self.scope_name} set"

    def send(self, request: str) -> None:
        if self.state != "open":
            raise AirflowException(f"{self.client} {self.session_id} is closed; it cannot send {request}.")
        self.requests.append(request)

    def close(self) -> None:
        self.state = "closed"

    def __repr__(self) -> str:
        return f"{self.client}({self.scope_name}={self.project!r}, session={self.session_id}, {self.state})"


@dataclass
class Cloud:
    """The simulated cloud and worker. ``rejects_credentials`` / ``job_error`` are error texts;
    ``adc``: the worker's own Google identity (Application Default Credentials), if it has one."""

    rejects_credentials: str | None = None  # e.g. google.auth's RefreshError text
    job_error: str | None = None  # e.g. BigQuery's 400 error text
    new_id: Callable[[str], str] = lambda prefix: prefix
    adc: dict[str, str] | None = None  # {"principal": ..., "project": ...}
    run_start: str = "2026-01-01T00:00:02+00:00"  # the dag run's start date (BigQuery job ids use it)
    # (hook, connection) → the credentials it builds, or the error: a run's connections never change,
    # so each one's extra is parsed once per run, not once per task (a DAG may have thousands)
    built: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_scenario(cls, spec: dict[str, Any], new_id: Callable[[str], str]) -> Cloud:
        return cls(spec.get("rejects_credentials"), spec.get("job_error"), new_id, spec.get("adc"))

    def fetch_token(self, session: ClientSession) -> None:
        """The first request shows the cloud the credentials: a token credential fetches an access token
        (lazily, as google-auth does) and keeps it; a key signs each request, so none is kept."""
        if session.token:
            return
        if session.ambient and not session.principal:
            errors = {
                "boto3 S3 client": ("Unable to locate credentials", "NoCredentialsError"),
                "BlobServiceClient": (
                    "DefaultAzureCredential failed to retrieve a token from the included credentials.",
                    "ClientAuthenticationError",
                ),
            }
            raise CloudError(*errors.get(session.client, ("No credentials", "DefaultCredentialsError")))
        if self.rejects_credentials:
            raise CloudError(self.rejects_credentials, "RefreshError")
        session.token = session.auth == "token"

    def call(self, session: ClientSession, call: str, task_id: str, dag_id: str) -> str:
        """Send ``call``: the first request fetches a token; returns what the service answers."""
        session.send(call)
        self.fetch_token(session)
        if self.job_error:
            raise CloudError(self.job_error, "BadRequest")
        if call != "insert_job":
            return f"{call} succeeded (this call has no job id)"
        return "job " + bigquery_job_id(dag_id, task_id, self.run_start, self.new_id("uuid-"))


def bigquery_job_id(dag_id: str, task_id: str, run_start: str, uuid: str) -> str:
    """BigQueryHook.generate_job_id with force_rerun=True: md5 of a uuid4, after the run's start date."""
    job_id = f"airflow_{dag_id}_{task_id}_{run_start}_{hashlib.md5(uuid.encode()).hexdigest()}"
    for unsafe in JOB_ID_UNSAFE:  # four replaces: str.translate took ~2 µs a job
        job_id = job_id.replace(unsafe, "_")
    return job_id


class SimulatedHook:
    """What every simulated hook shares: credentials from a connection, then a client."""

    name = "hook"
    client = "client"
    scope_name = "project"
    falls_back_when_missing = False

    def __init__(self, cloud: Cloud):
        self.cloud = cloud

    def credentials(self, conn: Connection) -> Credentials:
        raise NotImplementedError

    def credentials_once(self, conn: Connection) -> Credentials:
        """``credentials(conn)``, built once per run for each connection (its error too)."""
        key = (type(self), id(conn))
        built = self.cloud.built.get(key)
        if built is None:
            try:
                built = self.credentials(conn)
            except HookError as err:
                built = err
            self.cloud.built[key] = built
        if isinstance(built, HookError):
            raise copy.copy(built)  # a fresh one each time: a raised error keeps its traceback
        return built

    def open_session(self, conn: Connection, session_id: str, client: str | None = None) -> ClientSession:
        """Build credentials from ``conn`` and a client (``client``: the operator's hook's, e.g. GCSHook's
        storage.Client; else this hook's): no network call yet."""
        creds = self.credentials_once(conn)
        return ClientSession(
            client or self.client,
            creds.scope,
            creds.principal,
            session_id,
            credential_source=creds.kind,
            scope_name=self.scope_name,
            ambient=creds.ambient,
            auth=creds.auth,
        )


def _field(extras: dict, name: str, prefix: str) -> Any:
    """``extras[name]``, else ``extras[prefix + name]``, as the providers' ``_get_field`` read them."""
    if name in extras:
        return extras[name] or None
    return extras.get(prefix + name) or None


class GoogleCloudHook(SimulatedHook):
    """Airflow's ``GoogleBaseHook`` (+ ``BigQueryHook``), simulated."""

    name = "Google Cloud hook (GoogleBaseHook)"
    client = "bigquery.Client"

    @staticmethod
    def get_field(extras: dict, name: str) -> Any:
        return _field(extras, name, GOOGLE_PREFIX)

    def credentials(self, conn: Connection) -> Credentials:
        extras = conn.extra_dejson
        get = lambda name: self.get_field(extras, name)  # noqa: E731
        keyfile_dict = get("keyfile_dict")
        if keyfile_dict and not isinstance(keyfile_dict, dict):
            try:
                keyfile_dict = json.loads(keyfile_dict)
            except (json.JSONDecodeError, TypeError):
                raise HookError("Invalid key JSON.") from None
        given = [name for name in GOOGLE_KEY_OPTIONS if (keyfile_dict if name == "keyfile_dict" else get(name))]
        if len(given) > 1:
            raise HookError(
                "The `keyfile_dict`, `key_path`, `credential_config_file`, `is_anonymous` and `key_secret_name` "
                f"fields are all mutually exclusive. Received options: {given}. Please provide only one value."
            )
        project = get("project")
        if get("is_anonymous"):
            return Credentials("anonymous credentials", "anonymous", project, auth="anonymous")
        key_path = get("key_path")
        if key_path:
            if str(key_path).endswith(".p12"):
                raise HookError("Legacy P12 key file are not supported, use a JSON key file.")
            if not str(key_path).endswith(".json"):
                raise HookError("Unrecognised extension for key file.")
            return Credentials(
                f"service account key file {key_path}", "the service account whose key is in that file", project
            )
        if get("key_secret_name"):
            return Credentials(
                f"key from Secret Manager secret {get('key_secret_name')}",
                "the service account whose key is in that secret",
                project,
            )
        if keyfile_dict:
            if not isinstance(keyfile_dict, dict):
                raise HookError("Invalid key JSON.")
            # google-auth's service-account loader: required fields first, then the private key
            missing = [f for f in ("client_email", "token_uri") if f not in keyfile_dict]
            if missing:
                raise HookError(
                    f"Service account info was not in the expected format, missing fields {', '.join(missing)}.",
                    "MalformedError",
                )
            if "private_key" not in keyfile_dict:
                raise HookError("The private_key field was not found in the service account info.", "MalformedError")
            if "-----BEGIN" not in str(keyfile_dict["private_key"]):  # cryptography cannot load it
                raise HookError("Could not deserialize key data.", "ValueError")
            return Credentials(
                "service account keyfile_dict", keyfile_dict["client_email"], project or keyfile_dict.get("project_id")
            )
        config = get("credential_config_file")
        if get("idp_issuer_url") or config:
            federation = "credential configuration (workload identity federation)"
            kind = "external identity provider" if get("idp_issuer_url") else federation
            if isinstance(config, str) and config.strip().startswith("{"):
                try:
                    config = json.loads(config)
                except json.JSONDecodeError:
                    raise HookError("File is not a valid json file.", "DefaultCredentialsError") from None
            audience = config.get("audience", "") if isinstance(config, dict) else str(config or "")
            return Credentials(kind, f"federated identity {audience}".strip(), project)
        # No key at all: google.auth.default(), the worker's own identity (Application Default Credentials).
        if not self.cloud.adc:
            raise HookError(NO_ADC, "DefaultCredentialsError")
        return Credentials(
            "Application Default Credentials (the worker's own identity)",
            self.cloud.adc["principal"],
            project or self.cloud.adc.get("project"),
            ambient=True,
        )


class AwsHook(SimulatedHook):
    """Airflow's ``AwsBaseHook`` (+ ``S3Hook``), simulated, in ``AwsConnectionWrapper``'s order:
    login and password as a pair, else ``aws_access_key_id``/``aws_secret_access_key`` in the extra,
    else boto3's default credential chain (which this worker does not have: the first request fails)."""

    name = "Amazon Web Services hook (AwsBaseHook)"
    client = "boto3 S3 client"
    scope_name = "region"
    falls_back_when_missing = True  # "Unable to find AWS Connection ID '...', switching to empty."

    def credentials(self, conn: Connection) -> Credentials:
        extra = conn.extra_dejson
        region = extra.get("region_name")
        if conn.login and conn.password:
            return Credentials("access key pair from login and password", str(conn.login), region, auth="aws_keys")
        if extra.get("aws_access_key_id") and extra.get("aws_secret_access_key"):
            return Credentials("access key pair from extra", str(extra["aws_access_key_id"]), region, auth="aws_keys")
        return Credentials("boto3's default credential chain", "", region, ambient=True, auth="aws_chain")


class WasbHook(SimulatedHook):
    """Airflow's ``WasbHook`` (Azure Blob Storage), simulated, in ``get_conn``'s order: extra
    ``connection_string``; ``tenant_id`` (service principal: login and password as client id and
    secret); public read; extra ``shared_access_key``; ``sas_token``; the password as the shared key;
    extra ``account_key``; else ``DefaultAzureCredential``."""

    name = "Azure Blob Storage hook (WasbHook)"
    client = "BlobServiceClient"
    scope_name = "account URL"
    PREFIX = "extra__wasb__"

    def credentials(self, conn: Connection) -> Credentials:
        extra = conn.extra_dejson
        get = lambda name: _field(extra, name, self.PREFIX)  # noqa: E731
        conn_str = get("connection_string")
        if conn_str:
            parts = dict(p.split("=", 1) for p in str(conn_str).split(";") if "=" in p)
            if not parts.get("AccountName") and not parts.get("BlobEndpoint"):
                raise HookError("Connection string is either blank or malformed.", "ValueError")
            account = parts.get("AccountName", "")
            return Credentials("connection string", account, parts.get("BlobEndpoint"), auth="connection_string")
        account_url = account_url_of(conn.host, conn.login)
        if get("tenant_id"):
            return Credentials("service principal (ClientSecretCredential)", str(conn.login or ""), account_url)
        # A key stands for the storage account itself: whoever holds it has the account's full rights.
        key_holder = "the storage account itself (its key grants full access)"
        if get("shared_access_key"):
            return Credentials("shared access key from extra", key_holder, account_url, auth="shared_key")
        if get("sas_token"):
            holder = "the SAS token's holder (with the rights it grants)"
            return Credentials("SAS token", holder, account_url, auth="sas")
        if conn.password:
            return Credentials("shared account key (password)", key_holder, account_url, auth="shared_key")
        if get("account_key"):
            return Credentials("account key from extra", key_holder, account_url, auth="shared_key")
        return Credentials("DefaultAzureCredential", "", account_url, ambient=True)


def account_url_of(host: str | None, login: str | None) -> str:
    """``parse_blob_account_url``: the host, else ``https://<login>.blob.core.windows.net/``."""
    url = host or f"https://{login}.blob.core.windows.net/"
    return url if "://" in url else "https://" + url


HOOKS: dict[str, type] = {"google": GoogleCloudHook, "aws": AwsHook, "azure": WasbHook}
HOOK_FOR_TYPE = {"google_cloud_platform": "google", "aws": "aws", "wasb": "azure"}
UNKNOWN_HOOK_TYPE = "Unknown hook type"  # Connection.get_hook()'s words when no provider has the type's hook


# The hook each type registers (the providers' get_provider_info.py) and the bases its source gives
# it beside the Task SDK's BaseHook: what common-sql's operator is handed by Connection.get_hook().
REGISTERED_HOOK = {
    "google_cloud_platform": ("airflow.providers.google.common.hooks.base_google.GoogleBaseHook", ()),
    "aws": ("airflow.providers.amazon.aws.hooks.base_aws.AwsGenericHook", ("typing.Generic",)),
    "wasb": ("airflow.providers.microsoft.azure.hooks.wasb.WasbHook", ()),
}
_BASE_HOOK_MRO = ("airflow.sdk.bases.hook.BaseHook", "airflow.sdk.definitions._internal.logging_mixin.LoggingMixin")


NOT_A_DB_HOOK = "You are trying to use `common-sql` with"  # how common-sql's refusal starts


def not_a_db_hook(conn_type: str) -> str:
    """common-sql's refusal (``BaseSQLOperator._hook``) of a hook that cannot run SQL: none of the
    cloud hooks is a ``DbApiHook``."""
    path, extra_bases = REGISTERED_HOOK[conn_type]
    name = path.rsplit(".", 1)[1]
    mro = ", ".join(f"<class '{c}'>" for c in (path, *_BASE_HOOK_MRO, *extra_bases, "object"))
    return (
        f"{NOT_A_DB_HOOK} {name}, but its provider does not support it. Please "
        "upgrade the provider to a version that supports `common-sql`. The hook class should be a subclass "
        f"of `airflow.providers.common.sql.hooks.sql.DbApiHook`. Got {name} Hook with class hierarchy: [{mro}]"
    )


def hook_for(provider: str, conn: Connection | None, cloud: Cloud):
    """The provider's hook. A generic (common-sql) operator asks ``Connection.get_hook()`` for the hook
    of the connection's type, and refuses it unless it runs SQL, which no simulated hook does."""
    if provider == "generic":
        conn_type = conn.conn_type if conn else None
        if conn_type not in HOOK_FOR_TYPE:
            raise HookError(f'{UNKNOWN_HOOK_TYPE} "{conn_type}"')
        raise HookError(not_a_db_hook(conn_type))
    return HOOKS[provider](cloud)


# What a real "Test" of each type does (it needs the network, which the lab never reaches).
REAL_TEST = {
    "google": "posts the access token to Google's tokeninfo endpoint",
    "aws": "calls STS GetCallerIdentity",
    "azure": "calls get_account_information() on the storage account",
}


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
    if creds.ambient:
        return False, conn.redact(
            f"{hook.name}: the connection holds no credentials, so the client would use the worker's own "
            f"({creds.kind}); this lab's worker has none, so the first request would fail."
        )
    found = f" ({hook.scope_name} {creds.scope})" if creds.scope else ""
    return True, conn.redact(
        f"{hook.name} built credentials from the {creds.kind}{found}. A real test {REAL_TEST[provider]}; "
        "the lab does not reach the network."
    )
