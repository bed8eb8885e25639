"""What keeps a step fast (see BENCHMARKS.md): each guarded here so that it cannot quietly go."""

from __future__ import annotations

import gc
import os
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import event

from engine.connection import Connection
from engine.dag import read_dag
from engine.secrets import default_backends
from engine.simulator import run
from lab_ui import server as lab
from tests.helpers import at_once, generated_dag, store_with

ROOT = Path(__file__).resolve().parent.parent


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="lists descriptors through /proc")
def test_a_steps_messages_are_not_held_back_by_nagle():
    # A listening socket made as Streamlit 1.67 makes its own (protocol 0): asyncio leaves Nagle on.
    listener = socket.socket(family=socket.AF_INET)
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    open_client = socket.create_connection(listener.getsockname())
    already_open, _ = listener.accept()
    try:
        assert not _nodelay(already_open)
        assert lab.send_small_messages_at_once() >= 2
        assert _nodelay(listener) and _nodelay(already_open)
        later_client = socket.create_connection(listener.getsockname())
        accepted_later, _ = listener.accept()  # a learner who connects after the first page
        assert _nodelay(accepted_later)
        later_client.close()
        accepted_later.close()
    finally:
        for sock in (open_client, already_open, listener):
            sock.close()


@pytest.fixture
def bench_backends(tmp_path):
    """The engine benchmark's store: conn_0, the connection its generated DAGs name."""
    return default_backends(store_with(f"sqlite:///{tmp_path / 'bench.db'}", 1), {})


def _generated_dag(tasks: int):
    return read_dag(generated_dag(tasks, 1))


class _SeesTheCollector:
    """A secrets backend that notes whether the cyclic collector was on when it was asked."""

    def __init__(self, inner):
        self.inner, self.seen = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def get_connection(self, conn_id):
        self.seen.append(gc.isenabled())
        return self.inner.get_connection(conn_id)


def test_a_run_pauses_the_cyclic_collector_and_restores_it(bench_backends):
    watched = [_SeesTheCollector(b) for b in bench_backends]
    assert gc.isenabled()
    trace = run(_generated_dag(20), watched)
    assert trace.succeeded and len(trace.steps) == 4 * 20 + 2
    assert [seen for b in watched for seen in b.seen] and not any(seen for b in watched for seen in b.seen)
    assert gc.isenabled()


def test_a_run_leaves_a_disabled_collector_disabled(bench_backends):
    gc.disable()
    try:
        run(_generated_dag(3), bench_backends)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_runs_in_several_threads_at_once_leave_the_collector_on(bench_backends):
    dag = _generated_dag(200)
    traces, errors = at_once(lambda: run(dag, bench_backends), 6)
    assert not errors
    assert len({len(t.steps) for t in traces}) == 1 and traces[0].succeeded
    assert gc.isenabled()


def test_the_server_runs_as_benchmarked():
    """The settings BENCHMARKS.md measured: no forced collection after every rerun, no watcher."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["postScriptGC"] is False
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["runOnSave"] is False


class _CountsQueries:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args):
        self.count += 1


def test_a_rerun_does_not_read_the_store_again():
    first, other = lab.current_trace("lesson"), lab.current_trace("job_fails")
    queries = _CountsQueries(lab.get_store().engine)
    for _ in range(5):  # five reruns of pages: the same recorded runs, and not one SELECT
        assert lab.current_trace("lesson") is first
        assert lab.current_trace("job_fails") is other
    assert queries.count == 0


OWNER = "browser:speed-test-learner-token-000000"
DAG = (ROOT / "data" / "dags" / "example_dag.py").read_text(encoding="utf-8")


def test_a_connection_edited_in_this_process_is_used_by_the_next_run_at_once():
    before = lab.current_trace("lesson", DAG, OWNER)
    store = lab.sandbox(OWNER)
    conn = store.get("my_gcp_conn")
    extra = {**conn.extra_dejson, "project": "edited-just-now"}
    store.save(Connection(conn_id=conn.conn_id, conn_type=conn.conn_type, extra=extra))
    after = lab.current_trace("lesson", DAG, OWNER)
    assert after is not before
    assert "edited-just-now" in after.step(3).narration and "edited-just-now" not in before.step(3).narration


def test_a_connection_deleted_by_another_server_is_seen_after_the_recheck_time(monkeypatch):
    assert lab.current_trace("lesson", DAG, OWNER).succeeded
    other_server = f"from lab_ui import server; server.get_store().sandbox({OWNER!r}).delete('my_gcp_conn')"
    done = subprocess.run(
        [sys.executable, "-c", other_server], cwd=ROOT, env=dict(os.environ), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    now = lab.time.monotonic()
    monkeypatch.setattr(lab.time, "monotonic", lambda: now + lab.STORE_RECHECK_SECONDS + 0.1)
    trace = lab.current_trace("lesson", DAG, OWNER)
    assert not trace.succeeded and trace.failed_step.number == 2  # the conn_id isn't defined any more
    assert lab.current_trace("lesson").succeeded  # and the lesson itself is untouched
