"""``python -m engine``: the lesson's tables on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, env_home):
    import os

    env = {**os.environ, "LAB_HOME": str(env_home)}
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_run_prints_the_seed_tables(tmp_path):
    out = cli("run", env_home=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Fetch connection details from Airflow metadata DB" in out.stdout
    assert "Client session object created" in out.stdout and "None (released)" in out.stdout
    assert "Generated a Fernet key" in out.stderr


def test_run_json_has_the_seed_column_names(tmp_path):
    out = cli("run", "--format", "json", env_home=tmp_path)
    data = json.loads(out.stdout)
    assert data["process_table"][2]["Airflow Internal State"] == "Session object created with credentials"
    assert data["variable_tracker"]["session"]["After Step 5"] == "Session closed"
    assert list(data["variable_tracker"]["task_status"]) == [
        "Start",
        "After Step 2",
        "After Step 3",
        "After Step 5",
        "Final",
    ]


def test_unknown_scenario_is_an_error_on_stderr(tmp_path):
    out = cli("run", "--scenario", "nope", env_home=tmp_path)
    assert out.returncode == 1 and "Unknown scenario 'nope'" in out.stderr and out.stdout == ""


def test_list_names_the_scenarios(tmp_path):
    out = cli("run", "--list", env_home=tmp_path)
    assert out.stdout.startswith("lesson")
