"""HTML input: sniff it, then let trafilatura extract the body and metadata, with
jusText as the fallback when trafilatura finds nothing. The extracted text then goes
through the same line cleaning as a text dump."""
from __future__ import annotations

import re
from dataclasses import dataclass

import justext
import trafilatura
from lxml import html as lxml_html

from pipeline.language import SCRIPT_SENTENCE_ENDS, stopwords

# The start of an HTML document: white space, a BOM, an XML declaration (XHTML) and
# comments may come before the doctype or the first tag.
_HTML_SNIFF = re.compile(r"^\ufeff?\s*(?:<\?xml\b[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         r"<(?:!doctype\s+html|html|head|body|meta|title|div|p|article)\b", re.I | re.S)


def looks_like_html(head: bytes | str) -> bool:
    """True when the content starts like an HTML document, whatever the file is called.

    Give it the decoded text (bytes are read as UTF-8): sniffing the bytes misses UTF-16
    markup, with or without a BOM."""
    if isinstance(head, bytes):
        head = head[:4096].decode("utf-8", "ignore")
    return bool(_HTML_SNIFF.match(head[:4096]))


@dataclass(frozen=True)
class HtmlExtraction:
    text: str
    extractor: str  # "trafilatura" or "justext"
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    description: str | None = None
    url: str | None = None
    # The text of each code block (<pre>, <code>) trafilatura kept in the main text: its
    # lines are the page's code, repeated log or table lines included, not chrome.
    code_blocks: tuple[str, ...] = ()
    # Set when a rule chose between trafilatura's texts: {"rule": ..., "reason": ...}.
    choice: dict | None = None


def extract_html(markup: str, language: str | None = None) -> HtmlExtraction | None:
    """The body text of an HTML page (one paragraph per line), or None if nothing is found."""
    document = _trafilatura(markup, fast=False)
    if document is not None and document.text and document.text.strip():
        body, choice = _own_extraction(markup, document)
        return HtmlExtraction(
            text=body.text,
            extractor="trafilatura",
            title=document.title or None,
            author=document.author or None,
            published=document.date or None,
            site_name=document.sitename or None,
            description=document.description or None,
            url=document.url or None,
            code_blocks=_code_blocks(body.body),
            choice=choice,
        )
    return _justext_fallback(markup, language)


def _trafilatura(markup: str, fast: bool):
    return trafilatura.bare_extraction(
        markup,
        with_metadata=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,  # trafilatura's dedup cache is process-global: nondeterministic
        favor_precision=False,
        fast=fast,  # True: its own extraction alone, without the fallback extractors
    )


# trafilatura compares its own extraction with readability-lxml's and jusText's and keeps
# the one it judges better; on slideshows and picture galleries that is sometimes the
# gallery's captions, not the article. When the text it keeps is mostly not prose and
# its own extraction is clearly more prose, its own is the article. The shares are
# chosen by 5 folds grouped by site on the dev set's HTML (docs/comments-and-html.md,
# 2026-12-02); the second extraction runs only on pages below the first share.
_LOW_PROSE_SHARE = 0.6  # share of the kept words in prose paragraphs
_PROSE_SHARE_GAIN = 0.1  # how much more prose its own extraction must be
_PROSE_KEPT = 0.5  # and the share of the prose words it must still hold
_SENTENCE_END = re.compile(r"""[.!?"”»)。！？""" + SCRIPT_SENTENCE_ENDS + "]$")


def _prose_words(text: str) -> tuple[int, int]:
    """(words, words in prose lines): a prose line has 12 words or more and ends like a
    sentence. A count of the shape only, so it needs no language."""
    words = prose = 0
    for line in text.split("\n"):
        line = line.strip()
        count = len(line.split())
        words += count
        if count >= 12 and _SENTENCE_END.search(line):
            prose += count
    return words, prose


def _own_extraction(markup: str, document):
    """trafilatura's document, or its own extraction (without the fallback extractors)
    where that is the article and the fallback's text a gallery; with the rule and reason
    when it chose."""
    words, prose = _prose_words(document.text)
    share = prose / words if words else 0.0
    if share >= _LOW_PROSE_SHARE:
        return document, None
    try:
        own = _trafilatura(markup, fast=True)
    except Exception:  # its own extraction failing alone: the first result stands
        return document, None
    if own is None or not own.text or not own.text.strip():
        return document, None
    own_words, own_prose = _prose_words(own.text)
    own_share = own_prose / own_words if own_words else 0.0
    if own_share < share + _PROSE_SHARE_GAIN or own_prose < _PROSE_KEPT * prose or own.text == document.text:
        return document, None
    reason = (f"trafilatura's text is {share:.0%} prose ({words} words), its own extraction without the fallback "
              f"extractors {own_share:.0%} ({own_words} words): the text it preferred is mostly not prose (captions, a gallery, a list), its own is the article")
    return own, {"rule": "extract.trafilatura_own", "reason": reason}


def _code_blocks(body) -> tuple[str, ...]:
    """The text of each <code> element of trafilatura's XML body (it turns <pre> and
    block <code> into one), in document order; nested ones are read with their parent."""
    if body is None:
        return ()
    blocks = []
    for element in body.iter("code"):
        if any(parent.tag == "code" for parent in element.iterancestors()):
            continue
        text = "".join(element.itertext())
        if text.strip():
            blocks.append(text)
    return tuple(blocks)


def _justext_fallback(markup: str, language: str | None) -> HtmlExtraction | None:
    words = stopwords(language) or stopwords("en")
    try:
        paragraphs = justext.justext(markup.encode("utf-8"), words, encoding="utf-8")
    except Exception:  # jusText raises bare lxml errors on broken markup
        return None
    good = [p.text for p in paragraphs if not p.is_boilerplate and p.text.strip()]
    if not good:
        return None
    # trafilatura found no main text, but its metadata reader works on any page (head
    # meta tags, JSON-LD): title, author and date as trafilatura alone would give them.
    try:
        meta = trafilatura.extract_metadata(markup)
    except Exception:  # broken markup its reader cannot parse: the <title> below
        meta = None
    title = meta.title if meta is not None and meta.title else None
    if title is None:
        try:
            title = (lxml_html.fromstring(markup).findtext(".//title") or "").strip() or None
        except Exception:  # unparsable markup: no title, the body is still good
            pass
    if meta is None:
        return HtmlExtraction(text="\n".join(good), extractor="justext", title=title)
    return HtmlExtraction(text="\n".join(good), extractor="justext", title=title, author=meta.author or None,
                          published=meta.date or None, site_name=meta.sitename or None,
                          description=meta.description or None, url=meta.url or None)
