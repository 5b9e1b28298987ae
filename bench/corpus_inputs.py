"""The dev set given two ways, as a folder of text dumps with a urls.tsv and as one WET
file (warcio's writer, one `conversion` record a page): both runs must give every page
the same status, body and site. Not a test (it cleans about 1,000 pages twice: minutes).

    python bench/corpus_inputs.py [--dev ../shared/eval/dev] [--work /tmp/corpus-inputs] [--limit N]

Prints the pages, the CPU seconds listing the WET file takes, each run's counts and wall
time (noisy on a shared machine), how many pages agree, and the process's peak RSS.
"""
from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import time
from pathlib import Path

from pipeline.options import Options
from pipeline.runner import run
from pipeline.sources import discover

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--work", type=Path, default=Path("/tmp/corpus-inputs"))
    parser.add_argument("--limit", type=int, default=None, help="the first N pages only")
    args = parser.parse_args()
    from warcio.warcwriter import WARCWriter

    rows = [json.loads(line) for line in (args.dev / "manifest.jsonl").read_text("utf-8").splitlines()]
    rows = [r for r in rows if r.get("url") and (args.dev / "text" / f"{r['id']}.txt").exists()][: args.limit]
    shutil.rmtree(args.work, ignore_errors=True)
    folder = args.work / "folder"
    folder.mkdir(parents=True)
    for r in rows:
        shutil.copy(args.dev / "text" / f"{r['id']}.txt", folder / f"{r['id']}.txt")
    (folder / "urls.tsv").write_text("".join(f"{r['id']}.txt\t{r['url']}\n" for r in rows), "utf-8")
    wet = args.work / "dev.warc.wet.gz"
    with open(wet, "wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for r in rows:
            payload = io.BytesIO((args.dev / "text" / f"{r['id']}.txt").read_bytes())
            writer.write_record(writer.create_warc_record(r["url"], "conversion", payload=payload,
                                                          warc_content_type="text/plain"))
    print(f"pages {len(rows)}, WET file {wet.stat().st_size:,} bytes")
    started = time.process_time()
    listed = discover([str(wet)])
    print(f"listing the WET file: {time.process_time() - started:.2f} s CPU, {len(listed)} records")
    for name, given in (("out-folder", folder), ("out-wet", wet)):
        started = time.monotonic()
        summary = run([str(given)], args.work / name, Options(doc_time_limit=0))
        print(f"{name}: cleaned {summary.cleaned}, rejected {summary.rejected}, duplicates {summary.duplicates}, "
              f"{time.monotonic() - started:.1f} s wall")
    by_url = [_by_url(args.work / name) for name in ("out-folder", "out-wet")]
    same = sum(1 for url, seen in by_url[0].items() if by_url[1].get(url) == seen)
    print(f"pages with the same status, body and site: {same} of {len(by_url[0])}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


def _by_url(out: Path) -> dict:
    found = {}
    for line in (out / "index.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        meta = json.loads((out / f"{row['id']}.json").read_text("utf-8"))
        body = out / f"{row['id']}.txt"
        found[meta.get("url")] = (row["status"], body.read_text("utf-8") if body.exists() else None, meta.get("site"))
    return found


if __name__ == "__main__":
    main()
