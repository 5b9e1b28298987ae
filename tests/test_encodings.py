"""Issue 12, items 2 and 15: every seed saved in the encodings and forms a scraper ends up
with comes out as its gold body (a real run on real files), legacy encodings of other
scripts still read right, and HTML is recognised after decoding whatever its encoding."""
from __future__ import annotations

import codecs
import gzip
import json
from pathlib import Path

import pytest

from conftest import DATA, PAGES, SEED_GOLD, SEEDS, seed_ids
from pipeline.decode import decode_bytes
from pipeline.document import Status
from pipeline.options import Options
from pipeline.process import clean_bytes
from pipeline.runner import run

ENCODED = DATA / "encodings"


def _mojibake(text: str) -> bytes:
    """UTF-8 read as cp1252 (as browsers read it: undefined bytes kept) and saved again."""
    import ftfy.bad_codecs  # noqa: F401  registers sloppy-windows-1252

    return text.encode("utf-8").decode("sloppy-windows-1252").encode("utf-8")


# Each form a seed is saved in: the bytes, and the file's suffix.
FORMS = {
    # Seed 003 has a "हिंदी में पढें" menu link, which cp1252 cannot hold: saved as "?".
    "cp1252": (lambda t: t.encode("cp1252", errors="replace"), ".txt"),
    "utf16le-bom": (lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), ".txt"),
    "utf16be-bom": (lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), ".txt"),
    "utf16le": (lambda t: t.encode("utf-16-le"), ".txt"),
    "utf16be": (lambda t: t.encode("utf-16-be"), ".txt"),
    "utf8-bom": (lambda t: codecs.BOM_UTF8 + t.encode("utf-8"), ".txt"),
    "mojibake": (_mojibake, ".txt"),
    "crlf": (lambda t: t.replace("\n", "\r\n").encode("utf-8"), ".txt"),
    "gzip": (lambda t: gzip.compress(t.encode("utf-8"), mtime=0), ".txt.gz"),
}


def test_every_seed_in_every_form_comes_out_as_its_gold_body(tmp_path):
    """One real run over the 5 seeds saved in 9 forms, each form in its own folder (a
    folder is a site: the same seed in two folders is two sites' copies)."""
    inputs = tmp_path / "in"
    for form, (encode, suffix) in FORMS.items():
        folder = inputs / form
        folder.mkdir(parents=True)
        for seed in seed_ids():
            (folder / f"{seed}{suffix}").write_bytes(encode((SEEDS / f"{seed}.txt").read_text("utf-8")))
    out = tmp_path / "out"
    run([str(inputs)], out, Options(doc_time_limit=0))
    index = [json.loads(line) for line in (out / "index.jsonl").read_text("utf-8").splitlines()]
    assert len(index) == len(FORMS) * len(seed_ids())
    wrong = []
    for row in index:
        meta = json.loads((out / row["outputs"]["metadata"]).read_text("utf-8"))
        seed = Path(meta["source"]).name.split(".")[0]
        body = (out / row["outputs"]["body"]).read_text("utf-8") if "body" in row["outputs"] else None
        if body != (SEED_GOLD / f"{seed}.txt").read_text("utf-8"):
            wrong.append((meta["source"], meta.get("encoding"), row["status"]))
    assert wrong == []


def test_cp1252_seed_002_is_read_as_cp1252_not_a_dos_code_page():
    # Its curly quotes are bytes 0x93 0x94 0x92: cp852 reads them "ô ö ĺ".
    text = (SEEDS / "002_6b2440b7a94c438e.txt").read_text("utf-8")
    decoded = decode_bytes(text.encode("cp1252"))
    assert decoded.encoding == "cp1252"
    assert decoded.text == text
    assert "“friendly nations.”" in decoded.text and "China’s" in decoded.text
    assert 0.9 <= decoded.confidence <= 1.0


def test_the_metadata_records_the_encoding_and_how_sure(engine):
    text = (SEEDS / "002_6b2440b7a94c438e.txt").read_text("utf-8")
    legacy = clean_bytes(text.encode("cp1252"), "page.txt", engine)
    assert legacy.metadata["encoding"] == "cp1252"
    assert 0.9 <= legacy.metadata["encoding_confidence"] < 1.0
    utf8 = clean_bytes(text.encode("utf-8"), "page.txt", engine)
    assert (utf8.metadata["encoding"], utf8.metadata["encoding_confidence"]) == ("utf-8", 1.0)


# Real pages of other languages and scripts (tests/data/encodings, README there), in the
# legacy encodings their language was published in.
LEGACY = [
    (PAGES / "text" / "sh-c4a3637c6696f238.txt", "cp1251"),  # Russian
    (PAGES / "text" / "sh-c4a3637c6696f238.txt", "koi8-r"),
    (PAGES / "text" / "sh-c4a3637c6696f238.txt", "iso-8859-5"),
    (PAGES / "text" / "sh-9da36ae4714bfccc.txt", "euc-kr"),  # Korean
    (ENCODED / "sh-f105de6e63ca91ea.txt", "shift_jis"),  # Japanese
    (ENCODED / "sh-f105de6e63ca91ea.txt", "euc-jp"),
    (ENCODED / "readability-qq.txt", "gbk"),  # Chinese
    (ENCODED / "fundus-pl-Rzeczpospolita-20260419.txt", "cp1250"),  # Polish
    (ENCODED / "fundus-pl-Rzeczpospolita-20260419.txt", "iso-8859-2"),
    (ENCODED / "readability-aktualne.txt", "cp1250"),  # Czech
    (ENCODED / "fundus-tr-NTVTR-20240430.txt", "cp1254"),  # Turkish
    (ENCODED / "fundus-de-Postillon-20240425.txt", "cp1252"),  # German
    (ENCODED / "fundus-de-Postillon-20240425.txt", "latin-1"),
]


@pytest.mark.parametrize("path,encoding", LEGACY, ids=[f"{p.stem}-{e}" for p, e in LEGACY])
def test_legacy_encodings_of_other_languages_still_read_right(path, encoding):
    data = path.read_text("utf-8").encode(encoding, errors="replace")
    assert not data.isascii()
    assert decode_bytes(data).text == data.decode(encoding)


def test_english_pages_in_latin_1_with_foreign_names_read_right():
    # An English page with a few accented names (é, ü, ñ...) and © is latin-1/cp1252,
    # not a Baltic or DOS code page that turns the names into other letters.
    for path in sorted((PAGES / "text").glob("*.txt")) + sorted(SEEDS.glob("*.txt")):
        data = path.read_text("utf-8").encode("latin-1", errors="replace")
        if not data.isascii():
            assert decode_bytes(data).text == data.decode("latin-1"), path.name


HTML_PAGE = "sh-14cc2a0ca59c62a8"

HTML_FORMS = {
    "utf16le-bom": lambda m: codecs.BOM_UTF16_LE + m.encode("utf-16-le"),
    "utf16be-bom": lambda m: codecs.BOM_UTF16_BE + m.encode("utf-16-be"),
    "utf16le": lambda m: m.encode("utf-16-le"),
    "utf16be": lambda m: m.encode("utf-16-be"),
    "utf8-bom": lambda m: codecs.BOM_UTF8 + m.encode("utf-8"),
    "xml-declaration": lambda m: ('<?xml version="1.0" encoding="utf-8"?>\n' + m).encode("utf-8"),
    "bom-space-comment-xml": lambda m: codecs.BOM_UTF8 + ('  \n<?xml version="1.0"?>\n<!-- saved -->\n' + m).encode("utf-8"),
}


@pytest.mark.parametrize("form", sorted(HTML_FORMS))
def test_html_is_recognised_after_decoding_in_a_file_not_named_html(tmp_path, engine, form):
    markup = gzip.decompress((PAGES / "html" / f"{HTML_PAGE}.html.gz").read_bytes()).decode("utf-8")
    expected = clean_bytes(markup.encode("utf-8"), "page.html", engine)
    assert expected.status is Status.CLEANED and expected.metadata["format"] == "html"
    path = tmp_path / "page.txt"
    path.write_bytes(HTML_FORMS[form](markup))
    result = clean_bytes(path.read_bytes(), path.name, engine)
    assert result.metadata["format"] == "html"
    assert "<" not in result.body and "<" not in (result.metadata.get("title") or "")
    assert result.body == expected.body


def test_a_text_dump_or_other_xml_is_not_taken_for_html(engine):
    rss = '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title></channel></rss>\n'
    from pipeline.extract import looks_like_html

    assert not looks_like_html(rss)
    assert not looks_like_html((SEEDS / "001_4d8637c95e606681.txt").read_text("utf-8"))
    text = (SEEDS / "001_4d8637c95e606681.txt").read_text("utf-8")
    result = clean_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), "page.txt", engine)
    assert result.metadata["format"] == "text"
