"""The run that follows Airflow 3.3's own path (scenario ``airflow3``), step by step.

Same DAG, same stored connections, same hooks as the lesson's run, but the steps are Airflow's:
the supervisor starts the task process; ``execute()`` builds the hook, which calls
``get_connection`` (Google's in its constructor, AWS's and Azure's when they build their client);
the worker's chain (``[workers] secrets_backend``, environment variables,
``ExecutionAPISecretsBackend``); the supervisor's request to the API server; the API server's
own chain and the Fernet decryption there; the values back in the task, registered with the log
masker; credentials and a client built, nothing sent; the first request, which fetches a token
(or is signed with a key); the job or the request; the task's end, with the client never closed;
the process exit that frees it.

Besides the lesson's three variables it tracks where the password is, and each step records the
task log lines a learner would see (masked like every other text of the run).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.connection import Connection, TaskConnection
from engine.errors import HookError
from engine.hooks import HOOKS
from engine.lessons import operators
from engine.secrets import CONN_ENV_PREFIX, ConnectionNotFound, Lookup
from engine.simulator import Event, Runner, TaskFrame, _error_facts, _lookups_text
from engine.trace import VARIABLES


class AirflowRunner(Runner):
    """The lesson's DAG run along Airflow 3.3's real path."""

    tracked = (*VARIABLES, "password")
    initial_status = "queued"  # the executor has queued it; the supervisor will start it

    def _secrets_of(self, connection: Connection) -> list[str]:
        """As the lesson's run masks them; the task's masker also takes the whole extra
        (``mask_secret(conn.extra)``), not only its sensitive fields."""
        secrets = super()._secrets_of(connection)
        return [*secrets, connection.extra] if connection.extra else secrets

    def live_values(self, frame: TaskFrame) -> list[tuple[str, Any]]:
        values = super().live_values(frame)
        session = frame.session
        if session is not None and session.state == "open" and session.token:
            values[1] = ("token", session)
        return [*values, (self._secret_before_look_up(frame), None)]

    def _secret_before_look_up(self, frame: TaskFrame) -> str:
        """Where the password is: before the task looks its conn_id up, where it is stored, if anywhere
        (a conn_id no backend has is not "encrypted in the metadata DB"). The backends' answers cannot
        change within a run, so asking now is asking what the look-up will find."""
        if frame.secret != "at_rest":
            return frame.secret
        answer = self._answer(frame.task.conn_id)
        if isinstance(answer, ConnectionNotFound):
            return "nowhere"
        return "in_env" if answer.source == "environment" else "at_rest"

    def _process(self) -> Iterator[Event]:
        first = self.dag.tasks[0]
        yield Event("dag_start", "ok", None, {"conn_arg": first.conn_arg, "conn_id": first.conn_id, **self._size})
        for frame in self.frames:
            yield from self._run_task(frame)
        failed = sum(f.task_status == "failed" for f in self.frames)
        yield Event("dag_end", "failed" if failed else "ok", None, {"failed": failed, **self._size})

    def _log(self, text: str, logger: str = "task") -> str:
        return f"[00:00:{len(self.steps) + 1:02d}] INFO - {text}  ({logger})"

    def _run_task(self, frame: TaskFrame) -> Iterator[Event]:
        task, ev = frame.task, self._event
        provider = task.provider if task.provider in HOOKS else None
        hook_class = operators()[task.operator].get("hook") or "the connection type's hook"
        frame.task_status = "running"
        yield ev(frame, "supervisor_start", "ok", task, {"log": (self._log(f"Running task {task.task_id}"),)})
        # when the hook asks for its connection is the provider's (the lesson's words: asked_when)
        yield ev(frame, "hook_built", "ok", task, {"hook_class": hook_class, "variant": provider or "generic"})

        try:
            resolution = self._resolve(task.conn_id)
        except ConnectionNotFound as err:
            resolution, found_in_env = err, False
        else:
            found_in_env = resolution.source == "environment"
        lookups = resolution.lookups
        env_name = CONN_ENV_PREFIX + task.conn_id.upper()
        worker = [lk for lk in lookups if lk.source == "environment"]
        server = [Lookup("server_environment", f"its {env_name}", False)] + [
            Lookup(lk.source, "metadata DB", lk.found, lk.error) for lk in lookups if lk.source != "environment"
        ]
        words = self.lesson["lookup_words"]
        if found_in_env:  # the worker's environment answers: the Execution API is not asked
            worker_text = _lookups_text(tuple(worker), words)
            frame.secret = "in_env"
            yield ev(frame, "worker_chain", "ok", task, {"lookups": worker_text, "where": env_name})
        else:
            worker_text = _lookups_text((*worker, Lookup("execution_api", "Execution API", False)), words)
            facts = {"lookups": worker_text, "env_name": env_name}
            yield ev(frame, "worker_chain", "asks_api", task, facts)
            yield ev(frame, "execution_api", "ok", task, {})
            server_text = _lookups_text(tuple(server), words)
            if isinstance(resolution, ConnectionNotFound):
                frame.secret = "nowhere"
                facts = {"lookups": server_text, **_error_facts(resolution, "AirflowNotFoundException")}
                if not (provider and HOOKS[provider].falls_back_when_missing):
                    yield ev(frame, "api_server_chain", "failed", task, facts)
                    yield from self._end(frame, failed=True)
                    return
                yield ev(frame, "api_server_chain", "not_found", task, facts)
            else:
                frame.secret = "api_server"
                yield ev(frame, "api_server_chain", "ok", task, {"lookups": server_text})
        if isinstance(resolution, ConnectionNotFound):
            frame.connection_details = TaskConnection(conn_id=task.conn_id, conn_type=task.provider)
            log = self._log(f"Unable to find AWS Connection ID '{task.conn_id}', switching to empty.", "AwsBaseHook")
            yield ev(frame, "values_in_task", "fallback", task, {"log": (log,)})
            conn = frame.connection_details
        else:
            conn = frame.connection_details = resolution.connection
            frame.secret = "in_task" if conn.password or conn.extra else "nowhere"
            log = tuple(  # what the masker does to a line that holds them (the run masks every text so)
                self._log(f"print(conn.{name}) -> {value}", "your code, had it printed them")
                for name, value in (("password", conn.password), ("extra", conn.extra))
                if value
            )
            yield ev(frame, "values_in_task", "ok", task, {"log": log})

        facts, session = self._client_for(task, conn)  # as the lesson's build step
        if session is None:
            yield ev(frame, "credentials_built", "failed", task, facts)
            yield from self._end(frame, failed=True)
            return
        azure_default = "DefaultAzure" in session.credential_source
        log = (self._log("Using DefaultAzureCredential as credential", "WasbHook"),) if azure_default else ()
        yield ev(frame, "credentials_built", "ok", task, {**facts, "log": log})
        frame.session = session
        # Only a token credential fetches one at the first request; a key signs it, a SAS goes with it
        first = self._first_request[session.auth]
        token = "token" if session.auth == "token" else "no_token"
        facts |= {"first_request": first["built"], "first_use": first["used"], "variant": token}
        yield ev(frame, "client_created", "ok", task, facts)

        try:
            session.send("token")
            self.cloud.fetch_token(session)
        except HookError as err:
            yield ev(frame, "token_fetched", "failed", task, {**facts, **_error_facts(err)})
            yield from self._end(frame, failed=True)
            return
        yield ev(frame, "token_fetched", "ok", task, facts)
        try:
            answer = self.cloud.call(session, task.call, task.task_id, self.dag.dag_id)
        except HookError as err:
            yield ev(frame, "job_submitted", "failed", task, {"call": task.call, **_error_facts(err)})
            yield from self._end(frame, failed=True)
            return
        job = answer.removeprefix("job ")
        log = (self._log(f"Inserting job {job}", "BigQueryHook"),) if job != answer else ()
        facts = {"call": task.call, "answer": answer, "log": log, "variant": "job" if job != answer else "request"}
        yield ev(frame, "job_submitted", "ok", task, facts)
        yield from self._end(frame, failed=False)

    def _end(self, frame: TaskFrame, failed: bool) -> Iterator[Event]:
        """The task's end (its client never closed), then its process's exit."""
        task = frame.task
        client = frame.session.client if frame.session is not None else "client"
        frame.task_status = "failed" if failed else "success"
        kind, outcome = ("task_failed", "failed") if failed else ("task_success", "ok")
        state = frame.task_status
        log = (self._log(f"Task instance in {state} state", "task_runner"),)
        yield self._event(frame, kind, outcome, task, {"client": client, "log": log})
        # what the process held when it exits: the lesson's words for each (no connection, no client...)
        if frame.connection_details is None:
            held = "nothing"
        elif isinstance(self._answer(task.conn_id), ConnectionNotFound):  # the AWS hook's empty one
            held = "empty"
        else:
            held = "connection_and_client" if frame.session is not None else "connection"
        frame.release()
        if frame.secret in ("api_server", "in_task"):
            frame.secret = "freed"
        yield self._event(frame, "process_exit", "ok", task, {"variant": held})
