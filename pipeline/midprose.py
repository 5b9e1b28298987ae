"""A paragraph of prose the line model nearly kept between two kept lines
(`keep.between_prose`).

Inside the article, a line that reads as a paragraph of prose (8+ words ending in a
sentence's mark), printed once on the page, that the model removed at a body probability near
its threshold while the lines right above and right below it are kept, is the article's
own paragraph read alone (a quotation, a paragraph that opens with a name or a number,
a definition). The rules for removed runs between body lines (`keep.between_body`,
`keep.between_cohesive`) ask for a page of short lines or a run of two or more lines;
this one asks for one line that is itself prose. Structure and the model's own score
only: no phrase, any language; text dumps the line model read.
"""
from __future__ import annotations

from pipeline.lastprose import _prose
from pipeline.language import ends_unmarked
from pipeline.lineshape import _CLOSERS, _SENTENCE_ENDS


def _stops(text: str, scripts: dict | None = None) -> bool:
    """The line ends in a sentence's own mark, closers after it allowed ('... said.\"'), or
    (given its `scripts`) is a sentence of a script without one (Thai, Lao); a line ending in a bare quotation
    mark (a headline quoting a word) does not."""
    text = text.rstrip(_CLOSERS)
    return bool(text) and (text[-1] in _SENTENCE_ENDS or (scripts is not None and ends_unmarked(text, scripts)))


def keep_between_prose(result, bar: float) -> None:
    """Keep each `model.chrome` line of prose, once on the page, whose body probability
    is at least `bar` (0: off) and whose nearest non-blank lines above and below are
    kept."""
    if bar <= 0 or result.body_prob is None:
        return
    decisions, shapes, prob = result.decisions, result.shapes, result.body_prob
    # the model's near misses first (few a page): the page's order only where there is one
    near = [n for n, d in decisions.items() if d.rule == "model.chrome" and prob[n - 1] >= bar
            and _prose(shapes[n]) and _stops(shapes[n].text, shapes[n].scripts)]
    if not near:
        return
    numbers = sorted(n for n in shapes if n in decisions)
    at = {n: k for k, n in enumerate(numbers)}
    candidates = [at[n] for n in sorted(near)
                  if 0 < at[n] < len(numbers) - 1 and decisions[numbers[at[n] - 1]].keep
                  and decisions[numbers[at[n] + 1]].keep]
    if not candidates:
        return
    seen: dict[str, int] = {}
    for n in numbers:
        text = shapes[n].text
        seen[text] = seen.get(text, 0) + 1
    for k in candidates:
        n = numbers[k]
        if seen[shapes[n].text] > 1:
            continue
        p = prob[n - 1]
        result.decide(n, True, "keep.between_prose",
                      f"line model: body probability {p:.2f}, near its threshold, but a paragraph of prose, once on "
                      f"the page, between two kept lines (lines {numbers[k - 1]} and {numbers[k + 1]})")
