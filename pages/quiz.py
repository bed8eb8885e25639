"""Mode 7: the quiz. Answer keys are computed from the recorded runs; answers can persist."""

import streamlit as st

from engine.lessons import scenario
from engine.progress import InvalidName, JoinRefused, by_question, shown_code, summary
from engine.quiz import answer_key, grade, questions, shuffled
from engine.render import markdown_text
from engine.views import link_to_step
from lab_ui import frame, server, state
from lab_ui.panels import html_table
from lab_ui.state import MEMBER, QUIZ, SCENARIO

frame.require()

NAME_ERROR = "quiz_name_error"
ONE_AT_A_TIME = "quiz_one_at_a_time"
CURRENT = "quiz_current"
RETRY = "quiz_retry"  # question id -> attempt number now shown (after "Try again")

ss = st.session_state
ss.setdefault(QUIZ, [])  # the Records of this learner (anonymous: this browser session only)
ss.setdefault(MEMBER, None)
ss.setdefault(RETRY, {})


def join() -> None:
    try:
        member = server.get_progress().join(ss.get("quiz_class"), ss.get("quiz_name"), ss.get("quiz_pin"))
    except (InvalidName, JoinRefused) as err:
        ss[NAME_ERROR] = str(err)
        return
    finally:
        ss["quiz_pin"] = ""  # a PIN never stays in a field
    ss[NAME_ERROR] = None
    progress = server.get_progress()
    state.sign_in(member, progress)
    for record in ss[QUIZ]:  # what was answered before joining is kept, under the name
        progress.record(member.id, record)
    ss[QUIZ] = progress.records(member.id)


def sign_out() -> None:
    state.sign_out(server.get_progress())
    ss[QUIZ] = []
    ss[RETRY] = {}


def check(q: dict, attempt: int) -> None:
    choice = ss.get(f"quiz_{q['id']}_{attempt}")
    if choice is None:
        return
    record = grade(q, choice, attempt)
    ss[QUIZ] = [*ss[QUIZ], record]
    if ss[MEMBER]:
        server.get_progress().record(ss[MEMBER].id, record)


def retry(qid: str, attempt: int) -> None:
    ss[RETRY] = {**ss[RETRY], qid: attempt}


# -- who is answering -----------------------------------------------------------------------
with st.container(border=True):
    member = ss[MEMBER]
    if member:
        where = f"in class {shown_code(member.class_code)}" if member.class_code else "practising on your own"
        st.markdown(f"Answering as **{markdown_text(member.name)}**, {where} — your answers are saved.")
        st.button("Sign out (anonymous)", key="quiz_sign_out", on_click=sign_out)
    else:
        st.markdown(
            "You are **anonymous**: answers last for this browser session. To keep your progress, join with "
            "your class code (leave it empty to practise on your own), a display name and a PIN of 4 to 8 "
            "digits. The first time sets the PIN; only that PIN opens your answers again."
        )
        with st.form("quiz_join", border=False):  # the three fields are sent together with the button
            cols = st.columns([1, 2, 1])
            cols[0].text_input("Class code", key="quiz_class", placeholder="e.g. K7QF-2MXP")
            cols[1].text_input("Display name", key="quiz_name", placeholder="e.g. Ada")
            cols[2].text_input("PIN", key="quiz_pin", type="password", max_chars=8)
            if ss.get(NAME_ERROR):
                st.error(markdown_text(ss[NAME_ERROR]), icon="⚠️")
            st.form_submit_button("Join and save my progress", key="quiz_sign_in", on_click=join)

scope = questions(ss[SCENARIO]) or questions("lesson")
st.caption(
    f"{len(scope)} questions about “{scenario(scope[0]['scenario']).title}”. Change the scenario in the "
    "sidebar for its own questions. Keyboard: Tab to move, arrows to choose, Enter or Space to press."
)
one = st.toggle("One question at a time", key=ONE_AT_A_TIME)
history = by_question(ss[QUIZ])


def show_question(number: int, q: dict) -> None:
    key = answer_key(q)
    answers = history.get(q["id"], [])
    right = any(a.correct for a in answers)
    attempt = ss[RETRY].get(q["id"], len(answers) + (0 if answers else 1))
    latest = answers[-1] if answers and answers[-1].attempt == attempt else None
    with st.container(border=True):
        st.markdown(f"**{number}. {q['question']}**")
        if right:
            chosen = next(a for a in answers if a.correct)
            tries = "first try" if answers[0].correct else f"after {len(answers)} tries"
            st.success(f"Right ({tries}): {chosen.choice}", icon="✅")
            st.markdown(q["explanation"])
        elif latest is not None:
            st.error(f"Not right: you chose “{latest.choice}”.", icon="❌")
            st.button(
                "Try again",
                key=f"retry_{q['id']}",
                on_click=retry,
                args=(q["id"], attempt + 1),
                help="The options come back in another order.",
            )
            with st.expander("Show the answer and why"):
                st.markdown(f"**{key.answer}** — {q['explanation']}")
        else:
            st.radio("Your answer", shuffled(q, attempt), index=None, key=f"quiz_{q['id']}_{attempt}")
            with st.expander("Hint"):
                st.markdown(q["hint"])
            st.button(
                "Check",
                key=f"check_{q['id']}",
                on_click=check,
                args=(q, attempt),
                type="primary",
                disabled=ss.get(f"quiz_{q['id']}_{attempt}") is None,
            )
        if right or latest is not None:
            st.page_link(
                frame.page_for("pages/walkthrough.py"),
                label=f"Show me step {key.step}",
                icon="🧭",
                query_params=link_to_step(key.scenario, key.step),
                help="Open the walkthrough of this scenario at the step the question is about.",
            )


if one:
    ss.setdefault(CURRENT, 0)
    ss[CURRENT] = min(ss[CURRENT], len(scope) - 1)
    show_question(ss[CURRENT] + 1, scope[ss[CURRENT]])
    cols = st.columns(2)
    cols[0].button(
        "◀ Previous question",
        key="quiz_prev",
        disabled=ss[CURRENT] == 0,
        on_click=lambda: ss.update({CURRENT: ss[CURRENT] - 1}),
    )
    cols[1].button(
        "Next question ▶",
        key="quiz_next",
        disabled=ss[CURRENT] == len(scope) - 1,
        on_click=lambda: ss.update({CURRENT: ss[CURRENT] + 1}),
    )
else:
    for number, q in enumerate(scope, start=1):
        show_question(number, q)

# -- score and progress ---------------------------------------------------------------------
result = summary(ss[QUIZ], scope)
total = result["total"]
st.subheader("Score")
st.markdown(
    f"**{total['right']} of {total['questions']}** right · {total['first_try_right']} on the first try · "
    f"{total['answered']} answered"
)
everything = summary(ss[QUIZ], questions())
rows = [
    {
        "Learning mode": mode,
        "Questions": c["questions"],
        "Answered": c["answered"],
        "Right": c["right"],
        "First try right": c["first_try_right"],
    }
    for mode, c in everything["modes"].items()
]
st.markdown("**Progress over the whole bank, by learning mode**")
caption = "Questions answered and answered right, per learning mode."
st.markdown(html_table(list(rows[0]), [[str(v) for v in r.values()] for r in rows], caption), unsafe_allow_html=True)
