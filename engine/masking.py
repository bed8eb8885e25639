"""Masking of secrets in every value that leaves the engine for display.

Mirrors Airflow 3.3's secrets masker (``airflow/_shared/secrets_masker/secrets_masker.py``) as
the REST API applies it to a connection:

- a key is sensitive when, lower-cased and with every run of non-word characters turned into
  ``_``, it contains one of ``SENSITIVE_WORDS`` (so ``api-key``, ``Private Key`` and
  ``client.secret`` are sensitive);
- under a sensitive key every *string* leaf becomes ``***``; numbers, booleans and ``null`` are
  kept, and so is the shape (``{"token": {"value": "***", "ttl": 3600}}``);
- the connection's password (and its ``quote()`` form) is replaced wherever it appears inside
  other string values, when it is at least 5 characters long and is not ``airflow``.

For free text (error messages, log lines, URIs) the lab goes further than Airflow's log masker:
``redact`` hides every secret of a connection in each of its encodings (percent, plus, JSON).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH_MASKED = 5  # [logging] min_length_masked_secret
SKIP_MASKING = frozenset({"airflow"})  # SECRETS_TO_SKIP_MASKING

SENSITIVE_WORDS = frozenset(
    {
        "access_key",
        "access_token",
        "api_key",
        "apikey",
        "auth_header",
        "authorization",
        "bearer",
        "connection_string",
        "dsn",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "proxy",
        "proxy_password",
        "proxies",
        "secret",
        "service_account",
        "service_key",
        "token",
        "keyfile_dict",
        "webhook_url",
    }
)


def is_sensitive(key: Any) -> bool:
    """Airflow's ``should_hide_value_for_key``: the normalised key contains a sensitive word."""
    if not isinstance(key, str):
        return False
    normalized = re.sub(r"\W+", "_", key.strip().lower())
    return any(word in normalized for word in SENSITIVE_WORDS)


def _mask_all(value: Any) -> Any:
    """Airflow's ``_redact_all``: every string leaf masked, the rest kept."""
    if isinstance(value, str):
        return MASK
    if isinstance(value, dict):
        return {k: _mask_all(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_mask_all(v) for v in value]
    return value


def mask_extra(value: Any, key: Any = None, pattern: re.Pattern | None = None) -> Any:
    """Airflow's ``redact``: sensitive keys masked at any depth; other strings have the
    registered secrets (``pattern``) replaced."""
    if key is not None and is_sensitive(key):
        return _mask_all(value)
    if isinstance(value, dict):
        return {k: mask_extra(v, k, pattern) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_extra(v, None, pattern) for v in value]
    if isinstance(value, str) and pattern is not None:
        return pattern.sub(MASK, value)
    return value


def mask_connection_extra(extra: dict, password: str | None) -> dict:
    """A connection's extra as the REST API shows it, with the password registered as Airflow
    registers it when the row is loaded (the password and ``quote(password)``)."""
    registered = []
    if password and len(password) >= MIN_LENGTH_MASKED and password.lower() not in SKIP_MASKING:
        registered = [password, quote(password)]
    pattern = re.compile("|".join(re.escape(s) for s in dict.fromkeys(registered))) if registered else None
    return mask_extra(extra, None, pattern)


def secrets_of(extra: Any, key: Any = None) -> list[str]:
    """The strings Airflow's log masker registers for an extra (``mask_secret(extra)``): every
    string whose nearest key is sensitive; when such a string is JSON text (a keyfile), its own
    sensitive entries too. What ``redact`` hides from free text."""
    if isinstance(extra, dict):
        return [s for k, v in extra.items() for s in secrets_of(v, k)]
    if isinstance(extra, (list, tuple)):
        return [s for v in extra for s in secrets_of(v, key)]
    if not is_sensitive(key) or not isinstance(extra, str) or not extra:
        return []
    found = [extra]
    try:
        found.extend(secrets_of(json.loads(extra)))
    except (ValueError, TypeError, RecursionError):
        pass
    return found


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret (and its percent-, plus- and JSON-escaped forms) in ``text`` by ``***``."""
    if not secrets:
        return text
    pattern = secrets_pattern(tuple(secrets))
    return pattern.sub(MASK, text) if pattern is not None else text


@lru_cache(maxsize=256)
def secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern | None:
    """One pattern that matches every secret (of 3+ characters) in each of its encodings."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < 3:
            continue
        escaped = json.dumps(secret)[1:-1]
        variants.update(
            {
                secret,
                quote(secret, safe=""),
                quote(secret),
                quote_plus(secret),
                escaped,
                json.dumps(secret, ensure_ascii=False)[1:-1],
                quote(escaped, safe=""),
            }
        )
    if not variants:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))
