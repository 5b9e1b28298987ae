"""Fast paths of normalise, dedup_corpus and write against the libraries they stand in
for (ftfy's own checks and fixes, datasketch's default hashing, json's indented
output): random texts built from the characters those libraries act on."""
import json
import random
from pathlib import Path

import ftfy
import ftfy.badness
from datasketch import MinHash

from pipeline import dedup_corpus, normalise, write
from pipeline.lineshape import WORD

from conftest import SEEDS

_BAD_CHARS = sorted({c for c in ftfy.badness.BADNESS_RE.pattern if ord(c) > 127})
_PIECES = ["café", "Straße", "Привет", "“quoted”", "it’s", "&amp;", "&nope", "<b>", "e\u0301", "\x1b[31m",
           "\x85", "\x93", "\u2028", "\r\n", "\t", "\u00a0", "Ã©", "Ã ", "â€™", "Ð¿Ñ€Ð¸", "вЂ", "x", " ", "\n"]


def test_is_bad_window_search_equals_ftfy():
    rng = random.Random(0)
    chars = _BAD_CHARS + list("aZ .,!?\n\t")
    for _ in range(50_000):
        text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 12)))
        assert normalise._is_bad(text) == ftfy.badness.is_bad(text), repr(text)


def test_lines_left_out_are_lines_ftfy_leaves():
    rng = random.Random(1)
    for _ in range(20_000):
        text = "".join(rng.choice(_PIECES + _BAD_CHARS) for _ in range(rng.randint(1, 6)))
        if not normalise._ftfy_may_change(text):
            assert ftfy.fix_and_explain(text, normalise._FTFY)[0] == text, repr(text)


def test_signature_equals_datasketch_default_hashing():
    rng = random.Random(3)
    vocab = "the a of İstanbul Straße ΣΊΣΥΦΟΣ 北京 x1 report — “quote” 12".split()
    for _ in range(500):
        body = "\n".join(" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 15))) for _ in range(rng.randint(0, 5)))
        k, p = rng.choice([1, 5]), rng.choice([16, 128])
        words = WORD.findall(body.casefold())
        reference = MinHash(num_perm=p, seed=1, scheme="affine32")
        reference.update_batch(sorted({" ".join(words[i:i + k]).encode() for i in range(max(1, len(words) - k + 1))}))
        assert dedup_corpus.signature(body, k, p) == [int(v) for v in reference.hashvalues]
        assert dedup_corpus.fingerprint(body, k, p) == (dedup_corpus.body_hash(body), dedup_corpus.signature(body, k, p))


def test_sketch_equals_datasketch_minhash_on_real_pages():
    """The numpy MinHash (dedup_corpus._sketch) is datasketch's own MinHash updated with
    the same shingles, value for value and dtype, on the seeds' and the test pages'
    texts (whole and cut to a few words) and on the empty set."""
    import numpy as np

    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted((SEEDS.parent / "tests" / "data" / "pages" / "text").rglob("*.txt"))]
    assert len(texts) > 10
    for text in texts:
        for body in (text, " ".join(text.split()[:3]), ""):
            for k, p in ((5, 128), (3, 16)):
                words = " ".join(WORD.findall(body.casefold())).encode("utf-8").split(b" ")
                shingles = dedup_corpus._shingles(words, k)
                reference = MinHash(num_perm=p, seed=1, scheme="affine32")
                reference.update_batch(list(shingles))
                ours = dedup_corpus._sketch(shingles, p)
                assert ours.dtype == reference.hashvalues.dtype and ours.tolist() == reference.hashvalues.tolist()
    empty = MinHash(num_perm=128, seed=1, scheme="affine32").hashvalues
    assert dedup_corpus._sketch(set(), 128).tolist() == empty.tolist()


def test_a_summary_crosses_the_wire_unchanged(tmp_path, engine):
    """What a cleaning worker or a Prefect task hands back per document (JSON text, the
    signature packed and in base64) is the summary itself again, and the packed
    signature holds the values signature() gives for the body written."""
    import numpy as np

    from pipeline.options import Options
    from pipeline.runner import DocSummary, process_document
    from pipeline.sources import discover

    options = Options()
    for source in discover([str(SEEDS)], False):
        summary = process_document(source, tmp_path, engine)
        again = DocSummary.from_wire(json.loads(json.dumps(summary.to_wire(), ensure_ascii=False)))
        assert again == summary and type(again.signature) is bytes
        body = (tmp_path / f"{source.id}.txt").read_text("utf-8")
        values = dedup_corpus.signature(body, options.shingle_words, options.minhash_permutations)
        stored = np.frombuffer(summary.signature, dtype=np.uint32).tolist()
        assert stored[:-1] == values  # then the number of distinct shingles (containment needs it)
        words = " ".join(dedup_corpus.WORD.findall(body.casefold())).split(" ")
        assert stored[-1] == len({tuple(words[i:i + options.shingle_words]) for i in range(len(words) - options.shingle_words + 1)})
        assert summary.body_sha256 == dedup_corpus.body_hash(body)


def test_duplicate_index_finds_what_datasketch_finds_with_its_own_sketches():
    """find_duplicates is a banded index of its own (sorted band keys, not datasketch's
    buckets); the links must be those of datasketch's LSH over LeanMinHash sketches with
    their own jaccard, exact copies included."""
    from datasketch import LeanMinHash, MinHashLSH

    import numpy as np

    rng = random.Random(4)
    words = [f"w{i}" for i in range(400)]
    bases = [[rng.choice(words) for _ in range(120)] for _ in range(40)]
    docs = []
    for n in range(400):
        body = list(bases[n % 40])
        for _ in range(rng.choice([0, 1, 3, 10, 40])):  # near copies at many distances
            body[rng.randrange(len(body))] = rng.choice(words)
        text = " ".join(body)
        signature = dedup_corpus.signature(text, 5, 128)
        docs.append((f"d{n:04d}", dedup_corpus.body_hash(text), signature))

    expected = {}
    sketches = {i: LeanMinHash(seed=1, scheme="affine32", hashvalues=np.asarray(s, dtype=np.uint32)) for i, _, s in docs}
    lsh, by_hash = MinHashLSH(threshold=0.8, num_perm=128), {}
    for ident, digest, _ in sorted(docs):
        if digest in by_hash:
            expected[(by_hash[digest], ident)] = 1.0
        else:
            by_hash[digest] = ident
        for other in sorted(lsh.query(sketches[ident])):
            if sketches[ident].jaccard(sketches[other]) >= 0.8:
                expected.setdefault((other, ident), round(sketches[ident].jaccard(sketches[other]), 3))
        lsh.insert(ident, sketches[ident])

    shuffled = list(docs)
    rng.shuffle(shuffled)
    as_stored = [(i, h, np.asarray(s, dtype=np.uint32).tobytes()) if k % 2 else (i, h, s)
                 for k, (i, h, s) in enumerate(shuffled)]
    links = dedup_corpus.find_duplicates(as_stored, 0.8, 128)
    assert len(expected) > 50
    assert {(l.other, l.id): l.similarity for l in links if l.other < l.id} == expected


def test_duplicate_index_links_every_pair_of_exact_copies_to_the_smallest_id():
    import numpy as np

    copy = dedup_corpus.signature("the same story word for word on five sites today", 5, 128)
    other = dedup_corpus.signature("a different story about something else entirely here", 5, 128)
    docs = [(f"c{k}", "h", np.asarray(copy, dtype=np.uint32).tobytes()) for k in (3, 1, 4, 0, 2)]
    docs.append(("lone", "g", other))
    links = dedup_corpus.find_duplicates(docs, 0.8, 128)
    assert {(l.id, l.other) for l in links} == {(f"c{a}", f"c{b}") for a in range(5) for b in range(5) if a != b}
    assert {l.canonical for l in links} == {"c0"} and {l.similarity for l in links} == {1.0}
    assert dedup_corpus.find_duplicates([], 0.8, 128) == []


def _random_value(rng: random.Random, depth: int = 0):
    strings = _PIECES + ["", "line", "\x00\x1f\"\\/", "\ud7ff\ue000\U0001F600", "é" * 3]
    kinds = ["str", "int", "float", "none", "bool"] + (["dict", "list", "tuple"] * 2 if depth < 4 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(rng.choice(strings) for _ in range(rng.randint(0, 3)))
    if kind == "int":
        return rng.choice([0, -1, 7, 2**70, -(2**40), rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice([0.0, -0.0, 0.1, 1e300, -2.5e-310, float("nan"), float("inf"), float("-inf"), rng.random()])
    if kind == "none":
        return None
    if kind == "bool":
        return rng.choice([True, False])
    items = [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    return {"".join(rng.choice(strings) for _ in range(rng.randint(0, 2))): item for item in items}


def test_to_json_writes_what_json_dumps_writes():
    """to_json encodes indented JSON itself (the standard library's indented encoder is
    pure Python and was a visible share of a page's time): the bytes must be json's,
    from the C encoder (pipeline/_jsonout.c) and from the Python kept without it."""
    def reference(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    root = Path(__file__).resolve().parent.parent
    shipped = sorted(root.glob("clean/*.json")) + sorted((root / "tests" / "data").rglob("*.json"))
    assert shipped, "no JSON files found in clean/ and tests/data/"
    for path in shipped:
        data = json.loads(path.read_text(encoding="utf-8"))
        assert write.to_json(data) == reference(data) == write.to_json_python(data), path
    rng = random.Random(6)
    for _ in range(20_000):
        value = _random_value(rng)
        assert write.to_json(value) == reference(value) == write.to_json_python(value), repr(value)
    # What it leaves to json: non-string keys, subclasses of the basic types.
    for value in ({1: "a", 2: "b"}, {"a": [{2.5: None}]}, {"x": type("S", (str,), {})("s")}, [True, 1, 2]):
        assert write.to_json(value) == reference(value) == write.to_json_python(value), repr(value)


def test_to_json_writes_large_flat_dicts_as_json_dumps_does(tmp_path):
    """A dict of write._FLAT_MIN items or more, keys str and values str or int (a site
    profile's line counts), goes through json's C encoder: the same text as json.dumps
    with indent=1, at any depth, and a dict with one other value (bool, float, None, a
    container, a str subclass) still the whole way."""
    def reference(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    rng = random.Random(7)
    strings = _PIECES + ["", "line", "\x00\x1f\"\\/", "\ud7ff\ue000\U0001F600", "é" * 3, "ab12cd34ef56ab78"]
    for _ in range(300):
        size = rng.choice([write._FLAT_MIN - 1, write._FLAT_MIN, 40, 500])
        flat = {"".join(rng.choice(strings) for _ in range(rng.randint(0, 3))) + str(i):
                rng.choice([0, -1, 2**70, rng.randint(-10**6, 10**6), "", rng.choice(strings)]) for i in range(size)}
        odd = dict(flat)
        odd[rng.choice(list(odd))] = rng.choice([True, None, 1.5, [1], {"a": 1}, type("S", (str,), {})("s")])
        for value in (flat, odd, {"site": "x", "lines": flat, "more": [flat, {"k": odd}]}, [[flat]]):
            assert write.to_json(value) == reference(value) == write.to_json_python(value)
    # A site profile as learning saves it, from the seeds.
    from pipeline.siteprofile import learn_sites
    from pipeline.sources import discover

    learn_sites(list(discover([str(SEEDS)], False)), tmp_path, 10_000_000)
    saved = sorted((tmp_path / "sites").glob("*.json"))
    assert saved and any(len(json.loads(p.read_text("utf-8"))["lines"]) >= write._FLAT_MIN for p in saved)
    for path in saved:
        data = json.loads(path.read_text("utf-8"))
        assert path.read_text("utf-8") == reference(data)
