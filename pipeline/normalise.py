"""Normalise: repair mojibake, unify Unicode and white space, keep the line structure.

Lines are never added or removed here (only their content changes), so line numbers in
the ledger point at lines of the decoded input after line-break normalisation.
"""
from __future__ import annotations

import re
import unicodedata

import ftfy

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


def normalise(text: str) -> str:
    text = _LINE_BREAKS.sub("\n", text)
    text = ftfy.fix_text(text, _FTFY)
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _ODD_SPACE.sub(" ", text)
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in text.split("\n"))
