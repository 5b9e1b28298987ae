"""The page's URL as the line model's topic signal (pipeline/linemodel/slug.py, 2026-12-04,
nineteenth round), on real pages of tests/data/comments (their manifest has each page's URL
and the text dumps have gold bodies): the slug's words are read from the URL, the title line
is the one that names them, the features are computed from the URL and are NaN without one,
and a page cleans with its URL and without it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import DATA, gold_line_set
from pipeline.evaluate import norm_line
from pipeline.linemodel.features import FEATURES, feature_matrix
from pipeline.linemodel.shape import pick_stoplist
from pipeline.linemodel.slug import slug_words
from pipeline.process import clean_bytes

URL_FEATURES = ("url_overlap", "win_url_overlap", "url_cover", "dist_url_title")
FOLDER = DATA / "comments"
MANIFEST = {r["id"]: r for r in map(json.loads, (FOLDER / "manifest.jsonl").read_text("utf-8").splitlines())}


def _page(page_id):
    row = MANIFEST[page_id]
    text = (FOLDER / "text" / f"{page_id}.txt").read_text("utf-8")
    gold = (FOLDER / "gold" / f"{page_id}.txt").read_text("utf-8")
    return row, text, gold


def _title(row, text):
    """The line the slug names (dist_url_title 0), or None."""
    lines = text.split("\n")
    idx, X = feature_matrix(lines, row["language"], url=row["url"])
    at = np.flatnonzero(X[:, FEATURES.index("dist_url_title")] == 0)
    return lines[idx[at[0]]].strip() if len(at) else None


@pytest.mark.parametrize("url, language, words", [
    # digits, ids and the path's furniture out; camel case and accents as the line's words
    ("https://www.macrumors.com/2019/11/18/13-inch-macbook-pro-scissor-keyboard-2020/", "en",
     {"inch", "macbook", "pro", "scissor", "keyboard"}),
    ("https://www.ctpost.com/news/us/article/New-SUVs-and-electric-vehicles-highlight-L-A-14848164.php", "en",
     {"suvs", "electric", "vehicles", "highlight"}),
    ("https://www.lefigaro.fr/international/guerre-en-ukraine-deux-morts-dans-des-frappes-russes-dans-le-nord-est-du-pays-20241122",
     "fr", {"guerre", "ukraine", "morts", "frappes", "russes", "nord", "pays"}),
    # a section's one word is no topic; no URL, no path: no slug
    ("https://alistapart.com/article/understandingwebdesign/", "en", set()),
    ("https://example.org/", "en", set()),
    (None, "en", set()),
])
def test_slug_words(url, language, words):
    got = slug_words(url, pick_stoplist(language, None))
    assert got <= words | {"deux", "est"} and got >= words - {"deux", "est", "guerre", "nord", "pays"}
    assert bool(got) == bool(words)


def test_percent_encoded_cjk_slug():
    # readability-pixnet's URL (its path only: the test pins the decoding): 新竹尖石_美樹營地賞楓
    url = "http://stevenhgm.pixnet.net/blog/post/39926056-%e6%96%b0%e7%ab%b9%e5%b0%96%e7%9f%b3_%e7%be%8e%e6%a8%b9"
    assert {"新竹", "尖石", "美樹"} <= slug_words(url, frozenset())


@pytest.mark.parametrize("page_id", ["sh-232a43fb15abde80", "fundus-de-NetzpolitikOrg-20240428", "wcxb-dev-0396",
                                     "wcxb-dev-4449"])
def test_the_line_the_slug_names_is_the_title_and_the_body_follows_it(page_id):
    # the gold bodies leave the title out: the article starts below the line the slug names
    row, text, gold = _page(page_id)
    title = _title(row, text)
    lines = [norm_line(line) for line in text.split("\n")]
    body = gold_line_set(gold)
    assert title is not None and norm_line(title) not in body
    first_body = min(i for i, line in enumerate(lines) if line in body)
    assert lines.index(norm_line(title)) < first_body < lines.index(norm_line(title)) + 15


def test_features_come_from_the_url_and_are_missing_without_one():
    row, text, _ = _page("sh-232a43fb15abde80")
    lines = text.split("\n")
    idx, with_url = feature_matrix(lines, row["language"], url=row["url"])
    idx2, without = feature_matrix(lines, row["language"])
    cols = [FEATURES.index(name) for name in URL_FEATURES]
    rest = [j for j in range(len(FEATURES)) if j not in cols]
    assert idx == idx2
    assert np.isnan(without[:, cols]).all()  # no URL: missing, as the model was trained to read it
    np.testing.assert_array_equal(with_url[:, rest], without[:, rest])  # the URL touches its columns only
    overlap = with_url[:, FEATURES.index("url_overlap")]
    assert np.nanmax(overlap) > 0.5 and (overlap[~np.isnan(overlap)] == 0).mean() > 0.5  # most lines share none
    dist = with_url[:, FEATURES.index("dist_url_title")]
    assert (dist < 0).any() and (dist > 0).any() and (dist == 0).sum() == 1


@pytest.mark.parametrize("page_id", ["sh-232a43fb15abde80", "fundus-fr-LeFigaro-20241122"])
def test_a_page_cleans_with_its_url_and_without(page_id):
    row, text, _ = _page(page_id)
    data = text.encode("utf-8")
    with_url = clean_bytes(data, f"{page_id}.txt", url=row["url"])
    without = clean_bytes(data, f"{page_id}.txt")
    for result in (with_url, without):
        assert result.status.value == "cleaned" and result.body
    assert with_url.metadata["url"] == row["url"]
    assert clean_bytes(data, f"{page_id}.txt", url=row["url"]).body == with_url.body  # byte for byte
