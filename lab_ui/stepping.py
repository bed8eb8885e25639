"""The step controls every stepped page shares, driving the one ``Player`` in the session.

First / previous / next / last, a slider, keys (← → Home End), autoplay and "predict, then
step". A step reruns only the stepped fragment (not the sidebar or the page's frame) and keeps
the URL in step.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import streamlit as st

from engine.player import AUTOPLAY_SECONDS, Player
from engine.trace import Trace
from engine.views import NOTHING_CHANGES, prediction_choices
from lab_ui import state


def stepped(render: Callable[[Trace, int], None], dag_source: str | None = None) -> None:
    """The step options, then the stepper and the views of the current step as a fragment."""
    step_options()
    _stepped(render, dag_source)


@st.fragment
def _stepped(render: Callable[[Trace, int], None], dag_source: str | None = None) -> None:
    trace = state.current_trace(dag_source)
    cursor = state.player(trace)
    state.write_url(cursor.step)
    stepper(trace, cursor)
    render(trace, cursor.step)


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


def stepper(trace: Trace, cursor: Player) -> None:
    """ "Step N of M", the four buttons (with their keys) and the slider."""
    step, total = cursor.step, cursor.total
    current, failed = trace.step(step), trace.failed_step
    mark = ""
    if failed is not None and step == failed.number:
        mark = "✗ failed here"
    elif failed is not None and step > failed.number:
        mark = f"(after the failure at step {failed.number})"
    st.markdown(f"### Step {step} of {total}: {current.action} {mark}")
    predicting = st.session_state.get(state.PREDICT, False) and not cursor.at_end
    buttons = [  # label, key, icon, move, disabled, key binding, help
        ("First", "step_first", "⏮", cursor.first, cursor.at_start, "Home", "First step (Home)"),
        ("Previous", "step_prev", "◀", cursor.prev, cursor.at_start, "Left", "Previous step (←)"),
        (
            "Next",
            "step_next",
            "▶",
            cursor.next,
            cursor.at_end or predicting,
            "Right",
            "Make a prediction below first" if predicting else "Next step (→)",
        ),
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
    if total > 1:
        st.slider(
            f"Step (1–{total})",
            1,
            total,
            key="step_slider",
            on_change=lambda: cursor.seek(st.session_state["step_slider"]),
        )
    if cursor.autoplay:
        _autoplay(cursor)
    if st.session_state.get(state.PREDICT):
        predict_box(trace, cursor)


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


def predict_box(trace: Trace, cursor: Player) -> None:
    if cursor.prediction:
        right, truth = cursor.prediction
        (st.success if right else st.error)(("✅ Right. " if right else "❌ Not quite. ") + truth)
    if cursor.at_end:
        st.info("This is the last step: nothing left to predict.")
        return
    choices = prediction_choices(trace)
    upcoming = cursor.step + 1  # the widgets are keyed by the step: each prediction starts empty
    with st.container(border=True):
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
