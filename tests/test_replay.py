"""The player's payload (engine.replay) and its report callback, without a browser."""

from __future__ import annotations

import json

import pytest

from engine import replay
from engine.lessons import scenario, scenarios
from engine.player import Player
from engine.quiz import reference_trace
from lab_ui import state
from tests.helpers import generated_dag, open_app, player_data, said, step, texts
from tests.test_browser_secrets import FORBIDDEN

PAGES = ["walkthrough", "process_flow", "process_table", "variable_tracker", "full_transcript", "compare"]


def layout(page: str, trace, **options):
    lesson = reference_trace("lesson")
    if page == "compare":
        options["title"] = scenario(trace.scenario_id).title
    return replay.page_layout(page, trace, lesson, **options)


@pytest.mark.parametrize("scenario_id", list(scenarios()))
def test_the_payload_rebuilds_each_steps_views_as_the_server_draws_them(scenario_id):
    trace = reference_trace(scenario_id)
    for page in PAGES:
        built = layout(page, trace)
        data = json.loads(replay.encode(replay.payload(built, len(trace.steps))))  # what the browser parses
        for n in range(1, len(trace.steps) + 1):
            assert replay.html_at(data, n) == replay.views_html(built, n), (page, n)


@pytest.mark.parametrize("scenario_id", list(scenarios()))
def test_no_practice_secret_is_in_any_payload(scenario_id):
    trace = reference_trace(scenario_id)
    for page in PAGES:
        text = replay.encode(replay.payload(layout(page, trace), len(trace.steps)))
        assert not [secret for form, secret in FORBIDDEN.items() if form in text], page


def test_the_payload_grows_with_what_changes_not_with_steps_times_views():
    sizes = {}
    for tasks in (10, 100):
        trace = reference_trace("lesson", generated_dag(tasks, 1))
        built = replay.page_layout("your_dag", trace, None, every_step=False)
        data = replay.payload(built, len(trace.steps))
        sizes[tasks] = len(replay.encode(data).encode())
        drawn = sum(len(replay.views_html(built, n)) for n in range(1, len(trace.steps) + 1))
        assert sizes[tasks] * 5 < drawn  # every step drawn in full would be far larger
        flow = data["slots"]["flow"]["at"]
        assert len({flow[i] for i in range(0, len(flow), 2)}) < 20  # a few distinct diagrams, not one per step
    assert sizes[100] < 12 * sizes[10]  # 10× the tasks: about 10× the payload, not 100×


def test_a_large_payload_is_sent_deflated_and_the_lessons_as_it_is():
    """What crosses the network: the lesson's pages as their JSON (laid out at once), a learner's
    100-task DAG deflated to a fraction of it, the same JSON once unpacked."""
    import zlib

    lesson = reference_trace("lesson")
    for page in PAGES:
        assert replay.pack(replay.encode(replay.payload(layout(page, lesson), 6)).encode()) is None, page
    trace = reference_trace("lesson", generated_dag(100, 1).replace("conn_0", "my_gcp_conn"))
    run = replay.encode(replay.payload(replay.page_layout("your_dag", trace, None), len(trace.steps))).encode()
    packed = replay.pack(run)
    assert packed is not None and len(packed) * 8 < len(run) and zlib.decompress(packed) == run


def test_run_lengths_give_each_steps_fragment():
    runs = [4, 2, 7, 1, 4, 3]  # steps 1–2 show 4, step 3 shows 7, steps 4–6 show 4
    assert [replay.frag_at(runs, n) for n in range(1, 7)] == [4, 4, 7, 4, 4, 4]
    with pytest.raises(IndexError):
        replay.frag_at(runs, 7)


class FakeState(dict):
    """st.session_state for the callback (a dict with attribute-free access is all it needs)."""


@pytest.fixture
def session(monkeypatch):
    from lab_ui import state, stepping

    ss = FakeState({state.PLAYER: Player(6, position=2), state.SCENARIO: "lesson", stepping.NONCE: 5})
    monkeypatch.setattr(stepping.st, "session_state", ss)
    return ss


def report(ss, value):
    from lab_ui import stepping

    ss[stepping.PLAYER_KEY] = {"step": value}
    stepping.report("digest")


def test_a_report_moves_the_step_python_holds(session):
    from lab_ui import state, stepping

    report(session, {"step": 4, "nonce": 5, "seq": 1})
    assert session[state.PLAYER].step == 4
    assert session[stepping.SHOWN] == ("digest", 4)  # no new nonce: the player is not told again
    assert session[state.REPORTED] == ("lesson", 4)  # its URL is the browser's already


def test_a_report_from_before_pythons_own_move_is_ignored(session):
    from lab_ui import state

    report(session, {"step": 6, "nonce": 4, "seq": 9})  # sent before the browser heard of nonce 5
    assert session[state.PLAYER].step == 2


@pytest.mark.parametrize(
    "value",
    [
        None,
        "3",
        {"step": "x", "nonce": 5},
        {"nonce": 5},
        {"step": 99, "nonce": 5},
        # what a client speaking the protocol can send: Streamlit reads a component's state with
        # json.loads, which takes Infinity and NaN
        json.loads('{"step": Infinity, "nonce": 5}'),
        json.loads('{"step": -Infinity, "nonce": 5}'),
        json.loads('{"step": NaN, "nonce": 5}'),
        {"step": "9" * 5000, "nonce": 5},
        {"step": [4], "nonce": 5},
    ],
)
def test_a_malformed_report_changes_nothing_or_stays_within_the_run(session, value):
    from lab_ui import state

    report(session, value)
    assert 1 <= session[state.PLAYER].step <= 6
    assert session[state.PLAYER].step in (2, 6)  # unchanged, or the nearest step (99 → 6)


def test_python_moves_bump_the_nonce_and_reruns_do_not():
    at = open_app()
    first = player_data(at)
    at.run()
    assert player_data(at)["nonce"] == first["nonce"]  # a rerun with nothing moved: the same data
    step(at, "seek", 4)
    moved = player_data(at)
    assert moved["nonce"] == first["nonce"] + 1 and moved["step"] == 4


def test_a_run_too_large_to_send_is_stepped_by_the_server(monkeypatch):
    from lab_ui import stepping

    monkeypatch.setattr(replay, "MAX_STEPS", 5)  # the lesson's 6 steps are then "too many"
    monkeypatch.setattr(stepping, "_views", type(stepping._views)())  # built anew under that limit
    at = open_app(step="3")
    assert player_data(at) is None
    assert "Step 3 of 6: Airflow creates client session" in texts(at)
    assert "too many to send to the browser" in texts(at)
    at.button(key="step_next").click().run()
    assert "Step 4 of 6: Task executes cloud API call" in texts(at)
    assert at.query_params["step"] == "4"


def test_the_server_stepped_next_says_why_it_is_disabled_while_predicting(monkeypatch):
    from lab_ui import stepping

    monkeypatch.setattr(replay, "MAX_STEPS", 5)
    monkeypatch.setattr(stepping, "_views", type(stepping._views)())
    at = open_app(step="3")
    assert not at.button(key="step_next").disabled
    assert at.button(key="step_next").help == "Next step (→)"
    at.toggle(key=state.PREDICT).set_value(True).run()
    next_button = at.button(key="step_next")
    assert next_button.disabled and next_button.help == "Make a prediction below first"
    assert "Predict step 4" in texts(at)
    # seen, not only on hover: beside the buttons, as the browser's player says it
    assert "↓ Predict step 4 below first: Next waits for it." in said(at.caption)
