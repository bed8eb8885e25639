"""The teacher's view of a class, computed from the stored answers and the quiz bank alone.

Per question: how many learners answered it, the share right at the first try, and the wrong
option chosen most often (over every wrong answer). Per scenario: how many learners started its
questions and how many answered all of them. No learner's name or answer leaves this module: only
counts and shares do, so what a teacher sees (or exports) never shows one learner's answers to
another.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import asdict, dataclass

from engine.lessons import scenarios
from engine.progress import Record, by_question


@dataclass(frozen=True)
class QuestionRow:
    question_id: str
    scenario: str
    question: str
    learners: int  # in the class
    answered: int  # learners who answered it at least once
    first_try_right: int
    most_chosen_wrong: str  # "" when nobody chose a wrong option
    most_chosen_wrong_count: int

    @property
    def first_try_share(self) -> float | None:
        return self.first_try_right / self.answered if self.answered else None


@dataclass(frozen=True)
class ScenarioRow:
    scenario: str
    title: str
    questions: int
    learners: int
    started: int  # answered at least one of its questions
    finished: int  # answered every one of them


def question_rows(class_records: dict[int, list[Record]], bank: list[dict]) -> list[QuestionRow]:
    learners = len(class_records)
    grouped = [by_question(records) for records in class_records.values()]
    rows = []
    for q in bank:
        answers = [g[q["id"]] for g in grouped if g.get(q["id"])]
        wrong = Counter(a.choice for learner in answers for a in learner if not a.correct)
        top = wrong.most_common(1)[0] if wrong else ("", 0)
        rows.append(
            QuestionRow(
                q["id"],
                q["scenario"],
                q["question"],
                learners,
                len(answers),
                sum(learner[0].correct for learner in answers),
                *top,
            )
        )
    return rows


def scenario_rows(class_records: dict[int, list[Record]], bank: list[dict]) -> list[ScenarioRow]:
    rows = []
    for sc in scenarios().values():
        ids = {q["id"] for q in bank if q["scenario"] == sc.id}
        if not ids:
            continue
        answered = [ids & {r.question_id for r in records} for records in class_records.values()]
        rows.append(
            ScenarioRow(
                sc.id,
                sc.title,
                len(ids),
                len(class_records),
                sum(bool(a) for a in answered),
                sum(a == ids for a in answered),
            )
        )
    return rows


def _cell(value):
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def report_csv(questions: list[QuestionRow], per_scenario: list[ScenarioRow]) -> str:
    """Both tables as one CSV (a ``table`` column says which), for a spreadsheet."""
    out = io.StringIO()
    fields = ["table", *QuestionRow.__dataclass_fields__, "first_try_share", *ScenarioRow.__dataclass_fields__]
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(fields)), extrasaction="ignore")
    writer.writeheader()
    for row in questions:
        share = row.first_try_share
        cells = {k: _cell(v) for k, v in asdict(row).items()}
        writer.writerow({"table": "question", **cells, "first_try_share": "" if share is None else f"{share:.3f}"})
    for row in per_scenario:
        writer.writerow({"table": "scenario", **{k: _cell(v) for k, v in asdict(row).items()}})
    return out.getvalue()
