"""The Connections page's parts: its list, and the add, edit, test, what-is-stored, export,
import and delete tabs. Every widget writes through ``engine.forms``/``engine.store``; a learner's
mistake becomes a message beside the field it concerns, and nothing stored changes.
"""

from __future__ import annotations

import re

import streamlit as st

from engine.errors import AirflowException
from engine.forms import FieldError, build_connection, form_type, form_values
from engine.hooks import test_connection
from engine.lessons import connection_test_note, connection_types, seed_connections
from engine.listing import connection_rows
from engine.masking import MASK, SENSITIVE_WORDS
from engine.render import markdown_text
from engine.secrets import connection_from_text
from engine.transfer import env_line, export_text, file_format_of, parse_text
from lab_ui import server, state
from lab_ui.connection_form import (
    CONFIRM,
    DONE,
    ERRORS,
    OTHER,
    chosen_type,
    collect,
    field_error,
    render_fields,
    type_label,
    types,
    write,
)
from lab_ui.panels import code_field, html_table

ss = st.session_state


def intro() -> None:
    """What the page is, where the key comes from, and the last action's confirmation."""
    ss.setdefault(ERRORS, {})
    _, created = server.key_origin()
    st.caption(
        "The lesson's flow starts here: **Define Connection in Airflow UI** and **Store Credentials Securely**. "
        "Passwords and extras are Fernet-encrypted before they reach the database"
        f"{' (with a key generated on this first start)' if created else ''}. "
        "These are **your own practice connections**: what you add, edit or delete here is yours alone and "
        "is what your DAG (the Your DAG page) runs against. The lesson and its scenarios always run on the "
        "lesson's own practice connections, so nothing you do here changes anyone's lesson."
    )
    member = ss.get(state.MEMBER)
    who = f"{member.name}'s (kept with your class name and PIN)" if member else "this browser's (kept in a cookie)"
    # One row that wraps: the button is as wide as its words (in a quarter-width column its label was
    # cut to "Reset my practice connecti…" on a laptop)
    row = st.container(horizontal=True, vertical_alignment="center", horizontal_alignment="distribute")
    row.caption(f"Practice connections: {who}.", width="content")
    if not ss.get(RESET_ASKED):
        row.button(
            "Reset my practice connections",
            key="sandbox_reset",
            on_click=lambda: ss.update({RESET_ASKED: True}),
            help="Put back the lesson's practice connections; what you added, edited or deleted is undone.",
        )
        return
    st.warning("Reset? Every connection you added, edited or deleted goes back to the lesson's practice set.", icon="⚠️")
    yes, no = st.columns(2)
    yes.button("Yes, reset them", key="sandbox_reset_yes", type="primary", on_click=_reset)
    no.button("Cancel", key="sandbox_reset_no", on_click=lambda: ss.update({RESET_ASKED: False}))


RESET_ASKED = "sandbox_reset_asked"


def _reset() -> None:
    ss[RESET_ASKED] = False
    restored = state.sandbox_store().reset(seed_connections())
    ss[DONE] = f"Your practice connections are the lesson's again: {', '.join(restored)}."


def confirmation() -> None:
    """The last action's confirmation, shown inside the tab where it was made."""
    if ss.get(DONE):
        st.success(markdown_text(ss.pop(DONE)), icon="✅")  # it may quote a pasted connection's type


def connection_list() -> None:
    """Every stored and environment connection, secrets masked."""
    store = state.sandbox_store()
    rows, unreadable = connection_rows(store)
    st.subheader("Stored connections")
    caption = f"{len(rows)} connections: where each comes from, its type and host; secrets masked."
    headers = list(rows[0]) if rows else ["conn_id"]
    st.markdown(html_table(headers, [[str(v) for v in r.values()] for r in rows], caption), unsafe_allow_html=True)
    for message in unreadable:
        st.error(markdown_text(message), icon="🔒")
    st.caption(
        "An `AIRFLOW_CONN_<ID>` environment variable is found before the metadata DB, as in Airflow; "
        "it is read-only here."
    )


def save_new() -> None:
    conn_type = chosen_type("add")

    def add():
        conn = build_connection(ss.get("add_conn_id", ""), conn_type, collect("add", form_type(conn_type)))
        state.sandbox_store().add(conn)
        return f"Added `{conn.conn_id}` ({conn.conn_type}); its secrets are stored encrypted."

    if write(add, "conn_id", ""):
        for key in ["conn_id", "type_other", *collect("add", form_type(conn_type))]:
            ss[f"add_{key}"] = ""


def load_for_edit() -> None:
    store = state.sandbox_store()
    conn_id = ss.get("edit_pick")
    if not conn_id:
        return
    conn = store.get(conn_id)
    ss["edit_loaded"] = (conn_id, store.raw_row(conn_id))
    ss["edit_conn_type"] = conn.conn_type
    for key, value in form_values(conn).items():
        ss[f"edit_{key}"] = value
    ss["edit_description"] = conn.description or ""
    ss[ERRORS] = {}


def save_edit() -> None:
    store = state.sandbox_store()
    conn_id, expected = ss["edit_loaded"]
    existing = store.get(conn_id)
    conn_type = ss.get("edit_conn_type") or existing.conn_type

    def update():
        conn = build_connection(conn_id, conn_type, collect("edit", form_type(conn_type)), existing=existing)
        store.update(conn, expected=expected)

    if write(update, "description", f"Saved `{conn_id}`. The next run of the lesson uses it."):
        load_for_edit()


def ask_delete(conn_id: str) -> None:
    ss[CONFIRM] = conn_id


def delete_confirmed(conn_id: str) -> None:
    store = state.sandbox_store()
    store.delete(conn_id)
    ss[CONFIRM] = None
    ss[DONE] = f"Deleted `{conn_id}`."


def add_tab(conn_ids: list[str]) -> None:
    """Every tab takes the stored conn_ids, read once per rerun; this one has no picker."""
    # The type shapes the form, so it is chosen first; the fields are one form that Save commits
    # together (a field left with Tab or a click is never lost, a secret included).
    st.selectbox("Connection Type", [*types, "generic", OTHER], key="add_type", format_func=type_label)
    with st.form("add_form", border=False, enter_to_submit=False):
        code_field(
            st.text_input,
            "Connection Id",
            key="add_conn_id",
            help="Letters, digits, dashes, dots and underscores, at most 200 characters: "
            "what `airflow connections add` and Airflow's REST API accept.",
        )
        field_error("conn_id")
        if ss.get("add_type") == OTHER:
            code_field(
                st.text_input,
                "Type name",
                key="add_type_other",
                help="Any type Airflow knows; it gets the generic form.",
            )
            field_error("conn_type")
        render_fields("add", form_type(chosen_type("add")), editing=False)
        st.form_submit_button("Save", key="add_save", type="primary", on_click=save_new)


def edit_tab(conn_ids: list[str]) -> None:
    if not conn_ids:
        st.info("No connection is stored yet.")
    else:
        st.selectbox(
            "Connection",
            conn_ids,
            index=None,
            key="edit_pick",
            on_change=load_for_edit,
            placeholder="Choose a connection to edit",
        )
        loaded = ss.get("edit_loaded")
        if loaded and loaded[0] == ss.get("edit_pick") and loaded[0] in conn_ids:
            st.markdown(markdown_text(f"Editing `{loaded[0]}` — type `{ss['edit_conn_type']}`"))  # a type is any text
            with st.form("edit_form", border=False, enter_to_submit=False):
                render_fields("edit", form_type(ss["edit_conn_type"]), editing=True)
                st.form_submit_button("Save changes", key="edit_save", type="primary", on_click=save_edit)


def pick_connection(conn_ids: list[str], key: str, label: str = "Connection"):
    """The store and the conn_id the learner picked in this tab (``None`` until one is)."""
    return state.sandbox_store(), st.selectbox(label, conn_ids, index=None, key=key)


def test_tab(conn_ids: list[str]) -> None:
    st.info(connection_test_note(), icon="ℹ️")
    store, pick = pick_connection(conn_ids, "test_pick", "Connection to test")
    if pick and st.button("Test", key="test_run"):
        conn = store.get(pick)
        ok, message = test_connection(conn)
        (st.success if ok else st.error)(("✅ " if ok else "❌ ") + markdown_text(message))
        st.caption(
            "What a real test checks: " + " ".join(connection_types()[form_type(conn.conn_type)]["test_checks"].split())
        )


def stored_tab(conn_ids: list[str]) -> None:
    store, pick = pick_connection(conn_ids, "stored_pick")
    if pick:
        raw = store.raw_row(pick)
        left, right = st.columns(2)
        with left:
            st.markdown("**The row as the database holds it**")
            st.json({k: getattr(raw, k) for k in raw.__dataclass_fields__}, expanded=True)
            st.caption(
                "`password` and `extra` are Fernet tokens: AES-128 encrypted and signed; "
                "`is_encrypted` / `is_extra_encrypted` say so."
            )
        with right:
            st.markdown("**Decrypted in memory, shown masked**")
            try:
                st.json(store.get(pick).masked_dict(), expanded=True)
            except AirflowException as err:
                st.error(markdown_text(str(err)), icon="🔒")
            st.caption(f"Fields whose names contain a sensitive word are shown as `{MASK}`, as Airflow masks them.")


def export_tab(conn_ids: list[str]) -> None:
    store, pick = pick_connection(conn_ids, "export_pick")
    if pick:
        conn = store.get(pick)
        uri, as_json, line = conn.get_uri(), conn.as_json(), env_line(conn)
        st.markdown("As an Airflow **URI** (secrets masked here; the download has them):")
        st.code(conn.redact(uri), language=None, wrap_lines=True)
        st.markdown("As Airflow **JSON**:")
        st.code(conn.redact(as_json), language="json", wrap_lines=True)
        st.markdown("As an **environment variable**, found before the metadata DB:")
        st.code(conn.redact(line), language="bash", wrap_lines=True)
        st.warning(
            "The downloads hold the secrets in clear: keep the files private and delete them after use.", icon="🔑"
        )
        cols = st.columns(3)
        cols[0].download_button("Download URI", uri, file_name=f"{pick}.uri.txt", key="dl_uri")
        cols[1].download_button("Download JSON", as_json, file_name=f"{pick}.json", key="dl_json")
        cols[2].download_button("Download .env line", line + "\n", file_name=f"{pick}.env", key="dl_env")
    if conn_ids:
        st.download_button(
            "Export all, secrets in clear (airflow connections import accepts it)",
            export_text(store.list(), "json"),
            file_name="connections.json",
            key="dl_all",
        )


def import_pasted() -> None:
    text = (ss.get("import_text") or "").strip()
    conn_id = (ss.get("import_conn_id") or "").strip()

    def add():
        if not conn_id:
            raise FieldError("import_conn_id", "Give the new connection an id.")
        conn = connection_from_text(text, conn_id)
        state.sandbox_store().add(conn)
        return f"Imported `{conn.conn_id}` ({conn.conn_type})."

    if write(add, "import_text", ""):
        ss["import_text"] = ""
        ss["import_conn_id"] = ""
    elif may_hold_secret(text):  # a refused paste is not left on the page with its password in clear
        ss["import_text"] = ""
        errors = ss.get(ERRORS) or {}
        field = next(iter(errors), "import_text")
        errors[field] = (
            f"{errors.get(field, '')} The pasted text was cleared, as it may hold a secret; paste it again once fixed."
        )
        ss[ERRORS] = errors


def may_hold_secret(text: str) -> bool:
    """A pasted URI with a login or password (``…:…@``), or JSON naming a sensitive field."""
    lowered = text.lower()
    return bool(re.search(r"://[^/?#]*:[^/?#]*@|://[^@]*@", text)) or any(w in lowered for w in SENSITIVE_WORDS)


def import_tab(conn_ids: list[str]) -> None:
    """Paste one connection, or import a file (every tab takes the stored conn_ids; no picker here)."""
    store = state.sandbox_store()
    code_field(st.text_input, "Connection Id", key="import_conn_id")
    field_error("import_conn_id")
    code_field(
        st.text_area,
        "Paste an Airflow URI or JSON",
        key="import_text",
        height=100,
        placeholder='google-cloud-platform://?project=my-project  or  {"conn_type": "aws", ...}',
    )
    field_error("import_text")
    st.button("Import", key="import_run", on_click=import_pasted)
    st.markdown("**Or a file** written by `airflow connections export` (JSON, YAML or .env):")
    upload = st.file_uploader("Connections file", type=["json", "yaml", "yml", "env"], key="import_file")
    overwrite = st.checkbox("Overwrite connections that exist", key="import_overwrite")
    if upload is not None and st.button("Import file", key="import_file_run"):
        try:
            conns = parse_text(upload.getvalue().decode("utf-8"), file_format_of(upload.name))
            outcome = store.import_connections(list(conns.values()), overwrite)
        except (AirflowException, UnicodeDecodeError) as err:
            st.error(markdown_text(f"Nothing was imported: {err}"), icon="⚠️")  # it may quote the file
        else:
            said = ", ".join(f"`{k}` {v}" for k, v in outcome.items()) or "The file holds no connection."
            st.success(markdown_text(said))


def delete_tab(conn_ids: list[str]) -> None:
    _, pick = pick_connection(conn_ids, "delete_pick")
    if pick:
        if ss.get(CONFIRM) == pick:
            st.warning(
                f"Delete `{pick}`? A DAG that uses it will fail at step 2 with “The conn_id `{pick}` isn't defined”.",
                icon="⚠️",
            )
            cols = st.columns(2)
            cols[0].button(
                f"Yes, delete {pick}", key="delete_yes", type="primary", on_click=delete_confirmed, args=(pick,)
            )
            cols[1].button("Cancel", key="delete_no", on_click=ask_delete, args=(None,))
        else:
            st.button(f"Delete {pick}…", key="delete_ask", on_click=ask_delete, args=(pick,))
