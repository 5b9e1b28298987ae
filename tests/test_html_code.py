"""HTML mode: the lines of trafilatura's code blocks stay (`keep.html_code`), however
often they repeat (docs/comments-and-html.md)."""
import gzip
import re
from collections import Counter
from pathlib import Path

from pipeline.evaluate import norm_line
from pipeline.process import clean_bytes

DATA = Path(__file__).parent / "data" / "html_code"


def _clean(page_id: str, engine):
    markup = gzip.decompress((DATA / f"{page_id}.html.gz").read_bytes())
    return markup, clean_bytes(markup, f"{page_id}.html", engine)


def _lines(text: str) -> Counter:
    """The text's lines that hold a word, as the scorer compares them."""
    return Counter(n for n in map(norm_line, text.split("\n")) if re.search(r"\w", n))


def test_repeated_code_lines_are_kept_under_their_rule(engine):
    _, result = _clean("readability-mercurial", engine)
    gold = _lines((DATA / "readability-mercurial.gold.txt").read_text("utf-8"))
    body = _lines(result.body)
    repeated = ["0 files updated, 0 files merged, 0 files removed, 0 files unresolved",
                "added 1 changesets with 1 changes to 1 files"]
    for line in repeated:
        assert gold[norm_line(line)] >= 2, line  # the gold keeps every copy
        assert body[norm_line(line)] == gold[norm_line(line)], line
    code_kept = [d for d in result.kept if d.rule == "keep.html_code"]
    assert {d.text for d in code_kept} >= set(repeated)
    assert all("was dup." in d.reason for d in code_kept if d.text in repeated)
    # No gold line of the page's code is lost to a duplicate rule any more.
    lost = [d for d in result.removed if d.rule.startswith("dup.") and gold[norm_line(d.text)]]
    assert not lost


def test_repeated_prose_outside_code_is_still_removed(engine):
    para = ("The committee met again on Tuesday and agreed that the new bridge will open to "
            "traffic in the spring, after two years of delays and a budget that doubled.")
    log = "added 1 changesets with 1 changes to 1 files"
    markup = ("<html><head><title>Bridge</title></head><body><article><h1>Bridge opens in spring</h1>"
              f"<p>{para}</p><p>The mayor said the delays were caused by the floods of last winter, "
              "which damaged the foundations of the eastern pier and halted the work.</p>"
              f"<pre><code>$ hg pull\n{log}\n$ hg pull\n{log}\n</code></pre>"
              f"<p>{para}</p></article></body></html>").encode()
    result = clean_bytes(markup, "bridge.html", engine)
    copies = [d for d in result.decisions if d.text == para]
    assert [d.keep for d in copies] == [True, False] and copies[1].rule == "dup.exact"
    logs = [d for d in result.decisions if d.text == log]
    assert len(logs) == 2 and all(d.keep for d in logs)


def test_prose_paragraphs_a_chrome_phrase_matched_are_kept_on_html(engine):
    _, result = _clean("readability-aclu", engine)
    gold = _lines((DATA / "readability-aclu.gold.txt").read_text("utf-8"))
    prose = [d for d in result.kept if d.rule == "keep.html_prose"]
    assert len(prose) >= 3
    assert all("lexicon.social_prompt" in d.reason and gold[norm_line(d.text)] for d in prose)
    # The heading the phrase matched is not a prose paragraph: the rule still removes it.
    assert any(d.rule == "lexicon.social_prompt" for d in result.removed)
