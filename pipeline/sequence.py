"""Body/chrome labelling of a page's line sequence from the line model's probabilities.

The line model scores each line with its neighbourhood as features, but decides each
line alone: a menu item that happens to read like prose inside a run of chrome, or a
short body line between two paragraphs, can land on the wrong side of the threshold.
This module labels the whole sequence at once: a two-state (body, chrome) Viterbi
path that pays `switch` for every change of state and gains, on each line, the line's
log-odds of being body beyond the threshold's, weighted by (its words) ** `length_power`:

    maximise  sum_i [y_i = body] * w_i * (logit(p_i) - logit(threshold))  -  switch * #changes

With `switch` 0 this is the plain threshold. The parameters live in
`pipeline/data/sequence.json` and were chosen by site-grouped folds (docs/quality.md).

Hand-written rather than taken from an HMM library (hmmlearn, pomegranate): the path of
a two-state chain with a constant switch cost is a dozen lines of dynamic programming,
and a library would add a dependency (and its own float order) for it.
"""
from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources

from pipeline.linewords import words_of

_EPS = 1e-4


@cache
def shipped_params() -> dict:
    """`pipeline/data/sequence.json`: {"switch": float, "length_power": float,
    "outside_threshold": float or null, "outside_side": "both" or "after"}."""
    return json.loads(resources.files("pipeline").joinpath("data/sequence.json").read_text(encoding="utf-8"))


# Overridable in one process (training/cv.py tries other values on the grouped folds).
PARAMS: dict | None = None


def params() -> dict:
    return PARAMS if PARAMS is not None else shipped_params()


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1.0 - _EPS)
    return math.log(p / (1.0 - p))


def weight(text: str, length_power: float) -> float:
    """A line's weight in the path: its \\w+ tokens ** length_power (at least one token)."""
    return max(1, len(words_of(text))) ** length_power


def main_stretch(gain: list[float]) -> tuple[int, int]:
    """[start, end) of the stretch of lines with the largest total gain (max-subarray,
    Kadane; the first of equal stretches); (0, 0) when no line gains."""
    best, best_span, run, start = 0.0, (0, 0), 0.0, 0
    for i, g in enumerate(gain):
        if run <= 0:
            run, start = 0.0, i
        run += g
        if run > best:
            best, best_span = run, (start, i + 1)
    return best_span


def label(probs: list[float], texts: list[str], threshold: float, switch: float | None = None,
          length_power: float | None = None, outside_threshold: float | None = None) -> list[bool]:
    """The best body (True) / chrome (False) path over the lines in page order.

    `probs[i]` is line i's body probability, `texts[i]` its text. Deterministic: on a tie
    the path keeps its state (and the first line prefers its own threshold verdict).
    `outside_threshold` (None: off): a line outside the page's main stretch (the run of
    lines with the largest total gain, main_stretch) needs this probability to be body;
    with the parameter `outside_side` "after", only a line after the stretch does."""
    cfg = params()
    switch = cfg["switch"] if switch is None else switch
    length_power = cfg["length_power"] if length_power is None else length_power
    outside = cfg.get("outside_threshold") if outside_threshold is None else outside_threshold
    n = len(probs)
    if n == 0:
        return []
    if switch <= 0 and not (outside is not None and outside > threshold):
        # the plain threshold (the shipped parameters): no gain to work out
        return [p >= threshold for p in probs]
    base = _logit(threshold)
    gain = [weight(t, length_power) * (_logit(p) - base) for p, t in zip(probs, texts)]
    bar = [threshold] * n  # the probability a line needs, alone
    if outside is not None and outside > threshold:
        start, end = main_stretch(gain)
        first = 0 if cfg.get("outside_side", "both") == "after" else start  # "after": only below it
        bar = [threshold if first <= i < end else outside for i in range(n)]
        gain = [weight(t, length_power) * (_logit(p) - _logit(b)) for p, t, b in zip(probs, texts, bar)]
    if switch <= 0:
        return [p >= b for p, b in zip(probs, bar)]
    # score[s]: best total of a path ending in state s (0 chrome, 1 body); back[i][s]: came from.
    chrome, body = 0.0, gain[0]
    back = [(0, 1)]
    for g in gain[1:]:
        stay_c, move_c = chrome, body - switch
        stay_b, move_b = body, chrome - switch
        from_c = 0 if stay_c >= move_c else 1
        from_b = 1 if stay_b >= move_b else 0
        chrome, body = max(stay_c, move_c), max(stay_b, move_b) + g
        back.append((from_c, from_b))
    state = 1 if body > chrome or (body == chrome and probs[-1] >= bar[-1]) else 0
    path = [False] * n
    for i in range(n - 1, -1, -1):
        path[i] = state == 1
        state = back[i][state]
    return path
