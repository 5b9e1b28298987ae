"""The line model's lexical-cohesion features (pipeline/linemodel/blocks.py, third round
of 2026-12-02) on real pages: each agrees with a plain definition, the content words of
a line are read alike in scripts with and without spaces, and the columns come last."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import DATA, PAGES
from pipeline.linemodel import blocks
from pipeline.linemodel.features import FEATURES, feature_matrix
from pipeline.linemodel.shape import pick_stoplist
from pipeline.linewords import words_of as line_words
from pipeline.normalise import normalise

COHESION = ("core_overlap", "win_core_overlap", "page_overlap", "win_page_overlap", "lead_overlap",
            "win_lead_overlap")
FOLDERS = (PAGES, DATA / "comments", DATA / "languages")


def _pages():
    for folder in FOLDERS:
        for path in sorted((folder / "text").glob("*.txt")):
            yield folder, path.stem


def col(X, name):
    return X[:, FEATURES.index(name)]


def test_cohesion_columns_come_last():
    assert FEATURES[-len(COHESION):] == list(COHESION)


def test_content_words_of_real_lines():
    # fundus-de-NetzpolitikOrg-20240428 (tests/data/comments): numbers and short words out
    words = blocks.content_words("Am 25. April 2024 hat der Bundestag das Gesetz beschlossen.")
    assert words == tuple(sorted({"april", "bundestag", "das", "der", "gesetz", "hat", "beschlossen"}))
    # readability-pixnet (Chinese, no spaces): character bigrams of each CJK run, Latin words whole
    words = blocks.content_words("同樣的造型加上不同色彩 cool!")
    assert {"同樣", "樣的", "色彩", "cool"} <= set(words) and "同樣的" not in words
    assert blocks.content_words("By 12 am") == ()  # short words and numbers only
    assert blocks.content_words("旅遊") == ("旅遊",)


def _plain(texts, stop, members, exclude_self=True):
    """share of each line's content words found in the lines `members` (itself left out)."""
    words = [set(w for w in blocks.content_words(t) if w not in stop) for t in texts]
    out = []
    for k, ws in enumerate(words):
        if not ws:
            out.append(math.nan)
            continue
        others = set().union(*(words[j] for j in members if j != k or not exclude_self))
        out.append(sum(1 for w in ws if w in others) / len(ws))
    return np.array(out)


@pytest.mark.parametrize("folder,page_id", list(_pages()))
def test_cohesion_matches_its_definition(folder, page_id):
    lines = normalise((folder / "text" / f"{page_id}.txt").read_text("utf-8")).split("\n")
    idx, X = feature_matrix(lines, None)
    texts = [lines[i].strip() for i in idx]
    sample = [w.lower() for t in texts for w in line_words(t)][:3000]  # as feature_matrix guesses
    stop = pick_stoplist(None, sample)
    n = len(idx)
    good = col(X, "good") > 0
    core = [k for k in range(n) if col(X, "in_dense")[k] > 0 and (good[k] or col(X, "end_punct")[k] > 0)]
    np.testing.assert_allclose(col(X, "core_overlap"), _plain(texts, stop, core), equal_nan=True)
    lead = [k for k in range(n) if good[k]][:blocks.LEAD_LINES]
    np.testing.assert_allclose(col(X, "lead_overlap"), _plain(texts, stop, lead), equal_nan=True)
    # page_overlap: found in the long-enough lines of the other runs of consecutive lines
    runs = np.cumsum(np.append(True, np.diff(idx) != 1))
    words = [set(w for w in blocks.content_words(t) if w not in stop) for t in texts]
    long_enough = col(X, "n_words") >= blocks.COHESION_WORDS
    for k in range(n):
        if not words[k]:
            assert math.isnan(col(X, "page_overlap")[k])
            continue
        others = set().union(*(words[j] for j in range(n) if long_enough[j] and runs[j] != runs[k]))
        assert col(X, "page_overlap")[k] == pytest.approx(sum(w in others for w in words[k]) / len(words[k]))
    for name in COHESION:
        v = col(X, name)
        assert np.all(np.isnan(v) | ((v >= 0) & (v <= 1))), name


def test_the_article_shares_its_words_more_than_the_menus():
    # wcxb-dev-4500 and sh-14cc2a0ca59c62a8 (tests/data/pages): the gold body's lines find
    # more of their words in the dense prose than the page's other lines do
    for page_id in ("wcxb-dev-4500", "sh-14cc2a0ca59c62a8"):
        lines = normalise((PAGES / "text" / f"{page_id}.txt").read_text("utf-8")).split("\n")
        gold = (PAGES / "gold" / f"{page_id}.txt").read_text("utf-8")
        idx, X = feature_matrix(lines, None)
        body = np.array([len(lines[i].split()) >= 4 and lines[i].strip() in gold for i in idx])
        v = col(X, "win_core_overlap")
        assert np.nanmean(v[body]) > np.nanmean(v[~body]) + 0.1, page_id


def test_every_feature_has_a_reason_phrase():
    # `explain` and the removed lines' reasons name the model's strongest signals in
    # words; a feature without a phrase would show its bare name ("win_core_overlap")
    from pipeline.linemodel.reasons import _REASON

    assert [name for name in FEATURES if name not in _REASON] == []
    for name in COHESION:
        body, chrome = _REASON[name]
        assert body != chrome and "_" not in body + chrome
