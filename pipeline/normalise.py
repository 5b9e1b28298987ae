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
_LINE_BREAKS = re.compile(r"\r\n|\r|[\u2028\u2029\x85\x0b\x0c]")


def _characters_ftfy_may_change() -> re.Pattern:
    """Every character ftfy's fixers act on or its mojibake test (BADNESS_RE) looks for,
    read from ftfy itself: the non-ASCII characters (and ranges) in that regex, HTML's
    '&', escape and control characters, CR, surrogates."""
    pattern = ftfy.badness.BADNESS_RE.pattern
    chars, ranges = set(), []
    for i, ch in enumerate(pattern):
        if ch == "-" and 0 < i < len(pattern) - 1 and (ord(pattern[i - 1]) > 127 or ord(pattern[i + 1]) > 127):
            ranges.append((pattern[i - 1], pattern[i + 1]))
        elif ord(ch) > 127:
            chars.add(ch)
    chars |= {chr(int(code, 16)) for code in re.findall(r"\\x([0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})", pattern) for code in code if code}
    chars |= {chr(c) for c in ftfy.chardata.CONTROL_CHARS} | set("&\x1b\r\x85\u2028\u2029")
    parts = "".join(re.escape(c) for c in sorted(chars))
    parts += "".join(f"{re.escape(a)}-{re.escape(b)}" for a, b in ranges if a <= b)
    return re.compile(f"[{parts}\ud800-\udfff\x80-\x9f]")


_MAY_CHANGE = _characters_ftfy_may_change()


def _fix_text(text: str) -> str:
    """ftfy.fix_text(text, _FTFY), without calling ftfy on the lines it cannot change:
    none of its characters (above) and already NFC. The loop is fix_text's own (same
    segments, same switch-off of HTML unescaping after a '<'); a test checks the result
    equals ftfy's on real pages."""
    if not _MAY_CHANGE.search(text) and (text.isascii() or unicodedata.is_normalized("NFC", text)):
        return text
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
        if _MAY_CHANGE.search(segment) or not (segment.isascii() or unicodedata.is_normalized("NFC", segment)):
            segment, _ = ftfy.fix_and_explain(segment, config)
        out.append(segment)
        pos = textbreak
    return "".join(out)


def normalise(text: str) -> str:
    text = _LINE_BREAKS.sub("\n", text)
    text = _fix_text(text)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in text.split("\n"))
