"""The fifteenth round's shortcuts against what they replace, on real lines: the same
answers, line by line (issue 15)."""
import random

from pipeline import comments
from pipeline.comments import (_COUNT, _INITIAL, _LINE_KINDS, _MAX_NAME_WORDS, _MAX_STAMP_WORDS, _SENTENCE_END,
                               _WORD, _size, _stamp_rest, _without_action)
from pipeline.lexicon import LineForms

from conftest import DATA, plain_normalise
from test_speed_paths import _lines_with_phrases, _real_lines


def _every_test_line() -> list[str]:
    """The seeds' and comment samples' lines (_real_lines), every other test page's
    lines, and lines built to hit each comment phrase kind."""
    lines = _real_lines()
    for path in sorted(DATA.rglob("*.txt")):
        lines += [line.strip() for line in path.read_text("utf-8", errors="replace").split("\n")]
    lines += _lines_with_phrases(random.Random(15), comments.load_phrases())
    return list(dict.fromkeys(line for line in lines if line))


def _plain_line_kind(stripped: str, phrases) -> tuple[str, int, str, bool]:
    """comments._line_kind as it was before the fifteenth round: the any_kind gate, then
    phrases.kind of each kind in turn."""
    words = _size(stripped)
    kind, stamp_rest, acted = "text", "", False
    line = LineForms(stripped)
    some = phrases.any_kind(line)
    if some and phrases.kind("header", line):
        kind = "header"
    elif some and phrases.kind("form", line):
        kind = "form"
    elif some and phrases.kind("action", line):
        kind = "action"
    elif _COUNT.match(stripped):
        kind = "count"
    elif some and phrases.kind("author_suffix", line):
        kind = "author"
    elif words <= _MAX_STAMP_WORDS and not stripped.endswith(_SENTENCE_END[1:]):
        rest = _stamp_rest(stripped, phrases, line)
        if rest:
            rest, acted = _without_action(rest, phrases)
        if rest is not None and len(_WORD.findall(rest)) <= _MAX_NAME_WORDS:
            kind, stamp_rest = "stamp", rest
        else:
            acted = False
    if kind == "text" and 1 <= words <= _MAX_NAME_WORDS and len(stripped) <= 60 \
            and (not stripped.endswith(_SENTENCE_END) or _INITIAL(stripped)) and not stripped.endswith(":") \
            and not (some and phrases.kind("not_author", line)):
        kind = "name"
    return kind, words, stamp_rest, acted


def test_first_kind_is_the_first_kind_that_matches():
    """CommentPhrases.first_kind (one reading of the kinds' rules together) names the
    first of _LINE_KINDS whose phrases.kind is True, or None when none is."""
    phrases = comments.load_phrases()
    seen = set()
    for line in _every_test_line():
        forms = LineForms(line)
        first = phrases.first_kind(forms)
        expected = next((kind for kind in _LINE_KINDS if phrases.kind(kind, LineForms(line))), None)
        assert first == expected, line
        seen.add(first)
    assert seen == {None, *_LINE_KINDS}  # every kind met, and lines of none


def test_line_kind_equals_the_plain_kind_tests():
    """comments._line_kind with first_kind gives what the gate and the five kind tests in
    turn gave, on every test line and the built ones."""
    phrases = comments.load_phrases()
    kinds = set()
    lines = _every_test_line()
    assert len(lines) > 10_000
    for line in lines:
        found = comments._line_kind(line, phrases)
        assert found == _plain_line_kind(line, phrases), line
        kinds.add(found[0])
    assert kinds == {"header", "form", "action", "count", "author", "stamp", "name", "text"}


def _plain_find_moments(line: str, language: str | None = None) -> list:
    """metadates.find_moments before its year test up front."""
    from pipeline.dates import dates_in
    from pipeline.metadates import _YEAR, _from_iso, _month_first, find_moments

    found = [m for m in (_from_iso(d.value, d.start, d.end) for d in dates_in(line)) if m]
    if language == "en":  # an English page's dotted date read month first (h-d15)
        found = [_month_first(m, line) for m in found]
    if found or not _YEAR.search(line):
        return found
    return find_moments(line, language)  # a year in the line: the same code as before from here


def test_find_moments_without_a_year_is_empty_as_before():
    """find_moments returns [] at once on a line without a 19xx/20xx year: the dates
    finder needs the same year (its _HAS_YEAR is the same regex), and so did the rest."""
    from pipeline import dates, metadates

    assert metadates._YEAR.pattern == dates._HAS_YEAR.__self__.pattern
    lines = _every_test_line() + ["12.03.2024", "3 June 2021 10:15", "2024年3月5日", "5 de março de 2023", "1999"]
    dated = 0
    for line in lines:
        for language in (None, "en", "de", "fr", "pt", "zh"):
            found = metadates.find_moments(line, language)
            assert found == _plain_find_moments(line, language), (line, language)
            dated += bool(found)
    assert dated > 100


_ODD_TEXTS = ["a\r\nb\rc\u2028d\u2029e\x85f\x0bg\x0ch", "x  y\t\tz\u00a0 \u3000w \u2000\u200a\u202f\u205f\u1680",
              "soft\u00adhy\u200bphen\ufeff\u200c\u200d\u2060\u200e\u200f\u202a\u202e\u2066\u2069",
              "ctrl\x00\x01\x08\x0e\x1f\x7f\x80\x9f end", "&amp; caf\u00e9 &#233;", "Cafe\u0301 \u0915\u093c",
              "sÃ³ mojibake â€™ here", "   lead and trail   \n  \n", "\r\n\r\n", "", "plain ascii"]


def _normalise_texts() -> list[str]:
    from pipeline.decode import decode

    texts = [decode(path.read_bytes())[0] for path in sorted(DATA.rglob("*.txt"))]
    return texts + _ODD_TEXTS


def test_normalise_gates_miss_no_match_anywhere_in_unicode():
    """Each gate names strings one of which every match of its pattern starts with: no
    code point of Unicode, alone or repeated, is matched where the gate finds none."""
    from pipeline import normalise

    gated = {pattern: chars for pattern, chars in normalise._GATES.items() if chars is not None}
    assert set(gated) == set(normalise._GATES)  # every pattern of normalise has one here
    for code in range(0x110000):
        c = chr(code)
        for text in (c, c * 3, f"a{c}{c}b"):
            for pattern, needles in gated.items():
                if pattern.search(text):
                    assert any(needle in text for needle in needles), (pattern.pattern, hex(code))


def test_normalise_equals_every_substitution_made():
    """normalise with its gates gives what every substitution run on every text gave, on
    every test page and on texts holding each pattern's characters."""
    from pipeline import normalise as n

    texts = _normalise_texts()
    assert len(texts) > 100
    changed = 0
    for text in texts:
        assert n.normalise(text) == plain_normalise(text), text[:80]
        for pattern in n._GATES:
            assert n._sub(pattern, "<>", text) == pattern.sub("<>", text)
            changed += pattern.search(text) is not None
    assert changed > 20  # the substitutions do act on these texts


def test_fix_text_asks_for_an_ampersand_first_as_before():
    """_fix_text's early return tests "&" before its search: the same answer as ftfy's."""
    import ftfy

    from pipeline.normalise import _FTFY, _fix_text

    for text in _normalise_texts():
        assert _fix_text(text) == ftfy.fix_text(text, _FTFY)


def _prefix_phrases() -> list[str]:
    """Every prefix written in the shipped rule files (chrome lexicon, sites, comments)."""
    import tomllib
    from importlib import resources

    found = []
    folder = resources.files("pipeline") / "data" / "lexicon"
    for entry in [*folder.iterdir(), *(folder / "comments").iterdir()]:
        if entry.name.endswith(".toml"):
            data = tomllib.loads(entry.read_text("utf-8"))
            rules = data.get("rules", []) + [r for site in data.get("sites", []) for r in site.get("rules", [])]
            found += [p for rule in rules for p in rule.get("prefix", [])]
    return found


def test_prefix_heads_rule_out_no_line_a_prefix_matches():
    """Lexicon._prefix_heads (read off the prefix alternation): every line the
    alternation matches starts with one of them, on every test line and on lines that
    open with each shipped prefix, in every lexicon that has prefixes."""
    from pipeline.lexicon import Lexicon

    prefixes = _prefix_phrases()
    assert len(prefixes) > 50
    lines = _every_test_line() + [f"{p} {tail}" for p in prefixes for tail in ("Anna", "the news", "")]
    lines += [f"{p}{tail}" for p in prefixes for tail in ("s", ":", "-x")] + [f"» {p}" for p in prefixes]
    lexicon = Lexicon.load()
    phrases = comments.load_phrases()
    lexicons = [lexicon, Lexicon([rule for _, rule in lexicon.site_rules] + lexicon.rules), phrases._any,
                *phrases._kinds.values()]
    gated = matched = 0
    for lex in lexicons:
        if lex._any_prefix is None or lex._prefix_heads is None:
            continue
        gated += 1
        for line in lines:
            spaced = LineForms(line).spaced
            if lex._any_prefix(spaced):
                matched += 1
                assert spaced[:1] in lex._prefix_heads, line
    assert gated >= 3 and matched > len(prefixes)


def test_read_metadata_the_same_whether_or_not_the_lines_were_folded_before():
    """read_metadata folds the page's lines only when a title candidate needs them; the
    metadata is what it was when every line was folded up front (the memo filled)."""
    from conftest import PAGES, SEEDS
    from pipeline.classify import classify
    from pipeline.language import detect, stopwords
    from pipeline.lexicon import Lexicon, fold
    from pipeline.memo import LineMemo
    from pipeline.metadata import read_metadata
    from pipeline.normalise import normalise
    from pipeline.options import Options

    options = Options()
    lexicon = Lexicon.load()
    titled = 0
    for path in sorted(SEEDS.glob("*.txt")) + sorted(PAGES.rglob("*.txt"))[:40]:
        lines = normalise(path.read_text("utf-8")).split("\n")
        page = detect(lines, options.language_sample_chars, options.language_seed)
        result = classify(lines, page, lexicon, stopwords(page.code))
        filled = LineMemo()
        table = filled.table("fold", compute=fold)
        for shape in result.shapes.values():
            table[shape.text]
        lazy = read_metadata(result, memo=LineMemo(), language=page.code)
        assert lazy == read_metadata(result, memo=filled, language=page.code), path.name
        assert lazy == read_metadata(result, language=page.code)
        titled += lazy.title is not None
    assert titled >= 5  # pages with a title read, and so with candidates


def test_class_substitutions_by_replace_equal_sub():
    """The one-class patterns (_SINGLE) are replaced character by character with
    str.replace: the same text as `sub`, for each of their characters, mixed and
    repeated, with the replacements normalise uses and others."""
    from pipeline import normalise as n

    assert n._SINGLE == {n._INVISIBLE, n._CONTROL, n._ODD_SPACE}
    for pattern in n._SINGLE:
        chars = n._GATES[pattern]
        mixed = "x".join(chars)
        texts = [f"a{c}b{c}{c} {c}" for c in chars] + [mixed, mixed[::-1] + " end", "none here"]
        for text in texts + _ODD_TEXTS:
            for replacement in ("", " ", "<>", chars[0]):  # the last one: sub itself
                assert n._sub(pattern, replacement, text) == pattern.sub(replacement, text)
