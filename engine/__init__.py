"""The lab's engine: pure Python, no Streamlit.

connection  — Airflow's two Connection classes (models for the store, sdk for a task), conn_id rules
uri, values — Airflow's URI format; what a field's value may be (text, port, strict JSON)
masking     — Airflow's secrets masker: what is shown as ***
crypto      — Fernet keys (LAB_FERNET_KEY or a generated key file), rotation
table, store — Airflow's connection table (SQLAlchemy); the store, encrypted at rest
secrets     — the lookup chain: AIRFLOW_CONN_* first, then the metadata DB
transfer, listing — export/import files as `airflow connections` has them; the masked list
dag         — reads a DAG file with ast (never runs it), within limits for a learner's DAG
hooks       — simulated provider hooks, client sessions and the cloud
simulator, pacing — the runner, one step at a time; deterministic ids and the GC pause
trace, player — the recorded run (self-contained) and the step cursor over it
views, flow — the Trace as the lesson's tables and its process-flow graph (one palette)
lessons, schema — lesson content loaded from data/, checked against its schema
quiz, progress — answer keys computed from runs; learners' answers and scores
"""
