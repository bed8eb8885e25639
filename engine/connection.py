"""An Airflow 3.3 connection: its fields, URI format, JSON format and conn_id rules.

Airflow 3.3 has two ``Connection`` classes, and the lab mirrors each where Airflow uses it:

- ``Connection`` mirrors ``airflow.models.Connection`` (the metadata DB, the CLI, the API
  server). The lab's store, CLI and pages use it. Its ``from_uri`` JSON-decodes each query
  value (``?timeout=30`` gives ``30``); its ``get_uri`` writes plain query parameters only when
  every extra value is a ``str``, else ``__extra__=<JSON>``; an empty password is no password.
- ``TaskConnection`` mirrors ``airflow.sdk.Connection``: what a task's hook receives, and so
  the run's ``connection_details``. Its ``from_uri`` keeps query values as strings
  (``?timeout=30`` gives ``"30"``), its ``get_uri`` writes plain parameters whenever they read
  back the same, and an empty password stays ``""``.

Both read ``extra_dejson`` with a plain ``json.loads`` (values are not decoded again), lower-case
a URI's host unless it holds a ``/``, and prune only ``None`` from ``as_json``.
``tests/test_airflow_differential.py`` compares all of this with Airflow's own classes.

Where Airflow silently drops or changes input, the lab refuses it with a clear message instead
(``InvalidConnection``); each case is named where it is checked:

- a URI with no ``://`` that does not start with ``//`` (Airflow reads ``just-a-host`` as the
  schema ``ust-a-host``), or an empty URI (Airflow makes an empty connection);
- a conn_id that ``airflow connections add``/``import`` and the REST API refuse
  (``^[\\w.-]+$``, at most 200 characters, no ``..``), or that ends in a newline (Airflow's
  ``$`` matches before it and then keeps the id without it);
- a port that is not an ASCII whole number from 0 to 65535 (Airflow's ``int()`` takes
  ``"٣"`` as 3 and ``1.5`` as 1, and stores 99999).
"""

from __future__ import annotations

import json
import re
from typing import Any

from engine.errors import AirflowException, InvalidConnection
from engine.masking import MASK, mask_connection_extra, redact, secrets_of
from engine.uri import build_uri, normalize_conn_type, parse_uri
from engine.values import TEXT_FIELDS, check_text, extra_text, strict_json, validate_port

# The CLI's and REST API's rule for a new conn_id (airflow.utils.helpers.validate_key).
KEY_REGEX = re.compile(r"^[\w.-]+$")
CONN_ID_MAX_LEN = 200
# The model's own, wider rule (airflow.models.connection.RE_SANITIZE_CONN_ID), for ids read back.
RE_SANITIZE_CONN_ID = re.compile(r"[\w#!()\-.:/\\]+")
MODEL_CONN_ID_MAX_LEN = 250
# Every field of a connection, in Airflow's order (``airflow.models.Connection.__init__``).
FIELDS = ("conn_id", "conn_type", "description", "host", "login", "password", "schema", "port", "extra")
# The fields besides conn_id, in the order ``airflow connections export`` writes them.
EXPORT_FIELDS = ("conn_type", "description", "login", "password", "host", "port", "schema", "extra")


def validate_conn_id(conn_id: Any) -> str:
    """Return ``conn_id`` if ``airflow connections add``/``import`` would accept it; else raise
    with Airflow's words. Every write to the store checks it."""
    if not isinstance(conn_id, str):
        raise InvalidConnection(
            f"Could not create connection. The key has to be a string and is {type(conn_id)}:{conn_id}"
        )
    if len(conn_id) > CONN_ID_MAX_LEN:
        raise InvalidConnection(
            f"Could not create connection. The key: {conn_id} has to be less than {CONN_ID_MAX_LEN} characters"
        )
    alphabet = (
        f"Could not create connection. The key {conn_id!r} has to be made of alphanumeric characters, "
        "dashes, dots and underscores exclusively"
    )
    if not KEY_REGEX.match(conn_id):  # Airflow's check, with "$" (which also matches before a final "\n")
        raise InvalidConnection(alphabet)
    if ".." in conn_id:
        raise InvalidConnection(
            f"Could not create connection. The key {conn_id!r} must not contain consecutive dots ('..') "
            "to prevent path traversal"
        )
    if not KEY_REGEX.fullmatch(conn_id):  # "a\n": Airflow takes it and stores "a"; the lab refuses
        raise InvalidConnection(alphabet)
    return conn_id


def sanitize_conn_id(conn_id: str) -> str:
    """The model's rule: where Airflow silently sets conn_id to ``None``, the lab raises."""
    if (
        not isinstance(conn_id, str)
        or len(conn_id) > MODEL_CONN_ID_MAX_LEN
        or not RE_SANITIZE_CONN_ID.fullmatch(conn_id)
    ):
        raise InvalidConnection(
            f"The conn_id {conn_id!r} is not one Airflow can hold: at most {MODEL_CONN_ID_MAX_LEN} letters, digits "
            "and the symbols _ # ! ( ) - . : / \\."
        )
    return conn_id


def _validate_extra(extra: str, conn_id: str | None) -> None:
    try:
        parsed = strict_json(extra, "extra")
    except InvalidConnection:
        raise
    except RecursionError:
        raise InvalidConnection(f"The `extra` of connection {conn_id!r} nests too deeply to read.") from None
    except ValueError:
        raise InvalidConnection(f"Encountered non-JSON in `extra` field for connection {conn_id!r}.") from None
    if not isinstance(parsed, dict):
        raise InvalidConnection(
            "Encountered JSON value in `extra` which does not parse as a dictionary in "
            f"connection {conn_id!r}. The `extra` field must contain a JSON "
            "representation of a Python dict."
        )


class Connection:
    """An Airflow connection as the metadata DB holds it (``airflow.models.Connection``)."""

    decode_query_values = True  # models' from_uri JSON-decodes ?timeout=30 into 30
    flatten_only_strings = True  # models' get_uri uses plain parameters only if every extra value is a str

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | str | None = None,
        extra: str | dict | None = None,
    ):
        for name, value in zip(TEXT_FIELDS, (conn_type, description, host, login, password, schema)):
            check_text(name, value)
        self.conn_id = self._conn_id(conn_id) if conn_id is not None else None
        self.conn_type = conn_type
        self.description = description
        self.host = host
        self.login = login
        self.password = self._password(password)
        self.schema = schema
        self.port = validate_port(port)
        self.extra = extra_text(extra)
        if self.extra:
            _validate_extra(self.extra, self.conn_id)

    @staticmethod
    def _conn_id(conn_id: str) -> str:
        return sanitize_conn_id(conn_id)

    @staticmethod
    def _password(password: str | None) -> str | None:
        return password or None  # models' password setter ignores "" (nothing is stored)

    @property
    def extra_dejson(self) -> dict:
        """``extra`` as a dict: a plain ``json.loads``, values as stored (Airflow 3.3, both classes)."""
        return json.loads(self.extra) if self.extra else {}

    # -- URI -----------------------------------------------------------------------------
    @classmethod
    def from_uri(cls, uri: str, conn_id: str | None = None) -> Connection:
        """Parse an Airflow connection URI, e.g. ``google-cloud-platform://?project=p``."""
        return cls(conn_id=conn_id, **parse_uri(uri, cls.decode_query_values))

    def get_uri(self) -> str:
        """The connection as an Airflow URI (not a SQLAlchemy URL), as Airflow writes it."""
        return build_uri(self.fields(), self.extra_dejson, self.flatten_only_strings)

    # -- JSON ----------------------------------------------------------------------------
    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        """Parse Airflow's JSON form: ``{"conn_type": ..., "host": ..., "extra": {...}}``."""
        try:
            kwargs = strict_json(value)
        except InvalidConnection:
            raise
        except RecursionError:
            raise InvalidConnection("The connection JSON nests too deeply to read.") from None
        except (ValueError, TypeError) as err:
            raise InvalidConnection(f"The connection JSON is not valid JSON: {err}.") from None
        if not isinstance(kwargs, dict):
            raise InvalidConnection('The connection JSON must be an object, e.g. {"conn_type": "http"}.')
        unknown = set(kwargs) - set(FIELDS)
        if unknown:
            raise InvalidConnection(f"Unknown connection field(s): {', '.join(sorted(unknown))}.")
        kwargs.pop("conn_id", None)
        extra = kwargs.pop("extra", None)
        if extra:
            kwargs["extra"] = extra if isinstance(extra, str) else json.dumps(extra)
        if kwargs.get("conn_type"):
            check_text("conn_type", kwargs["conn_type"])
            kwargs["conn_type"] = normalize_conn_type(kwargs["conn_type"])
        if not kwargs.get("port"):
            kwargs.pop("port", None)  # Airflow's from_json drops a falsy port (0, "", null)
        return cls(conn_id=conn_id, **kwargs)

    def to_dict(self, *, prune_empty: bool = False) -> dict[str, Any]:
        conn: dict[str, Any] = {f: getattr(self, f) for f in FIELDS if f != "extra"}
        if prune_empty:
            conn = {k: v for k, v in conn.items() if v is not None}  # Airflow prunes None only
        extra = self.extra_dejson
        if extra or not prune_empty:
            conn["extra"] = extra
        return conn

    def as_json(self) -> str:
        """Airflow's JSON form: no conn_id, ``None`` fields left out (``""`` kept)."""
        data = self.to_dict(prune_empty=True)
        data.pop("conn_id", None)
        return json.dumps(data)

    def fields(self) -> dict[str, Any]:
        """Every field as stored (``extra`` as its JSON text)."""
        return {f: getattr(self, f) for f in FIELDS}

    # -- display -------------------------------------------------------------------------
    def secrets(self) -> list[str]:
        """Every clear-text secret this connection holds (password, sensitive extras)."""
        found = [self.password] if self.password else []
        if self.extra:
            found.extend(secrets_of(json.loads(self.extra)))
        return found

    def masked_dict(self) -> dict[str, Any]:
        """The fields as Airflow's REST API shows them: the password as ``***``, and in extra
        the string values under a sensitive key, and the password wherever it appears."""
        data = self.to_dict()
        if data["password"] is not None:
            data["password"] = MASK
        data["extra"] = mask_connection_extra(self.extra_dejson, self.password)
        return data

    def redact(self, text: str) -> str:
        return redact(text, self.secrets())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        return (
            type(self) is type(other)
            and all(getattr(self, f) == getattr(other, f) for f in FIELDS if f != "extra")
            and self.extra_dejson == other.extra_dejson
        )

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.masked_dict().items() if v not in (None, "", {})}
        return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


class TaskConnection(Connection):
    """A connection as a task's hook receives it (``airflow.sdk.Connection``).

    Built from an ``AIRFLOW_CONN_*`` URI or JSON, or from the fields the API server sends back
    for a metadata-DB connection (``extra`` as the stored text).
    """

    decode_query_values = False  # sdk's from_uri keeps ?timeout=30 as "30"
    flatten_only_strings = False  # sdk's get_uri flattens whenever the parameters read back the same

    @staticmethod
    def _conn_id(conn_id: str) -> str:
        return conn_id  # the Task SDK takes the DAG's conn_id as it is

    @staticmethod
    def _password(password: str | None) -> str | None:
        return password  # an attrs field: "" stays ""

    @classmethod
    def received(cls, conn: Connection) -> TaskConnection:
        """What the task gets for a connection the API server read from the metadata DB."""
        return cls(**conn.fields())


__all__ = ["Connection", "TaskConnection", "validate_conn_id", "normalize_conn_type", "AirflowException"]
