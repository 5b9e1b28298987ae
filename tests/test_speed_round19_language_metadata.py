"""The nineteenth round's shortcuts in the language detector and the metadata reader
against the plain code they replace, on real text (the seeds and the test pages)."""
from pipeline import metadata
from pipeline.metadata import vocabulary

from conftest import PAGES, SEEDS


def _real_lines() -> list[str]:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted(PAGES.parent.rglob("*.txt"))]
    return sorted({line for text in texts for line in text.split("\n")})


_GLUED = ["ByTrevor Jones", "byTrevor Jones", "ByKathryn GiuffridaMar 5, 2025", "UpdatedJanuary 5, 2026",
          "Posted onFebruary 3", "December 8December 8", "By thegrangehall February 16, 2026", "By Jane Doe",
          "Publié leMars 3", "Aktualisiert amMärz 3", "Jan 5", "3Ápr", "x1Ab", "Byx", "By", "", "ǅemal ǅǅ"]


def test_unglue_equals_the_glue_pattern_everywhere():
    """_unglue (the glue pattern run only where its hint is) equals the pattern's plain
    sub on every line of the seeds and the test pages and on glued cases, for no
    language, English and every language the date vocabulary knows."""
    table = vocabulary()
    languages = [None, "en"] + sorted({lang for kind in ("months", "published", "updated") for lang in table[kind]})
    lines = _real_lines() + _GLUED
    assert len(lines) > 3000 and len(languages) > 10
    hinted = 0
    for language in languages:
        pattern = metadata._glue_pattern(language)
        for line in lines:
            assert metadata._unglue(line, language) == pattern.sub(" ", line), (language, line)
            hinted += metadata._glue_hint(language).search(line) is not None
    assert 0 < hinted < len(lines) * len(languages) // 2  # the shortcut is taken, and not always


def test_prepare_space_runs_equal_the_regex():
    """_prepare's runs of spaces, collapsed by str.replace passes, as the regex did: every
    real line and runs of one to nine spaces anywhere."""
    import re

    from pipeline import language

    spaces = re.compile(" {2,}")
    texts = _real_lines() + [" " * k + "a" + " " * j + "b" + " " * i for k in range(5) for j in range(10) for i in range(5)]
    for text in texts:
        collapsed = text[:10000]
        while "  " in collapsed:
            collapsed = collapsed.replace("  ", " ")
        assert collapsed == spaces.sub(" ", text[:10000]), repr(text)

