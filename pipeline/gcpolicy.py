"""Python's cyclic garbage collector while a batch of pages is cleaned.

Cleaning a page allocates many short-lived containers (lists, tuples, dicts of a line's
words, shapes, features) and keeps some for the batch (the line memo, the bounded line
caches). Cleaning makes almost no cyclic garbage: after the 1,086 dev dumps cleaned with
the collector off, `gc.collect()` found a few dozen unreachable objects. So the collector's passes
during a batch are nearly all waste: each young collection walks the containers that
survive since the last one (the page's lines, the memo's new entries; a few ms each, as
lists and dicts are walked entry by entry), each middle one the survivors of ten young
ones. Counted with `gc.callbacks` over the 1,086 dev dumps cleaned as a worker cleans
them (one Engine per 200 pages), young collections every 7,000 containers (the twelfth
round's setting) cost 2.2-2.5 CPU s of 46-52; the default (700) far more.

During a batch, `batch_collection()`:
- freezes what exists when the batch starts (`gc.freeze`: those objects are left out of
  every collection until the batch's end puts them back in the oldest generation, where
  the next full collection looks at them again: nothing is kept alive that would
  otherwise be freed, only later);
- collects the youngest generation only after `VALVE` net allocations of containers
  (instead of 700): on the dev dumps a batch never gets there (at most 165,000), so in
  practice the collector does not run during a batch; a batch that does make cyclic
  garbage (a page's exception kept with its traceback, say) cannot keep more than
  `VALVE` containers of it before the collector runs as usual (the collector's
  generations and their own thresholds unchanged);
- at its end, moves what the batch left (the youngest generations) into the oldest
  generation without walking it (`gc.freeze` then `gc.unfreeze`, two list splices), so
  the first collection after the batch does not walk the batch's survivors either (most
  die with the batch's Engine, by reference counting);
- at its start, if the process holds `VALVE` more tracked containers than after the last
  full collection this module made, makes one (garbage left by earlier batches in the
  oldest generation, where the collector's own trigger does not count it, is so bounded
  too). Counting them is a walk of the frozen list (a few ms a batch).

What a page becomes does not depend on when cyclic garbage is freed (no output depends
on an object's address or on a finaliser), so the output is byte for byte the same; the
test suite's runs and the dev set's comparison check it (docs/speed.md). Nested or
concurrent batches in one process (a flow's task threads) share one setting: the first
to enter sets it, the last to leave restores the caller's.
"""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager

# Net new containers a batch may hold before the collector runs (a young collection
# during the batch; a full one when a batch starts and the process holds this many more
# than after the last full one). About three times a dev batch's peak.
VALVE = 500_000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None
_after_full: int | None = None  # tracked containers after this module's last full collection


def _freeze_and_check() -> None:
    """Freeze what exists; first a full collection if it grew by VALVE since the last."""
    global _after_full
    gc.freeze()
    tracked = gc.get_freeze_count()
    if _after_full is None:
        _after_full = tracked
    elif tracked - _after_full > VALVE:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        _after_full = gc.get_freeze_count()


@contextmanager
def batch_collection():
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            _freeze_and_check()
            gc.set_threshold(max(VALVE, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.freeze()  # the batch's survivors join the frozen ones, unwalked ...
                gc.set_threshold(*_saved)
                gc.unfreeze()  # ... and all go back to the oldest generation
                _saved = None
