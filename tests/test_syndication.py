"""Issue 12, item 3: syndicated copies (the same article under another site's chrome, one
paragraph dropped) are linked as duplicates, by containment, with no false link; real
pages (tests/data/syndication, README there), a real run."""
from __future__ import annotations

import json

import numpy as np

from conftest import DATA, SEEDS
from pipeline import dedup_corpus
from pipeline.options import Options
from pipeline.runner import run

SYNDICATION = DATA / "syndication"


def test_twelve_syndicated_copies_are_linked_and_nothing_else(tmp_path):
    pairs = json.loads((SYNDICATION / "pairs.json").read_text("utf-8"))["pairs"]
    out = tmp_path / "out"
    run([str(SYNDICATION / "pages")], out, Options(doc_time_limit=0))
    links = {}
    index = [json.loads(l) for l in (out / "index.jsonl").read_text("utf-8").splitlines()]
    assert len(index) == 36
    for row in index:
        meta = json.loads((out / row["outputs"]["metadata"]).read_text("utf-8"))
        for d in meta["duplicates"]:
            links[tuple(sorted((meta["id"], d["id"])))] = (d["similarity"], d["measure"])
    expected = {tuple(sorted((p["original"], p["copy"]))) for p in pairs}
    assert len(expected) == 12
    assert set(links) == expected  # every copy linked to its original, no other link
    assert {measure for _, measure in links.values()} <= {"jaccard", "containment"}
    assert all(similarity >= 0.7 for similarity, _ in links.values())
    assert sum(row["status"] == "duplicate" for row in index) == 12


def _words(body: str) -> list[bytes]:
    return " ".join(dedup_corpus.WORD.findall(body.casefold())).encode("utf-8").split(b" ")


def test_containment_from_minhash_estimates_the_exact_share():
    # A seed's body, and the same body with a third of its paragraphs cut.
    body = (SEEDS / "001_4d8637c95e606681.txt").read_text("utf-8")
    paragraphs = body.split("\n\n")
    cut = "\n\n".join(p for k, p in enumerate(paragraphs) if k % 3 != 1)
    a, b = dedup_corpus._shingles(_words(body), 5), dedup_corpus._shingles(_words(cut), 5)
    exact_jaccard = len(a & b) / len(a | b)
    exact_containment = len(a & b) / min(len(a), len(b))
    assert exact_containment > 0.95 and exact_jaccard < 0.8
    assert abs(dedup_corpus.containment(exact_jaccard, len(a), len(b)) - exact_containment) < 1e-9
    _, packed_a = dedup_corpus.packed_fingerprint(body, 5, 128)
    _, packed_b = dedup_corpus.packed_fingerprint(cut, 5, 128)
    assert np.frombuffer(packed_a, dtype=np.uint32)[-1] == len(a)
    links = dedup_corpus.find_duplicates([("a", "x", packed_a), ("b", "y", packed_b)], 0.8, 128, 0.7, 0.3)
    assert [(l.id, l.other, l.measure) for l in links] == [("a", "b", "containment"), ("b", "a", "containment")]
    assert abs(links[0].similarity - exact_containment) < 0.1
    # Signatures stored by an earlier version (no shingle count): compared by Jaccard only.
    old = [("a", "x", packed_a[:-4]), ("b", "y", packed_b[:-4])]
    assert dedup_corpus.find_duplicates(old, 0.8, 128, 0.7, 0.3) == []
    assert dedup_corpus.find_duplicates(old + [("c", "x", packed_a[:-4])], 0.8, 128, 0.7, 0.3)[0].measure == "jaccard"
