"""Masking: passwords and sensitive extras never leave the engine in clear."""

from __future__ import annotations

import json

import pytest

from engine.connection import Connection
from engine.masking import MASK, SENSITIVE_WORDS, is_sensitive, mask_extra, redact


@pytest.mark.parametrize("word", sorted(SENSITIVE_WORDS))
def test_every_sensitive_word_masks_a_key_that_contains_it(word):
    assert is_sensitive(f"my_{word.upper()}_field")
    assert mask_extra({f"x_{word}": "value"}) == {f"x_{word}": MASK}


def test_ordinary_keys_are_shown():
    assert mask_extra({"project": "p", "region_name": "eu"}) == {"project": "p", "region_name": "eu"}


def test_under_a_sensitive_key_every_string_leaf_is_masked_and_the_shape_kept():
    assert mask_extra({"keyfile_dict": {"private_key": "k", "client_email": "e"}}) == {
        "keyfile_dict": {"private_key": MASK, "client_email": MASK}
    }
    assert mask_extra({"token": {"value": "abc", "ttl": 3600}}) == {"token": {"value": MASK, "ttl": 3600}}
    assert mask_extra({"outer": {"api_key": "k", "x": 1}}) == {"outer": {"api_key": MASK, "x": 1}}


@pytest.mark.parametrize("key", ["api-key", "Private Key", "client.secret", " X-Auth-Token "])
def test_key_names_are_normalised_before_matching(key):
    assert is_sensitive(key) and mask_extra({key: "value"}) == {key: MASK}


def test_the_password_is_masked_inside_other_extra_values():
    conn = Connection(conn_type="http", password="hunter22", extra={"url": "http://u:hunter22@h"})
    assert conn.masked_dict()["extra"] == {"url": f"http://u:{MASK}@h"}
    short = Connection(conn_type="http", password="abcd", extra={"note": "abcd"})  # under 5 characters: kept
    assert short.masked_dict()["extra"] == {"note": "abcd"}


def test_connection_repr_and_masked_dict_hide_secrets():
    conn = Connection(
        conn_id="c",
        conn_type="http",
        password="hunter2-secret",
        extra={"token": "tok-123456", "keyfile_dict": json.dumps({"private_key": "PK-998877"}), "timeout": 5},
    )
    shown = repr(conn) + json.dumps(conn.masked_dict())
    for secret in ("hunter2-secret", "tok-123456", "PK-998877"):
        assert secret not in shown
    assert conn.masked_dict()["extra"]["timeout"] == 5


def test_redact_finds_secrets_inside_free_text():
    conn = Connection(conn_id="c", conn_type="http", password="p@ss word!", extra={"api_key": "abcdef"})
    text = "login failed for p@ss word! (p%40ss%20word%21) with key abcdef"
    assert conn.redact(text) == f"login failed for {MASK} ({MASK}) with key {MASK}"
    assert redact("nothing here", []) == "nothing here"


def test_free_text_hides_what_airflows_log_masker_registers_and_keeps_the_rest():
    keyfile = json.dumps({"project_id": "lab-practice-project", "private_key": "-----BEGIN KEY-----xyz"})
    conn = Connection(
        conn_type="google_cloud_platform", extra={"project": "lab-practice-project", "keyfile_dict": keyfile}
    )
    text = conn.redact(f"client for lab-practice-project with {keyfile} and -----BEGIN KEY-----xyz")
    assert text == f"client for lab-practice-project with {MASK} and {MASK}"
