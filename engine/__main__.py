"""``python -m engine``: run a scenario and print its tables, from the command line.

    python -m engine run [--scenario NAME] [--format table|json]
    python -m engine run --list

Errors go to stderr with a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.errors import AirflowException
from engine.lessons import scenario, scenarios, seed_connections
from engine.simulator import run_scenario
from engine.store import open_store
from engine.views import process_rows, process_table, tracker_values, variable_tracker


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
        }
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return 0
    sc = scenario(args.scenario)
    print(f"Scenario: {sc.id} — {sc.title}\n")
    print("Process table")
    print(process_table(trace).to_string(index=False))
    print("\nVariable tracker")
    print(variable_tracker(trace, every_step=args.every_step).to_string())
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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (AirflowException, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
        print(f"error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
