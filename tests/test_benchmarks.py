"""The benchmark scripts run (small sizes): their figures come from real work, not stand-ins."""

from __future__ import annotations

import pytest

from benchmarks import classroom, engine_bench
from tests.helpers import ROOT, Server, need_chromium, run_async


def test_engine_benchmark_prints_every_row(capsys):
    engine_bench.main(["--quick"])
    out = capsys.readouterr().out
    assert "| engine: one run of the lesson |" in out
    assert "| engine: 1,000 tasks over 10 connection(s), read and run |" in out
    assert "| player payload: Your DAG, 100 tasks (bytes) |" in out
    assert "| store: resolve a connection ×100 (SQLite) |" in out


@pytest.mark.browser
def test_a_protocol_learner_steps_the_lesson_and_answers_the_quiz(tmp_path):
    need_chromium()
    # A server of its own, as the benchmark has: on the browser tests' server the sessions they
    # leave behind are freed while these learners connect, and its memory can shrink meanwhile.
    server = Server(ROOT / "app.py", tmp_path)
    classroom.THINK = 0
    try:
        result = run_async(lambda: classroom.classroom(classroom.lab_learner, server.url, 2, server.proc.pid))
    finally:
        server.stop()
    assert result["errors"] == 0  # no exception element, and the quiz scored 3 of 4
    assert result["p50"] > 0 and result["mb_per_session"] > 0


@pytest.fixture
def generated_run(tmp_path):
    """A generated DAG of 30 tasks over 3 connections, its backends, and the engine's steps of its
    tasks (the floors below must make the same)."""
    from engine.dag import read_dag
    from engine.secrets import default_backends
    from engine.simulator import run
    from tests.helpers import generated_dag, store_with

    dag = read_dag(generated_dag(30, 3))
    backends = default_backends(store_with(f"sqlite:///{tmp_path}/b.db", 3), {})
    trace = run(dag, backends)
    return dag, backends, trace, [s for s in trace.steps if s.task_id is not None]


def test_the_least_run_makes_the_engines_steps_and_ids_so_it_is_a_floor_not_a_stand_in(generated_run):
    dag, _, _, engine_steps = generated_run
    least = engine_bench.least_run(dag)
    assert [(kind, outcome) for kind, outcome, _, _ in least] == [(s.kind, s.outcome) for s in engine_steps]
    answers = [facts["answer"] for kind, _, _, facts in least if kind == "api_call"]
    assert answers == [s.raw_facts["answer"] for s in engine_steps if s.kind == "api_call"]  # the same ids


def test_the_least_live_run_does_the_engines_live_work_so_it_is_a_floor_not_a_stand_in(generated_run):
    dag, backends, trace, engine_steps = generated_run
    least, changes = engine_bench.least_live_run(dag, backends)
    assert [(kind, outcome) for kind, outcome, _, _ in least] == [(s.kind, s.outcome) for s in engine_steps]
    for (_, _, _, facts), step in zip(least, engine_steps):  # the same sources, hooks, projects and job ids
        assert facts == {name: step.raw_facts[name] for name in facts}
    engine_sessions = [
        value.detail
        for task in dag.tasks
        for _, value in trace.timelines[f"session ({task.task_id})"]
        if value.state in ("open", "closed")
    ]
    assert [change[4] for change in changes if change[2] == 1] == engine_sessions  # the same client sessions


def test_the_ratio_interval_holds_the_ratio_and_narrows_with_more_reports():
    import random

    rng = random.Random(1)
    one = [rng.uniform(0.004, 0.012) for _ in range(300)]
    slower = [2 * x for x in one]
    low, high = classroom.ratio_interval(slower, one)
    assert low <= 2.0 <= high and high - low < 0.5
    few_low, few_high = classroom.ratio_interval(slower[:20], one[:20])
    assert few_high - few_low > high - low  # fewer reports: a wider interval
