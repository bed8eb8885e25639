"""Helpers the tests and benchmarks share: pages through AppTest, a real `streamlit run` server,
Chromium's settings, a throwaway PostgreSQL's commands, and generated workloads.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from streamlit.testing.v1 import AppTest

from engine import replay
from engine.connection import Connection
from engine.crypto import parse_keys
from engine.lessons import seed_connections
from engine.store import ConnectionStore, make_engine

ROOT = Path(__file__).resolve().parent.parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'

_QUIET = """(ms) => new Promise((done) => {
  const app = () => document.querySelector('[data-testid="stApp"]');
  let since = performance.now();
  const look = () => {
    const a = app();
    if (!a || a.dataset.testScriptState !== "notRunning") since = performance.now();
    if (performance.now() - since >= ms) done(true); else requestAnimationFrame(look);
  };
  look();
})"""


def quiet(page, ms: int = 500) -> None:
    """Wait until the page's script has not run for ``ms``: a click that reruns the script (a keyed
    tab) may not have started the rerun yet when ``READY`` is first seen, and text typed while it
    runs can be lost when it ends (Streamlit's widgets, on a loaded machine)."""
    page.evaluate(_QUIET, ms)


def address(page, pattern: str, timeout: float = 2_000) -> str:
    """The page's address once it matches ``pattern`` (a regular expression, searched): the player
    writes ``?step=`` just after the frame that shows the step, so the address follows a step by a
    frame. Fails (Playwright's timeout) if it does not within ``timeout`` ms."""
    page.wait_for_function("(p) => new RegExp(p).test(location.href)", arg=pattern, timeout=timeout)
    return page.url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def need_chromium() -> None:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"browser tests need {CHROMIUM} (apt-get install chromium)")


class Server:
    """`streamlit run <script>` on a free loopback port, with its own LAB_HOME.

    Streamlit reads ``.streamlit/config.toml`` from the working directory: ``cwd`` (default the
    script's folder) decides which configuration the server runs with.
    """

    def __init__(
        self, script: Path, home: Path, extra_env: dict | None = None, cwd: Path | None = None, base_path: str = ""
    ):
        self.port = free_port()
        # base_path: the lab served under a path, as behind a proxy that serves other things too
        self.url = f"http://127.0.0.1:{self.port}" + (f"/{base_path}" if base_path else "")
        # What the server logs goes to a file: a pipe nobody read would stop a chatty server once
        # full, and a failing test can say what the server said (``said()``).
        self.log = tempfile.NamedTemporaryFile(prefix=f"streamlit-{self.port}-", suffix=".log", delete=False)  # noqa: SIM115 (closed by stop())
        env = {**os.environ, "LAB_HOME": str(home), **(extra_env or {})}
        env = {k: v for k, v in env.items() if not k.startswith("AIRFLOW_CONN_")}
        self.proc = subprocess.Popen(
            [
                shutil.which("streamlit") or "streamlit",
                "run",
                str(script),
                "--server.headless",
                "true",
                "--server.address",
                "127.0.0.1",
                "--server.port",
                str(self.port),
                "--browser.gatherUsageStats",
                "false",
                "--server.baseUrlPath",
                base_path,
            ],
            cwd=cwd or script.parent,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        said = self.said()
        self.stop()
        raise RuntimeError(f"streamlit did not start on {self.url}: {said}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def said(self, tail: int | None = 4000) -> str:
        """The end of what the server has logged (``tail=None``: all of it), and its exit code if it
        has ended."""
        ended = self.proc.poll()
        text = Path(self.log.name).read_text(encoding="utf-8", errors="replace")[-tail if tail else 0 :]
        return f"server {'exited with ' + str(ended) if ended is not None else 'running'}; its log ends:\n{text}"


def as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def postgres_binaries() -> str | None:
    bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    return bins[-1] if bins else None


@contextmanager
def postgres_server():
    """A throwaway PostgreSQL on loopback (initdb + pg_ctl, trust auth); yields its URL."""
    bindir = postgres_binaries()
    base = Path(tempfile.mkdtemp(prefix="lab-pg-"))
    data, sock = base / "data", base / "sock"
    sock.mkdir()
    if os.geteuid() == 0:
        for path in (base, sock):
            shutil.chown(path, "postgres", "postgres")
    port = free_port()

    def run(*cmd):
        subprocess.run(as_postgres(list(cmd)), check=True, capture_output=True)

    run(f"{bindir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {sock} -c fsync=off -c full_page_writes=off"
    run(f"{bindir}/pg_ctl", "-D", str(data), "-l", str(base / "log"), "-w", "-o", options, "start")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_postgres([f"{bindir}/pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


# -- pages through Streamlit's AppTest -----------------------------------------------------
LEARNER_TOKEN = "test-learner-sandbox-token-00000"  # every AppTest of a test is this one learner


def my_sandbox():
    """The practice connections of the learner every ``open_app`` is (see ``LEARNER_TOKEN``)."""
    from lab_ui import server

    return server.sandbox(f"browser:{LEARNER_TOKEN}")


def open_app(page: str | None = None, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["lab_browser"] = LEARNER_TOKEN
    for name, value in params.items():
        at.query_params[name] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def player_data(at: AppTest) -> dict | None:
    """What the page sent its step player (lab_ui/stepping.py): the step, nonce and the run."""
    for element in at.get("bidi_component"):  # bytes: a line of JSON, then the run's JSON (deflated if large)
        fields, run = replay.read_sent(element.proto.bytes)
        return {**fields, "run": json.loads(run)}
    return None


def player_html(at: AppTest) -> str:
    """The stepped views the player shows now, rebuilt from what the page sent it (the browser
    tests check that player.js draws the same)."""
    data = player_data(at)
    return replay.html_at(data["run"], data["step"]) if data else ""


def step(at: AppTest, how: str, to: int | None = None) -> AppTest:
    """Move the step as the player would be told to (first, prev, next, last, or seek ``to``)."""
    cursor = at.session_state["lab_player"]
    cursor.seek(to) if how == "seek" else getattr(cursor, how)()
    return at.run()


def unescaped(markdown: str) -> str:
    """What a reader sees of a Streamlit message: the lab writes outside text into one escaped
    (``engine.render.markdown_text``), and Markdown drops the backslash before punctuation; the
    invisible word joiners go too."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown).replace("\u2060", "")


def said(elements) -> list[str]:
    """What a reader sees of Streamlit messages (``at.error``, ``at.warning``...)."""
    return [unescaped(str(e.value)) for e in elements]


def texts(at: AppTest) -> str:
    """Everything the page says: each element's source and, for HTML, the text a reader sees."""
    parts = [player_html(at)] + [m.value for m in at.markdown] + said(at.caption) + [h.value for h in at.header]
    parts += [s.value for s in at.subheader] + said(at.warning) + said(at.error)
    parts += said(at.success) + [c.value for c in at.code]
    parts += [h.proto.body for h in at.get("html")]
    parts += [visible_text(p) for p in parts if p.lstrip().startswith("<")]
    return "\n".join(parts)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag):
        self._skip -= tag in ("style", "script")

    def handle_data(self, data):
        if not self._skip:
            self.chunks.append(data)


def visible_text(markup: str) -> str:
    """The text of an HTML fragment as drawn (tags dropped, entities decoded, no style or script)."""
    parser = _Text()
    parser.feed(markup)
    return "".join(parser.chunks)


class Table:
    """A ``<table>`` the page drew: its header cells and rows of cell texts, and which row is current."""

    def __init__(self):
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.row_attrs: list[dict] = []

    def column(self, index_or_name) -> list[str]:
        i = index_or_name if isinstance(index_or_name, int) else self.headers.index(index_or_name)
        return [row[i] for row in self.rows]

    def row(self, first_cell: str) -> dict[str, str]:
        """The row whose first cell is ``first_cell``, as header → text."""
        return dict(zip(self.headers, next(r for r in self.rows if r[0] == first_cell)))

    def cell(self, row_header: str, column: str) -> str:
        return next(row for row in self.rows if row[0] == row_header)[self.headers.index(column)]

    @property
    def current_row(self) -> int | None:
        return next((i for i, a in enumerate(self.row_attrs) if "aria-current" in a), None)


class _TableParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables: list[Table] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(Table())
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head and self.tables:
            self.tables[-1].rows.append([])
            self.tables[-1].row_attrs.append(dict(attrs))
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            table = self.tables[-1]
            (table.headers if self._in_head else table.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def tables(at: AppTest) -> list[Table]:
    """Every HTML table in the page's markdown, parsed (what a screen reader would read)."""
    parser = _TableParser()
    for markup in [player_html(at), *(m.value for m in at.markdown)]:
        if "<table" in markup:
            parser.feed(markup)
    return parser.tables


def links(at: AppTest) -> dict[str, str]:
    """Every page link the page drew: label → its URL, e.g. "Show me step 5" → "/?step=5" (the walkthrough)."""
    found = {}
    for element in at.get("page_link"):
        query = f"?{element.proto.query_string}" if element.proto.query_string else ""
        found[element.proto.label] = f"/{element.proto.page}{query}"
    return found


def at_once(work, times: int) -> tuple[list, list[Exception]]:
    """Run ``work()`` in ``times`` threads at once: (what each returned, what each raised)."""
    results, errors = [], []

    def one():
        try:
            results.append(work())
        except Exception as err:  # noqa: BLE001 - what a test checks for
            errors.append(err)

    threads = [threading.Thread(target=one) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def rendered(step):
    """Everything a step shows: its words, its facts and its error."""
    return [step.action, step.internal_state, step.result, step.narration, step.facts, step.error]


# -- generated workloads (the speed tests and benchmarks/engine_bench.py) --------------------
def generated_dag(tasks: int, connections: int) -> str:
    lines = ["from airflow import DAG", "with DAG('generated') as dag:"]
    for i in range(tasks):
        lines.append(
            f"    BigQueryInsertJobOperator(task_id='t{i}', configuration={{}}, gcp_conn_id='conn_{i % connections}')"
        )
    return "\n".join(lines) + "\n"


def store_with(url: str, connections: int) -> ConnectionStore:
    store = ConnectionStore(make_engine(url), parse_keys(Fernet.generate_key().decode()))
    for i in range(connections):
        store.add(
            Connection(
                conn_id=f"conn_{i}",
                conn_type="google_cloud_platform",
                password="pw",
                extra={"project": f"p{i}", "key_path": f"/keys/{i}.json"},
            )
        )
    for conn_id, fields in seed_connections().items():
        store.add(Connection(conn_id=conn_id, **fields))
    return store


def engine_cli(home, *args: str) -> subprocess.CompletedProcess:
    """``python -m engine <args>`` in a subprocess with its own ``LAB_HOME``, as a shell runs it."""
    env = {**os.environ, "LAB_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def lab_env(monkeypatch, home, db_url: str) -> dict[str, str]:
    """Point the lab (pages, CLI in process) at ``home`` and ``db_url``; returns that environment."""
    env = {"LAB_HOME": str(home), "LAB_DATABASE_URL": db_url}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def run_async(make_coroutine):
    """``asyncio.run(make_coroutine())`` in a thread of its own: the browser tests' Playwright keeps
    an event loop running in this thread, where ``asyncio.run`` refuses to start another."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make_coroutine())).result()
