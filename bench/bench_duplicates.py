"""Time and peak memory of the cross-document duplicate index (pipeline.dedup_corpus)
at N documents, on synthetic signatures: groups of ten near copies (each copy keeps
each hash value with probability 0.9). Not a test: it prints figures.

    python bench/bench_duplicates.py 100000
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from pipeline.dedup_corpus import find_duplicates  # noqa: E402


def documents(n: int, permutations: int = 128):
    rng = np.random.default_rng(0)
    base = None
    for k in range(n):
        if k % 10 == 0:
            base = rng.integers(0, 2**32, size=permutations, dtype=np.uint32)
        signature = base.copy()
        changed = rng.random(permutations) > 0.9
        signature[changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint32)
        # As the state stores them: id, body hash, signature bytes.
        yield f"doc-{k:07d}", f"{k:064x}", signature.tobytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    args = parser.parse_args()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    links = find_duplicates(documents(args.n), 0.8, 128)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(f"N={args.n:,}: {len(links) // 2:,} duplicate pairs in {seconds:.1f} s, peak memory +{grown:.0f} MB "
          f"({grown * 1024 * 1024 / args.n:,.0f} bytes a document)")


if __name__ == "__main__":
    main()
