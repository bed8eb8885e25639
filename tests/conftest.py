"""Shared fixtures: a fresh encrypted store, seeded with the lesson's connections."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from hypothesis import settings

# CI runs the same generated examples every time (a red CI is a real difference, found again
# locally with the same examples); locally each run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from engine.crypto import parse_keys  # noqa: E402
from engine.lessons import seed_connections  # noqa: E402
from engine.store import ConnectionStore, make_engine  # noqa: E402
from tests.helpers import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    Server,
    need_chromium,
    postgres_binaries,
    postgres_server,
)


@pytest.fixture(autouse=True)
def _isolated_lab_home(tmp_path, monkeypatch):
    """No test reads or writes the developer's real data dir or sees their AIRFLOW_CONN_*."""
    monkeypatch.setenv("LAB_HOME", str(tmp_path / "lab_home"))
    monkeypatch.delenv("LAB_DATABASE_URL", raising=False)
    monkeypatch.delenv("LAB_FERNET_KEY", raising=False)
    for name in list(os.environ):
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
@pytest.fixture(scope="session")
def browser_type_launch_args():
    need_chromium()
    # One renderer for the lab's tabs within a context: see ``page`` below.
    return {"executable_path": CHROMIUM, "args": [*CHROMIUM_ARGS, "--process-per-site"]}


@pytest.fixture(scope="module")
def _file_context(browser, browser_context_args):
    """One browser context for the browser tests of a file (each test still gets a tab of its own)."""
    context = browser.new_context(**browser_context_args)
    yield context
    context.close()


@pytest.fixture
def page(_file_context):
    """pytest-playwright's fixture, opened for less: a new tab for each test, with no cookie (a new
    learner) and a history of its own, in a context shared by the file's tests. With the last test's
    tab still open, blank, on the lab's renderer (``--process-per-site``), the lab opens in ~1.2 s
    instead of ~2.3 s in a new context on a 2-core machine (Streamlit's JavaScript compiled once)."""
    context = _file_context
    context.clear_cookies()
    tab = context.new_page()
    yield tab
    for other in context.pages:  # the tab kept from the test before, and any a test opened
        if other is not tab:
            other.close()
    try:  # no storage left on the lab's origin; its session ends; the tab stays for the next test
        if tab.url.startswith("http"):
            tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); location.href = 'about:blank'; }")
            tab.wait_for_url("about:blank", timeout=5_000)
    except Exception:  # noqa: BLE001 (a crashed or stuck tab: closed, the next test starts colder)
        tab.close()


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    need_chromium()
    server = Server(ROOT / "app.py", tmp_path_factory.mktemp("browser_lab_home"))
    yield server
    server.stop()


# -- PostgreSQL: a throwaway server on loopback for the store's tests ------------------------


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server started for this test session (initdb + pg_ctl, trust auth, loopback)."""
    if not postgres_binaries():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries are missing; .ci/run installs Debian's postgresql")
        pytest.skip("PostgreSQL tests need the server binaries (apt-get install postgresql)")
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Each store test runs on SQLite and on PostgreSQL (a fresh, empty table each time)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    url = request.getfixturevalue("pg_url")
    from sqlalchemy import create_engine

    from engine.store import Base

    engine = create_engine(url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    yield url


@pytest.fixture
def any_store(db_url, key):
    store = ConnectionStore(make_engine(db_url), parse_keys(key))
    yield store
    store.engine.dispose()


# -- real Airflow 3.3.2, the judge of the differential tests (tests/real_airflow.py) --------
@pytest.fixture(scope="session")
def airflow():
    from tests.real_airflow import RealAirflow, need_real_airflow

    need_real_airflow()
    oracle = RealAirflow()
    yield oracle
    oracle.close()
