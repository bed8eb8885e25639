"""Classes, learners and their quiz answers, in tables of their own in the lab's database.

An instructor creates a class and gets its code; a learner joins with the code (or none, to
practise on their own), a display name and a short PIN. The name is compared after Unicode NFKC
normalisation and case folding, so "Ada", "ADA" and fullwidth "Ａｄａ" are one learner; a name that
mixes scripts ("Аda" with a Cyrillic А) is refused, and one that looks like another learner's
name of the class ("Аса" against "Aca") is refused too. The first join sets the PIN (stored as a
salted scrypt hash); after that only the right PIN opens the learner's answers, and five wrong
PINs in a row lock the name for five minutes. ``summary`` turns records into the score and the
progress view.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column, sessionmaker

from engine.errors import AirflowException
from engine.store import Base

NAME_MAX = 40
NAME_RE = re.compile(r"^[\w][\w .'\-]*$")
PIN_RE = re.compile(r"^[0-9]{4,8}$")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: a code read aloud is typed right
CODE_LEN = 8
MAX_FAILURES, LOCK_SECONDS = 5, 300
NO_CLASS = ""  # the class code of learners practising on their own


class InvalidName(AirflowException, ValueError):
    pass


class JoinRefused(AirflowException):
    """A class code, PIN or name that does not open a learner's progress."""


class LabClass(Base):
    __tablename__ = "lab_class"

    code: Mapped[str] = mapped_column(String(CODE_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)


class Learner(Base):
    __tablename__ = "learner"
    __table_args__ = (UniqueConstraint("class_code", "name_key", name="uq_learner_class_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_code: Mapped[str] = mapped_column(String(CODE_LEN), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    name_key: Mapped[str] = mapped_column(String(4 * NAME_MAX), nullable=False)
    skeleton: Mapped[str] = mapped_column(String(4 * NAME_MAX), nullable=False)
    pin_salt: Mapped[str] = mapped_column(String(32), nullable=False)
    pin_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    failures: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    locked_until: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)


class Answer(Base):
    __tablename__ = "learner_answer"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[str] = mapped_column(String(64), nullable=False)
    scenario: Mapped[str] = mapped_column(String(64), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False)
    choice: Mapped[str] = mapped_column(String(500), nullable=False)
    correct: Mapped[bool] = mapped_column(Boolean, nullable=False)


class LearnerSession(Base):
    """A browser that joined and stays signed in: only the token's hash is stored."""

    __tablename__ = "learner_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learner.id", ondelete="CASCADE"), index=True)
    created: Mapped[float] = mapped_column(Float, nullable=False)


SESSION_DAYS = 30


@dataclass(frozen=True)
class Record:
    """One answer: which question, which attempt, what was chosen, and whether it was right."""

    question_id: str
    scenario: str
    attempt: int
    choice: str
    correct: bool


@dataclass(frozen=True)
class Member:
    """A learner who joined: the id their answers and sandbox hang on, their name, their class."""

    id: int
    name: str
    class_code: str

    @property
    def sandbox_owner(self) -> str:
        return f"learner:{self.id}"


# -- names --------------------------------------------------------------------------------------
# Letters that look like Latin ones in the scripts a class is likely to mix (after case folding).
CONFUSABLE = str.maketrans(
    "аеорсухіјѕԁӏɡαβεικνορτυχϲ",  # Cyrillic а е о р с у х і ј ѕ ԁ ӏ, Latin ɡ, Greek α β ε ι κ ν ο ρ τ υ χ ϲ
    "aeopcyxijsdlgabeiknoptuxc",
)


def validate_name(raw: str | None) -> str:
    """A display name (NFKC-normalised, spaces collapsed), or ``InvalidName`` saying what is wrong."""
    name = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    if not name:
        raise InvalidName("Enter a display name.")
    if len(name) > NAME_MAX:
        raise InvalidName(f"A name can be at most {NAME_MAX} characters; this one has {len(name)}.")
    if not NAME_RE.match(name):
        raise InvalidName("A name may contain letters, digits, spaces and . ' - _ only (no markup or symbols).")
    scripts = sorted({_script(ch) for ch in name if ch.isalpha()})
    if len(scripts) > 1:
        raise InvalidName(
            f"This name mixes {' and '.join(s.title() for s in scripts)} letters, so it could pass for another "
            "learner's name; write it in one script."
        )
    return name


def _script(ch: str) -> str:
    return unicodedata.name(ch, "UNKNOWN").split(" ")[0]


def name_key(name: str) -> str:
    return name.casefold()


def skeleton(name: str) -> str:
    return name_key(name).translate(CONFUSABLE)


def validate_pin(raw: str | None) -> str:
    pin = (raw or "").strip()
    if not PIN_RE.match(pin):
        raise JoinRefused("A PIN is 4 to 8 digits.")
    return pin


def _hash_pin(pin: str, salt: str) -> str:
    return hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1, dklen=32).hex()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_code(raw: str | None) -> str:
    """A class code as typed (any case, with or without the dash) → its stored form; "" for none."""
    code = re.sub(r"[\s\-]", "", (raw or "")).upper()
    if code and (len(code) != CODE_LEN or any(c not in CODE_ALPHABET for c in code)):
        raise JoinRefused(f"A class code has {CODE_LEN} letters and digits, like {shown_code('K7QF2MXP')}.")
    return code


def shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}" if code else ""


# -- the store -----------------------------------------------------------------------------------
class ProgressStore:
    """Classes, learners and answers in the lab's database (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, clock=time.time):
        tables = [LabClass.__table__, Learner.__table__, Answer.__table__, LearnerSession.__table__]
        Base.metadata.create_all(engine, tables=tables)
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.clock = clock

    # classes
    def create_class(self, name: str) -> str:
        """A new class; returns its code."""
        name = " ".join((name or "").split())
        if not name or len(name) > 80 or not NAME_RE.match(name):
            raise InvalidName("A class name is 1 to 80 letters, digits, spaces and . ' - _.")
        for _ in range(5):
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LEN))
            try:
                with self._sessions.begin() as session:
                    session.add(LabClass(code=code, name=name))
                return code
            except IntegrityError:
                continue
        raise AirflowException("Could not find a free class code; try again.")

    def classes(self) -> list[tuple[str, str]]:
        with self._sessions.begin() as session:
            return [(c.code, c.name) for c in session.scalars(select(LabClass).order_by(LabClass.name))]

    def class_name(self, code: str) -> str | None:
        with self._sessions.begin() as session:
            found = session.get(LabClass, code)
            return found.name if found else None

    # learners
    def join(self, raw_code: str | None, raw_name: str | None, raw_pin: str | None) -> Member:
        """The learner of this class and name, created with this PIN on first use; refused with a
        message that never says whether the name exists when the PIN is wrong."""
        code = normalise_code(raw_code)
        name = validate_name(raw_name)
        pin = validate_pin(raw_pin)
        if code and self.class_name(code) is None:
            raise JoinRefused(f"There is no class {shown_code(code)}; check the code your instructor gave you.")
        key, look = name_key(name), skeleton(name)
        with self._sessions.begin() as session:
            found = session.scalar(select(Learner).where(Learner.class_code == code, Learner.name_key == key))
            if found is None:
                alike = session.scalar(select(Learner).where(Learner.class_code == code, Learner.skeleton == look))
                if alike is not None:
                    raise InvalidName(
                        f"“{name}” looks like the name of another learner here; choose a name that reads differently."
                    )
        if found is None:
            salt = secrets.token_hex(16)
            try:
                with self._sessions.begin() as session:
                    learner = Learner(
                        class_code=code,
                        name=name,
                        name_key=key,
                        skeleton=look,
                        pin_salt=salt,
                        pin_hash=_hash_pin(pin, salt),
                    )
                    session.add(learner)
                    session.flush()
                    return Member(learner.id, learner.name, code)
            except IntegrityError:  # the same name joined at the same moment: check the PIN below
                pass
        return self._check_pin(code, key, pin)

    def _check_pin(self, code: str, key: str, pin: str) -> Member:
        now = self.clock()
        with self._sessions.begin() as session:
            learner = session.scalar(
                select(Learner).where(Learner.class_code == code, Learner.name_key == key).with_for_update()
            )
            if learner.locked_until > now:
                wait = int(learner.locked_until - now) + 1
                raise JoinRefused(f"Too many wrong PINs for this name; try again in {wait} s.")
            if hmac.compare_digest(_hash_pin(pin, learner.pin_salt), learner.pin_hash):
                learner.failures = 0
                return Member(learner.id, learner.name, code)
            learner.failures += 1
            if learner.failures >= MAX_FAILURES:
                learner.failures, learner.locked_until = 0, now + LOCK_SECONDS
        raise JoinRefused("This name is taken here and that PIN does not match it. Use your PIN, or another name.")

    # staying signed in (a cookie holds the token; the database only its hash)
    def remember(self, member: Member) -> str:
        token = secrets.token_urlsafe(32)
        with self._sessions.begin() as session:
            session.add(LearnerSession(token_hash=_token_hash(token), learner_id=member.id, created=self.clock()))
        return token

    def recall(self, token: str | None) -> Member | None:
        """The learner a token signs in, unless it is unknown, forgotten or older than 30 days."""
        if not token or len(token) > 100:
            return None
        with self._sessions.begin() as session:
            found = session.get(LearnerSession, _token_hash(token))
            if found is None or self.clock() - found.created > SESSION_DAYS * 86400:
                return None
            learner = session.get(Learner, found.learner_id)
            return Member(learner.id, learner.name, learner.class_code)

    def forget(self, token: str | None) -> None:
        if token:
            with self._sessions.begin() as session:
                found = session.get(LearnerSession, _token_hash(token))
                if found is not None:
                    session.delete(found)

    # answers
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

    def class_records(self, code: str) -> dict[int, list[Record]]:
        """learner id → that learner's answers, for every learner of a class (the teacher's view)."""
        found: dict[int, list[Record]] = {}
        with self._sessions.begin() as session:
            ids = session.scalars(select(Learner.id).where(Learner.class_code == code)).all()
            found = {i: [] for i in ids}
            query = (
                select(Answer)
                .join(Learner, Answer.learner_id == Learner.id)
                .where(Learner.class_code == code)
                .order_by(Answer.id)
            )
            for r in session.scalars(query):
                found[r.learner_id].append(Record(r.question_id, r.scenario, r.attempt, r.choice, r.correct))
        return found


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
