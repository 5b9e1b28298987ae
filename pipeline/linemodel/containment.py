"""Long lines inside longer long lines (teasers repeating the lead, duplicated copies of
the article): the line model's containment features."""
from __future__ import annotations

import ahocorasick

try:  # the counted sets by a rolling hash in C (pipeline/linemodel/_shape.c), where built
    from pipeline._shape import contained_lines as _contained_lines
except ImportError:  # not built, or built before it: the counting below
    _contained_lines = None


def containment(norms: list[str], counts: dict) -> tuple[set, set]:
    """Long lines (>= 60 chars) inside a longer long line, and the lines containing them.

    The definition: a is inside when norms[a] is a substring of some long norms[b] with
    len(norms[b]) > len(norms[a]); the containers are those b. Counting each long line in
    the whole page costs the page's length per long line: quadratic on long pages, which
    hold thousands (issue 12, item 16). So that count is kept for pages of at most
    _COUNTED_LONG_LINES long lines (time bounded by that many passes over the page), and
    a page with more goes through one Aho-Corasick automaton (pyahocorasick, in C) over
    its distinct long lines, scanning each once: time linear in their length plus the
    matches on real text. Not for every page: pyahocorasick walks its failure links at
    each character, which on a highly periodic line ("by clicking " 8,000 times) costs
    seconds a line, where counting a few lines costs milliseconds. Both give the same
    sets (tests/test_long_pages.py)."""
    long_ids = [k for k, s in enumerate(norms) if len(s) >= 60]
    if len(long_ids) <= _COUNTED_LONG_LINES:
        if _contained_lines is not None and len(long_ids) >= 2:
            # The kernel's windows over the distinct long lines, in time linear in their
            # length (tests/test_speed_round23_classifier.py: the counted sets); None past
            # its budget of compares (periodic lines), and the counting then.
            distinct = list(dict.fromkeys(norms[k] for k in long_ids))
            got = _contained_lines(distinct, 8 * sum(map(len, distinct)) + 4096)
            if got is not None:
                if not got[0]:
                    return set(), set()
                inside_s, container_s = set(map(distinct.__getitem__, got[0])), set(map(distinct.__getitem__, got[1]))
                return ({k for k in long_ids if norms[k] in inside_s},
                        {k for k in long_ids if norms[k] in container_s})
        return _containment_counted(norms, counts, long_ids)
    inside, container = set(), set()
    distinct = list(dict.fromkeys(norms[k] for k in long_ids))
    if len(distinct) < 2:  # equal lines only: none is longer than another
        return inside, container
    automaton = ahocorasick.Automaton()
    for s in distinct:
        automaton.add_word(s, s)
    automaton.make_automaton()
    inside_s, container_s = set(), set()
    for s in distinct:
        n = len(s)
        for _end, found in automaton.iter(s):
            if len(found) < n:  # a shorter long line occurs in s (s itself has length n)
                inside_s.add(found)
                container_s.add(s)
    if inside_s:
        inside = {k for k in long_ids if norms[k] in inside_s}
        container = {k for k in long_ids if norms[k] in container_s}
    return inside, container


_COUNTED_LONG_LINES = 200


def _containment_counted(norms: list[str], counts: dict, long_ids: list[int]) -> tuple[set, set]:
    """_containment by counting each long line in the page's long lines (the code before
    issue 12); `counts`: each line's number of equal lines."""
    inside, container = set(), set()
    if len(long_ids) < 2:
        return inside, container
    joined = "\n".join(norms[k] for k in long_ids)
    if joined.count("\n") != len(long_ids) - 1:  # a line with "\n" would break the count below
        pairs = [(a, b) for a in long_ids for b in long_ids
                 if a != b and len(norms[b]) > len(norms[a]) and norms[a] in norms[b]]
        return {a for a, _ in pairs}, {b for _, b in pairs}
    # No match spans a "\n", and a line of the same length holds a only if it equals a: so
    # a sits inside a longer line iff it occurs more often than it has equal lines.
    for a in long_ids:
        if joined.count(norms[a]) > counts[norms[a]]:
            inside.add(a)
    for a in inside:
        s, n = norms[a], len(norms[a])
        container.update(b for b in long_ids if len(norms[b]) > n and s in norms[b])
    return inside, container

