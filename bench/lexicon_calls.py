"""The per-line phrase checks alone: `Lexicon.match` (the line classifier's) and the
comment finder's `comments._line_kind`, on the lines a real run asks them. Not a test.

    python bench/lexicon_calls.py [--n 150] [--dev DIR] [--save FILE]
    python bench/lexicon_calls.py --replay FILE --only match|kind|none

The first form runs the library loop (`pipeline.run`, `doc_time_limit=0`) over the
first N dev text dumps with both functions wrapped to record what they are asked (the
memos and caches of a run decide which lines reach them), then calls them again on the
recorded lines, unwrapped, and prints the best of five CPU times a page. `--save` keeps
the lines. The second form only loads the saved lines and the phrases and asks one
function all of them (`none`: neither), for valgrind to count, machine load aside:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null python bench/lexicon_calls.py --replay F --only match

less the same with `--only none`, divided by the N pages.
"""
from __future__ import annotations

import argparse
import gc
import pickle
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from real_pages import DEV, MISSING, pages_of  # noqa: E402


def record(dev: Path, n: int) -> tuple[list[str], list[str]]:
    import pipeline.classify as classify
    import pipeline.comments as comments
    from pipeline.options import Options
    from pipeline.runner import run

    matched, kinds = [], []
    # classify makes a new line's LineForms and asks the lexicon's match_line of them
    # (what Lexicon.match does): the lines it makes them for are the lines it matches
    forms, line_kind = classify.LineForms, comments._line_kind

    def recorded_forms(line):
        matched.append(line)
        return forms(line)

    def recorded_kind(stripped, phrases, made=None):
        kinds.append(stripped)
        return line_kind(stripped, phrases, made)

    classify.LineForms, comments._line_kind = recorded_forms, recorded_kind
    work = Path(tempfile.mkdtemp(prefix="bench-lexicon-"))
    try:
        (work / "in").mkdir()
        for k, path in enumerate(pages_of(dev / "text" if (dev / "text").is_dir() else dev)[:n]):
            shutil.copy(path, work / "in" / f"{k:06d}.txt")
        run([str(work / "in")], work / "out", Options(doc_time_limit=0))
    finally:
        classify.LineForms, comments._line_kind = forms, line_kind
        shutil.rmtree(work, ignore_errors=True)
    return matched, kinds


def _best(call, rounds: int = 5) -> float:
    spent = []
    for _ in range(rounds):
        gc.disable()
        started = time.process_time()
        call()
        spent.append(time.process_time() - started)
        gc.enable()
    return min(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--dev", type=Path, default=DEV)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--replay", type=Path)
    parser.add_argument("--only", choices=["match", "kind", "none"], default="none")
    args = parser.parse_args()

    import pipeline.comments as comments
    from pipeline.lexicon import Lexicon

    if args.replay:
        matched, kinds = pickle.loads(args.replay.read_bytes())
        lexicon, phrases = Lexicon.load(), comments.load_phrases()
        lexicon.match("warm up")
        comments._line_kind("warm up 2 days ago", phrases)
        if args.only == "match":
            for line in matched:
                lexicon.match(line)
        elif args.only == "kind":
            for line in kinds:
                comments._line_kind(line, phrases)
        return
    if not args.dev.is_dir():
        print(f"no development set at {args.dev} (--dev DIR)", file=sys.stderr)
        raise SystemExit(MISSING)
    matched, kinds = record(args.dev, args.n)
    if args.save:
        args.save.write_bytes(pickle.dumps((matched, kinds)))
    lexicon, phrases = Lexicon.load(), comments.load_phrases()
    spent_match = _best(lambda: [lexicon.match(line) for line in matched])
    spent_kind = _best(lambda: [comments._line_kind(line, phrases) for line in kinds])
    print(f"{args.n} pages: Lexicon.match {len(matched)} lines, {spent_match / args.n * 1e3:.2f} CPU ms a page; "
          f"comments._line_kind {len(kinds)} lines, {spent_kind / args.n * 1e3:.2f} CPU ms a page")


if __name__ == "__main__":
    main()
