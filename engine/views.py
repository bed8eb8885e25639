"""The recorded run as the lesson's tables: the process table and the variable tracker.

Both are pandas DataFrames built from a ``Trace`` and nothing else. The tracker shows the
seed's columns (Start, After Step N for the steps that matter, Final) or every step; a value
that has not changed since the previous column, and is not ``None``, reads "Same", as in the
seed.
"""

from __future__ import annotations

import pandas as pd

from engine.lessons import lesson
from engine.simulator import Trace

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
            row = {"Step": step.number, "Task": step.task_id or NOT_APPLICABLE, **{k: v for k, v in row.items() if k != "Step"}}
        rows.append(row)
    return rows


def process_table(trace: Trace) -> pd.DataFrame:
    return pd.DataFrame(process_rows(trace))


def tracker_columns(trace: Trace, every_step: bool = False) -> list[tuple[str, int]]:
    """(label, snapshot index) for each tracker column."""
    last = len(trace.steps)
    if every_step:
        return [("Start", 0)] + [(f"After Step {n}", n) for n in range(1, last)] + [("Final", last)]
    columns = []
    for spec in lesson()["tracker_columns"]:
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
    same = lesson()["unchanged"]
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


def variable_tracker(trace: Trace, every_step: bool = False) -> pd.DataFrame:
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
