"""Read an Airflow DAG file with ``ast``: its dag_id and every task's operator and conn_id.

The source is parsed, never executed, imported or evaluated: a DAG that would run code at
import time runs nothing here. Problems a learner can cause (a syntax error, an operator the
lab does not know, a conn_id that is not a literal string) raise ``DagSourceError`` with the
line number.
"""

from __future__ import annotations

import ast
import base64
import binascii
import re
import unicodedata
import zlib
from collections import deque
from dataclasses import dataclass

from engine.errors import AirflowException
from engine.lessons import operators
from engine.pacing import cyclic_gc_paused, made


class DagSourceError(AirflowException):
    def __init__(self, message: str, lineno: int | None = None):
        super().__init__(f"Line {lineno}: {message}" if lineno else message)
        self.lineno = lineno


@dataclass(frozen=True)
class Task:
    """One operator call in the DAG file."""

    task_id: str
    operator: str
    provider: str
    conn_arg: str
    conn_id: str
    call: str
    lineno: int
    conn_lineno: int | None  # the line of the conn_id argument (None when Airflow's default is used)


@dataclass(frozen=True)
class Dag:
    dag_id: str
    tasks: tuple[Task, ...]
    source: str
    lineno: int
    # Tasks that name no connection (PythonOperator, BashOperator, ...): (task_id, operator, line).
    # They are listed, not run: the lab follows connections.
    other_tasks: tuple[tuple[str, str, int], ...] = ()


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _literal_str(node: ast.expr, what: str) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise DagSourceError(
        f"`{what}` must be a literal string in quotes; the lab reads the DAG without running it, "
        f"so it cannot know the value of `{ast.unparse(node)}`.",
        node.lineno,
    )


KEY_MAX_LENGTH = 250  # Airflow's for a dag_id and a task_id
# Airflow's check of a dag_id or task_id as it parses the file (validate_key in
# airflow.sdk.definitions._internal.node): at most 250 characters, matching ``^[\w.-]+$``, whose
# "$" also matches before a final newline, so "a\n" passes, as in Airflow. One C call a task.
_AIRFLOW_KEY = re.compile(rf"(?s)(?=.{{1,{KEY_MAX_LENGTH}}}\Z)[\w.-]+\n?").fullmatch


def _key(node: ast.expr, what: str) -> str:
    """A dag_id or task_id Airflow takes; else ``DagSourceError`` with Airflow's words."""
    key = _literal_str(node, what)
    if not _AIRFLOW_KEY(key):
        _refuse_key(key, what, node.lineno)
    return key


def _refuse_key(key: str, what: str, lineno: int) -> None:
    if len(key) > KEY_MAX_LENGTH:
        said = f"The key has to be less than {KEY_MAX_LENGTH} characters, not {len(key)}"
    else:
        said = f"The key {key!r} has to be made of alphanumeric characters, dashes, dots, and underscores exclusively"
    raise DagSourceError(f"Airflow refuses this {what} when it parses the DAG: ValueError: {said}", lineno)


def _dag_id(call: ast.Call) -> str | None:
    if call.args:
        return _key(call.args[0], "dag_id")
    for kw in call.keywords:
        if kw.arg == "dag_id":
            return _key(kw.value, "dag_id")
    return None


@dataclass(frozen=True)
class Limits:
    """How much of a DAG the reader takes: a learner's page sets them; the engine's own runs do not."""

    chars: int | None = None
    tasks: int | None = None


PAGE_LIMITS = Limits(chars=100_000, tasks=500)  # a learner's DAG: far more than a lesson needs


def read_dag(source: str, limits: Limits = Limits()) -> Dag:
    """Parse ``source`` and return its DAG; raise ``DagSourceError`` for what cannot be read
    (a syntax error, nesting deeper than Python parses, more than ``limits`` allow)."""
    if limits.chars is not None and len(source) > limits.chars:
        raise DagSourceError(
            f"The DAG is {len(source):,} characters long; the lab reads DAGs of up to {limits.chars:,}."
        )
    try:
        with cyclic_gc_paused():  # the tree and the tasks are long-lived: no collector pass over them
            dag = _read(source)
    except (RecursionError, MemoryError):
        raise DagSourceError("The DAG nests too deeply to read (brackets or calls inside one another).") from None
    if limits.tasks is not None and len(dag.tasks) + len(dag.other_tasks) > limits.tasks:
        raise DagSourceError(
            f"The DAG has {len(dag.tasks) + len(dag.other_tasks):,} tasks; the lab steps through DAGs of up to "
            f"{limits.tasks:,} here."
        )
    return dag


_LEAVES = (ast.Constant, ast.Name, ast.expr_context, ast.alias, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
_CHILDREN: dict[type, tuple[str, ...]] = {}  # per node type, the fields that can hold a call


def _fields(kind: type) -> tuple[str, ...]:
    fields = _CHILDREN[kind] = tuple(f for f in kind._fields if f != "ctx")
    return fields


def _visited(value) -> bool:
    """Whether the walk goes into ``value``: a node that is not a leaf."""
    return isinstance(value, ast.AST) and not isinstance(value, _LEAVES)


def _calls(tree: ast.AST):
    """Every call in the tree, outermost first (as ``ast.walk`` finds them), without visiting the
    leaves (names, constants, contexts: a DAG of 10,000 tasks has 100,000 of them) or the fields
    that hold none. Whether a child is visited is decided once per node type."""
    queue = deque([tree])
    pop, push = queue.popleft, queue.append
    visit: dict[type, bool] = {list: False}
    children = _CHILDREN
    while queue:
        node = pop()
        kind = type(node)
        if kind is ast.Call:
            yield node
        for name in children.get(kind) or _fields(kind):
            value = getattr(node, name, None)
            if type(value) is list:
                for item in value:
                    go = visit.get(type(item))
                    if go is None:
                        go = visit[type(item)] = _visited(item)
                    if go:
                        push(item)
            else:
                go = visit.get(type(value))
                if go is None:
                    go = visit[type(value)] = _visited(value)
                if go:
                    push(value)


def _read(source: str) -> Dag:
    try:
        tree = ast.parse(source)
    except SyntaxError as err:
        raise DagSourceError(f"Syntax error: {err.msg}.", err.lineno) from None
    known = operators()
    dag_id, dag_line = None, None
    tasks: list[Task] = []
    others: list[tuple[str, str, int]] = []
    for node in _calls(tree):
        name = _name(node.func)
        if name == "DAG" and dag_id is None:
            dag_id, dag_line = _dag_id(node), node.lineno
            continue
        keywords = {kw.arg: kw for kw in node.keywords if kw.arg}
        looks_like_operator = name and (name.endswith(("Operator", "Sensor")) or "task_id" in keywords)
        if not looks_like_operator:
            continue
        if name not in known:
            conn_kws = [k for k in keywords if k == "conn_id" or k.endswith("_conn_id")]
            if conn_kws:
                raise DagSourceError(
                    f"The lab does not know the operator `{name}`, so it cannot tell which hook reads its "
                    f"`{conn_kws[0]}`. Known operators: {', '.join(sorted(known))}.",
                    node.lineno,
                )
            task_kw = keywords.get("task_id")
            if task_kw is not None and isinstance(task_kw.value, ast.Constant) and isinstance(task_kw.value.value, str):
                others.append((_key(task_kw.value, "task_id"), name, node.lineno))
            continue
        spec = known[name]
        if "task_id" not in keywords:
            raise DagSourceError(f"`{name}` needs a task_id.", node.lineno)
        task_node = keywords["task_id"].value
        task_id = _literal_str(task_node, "task_id")
        if not _AIRFLOW_KEY(task_id):  # inline, not _key: a call a task is ~4 % of reading 10,000 of them
            _refuse_key(task_id, "task_id", task_node.lineno)
        conn_kw = keywords.get(spec["conn_arg"])
        conn_id = _literal_str(conn_kw.value, spec["conn_arg"]) if conn_kw else spec["default_conn_id"]
        tasks.append(
            made(  # every field at once (see engine.pacing.made)
                Task,
                task_id=task_id,
                operator=name,
                provider=spec["provider"],
                conn_arg=spec["conn_arg"],
                conn_id=conn_id,
                call=spec["call"],
                lineno=node.lineno,
                conn_lineno=conn_kw.value.lineno if conn_kw else None,
            )
        )
    if dag_id is None:
        raise DagSourceError("No DAG found: the file needs `with DAG('my_dag_id') as dag:` or `DAG(dag_id=...)`.")
    if not tasks:
        named = ", ".join(f"`{task_id}` ({operator})" for task_id, operator, _ in others)
        raise DagSourceError(
            "No task of this DAG uses a connection"
            + (f" ({named} use none)" if named else "")
            + ": add one, e.g. BigQueryInsertJobOperator(task_id='run_query', gcp_conn_id='my_gcp_conn').",
            dag_line,
        )
    seen: set[str] = set()
    for task in tasks:
        if task.task_id in seen:
            raise DagSourceError(f"Task id {task.task_id!r} has already been added to the DAG.", task.lineno)
        seen.add(task.task_id)
    tasks.sort(key=lambda t: t.lineno)
    return Dag(dag_id=dag_id, tasks=tuple(tasks), source=source, lineno=dag_line or 1, other_tasks=tuple(others))


def unseen_characters(text: str, most: int = 3) -> str | None:
    """What an id holds that its reader cannot see, said in words, or ``None``: a character that is
    invisible or a control character anywhere (a zero-width space pasted from a web page), a space
    other than the ASCII one anywhere (a no-break space), or a space at either end. Airflow looks a
    conn_id up as written, so ``'my_gcp_conn\\u200b'`` is not ``my_gcp_conn``, and says so in words
    that show neither."""
    found, seen = [], []  # what cannot be seen, said; what can, so far
    for i, char in enumerate(text):
        kind = unicodedata.category(char)
        at_an_end = i == 0 or i == len(text) - 1
        if kind in ("Cf", "Cc", "Zl", "Zp", "Co", "Cn") or (kind == "Zs" and (char != " " or at_an_end)):
            name = unicodedata.name(char, "") or ("(a control character)" if kind == "Cc" else "(no name)")
            where = f"after “{''.join(seen)[-20:]}”" if not at_an_end else "at the start" if i == 0 else "at the end"
            found.append(f"U+{ord(char):04X} {name} {where}")
        else:
            seen.append(char)
    if not found:
        return None
    more = f" and {len(found) - most:,} more" if len(found) > most else ""
    return ", ".join(found[:most]) + more


# -- a DAG's source in a URL, so that a reload or a shared link keeps it ----------------------
URL_SOURCE_MAX = 6_000  # characters of the packed source in a URL (browsers and proxies allow ~8,000)
SOURCE_MAX = 200_000  # characters a packed source may unpack to


def pack_source(source: str) -> str | None:
    """The source as a URL-safe value, or ``None`` when it is too long for a URL."""
    packed = base64.urlsafe_b64encode(zlib.compress(source.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    return packed if len(packed) <= URL_SOURCE_MAX else None


def unpack_source(packed: str) -> str:
    """The source from ``pack_source``; ``DagSourceError`` for anything else (never more than
    ``SOURCE_MAX`` characters, whatever a hostile link holds)."""
    try:  # validate: a character no packed source holds ("%", "!") is damage, not something to skip
        raw = base64.b64decode(packed + "=" * (-len(packed) % 4), altchars=b"-_", validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, SOURCE_MAX * 4)
        if inflater.unconsumed_tail:
            raise DagSourceError(f"The DAG in the link is longer than the {SOURCE_MAX:,} characters the lab reads.")
        if not inflater.eof:
            raise DagSourceError("The DAG in the link is cut off: copy the whole link again.")
        return data.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError):
        raise DagSourceError("The DAG in the link cannot be read: the link is damaged.") from None
