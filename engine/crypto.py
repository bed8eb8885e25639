"""Fernet encryption of secrets at rest, as Airflow's ``airflow.models.crypto`` does it.

Several comma-separated keys make a ``MultiFernet``: the first key encrypts, any key decrypts,
and ``rotate`` re-encrypts a token with the first key.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from engine.errors import AirflowException
from engine.settings import lab_home

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeySource:
    """Which key(s) are in force and where they came from (for the page and the CLI)."""

    fernet: MultiFernet
    origin: str  # "LAB_FERNET_KEY" or the key file's path
    created: bool = False  # True when this start generated the key file


def parse_keys(text: str) -> MultiFernet:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    if not keys:
        raise AirflowException("LAB_FERNET_KEY is set but holds no key.")
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError) as err:
        raise AirflowException(
            f"Could not create Fernet object: {err}. A key is 32 url-safe base64-encoded bytes; "
            'make one with: python -c "from cryptography.fernet import Fernet; '
            'print(Fernet.generate_key().decode())"'
        ) from None


def load_keys(environ=os.environ) -> KeySource:
    """The keys from ``LAB_FERNET_KEY``, else from (or into) ``LAB_HOME/fernet.key``."""
    text = environ.get("LAB_FERNET_KEY")
    if text:
        return KeySource(parse_keys(text), "LAB_FERNET_KEY")
    path = Path(lab_home(environ)) / "fernet.key"
    created = False
    if not path.exists():
        key = Fernet.generate_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        created = True
        log.info("Generated a new Fernet key in %s (readable only by its owner).", path)
    return KeySource(parse_keys(path.read_text()), str(path), created)


def is_token_for(fernet: MultiFernet, token: str) -> bool:
    try:
        fernet.decrypt(token.encode())
        return True
    except InvalidToken:
        return False
