"""The headline an HTML page shows (its first <h1>), for choosing the title of an HTML
page beside trafilatura's metadata (pipeline/metadata.py `merge_html_metadata`).

trafilatura's title is the page's <title> / og:title / JSON-LD headline, which most
sites write as "Headline | Site" or "Headline - Section - Site"; the <h1> is the
headline alone. Where trafilatura's title starts with the <h1>'s words and goes on
(the site's name, a section, a date), the <h1> is the article's title: chosen on the
dev set's HTML by 5 folds grouped by site (docs/metadata.md)."""
from __future__ import annotations

from pipeline.evaluate_meta import fold_title


def page_headline(markup: str) -> str | None:
    """The text of the page's first non-empty <h1>, white space collapsed, or None."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fromstring(markup)
    except Exception:  # unparsable markup: no headline, trafilatura's title stands
        return None
    for element in root.iter("h1"):
        text = " ".join(element.text_content().split())
        if text:
            return text
    return None


def headline_leads_title(headline: str | None, title: str | None) -> bool:
    """True when the title is the headline followed by more words ("Headline | Site"),
    compared with case, punctuation and white space folded; a one-word headline (a
    logo in an <h1>) never is."""
    if not headline or not title:
        return False
    head, whole = fold_title(headline), fold_title(title)
    return len(head.split()) >= 2 and whole.startswith(head + " ")


# The dates the page shows beside its headline: lines from 3 above the <h1> to 5 under
# it, of at most 12 words (a stamp or a byline with its date; a longer line is a teaser's
# or a sentence's date). Chosen with trafilatura's date by 5 folds grouped by site on the
# dev set's HTML (docs/comments-and-html.md, 2026-12-02).
_ABOVE, _BELOW, _MAX_WORDS = 3, 5, 12


def headline_dates(lines: list[str], headline: str | None, language: str | None) -> list[tuple[str, str]]:
    """(ISO date, the line it stands on) of each date shown beside the page's headline,
    nearest first (under it before above it at the same distance); dates that an
    "updated" label leads are left out (they are not the publication date).

    `lines` is the page's visible text a line per block element (pipeline/comments.py
    `html_lines`); the headline is found as the first line equal to the <h1> with case,
    punctuation and white space folded."""
    from pipeline.metadates import find_moments, has_label, labels  # the text reader's date finder and labels

    if not headline:
        return []
    lines = [" ".join(line.split()) for line in lines]
    lines = [line for line in lines if line]
    wanted = fold_title(headline)
    at = next((n for n, line in enumerate(lines) if fold_title(line) == wanted), None)
    if at is None:
        return []
    updated = labels("updated", language)
    found = []
    for n in range(max(0, at - _ABOVE), min(len(lines), at + _BELOW + 1)):
        line = lines[n]
        if len(line.split()) > _MAX_WORDS:
            continue
        previous_end = 0
        for moment in find_moments(line, language):
            lead = line[previous_end:moment.start]
            previous_end = moment.end
            if has_label(lead, updated):
                continue
            found.append((abs(n - at), n < at, moment.iso(), line))
    return [(iso, line) for _, _, iso, line in sorted(found, key=lambda f: (f[0], f[1]))]
