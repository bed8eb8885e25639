"""The Connections page: define, store securely, test, export, import and delete connections.

The first two nodes of the lesson's flow, for real, on the engine's encrypted store.
"""

import streamlit as st

from lab_ui import connection_tabs as tabs
from lab_ui import frame

frame.require()

tabs.intro()
tabs.connection_list()
add, edit, test, stored, export, import_, delete = st.tabs(
    ["➕ Add", "✏️ Edit", "🧪 Test", "🔒 What is stored", "📤 Export", "📥 Import", "🗑️ Delete"]
)
with add:
    tabs.add_tab()
with edit:
    tabs.edit_tab()
with test:
    tabs.test_tab()
with stored:
    tabs.stored_tab()
with export:
    tabs.export_tab()
with import_:
    tabs.import_tab()
with delete:
    tabs.delete_tab()
