"""Export and import in the file formats of `airflow connections export/import`, and the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from engine.connection import Connection
from engine.errors import AirflowException, InvalidConnection
from engine.lessons import seed_connections
from engine.transfer import env_line, export_text, parse_text

ROOT = Path(__file__).resolve().parent.parent
CONNS = [
    Connection(
        conn_id="my_aws", conn_type="aws", login="AKIA", password="s/e+c r=t", extra={"region_name": "eu-west-1"}
    ),
    Connection(
        conn_id="my_gcp",
        conn_type="google_cloud_platform",
        description="d",
        extra={"project": "p", "keyfile_dict": json.dumps({"private_key": "K\nEY"})},
    ),
    Connection(conn_id="pg", conn_type="postgres", host="db", port=5432, schema="s", login="u", password="p@ss"),
]


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_json_and_yaml_exports_import_as_the_same_connections(fmt):
    back = parse_text(export_text(CONNS, fmt), fmt)
    assert sorted(back) == sorted(c.conn_id for c in CONNS)
    for conn in CONNS:
        assert back[conn.conn_id] == conn


def test_an_env_export_imports_as_airflow_reads_its_uris():
    back = parse_text(export_text(CONNS, "env"), "env")
    aws = back["my_aws"]  # a URI has no description, and an empty host and schema read back as ""
    assert (aws.login, aws.password, aws.host, aws.schema, aws.extra_dejson) == (
        "AKIA",
        "s/e+c r=t",
        "",
        "",
        {"region_name": "eu-west-1"},
    )
    # Airflow's models.Connection JSON-decodes each query value: the keyfile text comes back a dict.
    assert back["my_gcp"].description is None
    assert back["my_gcp"].extra_dejson == {"project": "p", "keyfile_dict": {"private_key": "K\nEY"}}
    assert back["pg"] == CONNS[2]


def test_an_env_export_with_json_values_is_refused():
    with pytest.raises(AirflowException, match="reads every .env value as a URI"):
        export_text(CONNS, "env", "json")


def test_the_pages_environment_variable_line_imports_back():
    back = parse_text(env_line(CONNS[0]) + "\n", "env")
    assert list(back) == ["my_aws"] and back["my_aws"].password == "s/e+c r=t"


def test_an_env_file_line_may_be_quoted_or_exported():
    back = parse_text("export a='http://h:1'\nb=\"http://g\"\n# note\n", "env")
    assert (back["a"].port, back["b"].host) == (1, "g")


def test_json_export_has_airflows_shape():
    data = json.loads(export_text(CONNS, "json"))
    assert set(data["pg"]) == {"conn_type", "description", "login", "password", "host", "port", "schema", "extra"}
    assert data["pg"]["port"] == 5432 and isinstance(
        data["my_gcp"]["extra"], str
    )  # extra as text, as Airflow writes it


def test_env_export_is_one_conn_id_equals_uri_line_each():
    lines = export_text(CONNS, "env").splitlines()
    assert lines[0] == "my_aws=aws://AKIA:s%2Fe%2Bc%20r%3Dt@/?region_name=eu-west-1"
    assert env_line(CONNS[0]).startswith("AIRFLOW_CONN_MY_AWS='aws://")


def test_import_accepts_the_local_filesystem_backends_forms():
    text = yaml.safe_dump(
        {
            "as_uri": "http://h:80",
            "as_dict": {"conn_type": "http", "host": "h", "extra_dejson": {"a": 1}},
        }
    )
    conns = parse_text(text, "yaml")
    assert conns["as_uri"].port == 80 and conns["as_dict"].extra_dejson == {"a": 1}


@pytest.mark.parametrize(
    "text, fmt, words",
    [
        ("{not json", "json", "not valid JSON"),
        ('{"c": {"conn_type": "http", "hots": "x"}}', "json", "illegal keys: hots"),
        ('{"c": {"conn_type": "http", "extra": "{}", "extra_dejson": {}}}', "json", "mutually exclusive"),
        ("c=mysql://u:pw@h:notaport", "env", "Connection `c`: Invalid connection string: mysql://***@h:notaport"),
        ("just text", "env", "Line 1: Invalid line format"),
        ("a=http://h\na=http://h2", "env", "Found multiple values for a"),
        ("[1, 2]", "json", "should contain the object"),
        ('c=\'{"conn_type": "http"}\'', "env", "is JSON text"),
        ('{"a b": "http://h"}', "json", "The key 'a b' has to be made of"),
    ],
)
def test_bad_import_files_say_what_is_wrong(text, fmt, words):
    with pytest.raises(InvalidConnection, match=words.replace("*", r"\*").replace("`", ".")):
        parse_text(text, fmt)


def cli(tmp_path, *args):
    env = {**os.environ, "LAB_HOME": str(tmp_path / "home")}
    return subprocess.run(
        [sys.executable, "-m", "engine", "connections", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_cli_add_get_list_delete(tmp_path):
    out = cli(tmp_path, "add", "my_aws", "--conn-uri", "aws://AKIA:topsecret99@/?region_name=eu-west-1")
    assert out.returncode == 0 and "Successfully added `conn_id`=my_aws" in out.stdout
    assert "topsecret99" not in out.stdout + out.stderr
    got = json.loads(cli(tmp_path, "get", "my_aws", "-o", "json").stdout)[0]
    assert got["password"] == "***" and got["extra"] == {"region_name": "eu-west-1"}
    assert (
        cli(tmp_path, "add", "typed", "--conn-type", "http", "--conn-host", "h", "--conn-port", "8080").returncode == 0
    )
    listed = cli(tmp_path, "list").stdout
    assert "conn_id=my_aws" in listed and "conn_id=my_gcp_conn" in listed and "topsecret99" not in listed
    assert cli(tmp_path, "delete", "my_aws").stdout.startswith("Successfully deleted connection with `conn_id`=my_aws")
    missing = cli(tmp_path, "get", "my_aws")
    assert missing.returncode == 1 and "The conn_id `my_aws` isn't defined" in missing.stderr


def test_cli_rejects_mixed_or_bad_input_without_changing_anything(tmp_path):
    cli(tmp_path, "list")
    before = cli(tmp_path, "list", "-o", "json").stdout
    for args in (
        ["add", "x", "--conn-uri", "http://h", "--conn-host", "h"],
        ["add", "x", "--conn-json", "{bad"],
        ["add", "bad id", "--conn-type", "http"],
        ["add", "my_gcp_conn", "--conn-type", "http"],
        ["add", "x", "--conn-type", "http", "--conn-port", "99999"],
    ):
        out = cli(tmp_path, *args)
        assert out.returncode == 1 and out.stderr.startswith("error:"), args
    assert cli(tmp_path, "list", "-o", "json").stdout == before


def test_cli_export_import_and_rotate(tmp_path):
    cli(tmp_path, "add", "my_aws", "--conn-json", json.dumps({"conn_type": "aws", "login": "A", "password": "pw-1"}))
    for name in ("all.json", "all.yaml", "all.env"):
        out = cli(tmp_path, "export", str(tmp_path / name))
        assert out.returncode == 0 and "successfully exported" in out.stdout
    assert cli(tmp_path, "export", "-").returncode == 1
    other = tmp_path / "other"
    env = {**os.environ, "LAB_HOME": str(other)}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "engine", "connections", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    out = run("import", str(tmp_path / "all.env"))
    assert "Imported connection my_aws (added)" in out.stdout
    assert "Could not import connection my_gcp_conn: connection already exists." in out.stdout
    assert (
        "Imported connection my_gcp_conn (updated)" in run("import", str(tmp_path / "all.json"), "--overwrite").stdout
    )
    rotated = cli(tmp_path, "rotate-key")
    with_secrets = len(seed_connections()) + 1  # the practice connections and my_aws all hold secrets
    assert rotated.returncode == 0 and f"Re-encrypted the secrets of {with_secrets} connection(s)" in rotated.stdout
