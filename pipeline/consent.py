"""A cookie-consent dialog kept below the article (issue 16: chrome kept after the article).

Some page dumps end with the text of the site's consent dialog: "This website uses
cookies...", one paragraph per cookie category, and often a table of every cookie set
("_ga 2 years This cookie is installed by Google Analytics..."). Those lines are long,
end like sentences and read as prose, so the line model keeps them; when they outweigh
the article, the footer rule cannot open there either.

The rule, on the decisions of a page the line model read (text dumps), once every other
rule has decided:

- a *consent line* is a kept line holding a word of `data/consent_words.txt` ("cookie",
  in any case and inside compounds, and its names in a few other languages);
- a *consent block* runs from a consent line to the last consent line that follows it
  with at most `max_gap` other kept lines between consecutive ones;
- a block of at least `min_lines` consent lines, whose consent lines hold at least half
  of its words, below an article of at least `min_article` words (the kept lines above
  the block) holding fewer than `min_lines` consent lines, is removed under
  `position.consent`.

A page about cookies (a cookie policy, a recipe) names them from its first paragraphs
on, so its first block has no article above it, and no later block is read.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

RULE = "position.consent"


@lru_cache(maxsize=2)
def _word_list(name: str) -> tuple[str, ...]:
    """A data file's words, one a line, case-folded (# starts a comment line)."""
    text = (resources.files("pipeline") / "data" / name).read_text("utf-8")
    return tuple(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def consent_words() -> tuple[str, ...]:
    return _word_list("consent_words.txt")


def choice_words() -> tuple[str, ...]:
    return _word_list("consent_choices.txt")


def is_consent_line(text: str) -> bool:
    folded = text.casefold()
    return any(word in folded for word in consent_words())


def is_consent_prompt(text: str) -> bool:
    """A line naming cookies and the choice a consent dialog offers ("accept", "consent",
    "partners", "privacy"...)."""
    folded = text.casefold()
    return any(word in folded for word in consent_words()) and any(word in folded for word in choice_words())


def mark_consent(result, min_lines: int, max_gap: int = 8, min_article: int = 100, min_sentence: int = 8,
                 edge_prompt: bool = True) -> None:
    """Remove the consent blocks below the article (`result`: a classify.Classification
    with every decision made). `min_lines` 0 turns the rule off."""
    if min_lines <= 0:
        return
    kept = result.kept_numbers()
    if edge_prompt and len(kept) > 1:
        # the consent banner the dump holds above the article or below it, kept alone
        for n, other in ((kept[0], kept[1:]), (kept[-1], kept[:-1])):
            if is_consent_prompt(result.lines[n - 1]) and not any(is_consent_line(result.lines[m - 1]) for m in other):
                result.decide(n, False, RULE, "a cookie-consent prompt at the edge of the kept text, "
                                              "naming cookies and a choice, on a page naming them nowhere else")
        kept = result.kept_numbers()
    consent = [k for k, n in enumerate(kept) if is_consent_line(result.lines[n - 1])]
    if len(consent) < min_lines:
        return
    # blocks: consecutive consent lines (indices into kept) at most max_gap kept lines apart
    blocks, current = [], [consent[0]]
    for k in consent[1:]:
        if k - current[-1] - 1 <= max_gap:
            current.append(k)
        else:
            blocks.append(current)
            current = [k]
    blocks.append(current)
    units = [result.shapes[n].length_units() for n in kept]
    for block_lines in blocks:
        if len(block_lines) < min_lines:
            # a sentence naming cookies above: the article is about them (a link
            # label, "Cookies", "Cookie Policy", is not a sentence)
            if any(units[k] >= min_sentence for k in block_lines):
                return
            continue
        article = sum(units[:block_lines[0]])
        block = range(block_lines[0], block_lines[-1] + 1)
        total = sum(units[k] for k in block)
        in_consent = sum(units[k] for k in block_lines)
        if article < min_article or in_consent * 2 < total:
            return  # the page's first run naming cookies is its own text
        for k in block:
            result.decide(kept[k], False, RULE,
                          f"a cookie-consent dialog below the article: {len(block_lines)} lines naming cookies "
                          f"(lines {kept[block_lines[0]]}-{kept[block_lines[-1]]}, {in_consent} of its {total} words) "
                          f"after {article} words of article naming them in no sentence")
