"""Duplicates across documents: exact (same body) and near (MinHash over word shingles,
banded LSH with datasketch's parameters). Canonical is the smallest id of a group, so
the choice does not depend on processing order."""
from __future__ import annotations

import functools
import hashlib
import operator
from dataclasses import dataclass

import numpy as np

from pipeline.lineshape import WORD

try:  # SHA-1 and the minima in C (pipeline/_minhash.c), built at install when a compiler is there
    import pipeline._minhash as _kernel
except ImportError:  # the numpy code below, which gives the same values (tests/test_minhash_kernel.py)
    _kernel = None
if _kernel is not None and getattr(_kernel, "VERSION", None) != 2:
    _kernel = None  # a build older (or newer) than this source: the numpy code

try:  # re's \w+ split in C (the line shape's kernel: the same \w, tests/test_shape_kernel.py)
    from pipeline._shape import words as _words
except ImportError:
    _words = WORD.findall

_SEED = 1  # fixed: signatures must compare across runs and processes
_SCHEME = "affine32"


def body_hash(body: str) -> str:
    return hashlib.sha256(_joined(body)).hexdigest()


def _joined_python(body: str) -> bytes:
    """The body's case-folded \\w+ words joined by single spaces, UTF-8: what is hashed and
    shingled."""
    return " ".join(_words(body.casefold())).encode("utf-8")


def _joined(body: str) -> bytes:
    """_joined_python(body); with the kernel, its bytes written in one C call (no str a
    word, no join, no encoding again: 0.11 -> 0.03 ms a page, docs/speed.md)."""
    if _kernel is None:
        return _joined_python(body)
    return _kernel.joined_words(body.casefold())


def fingerprint(body: str, shingle_words: int, permutations: int) -> tuple[str, list[int]]:
    """(body_hash(body), signature(body, ...)), finding the body's words once."""
    digest, values = _fingerprint(body, shingle_words, permutations)
    return digest, values.tolist()


def packed_fingerprint(body: str, shingle_words: int, permutations: int) -> tuple[str, bytes]:
    """fingerprint() with the signature packed as the state stores it (uint32 values,
    4 bytes each), then the number of distinct shingles (one more uint32: containment
    needs the sets' sizes, see find_duplicates): what a batch hands back per document,
    without a list of ints to build, copy and encode."""
    joined = _joined(body)
    if _kernel is not None:  # the shingles found, counted and hashed where they lie in `joined`
        values, size = _kernel.sketch_text(joined, shingle_words, *_packed_columns(permutations))
        return hashlib.sha256(joined).hexdigest(), values + np.uint32(size).tobytes()
    shingles = _shingles(joined.split(b" "), shingle_words)
    values = _sketch(shingles, permutations)
    return hashlib.sha256(joined).hexdigest(), values.astype(np.uint32).tobytes() + np.uint32(len(shingles)).tobytes()


def _fingerprint(body: str, shingle_words: int, permutations: int) -> tuple[str, np.ndarray]:
    joined = _joined(body)
    return hashlib.sha256(joined).hexdigest(), _signature(joined.split(b" "), shingle_words, permutations)


@functools.lru_cache(maxsize=8)
def _permutations(permutations: int) -> np.ndarray:
    """datasketch's permutation tables for the fixed seed (MinHash(num_perm=permutations,
    seed=1, scheme="affine32").permutations): the same for every document, and drawing
    them again costs more than the rest of a signature. Drawn here as datasketch's
    `_init_permutations` draws them (an odd a and a b per permutation, uint32, from
    numpy's RandomState(seed)), without importing datasketch: it loads scipy, about 0.9
    CPU s a process, which only the numpy sketch (no C kernel) and an unlisted band
    layout still need. Checked against datasketch by tests/test_minhash_kernel.py."""
    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 31, permutations, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, permutations, dtype=np.uint32)
    tables = np.array([a, b])
    tables.setflags(write=False)  # shared by every sketch
    return tables


@functools.lru_cache(maxsize=8)
def _columns(permutations: int) -> tuple[np.ndarray, np.ndarray]:
    """The permutation tables' a and b as columns (one row a permutation), read only."""
    a, b = _permutations(permutations)
    a, b = a.reshape(-1, 1).copy(), b.reshape(-1, 1).copy()
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


@functools.lru_cache(maxsize=8)
def _packed_columns(permutations: int) -> tuple[bytes, bytes]:
    """The permutation tables' a and b as uint32 bytes (native order), for the C sketch."""
    a, b = _permutations(permutations)
    return a.astype(np.uint32).tobytes(), b.astype(np.uint32).tobytes()


def _sha1_hash32(shingles: set[bytes]) -> np.ndarray:
    """datasketch's sha1_hash32 (the first 4 bytes of SHA-1, little-endian) of every
    shingle, as uint32: read from the joined digests in one numpy call instead of one
    struct.unpack a shingle, the digests made by `map` (no Python loop)."""
    digests = b"".join(map(_digest, map(hashlib.sha1, shingles)))
    return np.frombuffer(digests, dtype="<u4")[::5].astype(np.uint32)  # 20-byte digests: 5 words each


_digest = operator.methodcaller("digest")


def signature(body: str, shingle_words: int, permutations: int) -> list[int]:
    # Encoded once as a whole (\w+ words hold no space), split back into words.
    words = _joined(body).split(b" ")
    return _signature(words, shingle_words, permutations).tolist()


def _shingles(words: list[bytes], shingle_words: int) -> set[bytes]:
    if len(words) <= shingle_words:
        return {b" ".join(words)}
    return set(map(b" ".join, zip(*[words[i:] for i in range(shingle_words)])))


def _signature(words: list[bytes], shingle_words: int, permutations: int) -> np.ndarray:
    """The MinHash of the body's word shingles; `words`: UTF-8, case-folded (b"" alone
    for a body without words)."""
    return _sketch(_shingles(words, shingle_words), permutations)


def _sketch(shingles: set[bytes], permutations: int) -> np.ndarray:
    """datasketch's MinHash(num_perm=permutations, seed=1, scheme="affine32") updated
    with the shingles, its `hashvalues` (uint32): the same arithmetic, done here.
    update_batch hashes in Python (a hashfunc call a value, then a list to an array)
    and a MinHash object a page costs its set-up; here the hashes stay an array. The
    scheme: each hash pre-mixed once (datasketch's own `_fmix`, MurmurHash3's 32-bit
    finaliser), then a * h + b per permutation in uint32 (wrapping, as datasketch's
    arrays do), and the minimum per permutation (never above the empty sketch's
    2**32 - 1: a body has one shingle at least). The minima do not depend on order.
    Checked against datasketch's MinHash on random and real bodies
    (tests/test_fast_paths.py); the C kernel against this numpy code and hashlib
    (tests/test_minhash_kernel.py)."""
    if not shingles:  # the empty sketch (not met: a body has its one empty shingle)
        return np.full(permutations, np.iinfo(np.uint32).max, dtype=np.uint32)
    if _kernel is not None:  # the same arithmetic per shingle in C, no permutations x shingles matrix
        return np.frombuffer(_kernel.sketch(shingles, *_packed_columns(permutations)), dtype=np.uint32).copy()
    return _sketch_numpy(shingles, permutations)


def _sketch_numpy(shingles: set[bytes], permutations: int) -> np.ndarray:
    """_sketch's numpy arithmetic (without the C kernel), for a non-empty set."""
    from datasketch.minhash import _fmix

    a, b = _columns(permutations)
    values = a * _fmix(_sha1_hash32(shingles), 32)  # one row a permutation, one column a shingle
    values += b
    return values.min(axis=1)


@dataclass(frozen=True)
class DuplicateLink:
    id: str
    other: str
    similarity: float
    canonical: str
    # "jaccard": the two bodies are near copies as a whole; "containment": most of the
    # shorter body's shingles are in the longer one (a syndicated copy under other
    # chrome, or with a paragraph cut), `similarity` then being that share.
    measure: str = "jaccard"


# A body this short (in shingles: about as many words) found inside a longer one is a
# quote or a boilerplate paragraph, not a syndicated article: only Jaccard links it.
_MIN_CONTAINED_SHINGLES = 50


def containment(jaccard: float, size: int, other_size: int) -> float:
    """The share of the smaller shingle set inside the larger one, from their Jaccard
    similarity and sizes: |A & B| = J (|A| + |B|) / (1 + J), over min(|A|, |B|)."""
    smaller = min(size, other_size)
    if smaller <= 0:
        return 0.0
    return min(1.0, jaccard * (size + other_size) / ((1 + jaccard) * smaller))


# datasketch's layouts for the shipped options (near_duplicate_candidates 0.3 and
# near_duplicate_threshold 0.8, 128 permutations): MinHashLSH finds them by numerical
# integration over every (bands, rows) pair, about 30 ms of CPU a run. Checked against
# datasketch by tests/test_speed_language_writes.py.
_KNOWN_LAYOUTS = {(0.3, 128): (37, 3), (0.8, 128): (9, 13)}


@functools.lru_cache(maxsize=16)
def _band_layout(threshold: float, permutations: int) -> tuple[int, int]:
    """(bands, rows per band): datasketch's choice for this threshold, so the index finds
    what its MinHashLSH would (a pure function of the two: cached)."""
    known = _KNOWN_LAYOUTS.get((threshold, permutations))
    if known is not None:
        return known
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
    return lsh.b, lsh.r


# 64-bit mixing constants (splitmix64's): a band's key from its hash values.
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _band_keys(band: np.ndarray) -> np.ndarray:
    """One uint64 key per row of `band` (documents x rows of uint32). Two equal bands get
    equal keys; two different ones the same key with odds of about 2**-64, which only
    adds a candidate whose similarity is then computed like any other."""
    key = np.zeros(band.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in band.T:
            key = (key ^ column.astype(np.uint64)) * _MIX[0]
            key ^= key >> np.uint64(31)
            key *= _MIX[1]
        key ^= key >> np.uint64(29)
        key *= _MIX[2]
    return key


def _candidate_pairs(matrix: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Pairs (i < j, as i * n + j) of documents equal in at least one band: per band, the
    keys sorted, and every run of equal keys. Memory: a few arrays of n values, not a
    bucket table per band."""
    n = matrix.shape[0]
    found = []
    for start in range(0, bands * rows, rows):
        keys = _band_keys(matrix[:, start:start + rows])
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        edges = np.flatnonzero(ordered[1:] != ordered[:-1]) + 1
        starts, ends = np.concatenate(([0], edges)), np.concatenate((edges, [n]))
        shared = ends - starts > 1  # runs of two or more documents: a bucket with pairs
        for a, b in zip(starts[shared].tolist(), ends[shared].tolist()):
            members = np.sort(order[a:b])
            i, j = np.triu_indices(len(members), 1)
            found.append(members[i].astype(np.int64) * n + members[j])
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def find_duplicates(docs, threshold: float, permutations: int,
                    containment_threshold: float | None = None,
                    candidate_threshold: float | None = None) -> list[DuplicateLink]:
    """docs: an iterable of (id, body_hash, signature), the signature a list, a uint32
    array or its bytes (as packed_fingerprint packs it: the shingle count may follow
    the values). Returns links in both directions, sorted.

    Banded LSH over MinHash signatures, with datasketch's bands and rows, written here
    because datasketch's MinHashLSH keeps a dict of sets per band: with it the index
    peaked at 3.8 KB a document, with this one at 1.1 KB, signatures (4 bytes a hash
    value) included (bench/bench_duplicates.py at 100,000). Candidates are the pairs equal in one band; a link is a candidate whose
    signatures agree on at least `threshold` of their values (LeanMinHash.jaccard).
    Exact copies (same body hash) have the same signature, so they are found this way
    too, with similarity 1.0.

    With `containment_threshold`, a syndicated copy (the article under another site's
    chrome, a paragraph cut) is found too: Jaccard over the whole bodies falls when one
    side kept some chrome or lost a paragraph, but most of the shorter body's shingles
    are still in the longer one. Candidates then come from the bands of the lower
    `candidate_threshold`, and a candidate below `threshold` is linked when its
    containment, worked out from the Jaccard estimate and the two shingle counts, is at
    least `containment_threshold` (measure "containment"). A signature stored without
    its count (by an earlier version) is compared by Jaccard alone."""
    ids, packed, sizes = [], bytearray(), []
    width = 4 * permutations
    for ident, _digest, sig in docs:
        ids.append(ident)
        raw = sig if isinstance(sig, (bytes, bytearray, memoryview)) else np.asarray(sig, dtype=np.uint32).tobytes()
        packed += raw[:width]
        sizes.append(int(np.frombuffer(raw[width:width + 4], dtype=np.uint32)[0]) if len(raw) >= width + 4 else -1)
    matrix = np.frombuffer(packed, dtype=np.uint32).reshape(len(ids), -1) if ids else np.zeros((0, permutations), np.uint32)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    if order != list(range(len(ids))):
        ids, matrix, sizes = [ids[k] for k in order], matrix[order], [sizes[k] for k in order]
    del packed
    n = len(ids)
    by_containment = containment_threshold is not None
    banding = candidate_threshold if by_containment and candidate_threshold is not None else threshold
    candidates = _candidate_pairs(matrix, *_band_layout(banding, permutations))
    pairs: dict[tuple[str, str], tuple[float, str]] = {}
    for chunk in range(0, len(candidates), 1 << 14):
        first, second = np.divmod(candidates[chunk:chunk + (1 << 14)], n)
        agree = np.count_nonzero(matrix[first] == matrix[second], axis=1) / float(matrix.shape[1])
        for a, b, similarity in zip(first.tolist(), second.tolist(), agree.tolist()):
            if similarity >= threshold:
                pairs[(ids[a], ids[b])] = (round(similarity, 3), "jaccard")
            elif by_containment and min(sizes[a], sizes[b]) >= _MIN_CONTAINED_SHINGLES:
                share = containment(similarity, sizes[a], sizes[b])
                if share >= containment_threshold:
                    pairs[(ids[a], ids[b])] = (round(share, 3), "containment")
    del matrix, candidates
    # Groups by union-find so that the canonical is the same for every member.
    parent: dict[str, str] = {}  # only documents in a pair

    def root(x):
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    links = []
    for (a, b), (similarity, measure) in sorted(pairs.items()):
        canonical = root(a)
        links.append(DuplicateLink(a, b, similarity, canonical, measure))
        links.append(DuplicateLink(b, a, similarity, canonical, measure))
    return sorted(links, key=lambda l: (l.id, l.other))
