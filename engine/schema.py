"""The shape of every file in ``data/``, checked when it is loaded.

An instructor's typo (a missing key, a list where a text belongs, an unknown field) fails at
once with the file and the path inside it — ``data/quiz.yaml: Object missing required field
`options` - at `$[3]``` — not later as a ``KeyError`` on a page. Checked with msgspec; the
loaders keep handing out the plain data.
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

import msgspec

from engine.errors import AirflowException


class ContentError(AirflowException):
    """A file in ``data/`` does not have the shape the lab reads."""


class Strict(msgspec.Struct, forbid_unknown_fields=True):
    pass


# -- data/lesson.yaml ------------------------------------------------------------------------
class Node(Strict):
    id: str
    label: str


class Words(Strict):
    """A step's words; a field may have one wording per variant (``Step.variant``)."""

    action: str | dict[str, str]
    state: str | dict[str, str]
    result: str | dict[str, str]
    narration: str | dict[str, str]


class StepKind(Strict):
    flow_node: str
    stands_for: str | None = None  # the lesson's step kind this one is part of (the airflow3 run)
    ok: Words | None = None
    asks_api: Words | None = None
    not_found: Words | None = None
    fallback: Words | None = None
    failed: Words | None = None
    failed_without_session: Words | None = None


class FirstRequest(Strict):
    built: str
    used: str


class LookupWords(Strict):
    found: str
    missing: dict[str, str]
    error: str


class TrackerColumn(Strict):
    label: str
    after: str


class KeyMoment(Strict):
    question: str
    answer: str
    step_kind: str
    scenario: str | None = None


class Point(Strict):
    text: str
    step_kind: str
    page: str | None = None


class Lesson(Strict):
    title: str
    subtitle: str
    flow_caption: str
    sample_caption: str
    table_footer_ok: str
    table_footer_failed: str
    flow: list[Node]
    steps: dict[str, StepKind]
    lookup_words: LookupWords
    asked_when: dict[Literal["google", "aws", "azure", "generic"], str]
    first_request: dict[str, FirstRequest]
    variables: dict[str, dict[str, str]]
    tracker_columns: list[TrackerColumn]
    unchanged: str
    key_moments: list[KeyMoment]
    concept_snapshot: list[Point]
    transcript: list[Point]


# -- data/scenarios/*.yaml -------------------------------------------------------------------
class ScenarioFile(Strict):
    id: str
    title: str
    summary: str
    description: str
    dag: str
    order: int = 999
    notice: list[str] = []
    env: dict[str, str] = {}
    cloud: dict[str, Any] = {}
    connections: dict[str, dict[str, Any]] = {}
    path: Literal["lesson", "airflow3"] = "lesson"


# -- data/quiz.yaml --------------------------------------------------------------------------
class Question(Strict):
    id: str
    scenario: str
    mode: str
    question: str
    options: list[str]
    answer: dict[str, dict[str, Any] | None]
    expect: str
    hint: str
    explanation: str


# -- data/connection_types.yaml, operators.yaml, connections.yaml, airflow_notes.yaml -------
class FormField(Strict):
    key: str
    label: str
    help: str | None = None
    secret: bool = False
    multiline: bool = False
    json: bool = False


class FormType(Strict):
    name: str
    fields: list[FormField]
    test_checks: str | None = None


class ConnectionTypes(Strict):
    types: dict[str, FormType]
    test_disabled_note: str


class Operator(Strict):
    provider: Literal["google", "aws", "azure", "generic"]
    conn_arg: str
    default_conn_id: str | None
    does: str  # "connect to Google Cloud BigQuery and run a job": the execution sample's caption says it
    call: str
    module: str
    hook: str | None = None  # the hook class execute() builds (None: generic, the type's)
    client: str | None = None  # the client that hook makes, e.g. "storage.Client" (GCSHook.get_conn)


class SeedConnection(Strict):
    conn_type: str
    description: str | None = None
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra: dict[str, Any] | str | None = None


class Note(Strict):
    text: str
    package: str
    file: str
    quote: str
    provider: str | None = None
    call: str | None = None  # only beside a step that makes this cloud call (insert_job: BigQuery's job)


class Simplification(Strict):
    id: str
    marks: list[str]
    says: str
    package: str
    file: str
    quote: str


SCHEMAS: dict[str, Any] = {
    "lesson.yaml": Lesson,
    "quiz.yaml": list[Question],
    "connection_types.yaml": ConnectionTypes,
    "operators.yaml": dict[str, Operator],
    "connections.yaml": dict[str, SeedConnection],
    "airflow_notes.yaml": dict[str, list[Note]],
    "simplifications.yaml": list[Simplification],
}

# msgspec builds what it knows of a Struct type on the type's first use, running Python code
# (the annotations) part way through, and msgspec 0.22 is not safe for that first use from two
# threads at once: the second reads a half-built cache and the process dies (SIGSEGV). A server
# whose first learners arrive together checks data/ in many threads at once, and a class of 120
# first loads killed the server. Built here instead, once: a module's import runs in one thread
# while any other thread that imports it waits.
for _schema in (*SCHEMAS.values(), ScenarioFile):
    msgspec.json.Decoder(_schema)


def checked(name: str, raw: Any, schema: Any = None) -> Any:
    """``raw`` (loaded from ``data/<name>``) if it has its file's shape; else ``ContentError``.

    A file that maps names to entries (operators, connections, notes) is checked entry by entry,
    so the error names the entry (msgspec would say ``$[...]``)."""
    schema = schema or SCHEMAS[name]
    try:
        if get_origin(schema) is dict and isinstance(raw, dict):
            for key, value in raw.items():
                try:
                    msgspec.convert(value, get_args(schema)[1])
                except msgspec.ValidationError as err:
                    raise msgspec.ValidationError(
                        f"{err}".replace("`$", f"`$.{key}", 1) if "`$" in str(err) else f"{err} - at `$.{key}`"
                    ) from None
        else:
            msgspec.convert(raw, schema)
    except msgspec.ValidationError as err:
        raise ContentError(f"data/{name}: {err}") from None
    return raw
