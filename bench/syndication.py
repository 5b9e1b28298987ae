"""Build syndicated copies from real dev pages: the same article on two sites.

For each pair: the original is an article's own text dump (dev/text/<id>.txt, its site's
chrome included); the copy is that article's body region (from the dump's first gold
line to its last, inline captions and all) with one paragraph (of at least 15 words) dropped, put between the
header and footer lines of ANOTHER dev page (another site's chrome). The unrelated
pages are the chrome donors' own dumps plus more dev pages, to count false links.

    python bench/syndication.py --dev ../shared/eval/dev --out tests/data/syndication --pairs 12
    python bench/syndication.py --dev ../shared/eval/dev --out /tmp/tune --pairs 60 --exclude-sites tests/data/syndication/pairs.json

Which pages: English-or-not news pages whose gold body has at least 6 paragraphs and
250 words (syndicated wire copy is full articles) and at most --max-chars characters of
dump, one page per site, drawn with a fixed
seed; chrome donors are pages whose header and footer (lines outside their gold body)
hold at least 8 lines. Writes `<out>/pages/*.txt` and `<out>/pairs.json` (which file is
a copy of which, the paragraph dropped, the donor)."""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from urllib.parse import urlsplit

_SPACE = re.compile(r"\s+")


def _key(line: str) -> str:
    return _SPACE.sub(" ", line).strip().casefold()


def _site(row: dict) -> str:
    return row.get("site") or urlsplit(row.get("url") or "").hostname or row["id"]


def body_span(dump: list[str], gold: list[str]) -> tuple[int, int] | None:
    """(first, last) line numbers (0-based) of the dump that hold the gold body's first
    and last paragraphs, or None when either is not a line of the dump."""
    keys = [_key(l) for l in dump]
    first, last = _key(gold[0]), _key(gold[-1])
    try:
        start = keys.index(first)
        end = len(keys) - 1 - keys[::-1].index(last)
    except ValueError:
        return None
    return (start, end) if end > start else None


def _paragraphs(gold_text: str) -> list[str]:
    return [p.strip() for p in gold_text.split("\n\n") if p.strip()]


def candidates(dev: Path, exclude_sites: set[str]):
    """(row, dump lines, gold paragraphs, span) of every usable page, sorted by id."""
    rows = [json.loads(l) for l in (dev / "manifest.jsonl").read_text("utf-8").splitlines() if l.strip()]
    for row in sorted(rows, key=lambda r: r["id"]):
        if _site(row) in exclude_sites:
            continue
        dump = (dev / "text" / f"{row['id']}.txt").read_text("utf-8").split("\n")
        gold = _paragraphs((dev / "gold" / f"{row['id']}.txt").read_text("utf-8"))
        if not gold:
            continue
        span = body_span(dump, gold)
        if span is None:
            continue
        yield row, dump, gold, span


def build(dev: Path, out: Path, pairs: int, seed: int, exclude_sites: set[str], unrelated: int,
          max_chars: int = 30_000) -> dict:
    pool = list(candidates(dev, exclude_sites))
    rng = random.Random(seed)
    rng.shuffle(pool)
    articles, donors, others, used_sites = [], [], [], set()
    for row, dump, gold, span in pool:
        site = _site(row)
        if site in used_sites or sum(map(len, dump)) > max_chars:
            continue
        words = sum(len(p.split()) for p in gold)
        chrome = span[0] + (len(dump) - 1 - span[1])
        if len(articles) < pairs and len(gold) >= 6 and words >= 250:
            articles.append((row, dump, gold, span))
        elif len(donors) < pairs and chrome >= 8:
            donors.append((row, dump, gold, span))
        elif len(others) < unrelated:
            others.append((row, dump, gold, span))
        else:
            continue
        used_sites.add(site)
    if len(articles) < pairs or len(donors) < pairs:
        raise SystemExit(f"only {len(articles)} articles and {len(donors)} donors found")
    pages = out / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    record = {"seed": seed, "pairs": [], "unrelated": []}
    for (row, dump, gold, span), (donor, ddump, _, dspan) in zip(articles, donors):
        body = dump[span[0]:span[1] + 1]
        # Drop one paragraph of the middle (not the first or last: the span's ends).
        keys = [_key(l) for l in body]
        middle = [p for p in gold[1:-1] if _key(p) in keys and len(p.split()) >= 15]
        dropped = rng.choice(middle) if middle else None
        if dropped is not None:
            k = keys.index(_key(dropped))
            body = body[:k] + body[k + 1:]
        copy = ddump[:dspan[0]] + body + ddump[dspan[1] + 1:]
        original_name, copy_name = f"{row['id']}.txt", f"copy-of-{row['id']}.txt"
        (pages / original_name).write_text("\n".join(dump), "utf-8")
        (pages / copy_name).write_text("\n".join(copy), "utf-8")
        (pages / f"{donor['id']}.txt").write_text("\n".join(ddump), "utf-8")
        record["pairs"].append({"original": row["id"], "copy": f"copy-of-{row['id']}", "chrome_from": donor["id"],
                                "sites": [_site(row), _site(donor)], "dropped": dropped})
        record["unrelated"].append(donor["id"])
    for row, dump, _, _ in others:
        (pages / f"{row['id']}.txt").write_text("\n".join(dump), "utf-8")
        record["unrelated"].append(row["id"])
    record["unrelated"].sort()
    (out / "pairs.json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", "utf-8")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--unrelated", type=int, default=0, help="more unrelated pages besides the chrome donors")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--max-chars", type=int, default=30_000, help="pages longer than this are left out (keeps the set small)")
    parser.add_argument("--exclude-sites", type=Path, help="a pairs.json whose sites are left out (tuning vs test)")
    args = parser.parse_args()
    exclude = set()
    if args.exclude_sites:
        for pair in json.loads(args.exclude_sites.read_text("utf-8"))["pairs"]:
            exclude.update(pair["sites"])
    record = build(args.dev, args.out, args.pairs, args.seed, exclude, args.unrelated, args.max_chars)
    print(f"{len(record['pairs'])} pairs, {len(record['unrelated'])} unrelated pages in {args.out}")


if __name__ == "__main__":
    main()
