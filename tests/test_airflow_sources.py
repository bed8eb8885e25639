"""Every "in real Airflow" note that quotes Airflow's source is checked against that source.

A note in ``data/airflow_notes.yaml`` with ``package``, ``file`` and ``quote`` must find the quote
in that file of the installed package (core and Task SDK in ``.venv-airflow``; providers from the
wheels ``.ci/airflow-venv`` downloads), so a claim cannot drift from the code it cites.
"""

from __future__ import annotations

import zipfile

import pytest

from engine.lessons import airflow_notes
from tests.real_airflow import VENV, need_real_airflow

pytestmark = pytest.mark.airflow
QUOTED = [note for notes in airflow_notes().values() for note in notes if note.get("quote")]


def source_text(package: str, path: str) -> str:
    name, _, version = package.partition(" ")
    if name.startswith("apache-airflow-providers-"):
        wheel = next((VENV / "providers").glob(f"{name.replace('-', '_')}-{version}-*.whl"), None)
        assert wheel is not None, f"no wheel of {package} in {VENV / 'providers'}"
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(path).decode("utf-8")
    dist = next(VENV.glob(f"lib/python*/site-packages/{name.replace('-', '_')}-{version}.dist-info"), None)
    assert dist is not None, f"{package} is not the version installed in {VENV}"
    return (dist.parent / path).read_text(encoding="utf-8")


def test_there_are_quoted_notes():
    assert QUOTED


@pytest.mark.parametrize("note", QUOTED, ids=[n["quote"][:40] for n in QUOTED])
def test_a_quoted_note_is_found_in_the_source_it_cites(note):
    need_real_airflow()
    assert note["quote"] in source_text(note["package"], note["file"]), (note["package"], note["file"])
