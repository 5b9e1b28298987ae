"""The collector's setting during a batch (pipeline/gcpolicy.py): the caller's setting is
back afterwards, however batches nest or overlap; the pages come out byte for byte as
the plain loop under the default setting writes them; and the safety valve frees cyclic
garbage a batch makes, during the batch and at the next batch's start."""
import gc
import threading
import weakref

import pytest

from conftest import DATA, SEEDS
from pipeline import gcpolicy
from pipeline.batch import clean_in_process, load_engine, process_document
from pipeline.gcpolicy import VALVE, batch_collection
from pipeline.options import Options
from pipeline.sources import discover


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".pipeline" not in p.parts}


def _sources():
    options = Options(doc_time_limit=0)
    inputs = [str(SEEDS), str(DATA / "pages" / "text"), str(DATA / "pages" / "html"),
              str(DATA / "comments" / "text")]
    sources = discover(inputs, options=options)
    assert len(sources) >= 20
    return sources, options


class Marker:
    """Something a cycle holds, to see (by a weak reference) when the cycle is freed."""


def _cycle():
    """A page's cyclic garbage (as an exception kept with its traceback would be): two
    containers that only the collector frees; a weak reference to tell when."""
    marker = Marker()
    cycle = [marker]
    cycle.append(cycle)
    return weakref.ref(marker)


class Collections:
    """The collections the collector makes while in use, by generation."""

    def __init__(self):
        self.generations, self.in_batch = [], []

    def __call__(self, phase, info):
        if phase == "start":
            self.generations.append(info["generation"])
            if gcpolicy._depth:
                self.in_batch.append(info["generation"])

    def __enter__(self):
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc):
        gc.callbacks.remove(self)


def test_the_callers_setting_is_back_after_a_batch():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert frozen == 0
    kept = [{"a": [1, 2]} for _ in range(100)]  # objects that exist before the batch
    with batch_collection():
        assert gc.get_threshold() == (VALVE, *before[1:])
        assert gc.get_freeze_count() >= len(kept)  # left out of the batch's collections
        with batch_collection():  # nested: the outer one's setting holds
            assert gc.get_threshold()[0] == VALVE
        assert gc.get_threshold()[0] == VALVE and gc.get_freeze_count() > 0
        made = [[i] for i in range(1000)]  # the batch's survivors
    # The batch's survivors went to the oldest generation without a collection.
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert gc.get_count()[0] < len(made) and any(o is made for o in gc.get_objects(2))
    # A cycle made before a batch is still freed once the batch is over.
    cycle = []
    cycle.append(cycle)
    gone = threading.Event()

    class Finalised:
        def __del__(self):
            gone.set()

    cycle.append(Finalised())
    with batch_collection():
        del cycle
        gc.collect()
        assert not gone.is_set()  # frozen: not looked at during the batch
    gc.collect()
    assert gone.is_set()


def test_overlapping_batches_in_threads_restore_the_callers_setting():
    """A flow's task threads: the first in sets it, the last out restores it."""
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with batch_collection():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second():
        first_in.wait(10)
        with batch_collection():
            second_in.set()
            first_out.wait(10)
            seen["after the first left"] = gc.get_threshold()[0]

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen["after the first left"] == VALVE
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_pages_cleaned_under_the_batch_setting_equal_the_plain_loop(tmp_path):
    """The seeds, the test pages (text and HTML) and the comment samples: cleaned and
    written by a batch (the collector set by batch_collection) and by the plain loop
    (the default setting, collections every 700 allocations): the same files. The batch
    does not reach the valve: the collector does not run during it."""
    sources, options = _sources()
    fast, plain = tmp_path / "fast", tmp_path / "plain"
    for folder in (fast, plain):
        folder.mkdir()
    with Collections() as during:
        fast_summaries = clean_in_process(sources, fast, options)
    assert during.in_batch == []  # (the Engine's load, before the batch, may collect)
    assert gc.get_freeze_count() == 0
    engine = load_engine(options, plain)
    with Collections() as default:
        plain_summaries = [process_document(source, plain, engine) for source in sources]
    assert default.generations  # the default setting does collect on these pages
    assert [s.to_wire() for s in fast_summaries] == [s.to_wire() for s in plain_summaries]
    assert sum(s.status == "cleaned" for s in fast_summaries) >= 15
    assert _files(fast) == _files(plain)


@pytest.mark.parametrize("valve", [3000])
def test_the_valve_frees_a_batchs_cycles_and_the_pages_stay_the_same(tmp_path, monkeypatch, valve):
    """Real pages in a batch, each followed by cyclic garbage, with a valve small enough
    to be reached: young collections run during the batch and free the cycles made before
    them; the pages written equal the plain loop's under the default setting. Then the
    garbage a batch left in the oldest generation is freed when the next batch starts."""
    monkeypatch.setattr(gcpolicy, "VALVE", valve)
    monkeypatch.setattr(gcpolicy, "_after_full", None)
    sources, options = _sources()
    valved, plain = tmp_path / "valved", tmp_path / "plain"
    for folder in (valved, plain):
        folder.mkdir()
    engine = load_engine(options, valved)
    cycles, summaries = [], []
    with Collections() as during, batch_collection():
        assert gc.get_threshold()[0] == valve
        for source in sources:
            summaries.append(process_document(source, valved, engine))
            cycles.append(_cycle())
    assert 0 in during.in_batch  # the valve was reached
    assert cycles[0]() is None  # the first page's cycle was freed during the batch
    engine = load_engine(options, plain)
    plain_summaries = [process_document(source, plain, engine) for source in sources]
    assert [s.to_wire() for s in summaries] == [s.to_wire() for s in plain_summaries]
    assert _files(valved) == _files(plain)

    # More cyclic garbage than the valve, made outside a batch with the collector off,
    # is in the process when a batch starts: the batch starts with a full collection.
    gc.disable()
    try:
        left = [_cycle() for _ in range(valve)]  # two containers each
        assert all(ref() is not None for ref in left)
        with Collections() as start, batch_collection():
            assert 2 in start.generations and all(ref() is None for ref in left)
    finally:
        gc.enable()
    assert gc.get_freeze_count() == 0
