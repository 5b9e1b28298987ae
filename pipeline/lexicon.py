"""Chrome-phrase lexicon: rules kept as TOML data files, matched against whole lines.

Shipped files live in pipeline/data/lexicon/; users add their own files with the same
format (see README). Each match reports the rule id, the reason and the file it came from.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_EDGE_PUNCT = " \t:;,.!?-–—|>»•·*#()[]\"'“”‘’"
_WORD = re.compile(r"\w+")


class LexiconError(ValueError):
    """A lexicon file that does not follow the documented format."""


def fold(line: str) -> str:
    """The form lines are compared in: case-folded, white space collapsed, edge punctuation off."""
    return " ".join(line.casefold().split()).strip(_EDGE_PUNCT)


@dataclass(frozen=True)
class LexiconRule:
    id: str
    reason: str
    source: str
    exact: frozenset[str]
    prefixes: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]
    max_words: int | None
    starts_footer: bool

    def matches(self, line: str, folded: str, words: int) -> bool:
        if self.max_words is not None and words > self.max_words:
            return False
        if folded in self.exact:
            return True
        if self.prefixes and folded.startswith(self.prefixes):
            return True
        return any(p.search(line) for p in self.patterns)


@dataclass(frozen=True)
class LexiconMatch:
    rule: str
    reason: str
    source: str
    starts_footer: bool


_ALLOWED_KEYS = {"id", "reason", "exact", "prefix", "regex", "max_words", "starts_footer"}


def _parse_rules(data: dict, source: str) -> list[LexiconRule]:
    rules = []
    entries = data.get("rules")
    if not isinstance(entries, list):
        raise LexiconError(f"{source}: expected a list of [[rules]] tables")
    for number, entry in enumerate(entries, 1):
        where = f"{source}: rule {number}"
        unknown = set(entry) - _ALLOWED_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        if not isinstance(entry.get("id"), str) or not re.fullmatch(r"[a-z0-9_]+", entry["id"]):
            raise LexiconError(f"{where}: 'id' must be lower-case letters, digits and underscores")
        if not isinstance(entry.get("reason"), str) or not entry["reason"].strip():
            raise LexiconError(f"{where} ({entry['id']}): 'reason' must be a non-empty string")
        for key in ("exact", "prefix", "regex"):
            value = entry.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise LexiconError(f"{where} ({entry['id']}): '{key}' must be a list of non-empty strings")
        if not any(entry.get(k) for k in ("exact", "prefix", "regex")):
            raise LexiconError(f"{where} ({entry['id']}): needs at least one of exact, prefix, regex")
        patterns = []
        for pattern in entry.get("regex", []):
            try:
                patterns.append(re.compile(pattern))
            except re.error as exc:
                raise LexiconError(f"{where} ({entry['id']}): bad regex {pattern!r}: {exc}") from None
        max_words = entry.get("max_words")
        if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
            raise LexiconError(f"{where} ({entry['id']}): 'max_words' must be a positive integer")
        rules.append(LexiconRule(
            id=entry["id"],
            reason=entry["reason"].strip(),
            source=source,
            exact=frozenset(fold(v) for v in entry.get("exact", [])),
            prefixes=tuple(fold(v) for v in entry.get("prefix", [])),
            patterns=tuple(patterns),
            max_words=max_words,
            starts_footer=bool(entry.get("starts_footer", False)),
        ))
    return rules


class Lexicon:
    def __init__(self, rules: list[LexiconRule]):
        self.rules = rules

    @classmethod
    def load(cls, extra_files: tuple[str | Path, ...] = ()) -> "Lexicon":
        rules: list[LexiconRule] = []
        shipped = resources.files("pipeline") / "data" / "lexicon"
        for entry in sorted(shipped.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".toml"):
                rules += _parse_rules(tomllib.loads(entry.read_text("utf-8")), f"pipeline/data/lexicon/{entry.name}")
        for path in extra_files:
            path = Path(path)
            try:
                data = tomllib.loads(path.read_text("utf-8"))
            except (OSError, UnicodeDecodeError) as exc:
                raise LexiconError(f"{path}: cannot read: {exc}") from None
            except tomllib.TOMLDecodeError as exc:
                raise LexiconError(f"{path}: not valid TOML: {exc}") from None
            rules += _parse_rules(data, str(path))
        return cls(rules)

    def match(self, line: str) -> LexiconMatch | None:
        folded = fold(line)
        words = len(_WORD.findall(line))
        for rule in self.rules:
            if rule.matches(line, folded, words):
                return LexiconMatch(f"lexicon.{rule.id}", rule.reason, rule.source, rule.starts_footer)
        return None
