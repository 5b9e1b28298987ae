"""Reader-comment sections: found on a page's lines, removed under `comments.section`,
and kept apart as the page's `comments` (author, date, text when the page gives them).

A comment section is recognised by its structure, which holds on any site and in any
language: a run of at least two comment heads, each a date stamp (a date, a time, "2 days
ago") with the commenter's name next to it (on the line before or after, or on the
stamp's own line), with the comment's text between heads, the heads following one
template (the same sequence of line kinds). Phrases only help: a section header ("36
Comments", "Kommentare") just before the first head, or per-comment action lines
("Reply", "Antworten") — one of the two is required, so that dated lists that are not
comments (a live blog's entries, a list of dated teasers) are left alone. The phrases
are data: pipeline/data/lexicon/comments/*.toml.

In a language the lexicon lacks neither phrase is found; the same role is then played by
structure alone (_unworded: a short line repeated at each comment's head, or a count right
above the first head, on a chain of three heads or more by as many names; a head may be
signed "NAME says:" in any language, _signs), and the section is removed under
`comments.structure` (its own rule id, the evidence in the reason). Text dumps only.
"""
from __future__ import annotations

import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from pipeline.dates import dates_in
from pipeline.language import SCRIPT_SENTENCE_ENDS
from pipeline.lexicon import Lexicon, LineForms, _Literals, _parse_file
from pipeline.lineshape import _CJK_SCRIPTS  # scripts whose size is read in letters, as length_units does
from pipeline.lineshape import scripts_of  # language.script_letters, in C where the shape kernel is built
from pipeline.linewords import words_of

RULE = "comments.section"
UNWORDED_RULE = "comments.structure"  # a section told without a worded header or action (_unworded)

_WORD = re.compile(r"\w+")
_NUMERIC_DATE = re.compile(r"(?<!\d)(?:\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})|\d{4}[./-]\d{1,2}[./-]\d{1,2})(?!\d)")
_TIME = re.compile(r"(?<![\d:.])(?:\d{1,2}:\d{2}(?::\d{2})?(?!\d)(?:\s*(?:[ap]\.?m\.?|uhr|h)\b)?"
                   r"|\d{1,2}\.\d{2}\s*(?:[ap]\.?m\.?|uhr|h)\b)", re.I)
# Every match of _NUMERIC_DATE and of _TIME holds a digit, one of - . / :, a digit in a row
# ("3/4", "2024-", "10:28", "10.28"): a line without that pair searches neither.
_DATE_OR_TIME = re.compile(r"\d[-./:]\d").search
_HAS_DIGIT = re.compile(r"\d").search
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_TAGGED = re.compile(r"<(span|a|b|strong|cite)\b[^>]{0,80}>([^<]{1,60})</\1>")
_WEEKDAY = re.compile(r"(?i)\b(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday)?\b\.?")
_COUNT = re.compile(r"^\W*\d{1,6}\W*$")
_ORDINAL = re.compile(r"^#\d{1,6}\s+")
_ID_NUMBER = re.compile(r"\(\s*#?\d{3,12}\s*\)")
# A compact age in a comment's action bar: "3y", "2 w", "5h", "10 min"
_BAR_TIME = re.compile(r"(?<![\w.])\d{1,3}\s?(?:[smhdwy]|min|mins|hr|hrs|wk|wks|mo|yr|yrs)(?!\w)")
_INITIAL = re.compile(r"\s\w\.$").search  # a name ending in an initial ("Jane D."), not a sentence
_TAG = re.compile(r"</?[a-zA-Z][^>]{0,80}>")
_SENTENCE_END = tuple(".!?…。！？" + SCRIPT_SENTENCE_ENDS)  # "." first: [1:] leaves it out
_CLOSERS = "\"'”’»)]"
_MAX_GAP = 40          # non-blank lines of comment text between two heads, at most
_MAX_STAMP_WORDS = 14  # a stamp line is short: a date, maybe a name, a time
_MAX_NAME_WORDS = 5
# The phrase kinds _line_kind asks of every line (relative_time is asked of stamps only).
_LINE_KINDS = ("header", "form", "action", "author_suffix", "not_author")
_HEADER_REACH = 6      # a header opens the section this close (short lines between) before the first head


@dataclass(frozen=True)
class CommentPhrases:
    """The comment lexicon, one matcher per kind of line."""

    kinds: dict[str, Lexicon]

    def __post_init__(self) -> None:
        # One set of literals for all the kinds' regexes: a line is read for them once,
        # which tells every kind's regexes it may match (see lexicon._Literals).
        literals = _Literals.of([p for lexicon in self.kinds.values() for rule in lexicon.rules for p in rule.patterns])
        object.__setattr__(self, "_kinds", {kind: Lexicon(lexicon.rules, literals=literals)
                                            for kind, lexicon in self.kinds.items()})
        object.__setattr__(self, "_literals", literals)
        # The words that join a commenter's name to the date on a stamp line ("Anna at
        # 10:28", "Anna 於 2013/12/28"), longest first so a phrase wins over its first word.
        joining = sorted({w for rule in self.kinds["stamp_connector"].rules for w in rule.exact}
                         if "stamp_connector" in self.kinds else (), key=lambda w: (-len(w), w))
        alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in joining)
        object.__setattr__(self, "connectors", re.compile(
            (rf"(?i)(?<!\w)(?:{alternatives})(?!\w)|" if alternatives else "") + r"[|·•,@–—-]"))
        # All the kinds' rules as one lexicon: it matches no line that no kind matches, and
        # most lines are no kind's (one check for them, where _line_kind tried five).
        object.__setattr__(self, "_any", Lexicon([r for k in _LINE_KINDS if k in self.kinds for r in self.kinds[k].rules],
                                                 literals=literals))
        # The kind of each rule of `_any`, by the identity of the match it returns for it
        # (match_line returns one of its `_found`, the one of the rule that matched).
        object.__setattr__(self, "_kind_of", dict(zip(map(id, self._any._found),
                                                      [k for k in _LINE_KINDS if k in self.kinds
                                                       for _ in self.kinds[k].rules])))
        # find's regexes in order, each with its bit in `literals` (-1 without them).
        object.__setattr__(self, "_searches", {
            kind: [(p.search, literals.bits([p]) if literals is not None else -1)
                   for rule in lexicon.rules for p in rule.patterns]
            for kind, lexicon in self.kinds.items()})
        # each kind's regexes' bits together: a line with none of them searches none
        object.__setattr__(self, "_search_bits", {kind: _or_bits(bit for _, bit in searches)
                                                  for kind, searches in self._searches.items()})

    def first_kind(self, line: LineForms) -> str | None:
        """The first of _LINE_KINDS (in that order) one of whose phrases matches the line,
        or None: `kind` of each in turn until one is True, in one reading of the line.
        `_any` holds the kinds' rules in that order and matches the first rule that
        matches, so the first kind whose rule matches is the kind of the rule it returns."""
        found = self._any.match_line(line)
        return None if found is None else self._kind_of[id(found)]

    def any_kind(self, line: str | LineForms) -> bool:
        """False when none of _LINE_KINDS matches the line (True: some may): told by the
        kinds' phrases and regex literals together, no regex searched."""
        return self._any.could_match(line if isinstance(line, LineForms) else LineForms(line))

    def kind(self, kind: str, line: str | LineForms) -> bool:
        """`line`: a line, or one prepared once for all the kinds asked of it."""
        matcher = self._kinds.get(kind)
        return matcher is not None and matcher.match_line(line if isinstance(line, LineForms) else LineForms(line)) is not None

    def find(self, kind: str, line: str | LineForms) -> re.Match | None:
        """The first regex match of `kind` in the line (to cut a relative date out)."""
        searches = self._searches.get(kind, ())
        if not searches:
            return None
        forms = line if isinstance(line, LineForms) else LineForms(line)
        candidates = forms.candidates(self._literals) if self._literals is not None else -1
        if not candidates & self._search_bits[kind]:
            return None
        for search, bit in searches:
            if candidates & bit:
                found = search(forms.line)
                if found:
                    return found
        return None


def _or_bits(bits) -> int:
    out = 0
    for bit in bits:
        out |= bit
    return out


@lru_cache(maxsize=1)
def load_phrases() -> CommentPhrases:
    folder = resources.files("pipeline") / "data" / "lexicon" / "comments"
    by_kind: dict[str, list] = {}
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            rules, _ = _parse_file(tomllib.loads(entry.read_text("utf-8")),
                                   f"pipeline/data/lexicon/comments/{entry.name}")
            for rule in rules:
                by_kind.setdefault(rule.id, []).append(rule)
    return CommentPhrases({kind: Lexicon(rules) for kind, rules in sorted(by_kind.items())})


@dataclass(frozen=True)
class CommentSection:
    first: int   # 1-based line numbers, inclusive
    last: int
    header: tuple[int, str] | None
    comments: tuple[dict, ...]
    unworded: str | None = None

    def reason(self) -> str:
        where = f"under {self.header[1]!r} (line {self.header[0]})" if self.header else f"from line {self.first}"
        told = f"; no worded header or action, told by {self.unworded}" if self.unworded else ""
        return (f"reader comment section {where}: {len(self.comments)} comments, each a name and a date "
                f"followed by text{told}")

    @property
    def rule(self) -> str:
        return UNWORDED_RULE if self.unworded else RULE


@dataclass
class _Line:
    number: int
    text: str
    kind: str          # header, form, action, count, stamp, author, name, text
    words: int         # \w+ words; in an unspaced script, letters / 2
    stamp_rest: str = ""  # a stamp line's words besides the date (often the name)
    stamp_action: bool = False  # a stamp line ending in an action ("Anna 於 2014/01/01 回覆")


@dataclass
class _Head:
    first: int   # indexes into the non-blank lines
    last: int
    stamp: int
    author: str | None
    date: str | None
    signature: tuple[str, ...]
    has_action: bool


def _stamp_rest(text: str, phrases: CommentPhrases, forms: LineForms | None = None) -> str | None:
    """The words of a date-stamp line besides its date and time, or None if the line
    holds no date stamp. `forms`: LineForms(text), when the caller has it."""
    spans = [(d.start, d.end) for d in dates_in(text)]
    relative = phrases.find("relative_time", forms or text)
    if relative:
        spans.append(relative.span())
    if _DATE_OR_TIME(text):  # both need it
        spans += [m.span() for m in _NUMERIC_DATE.finditer(text)]
        spans += [m.span() for m in _TIME.finditer(text)]
    if not spans:
        return None
    rest = text
    # From the last span to the first; a span that overlaps the one after it (a date
    # with its time, and the time alone) ends where that one was cut.
    cut = len(text)
    for start, end in sorted(spans, reverse=True):
        if start < cut:
            rest = rest[:start] + " " + rest[min(end, cut):]
            cut = start
    tagged = _TAGGED.search(text)
    if tagged:  # "<span>Anna</span> 12/03/2025": the markup says where the name is
        return " ".join(tagged.group(2).split())
    rest = _YEAR.sub(" ", _TAG.sub(" ", rest))
    rest = phrases.connectors.sub(" ", rest)
    rest = _WEEKDAY.sub(" ", rest)
    rest = " ".join(rest.split()).strip(" :.;")
    # A comment's number before its name ("#12 Anna 於 2013/12/28"): its digits are not
    # the date's, and would make the line read as a bare date.
    rest = _ORDINAL.sub("", rest)
    # A number in parentheses is the commenter's or the comment's id ("by Anna ( 1311177 )
    # on ... (#65870295)", Slashcode), not the date's.
    rest = " ".join(_ID_NUMBER.sub(" ", rest).split()).strip(" @:.;")
    rest = _without_profile_links(rest, phrases)
    # Digits left over belong to the date ("28. April 2024", a day and a month name in
    # any language; "3rd", "10am"); a commenter's name on the stamp line has none, but for
    # a user name's ("Innov8iv", "mike2020": three letters or more with the digits).
    return "" if any(_date_digits(word) for word in _WORD.findall(rest)) else rest


def _without_profile_links(text: str, phrases: CommentPhrases) -> str:
    """The text less the links to the commenter's pages at its end ("... Homepage Journal")."""
    words = text.split(" ")
    while len(words) > 1 and phrases.kind("profile_link", words[-1]):
        words.pop()
    return " ".join(words)


def _date_digits(word: str) -> bool:
    """A leftover word with digits that reads as part of a date, not of a user name."""
    return any(c.isdigit() for c in word) and sum(c.isalpha() for c in word) < 3


def _kinds(lines: list[str], phrases: CommentPhrases, memo=None) -> list[_Line]:
    """Each non-blank line's kind. `memo` (a pipeline.memo.LineMemo): a line's kind
    depends on its text alone, and the settle pass reads the kept lines again."""
    return [_Line(number, stripped, *kind) for number, stripped, kind in _kind_rows(lines, phrases, memo)]


def _kind_rows(lines: list[str], phrases: CommentPhrases, memo=None) -> list[tuple[int, str, tuple]]:
    """(number, stripped text, `_line_kind`'s answer) of each non-blank line: `_kinds`
    before its `_Line`s are made."""
    # A new line's forms are the ones `classify` made for it, where it made them (memo.forms).
    kind_of = (memo.table("comments.kind", compute=lambda text: _line_kind(text, phrases, memo.forms.get(text)))
               .__getitem__ if memo is not None else lambda text: _line_kind(text, phrases))
    return [(number, stripped, kind_of(stripped)) for number, stripped in enumerate(map(str.strip, lines), 1)
            if stripped]


def _size(stripped: str) -> int:
    """A line's length in words: its \\w+ words, or in an unspaced script (Chinese,
    Japanese, Thai) its letters / 2, since a \\w+ run there is a whole phrase."""
    words = len(words_of(stripped))
    if stripped.isascii():
        return words
    scripts = scripts_of(stripped)
    if scripts and max(scripts, key=scripts.get) in _CJK_SCRIPTS:
        return sum(scripts.values()) // 2
    return words


def _without_action(rest: str, phrases: CommentPhrases) -> tuple[str, bool]:
    """A stamp's rest less an action word at its end ("Anna Reply"), and whether it had one."""
    if phrases.kind("action", rest):
        return "", True
    parts = rest.rsplit(None, 1)
    if len(parts) == 2 and phrases.kind("action", parts[1]):
        return parts[0], True
    return rest, False


def _line_kind(stripped: str, phrases: CommentPhrases, forms: LineForms | None = None) -> tuple[str, int, str, bool]:
    """A stripped non-blank line's kind, its size in words (_size), for a stamp its rest
    and whether it ends in an action. `forms`: LineForms(stripped), when the caller has it.

    Asked of every new line of a page, so each answer returns as soon as it is known,
    in the order of the tests below (tests/test_speed_comment_kinds.py keeps the
    straight-line version it replaced and compares the two on every test line)."""
    line = forms if forms is not None else LineForms(stripped)  # its folded forms made once for every kind asked
    # _size, with its \w+ word count read from the forms (len(words_of(line)), kept there
    # once classify or a kind's word limit asked for it)
    words = line.words
    if not stripped.isascii():
        scripts = scripts_of(stripped)
        if scripts and max(scripts, key=scripts.get) in _CJK_SCRIPTS:
            words = sum(scripts.values()) // 2
    # phrases.kind of header, form, action, author_suffix and not_author in turn, read
    # at once: the first of them that is True (None: all are False).
    found = phrases._any.match_line(line)  # first_kind, without its frame
    first = None if found is None else phrases._kind_of[id(found)]
    if first is not None and first != "not_author":
        if first == "author_suffix":  # a count line is a count before it is an author
            return ("count" if _COUNT.match(stripped) else "author"), words, "", False
        return first, words, "", False  # header, form, action: named as their kind
    digit = _HAS_DIGIT(stripped)  # a count, a date or a time needs one
    if digit is not None and _COUNT.match(stripped):
        return "count", words, "", False
    if words <= _MAX_STAMP_WORDS and not stripped.endswith(_SENTENCE_END[1:]):
        # A line with no digit holds neither a dated stamp (dates_in needs a year) nor a
        # numeric date or time: only a relative one ("Today") makes it a stamp, and most
        # short lines hold none of its regexes' literals (find's own first test, read
        # from the candidates first_kind found), told without _stamp_rest's searches.
        if digit is None and not phrases._search_bits.get("relative_time", 0) & (
                line.candidates(phrases._literals) if phrases._literals is not None else -1):
            rest = None
        else:
            rest = _stamp_rest(stripped, phrases, line)
        acted = False
        if rest:
            rest, acted = _without_action(rest, phrases)
        if rest is not None and len(_WORD.findall(rest)) <= _MAX_NAME_WORDS:
            return "stamp", words, rest, acted
    if 1 <= words <= _MAX_NAME_WORDS and len(stripped) <= 60 \
            and (not stripped.endswith(_SENTENCE_END) or _INITIAL(stripped)) and not stripped.endswith(":") \
            and first is None:  # not_author: a short line that names no one
        return "name", words, "", False
    return "text", words, "", False


def _signs(line: _Line) -> bool:
    """A short line ending in a colon right above a date stamp: "NAME says:" in a language
    the lexicon has no "says" of ("Anna sagt:", "Anna aini:")."""
    return line.kind == "text" and line.words <= _MAX_NAME_WORDS and len(line.text) <= 60 and line.text.endswith(":")


def _author(line: _Line) -> str:
    text = " ".join(_TAG.sub(" ", line.text).split())
    if line.kind == "author":
        text = re.sub(r"\s+\S+\s*:?\s*$", "", text)  # "Anna says:" -> "Anna"
    return text.strip(" :·•|-")


def _heads(lines: list[_Line], phrases: CommentPhrases, signed: bool = True) -> list[_Head]:
    """A head around each stamp line: its author line and the action/count lines that
    touch it, in the order the page gives them. `signed`: a short line ending in a colon
    right above a stamp is its author's ("NAME says:" without the lexicon's "says", _signs)."""
    heads = []
    taken = set()
    for i, line in enumerate(lines):
        if line.kind != "stamp" or i in taken:
            continue
        first = last = i
        author = None
        if line.stamp_rest and len(_WORD.findall(line.stamp_rest)) >= 1:
            author = line.stamp_rest
        # before: the author's line above ("Anna", "Reply to Ben", stamp), actions and
        # counts above it
        j = i - 1
        while j >= 0 and j not in taken and (lines[j].kind in ("action", "count")
                                             or (author is None and lines[j].kind in ("name", "author"))
                                             or (signed and author is None and j == i - 1 and _signs(lines[j]))):
            if lines[j].kind in ("name", "author") or lines[j].kind == "text":
                author = _author(lines[j])
            first, j = j, j - 1
        # after: a time on its own line, the author below the date, actions
        j = i + 1
        while j < len(lines) and lines[j].kind == "stamp" and not lines[j].stamp_rest:
            last, j = j, j + 1
        if author is None and j < len(lines) and lines[j].kind in ("name", "author"):
            author, last, j = _author(lines[j]), j, j + 1
        while j < len(lines) and lines[j].kind in ("action", "count"):
            last, j = j, j + 1
        if author is None:
            continue
        signature = tuple("stamp" if k == i else ("time" if lines[k].kind == "stamp" else lines[k].kind)
                          for k in range(first, last + 1))
        date = _date_part(line.text, line.stamp_rest, phrases)
        heads.append(_Head(first, last, i, author, date, signature,
                           line.stamp_action or any(lines[k].kind == "action" for k in range(first, last + 1))))
        taken.update(range(first, last + 1))
    # A "Name says:" line is a head of its own where the page lost the date ("Anna
    # says: / at"): the author, then at most one short line, then actions.
    for i, line in enumerate(lines):
        if line.kind != "author" or i in taken:
            continue
        first = last = i
        j = i - 1
        while j >= 0 and j not in taken and lines[j].kind in ("action", "count"):
            first, j = j, j - 1
        j = i + 1
        date = None
        if j < len(lines) and j not in taken and (lines[j].kind == "stamp" or lines[j].words <= 2) \
                and lines[j].kind not in ("header", "form"):
            date = lines[j].text if lines[j].kind == "stamp" else None
            last, j = j, j + 1
        while j < len(lines) and j not in taken and lines[j].kind in ("action", "count"):
            last, j = j, j + 1
        signature = tuple("author" if k == i else lines[k].kind for k in range(first, last + 1))
        heads.append(_Head(first, last, i, _author(line), date, signature,
                           any(lines[k].kind == "action" for k in range(first, last + 1))))
        taken.update(range(first, last + 1))
    # A comment dated in its action bar under its text ("Jane Doe" / text / "Like · Reply ·
    # 3y", Facebook's comment plugin): the name is the first line after the previous
    # comment's bar, and the comment's text follows it.
    for i, line in enumerate(lines):
        if line.kind != "action" or i in taken:
            continue
        when = _bar_date(line.text, phrases)
        if when is None:
            continue
        j = i - 1
        while j >= 0 and j not in taken and lines[j].kind not in ("action", "header", "form"):
            j -= 1
        first = j + 1
        if first >= i - 1 or first in taken or lines[first].kind != "name":
            continue  # a name, then at least one line of text
        heads.append(_Head(first, first, first, _author(lines[first]), when.group(0), ("name", "bar"), True))
        taken.add(first)
    return sorted(heads, key=lambda h: h.first)


def _bar_date(text: str, phrases: CommentPhrases) -> re.Match | None:
    """The age in a comment's action bar ("Like · Reply · 3y"), if it gives one."""
    return _BAR_TIME.search(text) or phrases.find("relative_time", text)


def _date_part(text: str, rest: str, phrases: CommentPhrases) -> str:
    """A stamp line's date: the author's name, the comment's number ("#12"), joining
    words and an action word at either end taken off."""
    text = " ".join(_TAG.sub(" ", text).split())
    if rest and text.startswith(rest):
        text = text[len(rest):]
    elif rest and text.endswith(rest):
        text = text[: -len(rest)]
    elif rest and f" {rest} " in f" {text} ":
        text = f" {text} ".replace(f" {rest} ", " ", 1)
    text = _without_profile_links(" ".join(_ID_NUMBER.sub(" ", text).split()), phrases).strip(" :·•|,-–—")
    # Leading joining phrases of more than one word ("Posted by: at DATE" once the name is out)
    joining = phrases.connectors.match(text)
    while joining and " " in joining.group(0) and joining.end() < len(text):
        text = text[joining.end():].strip(" :·•|,-–—")
        joining = phrases.connectors.match(text)
    words = text.split(" ")
    # Only a leading joining word: a trailing one may be the date's ("10:28 am").
    while len(words) > 1 and (_ORDINAL.match(words[0] + " ") or phrases.connectors.fullmatch(words[0])):
        words.pop(0)
    while len(words) > 1 and phrases.kind("action", words[-1]):
        words.pop()
    return " ".join(words).strip(" :·•|,-–—")


def find_sections(lines: list[str], phrases: CommentPhrases | None = None, memo=None,
                  unworded: bool = True) -> list[CommentSection]:
    """The page's comment sections, in page order. `memo`: per-line kinds (see _kinds),
    used with the shipped phrases only (the memo's table is keyed by kind alone).
    `unworded`: also the sections told by structure alone (_unworded; text dumps: an HTML
    page's visible text sets each "By" and label apart as a line of its own, which a
    teaser list repeats at each head, and trafilatura leaves its comments out anyway),
    with the heads signed "NAME says:" in a language the lexicon lacks (_signs)."""
    if phrases is not None:
        memo = None
    phrases = phrases or load_phrases()
    rows = _kind_rows(lines, phrases, memo)
    if unworded and not any(kind[0] in ("header", "action") for _, _, kind in rows):
        # no phrase of the comment lexicon on the page: its language's "ago" may be missing too
        rows = _unworded_ages(rows)
    # A section is a chain of two heads or more, each around its own stamp, "Name says:"
    # line or dated action bar (see _heads): a page with fewer such lines has none, and
    # its `_Line`s are not made.
    heads_possible = sum(1 for _, text, kind in rows
                         if kind[0] in ("stamp", "author") or (kind[0] == "action" and _bar_date(text, phrases)))
    if heads_possible < 2:
        return []
    kinds = [_Line(number, stripped, *kind) for number, stripped, kind in rows]
    heads = _heads(kinds, phrases, signed=unworded)
    sections = []
    chain: list[_Head] = []
    for head in heads + [None]:
        if head is not None and chain and head.first - chain[-1].last - 1 <= _MAX_GAP \
                and not any(_opens_section(kinds, k) for k in range(chain[-1].last + 1, head.first)):
            chain.append(head)
            continue
        section = _section(chain, kinds, phrases, unworded) if chain else None
        if section is not None:
            sections.append(section)
        chain = [head] if head is not None else []
    return sections


_AGE = re.compile(r"(\d{1,3})\s+([^\W\d]+)\s+([^\W\d]+)|([^\W\d]+)\s+(\d{1,3})\s+([^\W\d]+)")


def _unworded_ages(rows: list[tuple]) -> list[tuple]:
    """Rows whose short lines read as a comment's age in a language the lexicon has no
    "ago" of ("1 maka ina", "vor 6 Monaten") made stamps: a number and two words, one
    word the same on at least three such lines (the "ago"), the others changing (a unit
    and a count that vary from comment to comment)."""
    found = {}
    for k, (_, text, kind) in enumerate(rows):
        if kind[0] in ("name", "text") and kind[1] <= 3:
            m = _AGE.fullmatch(text)
            if m:
                if m.group(1):  # "N unit ago"
                    found.setdefault(("end", m.group(3).casefold()), []).append((k, m.group(1), m.group(2).casefold()))
                else:  # "ago N unit"
                    found.setdefault(("start", m.group(4).casefold()), []).append((k, m.group(5), m.group(6).casefold()))
    ages = set()
    for lines in found.values():
        if len(lines) >= 3 and len({(n, unit) for _, n, unit in lines}) >= 2:
            ages.update(k for k, _, _ in lines)
    if not ages:
        return rows
    return [(number, text, ("stamp", kind[1], "", False) if k in ages else kind)
            for k, (number, text, kind) in enumerate(rows)]


def _section(chain: list[_Head], kinds: list[_Line], phrases: CommentPhrases,
             unworded_ok: bool = True) -> CommentSection | None:
    if len(chain) < 2:
        return None
    # One template: the commonest head shape (its name, date and time lines; action lines
    # come and go) covers most heads. A head of another shape at either end is not part
    # of the run: the article's own byline and date above its first paragraph, say.
    core = [tuple(k for k in h.signature if k not in ("action", "count")) for h in chain]
    shape, count = Counter(core).most_common(1)[0]
    first = next(n for n, c in enumerate(core) if c == shape)
    last = max(n for n, c in enumerate(core) if c == shape)
    # Under a comment header, the heads before the first of the template's are comments
    # too (Blogger's "Anna said..." opening the section, its date below the text).
    header = _header_above(chain[0].first, kinds)
    chain = chain[0 if header is not None else first:last + 1]
    if count < 2 or count * 2 < len(chain):
        return None
    if header is None:
        header = _header_above(chain[0].first, kinds)
    # Signed below the text (Movable Type's "Posted by: Anna at DATE" under each comment):
    # the header stands above the first comment's text, not above its stamp.
    signed_below = header is None and _signed_below(chain, kinds)
    if signed_below:
        header = _header_over_text(chain[0].first, kinds)
        if header is None:
            return None
    start = header if header is not None else chain[0].first
    # Comments come after the article: a prose paragraph stands above the first head.
    if not any(_prose(kinds[k]) for k in range(chain[0].first)):
        return None
    with_action = sum(1 for n, h in enumerate(chain) if h.has_action or _trailing_action(chain, n, kinds))
    unworded = None  # what tells the section without a worded header or action (_unworded)
    if header is None and with_action * 2 < len(chain):
        unworded = _unworded(chain, kinds, count) if unworded_ok else None
        if unworded is None:
            return None
    # Without a header, they say something: most hold a sentence, where a list of dated
    # teasers holds titles.
    said = sum(1 for n, h in enumerate(chain)
               if any(_said(kinds[k]) for k in range(h.last + 1, chain[n + 1].first if n + 1 < len(chain)
                                                     else min(len(kinds), h.last + 1 + _MAX_GAP))))
    if header is None and said * 2 < len(chain):
        return None
    # Earlier header lines and form lines touching the header belong to the section.
    while start > 0 and kinds[start - 1].kind in ("header", "form"):
        start -= 1
    comments = []
    end = chain[-1].last
    for n, head in enumerate(chain):
        if signed_below:  # a comment's text is above its stamp
            begin, stop = (header if n == 0 else chain[n - 1].last) + 1, head.first
        else:
            begin = head.last + 1
            stop = chain[n + 1].first if n + 1 < len(chain) else _last_block_end(chain, kinds)
        text = [kinds[k].text for k in range(begin, stop)
                if kinds[k].kind not in ("action", "count") and not _bar_label(kinds, k)]
        entry = {"author": head.author, "date": head.date or ""}
        if text:
            entry["text"] = "\n".join(text)
        comments.append({k: v for k, v in entry.items() if v})
        end = max(end, stop - 1)
    while end + 1 < len(kinds) and kinds[end + 1].kind in ("form", "header", "action"):
        end += 1
    first_line = kinds[start].number
    return CommentSection(first_line, kinds[end].number,
                          (kinds[header].number, kinds[header].text) if header is not None else None,
                          tuple(comments), unworded)


# Unworded evidence (_unworded): digits masked in a repeated line ("Rating: 36 Votes"), and
# a count standing for the header: "109 X", "[ 167 X ]", "6 X Y “the title”", "X (12)".
_DIGITS = re.compile(r"\d+")
_COUNT_HEAD = re.compile(r"\W{0,3}\d{1,6}\s+[^\W\d]+(?:\s+[^\W\d]+)?(?:\W{0,3}$|\s+[“\"«„].*[”\"»“]\W{0,2}$)"
                         r"|[^\W\d]+\s*[(\[]\s*\d{1,6}\s*[)\]]\W{0,2}$")
_UNWORDED_MIN_HEADS = 3


def _unworded(chain: list[_Head], kinds: list[_Line], count: int) -> str | None:
    """What tells a chain of heads from a dated list when no phrase names it (a language the
    comment lexicon lacks: no "36 Comments", no "Reply"), or None. The chain holds at least
    three heads of its template, by at least three names, one for every two heads or more
    (a live blog's or a column's entries are one or two writers'), the names short
    (commenters sign with a name or a handle; a teaser list's "names" are titles). And one
    of: (1) a short line (4 words or fewer, digits masked) that touches a head (right above
    or below it, or the last line before the next one) in at least two thirds of the
    comments, three at least: the per-comment action bar or rating in any language
    ("Reply", "Rating: 36 Votes"); or (2) a count right above the first head, short lines
    between: "109 X", "[ 167 X ]", "X (12)", "6 X Y “the title”" (the section's header, in
    any language). The callers' other tests still hold: prose above the first head, and
    most comments saying a sentence."""
    if count < _UNWORDED_MIN_HEADS:
        return None
    authors = [" ".join(h.author.casefold().split()) for h in chain if h.author]
    distinct = len(set(authors))
    if distinct < _UNWORDED_MIN_HEADS or distinct * 2 < len(chain):
        return None
    # a joining word the lexicon lacks ("at") may stay with the name: up to 4 words
    if sorted(len(a.split()) for a in authors)[len(authors) // 2] > 4:
        return None
    names = set(authors)
    touching = Counter()
    for n, h in enumerate(chain):
        places = {h.first - 1, h.last + 1}
        if n + 1 < len(chain):
            places.add(chain[n + 1].first - 1)
        seen = set()
        for k in sorted(places):
            if k < 0 or k >= len(kinds) or (n > 0 and k <= chain[n - 1].last):
                continue
            line = kinds[k]
            if line.words > 4 or len(line.text) > 40:
                continue
            key = _DIGITS.sub("0", " ".join(line.text.casefold().split()))
            if key in names or key in seen:  # a name is no template line
                continue
            seen.add(key)
            touching[key] += 1
    if touching:
        key, c = touching.most_common(1)[0]
        if c >= _UNWORDED_MIN_HEADS and c * 3 >= 2 * len(chain):
            return f"the short line {key!r} at {c} of its {len(chain)} comments' heads"
    for k in range(chain[0].first - 1, max(-1, chain[0].first - 1 - _HEADER_REACH), -1):
        if _COUNT_HEAD.match(kinds[k].text):
            return f"the count {kinds[k].text[:40]!r} above its first head"
        if kinds[k].kind not in ("form", "action", "count", "name"):
            break
    return None


def _signed_below(chain: list[_Head], kinds: list[_Line]) -> bool:
    """Whether each comment is signed under its text: every head is one stamp line that
    names the commenter, and nothing of the page's text follows the last one (a comment
    form, a header, or the end)."""
    if not all(h.signature == ("stamp",) and h.author for h in chain):
        return False
    after = chain[-1].last + 1
    return after >= len(kinds) or kinds[after].kind in ("form", "header")


def _header_over_text(first: int, kinds: list[_Line]) -> int | None:
    """A comment header above the first comment's text (text lines only between, as many
    as a comment holds at most)."""
    for k in range(first - 1, max(-1, first - 1 - _MAX_GAP), -1):
        if kinds[k].kind == "header":
            return k
        if kinds[k].kind not in ("text", "name"):
            return None
    return None


def _bar_label(kinds: list[_Line], k: int) -> bool:
    """Whether the line at `k` is a header word in a comment's action bar, not a new
    section: right under an action line, or under a word or two under one (Blogger's
    "ReplyDelete" / "Replies" / "Reply", Substack's "Reply" / "Share" / "3 replies")."""
    if kinds[k].kind != "header" or k == 0:
        return False
    above = k - 1
    if kinds[above].kind == "name" and kinds[above].words <= 2 and above > 0:
        above -= 1
    return kinds[above].kind == "action"


def _opens_section(kinds: list[_Line], k: int) -> bool:
    """Whether the line at `k` is a header that opens a new comment section."""
    return kinds[k].kind == "header" and not _bar_label(kinds, k)


def _header_above(first: int, kinds: list[_Line]) -> int | None:
    """The comment header just above the head at `first` (short lines between), if any."""
    header = None
    for k in range(first - 1, max(-1, first - 1 - _HEADER_REACH), -1):
        if kinds[k].kind == "header":
            header = k
        elif kinds[k].kind not in ("form", "action", "count", "name"):
            break
    return header


def _prose(line: _Line) -> bool:
    return line.kind == "text" and line.words >= 12 and line.text.endswith(_SENTENCE_END)


def _said(line: _Line) -> bool:
    """A comment's sentence: ends like one (an exclamation is enough), or is long."""
    return line.kind in ("text", "name") and (line.text.rstrip(_CLOSERS).endswith(_SENTENCE_END) or line.words >= 15)


def _trailing_action(chain: list[_Head], n: int, kinds: list[_Line]) -> bool:
    """An action line after the comment's text, before the next head."""
    stop = chain[n + 1].first if n + 1 < len(chain) else min(len(kinds), chain[n].last + _MAX_GAP)
    return any(kinds[k].kind == "action" for k in range(chain[n].last + 1, stop))


def _last_block_end(chain: list[_Head], kinds: list[_Line]) -> int:
    """Where the last comment's text ends (exclusive index): at its action line, or at
    the first line that is no comment text (a header, a form, chrome), or after as many
    lines as the longest earlier comment."""
    longest = max([chain[n + 1].first - chain[n].last - 1 for n in range(len(chain) - 1)] + [3])
    k = chain[-1].last + 1
    # A comment form below (its header or its fields) closes the last comment, however
    # long; so does its own action line ("Reply", "Expand full comment") under its text.
    for end in range(k, min(len(kinds), k + _MAX_GAP)):
        if kinds[end].kind in ("header", "form"):
            return end
        if kinds[end].kind == "action" and end > k:
            while end < len(kinds) and kinds[end].kind in ("action", "count"):
                end += 1
            return end
        if kinds[end].kind not in ("text", "name"):
            break
    limit = min(len(kinds), k + longest)
    while k < limit:
        kind = kinds[k].kind
        if kind in ("header", "form"):
            return k
        if kind in ("action", "count"):
            while k < len(kinds) and kinds[k].kind in ("action", "count"):
                k += 1
            return k
        k += 1
    return k


def mark_sections(classification, phrases: CommentPhrases | None = None, memo=None,
                  unworded: bool = True) -> list[dict]:
    """Remove the page's comment sections under RULE (UNWORDED_RULE: told by structure
    alone, with `unworded`, text dumps); returns the comments found."""
    comments = []
    for section in find_sections(classification.lines, phrases, memo, unworded=unworded):
        reason = section.reason()
        for number in range(section.first, section.last + 1):
            if number in classification.shapes:
                classification.decide(number, False, section.rule, reason)
        comments.extend(section.comments)
    return comments


AFTER_RULE = "position.after_comments"


def mark_below_sections(classification, min_share: float = 1.0) -> int:
    """Remove the kept lines below the page's last comment section (`AFTER_RULE`).

    Readers comment on an article they have read: the article ends above its comment
    section, and what a page prints below its comments is the site's (more stories,
    a guide box, a sidebar's teasers, the footer). Decided on structure alone: the
    sections `mark_sections` removed, their lines marked with `RULE`. Only when the kept
    words above the page's first comment section are at least `min_share` times the
    kept words below its last one (the article is above, not below: a section found in
    a sidebar above the article is no end of it; 0: off). Returns the lines removed."""
    if min_share <= 0:
        return 0
    decisions = classification.decisions
    in_section = [n for n, d in decisions.items() if not d.keep and d.rule in (RULE, UNWORDED_RULE)]
    if not in_section:
        return 0
    first, last = min(in_section), max(in_section)
    shapes = classification.shapes
    kept = classification.kept_numbers()
    below = [n for n in kept if n > last]
    if not below:
        return 0
    words_above = sum(shapes[n].length_units() for n in kept if n < first)
    words_below = sum(shapes[n].length_units() for n in below)
    if words_above < min_share * words_below:
        return 0
    reason = f"below the page's reader comment section (ends at line {last}): the article ends above its comments"
    for number in below:
        classification.decide(number, False, AFTER_RULE, reason)
    return len(below)


# HTML: the page's visible text, one block a line, as a browser's page text has it (the
# layout the text-dump finder reads). Hand-written over lxml because trafilatura and
# jusText give the main text only, and html2text-like libraries render markdown.
_BLOCK_TAGS = frozenset("""address article aside blockquote br dd details dialog div dl dt fieldset figcaption
figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary table tbody thead
tfoot tr td th ul time""".split())
_SKIP_TAGS = frozenset("script style noscript template svg head iframe object select option button".split())


def html_lines(markup: str) -> list[str]:
    """The visible text of an HTML page, a line per block element."""
    from lxml import etree, html as lxml_html

    try:
        root = lxml_html.fromstring(markup)
    except (etree.ParserError, ValueError):
        return []
    parts: list[str] = []
    # Walked with a stack, not recursion: hostile pages nest elements thousands deep.
    stack = [(root, False)]
    while stack:
        element, closing = stack.pop()
        tag = element.tag if isinstance(element.tag, str) else None
        if closing:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if element.tail and element is not root:
                parts.append(element.tail)
            continue
        if tag is None or tag in _SKIP_TAGS:
            if element.tail and element is not root:
                parts.append(element.tail)  # the text after it is the parent's
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n")
        if element.text:
            parts.append(element.text)
        stack.append((element, True))
        stack.extend((child, False) for child in reversed(element))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return [line for line in lines if line]


def html_comments(markup: str, phrases: CommentPhrases | None = None,
                  lines: list[str] | None = None) -> tuple[list[dict], frozenset[str]]:
    """The page's comments read from its whole visible text, and the folded lines that
    occur only inside its comment sections (an extracted line among them is a comment
    that got into the body; a line also found outside them, say the article's sentence a
    commenter quotes, is not). `lines`: html_lines(markup), when the caller has it."""
    if lines is None:
        lines = html_lines(markup)
    sections = find_sections(lines, phrases, unworded=False)
    if not sections:
        return [], frozenset()
    inside: set[str] = set()
    outside: set[str] = set()
    spans = [(s.first, s.last) for s in sections]
    for number, line in enumerate(lines, 1):
        key = _fold_line(line)
        if any(a <= number <= b for a, b in spans):
            inside.add(key)
        else:
            outside.add(key)
    comments = [c for s in sections for c in s.comments]
    return comments, frozenset(k for k in inside - outside if len(k) >= 12)


def _fold_line(line: str) -> str:
    return " ".join(line.casefold().split())


def mark_lines(classification, comment_lines: frozenset[str], reason: str) -> int:
    """Remove the lines that are comment text (HTML: found inside the page's comment
    sections only); returns how many."""
    removed = 0
    for number in classification.shapes:
        if _fold_line(classification.lines[number - 1]) in comment_lines:
            classification.decide(number, False, RULE, reason)
            removed += 1
    return removed
