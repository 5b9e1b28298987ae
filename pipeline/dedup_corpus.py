"""Duplicates across documents: exact (same body) and near (MinHash over word shingles,
with datasketch's LSH index). Canonical is the smallest id of a group, so the choice
does not depend on processing order."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from pipeline.lineshape import WORD

_SEED = 1  # fixed: signatures must compare across runs and processes
_SCHEME = "affine32"


def body_hash(body: str) -> str:
    return hashlib.sha256(" ".join(WORD.findall(body.casefold())).encode("utf-8")).hexdigest()


def signature(body: str, shingle_words: int, permutations: int) -> list[int]:
    words = WORD.findall(body.casefold())
    shingles = {" ".join(words[i:i + shingle_words]).encode("utf-8")
                for i in range(max(1, len(words) - shingle_words + 1))}
    sketch = MinHash(num_perm=permutations, seed=_SEED, scheme=_SCHEME)
    sketch.update_batch(sorted(shingles))
    return [int(v) for v in sketch.hashvalues]


@dataclass(frozen=True)
class DuplicateLink:
    id: str
    other: str
    similarity: float
    canonical: str


def find_duplicates(docs: list[tuple[str, str, list[int]]], threshold: float, permutations: int) -> list[DuplicateLink]:
    """docs: (id, body_hash, signature), the signature a list or a uint32 array.
    Returns links in both directions, sorted."""
    docs = sorted(docs, key=lambda d: d[0])
    # LeanMinHash: a stored signature needs no permutation tables (MinHash would build
    # them again for every document, the main cost at 100,000 documents).
    sketches = {i: LeanMinHash(seed=_SEED, scheme=_SCHEME, hashvalues=np.asarray(sig, dtype=np.uint32))
                for i, _, sig in docs}
    lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
    pairs: dict[tuple[str, str], float] = {}
    by_hash: dict[str, str] = {}
    for ident, digest, _ in docs:
        if digest in by_hash:
            pairs[(by_hash[digest], ident)] = 1.0
        else:
            by_hash[digest] = ident
        for other in sorted(lsh.query(sketches[ident])):
            similarity = sketches[ident].jaccard(sketches[other])
            if similarity >= threshold:
                pairs.setdefault((other, ident), round(similarity, 3))
        lsh.insert(ident, sketches[ident])
    # Groups by union-find so that the canonical is the same for every member.
    parent = {i: i for i, _, _ in docs}

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
