"""A time-limit worker process (`python -m pipeline.worker FD`), started and fed by
pipeline/guard.py: it reads one job a line (JSON) from stdin, cleans and writes each
page of a batch in order (pipeline/batch.py), and reports on the pipe FD after each
page, so the parent knows which page was running when time ran out. It ends when its
stdin closes. Its own module, never imported by the package, so that running it as
`__main__` does not load it twice."""
from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path


def preload() -> None:
    """What every page needs and the package loads only when first needed: loaded before
    the worker says it is ready, so that no page's clock runs over it."""
    from langdetect import detector_factory

    detector_factory.init_factory()  # langdetect's profiles
    from pipeline import language

    language._gram_rows(detector_factory._factory.word_lang_prob_map)  # their n-grams' table (4-10 ms)
    # Each page's duplicate fingerprint (MinHash, pipeline/dedup_corpus.py): its
    # permutation tables; without the C kernel, datasketch too (its `_fmix`), which loads
    # scipy, about 0.9 CPU s: on the first page's clock, a seed page ran over a 2 s limit
    # on a loaded machine.
    from pipeline import dedup_corpus
    from pipeline.options import Options

    dedup_corpus._packed_columns(Options().minhash_permutations)
    if dedup_corpus._kernel is None:
        import datasketch  # noqa: F401


def work(fd: int) -> None:
    """Worker: read one batch per line from stdin; clean and write each page in order,
    report after each one on the pipe `fd`; stop when stdin closes."""
    from pipeline.batch import load_engine, process_document, sources_from_wire
    from pipeline.gcpolicy import batch_collection
    from pipeline.options import Options
    from pipeline.outdir import OutputError
    from pipeline.siteprofile import read_pages

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    preload()

    def tell_what_runs(_signum, frame) -> None:
        """Asked by the parent when a page ran out of time: which rule, if any, was
        being matched. os.write, not the report's buffer: a handler must not re-enter it."""
        from pipeline.lexicon import rule_running

        rule = rule_running(frame)
        found = rule and {"rule": rule.rule, "source": rule.source}
        os.write(fd, (json.dumps(["running", found], ensure_ascii=False) + "\n").encode("utf-8"))

    signal.signal(signal.SIGUSR1, tell_what_runs)
    with os.fdopen(fd, "w", encoding="utf-8", closefd=False) as report:
        def send(kind: str, payload=None) -> None:
            report.write(json.dumps([kind, payload], ensure_ascii=False) + "\n")
            report.flush()

        send("ready")
        for line in iter(sys.stdin.buffer.readline, b""):
            job = json.loads(line)
            if "learn" in job:  # site learning's reads, before the batches
                send("start")
                for seen in read_pages(sources_from_wire(job["learn"]), job["max_bytes"]):
                    send("read", seen and [seen[0], seen[1], sorted(seen[2]), sorted(seen[3])])
                continue
            options = Options.from_dict(job["options"])
            out = Path(job["out"])
            # Loaded per batch: it holds this run's learned site profiles (a few ms).
            engine = load_engine(options, out)
            send("start")
            with batch_collection():  # the collector idle during the batch, up to a valve (pipeline/gcpolicy.py)
                for source in sources_from_wire(job["sources"]):
                    try:
                        summary = process_document(source, out, engine)
                    except OutputError as exc:
                        send("output-error", str(exc))
                        break
                    send("done", summary.to_wire())
                # The batch's memo freed now, not at the next full collection (memo.LineMemo.clear):
                # the worker's memory stays at one batch's, not one more each batch.
                engine.memo.clear()


if __name__ == "__main__":
    work(int(sys.argv[1]))
