"""Airflow's connection URI format: reading one into fields, and writing fields as one.

Mirrors ``Connection._parse_from_uri`` and ``get_uri`` of Airflow 3.3 (both classes; they differ
in two switches, ``decode_values`` and ``flatten_only_strings``), with Airflow's own quirks kept:
the host is lower-cased unless it holds a ``/``, ``type://@:1234`` is how a port alone is written,
a host may carry its own protocol (``spark://k8s://host:443``). Where Airflow reads text that is
no URI as something else (``just-a-host`` as the schema ``ust-a-host``) this refuses it; errors
never show the URI's secrets.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from engine.errors import InvalidConnection
from engine.masking import MASK, is_sensitive
from engine.values import check_text

EXTRA_KEY = "__extra__"
URL_STRIPPED = "".join(map(chr, range(0x21)))  # what urlsplit strips from a URI's start (C0 and space)


def normalize_conn_type(conn_type: str) -> str:
    """``postgresql`` becomes ``postgres``; ``-`` becomes ``_`` (as Airflow does)."""
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")


def _hostname(parts) -> str:
    """Airflow's ``_parse_netloc_to_hostname``: lower-cased, unless the host holds a ``/``."""
    hostname = unquote(parts.hostname or "")
    if "/" in hostname:
        hostname = parts.netloc
        if "@" in hostname:
            hostname = hostname.rsplit("@", 1)[1]
        if ":" in hostname:
            hostname = hostname.split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


def parse_uri(uri: str, decode_values: bool) -> dict[str, Any]:
    """The fields of an Airflow connection URI, as ``Connection._parse_from_uri`` reads them.

    ``decode_values``: JSON-decode each query value (``airflow.models``) or keep it a string
    (``airflow.sdk``). Errors never show the URI's secrets.
    """
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidConnection("The connection URI is empty.")
    check_text("connection URI", uri)  # no NUL, no lone surrogate: refused before it is read
    if "://" not in uri and not uri.lstrip(URL_STRIPPED).startswith("//"):
        raise InvalidConnection(
            "Invalid connection string: an Airflow connection URI starts with the connection type and ://, "
            "e.g. google-cloud-platform://?project=my-project (Airflow would read this text as a schema)."
        )
    if unescaped_in_userinfo(uri):
        raise InvalidConnection(
            "Invalid connection string: there is an '@' after the host part begins, so a '/', '?' or '#' in "
            "the login or password is not percent-encoded; Airflow would split the password into the port, "
            "schema or extra. Encode them (%2F, %3F, %23), e.g. with urllib.parse.quote(password, safe='')."
        )
    schemes = uri.count("://")
    if schemes > 2:
        raise InvalidConnection(f"Invalid connection string: {masked_uri(uri)}.")
    host_with_protocol = schemes == 2
    try:
        conn_type = urlsplit(uri).scheme
        rest = uri.replace(f"{conn_type}://", "" if host_with_protocol else "//")
        if host_with_protocol:
            before = rest.split("://", 1)[0]
            if "@" in before or ":" in before:
                raise InvalidConnection(f"Invalid connection string: {masked_uri(uri)}.")
        parts = urlsplit(rest)
        port = parts.port
    except ValueError as err:
        raise InvalidConnection(f"Invalid connection string: {masked_uri(uri)}. {_why(err)}") from None
    protocol = parts.scheme if host_with_protocol else None
    host = _hostname(parts)
    extra = None
    if parts.query:
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if EXTRA_KEY in query:
            extra = query[EXTRA_KEY]
        else:
            if decode_values:
                for key, value in query.items():
                    if value:
                        try:
                            query[key] = json.loads(value)
                        except ValueError:
                            pass
            extra = json.dumps(query)
    return {
        "conn_type": normalize_conn_type(conn_type),
        "host": f"{protocol}://{host}" if protocol and host else host,
        "schema": unquote(parts.path[1:]) if parts.path[1:] else parts.path[1:],
        "login": unquote(parts.username) if parts.username else parts.username,
        "password": unquote(parts.password) if parts.password else parts.password,
        "port": port,
        "extra": extra,
    }


def unescaped_in_userinfo(uri: str) -> bool:
    """Whether an ``@`` comes after the authority of ``scheme://…`` ends (at a ``/``, ``?`` or ``#``)
    while the authority itself has none: the sign of a login or password holding an unescaped
    ``/``, ``?`` or ``#``, which Airflow would split into the port, schema or extra (a password's
    tail stored unencrypted in the schema column). The lab refuses it."""
    if uri.count("://") != 1:
        return False
    body = uri.split("://", 1)[1]
    end = next((i for i, c in enumerate(body) if c in "/?#"), None)
    return end is not None and "@" not in body[:end] and "@" in body[end:]


def _why(err: ValueError) -> str:
    text = str(err)
    if "Port" in text or "port" in text:
        return "The port must be an integer between 0 and 65535."
    if "IPv6" in text or "bracket" in text:
        return "A host in [brackets] must be a valid IPv6 address."
    return "It is not a valid URI."


def masked_uri(uri: str) -> str:
    """A URI for an error message, hiding whatever could be a secret however malformed it is:
    everything up to the last ``@`` before the query (login and password, with any ``/ ? #`` or
    ``@`` they hold), a ``:…`` after a host that is not a port, and the values of sensitive or
    ``__extra__`` query parameters."""
    scheme, sep, rest = uri.partition("://")
    if not sep:
        return MASK
    rest, _, query = rest.partition("?")
    if "@" in rest:
        shown = MASK + "@" + rest.rsplit("@", 1)[1]
    else:  # no @: a "user:secret" could still stand where host:port would
        authority, slash, path = rest.partition("/")
        host, colon, port = authority.partition(":")
        shown = host + (f":{port}" if colon and port.isdigit() else f":{MASK}" if colon else "") + slash + path
    base = f"{scheme}://{shown}"
    if not query:
        return base

    def shown_key(k: str) -> str:  # a key that is not a plain name may be a password's tail
        return k if PLAIN_KEY.fullmatch(k) else MASK

    def shown_value(k: str, v: str) -> str:
        return quote(v) if PLAIN_VALUE.fullmatch(v) and not is_sensitive(k) and k != EXTRA_KEY else MASK

    pairs = parse_qsl(query, keep_blank_values=True)
    return base + "?" + "&".join(f"{shown_key(k)}={shown_value(k, v)}" for k, v in pairs)


PLAIN_KEY = re.compile(r"[\w.\-]{1,64}", re.ASCII)
PLAIN_VALUE = re.compile(r"[\w.\-/, ]{0,100}", re.ASCII)


def build_uri(fields: dict[str, Any], extra: dict, flatten_only_strings: bool) -> str:
    """A connection's fields as an Airflow URI (``extra``: its extra as a dict)."""
    conn_type, login, password, port, schema = (fields[f] for f in ("conn_type", "login", "password", "port", "schema"))
    uri = f"{conn_type.lower().replace('_', '-')}://" if conn_type else "//"
    host, protocol = fields["host"], None
    if fields["host"] and "://" in fields["host"]:
        protocol, bare = fields["host"].split("://", 1)
        if protocol == conn_type:
            protocol = None  # Airflow keeps the whole host, quoted, in this case
        else:
            host = bare
    if protocol:
        uri += f"{protocol}://"
    authority = ""
    if login is not None:
        authority += quote(login, safe="")
    if password is not None:
        authority += ":" + quote(password, safe="")
    if authority:
        uri += authority + "@"
    host_block = quote(host, safe="") if host else ""
    if port:
        host_block += f"@:{port}" if not host_block and not authority else f":{port}"
    if schema:
        host_block += f"/{quote(schema, safe='')}"
    uri += host_block
    if fields["extra"]:
        flat = not flatten_only_strings or all(isinstance(v, str) for v in extra.values())
        try:
            query = urlencode(extra)
        except TypeError:
            query = None
        if flat and query and extra == dict(parse_qsl(query, keep_blank_values=True)):
            uri += ("?" if schema else "/?") + query
        else:
            uri += ("?" if schema else "/?") + urlencode({EXTRA_KEY: fields["extra"]})
    return uri
