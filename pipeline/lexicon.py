"""Chrome-phrase lexicon: rules kept as TOML data files, matched against whole lines.

Shipped files live in pipeline/data/lexicon/; users add their own files with the same
format (see README), plus `[[sites]]` entries whose rules apply only to some sites'
pages. Each match reports the rule id, the reason and the file it came from.
"""
from __future__ import annotations

import os
import re
import stat
import sys
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

# The regex prefilter (_required_literals) reads a regex's parse tree from `re`'s private
# parser, on the Python versions it is tested on (tests/test_lexicon_literals.py compares
# it with `re` itself on the rule files); elsewhere every regex is simply searched.
_PARSER_VERSIONS = ((3, 11),)  # add one once tests/test_lexicon_literals.py passes on it
try:
    if sys.version_info[:2] not in _PARSER_VERSIONS:
        raise ImportError(f"re._parser not checked on Python {sys.version_info[0]}.{sys.version_info[1]}")
    import re._constants as _c
    import re._parser as _parser
except ImportError:  # pragma: no cover
    _c = _parser = None

from pipeline.language import script_of

from pipeline.linewords import words_of
from pipeline.sites import SiteSelector

_EDGE_PUNCT = " \t:;,.!?-–—|>»•·*#()[]\"'“”‘’"
_UNSPACED = {"CJK", "THAI", "LAO", "KHMER", "MYANMAR"}


def _prefix_pattern(prefixes: list[str]) -> re.Pattern | None:
    """One pattern for a rule's prefixes. A prefix keeps its own punctuation ("More:" is
    not "More than..."), and one that ends in a letter must end a word there ("Also
    read" is not "Also readers"), except in scripts written without spaces."""
    if not prefixes:
        return None
    parts = []
    for prefix in sorted({" ".join(p.casefold().split()).lstrip(_EDGE_PUNCT) for p in prefixes}, key=len, reverse=True):
        boundary = r"(?!\w)" if prefix[-1].isalnum() and script_of(prefix[-1]) not in _UNSPACED else ""
        parts.append(re.escape(prefix) + boundary)
    return re.compile("(?:" + "|".join(parts) + ")")


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
    prefixes: re.Pattern | None
    patterns: tuple[re.Pattern, ...]
    max_words: int | None
    starts_footer: bool
    family: str = "lexicon"  # "site" for rules of a [[sites]] entry

    def matches(self, line: str, folded: str, words: int, spaced: str | None = None) -> bool:
        """`spaced`: the line case-folded, white space collapsed, leading punctuation off
        (computed here when not given; Lexicon.match computes it once per line)."""
        if self.max_words is not None and words > self.max_words:
            return False
        if folded in self.exact:
            return True
        if self.prefixes is not None:
            if spaced is None:
                spaced = " ".join(line.casefold().split()).lstrip(_EDGE_PUNCT)
            if self.prefixes.match(spaced):
                return True
        if self.any_pattern is not None:
            return self.any_pattern.search(line) is not None
        return any(p.search(line) for p in self.patterns)

    @property
    def any_pattern(self) -> re.Pattern | None:
        return _any_pattern(self.patterns)


_LEADING_FLAGS = re.compile(r"\(\?([imsx]+)\)")
_GLOBAL_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_BACKREF = re.compile(r"\\(?:[0-9]|g<)")


@lru_cache(maxsize=None)
def _any_pattern(patterns: tuple[re.Pattern, ...]) -> re.Pattern | None:
    """A rule's regexes as one alternation (one search instead of one per regex), when
    that is sure to mean the same: each part a self-contained group, a leading global
    flag made local to its part, no group numbers or names that would clash."""
    if len(patterns) < 2:
        return None
    parts = []
    for pattern in patterns:
        source = pattern.pattern
        if not isinstance(source, str) or pattern.groups or "(?P" in source or _BACKREF.search(source.replace("\\\\", "")):
            return None  # groups or escapes we do not analyse: keep them apart
        flags = _LEADING_FLAGS.match(source)
        if flags:
            source = f"(?{flags.group(1)}:{source[flags.end():]})"
        if _GLOBAL_FLAGS.search(source):
            return None
        parts.append(f"(?:{source})")
    try:
        return re.compile("|".join(parts))
    except re.error:
        return None


def _pattern_search(rule: "LexiconRule"):
    """A function telling whether any of the rule's regexes is found in a line, or None."""
    if not rule.patterns:
        return None
    combined = rule.any_pattern
    if combined is not None:
        return combined.search
    if len(rule.patterns) == 1:
        return rule.patterns[0].search
    return lambda line: any(p.search(line) for p in rule.patterns)


# A regex search is the costliest check of a line, and most lines match none of them.
# So each regex is first reduced to literals of which any match must contain one (read
# off its parse tree: a run of literal characters in sequence, every alternative of a
# branch, the body of a repeat done at least once); a line holding none of them is not
# searched. Case-insensitive literals are compared in _casefree(line), which maps every
# character that `re` takes for an ASCII letter under IGNORECASE to that letter.
_SELECTIVE = 3  # literals shorter than this (letters only) let too many lines through


def _casefree(line: str) -> str:
    """line.lower(), then the non-ASCII twins of ASCII letters under re.IGNORECASE (see
    re/_casefix.py): 'İ' (lowered to i + U+0307), 'ı', 'ſ'; 'K' (Kelvin) lowers to 'k'.
    Dropping every U+0307 only ever brings literals together, never apart."""
    low = line.lower()
    if not low.isascii():
        low = low.replace("\u0307", "").replace("\u0131", "i").replace("\u017f", "s")
    return low


def _literal_sets(items, ignorecase: bool) -> list[list[tuple[str, bool]]]:
    """Sets of (literal, case-insensitive) for a parsed sequence: any match of the
    sequence contains at least one literal of each set."""
    found: list[list[tuple[str, bool]]] = []
    run: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            run.append(chr(av))
            continue
        literal = "".join(run)
        run.clear()
        if literal:
            found.append([(literal, ignorecase)])
        if op is _c.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            flag = (ignorecase or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            found += _literal_sets(sub.data, flag)
        elif op is _c.ATOMIC_GROUP:
            found += _literal_sets(av.data, ignorecase)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found += _literal_sets(av[2].data, ignorecase)
        elif op is _c.BRANCH:
            union = []
            for alternative in av[1]:
                best = _best(_literal_sets(alternative.data, ignorecase))
                if best is None:
                    break
                union += best
            else:
                found.append(union)
            # The parser moves a prefix common to all alternatives out in front of
            # the branch ("pic|photo" -> "p" "ic|hoto"): join it back where it can.
            heads = [_leading(alternative.data) for alternative in av[1]]
            if literal and all(heads):
                found.append([(literal + head, ignorecase) for head in heads])
    literal = "".join(run)
    if literal:
        found.append([(literal, ignorecase)])
    return found


def _leading(items) -> str:
    """The literal characters a parsed sequence starts with."""
    head = []
    for op, av in items:
        if op is not _c.LITERAL:
            break
        head.append(chr(av))
    return "".join(head)


def _usable(literal: str, ignorecase: bool) -> bool:
    if ignorecase and not literal.isascii():
        return False  # only ASCII letters are sure to fold the way _casefree does
    return len(literal) >= _SELECTIVE or any(not c.isalnum() and not c.isspace() for c in literal)


def _best(sets: list[list[tuple[str, bool]]]) -> list[tuple[str, bool]] | None:
    """The most selective set: usable literals only, the longest shortest one, the fewest."""
    sets = [s for s in sets if s and all(_usable(*entry) for entry in s)]
    if not sets:
        return None
    return max(sets, key=lambda s: (min(min(len(l) for l, _ in s), 8), -len(s)))


def _required_literals(pattern: re.Pattern) -> list[tuple[str, bool]] | None:
    """Literals one of which any match of the pattern contains, or None when unsure.

    The one place that reads `re`'s private parser (re._parser, re._constants): the
    standard library has no public way to see a regex's structure, and no well-kept
    library offers one for `re`'s own syntax (parsing it again by hand would be a second,
    worse copy of the parser).  It is only a speed-up: a line without the literals is not
    searched.  So it is pinned to the versions in _PARSER_VERSIONS, any surprise from the
    parser means None (the regex is always searched), and tests/test_lexicon_literals.py
    checks on the shipped rule files that no line `re` matches is ever skipped."""
    if not isinstance(pattern.pattern, str) or _parser is None:
        return None
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a private module's internals: when in doubt, search as before
        return None
    return _best(_literal_sets(parsed.data, bool(pattern.flags & re.IGNORECASE)))


def _trie_search(literals: set[str]):
    """One regex finding any of the literals, as a trie ("a(?:b|c)"): at a character that
    starts none of them the search moves on at once."""
    # A literal holding another one adds nothing to "holds any of them".
    literals = {l for l in literals if not any(o != l and o in l for o in literals)}
    trie: dict = {}
    for literal in literals:
        node = trie
        for ch in literal:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        if "" in node:
            return ""  # a literal ends here: the rest of this branch adds nothing
        parts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items())]
        return parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"

    return re.compile(pattern(trie)).search if literals else None


class _Literals:
    """Tells whether a line may match any of some regexes: holds one of their literals."""

    def __init__(self, patterns) -> None:
        folded, exact = set(), set()
        for pattern in patterns:
            literals = _required_literals(pattern)
            if literals is None:
                raise ValueError("no literals")
            for literal, ignorecase in literals:
                # A case-sensitive literal found in the line is found lowered in
                # _casefree(line) too when it is ASCII or uncased (bar U+0307, dropped).
                if ignorecase or literal.isascii() or all(c.lower() == c == c.upper() != "\u0307" for c in literal):
                    folded.add(literal.lower())
                else:
                    exact.add(literal)
        self.folded = _trie_search(folded)
        self.exact = _trie_search(exact)

    @classmethod
    def of(cls, patterns) -> "_Literals | None":
        try:
            return cls(patterns) if patterns else None
        except ValueError:
            return None

    def maybe(self, line: str, low: str) -> bool:
        """`low`: _casefree(line)."""
        return bool(self.folded is not None and self.folded(low)) or bool(self.exact is not None and self.exact(line))


@dataclass(frozen=True)
class LexiconMatch:
    rule: str
    reason: str
    source: str
    starts_footer: bool


_ALLOWED_KEYS = {"id", "reason", "exact", "prefix", "regex", "max_words", "starts_footer"}


_SITE_KEYS = {"host", "folder", "rules"}


def _parse_file(data: dict, source: str) -> tuple[list[LexiconRule], list[tuple[SiteSelector, LexiconRule]]]:
    """A rule file: [[rules]] for every page and/or [[sites]] entries for some sites."""
    unknown = set(data) - {"rules", "sites"}
    if unknown:
        raise LexiconError(f"{source}: unknown top-level key(s) {', '.join(sorted(unknown))} (expected [[rules]] and/or [[sites]])")
    if "rules" not in data and "sites" not in data:
        raise LexiconError(f"{source}: expected a list of [[rules]] tables and/or [[sites]] tables")
    rules = _parse_rules(data["rules"], source, "rule") if "rules" in data else []
    site_rules = []
    sites = data.get("sites", [])
    if not isinstance(sites, list) or not all(isinstance(s, dict) for s in sites):
        raise LexiconError(f"{source}: 'sites' must be a list of [[sites]] tables")
    for number, site in enumerate(sites, 1):
        where = f"{source}: site {number}"
        unknown = set(site) - _SITE_KEYS
        if unknown:
            raise LexiconError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} (allowed: folder, host, rules)")
        selectors = {}
        for key in ("host", "folder"):
            value = site.get(key, [])
            value = [value] if isinstance(value, str) else value
            if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
                raise LexiconError(f"{where}: '{key}' must be a string or a list of non-empty strings")
            selectors[key] = value
        if not selectors["host"] and not selectors["folder"]:
            raise LexiconError(f"{where}: needs 'host' or 'folder' to say which pages it applies to")
        if "rules" not in site:
            raise LexiconError(f"{where}: needs [[sites.rules]] tables")
        selector = SiteSelector.build(selectors["host"], selectors["folder"])
        site_rules += [(selector, r) for r in _parse_rules(site["rules"], source, f"site {number} rule", "site")]
    return rules, site_rules


def _parse_rules(entries, source: str, label: str = "rule", family: str = "lexicon") -> list[LexiconRule]:
    rules = []
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise LexiconError(f"{source}: expected a list of [[rules]] tables")
    for number, entry in enumerate(entries, 1):
        where = f"{source}: {label} {number}"
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
        if max_words is not None and (not isinstance(max_words, int) or isinstance(max_words, bool) or max_words < 1):
            raise LexiconError(f"{where} ({entry['id']}): 'max_words' must be a positive integer")
        rules.append(LexiconRule(
            id=entry["id"],
            reason=entry["reason"].strip(),
            source=source,
            exact=frozenset(fold(v) for v in entry.get("exact", [])),
            prefixes=_prefix_pattern(entry.get("prefix", [])),
            patterns=tuple(patterns),
            max_words=max_words,
            starts_footer=bool(entry.get("starts_footer", False)),
            family=family,
        ))
    return rules


def _read_rule_file(path: Path) -> str:
    """A rule file's text; only a regular file is read (a named pipe or a device would
    block the run, or never end)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # opening a FIFO must not wait for a writer
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise LexiconError(f"{path}: not a regular file (a rule file must be a TOML file)")
        return handle.read().decode("utf-8")


def rule_running(frame) -> LexiconMatch | None:
    """The rule whose check was running in `frame` or one of its callers, if any: what a
    time limit's signal handler reads to say that a rule's regex, not the page, ran long."""
    while frame is not None:
        if frame.f_code is Lexicon.match.__code__:
            return frame.f_locals.get("found")  # the rule being tried (bound per rule in the loop)
        if frame.f_code is LexiconRule.matches.__code__:
            rule = frame.f_locals.get("self")
            return LexiconMatch(f"{rule.family}.{rule.id}", rule.reason, rule.source, rule.starts_footer) if rule else None
        frame = frame.f_back
    return None


class Lexicon:
    def __init__(self, rules: list[LexiconRule], site_rules: list[tuple[SiteSelector, LexiconRule]] | None = None):
        self.rules = rules
        self.site_rules = site_rules or []
        self._for_site: dict[tuple[str | None, str | None], Lexicon] = {}
        # What match() tries per rule, in order, bound once (it runs on every line).
        self._checks = [
            (rule.max_words, rule.exact, rule.prefixes.match if rule.prefixes is not None else None,
             _pattern_search(rule), _Literals.of(rule.patterns),
             LexiconMatch(f"{rule.family}.{rule.id}", rule.reason, rule.source, rule.starts_footer))
            for rule in rules
        ]
        # Most lines match no rule: these tell so at once, for all rules together.
        self._any_exact = frozenset().union(*(rule.exact for rule in rules))
        prefixes = [rule.prefixes.pattern for rule in rules if rule.prefixes is not None]
        self._any_prefix = re.compile("|".join(f"(?:{p})" for p in prefixes)).match if prefixes else None
        with_regex = [rule for rule in rules if rule.patterns]
        self._any_regex = bool(with_regex)
        self._regex_literals = _Literals.of([p for rule in with_regex for p in rule.patterns])
        self._regex_max_words = (None if any(rule.max_words is None for rule in with_regex)
                                 else max((rule.max_words for rule in with_regex), default=None))

    def for_site(self, host: str | None, folder: str | None) -> "Lexicon":
        """The rules for one page: its site's rules first (more specific), then the rest."""
        if not self.site_rules:
            return self
        key = (host, folder)
        if key not in self._for_site:
            chosen = [rule for selector, rule in self.site_rules if selector.matches(host, folder)]
            self._for_site[key] = Lexicon(chosen + self.rules) if chosen else self
        return self._for_site[key]

    @classmethod
    def load(cls, extra_files: tuple[str | Path, ...] = ()) -> "Lexicon":
        rules: list[LexiconRule] = []
        site_rules: list[tuple[SiteSelector, LexiconRule]] = []
        shipped = resources.files("pipeline") / "data" / "lexicon"
        for entry in sorted(shipped.iterdir(), key=lambda p: p.name):
            if entry.name.endswith(".toml"):
                found, sites = _parse_file(tomllib.loads(entry.read_text("utf-8")), f"pipeline/data/lexicon/{entry.name}")
                rules += found
                site_rules += sites
        for path in extra_files:
            path = Path(path)
            try:
                data = tomllib.loads(_read_rule_file(path))
            except (OSError, UnicodeDecodeError) as exc:
                raise LexiconError(f"{path}: cannot read: {exc}") from None
            except tomllib.TOMLDecodeError as exc:
                raise LexiconError(f"{path}: not valid TOML: {exc}") from None
            found, sites = _parse_file(data, str(path))
            rules += found
            site_rules += sites
        return cls(rules, site_rules)

    def match(self, line: str) -> LexiconMatch | None:
        spaced = " ".join(line.casefold().split()).lstrip(_EDGE_PUNCT)
        folded = spaced.rstrip(_EDGE_PUNCT)  # fold(line)
        words = low = None
        if folded not in self._any_exact and (self._any_prefix is None or not self._any_prefix(spaced)):
            # Only a regex can match: not on a line too long for every regex rule (a line
            # of n characters has at most (n + 1) // 2 words), nor on one without literals.
            if not self._any_regex:
                return None
            limit = self._regex_max_words
            if limit is not None and (len(line) + 1) // 2 > limit:
                words = len(words_of(line))
                if words > limit:
                    return None
            if self._regex_literals is not None:
                low = _casefree(line)
                if not self._regex_literals.maybe(line, low):
                    return None
        if words is None:
            words = len(words_of(line))
        # LexiconRule.matches, inlined, rule by rule in order: the first match wins
        for max_words, exact, prefix_match, search, literals, found in self._checks:
            if max_words is not None and words > max_words:
                continue
            if folded in exact or (prefix_match is not None and prefix_match(spaced)):
                return found
            if search is not None:
                if literals is not None:
                    if low is None:
                        low = _casefree(line)
                    if not literals.maybe(line, low):
                        continue
                if search(line):
                    return found
        return None
