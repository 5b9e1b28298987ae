"""Reader-comment sections: removed under comments.section, kept in the metadata.

Real dev pages with comment sections (tests/data/comments, gold bodies without the
comments), as text dumps and as HTML."""
import gzip
import json

import pytest

from conftest import DATA, ROOT
from pipeline.comments import RULE, find_sections, html_lines
from pipeline.document import Status
from pipeline.evaluate import score_page
from pipeline.process import clean_bytes

PAGES = DATA / "comments"
# page id -> (comments the page shows, one of them as the page gives it)
WITH_COMMENTS = {
    "wcxb-dev-4449": (32, {"author": "Sheri", "date": "July 31, 2018 at 2:41 pm"}),
    "fundus-de-NetzpolitikOrg-20240428": (12, {"author": "Philipp", "date": "28. April 2024 um 12:34 Uhr"}),
    "sh-232a43fb15abde80": (9, {"author": "Woyzeck", "date": "2 days ago at 07:52 am"}),
    # Blogger: "Replies" between the "ReplyDelete" and "Reply" buttons is no new section
    "wcxb-dev-4456": (10, {"author": "Innov8iv", "date": "May 27, 2011 at 5:45 PM"}),
}


def _text(page_id: str) -> bytes:
    return (PAGES / "text" / f"{page_id}.txt").read_bytes()


def _html(page_id: str) -> bytes:
    return gzip.decompress((PAGES / "html" / f"{page_id}.html.gz").read_bytes())


def _gold(page_id: str) -> str:
    return (PAGES / "gold" / f"{page_id}.txt").read_text("utf-8")


def _same(found: dict, expected: dict) -> bool:
    return all(" ".join(found.get(k, "").split()) == v for k, v in expected.items())


def _text_dump_comments(page_id: str, count: int, engine) -> list[dict]:
    """The page's text dump cleaned: its `count` comments in the metadata, each with an
    author and text, every line of them out of the body and in the ledger under the rule,
    no gold line under it. Returns the comments."""
    result = clean_bytes(_text(page_id), f"{page_id}.txt", engine)
    assert result.status is Status.CLEANED
    comments = result.metadata["comments"]
    assert len(comments) == count, comments[:3]
    assert all(c.get("author") and c.get("text") for c in comments)
    removed = {d.text.strip() for d in result.removed if d.rule == RULE}
    kept = {d.text.strip() for d in result.kept}
    for comment in comments:
        for line in comment["text"].split("\n"):
            assert line.strip() in removed and line.strip() not in kept
    assert result.metadata["rules"][RULE] == len([d for d in result.removed if d.rule == RULE])
    assert "reader comment section" in next(d.reason for d in result.removed if d.rule == RULE)
    gold_lines = {l.strip() for l in _gold(page_id).split("\n") if len(l.split()) >= 3}
    assert not [d.text for d in result.removed if d.rule == RULE and d.text.strip() in gold_lines]
    return comments


@pytest.mark.parametrize("page_id", sorted(WITH_COMMENTS))
def test_text_dump_comment_section_is_removed_and_kept_in_metadata(page_id, engine):
    count, example = WITH_COMMENTS[page_id]
    comments = _text_dump_comments(page_id, count, engine)
    assert any(_same(c, example) for c in comments), comments[:3]


@pytest.mark.parametrize("page_id", sorted(WITH_COMMENTS))
def test_html_comments_are_in_metadata_and_not_in_body(page_id, engine):
    count, example = WITH_COMMENTS[page_id]
    result = clean_bytes(_html(page_id), f"{page_id}.html", engine)
    assert result.status is Status.CLEANED
    comments = result.metadata["comments"]
    assert abs(len(comments) - count) <= 1  # the HTML may show a comment the dump lost, or the reverse
    assert any(_same(c, example) for c in comments), comments[:3]
    body_lines = {" ".join(l.split()) for l in result.body.split("\n") if l.strip()}
    for comment in comments:
        for line in comment.get("text", "").split("\n"):
            if len(line.split()) >= 4:
                assert " ".join(line.split()) not in body_lines
    assert score_page(page_id, "", result.body, _gold(page_id)).tok_f1 > 0.8


# Text dumps of blogging platforms' comment layouts: page -> (comments, the first as the page gives it)
PLATFORMS = {
    "wcxb-dev-0420": (2, {"author": "Doug Clow", "date": "8d"}),  # Substack, ages
    "wcxb-dev-0472": (2, {"author": "Deepak VD", "date": "Oct 7"}),  # Substack, a short date
    "wcxb-dev-0363": (22, {"author": "Hans", "date": "October 17, 2008 at 11:22 am"}),  # WordPress, "124 Reader Comments"
    # Movable Type: each comment signed under its text, "Posted by: John at December 18, 2025 05:48 PM"
    "wcxb-dev-0452": (6, {"author": "John", "date": "December 18, 2025 05:48 PM"}),
    # Slashcode: "by NAME ( USER ID ) on DATE (#COMMENT ID) Homepage"; three dated threads
    "wcxb-dev-0396": (9, {"author": "ozmartian", "date": "Friday December 19, 2025 @08:08PM"}),
}


@pytest.mark.parametrize("page_id", sorted(PLATFORMS))
def test_platform_comment_layouts_in_text_dumps(page_id, engine):
    count, first = PLATFORMS[page_id]
    comments = _text_dump_comments(page_id, count, engine)
    assert _same(comments[0], first), comments[:2]


def test_chinese_blog_comments_numbered_with_replies_in_a_text_dump(engine):
    """pixnet's layout: "留言列表 (42)", then heads "#1 NAME 於 DATE" (the comment's number
    before the name, a joining word before the date) and the blogger's replies as "NAME
    於 DATE 回覆" (the action on the stamp's own line); Chinese lines have no spaces, so
    their length is read in characters."""
    page_id = "readability-pixnet"
    result = clean_bytes(_text(page_id), f"{page_id}.txt", engine)
    assert result.status is Status.CLEANED
    comments = result.metadata["comments"]
    assert {"author": "小鳳", "date": "2013/12/28 10:28", "text": "露營兼賞楓，好棒的生活\n謝謝小鳳的來訪！"} in comments
    assert sum(c["author"] == "史蒂文的家_藍天" for c in comments) >= 20  # the blogger's replies
    assert len(comments) >= 42
    removed = {d.text.strip(): d.rule for d in result.removed}
    assert removed["留言列表 (42)"] == RULE and removed["#1 小鳳 於 2013/12/28 10:28"] == RULE
    assert "露營兼賞楓，好棒的生活" not in result.body and "留言列表" not in result.body
    gold_lines = {l.strip() for l in _gold(page_id).split("\n") if l.strip()}
    assert not [d.text for d in result.removed if d.rule == RULE and d.text.strip() in gold_lines]


def test_a_page_that_speaks_of_comments_loses_nothing_to_the_rule(engine):
    """The article mentions 'the comments on my blog posts' but the page has no section."""
    for data, name in ((_text("wcxb-dev-0495"), "p.txt"), (_html("wcxb-dev-0495"), "p.html")):
        result = clean_bytes(data, name, engine)
        assert result.status is Status.CLEANED
        assert "comments" not in result.metadata
        assert RULE not in result.metadata["rules"]


def test_dated_teasers_and_live_entries_are_not_comments():
    """Repeated name/date/text blocks without a comment header and without per-comment
    actions are left alone: a list of dated teasers, a live blog's entries."""
    article = ["This is the article's first paragraph, long enough to read as the body of the page."]
    teasers = []
    for n in range(4):
        teasers += ["Jane Roe", f"March {n + 3}, 2025", "", f"Another story about the budget vote number {n}.", ""]
    assert find_sections(article + [""] + teasers) == []
    # The same blocks under a comment header, each with a Reply line, are a section.
    blocks = []
    for n in range(4):
        blocks += ["Jane Roe", f"March {n + 3}, 2025", "", f"I liked point {n} of this article a lot.", "", "Reply"]
    sections = find_sections(article + ["", "4 Comments"] + blocks)
    assert len(sections) == 1 and len(sections[0].comments) == 4
    assert sections[0].header == (3, "4 Comments")
    assert sections[0].comments[0] == {"author": "Jane Roe", "date": "March 3, 2025",
                                       "text": "I liked point 0 of this article a lot."}


ARTICLE = ["This is the article's first paragraph, long enough to read as the body of the page, and it ends here.", ""]
# The layouts of common comment systems as a text dump gives them (no dev page has them).
LAYOUTS = {
    "action bar (Disqus)": (["12 Comments", "Sort by Best",
                             "Jane Doe • 2 years ago", "I think this is a great point about the budget.", "Reply • Share ›",
                             "John Smith • 2 years ago", "No it isn't, the numbers are wrong.", "Reply • Share ›",
                             "Mary Major • 3 years ago", "Thanks for writing this up.", "Reply • Share ›"],
                            3, {"author": "Jane Doe", "date": "2 years ago"}),
    "dated in the action bar (Facebook's plugin)": (["3 Comments", "Sort by", "Oldest",
                                                     "Jane Doe", "I think this is a great point about the budget.",
                                                     "Like · Reply · 3y",
                                                     "John Smith", "No it isn't, the numbers are wrong.", "Like · Reply · 2y",
                                                     "Mary Major", "Thanks for writing this up.", "Like · Reply · 1w"],
                                                    3, {"author": "Jane Doe", "date": "3y"}),
    "name said... (Blogger)": (["5 comments:",
                                "Anonymous said...", "I think this is a great point about the budget.",
                                "March 3, 2020 at 10:28 AM",
                                "John Smith said...", "No it isn't, the numbers are wrong.", "March 4, 2020 at 11:02 PM",
                                "Mary said...", "Thanks for writing this up.", "March 5, 2020 at 9:00 AM",
                                "Post a Comment"],
                               3, {"author": "Anonymous"}),
    "hr. ago, no header": (["jane_doe · 5 hr. ago", "I think this is a great point about the budget.", "Reply",
                            "john_smith · 4 hr. ago", "No it isn't, the numbers are wrong.", "Reply",
                            "mary · 2 hr. ago", "Thanks for writing this up.", "Reply"],
                           3, {"author": "jane_doe", "date": "5 hr. ago"}),
    "short dates (Medium's responses)": (["Responses (3)",
                                          "Jane Doe", "Mar 5", "I think this is a great point about the budget.", "Reply",
                                          "John Smith", "Mar 6", "No it isn't, the numbers are wrong.", "Reply",
                                          "Mary Major", "Apr 1", "Thanks for writing this up.", "Reply"],
                                         3, {"author": "Jane Doe", "date": "Mar 5"}),
    "initials": (["Comments (3)",
                  "Jane D.", "03/12/2024 10:15", "I think this is a great point about the budget.", "Report abuse",
                  "John S.", "03/12/2024 11:15", "No it isn't, the numbers are wrong.", "Report abuse",
                  "Mary M.", "03/12/2024 12:15", "Thanks for writing this up.", "Report abuse"],
                 3, {"author": "Jane D.", "date": "03/12/2024 10:15"}),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_layouts_of_common_comment_systems(layout):
    block, count, first = LAYOUTS[layout]
    sections = find_sections(ARTICLE + block)
    assert len(sections) == 1 and len(sections[0].comments) == count
    assert sections[0].first == len(ARTICLE) + 1 and sections[0].last >= len(ARTICLE) + len(block) - 1
    assert all(sections[0].comments[0].get(k) == v for k, v in first.items()), sections[0].comments[0]
    # The same lines without their comment phrases (no header, no action, no stamp) are
    # no section: the structure decides, not a phrase alone.
    assert find_sections(ARTICLE + [l for l in block if len(l.split()) >= 4 and not any(c.isdigit() for c in l)]) == []


def test_an_article_line_ending_in_said_is_no_comment_head():
    """'that said...' in an essay (readability-table-style-attributes) reads as a
    'NAME said...' line, but one such line is no comment section."""
    lines = (PAGES / "text" / "readability-table-style-attributes.txt").read_text("utf-8").split("\n")
    assert "that said..." in lines
    assert find_sections(lines) == []


def test_comment_phrases_are_data_in_several_languages():
    from pipeline.comments import load_phrases

    phrases = load_phrases()
    for header in ("36 Comments", "Kommentare (3)", "12 commentaires", "Comentarios", "Commenti", "Reacties",
                   "Комментарии", "[ 167 comments ]"):
        assert phrases.kind("header", header), header
    for header in ("15 Replies to “Open-sourcing CORE One CAD Files”", "6 thoughts on “Budget vote”", "One Reply to “X”"):
        assert phrases.kind("header", header), header
    for header in ("留言列表 (42)", "42則留言", "댓글 3", "12 Komentar", "Bình luận (3)", "تعليقات (3)", "Σχόλια (4)"):
        assert phrases.kind("header", header), header
    for action in ("Reply", "Antworten", "Répondre", "Responder", "Report abuse", "回覆", "返信", "Balas", "Trả lời", "Vastaa"):
        assert phrases.kind("action", action), action
    for stamp in ("2 days ago", "vor 3 Tagen", "il y a 2 jours", "hace 5 días", "5 hr. ago", "2 hari yang lalu",
                  "3 ngày trước", "5 gün önce", "2 dni temu"):
        assert phrases.kind("relative_time", stamp), stamp
    assert (ROOT / "pipeline" / "data" / "lexicon" / "comments" / "comments.toml").is_file()


def test_html_lines_follow_blocks():
    lines = html_lines("<html><head><title>t</title><script>x=1</script></head><body><div>One <b>two</b></div>"
                       "<p>Three</p>four<ul><li>five</li></ul></body></html>")
    assert lines == ["One two", "Three", "four", "five"]
    # Deep nesting (a hostile page) neither recurses nor raises.
    html_lines("<html><body>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</body></html>")
    assert html_lines("") == []


def test_eval_baseline_is_trafilatura_without_comments(tmp_path):
    """`pipeline eval --trafilatura` scores trafilatura with include_comments=False and
    says so."""
    import trafilatura

    from pipeline.evaluate_run import TRAFILATURA_BASELINE, evaluate

    assert TRAFILATURA_BASELINE["include_comments"] is False
    report = evaluate([str(PAGES / "html" / "wcxb-dev-4449.html.gz")], PAGES / "gold", tmp_path, with_trafilatura=True)
    assert "include_comments=False" in report.baseline and trafilatura.__version__ in report.baseline
    baseline_text = (tmp_path / "trafilatura" / "wcxb-dev-4449.txt").read_text("utf-8")
    with_comments = trafilatura.extract(_html("wcxb-dev-4449"), include_comments=True, deduplicate=False)
    assert "Thanks for sharing at To Grandma" in with_comments
    assert "Thanks for sharing at To Grandma" not in baseline_text
    rows = [json.loads(l) for l in (tmp_path / "scores-trafilatura.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["wcxb-dev-4449"]


def test_eval_scores_its_own_inputs_in_a_used_folder(tmp_path):
    """Evaluating the text dumps into the folder of an earlier evaluation of the same
    pages' HTML scores the text dumps (the earlier pages, under the same ids, used to be
    scored instead)."""
    from pipeline.evaluate_run import evaluate

    page = "fundus-de-NetzpolitikOrg-20240428"
    html = evaluate([str(PAGES / "html" / f"{page}.html.gz")], PAGES / "gold", tmp_path / "used")
    text = evaluate([str(PAGES / "text" / f"{page}.txt")], PAGES / "gold", tmp_path / "used")
    fresh = evaluate([str(PAGES / "text" / f"{page}.txt")], PAGES / "gold", tmp_path / "fresh")
    assert text.worst == fresh.worst
    assert text.worst != html.worst
    assert sorted(p.name for p in (tmp_path / "used" / "pages").glob("*.txt")) == [f"{page}.txt"]
