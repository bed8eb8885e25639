"""What makes a run repeatable and cheap: deterministic ids, the cyclic GC paused while it records,
and frozen records made at once.

``Ids`` gives sessions and jobs the same ids on every run of the same seed (inject another for
other runs); ``cyclic_gc_paused`` keeps Python's cyclic collector from re-scanning a growing
trace, counted across threads; ``made`` builds a frozen dataclass without its field-by-field
``__init__``.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from contextlib import contextmanager


def made(cls: type, **fields):
    """An instance of the frozen dataclass ``cls`` with ``fields`` set at once. Its ``__init__`` sets
    each field through ``object.__setattr__``, and a DAG of 10,000 tasks makes 10,000 ``Task``s and
    its run 40,000 ``Step``s. The caller gives every field."""
    instance = object.__new__(cls)
    instance.__dict__.update(fields)
    return instance


class Ids:
    """Deterministic ids for sessions and jobs (inject another for other runs)."""

    def __init__(self, seed: str = "lab"):
        self.seed = seed
        self.count = 0

    def __call__(self, prefix: str) -> str:
        self.count += 1
        digest = hashlib.sha256(f"{self.seed}:{self.count}".encode()).hexdigest()[:8]
        return f"{prefix}{digest}"


_gc_lock = threading.Lock()
_gc_pauses = 0  # runs under way (in any thread) that paused the cyclic collector
_gc_resume = False  # whether the collector was on when the first of them began


@contextmanager
def cyclic_gc_paused():
    """Pause Python's cyclic garbage collector while a run records its trace.

    A run only adds long-lived objects (steps, values) and makes no garbage cycles, yet every
    collector pass re-scans all of them: a run of 10,000 tasks spent half its time there, and
    the passes made its time grow faster than its size. Reference counting still frees what a
    run drops. The collector is enabled again when the last run under way ends, in whichever
    thread, and is left alone if something else had disabled it.
    """
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                # What the pause allocated is long-lived (a trace, a DAG): hand it to the oldest
                # generation, as two collections would, instead of letting the first collection after
                # the pause scan all of it (a tenth of a 10,000-task run). freeze() + unfreeze() is
                # that move, in constant time; objects still young elsewhere are moved with it. It
                # would also thaw what a server froze on purpose (lab_ui.frame._settle_heap): then
                # the run's objects are left to the next collection instead.
                if gc.get_freeze_count() == 0:
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()
