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
