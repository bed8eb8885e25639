"""The benchmark scripts run (small sizes): their figures come from real work, not stand-ins."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import classroom, engine_bench


def test_engine_benchmark_prints_every_row(capsys):
    engine_bench.main(["--quick"])
    out = capsys.readouterr().out
    assert "| engine: one run of the lesson |" in out
    assert "| engine: 1,000 tasks over 10 connection(s), read and run |" in out
    assert "| player payload: Your DAG, 100 tasks (bytes) |" in out
    assert "| store: resolve a connection ×1,000 (SQLite) |" in out


@pytest.mark.browser
def test_a_protocol_learner_steps_the_lesson_and_answers_the_quiz(lab_server):
    classroom.THINK = 0
    result = asyncio.run(classroom.classroom(classroom.lab_learner, lab_server.url, 2, lab_server.proc.pid))
    assert result["errors"] == 0  # no exception element, and the quiz scored 3 of 4
    assert result["p50"] > 0 and result["mb_per_session"] >= 0
