"""Stepping through a recorded run, the same on every stepped page.

The run's views for every step go to the browser once (``engine.replay``) and the player there
(``static/player.js``, a Streamlit v2 component in the page's own DOM) steps them with no round
trip: buttons, a slider, keys (← → Home End), ``?step=`` kept current. The browser reports its
step back, debounced, so every page, the URL of a fresh load and the quiz see it. Python moves
the step itself on a deep link, Back, autoplay and a revealed prediction; it then bumps a nonce,
the only thing that makes the player follow ``data.step`` (a report's rerun can carry an older
step). A run too large to send (a DAG of thousands of tasks) is stepped by the server instead,
drawn by the same renderer.
"""

from __future__ import annotations

import json
import time
import weakref
from collections import OrderedDict
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import streamlit as st

from engine import replay
from engine.player import AUTOPLAY_SECONDS, Player
from engine.trace import Trace
from engine.views import NOTHING_CHANGES, prediction_choices
from lab_ui import server, state

STATIC = Path(__file__).parent / "static"
PLAYER_KEY = "lab_step_player"  # the component: its state holds the browser's last reported step
NONCE = "lab_step_nonce"  # bumped each time Python moves the step (the player follows only then)
SHOWN = "lab_step_shown"  # (run digest, step) the player was last sent or reported
SENT_STEP = "lab_step_sent"  # the step sent with the current nonce

_player = st.components.v2.component(
    "lab_player",
    js=(STATIC / "player.js").read_text(encoding="utf-8"),
    css=(STATIC / "player.css").read_text(encoding="utf-8"),
    isolate_styles=False,
)


class Views:
    """A stepped page's views of one run: the layout, and the payload when it is small enough."""

    def __init__(self, layout: list, total: int):
        self.layout = layout
        self.run: bytes | None = None  # the payload as the player is sent it, when it is sent one
        self.packed = False  # ``run`` is the payload's JSON deflated (a large run), not the JSON itself
        self.digest = f"{id(layout)}"
        if total <= replay.MAX_STEPS:
            run = replay.encode(replay.payload(layout, total)).encode()
            if len(run) <= replay.MAX_BYTES:
                self.digest = replay.digest(run)
                packed = replay.pack(run)  # kept instead of the JSON: a 500-task run's 2.3 MB is 0.14 MB
                self.run, self.packed = (run, False) if packed is None else (packed, True)


_views: OrderedDict = OrderedDict()  # (id(trace), page, options) → (weakref to trace, Views); shared by sessions


def views(page: str, trace: Trace, lesson_trace: Trace | None, options: dict) -> Views:
    """The page's views of ``trace``, built once per run and shared by every learner who shows it."""
    key = (id(trace), page, tuple(sorted(options.items())))
    found = _views.get(key)
    if found is not None and found[0]() is trace:
        _views.move_to_end(key)
        return found[1]
    built = Views(replay.page_layout(page, trace, lesson_trace, **options), len(trace.steps))
    _views[key] = (weakref.ref(trace), built)
    while len(_views) > 64:
        _views.popitem(last=False)
    return built


def stepped(page: str, dag_source: str | None = None, options=None, compare: bool = True) -> None:
    """The step options, then the player of ``page`` (a fragment: a step's report reruns only it).
    ``options``: a function drawing the page's own toggles and returning what they chose."""
    step_options()
    _stepped(page, dag_source, options, compare)


@st.fragment
def _stepped(page: str, dag_source: str | None, options, compare: bool) -> None:
    trace = state.current_trace(dag_source)
    cursor = state.player(trace)
    settled = state.settle(cursor)  # a deep link into a learner's DAG, past its end
    if settled:
        st.warning(settled, icon="⚠️")
    chosen = options(trace) if options else {}
    lesson_trace = server.current_trace("lesson") if compare else None
    shown = views(page, trace, lesson_trace, chosen)
    if shown.run is None:
        state.write_url(cursor.step)
        server_stepper(cursor)
        st.markdown(replay.views_html(shown.layout, cursor.step), unsafe_allow_html=True)
    else:
        play(page, shown, cursor, own_run=dag_source is not None)
    if cursor.autoplay:
        _autoplay(cursor)
    if st.session_state.get(state.PREDICT):
        predict_box(trace, cursor)


def play(page: str, shown: Views, cursor: Player, own_run: bool = False) -> None:
    """The player: sent the run once; told a step only when Python moved it (with a new nonce).
    ``own_run``: the page shows a run of its own (the learner's DAG), whose steps are not the
    other pages' steps, so its links to them keep the step Python gave them."""
    ss = st.session_state
    if ss.get(SHOWN) != (shown.digest, cursor.step):  # Python moved the step, or another run is shown
        ss[NONCE] = ss.get(NONCE, 0) + 1
        ss[SENT_STEP] = cursor.step
        ss[SHOWN] = (shown.digest, cursor.step)
        state.write_url(cursor.step)
    fields = {
        "page": page,
        "step": ss[SENT_STEP],
        "nonce": ss[NONCE],
        "scenario": ss[state.SCENARIO],
        "predicting": bool(ss.get(state.PREDICT)),  # the player disables Next at the end itself
        "own_run": own_run,
        "packed": shown.packed,
        "digest": shown.digest,
    }
    result = _player(
        key=PLAYER_KEY,
        data=player_bytes(fields, shown.run),
        default={"step": None},
        on_step_change=lambda: report(shown.digest),
        on_go_change=lambda: None,
    )
    follow_link(result.go)


def player_bytes(fields: dict, run: bytes) -> bytes:
    """What the player is sent: one line of JSON (the page, the step, the nonce...), then the run's
    JSON. Streamlit passes bytes through as they are; a dict it JSON-encodes twice a rerun (to send
    it, and sorted for the element's identity), and the run inside it is ~37 kB of escaped JSON:
    with a class on the server, that was most of a step report's time in the script."""
    return json.dumps(fields).encode() + b"\n" + run


def report(digest: str) -> None:
    """The browser's step: taken unless Python moved the step since the browser last heard."""
    ss = st.session_state
    value = (ss.get(PLAYER_KEY) or {}).get("step")
    if not isinstance(value, dict) or value.get("nonce") != ss.get(NONCE) or state.PLAYER not in ss:
        return
    try:
        step = int(value.get("step"))
    except (TypeError, ValueError, OverflowError):  # OverflowError: ±Infinity, which json.loads takes
        return
    cursor: Player = ss[state.PLAYER]
    cursor.seek(step)
    ss[SHOWN] = (digest, cursor.step)
    ss[state.REPORTED] = (ss[state.SCENARIO], cursor.step)


def follow_link(go) -> None:
    """A link the browser held back because its step was older than the step shown: open its page
    at the step shown (only the lab's own pages, only its own query parameters)."""
    if not isinstance(go, dict):
        return
    from lab_ui.frame import PAGES

    name = urlsplit(str(go.get("path", ""))).path.rstrip("/").rsplit("/", 1)[-1]
    files = {Path(path).stem: path for path, _, _ in PAGES}
    target = files.get(name) if name else PAGES[0][0]
    if target is None:
        return
    query = {k: v for k, v in parse_qsl(str(go.get("query", ""))) if k in ("step", "scenario", "dag")}
    st.switch_page(target, query_params=query)


def step_options() -> None:
    """Keys, autoplay and predict-then-step: outside the stepped fragment, they change rarely."""
    with st.container(horizontal=True, vertical_alignment="center", key="step_options"):
        st.caption("Keys: ← previous · → next · Home first · End last")
        st.toggle("Autoplay", key=state.AUTOPLAY, help=f"One step every {AUTOPLAY_SECONDS:g} s; stops at the end.")
        st.toggle(
            "Predict, then step",
            key=state.PREDICT,
            help="Before each step, say which tracked variable will change, and to what.",
        )


def server_stepper(cursor: Player) -> None:
    """Stepping by the server, for a run too large to send: the heading, four buttons and a slider."""
    step, total = cursor.step, cursor.total
    predicting = st.session_state.get(state.PREDICT, False) and not cursor.at_end
    st.caption(f"This run has {total:,} steps: too many to send to the browser at once, so each step is drawn here.")
    if predicting:
        st.caption(f"↓ Predict step {step + 1} below first: Next waits for it.")
    next_help = "Make a prediction below first" if predicting else "Next step (→)"  # as the player's title says
    buttons = [  # label, key, icon, move, disabled, key binding, help
        ("First", "step_first", "⏮", cursor.first, cursor.at_start, "Home", "First step (Home)"),
        ("Previous", "step_prev", "◀", cursor.prev, cursor.at_start, "Left", "Previous step (←)"),
        ("Next", "step_next", "▶", cursor.next, cursor.at_end or predicting, "Right", next_help),
        ("Last", "step_last", "⏭", cursor.last, cursor.at_end, "End", "Last step (End)"),
    ]
    with st.container(horizontal=True, key="step_controls"):
        for label, key, icon, move, disabled, binding, help_text in buttons:
            st.button(
                label,
                key=key,
                icon=icon,
                on_click=move,
                disabled=disabled,
                shortcut=binding,
                help=help_text,
                type="primary" if key == "step_next" else "secondary",
            )
    st.session_state["step_slider"] = step
    st.slider(
        f"Step (1–{total})", 1, total, key="step_slider", on_change=lambda: cursor.seek(st.session_state["step_slider"])
    )


@st.fragment(run_every=0.5)
def _autoplay(cursor: Player) -> None:
    if not st.session_state.get(state.AUTOPLAY):
        return
    now = time.monotonic()
    if cursor.tick(now) or not cursor.autoplay:
        if not cursor.autoplay:
            st.session_state[state.AUTOPLAY] = False
        st.rerun(scope="app")
    st.caption(f"▶ Autoplay: next step in {cursor.seconds_to_next(now):.0f} s")


PREDICT_BOX = "predict_box"  # player.js's PREDICT_BOX is its class, .st-key-predict_box


def predict_box(trace: Trace, cursor: Player) -> None:
    if cursor.prediction:
        right, truth = cursor.prediction
        (st.success if right else st.error)(("✅ Right. " if right else "❌ Not quite. ") + truth)
    if cursor.at_end:
        st.info("This is the last step: nothing left to predict.")
        return
    choices = prediction_choices(trace)
    upcoming = cursor.step + 1  # the widgets are keyed by the step: each prediction starts empty
    with st.container(border=True, key=PREDICT_BOX):  # the player's hint next to Next goes here
        st.markdown(f"**Predict step {upcoming}:** which tracked variable changes, and to what?")
        variable = st.selectbox("Variable", [NOTHING_CHANGES, *choices], key=f"predict_variable_{upcoming}")
        value = st.selectbox(
            "Becomes",
            choices.get(variable, []),  # the values this variable can take, not every variable's
            index=None,
            key=f"predict_value_{upcoming}",
            disabled=variable == NOTHING_CHANGES,
            placeholder="Nothing to choose: no variable changes" if variable == NOTHING_CHANGES else "Choose a value",
        )
        st.button(
            f"Reveal step {upcoming}",
            key="predict_reveal",
            type="primary",
            on_click=cursor.reveal,
            args=(trace, variable, value or ""),
            disabled=variable != NOTHING_CHANGES and value is None,
        )
