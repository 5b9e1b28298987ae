"""Duplicates across documents: exact (same body) and near (MinHash over word shingles,
with datasketch's LSH index). Canonical is the smallest id of a group, so the choice
does not depend on processing order."""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipeline.lineshape import WORD

_SEED = 1  # fixed: signatures must compare across runs and processes
_SCHEME = "affine32"


def body_hash(body: str) -> str:
    return hashlib.sha256(" ".join(WORD.findall(body.casefold())).encode("utf-8")).hexdigest()


def fingerprint(body: str, shingle_words: int, permutations: int) -> tuple[str, list[int]]:
    """(body_hash(body), signature(body, ...)), finding the body's words once."""
    joined = " ".join(WORD.findall(body.casefold())).encode("utf-8")
    return hashlib.sha256(joined).hexdigest(), _signature(joined.split(b" "), shingle_words, permutations)


@functools.lru_cache(maxsize=8)
def _permutations(permutations: int) -> np.ndarray:
    """datasketch's permutation tables for the fixed seed: the same for every document,
    and drawing them again costs more than the rest of a signature."""
    tables = MinHash(num_perm=permutations, seed=_SEED, scheme=_SCHEME).permutations
    tables.setflags(write=False)  # shared by every sketch (datasketch shares it too)
    return tables


def _sha1_hash32(shingles: set[bytes]) -> list[int]:
    """datasketch's sha1_hash32 (the first 4 bytes of SHA-1, little-endian) of every
    shingle, read from the joined digests in one numpy call instead of one
    struct.unpack a shingle."""
    sha1 = hashlib.sha1
    digests = b"".join([sha1(s).digest() for s in shingles])
    return np.frombuffer(digests, dtype="<u4")[::5].tolist()  # 20-byte digests: 5 words each


def signature(body: str, shingle_words: int, permutations: int) -> list[int]:
    # Encoded once as a whole (\w+ words hold no space), split back into words.
    return _signature(" ".join(WORD.findall(body.casefold())).encode("utf-8").split(b" "), shingle_words, permutations)


def _signature(words: list[bytes], shingle_words: int, permutations: int) -> list[int]:
    """The MinHash of the body's word shingles; `words`: UTF-8, case-folded (b"" alone
    for a body without words)."""
    if len(words) <= shingle_words:
        shingles = {b" ".join(words)}
    else:
        shingles = set(map(b" ".join, zip(*[words[i:] for i in range(shingle_words)])))
    # The shingles are hashed here (as datasketch's sha1_hash32 would, see above);
    # datasketch permutes them and keeps the minima. The minima do not depend on order.
    sketch = MinHash(num_perm=permutations, seed=_SEED, scheme=_SCHEME, hashfunc=int,
                     permutations=_permutations(permutations))
    sketch.update_batch(_sha1_hash32(shingles))
    return sketch.hashvalues.tolist()


@dataclass(frozen=True)
class DuplicateLink:
    id: str
    other: str
    similarity: float
    canonical: str


def _band_key(band: bytes) -> bytes:
    """A band's LSH bucket key: 8 bytes instead of the band's own (8 bytes a hash
    value), which roughly halves the index's memory. A collision only adds a candidate,
    and every candidate's similarity is computed, so the links found are the same."""
    return hashlib.blake2b(band, digest_size=8).digest()


def find_duplicates(docs, threshold: float, permutations: int) -> list[DuplicateLink]:
    """docs: an iterable of (id, body_hash, signature), the signature a list, a uint32
    array or its bytes. Returns links in both directions, sorted.

    The signatures are read into one array (4 bytes a hash value, nothing per document
    beyond it), and a document's sketch exists only while it is queried and inserted."""
    ids, digests, packed = [], [], bytearray()
    for ident, digest, sig in docs:
        ids.append(ident)
        digests.append(digest)
        packed += sig if isinstance(sig, (bytes, bytearray, memoryview)) else np.asarray(sig, dtype=np.uint32).tobytes()
    matrix = np.frombuffer(packed, dtype=np.uint32).reshape(len(ids), -1) if ids else np.zeros((0, permutations), np.uint32)
    order = sorted(range(len(ids)), key=ids.__getitem__)
    if order != list(range(len(ids))):
        ids, digests, matrix = [ids[k] for k in order], [digests[k] for k in order], matrix[order]
    position = {ident: k for k, ident in enumerate(ids)}
    lsh = MinHashLSH(threshold=threshold, num_perm=permutations, hashfunc=_band_key)
    pairs: dict[tuple[str, str], float] = {}
    by_hash: dict[str, str] = {}
    for k, (ident, digest) in enumerate(zip(ids, digests)):
        if digest in by_hash:
            pairs[(by_hash[digest], ident)] = 1.0
        else:
            by_hash[digest] = ident
        # LeanMinHash: a stored signature needs no permutation tables.
        sketch = LeanMinHash(seed=_SEED, scheme=_SCHEME, hashvalues=matrix[k])
        for other in sorted(lsh.query(sketch)):
            # What LeanMinHash.jaccard computes, on the stored rows.
            similarity = float(np.count_nonzero(matrix[k] == matrix[position[other]])) / float(matrix.shape[1])
            if similarity >= threshold:
                pairs.setdefault((other, ident), round(similarity, 3))
        lsh.insert(ident, sketch)
    del lsh, matrix, packed
    # Groups by union-find so that the canonical is the same for every member.
    parent = {i: i for i in ids}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    links = []
    for (a, b), similarity in sorted(pairs.items()):
        canonical = root(a)
        links.append(DuplicateLink(a, b, similarity, canonical))
        links.append(DuplicateLink(b, a, similarity, canonical))
    return sorted(links, key=lambda l: (l.id, l.other))
