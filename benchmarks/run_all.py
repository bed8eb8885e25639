"""Every benchmark, one after the other, each printing its table (see BENCHMARKS.md).

    python benchmarks/run_all.py

Needs Debian's chromium (browser figures), postgresql (store and two-server figures) and nginx
(two-server figure); a figure whose tool is missing says so and the rest go on.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import classroom, cold_start, engine_bench, step_latency, two_servers  # noqa: E402

SECTIONS = [
    ("Engine and store", engine_bench.main, []),
    ("Step in the browser", step_latency.main, ["--steps", "40", "--bursts", "24"]),
    ("Cold start", cold_start.main, ["--runs", "7"]),
    # 15 reports for one learner here (100 would take 17 minutes at 5 s): this table has no target
    ("A classroom (think time 5 s)", classroom.main, ["--think", "5", "--min-reports", "15"]),
    ("A classroom (think time 1 s)", classroom.main, ["--think", "1"]),
    ("More than one server", two_servers.main, ["--think", "5"]),
]

if __name__ == "__main__":
    import platform
    import time

    print(f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.platform()} · Python {platform.python_version()}\n")
    for title, main, args in SECTIONS:
        print(f"\n## {title}\n", flush=True)
        try:
            main(args)
        except Exception as err:  # one missing tool must not hide the other figures
            print(f"(not measured: {type(err).__name__}: {err})")
        sys.stdout.flush()
