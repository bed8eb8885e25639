"""The lab's engine: pure Python, no Streamlit.

connection  — Airflow's Connection: fields, URI and JSON forms, conn_id rule
masking     — Airflow's secrets masker: what is shown as ***
crypto      — Fernet keys (LAB_FERNET_KEY or a generated key file), rotation
store       — the metadata DB's connection table (SQLAlchemy), encrypted at rest
secrets     — the lookup chain: AIRFLOW_CONN_* first, then the metadata DB
dag         — reads a DAG file with ast (never runs it)
hooks       — simulated provider hooks, client sessions and the cloud
simulator   — the runner: one step at a time, recorded as a Trace
views, flow — the Trace as the lesson's tables and its process-flow graph
lessons     — lesson content loaded from data/
"""
