"""Score metadata (title, author, published day) against gold `<id>.json` files, for the
pipeline's output and, side by side, for trafilatura's metadata read from the HTML that
lies beside each input.

The measures (issue 17):
- title: right when equal to the gold title after case, punctuation and white space are
  folded;
- author: right when at least half of the gold's name words are found among the
  predicted author's words;
- published: right when the calendar day is the same (in the gold's own offset when both
  carry one, else the days as written).
A field is scored only on pages whose gold has it. "wrong" is filled but not right, as a
share of those pages; "empty" is not filled.
"""
from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

FIELDS = ("title", "author", "published")
_GOLD_KEY = {"title": "title", "author": "author", "published": "date"}
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NAME_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def fold_title(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", text).split())


def name_words(text: str) -> list[str]:
    return _NAME_WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def parse_moment(text: str) -> datetime | date | None:
    """A gold or predicted date string as a datetime (aware or naive) or a date."""
    text = str(text).strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
        if not match:
            return None
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None


def _day(moment, zone=None) -> date:
    if isinstance(moment, datetime):
        if zone is not None and moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return moment.date()
    return moment


def field_right(field: str, predicted, gold) -> bool:
    if field == "title":
        return fold_title(predicted) == fold_title(gold)
    if field == "author":
        wanted = name_words(gold)
        found = set(name_words(predicted))
        return bool(wanted) and 2 * sum(1 for w in wanted if w in found) >= len(wanted)
    gold_moment, pred_moment = parse_moment(gold), parse_moment(predicted)
    if gold_moment is None or pred_moment is None:
        return False
    zone = gold_moment.tzinfo if isinstance(gold_moment, datetime) else None
    return _day(pred_moment, zone) == _day(gold_moment)


def gold_fields(gold_meta: dict) -> dict[str, str]:
    """The gold's fields that it has (non-empty), under the pipeline's names."""
    found = {}
    for field, key in _GOLD_KEY.items():
        value = gold_meta.get(key)
        if isinstance(value, list):
            value = "; ".join(map(str, value))
        if value and str(value).strip():
            found[field] = str(value)
    return found


def score_page(predicted: dict, gold: dict[str, str]) -> dict[str, str]:
    """Per field the gold has: "right", "wrong" (filled but not right) or "empty"."""
    verdicts = {}
    for field, gold_value in gold.items():
        value = predicted.get(field)
        if not value:
            verdicts[field] = "empty"
        else:
            verdicts[field] = "right" if field_right(field, value, gold_value) else "wrong"
    return verdicts


@dataclass(frozen=True)
class MetaScore:
    id: str
    source: str
    system: str
    verdicts: dict
    predicted: dict

    def to_dict(self) -> dict:
        return {"id": self.id, "source": self.source, "system": self.system,
                "verdicts": self.verdicts, "predicted": self.predicted}


def aggregate(scores: list[MetaScore]) -> dict:
    out: dict = {"pages": len(scores)}
    for field in FIELDS:
        verdicts = [s.verdicts[field] for s in scores if field in s.verdicts]
        n = len(verdicts)
        out[field] = {"gold": n,
                      "right": sum(v == "right" for v in verdicts) / n if n else None,
                      "wrong": sum(v == "wrong" for v in verdicts) / n if n else None}
    return out


def by_source(scores: list[MetaScore]) -> dict[tuple[str, str], dict]:
    groups: dict[tuple[str, str], list[MetaScore]] = {}
    for s in scores:
        groups.setdefault((s.system, "all"), []).append(s)
        groups.setdefault((s.system, s.source), []).append(s)
    return {k: aggregate(v) for k, v in groups.items()}


def table(groups: dict[tuple[str, str], dict]) -> str:
    """One row a system and source: per field the share right and the share filled but
    wrong, over the pages whose gold has the field (n)."""
    head = f"{'metadata: system':<36}{'source':<12}{'pages':>6}"
    for field in FIELDS:
        head += f"{field + ' n':>14}{'right':>7}{'wrong':>7}"
    rows = [head]
    for (system, source), agg in sorted(groups.items(), key=lambda kv: (kv[0][1] != "all", kv[0][1], kv[0][0])):
        line = f"{system:<36}{source:<12}{agg['pages']:>6}"
        for field in FIELDS:
            f = agg[field]
            if f["gold"]:
                line += f"{f['gold']:>14}{f['right']:>7.3f}{f['wrong']:>7.3f}"
            else:
                line += f"{0:>14}{'-':>7}{'-':>7}"
        rows.append(line)
    return "\n".join(rows)


def html_beside(path: Path) -> Path | None:
    """The HTML of a text dump: `<id>.html[.gz]` in the same folder, or in a sibling
    `html/` folder (the dev set's layout: `text/<id>.txt` beside `html/<id>.html.gz`)."""
    if path.name.lower().endswith((".html", ".htm", ".html.gz", ".htm.gz")):
        return path
    stem = path.name.split(".", 1)[0]
    for folder in (path.parent, path.parent.parent / "html"):
        for suffix in (".html.gz", ".html", ".htm.gz", ".htm"):
            candidate = folder / f"{stem}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def read_html(path: Path) -> str:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        data = handle.read()
    from pipeline.decode import decode

    return decode(data)[0]


def trafilatura_metadata(markup: str) -> dict:
    """trafilatura's own metadata of an HTML page, in the pipeline's field names."""
    import trafilatura

    document = trafilatura.extract_metadata(markup)
    if document is None:
        return {}
    return {"title": document.title or None, "author": document.author or None,
            "published": document.date or None}


def load_gold(gold_dir: Path, ids: list[str]) -> dict[str, dict]:
    gold = {}
    for page_id in ids:
        path = gold_dir / f"{page_id}.json"
        if path.is_file():
            gold[page_id] = json.loads(path.read_text("utf-8"))
    return gold


def source_of(page_id: str, gold_meta: dict) -> str:
    source = gold_meta.get("source") or page_id.split("-", 1)[0]
    return source


def score_outputs(pages: Path, gold: dict[str, dict], system: str = "news-pipeline") -> list[MetaScore]:
    """Score the metadata a run wrote (`<id>.json` in `pages`); a missing file is empty."""
    scores = []
    for page_id, gold_meta in sorted(gold.items()):
        path = pages / f"{page_id}.json"
        meta = json.loads(path.read_text("utf-8")) if path.is_file() else {}
        predicted = {f: meta.get(f) for f in FIELDS}
        wanted = gold_fields(gold_meta)
        source = source_of(page_id, gold_meta)
        scores.append(MetaScore(page_id, source, system, score_page(predicted, wanted), predicted))
        if meta.get("format") == "html":
            # HTML pages: each part of the combination alone, from the same output (the
            # evidence keeps the text's reading where trafilatura's metadata won).
            evidence = meta.get("metadata_evidence") or {}
            from_html = {f: str(evidence.get(f, {}).get("how", "")).startswith("HTML metadata") for f in FIELDS}
            html_only = {f: predicted[f] if from_html[f] else None for f in FIELDS}
            text_only = {f: evidence[f].get("text_reading") if from_html[f] else predicted[f] for f in FIELDS}
            for name, values in ((f"{system}: HTML metadata only", html_only), (f"{system}: text reading only", text_only)):
                scores.append(MetaScore(page_id, source, name, score_page(values, wanted), values))
    return scores


def score_predictions(predictions: dict[str, dict], gold: dict[str, dict], system: str) -> list[MetaScore]:
    scores = []
    for page_id in sorted(predictions):
        gold_meta = gold.get(page_id)
        if gold_meta is None:
            continue
        predicted = {f: predictions[page_id].get(f) for f in FIELDS}
        scores.append(MetaScore(page_id, source_of(page_id, gold_meta), system,
                                score_page(predicted, gold_fields(gold_meta)), predicted))
    return scores


def evaluate_metadata(inputs: list[str], pages: Path, gold_dir: Path, out: Path,
                      with_trafilatura: bool = False) -> tuple[str, dict]:
    """The metadata table of an eval run whose outputs are in `pages`; writes per-page
    verdicts to `out/meta-scores.jsonl`. With `with_trafilatura`, trafilatura's metadata
    of the HTML beside each input is scored on the same pages."""
    from pipeline.sources import discover
    from pipeline.write import write_jsonl

    sources = {s.id: s for s in discover(inputs)}
    gold = load_gold(gold_dir, sorted(sources))
    scores = score_outputs(pages, gold)
    if with_trafilatura:
        import trafilatura

        predictions = {}
        for page_id in sorted(gold):
            html = html_beside(Path(sources[page_id].path))
            if html is not None:
                predictions[page_id] = trafilatura_metadata(read_html(html))
        traf = score_predictions(predictions, gold, f"trafilatura {trafilatura.__version__} (HTML)")
        scores += traf
        covered = {s.id for s in traf}
        if len(covered) != len(gold):
            scores += [MetaScore(s.id, s.source, "news-pipeline (pages with HTML)", s.verdicts, s.predicted)
                       for s in scores if s.system == "news-pipeline" and s.id in covered]
    write_jsonl(out / "meta-scores.jsonl", [s.to_dict() for s in sorted(scores, key=lambda s: (s.system, s.id))])
    groups = by_source(scores)
    return table(groups), {f"{a}|{b}": v for (a, b), v in groups.items()}
