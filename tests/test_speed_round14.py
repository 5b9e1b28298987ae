"""The fourteenth round's shortcut against what it replaces, on real data: a line
decision made by its one-call __init__ equals the frozen dataclass's own."""
import dataclasses
import pickle
from dataclasses import dataclass

import pytest

from pipeline import process
from pipeline.document import LineDecision

from conftest import PAGES, SEEDS


@dataclass(frozen=True)
class _PlainDecision:
    """LineDecision as it was: the frozen dataclass's generated __init__."""

    line: int
    text: str
    keep: bool
    rule: str
    reason: str
    source: str | None = None


def _decisions():
    engine = process.Engine.load()
    found = []
    for path in sorted(SEEDS.glob("*.txt")) + sorted(PAGES.parent.rglob("*.txt"))[:20]:
        result = process.clean_bytes(path.read_bytes(), path.name, engine)
        found += result.decisions
    return found


def test_line_decision_init_equals_the_dataclass_init():
    decisions = _decisions()
    assert len(decisions) > 300
    for decision in decisions:
        values = dataclasses.astuple(decision)
        plain = _PlainDecision(*values)
        assert vars(decision) == vars(plain)  # the same fields, in the same order
        assert list(vars(decision)) == [f.name for f in dataclasses.fields(LineDecision)]
        assert repr(decision) == repr(plain).replace("_PlainDecision", "LineDecision")
        again = LineDecision(*values)
        assert again == decision and hash(again) == hash(decision)
        by_name = LineDecision(**dataclasses.asdict(decision))
        assert by_name == decision
        assert pickle.loads(pickle.dumps(decision)) == decision
        assert dataclasses.replace(decision, source="x.toml").source == "x.toml"
    assert LineDecision(1, "a", True, "r", "why").source is None  # the default
    with pytest.raises(dataclasses.FrozenInstanceError):
        decisions[0].keep = not decisions[0].keep
    with pytest.raises(TypeError):
        LineDecision(1, "a", True, "r")  # a missing field, as the dataclass's init


def test_word_rows_kernel_equals_the_python_loops():
    """pipeline._shape.word_rows (where the kernel is built) gives the rows the Python
    loops give, on every token of the seeds and test pages and on random words of many
    scripts; both equal the plain path (_word_ngrams, then _rows)."""
    import random

    import numpy as np
    from langdetect import detector_factory

    from pipeline import language

    if language._kernel_word_rows is None:
        pytest.skip("pipeline._shape not built")
    detector_factory.init_factory()
    known = detector_factory._factory.word_lang_prob_map
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted(PAGES.parent.rglob("*.txt"))]
    words = sorted({w for text in texts for token in language._prepare(text).split(" ")
                    for w in token.translate(language._NORMALISED).split(" ")})
    rng = random.Random(14)
    letters = "abz日本語ßéñσςыяاب١ก 1"
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 12))).replace(" ", "") for _ in range(3000)]
    words += ["a", "ab", "日", "x" * 300, "ﬁ", "ǅa"]
    assert len(words) > 5000
    kernel = language._kernel_word_rows
    checked = 0
    try:
        for word in words:
            language._kernel_word_rows = kernel
            fast = language._word_rows(word, known)
            language._kernel_word_rows = None
            slow = language._word_rows(word, known)
            assert fast == slow, repr(word)
            plain = language._rows(language._word_ngrams(word + " ", known), known)
            assert np.frombuffer(fast, dtype=np.int32).tolist() == np.frombuffer(plain, dtype=np.int32).tolist(), repr(word)
            checked += bool(word) and word[1:].islower()
    finally:
        language._kernel_word_rows = kernel
    assert checked > 4000  # most words go through the kernel
