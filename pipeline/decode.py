"""Decode: bytes to text, or a clear rejection.

UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are read directly; UTF-16 without
a BOM is recognised by its NUL pattern; stray invalid bytes inside otherwise valid UTF-8
(mixed encodings) are read as cp1252; anything else goes to charset-normalizer, whose
guess is weighed against cp1252 and latin-1 on a Latin-script page (see _legacy).
"""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes
from ftfy.badness import badness

from pipeline.document import Rejected

# Magic numbers of common binary formats scraped folders end up holding.
_BINARY_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a zip archive",
    b"\x1f\x8b": "gzip data (nested)",
    b"RIFF": "a RIFF media file",
    b"\x7fELF": "an executable",
    b"BZh": "bzip2 data",
    b"\xfd7zXZ": "xz data",
}
_BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
# Mixed input is still read as UTF-8 when invalid bytes are this rare.
_MAX_INVALID_UTF8_SHARE = 0.01


def _cp1252_fallback(error: UnicodeDecodeError):
    bad = error.object[error.start:error.end]
    return bad.decode("cp1252", errors="replace"), error.end


codecs.register_error("pipeline-cp1252", _cp1252_fallback)


def _utf16_without_bom(data: bytes) -> tuple[str, float] | None:
    """UTF-16 text without BOM: ASCII-range characters leave NULs on one side only.
    Returns (text, the share of the sample's characters with that NUL pattern)."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    for encoding, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if half and nuls / half > 0.3 and other / half < 0.05:
            try:
                return data.decode(encoding), round(min(1.0, nuls / half), 3)
            except UnicodeDecodeError:
                return None
    return None


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # How sure the choice is, 0..1: 1.0 for a BOM or valid UTF-8; for a guessed legacy
    # encoding, charset-normalizer's (1 - chaos) times the share of the page's non-ASCII
    # letters that are letters of its language (see _legacy).
    confidence: float


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) or raise Rejected with a reason."""
    decoded = decode_bytes(data)
    return decoded.text, decoded.encoding


def decode_bytes(data: bytes) -> Decoded:
    """decode() with how sure the encoding is; raises Rejected with a reason."""
    if not data.strip():
        raise Rejected("empty file (no text at all)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom):].decode(encoding), encoding + "-bom", 1.0)
            except UnicodeDecodeError as exc:
                raise Rejected(f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason} at byte {exc.start}") from None
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Rejected(f"binary file ({what}), not text")
    if b"\x00" in data[:4096]:
        found = _utf16_without_bom(data)
        if found is not None:
            return Decoded(found[0], "utf-16 (no BOM)", found[1])
    try:
        return Decoded(data.decode("utf-8"), "utf-8", 1.0)
    except UnicodeDecodeError:
        pass
    invalid = _count_invalid_utf8(data, limit=int(len(data) * _MAX_INVALID_UTF8_SHARE))
    if invalid is not None and _has_multibyte_utf8(data):
        return Decoded(data.decode("utf-8", errors="pipeline-cp1252"), "utf-8 (with cp1252 bytes)",
                       round(1 - invalid / len(data), 3))
    return _legacy(data)


def _legacy(data: bytes) -> Decoded:
    """A legacy (non-Unicode) encoding: charset-normalizer's guess, weighed against the
    web's commonest ones on a Latin-script page.

    charset-normalizer ranks code pages by how messy and how coherent a sample reads, and
    on a page that is mostly ASCII letters, where only a few bytes differ between code
    pages, it can prefer a DOS code page: cp1252 curly quotes (0x93 0x94 0x92) read as
    cp852's "ô ö ĺ" look like letters to it ("ôfriendly nations.ö", "Chinaĺs"). Such a
    page is far more often cp1252 or latin-1. So when the non-ASCII bytes are few beside
    the ASCII letters (a Latin-script page: not Cyrillic, Greek or CJK, whose letters are
    all non-ASCII), the candidates (cp1252, latin-1, and charset-normalizer's matches)
    are read in full and compared on what the text looks like: first ftfy's badness
    (sequences that look like mojibake), then the non-ASCII letters that are no letters
    of the page's language (langdetect's profile of the language that the page's ASCII
    words read as gives each letter's frequency in that language: 0 means foreign), then
    cp1252, latin-1, charset-normalizer's order. Hand-written because neither library
    weighs a candidate by the language's own letters."""
    matches = from_bytes(data[:1_000_000])
    best = matches.best()
    if best is None:
        raise Rejected("binary or undecodable content: no text encoding fits")
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise Rejected(f"undecodable: detected {best.encoding} but the bytes do not decode") from None
    chosen, chaos = best.encoding, best.chaos
    fit = 1.0
    if _latin_page(data):
        order = ["cp1252", "latin-1"] + [m.encoding for m in matches if m.encoding not in ("cp1252", "latin_1")]
        chaos_of = {m.encoding: m.chaos for m in matches}
        letters = _language_letters(data)
        scored = {}
        for rank, encoding in enumerate(order):
            try:
                candidate = data.decode(encoding)
            except (UnicodeDecodeError, LookupError):
                continue
            if candidate in scored:
                continue  # the same text as a better-ranked name
            foreign, non_ascii = _foreign_letters(candidate, letters)
            scored[candidate] = (badness(candidate), foreign, rank, encoding, non_ascii)
        if scored:
            bad, foreign, _, chosen, non_ascii = min(scored.values())
            text = next(t for t, v in scored.items() if v[3] == chosen)
            fit = 1 - foreign / non_ascii if non_ascii else 1.0
            chaos = chaos_of.get(chosen, chaos_of.get(chosen.replace("-", "_"), best.chaos))
    elif chosen != "cp1252":
        # Where the bytes read the same in cp1252, the web's commonest legacy encoding,
        # name that one (charset-normalizer picks among equivalent code pages arbitrarily).
        try:
            if data.decode("cp1252") == text:
                chosen = "cp1252"
        except UnicodeDecodeError:
            pass
    return Decoded(text, chosen, round(max(0.0, 1 - chaos) * fit, 3))


# A page whose bytes >= 0x80 are at most this share of (those bytes + ASCII letters) is
# written in a Latin script (accents and punctuation in 8 bits); Cyrillic, Greek or CJK
# text has a byte >= 0x80 (or two) for every letter.
_MAX_HIGH_SHARE = 0.2
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")
_HIGH = re.compile(rb"[\x80-\xff]")


def _latin_page(data: bytes) -> bool:
    high = len(_HIGH.findall(data))
    letters = len(_ASCII_LETTERS.findall(data))
    return high + letters > 0 and high / (high + letters) <= _MAX_HIGH_SHARE


def _language_letters(data: bytes):
    """A predicate: is this (non-ASCII) letter one of the language's, for the language the
    page's ASCII words read as (the same for every candidate: ASCII bytes mean the same
    in all of them). None when no language is found: then no letter counts as foreign."""
    from langdetect import detector_factory

    from pipeline.language import detect

    ascii_text = _HIGH.sub(b" ", data).decode("ascii")
    guess = detect(ascii_text.split("\n"), 3000, 0)
    if guess.code is None:
        return None
    factory = detector_factory._factory
    code = next((lang for lang in factory.langlist if lang.split("-")[0] == guess.code), None)
    if code is None:
        return None
    column = factory.langlist.index(code)
    table = factory.word_lang_prob_map

    def is_language_letter(ch: str) -> bool:
        return any((table.get(c) or (0.0,) * (column + 1))[column] > 0 for c in (ch, ch.lower()))

    return is_language_letter


def _foreign_letters(text: str, is_language_letter) -> tuple[int, int]:
    """(how odd the non-ASCII characters look, non-ASCII letters) of text. Odd, 2 each: a
    letter of another script than Latin, or a Latin letter that neither the language nor
    cp1252 has; a symbol that no Western code page prints (cp1252's symbols and
    punctuation, the web's commonest, are expected); a symbol between two letters other
    than an apostrophe, a dash or a space ("wi¹za": Polish read in the wrong code page).
    1 each: a letter of cp1252 that is not the language's (a name's "ü" in English)."""
    counts = {}
    for match in _NON_ASCII_IN_CONTEXT.finditer(text):
        key = (match.group(2), bool(match.group(1)) and bool(match.group(3)))
        counts[key] = counts.get(key, 0) + 1
    odd = letters = 0
    for (ch, in_word), n in counts.items():
        if ch.isalpha():
            letters += n
            if not unicodedata.name(ch, "").startswith("LATIN"):
                odd += 2 * n
            elif is_language_letter is not None and not is_language_letter(ch):
                odd += (1 if ch in _CP1252_LETTERS else 2) * n
        elif ch not in _EXPECTED_SYMBOLS or (in_word and ch not in _IN_WORD):
            odd += 2 * n
    return odd, letters


_CP1252_PRINTABLE = bytes(range(0x80, 0x100)).decode("cp1252", errors="ignore")
_CP1252_LETTERS = frozenset(c for c in _CP1252_PRINTABLE if c.isalpha())
# cp1252's printable characters 0x80-0xFF that are not letters (the no-break space too).
_EXPECTED_SYMBOLS = frozenset(c for c in _CP1252_PRINTABLE if not c.isalpha())
_IN_WORD = frozenset("\u2019\u2018\u2013\u2014\u00b7\u00ad\u00a0")  # ’ ‘ – — · soft hyphen, no-break space
_NON_ASCII_IN_CONTEXT = re.compile(r"(?:(?<=([^\W\d_])))?([^\x00-\x7f])(?=([^\W\d_]))?")


def _count_invalid_utf8(data: bytes, limit: int) -> int | None:
    """Invalid UTF-8 bytes in data, or None as soon as there are more than limit."""
    invalid = 0
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    position = 0
    while position < len(data):
        try:
            decoder.decode(view[position:], final=True)
            return invalid
        except UnicodeDecodeError as exc:
            invalid += exc.end - exc.start
            if invalid > limit:
                return None
            position += exc.end
            decoder.reset()
    return invalid


def _has_multibyte_utf8(data: bytes) -> bool:
    """True when the file holds real UTF-8 sequences, so UTF-8 is its main encoding."""
    return not data.decode("utf-8", errors="ignore").isascii()


_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # below 32, not \t \n \f \r


def looks_binary(text: str) -> bool:
    """Decoded text that is mostly control characters is binary that slipped through."""
    sample = text[:4096]
    if not sample:
        return False
    controls = len(_CONTROLS.findall(sample))
    return controls / len(sample) > 0.1
