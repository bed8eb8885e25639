"""What a connection's values may be, checked before anything is stored: text that is text (no
NUL, no lone surrogate), a port that is an ASCII whole number from 0 to 65535, and JSON with
finite numbers and no key given twice. Each refusal is an ``InvalidConnection`` naming the field.
"""

from __future__ import annotations

import json
import math
from typing import Any

from engine.errors import InvalidConnection


def validate_port(port: Any) -> int | None:
    """A port from a form, a URI or JSON: ``None`` for none, else an integer 0-65535."""
    if port is None or port == "":
        return None
    if isinstance(port, int) and not isinstance(port, bool):
        value = port
    elif isinstance(port, str) and port.strip().isdigit() and port.strip().isascii():
        value = int(port)
    else:
        raise InvalidConnection(f"Expected integer value for `port`, but got {port!r} instead.")
    if not 0 <= value <= 65535:
        raise InvalidConnection(f"The port must be between 0 and 65535, but got {value}.")
    return value


def extra_text(extra: Any) -> str | None:
    if extra is not None and not isinstance(extra, str):
        try:
            extra = json.dumps(extra, allow_nan=False)
        except (TypeError, ValueError):
            raise InvalidConnection(
                "The extra must be a JSON object of text, numbers, true/false, null and lists."
            ) from None
    return extra or None


TEXT_FIELDS = ("conn_type", "description", "host", "login", "password", "schema")


def check_text(field: str, value: Any) -> None:
    """A text field must be text, with no NUL and no lone surrogate (PostgreSQL refuses the first,
    and the second cannot be printed or written as UTF-8): refused here, before anything is stored."""
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidConnection(f"The {field} must be text, not {type(value).__name__} ({str(value)[:40]}).")
    if "\x00" in value:
        raise InvalidConnection(f"The {field} contains a NUL character, which cannot be stored.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidConnection(
            f"The {field} contains a character that is not valid text (a lone surrogate)."
        ) from None


def no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    """A JSON object's pairs as a dict, refusing a key given twice (JSON would keep the last silently)."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            raise InvalidConnection(f"The key {key!r} is given twice in the same JSON object.")
        seen[key] = value
    return seen


def _refuse_constant(name: str):
    raise InvalidConnection(f"`{name}` is not a number JSON allows (extras must be finite numbers).")


def strict_json(text: str, where: str = "") -> Any:
    """``json.loads`` that refuses duplicate keys, NaN/Infinity, NUL and lone surrogates; an error
    names the place (``where``: what the text is, e.g. "extra")."""
    value = json.loads(text, object_pairs_hook=no_duplicate_keys, parse_constant=_refuse_constant)
    _check_values(value, where)
    return value


def _check_values(value: Any, where: str) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(f"{where} key" if where else "key", key)
            _check_values(item, (f"{where}.{key}" if where else str(key))[:80])
    elif isinstance(value, list):
        for item in value:
            _check_values(item, where)
    elif isinstance(value, str):
        check_text(where, value)
    elif isinstance(value, float) and not math.isfinite(value):  # NaN, or 1e999 read as infinity
        raise InvalidConnection(f"The {where} holds a number JSON does not allow (NaN or infinity).")
