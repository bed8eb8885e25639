"""The Streamlit side of the views the stepped pages do not step: the page's CSS, the markers'
sentences and the scenario's story. The stepped views are ``engine.render``'s, drawn by the player.
"""

from __future__ import annotations

import streamlit as st

from engine.flow import STATES
from engine.lessons import scenario
from engine.render import html_table, markers_html, sym
from engine.trace import Trace

__all__ = ["CODE_FIELDS", "CSS", "code_field", "html_table", "show_markers", "show_scenario", "sym"]

CODE_FIELD = "code-"  # the start of the key of a container that holds a field for code or an identifier
CODE_FIELDS = f'[class*="st-key-{CODE_FIELD}"] :is(input, textarea)'  # such fields (the CSS below, page.js)
KEEP_LINES = f"{CODE_FIELD}lines-"  # ... whose lines are not wrapped


def code_field(widget, label: str, *, key: str, wrap: bool = True, **kwargs):
    """``widget`` (``st.text_input`` or ``st.text_area``) for code or an identifier, typed as it is
    written: in a monospaced font, with no spelling marks, and on a phone with no capital letter or
    correction put in by the keyboard (``page.js``), which would turn my_gcp_conn into My_gcp_conn
    and a DAG's ``from`` into ``From``. ``wrap=False``: long lines scroll instead of wrapping (a
    wrapped line of Python reads as another line, indented less)."""
    with st.container(key=(CODE_FIELD if wrap else KEEP_LINES) + key):
        return widget(label, key=key, **kwargs)


def show_markers(markers) -> None:
    """The markers' sentences, in sight next to the words they mark (never in a collapsed section)."""
    found = markers_html(markers)
    if found:
        st.markdown(found, unsafe_allow_html=True)


CSS = f"""
<style>
/* Long words (conn ids, job ids) wrap instead of widening the page on a phone. */
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {{ overflow-wrap: anywhere; }}
.lab-card {{ border: 2px solid {STATES["current"][2]}; border-radius: .5rem; padding: .6rem .8rem;
             margin-bottom: .5rem; }}
.lab-card.failed {{ border-color: {STATES["failed"][2]}; }}
.lab-table-box {{ max-width: 100%; overflow-x: auto; }}
.lab-table {{ width: 100%; border-collapse: collapse; font-size: .9rem; }}
.lab-table caption {{ caption-side: bottom; text-align: left; font-size: .8rem; opacity: .8; }}
.lab-table th, .lab-table td {{ padding: .3rem .45rem; border-bottom: 1px solid rgba(128,128,128,.35);
  vertical-align: top; text-align: left; overflow-wrap: break-word; }}
/* A long URL or JSON value wraps, at a <wbr> (after "_", "/", ",") where it can; other words stay whole */
.lab-table .brk {{ overflow-wrap: anywhere; }}
.lab-table td:first-child, .lab-table th:first-child {{ white-space: nowrap; }}
/* A step changes colours, never the font: bold or italic text would be laid out again, and with it
   every row of a long table (a step of a 500-task DAG took ~190 ms, ~90 of them layout). */
.lab-table tr.current > *, .lab-table .current {{ background: {STATES["current"][1]}; color: {STATES["current"][2]}; }}
.lab-table tr.failed > * {{ background: {STATES["failed"][1]}; color: {STATES["failed"][2]}; }}
.lab-table tr[aria-current] > * {{ box-shadow: inset 0 2px 0 currentColor, inset 0 -2px 0 currentColor; }}
.lab-table tr[aria-current] > :first-child {{ box-shadow: inset 5px 0 0 currentColor, inset 0 2px 0 currentColor,
  inset 0 -2px 0 currentColor; }}
/* A long table off the screen is not laid out or painted at each step (found by Ctrl+F and read by
   screen readers all the same); its height until first drawn is a guess from its rows. */
.lab-table-box.long {{ content-visibility: auto; contain-intrinsic-block-size: auto calc(var(--rows) * 2.2rem); }}
/* Code and identifiers in the monospaced font of the lab's code blocks. */
{CODE_FIELDS} {{ font-family: "Source Code Pro", monospace; font-size: .875rem; }}
[class*="st-key-{KEEP_LINES}"] textarea {{ white-space: pre; overflow-wrap: normal; overflow-x: auto; tab-size: 4; }}
.lab-markers {{ list-style: none; padding-left: 0; margin: .3rem 0 .6rem; font-size: .85rem; }}
.lab-markers li {{ border-left: 3px solid #b26a00; padding: .15rem .5rem; margin-bottom: .3rem; }}
.lab-markers small {{ display: block; opacity: .85; overflow-wrap: anywhere; }}
/* Contrast of at least 4.5:1 in both themes: captions take the text colour, softened; code keywords. */
[data-testid="stCaptionContainer"], [data-has-shortcut="true"] kbd {{ color: inherit !important; opacity: .8; }}
[data-testid="stCode"] .token.keyword {{ color: #0b5cad; }}
[data-testid="stCode"] .token.string {{ color: #116329; }}
[data-testid="stCode"] .token.comment {{ color: #5a5d6b; }}
@media (prefers-color-scheme: dark) {{
  [data-testid="stCode"] .token.keyword {{ color: #79b8ff; }}
  [data-testid="stCode"] .token.string {{ color: #7ee787; }}
  [data-testid="stCode"] .token.comment {{ color: #b1b5c4; }}
}}
/* On a phone: the step card and narration before the diagram, tabs that wrap, no key hints. */
@media (max-width: 640px) {{
  .st-key-walkthrough_views [data-testid="stHorizontalBlock"] {{ flex-direction: column-reverse; }}
  .st-key-connections_tab [role="tablist"] {{ flex-wrap: wrap; }}
  .st-key-step_options [data-testid="stCaptionContainer"] {{ display: none; }}
}}
</style>
"""


def show_scenario(trace: Trace, step: int) -> None:
    """The scenario's story above the walkthrough (the lesson's subtitle for the lesson)."""
    sc = scenario(trace.scenario_id)
    if sc.id == "lesson":
        st.caption(trace.lesson["subtitle"])
        return
    with st.expander(f"Scenario: {sc.title}", expanded=False):
        st.markdown(sc.description)
        st.markdown("**What to notice**\n" + "\n".join(f"- {n}" for n in sc.notice))
        from lab_ui.frame import page_for  # here: the frame imports this module

        st.page_link(
            page_for("pages/compare.py"),
            label="Compare it with the lesson, side by side",
            icon="⚖️",
            query_params={"scenario": sc.id, "step": str(step)},
        )
