"""Decode: bytes to text, or a clear rejection.

UTF-8 (with or without BOM) and BOM-marked UTF-16/32 are read directly; UTF-16 without
a BOM is recognised by its NUL pattern; stray invalid bytes inside otherwise valid UTF-8
(mixed encodings) are read as cp1252; anything else goes to charset-normalizer.
"""
from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

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


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text without BOM: ASCII-range characters leave NULs on one side only."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        sample = sample[: len(sample) - len(sample) % 2]
    even_nuls = sample[0::2].count(0)
    odd_nuls = sample[1::2].count(0)
    half = len(sample) / 2
    for encoding, nuls, other in (("utf-16-le", odd_nuls, even_nuls), ("utf-16-be", even_nuls, odd_nuls)):
        if half and nuls / half > 0.3 and other / half < 0.05:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) or raise Rejected with a reason."""
    if not data.strip():
        raise Rejected("empty file (no text at all)")
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding), encoding + "-bom"
            except UnicodeDecodeError as exc:
                raise Rejected(f"starts with a {encoding} byte-order mark but is not valid {encoding}: {exc.reason} at byte {exc.start}") from None
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise Rejected(f"binary file ({what}), not text")
    if b"\x00" in data[:4096]:
        text = _utf16_without_bom(data)
        if text is not None:
            return text, "utf-16 (no BOM)"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _count_invalid_utf8(data, limit=int(len(data) * _MAX_INVALID_UTF8_SHARE)) is not None and _has_multibyte_utf8(data):
        return data.decode("utf-8", errors="pipeline-cp1252"), "utf-8 (with cp1252 bytes)"
    best = from_bytes(data[:1_000_000]).best()
    if best is None:
        raise Rejected("binary or undecodable content: no text encoding fits")
    try:
        text = data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise Rejected(f"undecodable: detected {best.encoding} but the bytes do not decode") from None
    # Where the bytes read the same in cp1252, the web's commonest legacy encoding,
    # name that one (charset-normalizer picks among equivalent code pages arbitrarily).
    if best.encoding != "cp1252":
        try:
            if data.decode("cp1252") == text:
                return text, "cp1252"
        except UnicodeDecodeError:
            pass
    return text, best.encoding


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
