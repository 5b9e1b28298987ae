"""The page's body/chrome labelling (pipeline/sequence.py) over the shipped line model's
probabilities on real dev pages: it is the best path of its objective, the plain
threshold when switching is free, and its flips are recorded under their own rules."""
from __future__ import annotations

import itertools
import math

import pytest

from conftest import PAGES
from pipeline import sequence
from pipeline.classify import classify
from pipeline.language import detect, stopwords
from pipeline.linemodel import load_model, score_page
from pipeline.options import Options

PAGE_IDS = sorted(p.stem for p in (PAGES / "text").glob("*.txt"))


def model_lines(page_id: str):
    lines = (PAGES / "text" / f"{page_id}.txt").read_text("utf-8").split("\n")
    scores = score_page(lines, None)
    rows = [(scores.body_prob[i], t.strip()) for i, t in enumerate(lines) if t.strip()]
    return [p for p, _ in rows], [t for _, t in rows]


def objective(path, probs, texts, threshold, switch, power):
    base = math.log(threshold / (1 - threshold))
    gain = sum(sequence.weight(t, power) * (sequence._logit(p) - base) for p, t, k in zip(probs, texts, path) if k)
    return gain - switch * sum(a != b for a, b in zip(path, path[1:]))


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_the_path_is_the_best_labelling_of_its_objective(page_id):
    """Exhaustive search over every labelling of 10-line stretches of a real page agrees
    with the Viterbi path's objective (ties may pick another path of the same value)."""
    probs, texts = model_lines(page_id)
    threshold = load_model()["threshold"]
    for start in range(0, max(1, len(probs) - 10), 30):
        p, t = probs[start:start + 10], texts[start:start + 10]
        for switch, power in ((0.5, 0.0), (2.0, 0.5), (6.0, 1.0)):
            path = sequence.label(p, t, threshold, switch=switch, length_power=power)
            best = max(objective(c, p, t, threshold, switch, power)
                       for c in itertools.product((False, True), repeat=len(p)))
            assert objective(path, p, t, threshold, switch, power) == pytest.approx(best, abs=1e-9)


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_free_switching_is_the_threshold_and_dearer_switching_flips_less(page_id):
    probs, texts = model_lines(page_id)
    threshold = load_model()["threshold"]
    plain = [q >= threshold for q in probs]
    assert sequence.label(probs, texts, threshold, switch=0.0, length_power=1.0) == plain
    changes = [sum(a != b for a, b in zip(path, path[1:])) for path in
               (sequence.label(probs, texts, threshold, switch=s, length_power=0.5) for s in (0.0, 1.0, 4.0, 1e9))]
    assert changes == sorted(changes, reverse=True)
    assert changes[-1] == 0  # switching dearer than any line's evidence: one label for the page


def test_flipped_lines_carry_the_sequence_rules(monkeypatch, engine):
    """With a switch cost, the lines whose label the path changes are recorded as
    `sequence.body` / `sequence.chrome` with a reason, and every other model decision
    is the plain threshold's; with switching free none is."""
    flipped = {}
    for cost in (0.0, 3.0):
        monkeypatch.setattr(sequence, "PARAMS", {"switch": cost, "length_power": 0.5})
        for page_id in PAGE_IDS:
            text = (PAGES / "text" / f"{page_id}.txt").read_text("utf-8")
            lines = text.split("\n")
            options = Options()
            page = detect(lines, options.language_sample_chars, options.language_seed)
            result = classify(lines, page, engine.lexicon.for_site(None, None), stopwords(page.code))
            threshold = load_model()["threshold"]
            probs = score_page(lines, page.code).body_prob
            for d in result.ordered():
                if d.rule in ("keep.body", "model.chrome"):
                    assert d.keep == (probs[d.line - 1] >= threshold)
                if d.rule.startswith("sequence."):
                    assert d.keep == (d.rule == "sequence.body") == (probs[d.line - 1] < threshold)
                    assert "labelling" in d.reason
                    flipped.setdefault(cost, []).append((page_id, d.line))
    assert 0.0 not in flipped
    assert flipped.get(3.0)  # these real pages do have lines the path relabels


@pytest.mark.parametrize("side", ["both", "after"])
@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_outside_the_main_stretch_a_line_needs_the_higher_bar(page_id, side, monkeypatch):
    """The main stretch is the max-subarray of the lines' gains (checked by brute force),
    and with `outside_threshold` a line outside it is body only above that bar."""
    probs, texts = model_lines(page_id)
    threshold = load_model()["threshold"]
    gain = [sequence.weight(t, 1.0) * (sequence._logit(p) - sequence._logit(threshold)) for p, t in zip(probs, texts)]
    start, end = sequence.main_stretch(gain)
    best = max((sum(gain[a:b]) for a in range(len(gain)) for b in range(a + 1, len(gain) + 1)), default=0.0)
    assert sum(gain[start:end]) == pytest.approx(max(best, 0.0))
    monkeypatch.setattr(sequence, "PARAMS", {**sequence.shipped_params(), "outside_side": side})
    path = sequence.label(probs, texts, threshold, switch=0.0, length_power=1.0, outside_threshold=0.9)
    first = start if side == "both" else 0
    for i, (p, kept) in enumerate(zip(probs, path)):
        assert kept == (p >= (threshold if first <= i < end else 0.9))
