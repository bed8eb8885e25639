"""A census of bad input to ``python -m engine connections``: per category, how many inputs were
tried, refused with one clear line, and accepted (and then read back, listed and exported
cleanly) — and how many printed a traceback, showed a secret or changed the store when refused
(all three must be 0).

    python -m tests.census [--generated 300] [--database-url URL]

The hand-written cases are ``tests/test_bad_input.py``'s; the generated ones are random JSON
fields and URIs from a fixed seed, so a run is repeatable.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
from collections import Counter
from pathlib import Path

SECRET = "s3cr3t-pa55word"
ALPHABET = ["a", "Z", "0", "/", "?", "#", "@", ":", "%", "+", " ", "[", "]", "\x00", "\u00b2", "\u0663", "é", "\ud800"]


def _random_text(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, n)))


def _random_value(rng: random.Random, depth: int = 0):
    kind = rng.randrange(8 if depth < 2 else 5)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(2**40), 2**40)
    if kind == 3:
        return rng.choice([0.5, float("nan"), float("inf"), -1e308])
    if kind == 4:
        return _random_text(rng, 12)
    if kind == 5:
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    if kind == 6:
        return {_random_text(rng, 5): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}
    return _random_text(rng, 40)


def generated(n: int, seed: int = 13) -> dict[str, list[list[str]]]:
    rng = random.Random(seed)
    fields = ["conn_type", "host", "login", "password", "schema", "port", "extra", "description"]
    json_cases, uri_cases = [], []
    for _ in range(n):
        field = rng.choice(fields)
        try:
            text = json.dumps({"conn_type": "http", field: _random_value(rng)}, allow_nan=True)
        except (ValueError, TypeError):
            continue
        json_cases.append(["add", "gen", "--conn-json", text])
        scheme = rng.choice(["mysql", "http", "aws", "google-cloud-platform", "s p", ""])
        uri = f"{scheme}://{_random_text(rng, 6)}:{rng.choice([SECRET, _random_text(rng, 8)])}@{_random_text(rng, 8)}"
        uri += rng.choice(["", ":5432", ":notaport", "/db", "/db?x=1", "?__extra__=%7B%7D"])
        uri_cases.append(["add", "gen", "--conn-uri", uri])
    return {"generated JSON fields": json_cases, "generated URIs": uri_cases}


def files(tmp: Path) -> list[list[str]]:
    cases = {
        "non_utf8.json": b"\xff\xfe{}",
        "bomb.yaml": (
            "a: &a [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8))
        ).encode(),
        "odd_keys.yaml": b"null: {conn_type: http}\n5: {conn_type: http}\nyes: {conn_type: http}\n",
        "dup.json": b'{"a": {"conn_type": "http"}, "a": {"conn_type": "mysql"}}',
        "list.json": b'[{"conn_type": "http"}]',
        "big.json": b'{"big": {"conn_type": "http", "extra": "' + b"x" * 3_000_000 + b'"}}',
        "bad.env": b"NOT A LINE\n=x\n",
        "nan.json": b'{"n": {"conn_type": "http", "extra": {"v": NaN}}}',
        "secret_in_bad.env": f"k=mysql://u:{SECRET}@h:notaport/db\n".encode(),
    }
    out = []
    for name, data in cases.items():
        (tmp / name).write_bytes(data)
        out.append(["import", str(tmp / name)])
    return out


def census(generated_n: int, database_url: str | None = None) -> dict[str, Counter]:
    from tests.test_bad_input import CATEGORIES, run_cli

    tmp = Path(tempfile.mkdtemp(prefix="lab-census-"))
    os.environ["LAB_HOME"] = str(tmp / "home")
    if database_url:
        os.environ["LAB_DATABASE_URL"] = database_url
    from engine.__main__ import main  # noqa: F401  (the CLI, in process)
    from engine.store import open_store

    store, _ = open_store(dict(os.environ))
    run_cli(["list"])  # a first start: the practice set
    categories = {**CATEGORIES, **generated(generated_n), "files": files(tmp)}
    counts: dict[str, Counter] = {}
    for category, cases in categories.items():
        c = counts[category] = Counter()
        for args in cases:
            before = store.rows()
            code, out, err = run_cli(args)
            c["tried"] += 1
            c["traceback"] += "Traceback" in out + err
            c["secret shown"] += SECRET in out + err
            if code == 0:
                c["accepted"] += 1
                ok = all(run_cli(a)[0] == 0 for a in (["list", "-o", "json"], ["export", str(tmp / "x.json")]))
                c["accepted, then unreadable"] += not ok
                for conn_id in set(store.conn_ids()) - {r.conn_id for r in before}:
                    run_cli(["delete", conn_id])
            else:
                clear = err.startswith("error: ") or "usage:" in err
                c["refused, one clear message"] += clear and len(err.strip().splitlines()) <= 2
                c["refused, store changed"] += store.rows() != before
    store.engine.dispose()
    return counts


COLUMNS = [
    "tried",
    "refused, one clear message",
    "accepted",
    "traceback",
    "secret shown",
    "refused, store changed",
    "accepted, then unreadable",
]


def table(counts: dict[str, Counter]) -> str:
    lines = ["| category | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    total = Counter()
    for category, c in counts.items():
        total.update(c)
        lines.append(f"| {category} | " + " | ".join(str(c[k]) for k in COLUMNS) + " |")
    lines.append("| **all** | " + " | ".join(f"**{total[k]}**" for k in COLUMNS) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=int, default=300)
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    print(table(census(args.generated, args.database_url)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
