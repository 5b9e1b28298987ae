"""An author's bio box below the article (issue 16: chrome kept after the article).

Many pages end their article with a box about its writer: "Jane Doe is a senior writer
at ... Follow her on X", maybe with a line of links under it. It reads as prose, so the
line model keeps it, and it speaks other words than the article (the writer's career),
while the gold bodies of news pages leave it out.

The rule, on the decisions of a page the line model read (text dumps), once the
metadata reader has read the byline:

- only with an author the metadata reader read with confidence (pipeline/metadata.py's
  threshold), and only for a name of at least two words ("Jane Doe", not "Jane"): a
  single word opens many an article's sentence;
- a kept line below the article's first prose paragraph, other than the byline, that
  opens with that full name (case-folded, then a word boundary) and has at most
  `max_after` kept lines after it, is the box's first line;
- the box is that line, the short lines (not prose) right below it with no blank line
  between (a line of links, the writer's title), and the kept paragraphs after it that
  name the writer by a word of the name ("Karina holds an MBA from ..."), up to the first
  kept line that is neither; all are removed under `position.author_box`;
- the box's heading goes with it: the kept line right above it, when that line is short
  (at most `_HEADING_WORDS` words besides the name), ends with the full name and does
  not end a sentence ("About Jane Doe", "Sobre Jane Doe", "Written by Jane Doe"); such a
  heading opens the box by itself when the kept line under it names the writer ("Sobre
  Carlos Nadalim" over "Pai de Francesco e Teresa ..., Carlos Nadalim é ...").

No phrase: the signals are the byline's name, read from the page itself, and the
position (the end of the kept text), in any language.
"""
from __future__ import annotations

import re

RULE = "position.author_box"


def _opens_with(text: str, name: str) -> bool:
    folded, key = text.casefold().lstrip(), name.casefold()
    return folded.startswith(key) and (len(folded) == len(key) or not folded[len(key)].isalnum())


def _names(text: str, name: str) -> bool:
    """Whether `text` holds a word of the writer's name (of 3 letters or more) as a word."""
    return any(re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text)
               for word in re.findall(r"\w+", name) if len(word) >= 3)


_HEADING_WORDS = 3


def _heading_of(text: str, name: str) -> bool:
    """A box heading: the full name at the end, a few words before it ("About Jane Doe")."""
    folded, key = text.casefold().strip().rstrip(":"), name.casefold()
    if not folded.endswith(key) or folded == key:
        return False
    before = folded[: -len(key)]
    return not before[-1:].isalnum() and 1 <= len(before.split()) <= _HEADING_WORDS


def _heading(result, n: int, name: str) -> bool:
    return not result.shapes[n].ends_sentence and _heading_of(result.lines[n - 1], name)


def _prose(shape) -> bool:
    return shape.ends_sentence and shape.length_units() >= 8


def mark_author_box(result, authors: list[str], byline_line: int | None, max_after: int) -> None:
    """Remove the author box at the end of the kept text (`result`: a
    classify.Classification; `authors`: the names the metadata reader read with
    confidence; `byline_line`: the line it read them on). `max_after` 0 turns it off."""
    names = [a for a in authors if len(re.findall(r"\w+", a)) >= 2]
    if max_after <= 0 or not names:
        return
    kept = result.kept_numbers()
    first_prose = next((k for k, n in enumerate(kept) if _prose(result.shapes[n])), None)
    if first_prose is None:
        return
    boxed: set[int] = set()
    for k in range(max(first_prose + 1, len(kept) - 1 - max_after), len(kept)):
        n = kept[k]
        if n in boxed or n == byline_line:
            continue
        name = next((name for name in names if _opens_with(result.lines[n - 1], name)
                     or _heading(result, n, name) and k + 1 < len(kept)
                     and _names(result.lines[kept[k + 1] - 1], name)), None)
        if name is None:
            continue
        box = [n]
        for m in kept[k + 1:]:
            # the box goes on with the short lines right under it (links, a title) and
            # with the paragraphs that name the writer ("Karina holds an MBA ...")
            touching = m == box[-1] + 1
            if not (_names(result.lines[m - 1], name) or touching and not _prose(result.shapes[m])):
                break
            box.append(m)
        above = kept[k - 1] if k > first_prose + 1 else None
        if above is not None and above not in boxed and above != byline_line and _heading(result, above, name):
            box.insert(0, above)
        boxed.update(box)
        for m in box:
            result.decide(m, False, RULE,
                          f"the writer's box at the end of the article: opens with the byline's author "
                          f"{name!r} (line {n}), {len(kept) - 1 - k} kept lines from the end")
