"""The quiz: answer keys proved by the engine, feedback, retries, score, and progress that persists."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from engine.lessons import scenarios
from engine.progress import InvalidName, Record, summary, validate_name
from engine.quiz import answer_key, lettered, questions, shuffled
from lab_ui import server as lab
from tests.helpers import engine_cli, links, open_app, said, texts

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("question", questions(), ids=[q["id"] for q in questions()])
def test_each_stated_answer_is_the_one_the_run_gives(question):
    key = answer_key(question)
    assert key.answer == question["expect"], f"{question['id']}: the run says {key.answer!r}"
    assert question["options"].count(key.answer) == 1
    assert len(set(question["options"])) == len(question["options"])
    assert key.step >= 1 and question["hint"] and question["explanation"] and question["mode"]


def test_every_scenario_has_at_least_three_questions():
    counts = Counter(q["scenario"] for q in questions())
    assert {s: counts[s] for s in scenarios()} == {s: max(3, counts[s]) for s in scenarios()}


def test_seed_question_2_is_corrected_to_the_trackers_words():
    q = next(q for q in questions() if q["id"] == "seed-2")
    assert answer_key(q).answer == "Session closed" and "Session closed" in q["options"]


def test_the_seeds_quiz_keys_follow_the_run_not_a_letter(lesson_store):
    """Change the lesson's run (no my_gcp_conn) and the live answer changes with it."""
    from engine.quiz import compute_answer

    assert compute_answer({"first_step_where": {"variable": "session", "state": "open"}}, "lesson").answer == "Step 3"
    assert compute_answer({"failed_step": {}}, "missing_conn_id").answer == "Step 2"


def test_retries_shuffle_the_options_and_the_letters_stay_in_order():
    q = questions("lesson")[0]
    first, second = shuffled(q, 1), shuffled(q, 2)
    texts = [option.split(". ", 1)[1] for option in second]
    assert first == lettered(q) and sorted(texts) == sorted(q["options"]) and texts != q["options"]
    assert [option[0] for option in second] == ["A", "B", "C", "D"]  # read down: A, B, C, D
    assert shuffled(q, 2) == second  # the same attempt always shows the same order


def test_cli_prints_the_bank_with_computed_keys(tmp_path):
    out = engine_cli(tmp_path, "quiz", "--scenario", "lesson", "--format", "json")
    bank = json.loads(out.stdout)
    assert {"id", "scenario", "question", "options", "answer", "step"} <= set(bank[0])
    seed2 = next(q for q in bank if q["id"] == "seed-2")
    assert (seed2["answer"], seed2["step"]) == ("Session closed", 5)
    bad = engine_cli(tmp_path, "quiz", "--scenario", "nope")
    assert bad.returncode == 1 and "Unknown scenario" in bad.stderr


def answer(at, qid, option_text):
    attempt_keys = [r.key for r in at.radio if r.key.startswith(f"quiz_{qid}_")]
    radio = at.radio(key=attempt_keys[-1])
    choice = next(o for o in radio.options if o.endswith(f". {option_text}"))
    radio.set_value(choice).run()
    at.button(key=f"check_{qid}").click().run()
    assert not at.exception, [e.value for e in at.exception]


def test_wrong_then_retry_then_right_with_feedback_score_and_show_me():
    at = open_app("pages/quiz.py")
    answer(at, "seed-1", "Step 2")
    assert any(e.value == "Not right: you chose “Step 2”." for e in at.error)  # one icon, no emoji in the text
    before = at.radio  # no radio for seed-1 until "Try again"
    assert not any(r.key.startswith("quiz_seed-1_") for r in before)
    at.button(key="retry_seed-1").click().run()
    radio = at.radio(key="quiz_seed-1_2")
    assert radio.options != lettered(questions("lesson")[0]) and radio.options[0].startswith("A. ")
    answer(at, "seed-1", "Step 3")
    assert any(s.value == "Right (after 2 tries): Step 3" for s in at.success)
    assert "The session object is created at step 3" in texts(at)
    answer(at, "seed-2", "Session closed")
    assert "**2 of 4** right · 1 on the first try · 2 answered" in texts(at)
    assert links(at)["Show me step 5"] == "/?step=5"  # the walkthrough, at that step


def test_a_hint_is_there_on_request():
    at = open_app("pages/quiz.py")
    assert "Check the 'Airflow Internal State' column" in texts(at)  # inside the collapsed "Hint" expander
    assert any(e.label == "Hint" for e in at.expander)


def test_one_question_at_a_time():
    at = open_app("pages/quiz.py")
    at.toggle(key="quiz_one_at_a_time").set_value(True).run()
    assert [r.key for r in at.radio] == ["quiz_seed-1_1"]
    at.button(key="quiz_next").click().run()
    assert [r.key for r in at.radio] == ["quiz_seed-2_1"]


def test_each_scenario_has_its_own_questions():
    at = open_app("pages/quiz.py", scenario="job_fails")
    assert [r.key for r in at.radio] == ["quiz_jf-1_1", "quiz_jf-2_1", "quiz_jf-3_1"]


def join(at, name, pin="1234", code=""):
    at.text_input(key="quiz_class").set_value(code)
    at.text_input(key="quiz_name").set_value(name)
    at.text_input(key="quiz_pin").set_value(pin)
    at.button(key="quiz_sign_in").click().run()  # a form: the fields go with the button
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize(
    "name, words",
    [
        ("", "Enter a display name"),
        ("x" * 500, "at most 40 characters; this one has 500"),
        ("<b>Ada</b>", "no markup"),
        ("Ada<script>", "no markup"),
        ("\u0410da", "mixes Cyrillic and Latin letters"),  # a Cyrillic А before "da"
    ],
)
def test_bad_names_get_a_clear_message(name, words):
    with pytest.raises(InvalidName, match=words):
        validate_name(name)
    at = join(open_app("pages/quiz.py"), name)
    assert any(words in e for e in said(at.error))
    assert at.session_state["lab_member"] is None


def test_named_progress_comes_back_only_with_the_pin_and_learners_do_not_see_each_other():
    ada = join(open_app("pages/quiz.py"), "Ada Lovelace", "2468")
    answer(ada, "seed-2", "Session closed")
    bob = join(open_app("pages/quiz.py"), "Bob", "1357")
    assert "**0 of 4** right" in texts(bob)
    lab._open.cache_clear()  # as after a server restart: a new engine, the same database
    lab._progress.cache_clear()
    guess = join(open_app("pages/quiz.py"), "Ada Lovelace", "0000")  # someone typing her name
    assert any("that PIN does not match" in e for e in said(guess.error))
    assert guess.session_state["lab_member"] is None and "**0 of 4** right" in texts(guess)
    again = join(open_app("pages/quiz.py"), "ada lovelace", "2468")  # names match without regard to case
    assert "Answering as **Ada Lovelace**" in texts(again)
    assert "**1 of 4** right · 1 on the first try" in texts(again)
    wide = join(open_app("pages/quiz.py"), "\uff41\uff44\uff41 lovelace", "2468")  # fullwidth ａｄａ: NFKC
    assert "Answering as **Ada Lovelace**" in texts(wide)


def test_a_look_alike_of_a_learners_name_in_another_script_is_refused():
    progress = lab.get_progress()
    code = progress.create_class("Look-alikes")
    progress.join(code, "Aca", "1234")
    with pytest.raises(InvalidName, match="looks like the name of another learner"):
        progress.join(code, "\u0410\u0441\u0430", "1234")  # Cyrillic Аса
    assert progress.join("", "\u0410\u0441\u0430", "1234").name == "\u0410\u0441\u0430"  # another class: no clash


def test_five_wrong_pins_lock_the_name_for_five_minutes():
    from engine.progress import JoinRefused, ProgressStore

    now = [1000.0]
    progress = ProgressStore(lab.get_store().engine, clock=lambda: now[0])
    progress.join("", "Grace Hopper", "1234")
    for _ in range(5):
        with pytest.raises(JoinRefused, match="does not match"):
            progress.join("", "grace hopper", "9999")
    with pytest.raises(JoinRefused, match="Too many wrong PINs"):
        progress.join("", "Grace Hopper", "1234")  # even the right PIN waits
    now[0] += 301
    assert progress.join("", "Grace Hopper", "1234").name == "Grace Hopper"


def test_an_unknown_class_code_or_a_short_pin_is_refused_where_it_was_typed():
    at = join(open_app("pages/quiz.py"), "Ada", "1234", code="ZZZZ-ZZZZ")
    assert any("There is no class ZZZZ-ZZZZ" in e for e in said(at.error))
    at = join(open_app("pages/quiz.py"), "Ada", "12")
    assert any("A PIN is 4 to 8 digits" in e for e in said(at.error))
    assert at.text_input(key="quiz_pin").value == ""  # a PIN never stays in the field


def test_anonymous_answers_are_not_saved():
    at = open_app("pages/quiz.py")
    answer(at, "seed-2", "Session closed")
    assert lab.get_progress().class_records("") == {}


def test_summary_counts_first_try_and_modes():
    qs = questions("lesson")
    records = [
        Record("seed-1", "lesson", 1, "Step 2", False),
        Record("seed-1", "lesson", 2, "Step 3", True),
        Record("seed-2", "lesson", 1, "Session closed", True),
    ]
    result = summary(records, qs)
    assert result["total"] == {"questions": 4, "answered": 2, "right": 2, "first_try_right": 1}
    assert result["modes"]["Process table"] == {"questions": 2, "answered": 1, "right": 1, "first_try_right": 0}


def test_joining_keeps_the_answers_already_given():
    at = open_app("pages/quiz.py")
    answer(at, "seed-1", "Step 3")
    answer(at, "seed-2", "Running")
    assert "**1 of 4** right · 1 on the first try · 2 answered" in texts(at)
    join(at, "Ada Lovelace")
    assert "**1 of 4** right · 1 on the first try · 2 answered" in texts(at)  # was 0 of 4 before
    again = join(open_app("pages/quiz.py"), "ada lovelace")  # another session, the same name and PIN
    assert "**1 of 4** right · 1 on the first try · 2 answered" in texts(again)
