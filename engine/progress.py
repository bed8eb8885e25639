"""Quiz answers and scores that persist: tables of their own in the lab's database.

A learner is a display name (compared without regard to case); each answer is a row with the
question, the attempt number, the chosen option's text and whether it was right. An anonymous
learner keeps the same records in the browser session only. ``summary`` turns records into
the score and the progress view, for both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Boolean, ForeignKey, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from engine.errors import AirflowException
from engine.store import Base

NAME_MAX = 40
NAME_RE = re.compile(r"^[\w][\w .'\-]*$")


class InvalidName(AirflowException, ValueError):
    pass


class Learner(Base):
    __tablename__ = "quiz_learner"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    name_key: Mapped[str] = mapped_column(String(NAME_MAX), unique=True, nullable=False)


class Answer(Base):
    __tablename__ = "quiz_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("quiz_learner.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(64), nullable=False)
    scenario: Mapped[str] = mapped_column(String(64), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    choice: Mapped[str] = mapped_column(String(500), nullable=False)
    correct: Mapped[bool] = mapped_column(Boolean, nullable=False)


@dataclass(frozen=True)
class Record:
    """One answer: which question, which attempt, what was chosen, and whether it was right."""

    question_id: str
    scenario: str
    attempt: int
    choice: str
    correct: bool


def validate_name(raw: str | None) -> str:
    """A display name, or ``InvalidName`` saying what is wrong with it."""
    name = " ".join((raw or "").split())
    if not name:
        raise InvalidName("Enter a name, or stay anonymous.")
    if len(name) > NAME_MAX:
        raise InvalidName(f"A name can be at most {NAME_MAX} characters; this one has {len(name)}.")
    if not NAME_RE.match(name):
        raise InvalidName("A name may contain letters, digits, spaces and . ' - _ only (no markup or symbols).")
    return name


class ProgressStore:
    """Reads and writes learners' answers in the lab's database."""

    def __init__(self, engine: Engine):
        Base.metadata.create_all(engine, tables=[Learner.__table__, Answer.__table__])
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def learner(self, raw_name: str) -> tuple[int, str]:
        """The learner's id and name, created on first use."""
        name = validate_name(raw_name)
        key = name.casefold()
        with self._sessions.begin() as session:
            found = session.scalar(select(Learner).where(Learner.name_key == key))
            if found:
                return found.id, found.name
        try:
            with self._sessions.begin() as session:
                learner = Learner(name=name, name_key=key)
                session.add(learner)
                session.flush()
                return learner.id, learner.name
        except IntegrityError:  # created by another session meanwhile
            with self._sessions.begin() as session:
                found = session.scalar(select(Learner).where(Learner.name_key == key))
                return found.id, found.name

    def record(self, learner_id: int, record: Record) -> None:
        with self._sessions.begin() as session:
            session.add(
                Answer(
                    learner_id=learner_id,
                    question_id=record.question_id,
                    scenario=record.scenario,
                    attempt=record.attempt,
                    choice=record.choice[:500],
                    correct=record.correct,
                )
            )

    def records(self, learner_id: int) -> list[Record]:
        with self._sessions.begin() as session:
            rows = session.scalars(select(Answer).where(Answer.learner_id == learner_id).order_by(Answer.id)).all()
            return [Record(r.question_id, r.scenario, r.attempt, r.choice, r.correct) for r in rows]


def by_question(records: list[Record]) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.question_id, []).append(record)
    return grouped


def summary(records: list[Record], questions: list[dict]) -> dict:
    """Score and progress: overall and per learning mode, over the given questions."""
    grouped = by_question(records)
    modes: dict[str, dict[str, int]] = {}
    total = {"questions": 0, "answered": 0, "right": 0, "first_try_right": 0}
    for q in questions:
        answers = grouped.get(q["id"], [])
        row = modes.setdefault(q["mode"], {"questions": 0, "answered": 0, "right": 0, "first_try_right": 0})
        counts = {
            "questions": 1,
            "answered": int(bool(answers)),
            "right": int(any(a.correct for a in answers)),
            "first_try_right": int(bool(answers) and answers[0].correct),
        }
        for k, v in counts.items():
            row[k] += v
            total[k] += v
    return {"total": total, "modes": modes}
