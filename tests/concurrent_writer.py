"""One of two processes writing to the same store at once (used by test_store.py).

    python concurrent_writer.py URL KEY NAME N

Adds NAME_0..NAME_{N-1}, appends "NAME<i>" to the shared connection's description after each
add (re-reading on a concurrent edit), deletes every fifth, and rotates the key now and then.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.connection import Connection  # noqa: E402
from engine.crypto import parse_keys  # noqa: E402
from engine.store import ConcurrentEdit, ConnectionStore, make_engine  # noqa: E402

url, key, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = ConnectionStore(make_engine(url), parse_keys(key))
for i in range(n):
    store.add(Connection(conn_id=f"{name}_{i}", conn_type="http", password="pw", extra={"token": f"t{i}"}))
    while True:
        seen = store.raw_row("shared")
        conn = store.get("shared")
        conn.description = f"{conn.description or ''} {name}{i}".strip()
        try:
            store.update(conn, expected=seen)
            break
        except ConcurrentEdit:
            continue
    if i % 5 == 0:
        store.delete(f"{name}_{i}")
    if i % 10 == 3:
        store.rotate()
