"""The tenth round's shortcuts outside the line classifier against the plain code they
replace, on real text: langdetect's n-gram rows of a new word, the JSON writer's cached
key heads, the report's line rows and the duplicate index's band layout."""
import json
import random
import re

import numpy as np
from langdetect import detector_factory

from pipeline import dedup_corpus, language, report, write
from pipeline.options import Options

from conftest import PAGES, SEEDS

_SPECIAL_WORDS = ["A", "AB", "ABC", "aBC", "AbC", "McDONALD", "NASA", "iPhone", "ǅemal", "ǅǅ", "Ǆǅ", "ΣΑΣ", "σας",
                  "İstanbul", "ŞİŞLİ", "ı", "x", "xY", "Xy", "ÀÉ", "日本語", "ß", "ẞ", "ＡＢＣ", "ａｂｃ", "ﬁ", "Ⅻ", "ⅻ",
                  "1A", "A1", "a1B2", "ĲSSEL", "𝐀𝐁", "ᾈ", "ᾀᾈ", "Ωmega", "KELVIN\u212a"]


def _real_words() -> list[str]:
    """Normalised words as _TokenRows hands them to _WordRows: every token of the seeds'
    and the test data's texts."""
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted(PAGES.parent.rglob("*.txt"))]
    words = set()
    for line in (line for text in texts for line in text.split("\n")):
        for token in language._prepare(line).split(" "):
            words.update(token.translate(language._NORMALISED).split(" "))
    return sorted(words)


def test_word_rows_equal_the_rows_of_the_word_ngrams():
    """_word_rows gives the same profile rows, in the same order, as the plain path
    (_word_ngrams of the word and a space, then _rows), on real words of many scripts,
    upper-case runs and the case special cases."""
    detector_factory.init_factory()
    known = detector_factory._factory.word_lang_prob_map
    words = _real_words() + _SPECIAL_WORDS + [w.upper() for w in _SPECIAL_WORDS] + [""]
    assert len(words) > 4000
    rng = random.Random(4)
    letters = "aAbBzZ ǅǄǆİıßẞΣσς日ＡａⅫⅻ1"
    words += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 8))).replace(" ", "") for _ in range(3000)]
    for word in words:
        plain = np.frombuffer(language._rows(language._word_ngrams(word + " ", known), known), dtype=np.int32)
        fast = np.frombuffer(language._word_rows(word, known), dtype=np.int32)
        assert np.array_equal(language._MATRIX[fast], language._MATRIX[plain]), repr(word)
        assert [language._ROW_OF[g] for g in language._word_ngrams(word + " ", known)] == fast.tolist(), repr(word)


def test_language_guess_unchanged_with_cold_caches():
    """The detector with emptied word caches (every word through _word_rows) gives what
    langdetect itself gives on the seeds and the test data's pages (many languages)."""
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(PAGES.parent.rglob("*.txt"))]
    texts += [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.rglob("*.txt"))]
    assert len(texts) > 30
    for text in texts:
        language._WORD_ROWS.clear()
        language._TOKEN_ROWS.clear()
        lines = text.split("\n")
        assert language.detect(lines, 3000, 0) == language.detect(lines, 3000, 0, backend="langdetect")


def test_to_json_with_key_heads_equals_json_dumps():
    """The cached heads of a key set: the same keys in another order, at other depths,
    keys that need escaping, non-str keys (left to json) and a full cache emptied."""
    def reference(value):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"

    row = {"line": 3, "text": "Menu \"x\"", "rule": "lexicon.a", "reason": "r", "source": "en.toml"}
    shuffled = dict(reversed(list(row.items())))
    odd_keys = {"\u2028": 1, "\"": "q", "é": [row], "": {}}
    for value in ({"removed": [row, shuffled, row]}, [row, [shuffled, [row]]], odd_keys, {"a": odd_keys, "b": [odd_keys]},
                  {1: "a"}, {"a": {1: "a"}}, {"x": True, "y": None, "z": 1.5, "w": float("nan")}):
        assert write.to_json(value) == reference(value) == write.to_json_python(value), repr(value)
    for value in ({"b": 1, 2: 3}, {"a": [{"b": 1, 2: 3}]}):  # json cannot sort them either
        for encode in (write.to_json, write.to_json_python, reference):
            try:
                encode(value)
            except TypeError:
                continue
            raise AssertionError(f"{encode} wrote {value!r}")
    saved = write._HEADS_MAX
    write._HEADS_MAX = 3
    try:
        rng = random.Random(9)
        for _ in range(200):
            value = {f"k{rng.randint(0, 9)}": {f"j{rng.randint(0, 5)}": rng.randint(0, 3) for _ in range(3)}
                     for _ in range(4)}
            assert write.to_json_python(value) == reference(value) == write.to_json(value)
            assert len(write._HEADS) <= 3
    finally:
        write._HEADS_MAX = saved


def _plain_document_lines(meta, out):
    """report.document_lines as it was written before _line_rows: a dict a line."""
    removed = [r for r in meta.get("removed") or [] if isinstance(r, dict) and isinstance(r.get("line"), int)]
    kept_numbers = [n for n in meta.get("lines_kept") or [] if isinstance(n, int)]
    lines = [{"line": r["line"], "text": r.get("text", ""), "keep": False, "rule": r.get("rule", ""),
              "reason": r.get("reason", ""), "source": r.get("source")} for r in removed]
    note = None
    if kept_numbers:
        texts = None
        body_path = out / f"{meta.get('id')}.txt"
        if meta.get("status") == "cleaned" and body_path.is_file():
            paragraphs = body_path.read_text("utf-8").rstrip("\n").split("\n\n")
            if len(paragraphs) == len(kept_numbers):
                texts = paragraphs
        if texts is None:
            source_lines = report._reread_input(meta)
            if source_lines is not None and max(kept_numbers) <= len(source_lines):
                texts = [source_lines[n - 1] for n in kept_numbers]
        if texts is None:
            note = f"{len(kept_numbers)} kept line(s) not shown: the body file and the input are not available"
        else:
            lines += [{"line": n, "text": t, "keep": True} for n, t in zip(kept_numbers, texts)]
    return sorted(lines, key=lambda l: l["line"]), note


def test_report_line_rows_equal_the_plain_lines(tmp_path):
    """The report's rows of a document equal the plain dict-a-line version on the seeds'
    and the text test pages' outputs, and on hand-edited metadata (a removed and a kept line with one number, the
    order of equal numbers kept, odd values)."""
    from pipeline.runner import run

    out = tmp_path / "out"
    run([str(SEEDS), str(PAGES / "text")], out, Options(workers=1))
    metas = [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json"))
             if p.name not in ("run.json",)]
    assert len(metas) > 8
    odd = dict(metas[0])
    odd["removed"] = [{"line": 2, "text": "b", "rule": ["x"], "reason": None},
                      {"line": 1, "text": "a", "rule": "r", "reason": "why", "source": "s"},
                      {"line": 2, "text": "c"}, {"line": "3"}, "junk"]
    metas.append(odd)
    for meta in metas:
        assert report.document_lines(meta, out) == _plain_document_lines(meta, out)
    html = report.build_report(out)
    assert html.count('<details class="doc"') == len(metas) - 1


def test_known_band_layouts_are_datasketchs():
    from datasketch import MinHashLSH

    for (threshold, permutations), layout in dedup_corpus._KNOWN_LAYOUTS.items():
        lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
        assert layout == (lsh.b, lsh.r)
    defaults = Options()
    assert (defaults.near_duplicate_threshold, defaults.minhash_permutations) in dedup_corpus._KNOWN_LAYOUTS
    assert (defaults.near_duplicate_candidates, defaults.minhash_permutations) in dedup_corpus._KNOWN_LAYOUTS
    lsh = MinHashLSH(threshold=0.55, num_perm=64)
    assert dedup_corpus._band_layout(0.55, 64) == (lsh.b, lsh.r)
