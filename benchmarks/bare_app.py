"""The floor Streamlit itself sets: a bare one-button page (the benchmarks' baseline)."""

import streamlit as st

st.session_state.setdefault("count", 0)


def _bump():
    st.session_state["count"] += 1


st.title("Bare page")
st.button("Next", on_click=_bump)
st.markdown(f"### Count {st.session_state['count']}")
