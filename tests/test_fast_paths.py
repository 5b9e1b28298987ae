"""Fast paths of normalise and dedup_corpus against the libraries they stand in for
(ftfy's own checks and fixes, datasketch's default hashing): random texts built from
the characters those libraries act on."""
import random

import ftfy
import ftfy.badness
from datasketch import MinHash

from pipeline import dedup_corpus, normalise
from pipeline.lineshape import WORD

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
