"""A heading that its paragraph repeats is not a caption (dedup_page.mark_duplicates,
option near_dup_heading_words), on a real page (tests/data/headings)."""
from conftest import engine_with, page_with_gold
from pipeline.process import clean_text

PAGE = "wcxb-dev-0064"
HEADINGS = ["Retatrutide and cagrilintide cannot be used in compounding",
            "Adverse events related to compounded versions of semaglutide and tirzepatide"]


def _clean(**changes):
    text, gold = page_with_gold("headings", PAGE)
    return clean_text(text, engine_with(**changes)), gold


def test_headings_their_paragraph_repeats_are_kept():
    result, gold = _clean()
    body_lines = [line.strip() for line in result.body.splitlines()]
    gold_lines = [line.strip() for line in gold.splitlines()]
    for heading in HEADINGS:
        assert heading in gold_lines and heading in body_lines
        # The paragraph under it, which repeats it, stays too.
        below = body_lines[body_lines.index(heading) + 2]
        assert heading.casefold() in below.casefold()
    assert not any(d.rule == "dup.near" and d.text.strip() in HEADINGS for d in result.removed)


def test_without_the_exception_they_go_as_captions():
    result, _ = _clean(near_dup_heading_words=0)
    removed = {d.text.strip(): d for d in result.removed}
    for heading in HEADINGS:
        assert removed[heading].rule == "dup.near"
        assert "caption or pull quote" in removed[heading].reason


def test_a_sentence_repeating_one_is_still_a_pull_quote():
    # A line that ends a sentence is not a heading: the exception leaves it to dup.near.
    quote = "Health officials say the new rules will change how these drugs are sold."
    lines = ["City News", "",
             "Regulators announced on Monday that the sale of compounded weight-loss drugs will be restricted "
             "from next month. " + quote + " Pharmacies have until June to comply with the order.", "",
             quote, "",
             "Pharmacists said they had expected the change and would inform their patients in the coming weeks."]
    result = clean_text("\n".join(lines), engine_with())
    assert any(d.rule == "dup.near" and d.text == quote for d in result.removed)
