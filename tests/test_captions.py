"""Chrome kept inside the article: picture captions ending in their credit
(`lexicon.photo_credit`) and numeric date-time stamps (`lexicon.numeric_stamp`), both
rules of pipeline/data/lexicon/multi.toml, on real pages of tests/data/captions.

The shipped line model was trained on these very pages, so the rules are tested where
they act (the lexicon, line by line) and through the whole pipeline: what they remove
is not in the gold, in Korean, Japanese, Swedish and English."""
from __future__ import annotations

from conftest import DATA
from pipeline.options import Options
from pipeline.process import Engine, clean_bytes, clean_text

CAPTIONS = DATA / "captions"


def _lexicon():
    return Engine.load(Options()).lexicon.for_site(None, None)


def _lines(page_id: str) -> list[str]:
    return [ln.strip() for ln in (CAPTIONS / "text" / f"{page_id}.txt").read_text("utf-8").split("\n") if ln.strip()]


def _gold_lines(page_id: str) -> set[str]:
    return {ln.strip() for ln in (CAPTIONS / "gold" / f"{page_id}.txt").read_text("utf-8").split("\n") if ln.strip()}


def _matched(page_id: str, rule: str) -> list[str]:
    lexicon = _lexicon()
    return [ln for ln in _lines(page_id) if (m := lexicon.match(ln)) is not None and m.rule == rule]


CREDITS = {
    # ko: "...하고 있다. 뉴스1" (agency), "... 고영권 기자" (photographer)
    "fundus-kr-HankookIlbo-20260712": 3,
    # ja: "（潟沼義樹撮影）"
    "fundus-jp-TokyoShimbun-20250113": 1,
    # sv: "... Foto: Efrem Lukatsky/AP"
    "fundus-se-Aftonbladet-20260802": 2,
    # en: "... Credit: Natalie Kafader" under each product photo
    "wcxb-dev-4835": 10,
}


def test_captions_ending_in_a_credit_are_matched_and_none_is_gold():
    for page, at_least in CREDITS.items():
        found = _matched(page, "lexicon.photo_credit")
        assert len(found) >= at_least, (page, found)
        gold = _gold_lines(page)
        assert not [ln for ln in found if ln in gold], page


def test_lines_that_only_look_like_credits_are_not_matched():
    lexicon = _lexicon()
    for line in ("Location: /api/users/12345", "ASCM/APICS", "Visit: https://appstoreconnect.apple.com/apps/1/appstore",
                 "AI and copyright: exploring exceptions for text and data mining",
                 "Secure key vendors (photo, video, florist, entertainment)",
                 "The photo was taken in 1989 by a tourist.",
                 "정부는 이날 새 정책을 발표했다.", "移送のため警視庁を出る容疑者"):
        match = lexicon.match(line)
        assert match is None or match.rule not in ("lexicon.photo_credit", "lexicon.numeric_stamp"), line


def test_numeric_date_time_stamps_are_matched_and_none_is_gold():
    # sh-e372e42c0a3df7b8 (jpost): a news stream, each item under "11/20/2019 10:08 AM"
    found = _matched("sh-e372e42c0a3df7b8", "lexicon.numeric_stamp")
    assert len(found) >= 10
    assert not [ln for ln in found if ln in _gold_lines("sh-e372e42c0a3df7b8")]
    lexicon = _lexicon()
    for line in ("Publisert 06.01.2026 - 16:25", "#3 訪客 於 2013/12/28 20:34", "Updated 11/20/2019 10:08 AM EST"):
        assert lexicon.match(line).rule == "lexicon.numeric_stamp", line
    for line in ("private-address: 169.254.0.0/16", "The meeting on 11/20/2019 ran from 10:08 AM until noon, as planned."):
        match = lexicon.match(line)
        assert match is None or match.rule != "lexicon.numeric_stamp", line


def test_the_whole_pipeline_removes_them_and_the_body_is_a_fixed_point():
    engine = Engine.load(Options())
    for page in (*CREDITS, "sh-e372e42c0a3df7b8"):
        path = CAPTIONS / "text" / f"{page}.txt"
        result = clean_bytes(path.read_bytes(), name=path.name, engine=engine)
        removed = [d.text for d in result.decisions if d.rule in ("lexicon.photo_credit", "lexicon.numeric_stamp")]
        assert removed, page
        for text in removed:
            assert text.strip() not in result.body
        again = clean_text(result.body)
        assert again.body == result.body


def test_a_caption_does_not_end_a_list_kept_between_body_lines():
    # wcxb-dev-4457 (irunfar's buying guide, lines of the page as they are): on the page's
    # grouped fold, the model kept the product names and the caption, removed the section
    # after the caption, and `keep.between_body` took that section back because the
    # caption above it read as body. Once the lexicon removes the caption, the section's
    # run still counts as between body lines; another lexicon line (not a caption) ends it.
    from pipeline.classify import _keep_between_body
    from pipeline.language import stopwords
    from pipeline.lineshape import shape_line

    page = _lines("wcxb-dev-4457")
    caption = "Jeff Rome tests the Saucony Peregrine in wet conditions. Photo: iRunFar/Eszter Horanyi"
    lines = ["Full Salomon Speedcross 6 review.", "Guides to More Specialized Trail Running Shoes", caption,
             "Things to Consider When Choosing Trail Running Shoes", "Benefits of Trail Running Shoes",
             "First off, what are trail running shoes, and what are their benefits?"]
    assert all(ln in page for ln in lines)
    lexicon, words = _lexicon(), stopwords("en")

    def verdicts_for(lines):
        shapes = {n: shape_line(n, text, words, lexicon.match(text)) for n, text in enumerate(lines, 1)}
        assert shapes[3].lexicon is not None
        verdicts = [(1, "keep.body"), (2, "keep.body"), (4, "model.chrome"), (5, "model.chrome"), (6, "keep.body")]
        return dict(_keep_between_body(verdicts, shapes, [0.9, 0.9, 0.9, 0.4, 0.4, 0.9], 0.25, 0.6))

    assert lexicon.match(caption).rule == "lexicon.photo_credit"
    kept = verdicts_for(lines)
    assert kept[4] == kept[5] == "keep.between_body"
    gold = _gold_lines("wcxb-dev-4457")
    assert lines[3] in gold and lines[4] in gold and caption not in gold
    advert = lines[:2] + ["Advertisement"] + lines[3:]
    assert lexicon.match("Advertisement") is not None
    assert verdicts_for(advert)[4] == "model.chrome"
