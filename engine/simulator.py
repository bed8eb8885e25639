"""The runner: a DAG run, one step at a time, recorded as a ``Trace``.

Like SimPy's ``Environment``, ``Runner.step()`` advances the run by one step and records it, and
``Runner.run()`` is only a loop over ``step()``. The run itself is a generator that works on
live objects — the resolved ``Connection``, the hook's ``ClientSession``, the task's status —
and yields after each step; after every step the runner reads those objects into a
``Snapshot``. The words of each step come from ``data/lesson.yaml``; the values are the run's.
Every view (table, tracker, flow, narration, quiz keys) is derived from the ``Trace``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

from engine.connection import Connection
from engine.dag import Dag, Task, read_dag
from engine.errors import AirflowException, HookError
from engine.hooks import HOOKS, ClientSession, Cloud, hook_for
from engine.lessons import Scenario, lesson
from engine.masking import redact
from engine.secrets import ConnectionNotFound, Lookup, SecretsBackend, default_backends, resolve_connection

VARIABLES = ("connection_details", "session", "task_status")
LOGICAL_DATE = "2026-01-01T00:00:00+00:00"


class Ids:
    """Deterministic ids for sessions and jobs (inject another for other runs)."""

    def __init__(self, seed: str = "lab"):
        self.seed = seed
        self.count = 0

    def __call__(self, prefix: str) -> str:
        self.count += 1
        digest = hashlib.sha256(f"{self.seed}:{self.count}".encode()).hexdigest()[:8]
        return f"{prefix}{digest}"


@dataclass(frozen=True)
class Value:
    """One tracked variable at one moment: its state, the lesson's words for it, and the object."""

    state: str
    text: str
    detail: str


@dataclass(frozen=True)
class Step:
    """One row of the process table, with what the walkthrough says about it."""

    number: int
    kind: str
    outcome: str  # "ok", "failed" or "failed_without_session"
    task_id: str | None
    conn_id: str | None
    action: str
    internal_state: str
    result: str
    narration: str
    flow_node: str
    error: str | None = None
    error_type: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome not in ("ok", "fallback")


@dataclass(frozen=True)
class Trace:
    """A recorded run: ``steps[i]`` is step i+1; ``snapshots[0]`` is the start, ``snapshots[i]`` after step i."""

    scenario_id: str
    dag: Dag
    steps: tuple[Step, ...]
    snapshots: tuple[dict[str, Value], ...]
    variables: tuple[str, ...]

    @property
    def succeeded(self) -> bool:
        return not self.steps[-1].failed

    @property
    def failed_step(self) -> Step | None:
        return next((s for s in self.steps if s.failed), None)

    def step(self, number: int) -> Step:
        return self.steps[number - 1]

    def first(self, kind: str) -> Step | None:
        return next((s for s in self.steps if s.kind == kind), None)

    def value(self, variable: str, after: int) -> Value:
        return self.snapshots[after][variable]


@dataclass
class TaskFrame:
    """The live variables of one task while it runs."""

    task: Task
    connection_details: Connection | None = None
    session: ClientSession | None = None
    task_status: str = "not_started"
    released: bool = False

    def release(self) -> None:
        """The task's process ends: what it held in memory is gone."""
        self.connection_details = None
        self.session = None
        self.released = True


@dataclass(frozen=True)
class Event:
    kind: str
    outcome: str
    task: Task | None
    facts: dict[str, Any]


def _lookups_text(lookups: tuple[Lookup, ...]) -> str:
    words = lesson()["lookup_words"]
    parts = []
    for lookup in lookups:
        word = words["found"] if lookup.found else words["error"] if lookup.error else words["missing"][lookup.source]
        parts.append(f"{lookup.where}: {word.format(error=lookup.error)}")
    return "; ".join(parts)


class Runner:
    """Runs one DAG against secrets backends and a simulated cloud, one step per ``step()``."""

    def __init__(
        self,
        dag: Dag,
        backends: list[SecretsBackend],
        cloud: Cloud | None = None,
        ids: Ids | None = None,
        scenario_id: str = "lesson",
        logical_date: str = LOGICAL_DATE,
    ):
        self.dag = dag
        self.backends = backends
        self.ids = ids or Ids()
        self.cloud = cloud or Cloud(new_id=self.ids)
        self.scenario_id = scenario_id
        self.logical_date = logical_date
        self.frames = [TaskFrame(task) for task in dag.tasks]
        self.secrets: list[str] = []
        self.steps: list[Step] = []
        self.snapshots: list[dict[str, Value]] = [self._snapshot()]
        self._events = self._process()

    # -- the run, as live objects --------------------------------------------------------
    def _process(self) -> Iterator[Event]:
        first = self.dag.tasks[0]
        yield Event("dag_start", "ok", None, {"conn_arg": first.conn_arg, "conn_id": first.conn_id})
        for frame in self.frames:
            yield from self._run_task(frame)
        for frame in self.frames:
            if frame.task_status == "completed":
                frame.task_status = "success"
            frame.release()
        failed = sum(f.task_status == "failed" for f in self.frames)
        yield Event("dag_end", "failed" if failed else "ok", None, {"failed": failed})

    def _run_task(self, frame: TaskFrame) -> Iterator[Event]:
        task = frame.task
        frame.task_status = "waiting_for_connection"
        falls_back = task.provider in HOOKS and HOOKS[task.provider].falls_back_when_missing
        try:
            resolution = resolve_connection(task.conn_id, self.backends)
        except ConnectionNotFound as err:
            lookups = _lookups_text(err.lookups)
            if not falls_back:
                frame.task_status = "failed"
                facts = {"lookups": lookups, **_error_facts(err, "AirflowNotFoundException")}
                yield Event("request_connection", "failed", task, facts)
                yield Event("task_complete", "failed_without_session", task, {})
                return
            conn = frame.connection_details = Connection(conn_id=task.conn_id, conn_type=task.provider)
            yield Event("request_connection", "fallback", task, {"lookups": lookups})
        else:
            conn = frame.connection_details = resolution.connection
            self.secrets.extend(conn.secrets())
            yield Event(
                "request_connection",
                "ok",
                task,
                {"source": resolution.source, "where": resolution.where, "lookups": _lookups_text(resolution.lookups)},
            )

        facts = {}
        try:
            hook = hook_for(task.provider, conn, self.cloud)
            facts = {"hook": hook.name, "client": hook.client}
            session = hook.open_session(conn, self.ids("session-"))
        except HookError as err:
            frame.task_status = "failed"
            facts.setdefault("hook", "hook")
            yield Event("create_session", "failed", task, {**facts, **_error_facts(err)})
            yield Event("task_complete", "failed_without_session", task, {})
            return
        frame.session = session
        frame.task_status = "running"
        creds = hook.last_credentials
        yield Event(
            "create_session", "ok", task, {**facts, "project": creds.project, "credential_source": creds.kind}
        )

        outcome = "ok"
        try:
            job_id = self.cloud.call(session, task.call, task.task_id, self.dag.dag_id)
            yield Event("api_call", "ok", task, {"call": task.call, "job_id": self._job_id(job_id)})
        except HookError as err:
            outcome = "failed"
            frame.task_status = "failed"
            yield Event("api_call", "failed", task, {"call": task.call, **_error_facts(err)})
        finally:
            session.close()
        if outcome == "ok":
            frame.task_status = "completed"
        yield Event("task_complete", outcome, task, {})

    def _job_id(self, prefix_and_hash: str) -> str:
        """Airflow's job id shape: airflow_<dag>_<task>_<logical date>_<hash>, with :-+. as _."""
        prefix, digest = prefix_and_hash[:-8], prefix_and_hash[-8:]
        return re.sub(r"[:\-+.]", "_", f"{prefix}{self.logical_date}_{digest}")

    # -- recording ------------------------------------------------------------------------
    def step(self) -> Step | None:
        """Advance the run by one step and record it; ``None`` once the run has ended."""
        try:
            event = next(self._events)
        except StopIteration:
            return None
        step = self._record(event)
        self.steps.append(step)
        self.snapshots.append(self._snapshot())
        return step

    def run(self) -> Trace:
        while self.step() is not None:
            pass
        return Trace(self.scenario_id, self.dag, tuple(self.steps), tuple(self.snapshots), self.variable_names())

    def _record(self, event: Event) -> Step:
        spec = lesson()["steps"][event.kind]
        words = spec[event.outcome]
        task = event.task
        facts = {
            "dag_id": self.dag.dag_id,
            "task_id": task.task_id if task else None,
            "conn_id": task.conn_id if task else None,
            "conn_arg": task.conn_arg if task else None,
            "provider": task.provider if task else None,
            **event.facts,
        }

        def fill(template: str | dict) -> str:
            if isinstance(template, dict):
                template = template[facts["source"]]
            return redact(" ".join(str(template).split()).format_map(facts), self.secrets)

        def clean(value: Any) -> Any:
            return redact(value, self.secrets) if isinstance(value, str) else value

        return Step(
            number=len(self.steps) + 1,
            kind=event.kind,
            outcome=event.outcome,
            task_id=facts["task_id"],
            conn_id=task.conn_id if task else None,
            action=fill(words["action"]),
            internal_state=fill(words["state"]),
            result=fill(words["result"]),
            narration=fill(words["narration"]),
            flow_node=spec["flow_node"],
            error=clean(facts.get("error")),
            error_type=facts.get("error_type"),
            facts={k: clean(v) for k, v in facts.items()},
        )

    def variable_names(self) -> tuple[str, ...]:
        if len(self.frames) == 1:
            return VARIABLES
        return tuple(f"{v} ({f.task.task_id})" for f in self.frames for v in VARIABLES)

    def _snapshot(self) -> dict[str, Value]:
        words = lesson()["variables"]
        names = iter(self.variable_names())
        snap: dict[str, Value] = {}
        for frame in self.frames:
            conn, session = frame.connection_details, frame.session
            states = {
                "connection_details": (
                    ("loaded" if conn.conn_type != frame.task.provider or conn.extra or conn.login else "empty")
                    if conn else "released" if frame.released else "absent",
                    conn,
                ),
                "session": (session.state if session else "released" if frame.released else "absent", session),
                "task_status": (frame.task_status, frame.task_status),
            }
            for variable in VARIABLES:
                state, obj = states[variable]
                detail = redact(repr(obj), self.secrets) if obj is not None else "None"
                snap[next(names)] = Value(state, words[variable][state], detail)
        return snap


def _error_facts(err: Exception, type_name: str | None = None) -> dict[str, str]:
    return {"error": str(err), "error_type": type_name or getattr(err, "type_name", type(err).__name__)}


def run(dag: Dag, backends: list[SecretsBackend], cloud_spec: dict | None = None, scenario_id: str = "lesson",
        seed: str = "lab") -> Trace:
    """Run ``dag`` to the end and return its trace."""
    ids = Ids(seed)
    cloud = Cloud.from_scenario(cloud_spec or {}, ids)
    return Runner(dag, backends, cloud, ids, scenario_id).run()


def run_scenario(scenario: Scenario, store, dag_source: str | None = None) -> Trace:
    """Run a scenario against ``store``: its environment variables first, then the metadata DB."""
    dag = read_dag(dag_source if dag_source is not None else scenario.dag_source)
    return run(dag, default_backends(store, scenario.env), scenario.cloud, scenario.id)


__all__ = ["Runner", "Trace", "Step", "Value", "Ids", "run", "run_scenario", "AirflowException", "VARIABLES"]
