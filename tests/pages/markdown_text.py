"""A page for tests/test_browser_markdown.py: each text of the JSON file named by ``LAB_TEXTS``
in a Streamlit warning, as the lab's messages are drawn (``engine.render.markdown_text``), after
words of the lab's own as every such message has (an alert takes a leading emoji as its icon)."""

import json
import os
import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.render import markdown_text  # noqa: E402

for i, text in enumerate(json.loads(Path(os.environ["LAB_TEXTS"]).read_text(encoding="utf-8"))):
    with st.container(key=f"text{i}"):
        st.warning(markdown_text(f"Text: {text}"))
