"""The frame around every page: the page list (once), the page's config and title, the URL
and the step cursor synced once per rerun, and the lab's own sidebar.
"""

from __future__ import annotations

import gc
import json
import logging
import re
import threading
from pathlib import Path

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from engine.errors import AirflowException
from engine.lessons import lesson, scenario, scenarios
from engine.render import markdown_text
from engine.views import link_to_step
from lab_ui import server, state
from lab_ui.panels import CODE_FIELDS, CSS

log = logging.getLogger(__name__)
SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
# page.js: a function of the selector of the fields for code (see panels.code_field) and of the path
# of the page shown, called in page_js().
PAGE_JS = (Path(__file__).parent / "static" / "page.js").read_text(encoding="utf-8")

# (file, title, icon): the one list of pages; the sidebar and the deep links derive from it. A page's
# URL is its file's name (/process_table?step=3), the first the default (/). It must be: on a fresh
# server Streamlit first reads pages/ the old way, one page per file at /<file name>, and then
# runs that file without this frame; frame.require() draws it inside the frame instead.
PAGES = [
    ("pages/walkthrough.py", "Step-by-step walkthrough", "🧭"),
    ("pages/process_flow.py", "Process flow", "🔀"),
    ("pages/execution_sample.py", "Execution sample", "🐍"),
    ("pages/process_table.py", "Process table", "📋"),
    ("pages/variable_tracker.py", "Variable tracker", "🔎"),
    ("pages/key_moments.py", "Key moments", "💡"),
    ("pages/quiz.py", "Quiz", "❓"),
    ("pages/concept_snapshot.py", "Concept snapshot", "🧩"),
    ("pages/full_transcript.py", "Full transcript", "📜"),
    ("pages/connections.py", "Connections", "🔐"),
    ("pages/compare.py", "Compare with the lesson", "⚖️"),
    ("pages/your_dag.py", "Your DAG", "✍️"),
    ("pages/teacher.py", "Teacher's view", "🧑‍🏫"),
]
# The home page's own name: every other page is at /<file name>, so /walkthrough?step=3 (a learner
# who guesses the address, a link written by hand) opens it too, not Streamlit's "Page not found".
HOME_NAME = Path(PAGES[0][0]).stem
# Pages that show a run of their own (the learner's DAG, read from ?dag=), not the scenario's: a
# step in their URL is settled against that run, by their player, not against the lesson's.
OWN_RUN = {"your_dag"}


@st.cache_resource(show_spinner=False)
def _sockets_set_for_small_messages() -> int:
    """Once per server process: a step's messages leave at once (see ``server.send_small_messages_at_once``)."""
    return server.send_small_messages_at_once()


@st.cache_resource(show_spinner=False)
def _settle_heap() -> int:
    """Once per server process, after its first page: what is loaded by then (modules, the lesson,
    its runs) lives as long as the process, so it leaves the cyclic collector's view. A full
    collection scanned all of it each time (58-72 ms with 50 learners, every few seconds), and
    every learner's rerun waited behind it. The first session's own objects are set aside with it
    (Streamlit gives no hook before the first page), so what of them ends up in reference cycles
    when that session ends stays: one session's worth, once. Returns how many objects were set aside."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


PAGE_OBJECTS = "lab_pages"
HOME_ALIAS = "lab_home_alias"


def pages() -> list:
    """This session's ``st.Page`` for each of ``PAGES``, made on its first rerun and reused: making one
    resolves its file on the disk, and a sidebar link given a path resolves it again, 26 path
    resolutions a rerun that each let go of the interpreter's lock and, with a class on the server,
    waited to get it back (the Quiz's actions took ~0.5 s each with 50 learners)."""
    ss = st.session_state
    made = ss.get(PAGE_OBJECTS)
    if made is None:
        made = ss[PAGE_OBJECTS] = [
            # The home page's hidden path is not HOME_NAME (Streamlit tells pages apart by it): that
            # is the alias's, below.
            st.Page(path, title=title, icon=icon, default=i == 0, url_path="home" if i == 0 else None)
            for i, (path, title, icon) in enumerate(PAGES)
        ]
    return made


def _home_alias():
    """The home page again at /walkthrough, hidden from the page list. Not a redirect: Streamlit's
    ``switch_page`` pushes a history entry, and Back would return to /walkthrough and be sent on again."""
    ss = st.session_state
    alias = ss.get(HOME_ALIAS)
    if alias is None:
        path, title, icon = PAGES[0]
        alias = ss[HOME_ALIAS] = st.Page(path, title=title, icon=icon, url_path=HOME_NAME, visibility="hidden")
    return alias


_PAGE_INDEX = {path: i for i, (path, _, _) in enumerate(PAGES)}


def page_for(path: str):
    """This session's ``st.Page`` for one of ``PAGES`` (e.g. ``"pages/walkthrough.py"``), for a link in
    a page: given the object, ``st.page_link`` resolves no file (see ``pages``)."""
    return pages()[_PAGE_INDEX[path]]


_inside = threading.local()  # set while this thread's frame runs a page


def run() -> None:
    """The frame, then the current page. A store that cannot be opened or reached (a wrong or
    missing key, a database that is down) is one clear message, logged on the server, not a
    traceback; the lab recovers by itself once the database is back."""
    _inside.frame = True
    try:
        _run()
    except (AirflowException, SQLAlchemyError) as err:
        log.exception("The lab's store could not be used")
        message = (
            str(err)
            if isinstance(err, AirflowException)
            else (
                "The lab's database cannot be reached right now; the page will work again once it is back. "
                "(The server's log has the details.)"
            )
        )
        st.error(markdown_text(message), icon="🔒")
    finally:
        _inside.frame = False


def require() -> None:
    """First line of every page: a page opened without the frame (Streamlit's old-style
    /<file name> URL on a fresh server) is drawn inside it instead, never bare."""
    if not getattr(_inside, "frame", False):
        run()
        st.stop()


def _run() -> None:
    page_list = pages()
    page = st.navigation([*page_list, _home_alias()], position="hidden")
    st.set_page_config(page_title=f"{page.title} · Airflow connections lab", page_icon=page.icon, layout="wide")
    _sockets_set_for_small_messages()
    st.markdown(CSS, unsafe_allow_html=True)
    state.sync_from_url(page.url_path)
    restore_member()
    keep_sandbox_cookie()
    cursor = state.player(state.current_trace())
    if page.url_path not in OWN_RUN:  # else the page's player settles the step and writes the URL
        state.settle(cursor)
        state.write_url(cursor.step)
    # At /walkthrough its link is the alias's, so that the sidebar marks it as the page shown.
    sidebar(cursor.step, [page, *page_list[1:]] if page.url_path == HOME_NAME else page_list)
    page_js(page.url_path)  # after the sidebar, whose link to this page it marks
    st.title(f"{page.icon} {page.title}")
    notice = st.session_state.get(state.NOTICE)
    if notice:
        st.warning(markdown_text(notice), icon="⚠️")  # it quotes the address
    page.run()
    _settle_heap()


def page_js(path: str) -> None:
    """The page's own behaviours (``page.js``), after this session's cookies are written. The script
    holds the page's path and the cookies: a change of either changes it, and Streamlit runs a
    changed script again."""
    call = f"({json.dumps(CODE_FIELDS)}, {json.dumps(path)});"
    st.html(f"<script>{cookie_lines()}{PAGE_JS}{call}</script>", unsafe_allow_javascript=True)


def restore_member() -> None:
    """A learner who joined before is signed in again; a database that cannot answer leaves them
    anonymous (logged), never breaks the lesson, which needs no database."""
    try:
        state.restore_member(server.get_progress)
    except (AirflowException, SQLAlchemyError):
        log.exception("Could not restore a signed-in learner")
        st.session_state[state.MEMBER] = None


def keep_sandbox_cookie() -> None:
    """A token made for this browser is kept in a cookie (a year, this site only), so its practice
    connections are found again after a reload; and any cookie a page asked for is written.

    Every cookie this session asked for is kept and written by each run's page script
    (``page_js``), which stands in every run at the same place. A script of its own, sent by one
    run only, was sometimes replaced by the next run before the browser ran it (a click right after
    the first load, on a busy machine: 3 first visits in 10 lost their cookie, and a reload then
    lost the learner's practice connections)."""
    state.owner()
    ss = st.session_state
    if ss.pop(state.NEW_COOKIE, False):
        state.set_cookie(state.COOKIE, ss[state.BROWSER], 365 * 86400)


def cookie_lines() -> str:
    """The script lines that write this session's cookies (names and values are [A-Za-z0-9_-] only,
    tokens: safe inside the script)."""
    return "".join(
        f"document.cookie = '{name}={value}; path=/; max-age={age}; SameSite=Lax';"
        for name, (value, age) in st.session_state.get(state.KEPT_COOKIES, {}).items()
        if SAFE.match(name) and SAFE.match(value or "x")
    )


def sidebar(step: int, page_list: list) -> None:
    ss = st.session_state
    with st.sidebar:
        st.markdown(f"**{lesson()['title']}**")
        ss["scenario_select"] = ss[state.SCENARIO]
        st.selectbox(
            "Scenario",
            list(scenarios()),
            key="scenario_select",
            format_func=lambda i: scenario(i).title,
            on_change=lambda: state.set_scenario(ss["scenario_select"]),
            help="Each scenario is a recorded run of its own; every page shows the same one.",
        )
        st.caption(scenario(ss[state.SCENARIO]).summary)
        st.markdown("**Learning modes**")
        # Each link carries the step and scenario, so that the page opens with its URL complete: one
        # history entry per page change, and one Back returns to the page before.
        query = link_to_step(ss[state.SCENARIO], step)
        for page in page_list:
            st.page_link(page, query_params=query)
