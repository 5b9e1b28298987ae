"""The eighth round's shortcuts in the steps besides the line classifier (metadata,
comment sections, normalise; docs/speed.md), each against the plain code it replaces,
on real lines and pages of the test data: the same answers."""
import gzip
import random

import ftfy
import pytest

from pipeline import comments, metadata, metadates, normalise
from pipeline.metadates import labels, vocabulary

from conftest import DATA, PAGES, SEEDS


def _text_files():
    files = (sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
             + sorted((DATA / "meta" / "text").glob("*.txt")) + sorted((DATA / "comments" / "text").glob("*.txt"))
             + sorted((DATA / "encodings").glob("*.txt")) + sorted((DATA / "languages" / "text").glob("*.txt")))
    assert len(files) >= 20
    return files


def _real_lines() -> list[str]:
    lines = [line.strip() for f in _text_files() for line in f.read_text(encoding="utf-8").split("\n")]
    return list(dict.fromkeys(line for line in lines if line))


LANGUAGES = (None, "en", "de", "fr", "es", "sv")


def _dated_lines(rng: random.Random) -> list[str]:
    """Real short lines with date labels, byline words and dateline cities put in."""
    words = [w for line in _real_lines()[:3000] for w in line.split()]
    pieces = [label for kind in ("published", "updated") for table in vocabulary()[kind].values() for label in table]
    pieces += list(metadata._datelines()) + ["By", "Von", "Por", "Written by", "on", "Updated:", "|"]
    out = []
    for _ in range(3000):
        piece = rng.choice(pieces)
        head = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
        tail = " ".join(rng.choice(words) for _ in range(rng.randint(0, 4)))
        out.append(rng.choice([piece, f"{head} {piece}", f"{piece} {tail}", f"{head} {piece} {tail}",
                               f"By {head} {piece}", f"{head.title()} {piece}"]).strip())
    return out


def test_has_label_one_alternation_answers_as_each_label_searched():
    lines = _real_lines() + _dated_lines(random.Random(8))
    met = 0
    for language in LANGUAGES:
        for kind in ("published", "updated"):
            table = labels(kind, language)
            for line in lines:
                lead = line[:80]
                fast = metadates.has_label(lead, table)
                assert fast == metadates._has_label_each(lead, table), (language, kind, lead)
                met += fast
    assert met > 1000  # labels were found, not only refused
    assert metadates.has_label("Updated", ()) is False and metadates._has_label_each("Updated", ()) is False


def _name_line_place_plain(text: str):
    for place in metadata._datelines():
        if text.endswith(" " + place):
            names = metadata._name_line_only(text[: -len(place) - 1].rstrip(" ,|-"))
            if names:
                return names, True
            break
    return metadata._name_line_only(text), False


def _byline_author_plain(text: str):
    match = metadata._BY.search(text)
    if match:
        return match.group("name").rstrip(".")
    for place in metadata._datelines():
        if text.endswith(" " + place):
            text = text[: -len(place) - 1].rstrip(" ,|-")
            break
    words = text.split()
    if 2 <= len(words) <= 4 and all(metadata._NAME_WORD.match(w) for w in words):
        return text
    return None


def test_dateline_endings_prefilter_keeps_the_loops_answers():
    lines = _real_lines() + _dated_lines(random.Random(9))
    placed = 0
    for line in lines:
        assert metadata._name_line_place(line) == _name_line_place_plain(line), line
        assert metadata._byline_author(line) == _byline_author_plain(line), line
        placed += metadata._name_line_place(line)[1]
    assert placed > 20


def test_only_a_byline_word_set_equals_the_comparisons():
    lines = _real_lines() + _dated_lines(random.Random(10))
    for language in LANGUAGES:
        prefixes = metadata._byline_prefixes(language)
        found = 0
        for line in lines + list(prefixes) + [p.upper() + " :" for p in prefixes]:
            plain_low = line.strip().casefold().rstrip(" :：")
            plain = bool(plain_low) and any(plain_low == p.casefold().rstrip(" :：/") for p in prefixes)
            assert metadata._only_a_byline_word(line, prefixes) == plain, (language, line)
            found += plain
        assert found >= len(prefixes)


def test_cached_author_readings_equal_the_plain_ones_and_hand_out_their_own_lists():
    lines = _real_lines()[:4000] + _dated_lines(random.Random(11))
    bylines = names = 0
    for language in ("en", "de", None):
        prefixes = metadata._byline_prefixes(language)
        for line in lines:
            plain = metadata._author_byline_of.__wrapped__(line, prefixes, language)
            assert metadata._author_byline(line, prefixes, language) == plain, line
            plain_names = metadata._author_name_line_of.__wrapped__(line, language)
            assert metadata._author_name_line(line, language) == plain_names, line
            bylines += plain is not None
            names += bool(plain_names[0])
    assert bylines > 50 and names > 50
    # A caller changing its names list leaves the cache's as it was.
    line, prefixes = "By Jane Doe and John Smith", metadata._byline_prefixes("en")
    first = metadata._author_byline(line, prefixes, "en")
    first[0].append("someone else")
    assert metadata._author_byline(line, prefixes, "en")[0] == ["Jane Doe", "John Smith"]
    named = metadata._author_name_line("Jane Doe", "en")
    named[0].clear()
    assert metadata._author_name_line("Jane Doe", "en")[0] == ["Jane Doe"]


def _find_sections_plain(lines, phrases):
    """find_sections without the early answer for a page of fewer than two stamps."""
    kinds = comments._kinds(lines, phrases)
    heads = comments._heads(kinds, phrases)
    sections, chain = [], []
    for head in heads + [None]:
        if head is not None and chain and head.first - chain[-1].last - 1 <= comments._MAX_GAP \
                and not any(comments._opens_section(kinds, k) for k in range(chain[-1].last + 1, head.first)):
            chain.append(head)
            continue
        section = comments._section(chain, kinds, phrases) if chain else None
        if section is not None:
            sections.append(section)
        chain = [head] if head is not None else []
    return sections


def _says_page(lines: list[str]) -> list[str]:
    """A real page with its comment heads' dates gone: each stamp line replaced by a
    "Name says:" line (heads of their own, no stamp: the page's only heads)."""
    phrases = comments.load_phrases()
    out = []
    for n, line in enumerate(lines):
        stripped = line.strip()
        out.append(f"Reader{n} says:" if stripped and comments._line_kind(stripped, phrases)[0] == "stamp" else line)
    return out


def test_comment_sections_early_answer_equals_the_full_search():
    phrases = comments.load_phrases()
    pages = [f.read_text(encoding="utf-8").split("\n") for f in _text_files()]
    pages += [_says_page(lines) for lines in pages]
    # A section whose only heads are dated action bars ("Like · Reply · 3y").
    pages.append(["The article's first paragraph, long enough to read as the body of the page, ends here.", "",
                  "3 Comments", "Jane Doe", "I think this is a great point.", "Like · Reply · 3y",
                  "John Smith", "No it isn't, the numbers are wrong.", "Like · Reply · 2y"])
    few = found = says_only = 0
    for lines in pages:
        rows = comments._kind_rows(lines, phrases)
        kinds = comments._kinds(lines, phrases)
        assert [comments._Line(n, s, *k) for n, s, k in rows] == kinds
        sections = comments.find_sections(lines)
        assert sections == _find_sections_plain(lines, phrases)
        # The premise: one head at most for each stamp, "says" line or dated action bar.
        possible = sum(k.kind in ("stamp", "author") or (k.kind == "action" and bool(comments._bar_date(k.text, phrases)))
                       for k in kinds)
        assert len(comments._heads(kinds, phrases)) <= possible
        few += possible < 2
        found += bool(sections)
        says_only += bool(sections) and not any(k.kind == "stamp" for k in kinds)
    assert few >= 5 and found >= 3 and says_only >= 1  # every path met


def _normalise_texts() -> list[str]:
    texts = [f.read_text(encoding="utf-8") for f in _text_files()]
    for folder in (PAGES / "html", DATA / "meta" / "html", DATA / "comments" / "html"):
        for f in sorted(folder.glob("*")):
            data = gzip.decompress(f.read_bytes()) if f.name.endswith(".gz") else f.read_bytes()
            texts.append(data.decode("utf-8", "replace"))
    texts += ["plain line\nsÃ³ mojibake â€™ here\n&amp; entity\n<b> then &amp; again\n\x1b[0m esc\nCafe\u0301\n"
              "\u0301 a mark opening a line\nГўВЂВ\u201cx\nहिंदी में पढें\n\u0915\u093c nukta\nÃ©tÃ©\x85next",
              "&eacute; before any tag\nâ€œquotedâ€\x9d\n<p>a tag</p>\n&eacute; after it\nno newline at the end â€™",
              "“curly” only\n‘and’ more\nCafé\n"]
    return [normalise._LINE_BREAKS.sub("\n", t) for t in texts]


def test_looked_lines_equal_the_per_line_loop_and_ftfy():
    assert normalise._LOOK is not None  # the shortcut is taken with this ftfy
    looked = 0
    for text in _normalise_texts():
        expected = ftfy.fix_text(text, normalise._FTFY)
        assert normalise._fix_each_line(text) == expected
        assert normalise._fix_text(text) == expected
        import unicodedata
        if len(text) <= normalise._FTFY.max_decode_length and unicodedata.is_normalized("NFC", text):
            assert normalise._fix_looked_lines(text) == expected
            looked += 1
    assert looked >= 20


@pytest.mark.parametrize("block", range(0, 0x110000, 0x10000))
def test_look_class_is_the_three_tests_characters(block):
    for code in range(block, block + 0x10000):
        c = chr(code)
        wanted = bool(normalise._FIXABLE.match(c)) or c == "&" or bool(normalise._MOJIBAKE_HINT.match(c))
        assert bool(normalise._LOOK.match(c)) == wanted, hex(code)
