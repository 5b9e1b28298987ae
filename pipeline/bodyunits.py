"""Body units larger than a line (issue 16): a hard-wrapped paragraph and a bullet list.

The line model and the positional rules decide line by line. Two layouts split one unit
of the article over several lines, and a line of it alone can look like chrome:

- `keep.wrapped_paragraph`: a page wrapped at a fixed column (RFCs, mailing-list posts,
  plain-text articles) breaks each paragraph into lines of about the same length; a
  continuation line ("body", "and contents") reads like a fragment. Lines of one wrapped
  paragraph are one unit: when at least half of a paragraph's lines are kept, its
  removed lines are kept too. (classify.py also lets a wrapped paragraph that reads as
  prose as a whole open the article: an RFC has no line long enough alone.)
- `keep.bullet_run`: at least 3 consecutive lines opening with the same bullet marker
  ("-", "*", "+", "•", "1.") are one list: when at least `bullet_run_share` of them are
  kept, the whole list is. A chrome menu set as bullets has none of its lines kept and
  stays removed.

Only lines removed by their position, the line model or as a near repeat are taken back
(not a phrase from the lexicon, a site's recurring line, an exact copy or a metadata
line): those rules read the line's own text, which a wrap or a list does not change.

The signals are the layout only (line lengths, the wrap criterion, the markers), in any
language. The wrap width is read per page (wrap_width): a wrapped page has most of its
longer lines just under one width, none much longer.
"""
from __future__ import annotations

import re

WRAPPED_RULE = "keep.wrapped_paragraph"
BULLET_RULE = "keep.bullet_run"

# Removed by their position or the line model: a decision a wider unit can overturn.
RESTORABLE = frozenset({"position.header", "position.footer", "position.after_article", "model.chrome",
                        "sequence.chrome", "dup.near"})

# The widths a fixed-column wrap uses (RFCs 72, e-mail 72-78, some posts 100).
_MIN_WIDTH, _MAX_WIDTH = 50, 110
_MIN_LONG = 30         # a line this long may be wrapped text; shorter ones are not read
_MIN_LINES = 20        # fewer such lines: too few to read a width from
_NEAR = 0.7            # a "full" line is at least this share of the width
_MIN_FULL_SHARE = 0.35  # of those lines, at least this share full
_MAX_OVER_SHARE = 0.02  # and at most this share longer than the width
_SLACK = 2             # characters the measured width may fall short of the real one
_LONGEST_WORD = 20     # a wrapped line ends at most this far before the width

_BULLET = re.compile(r"\s*(?:([-*+•·▪►‣–])|(\d{1,3})([.)]))\s+\S")
_BULLET_HEADS = frozenset("-*+•·▪►‣–")  # _BULLET's bullets
_FIRST_WORD = re.compile(r"\S+")


def wrap_width(lines: list[str]) -> int | None:
    """The column a hard-wrapped page is wrapped at, or None for a page not wrapped.

    Read from the page's longer lines (30 characters or more: a menu's items are not
    wrapped text): the width is their 98th percentile length; the page is wrapped when
    that width is 50-110 characters, at least 35 % of them come within 70 % of it and
    at most 2 % exceed it (a page of unwrapped paragraphs has many lines far over it)."""
    lengths = sorted(len(line) for line in lines if len(line) >= _MIN_LONG)
    if len(lengths) < _MIN_LINES:
        return None
    width = lengths[min(len(lengths) - 1, int(len(lengths) * 0.98))]
    if not _MIN_WIDTH <= width <= _MAX_WIDTH:
        return None
    full = sum(1 for n in lengths if width * _NEAR <= n <= width)
    over = sum(1 for n in lengths if n > width + _SLACK)
    if full < _MIN_FULL_SHARE * len(lengths) or over > _MAX_OVER_SHARE * len(lengths):
        return None
    return width


def _continues(line: str, following: str, width: int) -> bool:
    """True when `following` is the wrap continuation of `line`: `line` is no longer
    than the width, too long to have been cut before a word of 20 characters, and the
    next line's first word would not have fitted on it."""
    if not line or not following or not width - _LONGEST_WORD <= len(line) <= width + _SLACK:
        return False
    first = _FIRST_WORD.search(following)
    return first is not None and len(line.rstrip()) + 1 + len(first.group()) > width - _SLACK


def spaced(lines: list[str]) -> bool:
    """True for the clean body's layout: no two non-blank lines touch (one paragraph a
    line). There a wrapped paragraph's lines stand one blank line apart."""
    return not any(a and b for a, b in zip(lines, lines[1:]))


def wrapped_paragraphs(lines: list[str], width: int) -> list[list[int]]:
    """The page's wrapped paragraphs of two lines or more, as 1-based line numbers. In
    the clean body's layout (spaced) the lines of one paragraph are one blank line apart:
    the wrap criterion alone joins them, so its second reading finds the same units."""
    step = 2 if spaced(lines) else 1
    paragraphs, current = [], []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        following = number + step
        if following <= len(lines) and _continues(line, lines[following - 1], width):
            if not current:
                current = [number]
            current.append(following)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def keep_wrapped_paragraphs(result, width: int | None) -> int:
    """Keep the removed lines of a wrapped paragraph whose lines are mostly kept
    (`keep.wrapped_paragraph`). Returns how many lines were kept."""
    if width is None:
        return 0
    taken = 0
    for paragraph in wrapped_paragraphs(result.lines, width):
        decisions = [result.decisions.get(n) for n in paragraph]
        kept = sum(1 for d in decisions if d is not None and d.keep)
        if kept * 2 < len(paragraph):
            continue
        taken += _take_back(result, paragraph, decisions, WRAPPED_RULE,
                            lambda was: f"a line of a paragraph hard-wrapped at {width} characters, {kept} of whose "
                                        f"{len(paragraph)} lines are kept (was {was})")
    return taken


def _take_back(result, numbers: list[int], decisions: list, rule: str, reason) -> int:
    """Keep the lines of a unit removed by a RESTORABLE rule under `rule`, `reason(former rule)`
    as the reason. Returns how many were taken back."""
    taken = 0
    for n, decision in zip(numbers, decisions):
        if decision is not None and not decision.keep and decision.rule in RESTORABLE:
            result.decide(n, True, rule, reason(decision.rule))
            taken += 1
    return taken


def _marker(line: str) -> str | None:
    """The bullet marker a line opens with ("1." for any number and a dot), or None."""
    match = _BULLET.match(line)
    if match is None:
        return None
    return match.group(1) or f"1{match.group(3)}"


def bullet_runs(lines: list[str], width: int | None = None, min_items: int = 3) -> list[tuple[str, list[int]]]:
    """Runs of at least `min_items` lines opening with the same marker, as (marker, line
    numbers). Items may be one blank line apart (a list in the clean body's layout, or
    spaced items), and on a wrapped page an item's wrap continuations belong to it."""
    runs = []
    marker, items, members = None, 0, []
    gap = 0

    def close():
        if marker is not None and items >= min_items:
            runs.append((marker, members))

    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if not stripped:
            gap += 1
            if gap > 1:
                close()
                marker, items, members = None, 0, []
            continue
        # _BULLET opens with \s* (str.strip's white space) and then a bullet or a \d
        # (str.isdecimal): a line whose first other character is neither has no marker
        head = stripped[0]
        this = _marker(line) if head in _BULLET_HEADS or head.isdecimal() else None
        if this is not None and this == marker:
            items += 1
            members.append(number)
        elif (this is None and marker is not None and gap == 0 and width is not None
              and _continues(lines[number - 2], line, width)):
            members.append(number)  # the wrapped item's next line
        else:
            close()
            marker, items, members = (this, 1, [number]) if this is not None else (None, 0, [])
        gap = 0
    close()
    return runs


def keep_bullet_runs(result, share: float, width: int | None = None) -> int:
    """Keep the removed lines of a bullet list at least `share` of whose lines are kept
    (`keep.bullet_run`; share 0: off). Returns how many lines were kept."""
    if share <= 0:
        return 0
    taken = 0
    for marker, run in bullet_runs(result.lines, width):
        decisions = [result.decisions.get(n) for n in run]
        kept = sum(1 for d in decisions if d is not None and d.keep)
        if kept == 0 or kept < share * len(run):
            continue
        taken += _take_back(result, run, decisions, BULLET_RULE,
                            lambda was: f"an item of a list of {len(run)} lines opening with {marker!r}, {kept} of "
                                        f"them kept (>= {share:.2f}; was {was})")
    return taken
