"""One table of stoplists for the rules and the line model, holding every stoplist
jusText ships; and a line model given to the Engine is the one that decides."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import justext

from conftest import SEEDS
from pipeline import linemodel
from pipeline.linemodel.shape import pick_stoplist
from pipeline.language import _stoplist_names, guess_codes, stopwords
from pipeline.process import Engine, clean_text


def test_every_jusText_stoplist_is_in_the_one_table():
    assert set(_stoplist_names().values()) == set(justext.get_stoplists())
    assert all(code in _stoplist_names() for code in guess_codes())


def test_rules_and_line_model_read_the_same_stoplists():
    korean = stopwords("ko")
    assert "그리고" in korean  # Korean: in jusText, now also for the rules
    for code in ("ko", "en", "de", "pt-br", "ja"):
        assert pick_stoplist(code, None) is stopwords(code)
    assert stopwords("pt-br") == stopwords("pt") != frozenset()
    assert stopwords("ja") == frozenset()
    # unknown language: the best-covering stoplist of the guess list
    words = "der die das und ist nicht mit von zu den".split()
    assert pick_stoplist(None, words) == stopwords("de")


def test_engine_cleans_with_the_line_model_it_is_given(tmp_path: Path):
    """The same trees with a threshold just above the weakest body line the shipped
    model keeps: that line goes, as the line model's decision."""
    path = sorted(SEEDS.glob("*.txt"))[0]
    page = path.read_text("utf-8")
    shipped = clean_text(page, Engine.load())
    assert "model.chrome" not in shipped.metadata["rules"]
    kept_by_model = [d.line for d in shipped.decisions if d.keep and d.rule == "keep.body"]
    probs = linemodel.score_page(shipped.lines, shipped.metadata["language"]).body_prob
    weakest = min(probs[n - 1] for n in kept_by_model)
    spec = json.loads(linemodel.MODEL_PATH.read_text("utf-8"))
    spec["threshold"] = weakest + 1e-6
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(spec), "utf-8")
    given = clean_text(page, replace(Engine.load(), line_model=str(strict)))
    assert given.metadata["rules"]["model.chrome"] >= 1
    assert len(given.body) < len(shipped.body)


def test_the_line_model_reads_cjk_function_characters_from_the_table():
    """Japanese has no jusText stoplist: its particles, from the one table, are its
    stopwords in the line model's density."""
    from importlib import resources

    from pipeline.language import cjk_function_chars
    from pipeline.linemodel.features import feature_matrix

    table = json.loads((resources.files("pipeline") / "data" / "stoplists.json").read_text("utf-8"))
    assert cjk_function_chars() == frozenset(table["_cjk_function_chars"]) and "の" in cjk_function_chars()
    column = linemodel.FEATURES.index("stop_density")
    _, x = feature_matrix(["東京の天気は晴れです。", "東京天気晴"], "ja")
    assert x[0, column] > 0 and x[1, column] == 0
