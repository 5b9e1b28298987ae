"""HTML mode: which removals of the line rules do not hold on trafilatura's text.

The line cleaning after trafilatura was written for text dumps, where a repeated line is
a menu or a news-stream copy, a line with a date is a stamp and a line in another script
is a link to another edition. trafilatura's text is already the article, and on it
these rules removed more body than chrome on sites they had not seen (the full dev set's
HTML, 5 folds grouped by site: docs/comments-and-html.md). So on HTML, after the rules:

- a line of a code block trafilatura kept (<pre>, block <code>: shell sessions, logs,
  SQL, an RFC set in <pre>) is kept under `keep.html_code`, whatever removed it: such
  lines repeat and look like dates or breadcrumbs because they are code, and no site
  sets its chrome as a code block inside the article (the metadata the reader took from
  it stays read);
- a full prose paragraph (long, ends like a sentence, reads like prose) that a chrome
  phrase matched is kept under `keep.html_prose`: on the article's own paragraphs the
  phrase lists hit sentences that speak of Facebook and Instagram, "Download our free
  checklist...";
- a line mostly in another script than the page is kept under `keep.html_script`
  (user handles, product names, code, a quoted verse: the edition links it catches in
  text dumps are navigation, which trafilatura leaves out);
- a short line that nearly repeats a sentence of a longer one is kept under
  `keep.html_near_repeat`: on trafilatura's text these were templated sentences and
  headings more often than captions or pull quotes.

A reader comment section still removes any line (a commenter's code is still a comment).
Exact repeats, the title's repeat, the footer (checked against the prose after its
marker: `classify(footer_prose_check=True)`) and the metadata claims still apply.
"""
from __future__ import annotations

from pipeline.normalise import normalise


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


def keep_html_lines(result, code_keys: frozenset[str], has_stoplist: bool) -> None:
    """Put back the lines that the rules above do not remove from trafilatura's text."""
    for n, decision in list(result.decisions.items()):
        rule = decision.rule
        if decision.keep or rule.startswith("comments."):
            continue
        if code_keys and _key(decision.text) in code_keys:
            result.decide(n, True, "keep.html_code",
                          f"a line of a code block trafilatura kept in the article (not chrome; was {rule})")
        elif rule.startswith("lexicon.") and result.shapes[n].is_body_like(has_stoplist):
            result.decide(n, True, "keep.html_prose",
                          f"a prose paragraph of trafilatura's text; the chrome phrase ({rule}) is part of a sentence")
        elif rule == "script.foreign":
            result.decide(n, True, "keep.html_script",
                          "another script inside trafilatura's text (a name, handle or quote), not an edition link")
        elif rule == "dup.near":
            result.decide(n, True, "keep.html_near_repeat",
                          "nearly repeats a longer line of trafilatura's text (a templated sentence, not a caption)")
