"""Engine and store figures: run time and peak memory, each beside a baseline from the same run.

    python benchmarks/engine_bench.py [--quick]

1. One run of the lesson (against a seeded SQLite store).
2. Generated DAGs of 10, 100, 1,000 and 10,000 tasks over 1-10 connections, read from source
   and run; the growth from 1,000 to 10,000 tasks (linear would be 10x).
   Baseline: ``ast.parse`` of the same DAG source (the least any reader of the DAG must do), with
   the cyclic garbage collector paused as the engine pauses it for a run (the same GC setting).
3. The step player's payload (what a stepped page sends the browser once): the lesson's pages
   and the Your DAG page of a generated DAG, its size and the time to build it.
4. Resolving a connection (decryption included) 1,000 times (100 with --quick) on SQLite, and on
   PostgreSQL when its server binaries are installed. Baseline: the same row fetched as many times
   with a raw DBAPI query (no ORM, no decryption).
"""

from __future__ import annotations

import argparse
import ast
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from engine.dag import read_dag  # noqa: E402
from engine.lessons import scenario  # noqa: E402
from engine.pacing import cyclic_gc_paused  # noqa: E402
from engine.secrets import default_backends, resolve_connection  # noqa: E402
from engine.simulator import run, run_scenario  # noqa: E402
from tests.helpers import generated_dag, store_with  # noqa: E402

MOST_REPEATS = None  # --quick: every figure from at most 2 calls (a smoke test of the rows, not figures)


def timed(fn, repeat: int) -> tuple[float, int]:
    """(median seconds, peak bytes) of ``fn`` over ``repeat`` calls."""
    times = []
    for _ in range(min(repeat, MOST_REPEATS or repeat)):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return statistics.median(times), peak


def row(name: str, value: float, base: float, unit: str = "ms", extra: str = "") -> None:
    digits = 0 if unit == "B" else 2
    print(f"| {name} | {value:,.{digits}f} {unit} | {base:,.{digits}f} {unit} | {value / base:,.2f}x | {extra} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Engine and store benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke test")
    args = parser.parse_args(argv)
    global MOST_REPEATS
    MOST_REPEATS = 2 if args.quick else None
    sizes = [10, 100, 1_000] if args.quick else [10, 100, 1_000, 10_000]
    with tempfile.TemporaryDirectory() as tmp:
        store = store_with(f"sqlite:///{tmp}/bench.db", 10)
        print("| measure | time | baseline | ratio | notes |")
        print("|---|---|---|---|---|")
        lesson_time, lesson_peak = timed(lambda: run_scenario(scenario("lesson"), store), 20)
        parse_time, _ = timed(lambda: ast.parse(scenario("lesson").dag_source), 20)
        row(
            "engine: one run of the lesson",
            lesson_time * 1e3,
            parse_time * 1e3,
            extra=f"peak {lesson_peak / 1e3:,.0f} kB; baseline: ast.parse of the DAG",
        )
        results = {}
        for n in sizes:
            for k in (1, 10):
                source = generated_dag(n, k)
                backends = default_backends(store, {})
                steps = len(run(read_dag(source), backends).steps)
                # Medians of many: the growth target compares two of them, and on a shared machine a
                # median of 7 runs of 1,000 tasks (~45 ms each) moved by a tenth from run to run.
                repeat = 7 if n >= 10_000 else 21
                t, peak = timed(lambda source=source, backends=backends: run(read_dag(source), backends), repeat)
                base, _ = timed(lambda source=source: parse_paused(source), repeat)
                results[(n, k)] = (t, peak, base)
                row(
                    f"engine: {n:,} tasks over {k} connection(s), read and run",
                    t * 1e3,
                    base * 1e3,
                    extra=f"{steps:,} steps; peak {peak / 1e6:,.1f} MB",
                )
        breakdown(store, sizes[-1])
        if 10_000 in sizes:
            for k in (1, 10):
                (t1, m1, b1), (t2, m2, b2) = results[(1_000, k)], results[(10_000, k)]
                print(
                    f"| growth 1,000 → 10,000 tasks, {k} conn. | time ×{t2 / t1:.1f} | memory ×{m2 / m1:.1f} "
                    f"| (linear: ×10) | ast.parse of the same DAGs: ×{b2 / b1:.1f} |"
                )
        bench_payloads(store, [100] if args.quick else [100, 500, 1_000])
        resolves = 100 if args.quick else 1_000
        bench_store("SQLite", f"sqlite:///{tmp}/resolve.db", resolves)
        pg = postgres_url()
        if pg is not None:
            url, stop = pg
            try:
                bench_store("PostgreSQL", url, resolves)
            finally:
                stop()
        else:
            print("| store: PostgreSQL | skipped | | | server binaries not installed |")
    return 0


def breakdown(store, n: int) -> None:
    """What reading and running the largest DAG is made of, each beside the same ``ast.parse``:
    the reader alone, the run's events with nothing recorded (the hooks, the ids, the cloud), the
    recorded run, a floor no run can go under (``least_run``), and one no run of the engine's own
    live objects can (``least_live_run``): the gap between them and the recorded run is what
    recording for the views costs."""
    from engine.simulator import runner_for

    source = generated_dag(n, 10)
    dag, backends = read_dag(source), default_backends(store, {})
    base, _ = timed(lambda: parse_paused(source), 5)

    def events_only() -> None:  # the runner run() makes, its events drawn without step() recording them
        with cyclic_gc_paused():
            for _ in runner_for(dag, backends)._events:
                pass

    for name, fn in (
        ("read_dag alone", lambda: read_dag(source)),
        ("the run's set-up and events alone, nothing recorded", events_only),
        ("the run, recorded (a DAG already read)", lambda: run(dag, backends)),
        ("the least a run could do (a floor, not the engine)", lambda: least_run(dag)),
        ("the least a run on the engine's live objects could do (a floor)", lambda: least_live_run(dag, backends)),
    ):
        t, _ = timed(fn, 5)
        row(f"engine: {n:,} tasks over 10 connection(s), {name}", t * 1e3, base * 1e3, extra="baseline: ast.parse")


def least_run(dag) -> list:
    """A floor for the run, not a way to run it: each task's four steps as bare tuples with the facts
    the engine's steps carry, its session id and job id made by the engine's own ``Ids`` and
    ``bigquery_job_id``, and one (step, variable, state) change for each tracked change. No
    connection, hook, session or client object, no lesson words, nothing a view could read.
    ``read_dag`` alone plus this is about the least that reading and running a DAG from source can
    take."""
    from engine.hooks import Cloud, bigquery_job_id
    from engine.pacing import Ids

    with cyclic_gc_paused():
        steps, changes, ids = [], [], Ids()
        for i, task in enumerate(dag.tasks):
            session = ids("session-")
            job = bigquery_job_id(dag.dag_id, task.task_id, Cloud.run_start, ids("uuid-"))
            steps.append(("request_connection", "ok", i, {"conn_id": task.conn_id, "source": "metastore"}))
            changes.append((len(steps), i, 0, "loaded"))
            steps.append(("create_session", "ok", i, {"session": session, "project": "p", "client": "c"}))
            changes.extend(((len(steps), i, 1, "open"), (len(steps), i, 2, "running")))
            steps.append(("api_call", "ok", i, {"call": task.call, "answer": "job " + job}))
            steps.append(("task_complete", "ok", i, {}))
            changes.extend(((len(steps), i, 1, "closed"), (len(steps), i, 2, "completed")))
        return steps


def least_live_run(dag, backends) -> tuple[list, list]:
    """A second floor, not a way to run it: the engine's own live work for each task — the conn_id
    resolved (once per run, as the engine does), the provider's hook, its client session with the
    engine's ids, the simulated cloud's call and job id, the session closed — with each step a bare
    tuple of its facts and each change a tuple with the session's text at that moment. No
    generator, no ``Step``, no ``Value``, no timeline: nothing a view could read."""
    from engine.hooks import Cloud, hook_for
    from engine.pacing import Ids
    from engine.simulator import session_facts

    with cyclic_gc_paused():
        ids = Ids()
        cloud = Cloud(new_id=ids)
        resolved, steps, changes = {}, [], []
        for i, task in enumerate(dag.tasks):
            found = resolved.get(task.conn_id)
            if found is None:
                found = resolved[task.conn_id] = resolve_connection(task.conn_id, backends)
            conn = found.connection
            steps.append(("request_connection", "ok", i, {"source": found.source, "where": found.where}))
            changes.append((len(steps), i, 0, "loaded"))
            hook = hook_for(task.provider, conn, cloud)
            session = hook.open_session(conn, ids("session-"))
            steps.append(("create_session", "ok", i, {"hook": hook.name, **session_facts(session)}))
            changes.extend(((len(steps), i, 1, "open", repr(session)), (len(steps), i, 2, "running")))
            answer = cloud.call(session, task.call, task.task_id, dag.dag_id)
            steps.append(("api_call", "ok", i, {"call": task.call, "answer": answer}))
            session.close()
            steps.append(("task_complete", "ok", i, {}))
            changes.extend(((len(steps), i, 1, "closed", repr(session)), (len(steps), i, 2, "completed")))
        return steps, changes


def parse_paused(source: str) -> None:
    with cyclic_gc_paused():
        ast.parse(source)


def bench_payloads(store, sizes: list[int]) -> None:
    """The player's payload: built once per run and page, sent once. Baseline: the same views drawn
    for every step in full (what sending each step's HTML would cost)."""
    from engine import replay
    from engine.quiz import reference_trace

    lesson = reference_trace("lesson")
    for page in ("walkthrough", "process_table", "variable_tracker"):
        layout = replay.page_layout(page, lesson, lesson)
        t, _ = timed(lambda layout=layout: replay.encode(replay.payload(layout, len(lesson.steps))), 7)
        size = len(replay.encode(replay.payload(layout, len(lesson.steps))).encode())
        full = sum(len(replay.views_html(layout, n).encode()) for n in range(1, len(lesson.steps) + 1))
        row(f"player payload: the lesson's {page} (bytes)", size, full, unit="B", extra=f"built in {t * 1e3:.1f} ms")
    for n in sizes:
        trace = run_scenario(scenario("lesson"), store, generated_dag(n, 1))
        layout = replay.page_layout("your_dag", trace, None)
        t, _ = timed(lambda layout=layout, trace=trace: replay.encode(replay.payload(layout, len(trace.steps))), 3)
        run = replay.encode(replay.payload(layout, len(trace.steps))).encode()
        packing, _ = timed(lambda run=run: replay.pack(run), 3)
        packed = replay.pack(run)
        sent = f"sent deflated: {len(packed):,} B, in {packing * 1e3:,.0f} ms" if packed else "sent as it is"
        full = sum(len(replay.views_html(layout, i).encode()) for i in range(1, len(trace.steps) + 1, 50)) * 50
        row(
            f"player payload: Your DAG, {n:,} tasks (bytes)",
            len(run),
            full,
            unit="B",
            extra=f"{len(trace.steps):,} steps; built in {t * 1e3:,.0f} ms; {sent}; baseline from every 50th step",
        )


def bench_store(name: str, url: str, n: int) -> None:
    store = store_with(url, 1)
    backends = default_backends(store, {})

    def resolve_all():
        for _ in range(n):
            resolve_connection("conn_0", backends)

    raw = store.engine.raw_connection()
    cursor = raw.cursor()
    marker = "?" if url.startswith("sqlite") else "%s"

    def raw_all():
        for _ in range(n):
            cursor.execute(f"SELECT * FROM connection WHERE conn_id = {marker}", ("conn_0",))
            cursor.fetchall()

    t, _ = timed(resolve_all, 3)
    base, _ = timed(raw_all, 3)
    raw.close()
    row(
        f"store: resolve a connection ×{n:,} ({name})",
        t * 1e3,
        base * 1e3,
        extra=f"decryption included; baseline: raw DBAPI SELECT ×{n:,}",
    )
    store.engine.dispose()


def postgres_url():
    """Start a throwaway PostgreSQL on loopback with the tests' helper, if the binaries exist."""
    from tests.helpers import postgres_binaries, postgres_server

    if not postgres_binaries():
        return None
    server = postgres_server()
    return server.__enter__(), lambda: server.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
