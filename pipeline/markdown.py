"""A clean body as Markdown that keeps the article's shape: the title as `#`, headings
inside the body as `##`, list items as `-` (numbered ones as `1.`), paragraphs apart.

Built from a result's kept lines and the input lines around them (the body file alone
has lost which lines touched in the input). The signals, which hold on any site:

- a **list item** starts with a bullet (•, ·, ▪, -, *, ...) or a number ("1.", "2)"); or,
  on a page that sets its paragraphs apart with blank lines, it is one of two or more
  short kept lines that touch in the input (a list the dump flattened to lines);
- a **heading** is a short kept line (at most 12 words and 90 characters) that starts
  with a capital (or a letter of a caseless script), does not end like a sentence or a
  clause (. , ; : ! …; a question only when the line is in title or upper case), is not a
  quotation, and is followed by a paragraph (a kept line of 10 words or more, at least
  twice its own length in words), or by a label of up to 3 words that repeats its first
  word (a picture's credit, "Sony") and then a paragraph.

Everything else is a paragraph, escaped where Markdown would read its start as syntax.
Inline characters (`*`, `_`, links) are left as the page wrote them."""
from __future__ import annotations

import re

from pipeline.document import CleanResult

_BULLET = re.compile(r"^\s*[•·▪‣●◦○■□►▸–—*+-]\s+(?=\S)")
_NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(?=\S)")
_SENTENCE_END = ".,;:!…。，；：！"
_CLOSERS = "\"'”’»)]›"
_OPENERS = "\"'“‘«„"
_INNER_SENTENCE = re.compile(r"[.!?]\s+\S")  # a caption with its credit: "... (AP)"
_MARKDOWN_START = re.compile(r"^(#|>|[-*+]\s|\d+[.)]\s|=+\s*$|-+\s*$|```|~~~|\|)")

HEADING_MAX_WORDS = 12
HEADING_MAX_CHARS = 90
PARAGRAPH_MIN_WORDS = 10
IMPLICIT_ITEM_MAX_WORDS = 25


def _words(text: str) -> int:
    return len(text.split())


def _is_caps_or_title(text: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if len(w) > 3]
    return bool(words) and (text.upper() == text or all(w[0].isupper() for w in words))


def title_like(text: str) -> bool:
    """A heading's own shape, before what follows it is known."""
    text = text.strip()
    if not text:
        return False
    words = _words(text)
    if words > HEADING_MAX_WORDS or len(text) > HEADING_MAX_CHARS or text[0] in _OPENERS:
        return False
    first = next((c for c in text if c.isalpha()), "")
    if not first or (first.lower() != first.upper() and not first.isupper()):
        return False
    end = text.rstrip(_CLOSERS)[-1:]
    if end in _SENTENCE_END or (end in "?？" and not _is_caps_or_title(text)):
        return False
    if _BULLET.match(text) or _NUMBERED.match(text) or _INNER_SENTENCE.search(text):
        return False
    return True


def _paragraph_after(text: str, next_text: str | None) -> bool:
    if next_text is None:
        return False
    following = _words(next_text)
    return following >= PARAGRAPH_MIN_WORDS and following >= 2 * _words(text)


def looks_like_heading(text: str, next_text: str | None) -> bool:
    """The heading signal (see the module's docstring)."""
    return title_like(text) and _paragraph_after(text, next_text)


def _escape(text: str) -> str:
    """A paragraph whose start Markdown would read as a heading, quote, list or rule."""
    return "\\" + text if _MARKDOWN_START.match(text) else text


def blocks(kept: list[tuple[int, str]], lines: list[str]) -> list[tuple[str, str]]:
    """(kind, text) for each kept line, kind one of heading / item / numbered / paragraph.

    `kept`: (line number, text) of the body's lines in order; `lines`: the input lines
    they are numbered in (to see which kept lines touched, with no blank line between)."""
    def touches(a: int, b: int) -> bool:
        return b == a + 1 and 0 < a <= len(lines) and 0 < b <= len(lines)

    pairs = list(zip(kept, kept[1:]))
    # A page sets its paragraphs apart when most kept neighbours are apart in the input.
    # Pairs with a paragraph longer than a list item vote: short lines that touch are what
    # is being looked for, so a long list (or one more kept short line) must not outvote
    # the page's paragraphs; without such pairs, every pair votes.
    voting = [pair for pair in pairs
              if max(_words(pair[0][1]), _words(pair[1][1])) > IMPLICIT_ITEM_MAX_WORDS] or pairs
    apart = sum(not touches(a, b) for (a, _), (b, _) in voting)
    spaced = bool(voting) and apart * 2 >= len(voting)
    texts = [text for _, text in kept]
    kinds: list[str] = []
    for k, text in enumerate(texts):
        following = texts[k + 1] if k + 1 < len(texts) else None
        if _BULLET.match(text):
            kinds.append("item")
        elif _NUMBERED.match(text):
            kinds.append("numbered")
        elif k and kinds[k - 1] == "label":
            kinds.append("paragraph")  # the label itself (a picture's credit) stays text
        elif looks_like_heading(text, following):
            kinds.append("heading")
        elif (following is not None and k + 2 < len(texts) and title_like(text)
              and _words(following) <= 3 and _words(following) < _words(text)
              and following.split()[0].casefold() in text.casefold()
              and _paragraph_after(following, texts[k + 2])):
            kinds.append("label")  # a heading, then a short label before its paragraph
        else:
            kinds.append("paragraph")
    kinds = ["heading" if kind == "label" else kind for kind in kinds]
    if spaced:
        # Short paragraphs that touch in the input, two or more: a flattened list.
        k = 0
        while k < len(kept):
            end = k
            while (end + 1 < len(kept) and touches(kept[end][0], kept[end + 1][0])
                   and kinds[end + 1] == "paragraph"):
                end += 1
            run = range(k, end + 1)
            if (end > k and kinds[k] == "paragraph"
                    and all(_words(kept[i][1]) <= IMPLICIT_ITEM_MAX_WORDS for i in run)):
                for i in run:
                    kinds[i] = "item"
            k = end + 1
    return list(zip(kinds, (text for _, text in kept)))


def render(kinds_and_texts: list[tuple[str, str]], title: str | None = None) -> str:
    """Markdown text: blocks apart by a blank line, a list's items on touching lines."""
    out: list[str] = []
    previous = None
    if title:
        out.append("# " + " ".join(title.split()))
        previous = "title"
    for kind, text in kinds_and_texts:
        text = text.strip()
        if kind == "heading":
            line = "## " + text.rstrip("#").strip()
        elif kind == "item":
            line = "- " + _BULLET.sub("", text)
        elif kind == "numbered":
            line = _NUMBERED.sub(lambda m: f"{m.group(1)}. ", text)
        else:
            line = _escape(text)
        in_list = kind in ("item", "numbered")
        if previous is not None:
            out.append("\n" if in_list and previous == kind else "\n\n")
        out.append(line)
        previous = kind
    return "".join(out) + "\n" if out else ""


def to_markdown(result: CleanResult, title: bool = True) -> str:
    """The result's body as Markdown (empty for a result with no body). `title`: open
    with the metadata's title as `#`."""
    kept = [(d.line, d.text) for d in result.decisions if d.keep]
    if not kept:
        return ""
    heading = result.metadata.get("title") if title else None
    return render(blocks(kept, result.lines), heading)
