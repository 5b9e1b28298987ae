"""The chrome vocabulary of languages and years no dev page has (pipeline/data/lexicon/
world.toml, web2005.toml): it names no gold body line, it names each language's labels
under their rule, and it leaves sentences made of the same words alone.

The sentences below marked "constructed" were written for these tests, in each language,
to use a label's words inside an article's sentence; they come from no page."""
import sys
from pathlib import Path

import pytest

from conftest import ROOT, SHARED_EVAL
from pipeline.lexicon import Lexicon
from pipeline.process import Engine, clean_text

sys.path.insert(0, str(ROOT / "training"))
import lexicon_gold_check  # noqa: E402

NEW_FILES = [ROOT / "pipeline" / "data" / "lexicon" / name for name in ("world.toml", "web2005.toml")]


@pytest.fixture(scope="module")
def new_rules():
    return lexicon_gold_check.lexicon_of(NEW_FILES)


@pytest.fixture(scope="module")
def lexicon():
    return Lexicon.load()


def test_new_vocabulary_names_no_line_of_the_repos_gold(new_rules):
    gold = lexicon_gold_check.repo_gold_files()
    assert len(gold) > 50  # the seeds' and the rule tests' gold bodies
    assert list(lexicon_gold_check.matches(new_rules, gold)) == []


@pytest.mark.skipif(not (SHARED_EVAL / "dev" / "gold").is_dir(), reason="needs the development set (../shared/eval)")
def test_new_vocabulary_names_no_line_of_the_dev_gold(new_rules):
    # The design sources only: readability's pages are never read while designing, so a
    # match there is reported as a count by training/lexicon_gold_check.py, not tested.
    gold = sorted(p for p in (SHARED_EVAL / "dev" / "gold").glob("*.txt")
                  if not p.name.startswith(lexicon_gold_check.HIDDEN))
    assert len(gold) > 900
    assert [(p.name, n, line) for p, n, line, _ in lexicon_gold_check.matches(new_rules, gold)] == []


# (label line, rule) per script and language; then constructed sentences with the same
# words, which no rule may name.
LABELS = [
    # Thai
    ("ข่าวที่เกี่ยวข้อง", "lexicon.widget_header"), ("แชร์", "lexicon.audio_icon_label"),
    ("อ่านเพิ่มเติม: นายกฯ ลงพื้นที่น้ำท่วม", "lexicon.teaser"), ("นโยบายความเป็นส่วนตัว", "lexicon.footer_marker"),
    ("© 2012 หนังสือพิมพ์ สงวนลิขสิทธิ์", "lexicon.copyright"),
    # Vietnamese
    ("Có thể bạn quan tâm", "lexicon.widget_header"), ("Xem thêm: Giá vàng hôm nay tăng mạnh", "lexicon.teaser"),
    ("Điều khoản sử dụng", "lexicon.footer_marker"),
    # Persian (Arabic script)
    ("آخرین اخبار", "lexicon.widget_header"), ("بیشتر بخوانید: افزایش قیمت نان", "lexicon.teaser"),
    ("نسخه چاپی", "lexicon.audio_icon_label"), ("کلیه حقوق این سایت محفوظ است.", "lexicon.copyright"),
    # Hebrew
    ("כתבות קשורות", "lexicon.widget_header"), ("קראו גם: הממשלה אישרה את התקציב", "lexicon.teaser"),
    ("מדיניות פרטיות", "lexicon.footer_marker"), ("כל הזכויות שמורות", "lexicon.copyright"),
    # Bengali: য় as one character and as two
    ("সর্বাধিক পঠিত", "lexicon.widget_header"), ("আরও পড়ুন: বন্যায় ক্ষতিগ্রস্ত ২০ জেলা", "lexicon.teaser"),
    ("শে\u09af\u09bcার", "lexicon.audio_icon_label"), ("শে\u09dfার", "lexicon.audio_icon_label"),
    # Tamil
    ("தொடர்புடைய செய்திகள்", "lexicon.widget_header"), ("இதையும் படிங்க: மழை எச்சரிக்கை", "lexicon.teaser"),
    ("தனியுரிமைக் கொள்கை", "lexicon.footer_marker"),
    # Urdu
    ("متعلقہ خبریں", "lexicon.widget_header"), ("یہ بھی پڑھیں: بجٹ اجلاس ملتوی", "lexicon.teaser"),
    ("جملہ حقوق محفوظ ہیں", "lexicon.copyright"),
    # Malay, Filipino, Swahili
    ("Berita Berkaitan", "lexicon.widget_header"), ("Dasar Privasi", "lexicon.footer_marker"),
    ("Kaugnay na Balita", "lexicon.widget_header"), ("Basahin din: Presyo ng bigas, tumaas", "lexicon.teaser"),
    ("Habari Zinazohusiana", "lexicon.widget_header"), ("Soma pia: Bei ya mafuta yapanda", "lexicon.teaser"),
    ("Haki zote zimehifadhiwa", "lexicon.copyright"),
    # Ukrainian, Greek
    ("Новини партнерів", "lexicon.widget_header"), ("Усі права захищені", "lexicon.copyright"),
    ("Τελευταίες ειδήσεις", "lexicon.widget_header"), ("Όροι χρήσης", "lexicon.footer_marker"),
    # Romanian (ș and ş), Hungarian
    ("Ultimele știri", "lexicon.widget_header"), ("Ultimele ştiri", "lexicon.widget_header"),
    ("Toate drepturile rezervate", "lexicon.copyright"), ("Ezek is érdekelhetik", "lexicon.widget_header"),
    ("Impresszum", "lexicon.footer_marker"),
    # the web of 2005-2015
    ("Digg | del.icio.us | StumbleUpon | Technorati", "lexicon.social_prompt"),
    ("Printer-friendly version", "lexicon.audio_icon_label"), ("Bookmark and Share", "lexicon.audio_icon_label"),
    ("Trackback URL", "lexicon.audio_icon_label"), ("Newer Post Older Post Home", "lexicon.audio_icon_label"),
    ("Subscribe to: Post Comments (Atom)", "lexicon.footer_marker"),
    ("Posted by Jane Doe at 10:15 PM", "lexicon.post_filing"), ("Posted in Politics | 3 Comments", "lexicon.post_filing"),
    ("Tags: election, Ohio, turnout", "lexicon.post_filing"), ("Blog Archive", "lexicon.section_label"),
]


@pytest.mark.parametrize("line,rule", LABELS)
def test_label_is_named_under_its_rule(lexicon, line, rule):
    found = lexicon.match(line)
    assert found is not None and found.rule == rule, line


BODY = [  # constructed: each holds a label's words inside an article's sentence
    "ผู้สื่อข่าวรายงานว่าข่าวที่เกี่ยวข้องกับการเลือกตั้งได้รับความสนใจอย่างมาก",
    "อ่านเพิ่มเติมได้ในรายงานฉบับเต็มของกระทรวงสาธารณสุข",
    "เขากล่าวว่าจะแชร์ข้อมูลให้ประชาชนทราบภายในสัปดาห์นี้",
    "Tin mới nhất từ Bộ Y tế cho thấy số ca nhiễm đã giảm mạnh.",
    "Ông cho biết sẽ đăng ký tham gia cuộc thi vào tuần tới.",
    "به گفته وزارت بهداشت، آخرین اخبار از وضعیت بیماران امیدوارکننده است.",
    "او گفت مردم باید بیشتر بخوانید و کمتر تلویزیون ببینند.",
    "קראו גם לו לחזור הביתה, אמרו השכנים.",
    "הוא אמר כי כל הזכויות שמורות לעובדים גם לאחר המיזוג.",
    "সরকারের সর্বশেষ খবর অনুযায়ী বন্যা পরিস্থিতির উন্নতি হয়েছে।",
    "তিনি বলেন, শিশুদের আরও পড়ুন বলার চেয়ে বই কিনে দেওয়া ভালো।",
    "தொடர்புடைய செய்திகள் வெளியான பிறகு அமைச்சர் விளக்கம் அளித்தார்.",
    "وزیر نے کہا کہ متعلقہ خبریں غلط ہیں اور ان کی تحقیقات ہوں گی۔",
    "Berita terkini mengenai banjir di Kelantan menunjukkan paras air semakin surut.",
    "Ayon sa ulat, kaugnay na balita ang inilabas ng pulisya kahapon.",
    "Soma pia alisema kuwa serikali itaongeza bajeti ya elimu.",
    "Останні новини з фронту свідчать про запеклі бої.",
    "Οι τελευταίες ειδήσεις από την Αθήνα αναφέρουν ισχυρή βροχόπτωση.",
    "Cele mai citite cărți ale anului au fost romanele polițiste, potrivit librarilor.",
    "A legfrissebb hírek szerint a kormány csütörtökön dönt a javaslatról.",
    "Digg and StumbleUpon were once among the most visited sites on the web.",
    "Tags are small labels that readers used to sort a blog's posts.",
    "Posted by a reader at 10:15 PM, the comment drew hundreds of replies.",
    "Email this to your senator, the campaign urged its members.",
    "Posted in Baghdad for two years, the sergeant returned home in March.",
]


@pytest.mark.parametrize("line", BODY)
def test_sentence_with_the_same_words_is_left_alone(lexicon, line):
    assert lexicon.match(line) is None


@pytest.mark.parametrize("label,rule", [
    ("แชร์", "lexicon.audio_icon_label"), ("הוספת תגובה", "lexicon.audio_icon_label"), ("شیئر کریں", "lexicon.audio_icon_label"),
    ("Μοιραστείτε", "lexicon.audio_icon_label"), ("Email this story", "lexicon.audio_icon_label"),
])
def test_label_between_paragraphs_is_removed_by_the_cleaner(label, rule):
    body = ("China, rich in critical minerals, is intensifying enforcement of stricter export rules "
            "to maintain its global dominance in this vital sector, according to a report.")
    text = "\n\n".join([body, label, body.replace("China", "Beijing")])
    result = clean_text(text, Engine.load())
    removed = {r["line"]: r["rule"] for r in result.metadata["removed"]}
    assert removed == {3: rule}
