// The lab's step player: the recorded run, sent once by Python (engine/replay.py), stepped here.
//
// A click, the slider or a key (← → Home End) redraws every stepped view at once, with no
// round trip: each view swaps to the HTML Python built for that step, or marks the current row,
// column or sentence of a table drawn once. The step goes back to Python debounced (setStateValue,
// and at once before a link is followed), so other pages and the URL see it.
//
// Two behaviours of Streamlit's component API shape this file. Streamlit calls the default export
// again each time `data` changes but runs the cleanup only on unmount, so one Player is kept per
// element and its listeners are bound once. And a rerun caused by a report can carry an older step
// back, so the player follows `data.step` only when `data.nonce` changed: Python bumps the nonce
// only when it moved the step itself (a deep link, Back, autoplay, a revealed prediction).

export const KEYS = { ArrowLeft: "prev", ArrowRight: "next", Home: "first", End: "last" };
export const REPORT_DELAY_MS = 250;
const LONG_TABLE = 100; // engine/render.py's LONG_TABLE (the harness checks both mark the same tables)
const LONG_WORD = /\S{21,}/gu; // engine/render.py's LONG_WORD (20): the harness checks both mark the same words
const WORD_JOINTS = /(?<=[_/.,:=&?-])(?![_/.,:=&?-])/u; // and its _WORD_JOINTS: where such a word breaks first
const PREDICT_BOX = ".st-key-predict_box"; // lab_ui/stepping.py's predict_box (the browser tests find it)
let players = 0; // for ids unique in the page
const NOT_TYPING = new Set(["checkbox", "radio", "range", "button", "submit", "reset", "image", "file", "color"]);

const CHROME = `
<div class="lab-player">
  <div class="lab-heading"></div>
  <div class="lab-controls" role="group" aria-label="Step through the run">
    <button type="button" data-move="first" aria-keyshortcuts="Home" title="First step (Home)">⏮ First</button>
    <button type="button" data-move="prev" aria-keyshortcuts="ArrowLeft" title="Previous step (←)">◀ Previous</button>
    <button type="button" data-move="next" aria-keyshortcuts="ArrowRight" class="primary" title="Next step (→)">▶ Next</button>
    <button type="button" data-move="last" aria-keyshortcuts="End" title="Last step (End)">⏭ Last</button>
    <button type="button" class="lab-predict-hint" hidden></button>
  </div>
  <label class="lab-slider"><span class="lab-slider-label"></span>
    <input type="range" min="1" step="1" data-testid="lab-step-slider"></label>
  <p class="lab-live" aria-live="polite" aria-atomic="true"></p>
  <div class="lab-views"></div>
</div>`;

/** Whether a key pressed in `el` is meant as typing (a text field, a select, an editable area). */
export function isTyping(el) {
  if (!el || el.nodeType !== 1) return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") return !NOT_TYPING.has((el.type || "text").toLowerCase());
  return !!el.closest('[role="combobox"],[role="listbox"],[role="textbox"],[role="slider"],[role="menu"]');
}

/** [fragment, count, fragment, count, …] → the fragment of each step (index 0 = step 1). */
export function expand(runs, total) {
  const out = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < runs.length; i += 2) out.fill(runs[i], at, (at += runs[i + 1]));
  return out;
}

/** The URL's query with the step (and scenario) set, in the order Python writes them. */
export function queryFor(search, step, scenario) {
  const params = new URLSearchParams(search);
  params.delete("step");
  params.delete("scenario");
  params.set("step", String(step));
  if (scenario && scenario !== "lesson") params.set("scenario", scenario);
  return params.toString();
}

function cell(doc, tag, text, current, scope) {
  const el = doc.createElement(tag);
  if (scope) el.scope = scope;
  if (current) el.classList.add("current");
  let last = 0; // an over-long word (a URL, a JSON value) may break anywhere; other words stay whole
  for (const m of text.matchAll(LONG_WORD)) {
    if (m.index > last) el.append(text.slice(last, m.index));
    const word = el.appendChild(doc.createElement("span"));
    word.className = "brk";
    m[0].split(WORD_JOINTS).filter(Boolean).forEach((piece, i) => {
      if (i) word.append(doc.createElement("wbr"));
      word.append(piece);
    });
    last = m.index + m[0].length;
  }
  if (last < text.length) el.append(text.slice(last));
  return el;
}

/** A real <table> like engine/render.py's html_table, built from text (never parsed as HTML). */
export function buildTable(doc, headers, rows, rowHeaders) {
  const box = doc.createElement("div");
  box.className = "lab-table-box";
  box.setAttribute("role", "region");
  box.tabIndex = 0;
  const table = doc.createElement("table");
  table.className = "lab-table";
  const caption = table.appendChild(doc.createElement("caption"));
  const head = table.appendChild(doc.createElement("thead")).appendChild(doc.createElement("tr"));
  headers.forEach((h) => head.appendChild(cell(doc, "th", String(h), false, "col")));
  const body = table.appendChild(doc.createElement("tbody"));
  for (const row of rows) {
    const tr = body.appendChild(doc.createElement("tr"));
    row.forEach((c, i) => tr.appendChild(cell(doc, i === 0 && rowHeaders ? "th" : "td", String(c), false, i === 0 && rowHeaders ? "row" : "")));
  }
  box.appendChild(table);
  if (rows.length > LONG_TABLE) {
    box.classList.add("long");
    box.style.setProperty("--rows", String(rows.length));
  }
  return { box, table, caption, head, body };
}

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in values ? String(values[k]) : m));
}

export class Player {
  constructor(root, host) {
    // a child of its own: the element's first children are the component's <style> (Streamlit's)
    this.root = root.appendChild(root.ownerDocument.createElement("div"));
    this.host = host; // { setStateValue, setTriggerValue, window }
    this.win = host.window;
    this.doc = root.ownerDocument;
    root = this.root;
    this.step = 0;
    this.nonce = null;
    this.runDigest = null; // the run laid out, by the digest Python names it with
    this.inflating = null; // the packed run being unpacked
    this.latest = null; // the newest data from Python
    this.destroyed = false;
    this.seq = 0;
    this.timer = null;
    this.pending = false;
    this.urlFrom = null; // the address when a step's write was queued; null: none queued
    this.open = {}; // <details data-keep> open across steps
    root.innerHTML = CHROME;
    const q = (s) => root.querySelector(s);
    this.headingBox = q(".lab-heading");
    this.views = q(".lab-views");
    this.live = q(".lab-live");
    this.slider = q('input[type="range"]');
    this.sliderLabel = q(".lab-slider-label");
    this.buttons = {};
    root.querySelectorAll("button[data-move]").forEach((b) => {
      this.buttons[b.dataset.move] = b;
      b.addEventListener("click", () => this.move(b.dataset.move));
    });
    // While the learner predicts, Next waits, and this says why, next to it, and goes to the question
    // (below the views, often screens down: the title of a disabled button is seen by few).
    this.hint = q(".lab-predict-hint");
    this.hint.id = `lab-predict-hint-${++players}`;
    this.hinted = 0;
    this.hint.addEventListener("click", () => {
      const box = this.doc.querySelector(PREDICT_BOX);
      if (!box) return;
      box.scrollIntoView({ block: "center" });
      const first = box.querySelector("input:not(:disabled), button:not(:disabled)");
      if (first) first.focus({ preventScroll: true });
    });
    this.slider.addEventListener("input", () => this.go(Number(this.slider.value), true));
    this.onKey = this.onKey.bind(this);
    this.onLink = this.onLink.bind(this);
    this.onHide = () => this.doc.visibilityState === "hidden" && this.flush();
    // a press on anything else (a toggle, a select) reruns the page: the step it carries is the shown one
    this.onPress = (e) => this.root.isConnected && !this.root.contains(e.target) && this.flush();
    this.doc.addEventListener("pointerdown", this.onPress, true);
    this.doc.addEventListener("keydown", this.onKey);
    this.doc.addEventListener("click", this.onLink, true);
    this.doc.addEventListener("visibilitychange", this.onHide);
    this.views.addEventListener("toggle", (e) => {
      const keep = e.target.dataset && e.target.dataset.keep;
      if (keep) this.open[keep] = e.target.open;
    }, true);
  }

  destroy() {
    this.destroyed = true;
    this.flush();
    this.doc.removeEventListener("pointerdown", this.onPress, true);
    this.doc.removeEventListener("keydown", this.onKey);
    this.doc.removeEventListener("click", this.onLink, true);
    this.doc.removeEventListener("visibilitychange", this.onHide);
    this.win.clearTimeout(this.timer);
  }

  /** New data from Python: a new run (a new ``data.digest``) is laid out; the step followed only
   * when Python moved it. A large run comes deflated (``data.packed``): it is inflated once, off the
   * main thread, and the newest data received meanwhile is applied when it is laid out. */
  receive(data) {
    this.latest = data;
    if (data.digest === this.runDigest) {
      this.inflating = null; // Python's newest data names the run laid out: an unpacking one is dropped
      return this.apply(data, false);
    }
    if (data.packed) {
      if (this.inflating === data.digest) return;
      const digest = (this.inflating = data.digest);
      inflate(data.packed).then(
        (text) => {
          if (this.destroyed || this.inflating !== digest) return; // a newer run came meanwhile
          this.inflating = null;
          this.setRun(text, digest);
          this.apply(this.latest, true);
        },
        () => {
          if (this.destroyed || this.inflating !== digest) return;
          this.inflating = null;
          this.views.textContent =
            "This browser cannot unpack the run (it needs DecompressionStream: Chrome 80, Firefox 113, " +
            "Safari 16.4 or newer).";
        },
      );
      return;
    }
    this.inflating = null;
    this.setRun(data.run, data.digest);
    this.apply(data, true);
  }

  setRun(text, digest) {
    this.runDigest = digest;
    this.run = JSON.parse(text);
    this.layout();
  }

  apply(data, rebuilt) {
    this.scenario = data.scenario;
    this.root.dataset.page = data.page || "";
    this.predicting = !!data.predicting;
    this.ownRun = !!data.own_run; // the learner's DAG: its steps are not the other pages' steps
    const moved = data.nonce !== this.nonce;
    this.nonce = data.nonce;
    let target = moved || !this.step ? data.step : this.step;
    // A player mounted again in the same page (Streamlit redraws the element on a full rerun, e.g.
    // after a toggle) goes on from the step the one before it showed, unless Python moved it since.
    const last = this.win.__labShown;
    if (!this.step && last && last.nonce === data.nonce && last.page === data.page && last.scenario === data.scenario) {
      target = last.step;
    }
    this.go(target, false, rebuilt);
    if (this.step) this.controls(this.step); // predicting may have changed, the step not
  }

  layout() {
    const run = this.run;
    this.total = run.total;
    this.views.innerHTML = run.layout;
    this.slots = [];
    for (const [name, slot] of Object.entries(run.slots)) {
      const el = this.views.querySelector(`[data-slot="${name}"]`);
      const s = { name, el, kind: slot.kind, shown: -1 };
      if (slot.kind === "step") s.at = expand(slot.at, run.total);
      else this.build(s, slot.value);
      this.slots.push(s);
    }
    const heading = this.views.querySelector('[data-slot="heading"]');
    this.headingBox.replaceChildren(...(heading ? [heading] : []));
    this.heading = heading;
    this.slider.max = String(run.total);
    this.slider.parentElement.hidden = run.total < 2;
    this.sliderLabel.textContent = `Step (1–${run.total})`;
    this.step = 0;
  }

  build(s, v) {
    const doc = this.doc;
    s.value = v;
    const place = (t) => {  // a table drawn once; a step only marks its rows, cells and caption
      s.heads = Array.from(t.head.cells);
      s.rows = Array.from(t.body.rows);
      s.caption = t.caption;
      s.box = t.box;
      s.el.replaceChildren(t.box);
      s.el.insertAdjacentHTML("beforeend", v.after); // built and escaped by engine/render.py
    };
    if (s.kind === "table") {
      place(buildTable(doc, v.headers, v.rows.map((r) => ["", ...r]), false));
    } else if (s.kind === "tracker") {
      place(buildTable(doc, ["Variable", ...v.labels], v.rows, true));
    } else if (s.kind === "transcript") {
      const p = doc.createElement("p");
      p.className = "lab-transcript";
      s.spans = v.sentences.map(([kind, html], i) => {
        if (i) p.append(" ");
        const span = p.appendChild(doc.createElement("span"));
        span.className = "lab-sentence";
        span.dataset.kind = kind;
        span.innerHTML = html; // built and escaped by engine/render.py
        return span;
      });
      s.el.replaceChildren(p);
      s.el.insertAdjacentHTML("beforeend", v.after);
    } else if (s.kind === "variables") {
      const ul = doc.createElement("ul");
      ul.className = "lab-variables";
      s.items = v.timelines.map(() => ul.appendChild(doc.createElement("li")));
      s.shownItems = v.timelines.map(() => "");
      s.el.replaceChildren(ul);
    }
  }

  move(how) {
    const n = { first: 1, prev: this.step - 1, next: this.step + 1, last: this.total }[how];
    if (how === "next" && this.predicting) return;
    this.go(n, true);
  }

  go(n, byUser, force = false) {
    if (!this.run) return; // a large run still being unpacked
    n = Math.min(Math.max(1, Math.trunc(Number(n)) || 1), this.total);
    if (n === this.step && !force) return;
    const before = this.step;
    this.step = n;
    for (const s of this.slots) this.draw(s, n, before);
    const label = this.heading ? this.heading.textContent.trim() : `Step ${n} of ${this.total}`;
    this.controls(n);
    this.slider.value = String(n);
    this.slider.setAttribute("aria-valuetext", label);
    this.live.textContent = label;
    this.root.dataset.step = String(n);
    this.win.__labShown = { nonce: this.nonce, page: this.root.dataset.page, scenario: this.scenario, step: n };
    this.writeUrlSoon();
    if (byUser) this.schedule();
  }

  controls(n) {
    const b = this.buttons;
    const waiting = this.predicting && n < this.total;
    b.first.disabled = b.prev.disabled = n <= 1;
    b.last.disabled = n >= this.total;
    b.next.disabled = n >= this.total || this.predicting;
    b.next.title = waiting ? "Make a prediction below first" : "Next step (→)";
    const hinted = waiting ? n + 1 : 0; // the step to predict; the DOM is touched only when it changes
    if (hinted === this.hinted) return;
    this.hinted = hinted;
    this.hint.hidden = !waiting;
    this.hint.textContent = waiting ? `↓ Predict step ${hinted} below first` : "";
    if (waiting) b.next.setAttribute("aria-describedby", this.hint.id);
    else b.next.removeAttribute("aria-describedby");
  }

  draw(s, n, before) {
    const v = s.value;
    if (s.kind === "step") {
      const f = s.at[n - 1];
      if (f === s.shown) return;
      s.shown = f;
      s.el.innerHTML = this.run.frags[f]; // built and escaped by engine/render.py
      s.el.querySelectorAll("details[data-keep]").forEach((d) => (d.open = !!this.open[d.dataset.keep]));
    } else if (s.kind === "table") {
      // only the rows between the old and the new step change state
      const lo = before ? Math.min(before, n) : 1;
      const hi = before ? Math.max(before, n) : s.rows.length;
      for (let number = lo; number <= hi; number++) this.drawRow(s, number, n);
      s.caption.textContent = fill(v.caption, { step: n });
      s.box.setAttribute("aria-label", s.caption.textContent);
    } else if (s.kind === "tracker") {
      const col = v.col[n - 1];
      if (col !== s.shown) {
        const old = s.shown;
        s.shown = col;
        for (const c of [old, col]) {
          if (c < 1) continue;
          const on = c === col;
          s.heads[c].textContent = (on ? "▶ " : "") + v.labels[c - 1];
          s.heads[c].classList.toggle("current", on);
          for (const row of s.rows) row.cells[c].classList.toggle("current", on);
        }
      }
      s.caption.textContent = fill(v.caption, { step: n, column: v.labels[col - 1] });
      s.box.setAttribute("aria-label", s.caption.textContent);
    } else if (s.kind === "transcript") {
      const kind = v.kind[n - 1];
      if (kind === s.shown) return;
      s.shown = kind;
      for (const span of s.spans) {
        const on = span.dataset.kind === kind;
        span.classList.toggle("current", on);
        const first = span.firstChild;
        const has = !!first && first.nodeType === 1 && first.classList.contains("lab-arrow");
        if (on && !has) {
          const arrow = this.doc.createElement("span");
          arrow.className = "lab-arrow";
          arrow.textContent = "▶ ";
          span.prepend(arrow);
        } else if (!on && has) first.remove();
      }
    } else if (s.kind === "variables") {
      v.timelines.forEach((entries, i) => {
        let lo = 0, hi = entries.length - 1;
        while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (entries[mid][0] <= n) lo = mid; else hi = mid - 1; }
        const [at, head, tail] = entries[lo];
        const html = head + (at === n ? v.flag : "") + tail;
        if (html !== s.shownItems[i]) {
          s.shownItems[i] = html;
          const t = this.doc.createElement("template");
          t.innerHTML = html; // built and escaped by engine/render.py
          const li = t.content.firstElementChild;
          s.items[i].replaceWith(li);
          s.items[i] = li;
        }
      });
    }
  }

  drawRow(s, number, n) {
    const v = s.value;
    const tr = s.rows[number - 1];
    if (!tr) return;
    const state = number < n ? v.past[number - 1] : number === n ? v.now[number - 1] : "pending";
    tr.className = state;
    if (number === n) tr.setAttribute("aria-current", "step");
    else tr.removeAttribute("aria-current");
    tr.cells[0].textContent = v.marks[state];
    tr.hidden = !!v.hide && number > n;
  }

  /** The address after the frame that shows the step: a learner waits for the step, not for the
   * address, and writing it first made Chromium do its work (~0.5 ms, and more before the paint)
   * ahead of the frame. A burst of steps writes it once; anything that leaves the page (a report,
   * a link, a hidden tab, the player's end) writes it at once first (``flush``), so nothing is
   * left queued. If the address changed meanwhile (Back, another page), it is not this step's to
   * write. */
  writeUrlSoon() {
    if (this.urlFrom !== null) return;
    this.urlFrom = this.win.location.href;
    this.win.requestAnimationFrame(() => this.win.setTimeout(() => this.urlFrom !== null && this.writeUrl(), 0));
  }

  writeUrl() {
    const from = this.urlFrom;
    this.urlFrom = null;
    if (this.win.location.href !== from) return;
    const loc = this.win.location;
    const search = "?" + queryFor(loc.search, this.step, this.scenario);
    if (search !== loc.search) this.win.history.replaceState(this.win.history.state, "", loc.pathname + search + loc.hash);
  }

  schedule() {
    this.pending = true;
    this.win.clearTimeout(this.timer);
    this.timer = this.win.setTimeout(() => this.flush(), REPORT_DELAY_MS);
  }

  flush() {
    if (this.urlFrom !== null) this.writeUrl();
    if (!this.pending) return;
    this.pending = false;
    this.win.clearTimeout(this.timer);
    this.host.setStateValue("step", { step: this.step, nonce: this.nonce, seq: ++this.seq });
  }

  onKey(e) {
    const how = KEYS[e.key];
    if (!how || !this.root.isConnected || e.defaultPrevented) return;
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.target === this.slider || isTyping(e.target)) return;
    e.preventDefault();
    this.move(how);
  }

  /** A link that carries a step (the sidebar's, "compare it"…) opens at the step shown here. */
  onLink(e) {
    if (!this.root.isConnected || !this.run || e.defaultPrevented || e.button !== 0) return;
    if (e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    const a = e.target && e.target.closest ? e.target.closest("a[href]") : null;
    if (!a || this.root.contains(a)) return;
    const url = new URL(a.getAttribute("href"), this.win.location.href);
    if (url.origin !== this.win.location.origin || !url.searchParams.has("step")) return this.flush();
    // From a run of its own (step 500 of a learner's DAG), a link keeps the lesson's step Python gave
    // it: the other page would have to cut the step to its run, and that new address would be pushed
    // over the one Back should return to.
    if (this.ownRun) return this.flush();
    if ((url.searchParams.get("scenario") || "lesson") !== (this.scenario || "lesson")) return this.flush();
    if (url.searchParams.get("step") === String(this.step)) return this.flush();
    e.preventDefault();
    e.stopPropagation();
    url.searchParams.set("step", String(this.step));
    this.flush();
    this.host.setTriggerValue("go", { path: url.pathname, query: url.searchParams.toString() });
  }
}

/** What Python sent (lab_ui/stepping.py ``player_bytes``): bytes, a line of JSON (the page, the step,
 * the nonce...) and the run's JSON text after it, or (``packed`` in that line) the run deflated. */
export function readData(data) {
  const bytes = ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
  const cut = bytes.indexOf(10); // "\n"
  const head = JSON.parse(new TextDecoder().decode(bytes.subarray(0, cut)));
  const body = bytes.subarray(cut + 1);
  return head.packed ? { ...head, packed: body } : { ...head, run: new TextDecoder().decode(body) };
}

/** zlib-deflated bytes (Python's ``zlib.compress``) as text, unpacked by the browser's own stream. */
export function inflate(bytes) {
  return Promise.resolve().then(() =>
    new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"))).text(),
  );
}

export default function (component) {
  const { data, parentElement, setStateValue, setTriggerValue } = component;
  let player = parentElement.__labPlayer;
  if (!player) {
    player = new Player(parentElement, { setStateValue, setTriggerValue, window });
    parentElement.__labPlayer = player;
  } else {
    player.host.setStateValue = setStateValue;
    player.host.setTriggerValue = setTriggerValue;
  }
  player.receive(readData(data));
  return () => {
    player.destroy();
    delete parentElement.__labPlayer;
  };
}
