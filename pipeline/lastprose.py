"""The article's last paragraphs the line model nearly kept (`keep.last_prose`).

Right below the last line the article keeps, a paragraph of prose (8+ words ending a
sentence) that the model removed at a body probability near its threshold and whose
content words are the article's is the article going on (its closing paragraphs, which
the model reads alone, away from the rest). Each such paragraph kept reaches the next one.
Structure only: no phrase, any language; text dumps the line model read.
"""
from __future__ import annotations

from pipeline.linemodel.blocks import _content_without

_KEPT_BY_MODEL = frozenset({"keep.body_start", "keep.body", "sequence.body"})


def _prose(shape) -> bool:
    return shape.ends_sentence and shape.length_units() >= 8


def keep_last_prose(result, stop: frozenset[str], bar: float, min_share: float) -> None:
    if bar <= 0 or result.body_prob is None:
        return
    decisions, shapes = result.decisions, result.shapes
    numbers = sorted(n for n in shapes if n in decisions)
    kept = [n for n in numbers if decisions[n].keep]
    if not kept or decisions[kept[-1]].rule not in _KEPT_BY_MODEL:
        return
    vocabulary = None  # the article's prose's content words, made when a paragraph below is a candidate
    at = numbers.index(kept[-1]) + 1
    while at < len(numbers):
        n = numbers[at]
        d = decisions[n]
        p = result.body_prob[n - 1]
        if d.rule != "model.chrome" or p < bar or not _prose(shapes[n]):
            return
        if vocabulary is None:
            vocabulary = set().union(*(_content_without(result.lines[k - 1], stop) for k in kept if _prose(shapes[k])))
        words = _content_without(result.lines[n - 1], stop)
        if not words or len(words & vocabulary) < min_share * len(words):
            return
        result.decide(n, True, "keep.last_prose",
                      f"line model: body probability {p:.2f}, near its threshold, but a paragraph of prose right below "
                      f"the article's last kept line, {len(words & vocabulary)} of its {len(words)} content words the "
                      "article's")
        at += 1
