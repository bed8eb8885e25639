"""lab_ui/static/player.js on its own, in Chromium, with no server: the real module, driven through
its default export as Streamlit calls it, with a host that records what it would send back.

The views it draws at each step are checked against ``engine.replay.html_at`` of the same payload
(parsed by the same browser, compared by one signature: visible text, row states, current cells),
for every stepped page of every scenario; then the behaviours Streamlit's component API makes
hard: listeners bound once, the nonce, the debounced report, links, keys, predicting.
"""

from __future__ import annotations

import zlib

import pytest

from engine import replay
from engine.lessons import scenario, scenarios
from engine.quiz import reference_trace
from engine.render import LONG_TABLE, html_table
from lab_ui.stepping import STATIC, player_bytes

pytestmark = pytest.mark.browser

HARNESS = """() => {
window.calls = [];
// Sent as Streamlit sends it: the bytes Python made (lab_ui.stepping.player_bytes), as UTF-8.
window.mount = (text) => window.labModule.default({
  data: new TextEncoder().encode(text), parentElement: document.getElementById('host'),
  setStateValue: (k, v) => window.calls.push(['state', k, v]),
  setTriggerValue: (k, v) => window.calls.push(['trigger', k, v]),
});
// What a reader gets from a tree: visible text; each row's class, aria-current and hidden; each
// cell marked current; each word allowed to break anywhere. The player's DOM and Python's HTML
// (parsed here) must give the same.
window.signature = (root) => {
  const out = [];
  const walk = (node) => {
    if (node.nodeType === 3) { const t = node.textContent.replace(/\\s+/g, ' ').trim(); if (t) out.push(t); return; }
    if (node.nodeType !== 1 || node.hidden || node.tagName === 'STYLE') return;
    if (node.tagName === 'TR') out.push(`<tr ${node.className}|${node.getAttribute('aria-current') || ''}>`);
    if ((node.tagName === 'TD' || node.tagName === 'TH') && node.classList.contains('current')) out.push('<current>');
    if (node.tagName === 'DETAILS') out.push('<details>');
    if (node.classList.contains('brk')) out.push('<brk>');  // a word that may break anywhere
    if (node.tagName === 'WBR') out.push('<wbr>');  // ... and first where it breaks
    node.childNodes.forEach(walk);
  };
  walk(root);
  return out.join(' ');
};
window.pythonSignature = (html) => {
  const doc = new DOMParser().parseFromString(`<div>${html}</div>`, 'text/html');
  return window.signature(doc.body.firstChild);
};
window.playerSignature = () => {
  const views = document.querySelector('#host .lab-views');
  const heading = document.querySelector('#host .lab-heading');
  return window.signature(heading) + ' ' + window.signature(views);
};
}"""


@pytest.fixture(scope="module")
def harness(browser):
    page = browser.new_page()
    body = (
        '<html><body><input id="text" type="text"><input id="box" type="checkbox">'
        '<a id="link" href="/process_table?step=1">table</a><div id="host"></div></body></html>'
    )
    page.route("http://lab.test/**", lambda route: route.fulfill(body=body, content_type="text/html"))
    page.goto("http://lab.test/?step=1")  # an origin of its own: the player replaces its URL
    page.evaluate(
        "async (src) => { window.labModule = await import("
        "URL.createObjectURL(new Blob([src], {type: 'text/javascript'}))); }",
        (STATIC / "player.js").read_text(encoding="utf-8"),
    )
    page.evaluate(HARNESS)
    yield page
    page.close()


SLIDE = (  # the slider moved to step n
    "(n) => { const s = document.querySelector('#host input[type=range]'); "
    "s.value = n; s.dispatchEvent(new Event('input')); }"
)


# A press on a control outside the player (the page's checkbox): the player sends a pending report at once.
PRESS_OUTSIDE = "document.getElementById('box').dispatchEvent(new PointerEvent('pointerdown', {bubbles: true}))"


def mount(page, run: dict, step: int = 1, nonce: int = 1, **extra):
    fields = {"page": "walkthrough", "step": step, "nonce": nonce, "scenario": "lesson", **extra}
    text = replay.encode(run).encode()
    data = player_bytes({**fields, "digest": replay.digest(text)}, text)
    # A press outside the player sends a report the test before left pending (debounced) at once,
    # before this test counts reports: else, on a loaded machine, it arrived during the next test.
    page.evaluate("(d) => { " + PRESS_OUTSIDE + "; window.calls.length = 0; window.mount(d); }", data.decode())


def layouts(trace, lesson_trace):
    yield "walkthrough", replay.page_layout("walkthrough", trace)
    yield "process_flow", replay.page_layout("process_flow", trace)
    for hide in (False, True):
        yield f"process_table hide={hide}", replay.page_layout("process_table", trace, lesson_trace, hide_future=hide)
    for every in (False, True):
        tracker = replay.page_layout("variable_tracker", trace, lesson_trace, every_step=every)
        yield f"variable_tracker every={every}", tracker
    yield "full_transcript", replay.page_layout("full_transcript", trace)
    yield "compare", replay.page_layout("compare", trace, lesson_trace, title=scenario(trace.scenario_id).title)
    yield "your_dag", replay.page_layout("your_dag", trace, None, every_step=True)


@pytest.mark.parametrize("scenario_id", list(scenarios()))
def test_the_player_draws_what_python_built_for_every_step_of_every_page(harness, scenario_id):
    trace, lesson_trace = reference_trace(scenario_id), reference_trace("lesson")
    total = len(trace.steps)
    order = [*range(1, total + 1), total, 1, total, *range(total, 0, -1)]  # forward, jumps, back
    for name, layout in layouts(trace, lesson_trace):
        run = replay.payload(layout, total)
        mount(harness, run, nonce=name)
        for step in order:
            harness.evaluate(SLIDE, step)
            drawn = harness.evaluate("() => window.playerSignature()")
            wanted = harness.evaluate("(h) => window.pythonSignature(h)", replay.html_at(run, step))
            assert drawn == wanted, (scenario_id, name, step)


def lesson_run(page="walkthrough"):
    trace = reference_trace("lesson")
    return replay.payload(replay.page_layout(page, trace, trace), len(trace.steps))


def heading(page) -> str:
    return page.inner_text("#host .lab-heading")


def test_a_new_call_with_the_same_data_binds_no_second_listener(harness):
    run = lesson_run()
    for _ in range(4):  # Streamlit calls the script again on each change of data; cleanup only on unmount
        mount(harness, run, nonce=7)
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    assert heading(harness).startswith("Step 2 of 6")


def test_the_player_follows_a_step_only_with_a_new_nonce(harness):
    run = lesson_run()
    mount(harness, run, step=4, nonce=10)
    assert heading(harness).startswith("Step 4 of 6")
    harness.keyboard.press("ArrowRight")
    mount(harness, run, step=2, nonce=10)  # a report's rerun carrying an older step: ignored
    assert heading(harness).startswith("Step 5 of 6")
    mount(harness, run, step=2, nonce=11)  # Python moved the step (Back, autoplay, a reveal): followed
    assert heading(harness).startswith("Step 2 of 6")


# Five presses 50 ms apart, timed by the page's own timers (not by round trips from the test, which
# a loaded machine stretched past the 250 ms debounce). Each press's timer is set after the press
# before it restarted the report's timer, and is due 200 ms before it, so Chromium runs the presses
# first however late the page's thread wakes. 150 ms after the last press the report's count is
# read: a debounce that did not restart on each press would have sent by then.
BURST = """async ([key, presses, gap, after]) => {
  const wait = (ms) => new Promise((done) => setTimeout(done, ms));
  for (let i = 0; i < presses; i++) {
    if (i) await wait(gap);
    document.activeElement.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}));
  }
  const atLast = window.calls.length;
  await wait(after);
  return [atLast, window.calls.length];
}"""
REPORTS = "(n) => window.calls.filter((c) => c[1] === 'step').length >= n"


def test_a_burst_of_keys_loses_no_press_and_is_reported_once_with_its_nonce(harness):
    mount(harness, lesson_run(), step=1, nonce=20)
    harness.focus("#box")  # a toggle was clicked: its focus does not swallow the keys
    assert harness.evaluate(BURST, ["ArrowRight", 5, 50, 150]) == [0, 0]  # not yet: debounced
    assert heading(harness).startswith("Step 6 of 6")
    harness.wait_for_function(REPORTS, arg=1, timeout=5000)
    harness.wait_for_timeout(300)  # nothing more is coming
    calls = harness.evaluate("() => window.calls")
    assert len(calls) == 1 and calls[0][:2] == ["state", "step"]
    assert calls[0][2]["step"] == 6 and calls[0][2]["nonce"] == 20
    harness.keyboard.press("ArrowLeft")
    harness.wait_for_function(REPORTS, arg=2, timeout=5000)
    second = harness.evaluate("() => window.calls")[1][2]
    assert second["step"] == 5 and second["seq"] > calls[0][2]["seq"]  # each report differs from the last


def test_keys_typed_in_a_text_field_do_not_step(harness):
    mount(harness, lesson_run(), step=3, nonce=30)
    harness.focus("#text")
    for key in ("ArrowRight", "ArrowLeft", "Home", "End"):
        harness.keyboard.press(key)
    assert heading(harness).startswith("Step 3 of 6")
    harness.focus("#box")
    harness.keyboard.press("End")
    assert heading(harness).startswith("Step 6 of 6")
    harness.keyboard.press("Home")
    assert heading(harness).startswith("Step 1 of 6")


def test_buttons_slider_and_announcement_follow_the_step(harness):
    mount(harness, lesson_run(), step=1, nonce=40)
    disabled = harness.evaluate("() => [...document.querySelectorAll('#host button[data-move]')].map(b => b.disabled)")
    assert disabled == [True, True, False, False]  # First, Previous, Next, Last at step 1
    harness.get_by_role("button", name="Last").click()
    disabled = harness.evaluate("() => [...document.querySelectorAll('#host button[data-move]')].map(b => b.disabled)")
    assert disabled == [False, False, True, True]
    slider = harness.locator("#host input[type=range]")
    assert slider.get_attribute("aria-valuetext") == "Step 6 of 6: DAG run ends"
    assert harness.inner_text("#host .lab-live") == "Step 6 of 6: DAG run ends"
    assert harness.get_by_role("slider", name="Step (1–6)").count() == 1


def test_predicting_holds_next_until_the_prediction_is_revealed(harness):
    """Next waits for the prediction (asked below the views), and a line next to it says so: the
    title of a disabled button is seen by few, and the question may be screens down."""
    mount(harness, lesson_run(), step=2, nonce=50, predicting=True)
    next_button = harness.locator("#host button[data-move=next]")
    hint = harness.locator("#host .lab-controls button:not([data-move])")
    assert next_button.is_disabled()
    assert hint.is_visible() and hint.inner_text() == "↓ Predict step 3 below first"
    assert next_button.get_attribute("aria-describedby") == hint.get_attribute("id")  # read with Next
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    assert heading(harness).startswith("Step 2 of 6")
    harness.keyboard.press("ArrowLeft")  # going back is allowed
    assert heading(harness).startswith("Step 1 of 6")
    assert hint.inner_text() == "↓ Predict step 2 below first"
    harness.keyboard.press("End")  # nothing left to predict
    assert heading(harness).startswith("Step 6 of 6")
    assert not hint.is_visible() and next_button.get_attribute("aria-describedby") is None
    mount(harness, lesson_run(), step=2, nonce=51, predicting=False)
    assert not next_button.is_disabled() and not hint.is_visible()
    mount(harness, lesson_run(), step=2, nonce=51, predicting=True)  # the same step: only predicting changed
    assert next_button.is_disabled() and hint.inner_text() == "↓ Predict step 3 below first"


def test_the_url_is_replaced_in_the_order_python_writes_it(harness):
    mount(harness, lesson_run(), step=1, nonce=60, scenario="job_fails")
    harness.evaluate("() => history.replaceState(null, '', '/your_dag?dag=abc&step=1')")
    harness.focus("#box")
    length = harness.evaluate("() => history.length")
    harness.keyboard.press("ArrowRight")
    harness.wait_for_function("() => location.search.includes('step=2')", timeout=2000)
    url = harness.evaluate("() => location.pathname + location.search")
    assert url == "/your_dag?dag=abc&step=2&scenario=job_fails"
    assert harness.evaluate("() => history.length") == length  # replaced, not pushed


KEY = "(key) => document.dispatchEvent(new KeyboardEvent('keydown', {key, bubbles: true}))"
FRAMES = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(done, 0))))"


def test_the_address_is_written_after_the_steps_frame_once_a_burst(harness):
    """A step is drawn in the key's own task and its address written after that frame: writing it
    first made Chromium's work come before the paint. Three steps in one task write it once."""
    mount(harness, lesson_run(), step=1, nonce=61)
    harness.evaluate("() => history.replaceState(null, '', '/?step=1')")
    harness.evaluate(FRAMES)  # the mount's own write is done
    harness.evaluate(
        "() => { window.writes = []; const write = history.replaceState.bind(history);"
        " history.replaceState = (s, t, url) => { window.writes.push(url); write(s, t, url); }; }"
    )
    shown = harness.evaluate(
        "(key) => { for (let i = 0; i < 3; i++) (" + KEY + ")(key);"
        " return [document.querySelector('#host .lab-heading').textContent, location.search]; }",
        "ArrowRight",
    )
    assert shown[0].startswith("Step 4 of 6") and shown[1] == "?step=1"  # drawn at once, written after
    harness.evaluate(FRAMES)
    assert harness.evaluate("() => window.writes") == ["/?step=4"]


def test_an_address_changed_before_the_write_is_left_alone_and_a_report_writes_at_once(harness):
    mount(harness, lesson_run(), step=1, nonce=62)
    harness.evaluate("() => history.replaceState(null, '', '/?step=1')")
    harness.evaluate(FRAMES)
    # a step, then the address moves (Back, another page) before the step's frame: not this step's
    harness.evaluate(
        "(key) => { (" + KEY + ")(key); history.replaceState(null, '', '/elsewhere?step=9'); }", "ArrowRight"
    )
    harness.evaluate(FRAMES)
    assert harness.evaluate("() => location.pathname + location.search") == "/elsewhere?step=9"
    harness.evaluate("() => history.replaceState(null, '', '/?step=2')")
    # a step, then a press on another control (its rerun carries the step): written in that task
    search = harness.evaluate(
        "(key) => { (" + KEY + ")(key); " + PRESS_OUTSIDE + "; return location.search; }",
        "ArrowRight",
    )
    assert search == "?step=3"
    assert [c[2]["step"] for c in harness.evaluate("() => window.calls") if c[:2] == ["state", "step"]] == [3]


def test_a_link_drawn_with_an_older_step_opens_at_the_step_shown(harness):
    mount(harness, lesson_run(), step=1, nonce=70)
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    harness.keyboard.press("ArrowRight")
    harness.click("#link")  # drawn as /process_table?step=1
    calls = harness.evaluate("() => window.calls")
    assert calls[0][:2] == ["state", "step"] and calls[0][2]["step"] == 3  # the report goes first, at once
    assert calls[1] == ["trigger", "go", {"path": "/process_table", "query": "step=3"}]
    assert harness.evaluate("() => location.pathname") != "/process_table"  # held back: Python opens it


def test_a_link_from_a_run_of_its_own_keeps_the_step_python_gave_it(harness):
    """Your DAG: step 3 of the learner's DAG is not step 3 of the lesson's run the link opens."""
    mount(harness, lesson_run(), step=1, nonce=71, own_run=True)
    harness.evaluate("() => history.replaceState(null, '', '/?step=1')")
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    harness.keyboard.press("ArrowRight")
    stay = "() => document.getElementById('link').addEventListener('click', e => e.preventDefault(), {once: true})"
    harness.evaluate(stay)  # the harness page stays: what matters is what the player sent
    harness.click("#link")  # drawn as /process_table?step=1
    calls = harness.evaluate("() => window.calls")
    assert [c[:2] for c in calls] == [["state", "step"]]  # the step is reported; the link is not rewritten
    assert calls[0][2]["step"] == 3


def test_a_press_elsewhere_sends_the_pending_step_first(harness):
    mount(harness, lesson_run(), step=1, nonce=80)
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    harness.keyboard.press("ArrowRight")
    assert harness.evaluate("() => window.calls.length") == 0  # still waiting out the debounce
    harness.click("#box")  # a toggle: its rerun must carry step 3, not the step reported before
    calls = harness.evaluate("() => window.calls")
    assert len(calls) == 1 and calls[0][2]["step"] == 3


REMOUNT = """() => { const old = document.getElementById('host'); old.__labPlayer.destroy();
  const fresh = document.createElement('div'); fresh.id = 'host'; old.replaceWith(fresh); }"""


def test_a_player_mounted_again_goes_on_from_the_step_it_showed(harness):
    """Streamlit draws the element anew on a full rerun (a toggle clicked): the new player shows the
    step the old one showed, not the older one Python last moved to; a step Python moves since wins."""
    run = lesson_run()
    mount(harness, run, step=1, nonce=90)
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    harness.keyboard.press("ArrowRight")
    harness.evaluate(REMOUNT)
    mount(harness, run, step=1, nonce=90)  # what Python sends: the step it last moved to, the same nonce
    assert heading(harness).startswith("Step 3 of 6")
    harness.evaluate(REMOUNT)
    mount(harness, run, step=5, nonce=91)  # Python moved it (a revealed prediction, autoplay)
    assert heading(harness).startswith("Step 5 of 6")
    harness.evaluate(REMOUNT)
    mount(harness, run, step=1, nonce=91, scenario="job_fails")  # another scenario: its own start
    assert heading(harness).startswith("Step 1 of 6")


@pytest.mark.parametrize("rows", [LONG_TABLE, LONG_TABLE + 1])
def test_the_player_and_python_skip_the_same_long_tables_off_the_screen(harness, rows):
    """player.js keeps its own copy of engine/render.py's LONG_TABLE: both mark a table "long" alike."""
    cells = [[str(i), "x"] for i in range(rows)]
    drawn = harness.evaluate(
        "(cells) => window.labModule.buildTable(document, ['a', 'b'], cells, false).box.className", cells
    )
    wanted = harness.evaluate(
        "(h) => new DOMParser().parseFromString(h, 'text/html').querySelector('.lab-table-box').className",
        html_table(["a", "b"], cells, "t"),
    )
    assert drawn == wanted
    assert ("long" in drawn.split()) == (rows > LONG_TABLE)


FRESH_HOST = """() => { const old = document.getElementById('host'); if (old.__labPlayer) old.__labPlayer.destroy();
  const fresh = document.createElement('div'); fresh.id = 'host'; old.replaceWith(fresh); }"""
AT_STEP = "(n) => document.querySelector('#host .lab-heading').textContent.includes(`Step ${n} of 6`)"
MOUNT_BYTES = """(list) => { window.calls.length = 0; for (const d of list) window.labModule.default({
  data: Uint8Array.from(d), parentElement: document.getElementById('host'),
  setStateValue: (k, v) => window.calls.push(['state', k, v]),
  setTriggerValue: (k, v) => window.calls.push(['trigger', k, v]),
}); }"""


def packed(run: dict, digest: str, step: int = 1, nonce: int = 1, **extra) -> list[int]:
    """What Python sends for a large run: the run deflated, named by its digest (lab_ui.stepping)."""
    fields = {"page": "walkthrough", "step": step, "nonce": nonce, "scenario": "lesson", **extra}
    return list(player_bytes({**fields, "packed": True, "digest": digest}, zlib.compress(replay.encode(run).encode())))


def test_a_packed_run_is_unpacked_and_drawn_as_the_run_sent_plain(harness):
    """A large run comes deflated and is unpacked by the browser (DecompressionStream): every step
    draws what the same run sent as plain JSON draws."""
    trace = reference_trace("job_fails")
    run = replay.payload(replay.page_layout("your_dag", trace, None), len(trace.steps))
    harness.evaluate(FRESH_HOST)
    harness.evaluate(MOUNT_BYTES, [packed(run, "job-1", step=3, nonce=200)])
    harness.wait_for_function(AT_STEP, arg=3)
    for step in range(1, 7):
        harness.evaluate(SLIDE, step)
        drawn = harness.evaluate("() => window.playerSignature()")
        assert drawn == harness.evaluate("(h) => window.pythonSignature(h)", replay.html_at(run, step)), step


def test_data_sent_while_a_run_is_unpacked_is_what_the_player_shows(harness):
    """Unpacking takes a moment: data Python sends meanwhile (a rerun that moved the step, another
    run) must not be lost to the run that was being unpacked, nor overwritten when it is done."""
    lesson = lesson_run()
    harness.evaluate(FRESH_HOST)
    # the same run twice before it is unpacked: the second data (Python moved the step) wins
    harness.evaluate(
        MOUNT_BYTES, [packed(lesson, "lesson-1", step=2, nonce=300), packed(lesson, "lesson-1", step=5, nonce=301)]
    )
    harness.wait_for_function("() => document.querySelector('#host .lab-heading').textContent.includes('Step 5 of 6')")
    # a packed run, then at once a plain one (another page): the plain one stays once the first is unpacked
    job = reference_trace("job_fails")
    other = replay.payload(replay.page_layout("process_table", job, job), len(job.steps))
    text = replay.encode(other).encode()
    fields = {"page": "process_table", "step": 4, "nonce": 302, "scenario": "job_fails", "digest": replay.digest(text)}
    plain = list(player_bytes(fields, text))
    harness.evaluate(MOUNT_BYTES, [packed(lesson, "lesson-2", step=1, nonce=302), plain])
    harness.wait_for_timeout(300)  # long enough for the packed run to be unpacked
    assert heading(harness).startswith("Step 4 of 6")
    assert harness.evaluate("() => window.playerSignature()") == harness.evaluate(
        "(h) => window.pythonSignature(h)", replay.html_at(other, 4)
    )
    harness.focus("#box")
    harness.keyboard.press("ArrowRight")
    assert heading(harness).startswith("Step 5 of 6")
