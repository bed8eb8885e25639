"""The quiz: questions from ``data/quiz.yaml``, answer keys computed from a recorded run.

A question never stores its right option as a letter: it says how the answer follows from a
run (``first_step_where``, ``value_after``, ``step_changed_by_conn_id``), and the engine works
it out from the run of the question's scenario against the lesson's own connections. So an
answer key cannot drift from what the lab shows.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache

from engine.lessons import quiz_bank, scenario, seed_connections
from engine.progress import Record
from engine.secrets import FixedConnections
from engine.simulator import run_scenario
from engine.trace import Trace
from engine.views import process_rows

CHANGED_CONN_ID = "a_conn_id_nobody_defined"


@dataclass(frozen=True)
class AnswerKey:
    answer: str  # the right option's text
    step: int  # the step the question is about
    scenario: str


def reference_store(scenario_id: str) -> FixedConnections:
    """The lesson's practice connections (and the scenario's), in memory."""
    return FixedConnections({**seed_connections(), **scenario(scenario_id).connections})


@cache
def reference_trace(scenario_id: str, dag_source: str | None = None) -> Trace:
    return run_scenario(scenario(scenario_id), reference_store(scenario_id), dag_source)


def _with_conn_id(trace: Trace, new_id: str) -> str:
    """The DAG's source with its first task's conn_id literal replaced."""
    task = trace.dag.tasks[0]
    lines = trace.dag.source.splitlines(keepends=True)
    i = task.conn_lineno - 1
    lines[i] = lines[i].replace(repr(task.conn_id), repr(new_id)).replace(f'"{task.conn_id}"', repr(new_id))
    return "".join(lines)


def _step_number(trace: Trace, which) -> int:
    if which == "failed":
        return trace.failed_step.number
    if which == "last":
        return len(trace.steps)
    return int(which)


def compute_answer(rule: dict, scenario_id: str) -> AnswerKey:
    """Work a rule out from the scenario's recorded run."""
    trace = reference_trace(scenario_id)
    ((kind, args),) = rule.items()
    args = args or {}
    if kind == "first_step_where":
        step = next(
            i for i in range(1, len(trace.steps) + 1) if trace.value(args["variable"], i).state == args["state"]
        )
        return AnswerKey(f"Step {step}", step, scenario_id)
    if kind == "value_after":
        step = _step_number(trace, args["step"])
        return AnswerKey(trace.value(args["variable"], step).text, step, scenario_id)
    if kind == "step_changed_by_conn_id":
        changed = reference_trace(scenario_id, _with_conn_id(trace, CHANGED_CONN_ID))
        before, after = process_rows(trace), process_rows(changed)
        step = next(i + 1 for i, (a, b) in enumerate(zip(before, after)) if a != b)
        return AnswerKey(f"Step {step}", step, scenario_id)
    if kind == "failed_step":
        step = trace.failed_step.number
        return AnswerKey(f"Step {step}", step, scenario_id)
    if kind == "error_type":
        return AnswerKey(trace.failed_step.error_type, trace.failed_step.number, scenario_id)
    if kind == "cell":
        step = _step_number(trace, args["step"])
        return AnswerKey(str(process_rows(trace)[step - 1][args["column"]]), step, scenario_id)
    if kind == "fact":
        step = trace.first(args["kind"])
        return AnswerKey(str(step.facts[args["name"]]), step.number, scenario_id)
    if kind == "count_steps_of_kind":
        steps = [s for s in trace.steps if s.kind == args["kind"]]
        return AnswerKey(str(len(steps)), steps[0].number, scenario_id)
    raise ValueError(f"Unknown answer rule {kind!r}")


def questions(scenario_id: str | None = None) -> list[dict]:
    """The questions of the bank, those of one scenario when it is given."""
    return [q for q in quiz_bank() if scenario_id is None or q["scenario"] == scenario_id]


def answer_key(question: dict) -> AnswerKey:
    return compute_answer(question["answer"], question["scenario"])


LETTERS = "ABCDEFGH"


def lettered(question: dict) -> list[str]:
    """The options as written, lettered: "A. Step 2", ... (the first attempt's order)."""
    return shuffled(question, 1)


def shuffled(question: dict, attempt: int) -> list[str]:
    """The options of an attempt, lettered A, B, C… in the order shown: as written first, shuffled
    on each retry (the letters stay in order; the texts move)."""
    texts = list(question["options"])
    if attempt > 1:
        rng = random.Random(f"{question['id']}:{attempt}")
        order = texts[:]
        while order == texts:
            rng.shuffle(order)
        texts = order
    return [f"{LETTERS[i]}. {text}" for i, text in enumerate(texts)]


def option_text(lettered_option: str) -> str:
    return lettered_option.split(". ", 1)[1]


def grade(question: dict, choice: str, attempt: int) -> Record:
    """A learner's answer (a lettered option, e.g. "B. Step 2") to a question, checked against the key."""
    chosen = option_text(choice)
    return Record(question["id"], question["scenario"], attempt, chosen, chosen == answer_key(question).answer)


def as_json(scenario_id: str | None = None) -> list[dict]:
    """The bank with computed answer keys, for instructors (``python -m engine quiz``)."""
    out = []
    for q in questions(scenario_id):
        key = answer_key(q)
        out.append(
            {
                "id": q["id"],
                "scenario": q["scenario"],
                "mode": q["mode"],
                "question": q["question"],
                "options": list(q["options"]),
                "answer": key.answer,
                "step": key.step,
                "hint": q["hint"],
                "explanation": q["explanation"],
            }
        )
    return out
