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

try:  # an ASCII line's folded forms in C (pipeline/linemodel/_shape.c), where it is built
    from pipeline._shape import ascii_forms as _ascii_forms
except ImportError:
    _ascii_forms = None
try:  # _Finder's and _Literals.candidates' answers in C (pipeline/linemodel/_shape.c), where it is built
    from pipeline._shape import LiteralCandidates as _KernelCandidates, LiteralFinder as _KernelFinder
except ImportError:
    _KernelCandidates = _KernelFinder = None
try:  # LineForms in C (pipeline/linemodel/_shape.c), where it is built
    from pipeline._shape import LineForms as _KernelLineForms, configure_forms as _configure_forms
except ImportError:
    _KernelLineForms = _configure_forms = None
try:  # Lexicon.match_line in C (pipeline/linemodel/_shape.c), where it is built
    from pipeline._shape import LexiconMatcher as _KernelMatcher, running_rule as _kernel_running_rule
except ImportError:
    _KernelMatcher = _kernel_running_rule = None

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

import ahocorasick

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


def _pattern_parts(rule: "LexiconRule", literals: "_Literals | None") -> tuple | None:
    """(bit, search) of each of a rule's regexes, when it has several and `literals` holds
    them all (their bits in it); else None (the rule's one search)."""
    if literals is None or len(rule.patterns) < 2:
        return None
    parts = tuple((literals.bits([pattern]), pattern.search) for pattern in rule.patterns)
    return None if any(bit is None for bit, _ in parts) else parts


# A regex search is the costliest check of a line, and most lines match none of them.
# So each regex is first reduced to literals of which any match must contain one (read
# off its parse tree: a run of literal characters in sequence, a small character class
# as one literal a member, every alternative of a branch, the body of a repeat done at
# least once); a line holding none of them is not searched. Literals are compared in
# _casefree(line), which maps every character that `re` takes for an ASCII letter under
# IGNORECASE to that letter. What `re` matches to a cased non-ASCII character under
# IGNORECASE (simple case mappings, its own extra equivalences) is not what str.lower
# gives, so such a literal is only used on pure-ASCII lines, where it becomes the ASCII
# letters `re` matches to it, or cannot occur at all. tests/test_lexicon_literals.py
# checks every literal character of the shipped rules against all of Unicode.
_HAS_DIGIT = re.compile(r"\d").search
_SELECTIVE = 3  # literals shorter than this (ASCII letters only) let too many lines through
_MAX_VARIANTS = 16  # literals one run of characters and classes may spell, at most


def _casefree(line: str) -> str:
    """line.lower(), then the non-ASCII twins of ASCII letters under re.IGNORECASE (see
    re/_casefix.py): 'İ' (lowered to i + U+0307), 'ı', 'ſ'; 'K' (Kelvin) lowers to 'k'.
    Dropping every U+0307 only ever brings literals together, never apart."""
    low = line.lower()
    if not low.isascii():
        low = low.replace("\u0307", "").replace("\u0131", "i").replace("\u017f", "s")
    return low


def _caseless(ch: str) -> bool:
    """A character with no case: str's case mappings leave it alone, and `re` matches
    nothing else to it under IGNORECASE (checked over all of Unicode by the tests)."""
    return ch.lower() == ch == ch.upper() != "\u0307"


def _class_chars(items) -> list[str] | None:
    """The characters of a character class made of single characters and short ranges."""
    chars: list[str] = []
    for op, av in items:
        if op is _c.LITERAL:
            chars.append(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < _MAX_VARIANTS:
            chars += map(chr, range(av[0], av[1] + 1))
        else:
            return None  # negated, a category (\d, \w), a wide range
    return list(dict.fromkeys(chars)) if 0 < len(chars) <= _MAX_VARIANTS else None


def _literal_sets(items, ignorecase: bool, choose) -> list[list[tuple[str, bool]]]:
    """Sets of (literal, case-insensitive) for a parsed sequence: any match of the
    sequence contains at least one literal of each set. `choose`: a mode's best set
    among several (_ascii_best, _any_best), for the alternatives of a branch."""
    found: list[list[tuple[str, bool]]] = []
    run = [""]  # the literals the characters and classes since the last break spell

    def flush() -> list[str]:
        if run != [""]:
            found.append([(literal, ignorecase) for literal in run])
        return [""]

    for op, av in items:
        if op is _c.LITERAL:
            run = [literal + chr(av) for literal in run]
            continue
        chars = _class_chars(av) if op is _c.IN else None
        if chars is not None:
            if len(run) * len(chars) > _MAX_VARIANTS:
                run = flush()
            run = [literal + ch for literal in run for ch in chars]
            continue
        before = run
        run = flush()
        if op is _c.SUBPATTERN:
            _, add_flags, del_flags, sub = av
            flag = (ignorecase or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
            found += _literal_sets(sub.data, flag, choose)
        elif op is _c.ATOMIC_GROUP:
            found += _literal_sets(av.data, ignorecase, choose)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT) and av[0] >= 1:
            found += _literal_sets(av[2].data, ignorecase, choose)
        elif op is _c.BRANCH:
            union = []
            for alternative in av[1]:
                best = choose(_literal_sets(alternative.data, ignorecase, choose))
                if best is None:
                    break
                union += best
            else:
                found.append(union)
            # The parser moves a prefix common to all alternatives out in front of
            # the branch ("pic|photo" -> "p" "ic|hoto"): join it back where it can.
            heads = [_leading(alternative.data) for alternative in av[1]]
            if before != [""] and all(heads) and len(before) * len(heads) <= _MAX_VARIANTS:
                found.append([(literal + head, ignorecase) for literal in before for head in heads])
    flush()
    return found


def _needs_digit(items) -> bool:
    """Whether every match of a parsed sequence holds a character `\\d` matches (sure or
    False). Only what is certain counts: a class of ASCII digits or `\\d` alone, a repeat
    of at least one such, a group around one, a branch whose every alternative has one;
    anything else (lookarounds, back references, other classes) adds nothing."""
    for op, av in items:
        if op is _c.LITERAL:
            if 48 <= av <= 57:
                return True
        elif op is _c.IN:
            if av and all((kind is _c.CATEGORY and value is _c.CATEGORY_DIGIT)
                          or (kind is _c.LITERAL and 48 <= value <= 57)
                          or (kind is _c.RANGE and 48 <= value[0] <= value[1] <= 57) for kind, value in av):
                return True
        elif op is _c.SUBPATTERN:
            if _needs_digit(av[3].data):
                return True
        elif op is _c.ATOMIC_GROUP:
            if _needs_digit(av.data):
                return True
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            if av[0] >= 1 and _needs_digit(av[2].data):
                return True
        elif op is _c.BRANCH:
            if all(_needs_digit(alternative.data) for alternative in av[1]):
                return True
    return False


def _digit_required(pattern: re.Pattern) -> bool:
    """True when any match of the pattern holds a `\\d` character (a line without one
    cannot match); False when unsure. Read off the parse tree as _required_literals is."""
    if not isinstance(pattern.pattern, str) or _parser is None:
        return False
    try:
        return _needs_digit(_parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:  # a private module's internals: when in doubt, the regex is searched
        return False


def _first_chars(items) -> frozenset[str] | None:
    """The characters a match of a parsed sequence can start with (each of its
    alternatives opening with a literal character, or a class of literal characters),
    or None when unsure: an empty alternative, a flag, any other item first."""
    if not items:
        return None
    op, av = items[0]
    if op is _c.LITERAL:
        return frozenset(chr(av))
    if op is _c.IN:
        return frozenset(chr(value) for _, value in av) if av and all(kind is _c.LITERAL for kind, _ in av) else None
    if op is _c.SUBPATTERN and not av[1] and not av[2]:  # a group without flags
        return _first_chars(av[3].data)
    if op is _c.BRANCH:
        heads = [_first_chars(alternative.data) for alternative in av[1]]
        return None if None in heads else frozenset().union(*heads)
    return None


def _match_heads(pattern: re.Pattern) -> frozenset[str] | None:
    """The first characters a `pattern.match` can match at (a text starting with none of
    them is not matched), or None when unsure: then no text is ruled out. Read off the
    parse tree as _required_literals is, for a case-sensitive pattern only."""
    if not isinstance(pattern.pattern, str) or _parser is None or pattern.flags & re.IGNORECASE:
        return None
    try:
        return _first_chars(_parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:  # a private module's internals: when in doubt, every text is matched
        return None


def _leading(items) -> str:
    """The literal characters a parsed sequence starts with."""
    head = []
    for op, av in items:
        if op is not _c.LITERAL:
            break
        head.append(chr(av))
    return "".join(head)


def _selective(form: str) -> bool:
    return len(form) >= _SELECTIVE or any(not (c.isascii() and c.isalnum()) and not c.isspace() for c in form)


_ASCII = "".join(map(chr, range(128)))


@lru_cache(maxsize=None)
def _ascii_twin(ch: str) -> str | None:
    """The lowered ASCII character `re` matches to the non-ASCII `ch` under IGNORECASE
    (as a literal or in a class): 'k' for the Kelvin sign, 's' for 'ſ'; "" for none,
    None when more than one (not seen in Unicode 15, but then the literal is unusable)."""
    twins = {a.lower() for form in (re.escape(ch), "[" + re.escape(ch) + "]")
             for a in re.findall("(?i)" + form, _ASCII)}
    return twins.pop() if len(twins) == 1 else ("" if not twins else None)


_NEVER = ""  # an ASCII form: the literal cannot occur in a pure-ASCII line


def _ascii_char(ch: str, ignorecase: bool) -> str | None:
    """The lowered ASCII character a pure-ASCII line holds where `re` matches `ch`:
    _NEVER when none can be; None when unsure."""
    if ch.isascii():
        return ch.lower()
    return _ascii_twin(ch) if ignorecase else _NEVER


def _any_char(ch: str, ignorecase: bool) -> bool:
    """Whether any line's _casefree form holds ch.lower() where `re` matches `ch`
    (else: case-sensitive, the raw line holds `ch`; under IGNORECASE, unusable)."""
    return ch.isascii() or _caseless(ch)


def _ascii_form(literal: str, ignorecase: bool) -> str | None:
    """What a pure-ASCII line's lowered form holds where the line holds the literal (as
    `re` matches it): lowered ASCII; _NEVER if no ASCII line can; None when unusable."""
    chars = []
    for ch in literal:
        twin = _ascii_char(ch, ignorecase)
        if not twin:
            return twin  # _NEVER: no ASCII character is it; None: unsure
        chars.append(twin)
    form = "".join(chars)
    return form if _selective(form) else None


def _any_form(literal: str, ignorecase: bool) -> tuple[str, bool] | None:
    """(what to look for, in the raw line rather than _casefree(line)) for any line, or
    None when unusable. Under IGNORECASE a cased non-ASCII character cannot be looked
    for: the longest stretch of the literal without one is."""
    if all(_any_char(ch, ignorecase) for ch in literal):
        form, raw = literal.lower(), False
    elif not ignorecase:
        form, raw = literal, True
    else:
        pieces, piece = [], []
        for ch in literal:
            if _any_char(ch, ignorecase):
                piece.append(ch)
            else:
                pieces.append("".join(piece))
                piece = []
        pieces.append("".join(piece))
        form, raw = max(pieces, key=len).lower(), False
    return (form, raw) if form and _selective(form) else None


def _ascii_best(sets):
    """The most selective set for ASCII lines: one no ASCII line can hold best; else
    the longest shortest literal, the fewest literals."""
    scored = []
    for s in sets:
        forms = [_ascii_form(*entry) for entry in s]
        if s and None not in forms:
            usable = [f for f in forms if f]
            scored.append(((9, 0) if not usable else (min(min(map(len, usable)), 8), -len(usable)), s))
    return max(scored, key=lambda k: k[0])[1] if scored else None


def _any_best(sets):
    """The most selective set for any line: the longest shortest literal, the fewest."""
    scored = []
    for s in sets:
        forms = [_any_form(*entry) for entry in s]
        if s and None not in forms:
            scored.append(((min(min(len(f) for f, _ in forms), 8), -len(forms)), s))
    return max(scored, key=lambda k: k[0])[1] if scored else None


def _required_literals(pattern: re.Pattern, choose=None) -> list[tuple[str, bool]] | None:
    """Literals one of which any match of the pattern contains, or None when unsure;
    `choose`: _any_best (the default: usable on any line) or _ascii_best.

    The one place that reads `re`'s private parser (re._parser, re._constants): the
    standard library has no public way to see a regex's structure, and no well-kept
    library offers one for `re`'s own syntax (parsing it again by hand would be a second,
    worse copy of the parser).  It is only a speed-up: a line without the literals is not
    searched.  So it is pinned to the versions in _PARSER_VERSIONS, any surprise from the
    parser means None (the regex is always searched), and tests/test_lexicon_literals.py
    checks on the shipped rule files that no line `re` matches is ever skipped."""
    if not isinstance(pattern.pattern, str) or _parser is None:
        return None
    choose = choose or _any_best
    try:
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        return choose(_literal_sets(parsed.data, bool(pattern.flags & re.IGNORECASE), choose))
    except Exception:  # a private module's internals: when in doubt, search as before
        return None


class _Finder:
    """Which of some literals (each with a mask of the regexes it stands for) a text
    holds: every occurrence, overlapping ones too, in one pass of an Aho-Corasick
    automaton (pyahocorasick, in C), the masks of the literals found or-ed. The regex
    trie this replaced (the longest literal at the leftmost place, then on after its end)
    had to give each literal the masks of all that can start inside or across it; here
    each literal found adds its own mask, so a line is a candidate of a regex exactly when
    it holds one of its literals (a subset of the trie's masks, never missing one: the
    same matches, fewer regexes searched; tests/test_lexicon_literals.py)."""

    def __init__(self, masks: dict[str, int]) -> None:
        self.masks = masks  # as given (read only)
        self.always = masks.get("", 0)  # an empty literal is in every text
        self.automaton = ahocorasick.Automaton()
        for literal, mask in masks.items():
            if literal:
                self.automaton.add_word(literal, mask)
        self.automaton.make_automaton()

    def __call__(self, text: str) -> int:
        out = self.always
        for _, mask in self.automaton.iter(text):
            out |= mask
        return out


def _finder(masks: dict[str, int]):
    """A _Finder of `masks`, or the same answer in C (`_shape.LiteralFinder`: one pass of
    a deterministic automaton over the text's code points, no Python a text) where the
    kernel is built and takes them: masks of at most 64 bits (a lexicon of at most 64
    regexes), a table of at most 4 M cells; else pyahocorasick (tests/test_speed_round17.py)."""
    if _KernelFinder is not None:
        try:
            return _KernelFinder(masks)
        except (ValueError, OverflowError):
            pass
    return _Finder(masks)


def _or(masks) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def _no_literals(_: str) -> int:
    return 0


class _Literals:
    """Which of some regexes a line may match: those one of whose literals it holds (a
    bit each, in the order given; `maybe`: any of them). Pure-ASCII lines and the others
    are told apart (see _ascii_form); a regex without literals for a kind of line is
    always a candidate on it."""

    def __init__(self, patterns) -> None:
        self.patterns = tuple(patterns)
        ascii_masks: dict[str, int] = {}
        folded: dict[str, int] = {}
        raw: dict[str, int] = {}
        self.ascii_always = self.other_always = 0
        for bit, pattern in enumerate(self.patterns):
            mask = 1 << bit
            ascii_set = _required_literals(pattern, _ascii_best)
            if ascii_set is None:
                self.ascii_always |= mask
            else:
                for form in (_ascii_form(*entry) for entry in ascii_set):
                    if form:  # _NEVER ("") adds nothing: no ASCII line holds it
                        ascii_masks[form] = ascii_masks.get(form, 0) | mask
            any_set = _required_literals(pattern, _any_best)
            if any_set is None:
                self.other_always |= mask
            else:
                for form, in_raw in (_any_form(*entry) for entry in any_set):
                    table = raw if in_raw else folded
                    table[form] = table.get(form, 0) | mask
        everything = (1 << len(self.patterns)) - 1
        if self.ascii_always == everything and self.other_always == everything:
            raise ValueError("no literals")
        # The regexes that need a digit: not candidates on a line without one, whatever
        # literals it holds (most of them have no literals a non-ASCII line can use).
        self.digit_bits = _or(1 << bit for bit, pattern in enumerate(self.patterns) if _digit_required(pattern))
        self.ascii = _finder(ascii_masks) if ascii_masks else _no_literals
        self.folded = _finder(folded) if folded else _no_literals
        self.raw = _finder(raw) if raw else _no_literals
        # candidates() in C, where every finder is the kernel's (or there are no literals)
        # and the masks fit in 64 bits: an instance attribute in place of the method, so
        # LineForms.candidates calls C with no Python frame between (tests/test_speed_round17.py).
        if _KernelCandidates is not None:
            try:  # TypeError: a finder is pyahocorasick's; OverflowError: a mask of more than 64 bits
                self.candidates = _KernelCandidates(*[None if f is _no_literals else f for f in (
                    self.ascii, self.folded, self.raw)], self.ascii_always, self.other_always, self.digit_bits)
            except (TypeError, OverflowError):
                pass

    @classmethod
    def of(cls, patterns) -> "_Literals | None":
        try:
            return cls(patterns) if patterns else None
        except ValueError:
            return None

    def bits(self, patterns) -> int | None:
        """The mask of some of the regexes given (the same objects), or None if one of
        them is not among them."""
        found = [k for q in patterns for k, p in enumerate(self.patterns) if p is q]
        return _or(1 << k for k in found) if len(set(found)) >= len(set(map(id, patterns))) else None

    def candidates(self, line: str, low: str) -> int:
        """The mask of the regexes the line may match. `low`: _casefree(line)."""
        if line.isascii():
            mask = self.ascii_always | self.ascii(low)
        else:
            mask = self.other_always | self.folded(low) | self.raw(line)
        if mask & self.digit_bits and not _HAS_DIGIT(line):
            mask &= ~self.digit_bits
        return mask

    def maybe(self, line: str, low: str) -> bool:
        return self.candidates(line, low) != 0


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
    # The C matcher (a Lexicon's match_line, _shape.LexiconMatcher) has no frame: it says which rule's regex it is
    # searching while the search runs (the handler runs inside the search).
    running = _kernel_running_rule() if _kernel_running_rule is not None else None
    if running is not None:
        return running
    while frame is not None:
        if frame.f_code is Lexicon.match_line.__code__:
            return frame.f_locals.get("found")  # the rule being tried (bound per rule in the loop)
        if frame.f_code is LexiconRule.matches.__code__:
            rule = frame.f_locals.get("self")
            return LexiconMatch(f"{rule.family}.{rule.id}", rule.reason, rule.source, rule.starts_footer) if rule else None
        frame = frame.f_back
    return None


class _PyLineForms:
    """A line in the forms the rules compare, each made once (a line asked of several
    lexicons, as the comment finder's kinds, shares them). `LineForms` below: this class,
    or the same in C where the shape kernel is built."""

    __slots__ = ("line", "spaced", "folded", "_words", "_low", "_literals", "_candidates")

    def __init__(self, line: str) -> None:
        self.line = line
        # case-folded, white space collapsed, leading punctuation off; folded: fold(line)
        forms = _ascii_forms(line, _EDGE_PUNCT) if _ascii_forms is not None else None
        if forms is None:  # not ASCII, or the kernel not built
            self.spaced = " ".join(line.casefold().split()).lstrip(_EDGE_PUNCT)
            self.folded = self.spaced.rstrip(_EDGE_PUNCT)
            self._low = None
        else:  # the same strings, and _casefree(line), in one pass in C (tests/test_speed_digits_dates.py)
            self.spaced, self.folded, self._low = forms
        self._words = self._literals = self._candidates = None

    @property
    def words(self) -> int:
        if self._words is None:
            self._words = len(words_of(self.line))
        return self._words

    @property
    def low(self) -> str:
        if self._low is None:
            self._low = _casefree(self.line)
        return self._low

    def candidates(self, literals: "_Literals") -> int:
        """literals.candidates for this line, found once for lexicons sharing `literals`."""
        if self._literals is not literals:
            self._literals, self._candidates = literals, literals.candidates(self.line, self.low)
        return self._candidates


# The kernel's LineForms (pipeline/linemodel/_shape.c): the same attributes, the same
# answers (its ASCII forms are ascii_forms', the others the same str methods; `words`,
# `low` and `candidates` call the functions given here), without a Python frame a line
# (84,000 lines a 300-page run; tests/test_speed_round18.py compares the two).
LineForms = _PyLineForms
if _ascii_forms is not None and _KernelLineForms is not None:
    _configure_forms(_EDGE_PUNCT, words_of, _casefree)
    LineForms = _KernelLineForms


class Lexicon:
    def __init__(self, rules: list[LexiconRule], site_rules: list[tuple[SiteSelector, LexiconRule]] | None = None,
                 literals: "_Literals | None" = None):
        self.rules = rules
        self.site_rules = site_rules or []
        self._for_site: dict[tuple[str | None, str | None], Lexicon] = {}
        self._found = [LexiconMatch(f"{rule.family}.{rule.id}", rule.reason, rule.source, rule.starts_footer)
                       for rule in rules]
        self._max_words = [rule.max_words for rule in rules]
        # The exact and prefix phrases first, for all rules together: a set lookup says
        # which rules' phrases a line is (most lines: none).
        exact: dict[str, list[int]] = {}
        for index, rule in enumerate(rules):
            for phrase in rule.exact:
                exact.setdefault(phrase, []).append(index)
        self._exact = {phrase: tuple(indexes) for phrase, indexes in exact.items()}
        self._prefixes = [(index, rule.prefixes.match) for index, rule in enumerate(rules) if rule.prefixes is not None]
        prefixes = [rule.prefixes.pattern for rule in rules if rule.prefixes is not None]
        self._any_prefix = re.compile("|".join(f"(?:{p})" for p in prefixes)).match if prefixes else None
        # The characters a prefix can open with: a line starting with none of them is no
        # rule's prefix, told without the alternation (None: always asked).
        self._prefix_heads = _match_heads(self._any_prefix.__self__) if prefixes else None
        # Then the regexes, only of the rules before the first whose phrase the line is
        # (the first rule that matches wins), and only those one of whose literals the
        # line holds: one pass over the line finds them all (`literals`: one shared by
        # several lexicons, with all their regexes, finds them once a line for all).
        with_regex = [index for index, rule in enumerate(rules) if rule.patterns]
        self._literals = literals if literals is not None else \
            _Literals.of([p for index in with_regex for p in rules[index].patterns])
        bits = [self._literals.bits(rules[index].patterns) if self._literals is not None else None
                for index in with_regex]
        if None in bits:  # a shared one without this lexicon's regexes, or no literals
            self._literals, bits = None, [-1] * len(with_regex)  # -1: every regex searched
        # A rule of several regexes searches only those whose literals the line holds
        # (`parts`: each regex's bit and search), not their alternation: a regex without its
        # literals in the line cannot match, so the answer is the same, and the other
        # regexes' tries at every position are not made (tests/test_speed_round20.py).
        self._checks = [(index, rules[index].max_words, _pattern_search(rules[index]), bit, self._found[index],
                         _pattern_parts(rules[index], self._literals))
                        for index, bit in zip(with_regex, bits)]
        self._regex_bits = _or(check[3] for check in self._checks)
        self._first_regex = with_regex[0] if with_regex else len(rules)
        self._regex_max_words = (None if any(rules[index].max_words is None for index in with_regex)
                                 else max((rules[index].max_words for index in with_regex), default=None))
        # match_line in C where the kernel is built and takes the tables (masks of at most
        # 64 bits, -1 for every bit): the instance's attribute in place of the method, so the
        # callers reach C with no Python frame a line (tests/test_speed_round20.py).
        if _KernelMatcher is not None:
            try:
                self.match_line = _KernelMatcher(self._exact, self._any_prefix, self._prefix_heads,
                                                 tuple(self._prefixes), tuple(self._max_words), tuple(self._found),
                                                 self._first_regex, self._regex_max_words, self._literals,
                                                 tuple(self._checks))
            except (TypeError, ValueError, OverflowError, IndexError):
                pass

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
        return self.match_line(LineForms(line))

    def match_line(self, line: LineForms) -> LexiconMatch | None:
        """match() of a prepared line (see LineForms): the first rule, in order, whose exact
        phrase or prefix the line is or whose regex is found in it, within its word limit."""
        said = None  # the first rule whose exact phrase or prefix the line is
        hits = self._exact.get(line.folded)
        if self._any_prefix is not None and (self._prefix_heads is None or line.spaced[:1] in self._prefix_heads) \
                and self._any_prefix(line.spaced):
            hits = sorted((*(hits or ()), *(index for index, match in self._prefixes if match(line.spaced))))
        if hits:
            for index in hits:
                limit = self._max_words[index]
                if limit is None or line.words <= limit:
                    said = index
                    break
        if self._first_regex >= (len(self.rules) if said is None else said):
            return None if said is None else self._found[said]
        # A regex can only match on a line within some regex rule's word limit (a line of
        # n characters has at most (n + 1) // 2 words) that holds one of their literals.
        limit = self._regex_max_words
        if said is None and limit is not None and (len(line.line) + 1) // 2 > limit and line.words > limit:
            return None
        candidates = line.candidates(self._literals) if self._literals is not None else -1
        if not candidates & self._regex_bits:
            return None if said is None else self._found[said]
        for index, max_words, search, bits, found, parts in self._checks:  # `found`: read by rule_running
            if said is not None and index >= said:
                break
            if not candidates & bits or (max_words is not None and line.words > max_words):
                continue
            if parts is None:
                if search(line.line):
                    return found
            elif any(part(line.line) for bit, part in parts if candidates & bit):
                return found
        return None if said is None else self._found[said]

    def could_match(self, line: LineForms) -> bool:
        """False when no rule can match the line, told without searching a regex."""
        if line.folded in self._exact or (self._any_prefix is not None and (
                self._prefix_heads is None or line.spaced[:1] in self._prefix_heads) and self._any_prefix(line.spaced)):
            return True
        if not self._checks:
            return False
        limit = self._regex_max_words
        if limit is not None and (len(line.line) + 1) // 2 > limit and line.words > limit:
            return False
        return self._literals is None or bool(line.candidates(self._literals) & self._regex_bits)
