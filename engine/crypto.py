"""Fernet encryption of secrets at rest, as Airflow's ``airflow.models.crypto`` does it.

Several comma-separated keys make a ``MultiFernet``: the first key encrypts, any key decrypts,
and ``rotate`` re-encrypts a token with the first key.
"""

from __future__ import annotations

import logging
import os
import tempfile
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
        created = _create_key_file(path)
        if created:
            log.info("Generated a new Fernet key in %s (readable only by its owner).", path)
    return KeySource(parse_keys(path.read_text()), str(path), created)


def _create_key_file(path: Path) -> bool:
    """Write a new key to ``path`` unless it exists, atomically: the key is written whole to a
    private temporary file that is then hard-linked into place, so a process (or a session)
    starting at the same moment either makes the file or reads the complete one, never an empty
    one, and every one of them ends with the same key. Whether this call made it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".fernet-", suffix=".tmp")  # mode 600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
            fh.flush()
            os.fsync(fh.fileno())
        os.link(tmp, path)
        return True
    except FileExistsError:  # another one made it first: use theirs
        return False
    finally:
        os.unlink(tmp)


def is_token_for(fernet: MultiFernet, token: str) -> bool:
    try:
        fernet.decrypt(token.encode())
        return True
    except InvalidToken:
        return False
