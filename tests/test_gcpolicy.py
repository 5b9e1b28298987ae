"""The collector's setting during a batch (pipeline/gcpolicy.py): the caller's setting is
back afterwards, however batches nest or overlap, and the pages come out byte for byte
as the plain loop under the default setting writes them."""
import gc
import threading

from conftest import DATA, SEEDS
from pipeline.batch import clean_in_process, load_engine, process_document
from pipeline.gcpolicy import YOUNG_THRESHOLD, batch_collection
from pipeline.options import Options
from pipeline.sources import discover


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and ".pipeline" not in p.parts}


def test_the_callers_setting_is_back_after_a_batch():
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert frozen == 0
    kept = [{"a": [1, 2]} for _ in range(100)]  # objects that exist before the batch
    with batch_collection():
        assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() >= len(kept)  # left out of the batch's collections
        with batch_collection():  # nested: the outer one's setting holds
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    # A cycle made before a batch is still freed once the batch is over.
    cycle = []
    cycle.append(cycle)
    gone = threading.Event()

    class Marker:
        def __del__(self):
            gone.set()

    cycle.append(Marker())
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
    assert seen["after the first left"] == YOUNG_THRESHOLD
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_pages_cleaned_under_the_batch_setting_equal_the_plain_loop(tmp_path):
    """The seeds, the test pages (text and HTML) and the comment samples: cleaned and
    written by a batch (the collector set by batch_collection) and by the plain loop
    (the default setting, collections every 700 allocations): the same files."""
    options = Options(doc_time_limit=0)
    inputs = [str(SEEDS), str(DATA / "pages" / "text"), str(DATA / "pages" / "html"),
              str(DATA / "comments" / "text")]
    sources = discover(inputs, options=options)
    assert len(sources) >= 20
    fast, plain = tmp_path / "fast", tmp_path / "plain"
    for folder in (fast, plain):
        folder.mkdir()
    fast_summaries = clean_in_process(sources, fast, options)
    assert gc.get_freeze_count() == 0
    engine = load_engine(options, plain)
    plain_summaries = [process_document(source, plain, engine) for source in sources]
    assert [s.to_wire() for s in fast_summaries] == [s.to_wire() for s in plain_summaries]
    assert sum(s.status == "cleaned" for s in fast_summaries) >= 15
    assert _files(fast) == _files(plain)
