"""One document through the steps: decode, normalise, extract (HTML), language,
classify lines, read metadata, in-page duplicates, assemble the body."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.afterbody import mark_strays
from pipeline.authorbox import mark_author_box
from pipeline.bodyunits import keep_bullet_runs, keep_wrapped_paragraphs, wrap_width
from pipeline.classify import classify, keep_header_run, keep_header_zone, keep_prose_above
from pipeline.comments import html_comments, html_lines, mark_below_sections, mark_lines, mark_sections
from pipeline.consent import mark_consent
from pipeline.decode import decode_bytes, looks_binary
from pipeline.dedup_page import four_grams_table, mark_duplicates
from pipeline.document import CleanResult, LineDecision, Rejected, Status
from pipeline.extract import extract_html, looks_like_html
from pipeline.gallery import mark_galleries
from pipeline.html_lines import code_line_keys, keep_html_lines
from pipeline.language import detect, stopwords
from pipeline.lexicon import Lexicon, fold
from pipeline.memo import LineMemo
from pipeline.html_headline import headline_dates, page_headline
from pipeline.metadata import merge_html_metadata, read_metadata
from pipeline.normalise import normalise, normalise_lines, table_rows
from pipeline.repeats import mark_repeated_runs
from pipeline.options import Options
from pipeline.siteprofile import ProfileStore, SiteRule, SiteVerdicts, line_key
from pipeline.sites import folder_of, host_of, page_site
from pipeline.tables import keep_table_rows
from pipeline.lastprose import keep_last_prose
from pipeline.midprose import keep_between_prose
from pipeline.outdir import STATE_DIR
from pipeline.version import VERSION




@dataclass(frozen=True)
class Engine:
    """What cleaning needs loaded once per batch: options, the rule data, the learned
    site profiles, and the memo of per-line results."""

    options: Options
    lexicon: Lexicon
    profiles: ProfileStore | None = None
    # Per-line results for the pages this engine cleans (one batch): speed only.
    memo: LineMemo = field(default_factory=LineMemo, compare=False, repr=False)
    # Kept lines' reasons with the line model's probability and signals, as `explain`
    # shows them. Off in runs: their files record reasons for removed lines only, and
    # the signals of every kept line cost 5 % of a page's cleaning.
    explain_kept: bool = False
    # The line model's JSON file; None: the shipped one. Site-grouped cross-validation
    # (training/cv.py) cleans each held-out fold with the model trained without it.
    line_model: str | None = None

    @classmethod
    def load(cls, options: Options | None = None, extra_lexicons: tuple[str, ...] = (),
             out_dir: str | Path | None = None, explain_kept: bool = False) -> "Engine":
        """`out_dir`: the run's output folder, whose state holds the learned site profiles."""
        options = options or Options()
        profiles = ProfileStore(Path(out_dir) / STATE_DIR) if out_dir is not None and options.site_learning else None
        return cls(options, Lexicon.load(tuple(options.rules) + tuple(extra_lexicons)), profiles,
                   explain_kept=explain_kept)


def clean_bytes(data: bytes, name: str = "", engine: Engine | None = None, folder: str | None = None,
                url: str | None = None) -> CleanResult:
    """Clean one page given as bytes; never raises for bad content, rejects instead.

    `folder`: where the input was found (for per-site rules); default: the folder of `name`.
    `url`: where the page was fetched (a record's URL, urls.tsv): its host is the site."""
    engine = engine or Engine.load()
    try:
        decoded = decode_bytes(data)
        text = decoded.text
        if looks_binary(text):
            raise Rejected("binary content: mostly control characters after decoding")
        # Sniffed on the decoded text: UTF-16 or BOM-marked markup is HTML too.
        is_html = looks_like_html(text) or (name.lower().endswith((".html", ".htm", ".html.gz", ".htm.gz")) and "<" in text[:4096])
        result = _clean(text, engine, is_html, folder if folder is not None else folder_of(name),
                        hashlib.sha256(data).hexdigest(), url)
        result.metadata["encoding"] = decoded.encoding
        result.metadata["encoding_confidence"] = decoded.confidence
        return result
    except Rejected as exc:
        return CleanResult(Status.REJECTED, str(exc))


def clean_text(text: str, engine: Engine | None = None, is_html: bool = False, folder: str | None = None) -> CleanResult:
    """Clean one page given as text; rejects (never raises) for content it cannot clean."""
    try:
        return _clean(text, engine or Engine.load(), is_html, folder)
    except Rejected as exc:
        return CleanResult(Status.REJECTED, str(exc))


def _drop_overlong(lines: list[str], limit: int) -> tuple[list[str], dict[int, LineDecision]]:
    """Blank out lines over the length limit (numbering kept) and record their removal.

    The ledger keeps the start of such a line, not all of it (it may be megabytes)."""
    overlong: dict[int, LineDecision] = {}
    if not limit:
        return lines, overlong
    for number, line in enumerate(lines, 1):
        if len(line) > limit:
            shown = f"{line[:200]}… [{len(line) - 200:,} more characters]"
            overlong[number] = LineDecision(number, shown, False, "limit.line_length",
                                            f"{len(line):,} characters, over the limit of {limit:,} per line (not an article paragraph)")
    if overlong:
        lines = ["" if n in overlong else l for n, l in enumerate(lines, 1)]
    return lines, overlong


def _clean(text: str, engine: Engine, is_html: bool, folder: str | None = None, page_hash: str | None = None,
           url: str | None = None) -> CleanResult:
    options = engine.options
    # Text dumps: the rows of tables, read before normalise turns their tabs into spaces.
    rows = table_rows(text) if not is_html and options.table_rows != "off" else {}
    # A text dump's lines straight from normalise (its whole text is not read again);
    # HTML's whole text is read below, and its lines are the extraction's.
    lines = None if is_html else normalise_lines(text)
    text = normalise(text) if is_html else None
    html_meta = None
    html_headline = None
    html_comment_lines: frozenset[str] = frozenset()
    code_keys: frozenset[str] = frozenset()  # HTML: the lines of trafilatura's code blocks
    comments: list[dict] = []  # reader comments, kept apart from the body
    if is_html:
        # The comments as the page shows them (name, date, text), read from its whole
        # text: trafilatura leaves them out (include_comments=False) or, when some get
        # through, their lines are removed below.
        visible = html_lines(text)  # the page's visible text, a line per block: comments and dates read it
        comments, html_comment_lines = html_comments(text, lines=visible)
        extraction = extract_html(text)
        if extraction is None:
            raise Rejected("HTML page with no extractable text (trafilatura and jusText found nothing)")
        html_meta = extraction
        html_headline = page_headline(text)
        code_keys = code_line_keys(extraction.code_blocks)
        lines = normalise_lines(extraction.text)
    if not any(lines):
        raise Rejected("no text: the file holds only white space")
    lines, overlong = _drop_overlong(lines, options.max_line_chars)
    if overlong and not any(lines):
        raise Rejected(f"no text within the line length limit: every line is longer than {options.max_line_chars:,} characters")

    page = detect(lines, options.language_sample_chars, options.language_seed)
    words = stopwords(page.code)
    # The URL the page was fetched from names its site; else the one its markup states.
    host = host_of(url) or (host_of(html_meta.url) if html_meta else None)
    page_url = url or (html_meta.url if html_meta else None)
    # The line model reads page dumps (menus as runs of lines, paragraphs in blocks). A
    # text already in the clean body's layout (each line its own paragraph) is outside
    # what it learned, and rules alone clean it; this also makes a clean body's second
    # reading see what the first one kept (see _settle).
    model_allowed = options.line_model == "all" or (options.line_model == "text" and not is_html)
    lexicon = engine.lexicon.for_site(host, folder)
    site_rule = _site_rule(engine, None if is_html else page_site(url, folder), page_hash)

    # The settle pass reads the kept lines again: their folded forms, words and shingles
    # are kept for it, for this page only (body lines recur on no other page, and they
    # weigh most).
    page_memo = LineMemo()
    # A line's fold (lexicon.fold) is the `folded` of its LineForms (the same string),
    # which classify made for the page's new lines (engine.memo.forms): read, not made again.
    forms_made = engine.memo

    def fold_line(text: str) -> str:
        forms = forms_made.forms.get(text)
        return forms.folded if forms is not None else fold(text)

    page_memo.table("fold", compute=fold_line)  # read_metadata's and mark_duplicates' folds
    # A line's word 4-grams: classify reads some lines' in each reading, mark_duplicates
    # every kept line's; made once a page.
    four_grams = four_grams_table(page_memo)

    # HTML: the header zone of trafilatura's text is kept (keep_header_zone), once the
    # metadata reader has claimed its title, byline and site name on the first reading.
    header_kept = is_html and not options.html_header_position

    def one_pass(page_lines: list[str], again: bool = False):
        clean_layout = _paragraph_per_line(page_lines)
        use_model = model_allowed and not clean_layout
        # Text dumps: a page hard-wrapped at a fixed column (pipeline/bodyunits.py).
        width = wrap_width(page_lines) if options.wrapped_paragraphs and not is_html else None
        found = classify(page_lines, page, lexicon, words, use_model=use_model, site_rule=site_rule,
                         footer_max_body_ratio=options.footer_max_body_ratio,
                         footer_resume=(options.footer_resume_lines, options.footer_resume_reach,
                                        options.footer_resume_cohesion),
                         header_keep_probability=options.header_keep_probability, memo=engine.memo,
                         explain_kept=engine.explain_kept, model_threshold=options.line_model_threshold,
                         model_path=engine.line_model, footer_prose_check=is_html,
                         list_keep_probability=options.list_keep_probability, list_page_share=options.list_page_share,
                         between_min_lines=options.between_min_lines,
                         between_min_cohesion=options.between_min_cohesion,
                         header_run_min_lines=options.header_run_min_lines,
                         header_run_cohesion=options.header_run_cohesion,
                         clean_layout=clean_layout and not is_html, wrap_width=width,
                         stream_copy_share=options.stream_copy_share,
                         split_opening_min_words=options.split_opening_min_words,
                         introduced_min_words=options.introduced_min_words, four_grams=four_grams)
        found_meta = read_metadata(found, memo=page_memo, language=page.code, host=host, url=page_url)
        for number, (rule, reason) in found_meta.claims.items():
            if again and header_kept and found.decisions[number].rule == "position.header":
                continue  # read the first time; the kept header lines are not claimed again
            found.decide(number, False, rule, reason)
        if header_kept:
            keep_header_zone(found)
        # line kinds kept for the batch and settle pass; structure alone tells a section in text dumps only
        found_comments = mark_sections(found, memo=engine.memo, unworded=not is_html)
        if not html_comment_lines:  # HTML: the page's own comment section says it better
            comments.extend(found_comments)
        if html_comment_lines:
            mark_lines(found, html_comment_lines, "a reader comment: the page shows this line only inside its comment section")
        mark_duplicates(found, found_meta.read_title, options.repeat_min_words, memo=page_memo,
                        heading_words=options.near_dup_heading_words)
        if use_model:  # a page dump's layout, read by the line model (gallery.py, authorbox.py, afterbody.py, consent.py)
            mark_galleries(found, words, found_meta.read_title, options.gallery_min_items,
                           options.gallery_max_cohesion, options.gallery_min_article)
            mark_author_box(found, found_meta.authors, (found_meta.evidence.get("author") or {}).get("line"),
                            options.author_box_max_after)
            mark_strays(found, words, options.stray_max_words, options.stray_max_overlap)
            mark_consent(found, options.consent_min_lines, options.consent_max_gap,
                         edge_prompt=options.consent_edge_prompt)
            if rows and not again:  # the page's own rows (the clean body's reading has no tabs)
                keep_table_rows(found, rows, same_shape=options.table_rows == "page")
            if not again:
                keep_last_prose(found, words, options.last_prose_probability, options.last_prose_share)
                keep_between_prose(found, options.between_prose_probability)
            # last: its test reads the body the other rules left
            keep_header_run(found, words, options.header_run_min_lines, options.header_run_probability,
                            options.header_run_cohesion)
            keep_prose_above(found, words, options.prose_above_min_paragraphs)
        if not is_html and (use_model or clean_layout):
            # Units larger than a line, after every line's own decision; also on the clean
            # body's reading, where a list's items stand a blank line apart (fixed point).
            keep_wrapped_paragraphs(found, width)
            keep_bullet_runs(found, options.bullet_run_share, width)
        if not is_html and use_model:
            # last: what the page prints below its comments is no article, whatever kept it
            mark_below_sections(found, options.after_comments_share)
            # a block printed twice and kept twice: its later copy goes (pipeline/repeats.py)
            mark_repeated_runs(found, options.repeated_run_min_lines, memo=page_memo)
        if is_html:
            keep_html_lines(found, code_keys, bool(words))
        return found, found_meta

    classification, meta = one_pass(lines)
    classification.decisions.update(overlong)
    _settle(classification, lambda page_lines: one_pass(page_lines, again=True))

    decisions = _with_sources(classification)
    paragraphs = [d.text for d in decisions if d.keep]
    body = "\n\n".join(paragraphs) + "\n" if paragraphs else ""
    # The body's words are its kept lines' words (no word spans the blank lines between).
    body_words = sum(classification.shapes[d.line].words for d in decisions if d.keep)

    fields = meta.fields()
    if html_meta is not None:
        dates = headline_dates(visible, html_headline, page.code) if html_headline else []
        fields = merge_html_metadata(fields, html_meta, html_headline, dates)
    if url:
        fields["url"] = url
    metadata = {
        "format": "html" if is_html else "text",
        "extractor": html_meta.extractor if html_meta else None,
        **fields,
        "site": page_site(url or (html_meta.url if html_meta else None), folder),
        "language": page.code,
        "language_confidence": page.confidence,
        "script": page.script,
        "words": body_words,
        "paragraphs": len(paragraphs),
        "lines_total": len(lines),
        "lines_kept": [d.line for d in decisions if d.keep],
        "removed": [d.to_dict() for d in decisions if not d.keep],
        "rules": dict(sorted(Counter(d.rule for d in decisions if not d.keep).items())),
        "pipeline_version": VERSION,
    }
    if comments:
        metadata["comments"] = comments  # only on pages that have them: other pages' files stay as they were
    if html_meta is not None and html_meta.choice:
        metadata["extraction"] = html_meta.choice  # which of trafilatura's texts, and why (only where a rule chose)
    if body_words < options.min_body_words:
        removed = len(metadata["removed"])
        return CleanResult(Status.REJECTED, f"no article body found: all {removed} non-blank lines were removed as chrome",
                           metadata=metadata, decisions=decisions, lines=lines)
    return CleanResult(Status.CLEANED, None, body, metadata, decisions, lines)


_SETTLE_PASSES = 2


def _paragraph_per_line(lines: list[str]) -> bool:
    """True when no two non-blank lines touch: the layout of a clean body."""
    return not any(a and b for a, b in zip(lines, lines[1:]))


def _settle(classification, one_pass) -> None:
    """Make the body a fixed point: cleaning the clean body again must remove nothing.

    The line model reads a line's neighbourhood, and in the clean body (one paragraph a
    line, blank lines between) that neighbourhood differs from the page's. So the body is
    classified again as it will be written, with the page's language, and what that pass
    removes is removed here too, with the rule that removed it; at most two passes (one
    is enough: the seeds' bodies and their gold are already fixed points)."""
    for _ in range(_SETTLE_PASSES):
        kept = classification.kept_numbers()
        if not kept:
            return
        body_lines = "\n\n".join(classification.lines[n - 1] for n in kept).split("\n")
        again, _ = one_pass(body_lines)
        removed = [d for d in again.ordered() if not d.keep]
        if not removed:
            return
        for d in removed:
            original = kept[(d.line - 1) // 2]
            classification.decide(original, False, d.rule, f"{d.reason} (when the clean body is read again)")


def _site_rule(engine: Engine, site: str | None, page_hash: str | None):
    """What the site's learned profile says of a line, or None without a profile."""
    profile = engine.profiles.get(site) if engine.profiles is not None else None
    if profile is None:
        return None
    rule = SiteRule(engine.options.site_min_other_pages, engine.options.site_min_share)
    counted = page_hash in profile.pages
    return SiteVerdicts(rule, profile, counted, engine.memo.table("site.line_key", compute=line_key))


def _with_sources(classification) -> list:
    """The decisions in line order, each rule read from a rule file naming that file."""
    decisions = []
    for decision in classification.ordered():
        match = classification.shapes[decision.line].lexicon if decision.line in classification.shapes else None
        if match is not None and decision.rule == match.rule:
            # dataclasses.replace's call, made directly (it reads the fields' list first)
            decision = type(decision)(decision.line, decision.text, decision.keep, decision.rule, decision.reason,
                                      match.source)
        decisions.append(decision)
    return decisions
