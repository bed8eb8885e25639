"""The step player in the lab as a learner uses it (Chromium against `streamlit run app.py`): every
stepped page steps in the browser with no server round trip; the step reaches the server, the
URL, a reload and the other pages; keys after toggles; bursts of keys; predict, autoplay and a
scenario change move it from Python."""

from __future__ import annotations

import re

import pytest

from tests.helpers import READY, address

pytestmark = pytest.mark.browser

STEPPED = ["", "process_flow", "process_table", "variable_tracker", "full_transcript", "compare", "your_dag"]
HEADING = '[data-testid="stBidiComponentRegular"] .lab-heading'


def open_page(page, url):
    page.goto(url)
    page.wait_for_selector(READY, timeout=30_000)
    page.wait_for_selector(HEADING, timeout=30_000)


def heading(page) -> str:
    return page.inner_text(HEADING)


def step_heading(page, n, total=6):
    return page.get_by_role("heading", name=re.compile(rf"^Step {n} of {total}\b"))


@pytest.mark.parametrize("path", STEPPED)
def test_every_stepped_page_steps_in_the_browser_with_no_round_trip(page, lab_server, path):
    scenario = "&scenario=job_fails" if path == "compare" else ""
    open_page(page, f"{lab_server.url}/{path}?step=1{scenario}")
    assert heading(page).startswith("Step 1 of 6")
    # The click and the redraw in one task: what the page shows changed before any message could come back.
    after = page.evaluate(
        """() => { document.querySelector('.lab-controls [data-move=next]').click();
                   return document.querySelector('.lab-heading').textContent; }"""
    )
    assert after.startswith("Step 2 of 6"), after
    assert page.locator('[data-testid="stException"]').count() == 0
    page.keyboard.press("End")
    step_heading(page, 6).wait_for()
    assert address(page, rf"/{path}\?step=6{scenario}$").endswith(f"/{path}?step=6{scenario}")


def test_the_narration_is_drawn_without_markdown_marks(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=3")
    narration = page.locator('[data-slot="narration"]')
    drawn = narration.inner_text()
    assert "a bigquery.Client for project lab-practice-project, to run as" in drawn, drawn
    assert "`" not in drawn, drawn
    page.keyboard.press("ArrowLeft")  # a step whose lesson words hold code spans: drawn as code
    step_heading(page, 2).wait_for()
    assert narration.locator("code", has_text="my_gcp_conn").count() >= 1
    assert "`" not in narration.inner_text()


def test_the_step_reaches_the_server_a_reload_and_the_other_pages(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=1")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    step_heading(page, 4).wait_for()
    page.wait_for_timeout(500)  # reported (debounced 250 ms)
    page.reload()
    page.wait_for_selector(HEADING)
    step_heading(page, 4).wait_for()
    page.keyboard.press("ArrowLeft")  # and a link followed at once after a step opens at that step
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Variable tracker").click()
    page.get_by_role("heading", name="Variable tracker").first.wait_for()
    step_heading(page, 3).wait_for()
    page.wait_for_selector(READY)
    current = page.locator("table.lab-table thead th.current")
    assert current.inner_text() == "▶ After Step 3"
    assert address(page, r"/variable_tracker\?step=3$").endswith("/variable_tracker?step=3")
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Key moments").click()
    page.get_by_role("heading", name="Key moments").first.wait_for()
    assert re.search(r"/key_moments\?step=3$", page.url), page.url  # a page that does not step keeps it


def test_keys_step_after_a_toggle_was_clicked_and_the_toggle_applies(page, lab_server):
    open_page(page, f"{lab_server.url}/process_table?step=2")
    page.get_by_text("Hide the steps not reached yet").click()
    page.wait_for_selector(READY)
    page.wait_for_function("document.querySelectorAll('table.lab-table tbody tr:not([hidden])').length === 2")
    page.keyboard.press("ArrowRight")
    step_heading(page, 3).wait_for()
    rows = page.locator("table.lab-table tbody tr:not([hidden])")
    assert rows.count() == 3
    assert rows.nth(2).get_attribute("aria-current") == "step"


@pytest.mark.parametrize("path", ["process_table", "your_dag"])
def test_a_toggle_outside_the_player_keeps_the_step_the_keys_reached(page, lab_server, path):
    """The "Predict, then step" toggle reruns the whole page and Streamlit draws the player anew: it went back
    to the step Python had last moved to (1), the URL and a reload with it."""
    open_page(page, f"{lab_server.url}/{path}?step=1")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    step_heading(page, 4).wait_for()
    page.wait_for_timeout(500)  # reported
    toggle = page.get_by_text("Predict, then step", exact=True)
    for _ in range(2):
        toggle.click()
        page.wait_for_timeout(700)
        page.wait_for_selector(READY)
        assert heading(page).startswith("Step 4 of 6"), heading(page)
    assert re.search(r"[?&]step=4(&|$)", address(page, r"[?&]step=4(&|$)"))
    page.reload()
    page.wait_for_selector(HEADING)
    step_heading(page, 4).wait_for()


def test_bursts_of_key_presses_lose_none(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=1")
    position = 1
    for burst in range(8):
        key = "ArrowRight" if burst % 2 == 0 else "ArrowLeft"
        for _ in range(5):
            page.keyboard.press(key)
            page.wait_for_timeout(50)
        position = min(6, position + 5) if key == "ArrowRight" else max(1, position - 5)
        step_heading(page, position).wait_for(timeout=2000)
    page.wait_for_timeout(400)
    assert address(page, rf"/\?step={position}$").endswith(f"/?step={position}")


def test_a_revealed_prediction_and_autoplay_move_the_player(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=1")
    page.get_by_text("Predict, then step").click()
    page.get_by_role("button", name="Reveal step 2").wait_for()
    assert page.locator(".lab-controls [data-move=next]").is_disabled()
    page.get_by_role("button", name="Reveal step 2").click()  # "Nothing changes" predicted
    step_heading(page, 2).wait_for()
    page.get_by_text("Predict, then step").click()
    page.wait_for_selector(READY)
    page.get_by_text("Autoplay", exact=True).click()
    step_heading(page, 3).wait_for(timeout=6000)  # one step every 2.5 s
    page.get_by_text("Autoplay", exact=True).click()


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_predicting_says_next_to_next_why_it_waits_and_goes_to_the_question(page, lab_server, width, height):
    """With "Predict, then step" on, Next is disabled and the question is below the views (1,070 px
    below Next on a laptop, 2,000 on a phone). A line beside Next says so, on the first screen, and
    takes the learner to the question, its first field focused and in view."""
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"{lab_server.url}/?step=2")
    page.get_by_text("Predict, then step").click()
    hint = page.get_by_role("button", name=re.compile("Predict step 3 below first"))
    hint.wait_for()
    next_box = page.locator(".lab-controls [data-move=next]").bounding_box()
    box = hint.bounding_box()
    assert box["y"] + box["height"] <= height and abs(box["y"] - next_box["y"]) <= 2 * next_box["height"], box
    question = page.get_by_text("Predict step 3:")
    assert question.bounding_box()["y"] > height  # the question is off the first screen
    hint.click()
    focused = page.evaluate("() => document.activeElement.getAttribute('aria-label')")
    assert focused == "Variable"
    field = page.evaluate("() => document.activeElement.getBoundingClientRect().toJSON()")
    assert field["top"] >= 0 and field["bottom"] <= height, field
    page.get_by_role("button", name="Reveal step 3").click()
    step_heading(page, 3).wait_for()


SLOT_TOPS = """() => Object.fromEntries([...document.querySelectorAll('.lab-views [data-slot]')]
    .map(el => [el.dataset.slot, Math.round(el.getBoundingClientRect().top)]))"""


@pytest.mark.parametrize("width, height", [(1280, 800), (390, 844)])
def test_compare_sets_each_view_of_the_step_beside_its_match(page, lab_server, width, height):
    """Compare shows the lesson and a scenario at the same step. On a laptop the two cards are side
    by side and so are the two flows, each pair level. A phone stacks them. It used to put the
    lesson's card and flow above the scenario's card, whose failure a learner then found a screen
    and a half below the lesson's card. Now the two cards come one after the other, then the two
    flows, each flow named."""
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"{lab_server.url}/compare?step=4&scenario=credentials_rejected")
    step_heading(page, 4).wait_for()
    top = page.evaluate(SLOT_TOPS)
    flow_names = page.get_by_role("heading", name="The cloud rejects the credentials", level=4)
    if width > 640:
        assert top["card"] == top["lesson_card"] and top["flow"] == top["lesson_flow"], top
        assert flow_names.count() == 0  # not drawn nor read: the column is named above its card
    else:
        assert top["lesson_card"] < top["card"] < top["lesson_flow"] < top["flow"], top
        assert top["card"] - top["lesson_card"] < height / 2, top  # the two cards on one screen
        assert flow_names.is_visible()


def test_another_scenario_opens_its_own_run_at_its_first_step(page, lab_server):
    open_page(page, f"{lab_server.url}/?step=4")
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').click()
    page.get_by_role("option", name="The conn_id is missing").click()
    step_heading(page, 1, total=4).wait_for()
    page.keyboard.press("End")
    step_heading(page, 4, total=4).wait_for()
    assert address(page, r"/\?step=4&scenario=missing_conn_id$").endswith("/?step=4&scenario=missing_conn_id")


# Ctrl+F's search (window.find) until it selects the text inside a table (the DAG's source in the
# text area has it too); then the search leaves the focus where it was.
FOUND_IN_TABLE = """(text) => {
  let inTable = false;
  for (let i = 0; i < 20 && !inTable && window.find(text); i++)
    inTable = !!window.getSelection().anchorNode.parentElement.closest('.lab-player .lab-table');
  window.getSelection().removeAllRanges();
  document.activeElement.blur();
  return inTable;
}"""
# The first table's top on the screen, and its first rows' cells within it (rounded to pixels).
CELL_BOXES = """() => { const table = document.querySelectorAll('.lab-player .lab-table')[0];
  const t = table.getBoundingClientRect();
  return [t.top, [...table.rows].slice(0, 12).flatMap(r => [...r.cells].map(c => { const b = c.getBoundingClientRect();
    return [b.left - t.left, b.top - t.top, b.width, b.height].map(Math.round).join(','); }))]; }"""


def test_a_long_table_steps_without_moving_a_row_and_is_found_off_the_screen(page, lab_server):
    """A 150-task DAG (602 steps): the tables are long, so they are not drawn while off the screen,
    yet Ctrl+F finds their last rows; a step recolours rows: no cell moves or changes size under
    the reader's eyes. (What the step costs the browser is in benchmarks/step_latency.py.)"""
    from engine.dag import pack_source
    from tests.helpers import generated_dag

    source = generated_dag(150, 1).replace("conn_0", "my_gcp_conn")
    open_page(page, f"{lab_server.url}/your_dag?step=4&dag={pack_source(source)}")
    step_heading(page, 4, 602).wait_for()
    boxes = page.locator(".lab-player .lab-table-box")
    assert boxes.count() == 2
    assert boxes.evaluate_all("els => els.map(e => getComputedStyle(e).contentVisibility)") == ["auto", "auto"]
    assert page.evaluate(FOUND_IN_TABLE, "t149")  # the last task's rows, far below the screen
    boxes.first.scroll_into_view_if_needed()
    top, cells = page.evaluate(CELL_BOXES)
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    step_heading(page, 8, 602).wait_for()
    assert page.locator(".lab-player .lab-table tr[aria-current]").inner_text().split()[:2] == ["▶", "now"]
    top_after, cells_after = page.evaluate(CELL_BOXES)
    assert cells_after == cells  # the table is laid out as it was
    # and stays where it was on the screen, though the views above it change height (the browser's
    # scroll anchoring; less than a pixel off, as their heights are fractions of one)
    assert abs(top_after - top) < 1, (top, top_after)


def test_a_large_run_crosses_the_network_deflated_and_steps_as_before(page, lab_server):
    """A 150-task DAG's run is ~0.75 MB of JSON: it is sent deflated (a class on a school network
    waits for every byte), so the largest WebSocket message the browser receives is a fraction of
    it; the page then opens at the linked step and steps as any other."""
    from engine import replay
    from engine.dag import pack_source
    from engine.quiz import reference_trace
    from tests.helpers import generated_dag

    source = generated_dag(150, 1).replace("conn_0", "my_gcp_conn")
    trace = reference_trace("lesson", source)
    json_bytes = len(replay.encode(replay.payload(replay.page_layout("your_dag", trace, None), len(trace.steps))))
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    frames = []  # base64 of binary frames: 4/3 of their bytes
    cdp.on("Network.webSocketFrameReceived", lambda e: frames.append(len(e["response"]["payloadData"]) * 3 // 4))
    open_page(page, f"{lab_server.url}/your_dag?step=300&dag={pack_source(source)}")
    step_heading(page, 300, 602).wait_for()
    assert json_bytes > 600_000 and max(frames) < json_bytes / 4, (max(frames), json_bytes)
    page.keyboard.press("End")
    step_heading(page, 602, 602).wait_for()
    assert "Run ended: DAG run successful" in page.locator(".lab-player svg").first.get_attribute("aria-label")


def test_a_deep_link_into_a_learners_dag_opens_past_the_lessons_six_steps(page, lab_server):
    """The learner's DAG is longer than the lesson: ?step=500 opens step 500 of its 602 (it was
    clamped to the lesson's 6), a toggle's full rerun keeps it in the URL, Back returns to it, and a
    step past the end is its last step, with a notice that counts the DAG's steps."""
    from engine.dag import pack_source
    from tests.helpers import generated_dag

    dag = pack_source(generated_dag(150, 1).replace("conn_0", "my_gcp_conn"))
    open_page(page, f"{lab_server.url}/your_dag?step=500&dag={dag}")
    step_heading(page, 500, 602).wait_for()
    toggle = page.get_by_text("Predict, then step", exact=True)
    toggle.click()  # a full rerun of the page, and another
    page.wait_for_timeout(500)
    toggle.click()
    page.wait_for_selector(READY)
    assert re.search(r"[?&]step=500(&|$)", page.url), page.url
    assert heading(page).startswith("Step 500 of 602")
    page.get_by_role("link", name=re.compile("Process table")).first.click()
    step_heading(page, 6).wait_for()  # the lesson's step the link had (its last): no step 500 there
    assert page.get_by_text("There is no step").count() == 0
    page.go_back()
    step_heading(page, 500, 602).wait_for()
    assert "dag=" in page.url
    open_page(page, f"{lab_server.url}/your_dag?step=700&dag={dag}")
    step_heading(page, 602, 602).wait_for()
    page.get_by_text("There is no step 700; this run has 602 steps").wait_for()


def test_a_dag_of_the_largest_size_opens_with_its_player_near_the_top(page, lab_server):
    """A 500-task DAG (the most Your DAG takes), opened at step 1000: the player's heading is drawn
    within the first two screens (naming its tasks one by one put it ~9,000 px down) and says which
    task the step is of; every task's name is one click away, in the fold above it."""
    from engine.dag import pack_source
    from tests.helpers import generated_dag

    dag = pack_source(generated_dag(500, 1).replace("conn_0", "my_gcp_conn"))
    open_page(page, f"{lab_server.url}/your_dag?step=1000&dag={dag}")
    title = step_heading(page, 1000, 2002)
    title.wait_for()
    # step 1 starts the DAG and each task has four steps from step 2: t249's are 998-1001, its call third
    assert heading(page) == "Step 1000 of 2002, task t249: Task executes cloud API call"
    assert page.locator(".lab-player input[type=range]").get_attribute("aria-valuetext") == heading(page)
    screen = page.viewport_size["height"]
    top = title.bounding_box()["y"]  # the page opens scrolled to its top
    assert top < 2 * screen, (top, screen)
    page.get_by_text("500 tasks that use a connection: 500 × BigQueryInsertJobOperator").wait_for()
    page.get_by_text("All 500 tasks by name").click()
    page.get_by_test_id("stExpanderDetails").get_by_text("t499", exact=True).wait_for()
