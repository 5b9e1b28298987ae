"""Speed-only shortcuts (issue 15) against the plain code they replace, on real lines
(the seeds and the comment-section samples) and on lines built to hit each phrase kind:
the same answers, line by line."""
import math
import random
import re
import sys

import numpy as np

from pipeline import comments, metadata
from pipeline.language import cjk_function_chars, detect
from pipeline.linemodel import blocks
from pipeline.linemodel.features import Page, _per_line, feature_matrix
from pipeline.linemodel.shape import pick_stoplist
from pipeline.linewords import words_of
from pipeline.normalise import normalise

from conftest import DATA, SEEDS


def _real_lines() -> list[str]:
    # Latin-script pages: on a Chinese page every line stays a candidate of the comment
    # header rules, whose cased Cyrillic words rule out ASCII lines only (lexicon._Literals).
    files = sorted(SEEDS.glob("*.txt")) + sorted(f for f in (DATA / "comments" / "text").glob("*.txt")
                                                 if f.stem != "readability-pixnet")
    assert len(files) >= 8
    lines = [line.strip() for f in files for line in f.read_text(encoding="utf-8").split("\n")]
    return list(dict.fromkeys(line for line in lines if line))


def _lines_with_phrases(rng: random.Random, phrases) -> list[str]:
    """Real lines with comment phrases, dates and counts put in, at the start, the end or
    alone: each kind is met, and near misses of it."""
    pieces = ["12 Comments", "Comments (3)", "Reply", "Antworten", "Anna says:", "2 days ago", "vor 3 Tagen",
              "yesterday at 10:15", "By Jane Doe", "Leave a Reply", "Your email address will not be published",
              "03/04/2024 12:30", "Next Post", "il y a 5 minutes", "3 分前", "Likes 4", "Pingback: x", "17"]
    words = " ".join(_real_lines()).split()
    out = []
    for _ in range(1500):
        piece = rng.choice(pieces)
        filler = " ".join(rng.choice(words) for _ in range(rng.randint(0, 14)))
        out.append(rng.choice([piece, f"{piece} {filler}", f"{filler} {piece}", filler or piece]).strip())
    return out


def _plain_find(phrases, kind: str, line: str):
    """CommentPhrases.find before its literal prefilter: every regex searched in order."""
    for rule in phrases.kinds[kind].rules:
        for pattern in rule.patterns:
            found = pattern.search(line)
            if found:
                return found
    return None


def test_comment_kinds_one_lexicon_says_no_only_when_the_five_do():
    """any_kind is a prefilter (phrases and regex literals, no search): False only when
    no kind matches, and False for most real lines (else it saves nothing)."""
    phrases = comments.load_phrases()
    real = _real_lines()
    lines = real + _lines_with_phrases(random.Random(5), phrases)
    some = 0
    for line in lines:
        each = [phrases.kind(kind, line) for kind in comments._LINE_KINDS]
        if any(each):
            assert phrases.any_kind(line), line
        some += any(each)
    assert some > 300  # the built lines do reach the kinds
    assert sum(map(phrases.any_kind, real)) < len(real) // 2


def test_comment_find_with_literals_finds_what_every_regex_finds():
    phrases = comments.load_phrases()
    lines = _real_lines() + _lines_with_phrases(random.Random(6), phrases)
    found = 0
    for line in lines:
        for kind in ("relative_time", "header", "action", "author_suffix"):
            fast, plain = phrases.find(kind, line), _plain_find(phrases, kind, line)
            assert (fast and (fast.span(), fast.re.pattern)) == (plain and (plain.span(), plain.re.pattern)), (kind, line)
            found += plain is not None
    assert found > 300


def _plain_named_elsewhere(text: str, lines: list[str]) -> bool:
    return any(other != text and other.startswith(text + sep) and len(other[len(text) + len(sep):].split()) <= 8
               for other in lines for sep in metadata._SEPARATORS if other.startswith(text))


def test_title_with_site_name_found_by_bisection_as_by_scan():
    rng = random.Random(7)
    real = _real_lines()
    for _ in range(150):
        page = rng.sample(real, 40)
        # headline | site name, headline - more than eight words, a bare prefix, copies
        title = rng.choice(page)
        sep = rng.choice(metadata._SEPARATORS + (" ", "|"))
        page += [title + sep + " ".join(rng.choice(real).split()[:rng.choice([1, 3, 8, 9, 12])]), title, title[:5]]
        rng.shuffle(page)
        by_text = sorted(set(page))
        for text in set(page):
            assert metadata._named_elsewhere(text, by_text) == _plain_named_elsewhere(text, page), text
    assert any(re.search(r" \| ", line) for line in real)


def test_shared_word_split_is_each_steps_own_split():
    """linewords.words_of stands for the \\w+ split each step did with its own regex (the
    line shape's, the line model's, the lexicon's, the comment finder's, the path
    labelling's): the same pattern and flags, the same words on real lines, read twice;
    but on a line holding a combining mark, whose word keeps its marks (the twenty-fourth
    round: "में" was "म")."""
    from pipeline import linewords
    from pipeline.linemodel import shape

    own = [shape._WORD, comments._WORD, re.compile(r"\w+")]  # lexicon.py and sequence.py had the last
    assert {(p.pattern, p.flags) for p in own} == {(linewords.WORD.pattern, linewords.WORD.flags)}
    lines = _real_lines()
    lines += ["", "   ", "naïve café – 東京 2024年", "x_y 3.5 don't", "\u00a0word\u00a0", "Straße ǅemal"]
    marked = ["भारत में चुनाव", "cafe\u0301 au lait", "مُحَمَّد ❤\ufe0f"]
    mark, word = linewords._marked_words()
    for line in lines + marked:
        for _ in range(2):  # computed, then from the cache
            assert shape._WORD.findall(line) == comments._WORD.findall(line), line
            if mark.search(line) is None:
                assert list(linewords.words_of(line)) == shape._WORD.findall(line), line
            else:
                assert list(linewords.words_of(line)) == word.findall(line) != shape._WORD.findall(line), line
    assert sum(mark.search(line) is not None for line in lines) < 0.01 * len(lines)  # real lines: few
    assert isinstance(linewords.words_of(lines[0]), tuple)  # shared: callers cannot change it


def test_line_shape_built_without_init_equals_the_dataclass_built_one():
    """shape_line fills LineShape's fields directly (no frozen-dataclass __init__): the
    same fields, in the same order, equal to the shape the dataclass's own __init__ builds,
    on real lines, and still frozen."""
    import dataclasses

    from pipeline.language import stopwords
    from pipeline.lexicon import Lexicon
    from pipeline.lineshape import LineShape, shape_line

    lexicon, stop = Lexicon.load(), stopwords("en")
    names = [f.name for f in dataclasses.fields(LineShape)]
    matched = 0
    for number, line in enumerate(_real_lines(), 1):
        found = lexicon.match(line)
        matched += found is not None
        fast = shape_line(number, line, stop, found)
        plain = LineShape(**{name: getattr(fast, name) for name in names})
        assert list(vars(fast)) == names and fast == plain and repr(fast) == repr(plain), line
        assert fast.renumbered(number + 1) == dataclasses.replace(plain, number=number + 1)
    assert matched > 10
    try:
        fast.words = 0
    except dataclasses.FrozenInstanceError:
        pass
    else:
        raise AssertionError("LineShape is no longer frozen")


# --- fourth round: the line model's block features as set counts ------------------------

def _plain_content_words(text: str) -> tuple[str, ...]:
    """blocks.content_words before the fourth round: \\w+ words filtered by length."""
    low = text.lower()
    got = set()
    for run in blocks._CJK_RUN.findall(low):
        got.update(run[i:i + 2] for i in range(max(1, len(run) - 1)))
    for w in re.findall(r"\w+", blocks._CJK_RUN.sub(" ", low) if got else low):
        if len(w) >= blocks.MIN_CONTENT_CHARS and not w.isdigit():
            got.add(w)
    return tuple(sorted(got))


def _plain_overlap(cw, members):
    """blocks._overlap before the fourth round: a dictionary count per word."""
    vocab = {}
    for k in members:
        for w in cw[k]:
            vocab[w] = vocab.get(w, 0) + 1
    own = set(members)
    hits, count = np.zeros(len(cw)), np.zeros(len(cw))
    for k, ws in enumerate(cw):
        if ws:
            hits[k] = sum(1 for w in ws if vocab.get(w, 0) > (1 if k in own else 0))
            count[k] = len(ws)
    return hits, count


def _plain_page_hits(cw, words, run_id):
    """cohesion_features' page_overlap hits before the fourth round: each word's set of runs."""
    runs_of = {}
    for k, ws in enumerate(cw):
        if words[k] >= blocks.COHESION_WORDS:
            for w in ws:
                runs_of.setdefault(w, set()).add(run_id[k])
    return np.array([sum(1 for w in ws if len(runs_of.get(w, ())) > (1 if run_id[k] in runs_of.get(w, ()) else 0))
                     for k, ws in enumerate(cw)], dtype=np.float64)


def _plain_sig_repeat(masked, words):
    """record_features' sig_repeat before the fourth round: numpy maxima per signature."""
    where = {}
    for k, m in enumerate(masked):
        if words[k] <= blocks.SHORT_WORDS:
            for sig in blocks._signatures(m):
                where.setdefault(sig, []).append(k)
    out = np.zeros(len(masked))
    for pos in where.values():
        if len(pos) >= 2:
            out[pos] = np.maximum(out[pos], math.log1p(len(pos) - 1))
    return out


def _plain_without(text, stop):
    """A line's content words less the stoplist and, since the twenty-sixth round, on a
    page written in CJK, the CJK bigrams (or single characters) holding a function character."""
    func = cjk_function_chars()
    return [w for w in _plain_content_words(text) if w not in stop
            and not (stop is blocks.CJK_PAGE_STOPLIST and len(w) <= 2 and blocks._CJK_RUN.match(w)
                     and not func.isdisjoint(w))]


def _real_pages():
    """The stripped non-blank lines of the seeds and the test pages, each page's stoplist."""
    files = sorted(SEEDS.glob("*.txt")) + sorted(
        p for folder in ("pages", "comments", "languages") for p in (DATA / folder / "text").glob("*.txt"))
    assert len(files) >= 16
    for path in files:
        lines = normalise(path.read_text(encoding="utf-8")).split("\n")
        texts = [line.strip() for line in lines if line.strip()]
        code = detect(lines, 3000, 0).code
        stop = pick_stoplist(code, None)
        yield texts, stop or (blocks.CJK_PAGE_STOPLIST if code in ("zh", "ja") else stop), lines


def test_block_features_counted_with_sets_equal_the_plain_loops():
    pages = 0
    for texts, stop, lines in _real_pages():
        for t in texts:
            assert blocks.content_words(t) == _plain_content_words(t), t
            assert blocks.page_content_words([t], stop)[0] == frozenset(_plain_without(t, stop))
        idx, _ = feature_matrix(lines, None)
        page = Page(idx, _per_line(texts, stop), texts, stop)
        cw = blocks.page_content_words(texts, stop)
        plain_cw = [_plain_without(t, stop) for t in texts]
        for members in (np.flatnonzero(page.good).tolist(), np.flatnonzero(page.good)[:3].tolist(), []):
            new, old = blocks._overlap(cw, members), _plain_overlap(plain_cw, members)
            assert new[0].tobytes() == old[0].tobytes() and new[1].tobytes() == old[1].tobytes()
        core = page.good > 0
        got = blocks.cohesion_features(cw, core, page.words, page.run_id)
        hits, count = _plain_page_hits(plain_cw, page.words.tolist(), page.run_id.tolist()), _plain_overlap(plain_cw, [])[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            page_line = np.where(count > 0, hits / np.maximum(count, 1), np.nan)
        assert got[2].tobytes() == page_line.tobytes()
        assert blocks.record_features(page.masked, page.words)[0].tobytes() == \
            _plain_sig_repeat(page.masked, page.words.tolist()).tobytes()
        pages += 1
    assert pages >= 16


def test_body_words_folded_a_line_at_a_time_are_each_words_casefold():
    lines = _real_lines() + ["STRASSE Straße ΣΟΦΊΑ İstanbul ﬁnance Ǆemal ŉ", "ΌΣΟΣ ΣΊΣΥΦΟΣ", "ǅ ǈ ǋ ǲ"]
    for line in lines:
        ws = words_of(line)
        if ws:
            assert set(" ".join(ws).casefold().split(" ")) == {w.casefold() for w in ws}, line


def test_site_line_keys_in_one_casefold_equal_line_key():
    """siteprofile._line_keys (a page's new lines folded in one call) equals line_key on
    each line: real lines, lines of special cases (ß, ﬁ, İ, final sigma, only edge
    punctuation, white space of other kinds) and lines holding a line break of their own."""
    from pipeline.siteprofile import Remembered, _line_keys, _page_key_sets, line_key, page_keys

    special = ["Straße", "ﬁnance", "İstanbul", "ΣΊΣΥΦΟΣ ΟΔΟΣ", "— · —", "", " ", "a\u2003b\u00a0c", "x\u2028y",
               "«Zitat»", "ǅemal", "A.\tB", "one\ntwo"]
    lines = _real_lines()
    for chunk in (lines, special, special[:-1], lines[:20] + special):
        assert _line_keys(chunk) == [line_key(line) for line in chunk]
    page = lines[:200] + special[:-1]
    keys, long_keys = _page_key_sets(page, 4)
    assert keys == page_keys(page) and long_keys == page_keys(page, 4)
    known = Remembered(line_key)
    assert _page_key_sets(page[:50], 4, known) == (page_keys(page[:50]), page_keys(page[:50], 4))
    assert _page_key_sets(page, 4, known) == (keys, long_keys)  # half of them known already


# --- eighth round: the line classifier's per-line shortcuts ---------------------------

_ALL_CHARS = "".join(map(chr, range(sys.maxunicode + 1)))


def test_urlish_dot_prefilter_says_no_only_where_the_regex_cannot_match():
    """_may_be_urlish_dot: every match of the case-insensitive _URLISH_DOT holds "w." or a
    "." before c, o or n; over all of Unicode `re` matches only the two ASCII cases to each
    of those letters under IGNORECASE (no twin such as the Kelvin sign for k), so the
    substring tests miss no match. Then on real lines and lines built around the
    alternatives, every line the regex matches passes the prefilter, and the line model's
    urlish feature is what the plain regex gives."""
    from pipeline.linemodel import shape

    for letter in "wcon":
        assert sorted(re.findall(letter, _ALL_CHARS, re.IGNORECASE)) == sorted({letter, letter.upper()}), letter
    assert shape._URLISH_DOT.pattern == r"www\.|\.(?:com|org|net|co\.uk)\b"
    built = [f"{a}see {b}" for a in ("", "x ") for b in ("www.x", "WwW.x", "a.com", "a.COM b", "a.Org", "a.nEt", "a.co.uk",
                                                        "a.co.u\u212a", "a.comx", "a.c", "w.x", "a. com", "x.Net.")]
    lines = _real_lines() + built
    passed = 0
    for line in lines:
        if shape._URLISH_DOT.search(line):
            assert shape._may_be_urlish_dot(line), line
            passed += 1
    assert passed >= 10  # the test sees matches, not only misses
    assert sum(not shape._may_be_urlish_dot(line) for line in lines if "." in line) > len(lines) // 4  # it saves searches
    stop = pick_stoplist("en", None)
    col = shape.SHAPE_FEATURES.index("urlish")
    for line in lines:
        row = shape.line_shape(line, words_of(line), stop, shape._class_counts([line])[0].tolist())
        plain = 1.0 if shape._URLISH.search(line) or shape._has_email(line) else 0.0
        assert row[col] == plain, line


def test_no_character_casefolds_to_or_with_a_space():
    """shape_line counts stopwords on one casefold of the line's words joined by spaces:
    right only if no character's casefold holds a space (but the space's own)."""
    assert [c for c in _ALL_CHARS if " " in c.casefold()] == [" "]


def test_shape_line_stopwords_counted_as_each_words_casefold():
    """shape_line's stopword ratio equals the per-word count it replaces, on real lines
    and special cases, with a stoplist and without."""
    from pipeline.language import stopwords
    from pipeline.lineshape import shape_line

    special = ["STRASSE Straße ΣΟΦΊΑ İstanbul ﬁnance Ǆemal ŉ", "ΌΣΟΣ ΣΊΣΥΦΟΣ", "ǅ ǈ ǋ ǲ", "THE AND OF", "", "— · —"]
    for stop in (stopwords("en"), stopwords("de"), stopwords("el"), frozenset(), frozenset({"ss", "strasse", "σοφία"})):
        for line in _real_lines() + special:
            ws = words_of(line)
            plain = sum(map(stop.__contains__, map(str.casefold, ws))) if stop else 0
            assert shape_line(1, line, stop, None).stopword_ratio == (plain / len(ws) if ws else 0.0), line


def test_content_words_of_ascii_lines_from_the_shared_split():
    """blocks._content_set takes an ASCII line's content words from words_of: the same set
    as the \\w{3,} regex on the lowered line, on real lines and edge cases (digits,
    underscores, words of 2 and 3 characters, digits inside words)."""
    special = ["", "ab cd", "abc 123 1a2 A_B __ ___ x1y", "Covid-19 in 2024: 3rd wave", "I'm OK, you're OK.", "___ 0x1F"]
    lines = _real_lines() + special
    asciis = 0
    for line in lines:
        if line.isascii():
            asciis += 1
        plain = {w for w in blocks._LONG_CONTENT.findall(line.lower()) if not w.isdigit()} if line.isascii() else None
        got = blocks._content_set(line)
        assert got == set(_plain_content_words(line)), line
        if plain is not None:
            assert got == plain, line
    assert asciis >= 100


def foreign_script_plain(shape, page_script):
    """classify._foreign_script without its shortcuts: the count over the other scripts."""
    from pipeline.language import foreign_script_units

    if not page_script or shape.letters < 3:
        return None
    counts = foreign_script_units(shape.text, shape.scripts, page_script)
    other = {s: n for s, n in counts.items() if s != page_script}
    if sum(other.values()) * 2 <= sum(counts.values()):
        return None
    return max(other, key=other.get)


def test_foreign_script_shortcut_equals_the_count():
    """classify._foreign_script returns at once on a line of the page's script only: the
    same answer as the count over the other scripts, on real lines and every page script
    the languages sample has."""
    from pipeline.classify import _foreign_script
    from pipeline.lineshape import shape_line

    lines = _real_lines() + [line for _, _, page in _real_pages() for line in page if line.strip()]
    shapes = [shape_line(1, line, frozenset(), None) for line in lines]
    scripts = {s for shape in shapes for s in shape.scripts} | {None, "LATIN", "CYRILLIC", "CJK"}
    assert len(scripts) >= 5
    for script in scripts:
        for shape in shapes:
            assert _foreign_script(shape, script) == foreign_script_plain(shape, script), (shape.text, script)


def test_page_log_table_word_logs_and_main_stretch_equal_the_per_line_code():
    """Page takes its log1p table from one shared read-only table, the window's word logs
    from line_shape's log_words column and the main stretch's scores with numpy: the same
    floats as the per-line Python it replaces, on the test pages."""
    from pipeline.linemodel.features import _log1p_int, _max_subarray, _window_seq_sum

    for size in (51, 7, 300, 51):
        table = _log1p_int(size)
        assert table.tobytes() == np.array([math.log1p(v) for v in range(size)]).tobytes()
        assert not table.flags.writeable
    pages = 0
    for texts, stop, _ in _real_pages():
        page = Page(list(range(len(texts))), _per_line(texts, stop), texts, stop)
        words_l, good_l = page.words.tolist(), page.good.tolist()
        assert page.log1p_int.tobytes() == np.array([math.log1p(v) for v in range(max(page.n, 50) + 1)]).tobytes()
        span = _max_subarray([w if g else -(2.0 + 0.5 * min(w, 20)) for w, g in zip(words_l, good_l)])
        assert page.main_words == (sum(words_l[span[0]:span[1] + 1]) if span else 0.0)
        sd_ok = ~np.isnan(page.stopd)
        logw = np.array([math.log1p(w) for w in words_l])
        plain = _window_seq_sum(np.column_stack([logw, np.where(sd_ok, page.stopd, 0.0)]), 5).T[0]
        assert page.logw_sum.tobytes() == plain.tobytes()
        pages += 1
    assert pages >= 16
