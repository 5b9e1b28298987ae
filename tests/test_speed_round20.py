"""The twentieth speed round's C piece (pipeline/linemodel/_shape.c): Lexicon.match_line
as `_shape.LexiconMatcher`, against the Python method it stands in for, on every real
line and on random and adversarial lines and lexicons (issue 15)."""
import pickle
import subprocess
import sys

import pytest

from pipeline import lexicon as lexicon_module
from pipeline.comments import load_phrases
from pipeline.lexicon import Lexicon, LineForms, _PyLineForms, rule_running

from conftest import SEEDS, distinct_lines, random_strings, text_pages

kernel = pytest.importorskip("pipeline._shape")

_ALPHABET = ["a", "B", " ", "  ", "\t", ".", ":", "-", "–", "»", "•", "'", "“", "(", "#", "1", "٣", "é", "É",
             "ß", "İ", "ı", "ſ", "K", "ь", "Ж", "中", "文", "\U0001F600", "\u00a0", "_", "x",
             "more", "read", "Read ", "also", "share", "Share ", "photo", "Foto", "by ", "By ", "min ", "ago",
             "Advertisement", "Anzeige", "comments", "Reply", "2024", "12:30", "Jan", "©", "http://", ".com"]


def _python_match(lex: Lexicon, forms):
    return Lexicon.match_line(lex, forms)  # the method, not the instance's C matcher


def _lexicons() -> list[Lexicon]:
    lex, phrases = Lexicon.load(), load_phrases()
    return [lex, *phrases._kinds.values(), phrases._any]


@pytest.fixture(scope="module")
def lines():
    return distinct_lines(text_pages()) + random_strings(_ALPHABET, 4000, 20, longest=12)


def _is_kernel(lex: Lexicon) -> bool:
    return type(lex.__dict__.get("match_line")) is kernel.LexiconMatcher


def test_every_shipped_lexicon_matches_in_c_as_the_python_does(lines):
    """The shipped lexicon, each comment kind's and the kinds' `_any` use the C matcher;
    its answer is the Python method's very object (comments._kind_of reads its identity)
    on every real line (raw and stripped) and 4,000 random ones, given the C LineForms or
    the Python class."""
    lexicons = _lexicons()
    assert all(map(_is_kernel, lexicons))
    matched = 0
    for line in lines:
        for lex in lexicons:
            fast = lex.match_line(LineForms(line))
            assert fast is _python_match(lex, LineForms(line)), repr(line)
            assert lex.match_line(_PyLineForms(line)) is fast, repr(line)
            matched += fast is not None
    assert len(lines) > 15_000 and matched > 1_000


def _first_rule(lex: Lexicon, line: str):
    """The reference: the first rule, in order, that LexiconRule.matches says the line is
    (each regex searched, no literals, no tables)."""
    forms = _PyLineForms(line)
    for rule, found in zip(lex.rules, lex._found):
        if rule.matches(line, forms.folded, forms.words, forms.spaced):
            return found
    return None


def test_the_c_matcher_equals_each_rule_tried_in_turn(lines):
    """Against a reading without literals or tables (each rule's own `matches`, in order),
    so a rule of several regexes searched only in those whose literals the line holds
    (`parts`) is checked too: every real line and the random ones, every shipped lexicon."""
    lexicons = _lexicons()
    assert any(check[5] is not None for lex in lexicons for check in lex._checks)
    for line in lines[::2]:
        for lex in lexicons:
            assert lex.match_line(LineForms(line)) is _first_rule(lex, line), repr(line)


def test_a_rule_s_regexes_are_searched_only_where_the_line_holds_their_literals():
    """The parts of a check: a regex whose bit the candidates lack is not searched; the
    rule matches when any searched regex finds the line."""
    called = []

    def part(name, answer):
        def search(line):
            called.append(name)
            return answer
        return search

    check = (0, None, part("whole", True), 0b111, "m", ((0b001, part("a", None)), (0b010, part("b", "hit")),
                                                        (0b100, part("c", None))))

    class Forms:  # any object with LineForms' attributes
        line = spaced = folded = "x"
        words = 1

        def __init__(self, candidates):
            self.mask = candidates

        def candidates(self, literals):
            return self.mask

    matcher = kernel.LexiconMatcher({}, None, None, (), (None,), ("m",), 0, None, object(), (check,))
    assert matcher(Forms(0b101)) is None and called == ["a", "c"]
    called.clear()
    assert matcher(Forms(0b110)) == "m" and called == ["b"]
    called.clear()
    assert matcher(Forms(0b1000)) is None and called == []


def test_forms_shared_between_lexicons_give_the_same_answers(lines):
    """One LineForms asked of several lexicons in turn (classify's, then the comment
    kinds', as a page's new line is): its kept candidates change no answer."""
    lexicons = _lexicons()
    for line in lines[::3]:
        shared = LineForms(line)
        for lex in lexicons + lexicons[::-1]:
            assert lex.match_line(shared) is _python_match(lex, LineForms(line)), repr(line)


_RULES = '''
[[rules]]
id = "exact_late"
reason = "r1"
regex = ["(?i)\\\\bnews(letter)?\\\\b", "^\\\\d+ comments?$"]
max_words = 4

[[rules]]
id = "prefix_short"
reason = "r2"
prefix = ["Read more", "More:", "also read"]
max_words = 3

[[rules]]
id = "exact_any"
reason = "r3"
exact = ["read more", "share", "advertisement"]

[[rules]]
id = "prefix_any"
reason = "r4"
prefix = ["Read", "share this", "中文"]
regex = ["(a+)b", "x$"]

[[rules]]
id = "no_literals"
reason = "r5"
regex = ["^.{1,3}$", "\\\\d"]
max_words = 2

[[rules]]
id = "late_exact"
reason = "r6"
exact = ["share", "read more", "ok"]
max_words = 1
starts_footer = true
'''

_SITES = '''
[[sites]]
host = "example.com"
[[sites.rules]]
id = "site_only"
reason = "r7"
exact = ["ok"]
regex = ["(?i)subscribe"]
'''


def test_made_up_lexicons_word_limits_prefixes_and_order(tmp_path, lines):
    """Lexicons made for the corners: exact phrases and prefixes of several rules for one
    line, word limits on each kind, regexes without literals (every line a candidate),
    a site's rules before the rest; answers equal the Python's on every line."""
    rules = tmp_path / "made.toml"
    rules.write_text(_RULES, "utf-8")
    sites = tmp_path / "sites.toml"
    sites.write_text(_SITES, "utf-8")
    base = Lexicon.load((rules, sites))
    site = base.for_site("example.com", None)
    alone = Lexicon([r for r in base.rules if r.source == str(rules)])
    assert site is not base and all(map(_is_kernel, (base, site, alone)))
    extra = ["read more", "Read more about it", "Read more: a b c d", "More: x", "share", "Share this now", "ok",
             "OK", "ok ok", "aab", "news", "Newsletter signup here now", "12 comments", "1 comment", "x", "xy x",
             "中文 文章", "", " ", "subscribe", "a 1", "1", "Advertisement", "also read: this"]
    found = set()
    for line in lines[::2] + extra:
        for lex in (base, site, alone):
            fast = lex.match_line(LineForms(line))
            assert fast is _python_match(lex, LineForms(line)), repr(line)
            assert fast is _first_rule(lex, line), repr(line)
            found.add(fast and fast.rule)
    assert {"lexicon.exact_late", "lexicon.prefix_short", "lexicon.exact_any", "lexicon.prefix_any",
            "lexicon.no_literals", "site.site_only"} <= found


def test_masks_wider_than_64_bits_keep_the_python(tmp_path):
    """A lexicon of more than 64 regexes (masks the kernel cannot hold): match_line stays
    the Python method, with the same answers."""
    rules = tmp_path / "many.toml"
    rules.write_text("".join(f'[[rules]]\nid = "r{k}"\nreason = "x"\nregex = ["word{k}x"]\n\n' for k in range(70)),
                     "utf-8")
    lex = Lexicon.load((rules,))
    assert not _is_kernel(lex)
    assert lex.match_line(LineForms("a word69x b")).rule == "lexicon.r69"


def test_running_rule_names_the_rule_while_its_search_runs():
    """While a search the C matcher called runs, running_rule() (and so rule_running, what
    a time limit's handler reads) is that rule's match; before and after, None."""
    seen = []
    marks = ("first", "second")

    def search(line):
        seen.append((kernel.running_rule(), rule_running(None)))
        return None if line == "no" else line

    matcher = kernel.LexiconMatcher({}, None, None, (), (None, None), marks, 0, None, None,
                                    ((0, None, search, -1, marks[0], None), (1, None, search, -1, marks[1], None)))
    assert kernel.running_rule() is None
    assert matcher(LineForms("yes")) == "first" and seen == [("first", "first")]
    seen.clear()
    assert matcher(LineForms("no")) is None and seen == [("first", "first"), ("second", "second")]
    assert kernel.running_rule() is None and rule_running(None) is None

    def failing(line):
        raise RuntimeError("a search that fails")

    broken = kernel.LexiconMatcher({}, None, None, (), (None,), marks[:1], 0, None, None,
                                   ((0, None, failing, -1, marks[0], None),))
    with pytest.raises(RuntimeError):
        broken(LineForms("x"))
    assert kernel.running_rule() is None


def test_the_matcher_refuses_tables_it_cannot_hold_and_pickles():
    """Tables the matcher refuses (the Lexicon then keeps the Python method): a mask past 64
    bits, a negative limit, a rule index out of range, a non-tuple; made again from its
    tables when pickled."""
    ok = ({}, None, None, (), (None,), ("m",), 0, None, None, ((0, None, str, 1, "m", None),))
    kernel.LexiconMatcher(*ok)
    for position, bad in ((9, ((0, None, str, 1 << 64, "m", None),)), (9, ((0, None, str, -2, "m", None),)),
                          (9, ((0, -1, str, 1, "m", None),)), (4, (-3,)), (3, ((5, str),)),
                          (9, [(0, None, str, 1, "m", None)]), (9, ((0, None, str, 1, "m"),)),
                          (9, ((0, None, str, 1, "m", ()),)), (9, ((0, None, str, 1, "m", ((1 << 64, str),)),)),
                          (9, ((0, None, str, 1, "m", ((1,),)),))):
        args = list(ok)
        args[position] = bad
        with pytest.raises((TypeError, ValueError, OverflowError, IndexError)):
            kernel.LexiconMatcher(*args)
    lex = Lexicon.load()
    again = pickle.loads(pickle.dumps(lex.match_line))
    for line in ("Advertisement", "Read more", "Share this article", "A plain sentence of prose here."):
        assert again(LineForms(line)) == lex.match_line(LineForms(line))


def test_without_the_kernel_match_line_is_the_python_method():
    """Without the kernel (a build with no C compiler), a Lexicon's match_line is the
    method, and rule_running reads frames alone."""
    code = ("import sys; sys.modules['pipeline._shape'] = None\n"
            "from pipeline import lexicon\n"
            "lex = lexicon.Lexicon.load()\n"
            "assert 'match_line' not in lex.__dict__ and lexicon._kernel_running_rule is None\n"
            "assert lex.match(' Advertisement ').rule.startswith('lexicon.')\n"
            "assert lexicon.rule_running(None) is None\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(SEEDS.parent))


def test_the_kernel_matcher_is_the_class_the_module_names():
    assert lexicon_module._KernelMatcher is kernel.LexiconMatcher

