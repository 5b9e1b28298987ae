"""training/kept_chrome.py: the kept lines the gold lacks, by the rule that kept them and
their place, read from a cv.py --kept folder. Real pages with their gold (tests/data/
body_runs/wcxb-dev-2862, tests/data/repeats/wcxb-dev-4245) cleaned by the shipped
pipeline; a source left out of `--sources` is never read (its gold is absent here)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import engine_with, page_with_gold
from pipeline.process import clean_text

ROOT = Path(__file__).resolve().parent.parent
PAGES = [("body_runs", "wcxb-dev-2862"), ("repeats", "wcxb-dev-4245")]


def _run_folder(tmp_path: Path) -> tuple[Path, Path, dict]:
    out, dev = tmp_path / "out", tmp_path / "dev"
    (dev / "gold").mkdir(parents=True)
    out.mkdir()
    kept, scores, results = [], [], {}
    for folder, page in PAGES:
        text, gold = page_with_gold(folder, page)
        (dev / "gold" / f"{page}.txt").write_text(gold, encoding="utf-8")
        result = clean_text(text, engine_with())
        results[page] = result
        kept += [{"id": page, "line": d.line, "rule": d.rule, "text": d.text} for d in result.kept]
        scores.append({"id": page, "source": "wcxb"})
    # a page of a source out of design: listed, its kept lines present, its gold absent
    kept.append({"id": "readability-x", "line": 1, "rule": "keep.body", "text": "Not to be read."})
    scores.append({"id": "readability-x", "source": "readability"})
    for name, rows in (("kept.jsonl", kept), ("scores.jsonl", scores)):
        (out / name).write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return out, dev, results


def test_kept_lines_counted_by_rule_and_place(tmp_path):
    out, dev, results = _run_folder(tmp_path)
    run = subprocess.run([sys.executable, str(ROOT / "training" / "kept_chrome.py"), str(out), str(dev),
                          "--sources", "wcxb", "--min-oracle", "0"], capture_output=True, text=True, check=True)
    rows = [line.split(" | ") for line in run.stdout.splitlines() if line.startswith("| `keep.")]
    assert "readability" not in run.stdout
    counted = {}
    for cells in rows:
        rule = cells[0].strip("| `")
        not_gold, gold = (int(v.replace(",", "")) for v in cells[2].split(" / "))
        counted[rule] = counted.get(rule, 0) + not_gold + gold
    expected = {}
    for result in results.values():
        for d in result.kept:
            if d.text.strip():
                expected[d.rule] = expected.get(d.rule, 0) + 1
    assert counted == expected  # every kept line in its rule's row, once
    assert "keep.body" in counted and "keep.introduced" in counted  # 2862's code blocks
    # the place table: classes above / inside / below the kept gold lines
    place_rows = [line for line in run.stdout.splitlines() if line.startswith("| wcxb | ")]
    assert place_rows and all(cells.split(" | ")[1] in {"above", "inside", "below"} for cells in place_rows)
