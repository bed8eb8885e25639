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


# -- browser tests: Debian's Chromium against a real `streamlit run app.py` ------------------
import os  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def need_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    need_chromium()
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


class Server:
    """`streamlit run <script>` on a free loopback port, with its own LAB_HOME.

    Streamlit reads ``.streamlit/config.toml`` from the working directory: ``cwd`` (default the
    script's folder) decides which configuration the server runs with.
    """

    def __init__(self, script: Path, home: Path, extra_env: dict | None = None, cwd: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "LAB_HOME": str(home), **(extra_env or {})}
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")}
        self.proc = subprocess.Popen(
            [shutil.which("streamlit") or "streamlit", "run", str(script), "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(self.port), "--browser.gatherUsageStats",
             "false"],
            cwd=cwd or script.parent, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not start on {self.url}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    need_chromium()
    server = Server(ROOT / "app.py", tmp_path_factory.mktemp("browser_lab_home"))
    yield server
    server.stop()


# -- PostgreSQL: a throwaway server on loopback for the store's tests ------------------------
import glob  # noqa: E402
import tempfile  # noqa: E402


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server started for this test session (initdb + pg_ctl, trust auth, loopback)."""
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not bins:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL tests need the server binaries (apt-get install postgresql)")
    bindir = bins[-1]
    base = Path(tempfile.mkdtemp(prefix="lab-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        for path in (base, sock):
            shutil.chown(path, "postgres", "postgres")
    port = free_port()
    run = lambda *cmd: subprocess.run(_as_postgres(list(cmd)), check=True, capture_output=True)  # noqa: E731
    run(f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    run(f"{bindir}/pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-o",
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c full_page_writes=off", "start")
    yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    subprocess.run(_as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]),
                   capture_output=True)
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each store test runs on SQLite and on PostgreSQL (a fresh, empty table each time)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("pg_url")
    from engine.store import Base
    from sqlalchemy import create_engine
    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def any_store(db_url, key):
    store = ConnectionStore(make_engine(db_url), parse_keys(key))
    yield store
    store.engine.dispose()
