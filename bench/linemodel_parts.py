"""The line classifier's pieces that the tenth speed round moved to the shape kernel and
the tree walk, each timed with the kernel and with the Python it stands in for (the
fallback where the kernel is not built: the code before the round). Not a test.

    python bench/linemodel_parts.py [--n 300] [--dev DIR]

The arguments are what a run hands each function on the first N dev text dumps (the
library loop, recorded once), then each function is called alone over them, best of
five passes, CPU time: per page for the page-level ones, per distinct line for the
per-line ones. The tree walk has no Python twin here (its numpy walk is another
algorithm): see docs/speed.md for its figures against main.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from itertools import chain
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from real_pages import DEV, pages_of, subset  # noqa: E402


def _record(n: int, dev: Path):
    """(cohesion_features' arguments, record_features' arguments, features.Page's
    per_line rows, the lines with their words, class counts and stoplist) of a run."""
    from pipeline.linemodel import blocks, features
    from pipeline.options import Options
    from pipeline.runner import run

    got = {"cohesion": [], "record": [], "rows": [], "lines": []}
    cohesion, record, page, per_line = (blocks.cohesion_features, blocks.record_features, features.Page,
                                        features._per_line)

    def keep(name, f):
        def wrapped(*args):
            got[name].append(args)
            return f(*args)
        return wrapped

    blocks.cohesion_features = keep("cohesion", cohesion)
    blocks.record_features = keep("record", record)
    features.Page = keep("rows", page)
    features._per_line = keep("lines", per_line)
    work = Path(tempfile.mkdtemp(prefix="bench-parts-"))
    try:
        pages = pages_of(dev / "text")[:n]
        run([str(subset(pages, len(pages), work / "in"))], work / "out", Options(doc_time_limit=0))
    finally:
        blocks.cohesion_features, blocks.record_features, features.Page, features._per_line = (
            cohesion, record, page, per_line)
        shutil.rmtree(work, ignore_errors=True)
    return got


def _best(f, passes: int = 5) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.process_time()
        f()
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    import numpy as np

    from pipeline.linemodel import blocks, features
    from pipeline.linemodel import shape as sh
    from pipeline.linewords import words_of

    try:
        import pipeline._shape as kernel
    except ImportError:
        sys.exit("linemodel_parts: the shape kernel is not built (setup.py build_ext --inplace)")
    got = _record(args.n, args.dev)
    pages = len(got["rows"])
    texts = list(dict.fromkeys(t for call in got["lines"] for t in call[0]))
    stop = got["lines"][0][1] if got["lines"] else frozenset()
    counts = sh._class_counts_list(texts)
    words = [words_of(t) for t in texts]
    masked = [norm_masked for _, _, norm_masked in features._per_line(texts, stop)]
    cw = [args_[0] for args_ in got["cohesion"]]
    per_page = [
        ("cohesion counts (overlap and run hits)",
         lambda: [(kernel.overlap_hits(c, np.flatnonzero(a[1]).tolist()),
                   kernel.run_hits(c, a[3].tolist(), (a[2] >= blocks.COHESION_WORDS).tolist())) for c, a in zip(cw, got["cohesion"])],
         lambda: [(blocks._overlap_hits_py(c, np.flatnonzero(a[1]).tolist()),
                   blocks._run_hits_py(c, a[3].tolist(), (a[2] >= blocks.COHESION_WORDS).tolist())) for c, a in zip(cw, got["cohesion"])]),
        ("record signatures -> lines (the Python's signature cache emptied a page)",
         lambda: [kernel.record_where(list(m), (w <= blocks.SHORT_WORDS).tolist()) for m, w in got["record"]],
         lambda: [blocks._record_where_py(list(m), (w <= blocks.SHORT_WORDS).tolist())
                  for m, w in got["record"] if blocks._signatures.cache_clear() is None]),
        ("Page's shape rows (fromiter / np.array)",
         lambda: [np.fromiter(chain.from_iterable([row for row, _, _ in a[1]]), dtype=np.float64,
                              count=len(a[1]) * len(sh.SHAPE_FEATURES)) for a in got["rows"]],
         lambda: [np.array([row for row, _, _ in a[1]], dtype=np.float64) for a in got["rows"]]),
    ]
    per_line = [
        ("record signatures", lambda: [kernel.signatures(m) for m in masked],
         lambda: [blocks._signatures_py(m) for m in masked]),
        ("content words less the stoplist", lambda: [kernel.content_without(t, stop) for t in texts],
         lambda: [frozenset(kernel.content_set(t).difference(stop)) for t in texts]),
        ("line_shape's row", lambda: [kernel.line_row(t, w, stop, c) or sh._line_shape_py(t, w, stop, c)
                                      for t, w, c in zip(texts, words, counts)],
         lambda: [sh._line_shape_py(t, w, stop, c) for t, w, c in zip(texts, words, counts)]),
    ]
    print(f"{pages} pages, {len(texts)} distinct lines (stoplist of {len(stop)} words); CPU, best of five\n")
    print("| piece | kernel | Python |\n|---|---|---|")
    for name, fast, plain in per_page:
        print(f"| {name} | {1000 * _best(fast) / pages:.3f} ms a page | {1000 * _best(plain) / pages:.3f} |")
    for name, fast, plain in per_line:
        print(f"| {name} | {1e6 * _best(fast) / len(texts):.2f} µs a line | {1e6 * _best(plain) / len(texts):.2f} |")


if __name__ == "__main__":
    main()
