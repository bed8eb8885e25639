"""Every "in real Airflow" note that quotes Airflow's source is checked against that source.

A note in ``data/airflow_notes.yaml`` with ``package``, ``file`` and ``quote`` must find the quote
in that file of the installed package (core and Task SDK in ``.venv-airflow``; providers from the
wheels ``.ci/airflow-venv`` downloads), so a claim cannot drift from the code it cites.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from engine.fidelity import places_in
from engine.hooks import HOOK_FOR_TYPE
from engine.lessons import airflow_notes, lesson, operators, simplifications
from tests.real_airflow import VENV, need_real_airflow

pytestmark = pytest.mark.airflow
# Every note and every marker of a simplification: the schema makes package, file and quote required.
QUOTED = [note for notes in airflow_notes().values() for note in notes] + simplifications()


def source_text(package: str, path: str) -> str:
    name, _, version = package.partition(" ")
    if name.startswith("apache-airflow-providers-") or name == "google-auth":  # wheels fetched by .ci/airflow-venv
        wheel = next((VENV / "providers").glob(f"{name.replace('-', '_')}-{version}-*.whl"), None)
        assert wheel is not None, f"no wheel of {package} in {VENV / 'providers'}"
        with zipfile.ZipFile(wheel) as archive:
            return archive.read(path).decode("utf-8")
    dist = next(VENV.glob(f"lib/python*/site-packages/{name.replace('-', '_')}-{version}.dist-info"), None)
    assert dist is not None, f"{package} is not the version installed in {VENV}"
    return (dist.parent / path).read_text(encoding="utf-8")


def test_there_are_quoted_notes():
    assert len(QUOTED) >= 20


def test_every_marker_names_a_place_the_lesson_has():
    places = places_in(lesson())
    assert not [(s["id"], p) for s in simplifications() for p in s["marks"] if p not in places]


def test_a_changed_quote_is_not_found():
    """The check can fail: one character off and the quote is no longer in the file."""
    need_real_airflow()
    note = QUOTED[0]
    assert note["quote"] + "!" not in source_text(note["package"], note["file"])


@pytest.mark.parametrize("note", QUOTED, ids=[n["quote"][:40] for n in QUOTED])
def test_a_quoted_note_is_found_in_the_source_it_cites(note):
    need_real_airflow()
    assert note["quote"] in source_text(note["package"], note["file"]), (note["package"], note["file"])


# Each provider's wheel (fetched by .ci/airflow-venv) and where in it its provider info is.
WHEEL_OF = {
    "google": ("apache-airflow-providers-google 22.8.0", "airflow/providers/google"),
    "aws": ("apache-airflow-providers-amazon 9.39.0", "airflow/providers/amazon"),
    "azure": ("apache-airflow-providers-microsoft-azure 15.2.1", "airflow/providers/microsoft/azure"),
}


@pytest.mark.parametrize("conn_type", sorted(HOOK_FOR_TYPE))
def test_the_hook_each_type_registers_is_declared_as_the_lab_says(conn_type):
    """The provider registers this hook class for the type, and declares it on the Task SDK's
    BaseHook (through common-compat) and the lab's other bases: common-sql's refusal names its
    class hierarchy (tests/test_airflow3.py has common-sql say it)."""
    from engine.hooks import REGISTERED_HOOK

    path, bases = REGISTERED_HOOK[conn_type]
    package, root = WHEEL_OF[HOOK_FOR_TYPE[conn_type]]  # the provider whose hook the type registers
    info = source_text(package, f"{root}/get_provider_info.py")
    after = info[info.index(f'"hook-class-name": "{path}",') :]
    assert re.search(r'"connection-type": "([^"]+)"', after).group(1) == conn_type
    module, name = path.rsplit(".", 1)
    code = source_text(package, module.replace(".", "/") + ".py")
    assert re.search(r"^from airflow\.providers\.common\.compat\.sdk import .*\bBaseHook\b", code, re.M)
    generic = {"typing.Generic": ", Generic[BaseAwsConnection]"}
    assert f"class {name}(BaseHook{''.join(generic[b] for b in bases)}):" in code


# Where each hook the operators name makes its client (the client the lab's run says it builds).
CLIENT_MADE = {
    "BigQueryHook": ("airflow/providers/google/cloud/hooks/bigquery.py", "bigquery.Client", "return Client("),
    "GCSHook": ("airflow/providers/google/cloud/hooks/gcs.py", "storage.Client", "self._conn = storage.Client("),
    "S3Hook": ("airflow/providers/amazon/aws/hooks/s3.py", "boto3 S3 client", 'kwargs["client_type"] = "s3"'),
    "WasbHook": ("airflow/providers/microsoft/azure/hooks/wasb.py", "BlobServiceClient", "return BlobServiceClient("),
}


@pytest.mark.parametrize("name", [n for n, spec in operators().items() if spec.get("hook")])
def test_each_operator_builds_the_hook_and_client_the_lab_names(name):
    """GCSCreateBucketOperator was said to build a BigQueryHook and a bigquery.Client (Airflow 3.3's
    path, and step 3): its execute() builds a GCSHook, whose get_conn makes a storage.Client."""
    spec = operators()[name]
    package, _ = WHEEL_OF[spec["provider"]]
    assert f"{spec['hook']}(" in source_text(package, spec["module"].replace(".", "/") + ".py")
    path, client, made = CLIENT_MADE[spec["hook"]]
    assert spec["client"] == client and made in source_text(package, path)
