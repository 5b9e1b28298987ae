"""Normalise: repair mojibake, unify Unicode and white space, keep the line structure.

Lines are never added or removed here (only their content changes), so line numbers in
the ledger point at lines of the decoded input after line-break normalisation.
"""
from __future__ import annotations

import re
import unicodedata

import ftfy
import ftfy.badness
import ftfy.chardata

try:  # the regex parser, to read ftfy's mojibake pattern
    import re._constants as _sre
    import re._parser as _parser
except ImportError:  # Python < 3.11
    import sre_constants as _sre
    import sre_parse as _parser

_FTFY = ftfy.TextFixerConfig(
    uncurl_quotes=False,  # curly quotes are the author's, not damage
    fix_latin_ligatures=False,
    fix_character_width=False,
    normalization="NFC",
    explain=False,
)
# Zero-width characters, BOMs, soft hyphens and bidi controls carry no text.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Every Unicode space separator (no-break, thin, ideographic...) and tabs become a space.
_ODD_SPACE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SPACES = re.compile(" {2,}")
_LINE_BREAKS = re.compile(r"\r\n|\r|[\u2028\u2029\x85\x0b\x0c]")


def _class_of(items) -> set[str] | None:
    """The characters a parsed regex item set matches, None when open-ended."""
    chars = set()
    for op, arg in items:
        if op is _sre.LITERAL:
            chars.add(chr(arg))
        elif op is _sre.RANGE:
            chars.update(map(chr, range(arg[0], arg[1] + 1)))
        else:  # a category (\s, \w) or a negated set
            return None
    return chars


def _single_characters(items) -> bool:
    """Whether a parsed sequence matches character by character, without look-around
    or anchors other than the start of the text."""
    for op, arg in items:
        if op is _sre.MAX_REPEAT:
            if not _single_characters(arg[2]):
                return False
        elif not (op in (_sre.LITERAL, _sre.NOT_LITERAL, _sre.IN, _sre.ANY) or op is _sre.AT and arg is _sre.AT_BEGINNING):
            return False
    return True


def _mojibake_hint() -> tuple[re.Pattern | None, int | None, dict | None]:
    """Characters without which ftfy's mojibake test (BADNESS_RE) cannot match, and
    the longest text it matches.

    Each alternative of BADNESS_RE is a run of single characters or sets; one of them
    (the one that ordinary text holds least: not Cyrillic, Greek or accented letters,
    curly quotes...) must be in any text it matches, so a text holding none of the
    chosen characters is not bad. Text that is (Russian, French, curly quotes) is
    still checked by BADNESS_RE itself, only around those characters when its matches
    are short and see nothing beyond themselves (the width). None: the pattern is not
    of that form.

    The third value, with the width: for each hint character, the `search` of the
    alternatives that chose it (compiled from their parse trees: the same matching
    code as in BADNESS_RE). A match of BADNESS_RE is one alternative's match, which
    holds a character that alternative chose; so around each hint character only its
    own alternatives need to be tried (a curly quote's are 2 of the 37: 0.075 -> 0.03
    ms a page on the dev dumps). None where the parse cannot be compiled again."""
    try:
        pattern = ftfy.badness.BADNESS_RE
        if pattern.flags & re.IGNORECASE:
            return None, None, None
        tree = _parser.parse(pattern.pattern, pattern.flags)
        if len(tree.data) == 1 and tree.data[0][0] is _sre.BRANCH:
            alternatives = [list(a) for a in tree.data[0][1][1]]
        else:
            alternatives = [list(tree)]
        # What ordinary text is full of: ASCII most, then the letters of Latin, Greek and
        # Cyrillic alphabets and the common punctuation that BADNESS_RE also names.
        everyday = set(ftfy.badness.MOJIBAKE_CATEGORIES["common"]) | set("‘’“”„‚«»•©®™°")
        everyday |= {chr(c) for c in [*range(0xC0, 0x180), *range(0x386, 0x3D0), *range(0x410, 0x450), 0x401, 0x451]}

        def commonness(chars: set[str]) -> int:
            return sum(1000 if c.isascii() else 10 if c in everyday else 0 for c in chars)

        hint, chosen = set(), []
        for alternative in alternatives:
            candidates = []
            for op, arg in alternative:
                if op is _sre.LITERAL:
                    candidates.append({chr(arg)})
                elif op is _sre.IN and (chars := _class_of(arg)) is not None:
                    candidates.append(chars)
                elif op is _sre.AT or op is _sre.MAX_REPEAT and arg[0] == 0:
                    continue  # matches no character, or may match none
                # Any other item (ANY, a category...) is never the chosen one.
            if not candidates:
                return None, None, None
            chosen.append(min(candidates, key=lambda c: (commonness(c), len(c))))
            hint |= chosen[-1]
        width = tree.getwidth()[1]
        if not all(_single_characters(a) for a in alternatives) or width > 32:
            width = None
    except Exception:  # another ftfy or Python: check every line with BADNESS_RE
        return None, None, None
    return re.compile("[" + "".join(re.escape(c) for c in sorted(hint)) + "]"), width, \
        (_searches_by_hint(tree, alternatives, chosen, pattern.flags) if width is not None else None)


def _searches_by_hint(tree, alternatives, chosen, flags) -> dict | None:
    """{hint character: the search of the alternatives (in their order) that chose it}."""
    try:
        import re._compiler as _compiler  # Python 3.11+: compiles a parse tree

        indices: dict[str, list[int]] = {}
        for index, chars in enumerate(chosen):
            for c in chars:
                indices.setdefault(c, []).append(index)
        compiled: dict[tuple, object] = {}
        searches = {}
        for c, these in indices.items():
            key = tuple(these)
            if key not in compiled:
                branch = [_parser.SubPattern(tree.state, alternatives[i]) for i in these]
                compiled[key] = _compiler.compile(_parser.SubPattern(tree.state, [(_sre.BRANCH, (None, branch))]),
                                                  flags).search
            searches[c] = compiled[key]
        return searches
    except Exception:  # another Python: every alternative around each hint, as BADNESS_RE
        return None


_MOJIBAKE_HINT, _BAD_WIDTH, _BAD_BY_HINT = _mojibake_hint()


def _is_bad(text: str) -> bool:
    """ftfy.badness.is_bad(text). A match holds a hint character, so it starts at most
    _BAD_WIDTH - 1 characters before one and ends at most _BAD_WIDTH after it: only
    those windows are searched (search's pos and endpos do not change what the pattern
    sees inside them: no look-around, and ^ is the text's start only)."""
    if _MOJIBAKE_HINT is None:
        return ftfy.badness.is_bad(text)
    if _BAD_WIDTH is None:
        return _MOJIBAKE_HINT.search(text) is not None and ftfy.badness.is_bad(text)
    if _BAD_BY_HINT is not None:  # only the alternatives that chose the character found
        by_hint = _BAD_BY_HINT
        for hint in _MOJIBAKE_HINT.finditer(text):
            at = hint.start()
            if by_hint[text[at]](text, max(at - _BAD_WIDTH + 1, 0), at + _BAD_WIDTH):
                return True
        return False
    search = ftfy.badness.BADNESS_RE.search
    for hint in _MOJIBAKE_HINT.finditer(text):
        at = hint.start()
        if search(text, max(at - _BAD_WIDTH + 1, 0), at + _BAD_WIDTH):
            return True
    return False
# Characters ftfy's other fixers act on (with the settings above): control characters
# it removes (ESC of terminal escapes among them), C1 controls, line breaks other than
# \n, surrogates. HTML entities are matched with ftfy's own regex.
_FIXABLE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(ftfy.chardata.CONTROL_CHARS))
                      + "\x1b\r\u2028\u2029\x80-\x9f\ud800-\udfff]")


def _ftfy_may_change(text: str) -> bool:
    """False only when ftfy.fix_and_explain(text, _FTFY) returns text unchanged: no
    fixer would change it (fix_encoding acts only on text that BADNESS_RE calls bad,
    the others on the characters above), and it is NFC. Its fixers run in a loop that
    ends when a round changes nothing, so one round of no-ops is the whole answer."""
    if _FIXABLE.search(text) or ("&" in text and ftfy.chardata.HTML_ENTITY_RE.search(text)):
        return True
    if text.isascii():
        return False
    if not unicodedata.is_normalized("NFC", text):
        return True
    return _is_bad(text)


# A character one of _ftfy_may_change's tests needs in a line (a fixable one, the "&" of
# an entity, a mojibake hint): a line of an NFC text holding none of them is left as it is.
_LOOK = (re.compile(_FIXABLE.pattern[:-1] + "&" + _MOJIBAKE_HINT.pattern[1:])
         if _MOJIBAKE_HINT is not None and _FIXABLE.pattern.endswith("]") and _MOJIBAKE_HINT.pattern.startswith("[")
         and _BAD_WIDTH is not None else None)
_NO_UNESCAPE = _FTFY._replace(unescape_html=False)


def _fix_text(text: str) -> str:
    """ftfy.fix_text(text, _FTFY), without calling ftfy on the lines it cannot change
    (see above). The loop is fix_text's own (same segments, same switch-off of HTML
    unescaping after a '<'); a test checks the result equals ftfy's on real pages."""
    return _fix_text_nfc(text)[0]


def _fix_text_nfc(text: str) -> tuple[str, bool]:
    """(_fix_text(text), whether that is known to be NFC already). Known where the text
    was found NFC and only whole lines were replaced by ftfy's, which normalises to NFC
    (its last fixer, run until nothing changes): lines joined at line breaks stay NFC, a
    line break composing with nothing. Then normalise's own NFC pass (a scan of the
    text, 0.02 ms a page) would give the text back as it is, and is left out."""
    if "&" not in text and not _FIXABLE.search(text) and (  # "&" first: most pages hold one
            text.isascii() or unicodedata.is_normalized("NFC", text)
            and _MOJIBAKE_HINT is not None and not _MOJIBAKE_HINT.search(text)):
        return text, True
    if _LOOK is not None and len(text) <= _FTFY.max_decode_length and unicodedata.is_normalized("NFC", text):
        return _fix_looked_lines(text), True
    return _fix_each_line(text), False


def _fix_looked_lines(text: str) -> str:
    """`_fix_each_line` for an NFC text (of at most max_decode_length characters, so its
    segments are its lines, each with its line break): only the lines holding a `_LOOK`
    character are asked `_ftfy_may_change`, found by one search over the text; the others
    would be answered False (they are NFC, as an NFC text's lines are: a line break
    composes with nothing and ends every run of combining marks) and are copied whole.
    A line is fixed with the configuration the loop would have reached by it: HTML
    unescaping off from the line holding the text's first '<' on."""
    first_lt = text.find("<")
    search = _LOOK.search
    out, pos = [], 0
    found = search(text)
    while found is not None:
        at = found.start()
        start = text.rfind("\n", 0, at) + 1
        end = text.find("\n", at) + 1 or len(text)
        found = search(text, end)  # the next line holding one
        segment = text[start:end]
        if _ftfy_may_change(segment):
            config = _NO_UNESCAPE if 0 <= first_lt < end else _FTFY
            out.append(text[pos:start])
            out.append(ftfy.fix_and_explain(segment, config)[0])
            pos = end
    if not pos:
        return text
    out.append(text[pos:])
    return "".join(out)


def _fix_each_line(text: str) -> str:
    """fix_text's loop over the segments (lines), each asked `_ftfy_may_change`."""
    config, out, pos = _FTFY, [], 0
    while pos < len(text):
        textbreak = text.find("\n", pos) + 1
        if textbreak == 0:
            textbreak = len(text)
        if (textbreak - pos) > config.max_decode_length:
            textbreak = pos + config.max_decode_length
        segment = text[pos:textbreak]
        if config.unescape_html == "auto" and "<" in segment:
            config = config._replace(unescape_html=False)
        if _ftfy_may_change(segment):
            segment, _ = ftfy.fix_and_explain(segment, config)
        out.append(segment)
        pos = textbreak
    return "".join(out)


def _needles(items) -> set[str] | None:
    """Strings one of which every match of a parsed sequence starts with (its first
    character, or a repeated one's run), None when unsure (an item that may match
    nothing or anything first, a group with flags)."""
    if not items:
        return None
    op, arg = items[0]
    if op is _sre.LITERAL:
        return {chr(arg)}
    if op is _sre.IN:
        return _class_of(arg) if arg else None
    if op is _sre.MAX_REPEAT and arg[0] >= 1:
        body = list(arg[2])
        if len(body) == 1 and body[0][0] is _sre.LITERAL:  # " {2,}": two spaces
            return {chr(body[0][1]) * min(arg[0], 8)}
        return _needles(body)
    if op is _sre.SUBPATTERN and not arg[1] and not arg[2]:
        return _needles(arg[3].data)
    if op is _sre.BRANCH:
        heads = [_needles(alternative.data) for alternative in arg[1]]
        return None if None in heads else set().union(*heads)
    return None


def _gate(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Strings one of which every match of `pattern` starts with, when they are few: a
    text holding none of them has no match, so `sub` would return it unchanged. None
    when the parse does not tell (then the text is always searched)."""
    try:
        if pattern.flags & re.IGNORECASE:
            return None
        needles = _needles(_parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:  # the private parser changed: search every text, as before
        return None
    return tuple(sorted(needles)) if needles and len(needles) <= 128 and "" not in needles else None


# Speed: each of normalise's substitutions scans the page's text (sre tests every
# character against a class: tens of instructions a character, about a tenth of a
# page's cleaning together). Most pages hold none of the strings a pattern's matches
# start with; `str`'s own search (memchr) tells that for a few of them in a small part
# of the cost. They are read off each pattern, so they cannot drift from it.
_GATES = {pattern: _gate(pattern) for pattern in (_LINE_BREAKS, _INVISIBLE, _CONTROL, _ODD_SPACE, _SPACES)}


def _one_class(pattern: re.Pattern) -> bool:
    """Whether the pattern is one class of characters and nothing else (each match is
    one character of the class), as far as the parse tells."""
    try:
        items = list(_parser.parse(pattern.pattern, pattern.flags).data)
    except Exception:
        return False
    return not pattern.flags & re.IGNORECASE and len(items) == 1 and items[0][0] is _sre.IN


# A class's matches are its characters, one at a time, wherever they stand: `sub` with
# a replacement holding none of them is `str.replace` of each one the text holds.
_SINGLE = {pattern for pattern, chars in _GATES.items()
           if chars is not None and all(len(c) == 1 for c in chars) and _one_class(pattern)}


def _sub(pattern: re.Pattern, replacement: str, text: str) -> str:
    """pattern.sub(replacement, text), without the search when the text holds none of
    the strings a match starts with, and by str.replace for a class of characters."""
    chars = _GATES[pattern]
    if chars is None:
        return pattern.sub(replacement, text)
    present = [c for c in chars if c in text]
    if not present:
        return text
    if pattern in _SINGLE and not any(c in replacement for c in chars):
        for c in present:
            text = text.replace(c, replacement)
        return text
    return pattern.sub(replacement, text)


# The three classes of single characters removed or made spaces after NFC, as one
# class: one scan finds which of their characters a text holds (the gates' `in` tests
# are one scan a character: about fifty scans, 0.05 ms a page on the dev dumps; this
# 0.015). None when a pattern's characters are not read off it as one class of single
# characters (then each pattern is gated on its own).
_CHAR_CLASSES = (_INVISIBLE, _CONTROL, _ODD_SPACE)
_ANY_CHAR = (re.compile("[" + "".join(re.escape(c) for p in _CHAR_CLASSES for c in _GATES[p]) + "]")
             if all(p in _SINGLE for p in _CHAR_CLASSES)
             and len(set().union(*(_GATES[p] for p in _CHAR_CLASSES))) == sum(len(_GATES[p]) for p in _CHAR_CLASSES)
             and not any(c in " " for p in _CHAR_CLASSES for c in _GATES[p]) else None)


def _replace_chars(text: str) -> str:
    """_sub(_INVISIBLE, "", ...), then _CONTROL's and _ODD_SPACE's, as one scan and
    str.replace of the characters found. The classes share no character and a removal
    or a space makes none of theirs, so each pattern meets in the text exactly the
    characters of its class that the first scan found (what its own gate would find)."""
    found = set(_ANY_CHAR.findall(text))
    if not found:
        return text
    for pattern, replacement in ((_INVISIBLE, ""), (_CONTROL, ""), (_ODD_SPACE, " ")):
        for c in _GATES[pattern]:
            if c in found:
                text = text.replace(c, replacement)
    return text


def normalise(text: str) -> str:
    return "\n".join(normalise_lines(text))


def normalise_lines(text: str) -> list[str]:
    """normalise(text).split("\n"), without the join and the split again (no line holds
    a line break: each is a piece of a split at them, stripped)."""
    text = _sub(_LINE_BREAKS, "\n", text)
    text, nfc = _fix_text_nfc(text)
    if not nfc:
        text = unicodedata.normalize("NFC", text)
    if _ANY_CHAR is not None:
        text = _replace_chars(text)
    else:
        text = _sub(_INVISIBLE, "", text)
        text = _sub(_CONTROL, "", text)
        text = _sub(_ODD_SPACE, " ", text)
    # Runs of spaces never span a line break: one pass over the text, then each line.
    return [line.strip() for line in _sub(_SPACES, " ", text).split("\n")]


def table_rows(text: str) -> dict[int, int]:
    """{line number: cells} of the lines of a page's text (numbered as normalise's
    lines) that are a table's row: two or more non-empty cells set apart by tabs, as a
    browser's page text prints a table's row. normalise turns the tabs into spaces; the
    rows are read here before it (pipeline/tables.py)."""
    if "\t" not in text:
        return {}
    lines = _sub(_LINE_BREAKS, "\n", text).split("\n")
    rows = {}
    for number, line in enumerate(lines, 1):
        if "\t" in line:
            cells = sum(1 for cell in line.split("\t") if cell.strip())
            if cells >= 2:
                rows[number] = cells
    return rows
