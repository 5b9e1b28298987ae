"""training/cipher.py: the user's English seed pages written word for word in another
script, and what the pipeline does with them: Thai sentences without a full stop,
Devanagari words whose vowel signs \\w leaves out, Chinese written without spaces."""
import sys
from collections import Counter

import pytest

from conftest import ROOT, SEED_GOLD, SEEDS, gold_meta, seed_ids
from pipeline.dates import find_dates
from pipeline.evaluate import score_page
from pipeline.language import cjk_function_chars, detect, ends_unmarked, script_of, stopwords, thai_function_words
from pipeline.linemodel.shape import SHAPE_FEATURES, _class_counts_list, line_shape
from pipeline.lineshape import shape_line
from pipeline.linewords import words_of
from pipeline.process import clean_bytes

sys.path.insert(0, str(ROOT / "training"))
from cipher import TARGETS, Cipher, _WORD  # noqa: E402


def cipher_of(target: str, text: str) -> Cipher:
    return Cipher(target, Counter(w.lower() for w in _WORD.findall(text)))


def ciphered(cipher: Cipher, text: str) -> str:
    return "\n".join(map(cipher.line, text.split("\n")))


def seed(seed_id: str) -> tuple[str, str]:
    return (SEEDS / f"{seed_id}.txt").read_text("utf-8"), (SEED_GOLD / f"{seed_id}.txt").read_text("utf-8")


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_the_cipher_is_deterministic_and_maps_a_word_alike_everywhere(target):
    text, _ = seed("003_3ee7487b8204e483")
    first, second = cipher_of(target, text), cipher_of(target, text)
    assert ciphered(first, text) == ciphered(second, text)
    words = Counter(w.lower() for w in _WORD.findall(text))
    repeated = [w for w, n in words.items() if n > 2 and len(w) > 3]
    assert repeated
    for word in repeated:  # one pseudo-word, met alone or inside any line
        assert first.word(word) == first.word(word.upper()).lower() == second.word(word)
        assert first.word(word) != word
    # stopwords become the target's stopwords, other words no English at all
    if TARGETS[target][2]:  # Chinese has no articles: "the" is not written at all
        assert first.word("of") in first.stop.values()
        assert first.word("the") in first.stop.values() or (target == "hani" and first.word("the") == "")
    out = {w.lower() for w in _WORD.findall(ciphered(first, text))}
    if target == "latn":  # Latin pseudo-words may be English words by chance: few
        assert len(out & set(words)) < 0.1 * len(out)
    else:
        assert not any(ch.isascii() and ch.isalpha() for w in out for ch in w)


@pytest.mark.parametrize("target", sorted(TARGETS))
@pytest.mark.parametrize("seed_id", seed_ids())
def test_the_ciphered_gold_stays_aligned_with_the_ciphered_dump(target, seed_id):
    text, gold = seed(seed_id)
    cipher = cipher_of(target, text)
    dump_lines = ciphered(cipher, text).split("\n")
    body = gold_meta(seed_id)["body_lines"]
    gold_lines = [ln for ln in ciphered(cipher, gold).split("\n") if ln.strip()]
    assert gold_lines == [dump_lines[n - 1].strip() for n in body]


@pytest.mark.parametrize("target, code", [(t, TARGETS[t][0]) for t in sorted(TARGETS)])
def test_the_pipeline_reads_each_cipher_as_its_language(target, code):
    text, _ = seed("003_3ee7487b8204e483")
    lines = ciphered(cipher_of(target, text), text).split("\n")
    assert detect(lines, 3000, 0).code == code


def test_thai_writes_no_space_between_words_and_one_between_sentences():
    cipher = cipher_of("thai", "")
    line = cipher.line("The cat sat, the dog ran. Then it rained 3.5 inches.")
    first, second = line.split(" ", 1)
    assert "." not in first and "," not in line and second.endswith(" 3.5 " + cipher.word("inches"))
    assert line.count(" ") == 3  # sentences, and around the number


def test_a_devanagari_word_keeps_its_vowel_signs():
    # \w leaves Devanagari vowel signs out: "में" was "म", and a line had twice its words
    assert words_of("भारत में चुनाव के लिए") == ("भारत", "में", "चुनाव", "के", "लिए")
    assert words_of("مُحَمَّد") == ("مُحَمَّد",)
    assert words_of("Don’t stop ❤️ now") == ("Don", "t", "stop", "now")  # no word of a lone mark


@pytest.mark.parametrize("target", ["arab", "deva"])
def test_a_ciphered_line_has_the_words_of_its_english_line(target):
    for seed_id in seed_ids():
        text, _ = seed(seed_id)
        cipher = cipher_of(target, text)
        for line in text.split("\n"):
            assert len(words_of(cipher.line(line))) == len(words_of(line)), line


def test_a_thai_sentence_ends_without_a_full_stop():
    text, gold = seed("000_e6a63afea518df2a")
    cipher = cipher_of("thai", text)
    paragraphs = [cipher.line(ln) for ln in gold.split("\n") if len(ln.split()) >= 12]
    assert paragraphs
    for paragraph in paragraphs:
        assert ends_unmarked(paragraph) and shape_line(1, paragraph, frozenset(), None).ends_sentence
    menu = cipher.line("Business")
    assert not ends_unmarked(menu) and not shape_line(1, menu, frozenset(), None).ends_sentence
    assert not ends_unmarked("A heading in Latin letters without a full stop at its end")


@pytest.mark.parametrize("target, seed_id, least", [("thai", "000_e6a63afea518df2a", 0.9),
                                                    ("thai", "002_6b2440b7a94c438e", 0.95),
                                                    ("deva", "000_e6a63afea518df2a", 0.99)])
def test_a_ciphered_seed_cleans_to_its_ciphered_gold(target, seed_id, least, engine):
    # before: Thai 0.41 and 0.87 token F1 (no paragraph read as a sentence, the article's
    # start never found), Devanagari 0.46 (the Hindi stopwords matched no split word).
    # Thai seed 000 is 0.92: with no capital letters the sidebar's headlines of other
    # stories read as sentences (0.95 before Thai's function words counted, while the
    # 978 ciphered dev pages rose 0.871 -> 0.904: docs/quality.md, twenty-fifth round).
    # Devanagari seed 000 was 0.97 before the caseless model scored its pages (1.0 now).
    text, gold = seed(seed_id)
    cipher = cipher_of(target, text)
    result = clean_bytes(ciphered(cipher, text).encode("utf-8"), f"{seed_id}.txt", engine)
    score = score_page(seed_id, "seed", result.body or "", ciphered(cipher, gold))
    assert score.tok_f1 >= least, score


def _stop_density(line: str, stop: frozenset) -> float:
    counts = _class_counts_list([line])[0]
    return line_shape(line, list(words_of(line)), stop, counts)[SHAPE_FEATURES.index("stop_density")]


def test_thai_function_words_give_thai_prose_a_stopword_density():
    # Thai has no jusText stoplist and no spaces between words: before, every Thai line's
    # stopword density was missing (NaN), as a number's or a menu's is, and the line model
    # read Thai prose as chrome. Its function words are counted where they stand.
    text, gold = seed("000_e6a63afea518df2a")
    cipher = cipher_of("thai", text)
    english = stopwords("en")
    paragraphs = [ln for ln in gold.split("\n") if len(ln.split()) >= 12]
    thai = [_stop_density(cipher.line(ln), frozenset()) for ln in paragraphs]
    assert all(d == d for d in thai)  # no NaN
    mean_thai, mean_english = sum(thai) / len(thai), sum(_stop_density(ln, english) for ln in paragraphs) / len(thai)
    assert 0.25 <= mean_thai and abs(mean_thai - mean_english) < 0.15, (mean_thai, mean_english)
    # a menu's labels hold few (a function word inside a longer word is counted too:
    # one here); a page with a stoplist is read by its stoplist alone
    assert _stop_density(cipher.line("Business Markets Economy Technology"), frozenset()) < mean_thai / 2
    line = cipher.line(paragraphs[0])
    assert _stop_density(line, english) == 0.0  # none of English's words in it
    assert len(thai_function_words()) == len(set(thai_function_words())) >= 50


def test_right_to_left_marks_change_no_decision(engine):
    # a right-to-left page's dump may carry direction marks at its lines' ends and starts
    # (RLM, embeddings): the normalisation drops them before any rule reads a line
    text, _ = seed("000_e6a63afea518df2a")
    plain = ciphered(cipher_of("arab", text), text)
    marked = "\n".join(f"\u202b{ln}\u200f\u202c" if ln.strip() else ln for ln in plain.split("\n"))
    assert marked != plain
    first = clean_bytes(plain.encode("utf-8"), "000.txt", engine)
    second = clean_bytes(marked.encode("utf-8"), "000.txt", engine)
    assert first.body == second.body and first.body


# Chinese and Korean dates need no month names (2024年12月5日, 2024년 12월 5일)
@pytest.mark.parametrize("target", sorted(set(TARGETS) - {"hani", "hang"}))
def test_the_cipher_writes_dates_in_the_target_s_month_names(target):
    # a day-first English date ciphered is a date the pipeline reads in that language
    cipher = cipher_of(target, "")
    for line, value in (("Updated 5 December 2024", "2024-12-05"), ("3 Sept 2019, 10:15", "2019-09-03T10:15")):
        out = cipher.line(line)
        assert not any(ch.isascii() and ch.isalpha() for ch in out.replace("Sept", "")) or target == "latn"
        assert [d.value for d in find_dates(out)] == [value], out
    assert cipher.word("may") != cipher.month.get("may", "")  # the modal verb stays a stopword


@pytest.mark.parametrize("target, published, updated", [
    ("arab", "نشر في 13 يناير 2026", "آخر تحديث: 15 يناير 2026، 10:30"),
    ("deva", "प्रकाशित: 13 जनवरी 2026", "अपडेटेड: 15 जनवरी 2026, 10:30"),
    ("thai", "เผยแพร่: 13 ม.ค. 2569", "อัปเดตล่าสุด: 15 ม.ค. 2569 10:30 น."),
])
def test_a_ciphered_seed_s_dates_labelled_in_its_language_are_read(target, published, updated, engine):
    # seed 002 ciphered, its date line ("13 Jan, 2026") written as a page of that language
    # writes it: a publication date and an updated one, labelled (metadata.json), in the
    # language's month names (months.json; Thai's year of the Buddhist era)
    text, _ = seed("002_6b2440b7a94c438e")
    cipher = cipher_of(target, text)
    page = ciphered(cipher, text).split("\n")
    at = text.split("\n").index("13 Jan, 2026")
    page[at:at + 1] = [published, updated]
    fields = clean_bytes("\n".join(page).encode("utf-8"), "002.txt", engine).metadata
    assert fields["published"] == "2026-01-13" and fields["updated"][:10] == "2026-01-15", fields


def test_chinese_is_written_without_spaces_in_full_width_punctuation():
    cipher = cipher_of("hani", "")
    line = cipher.line("The cat sat, and the dog ran: it rained 3.5 inches at 07:52. Then it stopped!")
    assert " " not in line.replace(" 3.5 ", "").replace(" 07:52", "")
    assert "\uff0c" in line and "\uff1a" in line and "\u3002" in line and line.endswith("\uff01")
    assert "07:52" in line and "3.5" in line  # a time's and a number's marks stay
    assert cipher.line("The") == ""  # no articles
    for word in ("cat", "rained", "inches"):
        assert 1 <= len(cipher.word(word)) <= 3 and all(script_of(ch) == "CJK" for ch in cipher.word(word))


def test_ciphered_chinese_prose_has_chinese_function_characters():
    # the cipher's Chinese has a share of function characters (的, 了, 是...: the line
    # model's stopwords where there is no stoplist) between real Chinese news prose's
    # (about 0.10-0.16 of its characters) and Japanese's (0.3-0.48)
    text, gold = seed("000_e6a63afea518df2a")
    cipher = cipher_of("hani", text)
    body = ciphered(cipher, gold)
    han = [ch for ch in body if script_of(ch) == "CJK"]
    share = sum(ch in cjk_function_chars() for ch in han) / len(han)
    assert 0.1 <= share <= 0.3, share
@pytest.mark.parametrize("target, caseless", [("arab", True), ("deva", True), ("thai", False), ("latn", False)])
def test_a_page_without_case_is_scored_by_the_caseless_model(target, caseless):
    # Arabic or Devanagari lines have no capitals: the model trained on cased pages read
    # their headlines as English sentences' openings; the model trained without the case
    # features scores them. Thai (no spaces between words) and Latin keep the first model.
    from pipeline import linemodel as lm
    from pipeline.linemodel.features import feature_matrix

    model = lm.load_model()
    assert model["caseless"] is not None
    for seed_id in seed_ids():
        text, _ = seed(seed_id)
        assert not lm.caseless_page(*_matrix(text.split("\n"), feature_matrix))  # English
        lines = ciphered(cipher_of(target, text), text).split("\n")
        assert lm.caseless_page(*_matrix(lines, feature_matrix)) == caseless, seed_id
        idx, X = feature_matrix(lines, None)
        forest = model["caseless"] if caseless else model["stage1"]
        raw = forest.raw_many(X)[0]
        assert lm.score_page(lines, None).body_prob == [
            round(lm.sigmoid(raw[k]), 6) if k is not None else 0.0
            for k in (dict(zip(idx, range(len(idx)))).get(i) for i in range(len(lines)))]


def _matrix(lines, feature_matrix):
    idx, X = feature_matrix(lines, None)
    return lines, idx, X


def test_the_caseless_model_splits_on_no_case_feature():
    import json

    from pipeline import linemodel as lm

    spec = json.loads(lm.MODEL_PATH.read_text("utf-8"))
    names = spec["features"]
    split_on = {names[node[0]] for tree in spec["caseless"]["stage1"]["trees"] for node in tree if node[0] >= 0}
    assert split_on and not split_on & set(spec["caseless"]["without"])
    assert set(spec["caseless"]["without"]) == {"title_ratio", "upper_ratio", "first_char_lower"}


def test_korean_and_japanese_pages_keep_the_first_model():
    # Hangul and CJK have no case either, but the caseless model scored the dev set's
    # Korean and Japanese pages lower (docs/quality.md, twenty-sixth round).
    from pipeline import linemodel as lm
    from pipeline.linemodel.features import feature_matrix

    japanese = (ROOT / "tests" / "data" / "languages" / "text" / "sh-f105de6e63ca91ea.txt").read_text("utf-8")
    korean = ("서울 시내 교통 체증이 주말마다 심해지고 있다.\n\n시는 다음 달부터 버스 노선을 늘리기로 했다.\n\n"
              "주요 뉴스\n\n많이 본 기사\n\n시민들은 대체로 환영하는 분위기다.")
    arabic = ("ازدحام المرور في وسط المدينة يزداد كل أسبوع.\n\nقررت البلدية زيادة خطوط الحافلات.\n\n"
              "أهم الأخبار\n\nالأكثر قراءة\n\nيرحب السكان بالقرار عموما.")
    for text, caseless in ((japanese, False), (korean, False), (arabic, True)):
        lines = text.split("\n")
        assert lm.caseless_page(*_matrix(lines, feature_matrix)) == caseless, lines[0]
