"""Python's cyclic garbage collector while a batch of pages is cleaned.

Cleaning a page allocates many short-lived containers (lists, tuples, dicts of a line's
words, shapes, features) and keeps some for the batch (the line memo, the bounded line
caches). With the default thresholds (700, 10, 10) the collector ran a full collection
every 50 pages or so, and each one walked every tracked object of the process: the rule
data, the line model, langdetect's profiles, the caches, about 290,000 objects after 300
dev pages. Counted with `gc.callbacks` over 300 dev dumps cleaned as a worker cleans them
(one Engine per 200 pages): 828 young, 75 middle and 6 full collections, the full ones
about four fifths of the collector's time, and the collector about an eighth of the
cleaning's CPU time.

During a batch, `batch_collection()`:
- freezes what exists when the batch starts (`gc.freeze`: those objects are left out of
  every collection until `gc.unfreeze` at the batch's end puts them back in the oldest
  generation, where the next full collection looks at them again: nothing is kept alive
  that would otherwise be freed, only later);
- collects the youngest generation every 7,000 net allocations of containers instead of
  700 (the collector's generations and their own thresholds unchanged).

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

YOUNG_THRESHOLD = 7000

_lock = threading.Lock()
_depth = 0
_saved: tuple[int, int, int] | None = None


@contextmanager
def batch_collection():
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, _saved[0]), *_saved[1:])
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                gc.set_threshold(*_saved)
                gc.unfreeze()
                _saved = None
