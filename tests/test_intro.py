"""The line model's list-introduction features (pipeline/linemodel/blocks.py, fourth
round of 2026-12-02) on real pages: each agrees with a plain definition, and the lines an
article's sentence introduces ("... the following:") read as under it, the page header's
menus not."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import DATA, PAGES
from pipeline.linemodel import blocks
from pipeline.linemodel.features import FEATURES, feature_matrix
from pipeline.normalise import normalise

INTRO = ("intro_dist", "intro_words", "intro_stop")
FOLDERS = (PAGES, DATA / "comments", DATA / "languages")


def _pages():
    for folder in FOLDERS:
        for path in sorted((folder / "text").glob("*.txt")):
            yield folder, path.stem


def col(X, name):
    return X[:, FEATURES.index(name)]


def test_intro_columns_come_last():
    assert FEATURES[-len(INTRO):] == list(INTRO)


@pytest.mark.parametrize("folder,page_id", list(_pages()))
def test_intro_matches_its_definition(folder, page_id):
    lines = normalise((folder / "text" / f"{page_id}.txt").read_text("utf-8")).split("\n")
    idx, X = feature_matrix(lines, None)
    texts = [lines[i].strip() for i in idx]
    words, good, stopd = col(X, "n_words"), col(X, "good") > 0, col(X, "stop_density")
    for k in range(len(idx)):
        # the nearest line above ending in a colon with enough words, no prose between
        intro = None
        for j in range(k - 1, max(-1, k - blocks.INTRO_REACH - 1), -1):
            if texts[j].rstrip("\"'”’»)]}*  ").endswith(":") and words[j] >= blocks.INTRO_WORDS:
                intro = j
                break
            if good[j]:
                break
        if intro is None:
            assert (col(X, "intro_dist")[k], col(X, "intro_words")[k]) == (-1.0, 0.0)
            assert math.isnan(col(X, "intro_stop")[k])
        elif not good[k] or texts[k].endswith(":"):
            assert col(X, "intro_dist")[k] == pytest.approx(math.log1p(k - intro))
            assert col(X, "intro_words")[k] == words[intro]
            assert col(X, "intro_stop")[k] == pytest.approx(stopd[intro], nan_ok=True)
        else:  # a prose line is under no introduction
            assert col(X, "intro_dist")[k] == -1.0


def test_the_commands_a_sentence_introduces():
    # wcxb-dev-0437 (tests/data/pages): "... To get started, I'd suggest digging in with
    # the following:" then git commands and comments, all in the gold body; the page
    # header's menu lines are under no introduction
    lines = normalise((PAGES / "text" / "wcxb-dev-0437.txt").read_text("utf-8")).split("\n")
    gold = (PAGES / "gold" / "wcxb-dev-0437.txt").read_text("utf-8")
    idx, X = feature_matrix(lines, None)
    at = {i: k for k, i in enumerate(idx)}
    intro = next(i for i in idx if lines[i].endswith("digging in with the following:"))
    command = next(i for i in idx if i > intro and lines[i].strip() == "git init")
    assert lines[command].strip() in gold
    assert col(X, "intro_dist")[at[command]] == pytest.approx(math.log1p(at[command] - at[intro]))
    assert col(X, "intro_words")[at[command]] == col(X, "n_words")[at[intro]] > 30
    assert all(col(X, "intro_dist")[at[i]] == -1.0 for i in idx if i < intro)
