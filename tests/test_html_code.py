"""HTML mode, the rules after trafilatura (pipeline/html_lines.py): the lines of its code
blocks stay (`keep.html_code`) however often they repeat, prose paragraphs a chrome
phrase matched stay (`keep.html_prose`), and a footer marker opens the footer only when
less prose follows it than precedes it (docs/comments-and-html.md)."""
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


# The social prompt rule as it was before the eighth round: two networks named anywhere
# in a line of up to 40 words (it matched the sentences of an article about Facebook).
NETWORKS = "(?:facebook|twitter|linkedin|youtube|instagram|whatsapp|telegram|pinterest|reddit|tiktok|threads)"
BROAD_RULE = f"""[[rules]]
id = "broad_social"
reason = "two social networks named on a line"
regex = ['(?i){NETWORKS}\\b.*\\b{NETWORKS}\\b']
max_words = 40
"""


def test_prose_paragraphs_a_chrome_phrase_matched_are_kept_on_html(engine, tmp_path):
    import dataclasses

    from pipeline.options import Options
    from pipeline.process import Engine

    gold = _lines((DATA / "readability-aclu.gold.txt").read_text("utf-8"))
    rules = tmp_path / "broad.toml"
    rules.write_text(BROAD_RULE, "utf-8")
    broad = Engine.load(dataclasses.replace(Options(doc_time_limit=0), rules=(str(rules),)))
    _, result = _clean("readability-aclu", broad)
    prose = [d for d in result.kept if d.rule == "keep.html_prose"]
    assert len(prose) >= 3
    assert all("lexicon.broad_social" in d.reason and gold[norm_line(d.text)] for d in prose)
    # The heading the phrases match is not a prose paragraph: it is still removed (by the
    # shipped social prompt rule, read before a user's rules).
    assert any(d.rule in ("lexicon.social_prompt", "lexicon.broad_social") and "Facebook" in d.text
               for d in result.removed)
    # The shipped lexicon no longer matches those sentences: they are plain body.
    _, shipped = _clean("readability-aclu", engine)
    kept = {d.text for d in shipped.kept}
    assert all(d.text in kept for d in prose)
    assert not [d for d in shipped.kept if d.rule == "keep.html_prose"]


LIBRARY = [
    "The council voted on Monday to close the old library on Elm Street and to move its books to the new school building across the river.",
    "Residents who spoke at the meeting said they had not been told of the plan until last week, and several asked for a second vote in the spring.",
    "The mayor said the building needs a new roof that the town cannot pay for, and that the school has room for the books and the reading groups.",
    "A group of parents has started a petition to keep the library open at least on Saturdays, when the school is closed to the public anyway.",
    "The council will hear the petition at its next meeting, which is set for the first Monday of next month in the town hall.",
]


def _library_page(marker_after: int) -> bytes:
    body = ("".join(f"<p>{p}</p>" for p in LIBRARY[:marker_after]) + "<h3>Stay connected</h3>"
            + "".join(f"<p>{p}</p>" for p in LIBRARY[marker_after:]))
    return (f"<html><head><title>Library</title></head><body><article><h1>Council closes library</h1>"
            f"{body}</article></body></html>").encode()


def test_html_footer_opens_only_with_less_prose_after_its_marker(engine):
    early = clean_bytes(_library_page(1), "library.html", engine)
    assert not [d for d in early.removed if d.rule == "position.footer"]
    assert all(p in early.body for p in LIBRARY)  # most of the article follows the marker
    late = clean_bytes(_library_page(4), "library.html", engine)
    assert [d.text for d in late.removed if d.rule == "position.footer"] == LIBRARY[4:]
