"""Generate N text pages for benchmarks and tests by mutating real pages.

Each page is a real page (the seeds, the test pages, or any folder of .txt dumps given
with --from) with its body words partly replaced by words drawn from the same pages,
so pages look like news dumps (same chrome, same line shapes) but are not near-duplicates
of each other. One page in `--duplicate-every` is an exact copy of an earlier one, so
cross-document duplicate detection has work to do.

    python bench/generate.py 1000 /tmp/pages [--from DIR ...] [--seed 0]
"""
from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FROM = [ROOT / "seeds", ROOT / "tests" / "data" / "pages" / "text"]
WORD = re.compile(r"[^\W\d_]{4,}")


def load_bases(folders: list[Path]) -> list[str]:
    bases = []
    for folder in folders:
        bases += [p.read_text("utf-8", "replace") for p in sorted(Path(folder).rglob("*.txt"))]
    if not bases:
        raise SystemExit(f"no .txt pages under {', '.join(map(str, folders))}")
    return bases


def mutate(text: str, vocabulary: list[str], rng: random.Random, rate: float = 0.3) -> str:
    """Replace about `rate` of the longer words on long (body-like) lines."""
    out = []
    for line in text.split("\n"):
        if len(line) > 80:
            line = WORD.sub(lambda m: rng.choice(vocabulary) if rng.random() < rate else m.group(0), line)
        out.append(line)
    return "\n".join(out)


def generate(n: int, out: Path, folders: list[Path] | None = None, seed: int = 0, duplicate_every: int = 100) -> list[Path]:
    bases = load_bases(folders or DEFAULT_FROM)
    vocabulary = sorted({w for b in bases for w in WORD.findall(b)})
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths, texts = [], []
    for i in range(n):
        if duplicate_every and i % duplicate_every == duplicate_every - 1 and texts:
            text = texts[rng.randrange(len(texts))]
        else:
            text = mutate(bases[i % len(bases)], vocabulary, rng)
            if len(texts) < 1000:
                texts.append(text)
        # Folders of 1,000 pages, as a scraper would shard them.
        path = out / f"{i // 1000:04d}" / f"page-{i:07d}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, "utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--from", dest="folders", type=Path, nargs="*", default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    paths = generate(args.n, args.out, args.folders, args.seed)
    print(f"{len(paths)} pages, {sum(p.stat().st_size for p in paths) / 1e6:.1f} MB in {args.out}")


if __name__ == "__main__":
    main()
