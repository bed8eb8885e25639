"""A class arriving at once on a fresh lab: 50 browser sessions on one new server, and four CLIs
on a new data dir — no traceback, no error message, one key, the practice set stored once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from benchmarks.classroom import Learner
from tests.helpers import ROOT, Server, engine_cli, run_async

SESSIONS = 50


async def _first_loads(url: str, n: int) -> list[Learner]:
    learners = [Learner(url) for _ in range(n)]
    await asyncio.gather(*(learner.connect() for learner in learners))
    await asyncio.gather(*(learner.rerun() for learner in learners))  # the walkthrough, all at once
    await asyncio.gather(*(learner.open_page("connections") for learner in learners))  # 50 new sandboxes
    for learner in learners:
        await learner.ws.close()
    return learners


@pytest.mark.browser
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_fifty_sessions_open_a_fresh_lab_at_once(tmp_path, database, request, key):
    env = {}
    if database == "postgresql":
        from sqlalchemy import create_engine

        from engine.store import Base

        url = request.getfixturevalue("pg_url")
        engine = create_engine(url)
        Base.metadata.drop_all(engine)
        engine.dispose()
        env = {"LAB_DATABASE_URL": url, "LAB_FERNET_KEY": key}
    server = Server(ROOT / "app.py", tmp_path / "home", env)
    try:
        learners = run_async(lambda: _first_loads(server.url, SESSIONS))
    except Exception as err:  # a session cut off: what the server said about it
        raise AssertionError(server.said()) from err
    finally:
        server.stop()
    assert [learner.error_texts for learner in learners if learner.errors] == []
    walked = sum(any("Step 1 of 6" in t or "Now — Step 1" in t for t in learner.texts) for learner in learners)
    listed = sum(any("my_gcp_conn" in t for t in learner.texts) for learner in learners)
    assert (walked, listed) == (SESSIONS, SESSIONS)


def test_four_clis_start_at_once_on_a_fresh_data_dir(tmp_path):
    env = {**os.environ, "LAB_HOME": str(tmp_path / "home")}
    env.pop("LAB_DATABASE_URL", None)
    env.pop("LAB_FERNET_KEY", None)
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "engine", "connections", "list", "-o", "json"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
    assert [(code, err) for code, _, err in results if code != 0 or "Traceback" in err or "locked" in err] == []
    listed = [sorted(row["conn_id"] for row in json.loads(out)) for _, out, _ in results]
    assert all(ids == listed[0] and "my_gcp_conn" in ids for ids in listed)
    # one key for all four: what any of them stored decrypts with the key left on disk
    got = engine_cli(tmp_path / "home", "connections", "get", "my_gcp_conn", "-o", "json")
    assert got.returncode == 0, got.stderr
    assert len(list((tmp_path / "home").glob("*.key"))) == 1


# Many threads check data/ at once in a fresh process, as a server's first learners do, with the
# interpreter switching threads as often as it can (a class of 120 first loads made it happen at
# the default interval). msgspec 0.22 built a Struct's type information on first use from several
# threads at once and crashed (SIGSEGV) in about two runs in five of this script.
CHECK_AT_ONCE = """
import sys, threading
sys.setswitchinterval(1e-6)
import yaml
from engine.lessons import DATA_DIR
from engine.schema import SCHEMAS, ScenarioFile, checked
files = [(name, SCHEMAS[name]) for name in sorted(SCHEMAS)]
files += [("scenarios/" + p.name, ScenarioFile) for p in sorted((DATA_DIR / "scenarios").glob("*.yaml"))]
work = [(name, schema, yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8"))) for name, schema in files]
start = threading.Barrier(32)
def check(i):
    start.wait()
    k = i % len(work)  # each thread starts at another file
    for name, schema, raw in work[k:] + work[:k]:
        checked(name, raw, schema)
threads = [threading.Thread(target=check, args=(i,)) for i in range(32)]
for t in threads: t.start()
for t in threads: t.join()
print("checked")
"""


def test_data_files_checked_by_many_threads_at_once_in_a_fresh_process():
    runs = [
        subprocess.run(
            [sys.executable, "-X", "faulthandler", "-c", CHECK_AT_ONCE], cwd=ROOT, capture_output=True, text=True
        )
        for _ in range(12)
    ]
    assert [(r.returncode, r.stderr[-600:]) for r in runs if r.returncode != 0 or r.stdout.strip() != "checked"] == []


@pytest.mark.browser
def test_a_server_that_crashes_says_where_each_thread_was(tmp_path):
    """A crash in C code ends every session at once; the log must then say where (faulthandler)."""
    server = Server(ROOT / "app.py", tmp_path / "home")

    async def one_page():
        learner = Learner(server.url)
        await learner.connect()
        await learner.rerun()  # the lab's script has run: its modules are imported
        os.kill(server.proc.pid, signal.SIGSEGV)
        await learner.ws.close()

    try:
        run_async(one_page)
        server.proc.wait(timeout=30)
        said = server.said(tail=None)  # the whole log: a dump of many threads pushes its header out of a tail
    finally:
        server.stop()
    assert server.proc.returncode == -signal.SIGSEGV
    assert "Fatal Python error: Segmentation fault" in said and "Thread 0x" in said, said


def test_data_asked_for_by_many_threads_at_once_is_loaded_once():
    import threading

    from engine.lessons import _once

    loads, start = [], threading.Barrier(16)

    @_once
    def slow_file():
        loads.append(1)
        time.sleep(0.05)  # reading and checking a file: long enough for the others to ask meanwhile
        return {"loaded": len(loads)}

    def ask():
        start.wait()
        return slow_file()

    threads = [threading.Thread(target=ask) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(loads), slow_file()) == (1, {"loaded": 1})
    slow_file.cache_clear()
    assert slow_file() == {"loaded": 2}
