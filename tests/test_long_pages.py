"""Issue 12, item 16: the steps that were quadratic on long pages, made linear, give the
very same values as the definitions they replace, on real pages (the line model was
trained on its features: they must not move). Speed itself is measured by
bench/long_pages.py, not asserted here."""
from __future__ import annotations

import random

import numpy as np

from conftest import PAGES, SEEDS
from pipeline import linemodel as lm
from pipeline.linemodel import containment as lmc
from pipeline.linemodel.features import feature_matrix
from pipeline.linemodel.shape import _norm
from pipeline.classify import _MostlyChromeAfter, _shingles
from pipeline.language import detect
from pipeline.lineshape import shape_line
from pipeline.normalise import normalise


def _real_pages() -> list[list[str]]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    return [normalise(p.read_text("utf-8")).split("\n") for p in paths]


def _long_page() -> list[str]:
    """Every real page of the repo joined, then again with each page's long lines cut
    into pieces of 60+ characters and glued to others: many long lines inside others."""
    rng = random.Random(16)
    pages = _real_pages()
    lines = [line for page in pages for line in page + [""]]
    long_lines = [l.strip() for l in lines if len(l.strip()) >= 130]
    made = []
    for line in long_lines:
        start = rng.randrange(0, len(line) - 65)
        piece = line[start:start + rng.randrange(60, min(len(line) - start, 200) + 1)]
        made += [piece, piece, rng.choice(long_lines) + " " + piece, piece + piece[:3]]
    return lines + made


def _containment_before(norms: list[str], counts: dict) -> tuple[set, set]:
    """linemodel.containment as it was (issue 12): each long line counted in the whole page."""
    long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
    inside, container = set(), set()
    if len(long_ids) < 2:
        return inside, container
    joined = "\n".join(norms[k] for k in long_ids)
    for a in long_ids:
        if joined.count(norms[a]) > counts[norms[a]]:
            inside.add(a)
    for a in inside:
        s, n = norms[a], len(norms[a])
        container.update(b for b in long_ids if len(norms[b]) > n and s in norms[b])
    return inside, container


def test_containment_equals_the_definition_it_replaces(monkeypatch):
    """Both ways (counting on pages of few long lines, Aho-Corasick on the others), each
    forced on every page."""
    pages = _real_pages() + [_long_page()]
    assert sum(len(l.strip()) >= 60 for l in pages[-1]) > lmc._COUNTED_LONG_LINES
    for counted_up_to in (lmc._COUNTED_LONG_LINES, 0, 10**9):
        monkeypatch.setattr(lmc, "_COUNTED_LONG_LINES", counted_up_to)
        found_inside = 0
        for lines in pages:
            texts = [t.strip() for t in lines if t.strip()]
            norms = [_norm(t) for t in texts]
            counts = {s: norms.count(s) for s in set(norms)}
            got = lmc.containment(norms, counts)
            assert got == _containment_before(norms, counts)
            found_inside += len(got[0])
        assert found_inside > 100  # the long page exercises it
        # Edge cases: equal lines only, one long line, a line inside two, non-BMP characters.
        for norms in (["x" * 70] * 3, ["x" * 70], ["x" * 70, "y" + "x" * 70, "x" * 70, "z" * 80],
                      ["😀" * 61, "a" + "😀" * 61 + "b", "b" * 60], []):
            counts = {s: norms.count(s) for s in set(norms)}
            assert lmc.containment(norms, counts) == _containment_before(norms, counts)


def test_leaves_by_blocks_equal_all_rows_at_once():
    forest = lm.load_model()["stage1"]
    _, x = feature_matrix(_long_page(), "en")
    x = np.concatenate([x] * (2 * forest._LEAVES_BLOCK // len(x) + 2))  # real rows; blocks cut anywhere
    assert len(x) > 2 * forest._LEAVES_BLOCK
    assert np.array_equal(forest._leaves(x), forest._leaves_block(x, forest._qs))


def _mostly_chrome_after_before(marker, undecided, shapes, says_body, max_ratio, shingles_of) -> bool:
    """classify's footer check as it was (issue 12): the whole page read for each marker."""
    before = [n for n in undecided if n < marker and says_body(n)]
    seen = set()
    for n in before:
        seen |= shingles_of(n)
    body_before = sum(shapes[n].length_units() for n in before)
    body_after = 0
    for n in undecided:
        if n > marker and says_body(n):
            own = shingles_of(n)
            if own and len(own & seen) >= 0.8 * len(own):
                continue
            body_after += shapes[n].length_units()
    return body_after < max_ratio * body_before


def test_footer_check_moving_with_the_marker_equals_the_scan_from_scratch():
    # A news stream: articles, then their paragraphs again below (copies of lines above).
    pages = _real_pages()
    stream = [line for page in pages for line in page + [""]]
    stream += [line for page in pages[:3] for line in page if len(line) > 80]
    for lines in pages + [stream]:
        page = detect(lines, 3000, 0)
        shapes = {n: shape_line(n, t, frozenset(), None) for n, t in enumerate(lines, 1) if t}
        undecided = sorted(shapes)
        scores = lm.score_page(lines, page.code)
        says_body = lambda n: scores.body_prob[n - 1] >= 0.5  # noqa: E731
        grams = {}

        def shingles_of(n):
            return grams.setdefault(n, _shingles(lines[n - 1]))

        for ratio in (1.0, 0.3):
            check = _MostlyChromeAfter(undecided, shapes, says_body, scores, ratio, shingles_of)
            verdicts = [check(n) for n in undecided]
            assert verdicts == [_mostly_chrome_after_before(n, undecided, shapes, says_body, ratio, shingles_of)
                                for n in undecided]
    assert any(verdicts) and not all(verdicts)
