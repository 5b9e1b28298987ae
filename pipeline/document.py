"""The records that flow between steps."""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Status(str, Enum):
    CLEANED = "cleaned"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True, init=False)
class LineDecision:
    """Why one line of the normalised text was kept or removed (1-based line number)."""

    line: int
    text: str
    keep: bool
    rule: str
    reason: str
    source: str | None = None  # the rule file a lexicon or site rule came from

    def __init__(self, line: int, text: str, keep: bool, rule: str, reason: str, source: str | None = None) -> None:
        # The fields set as the frozen dataclass's own __init__ sets them (in the
        # instance's __dict__, past the frozen __setattr__), in one call instead of six
        # object.__setattr__: a page makes hundreds (fourteenth round, docs/speed.md).
        self.__dict__.update(line=line, text=text, keep=keep, rule=rule, reason=reason, source=source)

    def to_dict(self) -> dict:
        entry = {"line": self.line, "text": self.text, "rule": self.rule, "reason": self.reason}
        if self.source:
            entry["source"] = self.source
        return entry


class Rejected(Exception):
    """A document that cannot be cleaned; the message says why, for a person."""


@dataclass
class CleanResult:
    """Everything one document produced: body, metadata and the line ledger."""

    status: Status
    reason: str | None = None
    body: str = ""
    metadata: dict = field(default_factory=dict)
    decisions: list[LineDecision] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # the lines the decisions number (for explain)

    @property
    def removed(self) -> list[LineDecision]:
        return [d for d in self.decisions if not d.keep]

    @property
    def kept(self) -> list[LineDecision]:
        return [d for d in self.decisions if d.keep]
