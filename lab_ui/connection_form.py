"""The Connections page's form: the fields of a connection type, what was typed in them, the
message beside a field, and writing to the store with a learner's mistake kept beside its field.
"""

from __future__ import annotations

import streamlit as st

from engine.errors import AirflowException
from engine.forms import FieldError, fields
from engine.lessons import connection_types
from engine.render import markdown_text
from lab_ui.panels import code_field

ERRORS = "conn_errors"  # field -> message, for the form that was last submitted
DONE = "conn_done"  # the last success message
CONFIRM = "conn_confirm_delete"
OTHER = "other (type it)"

ss = st.session_state


def field_error(field: str) -> None:
    if field in ss[ERRORS]:
        st.error(markdown_text(ss[ERRORS][field]), icon="⚠️")  # it may quote what was typed


types = [t for t in connection_types() if t != "generic"]


def type_label(t: str) -> str:
    return f"{connection_types()[t]['name']} ({t})" if t in connection_types() else t


def render_fields(prefix: str, conn_type: str, editing: bool) -> None:
    for spec in fields(conn_type):
        key = f"{prefix}_{spec['key']}"
        label = spec["label"]
        help_text = spec.get("help")
        if spec.get("secret") and editing:
            help_text = "Leave empty to keep the stored value (it is never shown)."
        if spec.get("multiline"):
            code_field(
                st.text_area,
                label,
                key=key,
                help=help_text,
                height=120,
                placeholder="stored, encrypted — leave empty to keep" if spec.get("secret") and editing else None,
            )
        else:
            code_field(
                st.text_input,
                label,
                key=key,
                help=help_text,
                type="password" if spec.get("secret") else "default",
                placeholder="stored, encrypted — leave empty to keep" if spec.get("secret") and editing else None,
            )
        field_error(spec["key"])
    st.text_input("Description", key=f"{prefix}_description")
    field_error("description")
    code_field(
        st.text_area,
        "Extra (JSON object, more fields)",
        key=f"{prefix}_extra",
        height=90,
        placeholder='{"timeout": 30}',
    )
    field_error("extra")


def collect(prefix: str, conn_type: str) -> dict[str, str]:
    keys = [spec["key"] for spec in fields(conn_type)] + ["description", "extra"]
    return {k: ss.get(f"{prefix}_{k}", "") for k in keys}


def chosen_type(prefix: str) -> str:
    picked = ss.get(f"{prefix}_type", types[0])
    return (ss.get(f"{prefix}_type_other") or "").strip() if picked == OTHER else picked


# -- add / edit ----------------------------------------------------------------------------
def write(write, error_field: str, done: str) -> bool:
    """Run a write to the store; a learner's mistake goes beside its field (``error_field`` when
    the error names none) and nothing is stored; on success, the confirmation ``done``."""
    try:
        message = write()
    except FieldError as err:
        ss[ERRORS] = {err.field: str(err)}
        return False
    except AirflowException as err:
        ss[ERRORS] = {error_field: str(err)}
        return False
    ss[ERRORS] = {}
    ss[DONE] = message or done
    return True
