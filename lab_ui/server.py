"""The server's side of the lab, with no Streamlit import: the store and progress opened once per
process, the current trace cached per scenario and state of the store, and the sockets set
for small messages.

The store is opened once per configuration (process-wide); a trace is computed once per
scenario, DAG source and state of the store, and then only replayed by index. The state of the
store is re-read after a write in this process, or when the last look is older than
``STORE_RECHECK_SECONDS`` (a write by another server or the CLI), not on every rerun.
"""

from __future__ import annotations

import faulthandler
import hashlib
import hmac
import os
import socket
import stat
import threading
import time
import weakref
from functools import lru_cache

from engine.dag import PAGE_LIMITS, Dag, read_dag
from engine.lessons import scenario, seed_connections
from engine.progress import ProgressStore
from engine.quiz import reference_trace
from engine.settings import database_url
from engine.simulator import run_scenario
from engine.store import ConnectionStore, open_store
from engine.trace import Trace

# A crash in C code (an extension module, the interpreter) ends every learner's session at once;
# with this the server's log says where each thread was (a class's first loads once crashed the
# server in msgspec, see engine/schema.py). Enabled once per process.
if not faulthandler.is_enabled():
    faulthandler.enable()


@lru_cache(maxsize=8)
def _open(url: str, key_env: str | None, home: str | None) -> tuple[ConnectionStore, str, bool]:
    environ = {k: v for k, v in (("LAB_DATABASE_URL", url), ("LAB_FERNET_KEY", key_env), ("LAB_HOME", home)) if v}
    store, keys = open_store(environ)
    store.seed_if_empty(seed_connections())
    return store, keys.origin, keys.created


def get_store(environ=os.environ) -> ConnectionStore:
    """The store configured by the environment, opened (and seeded on a first start) once."""
    return _open(database_url(environ), environ.get("LAB_FERNET_KEY"), environ.get("LAB_HOME"))[0]


def key_origin(environ=os.environ) -> tuple[str, bool]:
    """Where the Fernet key in force comes from, and whether this start generated it."""
    _, origin, created = _open(database_url(environ), environ.get("LAB_FERNET_KEY"), environ.get("LAB_HOME"))
    return origin, created


def store_fingerprint(store: ConnectionStore) -> str:
    """Changes whenever any stored connection changes (Fernet tokens differ on every write)."""
    digest = hashlib.sha256()
    for row in store.rows():
        digest.update(repr(row).encode())
    return digest.hexdigest()


STORE_RECHECK_SECONDS = 2.0
_last_look: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # store -> (writes, when, fingerprint)


def current_fingerprint(store: ConnectionStore) -> str:
    """``store_fingerprint``, read again only when this process wrote to a store since the last
    look or the last look is older than ``STORE_RECHECK_SECONDS``."""
    now = time.monotonic()
    seen = _last_look.get(store)
    if seen is not None and seen[0] == ConnectionStore.writes and now - seen[1] < STORE_RECHECK_SECONDS:
        return seen[2]
    writes = ConnectionStore.writes  # taken before the read: a write during it forces the next look
    fingerprint = store_fingerprint(store)
    _last_look[store] = (writes, now, fingerprint)
    return fingerprint


@lru_cache(maxsize=64)
def read_learner_dag(source: str) -> Dag:
    """A learner's DAG, read once per source (within the page's limits), whichever session asks."""
    return read_dag(source, PAGE_LIMITS)


@lru_cache(maxsize=64)
def _trace(scenario_id: str, dag_source: str, store: ConnectionStore, fingerprint: str) -> Trace:
    return run_scenario(scenario(scenario_id), store, dag=read_learner_dag(dag_source))


@lru_cache(maxsize=512)
def _sandbox(owner: str, shared: ConnectionStore) -> ConnectionStore:
    store = shared.sandbox(owner)
    store.initialise(seed_connections())
    return store


def sandbox(owner: str, environ=os.environ) -> ConnectionStore:
    """One learner's own practice connections (the same database and key), filled with the
    lesson's practice set the first time that learner opens it."""
    return _sandbox(owner, get_store(environ))


def current_trace(scenario_id: str, dag_source: str | None = None, owner: str = "") -> Trace:
    """The run the pages show. A scenario runs against the lesson's own practice connections, read
    only and always as the lesson defines them, so no learner's edit can change another's lesson;
    a learner's own DAG (``dag_source``) runs against that learner's sandbox (``owner``), computed
    once per sandbox state — never through the unbounded cache of the lesson's own runs."""
    if dag_source is None:
        return reference_trace(scenario_id)
    store = sandbox(owner)
    return _trace(scenario_id, dag_source, store, current_fingerprint(store))


@lru_cache(maxsize=8)
def _progress(store: ConnectionStore) -> ProgressStore:
    return ProgressStore(store.engine)


def get_progress(environ=os.environ) -> ProgressStore:
    """The quiz progress tables, in the same database as the connections."""
    return _progress(get_store(environ))


PASSPHRASE_ENV = "LAB_INSTRUCTOR_PASSPHRASE"
PASSPHRASE_MIN = 12
_failures: list[float] = []  # times of wrong passphrases, process-wide (any session)
_failures_lock = threading.Lock()
FAILURE_WINDOW, MAX_FAILURES = 300.0, 10


def instructor_passphrase_set(environ=os.environ) -> bool:
    return len(environ.get(PASSPHRASE_ENV, "")) >= PASSPHRASE_MIN


def check_passphrase(given: str, environ=os.environ, clock=time.monotonic) -> tuple[bool, str | None]:
    """Whether ``given`` is the instructor passphrase (compared in constant time), and what to say
    when it is not. Ten wrong tries in five minutes, from any session, close the door for the rest
    of the five minutes, so that guessing is slow."""
    wanted = environ.get(PASSPHRASE_ENV, "")
    now = clock()
    with _failures_lock:
        _failures[:] = [t for t in _failures if now - t < FAILURE_WINDOW]
        if len(_failures) >= MAX_FAILURES:
            return False, "Too many wrong passphrases; try again in a few minutes."
        if len(wanted) >= PASSPHRASE_MIN and hmac.compare_digest(given.encode(), wanted.encode()):
            return True, None
        _failures.append(now)
    return False, "That is not the instructor passphrase."


def send_small_messages_at_once() -> int:
    """Turn Nagle's algorithm off on every TCP socket of this process; return how many changed.

    A step sends the browser a burst of small websocket messages. Streamlit 1.67 binds its
    listening socket itself with protocol 0, so asyncio, which sets TCP_NODELAY only on sockets
    whose protocol is IPPROTO_TCP, leaves Nagle on: every message after the first waits until
    the peer acknowledges it, and a peer that delays its ACKs (nginx in front of several
    servers, a client other than a browser) makes each step wait ~40 ms: 44 ms a step through
    nginx against 6 ms with this set (BENCHMARKS.md). Setting TCP_NODELAY on the listening
    socket covers every connection accepted after it on Linux (accepted sockets inherit it);
    the open ones are set too. Returns 0 where the process's descriptors cannot be listed.
    """
    fd_dir = "/proc/self/fd" if os.path.isdir("/proc/self/fd") else "/dev/fd"
    try:
        fds = [int(name) for name in os.listdir(fd_dir)]
    except OSError:
        return 0
    changed = 0
    for fd in fds:
        try:
            if not stat.S_ISSOCK(os.fstat(fd).st_mode):
                continue
            copy = os.dup(fd)  # a second descriptor: closing it leaves fd open
        except OSError:
            continue
        try:
            sock = socket.socket(fileno=copy)
        except (OSError, ValueError):
            os.close(copy)
            continue
        with sock:
            try:
                if (
                    sock.family in (socket.AF_INET, socket.AF_INET6)
                    and sock.type == socket.SOCK_STREAM
                    and not sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                ):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    changed += 1
            except OSError:
                continue
    return changed
