"""``Connection``: the fields, URI format and JSON format of an Airflow 3 connection.

Mirrors ``airflow.models.connection.Connection`` (Airflow 3.3) without the database: the
same attributes, the same URI parsing (percent-decoding, query parameters into ``extra``,
``__extra__`` for nested extras, a host that carries its own protocol), the same JSON form,
the same conn_id rule and the same error texts. Where Airflow silently drops input (an invalid
conn_id becomes ``None``), this class raises ``InvalidConnection`` with a clear message instead.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from engine.errors import AirflowException, InvalidConnection
from engine.masking import MASK, is_sensitive, mask_extra, redact, secrets_of

RE_SANITIZE_CONN_ID = re.compile(r"^[\w\#\!\(\)\-\.\:\/\\]{1,}$")
CONN_ID_MAX_LEN = 250
EXTRA_KEY = "__extra__"
FIELDS = ("conn_id", "conn_type", "description", "host", "schema", "login", "password", "port", "extra")


def validate_conn_id(conn_id: str) -> str:
    """Return ``conn_id`` if Airflow would accept it; raise ``InvalidConnection`` saying why if not."""
    if not isinstance(conn_id, str) or not conn_id:
        raise InvalidConnection("The conn_id must not be empty.")
    if len(conn_id) > CONN_ID_MAX_LEN:
        raise InvalidConnection(
            f"The conn_id is {len(conn_id)} characters long; Airflow allows at most {CONN_ID_MAX_LEN}."
        )
    if not RE_SANITIZE_CONN_ID.match(conn_id):
        bad = sorted({c for c in conn_id if not re.match(r"[\w\#\!\(\)\-\.\:\/\\]", c)})
        raise InvalidConnection(
            "The conn_id may contain only letters, digits and the symbols _ # ! ( ) - . : / \\ "
            f"(found {' '.join(repr(c) for c in bad)})."
        )
    return conn_id


def normalize_conn_type(conn_type: str) -> str:
    """``postgresql`` becomes ``postgres``; ``-`` becomes ``_`` (as Airflow does)."""
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")


def validate_port(port: Any) -> int | None:
    """A port from a form, a URI or JSON: ``None`` for none, else an integer 0-65535."""
    if port is None or port == "":
        return None
    if isinstance(port, int) and not isinstance(port, bool):
        value = port
    elif isinstance(port, str) and port.strip().isdigit():
        value = int(port)
    else:
        raise InvalidConnection(f"Expected integer value for `port`, but got {port!r} instead.")
    if not 0 <= value <= 65535:
        raise InvalidConnection(f"The port must be between 0 and 65535, but got {value}.")
    return value


def _masked_uri(uri: str) -> str:
    """The URI with its password and sensitive query values replaced by ``***``, for errors."""
    base, _, query = uri.partition("?")
    base = re.sub(r"(://[^/?#@]*?:)[^/?#@]*@", r"\1" + MASK + "@", base)
    if not query:
        return base
    params = [
        (k, MASK if is_sensitive(k) or k == EXTRA_KEY else v)
        for k, v in parse_qsl(query, keep_blank_values=True)
    ]
    return base + "?" + "&".join(f"{quote(k)}={v if v == MASK else quote(v)}" for k, v in params)


def _stringify_extra_value(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "null"
    return str(value)


def _hostname(parts) -> str:
    """The host of a split URI, as Airflow reads it, but with its letter case kept.

    ``urlsplit(...).hostname`` lower-cases and stops at ``/``; Airflow then re-reads hosts
    that contain ``/`` from the netloc. The lab also keeps the case of other hosts, so that a
    round trip never changes a value (Airflow would turn ``MyHost`` into ``myhost``).
    """
    hostname = unquote(parts.hostname or "")
    raw = parts.netloc.rsplit("@", 1)[-1]
    raw = unquote(raw.split(":", 1)[0]) if ":" in raw else unquote(raw)
    if "/" in hostname or raw.lower() == hostname.lower():
        return raw
    return hostname


class Connection:
    """An Airflow connection: where a service is and how to log in to it."""

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
        self.conn_id = validate_conn_id(conn_id) if conn_id is not None else None
        self.conn_type = conn_type
        self.description = description
        self.host = host
        self.login = login
        self.password = password or None  # Airflow's setter ignores "" and None
        self.schema = schema
        self.port = validate_port(port)
        if extra is not None and not isinstance(extra, str):
            extra = json.dumps(extra)
        self.extra = extra or None
        if self.extra:
            self._validate_extra(self.extra, self.conn_id)

    # -- extra ---------------------------------------------------------------------------
    @staticmethod
    def _validate_extra(extra: str, conn_id: str | None) -> None:
        try:
            parsed = json.loads(extra)
        except json.JSONDecodeError:
            raise InvalidConnection(f"Encountered non-JSON in `extra` field for connection {conn_id!r}.") from None
        if not isinstance(parsed, dict):
            raise InvalidConnection(
                "Encountered JSON value in `extra` which does not parse as a dictionary in "
                f"connection {conn_id!r}. The `extra` field must contain a JSON "
                "representation of a Python dict."
            )

    @property
    def extra_dejson(self) -> dict:
        """``extra`` as a dict; string values that are JSON become JSON values (Airflow 3.3)."""
        if not self.extra:
            return {}
        extra = json.loads(self.extra)
        for key, value in extra.items():
            if isinstance(value, str):
                try:
                    extra[key] = json.loads(value)
                except (json.JSONDecodeError, TypeError):
                    pass
        return extra

    # -- URI -----------------------------------------------------------------------------
    @classmethod
    def from_uri(cls, uri: str, conn_id: str | None = None) -> Connection:
        """Parse an Airflow connection URI, e.g. ``google-cloud-platform://?project=p``."""
        if not isinstance(uri, str) or not uri.strip():
            raise InvalidConnection("The connection URI is empty.")
        uri = uri.strip()
        schemes = uri.count("://")
        if schemes == 0:
            raise InvalidConnection(
                f"Invalid connection string: {_masked_uri(uri)}. An Airflow connection URI starts with "
                "the connection type and ://, e.g. google-cloud-platform://"
            )
        if schemes > 2:
            raise InvalidConnection(f"Invalid connection string: {_masked_uri(uri)}.")
        host_with_protocol = schemes == 2
        conn_type = urlsplit(uri).scheme
        if not conn_type or not uri.startswith(f"{conn_type}://"):
            raise InvalidConnection(f"Invalid connection string: {_masked_uri(uri)}. The connection type is missing.")
        rest = uri.replace(f"{conn_type}://", "" if host_with_protocol else "//")
        if host_with_protocol:
            before = rest.split("://", 1)[0]
            if "@" in before or ":" in before:
                raise InvalidConnection(f"Invalid connection string: {_masked_uri(uri)}.")
        parts = urlsplit(rest)
        try:
            port = parts.port
        except ValueError:
            raise InvalidConnection(
                f"Invalid connection string: {_masked_uri(uri)}. The port must be an integer between 0 and 65535."
            ) from None
        host = _hostname(parts)
        protocol = parts.scheme if host_with_protocol else None
        schema = unquote(parts.path[1:]) if parts.path[1:] else parts.path[1:]
        extra = None
        if parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            extra = query[EXTRA_KEY] if EXTRA_KEY in query else json.dumps(query)
        conn = cls(
            conn_id=conn_id,
            conn_type=normalize_conn_type(conn_type),
            host=f"{protocol}://{host}" if protocol and host else host,
            # "type://@:1234" (what get_uri writes for a port alone) has no login, not "".
            login=unquote(parts.username) if parts.username else (None if parts.netloc.startswith("@") else parts.username),
            password=unquote(parts.password) if parts.password else None,
            schema=schema,
            port=port,
            extra=extra,
        )
        return conn

    def get_uri(self) -> str:
        """The connection as an Airflow URI (not a SQLAlchemy URL)."""
        uri = f"{self.conn_type.lower().replace('_', '-')}://" if self.conn_type else "//"
        host, protocol = self.host, None
        if self.host and "://" in self.host:
            protocol, bare = self.host.split("://", 1)
            if protocol == self.conn_type:
                protocol = None  # Airflow keeps the whole host, quoted, in this case
            else:
                host = bare
        if protocol:
            uri += f"{protocol}://"
        authority = ""
        if self.login is not None:
            authority += quote(self.login, safe="")
        if self.password is not None:
            authority += ":" + quote(self.password, safe="")
        if authority:
            uri += authority + "@"
        host_block = quote(host, safe="") if host else ""
        if self.port:
            host_block += f"@:{self.port}" if not host_block and not authority else f":{self.port}"
        if self.schema:
            host_block += f"/{quote(self.schema, safe='')}"
        uri += host_block
        if self.extra:
            strings = {k: _stringify_extra_value(v) for k, v in self.extra_dejson.items()}
            query = urlencode(strings)
            if query and strings == dict(parse_qsl(query, keep_blank_values=True)) and self._query_round_trips(strings):
                uri += ("?" if self.schema else "/?") + query
            else:
                uri += ("?" if self.schema else "/?") + urlencode({EXTRA_KEY: self.extra})
        return uri

    def _query_round_trips(self, strings: dict[str, str]) -> bool:
        """Whether flat query parameters give back ``extra_dejson`` after parsing.

        Airflow 3.3 emits flat parameters whenever they urlencode cleanly, which turns, e.g.,
        the string ``"123"`` into the number ``123`` after a round trip only when the original
        was not already parsed that way. We fall back to ``__extra__`` whenever flat parameters
        would not give the same ``extra_dejson`` back, so a round trip never changes a value.
        """
        back = {}
        for key, value in strings.items():
            try:
                back[key] = json.loads(value)
            except (json.JSONDecodeError, TypeError):
                back[key] = value
        return back == self.extra_dejson

    # -- JSON ----------------------------------------------------------------------------
    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        """Parse Airflow's JSON form: ``{"conn_type": ..., "host": ..., "extra": {...}}``."""
        try:
            kwargs = json.loads(value)
        except (json.JSONDecodeError, TypeError) as err:
            raise InvalidConnection(f"The connection JSON is not valid JSON: {err}.") from None
        if not isinstance(kwargs, dict):
            raise InvalidConnection("The connection JSON must be an object, e.g. {\"conn_type\": \"http\"}.")
        unknown = set(kwargs) - set(FIELDS)
        if unknown:
            raise InvalidConnection(f"Unknown connection field(s): {', '.join(sorted(unknown))}.")
        kwargs.pop("conn_id", None)
        extra = kwargs.pop("extra", None)
        if extra:
            kwargs["extra"] = extra if isinstance(extra, str) else json.dumps(extra)
        if kwargs.get("conn_type"):
            kwargs["conn_type"] = normalize_conn_type(kwargs["conn_type"])
        return cls(conn_id=conn_id, **kwargs)

    def to_dict(self, *, prune_empty: bool = False) -> dict[str, Any]:
        conn: dict[str, Any] = {
            "conn_id": self.conn_id,
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "login": self.login,
            "password": self.password,
            "schema": self.schema,
            "port": self.port,
        }
        if prune_empty:
            conn = {k: v for k, v in conn.items() if v is not None and v != ""}
        extra = self.extra_dejson
        if extra or not prune_empty:
            conn["extra"] = extra
        return conn

    def as_json(self) -> str:
        """Airflow's JSON form (no conn_id, empty fields left out)."""
        data = self.to_dict(prune_empty=True)
        data.pop("conn_id", None)
        if "extra" in data:  # keep extra exactly as stored, not re-typed by extra_dejson
            data["extra"] = json.loads(self.extra)
        return json.dumps(data)

    # -- display -------------------------------------------------------------------------
    def secrets(self) -> list[str]:
        """Every clear-text secret this connection holds (password, sensitive extras)."""
        found = [self.password] if self.password else []
        if self.extra:
            found.extend(secrets_of(json.loads(self.extra)))
        return found

    def masked_dict(self) -> dict[str, Any]:
        """The fields as a dict with the password and sensitive extras shown as ``***``."""
        data = self.to_dict()
        if data["password"]:
            data["password"] = MASK
        data["extra"] = mask_extra(json.loads(self.extra)) if self.extra else {}
        return data

    def redact(self, text: str) -> str:
        return redact(text, self.secrets())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Connection):
            return NotImplemented
        # "" and None are the same for the text fields: the URI form cannot tell them apart.
        return all((getattr(self, f) or None) == (getattr(other, f) or None) for f in FIELDS if f not in ("extra", "port")) and (
            self.port == other.port and self.extra_dejson == other.extra_dejson
        )

    def __repr__(self) -> str:
        shown = {k: v for k, v in self.masked_dict().items() if v not in (None, "", {})}
        return "Connection(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


__all__ = ["Connection", "validate_conn_id", "normalize_conn_type", "AirflowException"]
