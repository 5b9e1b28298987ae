"""Label text-dump lines as body/chrome by aligning them to the gold body.

Token-level alignment (difflib on \\w+ tokens, in document order) rather than exact line
matching: gold and dump differ in spacing around links ("types , we"), gold may merge or
split paragraphs, and pages often repeat the article (teasers, "related" blocks) where only
the in-order copy should count as body.
"""
import difflib
import re
import unicodedata

_W = re.compile(r"\w+", re.UNICODE)


def toks(text):
    return _W.findall(unicodedata.normalize("NFKC", text or "").lower())


def label_lines(lines, gold_text, min_cover=0.5, min_block=2):
    """Return a list of 0/1 labels (1 = body) and per-line coverage fractions. A line is
    body when `min_cover` of its tokens align; aligned blocks shorter than `min_block`
    tokens are not counted unless one token makes a whole line."""
    line_toks = [toks(ln) for ln in lines]
    flat, owner = [], []
    for i, t in enumerate(line_toks):
        flat.extend(t)
        owner.extend([i] * len(t))
    gold = toks(gold_text)
    matched = [0] * len(lines)
    if flat and gold:
        sm = difflib.SequenceMatcher(None, flat, gold, autojunk=False)
        for a, _b, size in sm.get_matching_blocks():
            # isolated one-token matches are noise ("the", "and"), unless they make a whole line
            if size < min_block and not (size == 1 and len(line_toks[owner[a]]) == 1):
                continue
            for k in range(a, a + size):
                matched[owner[k]] += 1
    labels, cover = [], []
    for i, t in enumerate(line_toks):
        c = matched[i] / len(t) if t else 0.0
        cover.append(c)
        labels.append(1 if t and c >= min_cover else 0)
    return labels, cover
