"""Masking of secrets in every value that leaves the engine for display.

Mirrors Airflow 3's secrets masker: a connection's password, and every ``extra`` value whose
key contains one of the sensitive words, is shown as ``***``. Masked strings are also replaced
wherever they appear inside longer text (error messages, log lines, reprs).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any
from urllib.parse import quote

MASK = "***"

SENSITIVE_WORDS = frozenset(
    {
        "access_key", "access_token", "api_key", "apikey", "auth_header", "authorization",
        "bearer", "connection_string", "dsn", "passphrase", "passwd", "password",
        "private_key", "proxy", "proxy_password", "proxies", "secret", "service_account",
        "service_key", "token", "keyfile_dict", "webhook_url",
    }
)


def is_sensitive(key: str) -> bool:
    """True when a field name contains one of Airflow's sensitive words (case-insensitive)."""
    lowered = str(key).lower()
    return any(word in lowered for word in SENSITIVE_WORDS)


def mask_extra(value: Any, key: str | None = None) -> Any:
    """Return ``value`` with every sensitive entry replaced by ``***`` (recursively)."""
    if key is not None and is_sensitive(key) and value not in (None, ""):
        return MASK
    if isinstance(value, dict):
        return {k: mask_extra(v, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [mask_extra(v) for v in value]
    return value


def secrets_of(extra: Any, key: str | None = None) -> list[str]:
    """The clear-text strings that masking hides in ``extra``, as Airflow's masker collects them.

    A string under a sensitive key is a secret as a whole (and, when it is JSON text, so are
    its own sensitive entries); a dict or list is searched entry by entry.
    """
    if isinstance(extra, dict):
        return [s for k, v in extra.items() for s in secrets_of(v, k)]
    if isinstance(extra, (list, tuple)):
        return [s for v in extra for s in secrets_of(v, key)]
    if key is None or not is_sensitive(key) or extra in (None, ""):
        return []
    text = extra if isinstance(extra, str) else json.dumps(extra)
    found = [text]
    try:
        found.extend(secrets_of(json.loads(text)))
    except (ValueError, TypeError):
        pass
    return found


def redact(text: str, secrets: list[str]) -> str:
    """Replace every secret (and its URL-quoted and JSON-escaped forms) in ``text`` by ``***``."""
    if not secrets:
        return text
    pattern = secrets_pattern(tuple(secrets))
    return pattern.sub(MASK, text) if pattern is not None else text


@lru_cache(maxsize=256)
def secrets_pattern(secrets: tuple[str, ...]) -> re.Pattern | None:
    """One pattern that matches every secret (of 3+ characters), URL-quoted and JSON-escaped too."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret or len(secret) < 3:
            continue
        variants.update({secret, quote(secret, safe=""), json.dumps(secret)[1:-1]})
    if not variants:
        return None
    return re.compile("|".join(re.escape(v) for v in sorted(variants, key=len, reverse=True)))
