"""Hostile and careless input to `python -m engine connections`: one clear line on stderr, a
non-zero exit, no traceback, no secret, and the store byte for byte unchanged.

The CLI runs in-process (``engine.__main__.main``) so that hundreds of generated inputs stay fast;
a few run as real subprocesses to check the exit status and stderr as a shell sees them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.__main__ import main
from engine.store import open_store
from tests.helpers import lab_env

SECRET = "s3cr3t-pa55word"
CATEGORIES = {
    "type confusion": [
        ["add", "x", "--conn-json", '{"conn_type": "http", "host": 123}'],
        ["add", "x", "--conn-json", '{"conn_type": 5}'],
        ["add", "x", "--conn-json", '{"conn_type": "http", "port": [1]}'],
        ["add", "x", "--conn-json", '["http"]'],
    ],
    "bad text": [
        ["add", "x", "--conn-json", '{"conn_type": "http", "extra": {"k": "\\ud800"}}'],
        ["add", "x", "--conn-json", '{"conn_type": "http", "host": "a\\u0000b"}'],
        ["add", "x", "--conn-type", "http", "--conn-extra", '{"k": "\\ud800"}'],
    ],
    "numbers": [
        ["add", "x", "--conn-json", '{"conn_type": "http", "port": "²"}'],
        ["add", "x", "--conn-json", '{"conn_type": "http", "port": "٣"}'],
        ["add", "x", "--conn-json", '{"conn_type": "http", "extra": {"n": NaN}}'],
        ["add", "x", "--conn-json", '{"conn_type": "http", "extra": {"n": Infinity}}'],
        ["add", "x", "--conn-type", "http", "--conn-port", "99999"],
    ],
    "duplicate keys": [
        ["add", "x", "--conn-json", '{"conn_type": "http", "host": "a", "host": "b"}'],
        ["add", "x", "--conn-type", "http", "--conn-extra", '{"a": 1, "a": 2}'],
    ],
    "URIs": [
        ["add", "x", "--conn-uri", f"http://[::1:{SECRET}@h"],
        ["add", "x", "--conn-uri", f"mysql://u:{SECRET}@h:notaport/db"],
        ["add", "x", "--conn-uri", "just-a-host"],
        ["add", "x", "--conn-uri", f"//u:{SECRET}@abc"],
        ["add", "x", "--conn-uri", f"mysql://u:{SECRET[:4]}/{SECRET[4:]}@h/db"],  # an unescaped / in the password
        ["add", "x", "--conn-uri", f"mysql://u:{SECRET}\ud800@h/db"],  # a lone surrogate
    ],
    "conn_ids": [
        ["add", "a b", "--conn-type", "http"],
        ["add", "<script>", "--conn-type", "http"],
        ["add", "a..b", "--conn-type", "http"],
        ["add", "x" * 201, "--conn-type", "http"],
        ["add", "my_gcp_conn", "--conn-type", "http"],
    ],
    "deep nesting": [
        ["add", "x", "--conn-json", '{"conn_type": "http", "extra": ' + '{"a": ' * 3000 + "1" + "}" * 3000 + "}"],
    ],
}


@pytest.fixture
def lab(tmp_path, monkeypatch, db_url):
    """A first start on SQLite or PostgreSQL (``db_url``): the lesson's connections, stored."""
    store, _ = open_store(lab_env(monkeypatch, tmp_path / "home", db_url))
    main(["connections", "list"])
    yield store
    store.engine.dispose()


def run_cli(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["connections", *args])
        except SystemExit as exit_:  # argparse's own refusals
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def refused_cleanly(store, args) -> str:
    before = store.rows()
    code, out, err = run_cli(args)
    assert code not in (0, None), (args, out)
    assert "Traceback" not in err + out, err
    assert SECRET not in err + out, err
    assert err.strip() and len(err.strip().splitlines()) <= 2, err  # one clear line (argparse adds usage)
    assert store.rows() == before, args  # nothing stored changed, byte for byte
    return err


@pytest.mark.parametrize(
    "category, args", [(c, a) for c, inputs in CATEGORIES.items() for a in inputs], ids=lambda v: str(v)[:40]
)
def test_each_category_of_bad_input_is_refused_cleanly(lab, category, args):
    refused_cleanly(lab, args)


@settings(
    max_examples=int(os.environ.get("LAB_BAD_INPUT_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    value=st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    ),
    field=st.sampled_from(["conn_type", "host", "login", "password", "schema", "port", "extra", "description"]),
)
def test_generated_json_fields_are_stored_or_refused_never_crash(lab, value, field):
    try:
        text = json.dumps({"conn_type": "http", field: value})
    except (ValueError, TypeError):
        return
    before = lab.rows()
    code, out, err = run_cli(["add", "gen", "--conn-json", text])
    assert "Traceback" not in err + out
    if code == 0:
        assert run_cli(["get", "gen", "-o", "json"])[0] == 0  # what was stored reads back
        assert run_cli(["list", "-o", "json"])[0] == 0 and run_cli(["delete", "gen"])[0] == 0
    else:
        assert err.startswith("error: ") and lab.rows() == before


def test_non_utf8_and_alias_bomb_files_are_refused(lab, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\xff\xfe{}")
    assert "not UTF-8" in refused_cleanly(lab, ["import", str(bad)])
    bomb = tmp_path / "bomb.yaml"
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)
    ]
    bomb.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "anchors or aliases" in refused_cleanly(lab, ["import", str(bomb)])


def test_an_export_is_private_and_says_it_holds_secrets(lab, tmp_path):
    target = tmp_path / "all.json"
    code, out, err = run_cli(["export", str(target)])
    assert code == 0 and "secret in clear" in err
    assert target.stat().st_mode & 0o077 == 0


def test_a_password_with_an_unescaped_slash_is_refused_not_split_into_the_schema(lab):
    """Airflow would read mysql://user:123/abc@host/db as port 123 and schema "abc@host/db": the
    password's tail, unencrypted. The lab refuses it and says how to encode it; encoded, it works."""
    err = refused_cleanly(lab, ["add", "x", "--conn-uri", f"mysql://user:{SECRET[:4]}/{SECRET[4:]}@host/db"])
    assert "%2F" in err and SECRET[4:] not in err
    code, _, _ = run_cli(["add", "x", "--conn-uri", f"mysql://user:{SECRET[:4]}%2F{SECRET[4:]}@host/db"])
    assert code == 0 and lab.get("x").password == f"{SECRET[:4]}/{SECRET[4:]}" and lab.get("x").schema == "db"


def test_the_census_finds_no_traceback_no_secret_and_no_change():
    """tests/census.py over every category (hand-written, generated, files): the note's figures."""
    from tests.census import census

    counts = census(int(os.environ.get("LAB_CENSUS_GENERATED", "150")))
    for category, c in counts.items():
        assert (c["traceback"], c["secret shown"], c["refused, store changed"], c["accepted, then unreadable"]) == (
            0,
            0,
            0,
            0,
        ), category
        assert c["tried"] == c["refused, one clear message"] + c["accepted"], category
