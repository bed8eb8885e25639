"""Shared fixtures: a fresh encrypted store, seeded with the lesson's connections."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from engine.crypto import parse_keys  # noqa: E402
from engine.lessons import seed_connections  # noqa: E402
from engine.store import ConnectionStore, make_engine  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_lab_home(tmp_path, monkeypatch):
    """No test reads or writes the developer's real data dir or sees their AIRFLOW_CONN_*."""
    monkeypatch.setenv("LAB_HOME", str(tmp_path / "lab_home"))
    monkeypatch.delenv("LAB_DATABASE_URL", raising=False)
    monkeypatch.delenv("LAB_FERNET_KEY", raising=False)
    for name in list(__import__("os").environ):
        if name.startswith("AIRFLOW_CONN_"):
            monkeypatch.delenv(name)


@pytest.fixture
def key() -> str:
    return Fernet.generate_key().decode()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def store(db_path, key) -> ConnectionStore:
    return ConnectionStore(make_engine(f"sqlite:///{db_path}"), parse_keys(key))


@pytest.fixture
def lesson_store(store) -> ConnectionStore:
    store.seed_if_empty(seed_connections())
    return store
