"""Text from outside (an address, a DAG, a file, an error quoting them) is drawn as text.

Streamlit's messages (``st.error``, ``st.warning``...) render Markdown: a value quoted in one could
become a link, an image fetched from anywhere, bold, a colour, a formula or an emoji on the lab's
own page. These tests look at what Chromium draws: no such element, the text as it was typed, and
no request for an image the text names.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from engine.dag import pack_source
from tests.helpers import READY, Server, need_chromium, quiet

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
ALERTS = '[data-testid="stAlert"]'
# Markdown's own elements; a message may hold paragraphs, line breaks and code, nothing else
DRAWN = """box => [...box.querySelectorAll('[data-testid="stMarkdownContainer"] *')]
    .map(e => e.tagName + (e.classList.length ? '.' + [...e.classList].join('.') : ''))"""
ALLOWED = re.compile(r"^(P|BR|CODE)(\..*)?$")
SAID_AWAY = ("127.0.0.1:9", "evil.example")  # hosts the hostile texts name: never asked for


def shown(text: str) -> str:
    """Text as a reader sees it: code's backticks and the invisible word joiner aside, spaces as one."""
    return " ".join(text.replace("\u2060", "").replace("`", "").split())


def requests_to_hostile_hosts(page) -> list[str]:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if urlsplit(r.url).netloc in SAID_AWAY else None)
    return asked


def markup_made(page) -> list[str]:
    """The links, images and frames to the hostile hosts anywhere on the page (there must be none)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
            'a[href*="evil"], a[href*="127.0.0.1:9"], img[src*="127.0.0.1"], iframe')].map(e => e.outerHTML)"""
    )


def alerts(page) -> list[tuple[str, list[str]]]:
    boxes = page.locator(ALERTS)
    return [(boxes.nth(i).inner_text(), boxes.nth(i).evaluate(DRAWN)) for i in range(boxes.count())]


TOKENS = [
    *"[]()!*_~`$:#>|<&\\/@.-+={}^\"'",
    "http://",
    "https://",
    "www.",
    "mailto:",
    "evil.example",
    "127.0.0.1:9/i.png",
    ":smile:",
    ":red[",
    ":material/home:",
    "&amp;",
    "&#x41;",
    "<img src=x onerror=alert(1)>",
    "<b>",
    "</b>",
    "\n",
    "\n\n",
    "    ",
    "\t",
    " ",
    "a",
    "word",
    "é",
    "😄",
    "1.",
    "- ",
    "---",
    "```",
    "$$",
    "\\(",
    "x^2",
    "<http://e.example>",
    "[x]: http://e.example",
    "[^1]",
    "- [ ] ",
    "| a | b |\n|---|---|",
]


def generated_texts(count: int, seed: int = 14) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 16))) for _ in range(count)]


FIXED = [
    "[Sign in again](https://evil.example/login) **now** :red[red] $x^2$ :smile:",
    "![x](http://127.0.0.1:9/i.png) <img src=x onerror=alert(1)> www.evil.example mail@evil.example",
    "Line 3: `gcp_conn_id` must be a literal; it cannot know `f'`[x](https://evil.example)`'`.",
    "a\n\n    [x](https://evil.example) indented\n# heading\n> quote",
]


@pytest.fixture(scope="module")
def texts_page(tmp_path_factory):
    need_chromium()
    home = tmp_path_factory.mktemp("markdown_texts")
    texts = FIXED + generated_texts(160)
    (home / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    server = Server(ROOT / "tests" / "pages" / "markdown_text.py", home, {"LAB_TEXTS": str(home / "texts.json")})
    yield server, texts
    server.stop()


def test_generated_texts_with_markdown_in_them_are_drawn_as_the_same_text(page, texts_page):
    server, texts = texts_page
    asked = requests_to_hostile_hosts(page)
    page.goto(server.url)
    page.wait_for_selector(READY, timeout=30_000)
    page.locator(f".st-key-text{len(texts) - 1}").wait_for()
    drawn = alerts(page)
    assert len(drawn) == len(texts)
    wrong = []
    for text, (inner, elements) in zip(texts, drawn, strict=True):
        made = [e for e in elements if not ALLOWED.match(e)]
        if made or shown(inner) != shown(f"Text: {text}"):
            wrong.append((text, inner, made))
    assert not wrong, f"{len(wrong)} of {len(texts)} texts were not drawn as typed, e.g. {wrong[:3]}"
    page.wait_for_timeout(300)
    assert asked == [], asked


HOSTILE_STEP = "[Sign in again](https://evil.example/login) **now** ![x](http://127.0.0.1:9/i.png)" + "x" * 200
HOSTILE_SCENARIO = "![x](http://127.0.0.1:9/s.png)`[y](https://evil.example)`"


def test_markup_in_a_deep_link_is_quoted_as_text_in_its_notice(page, lab_server):
    asked = requests_to_hostile_hosts(page)
    page.goto(f"{lab_server.url}/?step={quote(HOSTILE_STEP)}&scenario={quote(HOSTILE_SCENARIO)}")
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("is not a step number").wait_for()
    page.get_by_role("heading", name=re.compile(r"^Step 1 of 6\b")).wait_for()  # the nearest valid view
    (notice, elements), *_ = alerts(page)
    assert [e for e in elements if not ALLOWED.match(e)] == []
    assert "“[Sign in again](https://evil.example/lo" in shown(notice)
    assert "There is no scenario “![x](http://127.0.0.1:9/s.png)" in shown(notice)
    assert len(notice) < 250  # the 280-character value is quoted in part, not whole
    page.wait_for_timeout(300)
    assert asked == [], asked


def shared_dag(task_id: str, conn_id: str) -> str:
    """A DAG of one task as a learner would share it, ``task_id`` and ``conn_id`` as Python source."""
    return (
        "from airflow import DAG\n"
        "from airflow.providers.google.cloud.operators.bigquery import BigQueryInsertJobOperator\n"
        "with DAG('shared') as dag:\n"
        f"    BigQueryInsertJobOperator(task_id={task_id}, gcp_conn_id={conn_id})\n"
    )


def test_a_shared_dag_whose_error_quotes_markup_shows_it_as_text(page, lab_server):
    source = shared_dag("f'`[Sign in](https://evil.example/login)` ![x](http://127.0.0.1:9/d.png)'", "'c'")
    asked = requests_to_hostile_hosts(page)
    page.goto(f"{lab_server.url}/your_dag?dag={pack_source(source)}")
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("The DAG cannot be read").wait_for()
    (error, elements), *_ = [a for a in alerts(page) if "cannot be read" in a[0]]
    assert [e for e in elements if not ALLOWED.match(e)] == []
    assert "[Sign in](https://evil.example/login) ![x](http://127.0.0.1:9/d.png)" in shown(error)
    page.wait_for_timeout(300)
    assert asked == [], asked


def test_a_shared_dag_with_markup_and_blank_lines_in_its_conn_id_draws_no_markup(page, lab_server):
    """A conn_id is any text in Airflow, so the lab runs it (it fails at step 2). Where it is drawn
    (the DAG's summary, the warning, the step card, the tables, the tracker) it is text: HTML drawn
    with st.markdown is read as Markdown again after a blank line, so its line breaks must not be
    blank lines there."""
    conn_id = (
        "<iframe src=//127.0.0.1:9/f>\n\n[Sign in](https://evil.example/login) ![x](http://127.0.0.1:9/c.png)\n\nz"
    )
    source = shared_dag("'t'", repr(conn_id))
    asked = requests_to_hostile_hosts(page)
    page.goto(f"{lab_server.url}/your_dag?dag={pack_source(source)}&step=2")
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("Step 2 fails").wait_for()
    page.get_by_role("heading", name=re.compile(r"^Step 2 of 4\b")).wait_for()
    page.get_by_text("Keys:").click()  # the page has the focus, as after any click of a learner
    page.keyboard.press("End")  # through to the end: every row and column drawn
    page.get_by_role("heading", name=re.compile(r"^Step 4 of 4\b")).wait_for()
    assert markup_made(page) == []
    body = page.locator("body").inner_text()
    assert "[Sign in](https://evil.example/login) ![x](http://127.0.0.1:9/c.png)" in body.replace("\u2060", "")
    page.wait_for_timeout(300)
    assert asked == [], asked


def test_a_pasted_connection_with_markup_and_blank_lines_is_listed_as_text(page, tmp_path):
    """A connection's type, host and description are any text in Airflow. Pasted as JSON, they are
    quoted in the confirmation and listed in the table of stored connections (HTML drawn with
    st.markdown): as text, with no link or image, however many blank lines they hold."""
    server = Server(ROOT / "app.py", tmp_path / "home")
    try:
        asked = requests_to_hostile_hosts(page)
        page.goto(f"{server.url}/connections")
        page.wait_for_selector(READY, timeout=30_000)
        page.get_by_role("tab", name=re.compile("Import")).click()
        quiet(page)  # the tab's rerun is over before anything is typed
        page.get_by_role("textbox", name="Connection Id").last.fill("md_conn")
        pasted = {
            "conn_type": "[t](https://evil.example/t)",
            "host": "h\n\n[Sign in](https://evil.example/login)\n\nz",
            "description": "d\n\n![x](http://127.0.0.1:9/d.png)",
        }
        page.get_by_role("textbox", name="Paste an Airflow URI or JSON").fill(json.dumps(pasted))
        page.keyboard.press("Tab")  # commit the text, as leaving the field does
        page.get_by_role("button", name="Import", exact=True).click()
        page.get_by_text("Imported md_conn").wait_for()
        page.wait_for_selector(READY)
        assert markup_made(page) == []
        body = page.locator("body").inner_text().replace("\u2060", "")
        assert "Imported md_conn ([t](https://evil.example/t))" in body
        assert "[Sign in](https://evil.example/login)" in body  # the host, in the table of stored connections
        page.wait_for_timeout(300)
        assert asked == [], asked
    finally:
        server.stop()


def test_a_task_id_with_underscores_is_listed_as_typed(page, lab_server):
    """A task that uses no connection is listed by its id; "_" is one of the few characters Airflow
    allows besides letters and digits, and Markdown reads "_x_" as emphasis."""
    source = shared_dag("'t'", "'my_gcp_conn'") + "    BaseOperator(task_id='_prepare_', owner='__x__')\n"
    page.goto(f"{lab_server.url}/your_dag?dag={pack_source(source)}")
    page.wait_for_selector(READY, timeout=30_000)
    page.get_by_text("listed and not run").wait_for()
    caption = page.get_by_text("listed and not run").inner_text().replace("\u2060", "")
    assert "“_prepare_” (BaseOperator, line 5)" in caption
