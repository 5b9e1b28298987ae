"""The foreign-script rule (script.foreign) on pages in a script without word spaces: a
Japanese sentence that names software in Latin letters is weighed in words, not letters,
and is no longer removed as foreign; a menu item without a particle still is
(language.foreign_script_units). Japanese's long-vowel and repetition marks and
full-width letters are read as the script they belong to (language.script_of)."""
from __future__ import annotations

from conftest import DATA
from pipeline.evaluate import score_page
from pipeline.language import foreign_script_units, script_counts, script_of
from pipeline.lineshape import shape_line
from pipeline.process import clean_text

PAGES = DATA / "languages"
PAGE = "sh-f105de6e63ca91ea"


def _text(kind: str) -> str:
    return (PAGES / kind / f"{PAGE}.txt").read_text("utf-8")


def test_japanese_marks_and_full_width_letters_have_their_script():
    assert [script_of(c) for c in "ーー々"] == ["CJK", "CJK", "CJK"]
    assert script_of("Ｐ") == "LATIN" and script_of("ｱ") == "CJK" and script_of("ﾡ") == "HANGUL"
    # every letter of the Japanese page is Japanese or Latin: "サーバー" was two scripts
    scripts = {s for line in _text("text").split("\n") for s in script_counts(line)}
    assert scripts == {"CJK", "LATIN"}, scripts
    assert script_counts("►サーバー(64)") == {"CJK": 4}


def test_a_sentence_with_particles_is_weighed_in_words():
    heading = "Kindle for PCの起動ホットキーがKeePassと被る"
    assert heading in _text("gold")
    shape = shape_line(1, heading, frozenset(), None)
    assert shape.scripts == {"LATIN": 18, "CJK": 12}  # by letters Latin holds the most
    assert foreign_script_units(heading, shape.scripts, "CJK") == {"LATIN": 4, "CJK": 6}
    # no particle: a menu item keeps its letters, and Latin its majority
    menu = "►WEB制作(33)"
    menu_scripts = shape_line(1, menu, frozenset(), None).scripts
    assert foreign_script_units(menu, menu_scripts, "CJK") == menu_scripts == {"LATIN": 3, "CJK": 2}
    # a line of one script, or on a page of a spaced script without unspaced letters: letters
    assert foreign_script_units("Аккаунт: @olga", {"CYRILLIC": 7, "LATIN": 4}, "CYRILLIC") == {"CYRILLIC": 7, "LATIN": 4}


def test_the_page_keeps_its_heading_and_removes_its_menu(engine):
    text, gold = _text("text"), _text("gold")
    result = clean_text(text, engine)
    removed = {r["text"]: r["rule"] for r in result.metadata["removed"]}
    assert "Kindle for PCの起動ホットキーがKeePassと被る" in result.body.split("\n")
    assert removed.get("►WEB制作(33)") == "script.foreign"
    score = score_page(PAGE, "sh", result.body, gold)
    assert score.tok_f1 > 0.91 and score.tok_r > 0.87, score  # 0.897 and 0.843 with the heading removed
