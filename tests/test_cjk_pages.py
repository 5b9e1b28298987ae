"""A page written in Chinese or Japanese characters, read by the line model trained on
English pages: what it learned of CJK characters on English pages (another language's
line) must not hold on the page's own script, and its lines are measured as the words
they would be where words are spaced (docs/quality.md, twenty-sixth round: the 978 dev
pages ciphered to Chinese, 0.822 -> 0.853)."""
import math

from conftest import ROOT, SEEDS
from pipeline.linemodel.blocks import _content_without
from pipeline.linemodel.features import CJK_PAGE_STOPLIST, FEATURES, feature_matrix
from pipeline.language import stopwords
from pipeline.linemodel.shape import SHAPE_FEATURES, _class_counts_list, line_shape
from pipeline.linewords import words_of

JAPANESE = ROOT / "tests" / "data" / "languages" / "text" / "sh-f105de6e63ca91ea.txt"


def _rows(lines, language):
    idx, X = feature_matrix(lines, language)
    return {lines[i].strip(): X[k] for k, i in enumerate(idx)}


def test_on_a_page_written_in_cjk_no_line_is_foreign_by_its_script():
    page = JAPANESE.read_text("utf-8").split("\n")
    column = FEATURES.index("cjk_ratio")
    rows = _rows(page, "ja")
    assert all(row[column] == 0.0 for row in rows.values())
    # the same Japanese line on an English page is another language's, as the trees learned
    line = "これが非常に困ったもの。"
    assert line in rows
    english = SEEDS.joinpath("000_e6a63afea518df2a.txt").read_text("utf-8").split("\n") + [line]
    assert _rows(english, "en")[line][column] > 0.9


def test_a_latin_line_on_a_japanese_page_has_no_stopwords_rather_than_no_density():
    # Japanese has no stoplist: a line of Latin words or digits had a missing (NaN)
    # density, which the trees learned from English as a number's, a code's or a menu's
    page = JAPANESE.read_text("utf-8").split("\n")
    density = FEATURES.index("stop_density")
    rows = _rows(page, "ja")
    assert rows["2018-08-16"][density] == 0.0
    assert rows["Home ›"][density] == 0.0
    japanese = rows["Windows10での操作方法です。"][density]
    assert japanese == japanese and japanese > 0.3  # its function characters (での, です)
    assert "\x00" in CJK_PAGE_STOPLIST and not any("\x00" in w for w in words_of(" ".join(page)))


def test_cjk_cohesion_words_leave_out_the_seams_of_function_characters():
    # character bigrams stand for CJK words; one holding の or で is mostly two words' seam
    words = _content_without("東京の大学で研究する", CJK_PAGE_STOPLIST)
    assert {"東京", "大学", "研究"} <= words
    assert not words & {"京の", "の大", "学で", "で研"}
    # on a page with a stoplist (or another's) they stay: only a CJK page's are seams
    assert {"京の", "の大"} <= _content_without("東京の大学で研究する", frozenset())
    latin = _content_without("Researchers at the university", frozenset({"the", "at"}))
    assert latin == {"researchers", "university"}


def _row(line):
    counts = _class_counts_list([line])[0]
    return line_shape(line, list(words_of(line)), frozenset(), counts)


def test_a_cjk_line_is_as_long_as_its_words_would_be_spaced():
    # n_words counts a word per two CJK characters; log_chars as many characters as those
    # words and their spaces take in a spaced script (about 6 a word)
    line = "東京女子医大の新校舎建設工事を巡って、業務報酬名目で不正に約1億2000万円を支払わせた。"
    row = _row(line)
    n_cjk = sum(1 for ch in line if "\u3040" <= ch <= "\u9fff")
    assert row[SHAPE_FEATURES.index("log_chars")] == math.log1p(len(line) + 2 * n_cjk)
    assert row[SHAPE_FEATURES.index("end_colon")] == 0.0
    assert _row("関連記事：")[SHAPE_FEATURES.index("end_colon")] == 1.0  # the full-width colon
    english = "The university's new building was paid for in a way the court called fraud."
    assert _row(english)[SHAPE_FEATURES.index("log_chars")] == math.log1p(len(english))


def test_korean_is_read_in_spaced_words_with_its_stoplist():
    # Hangul was counted with Han and kana, a word per two syllables and no stopword: a
    # Korean paragraph read as a long line of no prose (the dev pages ciphered to Korean
    # 0.879 -> 0.933, docs/quality.md, twenty-sixth round)
    line = "그는 이날 오후 서울 시내의 한 식당에서 기자들과 만나 이렇게 말했다."
    counts = _class_counts_list([line])[0]
    row = line_shape(line, list(words_of(line)), stopwords("ko"), counts)
    assert row[SHAPE_FEATURES.index("n_words")] == len(line.split())
    assert row[SHAPE_FEATURES.index("cjk_ratio")] == 0.0
    assert row[SHAPE_FEATURES.index("stop_density")] >= 0.2
