"""A wrong key and a missing key file, on every command and every page, on SQLite and PostgreSQL:
one clear message naming the key problem, no traceback, no secret, nothing stored changed, and
never a new key made over rows an old one wrote."""

from __future__ import annotations

import contextlib
import io
import json

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from engine.__main__ import main
from engine.lessons import seed_connections
from engine.store import open_store
from engine.table import SandboxRow
from tests.helpers import lab_env, open_app, texts

SECRETS = [seed_connections()["my_aws_conn"]["password"], "PRACTICE-ONLY-NOT-A-REAL-KEY"]
COMMANDS = [
    ["connections", "add", "k_new", "--conn-type", "http", "--conn-password", "pw-new-1"],
    ["connections", "get", "my_aws_conn", "-o", "json"],
    ["connections", "delete", "my_aws_conn"],
    ["connections", "list"],
    ["connections", "export", "{tmp}/out.json"],
    ["connections", "import", "{tmp}/in.json", "--overwrite"],
    ["connections", "rotate-key"],
]


def cli(args):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(args)
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def everything_stored(store):
    """Both tables, as stored (Fernet tokens and all)."""
    with store.engine.connect() as conn:
        sandboxes = [tuple(r) for r in conn.execute(select(SandboxRow.__table__).order_by(SandboxRow.id))]
    return store.rows(), sandboxes


@pytest.fixture
def stored(tmp_path, monkeypatch, db_url):
    """A lab with the practice set in the shared table and in one learner's sandbox, its key in a file."""
    store, keys = open_store(lab_env(monkeypatch, tmp_path / "home", db_url))
    store.seed_if_empty(seed_connections())
    store.sandbox("learner:1").initialise(seed_connections())
    (tmp_path / "in.json").write_text(json.dumps({"imported": {"conn_type": "http", "password": "pw-imp-1"}}))
    yield store, keys
    store.engine.dispose()


def refused(store, args, tmp_path, words):
    before = everything_stored(store)
    code, out, err = cli([a.replace("{tmp}", str(tmp_path)) for a in args])
    assert code == 1, (args, out, err)
    assert "Traceback" not in out + err and not any(s in out + err for s in SECRETS)
    assert err.startswith("error: ") and any(w in err for w in words), err
    assert everything_stored(store) == before  # byte for byte, in both tables
    assert not (tmp_path / "out.json").exists()  # no export of what could not be read
    return err


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_wrong_key_is_refused_by_every_command(stored, tmp_path, monkeypatch, args):
    store, _ = stored
    monkeypatch.setenv("LAB_FERNET_KEY", Fernet.generate_key().decode())
    refused(store, args, tmp_path, ["Fernet key", "decrypt"])


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_missing_key_file_is_refused_by_every_command_and_no_key_is_made(stored, tmp_path, args):
    store, keys = stored
    from pathlib import Path

    Path(keys.origin).unlink()
    refused(store, args, tmp_path, ["is missing"])
    assert not Path(keys.origin).exists()


def test_with_a_wrong_key_the_lesson_works_and_the_connections_page_says_why(stored, monkeypatch):
    monkeypatch.setenv("LAB_FERNET_KEY", Fernet.generate_key().decode())
    from lab_ui import server

    server._open.cache_clear()
    at = open_app(step="3")
    assert not at.exception and not at.error and "Step 3 of 6" in texts(at)  # the lesson needs no key
    for page in ("pages/connections.py", "pages/your_dag.py", "pages/quiz.py", "pages/teacher.py"):
        at.switch_page(page).run()
        assert not at.exception, page
        shown = texts(at)
        assert not any(s in shown for s in SECRETS), page
    at.switch_page("pages/connections.py").run()
    assert [e.value for e in at.error if "Fernet key" in e.value or "decrypt" in e.value]
