"""The runner: a DAG run, one step at a time, recorded as a ``Trace``.

Like SimPy's ``Environment``, ``Runner.step()`` advances the run by one step and records it, and
``Runner.run()`` is only a loop over ``step()``. The run itself is a generator that works on
live objects — the resolved ``Connection``, the hook's ``ClientSession``, the task's status —
and yields after each step; after every step the runner reads those objects into a
``Snapshot``. The lesson (``data/lesson.yaml``) is read once per run and kept in the ``Trace``
(``engine/trace.py``), which every view (table, tracker, flow, narration, quiz keys) derives from.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.connection import Connection, TaskConnection
from engine.dag import Dag, Task, read_dag
from engine.errors import AirflowException, HookError
from engine.hooks import HOOKS, ClientSession, Cloud, hook_for
from engine.lessons import Scenario, lesson, operators
from engine.pacing import Ids, cyclic_gc_paused, made
from engine.secrets import (
    ConnectionNotFound,
    Lookup,
    Resolution,
    SecretsBackend,
    default_backends,
    resolve_connection,
)
from engine.trace import VARIABLES, Redactor, Step, Templates, Trace, Value, Variable

LOGICAL_DATE = "2026-01-01T00:00:00+00:00"


@dataclass
class TaskFrame:
    """The live variables of one task while it runs."""

    task: Task
    connection_details: Connection | None = None
    session: ClientSession | None = None
    task_status: str = "not_started"
    released: bool = False
    secret: str = "at_rest"  # where the connection's password is (tracked by the airflow3 run)
    names: tuple[Variable, ...] = ()
    timelines: list = field(default_factory=list)  # the run's timeline of each of them
    seen_states: list = field(default_factory=list)  # last recorded, per variable
    seen_objects: list = field(default_factory=list)

    def release(self) -> None:
        """The task's process ends: what it held in memory is gone."""
        self.connection_details = None
        self.session = None
        self.released = True


def states_held(frame: TaskFrame, i: int) -> bool:
    """Whether the task's variable ``i`` ever held an object (so that releasing it changes it)."""
    return frame.seen_states[i] not in (None, "absent")


class Event(NamedTuple):
    """What one step of the run did (a tuple: a run of 10,000 tasks makes 40,000 of them)."""

    kind: str
    outcome: str
    task: Task | None
    facts: dict[str, Any]
    frame: TaskFrame | None = None  # the task whose variables this step changes (None: every task)


def _lookups_text(lookups: tuple[Lookup, ...], words: dict) -> str:
    parts = []
    for lookup in lookups:
        word = words["found"] if lookup.found else words["error"] if lookup.error else words["missing"][lookup.source]
        parts.append(f"{lookup.where}: {word.format(error=lookup.error)}")
    return "; ".join(parts)


class Runner:
    """Runs one DAG against secrets backends and a simulated cloud, one step per ``step()``,
    the way the lesson tells it (six steps a task). ``engine.airflow3`` runs Airflow 3.3's path."""

    tracked = VARIABLES  # the variables each task's tracker row shows
    initial_status = "not_started"

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
        self.frames = [TaskFrame(task, task_status=self.initial_status) for task in dag.tasks]
        self.redactor = Redactor()
        self.steps: list[Step] = []
        self.lesson = lesson()  # read once: the trace keeps it, and every view reads it from there
        self.templates = Templates(self.lesson)
        self._flow_nodes = {kind: spec["flow_node"] for kind, spec in self.lesson["steps"].items()}
        self.names = self.variable_names()
        self.timelines: dict[Variable, list[tuple[int, Value]]] = {name: [] for name in self.names}
        for frame in self.frames:
            frame.timelines = [self.timelines[name] for name in frame.names]
        self._values: list[dict] = [{} for _ in self.tracked]  # per variable: its values made so far
        self._resolved: dict[str, Resolution | ConnectionNotFound] = {}
        self._lookups: dict[str, str] = {}
        self._task_facts: dict[int, dict] = {}
        self._words = self.lesson["variables"]  # the lesson's words for each state of each variable
        self._first_request = self.lesson["first_request"]  # and for what a client's first request does
        self._clients = {name: spec.get("client") for name, spec in operators().items()}
        for frame in self.frames:
            self._record_values(frame, 0)
        self._events = self._process()

    # -- the run, as live objects --------------------------------------------------------
    def _process(self) -> Iterator[Event]:
        first = self.dag.tasks[0]
        yield Event("dag_start", "ok", None, {"conn_arg": first.conn_arg, "conn_id": first.conn_id, **self._size})
        for frame in self.frames:
            yield from self._run_task(frame)
        for frame in self.frames:
            if frame.task_status == "completed":
                frame.task_status = "success"
            frame.release()
        failed = sum(f.task_status == "failed" for f in self.frames)
        yield Event("dag_end", "failed" if failed else "ok", None, {"failed": failed, **self._size})

    @property
    def _size(self) -> dict[str, Any]:
        """The DAG's size, which the lesson's words for the run's start and end follow."""
        return {"tasks": len(self.frames), "variant": "one" if len(self.frames) == 1 else "several"}

    def _run_task(self, frame: TaskFrame) -> Iterator[Event]:
        task = frame.task
        frame.task_status = "waiting_for_connection"
        falls_back = task.provider in HOOKS and HOOKS[task.provider].falls_back_when_missing
        try:
            resolution = self._resolve(task.conn_id)
        except ConnectionNotFound as err:
            lookups = self._lookups[task.conn_id]
            if not falls_back:
                frame.task_status = "failed"
                facts = {"lookups": lookups, **_error_facts(err, "AirflowNotFoundException")}
                yield self._event(frame, "request_connection", "failed", task, facts)
                yield self._event(frame, "task_complete", "failed_without_session", task, {})
                return
            conn = frame.connection_details = TaskConnection(conn_id=task.conn_id, conn_type=task.provider)
            yield self._event(frame, "request_connection", "fallback", task, {"lookups": lookups})
        else:
            conn = frame.connection_details = resolution.connection
            facts = {"source": resolution.source, "where": resolution.where, "lookups": self._lookups[task.conn_id]}
            yield self._event(frame, "request_connection", "ok", task, facts)

        facts, session = self._client_for(task, conn)
        if session is None:
            frame.task_status = "failed"
            yield self._event(frame, "create_session", "failed", task, facts)
            yield self._event(frame, "task_complete", "failed_without_session", task, {})
            return
        frame.session = session
        frame.task_status = "running"
        first = self._first_request[session.auth]  # what the first request does with the credentials
        facts["first_request"] = first["built"]
        yield self._event(frame, "create_session", "ok", task, facts)

        outcome = "ok"
        try:
            answer = self.cloud.call(session, task.call, task.task_id, self.dag.dag_id)
            facts = {"call": task.call, "answer": answer, "first_use": first["used"]}
            yield self._event(frame, "api_call", "ok", task, facts)
        except HookError as err:
            outcome = "failed"
            frame.task_status = "failed"
            yield self._event(frame, "api_call", "failed", task, {"call": task.call, **_error_facts(err)})
        finally:
            session.close()  # the lesson's model: Airflow has no such step (data/simplifications.yaml)
        if outcome == "ok":
            frame.task_status = "completed"
        yield self._event(frame, "task_complete", outcome, task, {})

    def _client_for(self, task: Task, conn: Connection) -> tuple[dict[str, Any], ClientSession | None]:
        """The operator's hook builds credentials from ``conn`` and its client: the step's facts and
        the client, or the facts of the error and ``None``. The facts' ``variant`` says which of the
        lesson's wordings fits: no hook the operator can use, credentials that cannot be built, or
        credentials from the connection or from the worker itself (ADC, boto3's chain,
        DefaultAzureCredential) when the connection holds none."""
        try:
            hook = hook_for(task.provider, conn, self.cloud)
        except HookError as err:
            return {"hook": "hook", "variant": "no_hook", **_error_facts(err)}, None
        client = self._clients.get(task.operator) or hook.client  # the operator's hook's client
        facts = {"hook": hook.name, "client": client}
        try:
            session = hook.open_session(conn, self.ids("session-"), client)
        except HookError as err:
            return {**facts, "variant": "credentials", **_error_facts(err)}, None
        facts |= session_facts(session)
        facts["variant"] = "ambient" if session.ambient else "connection"
        return facts, session

    @staticmethod
    def _event(frame: TaskFrame, kind: str, outcome: str, task: Task, facts: dict[str, Any]) -> Event:
        return Event(kind, outcome, task, facts, frame)

    def _resolve(self, conn_id: str) -> Resolution:
        """The task's look-up of ``conn_id``: its connection, or ``ConnectionNotFound`` raised."""
        answer = self._answer(conn_id)
        if isinstance(answer, ConnectionNotFound):  # one error shared by every task that asks: raised
            raise answer.with_traceback(None)  # with a fresh traceback, not one grown by each raise
        return answer

    def _answer(self, conn_id: str) -> Resolution | ConnectionNotFound:
        """The backends' answer for ``conn_id``. Airflow looks the conn_id up for every task; within one
        recorded run the backends' answers cannot change, so each distinct conn_id is read (and
        decrypted) once, and its secrets given to the run's masker once."""
        answer = self._resolved.get(conn_id)
        if answer is None:
            try:
                answer = resolve_connection(conn_id, self.backends)
                self.redactor.add(self._secrets_of(answer.connection))
            except ConnectionNotFound as err:
                answer = err
            self._resolved[conn_id] = answer
            self._lookups[conn_id] = _lookups_text(answer.lookups, self.lesson["lookup_words"])
        return answer

    def _secrets_of(self, connection: Connection) -> list[str]:
        """What the task's log masker is given of a connection: its password and sensitive extras."""
        return connection.secrets()

    # -- recording ------------------------------------------------------------------------
    def step(self) -> Step | None:
        """Advance the run by one step and record it; ``None`` once the run has ended."""
        try:
            event = next(self._events)
        except StopIteration:
            return None
        step = self._record(event)
        self.steps.append(step)
        if event.kind != "dag_start":  # starting the run changes no task's variables
            for frame in [event.frame] if event.frame is not None else self.frames:
                self._record_values(frame, step.number)
        return step

    @property
    def snapshots(self) -> list[dict[str, Value]]:
        """The values after each step so far (start first), read from the timelines."""
        return self.trace().snapshots

    def trace(self) -> Trace:
        timelines = {name: tuple(changes) for name, changes in self.timelines.items()}
        return Trace(self.scenario_id, self.dag, tuple(self.steps), timelines, self.names, self.lesson)

    def run(self) -> Trace:
        with cyclic_gc_paused():
            while self.step() is not None:
                pass
            return self.trace()

    def _record(self, event: Event) -> Step:
        task = event.task
        base = self._task_facts.get(id(task))
        if base is None:  # what every step of a task says about it, built once per task
            base = self._task_facts[id(task)] = {
                "dag_id": self.dag.dag_id,
                "task_id": task.task_id if task else None,
                "conn_id": task.conn_id if task else None,
                "conn_arg": task.conn_arg if task else None,
                "provider": task.provider if task else None,
                "asked_when": self.lesson["asked_when"][task.provider] if task else None,
            }
        return made(
            Step,
            number=len(self.steps) + 1,
            kind=event.kind,
            outcome=event.outcome,
            task_id=base["task_id"],
            conn_id=base["conn_id"],
            flow_node=self._flow_nodes[event.kind],
            own_facts=event.facts,  # each event's own dict, not changed after it is yielded
            task_facts=base,
            redactor=self.redactor,
            templates=self.templates,
        )

    def variable_names(self) -> tuple[Variable, ...]:
        several = len(self.frames) > 1
        for frame in self.frames:
            frame.names = tuple(Variable(v, frame.task.task_id if several else None) for v in self.tracked)
            frame.seen_states, frame.seen_objects = [None] * len(self.tracked), [None] * len(self.tracked)
        return tuple(name for frame in self.frames for name in frame.names)

    def live_values(self, frame: TaskFrame) -> list[tuple[str, Any]]:
        """(state, object) of each tracked variable of one task, read from its live objects."""
        conn, session = frame.connection_details, frame.session
        if conn is not None:
            conn_state = "loaded" if conn.conn_type != frame.task.provider or conn.extra or conn.login else "empty"
        else:  # released only what was held: a connection never loaded stays None
            conn_state = "released" if frame.released and states_held(frame, 0) else "absent"
        held_session = frame.released and states_held(frame, 1)
        session_state = session.state if session is not None else "released" if held_session else "absent"
        return [(conn_state, conn), (session_state, session), (frame.task_status, None)]

    def _record_values(self, frame: TaskFrame, at: int) -> None:
        """Read one task's live variables; record those whose state or object changed. A value the
        same for many tasks (a status, a shared connection, none) is made once per run, and kept
        with its object so that the object's id is not another's later. ``at``: the step just
        recorded (its own ``number``, not a new int per change)."""
        states, objects, timelines = frame.seen_states, frame.seen_objects, frame.timelines
        for i, (state, obj) in enumerate(self.live_values(frame)):
            if states[i] != state or objects[i] is not obj:
                states[i], objects[i] = state, obj
                if obj is None or i >= 2 or isinstance(obj, Connection):
                    kept = self._values[i]
                    key = state if obj is None else (state, id(obj))
                    found = kept.get(key)
                    if found is None:
                        found = kept[key] = (obj, self._value(i, state, obj))
                    value = found[1]
                else:  # a task's own client session
                    value = self._value(i, state, obj)
                timeline = timelines[i]
                if not timeline or (timeline[-1][1] is not value and timeline[-1][1] != value):
                    timeline.append((at, value))

    def _value(self, i: int, state: str, obj: Any) -> Value:
        detail = state if i >= 2 else "None" if obj is None else self.redactor(repr(obj))
        return Value(state, self._words[self.tracked[i]][state], detail)


# Who a client with no identity of its own runs as: DefaultAzureCredential looks for one at the
# first request that needs a token; boto3 resolves its default chain as the client is built.
_NO_PRINCIPAL = {
    "token": "none yet (the default chain decides at the first request)",
    "aws_chain": "none (boto3's default chain found no credentials on this worker)",
}


def session_facts(session: ClientSession) -> dict[str, Any]:
    return {
        "project": session.project,
        "target": session.target,
        "principal": session.principal or _NO_PRINCIPAL.get(session.auth, _NO_PRINCIPAL["token"]),
        "credential_source": session.credential_source,
    }


def _error_facts(err: Exception, type_name: str | None = None) -> dict[str, str]:
    return {"error": str(err), "error_type": type_name or getattr(err, "type_name", type(err).__name__)}


def run(
    dag: Dag,
    backends: list[SecretsBackend],
    cloud_spec: dict | None = None,
    scenario_id: str = "lesson",
    seed: str = "lab",
    path: str = "lesson",
) -> Trace:
    """Run ``dag`` to the end and return its trace: along the lesson's steps, or (``path="airflow3"``)
    along Airflow 3.3's own."""
    with cyclic_gc_paused():  # setting up a run of many tasks allocates as much as running it
        return runner_for(dag, backends, cloud_spec, scenario_id, seed, path).run()


def runner_for(
    dag: Dag,
    backends: list[SecretsBackend],
    cloud_spec: dict | None = None,
    scenario_id: str = "lesson",
    seed: str = "lab",
    path: str = "lesson",
) -> Runner:
    """The runner ``run`` runs to the end, not started yet: ``step()`` advances it one step."""
    ids = Ids(seed)
    cloud = Cloud.from_scenario(cloud_spec or {}, ids)
    runner = Runner
    if path == "airflow3":
        from engine.airflow3 import AirflowRunner as runner
    return runner(dag, backends, cloud, ids, scenario_id)


def run_scenario(scenario: Scenario, store, dag_source: str | None = None, dag: Dag | None = None) -> Trace:
    """Run a scenario against ``store``: its environment variables first, then the metadata DB.
    Its own DAG, or ``dag_source``'s, or ``dag`` already read."""
    if dag is None:
        dag = read_dag(dag_source if dag_source is not None else scenario.dag_source)
    return run(dag, default_backends(store, scenario.env), scenario.cloud, scenario.id, path=scenario.path)


__all__ = ["Runner", "Trace", "Step", "Value", "Ids", "run", "run_scenario", "AirflowException", "VARIABLES"]
