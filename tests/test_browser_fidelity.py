"""In the browser: the lesson's simplifications carry their markers in sight, and the runs that
follow Airflow's real behaviour (``airflow3``, ``no_key_uses_adc``) work on every page."""

from __future__ import annotations

import re

import pytest

from engine.lessons import seed_connections
from tests.helpers import READY
from tests.test_browser import PAGES, STEPPED, open_page

pytestmark = pytest.mark.browser
SECRETS = [seed_connections()["my_aws_conn"]["password"], "PRACTICE-ONLY-NOT-A-REAL-KEY", "0000practice0000"]
NEVER_CLOSED = "Nothing closes the client"


def drawn(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["width"] > 0 and box["height"] > 0


def body_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


@pytest.mark.parametrize("scenario_id, total", [("airflow3", 14), ("no_key_uses_adc", 6)])
@pytest.mark.parametrize("path", PAGES)
def test_the_new_runs_open_on_every_page(page, lab_server, scenario_id, total, path):
    open_page(page, f"{lab_server.url}/{path}?step=3&scenario={scenario_id}")
    page.get_by_role("heading", name=re.compile(PAGES[path])).first.wait_for()
    if path in STEPPED and path != "compare":
        page.get_by_text(f"Step 3 of {total}").first.wait_for()
    page.wait_for_selector(READY)
    page.wait_for_timeout(300)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert not any(secret in body_text(page) for secret in SECRETS)


def test_the_airflow3_walkthrough_shows_the_masked_task_log_and_the_password_row(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=12&scenario=airflow3")
    page.get_by_role("heading", name="Step 12 of 14: execute() returns").wait_for()
    log = page.locator("pre.lab-log").filter(has_text="Task instance in success state")
    assert drawn(log)
    text = log.inner_text()
    assert "print(conn.extra) -> ***" in text and "Inserting job airflow_example_dag_bq_task_" in text
    assert not any(secret in text for secret in SECRETS)
    row = page.locator(".lab-variables li").filter(has_text="password")
    assert drawn(row) and "In the task's memory; logs show ***" in row.inner_text()
    # the client is not closed when the task succeeds
    assert drawn(page.get_by_text("Task succeeded; the client is not closed").first)


def test_the_lessons_closing_row_carries_a_visible_marker(page, lab_server):
    open_page(page, f"{lab_server.url}/process_table?step=5")
    row = page.locator("tr[aria-current]")
    assert "Session closed ⚑1" in row.inner_text() and "Resources freed ⚑1" in row.inner_text()
    note = page.locator(".lab-markers li").filter(has_text=NEVER_CLOSED)
    assert drawn(note)  # in sight, not in a collapsed expander
    assert "apache-airflow-providers-google 22.8.0" in note.inner_text()


@pytest.mark.parametrize(
    "path, marked",
    [
        ("?step=5", "Session closed ⚑1"),
        ("variable_tracker?step=5", "Session closed ⚑1"),
        ("key_moments", "avoid leaks. ⚑1"),
        ("concept_snapshot", "Closes session after task completes ⚑1"),
        ("full_transcript?step=5", "free resources. ⚑1"),
    ],
)
def test_every_view_of_the_close_shows_the_marker_and_its_sentence(page, lab_server, path, marked):
    open_page(page, f"{lab_server.url}/{path}")
    page.get_by_text(marked).first.wait_for()
    assert drawn(page.get_by_text(marked).first)
    assert drawn(page.locator(".lab-markers li").filter(has_text=NEVER_CLOSED).first)
