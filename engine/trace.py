"""A recorded run: ``Trace``, its ``Step``s and the tracked ``Variable``s' values.

A trace is self-contained: it holds the lesson it was recorded with (``trace.lesson``), so every
view reads a step's words, a variable's words, the flow's nodes and the tables' columns from
the trace alone. A step keeps the run's values (``raw_facts``: its own and its task's); its
words are the lesson's templates filled with them on first read (cached), with every secret the
run has seen masked, so a run of thousands of tasks pays only for the steps a page shows.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

from engine.masking import MASK, secrets_pattern

VARIABLES = ("connection_details", "session", "task_status")


class Variable(str):
    """A tracked variable: ``session``, or ``session (load_data)`` when the DAG has several
    tasks. It is its own label (a ``str``) and says which variable of which task it is; both are
    read from the label (no per-instance dict: a run of 10,000 tasks tracks 30,000 of them)."""

    __slots__ = ()

    def __new__(cls, name: str, task_id: str | None = None) -> Variable:
        return super().__new__(cls, name if task_id is None else f"{name} ({task_id})")

    @property
    def name(self) -> str:
        # A plain str (partition would give the Variable itself back when there is no task), and a
        # tracked variable's name is a Python name: no " (".
        return str(self).partition(" (")[0]

    @property
    def task_id(self) -> str | None:
        return self[len(self.name) + 2 : -1] if " (" in self else None

    def __reduce__(self):
        return Variable, (self.name, self.task_id)


class Value(NamedTuple):
    """One tracked variable at one moment: its state, the lesson's words for it, and the object."""

    state: str
    text: str
    detail: str


class Redactor:
    """The secrets a run has seen, and their removal from any text shown (shared by its steps)."""

    def __init__(self):
        self.secrets: dict[str, None] = {}  # an ordered set
        self._pattern: re.Pattern | None = None

    def add(self, secrets: list[str]) -> None:
        self.secrets.update(dict.fromkeys(secrets))
        self._pattern = secrets_pattern(tuple(self.secrets))  # compiled once per new secret, not per text

    def __call__(self, value: Any) -> Any:
        return self._pattern.sub(MASK, value) if self._pattern is not None and isinstance(value, str) else value


class Templates:
    """The lesson's words for each kind of step, read from the lesson the run was recorded with."""

    def __init__(self, lesson: dict):
        self.lesson = lesson
        self._cache: dict[tuple, str] = {}

    def __call__(self, kind: str, outcome: str, field_name: str, source: str | None) -> str:
        key = (kind, outcome, field_name, source)
        if key not in self._cache:
            template = self.lesson["steps"][kind][outcome][field_name]
            if isinstance(template, dict):
                template = template[source]
            self._cache[key] = " ".join(str(template).split())
        return self._cache[key]


class _Words:
    """A step's words for one column: the lesson's template filled on first read, then kept."""

    def __init__(self, field_name: str):
        self.field_name = field_name

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, step, owner=None):
        if step is None:
            return self
        words = step.__dict__[self.name] = step._words(self.field_name)
        return words


@dataclass(frozen=True)
class Step:
    """One row of the process table, with what the walkthrough says about it."""

    number: int
    kind: str
    outcome: str  # "ok", "fallback", "failed" or "failed_without_session"
    task_id: str | None
    conn_id: str | None
    flow_node: str
    # What the run said at this step (``own_facts``, never changed once recorded) and what every
    # step of its task says (``task_facts``: dag_id, task_id, conn_id, ..., one dict per task):
    # kept apart, not merged into a dict per step (a run of 10,000 tasks records 40,000 steps).
    own_facts: dict[str, Any] = field(default_factory=dict, repr=False)
    task_facts: dict[str, Any] = field(default_factory=dict, repr=False)
    redactor: Redactor = field(default_factory=Redactor, compare=False, repr=False)
    templates: Templates | None = field(default=None, compare=False, repr=False)

    @cached_property
    def raw_facts(self) -> dict[str, Any]:
        """The run's values at this step (not masked): the task's, then the step's own."""
        return self.task_facts | self.own_facts

    def fact(self, name: str) -> Any:
        """One of the run's values at this step (not masked), without building ``raw_facts``."""
        return self.own_facts[name] if name in self.own_facts else self.task_facts.get(name)

    @property
    def variant(self) -> str | None:
        """Which wording of a field the lesson uses when it has several: the DAG's size for the run's
        start and end ("one", "several"), where the connection came from for a look-up."""
        return self.fact("variant") or self.fact("source")

    @property
    def failed(self) -> bool:
        return self.outcome.startswith("failed")

    def _words(self, field_name: str) -> str:
        return self.words_with(field_name, str)

    def words_with(self, field_name: str, escape) -> str:
        """The lesson's words for this step with each of the run's values (secrets masked) passed
        through ``escape`` first: a page that draws markup escapes the values, never the lesson."""
        template = self.templates(self.kind, self.outcome, field_name, self.variant)
        masked = self.facts  # masked once per step, for all its columns
        values = masked if escape is str else {k: escape(v) if isinstance(v, str) else v for k, v in masked.items()}
        return self.redactor(template.format_map(values))

    action = _Words("action")  # the process table's columns, and the walkthrough's narration
    internal_state = _Words("state")
    result = _Words("result")
    narration = _Words("narration")

    @cached_property
    def facts(self) -> dict[str, Any]:
        return {k: self.redactor(v) for k, v in self.raw_facts.items()}

    @property
    def error(self) -> str | None:
        return self.facts.get("error")

    @property
    def error_type(self) -> str | None:
        return self.fact("error_type")


@dataclass(frozen=True)
class Trace:
    """A recorded run: ``steps[i]`` is step i+1; the variables' values are kept as timelines.

    ``timelines[variable]`` lists ``(step, Value)`` each time the variable changed (step 0 is the
    start), so a run of many tasks costs memory in proportion to what changed, not to
    steps × variables. ``value(variable, n)`` is the value after step n; ``snapshot(n)`` all of them.
    """

    scenario_id: str
    dag: Any  # engine.dag.Dag
    steps: tuple[Step, ...]
    timelines: dict[Variable, tuple[tuple[int, Value], ...]]
    variables: tuple[Variable, ...]
    lesson: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def succeeded(self) -> bool:
        return not self.steps[-1].failed

    @cached_property
    def failed_step(self) -> Step | None:
        """The first step that failed (found once: every step's heading asks)."""
        return next((s for s in self.steps if s.failed), None)

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def first(self, kind: str) -> Step | None:
        return next((s for s in self.steps if s.kind == kind), None)

    def standing_for(self, kind: str) -> Step | None:
        """The first step of a kind, or of a kind that stands for it (a step of the airflow3 run
        that is part of the lesson's step ``kind``)."""
        steps = self.lesson["steps"]
        return self.first(kind) or next((s for s in self.steps if steps[s.kind].get("stands_for") == kind), None)

    def value(self, variable: str, after: int) -> Value:
        timeline = self.timelines[variable]
        index = bisect_right(timeline, after, key=lambda change: change[0]) - 1
        return timeline[index][1]

    def snapshot(self, after: int) -> dict[Variable, Value]:
        return {v: self.value(v, after) for v in self.variables}

    @property
    def snapshots(self) -> list[dict[Variable, Value]]:
        """Every snapshot, start first (for small runs and tests; large runs use ``value``)."""
        return [self.snapshot(i) for i in range(len(self.steps) + 1)]
