"""The DAG reader: ast only, never executing the learner's source."""

from __future__ import annotations

import pytest

from engine.dag import DagSourceError, read_dag
from engine.lessons import scenario


def test_the_seed_dag_is_read_from_its_source():
    dag = read_dag(scenario("lesson").dag_source)
    assert dag.dag_id == "example_dag"
    (task,) = dag.tasks
    assert (task.task_id, task.operator, task.conn_arg, task.conn_id, task.conn_lineno) == (
        "bq_task",
        "BigQueryInsertJobOperator",
        "gcp_conn_id",
        "my_gcp_conn",
        8,
    )


def test_a_missing_conn_arg_uses_airflows_default():
    dag = read_dag("with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t', configuration={})\n")
    assert dag.tasks[0].conn_id == "google_cloud_default" and dag.tasks[0].conn_lineno is None


@pytest.mark.parametrize(
    "source, words, line",
    [
        ("with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t',\n", "Syntax error", 2),
        (
            "with DAG('d') as dag:\n    X = 'c'\n    BigQueryInsertJobOperator(task_id='t', gcp_conn_id=X)\n",
            "literal string",
            3,
        ),
        ("with DAG('d') as dag:\n    MysteryOperator(task_id='t', my_conn_id='c')\n", "does not know the operator", 2),
        ("BigQueryInsertJobOperator(task_id='t', gcp_conn_id='c')\n", "No DAG found", None),
        ("with DAG('d') as dag:\n    pass\n", "No task of this DAG uses a connection", 1),
        (
            "with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t')\n"
            "    BigQueryInsertJobOperator(task_id='t')\n",
            "already been added",
            3,
        ),
    ],
)
def test_bad_sources_get_a_message_with_the_line(source, words, line):
    with pytest.raises(DagSourceError, match=words) as info:
        read_dag(source)
    assert info.value.lineno == line


def test_code_in_the_dag_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    source = (
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('x')\n"
        f"__import__('os').system('touch {marker}')\n"
        "with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t', gcp_conn_id='c')\n"
    )
    assert read_dag(source).tasks[0].conn_id == "c"
    assert not marker.exists()


def test_a_dag_source_travels_in_a_url_and_a_hostile_one_is_refused():
    import base64
    import zlib

    from engine.dag import SOURCE_MAX, pack_source, unpack_source

    source = "with DAG('d') as dag:\n    BigQueryInsertJobOperator(task_id='t', gcp_conn_id='c')  # é\n"
    assert unpack_source(pack_source(source)) == source
    assert pack_source("x = 1\n" + "".join(f"# {i} {i * 7919}\n" for i in range(5000))) is None  # too long for a URL
    bomb = base64.urlsafe_b64encode(zlib.compress(b"a" * (SOURCE_MAX * 50))).decode()
    link = pack_source(source)
    for hostile, said in (
        (bomb, "longer than the 200,000 characters"),
        (link[: len(link) // 2], "cut off"),  # a link copied in part
        ("eJw", "cut off"),
        ("!!!", "damaged"),
        ("%%%", "damaged"),  # once read as no bytes at all, and so "cut off"
        (link[:8] + "%" + link[8:], "damaged"),
        (base64.urlsafe_b64encode(b"not zlib").decode(), "damaged"),
        (base64.urlsafe_b64encode(zlib.compress(b"\xff\xfe")).decode(), "damaged"),  # not UTF-8
    ):
        with pytest.raises(DagSourceError, match=said):
            unpack_source(hostile)


def test_a_learners_dag_has_limits_with_clear_messages_and_a_bounded_cost():
    import time
    import tracemalloc

    from engine.dag import PAGE_LIMITS, read_dag

    nested = "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n"
    calls = "x = " + "f(" * 3000 + "1" + ")" * 3000 + "\n"
    many = "with DAG('d') as dag:\n" + "".join(
        f"    BigQueryInsertJobOperator(task_id='t{i}', gcp_conn_id='c')\n" for i in range(PAGE_LIMITS.tasks + 1)
    )
    huge = "# padding\n" * 20_000
    cases = [
        (nested, "nests too deeply|Syntax error"),
        (calls, "nests too deeply|Syntax error"),
        (many, "tasks; the lab steps through DAGs of up to 500"),
        (huge, "characters long"),
    ]
    for source, words in cases:
        tracemalloc.start()
        start = time.perf_counter()
        with pytest.raises(DagSourceError, match=words):
            read_dag(source, PAGE_LIMITS)
        seconds, peak = time.perf_counter() - start, tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert seconds < 5 and peak < 200_000_000, (words, seconds, peak)  # a hostile DAG is cheap to refuse
