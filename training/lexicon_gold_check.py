#!/usr/bin/env python3
"""Which gold body lines the rules of some lexicon files match: a false-positive check
for new chrome vocabulary (every match is a line an article keeps that the rule would
name chrome).

    python training/lexicon_gold_check.py --gold ../shared/eval/dev/gold \
        pipeline/data/lexicon/world.toml pipeline/data/lexicon/web2005.toml

Without --gold, the repo's own gold files (tests/data/**/gold*/*.txt, *.gold.txt).
Lines of pages whose id starts with `readability-` are counted, never printed (that
source is read only as a figure). Exit status 1 when any line matches.
"""
from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.lexicon import Lexicon, _parse_file  # noqa: E402

HIDDEN = "readability-"  # a source never read while designing: its lines are only counted


def repo_gold_files(root: Path = ROOT) -> list[Path]:
    """The repo's gold bodies: every .txt under a tests/data folder named gold*, and the
    *.gold.txt files."""
    data = root / "tests" / "data"
    found = {p for p in data.rglob("*.txt") if any(part.startswith("gold") for part in p.relative_to(data).parts[:-1])}
    found |= set(data.rglob("*.gold.txt"))
    return sorted(found)


def lexicon_of(files: list[Path]) -> Lexicon:
    rules = []
    for path in files:
        found, _ = _parse_file(tomllib.loads(path.read_text("utf-8")), str(path))
        rules += found
    return Lexicon(rules)


def matches(lexicon: Lexicon, gold_files: list[Path]):
    """(file, line number, line, rule id) of every non-empty gold line a rule matches."""
    for path in gold_files:
        for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines(), 1):
            if line.strip():
                found = lexicon.match(line)
                if found is not None:
                    yield path, number, line, found.rule


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rule_files", nargs="+", type=Path)
    parser.add_argument("--gold", type=Path, action="append", help="a folder of gold .txt files (repeatable)")
    args = parser.parse_args(argv)
    gold = sorted(p for folder in args.gold for p in folder.glob("*.txt")) if args.gold else repo_gold_files()
    lexicon = lexicon_of(args.rule_files)
    lines = sum(1 for p in gold for line in p.read_text("utf-8", errors="replace").splitlines() if line.strip())
    hits = hidden = 0
    for path, number, line, rule in matches(lexicon, gold):
        hits += 1
        if path.name.startswith(HIDDEN):
            hidden += 1
        else:
            print(f"{path.name}:{number}: {rule}: {line[:160]}")
    print(f"{len(gold)} gold files, {lines} non-empty lines, {hits} matched ({hidden} on {HIDDEN}* pages, not shown)")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())
