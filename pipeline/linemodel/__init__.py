"""Line classifier for plain-text page dumps: article body vs. page chrome.

Gradient-boosted trees (trained offline with scikit-learn, training/train_line_model.py),
stored as plain JSON in data/line_model.json, score every non-blank line of a page from
its own shape (length, stopword density, punctuation, casing, separators, ...) and its
neighbourhood (the run of consecutive lines it sits in, nearby lines, distance to the
page's densest stretch of prose, templated repeats and time stamps around it).

The modules:
- shape.py: a line's own shape from its text (regexes, character classes, stoplists);
- containment.py: long lines inside longer ones (teasers, duplicated copies);
- features.py: the feature registry (each feature's name and how it is computed) and
  the page's feature matrix;
- forest.py: the tree-ensemble runtime (scores and per-feature contributions);
- reasons.py: the phrases that explain a decision;
- this file: loading the model and scoring a page.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.linemodel.features import FEATURES, feature_matrix, line_features
from pipeline.linemodel.forest import Forest, sigmoid
from pipeline.linemodel.reasons import top_reasons
from pipeline.memo import LineMemo

__all__ = ["LineScore", "PageScores", "score_lines", "score_page", "line_features", "FEATURES",
           "load_model", "MODEL_PATH", "Forest"]

MODEL_PATH = Path(__file__).parent.parent / "data" / "line_model.json"


@dataclass(frozen=True)
class LineScore:
    body_prob: float          # probability the line is article body
    reasons: tuple[str, ...]  # 1-3 short human-readable top contributing signals


@lru_cache(maxsize=4)
def load_model(path: str | None = None) -> dict:
    """{"stage1": the Forest, "threshold": body if probability >= it, "features": the
    model's feature names, "columns": where each is in feature_matrix's columns, or None
    when they are FEATURES in order}.  The model names its features; they are looked up
    by name, so a model may list them in any order, but every one must be known."""
    source = Path(path or MODEL_PATH)
    spec = json.loads(source.read_text(encoding="utf-8"))
    if "stage2" in spec:
        raise ValueError(f"{source}: a stacked stage-2 model; the runtime scores stage 1 only")
    names = list(spec["features"])
    unknown = [name for name in names if name not in FEATURES]
    if unknown:
        raise ValueError(f"{source}: features this version does not compute: {', '.join(unknown)}; retrain it")
    columns = None if names == FEATURES else np.array([FEATURES.index(name) for name in names])
    caseless = spec.get("caseless")
    return {"stage1": Forest(spec["stage1"]), "threshold": float(spec["threshold"]),
            "features": tuple(names), "columns": columns,
            "caseless": Forest(caseless["stage1"]) if caseless else None}


# The case features, and the letters of the uncased scripts the caseless model is not
# used for: those written without spaces between words (Thai, Lao, Myanmar, Khmer; Han and
# kana, also told by cjk_ratio, which is 0 on a page written in them), and Hangul (the dev
# set's Korean pages scored lower with it).
_CASE_COLUMNS = tuple(FEATURES.index(name) for name in ("upper_ratio", "first_char_lower", "alpha_ratio", "cjk_ratio"))
_NOT_CASELESS = re.compile("[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
                           "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def caseless_page(lines: list[str], idx: list[int], X: np.ndarray) -> bool:
    """Whether most of the page's lines with letters are in a script without case and with
    spaces between words (Arabic, Hebrew, Persian, Devanagari, Bengali...): no letter upper
    or lower case, no CJK, Hangul or Thai-like letters. X: feature_matrix's columns.

    Such a line gives the case features of an English sentence's opening (title_ratio 0,
    upper_ratio 0, first_char_lower 0), and the model trained on cased pages read a
    headline of another story as prose; these pages are scored by the model trained
    without the case features (load_model's "caseless"). Scripts without spaces and Korean
    keep the shipped model: the case-blind one scored the Thai cipher and the dev set's
    CJK pages lower (docs/quality.md, twenty-sixth round)."""
    upper, first_lower, alpha, cjk = (X[:, c] for c in _CASE_COLUMNS)
    lettered = int(np.count_nonzero(alpha > 0))
    candidates = np.flatnonzero((upper == 0) & (first_lower == 0) & (alpha > 0) & (cjk < 0.3))
    if 2 * len(candidates) <= lettered:  # an English page: a few lines, or none, to look at
        return False
    uncased = 0
    for k in candidates.tolist():
        s = lines[idx[k]]
        if s.upper() == s and _NOT_CASELESS.search(s) is None:  # no lower-case letter either
            uncased += 1
    return 2 * uncased > lettered


class PageScores:
    """The line model's reading of one page: every line's body probability, and the
    reasons (its top signals) for the lines they are asked for. Working out a line's
    reasons costs about as much as scoring it, and a run shows them only for the lines
    whose decision the model made (half of the scored lines on the dev set)."""

    def __init__(self, n_lines: int, idx: list[int] | None = None, feats: np.ndarray | None = None,
                 forest: Forest | None = None, names=(), threshold: float = 0.5):
        self.body_prob = [0.0] * n_lines  # per line; blank lines 0.0
        self._row_of = {i: k for k, i in enumerate(idx or [])}
        if not idx:
            return
        self._feats, self._forest, self._names = feats, forest, tuple(names)
        raw, self._leaves = forest.scores_and_leaves(feats)
        probs = [sigmoid(z) for z in raw]
        self._is_body = [p >= threshold for p in probs]
        for i, p in zip(idx, probs):
            self.body_prob[i] = round(p, 6)

    def reasons(self, lines) -> dict[int, tuple[str, ...]]:
        """Line index -> its reasons: up to three phrases for the signals that pushed it
        most towards its side ("blank" for a blank line)."""
        lines = list(lines)
        out = {i: ("blank",) for i in lines if i not in self._row_of}
        asked = [i for i in lines if i in self._row_of]
        if not asked:
            return out
        rows = np.array([self._row_of[i] for i in asked], dtype=np.int64)
        contrib = self._forest.contributions(self._feats, self._leaves, rows)
        body = [self._is_body[k] for k in rows.tolist()]
        out.update(zip(asked, top_reasons(contrib, body, self._names)))
        return out


def score_page(lines: list[str], language: str | None, model_path: str | None = None,
               memo: LineMemo | None = None, threshold: float | None = None) -> PageScores:
    """The page's lines scored; reasons on demand (PageScores.reasons), towards the side
    of `threshold` (None: the model's own) each line falls on."""
    idx, X = feature_matrix(lines, language, memo)
    if not idx:
        return PageScores(len(lines))
    m = load_model(model_path)
    forest = m["stage1"]
    if m["caseless"] is not None and caseless_page(lines, idx, X):
        forest = m["caseless"]
    if m["columns"] is not None:
        X = X[:, m["columns"]]
    return PageScores(len(lines), idx, X, forest, m["features"],
                      m["threshold"] if threshold is None else threshold)


def score_lines(lines: list[str], language: str | None, model_path: str | None = None,
                memo: LineMemo | None = None) -> list[LineScore]:
    """One LineScore per input line, with its reasons (blank lines: probability 0, reason
    "blank")."""
    page = score_page(lines, language, model_path, memo)
    reasons = page.reasons(range(len(lines)))
    return [LineScore(p, reasons[i]) for i, p in enumerate(page.body_prob)]
