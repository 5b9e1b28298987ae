"""One typed options object for the whole pipeline (no process-global settings)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class Options:
    # Input limits: a page larger than this (after gunzip) is rejected, not read whole.
    max_input_bytes: int = 20 * 1024 * 1024
    # A line longer than this (characters, after decoding) is not an article paragraph
    # (minified code, data, a page with no line breaks): it is removed unread, with a
    # rule id, so no step spends time or memory on it.
    max_line_chars: int = 100_000
    # Seconds one document may take (read, clean, write) before it is stopped and
    # rejected with that reason; the run goes on. 0 turns the limit off (then, with one
    # worker, pages are cleaned in the calling process, with no worker process to stop).
    doc_time_limit: float = 60.0
    # Symlinks that lead outside the input folders are not followed unless asked.
    follow_symlinks: bool = False
    # Language identification: langdetect runs once per document on a bounded sample.
    language_sample_chars: int = 3000
    language_seed: int = 0
    # A document whose clean body has fewer words than this is rejected as empty.
    min_body_words: int = 1
    # Cross-document near-duplicates: MinHash over word shingles.
    shingle_words: int = 5
    minhash_permutations: int = 128
    near_duplicate_threshold: float = 0.8
    # A syndicated copy (the article under another site's chrome, a paragraph cut) is
    # linked when this share of the shorter body's shingles is in the longer one
    # (estimated from MinHash; pairs found by LSH bands set for Jaccard
    # near_duplicate_candidates). Chosen on real near-copies and the dev set's false
    # links: docs/encodings-and-duplicates.md.
    near_duplicate_containment: float = 0.7
    near_duplicate_candidates: float = 0.3
    # Where the trained line model decides body lines: "text" (text dumps only: HTML is
    # already extracted by trafilatura), "all", or "off" (rules only).
    line_model: str = "text"
    # The line model's body probability below which a line inside the body is chrome;
    # None: the threshold it was trained with (pipeline/data/line_model.json).
    # --favor-precision raises it, --favor-recall lowers it (pipeline/data/presets.toml).
    line_model_threshold: float | None = None
    # A footer marker opens the footer only when the words after it in lines the line
    # model reads as body (copies of earlier lines left out) are fewer than this times
    # those before it: a "Contact us" menu item above the article is not its footer.
    footer_max_body_ratio: float = 1.0
    # Text dumps read by the line model: a footer marker below which the article resumes
    # opens no footer (a widget inside the article): a run of footer_resume_lines prose
    # paragraphs the model reads as body (0: off), two in a row, starting within
    # footer_resume_reach lines below the marker, sharing on average at least
    # footer_resume_cohesion of their content words with the article above. Grouped CV:
    # docs/quality.md (eighth round).
    footer_resume_lines: int = 3
    footer_resume_reach: int = 12
    footer_resume_cohesion: float = 0.35
    # Text dumps read by the line model: when at least stream_copy_share of the first
    # paragraph's word 4-grams recur in body lines further down, it is a news stream's
    # teaser of the article, which opens at the first of those lines; the stream between
    # is removed (`position.stream`; above 1: off).
    stream_copy_share: float = 0.8
    # A kept line nearly repeating a sentence of a longer kept line is removed as a
    # caption or pull quote (dup.near), unless it ends no sentence and has at most
    # near_dup_heading_words words: a heading its paragraph repeats (0: no exception).
    # Grouped CV: docs/quality.md (ninth round).
    near_dup_heading_words: int = 14
    # A header-zone line the line model scores at least this high is kept (1.0: never).
    # Below 1.0, a text in the clean body's layout (read by the rules alone) keeps its
    # header zone (`keep.clean_header`), so the clean body stays a fixed point. Grouped
    # CV, main's fold models: 0.6-0.8 gave all +0.0008 ± 0.0005 (readability +0.005 to
    # +0.008) with 20-49 pages worse (menus the model reads as body): docs/quality.md.
    header_keep_probability: float = 1.0
    # On a page whose body is mostly short lines (at least list_page_share of the lines
    # the line model keeps are not prose paragraphs: lists, tables, steps, headings), a
    # line the model removed between two body lines is kept when its body probability
    # reaches list_keep_probability and its text is not repeated on the page
    # (`keep.between_body`; 1.0: off). Chosen by site-grouped folds: docs/quality.md.
    list_keep_probability: float = 0.25
    list_page_share: float = 0.6
    # On any other page, a run of at least between_min_lines such lines (0: off) is kept
    # the same way when its lines share on average at least between_min_cohesion of their
    # content words with the body's prose paragraphs (`keep.between_cohesive`): tables, dialogue, paragraphs
    # the model cut; a lone caption is a run of one line. docs/quality.md.
    between_min_lines: int = 2
    between_min_cohesion: float = 0.5
    # Text dumps read by the line model: the run of at least header_run_min_lines header
    # lines right above the first kept line (0: off), each with a body probability of at
    # least header_run_probability, whose content words share on average at least
    # header_run_cohesion with the body, is kept (`keep.header_run`); the clean body's
    # second reading then keeps its header lines (`keep.clean_header`). docs/quality.md.
    header_run_min_lines: int = 2
    header_run_probability: float = 0.8
    header_run_cohesion: float = 0.3
    # Text dumps read by the line model: the unbroken run of prose lines right above the
    # first kept line that only the page-header rule removed, holding at least this many
    # full paragraphs, is the article's opening and is kept (`keep.prose_above`; 0: off).
    # docs/quality.md.
    prose_above_min_paragraphs: int = 3
    # The line right above the article's first paragraph, of at least this many words,
    # ending no sentence, reading as prose, when the paragraph opens in lower case (one
    # paragraph split over two lines), is kept (`keep.split_opening`; 0: off). docs/quality.md.
    split_opening_min_words: int = 8
    # Text dumps read by the line model: a run of lines the model removed between two body
    # lines is kept whole when the body line above it ends in a colon and has at least
    # this many words: the list, table or code it introduces (`keep.introduced`; 0: off).
    # docs/quality.md.
    introduced_min_words: int = 4
    # Text dumps read by the line model: the rows (lines of tab-separated cells) the model
    # removed of a table the article keeps a row of are kept (`keep.table_row`); "page":
    # also the rows of as many cells as a kept row anywhere on the page; "table": the
    # table's own rows only; "off". docs/quality.md.
    table_rows: str = "page"
    # Text dumps read by the line model: the paragraphs of prose right below the article's
    # last kept line that the model removed at a body probability of at least this much
    # and whose content words are at least `last_prose_share` the article's prose's are
    # kept (`keep.last_prose`; 0: off). docs/quality.md.
    last_prose_probability: float = 0.3
    last_prose_share: float = 0.2
    # Text dumps read by the line model: a paragraph of prose, once on the page, that the
    # model removed at a body probability of at least this much between two kept lines
    # is kept (`keep.between_prose`; 0: off). docs/quality.md.
    between_prose_probability: float = 0.3
    # Text dumps read by the line model: the kept lines below the page's last reader
    # comment section are removed (`position.after_comments`) when the kept words above
    # its first section are at least this many times the words below (0: off).
    # docs/quality.md.
    after_comments_share: float = 1.0
    # Text dumps read by the line model: a run of this many consecutive lines found again
    # further down the page, both copies kept, loses its later copy (`dup.repeated_run`;
    # 0: off). docs/quality.md.
    repeated_run_min_lines: int = 6
    # Text dumps (pipeline/bodyunits.py): on a page hard-wrapped at a fixed column, the
    # removed lines of a paragraph more than half of whose lines are kept are kept
    # (`keep.wrapped_paragraph`); and a run of 3+ lines opening with the same bullet
    # marker at least bullet_run_share of whose lines are kept is kept whole
    # (`keep.bullet_run`; 0: off). docs/quality.md.
    wrapped_paragraphs: bool = True
    bullet_run_share: float = 0.3
    # Text dumps read by the line model: a stretch of kept lines below the article's main
    # stretch, removed lines above it, of at most this many words (0: off) and sharing at
    # most this share of its content words with the main stretch, is removed
    # (`position.after_article`, pipeline/afterbody.py).
    stray_max_words: int = 16
    stray_max_overlap: float = 0.2
    # Text dumps read by the line model: a run of at least this many kept lines naming
    # cookies (data/consent_words.txt), at most consent_max_gap kept lines apart, below an
    # article that names them fewer times, is the site's consent dialog and is removed
    # (`position.consent`, pipeline/consent.py; 0: off).
    consent_min_lines: int = 3
    consent_max_gap: int = 8
    # ... and a paragraph naming cookies and a choice (data/consent_choices.txt: "accept",
    # "partners"...), the first or last one kept, on a page naming cookies nowhere else.
    consent_edge_prompt: bool = True
    # Text dumps read by the line model: a photo gallery (at least gallery_min_items picture
    # counters "k/N", "Image k of N" of one N, data/gallery_counters.txt; 0: off) whose
    # captions share at most gallery_max_cohesion of their content words with the article
    # around it, of at least gallery_min_article words, is removed (`position.gallery`);
    # in any other gallery only its bare counter lines (`position.gallery_counter`).
    # A gallery whose N the headline names is the article. pipeline/gallery.py.
    gallery_min_items: int = 3
    gallery_max_cohesion: float = 0.15
    gallery_min_article: int = 100
    # Text dumps read by the line model: a kept line opening with the byline's full author
    # name (read with confidence, two words or more), at most author_box_max_after kept
    # lines from the end, and the lines of its box, are removed (`position.author_box`,
    # pipeline/authorbox.py; 0: off).
    author_box_max_after: int = 6
    # HTML: whether lines above the first paragraph of trafilatura's text are removed as
    # the page header. Off: trafilatura has already cut the page's header away, and there
    # the rule removed mostly ledes, short first paragraphs and lists (the full dev set's
    # HTML, site-grouped folds: docs/comments-and-html.md). Text dumps always apply it.
    html_header_position: bool = False
    # Exact repeats are removed only from lines this long: short repeated lines are the
    # article's own structure ("Pros and Cons", a recurring question).
    repeat_min_words: int = 8
    # Site-level learning (text dumps): a line held by at least this many other pages of
    # the same site, and by this share of them, is that site's chrome.
    site_learning: bool = True
    site_min_other_pages: int = 2
    site_min_share: float = 0.3
    # Pages per batch, at most (one Prefect task per batch keeps the per-task cost small;
    # with several workers a small run is cut finer, see runner.batches).
    batch_size: int = 200
    # Cleaning processes on this machine: batches run in parallel, one per process (the
    # time-limit workers of pipeline/guard.py). With doc_time_limit 0 and one worker,
    # pages are cleaned in the calling process.
    workers: int = 1
    # The user's own rule files (phrase lists and per-site rules, see README), added to
    # the shipped ones; every batch loads them, so a flow's tasks apply them too.
    rules: tuple[str, ...] = ()
    # JSONL inputs (pipeline/corpus.py): the fields that hold a record's page (text
    # first, else HTML), its URL and its id; a dotted name reaches into an object.
    text_field: str = "text"
    html_field: str = "html"
    url_field: str = "url"
    id_field: str = "id"
    # Corpus files written at the end of a run beside the per-document files:
    # "jsonl" (documents.jsonl), "parquet" (documents.parquet, needs pyarrow).
    formats: tuple[str, ...] = ()
    # Withdraw every indexed document whose input this run did not find, wherever it
    # was (without it, a run withdraws only inputs gone from under the paths it was given).
    prune: bool = False

    def __post_init__(self):
        """Every value checked once, here: a bad one raises ValueError with one line,
        `<option>: <rule>, got <value>`, that a caller can show as it is."""
        if isinstance(self.rules, list):  # a list from a config or a caller: kept as a tuple
            object.__setattr__(self, "rules", tuple(self.rules))
        for name, rule in _RULES.items():
            value = getattr(self, name)
            check, text = rule
            if not check(value):
                raise ValueError(f"{name}: {text}, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict | None) -> "Options":
        if not data:
            return cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown option(s): {', '.join(unknown)}")
        data = dict(data)
        if "rules" in data:
            data["rules"] = tuple(str(r) for r in data["rules"] or ())
        if "formats" in data:
            data["formats"] = tuple(sorted({str(f) for f in data["formats"] or ()}))
        return cls(**data)


def _int(low: int):
    return lambda v: type(v) is int and v >= low


def _number(low: float, high: float | None = None):
    def check(v) -> bool:
        if type(v) not in (int, float) or v != v or v == float("inf") and high is not None:
            return False
        return v >= low and (high is None or v <= high)
    return check


def _is_bool(v) -> bool:
    return type(v) is bool


_LINE_MODELS = ("text", "all", "off")
_TABLE_ROWS = ("page", "table", "off")
# option: (check, rule as the error message says it)
_RULES = {
    "max_input_bytes": (_int(1), "must be a whole number of bytes, at least 1"),
    "max_line_chars": (_int(1), "must be a whole number, at least 1"),
    "doc_time_limit": (_number(0), "must be a number of seconds, 0 or more (0 turns the limit off)"),
    "follow_symlinks": (_is_bool, "must be true or false"),
    "language_sample_chars": (_int(1), "must be a whole number, at least 1"),
    "language_seed": (_int(0), "must be a whole number, 0 or more"),
    "min_body_words": (_int(0), "must be a whole number, 0 or more"),
    "shingle_words": (_int(1), "must be a whole number, at least 1"),
    "minhash_permutations": (_int(1), "must be a whole number, at least 1"),
    "near_duplicate_threshold": (_number(0, 1), "must be a number from 0 to 1"),
    "line_model": (lambda v: v in _LINE_MODELS, f"must be one of {', '.join(_LINE_MODELS)}"),
    "footer_max_body_ratio": (_number(0), "must be a number, 0 or more"),
    "footer_resume_lines": (_int(0), "must be a whole number, 0 or more (0 turns the check off)"),
    "footer_resume_reach": (_int(1), "must be a whole number, at least 1"),
    "footer_resume_cohesion": (_number(0, 1), "must be a number from 0 to 1"),
    "near_dup_heading_words": (_int(0), "must be a whole number, 0 or more (0: no exception)"),
    "stream_copy_share": (_number(0), "must be a number, 0 or more (above 1 turns the check off)"),
    "header_keep_probability": (_number(0, 1), "must be a number from 0 to 1"),
    "list_keep_probability": (_number(0, 1), "must be a number from 0 to 1"),
    "list_page_share": (_number(0, 1), "must be a number from 0 to 1"),
    "between_min_lines": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "between_min_cohesion": (_number(0, 1), "must be a number from 0 to 1"),
    "header_run_min_lines": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "header_run_probability": (_number(0, 1), "must be a number from 0 to 1"),
    "header_run_cohesion": (_number(0, 1), "must be a number from 0 to 1"),
    "prose_above_min_paragraphs": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "split_opening_min_words": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "introduced_min_words": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "last_prose_probability": (_number(0, 1), "must be a number from 0 to 1 (0 turns the rule off)"),
    "last_prose_share": (_number(0, 1), "must be a number from 0 to 1"),
    "between_prose_probability": (_number(0, 1), "must be a number from 0 to 1 (0 turns the rule off)"),
    "table_rows": (lambda v: v in _TABLE_ROWS, f"must be one of {', '.join(_TABLE_ROWS)}"),
    "after_comments_share": (_number(0), "must be a number, 0 or more (0 turns the rule off)"),
    "repeated_run_min_lines": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "wrapped_paragraphs": (_is_bool, "must be true or false"),
    "bullet_run_share": (_number(0, 1), "must be a number from 0 to 1 (0 turns the rule off)"),
    "stray_max_words": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "stray_max_overlap": (_number(0, 1), "must be a number from 0 to 1"),
    "consent_min_lines": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "consent_max_gap": (_int(0), "must be a whole number, 0 or more"),
    "consent_edge_prompt": (_is_bool, "must be true or false"),
    "gallery_min_items": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "gallery_max_cohesion": (_number(0, 1), "must be a number from 0 to 1"),
    "gallery_min_article": (_int(0), "must be a whole number of words, 0 or more"),
    "author_box_max_after": (_int(0), "must be a whole number, 0 or more (0 turns the rule off)"),
    "html_header_position": (_is_bool, "must be true or false"),
    "repeat_min_words": (_int(1), "must be a whole number, at least 1"),
    "site_learning": (_is_bool, "must be true or false"),
    "site_min_other_pages": (_int(1), "must be a whole number, at least 1"),
    "site_min_share": (_number(0, 1), "must be a number from 0 to 1"),
    "batch_size": (_int(1), "must be at least 1"),
    "workers": (_int(1), "must be at least 1"),
    "rules": (lambda v: isinstance(v, tuple) and all(isinstance(r, str) for r in v), "must be a tuple of file paths"),
    "prune": (_is_bool, "must be true or false"),
    "line_model_threshold": (lambda v: v is None or _number(0, 1)(v), "must be empty (the model's own) or a number from 0 to 1"),
    "text_field": (lambda v: isinstance(v, str) and v != "", "must be a field name"),
    "html_field": (lambda v: isinstance(v, str) and v != "", "must be a field name"),
    "url_field": (lambda v: isinstance(v, str) and v != "", "must be a field name"),
    "id_field": (lambda v: isinstance(v, str) and v != "", "must be a field name"),
    "formats": (lambda v: isinstance(v, tuple) and set(v) <= {"jsonl", "parquet"}, "must be jsonl and/or parquet"),
}
