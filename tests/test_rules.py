"""Line rules on real lines taken from the seeds, and the lexicon data files."""
from pathlib import Path

import pytest

from pipeline.dates import find_dates
from pipeline.lexicon import Lexicon, LexiconError
from pipeline.process import Engine, clean_text


@pytest.mark.parametrize("line,rule", [
    ("Top 5 This Week", "lexicon.widget_header"),
    ("Related News", "lexicon.widget_header"),
    ("Listen to This Article", "lexicon.audio_icon_label"),
    ("Notification Icon", "lexicon.audio_icon_label"),
    ("Also read:\u00a0Viksit Workforce for a Viksit Bharat", "lexicon.teaser"),
    ("Do Follow: The Mainstream LinkedIn Account | The Mainstream Facebook", "lexicon.social_prompt"),
    ("Hunan province will identify all exporters. (Photo: PTI)", "lexicon.caption"),
    ("हिंदी में पढें", "lexicon.other_language_link"),
    # Widget headers in other languages (dev pages: cnet's Spanish edition, pixnet, Expressen).
    ("Artículos Relacionados", "lexicon.widget_header"),
    ("相關文章", "lexicon.widget_header"),
    ("Mest läst", "lexicon.widget_header"),
    # A WordPress share bar's labels (readability-wordpress), none in any dev gold body.
    ("61Click to share on Facebook (Opens in new window)61", "lexicon.social_prompt"),
    ("Click to email this to a friend (Opens in new window)", "lexicon.social_prompt"),
    # Button, menu and advertisement labels in other languages, whole lines only (dev pages:
    # Haberturk, Publico, T-Online, Ukrainska Pravda, pixnet; none in any dev gold body but
    # one "Buscar").
    ("REKLAM", "lexicon.audio_icon_label"),
    ("Реклама:", "lexicon.audio_icon_label"),
    ("Mehr anzeigen", "lexicon.audio_icon_label"),
    ("首頁", "lexicon.audio_icon_label"),
    ("Aviso legal", "lexicon.footer_marker"),
    ("您可能會有興趣的文章", "lexicon.widget_header"),
    ("上一篇： 愛上喜翁露營_歡慶聖誕夜市趴", "lexicon.teaser"),
    ("Les også En far for de store anledninger", "lexicon.teaser"),
    ("teilen17", "lexicon.social_prompt"),
    ("Permalink: http://heise.de/-2596987", "lexicon.permalink"),
    # A newsletter form's notes, a video player's dialog, a screen reader's caption label,
    # an excerpt of another story (readability-mozilla-1, bug-1255978, bbc-1, lifehacker).
    ("Thanks! Please check your inbox to confirm your subscription.", "lexicon.cookie_newsletter"),
    ("We will never sell your information. Modify your preferences or unsubscribe at any time.",
     "lexicon.cookie_newsletter"),
    ("This is a modal window. This modal can be closed by pressing the Escape key or activating the close button.",
     "lexicon.video_player"),
    ("captions off, selected", "lexicon.video_player"),
    ("Media caption Barack Obama: \"Great Britain has always been our best partner\"", "lexicon.caption"),
    ("Ever come home from a day of shopping and wondered why on earth you purchased certain items? As it\u2026 "
     "Read more Read more", "lexicon.teaser"),
    # Account and sign-out labels a masthead reader took for the site's name (Hamburger
    # Abendblatt's "Mein Konto", wcxb's "Skip Navigation", "My Bookmarks", "Cancel").
    ("Mein Konto", "lexicon.audio_icon_label"),
    ("Se déconnecter", "lexicon.audio_icon_label"),
    ("Skip Navigation", "lexicon.audio_icon_label"),
    ("My Bookmarks", "lexicon.audio_icon_label"),
])
def test_lexicon_names_seed_chrome(line, rule):
    match = Lexicon.load().match(line)
    assert match is not None and match.rule == rule
    assert match.source.startswith("pipeline/data/lexicon/")


@pytest.mark.parametrize("line", [
    "Silicon Valley investors are pouring money into rare-earth start-ups.",
    "China’s Mineral Race and Its Expanding Footprint in Africa",
    "Regions step up action against illegal mining in China",
    "When the user submits the form, the request would look something",
    "like this:",
    # Words of those labels inside sentences or as a heading are left alone.
    "Background",
    "上一篇文章中我们介绍了如何安装这个工具。",
    "Teilen Sie uns Ihre Meinung mit, schreibt die Redaktion.",
    "Die Anzeige wurde am Montag bei der Polizei erstattet.",
    "She said she would read more about it... and then she did.",
    "Cancel culture has changed how companies respond to criticism.",
    "Mein Konto wurde gesperrt, sagte die Kundin.",
])
def test_lexicon_leaves_body_lines_alone(line):
    assert Lexicon.load().match(line) is None


def test_user_lexicon_adds_rules_and_bad_files_fail_clearly(tmp_path):
    good = tmp_path / "mine.toml"
    good.write_text('[[rules]]\nid = "promo"\nreason = "house promo"\nexact = ["Buy our mug"]\n', "utf-8")
    match = Lexicon.load((good,)).match("Buy our mug!")
    assert match.rule == "lexicon.promo" and match.source == str(good)
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nid = "Bad Id"\nreason = "x"\nexact = ["a"]\n', "utf-8")
    with pytest.raises(LexiconError, match="bad.toml: rule 1"):
        Lexicon.load((bad,))
    broken = tmp_path / "broken.toml"
    broken.write_text('[[rules]]\nid = "x"\nreason = "x"\nregex = ["(unclosed"]\n', "utf-8")
    with pytest.raises(LexiconError, match="bad regex"):
        Lexicon.load((broken,))


@pytest.mark.parametrize("text,value", [
    ("2025-11-24 01:16 By Farida Husna 1 min. read", "2025-11-24T01:16"),
    ("Monday, November 24, 2025", "2025-11-24"),
    ("13 Jan, 2026", "2026-01-13"),
    ("First Published: Jun 04 2025 | 12:42 PM IST", "2025-06-04T12:42:00+05:30"),
    ("Wednesday, November 26, 2025 | 01:41 PM ISTहिंदी में पढें", "2025-11-26T13:41:00+05:30"),
    ("Sept. 5, 2019 at 3:30 p.m. EDT", "2019-09-05T15:30:00-04:00"),
    ("Posted 2019-11-18T10:00:00Z", "2019-11-18T10:00:00+00:00"),
])
def test_dates_are_read_as_iso_8601(text, value):
    assert [d.value for d in find_dates(text)] == [value]


def test_no_date_in_plain_numbers():
    assert find_dates("Exports fell by 58.5 per cent to 246 tonnes in 2025.") == []


def test_line_in_another_script_is_removed():
    body = ("China, rich in critical minerals, is intensifying enforcement of stricter export rules "
            "to maintain its global dominance in this vital sector, according to a report.")
    text = "\n\n".join([body, "यह लेख हिंदी में भी उपलब्ध है", body.replace("China", "Beijing")])
    result = clean_text(text, Engine.load())
    removed = {r["line"]: r["rule"] for r in result.metadata["removed"]}
    assert removed == {3: "script.foreign"}


def test_clean_text_is_repeatable(engine):
    from conftest import SEEDS

    text = (SEEDS / "003_3ee7487b8204e483.txt").read_text("utf-8")
    first, second = clean_text(text, engine), clean_text(text, engine)
    assert first.body == second.body and first.metadata == second.metadata
