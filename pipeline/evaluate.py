"""Score clean bodies against gold bodies, with the metrics of the development set's
scorer (shared/eval/score.py): bag-of-words token P/R/F1 per page (macro-averaged, as
WCXB reports it), and exact-line recall ("kept") and precision after light normalisation.
Re-implemented here so the project needs nothing outside its repo."""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)
_LIST_MARK = re.compile(r"^(?:[-*•·▪●◦–—>]+|\d{1,3}[.)])\s+")
_FOLD = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "“": '"', "”": '"',
                       "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"', "–": "-", "—": "-"})


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", text or "").lower())


def norm_line(line: str) -> str:
    s = unicodedata.normalize("NFKC", line).translate(_FOLD).replace("\t", " ").replace(" | ", " ")
    s = " ".join(s.split())
    return _LIST_MARK.sub("", s).casefold()


def prf(overlap: int, predicted: int, gold: int) -> tuple[float, float, float]:
    if gold == 0:
        return (1.0, 1.0, 1.0) if predicted == 0 else (0.0, 0.0, 0.0)
    if predicted == 0:
        return 0.0, 0.0, 0.0
    p, r = overlap / predicted, overlap / gold
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@dataclass(frozen=True)
class PageScore:
    id: str
    source: str
    tok_p: float
    tok_r: float
    tok_f1: float
    line_p: float
    line_r: float
    pred_words: int
    gold_words: int

    def to_dict(self) -> dict:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def score_page(page_id: str, source: str, predicted: str, gold: str) -> PageScore:
    pc, gc = Counter(tokens(predicted)), Counter(tokens(gold))
    tp, tr, tf = prf(sum((pc & gc).values()), sum(pc.values()), sum(gc.values()))
    pl = Counter(n for n in map(norm_line, predicted.split("\n")) if n)
    gl = Counter(n for n in map(norm_line, gold.split("\n")) if n)
    lp, lr, _ = prf(sum((pl & gl).values()), sum(pl.values()), sum(gl.values()))
    return PageScore(page_id, source, tp, tr, tf, lp, lr, sum(pc.values()), sum(gc.values()))


def aggregate(scores: list[PageScore]) -> dict:
    if not scores:
        return {"pages": 0}
    mean = lambda key: statistics.mean(getattr(s, key) for s in scores)  # noqa: E731
    return {"pages": len(scores), "tok_f1": mean("tok_f1"), "tok_p": mean("tok_p"), "tok_r": mean("tok_r"),
            "line_r": mean("line_r"), "line_p": mean("line_p"),
            "empty": sum(1 for s in scores if s.pred_words == 0)}


def page_source(page_id: str, gold_meta: dict | None) -> str:
    return (gold_meta or {}).get("source") or page_id.split("-", 1)[0]


def score_folder(pred_dir: Path, gold_dir: Path, ids: list[str] | None = None) -> list[PageScore]:
    """Score every gold page (or the given ids); a missing prediction counts as empty."""
    import json

    pred_dir, gold_dir = Path(pred_dir), Path(gold_dir)
    ids = ids if ids is not None else sorted(p.stem for p in gold_dir.glob("*.txt"))
    scores = []
    for page_id in ids:
        gold_path = gold_dir / f"{page_id}.txt"
        if not gold_path.exists():
            continue
        meta_path = gold_dir / f"{page_id}.json"
        meta = json.loads(meta_path.read_text("utf-8")) if meta_path.exists() else None
        pred_path = pred_dir / f"{page_id}.txt"
        predicted = pred_path.read_text("utf-8") if pred_path.exists() else ""
        scores.append(score_page(page_id, page_source(page_id, meta), predicted, gold_path.read_text("utf-8")))
    return scores


def table(groups: dict[str, dict]) -> str:
    head = f"{'system':<28}{'source':<8}{'pages':>6}{'tokF1':>8}{'tokP':>8}{'tokR':>8}{'lineR':>8}{'lineP':>8}{'empty':>7}"
    rows = [head]
    for (system, source), agg in sorted(groups.items()):
        if not agg.get("pages"):
            continue
        rows.append(f"{system:<28}{source:<8}{agg['pages']:>6}{agg['tok_f1']:>8.3f}{agg['tok_p']:>8.3f}"
                    f"{agg['tok_r']:>8.3f}{agg['line_r']:>8.3f}{agg['line_p']:>8.3f}{agg['empty']:>7}")
    return "\n".join(rows)


def by_source(scores: list[PageScore]) -> dict[str, dict]:
    groups: dict[str, list[PageScore]] = {"all": list(scores)}
    for s in scores:
        groups.setdefault(s.source, []).append(s)
    return {k: aggregate(v) for k, v in groups.items()}
