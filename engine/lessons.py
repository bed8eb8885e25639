"""Lesson content from ``data/``: the lesson's texts, scenarios, known operators, seed connections.

Everything a learner reads that is not a value of the run lives in YAML files under ``data/``;
this module only loads it. An instructor adds a scenario by adding a file to
``data/scenarios/``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any

import yaml

from engine.schema import ScenarioFile, checked

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


_loading = threading.RLock()


def _once(load):
    """Like ``functools.cache``, and loaded once when many threads ask at the same time (a class's
    first learners arriving together): the others wait for the first one's answer instead of each
    reading and checking ``data/`` again. Once loaded, no lock is taken."""
    done: dict[tuple, Any] = {}

    @wraps(load)
    def loaded(*args):
        try:
            return done[args]
        except KeyError:
            with _loading:
                if args not in done:
                    done[args] = load(*args)
                return done[args]

    loaded.cache_clear = done.clear
    return loaded


def _load(name: str) -> Any:
    """A file of ``data/``, checked against its schema (``engine.schema``)."""
    with open(DATA_DIR / name, encoding="utf-8") as fh:
        return checked(name, yaml.safe_load(fh))


@dataclass(frozen=True)
class Scenario:
    """One what-if: a DAG, the environment it runs in, and how the simulated cloud behaves."""

    id: str
    title: str
    summary: str
    description: str
    dag_source: str
    dag_file: str
    notice: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    cloud: dict[str, Any] = field(default_factory=dict)
    connections: dict[str, dict] = field(default_factory=dict)  # extra connections the scenario stores
    path: str = "lesson"  # "airflow3": Airflow 3.3's own steps (engine.airflow3)


@_once
def lesson() -> dict[str, Any]:
    """The lesson's texts (``data/lesson.yaml``)."""
    return _load("lesson.yaml")


@_once
def operators() -> dict[str, dict]:
    return _load("operators.yaml")


@_once
def seed_connections() -> dict[str, dict]:
    return _load("connections.yaml")


@_once
def scenarios() -> dict[str, Scenario]:
    """Every scenario in ``data/scenarios/``, in their ``order``."""
    found: dict[str, Scenario] = {}
    raws = [
        checked(f"scenarios/{p.name}", yaml.safe_load(p.read_text(encoding="utf-8")), ScenarioFile)
        for p in (DATA_DIR / "scenarios").glob("*.yaml")
    ]
    for raw in sorted(raws, key=lambda r: (r.get("order", 999), r["id"])):
        dag_file = raw["dag"]
        found[raw["id"]] = Scenario(
            id=raw["id"],
            title=raw["title"],
            summary=raw["summary"],
            description=raw["description"],
            dag_source=(DATA_DIR / dag_file).read_text(encoding="utf-8"),
            dag_file=dag_file,
            notice=tuple(raw.get("notice") or ()),
            env={k: str(v) for k, v in (raw.get("env") or {}).items()},
            cloud=dict(raw.get("cloud") or {}),
            connections=dict(raw.get("connections") or {}),
            path=raw.get("path", "lesson"),
        )
    return found


def scenario(scenario_id: str) -> Scenario:
    try:
        return scenarios()[scenario_id]
    except KeyError:
        known = ", ".join(scenarios())
        raise KeyError(f"Unknown scenario {scenario_id!r}. Known scenarios: {known}.") from None


@_once
def _connection_types_file() -> dict[str, Any]:
    return _load("connection_types.yaml")


def connection_types() -> dict[str, dict]:
    """conn_type → how the Connections page shapes its form (``data/connection_types.yaml``)."""
    return _connection_types_file()["types"]


@_once
def connection_test_note() -> str:
    return " ".join(_connection_types_file()["test_disabled_note"].split())


@_once
def airflow_notes() -> dict[str, list[dict]]:
    """step kind → notes on what real Airflow 3 does there (``data/airflow_notes.yaml``)."""
    return _load("airflow_notes.yaml")


@_once
def simplifications() -> list[dict]:
    """Where the lesson's words simplify Airflow (``data/simplifications.yaml``), in order."""
    return _load("simplifications.yaml")


@_once
def quiz_bank() -> list[dict]:
    return _load("quiz.yaml")
