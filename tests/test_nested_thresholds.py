"""training/nested_thresholds.py: the rules' thresholds chosen for each fold on the other
folds' design pages only, then the fold cleaned with its choice. The choice on hand-made
score rows (which pages it may read); the cleaning on real pages (tests/data/pages, the
shipped line model standing for every fold's model) against cv.py's own cleaning.
Needs scikit-learn (the `train` extra, as cv.py does); skipped without it."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import PAGES, ROOT

pytest.importorskip("sklearn")
sys.path.insert(0, str(ROOT / "training"))
import cv  # noqa: E402
import nested_thresholds as nt  # noqa: E402
from pipeline.evaluate import score_page  # noqa: E402

KEY = "list_keep_probability"


def _rows(pages):
    return {i: {"id": i, "source": s, "fold": f, "tok_f1": v} for i, (s, f, v) in pages.items()}


def test_choice_reads_only_the_other_folds_design_pages():
    grid, shipped = {KEY: [0.2, 0.25, 0.3]}, {KEY: 0.25}
    base = {"a": ("sh", 0, 0.9), "b": ("wcxb", 1, 0.9), "c": ("readability", 1, 0.5), "d": ("fundus", 2, 0.9)}
    rows = {"shipped": _rows(base),
            f"{KEY}=0.2": _rows({**base, "a": ("sh", 0, 1.0)}),  # better on fold 0 only
            f"{KEY}=0.3": _rows({**base, "c": ("readability", 1, 1.0)})}  # better on readability only
    rows[f"{KEY}=0.25"] = rows["shipped"]
    # fold 0 held out: its page's gain is not seen; readability's is never read
    assert nt.choose(rows, grid, shipped, {1, 2}, nt.DESIGN) == shipped
    assert nt.choose(rows, grid, shipped, {0, 1, 2}, nt.DESIGN) == {KEY: 0.2}
    # each design source weighs the same: one sh page's gain of 0.1 beats a loss of
    # 0.05 on one of two wcxb pages (-0.025 on wcxb's mean)
    worse = _rows({**base, "a": ("sh", 0, 1.0), "e": ("wcxb", 1, 0.85)})
    rows2 = {"shipped": _rows({**base, "e": ("wcxb", 1, 0.9)}), f"{KEY}=0.2": worse}
    rows2[f"{KEY}=0.25"] = rows2["shipped"]
    rows2[f"{KEY}=0.3"] = rows2["shipped"]
    assert nt.choose(rows2, grid, shipped, {0, 1}, nt.DESIGN) == {KEY: 0.2}


def test_cleans_as_cv_and_scores_each_fold_with_its_choice(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    for f in range(5):  # the shipped model for every fold (in-sample: a check of the plumbing)
        shutil.copyfile(ROOT / "pipeline" / "data" / "line_model.json", models / f"fold-{f}.json")
    out = tmp_path / "out"
    grid = {"last_prose_probability": [0, 0.3], "between_prose_probability": [0, 0.3]}
    subprocess.run([sys.executable, str(ROOT / "training" / "nested_thresholds.py"), str(PAGES), "--model",
                    str(models), "--out", str(out), "--grid", json.dumps(grid), "--design", "sh,wcxb"],
                   check=True, capture_output=True, text=True)
    read = lambda p: {r["id"]: r for r in map(json.loads, p.read_text(encoding="utf-8").splitlines())}  # noqa: E731
    shipped = read(out / "grid" / "shipped.jsonl")
    assert len(shipped) == 6 and {r["fold"] for r in shipped.values()} == {0, 1, 2}

    # the shipped values clean every page as cv.py --model does
    cv._DOCS = cv.load_docs(PAGES, tmp_path / "cache")
    docs = {d["id"]: d for d in cv._DOCS}
    threshold = json.loads((ROOT / "pipeline" / "data" / "line_model.json").read_text())["threshold"]
    for f in (0, 1, 2):
        job = (f, 5, PAGES, tmp_path / "cv", threshold, {}, None, str(models), [], None, frozenset(), {}, "site")
        _, cleaned, _ = cv.run_fold(job)
        for page_id, (body, *_rest) in cleaned.items():
            d = docs[page_id]
            assert shipped[page_id] == {**score_page(page_id, d["source"], body, d["gold"]).to_dict(), "fold": f, "site": d["host"]}

    # each fold is scored with the choice made without it
    choices = json.loads((out / "choices.json").read_text())
    nested = read(out / "scores.jsonl")
    assert set(nested) == set(shipped)
    for page_id, row in nested.items():
        choice = choices["folds"][str(row["fold"])]
        changed = {k: v for k, v in choice.items() if v != choices["shipped"][k]}
        if not changed:
            assert row["tok_f1"] == shipped[page_id]["tok_f1"]
        elif len(changed) == 1:
            (k, v), = changed.items()
            assert row["tok_f1"] == read(out / "grid" / f"{k}={v}.jsonl")[page_id]["tok_f1"]
