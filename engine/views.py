"""The recorded run as the lesson's tables: the process table and the variable tracker.

Both are pandas DataFrames built from a ``Trace`` and nothing else. The tracker shows the
seed's columns (Start, After Step N for the steps that matter, Final) or every step; a value
that has not changed since the previous column, and is not ``None``, reads "Same", as in the
seed.
"""

from __future__ import annotations

from engine import fidelity
from engine.lessons import airflow_notes
from engine.trace import Step, Trace

TABLE_COLUMNS = ["Step", "Action", "Connection ID Used", "Airflow Internal State", "Result"]
NOT_APPLICABLE = "N/A"


def process_rows(trace: Trace) -> list[dict]:
    """The process table as rows keyed by the seed's column names (plus Task when there are several)."""
    several = len(trace.dag.tasks) > 1
    rows = []
    for step in trace.steps:
        row = {
            "Step": step.number,
            "Action": step.action,
            "Connection ID Used": step.conn_id or NOT_APPLICABLE,
            "Airflow Internal State": step.internal_state,
            "Result": step.result,
        }
        if several:
            row = {
                "Step": step.number,
                "Task": step.task_id or NOT_APPLICABLE,
                **{k: v for k, v in row.items() if k != "Step"},
            }
        rows.append(row)
    return rows


def process_table(trace: Trace):
    """The process table as a pandas DataFrame (pandas is imported only when a table is drawn)."""
    import pandas as pd

    return pd.DataFrame(process_rows(trace))


def tracker_columns(trace: Trace, every_step: bool = False) -> list[tuple[str, int]]:
    """(label, snapshot index) for each tracker column."""
    last = len(trace.steps)
    if every_step:
        return [("Start", 0)] + [(f"After Step {n}", n) for n in range(1, last)] + [("Final", last)]
    columns = []
    for spec in trace.lesson["tracker_columns"]:
        after = spec["after"]
        if after == "start":
            columns.append((spec["label"], 0))
        elif after == "end":
            columns.append((spec["label"], last))
        else:
            step = trace.first(after)
            if step is not None and step.number != last:
                columns.append((spec["label"].format(n=step.number), step.number))
    return columns


def tracker_values(trace: Trace, every_step: bool = False) -> dict[str, dict[str, str]]:
    """variable → column label → the lesson's words ("Same" when unchanged and not None)."""
    same = trace.lesson["unchanged"]
    columns = tracker_columns(trace, every_step)
    table: dict[str, dict[str, str]] = {}
    for variable in trace.variables:
        row: dict[str, str] = {}
        previous = None
        for label, index in columns:
            value = trace.value(variable, index)
            unchanged = previous is not None and value == previous and value.state not in ("absent", "released")
            row[label] = same if unchanged else value.text
            previous = value
        table[variable] = row
    return table


def variable_tracker(trace: Trace, every_step: bool = False):
    """The variable tracker as a pandas DataFrame, variables as rows."""
    import pandas as pd

    frame = pd.DataFrame.from_dict(tracker_values(trace, every_step), orient="index")
    frame.index.name = "Variable"
    return frame


def changed_cells(trace: Trace, every_step: bool = False) -> dict[str, set[str]]:
    """variable → the column labels where its state changed from the previous column."""
    columns = tracker_columns(trace, every_step)
    changed: dict[str, set[str]] = {}
    for variable in trace.variables:
        labels = set()
        for (_, before), (label, after) in zip(columns, columns[1:]):
            if trace.value(variable, before) != trace.value(variable, after):
                labels.add(label)
        changed[variable] = labels
    return changed


def column_for_step(trace: Trace, step: int, every_step: bool = False) -> str | None:
    """The tracker column that shows the state after ``step`` (the last column at or before it)."""
    label = None
    for name, index in tracker_columns(trace, every_step):
        if index <= step:
            label = name
    return label


# -- stepping aids: what changes next, and checking a learner's prediction -----------------
NOTHING_CHANGES = "Nothing changes"


def changes_at(trace: Trace, step: int) -> list[tuple[str, str, str]]:
    """(variable, before, after) for each tracked variable whose state changes at ``step``."""
    before, after = trace.snapshot(step - 1), trace.snapshot(step)
    return [(v, before[v].text, after[v].text) for v in trace.variables if before[v] != after[v]]


def prediction_choices(trace: Trace) -> dict[str, list[str]]:
    """variable → the values it can take (the lesson's words), for a learner's prediction."""
    words = trace.lesson["variables"]
    choices = {}
    for variable in trace.variables:
        choices[variable] = list(dict.fromkeys(words[variable.name].values()))
    return choices


def check_prediction(trace: Trace, step: int, variable: str, value: str) -> tuple[bool, str]:
    """Whether "``variable`` becomes ``value`` at ``step``" is right, and what really happens."""
    changes = changes_at(trace, step)
    if variable == NOTHING_CHANGES:
        right = not changes
    else:
        right = any(v == variable and after == value for v, _, after in changes)
    if not changes:
        truth = f"At step {step} no tracked variable changes."
    else:
        truth = f"At step {step}: " + "; ".join(f"{v} goes from “{b}” to “{a}”" for v, b, a in changes) + "."
    return right, truth


def in_this_run(trace: Trace, kind: str) -> tuple[int | None, str]:
    """Where a lesson sentence about a kind of step stands in this run: (its step, "ok"), (the
    step, "failed") where it failed, or (None, "missing") where it did not happen (the close
    when no session existed counts as not happening)."""
    step = trace.standing_for(kind)
    if step is None or step.outcome == "failed_without_session":
        return None, "missing"
    if step.failed and kind not in ("task_complete", "dag_end"):  # the close and the end still happen
        return step.number, "failed"
    return step.number, "ok"


def link_to_step(scenario_id: str, step: int) -> dict[str, str]:
    """The URL query that opens a scenario at a step (the lesson needs no scenario)."""
    return {"step": str(step)} | ({"scenario": scenario_id} if scenario_id != "lesson" else {})


def step_of_kind(trace: Trace, kind: str) -> int | None:
    """The number of the first step of a kind (dag_start, request_connection, …), or of a kind that
    stands for it in the airflow3 run, if the run has one."""
    step = trace.standing_for(kind)
    return step.number if step else None


# -- scenarios against the lesson ---------------------------------------------------------------
def changed_steps(trace: Trace, lesson_trace: Trace) -> set[int]:
    """Step numbers whose process-table row differs from the lesson's row at the same number."""
    ours, theirs = process_rows(trace), process_rows(lesson_trace)
    keys = ("Action", "Connection ID Used", "Airflow Internal State", "Result")
    return {
        row["Step"]
        for i, row in enumerate(ours)
        if i >= len(theirs) or any(row.get(k) != theirs[i].get(k) for k in keys) or "Task" in row
    }


def changed_tracker_cells(trace: Trace, lesson_trace: Trace, every_step: bool = False) -> dict[str, set[str]]:
    """variable → column labels whose value differs from the lesson's value in that column."""
    ours, theirs = tracker_values(trace, every_step), tracker_values(lesson_trace, every_step)
    result = {}
    for variable, row in ours.items():
        base = theirs.get(variable.name, {})
        result[variable] = {label for label, value in row.items() if base.get(label) != value}
    return result


def lesson_kind(trace: Trace, step: Step) -> str:
    """The lesson's kind of step this one is (itself, or the one it stands for)."""
    return trace.lesson["steps"][step.kind].get("stands_for") or step.kind


def log_lines(trace: Trace, step: int) -> list[str]:
    """The task log a learner would read after ``step``: each line masked like every text of the run."""
    return [s.redactor(line) for s in trace.steps[:step] for line in s.fact("log") or ()]


COLUMN_FIELDS = {"Action": "action", "Airflow Internal State": "state", "Result": "result"}  # → template field


def column_markers(step: Step) -> dict[str, tuple]:
    """The process table's column → the markers its cell's words carry at ``step``."""
    return {column: fidelity.of_step(step, field_name) for column, field_name in COLUMN_FIELDS.items()}


def marked_words(trace: Trace, every_step: bool = False) -> list[tuple[str, str, fidelity.Marker]]:
    """(where, the lesson's words, marker) for each table cell and tracker value of the run whose
    words simplify Airflow, in the order the tables show them (for the CLI and exports)."""
    found = []
    for step, row in zip(trace.steps, process_rows(trace)):
        for column, markers in column_markers(step).items():
            found += [(f"Step {step.number}, {column}", row[column], m) for m in markers]
    columns = dict(tracker_columns(trace, every_step))
    for variable, row in tracker_values(trace, every_step).items():
        for label, words in row.items():
            state = trace.value(variable, columns[label]).state
            if words != trace.lesson["unchanged"]:
                found += [(f"{variable}, {label}", words, m) for m in fidelity.at(f"variables.{variable.name}.{state}")]
    return found


def notes_of(kind: str, provider: str | None, call: str | None = None) -> list[dict]:
    """The "in real Airflow 3" notes on a kind of step: the general ones, ``provider``'s, and those
    on the cloud call the step makes (``call``: e.g. only insert_job builds a BigQuery job id)."""
    return [
        n
        for n in airflow_notes().get(kind, [])
        if n.get("provider") in (None, provider) and n.get("call") in (None, call)
    ]
