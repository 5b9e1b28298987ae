"""The MinHash kernel (pipeline/_minhash.c) against what it stands in for: its hand-written
SHA-1 against hashlib, its sketches against dedup_corpus's numpy code and datasketch's
MinHash, its shingle count against the Python set, on real bodies and random bytes."""
import hashlib
import os
import random

import numpy as np
import pytest
from datasketch import MinHash

from pipeline import dedup_corpus

from conftest import SEEDS

kernel = pytest.importorskip("pipeline._minhash")

# the padding's edges (one block holds 55 bytes and the length; 56 to 63 need a second),
# the same a block later, and longer messages
_LENGTHS = [0, 1, 3, 54, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4095, 65_537]


def _texts() -> list[str]:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace")
              for p in sorted((SEEDS.parent / "tests" / "data" / "pages" / "text").rglob("*.txt"))]
    assert len(texts) > 10
    return texts


def _paths() -> list[bool]:
    """portable=False (the SHA extensions where the processor has them) and True."""
    return [False, True]


def test_the_kernel_is_this_sources_version():
    assert kernel.VERSION == 2 and dedup_corpus._kernel is kernel


def test_sha1_equals_hashlib_on_random_bytes_and_padding_edges():
    rng = random.Random(5)
    messages = [bytes(rng.getrandbits(8) for _ in range(n)) for n in _LENGTHS]
    messages += [b"\x00" * n for n in _LENGTHS] + [b"\xff" * n for n in _LENGTHS]
    messages += [os.urandom(rng.randint(0, 300)) for _ in range(2_000)]
    messages += [b"abc", "İstanbul straße 北京".encode()]
    for message in messages:
        for portable in _paths():
            assert kernel.sha1(message, portable) == hashlib.sha1(message).digest(), (len(message), portable)
    assert kernel.sha1(b"abc").hex() == "a9993e364706816aba3e25717850c26c9cd0d89d"  # FIPS 180-2's example


def test_sketch_equals_numpy_and_datasketch_on_random_shingles():
    rng = random.Random(7)
    for p in (1, 7, 16, 128, 131):  # block of 8 and the rest
        a, b = dedup_corpus._permutations(p)
        packed = (a.astype(np.uint32).tobytes(), b.astype(np.uint32).tobytes())
        for _ in range(60):
            shingles = {bytes(rng.getrandbits(8) for _ in range(rng.choice(_LENGTHS[:12])))
                        for _ in range(rng.randint(1, 40))}
            reference = MinHash(num_perm=p, seed=1, scheme="affine32")
            reference.update_batch(list(shingles))
            for portable in _paths():
                ours = np.frombuffer(kernel.sketch(shingles, *packed, portable), dtype=np.uint32)
                assert ours.tolist() == reference.hashvalues.tolist()
            assert dedup_corpus._sketch_numpy(shingles, p).tolist() == reference.hashvalues.tolist()
        assert np.frombuffer(kernel.sketch(set(), *packed), dtype=np.uint32).tolist() == [2 ** 32 - 1] * p


def test_sketch_text_equals_the_shingle_set_on_real_bodies():
    """sketch_text on the joined words: the sketch of _shingles' set (numpy code, C over
    the set, datasketch) and its size, whole bodies and cut short, k 1 to 6."""
    for text in _texts():
        for body in (text, " ".join(text.split()[:3]), " ".join(text.split()[:6]), ""):
            joined = dedup_corpus._joined(body)
            for k in (1, 3, 5, 6):
                shingles = dedup_corpus._shingles(joined.split(b" "), k)
                a, b = dedup_corpus._packed_columns(128)
                expected = dedup_corpus._sketch_numpy(shingles, 128).tobytes()
                for portable in _paths():
                    assert kernel.sketch_text(joined, k, a, b, portable) == (expected, len(shingles))
                    assert kernel.sketch(shingles, a, b, portable) == expected
    reference = MinHash(num_perm=128, seed=1, scheme="affine32")
    reference.update_batch([b""])
    assert kernel.sketch_text(b"", 5, a, b)[0] == reference.hashvalues.tobytes()


def test_sketch_text_counts_repeats_and_odd_spacing_exactly():
    """Repeated shingles (a chorus, a boilerplate line), words sharing bytes, and texts
    that are not words joined by single spaces (empty words from double or edge spaces):
    the count and sketch are those of the Python set of `b" ".join` windows."""
    rng = random.Random(11)
    vocab = [b"a", b"b", b"ab", b"ba", b"", b"the", "straße".encode(), "北京".encode()]
    a, b = dedup_corpus._packed_columns(16)
    for _ in range(3_000):
        joined = b" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 30)))
        for k in (1, 2, 5):
            shingles = dedup_corpus._shingles(joined.split(b" "), k)
            values, size = kernel.sketch_text(joined, k, a, b)
            assert size == len(shingles) and values == dedup_corpus._sketch_numpy(shingles, 16).tobytes()


def test_fingerprints_with_and_without_the_kernel(monkeypatch):
    """packed_fingerprint, fingerprint and body_hash: the same bytes with the C kernels
    (MinHash, the \\w+ split) and with the Python they replace, on every test body."""
    bodies = [body for text in _texts() for body in (text, text[:200], "")]
    with_kernel = [(dedup_corpus.packed_fingerprint(body, 5, 128), dedup_corpus.fingerprint(body, 5, 128))
                   for body in bodies]
    monkeypatch.setattr(dedup_corpus, "_kernel", None)
    monkeypatch.setattr(dedup_corpus, "_words", dedup_corpus.WORD.findall)
    without = [(dedup_corpus.packed_fingerprint(body, 5, 128), dedup_corpus.fingerprint(body, 5, 128))
               for body in bodies]
    assert with_kernel == without
    for body in bodies:
        joined = " ".join(dedup_corpus.WORD.findall(body.casefold())).encode("utf-8")
        assert dedup_corpus.body_hash(body) == hashlib.sha256(joined).hexdigest()


def test_bad_arguments_raise():
    with pytest.raises(ValueError):
        kernel.sketch([b"x"], b"\0" * 8, b"\0" * 4)
    with pytest.raises(TypeError):
        kernel.sketch(["x"], b"\0" * 4, b"\0" * 4)
    with pytest.raises(ValueError):
        kernel.sketch_text(b"x y", 0, b"\0" * 4, b"\0" * 4)


def test_permutation_tables_are_datasketchs_without_importing_it():
    """The tables drawn here are datasketch's (value, dtype, shape), and a process that
    fingerprints a page and preloads a worker's needs does not import datasketch (nor
    scipy, which it loads: about 0.9 CPU s a process)."""
    import subprocess
    import sys

    for p in (1, 2, 16, 128, 256, 1000):
        reference = MinHash(num_perm=p, seed=1, scheme="affine32").permutations
        dedup_corpus._permutations.cache_clear()
        ours = dedup_corpus._permutations(p)
        assert ours.dtype == reference.dtype and ours.shape == reference.shape and (ours == reference).all()
    code = ("import sys\nfrom pipeline.worker import preload\npreload()\nfrom pipeline import dedup_corpus\n"
            "dedup_corpus.packed_fingerprint('A body of a few words for the sketch to read', 5, 128)\n"
            "print(sorted(m for m in ('datasketch', 'scipy') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=SEEDS.parent, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
