"""Airflow's ``connection`` table, as the database holds it: its columns (SQLAlchemy 2.x ORM), a
row as stored (secrets as Fernet tokens), the engine for a URL, and the column sizes.

SQLite by default, PostgreSQL for a shared deployment; tables are created on first use, safely
when a class starts at once.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import make_dataclass

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from engine.connection import MODEL_CONN_ID_MAX_LEN, Connection
from engine.errors import InvalidConnection

# Column sizes of Airflow's connection table.
MAX_LENGTHS = {"conn_id": MODEL_CONN_ID_MAX_LEN, "conn_type": 500, "host": 500, "schema": 500, "description": 5000}
TEXT_LIMIT = 65_535  # login, password and extra are TEXT; we bound them so a paste cannot flood the DB


class Base(DeclarativeBase):
    pass


class _Fields:
    """The columns of Airflow's connection table past ``conn_id`` (shared by both tables)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conn_type: Mapped[str] = mapped_column(String(500), nullable=False)
    description: Mapped[str | None] = mapped_column(Text().with_variant(String(5000), "sqlite"))
    host: Mapped[str | None] = mapped_column(String(500))
    schema: Mapped[str | None] = mapped_column(String(500))
    login: Mapped[str | None] = mapped_column(Text())
    password: Mapped[str | None] = mapped_column(Text())
    port: Mapped[int | None] = mapped_column(Integer())
    is_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_extra_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    extra: Mapped[str | None] = mapped_column(Text())


class ConnectionRow(_Fields, Base):
    """A row of the ``connection`` table, shaped like Airflow's (the shared store: the CLI's)."""

    __tablename__ = "connection"

    conn_id: Mapped[str] = mapped_column(String(MODEL_CONN_ID_MAX_LEN), unique=True, nullable=False)


class SandboxRow(_Fields, Base):
    """A learner's own practice connection: the same columns, and whose sandbox it is in."""

    __tablename__ = "sandbox_connection"
    __table_args__ = (UniqueConstraint("owner", "conn_id", name="uq_sandbox_owner_conn_id"),)

    owner: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    conn_id: Mapped[str] = mapped_column(String(MODEL_CONN_ID_MAX_LEN), nullable=False)


class SandboxOwner(Base):
    """A sandbox that has been opened (and filled with the practice set) once."""

    __tablename__ = "sandbox_owner"

    owner: Mapped[str] = mapped_column(String(100), primary_key=True)


COLUMNS = ("id", "conn_id", *(c for c in _Fields.__annotations__ if c != "id"))
# A row exactly as the database holds it (secrets as Fernet tokens), derived from the table.
StoredRow = make_dataclass("StoredRow", COLUMNS, frozen=True)
SECRET_FIELDS = {"password": "is_encrypted", "extra": "is_extra_encrypted"}


OPENED: weakref.WeakSet = weakref.WeakSet()  # every engine made, so that a short-lived CLI can close them


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite waits for locks instead of failing at once."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" below start transactions
            if url not in ("sqlite://", "sqlite:///:memory:"):
                dbapi_conn.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # A writing transaction takes the write lock at its start, so two processes'
            # read-then-write never interleave; reading ones do not wait for it.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("lab_write") else "BEGIN")
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _create_tables(engine)
    OPENED.add(engine)
    return engine


def _create_tables(engine: Engine) -> None:
    """Create the tables if missing; a class starting at once may race to create them, and the
    loser of that race finds them made (PostgreSQL reports the race as a duplicate)."""
    for attempt in range(3):
        try:
            Base.metadata.create_all(engine)
            return
        except (IntegrityError, ProgrammingError, OperationalError):
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


def check_lengths(conn: Connection) -> None:
    """Raise ``InvalidConnection`` when a field is longer than its column allows."""
    for field, limit in MAX_LENGTHS.items():
        value = getattr(conn, field)
        if value is not None and len(value) > limit:
            raise InvalidConnection(
                f"The {field} is {len(value)} characters long; the connection table allows at most {limit}."
            )
    for field in ("login", "password", "extra"):
        value = getattr(conn, field)
        if value is not None and len(value) > TEXT_LIMIT:
            raise InvalidConnection(
                f"The {field} is {len(value)} characters long; the lab allows at most {TEXT_LIMIT}."
            )


def stored_row(row: ConnectionRow) -> StoredRow:
    return StoredRow(**{c: getattr(row, c) for c in COLUMNS})
