"""Every page, through Streamlit's AppTest: it renders, its content is the engine's, stepping moves it."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.lessons import lesson
from engine.lessons import seed_connections as lesson_connections
from lab_ui import server as lab
from tests.helpers import ROOT, links, my_sandbox, open_app, player_data, said, step, tables, texts, unescaped

SEED_COLUMNS = ("Step", "Action", "Connection ID Used", "Airflow Internal State", "Result")

PAGES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


@pytest.mark.parametrize("page", ["app.py", *PAGES])
def test_every_page_renders_without_an_exception(page):
    at = open_app(None if page == "app.py" else page)
    assert at.title, "every page has a title"
    assert not at.get("exception")


def test_walkthrough_starts_at_step_1_with_controls_disabled_at_the_start():
    at = open_app()
    assert "Step 1 of 6: DAG starts execution" in texts(at)
    data = player_data(at)  # the buttons' states are the player's (tests/test_browser_player.py)
    assert data["step"] == 1 and data["run"]["total"] == 6 and not data["predicting"]


def test_next_updates_every_view_of_the_walkthrough():
    at = open_app()
    step(at, "next")
    step(at, "next")
    page = texts(at)
    assert "Step 3 of 6: Airflow creates client session" in page
    assert "Session object created with credentials" in page  # the step card
    assert "<li><code>session</code> → <b>Client session object created</b> ◆ changed" in page  # the variables
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert "<title>Establish Cloud Service Session: happening now</title>" in svg  # the flow
    assert "▶ Establish Cloud Service Session" in svg
    assert at.query_params["step"] == "3"  # the URL


def test_last_and_first_jump_to_the_ends():
    at = open_app()
    step(at, "last")
    assert "Step 6 of 6: DAG run ends" in texts(at)
    assert player_data(at)["step"] == 6
    step(at, "first")
    assert at.session_state["lab_player"].step == 1


def test_the_slider_moves_the_step():
    at = open_app()
    step(at, "seek", 5)
    assert "Step 5 of 6: Task completes" in texts(at)


def test_a_deep_link_opens_that_step():
    at = open_app(step="4")
    assert "Step 4 of 6: Task executes cloud API call" in texts(at)
    assert not at.warning


@pytest.mark.parametrize(
    "raw, shown, words",
    [
        ("99", 6, "There is no step 99"),
        ("abc", 1, "not a step number"),
        ("0", 1, "There is no step 0"),
        ("-2", 1, "There is no step -2"),
        ("1_0", 1, "“1_0” is not a step number"),  # int() would read 10
        ("٣", 1, "“٣” is not a step number"),  # int() would read 3 (Arabic-Indic digit)
        ("3.0", 1, "“3.0” is not a step number"),
        ("9" * 30, 6, "There is no step 999999999"),
        ("9" * 5000, 1, "is not a step number"),
    ],
)
def test_a_bad_step_in_the_url_shows_the_nearest_step_and_a_notice(raw, shown, words):
    at = open_app(step=raw)
    assert at.session_state["lab_player"].step == shown
    assert words in unescaped(at.warning[0].value)  # as the learner reads it (the notice is escaped markdown)
    assert at.query_params["step"] == str(shown)


def test_the_step_is_the_same_on_every_page():
    at = open_app(step="3")
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception
        assert at.session_state["lab_player"].step == 3, page


def test_deleting_my_gcp_conn_breaks_only_the_learners_own_dag_never_the_lesson():
    my_sandbox().delete("my_gcp_conn")
    lab.get_store().delete("my_gcp_conn")  # the CLI's shared store too
    at = open_app(step="2")
    assert "Connection details retrieved" in texts(at)
    at.switch_page("pages/process_flow.py").run()
    assert "<title>Airflow Retrieves Connection: happening now</title>" in texts(at)  # found, not failed
    own = open_app("pages/your_dag.py", step="2")
    assert "The conn_id `my_gcp_conn` isn't defined" in texts(own)
    assert "The run failed at step 2" in texts(own)


def test_a_connection_type_the_lab_has_no_hook_for_is_said_to_be_the_labs_limit():
    """Airflow raises "Unknown hook type" only when no installed provider has a hook for the type;
    the lab simulates three. A learner's postgres connection fails in the lab: the page says why."""
    from engine.connection import Connection
    from engine.dag import pack_source

    my_sandbox().add(Connection(conn_id="pg", conn_type="postgres", host="db"))
    source = "with DAG('g') as dag:\n    SQLExecuteQueryOperator(task_id='q', sql='select 1', conn_id='pg')\n"
    at = open_app("pages/your_dag.py", step="3", dag=pack_source(source))
    shown = [unescaped(i.value) for i in at.info]
    assert any(
        "Step 3 fails as Airflow fails when no installed provider has a hook" in i
        and "google_cloud_platform, aws, wasb" in i
        and "`Connection.get_hook()` would build its hook" in i
        for i in shown
    ), shown
    at = open_app("pages/your_dag.py", step="3", dag=pack_source(source.replace("'pg'", "'my_aws_conn'")))
    assert not [i for i in at.info if "no installed provider" in unescaped(i.value)]  # a type the lab has
    # ... whose hook common-sql refuses, as in Airflow (tests/test_airflow3.py asks common-sql): said so
    shown = [unescaped(i.value) for i in at.info]
    assert any(
        "Step 3 fails as it does in Airflow: common-sql's operators run SQL through a database" in i for i in shown
    )


def test_a_new_browsers_cookie_is_written_by_every_run_of_its_session():
    """A first visit gets a token for its practice connections, kept in a cookie. Written by one run
    only, its script was sometimes replaced by the next run (a click right after the first load)
    before the browser ran it: then a reload lost the learner's connections. Every run of the
    session carries it, in the page script that stands in every run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.run()
    token = at.session_state["lab_browser"]

    def written(at) -> bool:
        return any(f"document.cookie = 'lab_sandbox={token};" in e.proto.body for e in at.get("html"))

    assert written(at)
    at.switch_page("pages/connections.py").run()  # the next runs: another page, then a click
    assert written(at)
    at.run()
    assert written(at) and not at.exception


def test_process_table_marks_the_current_row_and_can_hide_the_future():
    at = open_app("pages/process_table.py", step="2")
    table = tables(at)[0]
    assert table.column(0) == ["✓ done", "▶ now", "○ next", "○ next", "○ next", "○ next"]
    assert table.current_row == 1 and table.headers[1:] == list(SEED_COLUMNS)
    at.toggle(key="lab_hide_future").set_value(True).run()
    assert len(tables(at)[0].rows) == 2


def test_variable_tracker_has_the_seed_columns_and_every_step_on_request():
    at = open_app("pages/variable_tracker.py", step="3")
    table = tables(at)[0]
    assert table.headers == ["Variable", "Start", "After Step 2", "▶ After Step 3", "After Step 5", "Final"]
    assert table.cell("session", "▶ After Step 3") == "◆ Client session object created"
    at.toggle(key="lab_every_step").set_value(True).run()
    assert len(tables(at)[0].headers) == 8


def test_execution_sample_marks_the_conn_id_line():
    at = open_app("pages/execution_sample.py")
    code = at.code[0].value
    marked = [ln for ln in code.splitlines() if "◀" in ln]
    assert marked == ["        gcp_conn_id='my_gcp_conn'  # ◀ the connection is named here, never its credentials"]
    seed = "This DAG uses a connection ID 'my_gcp_conn' to connect to Google Cloud BigQuery and run a job."
    assert seed in texts(at)  # the lesson's words, as the seed has them
    assert "inside `BigQueryInsertJobOperator.execute()`: the Google hook asks as it is built" in texts(at)
    for scenario, says, asks in [  # another cloud's DAG is not said to run a BigQuery job
        (
            "aws_s3",
            "This DAG uses a connection ID 'my_aws_conn' to connect to Amazon S3 and put an object",
            "AwsBaseHook asks the first time it needs the connection",
        ),
        (
            "azure_blob",
            "This DAG uses a connection ID 'my_azure_conn' to connect to Azure Blob Storage and upload",
            "WasbHook asks as it builds its BlobServiceClient, in get_conn()",
        ),
    ]:
        sample = open_app("pages/execution_sample.py", scenario=scenario)
        page = texts(sample)
        assert says in page and "BigQuery" not in page, page
        # only the Google hook asks as it is built: it read "when ….execute() builds its hook" for all
        assert asks in page and "builds its hook" not in page, page


def test_key_moments_show_me_opens_the_walkthrough_at_its_step_of_the_run_it_is_about():
    for scenario in ("lesson", "missing_conn_id"):  # the lesson's moments, whichever scenario is chosen
        shown = links(open_app("pages/key_moments.py", scenario=scenario))
        assert shown["Show me step 2"].endswith("?step=2")
        assert shown["Show me step 2 of “The conn_id is missing”"].endswith("?step=2&scenario=missing_conn_id")
        assert shown["Show me step 5"].endswith("?step=5")  # the lesson closes the session at step 5


def test_concept_snapshot_links_to_steps_and_marks_what_this_run_never_did():
    at = open_app("pages/concept_snapshot.py")
    assert len(lesson()["concept_snapshot"]) == 6
    assert links(at)["Step 3"].endswith("?step=3")
    failing = open_app("pages/concept_snapshot.py", scenario="missing_conn_id")
    page = texts(failing)
    assert "✗ Airflow fetches credentials at runtime" in page and "This run fails here, at step 2" in page
    assert "– Creates and uses session for cloud API calls" in page and "Not in this run" in page
    assert "▶ -" not in page  # no broken bullets


def test_transcript_highlights_the_sentence_of_the_current_step():
    at = open_app("pages/full_transcript.py", step="3")
    assert '<span class="lab-arrow">▶ </span>Airflow then creates a client session' in texts(at)
    step(at, "next")
    assert '<span class="lab-arrow">▶ </span>The task uses this session' in texts(at)
    assert texts(at).count('class="lab-arrow"') == 1


def test_quiz_question_2_has_the_trackers_value_as_its_right_option():
    at = open_app("pages/quiz.py")
    radio = at.radio(key="quiz_seed-2_1")
    assert "C. Session closed" in radio.options
    radio.set_value("C. Session closed").run()
    at.button(key="check_seed-2").click().run()
    assert any("Right (first try): Session closed" in s for s in said(at.success))


def test_predict_then_step_checks_the_learners_prediction():
    at = open_app()
    at.toggle(key="lab_predict").set_value(True).run()
    assert player_data(at)["predicting"]  # the player's Next waits for the prediction
    at.selectbox(key="predict_variable_2").set_value("connection_details").run()
    becomes = at.selectbox(key="predict_value_2")
    assert set(becomes.options) == {
        "None",
        "Credentials and config loaded",
        "Empty connection (no credentials)",
        "None (released)",
    }  # this variable's values only
    becomes.set_value("Credentials and config loaded").run()
    at.button(key="predict_reveal").click().run()
    assert at.session_state["lab_player"].step == 2
    assert any("Right" in s for s in said(at.success))
    assert at.selectbox(key="predict_variable_3").value == "Nothing changes"  # a new step, a fresh prediction
    assert at.selectbox(key="predict_value_3").value is None
    at.selectbox(key="predict_variable_3").set_value("task_status").run()
    at.selectbox(key="predict_value_3").set_value("Success").run()
    at.button(key="predict_reveal").click().run()
    assert any("Not quite" in e and "session goes from" in e for e in said(at.error))


def test_your_dag_runs_from_step_1_in_the_chosen_scenario_and_the_url_keeps_it():
    at = open_app("pages/your_dag.py", step="4", scenario="job_fails")
    assert at.session_state["lab_player"].step == 4
    at.button(key="own_dag_run").click().run()
    assert at.session_state["lab_player"].step == 1  # a new run starts at its first step
    packed = at.query_params["dag"]
    step(at, "last")
    assert "BadRequest: 400" in texts(at)  # the scenario's cloud fails the job: the picker applies here too
    again = open_app("pages/your_dag.py", dag=packed)  # a reload, or the link shared
    assert again.text_area(key="own_dag_source").value == at.text_area(key="own_dag_source").value
    broken = open_app("pages/your_dag.py", dag="not-a-packed-dag")
    assert any("the link is damaged" in w for w in said(broken.warning))


def test_your_dag_starts_from_the_chosen_scenarios_dag_and_keeps_the_learners_when_it_changes():
    """Opened under "Amazon S3", the page showed the BigQuery DAG of the lesson, run against S3's
    scenario: a learner who chose S3 starts from S3's DAG. Choosing another scenario afterwards runs
    the learner's DAG, as edited, in that one (its environment and cloud); it is not replaced."""
    at = open_app("pages/your_dag.py", scenario="aws_s3")
    source = at.text_area(key="own_dag_source").value
    assert "S3CreateObjectOperator" in source and "aws_conn_id='my_aws_conn'" in source, source
    assert "BigQuery" not in source
    assert "my_aws_conn" in texts(at)  # the run shown is this DAG's
    edited = source.replace("task_id='", "task_id='mine_")
    at.text_area(key="own_dag_source").input(edited).run()
    at.button(key="own_dag_run").click().run()
    at.sidebar.selectbox(key="scenario_select").select("job_fails").run()
    assert at.text_area(key="own_dag_source").value == edited
    assert "mine_" in texts(at)
    assert "S3CreateObjectOperator" not in open_app("pages/your_dag.py").text_area(key="own_dag_source").value


def test_a_conn_id_with_a_character_that_cannot_be_seen_is_shown_to_hold_it():
    """A conn_id pasted from a web page may hold a zero-width space: Airflow then says
    "The conn_id `my_gcp_conn` isn't defined", the character unseen, of the connection the learner
    sees stored. The warning above the player names the character, where it is, and the line."""
    from engine.dag import pack_source
    from engine.lessons import scenario

    lesson = scenario("lesson").dag_source
    assert "'my_gcp_conn'" in lesson and lesson.splitlines()[7].strip().startswith("gcp_conn_id")  # line 8
    for conn_id, said_of_it in (
        ("my_gcp_conn\u200b", "U+200B ZERO WIDTH SPACE at the end"),
        ("my\u00a0gcp_conn", "U+00A0 NO-BREAK SPACE after “my”"),
        (" my_gcp_conn", "U+0020 SPACE at the start"),
    ):
        at = open_app("pages/your_dag.py", dag=pack_source(lesson.replace("'my_gcp_conn'", repr(conn_id))))
        warned = " ".join(said(at.warning))
        assert "Step 2 fails" in warned and said_of_it in warned and "(line 8)" in warned, warned
    at = open_app("pages/your_dag.py", dag=pack_source(lesson.replace("'my_gcp_conn'", "'my_gcp_con'")))
    warned = " ".join(said(at.warning))
    assert "Step 2 fails" in warned and "cannot be seen" not in warned, warned  # a typo is seen


def test_your_dag_lists_tasks_that_use_no_connection():
    at = open_app("pages/your_dag.py")
    source = at.text_area(key="own_dag_source").value
    extra = "    prepare = PythonOperator(task_id='prepare', python_callable=print)\n"
    at.text_area(key="own_dag_source").set_value(source + extra)
    at.button(key="own_dag_run").click().run()
    page = texts(at)
    assert "“prepare” (PythonOperator, line" in page and "listed and not run" in page
    assert not at.error


def test_a_long_dag_is_summed_up_above_the_player_and_listed_whole_in_a_fold():
    """A DAG of more than ten tasks was listed task by task above the player: 500 tasks pushed the
    player ~9,000 px down. Now the page counts them by operator and conn_id (a conn_id is text,
    however it is written), names every task in a folded list, and names ten of the tasks that use
    no connection; a DAG of a few tasks is still listed in full."""
    from engine.dag import pack_source

    lines = ["from airflow import DAG", "with DAG('many') as dag:"]
    for i in range(12):  # 8 over one connection, 4 over another
        conn = "my_gcp_conn" if i < 8 else "<b>x</b>*y*\n\n[l](https://evil.example)"
        lines.append(f"    BigQueryInsertJobOperator(task_id='load_{i}', gcp_conn_id={conn!r})")
    lines += [f"    PythonOperator(task_id='prep_{i}', python_callable=print)" for i in range(13)]
    at = open_app("pages/your_dag.py", dag=pack_source("\n".join(lines) + "\n"))
    assert not at.exception
    summary = next(m.value for m in at.markdown if "many" in m.value)
    assert "12 tasks that use a connection" in summary
    assert "8 × BigQueryInsertJobOperator with <code>gcp_conn_id='my_gcp_conn'</code>" in summary
    hostile = "&lt;b&gt;x&lt;/b&gt;*y*&#10;&#10;[l](https://evil.example)"  # no blank line: no Markdown after it
    assert f"4 × BigQueryInsertJobOperator with <code>gcp_conn_id='{hostile}'</code>" in summary
    assert "load_0" not in summary and "<b>x</b>" not in summary and "\n" not in summary
    (fold,) = [e for e in at.expander if e.label == "All 12 tasks by name"]
    names = " ".join(m.value for m in fold.markdown)
    assert all(f"<code>load_{i}</code>" in names for i in range(12))
    others = next(unescaped(c.value) for c in at.caption if "listed and not run" in c.value)
    assert "prep_9" in others and "prep_10" not in others and "and 3 more" in others
    few = open_app("pages/your_dag.py")  # the lesson's DAG, one task: named, nothing folded
    assert any("<code>bq_task</code>" in m.value for m in few.markdown) and not few.expander
    lines = ["from airflow import DAG", "with DAG('spread') as dag:"]  # twelve conn_ids: ten counted
    lines += [f"    BigQueryInsertJobOperator(task_id='t{i}', gcp_conn_id='c{i}')" for i in range(12)]
    spread = open_app("pages/your_dag.py", dag=pack_source("\n".join(lines) + "\n"))
    summary = next(m.value for m in spread.markdown if "spread" in m.value)
    assert "gcp_conn_id='c9'" in summary and "'c10'" not in summary and "and 2 more combinations" in summary


def test_a_database_that_is_down_is_one_clear_message(monkeypatch):
    monkeypatch.setenv("LAB_DATABASE_URL", "postgresql+psycopg://lab@127.0.0.1:1/lab?connect_timeout=2")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception and not at.error  # the lesson needs no database: it runs on its own practice set
    assert "Step 1 of 6" in texts(at)
    at.switch_page("pages/connections.py").run()  # a learner's own connections do
    assert not at.exception
    assert any("database cannot be reached" in e for e in said(at.error))


def test_a_missing_key_file_is_one_clear_message_on_the_page(tmp_path, monkeypatch):
    from engine.store import open_store

    home = tmp_path / "home"
    monkeypatch.setenv("LAB_HOME", str(home))
    store, keys = open_store({"LAB_HOME": str(home)})
    store.seed_if_empty(lesson_connections())
    Path(keys.origin).unlink()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    at.switch_page("pages/connections.py").run()
    assert not at.exception
    assert any("is missing, but the database holds connections encrypted" in e for e in said(at.error))


def test_the_sidebar_links_every_page_from_the_pages_the_session_made_once():
    from lab_ui.frame import PAGE_OBJECTS, PAGES

    at = open_app()
    made = list(at.session_state[PAGE_OBJECTS])
    step(at, "next")
    at.switch_page("pages/process_table.py").run()
    assert [id(p) for p in at.session_state[PAGE_OBJECTS]] == [id(p) for p in made]  # not made again
    sidebar = links(at)
    for path, title, _ in PAGES:
        assert sidebar[title].startswith(f"/{Path(path).stem if path != PAGES[0][0] else ''}?"), title
        assert "step=2" in sidebar[title], title


def test_links_inside_pages_resolve_no_file_on_a_rerun(monkeypatch):
    """A link given a path makes Streamlit resolve the file (system calls that let go of the
    interpreter's lock and, with a class on the server, wait to get it back); given the session's
    page object, it does not, and still leads to the same place."""
    import os.path
    import traceback

    resolved = []
    realpath = os.path.realpath

    def watched(path, *args, **kwargs):  # the files a page link resolves (AppTest itself resolves others)
        if any(frame.name == "_page_link" for frame in traceback.extract_stack()):
            resolved.append(str(path))
        return realpath(path, *args, **kwargs)

    at = open_app(scenario="missing_conn_id")  # the scenario panel links to the comparison
    for page, label in (
        ("pages/walkthrough.py", "The whole run in a table"),
        ("pages/walkthrough.py", "Compare it with the lesson, side by side"),
        ("pages/key_moments.py", "Show me step 2"),
        ("pages/concept_snapshot.py", None),
    ):
        at.switch_page(page).run()
        monkeypatch.setattr(os.path, "realpath", watched)
        at.run()
        monkeypatch.setattr(os.path, "realpath", realpath)
        shown = links(at)
        assert not [p for p in resolved if "/pages/" in p], (page, resolved)
        if label:
            assert label in shown, (page, sorted(shown))
    assert links(at)  # the concept snapshot links its steps too
    from tests.test_quiz import answer

    at = open_app("pages/quiz.py")
    answer(at, "seed-1", "Step 3")  # the "Show me" link comes with the feedback
    monkeypatch.setattr(os.path, "realpath", watched)
    at.run()
    monkeypatch.setattr(os.path, "realpath", realpath)
    assert any(label.startswith("Show me step") for label in links(at))
    assert not [p for p in resolved if "/pages/" in p], resolved
