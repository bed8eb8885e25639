"""The Connections page: define, store securely, test, export, import and delete connections.

The first two nodes of the lesson's flow, for real, on the engine's encrypted store.
"""

import streamlit as st

from lab_ui import connection_tabs as tabs
from lab_ui import frame, state

frame.require()

tabs.intro()
tabs.connection_list()
conn_ids = state.sandbox_store().conn_ids()  # read once for every tab's picker
labels = ["➕ Add", "✏️ Edit", "🧪 Test", "🔒 What is stored", "📤 Export", "📥 Import", "🗑️ Delete"]
parts = [tabs.add_tab, tabs.edit_tab, tabs.test_tab, tabs.stored_tab, tabs.export_tab, tabs.import_tab, tabs.delete_tab]
# A keyed tab set keeps the chosen tab across Save, Import and Delete; the confirmation shows in it.
chosen = st.session_state.get("connections_tab") or labels[0]
for label, tab, draw in zip(labels, st.tabs(labels, key="connections_tab", on_change="rerun"), parts):
    with tab:
        if label == chosen:
            tabs.confirmation()
        draw(conn_ids)
