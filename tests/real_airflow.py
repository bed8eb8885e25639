"""A real Airflow 3.3.2 to compare the lab with: ``tests/airflow_oracle.py`` in its own venv.

The venv is ``.venv-airflow`` at the project root (or ``LAB_AIRFLOW_PYTHON``), built by
``.ci/run``; locally, without it, the tests that need it are skipped with the command that
builds it, and with ``CI=true`` they fail instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv-airflow"
PYTHON = Path(os.environ.get("LAB_AIRFLOW_PYTHON") or VENV / "bin" / "python")
BUILD = "bash .ci/airflow-venv"


class RealAirflow:
    """One long-lived oracle process; ``ask(op, **args)`` returns Airflow's answer."""

    def __init__(self):
        self.proc = subprocess.Popen(
            [str(PYTHON), str(ROOT / "tests" / "airflow_oracle.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
        )
        first = self.proc.stdout.readline()
        if not first or not json.loads(first).get("ready"):
            raise RuntimeError(f"the Airflow oracle did not start ({PYTHON})")

    def ask(self, op: str, **args) -> dict:
        """``{"ok": value}`` or ``{"error": "Type: message"}``, as Airflow answered."""
        self.proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def need_real_airflow() -> None:
    if not PYTHON.exists():
        message = f"the differential tests need Airflow 3.3.2 in {PYTHON.parent.parent}; build it with: {BUILD}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
