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
