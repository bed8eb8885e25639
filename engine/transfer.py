"""Connections in and out of the store in the file formats of ``airflow connections``.

``export_text`` writes what ``airflow connections export`` writes (JSON or YAML: conn_id →
fields with ``extra`` as text; ``.env``: one ``conn_id=<URI>`` line each), and ``parse_text``
reads what ``airflow connections import`` reads (``airflow/secrets/local_filesystem.py``: a
value is a URI string, read by ``airflow.models.Connection``, or a dict of fields, ``extra`` or
``extra_dejson``). Errors name the connection and say what is wrong, never a secret.

Where ``airflow connections import`` would store something other than what the file means, the
lab refuses the file instead, and says why:

- a value that is JSON text rather than a URI or an object (Airflow parses it as a URI);
- an invalid conn_id (Airflow prints a line, skips it and imports the rest: the lab imports
  nothing, so that a file is taken whole or not at all);
- an ``.env`` export with JSON values (``--serialization-format json``): Airflow's import reads
  every ``.env`` value as a URI, so the lab does not write such a file; nor an ``.env`` line
  whose URI Airflow cannot read back (e.g. a host ``1://``).

One extension: an ``.env`` line may be quoted and carry ``export`` (python-dotenv reads it), and
``AIRFLOW_CONN_<ID>=…`` imports as the conn_id ``<id>`` lower-cased, as the environment
backend finds it; this is how the Connections page's "environment variable" download reads back.
"""

from __future__ import annotations

import io
import json
from collections.abc import Hashable
from typing import Any

import yaml
from dotenv.parser import parse_stream

try:  # libyaml's safe dumper and loader where present, as airflow.utils.yaml uses them
    from yaml import CSafeDumper as SafeDumper
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper, SafeLoader

from engine.connection import EXPORT_FIELDS, Connection, validate_conn_id
from engine.errors import AirflowException, InvalidConnection
from engine.secrets import CONN_ENV_PREFIX, connection_from_text, env_conn_id
from engine.values import strict_json

FILE_FORMATS = ("json", "yaml", "env")


def export_text(conns: list[Connection], file_format: str = "json", serialization: str = "uri") -> str:
    """The text of an export file, as ``airflow connections export`` writes it."""
    if file_format == "env":
        if serialization != "uri":
            raise AirflowException(
                "An .env export holds URIs: `airflow connections import` reads every .env value as a URI, "
                "so JSON values would come back as different connections. Use a .json or .yaml file for JSON."
            )
        return "".join(f"{c.conn_id}={_readable_uri(c)}\n" for c in conns)
    data = {c.conn_id: {field: getattr(c, field) for field in EXPORT_FIELDS} for c in conns}
    if file_format == "yaml":
        return yaml.dump(data, Dumper=SafeDumper)  # as airflow.utils.yaml.dump: libyaml's safe dumper
    if file_format == "json":
        return json.dumps(data, indent=2)
    raise AirflowException(f"Unsupported file format. The file must have one of the extensions: {FILE_FORMATS}.")


def _readable_uri(conn: Connection) -> str:
    """The connection's URI, if Airflow can read it back (a host such as ``1://`` cannot be)."""
    uri = conn.get_uri()
    try:
        Connection.from_uri(uri)
    except InvalidConnection as err:
        raise InvalidConnection(
            f"Connection `{conn.conn_id}` cannot be written as a URI that Airflow reads back ({err}). "
            "Export it to a .json or .yaml file."
        ) from None
    return uri


def env_line(conn: Connection) -> str:
    """``AIRFLOW_CONN_<ID>='<URI>'``: the connection as an environment variable."""
    return f"{CONN_ENV_PREFIX}{conn.conn_id.upper()}='{conn.get_uri()}'"


def file_format_of(name: str) -> str:
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    fmt = {"yml": "yaml"}.get(suffix, suffix)
    if fmt not in FILE_FORMATS:
        raise AirflowException(
            f"Unsupported file format. The file must have the extension .env, .json, .yaml or .yml, not {name!r}."
        )
    return fmt


FILE_MAX = 1_000_000  # characters of an import file


class _StrictLoader(SafeLoader):
    """libyaml's safe loader, refusing a key given twice (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable) and key in seen:
                raise InvalidConnection(
                    f"The key {key!r} is given twice in the same mapping (line {node.start_mark.line + 1})."
                )
            if isinstance(key, Hashable):
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _load_yaml(text: str):
    """A YAML import file: no anchors or aliases (a few hundred bytes of them can expand to gigabytes,
    and a connections file needs none), no duplicate keys."""
    for event in yaml.parse(text, Loader=SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise InvalidConnection(
                "The file uses YAML anchors or aliases (& and *); write each connection out in full."
            )
    return yaml.load(text, Loader=_StrictLoader)


def _is_json_object(text: str) -> bool:
    if not text.startswith("{"):
        return False
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def connection_from_value(conn_id: str, value: Any, json_text_allowed: bool = False) -> Connection:
    """One entry of an import file: a URI string, or a dict of connection fields."""
    validate_conn_id(conn_id)
    if isinstance(value, str):
        if json_text_allowed:  # an AIRFLOW_CONN_* line: read as the environment backend reads it
            return connection_from_text(value, conn_id)
        if _is_json_object(value.strip()):
            raise InvalidConnection(
                f"Connection `{conn_id}`: the value is JSON text; `airflow connections import` would read it "
                "as a URI. Write the connection as an object of fields, or as a URI."
            )
        return Connection.from_uri(value, conn_id=conn_id)
    if not isinstance(value, dict):
        raise InvalidConnection(
            f"Connection `{conn_id}`: Unexpected value type: {type(value).__name__}. "
            "The connection can only be defined using a string or object."
        )
    allowed = {"conn_id", *EXPORT_FIELDS, "extra_dejson"}
    illegal = set(value) - allowed
    if illegal:
        raise InvalidConnection(
            f"Connection `{conn_id}`: the object has illegal keys: {', '.join(sorted(map(str, illegal)))}. "
            f"The dictionary can only contain the following keys: {', '.join(sorted(allowed))}."
        )
    fields = dict(value)
    if "extra" in fields and "extra_dejson" in fields:
        raise InvalidConnection(
            f"Connection `{conn_id}`: the extra and extra_dejson parameters are mutually exclusive."
        )
    if "extra_dejson" in fields:
        fields["extra"] = json.dumps(fields.pop("extra_dejson"))
    if fields.pop("conn_id", conn_id) != conn_id:
        raise InvalidConnection(f"Connection `{conn_id}`: the conn_id in the object differs from its key.")
    return Connection(conn_id=conn_id, **fields)


def _env_entries(text: str) -> dict[str, tuple[Any, bool]]:
    """conn_id → (value, whether JSON text is allowed) for each line of an ``.env`` file.

    A line is read as Airflow reads it (``key=value``, the value as written), except that a
    value in matching quotes, or a line that starts with ``export``, is read by python-dotenv.
    """
    entries: dict[str, tuple[Any, bool]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")  # as Airflow reads a line: nothing stripped
        quoted = len(value.strip()) >= 2 and value.strip()[0] in "'\"" and value.strip()[-1] == value.strip()[0]
        if sep and (quoted or key.startswith("export ")):
            binding = next(parse_stream(io.StringIO(line)), None)
            if binding is not None and not binding.error and binding.key:
                key, value = binding.key, binding.value or ""
        if not sep:
            raise InvalidConnection(
                f'Line {number}: Invalid line format. The line should contain at least one equal sign ("=").'
            )
        if not key:
            raise InvalidConnection(f"Line {number}: Invalid line format. Key is empty.")
        if not value:
            raise InvalidConnection(f"Line {number}: Invalid line format. Value is empty.")
        from_env = key.startswith(CONN_ENV_PREFIX)
        conn_id = env_conn_id(key) if from_env else key
        if conn_id in entries:
            raise InvalidConnection(f"Line {number}: Found multiple values for {conn_id}.")
        entries[conn_id] = (value, from_env)
    return entries


def parse_text(text: str, file_format: str) -> dict[str, Connection]:
    """Every connection in an import file's text; the first problem raises, naming its line or id."""
    if file_format == "env":
        entries = _env_entries(text)
    else:
        if len(text) > FILE_MAX:
            raise InvalidConnection(f"The file is {len(text):,} characters long; the lab reads at most {FILE_MAX:,}.")
        try:
            data = strict_json(text) if file_format == "json" else _load_yaml(text)
        except InvalidConnection:
            raise
        except (ValueError, yaml.YAMLError, RecursionError) as err:
            where = f" (line {err.lineno})" if isinstance(err, json.JSONDecodeError) else ""
            raise InvalidConnection(f"The file is not valid {file_format.upper()}{where}.") from None
        if not isinstance(data, dict):
            raise InvalidConnection("The file should contain the object: each conn_id mapped to its connection.")
        entries = {conn_id: (value, False) for conn_id, value in data.items()}
    conns = {}
    for conn_id, (value, json_text_allowed) in entries.items():
        try:
            conns[conn_id] = connection_from_value(conn_id, value, json_text_allowed)
        except InvalidConnection as err:
            message = str(err)
            raise InvalidConnection(
                message if f"`{conn_id}`" in message else f"Connection `{conn_id}`: {message}"
            ) from None
    return conns
