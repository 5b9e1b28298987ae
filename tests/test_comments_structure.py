"""A comment section told by structure alone (`comments.structure`): real pages with
comments (tests/data/comments) written word for word in another language by
training/cipher.py, so that no phrase of the comment lexicon ("12 Comments", "Reply")
is left on them, as on a page in a language the lexicon lacks."""
import sys
from collections import Counter

import pytest

from conftest import DATA, ROOT, SEEDS, seed_ids
from pipeline.comments import _AGE, RULE, UNWORDED_RULE, find_sections
from pipeline.normalise import normalise_lines
from pipeline.process import clean_bytes

sys.path.insert(0, str(ROOT / "training"))
from cipher import Cipher, _WORD  # noqa: E402

PAGES = DATA / "comments"


def _ciphered(text: str, target: str) -> str:
    cipher = Cipher(target, Counter(w.lower() for w in _WORD.findall(text)))
    return "\n".join(map(cipher.line, text.split("\n")))


def _page(page_id: str) -> str:
    return (PAGES / "text" / f"{page_id}.txt").read_text("utf-8")


def _sections(text: str):
    return find_sections(normalise_lines(text))


@pytest.mark.parametrize("target", ["latn", "arab"])
@pytest.mark.parametrize("page_id, told_by", [
    ("wcxb-dev-4449", "the short line"),  # "Reply" under each of 32 comments, ciphered
    ("sh-232a43fb15abde80", "the short line"),  # "Rating: 36 Votes" at each head, its count masked
    ("wcxb-dev-0363", "the count"),  # "124 Reader Comments"; heads "Hans says:" without the lexicon's "says"
])
def test_a_ciphered_comment_section_is_found_without_its_words(page_id, told_by, target):
    english = _sections(_page(page_id))
    assert english and not any(s.unworded for s in english)  # English: the phrases tell it
    found = _sections(_ciphered(_page(page_id), target))
    assert len(found) == 1 and found[0].unworded.startswith(told_by)
    # the comments of the worded reading, over its lines but for the ends: no header line
    # above the first head, and the last comment's end read by its length (where the
    # worded reading stops at "[ Read All Comments ]", or reads a dateless pingback after it)
    assert len(found[0].comments) >= len(english[0].comments) - 1
    assert english[0].first <= found[0].first <= english[0].first + 5
    assert found[0].last <= english[0].last + 10
    shared = min(found[0].last, english[0].last) - found[0].first
    assert shared >= 0.85 * (english[0].last - english[0].first)


def test_the_ciphered_section_is_removed_under_its_own_rule_and_kept_as_comments():
    text = _ciphered(_page("wcxb-dev-4449"), "latn")
    result = clean_bytes(text.encode("utf-8"), "wcxb-dev-4449.txt")
    section = _sections(text)[0]
    rules = Counter(r["rule"] for r in result.metadata["removed"] if section.first <= r["line"] <= section.last)
    assert rules[UNWORDED_RULE] >= 0.9 * sum(rules.values())
    assert not rules[RULE]
    reason = next(r["reason"] for r in result.metadata["removed"] if r["rule"] == UNWORDED_RULE)
    assert "no worded header or action" in reason
    assert len(result.metadata["comments"]) >= 30
    lines = normalise_lines(text)
    kept_lines = {lines[n - 1] for n in result.metadata["lines_kept"]}
    assert not any(section.first <= n <= section.last for n in result.metadata["lines_kept"]), kept_lines


def test_without_the_repeated_line_the_dated_chain_is_no_section():
    # The ciphered page less its per-comment line ("Reply"): heads, names and text are
    # still there, but nothing tells them from a dated list any more.
    text = _ciphered(_page("wcxb-dev-4449"), "latn")
    counts = Counter(line.strip() for line in text.split("\n") if line.strip())
    reply = next(line for line, n in counts.most_common() if n >= 30 and len(line.split()) == 1)
    assert _sections(text)
    assert not _sections("\n".join(line for line in text.split("\n") if line.strip() != reply))


@pytest.mark.parametrize("target", ["latn", "arab"])
def test_ages_without_the_lexicons_ago_date_the_heads(target):
    # wpDiscuz: "6 months ago" / "1 year ago" the only date of each head; ciphered, no
    # phrase reads them as ages, the number and two words over 30 heads do
    text = (DATA / "comments_unworded" / "text" / "wcxb-dev-4656.txt").read_text("utf-8")
    english = _sections(text)
    assert english and not any(s.unworded for s in english)
    ciphered = _ciphered(text, target)
    found = _sections(ciphered)
    assert len(found) == 1 and found[0].unworded and len(found[0].comments) >= 25
    assert english[0].first <= found[0].first and found[0].last <= english[0].last + 10
    # the ages are the evidence of a date: without them the chain is gone
    lines = ciphered.split("\n")
    ages = {lines[n - 1] for n in range(found[0].first, found[0].last + 1)
            if _AGE.fullmatch(lines[n - 1].strip() or "-")}
    assert len(ages) >= 3
    assert not _sections("\n".join(line for line in lines if line not in ages))


@pytest.mark.parametrize("target", ["latn", "arab"])
@pytest.mark.parametrize("page_id", ["wcxb-dev-0495", "fundus-fr-LeFigaro-20241122"])
def test_pages_without_reader_comments_get_none_when_ciphered(page_id, target):
    assert not any(s.unworded for s in _sections(_ciphered(_page(page_id), target)))


@pytest.mark.parametrize("seed_id", seed_ids())
def test_the_seeds_ciphered_hold_no_unworded_section(seed_id):
    text = (SEEDS / f"{seed_id}.txt").read_text("utf-8")
    for target in ("latn", "arab"):
        assert not any(s.unworded for s in _sections(_ciphered(text, target)))
