"""Mode 7: the quiz; answer keys come from the recorded run, not from typed-in letters."""

import streamlit as st

from app import QUIZ, set_scenario, setup
from engine.lessons import scenario
from engine.quiz import answer_key, questions

trace, step = setup("Quiz", "❓")
answers = st.session_state.setdefault(QUIZ, {})
letters = "ABCD"
for q in questions(st.session_state["lab_scenario"]):
    key = answer_key(q)
    with st.container(border=True):
        st.markdown(f"**{q['question']}**")
        options = [f"{letters[i]}. {text}" for i, text in enumerate(q["options"])]
        choice = st.radio("Your answer", options, index=None, key=f"quiz_{q['id']}")
        with st.expander("Hint"):
            st.markdown(q["hint"])
        if st.button("Check", key=f"check_{q['id']}", disabled=choice is None):
            answers[q["id"]] = choice.split(". ", 1)[1]
        if q["id"] in answers:
            if answers[q["id"]] == key.answer:
                st.success(f"✅ Right: {key.answer}.")
            else:
                st.error(f"❌ Not quite: you chose “{answers[q['id']]}”.")
            st.markdown(q["explanation"])
            st.button(f"Show me step {key.step}", key=f"show_{q['id']}", on_click=set_scenario,
                      args=(key.scenario, key.step))
right = sum(answers.get(q["id"]) == answer_key(q).answer for q in questions(st.session_state["lab_scenario"]))
st.caption(f"Score: {right} right so far")
