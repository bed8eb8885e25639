"""The Connections page: define, edit, test, inspect, export, import and delete — and bad input."""

from __future__ import annotations

import json

import pytest

from engine.connection import Connection
from tests.helpers import my_sandbox, open_app, player_html, said, tables, texts

PAGE = "pages/connections.py"
SECRET = "s3cret-Practice-pw"


def open_connections():
    return open_app(PAGE)


def add(at, conn_id, conn_type, **values):
    at.selectbox(key="add_type").set_value(conn_type)  # the type shapes the form: chosen first
    at.run()
    at.text_input(key="add_conn_id").set_value(conn_id)  # then the form's fields, committed by Save
    for key, value in values.items():
        widget = (
            at.text_area(key=f"add_{key}")
            if key in ("extra", "extra.keyfile_dict")
            else at.text_input(key=f"add_{key}")
        )
        widget.set_value(value)
    at.button(key="add_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_has_no_secret(at, *secrets):
    shown = texts(at) + json.dumps([j.value for j in at.json], default=str)
    for secret in secrets:
        assert secret not in shown


def test_the_list_shows_the_seeded_connection_masked():
    at = open_connections()
    row = tables(at)[0].row("my_gcp_conn")
    assert row["conn_type"] == "google_cloud_platform" and row["source"] == "metadata DB"
    assert '"keyfile_dict": "***"' in row["extra"]
    page_has_no_secret(at, "PRACTICE-ONLY-NOT-A-REAL-KEY")


def test_an_env_var_connection_is_listed_with_its_source(monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_FROM_ENV", "http://user:envpass123@example.org")
    at = open_connections()
    row = tables(at)[0].row("from_env")
    assert row["source"] == "environment (AIRFLOW_CONN_FROM_ENV)" and row["password"] == "***"
    page_has_no_secret(at, "envpass123")


@pytest.mark.parametrize(
    "conn_type, values, check",
    [
        (
            "aws",
            {"login": "AKIAPRACTICE", "password": SECRET, "extra.region_name": "eu-west-1"},
            lambda c: (c.login, c.password, c.extra_dejson) == ("AKIAPRACTICE", SECRET, {"region_name": "eu-west-1"}),
        ),
        (
            "google_cloud_platform",
            {"extra.project": "p1", "extra.key_path": "/keys/k.json"},
            lambda c: c.extra_dejson == {"project": "p1", "key_path": "/keys/k.json"},
        ),
        ("wasb", {"login": "myaccount", "password": SECRET}, lambda c: (c.login, c.password) == ("myaccount", SECRET)),
        (
            "generic",
            {"host": "db.example.org", "port": "5432", "extra": '{"sslmode": "require"}'},
            lambda c: (c.host, c.port, c.extra_dejson) == ("db.example.org", 5432, {"sslmode": "require"}),
        ),
    ],
)
def test_add_a_connection_of_each_type(conn_type, values, check):
    at = add(open_connections(), "new_conn", conn_type, **values)
    stored = my_sandbox().get("new_conn")
    assert stored is not None and check(stored)
    assert "Added `new_conn`" in texts(at)
    raw = my_sandbox().raw_row("new_conn")
    assert SECRET not in str(raw)
    page_has_no_secret(at, SECRET)


def test_an_unknown_type_is_accepted_with_the_generic_form():
    at = open_connections()
    at.selectbox(key="add_type").set_value("other (type it)").run()
    at.text_input(key="add_conn_id").set_value("my_mysql")
    at.text_input(key="add_type_other").set_value("mysql")
    at.text_input(key="add_host").set_value("db")
    at.button(key="add_save").click().run()
    assert my_sandbox().get("my_mysql").conn_type == "mysql"


BAD_INPUTS = [
    ("conn_id with a space", dict(conn_id="bad id", conn_type="generic"), "has to be made of alphanumeric"),
    ("duplicate conn_id", dict(conn_id="my_gcp_conn", conn_type="generic"), "already exists"),
    ("port not a number", dict(conn_id="x", conn_type="generic", port="80a"), "from 1 to 65535"),
    ("port out of range", dict(conn_id="x", conn_type="generic", port="70000"), "from 1 to 65535"),
    ("port zero", dict(conn_id="x", conn_type="generic", port="0"), "from 1 to 65535"),
    ("invalid extra JSON", dict(conn_id="x", conn_type="generic", extra="{oops"), "not valid JSON"),
    ("extra not an object", dict(conn_id="x", conn_type="generic", extra="[1]"), "must be a JSON object"),
    (
        "invalid keyfile JSON",
        dict(conn_id="x", conn_type="google_cloud_platform", **{"extra.keyfile_dict": "{no"}),
        "Keyfile JSON is not valid JSON",
    ),
    ("host too long", dict(conn_id="x", conn_type="generic", host="h" * 501), "at most 500"),
    ("conn_id too long", dict(conn_id="x" * 201, conn_type="generic"), "has to be less than 200"),
    ("script in conn_id", dict(conn_id="<script>alert(1)</script>", conn_type="generic"), "has to be made of"),
]


@pytest.mark.parametrize("case, form, words", BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gets_a_message_and_changes_nothing_stored(case, form, words):
    store = my_sandbox()
    before = store.rows()
    at = open_connections()
    form = dict(form)
    at = add(at, form.pop("conn_id"), form.pop("conn_type"), **form)
    assert any(words in e for e in said(at.error)), said(at.error)
    assert store.rows() == before  # byte for byte: every column, every Fernet token


def test_markup_in_a_field_is_stored_and_shown_as_text():
    at = add(open_connections(), "markup", "generic", description="<script>alert('x')</script><b>bold</b>")
    assert my_sandbox().get("markup").description == "<script>alert('x')</script><b>bold</b>"
    assert "<script>alert('x')</script><b>bold</b>" in tables(at)[0].column("description")
    assert not any("<script>" in m.value for m in at.markdown if getattr(m.proto, "allow_html", False))


def test_edit_my_gcp_conn_and_my_own_dag_uses_it_while_the_lesson_does_not():
    at = open_connections()
    at.selectbox(key="edit_pick").set_value("my_gcp_conn").run()
    assert at.text_input(key="edit_extra.project").value == "lab-practice-project"
    assert at.text_area(key="edit_extra.keyfile_dict").value == ""  # secrets are never pre-filled
    at.text_input(key="edit_extra.project").set_value("edited-project")
    at.button(key="edit_save").click().run()
    conn = my_sandbox().get("my_gcp_conn")
    assert conn.extra_dejson["project"] == "edited-project"
    assert "private_key" in conn.extra_dejson["keyfile_dict"]  # the empty secret field kept the key
    own = open_app("pages/your_dag.py", step="3")  # this learner's DAG runs on this learner's connections
    assert "edited-project" in texts(own)
    lesson = open_app(step="3")  # the lesson runs on the lesson's own practice set, whoever edits theirs
    assert "edited-project" not in texts(lesson) and "lab-practice-project" in texts(lesson)


def test_delete_asks_for_a_confirmation_that_names_the_connection():
    at = add(open_connections(), "doomed", "generic", host="h")
    at.selectbox(key="delete_pick").set_value("doomed").run()
    at.button(key="delete_ask").click().run()
    assert any("Delete `doomed`?" in w for w in said(at.warning))
    assert my_sandbox().get("doomed") is not None
    at.button(key="delete_yes").click().run()
    assert my_sandbox().get("doomed") is None


def test_test_runs_the_types_simulated_hook():
    at = open_connections()
    at.selectbox(key="test_pick").set_value("my_gcp_conn").run()
    at.button(key="test_run").click().run()
    assert any("built credentials from the service account keyfile_dict" in s for s in said(at.success))
    assert any("`Disabled`" in i.value and "`Hidden`" in i.value and "2.7.0" in i.value for i in at.info)
    add(
        at, "broken_gcp", "google_cloud_platform", **{"extra.keyfile_dict": '{"client_email": "a@b", "token_uri": "t"}'}
    )
    at.selectbox(key="test_pick").set_value("broken_gcp").run()
    at.button(key="test_run").click().run()
    assert any("MalformedError: The private_key field was not found" in e for e in said(at.error))


def test_what_is_stored_shows_tokens_beside_the_masked_view():
    at = open_connections()
    at.selectbox(key="stored_pick").set_value("my_gcp_conn").run()
    raw, masked = at.json[0].value, at.json[1].value
    raw, masked = (
        (json.loads(raw) if isinstance(raw, str) else raw),
        (json.loads(masked) if isinstance(masked, str) else masked),
    )
    assert raw["is_extra_encrypted"] is True and raw["extra"].startswith("gAAAAA")
    assert masked["extra"]["keyfile_dict"] == "***" and masked["extra"]["project"] == "lab-practice-project"


def test_export_shows_masked_forms_and_import_reads_a_pasted_uri():
    at = add(open_connections(), "exp", "aws", login="AKIAEXP", password=SECRET)
    at.selectbox(key="export_pick").set_value("exp").run()
    codes = [c.value for c in at.code]
    assert codes[0] == "aws://AKIAEXP:***@" and '"password": "***"' in codes[1]
    assert codes[2] == "AIRFLOW_CONN_EXP='aws://AKIAEXP:***@'"
    page_has_no_secret(at, SECRET)
    at.text_input(key="import_conn_id").set_value("imported")
    at.text_area(key="import_text").set_value("google-cloud-platform://?project=from-uri").run()
    at.button(key="import_run").click().run()
    assert my_sandbox().get("imported").extra_dejson == {"project": "from-uri"}


def test_a_malformed_pasted_uri_is_reported_and_nothing_changes():
    store = my_sandbox()
    before = store.rows()
    at = open_connections()
    at.text_input(key="import_conn_id").set_value("bad")
    at.text_area(key="import_text").set_value("mysql://user:hunter22@host:notaport/db").run()
    at.button(key="import_run").click().run()
    assert any("Invalid connection string" in e for e in said(at.error))
    page_has_no_secret(at, "hunter22")
    assert store.rows() == before


def test_markdown_and_markup_in_a_stored_field_stay_text_in_every_learners_narration():
    hostile = "p`![x](http://127.0.0.1:9/img.png)<img src=x onerror=alert(1)>"
    store = my_sandbox()
    conn = store.get("my_gcp_conn")
    extra = {**conn.extra_dejson, "project": hostile}
    store.update(Connection(**{**conn.fields(), "extra": extra}))
    at = open_app("pages/your_dag.py", step="3")
    page = player_html(at)
    narration = page[page.index("<p>The Google Cloud hook") :].split("</p>")[0]
    assert "<img" not in narration and "![x]" in narration  # the image syntax is shown, not drawn
    assert "&lt;img src=x" in narration and "&#96;" in narration
