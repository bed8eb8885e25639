"""In the browser: every page, every Connections tab (with a connection picked), the errors a
learner can cause and the download buttons' labels, scanned for the seeded secrets in every
encoding a page could carry them in — the raw text, percent-encoded (quote and quote_plus),
JSON-escaped, HTML-escaped, and the azure key's base64 decoded. The page's whole HTML is scanned
(attributes, hidden tabs, the Streamlit state it embeds), not only the visible text."""

from __future__ import annotations

import base64
import html
import json
import re
from urllib.parse import quote, quote_plus

import pytest

from engine.lessons import seed_connections
from tests.helpers import READY, quiet
from tests.test_browser import PAGES

pytestmark = pytest.mark.browser
SEED = seed_connections()
SECRETS = [
    SEED["my_aws_conn"]["password"],
    SEED["my_azure_conn"]["password"],
    base64.b64decode(SEED["my_azure_conn"]["password"]).decode(),
    "PRACTICE-ONLY-NOT-A-REAL-KEY",
    "0000practice0000",
    "typed-in-secret/with+plus and space",  # what the test types into forms and URIs below
]


def encodings(secret: str) -> set[str]:
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}
    forms |= {html.escape(f) for f in list(forms)}
    return {f for f in forms if len(f) >= 8}


FORBIDDEN = {form: secret for secret in SECRETS for form in encodings(secret)}


def assert_no_secret(page, where: str) -> None:
    page.wait_for_selector(READY)
    content = page.content() + page.locator("body").inner_text()
    found = sorted({FORBIDDEN[f] for f in FORBIDDEN if f in content})
    assert not found, f"{where}: {found}"


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector(READY, timeout=30_000)


def pick(page, label_re: str, value: str) -> None:
    page.get_by_role("combobox", name=re.compile(label_re)).click()
    page.keyboard.type(value)
    page.keyboard.press("Enter")
    page.wait_for_selector(READY)


@pytest.mark.parametrize("scenario", ["aws_s3", "airflow3"])  # a password in login/password; the masked log
def test_no_page_of_any_run_carries_a_secret(page, lab_server, scenario):
    for path in PAGES:
        for step in (3, 12):  # after the look-up and the client (12: the airflow3 run's task log, the last step else)
            open_page(page, f"{lab_server.url}/{path}?step={step}&scenario={scenario}")
            assert_no_secret(page, f"/{path} step {step} of {scenario}")


def test_no_connections_tab_error_or_download_label_carries_a_secret(page, lab_server):
    url = f"{lab_server.url}/connections"
    open_page(page, url)
    assert_no_secret(page, "the list")
    tabs = ["Edit", "Test", "What is stored", "Export", "Delete"]
    for conn_id in ("my_aws_conn", "my_azure_conn", "my_gcp_conn"):
        for tab in tabs:
            open_page(page, url)
            page.get_by_role("tab", name=re.compile(tab)).click()
            page.wait_for_selector(READY)
            pick(page, "^Connection", conn_id)
            if tab == "Test":
                page.get_by_role("button", name=re.compile("^Test")).click()
                page.locator(
                    '[data-testid="stAlertContentSuccess"], [data-testid="stAlertContentError"]'
                ).first.wait_for()
            if tab == "Delete":
                page.get_by_role("button", name=f"Delete {conn_id}…").click()
                page.get_by_text(f"Delete {conn_id}?").wait_for()
            assert_no_secret(page, f"{tab} of {conn_id}")
            if tab == "Export":
                labels = [b.inner_text() for b in page.locator('[data-testid="stDownloadButton"]').all()]
                assert labels and not any(f in " ".join(labels) for f in FORBIDDEN)
    # errors a learner causes by pasting a URI or JSON that holds a secret: the message masks it
    typed = SECRETS[-1]
    for text in (
        f"mysql://user:{quote(typed, safe='')}@host:notaport/db",
        f"mysql://user:{typed}@host/db",  # unescaped / + space: refused, and not shown
        json.dumps({"conn_type": "http", "password": typed, "port": "x"}),
    ):
        open_page(page, url)
        page.get_by_role("tab", name=re.compile("Import")).click()
        quiet(page)  # the tab's rerun is over before anything is typed
        page.get_by_role("textbox", name=re.compile("Connection Id")).last.fill("pasted")
        page.get_by_role("textbox", name=re.compile("URI or JSON")).fill(text)
        page.keyboard.press("Tab")
        page.wait_for_selector(READY)
        page.get_by_role("button", name=re.compile("^Import")).last.click()
        page.locator('[data-testid="stAlertContentError"]').first.wait_for()  # refused, with a message
        assert_no_secret(page, f"the error for {text[:20]}")
