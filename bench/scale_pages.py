"""Real text dumps repeated with mutations, for scale runs (bench/real_pages.py --scale).

Each copy keeps its dump's size and line count: in every line of 8 words or more (body
text, not menus) the words are shuffled, and every digit of the page is changed to
another digit, so no copy is an exact or near duplicate of another, while the short
lines (menus, widget headers) stay what they are on the real page. Round k of copies
goes to its own folder (a folder is a site when pages carry no URL), so site learning
sees in each folder what it sees on the real set."""
from __future__ import annotations

import random
from pathlib import Path

_DIGITS = "0123456789"


def mutate(text: str, rng: random.Random) -> str:
    shift = rng.randrange(1, 10)
    table = str.maketrans(_DIGITS, _DIGITS[shift:] + _DIGITS[:shift])
    lines = []
    for line in text.translate(table).split("\n"):
        words = line.split(" ")
        if len(words) >= 8:
            rng.shuffle(words)
            line = " ".join(words)
        lines.append(line)
    return "\n".join(lines)


def make_scale_pages(pages: list[Path], n: int, out: Path, seed: int = 15) -> Path:
    """`n` pages made from `pages` (copied in turn), under out/r0000/, out/r0001/..."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    for k in range(n):
        source = pages[k % len(pages)]
        folder = out / f"r{k // len(pages):04d}"
        if k % len(pages) == 0:
            folder.mkdir(exist_ok=True)
        text = source.read_bytes().decode("utf-8", "surrogateescape")
        (folder / source.name).write_bytes(mutate(text, rng).encode("utf-8", "surrogateescape"))
    return out
