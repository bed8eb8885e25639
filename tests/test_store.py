"""The metadata store: encryption at rest, key rotation, a wrong key, field limits."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from engine.connection import Connection
from engine.crypto import load_keys, parse_keys
from engine.errors import AirflowException, AirflowNotFoundException, DecryptionError, InvalidConnection
from engine.store import ConcurrentEdit, ConnectionStore, make_engine, open_store
from tests.helpers import at_once

SECRET = "pa55-w0rd-for-practice"
KEYFILE_SECRET = "PRACTICE-PRIVATE-KEY-MATERIAL"


def practice_connection(conn_id="c1"):
    return Connection(
        conn_id=conn_id,
        conn_type="google_cloud_platform",
        login="me",
        password=SECRET,
        extra={"project": "p", "keyfile_dict": json.dumps({"private_key": KEYFILE_SECRET})},
    )


def test_password_and_extra_are_encrypted_at_rest(store, db_path):
    store.add(practice_connection())
    raw = b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))  # db, -wal, -shm
    assert raw and SECRET.encode() not in raw
    assert KEYFILE_SECRET.encode() not in raw
    row = store.raw_row("c1")
    assert row.is_encrypted and row.is_extra_encrypted
    assert row.password != SECRET and row.password.startswith("gAAAAA")
    assert store.get("c1") == practice_connection()


def test_sqlite_file_holds_no_secret_after_the_engine_is_closed(store, db_path):
    store.add(practice_connection())
    store.engine.dispose()
    for path in db_path.parent.glob(db_path.name + "*"):
        assert SECRET.encode() not in path.read_bytes()


def test_a_connection_without_secrets_is_not_marked_encrypted(any_store):
    store = any_store
    store.add(Connection(conn_id="plain", conn_type="http", host="example.org"))
    row = store.raw_row("plain")
    assert (row.password, row.is_encrypted, row.extra, row.is_extra_encrypted) == (None, False, None, False)


def test_duplicate_conn_id_is_refused_and_the_first_is_kept(any_store):
    store = any_store
    store.add(practice_connection())
    with pytest.raises(InvalidConnection, match="already exists"):
        store.add(Connection(conn_id="c1", conn_type="http", host="other"))
    assert store.get("c1").conn_type == "google_cloud_platform"


def test_wrong_key_names_the_connection_and_leaves_the_row(db_url, key):
    url = db_url
    ConnectionStore(make_engine(url), parse_keys(key)).add(practice_connection())
    other = ConnectionStore(make_engine(url), parse_keys(Fernet.generate_key().decode()))
    before = other.raw_row("c1")
    with pytest.raises(DecryptionError, match="connection `c1`"):
        other.get("c1")
    with pytest.raises(DecryptionError):
        other.rotate()
    assert other.raw_row("c1") == before
    assert SECRET not in str(before)


def test_rotation_re_encrypts_with_the_first_key(db_url):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    url = db_url
    ConnectionStore(make_engine(url), parse_keys(old)).add(practice_connection())
    both = ConnectionStore(make_engine(url), parse_keys(f"{new},{old}"))
    assert both.get("c1").password == SECRET  # any key decrypts
    assert both.rotate() == 1
    only_new = ConnectionStore(make_engine(url), parse_keys(new))
    assert only_new.get("c1") == practice_connection()
    with pytest.raises(DecryptionError):
        ConnectionStore(make_engine(url), parse_keys(old)).get("c1")


@pytest.mark.parametrize("field, limit", [("host", 500), ("schema", 500), ("description", 5000), ("conn_type", 500)])
def test_a_field_longer_than_its_column_is_refused(any_store, field, limit):
    store = any_store
    conn = Connection(**{"conn_id": "long", "conn_type": "http", field: "x" * (limit + 1)})
    with pytest.raises(InvalidConnection, match=f"at most {limit}"):
        store.add(conn)
    assert store.raw_row("long") is None


def test_update_and_delete(any_store):
    store = any_store
    store.add(practice_connection())
    changed = practice_connection()
    changed.host = "new-host"
    store.update(changed)
    assert store.get("c1").host == "new-host"
    store.delete("c1")
    assert store.get("c1") is None
    with pytest.raises(AirflowNotFoundException, match="The conn_id `c1` isn't defined"):
        store.delete("c1")


def test_first_start_generates_a_private_key_file(tmp_path, monkeypatch):
    monkeypatch.setenv("LAB_HOME", str(tmp_path / "home"))
    store, keys = open_store()
    assert keys.created and keys.origin.endswith("fernet.key")
    assert stat.S_IMODE(os.stat(keys.origin).st_mode) == 0o600
    store.add(practice_connection())
    assert (tmp_path / "home" / "lab.db").exists()
    _, again = open_store()
    assert not again.created and again.origin == keys.origin
    assert open_store()[0].get("c1").password == SECRET


def test_lab_fernet_key_and_database_url_are_used(tmp_path, monkeypatch, key):
    monkeypatch.setenv("LAB_FERNET_KEY", key)
    monkeypatch.setenv("LAB_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    store, keys = open_store()
    assert keys.origin == "LAB_FERNET_KEY"
    store.add(practice_connection())
    assert (tmp_path / "elsewhere.db").exists()
    assert not (tmp_path / "lab_home" / "fernet.key").exists()


def test_a_malformed_key_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("LAB_FERNET_KEY", "not-a-key")
    with pytest.raises(AirflowException, match="Fernet"):
        load_keys()


def test_seeding_happens_only_on_an_empty_store(any_store):
    store = any_store
    assert store.seed_if_empty({"a": {"conn_type": "http"}}) == ["a"]
    assert store.seed_if_empty({"b": {"conn_type": "http"}}) == []
    assert store.conn_ids() == ["a"]


def test_an_edit_based_on_a_stale_read_is_refused(any_store):
    store = any_store
    store.add(practice_connection())
    seen = store.raw_row("c1")
    first = store.get("c1")
    first.host = "edited-by-a"
    store.update(first, expected=seen)
    second = practice_connection()
    second.host = "edited-by-b"
    with pytest.raises(ConcurrentEdit, match="changed by someone else"):
        store.update(second, expected=seen)
    assert store.get("c1").host == "edited-by-a"


def test_import_writes_all_or_reports_skips(any_store):
    store = any_store
    store.add(practice_connection("keep"))
    outcome = store.import_connections([practice_connection("keep"), practice_connection("new")])
    assert outcome == {"keep": "skipped", "new": "added"}
    changed = practice_connection("keep")
    changed.host = "h2"
    assert store.import_connections([changed], overwrite=True) == {"keep": "updated"}
    assert store.get("keep").host == "h2"
    too_long = Connection(conn_id="x", conn_type="http", host="h" * 501)
    with pytest.raises(InvalidConnection):
        store.import_connections([practice_connection("other"), too_long])
    assert store.raw_row("other") is None


def test_two_processes_writing_at_once_lose_no_update(db_url, key, tmp_path):
    """Adds, edits (with stale-read retry), deletes and key rotations from two processes at once."""
    import subprocess
    import sys
    from pathlib import Path

    writer = Path(__file__).with_name("concurrent_writer.py")
    store = ConnectionStore(make_engine(db_url), parse_keys(key))
    store.add(Connection(conn_id="shared", conn_type="http", description=""))
    procs = [
        subprocess.Popen(
            [sys.executable, str(writer), db_url, key, name, "25"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    ids = set(store.conn_ids())
    for name in ("a", "b"):
        for i in range(25):
            assert (f"{name}_{i}" in ids) == (i % 5 != 0), f"{name}_{i}"
    marks = store.get("shared").description.split()
    assert sorted(marks) == sorted(f"{n}{i}" for n in ("a", "b") for i in range(25))  # every edit kept
    assert all(c.password == "pw" for c in store.list() if c.conn_id != "shared")  # every row decrypts


# -- keys: a write with a key that cannot read the table, a key file gone missing --------------
def test_a_key_that_cannot_read_the_stored_rows_writes_nothing(db_path, key):
    right = ConnectionStore(make_engine(f"sqlite:///{db_path}"), parse_keys(key))
    right.add(Connection(conn_id="kept", conn_type="http", password="pw-kept-1"))
    before = right.rows()
    wrong = ConnectionStore(make_engine(f"sqlite:///{db_path}"), parse_keys(Fernet.generate_key().decode()))
    writes = [
        lambda: wrong.add(Connection(conn_id="new", conn_type="http", password="pw-new-1")),
        lambda: wrong.update(Connection(conn_id="kept", conn_type="http", password="pw-other")),
        lambda: wrong.import_connections([Connection(conn_id="kept", conn_type="http")], overwrite=True),
        lambda: wrong.delete("kept"),
    ]
    for write in writes:
        with pytest.raises(DecryptionError, match="cannot decrypt the stored connections"):
            write()
    assert right.rows() == before  # byte for byte


def test_a_missing_key_file_with_encrypted_rows_is_an_error_not_a_new_key(tmp_path):
    environ = {"LAB_HOME": str(tmp_path / "home")}
    store, keys = open_store(environ)
    store.add(Connection(conn_id="secret", conn_type="http", password="pw-secret-1"))
    key_file = Path(keys.origin)
    key_file.unlink()
    for _ in range(2):  # and again: the refusal does not leave a new key behind
        with pytest.raises(DecryptionError, match="is missing, but the database holds connections encrypted"):
            open_store(environ)
        assert not key_file.exists()


def test_a_class_starting_at_once_seeds_the_lesson_once(db_path, key):
    from engine.lessons import seed_connections

    _, errors = at_once(
        lambda: ConnectionStore(make_engine(f"sqlite:///{db_path}"), parse_keys(key)).seed_if_empty(seed_connections()),
        8,
    )
    assert not errors
    assert ConnectionStore(make_engine(f"sqlite:///{db_path}"), parse_keys(key)).conn_ids() == sorted(
        seed_connections()
    )
