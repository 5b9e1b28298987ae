"""Reason phrases: why the line model calls a line body or chrome, in words.

Each feature has two phrases, one for when it pushes a line towards body and one for when
it pushes towards chrome; a line's reasons are the phrases of the (up to three) features
that pushed it most towards the side it fell on.  A feature with no entry shows its name;
page-level features (None) shift the whole page's scores and explain no single line.
To change what `pipeline explain` and the metadata say about a model decision: this file.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

try:  # the picks in C (pipeline/linemodel/_walk.c), where built
    from pipeline.linemodel._walk import top_reasons as _top_reasons_c
except ImportError:  # not built, or a build older than this source: the Python
    _top_reasons_c = None

# Human-readable phrases per feature: (text when it pushes towards body, towards chrome).
_REASON = {
    "log_chars": ("long line", "short line"), "n_words": ("many words", "few words"),
    "log_words": ("many words", "few words"),
    "stop_density": ("prose-like stopword density", "few stopwords"),
    "stop_count": ("many stopwords", "few stopwords"),
    "end_punct": ("ends like a sentence", "no sentence-final punctuation"),
    "end_colon": ("ends with a colon", "ends with a colon"),
    "n_sentences": ("several sentences", "no full sentence"),
    "comma_rate": ("commas like running text", "comma pattern unlike prose"),
    "title_ratio": ("sentence case", "title-case line"), "upper_ratio": ("normal casing", "upper-case heavy"),
    "digit_ratio": ("few digits", "digit/date heavy"), "alpha_ratio": ("mostly letters", "many symbols"),
    "n_separators": ("no separators", "separator characters (| / • >)"),
    "urlish": ("no link/handle", "link, e-mail or handle"), "bullet": ("list item", "list marker"),
    "dateish": ("no date/time", "date or time stamp"), "cjk_ratio": ("CJK text", "CJK share"),
    "repeat_count": ("unique on the page", "text repeated on the page"),
    "contains_long_line": ("unique paragraph", "repeats another paragraph (teaser/copy)"),
    "contained_in_long_line": ("unique paragraph", "repeated inside another line"),
    "avg_word_len": ("typical word length", "atypical word length"),
    "first_char_lower": ("starts lower-case", "starts upper-case"),
    "has_copyright": ("no copyright sign", "copyright notice"),
    "shape_repeat": ("not a repeated template", "templated line repeated on the page"),
    "win10_shape_rep": ("few templated lines around", "among templated/repeated lines"),
    "win10_dateish": ("few time stamps around", "among time stamps (list/comments)"),
    "good": ("prose-like line", "not a prose line"),
    "pos_rel": ("position in the page", "near the page edge"),
    "pos_words_rel": ("position in the page", "near the page edge"),
    "blank_before": ("set off as a paragraph", "glued to the line above"),
    "blank_after": ("set off as a paragraph", "glued to the line below"),
    "run_len": ("stand-alone paragraph", "inside a run of consecutive lines"),
    "run_pos_rel": ("position in its block", "position in its block"),
    "run_mean_words": ("block of long lines", "inside a run of menu-like lines"),
    "run_short_share": ("block of long lines", "inside a run of menu-like lines"),
    "run_good_share": ("block of prose", "block without prose"),
    "prev1_words": ("previous line is long", "previous line is short"),
    "prev1_stop": ("previous line is prose", "previous line is not prose"),
    "prev1_end": ("previous line is a sentence", "previous line is not a sentence"),
    "prev2_words": ("lines above are long", "lines above are short"),
    "next1_words": ("followed by a long line", "followed by a short line"),
    "next1_stop": ("followed by prose", "not followed by prose"),
    "next1_end": ("followed by a sentence", "not followed by a sentence"),
    "next2_words": ("lines below are long", "lines below are short"),
    "win5_mean_logw": ("long lines around", "short lines around"),
    "win5_stop": ("prose around", "no prose around"), "win5_good": ("prose around", "no prose around"),
    "win15_good": ("in a prose region", "far from prose"), "win15_short": ("few short lines around", "many short lines around"),
    "in_main": ("inside the main text block", "outside the main text block"),
    "dist_main": ("close to the main text block", "far from the main text block"),
    # page-level features shift the whole page's scores; they explain no single line
    "main_share": None, "doc_lines": None, "doc_good_share": None, "doc_words_log": None,
    "before_first_good": ("after the first paragraph", "before the first paragraph"),
    "after_last_good": ("before the last paragraph", "after the last paragraph"),
    "dist_good": ("next to prose", "far from prose"),
    # block level (blocks.py)
    "sig_repeat": ("not a repeated template", "a short-line template repeated on the page"),
    "record_stream": ("outside any stream of repeated records", "inside a stream of repeated records (list/comments)"),
    "prose_gap": ("in a short gap between paragraphs", "in a long stretch without prose"),
    "gap_mean_words": ("long lines between the paragraphs", "short lines between the paragraphs"),
    "gap_end_share": ("sentences between the paragraphs", "no sentences between the paragraphs"),
    "prose_sandwich": ("prose above and below", "no prose on one side"),
    "in_dense": ("inside the densest stretch of prose", "outside the densest stretch of prose"),
    "dist_dense": ("close to the densest stretch of prose", "far from the densest stretch of prose"),
    "dense_prose_between": ("little prose between it and the text", "much prose between it and the text"),
    "run_stop": ("its block reads like prose", "its block has few stopwords"),
    # lexical cohesion (blocks.py, third round)
    "core_overlap": ("shares the text's words", "shares few of the text's words"),
    "win_core_overlap": ("its lines share the text's words", "its lines share few of the text's words"),
    "page_overlap": ("its words recur elsewhere on the page", "its words recur nowhere else on the page"),
    "win_page_overlap": ("its lines' words recur elsewhere on the page", "its lines' words recur nowhere else"),
    "lead_overlap": ("shares the lead's words", "shares few of the lead's words"),
    "win_lead_overlap": ("its lines share the lead's words", "its lines share few of the lead's words"),
}


@lru_cache(maxsize=4)
def _phrases(names: tuple) -> tuple[list, list]:
    """Per feature number: the reason phrase when the line is body, and when chrome (None:
    the feature explains no single line)."""
    pairs = [_REASON.get(name, (name, name)) for name in names]
    return [p and p[0] for p in pairs], [p and p[1] for p in pairs]


def top_reasons(contrib: np.ndarray, body: list[bool], names: tuple) -> list[tuple[str, ...]]:
    """Per row of `contrib` (rows x features, the features named `names`): up to three
    phrases for the features that pushed the row most towards its side (`body`)."""
    if _top_reasons_c is not None and contrib.shape == (len(body), len(names)):  # the same picks in C, no sort
        body_phrase, chrome_phrase = _phrases(names)
        got = _top_reasons_c(np.ascontiguousarray(contrib, dtype=np.float64), list(body), body_phrase,
                             chrome_phrase, "body", "chrome")
        if got is not None:
            return got
    return _top_reasons_py(contrib, body, names)


def _top_reasons_py(contrib: np.ndarray, body: list[bool], names: tuple) -> list[tuple[str, ...]]:
    """top_reasons in numpy and Python: where the walk is not built, and a NaN."""
    # Candidates: same sign as the decision, non-zero; by size, then feature number (a
    # stable sort over columns in feature order).
    eligible = (contrib != 0) & ((contrib > 0) == np.array(body)[:, None])
    order = np.argsort(np.where(eligible, -np.abs(contrib), np.inf), axis=1, kind="stable").tolist()
    n_eligible = eligible.sum(axis=1).tolist()
    body_phrase, chrome_phrase = _phrases(names)
    out = []
    for k, is_body in enumerate(body):
        phrase_of = body_phrase if is_body else chrome_phrase
        reasons = []
        for f in order[k][:n_eligible[k]]:
            phrase = phrase_of[f]
            if phrase is not None and phrase not in reasons:
                reasons.append(phrase)
                if len(reasons) == 3:
                    break
        out.append(tuple(reasons) or (("body",) if is_body else ("chrome",)))
    return out
