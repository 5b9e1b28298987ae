"""`pipeline eval`: clean a set of pages with the library loop, score them against gold,
and optionally score trafilatura alone on the same HTML pages in the same run."""
from __future__ import annotations

import gzip
import shutil
from dataclasses import dataclass
from pathlib import Path

import trafilatura

from pipeline.evaluate import by_source, score_folder, table
from pipeline.options import Options
from pipeline.evaluate_meta import evaluate_metadata
from pipeline.runner import run
from pipeline.sources import discover
from pipeline.write import write_atomic, write_jsonl


@dataclass
class EvalReport:
    table: str
    groups: dict
    worst: list[dict]
    scores_path: Path
    baseline: str | None = None  # the trafilatura baseline and its options, when it ran
    meta_table: str = ""
    meta_groups: dict | None = None


# The baseline: trafilatura at its best on these benchmarks. Its `extract` keeps reader
# comments by default (include_comments=True); every benchmark's gold leaves them out.
TRAFILATURA_BASELINE = {"include_comments": False, "include_tables": True, "deduplicate": False}


def trafilatura_label() -> str:
    """How the baseline is named in the table: version and the options it ran with."""
    options = ", ".join(f"{k}={v}" for k, v in TRAFILATURA_BASELINE.items())
    return f"trafilatura {trafilatura.__version__} ({options})"


def _trafilatura_alone(inputs: list[str], out: Path) -> list[str]:
    """trafilatura's own text on each HTML input (options TRAFILATURA_BASELINE), written
    as <id>.txt; returns the ids."""
    out.mkdir(parents=True, exist_ok=True)
    ids = []
    for source in discover(inputs):
        name = source.relpath.lower().removesuffix(".gz")
        if not name.endswith((".html", ".htm")):
            continue
        opener = gzip.open if source.path.lower().endswith(".gz") else open
        with opener(source.path, "rb") as handle:
            markup = handle.read()
        text = trafilatura.extract(markup, **TRAFILATURA_BASELINE) or ""
        write_atomic(out / f"{source.id}.txt", text + ("\n" if text else ""))
        ids.append(source.id)
    return ids


def evaluate(inputs: list[str], gold: Path, out: Path, with_trafilatura: bool = False,
             options: Options | None = None) -> EvalReport:
    if not gold.is_dir():
        raise FileNotFoundError(f"gold folder not found: {gold}")
    pages = out / "pages"
    # An output folder is a corpus that grows run by run (a page met again under the same
    # id is kept apart as a duplicate), so the pages of an earlier evaluation in OUT would
    # be scored in place of these inputs' (their ids are the gold's). The evaluation's
    # own folders start empty.
    for own in (pages, out / "trafilatura"):
        if own.exists():
            shutil.rmtree(own)
    run(inputs, pages, options)
    ids = sorted({s.id for s in discover(inputs)})
    scores = score_folder(pages, gold, ids)
    groups = {("news-pipeline", k): v for k, v in by_source(scores).items()}
    rows = sorted((s.to_dict() for s in scores), key=lambda r: (r["tok_f1"], r["id"]))
    if with_trafilatura:
        traf_ids = _trafilatura_alone(inputs, out / "trafilatura")
        traf_scores = score_folder(out / "trafilatura", gold, traf_ids)
        groups.update({(f"trafilatura {trafilatura.__version__}", k): v for k, v in by_source(traf_scores).items()})
        html_ids = set(traf_ids)
        ours_on_html = [s for s in scores if s.id in html_ids]
        if len(ours_on_html) != len(scores):
            groups.update({("news-pipeline (HTML only)", k): v for k, v in by_source(ours_on_html).items()})
        write_jsonl(out / "scores-trafilatura.jsonl", sorted((s.to_dict() for s in traf_scores), key=lambda r: (r["tok_f1"], r["id"])))
    scores_path = out / "scores.jsonl"
    write_jsonl(scores_path, rows)
    meta_table, meta_groups = evaluate_metadata(inputs, pages, gold, out, with_trafilatura)
    return EvalReport(table(groups), {f"{a}|{b}": v for (a, b), v in groups.items()}, rows, scores_path,
                      baseline=trafilatura_label() if with_trafilatura else None,
                      meta_table=meta_table, meta_groups=meta_groups)
