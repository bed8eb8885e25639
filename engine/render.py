"""The stepped views as HTML strings, each drawn from a ``Trace`` and a step: the step's heading,
the flow, the step card, the narration, the notes, the tracked variables, the task log, the
process table, the variable tracker and the transcript.

One renderer for both ways a page steps: ``engine.replay`` sends them to the browser once
(the player there swaps them per step), and a run too large for that is drawn per step by the
server from the same functions. Every value of a run is escaped: text, never markup.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from functools import cache

from engine import fidelity
from engine.flow import STATES, every_node_state, flow_svg, mark, step_state
from engine.lessons import scenario
from engine.trace import Trace
from engine.views import (
    changed_cells,
    changed_steps,
    changed_tracker_cells,
    column_markers,
    in_this_run,
    lesson_kind,
    log_lines,
    notes_of,
    process_rows,
    tracker_columns,
    tracker_values,
)

MARKERS_LABEL = "Where the lesson simplifies"
LONG_WORD = 20  # characters: a word longer than this (a URL, a JSON value, a job id) may break anywhere
_LONG_WORDS = re.compile(rf"\S{{{LONG_WORD + 1},}}")
# ... and where it has one of these, it breaks after it first: "google_cloud_ / platform", not
# "google_clou / d_platform" (lab_ui/static/player.js splits at the same characters)
_WORD_JOINTS = re.compile(r"(?<=[_/.,:=&?-])(?![_/.,:=&?-])")  # after a run of them: "https://" stays whole
LONG_TABLE = 100  # rows: a table this long is not drawn while it is off the screen (class "long")


def esc(text: str) -> str:
    """Text as HTML text. Its line breaks become character references (the same text in the page):
    HTML drawn with ``st.markdown`` is read as Markdown again after a blank line, so a value with
    one (a conn_id in a learner's DAG, a connection's description) could end the HTML and go on as
    Markdown: a link, an image."""
    return html.escape(str(text)).replace("\n", "&#10;").replace("\r", "&#13;")


_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character
# what Streamlit changes in the text however it is escaped: GFM makes a bare address a link, and
# "--" becomes a dash. A word joiner (U+2060, zero width) after "http", "www", "@" or "-" stops it.
_JOINED = re.compile(r"(?i)(?:https?|ftp|www|@)(?=[:.\w])|-(?=-)")
WORD_JOINER = "\u2060"
_INDENT = re.compile(r"\n[ \t]+")


def markdown_text(text: str) -> str:
    """``text`` as Markdown that shows it as it is, for Streamlit's messages (``st.error`` and the
    like render Markdown): its code spans (`like this`) stay code, and everything else has each
    punctuation character escaped, so a value from outside (an address, a DAG, a file, an error
    quoting them) cannot become a link, an image, a colour, a formula or an emoji; a bare address
    and a "--" are kept as typed by an invisible word joiner. A backtick from outside can only move
    where code starts and ends; code shows its text as it is, and never links."""
    parts = str(text).split("`")
    if len(parts) % 2 == 0:  # an odd number of backticks: the last one opens nothing
        parts[-2:] = [parts[-2] + "`" + parts[-1]]
    out = []
    for i, part in enumerate(parts):
        if i % 2 and part.strip(" ") and "\n" not in part:
            out.append(f"`{part}`")
        else:
            plain = _INDENT.sub("\n", f"`{part}`" if i % 2 else part)  # an indented line would be code
            unlinked = _JOINED.sub(rf"\g<0>{WORD_JOINER}", plain)
            out.append(_MARKDOWN_PUNCTUATION.sub(r"\\\1", unlinked))
    return "".join(out)


def sym(text: str, markers) -> str:
    return fidelity.with_symbols(text, tuple(markers))


def caption(text: str) -> str:
    return f'<p class="lab-caption">{esc(text)}</p>'


def markers_html(markers) -> str:
    """The markers' sentences, in sight next to the words they mark (never in a collapsed section)."""
    return _markers_list(tuple(sorted(dict.fromkeys(markers), key=lambda m: m.number)))


@cache  # markers are the lesson's (data/simplifications.yaml, read once): a run's 2,002 steps show a few lists
def _markers_list(unique: tuple) -> str:
    if not unique:
        return ""
    items = "".join(f"<li><b>{m.symbol}</b> {esc(m.says)}<small>Source: {esc(m.source)}</small></li>" for m in unique)
    return f'<ul class="lab-markers" aria-label="{MARKERS_LABEL}: what Airflow 3.3 does instead">{items}</ul>'


# -- one step's views ---------------------------------------------------------------------------
def heading_text(trace: Trace, step: int) -> str:
    """ "Step 3 of 6: Airflow creates client session" (and where the run failed; with several tasks,
    "Step 7 of 10, task report: ...")."""
    current, failed = trace.step(step), trace.failed_step
    mark_ = ""
    if failed is not None and step == failed.number:
        mark_ = " ✗ failed here"
    elif failed is not None and step > failed.number:
        mark_ = f" (after the failure at step {failed.number})"
    task = _task_named(trace, current)
    return f"Step {step} of {len(trace.steps)}{f', task {task}' if task else ''}: {current.action}{mark_}"


def _task_named(trace: Trace, step) -> str | None:
    """The task a step is of, when the DAG has several and the step a task (the lesson's words say
    "Task requests connection" of each); else ``None``."""
    return step.task_id if len(trace.dag.tasks) > 1 else None


def heading_html(trace: Trace, step: int) -> str:
    return f"<h3>{esc(heading_text(trace, step))}</h3>"


def flow_drawer(trace: Trace):
    """``draw(trace, step)``, the flow's SVG at any step: the nodes' states found in one pass over the run,
    and each distinct picture drawn once (a run of 500 tasks shows nine pictures in 2,002 steps)."""
    states, drawn = every_node_state(trace), {}
    return lambda t, step: flow_svg(t, step, states[step], drawn)


def flow_legend_html(trace: Trace) -> str:
    legend = " · ".join(f"{symbol} {words}" for symbol, _, _, words, _ in STATES.values())
    words = sym(trace.lesson["flow_caption"], fidelity.at("flow_caption"))
    places = ["flow_caption", *(f"flow.{n['id']}" for n in trace.lesson["flow"])]
    return caption(f"{legend} — the current node has a double border. {words}") + markers_html(
        m for place in places for m in fidelity.at(place)
    )


FIELDS = ("action", "state", "result", "narration")  # the step card's words that may carry markers


def field_markers(trace: Trace, step: int) -> dict[str, tuple]:
    s = trace.step(step)
    return {f: fidelity.of_step(s, f) for f in FIELDS}


def variable_markers(trace: Trace) -> list[tuple]:
    """Per step 0…N, the markers the tracked variables' states carry then, in one pass over their
    timelines (not every variable at every step: a DAG of 1,000 tasks has 3,000 of them)."""
    changes: dict[int, list] = {}
    for variable, timeline in trace.timelines.items():
        for step, value in timeline:
            changes.setdefault(step, []).append((variable, fidelity.at(f"variables.{variable.name}.{value.state}")))
    held: dict = {}
    counts: dict = {}
    found = []
    for step in range(len(trace.steps) + 1):
        for variable, marks in changes.get(step, ()):
            for m in held.get(variable, ()):
                counts[m] -= 1
            for m in marks:
                counts[m] = counts.get(m, 0) + 1
            held[variable] = marks
        found.append(tuple(m for m, n in counts.items() if n > 0))
    return found


def card_html(trace: Trace, step: int) -> str:
    s = trace.step(step)
    marks = field_markers(trace, step)
    failed = " failed" if s.failed else ""
    status = "✗ Failed" if s.failed else "▶ Now"
    task = _task_named(trace, s)
    task = f"<b>Task:</b> <code>{esc(task)}</code><br>" if task else ""
    return (
        f'<div class="lab-card{failed}" role="group" aria-label="Step {s.number}">'
        f"<b>{status} — Step {s.number}</b><br>{task}"
        f"<b>Action:</b> {esc(sym(s.action, marks.get('action', ())))}<br>"
        f"<b>Connection ID Used:</b> <code>{esc(s.conn_id or 'N/A')}</code><br>"
        f"<b>Airflow Internal State:</b> {esc(sym(s.internal_state, marks.get('state', ())))}<br>"
        f"<b>Result:</b> {esc(sym(s.result, marks.get('result', ())))}</div>"
    )


def narration_html(trace: Trace, step: int) -> str:
    """The lesson's `code` spans become <code>; every value of the run is text, never markup."""
    text = trace.step(step).words_with("narration", lambda v: esc(v).replace("`", "&#96;"))
    return "<p>" + re.sub(r"`([^`]*)`", r"<code>\1</code>", text) + "</p>"


def step_markers_html(trace: Trace, step: int, held: list[tuple] | None = None) -> str:
    """The markers of the step's words and of its variables' states (``held``: ``variable_markers``)."""
    held = held if held is not None else variable_markers(trace)
    return markers_html([m for found in field_markers(trace, step).values() for m in found] + list(held[step]))


def notes_html(trace: Trace, step: int) -> str:
    """ "In real Airflow 3": closed until opened; the player keeps it open across steps."""
    s = trace.step(step)
    return _notes(s.kind, s.fact("provider"), s.fact("call"))


@cache  # the notes are data/airflow_notes.yaml's (read once), chosen by the step's kind, provider and call
def _notes(kind: str, provider: str | None, call: str | None) -> str:
    notes = notes_of(kind, provider, call)
    if not notes:
        return ""
    items = "".join(
        f"<p>{esc(' '.join(n['text'].split()))}</p>"
        f'<p class="lab-caption">Source: {esc(n["package"])}, {esc(n["file"])}: “{esc(n["quote"])}”</p>'
        for n in notes
    )
    return f'<details class="lab-notes" data-keep="notes"><summary>In real Airflow 3</summary>{items}</details>'


def variables(trace: Trace) -> dict:
    """The tracked variables as timelines: for each, the steps where it changed and its list item
    from then on (its words, marked, and the object); " ◆ changed" goes between the two halves at
    the step of the change. A step redraws only the variables that changed."""
    timelines = []
    for variable in trace.variables:
        entries = []
        for step, value in trace.timelines[variable]:
            text = sym(value.text, fidelity.at(f"variables.{variable.name}.{value.state}"))
            detail = value.detail if value.detail not in ("None", value.state) else ""
            small = f"<br><small><code>{esc(detail)}</code></small>" if detail else ""
            entries.append([step, f"<li><code>{esc(variable)}</code> → <b>{esc(text)}</b>", small + "</li>"])
        timelines.append(entries)
    return {"timelines": timelines, "flag": esc(" ◆ changed")}


def variables_at(table: dict, step: int) -> str:
    items = []
    for entries in table["timelines"]:
        at, head, tail = entries[bisect_right(entries, step, key=lambda e: e[0]) - 1]
        items.append(head + (table["flag"] if at == step else "") + tail)
    return f'<ul class="lab-variables">{"".join(items)}</ul>'


def variables_html(trace: Trace, step: int) -> str:
    """Each tracked variable after ``step`` (◆ when it changed at this step) and the object it holds."""
    return variables_at(variables(trace), step)


def logs(trace: Trace) -> bool:
    """Whether the run records a task log (the airflow3 run does)."""
    return any(s.fact("log") for s in trace.steps)


def task_log_html(trace: Trace, step: int, logged: bool | None = None) -> str:
    """The task log lines a learner would read so far, masked (``logged``: ``logs(trace)``)."""
    if not (logs(trace) if logged is None else logged):
        return ""
    lines = log_lines(trace, step) or ["(nothing logged yet)"]
    text = esc("\n".join(lines)).replace("\n", "&#10;")  # one line: markdown keeps it a block
    return (
        "<h4>Task log</h4>"
        + caption("What the task's log shows so far, with every registered secret as ***.")
        + f'<pre class="lab-log" tabindex="0"><code>{text}</code></pre>'
    )


# -- tables ---------------------------------------------------------------------------------------
def html_table(
    headers: list[str], rows: list[list[str]], caption_: str, row_classes=None, current_col=None, current_row=None
) -> str:
    """A real ``<table>``: its text is in the page (selectable, found by Ctrl+F, read by screen
    readers) and long cells wrap. One line, so that markdown passes it through untouched.
    ``row_classes``: row index → its state; ``current_row`` / ``current_col``: what to mark (a
    column's rows are then headed by their first cell)."""
    head = "".join(_cell("th", h, i == current_col, " scope=col") for i, h in enumerate(headers))
    body = "".join(
        table_row(cells, (row_classes or {}).get(r), r == current_row, current_col) for r, cells in enumerate(rows)
    )
    box = f'lab-table-box long" style="--rows: {len(rows)}' if len(rows) > LONG_TABLE else "lab-table-box"
    return (  # the box scrolls sideways when the table is wider than the screen; the page never does
        f'<div class="{box}" role="region" aria-label="{esc(caption_)}" tabindex="0">'
        f'<table class="lab-table"><caption>{esc(caption_)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def table_row(cells: list[str], state: str | None, current: bool, current_col=None) -> str:
    attrs = f' class="{state}"' if state else ""
    if current:
        attrs += ' aria-current="step"'  # the current row, failed or not
    row_header = current_col is not None
    tds = "".join(
        _cell("th", c, False, " scope=row") if i == 0 and row_header else _cell("td", c, i == current_col)
        for i, c in enumerate(cells)
    )
    return f"<tr{attrs}>{tds}</tr>"


def _cell(tag: str, text: str, current: bool, scope: str = "") -> str:
    attr = ' class="current"' if current else ""
    return f"<{tag}{scope}{attr}>{cell_text(text)}</{tag}>"


def cell_text(text: str) -> str:
    """A cell's text, escaped, its over-long words marked as breakable (after a ``_``, ``/``, ``,``
    ... first): a narrow column on a phone then wraps between ordinary words ("connection details"),
    never inside them ("connect / ion")."""
    text = str(text)
    if len(text) <= LONG_WORD:
        return esc(text)
    out, last = [], 0
    for m in _LONG_WORDS.finditer(text):
        pieces = "<wbr>".join(esc(piece) for piece in _WORD_JOINTS.split(m.group()) if piece)
        out += [esc(text[last : m.start()]), '<span class="brk">', pieces, "</span>"]
        last = m.end()
    out.append(esc(text[last:]))
    return "".join(out)


def comparable(trace: Trace) -> bool:
    """Whether marking what differs from the lesson means anything: not for the lesson itself, nor
    for the airflow3 run, whose steps are others than the lesson's."""
    return trace.scenario_id != "lesson" and scenario(trace.scenario_id).path == "lesson"


def process_table(trace: Trace, lesson_trace: Trace | None, hide_future: bool = False) -> dict:
    """The process table as the player needs it: its rows once, and per row its state before,
    at and after the step it records (a row's state depends on the step only through these)."""
    rows = process_rows(trace)
    versus = lesson_trace is not None and comparable(trace)
    changed = changed_steps(trace, lesson_trace) if versus else set()
    headers = ["", *rows[0], *(["vs the lesson"] if versus else [])]
    cells, used = [], []
    for row, s in zip(rows, trace.steps):
        extra = ["≠ changed from the lesson" if s.number in changed else ""] if versus else []
        row_marks = column_markers(s)
        used.extend(m for found in row_marks.values() for m in found)
        cells.append([*(sym(str(v), row_marks.get(k, ())) for k, v in row.items()), *extra])
    lesson = trace.lesson
    if trace.succeeded:
        footer_marks = fidelity.at("table_footer_ok")
        footer = sym(lesson["table_footer_ok"], footer_marks)
        used.extend(footer_marks)
    else:
        footer = lesson["table_footer_failed"].format(step=trace.failed_step.number, error=trace.failed_step.result)
    n = len(trace.steps)
    return {
        "headers": headers,
        "rows": cells,
        # per row: its state once passed, and while current (pending before it)
        "past": [step_state(trace, s.number, s.number + 1) for s in trace.steps],
        "now": [step_state(trace, s.number, s.number) for s in trace.steps],
        "marks": {state: mark(state) for state in STATES},
        "hide": hide_future,
        "caption": f"Process table of {n} steps; step {{step}} is the current row.",
        "after": caption(f"💡 {footer}") + markers_html(used),
    }


def process_table_at(table: dict, step: int) -> str:
    classes, cells = {}, []
    for r, row in enumerate(table["rows"]):
        number = r + 1
        if table["hide"] and number > step:
            break
        state = table["past"][r] if number < step else table["now"][r] if number == step else "pending"
        classes[r] = state
        cells.append([table["marks"][state], *row])
    body = html_table(table["headers"], cells, table["caption"].format(step=step), classes, current_row=step - 1)
    return body + table["after"]


def tracker(trace: Trace, lesson_trace: Trace | None, every_step: bool) -> dict:
    """The variable tracker: its cells once, and per step the column that shows it."""
    columns = tracker_columns(trace, every_step)
    values = tracker_values(trace, every_step)
    changed = changed_cells(trace, every_step)
    differs = changed_tracker_cells(trace, lesson_trace, every_step) if lesson_trace and comparable(trace) else {}
    labels = [label for label, _ in columns]
    index_of = dict(columns)
    same = trace.lesson["unchanged"]
    rows, used = [], []
    for variable, row in values.items():
        cells = [str(variable)]
        for label in labels:
            differs_here = label in differs.get(variable, ())
            flags = ("◆ " if label in changed[variable] else "") + ("≠ " if differs_here else "")
            value = trace.value(variable, index_of[label])
            words = row[label]
            if words == same:
                marks = ()
                if differs_here:  # "≠ Same" would hide what differs from the lesson here: say it
                    words = f"{same} ({value.text})"
            else:
                marks = fidelity.at(f"variables.{variable.name}.{value.state}")
            used.extend(marks)
            cells.append(flags + sym(words, marks))
        rows.append(cells)
    legend = "▶ the column for the current step · ◆ the value changed since the previous column"
    col, shown = [], 0  # per step, the last column at or before it (views.column_for_step, in one pass)
    for n in range(1, len(trace.steps) + 1):
        while shown + 1 < len(columns) and columns[shown + 1][1] <= n:
            shown += 1
        col.append(shown + 1)
    return {
        "labels": labels,
        "rows": rows,
        "col": col,
        "caption": "Variable tracker; the column for step {step} is {column}.",
        "after": caption(legend + (" · ≠ changed from the lesson" if differs else "")) + markers_html(used),
    }


def tracker_at(table: dict, step: int) -> str:
    col = table["col"][step - 1]
    label = table["labels"][col - 1]
    headers = ["Variable", *(f"▶ {c}" if i + 1 == col else c for i, c in enumerate(table["labels"]))]
    text = table["caption"].format(step=step, column=label)
    return html_table(headers, table["rows"], text, current_col=col) + table["after"]


def transcript(trace: Trace) -> dict:
    """The transcript's sentences once, each with the step kind it tells, and per step that kind."""
    sentences, used = [], []
    for i, sentence in enumerate(trace.lesson["transcript"]):
        marks = fidelity.at(f"transcript.{i}")
        used.extend(marks)
        text = esc(sym(" ".join(sentence["text"].split()), marks))
        target, status = in_this_run(trace, sentence["step_kind"])
        if status == "missing":
            text = f"<s>{text}</s> <i>(not in this run)</i>"
        elif status == "failed":
            text = f"{text} <i>(✗ this run fails here, at step {target})</i>"
        sentences.append((sentence["step_kind"], text))
    return {
        "sentences": sentences,
        "kind": [lesson_kind(trace, s) for s in trace.steps],
        "after": caption("▶ the sentence about the current step · struck through: what this run never got to")
        + markers_html(used),
    }


ARROW = '<span class="lab-arrow">▶ </span>'


def transcript_at(text: dict, step: int) -> str:
    kind = text["kind"][step - 1]
    spans = " ".join(
        f'<span class="lab-sentence current" data-kind="{esc(k)}">{ARROW}{t}</span>'
        if k == kind
        else f'<span class="lab-sentence" data-kind="{esc(k)}">{t}</span>'
        for k, t in text["sentences"]
    )
    return f'<p class="lab-transcript">{spans}</p>' + text["after"]
