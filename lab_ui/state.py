"""Session state: one key per concept, the step cursor (``engine.player.Player``) and the URL.

Every page reads the same names from here. The current scenario and step are mirrored in the
URL (``?step=3&scenario=job_fails``), so a link opens the same view and the back button works;
a URL value that is not valid becomes the nearest valid one and a notice.
"""

from __future__ import annotations

import re
import secrets

import streamlit as st

from engine.lessons import scenario, scenarios
from engine.player import Player
from engine.trace import Trace
from lab_ui import server

SCENARIO = "lab_scenario"  # current scenario id
PLAYER = "lab_player"  # the step cursor: an engine.player.Player
URL_SEEN = "lab_url_seen"  # the (page, scenario, step) last written to or read from the URL
PAGE = "lab_page"  # the URL path of the page this rerun draws
NOTICE = "lab_notice"  # a notice about a URL value that was not valid
ASKED = "lab_step_asked"  # the step the URL asked for, until the run it is a step of is known
EVERY_STEP = "lab_every_step"  # tracker: a column after every step
HIDE_FUTURE = "lab_hide_future"  # process table: hide rows not reached yet
PREDICT = "lab_predict"  # "predict, then step" mode
AUTOPLAY = "lab_autoplay"  # the autoplay toggle (the player follows it)
QUIZ = "lab_quiz"  # the quiz's answer records
MEMBER = "lab_member"  # the engine.progress.Member who joined with a class code, name and PIN (or None)
BROWSER = "lab_browser"  # this browser's sandbox token, for a learner who has not joined
NEW_COOKIE = "lab_new_cookie"  # a token this run made, for the frame to keep in a cookie
TEACHER = "lab_teacher"  # whether this session gave the instructor passphrase
MEMBER_TOKEN = "lab_member_token"  # the signed-in token of MEMBER (its cookie's value)
REPORTED = "lab_reported"  # (scenario, step) the browser's player last reported: already in its URL
# Every cookie this session asked for (name → (value, max age)), written by each run's page script
KEPT_COOKIES = "lab_kept_cookies"
COOKIE = "lab_sandbox"
MEMBER_COOKIE = "lab_member"
MEMBER_DAYS = 30
STEP_RE = re.compile(r"[+-]?[0-9]{1,100}\Z", re.ASCII)
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")


def quoted(raw: str, limit: int = 40) -> str:
    """A value from the address, as a notice quotes it: on one line, its first ``limit`` characters
    (the notice is shown as text: ``engine.render.markdown_text``)."""
    text = " ".join(str(raw).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_step(raw: str | None, default: int = 1) -> tuple[int, str | None]:
    """A step from the URL: a step number of 1 or more (how far the run goes is not known yet:
    see ``settle``), and a notice when the raw value was not one."""
    if raw is None or raw == "":
        return default, None
    text = str(raw).strip()
    # Digits 0-9 only: int() also takes "1_0" (10) and any script's digits ("٣" is 3), which no
    # step link writes; and a number of thousands of digits is no step either.
    if not STEP_RE.match(text):
        return default, f"“{quoted(raw)}” is not a step number; showing step {default}."
    value = int(text)
    if value < 1:
        return 1, f"There is no step {quoted(value)}; showing step 1."
    return value, None


def settle(cursor: Player) -> str | None:
    """Once the run a page shows is known (``cursor`` sized to it): a step the URL asked for past
    its end becomes its last step, with a notice."""
    ss = st.session_state
    asked = ss.pop(ASKED, None)
    if asked is None or asked <= cursor.total:
        return None
    cursor.seek(cursor.total)
    notice = f"There is no step {quoted(asked)}; this run has {cursor.total} steps, showing step {cursor.total}."
    ss[NOTICE] = " ".join(n for n in (ss.get(NOTICE), notice) if n)  # said again on the page's reruns
    return notice


def parse_scenario(raw: str | None, default: str = "lesson") -> tuple[str, str | None]:
    if raw is None or raw == "" or raw in scenarios():
        return raw or default, None
    return default, f"There is no scenario “{quoted(raw)}”; showing “{scenario(default).title}”."


def current_trace(dag_source: str | None = None) -> Trace:
    """The run the pages show: the current scenario's (against the lesson's own practice
    connections), or ``dag_source``'s DAG in the current scenario (its environment variables and
    cloud) against this learner's own practice connections."""
    if dag_source is None:
        return server.current_trace(st.session_state[SCENARIO])
    return server.current_trace(st.session_state[SCENARIO], dag_source, owner())


def owner() -> str:
    """Whose practice connections this session works on: the learner who joined (the same on any
    browser), else this browser's (a random token kept in a cookie, so a reload or a restart of
    the server finds them again)."""
    ss = st.session_state
    member = ss.get(MEMBER)
    if member is not None:
        return member.sandbox_owner
    if BROWSER not in ss:
        token = st.context.cookies.get(COOKIE) if st.context.cookies else None
        if not token or not TOKEN_RE.match(token):
            token, ss[NEW_COOKIE] = secrets.token_urlsafe(24), True
        ss[BROWSER] = token
    return f"browser:{ss[BROWSER]}"


def set_cookie(name: str, value: str, max_age: int) -> None:
    """Ask the frame to write a cookie in the browser (Streamlit cannot send one): every run's page
    script writes it from now on, from the next run when asked after this run's script was drawn."""
    st.session_state.setdefault(KEPT_COOKIES, {})[name] = (value, max_age)


def sign_in(member, progress) -> None:
    """``member`` joined: their answers, their sandbox, and a cookie that keeps them signed in."""
    ss = st.session_state
    ss[MEMBER] = member
    ss[MEMBER_TOKEN] = progress.remember(member)
    set_cookie(MEMBER_COOKIE, ss[MEMBER_TOKEN], MEMBER_DAYS * 86400)


def sign_out(progress) -> None:
    ss = st.session_state
    progress.forget(ss.pop(MEMBER_TOKEN, None))
    ss[MEMBER] = None
    set_cookie(MEMBER_COOKIE, "", 0)


def restore_member(progress) -> None:
    """Once per browser session: a learner who joined before (the cookie) is signed in again."""
    ss = st.session_state
    if MEMBER in ss:
        return
    token = st.context.cookies.get(MEMBER_COOKIE) if st.context.cookies else None
    member = progress().recall(token) if token else None
    ss[MEMBER] = member
    if member is not None:
        ss[MEMBER_TOKEN] = token
        ss[QUIZ] = progress().records(member.id)


def sandbox_store():
    """This learner's own practice connections (``engine.store.ConnectionStore`` of a sandbox)."""
    return server.sandbox(owner())


def player(trace: Trace) -> Player:
    """The learner's cursor, sized to ``trace`` (created on first use)."""
    ss = st.session_state
    if PLAYER not in ss:
        ss[PLAYER] = Player(len(trace.steps))
    cursor: Player = ss[PLAYER]
    cursor.resize(len(trace.steps))
    cursor.autoplay = bool(ss.get(AUTOPLAY))
    return cursor


def sync_from_url(page: str = "") -> None:
    """A URL that changed outside the app (a deep link, the back button, a link to a page) sets
    the state. Streamlit sends each rerun the query it last knew, which is not the address the
    player keeps current with ``replaceState``: only a change of it (or of the page) counts."""
    ss = st.session_state
    params = st.query_params
    ss[PAGE] = page
    raw = (page, params.get("scenario"), params.get("step"))
    if SCENARIO in ss and raw == ss.get(URL_SEEN):
        return
    notices = []
    if raw[1] is not None or SCENARIO not in ss:
        ss[SCENARIO], notice = parse_scenario(raw[1])
        notices.append(notice)
    if raw[2] is not None:  # settled against the page's run: a learner's DAG may be longer than the lesson
        step, notice = parse_step(raw[2])
        player(current_trace()).ask(step)
        ss[ASKED] = step
        notices.append(notice)
    ss[NOTICE] = " ".join(n for n in notices if n) or None
    ss[URL_SEEN] = raw


def write_url(step: int) -> None:
    """Keep ``?step=`` (and ``?scenario=`` unless it is the lesson) in step with the state. Not
    for a step the browser's player reported: it wrote that URL itself (``history.replaceState``),
    and Streamlit would push a history entry for a URL that one more step has moved on from."""
    ss = st.session_state
    if ss.get(REPORTED) == (ss[SCENARIO], step):
        return
    wanted = {k: v for k, v in st.query_params.items() if k not in ("step", "scenario")}  # a page's own (dag)
    wanted["step"] = str(step)
    if ss[SCENARIO] != "lesson":
        wanted["scenario"] = ss[SCENARIO]
    if dict(st.query_params) != wanted:
        st.query_params.from_dict(wanted)
    ss[URL_SEEN] = (ss.get(PAGE, ""), wanted.get("scenario"), wanted["step"])


def go_to(step: int) -> None:
    """Every page's "show step N": the cursor moves; the next rerun writes the URL."""
    player(current_trace()).seek(step)


def set_scenario(scenario_id: str, step: int = 1) -> None:
    st.session_state[SCENARIO] = scenario_id
    cursor = player(current_trace())
    cursor.seek(step)
