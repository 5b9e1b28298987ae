"""HTML mode: what trafilatura's own structure says of a line of the text it extracted.

The line cleaning after trafilatura was written for text dumps, where a repeated line is
a menu or a news-stream copy and a line with a date is a stamp. In trafilatura's text the
lines of a code block (<pre>, block <code>: shell sessions, logs, SQL, an RFC set in
<pre>) repeat and look like dates or breadcrumbs because they are code: trafilatura kept
the block as part of the article, and on no site is chrome set as a code block inside
it. So on HTML a line of a code block is kept under `keep.html_code`, whatever the line
rules, the position, the metadata reader or the duplicate rules said (the metadata it
read stays read); only a reader comment section still removes it: a commenter's code is
still a comment (docs/comments-and-html.md).
"""
from __future__ import annotations

from pipeline.normalise import normalise

# The one rule a code line is not kept against.
NOT_OVERRIDDEN = ("comments.",)


def _key(line: str) -> str:
    return " ".join(line.split())


def code_line_keys(blocks: tuple[str, ...]) -> frozenset[str]:
    """The lines of the code blocks, normalised as the extracted text is, white space
    collapsed (the key the page's lines are looked up by)."""
    keys = set()
    for block in blocks:
        for line in normalise(block).split("\n"):
            key = _key(line)
            if key:
                keys.add(key)
    return frozenset(keys)


def keep_code_lines(result, keys: frozenset[str]) -> None:
    """Put back the lines of trafilatura's code blocks that a rule removed (but the
    comment rule)."""
    if not keys:
        return
    for n, decision in list(result.decisions.items()):
        if not decision.keep and not decision.rule.startswith(NOT_OVERRIDDEN) and _key(decision.text) in keys:
            result.decide(n, True, "keep.html_code",
                          f"a line of a code block trafilatura kept in the article (not chrome; was {decision.rule})")
