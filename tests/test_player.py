"""The step cursor, driven without a browser."""

from __future__ import annotations

from engine.player import Player
from engine.quiz import reference_trace


def test_moves_stay_within_the_run():
    player = Player(6)
    assert player.step == 1 and player.at_start
    assert player.prev() == 1
    assert [player.next() for _ in range(7)] == [2, 3, 4, 5, 6, 6, 6] and player.at_end
    assert player.first() == 1 and player.last() == 6
    assert player.seek(0) == 1 and player.seek(99) == 6 and player.seek(3) == 3


def test_a_shorter_run_clamps_the_step_and_a_longer_one_gives_it_back():
    player = Player(10, position=8)
    player.resize(6)
    assert player.step == 6
    player.resize(10)
    assert player.step == 8


def test_a_step_asked_for_before_its_run_is_known_waits_for_it():
    """A deep link to step 500 of a learner's DAG arrives while the cursor is sized to the lesson."""
    player = Player(6)
    player.ask(500)
    assert player.step == 6  # within the lesson, for its pages
    player.resize(602)
    assert player.step == 500  # the learner's DAG, once its page gives it
    player.ask(0)
    assert player.step == 1


def test_autoplay_moves_every_interval_and_stops_at_the_end():
    player = Player(3, autoplay=True)
    assert not player.tick(0.0)  # the clock starts
    assert not player.tick(1.0)
    assert player.tick(2.5) and player.step == 2
    assert player.tick(5.0) and player.step == 3
    assert not player.tick(7.5) and not player.autoplay and player.step == 3


def test_autoplay_off_never_moves():
    player = Player(3)
    assert not player.tick(100.0) and player.step == 1


def test_reveal_checks_a_prediction_and_shows_the_next_step():
    trace = reference_trace("lesson")
    player = Player(len(trace.steps), position=2)
    right, truth = player.reveal(trace, "session", "Client session object created")
    assert right and player.step == 3 and "At step 3" in truth
    nothing, _ = player.reveal(trace, "Nothing changes", "")  # the API call changes no tracked variable
    assert nothing and player.step == 4
    wrong, _ = player.reveal(trace, "Nothing changes", "")  # the task completes: session and status change
    assert not wrong and player.step == 5
    player.next()
    assert player.prediction is None  # a move clears the last outcome
