"""How often decode() reads a legacy-encoded page right: real dev pages saved in the
8-bit or multi-byte encodings their language was commonly published in. Not a test.

    python bench/encodings.py --dev ../shared/eval/dev [--limit 300] [--show 5]

Each page's text dump is encoded in each encoding of its language's row below (Latin
pages: cp1252 and latin-1, plus the code page of their region where there is one;
characters the encoding lacks become "?", as a browser's "save as" would do); a page
that encodes to plain ASCII is left out (any ASCII-compatible guess reads it right).
A read is right when decode() gives back exactly the text that was encoded. Prints,
per encoding: pages, right, and the encodings guessed when wrong."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline.decode import decode  # noqa: E402

_LATIN = ("cp1252", "latin-1")
ENCODINGS = {
    "en": _LATIN, "de": _LATIN, "es": _LATIN, "pt": _LATIN, "fr": _LATIN, "no": _LATIN,
    "id": _LATIN, "it": _LATIN, "sv": _LATIN, "nl": _LATIN, "da": _LATIN, "zu": _LATIN,
    "pl": ("cp1250", "iso-8859-2"), "cs": ("cp1250", "iso-8859-2"), "tr": ("cp1254", "iso-8859-9"),
    "ru": ("cp1251", "koi8-r", "iso-8859-5"), "ja": ("shift_jis", "euc-jp"), "zh": ("gbk", "big5"),
    "ko": ("euc-kr",), "el": ("iso-8859-7", "cp1253"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dev", required=True, type=Path)
    parser.add_argument("--limit", type=int, default=0, help="English pages at most (0: all)")
    parser.add_argument("--show", type=int, default=3, help="wrong reads shown per encoding")
    args = parser.parse_args()
    rows = [json.loads(l) for l in (args.dev / "manifest.jsonl").read_text("utf-8").splitlines() if l.strip()]
    english = 0
    totals, right, guessed, shown = Counter(), Counter(), defaultdict(Counter), defaultdict(list)
    started = time.perf_counter()
    for row in sorted(rows, key=lambda r: r["id"]):
        if row["language"] == "en":
            english += 1
            if args.limit and english > args.limit:
                continue
        text = (args.dev / "text" / f"{row['id']}.txt").read_text("utf-8")
        for encoding in ENCODINGS.get(row["language"], _LATIN):
            data = text.encode(encoding, errors="replace")
            if data.isascii():
                continue
            truth = data.decode(encoding)
            key = f"{row['language'] if row['language'] != 'en' else 'en'}:{encoding}"
            totals[key] += 1
            try:
                got, name = decode(data)
            except Exception as exc:  # noqa: BLE001  a rejection is a wrong read here
                got, name = None, f"rejected: {exc}"
            if got == truth:
                right[key] += 1
            else:
                guessed[key][name] += 1
                if len(shown[key]) < args.show:
                    shown[key].append(row["id"])
    print(f"{'language:encoding':24s} {'pages':>5s} {'right':>5s}  wrong guesses")
    for key in sorted(totals):
        print(f"{key:24s} {totals[key]:5d} {right[key]:5d}  {dict(guessed[key].most_common(4)) or ''} {shown[key] or ''}")
    print(f"all: {sum(right.values())} of {sum(totals.values())} right, {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
