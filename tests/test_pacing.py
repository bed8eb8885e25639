"""The cyclic collector around a run (engine.pacing): paused while it records, on again after, and
a heap the server froze on purpose stays frozen."""

from __future__ import annotations

import gc

import pytest

from engine.pacing import cyclic_gc_paused


@pytest.fixture
def thawed():
    """A heap with nothing frozen (an in-process page may have frozen the test process's), restored after."""
    was_frozen = gc.get_freeze_count() > 0
    gc.unfreeze()
    yield
    if was_frozen:
        gc.freeze()


def test_the_collector_is_paused_during_a_run_and_on_again_after(thawed):
    assert gc.isenabled()
    with cyclic_gc_paused():
        assert not gc.isenabled()
        with cyclic_gc_paused():  # a run inside a run (reading a DAG, then running it)
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_what_a_run_made_goes_to_the_oldest_generation_not_the_next_collection(thawed):
    class Made:
        pass

    with cyclic_gc_paused():
        made = [Made() for _ in range(1_000)]
    young = {id(o) for o in gc.get_objects(generation=0) + gc.get_objects(generation=1)}
    assert not any(id(o) in young for o in made)
    assert any(o is made for o in gc.get_objects(generation=2))


def test_a_heap_frozen_on_purpose_stays_frozen_after_a_run(thawed):
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    try:
        with cyclic_gc_paused():
            made = [{} for _ in range(1_000)]
        assert gc.get_freeze_count() >= frozen, "the run thawed the server's frozen heap"
        assert gc.isenabled() and made
    finally:
        gc.unfreeze()
