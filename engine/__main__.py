"""``python -m engine``: the lab from the command line.

    python -m engine run [--scenario NAME] [--format table|json] [--every-step]
    python -m engine run --list
    python -m engine connections add ID (--conn-uri URI | --conn-json JSON | --conn-type TYPE [--conn-host ...])
    python -m engine connections get ID [--output json|table]
    python -m engine connections list [--output json|table]
    python -m engine connections delete ID
    python -m engine connections export FILE [--file-format json|yaml|env] [--serialization-format uri|json]
    python -m engine connections import FILE [--overwrite]
    python -m engine connections rotate-key
    python -m engine quiz [--scenario NAME] [--format json|text]

Secrets are never printed: ``get`` and ``list`` mask them; only ``export`` writes them, to a file.

Errors go to stderr with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from urllib.parse import urlsplit

from sqlalchemy.exc import ArgumentError, OperationalError

from engine.connection import Connection, validate_conn_id
from engine.errors import AirflowException
from engine.lessons import scenario, scenarios, seed_connections
from engine.secrets import EnvironmentVariablesBackend
from engine.simulator import run_scenario
from engine.store import open_store
from engine.table import OPENED
from engine.transfer import export_text, file_format_of, parse_text
from engine.uri import masked_uri
from engine.views import marked_words, process_rows, process_table, tracker_values, variable_tracker


def open_lab_store():
    """The configured store, seeded with the lesson's connections on a first start."""
    store, keys = open_store()
    if keys.created:
        print(f"Generated a Fernet key in {keys.origin} (readable only by you).", file=sys.stderr)
    store.seed_if_empty(seed_connections())
    return store


def cmd_run(args: argparse.Namespace) -> int:
    if args.list:
        for sc in scenarios().values():
            print(f"{sc.id:<22} {sc.summary}")
        return 0
    trace = run_scenario(scenario(args.scenario), open_lab_store())
    if args.format == "json":
        payload = {
            "scenario": trace.scenario_id,
            "succeeded": trace.succeeded,
            "process_table": process_rows(trace),
            "variable_tracker": tracker_values(trace, every_step=args.every_step),
            "simplifications": [
                {"where": where, "words": words, "marker": m.symbol, "airflow_3_3": m.says, "source": m.source}
                for where, words, m in marked_words(trace, args.every_step)
            ],
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    sc = scenario(args.scenario)
    print(f"Scenario: {sc.id} — {sc.title}\n")
    print("Process table")
    print(process_table(trace).to_string(index=False))
    print("\nVariable tracker")
    print(variable_tracker(trace, every_step=args.every_step).to_string())
    marked = marked_words(trace, args.every_step)
    if marked:
        print("\nWhere the lesson's words simplify Airflow 3.3")
        for where, words, m in marked:
            print(f"  {m.symbol} {where}: “{words}”")
        for m in dict.fromkeys(m for _, _, m in marked):
            print(f"\n{m.sentence}\n   Source: {m.source}")
    return 0


FIELD_OPTIONS = ("type", "host", "login", "password", "schema", "port", "extra", "description")


def _masked_row(conn: Connection, source: str) -> dict:
    data = conn.masked_dict()
    data["source"] = source
    return data


def _connection_to_add(args: argparse.Namespace) -> Connection:
    """The connection ``airflow connections add`` would build from these options, or its error."""
    validate_conn_id(args.conn_id)
    given = {f: getattr(args, f"conn_{f}") for f in FIELD_OPTIONS if getattr(args, f"conn_{f}") is not None}
    if "type" not in given and not (args.conn_uri or args.conn_json):
        raise AirflowException("Must supply either conn-uri or conn-json if not supplying conn-type")
    if args.conn_uri and args.conn_json:
        raise AirflowException("Cannot supply both conn-uri and conn-json")
    if args.conn_uri or args.conn_json:
        invalid = [f"conn_{f}" for f in given if f not in ("description", "extra")]
        if args.conn_json and "extra" in given:
            invalid.append("--conn-extra")
        if invalid:
            raise AirflowException(
                "The following args are not compatible with the "
                f"--conn-{'uri' if args.conn_uri else 'json'} flag: {invalid!r}"
            )
    if args.conn_uri:
        try:
            has_scheme = bool(urlsplit(args.conn_uri).scheme)
        except ValueError:  # e.g. an unclosed [IPv6 host: from_uri says what is wrong
            has_scheme = True
        if not has_scheme:
            raise AirflowException(f"The URI provided to --conn-uri is invalid: {masked_uri(args.conn_uri)}")
        conn = Connection.from_uri(args.conn_uri, conn_id=args.conn_id)
        conn.description = given.get("description")
        if "extra" in given:
            conn = Connection(**{**conn.fields(), "extra": given["extra"]})
        return conn
    if args.conn_json:
        conn = Connection.from_json(args.conn_json, conn_id=args.conn_id)
        if not conn.conn_type:
            raise AirflowException("conn-json is invalid; must supply conn-type")
        return conn
    return Connection(conn_id=args.conn_id, conn_type=given.pop("type"), **given)


def write_private(path: str, text: str) -> None:
    """Write ``text`` to a file readable only by its owner, made so before any secret is in it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT: set it too
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def cmd_connections(args: argparse.Namespace) -> int:
    store = open_lab_store()
    action = args.action
    if action == "add":
        conn = _connection_to_add(args)
        store.add(conn)
        shown = conn.masked_dict()
        print(f"Successfully added `conn_id`={conn.conn_id}")
        print(
            " | ".join(
                f"{k}={shown[k]}"
                for k in ("conn_id", "conn_type", "host", "login", "port", "extra")
                if shown[k] not in (None, "", {})
            )
        )
    elif action == "get":
        env = EnvironmentVariablesBackend()
        conn = env.get_connection(args.conn_id)
        source = env.where(args.conn_id) if conn else "metadata DB"
        conn = conn or store.get(args.conn_id)
        if conn is None:
            raise AirflowException(f"Connection not found. The conn_id `{args.conn_id}` isn't defined")
        _print_rows([_masked_row(conn, source)], args.output)
    elif action == "list":
        _print_rows([_masked_row(c, "metadata DB") for c in store.list()], args.output)
    elif action == "delete":
        store.delete(args.conn_id)
        print(f"Successfully deleted connection with `conn_id`={args.conn_id}")
    elif action == "export":
        if args.file == "-":
            raise AirflowException("The lab does not print secrets: export to a file, not to standard output.")
        fmt = args.file_format or file_format_of(args.file)
        text = export_text(store.list(), fmt, args.serialization_format)
        write_private(args.file, text)
        print(f"Connections successfully exported to {args.file}.")
        print(
            "It holds every secret in clear and only you can read it (mode 600): delete it after use.", file=sys.stderr
        )
    elif action == "import":
        try:
            with open(args.file, encoding="utf-8") as fh:
                conns = parse_text(fh.read(), file_format_of(args.file))
        except UnicodeDecodeError:
            raise AirflowException(f"{args.file} is not UTF-8 text; save it as UTF-8 and import it again.") from None
        for conn_id, outcome in store.import_connections(list(conns.values()), args.overwrite).items():
            if outcome == "skipped":
                print(f"Could not import connection {conn_id}: connection already exists.")
            else:
                print(f"Imported connection {conn_id} ({outcome})")
    elif action == "rotate-key":
        count = store.rotate()
        print(f"Re-encrypted the secrets of {count} connection(s) with the first key of {store.key_origin}.")
    return 0


def _print_rows(rows: list[dict], output: str) -> None:
    if output == "json":
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        print(" | ".join(f"{k}={v}" for k, v in row.items() if v not in (None, "", {})))
    if not rows:
        print("No connections found.")


def cmd_quiz(args: argparse.Namespace) -> int:
    from engine.quiz import as_json

    if args.scenario:
        scenario(args.scenario)  # an unknown id is an error, not an empty list
    bank = as_json(args.scenario)
    if args.format == "json":
        print(json.dumps(bank, indent=2, ensure_ascii=False))
        return 0
    for q in bank:
        print(f"[{q['scenario']}] {q['id']}: {q['question']}")
        for option in q["options"]:
            print(f"   {'*' if option == q['answer'] else ' '} {option}")
        print(f"   (step {q['step']})\n")
    return 0


def cmd_class(args: argparse.Namespace) -> int:
    """An instructor's classes: create one (prints its code), list them, report on one."""
    from engine.progress import ProgressStore, normalise_code, shown_code
    from engine.quiz import questions
    from engine.settings import database_url
    from engine.table import make_engine
    from engine.teaching import question_rows, report_csv, scenario_rows

    progress = ProgressStore(make_engine(database_url()))
    if args.action == "create":
        code = progress.create_class(args.name)
        print(f"Created class {args.name!r}: its code is {shown_code(code)}")
    elif args.action == "list":
        for code, name in progress.classes():
            print(f"{shown_code(code)}  {name}")
    elif args.action == "report":
        code = normalise_code(args.code)
        if progress.class_name(code) is None:
            raise AirflowException(f"There is no class {shown_code(code)}.")
        records = progress.class_records(code)
        bank = questions()
        per_question, per_scenario = question_rows(records, bank), scenario_rows(records, bank)
        if args.csv:
            print(report_csv(per_question, per_scenario), end="")
            return 0
        print(f"{progress.class_name(code)} ({shown_code(code)}): {len(records)} learners\n")
        for r in per_question:
            share = "—" if r.first_try_share is None else f"{r.first_try_share:.0%}"
            wrong = (
                f"; most chosen wrong: {r.most_chosen_wrong} ({r.most_chosen_wrong_count})"
                if r.most_chosen_wrong
                else ""
            )
            print(f"{r.question_id:<8} answered {r.answered}/{r.learners}, right at first try {share}{wrong}")
        print()
        for r in per_scenario:
            rest = f"{r.started - r.finished} started, {r.learners - r.started} not started"
            print(f"{r.title}: {r.finished} answered all, {rest}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description="The Airflow connections lab engine.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a scenario and print its process table and variable tracker")
    run.add_argument("--scenario", default="lesson", help="scenario id (default: lesson); see --list")
    run.add_argument("--format", choices=["table", "json"], default="table")
    run.add_argument("--every-step", action="store_true", help="a tracker column after every step")
    run.add_argument("--list", action="store_true", help="list the scenarios with a one-line description")
    run.set_defaults(func=cmd_run)

    conns = sub.add_parser("connections", help="manage the stored connections, as `airflow connections` does")
    csub = conns.add_subparsers(dest="action", required=True)
    add = csub.add_parser("add", help="add a connection")
    add.add_argument("conn_id")
    add.add_argument("--conn-uri")
    add.add_argument("--conn-json")
    for field in FIELD_OPTIONS:
        add.add_argument(f"--conn-{field}")
    for name in ("get", "delete"):
        p = csub.add_parser(name, help=f"{name} a connection")
        p.add_argument("conn_id")
        if name == "get":
            p.add_argument("--output", "-o", choices=["table", "json"], default="table")
    lst = csub.add_parser("list", help="list the stored connections (secrets masked)")
    lst.add_argument("--output", "-o", choices=["table", "json"], default="table")
    exp = csub.add_parser("export", help="export every stored connection to a file Airflow can import")
    exp.add_argument("file")
    exp.add_argument("--file-format", choices=["json", "yaml", "env"])
    exp.add_argument("--serialization-format", choices=["uri", "json"], default="uri")
    imp = csub.add_parser("import", help="import connections from a JSON, YAML or .env file")
    imp.add_argument("file")
    imp.add_argument("--overwrite", action="store_true")
    csub.add_parser("rotate-key", help="re-encrypt every secret with the first key of LAB_FERNET_KEY")
    conns.set_defaults(func=cmd_connections)

    quiz = sub.add_parser("quiz", help="print the quiz bank with its answer keys, computed from the runs")
    quiz.add_argument("--scenario", help="only this scenario's questions")
    quiz.add_argument("--format", choices=["json", "text"], default="text")
    quiz.set_defaults(func=cmd_quiz)

    classes = sub.add_parser("class", help="create and follow a class (an instructor's tool)")
    clsub = classes.add_subparsers(dest="action", required=True)
    create = clsub.add_parser("create", help="create a class and print its code")
    create.add_argument("name")
    clsub.add_parser("list", help="list the classes and their codes")
    report = clsub.add_parser("report", help="how a class is doing: per question and per scenario")
    report.add_argument("code")
    report.add_argument("--csv", action="store_true", help="print the report as CSV")
    classes.set_defaults(func=cmd_class)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (AirflowException, KeyError, OSError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    except ArgumentError as err:  # LAB_DATABASE_URL is no URL SQLAlchemy can open
        message = f"LAB_DATABASE_URL is not a database URL the lab can open ({err})."
    except OperationalError:
        message = "The lab's database cannot be reached (LAB_DATABASE_URL); try again once it is up."
    finally:
        for engine in list(OPENED):  # a command opens its engines once; close them with it
            engine.dispose()
    print(f"error: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
