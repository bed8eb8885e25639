"""The metadata store: connections in Airflow's ``connection`` table (``engine.table``), with
``password`` and ``extra`` Fernet-encrypted before they are written. A key that cannot read a
row gives a ``DecryptionError`` naming the connection and never touches the row; a key that
cannot read the table writes nothing.
"""

from __future__ import annotations

import os

from cryptography.fernet import InvalidToken, MultiFernet
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from engine.connection import FIELDS, Connection, validate_conn_id
from engine.crypto import KeySource, load_keys
from engine.errors import AirflowNotFoundException, DecryptionError, InvalidConnection
from engine.settings import database_url
from engine.table import (  # noqa: F401  (Base and make_engine stay importable from here, for the tests and progress.py)
    SECRET_FIELDS,
    Base,
    ConnectionRow,
    SandboxOwner,
    SandboxRow,
    StoredRow,
    check_lengths,
    make_engine,
    stored_row,
)


class ConcurrentEdit(InvalidConnection):
    """The row changed since the editor read it; saving would lose the other change."""


class ConnectionStore:
    """Add, read, change, delete and re-encrypt connections in the metadata database."""

    writes = 0  # commits by any store of this process: lets a reader skip re-reading unchanged rows

    def __init__(
        self, engine: Engine, fernet: MultiFernet, key_origin: str = "LAB_FERNET_KEY", owner: str | None = None
    ):
        self.engine = engine
        self.fernet = fernet
        self.key_origin = key_origin
        # The shared store (``connection``, the CLI's), or one learner's sandbox (``sandbox_connection``).
        self.owner = owner
        self.model = ConnectionRow if owner is None else SandboxRow
        self.table = self.model.__table__
        self._sessions = sessionmaker(engine.execution_options(lab_write=True), expire_on_commit=False)
        self._reads = sessionmaker(engine, expire_on_commit=False)
        event.listen(self._sessions, "after_commit", _count_write)

    def sandbox(self, owner: str) -> ConnectionStore:
        """The same database and keys, scoped to one learner's own practice connections."""
        if not owner or len(owner) > 100:
            raise InvalidConnection("A sandbox needs an owner of 1 to 100 characters.")
        return ConnectionStore(self.engine, self.fernet, self.key_origin, owner)

    def _mine(self, query):
        """``query`` limited to this store's rows (one owner's, in the sandbox table)."""
        return query if self.owner is None else query.where(self.table.c.owner == self.owner)

    def _new_row(self, conn_id: str):
        return self.model(conn_id=conn_id) if self.owner is None else self.model(conn_id=conn_id, owner=self.owner)

    # -- encryption ----------------------------------------------------------------------
    def _encrypt(self, value: str | None) -> tuple[str | None, bool]:
        if not value:
            return None, False
        return self.fernet.encrypt(value.encode()).decode(), True

    def _decrypt(self, row, field: str) -> str | None:
        value = getattr(row, field)
        encrypted = getattr(row, SECRET_FIELDS[field])
        if not value or not encrypted:
            return value
        try:
            return self.fernet.decrypt(value.encode()).decode()
        except InvalidToken:
            raise DecryptionError(
                f"Cannot decrypt the {field} of connection `{row.conn_id}`: it was encrypted with a "
                f"Fernet key that is not among the keys in force ({self.key_origin}). "
                "Add the old key after the new one (comma-separated) to read it again."
            ) from None

    def _to_connection(self, row) -> Connection:
        return Connection(**{f: self._decrypt(row, f) if f in SECRET_FIELDS else getattr(row, f) for f in FIELDS})

    def _fill(self, row: ConnectionRow, conn: Connection) -> None:
        check_lengths(conn)
        for f in FIELDS:
            if f in SECRET_FIELDS:
                value, encrypted = self._encrypt(getattr(conn, f))
                setattr(row, f, value)
                setattr(row, SECRET_FIELDS[f], encrypted)
            elif f != "conn_id":
                setattr(row, f, getattr(conn, f))
        row.conn_type = conn.conn_type or ""

    def check_key(self) -> None:
        """Refuse to write with a key that cannot read what is stored: the table would then hold
        tokens of two keys, and every reader with either key would fail on the other's rows."""
        table = self.table
        query = (
            select(table.c.conn_id, table.c.password, table.c.is_encrypted, table.c.extra, table.c.is_extra_encrypted)
            .where((table.c.is_encrypted & table.c.password.is_not(None)) | table.c.is_extra_encrypted)
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is not None:
            token = row.password if row.is_encrypted and row.password else row.extra
            try:
                self.fernet.decrypt(token.encode())
            except InvalidToken:
                raise DecryptionError(
                    f"The Fernet key in force ({self.key_origin}) cannot decrypt the stored connections "
                    f"(`{row.conn_id}` was encrypted with another key), so nothing was written. Use the key "
                    "they were written with; to change keys, put the new one first in LAB_FERNET_KEY, keep the "
                    "old one after it, and run `python -m engine connections rotate-key`."
                ) from None

    def key_reads_rows(self) -> bool:
        """Whether the key in force decrypts what is stored (rows another process, starting at the
        same moment, wrote with this same new key do; rows of a lost key do not)."""
        try:
            self.check_key()
        except DecryptionError:
            return False
        return True

    def has_encrypted_rows(self) -> bool:
        table = self.table
        with self.engine.connect() as conn:
            return (
                conn.execute(
                    select(table.c.id).where(table.c.is_encrypted | table.c.is_extra_encrypted).limit(1)
                ).first()
                is not None
            )

    # -- reading -------------------------------------------------------------------------
    def get(self, conn_id: str) -> Connection | None:
        """The decrypted connection, or ``None`` when no row has this conn_id (one plain SELECT)."""
        table = self.table
        with self.engine.connect() as conn:
            row = conn.execute(self._mine(select(table).where(table.c.conn_id == conn_id))).first()
        return self._to_connection(row) if row else None

    def rows(self) -> list[StoredRow]:
        """Every row as stored, ordered by conn_id (no decryption, so a wrong key cannot fail it)."""
        with self._reads() as session:
            rows = session.scalars(self._mine(select(self.model)).order_by(self.model.conn_id)).all()
            return [stored_row(r) for r in rows]

    def raw_row(self, conn_id: str) -> StoredRow | None:
        with self._reads() as session:
            row = session.scalar(self._mine(select(self.model).where(self.model.conn_id == conn_id)))
            return stored_row(row) if row else None

    def list(self) -> list[Connection]:
        """Every connection, decrypted (raises ``DecryptionError`` on the first that cannot be)."""
        return [self._to_connection(r) for r in self.rows()]

    def conn_ids(self) -> list[str]:
        with self._reads() as session:
            return list(session.scalars(self._mine(select(self.model.conn_id)).order_by(self.model.conn_id)))

    # -- writing -------------------------------------------------------------------------
    def add(self, conn: Connection) -> None:
        """Insert a new connection; a duplicate conn_id raises and changes nothing."""
        validate_conn_id(conn.conn_id)
        if not conn.conn_type:
            raise InvalidConnection("A connection needs a conn_type.")
        self.check_key()
        row = self._new_row(conn.conn_id)
        self._fill(row, conn)
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            raise InvalidConnection(f"A connection with `conn_id`={conn.conn_id} already exists.") from None

    def update(self, conn: Connection, expected: StoredRow | None = None) -> None:
        """Replace the fields of an existing connection, in one transaction.

        With ``expected`` (the row as the editor read it), the update is refused with
        ``ConcurrentEdit`` when someone else changed the row since, so no edit is lost.
        """
        if not conn.conn_type:
            raise InvalidConnection("A connection needs a conn_type.")
        check_lengths(conn)
        self.check_key()
        with self._sessions.begin() as session:
            query = select(self.model).where(self.model.conn_id == conn.conn_id)
            row = session.scalar(self._mine(query).with_for_update())
            if row is None:
                raise AirflowNotFoundException(f"The conn_id `{conn.conn_id}` isn't defined")
            if expected is not None and stored_row(row) != expected:
                raise ConcurrentEdit(
                    f"`{conn.conn_id}` was changed by someone else after you opened it; "
                    "reload it and make your change again."
                )
            self._fill(row, conn)

    def save(self, conn: Connection) -> None:
        """Add, or update when the conn_id exists."""
        if self.raw_row(conn.conn_id) is None:
            self.add(conn)
        else:
            self.update(conn)

    def import_connections(self, conns: list[Connection], overwrite: bool = False) -> dict[str, str]:
        """Write many connections in one transaction; conn_id → "added", "updated" or "skipped"."""
        for conn in conns:
            validate_conn_id(conn.conn_id)
            check_lengths(conn)
            if not conn.conn_type:
                raise InvalidConnection(f"Connection `{conn.conn_id}` needs a conn_type.")
        self.check_key()
        outcome: dict[str, str] = {}
        with self._sessions.begin() as session:
            for conn in conns:
                row = session.scalar(self._mine(select(self.model).where(self.model.conn_id == conn.conn_id)))
                if row is not None and not overwrite:
                    outcome[conn.conn_id] = "skipped"
                    continue
                outcome[conn.conn_id] = "updated" if row is not None else "added"
                if row is None:
                    row = self._new_row(conn.conn_id)
                    session.add(row)
                self._fill(row, conn)
        return outcome

    def seed_if_empty(self, connections: dict[str, dict]) -> list[str]:
        """On a first start (an empty table), add the given connections in one transaction, so a
        reader never sees half of them; returns the ids added (none when another process, starting
        at the same moment, seeded first)."""
        if self.conn_ids():
            return []
        conns = self._checked(connections)
        try:
            with self._sessions.begin() as session:
                if session.scalar(self._mine(select(self.model.id)).limit(1)) is not None:
                    return []  # seeded meanwhile (SQLite: this transaction waited for the other's lock)
                self._insert(session, conns)
        except IntegrityError:  # PostgreSQL: another process inserted the same ids at the same moment
            return []
        return [c.conn_id for c in conns]

    def initialise(self, connections: dict[str, dict]) -> bool:
        """Fill a sandbox with ``connections`` the first time its owner opens it, in the same
        transaction that records it opened (once: a learner who deletes them all keeps an empty
        sandbox; two servers opening it at once fill it once). Whether this call filled it."""
        if self.owner is None:
            raise InvalidConnection("Only a sandbox is initialised; the shared store is seeded on first start.")
        if self._opened():
            return False
        conns = self._checked(connections)
        try:
            with self._sessions.begin() as session:
                session.add(SandboxOwner(owner=self.owner))
                session.flush()
                self._replace(session, conns)
        except IntegrityError:  # another server opened it at the same moment
            return False
        return True

    def _opened(self) -> bool:
        with self._reads() as session:
            return session.get(SandboxOwner, self.owner) is not None

    def _checked(self, connections: dict[str, dict]) -> list[Connection]:
        conns = [Connection(conn_id=conn_id, **fields) for conn_id, fields in connections.items()]
        self.check_key()
        return conns

    def _replace(self, session, conns: list[Connection]) -> None:
        for row in session.scalars(self._mine(select(self.model)).with_for_update()).all():
            session.delete(row)
        session.flush()
        self._insert(session, conns)

    def _insert(self, session, conns: list[Connection]) -> None:
        for conn in conns:
            row = self._new_row(conn.conn_id)
            self._fill(row, conn)
            session.add(row)

    def reset(self, connections: dict[str, dict]) -> list[str]:
        """Replace every connection of this sandbox with ``connections``, in one transaction."""
        if self.owner is None:
            raise InvalidConnection("Only a sandbox can be reset; the shared store is the CLI's.")
        conns = self._checked(connections)
        with self._sessions.begin() as session:
            if session.get(SandboxOwner, self.owner) is None:
                session.add(SandboxOwner(owner=self.owner))
            self._replace(session, conns)
        return [c.conn_id for c in conns]

    def delete(self, conn_id: str) -> None:
        self.check_key()
        with self._sessions.begin() as session:
            row = session.scalar(self._mine(select(self.model).where(self.model.conn_id == conn_id)))
            if row is None:
                raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
            session.delete(row)

    def rotate(self) -> int:
        """Re-encrypt every secret with the first key, in the shared table and every sandbox;
        returns how many rows changed.

        All rows are decrypted before any is written, so a key that cannot read one row
        leaves every row as it was.
        """
        with self._sessions.begin() as session:
            rows = [
                row for model in (ConnectionRow, SandboxRow) for row in session.scalars(select(model).with_for_update())
            ]
            for row in rows:  # check first: fail before writing anything
                self._decrypt(row, "password")
                self._decrypt(row, "extra")
            changed = 0
            for row in rows:
                touched = False
                if row.password and row.is_encrypted:
                    row.password = self.fernet.rotate(row.password.encode()).decode()
                    touched = True
                if row.extra and row.is_extra_encrypted:
                    row.extra = self.fernet.rotate(row.extra.encode()).decode()
                    touched = True
                changed += touched
            return changed


def _count_write(_session) -> None:
    ConnectionStore.writes += 1


def open_store(environ=os.environ) -> tuple[ConnectionStore, KeySource]:
    """The store configured by ``LAB_DATABASE_URL``/``LAB_HOME`` and ``LAB_FERNET_KEY``.

    A key file that is missing while the table holds encrypted rows is an error, not a new key:
    a new key could never read them. The key file made by this start is removed again then."""
    keys = load_keys(environ)
    store = ConnectionStore(make_engine(database_url(environ)), keys.fernet, keys.origin)
    if keys.created and store.has_encrypted_rows() and not store.key_reads_rows():
        os.unlink(keys.origin)
        raise DecryptionError(
            f"The key file {keys.origin} is missing, but the database holds connections encrypted with it. "
            "Restore the key file (or set LAB_FERNET_KEY to that key); a new key could never read them."
        )
    return store, keys
