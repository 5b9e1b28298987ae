"""The line model's block-level features (pipeline/linemodel/blocks.py) on real pages:
comment records form a stream the article stays out of, the prose gap and the dense
prose stretch agree with plain definitions, and the new columns come last."""
from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import DATA, PAGES
from pipeline.linemodel import blocks
from pipeline.linemodel.features import FEATURES, feature_matrix
from pipeline.normalise import normalise

COMMENTS = DATA / "comments"
# pages whose comment section follows the article (tests/data/comments/README.md)
WITH_COMMENTS = ("wcxb-dev-4449", "fundus-de-NetzpolitikOrg-20240428", "sh-232a43fb15abde80")
NEW = ("sig_repeat", "record_stream", "prose_gap", "gap_mean_words", "gap_end_share", "prose_sandwich",
       "in_dense", "dist_dense", "dense_prose_between", "run_stop")


def _page(folder, page_id):
    lines = normalise((folder / "text" / f"{page_id}.txt").read_text("utf-8")).split("\n")
    gold = (folder / "gold" / f"{page_id}.txt").read_text("utf-8")
    idx, X = feature_matrix(lines, None)
    return lines, gold, idx, X


def _all_pages():
    for folder in (COMMENTS, PAGES):
        for path in sorted((folder / "text").glob("*.txt")):
            yield (folder, path.stem)


def col(X, name):
    return X[:, FEATURES.index(name)]


def test_new_features_come_after_the_shipped_ones():
    start = FEATURES.index(NEW[0])  # the block features, in order, after the 59 before them
    assert start == 59 and FEATURES[start:start + len(NEW)] == list(NEW)
    assert len(set(FEATURES)) == len(FEATURES)


@pytest.mark.parametrize("page_id", WITH_COMMENTS)
def test_comment_records_form_a_stream_and_the_article_stays_out(page_id):
    lines, gold, idx, X = _page(COMMENTS, page_id)
    stream = col(X, "record_stream")
    # body: lines of four words or more found in the gold body
    body = np.array([len(lines[i].split()) >= 4 and lines[i].strip() in gold for i in idx])
    assert body.sum() >= 5
    assert not (stream[body] > 0).any(), [lines[idx[k]] for k in np.flatnonzero(body & (stream > 0))]
    # the comments below the article: most of the lines there are inside a stream
    below = np.arange(len(idx)) > np.flatnonzero(body).max()
    assert (stream[below] > 0).mean() > 0.5
    assert stream[below].max() >= math.log1p(blocks.MIN_RECORDS)


def test_signatures_ignore_names_and_numbers():
    # real comment headers of tests/data/comments pages, as the model sees them (masked)
    assert blocks.signature("by fons_de_spons ( 0 )") == blocks.signature("by wheres the kaboom ( 0 )")
    assert blocks.tail_signature("philipp sagt:") == blocks.tail_signature("modern wife sagt:")
    assert blocks.signature("0 days ago at 0:0 am") == blocks.signature("0 hours ago at 0:0 pm")
    assert blocks.signature("by someone ( 0 )") != blocks.signature("re: ( score:0)")


@pytest.mark.parametrize("folder,page_id", list(_all_pages()))
def test_prose_gap_and_sandwich_match_their_definitions(folder, page_id):
    lines, _, idx, X = _page(folder, page_id)
    good = col(X, "good") > 0
    words = col(X, "n_words")
    n = len(idx)
    for k in range(n):
        if good[k]:
            assert col(X, "prose_gap")[k] == 0.0
        else:  # the run of consecutive non-prose lines around k
            lo = k
            while lo > 0 and not good[lo - 1]:
                lo -= 1
            hi = k
            while hi < n - 1 and not good[hi + 1]:
                hi += 1
            assert col(X, "prose_gap")[k] == pytest.approx(math.log1p(hi - lo + 1))
            assert col(X, "gap_mean_words")[k] == pytest.approx(words[lo:hi + 1].mean())
        above = sum(words[j] for j in range(max(0, k - blocks.PROSE_WINDOW), k) if good[j])
        below = sum(words[j] for j in range(k + 1, min(n, k + 1 + blocks.PROSE_WINDOW)) if good[j])
        assert col(X, "prose_sandwich")[k] == pytest.approx(math.log1p(min(above, below)))


@pytest.mark.parametrize("folder,page_id", list(_all_pages()))
def test_dense_stretch_is_one_stretch_holding_prose(folder, page_id):
    _, _, _, X = _page(folder, page_id)
    inside = np.flatnonzero(col(X, "in_dense") > 0)
    if not (col(X, "good") > 0).any() and not (col(X, "end_punct") > 0).any():
        assert len(inside) == 0
        return
    assert len(inside) and (np.diff(inside) == 1).all()  # contiguous
    # it holds prose or sentence-ending lines (what the density counts)
    assert ((col(X, "good")[inside] > 0) | (col(X, "end_punct")[inside] > 0)).any()
    dist = col(X, "dist_dense")
    assert (dist[inside] == 0).all() and (dist[col(X, "in_dense") == 0] > 0).all()
    # farther from the stretch, never closer
    k = np.arange(len(dist))
    above, below = k < inside[0], k > inside[-1]
    assert (np.diff(dist[above]) <= 0).all() and (np.diff(dist[below]) >= 0).all()


def test_the_shipped_model_reads_the_block_features():
    import json

    from pipeline import linemodel as lm

    spec = json.loads(lm.MODEL_PATH.read_text("utf-8"))
    names = spec["features"]
    assert set(NEW) <= set(names)
    split_on = {names[node[0]] for tree in spec["stage1"]["trees"] for node in tree if node[0] >= 0}
    # the trained trees split on the record stream and on the prose gap
    assert {"record_stream", "prose_gap"} <= split_on
