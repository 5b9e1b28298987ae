"""Photo-gallery chrome in text dumps (issue 16, readability pages).

A page dump holds the photo galleries of its page as one item after another: a picture
counter ("3/12", "Image 3 of 12", "Foto 3 von 12"), the picture's caption, its credit.
The line model reads the captions as prose and keeps them; a gallery of other stories
("Business news in pictures") then sits inside the article.

The rule, on the decisions of a page the line model read (text dumps), once the
metadata reader and the comment and duplicate rules have decided:

- a *counter* is a line opening with "k/N" or "k <of> N", maybe after one picture word
  (vocabulary: data/gallery_counters.txt), k <= N; the text after it is the caption's
  title when there is one ("12/50 Blockbusters aid Pinewood expansion");
- a *gallery* is the counters of one N whose k rise through the page, at least
  `min_items` of them covering at least half of 1..N (a fraction in a recipe, "1/4 cup",
  "3/4 cup", is not a gallery); it spans its counters, the lines between them, the
  lines of its last item after its last counter and of a title block right above its
  first counter, at most the length of an item (the median count of lines from one
  counter to the next);
- a gallery whose N the headline names ("12 photos of ...") is the article: kept;
- a gallery whose captions share on average at most `max_cohesion` of their content
  words with the article (the kept lines outside it), below or beside an article of at
  least `min_article` words, is removed whole under `position.gallery`;
- in any other gallery the captions are the article's own pictures: only its bare
  counter lines are removed, under `position.gallery_counter`.

The signals are the counter's form (a small vocabulary of picture and "of" words, one
data file) and lexical cohesion, in any language.
"""
from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from pipeline.linemodel.blocks import _content_without

RULE = "position.gallery"
COUNTER_RULE = "position.gallery_counter"


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, tuple[str, ...]]:
    """The data file's sections: {"picture": words, "of": words}."""
    text = (resources.files("pipeline") / "data" / "gallery_counters.txt").read_text("utf-8")
    sections: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
        elif current is not None:
            current.append(line.casefold())
    return {name: tuple(words) for name, words in sections.items()}


@lru_cache(maxsize=1)
def _counter_pattern() -> re.Pattern:
    words = _vocabulary()
    picture = "|".join(map(re.escape, sorted(words.get("picture", ()), key=len, reverse=True)))
    of = "|".join(map(re.escape, sorted(words.get("of", ()), key=len, reverse=True)))
    return re.compile(rf"\s*(?:(?:{picture})\s*:?\s+)?(\d{{1,3}})(?:\s*/\s*|\s+(?:{of})\s+)(\d{{1,3}})(?![\d/.,:])(.*)",
                      re.IGNORECASE)


def counter(text: str) -> tuple[int, int, str] | None:
    """(k, N, the text after the counter) when the line opens with a picture counter."""
    match = _counter_pattern().match(text)
    if match is None:
        return None
    k, n = int(match.group(1)), int(match.group(2))
    if not 1 <= k <= n:
        return None
    rest = match.group(3)
    if rest and not rest[0].isspace() and rest[0] not in ")]|-–—:":
        return None  # "3/12abc": not a counter followed by a caption
    return k, n, rest.strip(" \t)]|-–—:")


def galleries(lines: list[str], numbers: list[int], min_items: int) -> list[tuple[int, list[int]]]:
    """(N, the indices into `numbers` of its counters) for each gallery of the page
    (`numbers`: its non-blank line numbers, ascending)."""
    by_total: dict[int, list[tuple[int, int]]] = {}
    for index, n in enumerate(numbers):
        found = counter(lines[n - 1])
        if found is not None:
            by_total.setdefault(found[1], []).append((index, found[0]))
    found_galleries = []
    for total, items in sorted(by_total.items()):
        rising, last = [], 0
        for index, k in items:
            if k > last:  # the counters of one gallery count up through the page
                rising.append(index)
                last = k
        if len(rising) >= min_items and 2 * len(rising) >= total:
            found_galleries.append((total, rising))
    return found_galleries


def _share(texts: list[str], vocabulary: set[str], stop: frozenset[str]) -> float:
    """The mean share of the lines' content words found in `vocabulary` (lines with none left out)."""
    shares = []
    for text in texts:
        words = _content_without(text, stop)
        if words:
            shares.append(len(words & vocabulary) / len(words))
    return sum(shares) / len(shares) if shares else 0.0


def _names_total(headline: str | None, total: int) -> bool:
    return bool(headline) and re.search(rf"(?<![\d.,]){total}(?![\d.,]\d)", headline) is not None


def mark_galleries(result, stop: frozenset[str], headline: str | None, min_items: int,
                   max_cohesion: float, min_article: int) -> None:
    """Remove the photo galleries the article does not own (`result`: a
    classify.Classification; `headline`: the headline the metadata reader read).
    `min_items` 0 turns the rule off."""
    if min_items <= 0:
        return
    numbers = sorted(result.shapes)
    found = galleries(result.lines, numbers, min_items)
    if not found:
        return
    spans = []
    for total, indices in found:
        if _names_total(headline, total):
            continue  # "12 photos of ...": the gallery is the article
        steps = sorted(b - a for a, b in zip(indices, indices[1:]))
        item = steps[(len(steps) - 1) // 2]  # lines from one counter to the next (lower median)
        start, end = indices[0], min(indices[-1] + item - 1, len(numbers) - 1)
        # a title block right above the first counter, touching it ("Business news in pictures")
        while (start > 0 and indices[0] - start < item and numbers[start - 1] == numbers[start] - 1
               and counter(result.lines[numbers[start - 1] - 1]) is None
               and not result.shapes[numbers[start - 1]].ends_sentence):
            start -= 1
        spans.append((total, indices, start, end))
    inside = {numbers[i] for _, _, start, end in spans for i in range(start, end + 1)}
    article = [n for n in result.kept_numbers() if n not in inside]
    vocabulary = set().union(*(_content_without(result.lines[n - 1], stop) for n in article))
    article_words = sum(result.shapes[n].length_units() for n in article)
    for total, indices, start, end in spans:
        counters = {numbers[i] for i in indices}
        span = [numbers[i] for i in range(start, end + 1)]
        captions = [counter(result.lines[n - 1])[2] if n in counters else result.lines[n - 1] for n in span]
        cohesion = _share(captions, vocabulary, stop)
        whole = cohesion <= max_cohesion and article_words >= min_article
        for n in span:
            decision = result.decisions.get(n)
            if decision is None or not decision.keep:
                continue
            if whole:
                result.decide(n, False, RULE,
                              f"a photo gallery of {len(indices)} pictures counted to {total} (lines {span[0]}-{span[-1]}) "
                              f"whose captions share {cohesion:.2f} (<= {max_cohesion:.2f}) of their content words "
                              f"with the article ({article_words} words)")
            elif n in counters and not counter(result.lines[n - 1])[2]:
                result.decide(n, False, COUNTER_RULE,
                              f"a picture counter of a photo gallery of {len(indices)} pictures counted to {total} "
                              f"(lines {span[0]}-{span[-1]}), whose captions share {cohesion:.2f} of their content "
                              f"words with the article: the captions are kept")
