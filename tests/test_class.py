"""A class: each learner's own practice connections, the lesson no learner can break, class codes
with PINs, and the teacher's view — on SQLite and PostgreSQL, in the engine and in the browser."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.connection import Connection
from engine.crypto import parse_keys
from engine.lessons import seed_connections
from engine.progress import ProgressStore
from engine.quiz import grade, lettered, questions
from engine.store import ConnectionStore
from engine.table import make_engine
from engine.teaching import question_rows, report_csv, scenario_rows
from tests.helpers import READY, ROOT, Server

PRACTICE = sorted(seed_connections())


# -- sandboxes --------------------------------------------------------------------------------------
def test_each_learners_sandbox_is_their_own_and_starts_as_the_lessons_practice_set(any_store):
    ada, bob = any_store.sandbox("learner:1"), any_store.sandbox("learner:2")
    assert ada.initialise(seed_connections()) and bob.initialise(seed_connections())
    assert ada.conn_ids() == bob.conn_ids() == PRACTICE
    ada.delete("my_gcp_conn")
    ada.save(Connection(conn_id="my_aws_conn", conn_type="aws", login="AKIAADA", password="ada-only-secret"))
    ada.add(Connection(conn_id="adas_own", conn_type="generic", host="h"))
    assert bob.conn_ids() == PRACTICE and bob.get("my_aws_conn").password != "ada-only-secret"
    assert any_store.conn_ids() == []  # the shared (CLI) table is another one
    assert "my_gcp_conn" not in ada.conn_ids() and "adas_own" in ada.conn_ids()


def test_a_sandbox_is_filled_once_and_reset_restores_the_practice_set(any_store):
    ada = any_store.sandbox("learner:1")
    assert ada.initialise(seed_connections())
    for conn_id in PRACTICE:
        ada.delete(conn_id)
    assert not any_store.sandbox("learner:1").initialise(seed_connections())  # emptied on purpose: stays empty
    assert ada.conn_ids() == []
    ada.add(Connection(conn_id="mine", conn_type="generic"))
    assert sorted(ada.reset(seed_connections())) == PRACTICE
    assert ada.conn_ids() == PRACTICE
    assert ada.get("my_gcp_conn").extra_dejson["project"] == "lab-practice-project"


def test_sandbox_secrets_are_encrypted_and_rotate_with_the_shared_table(db_url, key):
    from cryptography.fernet import Fernet

    store = ConnectionStore(make_engine(db_url), parse_keys(key))
    ada = store.sandbox("learner:1")
    ada.add(Connection(conn_id="c", conn_type="aws", login="a", password="sandbox-secret-1"))
    assert "sandbox-secret-1" not in repr(ada.raw_row("c"))
    new = Fernet.generate_key().decode()
    rotated = ConnectionStore(store.engine, parse_keys(f"{new},{key}"))
    assert rotated.rotate() >= 1
    only_new = ConnectionStore(store.engine, parse_keys(new)).sandbox("learner:1")
    assert only_new.get("c").password == "sandbox-secret-1"


# -- the teacher's figures, against a plan worked out by hand ---------------------------------------
def test_the_teachers_figures_are_those_of_the_stored_answers(any_store):
    progress = ProgressStore(any_store.engine)
    code = progress.create_class("Tuesday")
    q1 = questions("lesson")[0]  # seed-1: right is "Step 3"
    option = {text.split(". ", 1)[1]: text for text in lettered(q1)}
    plan = {  # learner → the options chosen, in order
        "Ada": ["Step 3"],
        "Bob": ["Step 2", "Step 3"],
        "Cy": ["Step 2"],
        "Dee": [],
    }
    for name, choices in plan.items():
        member = progress.join(code, name, "1234")
        for attempt, choice in enumerate(choices, start=1):
            progress.record(member.id, grade(q1, option[choice], attempt))
    progress.record(progress.join("", "Outsider", "1234").id, grade(q1, option["Step 4"], 1))  # not in the class
    rows = {r.question_id: r for r in question_rows(progress.class_records(code), questions())}
    seed1 = rows["seed-1"]
    assert (seed1.learners, seed1.answered, seed1.first_try_right) == (4, 3, 1)
    assert (seed1.most_chosen_wrong, seed1.most_chosen_wrong_count) == ("Step 2", 2)
    assert seed1.first_try_share == pytest.approx(1 / 3)
    assert rows["seed-2"].answered == 0 and rows["seed-2"].first_try_share is None
    lesson = next(r for r in scenario_rows(progress.class_records(code), questions()) if r.scenario == "lesson")
    assert (lesson.learners, lesson.started, lesson.finished) == (4, 3, 0)


def test_the_csv_cannot_carry_a_formula():
    from engine.teaching import QuestionRow

    row = QuestionRow("q", "lesson", '=HYPERLINK("x")', 1, 1, 0, "+cmd", 1)
    table = list(csv.DictReader(io.StringIO(report_csv([row], []))))
    assert table[0]["question"].startswith("'=") and table[0]["most_chosen_wrong"].startswith("'+")


def test_the_cli_creates_a_class_and_reports_on_it(tmp_path):
    env = {**os.environ, "LAB_HOME": str(tmp_path)}

    def cli(*args):
        out = subprocess.run([sys.executable, "-m", "engine", *args], env=env, cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        return out.stdout

    code = re.search(r"code is (\w{4}-\w{4})", cli("class", "create", "Data Eng 101")).group(1)
    assert code in cli("class", "list")
    report = cli("class", "report", code.lower())  # any case, with the dash or not
    assert "0 learners" in report and "seed-1" in report
    assert cli("class", "report", code, "--csv").startswith("table,question_id")


# -- in the browser -------------------------------------------------------------------------------
def open_page(page, url):
    page.goto(url)
    page.wait_for_selector(READY, timeout=30_000)


def delete_in_browser(page, url, conn_id):
    open_page(page, f"{url}/connections")
    page.get_by_role("tab", name=re.compile("Delete")).click()
    page.wait_for_selector(READY)
    page.get_by_role("combobox", name=re.compile("^Connection")).click()
    page.keyboard.type(conn_id)
    page.keyboard.press("Enter")
    page.wait_for_selector(READY)
    page.get_by_role("button", name=f"Delete {conn_id}…").click()
    page.get_by_role("button", name=f"Yes, delete {conn_id}").click()
    page.get_by_text(f"Deleted `{conn_id}`").or_(page.get_by_text(f"Deleted {conn_id}")).first.wait_for()


def listed(page, url) -> str:
    open_page(page, f"{url}/connections")
    page.locator(".lab-table").first.wait_for()
    return page.locator(".lab-table").first.inner_text()


@pytest.mark.browser
def test_one_learner_deleting_my_gcp_conn_changes_nothing_for_another(browser, tmp_path):
    server = Server(ROOT / "app.py", tmp_path / "home")
    ada, bob = browser.new_context().new_page(), browser.new_context().new_page()
    try:
        delete_in_browser(ada, server.url, "my_gcp_conn")
        assert "my_gcp_conn" not in listed(ada, server.url)
        # Bob: the lesson, his own connections, his own DAG — all as before
        open_page(bob, f"{server.url}/?step=2")
        bob.get_by_text("Connection details retrieved").first.wait_for()
        assert "my_gcp_conn" in listed(bob, server.url)
        open_page(bob, f"{server.url}/your_dag?step=2")
        bob.get_by_text("Connection details retrieved").first.wait_for()
        # Ada: her lesson is the lesson's too; her own DAG fails on her own deletion, after a reload as well
        open_page(ada, f"{server.url}/?step=2")
        ada.get_by_text("Connection details retrieved").first.wait_for()
        open_page(ada, f"{server.url}/your_dag?step=2")
        ada.get_by_text("The conn_id `my_gcp_conn` isn't defined").first.wait_for()
        ada.reload()
        assert "my_gcp_conn" not in listed(ada, server.url)
        ada.get_by_role("button", name="Reset my practice connections").click()
        ada.get_by_role("button", name="Cancel").click()  # asked first: nothing happens on Cancel
        ada.wait_for_selector(READY)
        assert "my_gcp_conn" not in listed(ada, server.url)
        ada.get_by_role("button", name="Reset my practice connections").click()
        ada.get_by_role("button", name="Yes, reset them").click()
        ada.get_by_text("Your practice connections are the lesson's again").wait_for()
        assert "my_gcp_conn" in listed(ada, server.url)
    finally:
        server.stop()


def join(page, url, name, pin, code=""):
    open_page(page, f"{url}/quiz")
    page.get_by_role("textbox", name="Class code").fill(code)
    page.get_by_role("textbox", name="Display name").fill(name)
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Join and save my progress").click()
    page.wait_for_selector(READY)


def answer(page, option):
    page.get_by_text(option, exact=True).first.click()
    page.wait_for_selector(READY)
    page.locator("button:enabled", has_text="Check").first.click()
    page.wait_for_selector(READY)


@pytest.mark.browser
def test_the_teachers_view_behind_its_passphrase_shows_the_classs_figures(browser, tmp_path):
    passphrase = "correct horse battery staple"
    server = Server(ROOT / "app.py", tmp_path / "home", {"LAB_INSTRUCTOR_PASSPHRASE": passphrase})
    teacher, ada, bob = (browser.new_context().new_page() for _ in range(3))
    try:
        open_page(teacher, f"{server.url}/teacher")
        teacher.get_by_label("Instructor passphrase").fill("not it")
        teacher.get_by_role("button", name="Open the teacher's view").click()
        teacher.get_by_text("That is not the instructor passphrase.").wait_for()
        assert teacher.get_by_text("Create a class").count() == 0
        teacher.get_by_label("Instructor passphrase").fill(passphrase)
        teacher.get_by_role("button", name="Open the teacher's view").click()
        teacher.get_by_role("textbox", name="Class name").fill("Tuesday")
        teacher.get_by_role("button", name="Create the class").click()
        code = re.search(r"Class code: (\w{4}-\w{4})", teacher.get_by_text("Class code:").inner_text()).group(1)

        join(ada, server.url, "Ada", "1111", code)
        ada.get_by_text("Answering as").wait_for()
        answer(ada, "C. Step 3")  # seed-1 right at the first try
        join(bob, server.url, "Bob", "2222", code)
        bob.get_by_text("Answering as").wait_for()
        answer(bob, "A. Step 2")  # seed-1 wrong first
        guess = browser.new_context().new_page()
        join(guess, server.url, "ada", "9999", code)  # someone typing Ada's name
        guess.get_by_text("that PIN does not match").wait_for()
        assert guess.get_by_text("Answering as").count() == 0

        teacher.reload()
        teacher.wait_for_selector(READY)
        teacher.get_by_label("Instructor passphrase").fill(passphrase)
        teacher.get_by_role("button", name="Open the teacher's view").click()
        teacher.get_by_text("2 learners").wait_for()
        row = teacher.locator(".lab-table tr").filter(has_text="seed-1").first.inner_text()
        assert "2 of 2" in row and "50%" in row and "Step 2 (1)" in row
        assert "Ada" not in teacher.locator('[data-testid="stMain"]').inner_text()  # no learner's name or answers
        with teacher.expect_download() as download:
            teacher.get_by_role("button", name="Download as CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        seed1 = next(r for r in csv.DictReader(io.StringIO(text)) if r["question_id"] == "seed-1")
        assert (seed1["answered"], seed1["first_try_right"], seed1["most_chosen_wrong"]) == ("2", "1", "Step 2")
        from axe_playwright_python.sync_playwright import Axe

        found = [v["id"] for v in Axe().run(teacher).response["violations"] if v["impact"] in ("serious", "critical")]
        assert found == []  # the charts, tables and forms of the open view
    finally:
        server.stop()


@pytest.mark.browser
def test_two_servers_on_postgresql_share_progress_and_sandboxes(browser, pg_url, tmp_path, key):
    from sqlalchemy import create_engine

    from engine.store import Base

    engine = create_engine(pg_url)
    Base.metadata.drop_all(engine)
    engine.dispose()
    env = {"LAB_DATABASE_URL": pg_url, "LAB_FERNET_KEY": key}
    one, two = Server(ROOT / "app.py", tmp_path / "a", env), Server(ROOT / "app.py", tmp_path / "b", env)
    page = browser.new_context().new_page()  # one learner; the cookie goes to both (one host, as behind a balancer)
    try:
        join(page, one.url, "Grace", "4321")
        page.get_by_text("Answering as").wait_for()
        answer(page, "C. Step 3")
        open_page(page, f"{two.url}/quiz")  # a new page load on the other server: still signed in (cookie)
        page.get_by_text("Answering as Grace").wait_for()
        page.get_by_text("1 of 4").first.wait_for()
        delete_in_browser(page, one.url, "my_gcp_conn")
        other = browser.new_context().new_page()
        join(other, two.url, "grace", "4321")
        other.get_by_text("1 of 4").first.wait_for()  # the answer written through server one
        # Grace's own connections follow her: to server two, and to another browser once she joined there
        assert "my_gcp_conn" not in listed(page, two.url)
        assert "my_gcp_conn" not in listed(other, two.url)
        stranger = browser.new_context().new_page()  # a learner who has not joined: the practice set
        assert "my_gcp_conn" in listed(stranger, two.url)
    finally:
        one.stop()
        two.stop()
