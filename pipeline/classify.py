"""Classify lines: each line of the normalised text is kept or removed, with a rule id
and a reason. Rules run in layers, the first that decides a line wins:

1. line-local: the chrome lexicon (data files), the shape of the line (a lone date, a
   breadcrumb trail) and its script (a line mostly in another script than the page; in
   words, not letters, for a sentence of a script without word spaces, language.foreign_script_units);
2. position: the header zone before the article's first paragraph and the footer that
   opens at an unambiguous footer marker once the body has begun;
3. inside the body, the line model (pipeline/linemodel/, trained on the dev set):
   a line it scores below its threshold is chrome, with its top signals as the reason.

Metadata reading and in-page duplicate detection refine these decisions afterwards.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field

from pipeline.document import LineDecision
from pipeline.language import LanguageGuess, foreign_script_units, script_counts
from pipeline.lexicon import Lexicon, LineForms
from pipeline.linemodel import load_model, score_page
from pipeline.linemodel.blocks import _content_without
from pipeline import sequence
from pipeline.bodyunits import wrapped_paragraphs
from pipeline.memo import LineMemo, Remembered
from pipeline.lineshape import WORD, LineShape, date_remainder, shape_line
from pipeline.linewords import word_ngrams, words_of


@dataclass
class Classification:
    lines: list[str]
    shapes: dict[int, LineShape]
    decisions: dict[int, LineDecision] = field(default_factory=dict)
    body_start: int | None = None   # line number of the first body paragraph
    footer_start: int | None = None  # line number of the footer marker
    body_prob: list[float] | None = None  # the line model's body probability per line, when it read the page

    def decide(self, number: int, keep: bool, rule: str, reason: str) -> None:
        self.decisions[number] = LineDecision(number, self.lines[number - 1], keep, rule, reason)

    def kept_numbers(self) -> list[int]:
        kept = [n for n, d in self.decisions.items() if d.keep]  # a list, then sorted: no generator a line
        kept.sort()
        return kept

    def ordered(self) -> list[LineDecision]:
        return [self.decisions[n] for n in sorted(self.decisions)]


def _foreign_script(shape: LineShape, page_script: str | None) -> str | None:
    """The other script a line is mostly written in, or None."""
    if not page_script:
        return None
    scripts = shape.scripts
    if len(scripts) == 1 and page_script in scripts:  # no other script (most lines): None either way
        return None
    if shape.letters < 3:
        return None
    counts = foreign_script_units(shape.text, shape.scripts, page_script)
    other = {s: n for s, n in counts.items() if s != page_script}
    if sum(other.values()) * 2 <= sum(counts.values()):
        return None
    return max(other, key=other.get)


_UNSET = object()
_MODEL_REMOVES = {"model.chrome", "sequence.chrome"}
_MODEL_EXPLAINS = {"keep.header_body", "keep.body_start", "keep.body", "sequence.body", "keep.between_body",
                   "keep.between_cohesive", "keep.introduced", *_MODEL_REMOVES}
_MODEL_KEEPS_BODY = {"keep.body_start", "keep.body", "sequence.body"}
_CAPTION_RULES = {"lexicon.caption", "lexicon.photo_credit"}  # pipeline/data/lexicon


def _local_rule(shape: LineShape, page: LanguageGuess) -> tuple[str, str] | None:
    if shape.lexicon:
        return shape.lexicon.rule, f"{shape.lexicon.reason} [{shape.lexicon.source}]"
    if shape.dates:
        remainder = date_remainder(shape)
        foreign = {s for s in map(_script_of_word, WORD.findall(remainder)) if s and s != page.script}
        native_words = [w for w in WORD.findall(remainder) if _script_of_word(w) in (page.script, None)]
        if len(native_words) <= 2 and not any(w.casefold() == "by" for w in native_words):
            extra = f", with a link in {'/'.join(sorted(foreign))} script" if foreign else ""
            return "shape.date", f"a date on a line of its own{extra}"
    if shape.is_breadcrumb():
        return "shape.breadcrumb", "breadcrumb trail (section links)"
    if shape.words >= 20 and shape.is_repetitive():  # is_repetitive says no below 20 words
        return "shape.repetitive", "one word repeated over and over (not prose)"
    foreign = _foreign_script(shape, page.script)
    if foreign:
        return "script.foreign", f"mostly {foreign} script on a {page.script}-script page"
    return None


def _script_of_word(word: str) -> str | None:
    counts = script_counts(word)
    return max(counts, key=counts.get) if counts else None


def classify(lines: list[str], page: LanguageGuess, lexicon: Lexicon, stopwords: frozenset[str],
             use_model: bool = True, site_rule=None, footer_max_body_ratio: float = 1.0,
             footer_resume: tuple[int, int, float] = (3, 12, 0.35),
             header_keep_probability: float = 1.0, memo: LineMemo | None = None,
             explain_kept: bool = False, model_threshold: float | None = None,
             model_path: str | None = None, footer_prose_check: bool = False,
             list_keep_probability: float = 1.0, list_page_share: float = 0.6,
             clean_layout: bool = False, between_min_lines: int = 0,
             between_min_cohesion: float = 0.5, header_run_min_lines: int = 0,
             header_run_cohesion: float = 0.3, wrap_width: int | None = None,
             stream_copy_share: float = 0.8, split_opening_min_words: int = 8,
             introduced_min_words: int = 0, four_grams: dict | None = None) -> Classification:
    """`site_rule(text, words)`: the learned site profile's verdict on a line, if any.
    `memo`: per-line results (shapes, line-model features) kept across the pages of a
    batch and the settle pass (see pipeline/memo.py). `explain_kept`: a line the model
    keeps also gets the model's probability and signals in its reason (`explain` shows
    them; a run's files record reasons for removed lines only). `model_threshold`: the
    body probability below which the model calls a line chrome (None: the model's own).
    `model_path`: the line model's file (None: the shipped one). `footer_prose_check`:
    without the model (HTML), a footer marker still opens the footer only when fewer
    prose paragraphs (is_body_like) follow it than precede it (footer_max_body_ratio);
    else the first marker opens it. `list_keep_probability`, `list_page_share`: see
    _keep_between_body (1.0: off); `between_min_lines`, `between_min_cohesion`: its runs on
    pages that are not list pages (`keep.between_cohesive`; 0 lines: off). `clean_layout`:
    the text is in the clean body's layout (one paragraph a line) and read without the
    model; when header lines can be kept (`header_keep_probability` < 1.0) the lines above
    its first paragraph are then kept (`keep.clean_header`): a first reading kept them
    because the model read them as body, and the rules alone cannot tell them from a
    header, so the clean body stays a fixed point. Else, with `header_run_min_lines` > 0
    (keep_header_run), the run of lines right above its first paragraph is kept the same
    way when keep_header_run's test (length, shared words) holds for it: a header a text
    brings in that layout (a menu) speaks other words and is removed as before.
    `wrap_width`: the page is hard-wrapped at this column (bodyunits.wrap_width): a line
    of a wrapped paragraph that reads as prose as a whole can open the article, though
    the line alone is too short for a paragraph. `split_opening_min_words`: the line right
    above the article's first paragraph that runs on into it (_split_opening; 0: off).
    `introduced_min_words`: the run a body line of this many words ending in a colon
    introduces (_keep_introduced; 0: off)."""
    cache = memo.table("shape", lexicon, stopwords) if memo is not None else {}
    made = {}  # the LineForms made here, left on the memo for the page's later steps
    if memo is not None:
        memo.forms = made

    def shape_of(number: int, text: str) -> LineShape:
        shape = cache.get(text)
        if shape is None:
            forms = made[text] = LineForms(text)  # lexicon.match(text), its forms kept
            shape = cache[text] = shape_line(number, text, stopwords, lexicon.match_line(forms))
        return shape if shape.number == number else shape.renumbered(number)

    shapes = {number: shape_of(number, text) for number, text in enumerate(lines, 1) if text}
    result = Classification(lines, shapes)
    # The line-local rules read the line's shape and the page's script only.
    local_rules = memo.table("local", lexicon, stopwords, page.script) if memo is not None else {}
    for number, shape in shapes.items():
        local = local_rules.get(shape.text, _UNSET)
        if local is _UNSET:
            local = local_rules[shape.text] = _local_rule(shape, page)
        if local:
            result.decide(number, False, *local)

    undecided = [n for n in shapes if n not in result.decisions]
    threshold = load_model(model_path)["threshold"] if model_threshold is None else model_threshold
    scores = score_page(lines, page.code, model_path, memo, threshold=threshold) if use_model and undecided else None
    if scores is not None:
        result.body_prob = scores.body_prob

    # The model's verdicts as one body/chrome labelling of the undecided lines in page
    # order (pipeline/sequence.py): a lone line against its neighbours' run may flip.
    path = dict(zip(undecided, sequence.label([scores.body_prob[n - 1] for n in undecided],
                                              [shapes[n].text for n in undecided], threshold))) if scores else {}

    # scores is None or path[n], asked many times a line: the dict's own lookup where there are scores
    model_says_body = path.__getitem__ if scores is not None else lambda n: True  # noqa: E731

    has_stoplist = bool(stopwords)
    wrapped_prose = _wrapped_prose(lines, wrap_width, stopwords, has_stoplist) if wrap_width else frozenset()
    result.body_start = next((n for n in undecided if (shapes[n].is_body_like(has_stoplist) or n in wrapped_prose)
                              and model_says_body(n)), None)
    if result.body_start is None and has_stoplist and scores is not None:
        # No line has the stoplist's share of stopwords: the stoplist may be another
        # language's (langdetect has no Zulu, say, and reads it as Swahili). A long line
        # ending a sentence that the line model reads as body still opens the article.
        result.body_start = next((n for n in undecided if shapes[n].is_body_like(False) and model_says_body(n)), None)
    if result.body_start is None:
        # No paragraph looks like prose (a list, a stub): keep what the lexicon let through.
        for n in undecided:
            result.decide(n, True, "keep.no_body_found", "no paragraph looks like prose; nothing positional removed")
        return result

    # A line's word 4-grams (read, never changed), kept for this page: each footer marker
    # looks again, and a body line's 4-grams recur on no other page. `four_grams`: the
    # caller's table of them (text -> _shingles(text)), which the page's settle pass and
    # in-page duplicates (dedup_page.four_grams_table) read too.
    if four_grams is None:
        four_grams = Remembered(_shingles)

    def shingles_of(n: int) -> set[str]:
        return four_grams[shapes[n].text]

    stream_teaser = stream_end = None
    if scores is not None and stream_copy_share <= 1.0:
        article = _article_below(result.body_start, undecided, model_says_body,
                                 lambda n: shapes[n].is_body_like(has_stoplist), shingles_of, stream_copy_share)
        if article is not None:
            stream_teaser, result.body_start = result.body_start, article
            # The lines right above the article's opening that the model reads as body
            # (a photo's caption, a kicker), no more than `gap` chrome lines apart, are the
            # article's: the model, not the stream, decides them.
            stream_end, gap = article, 0
            for n in reversed([m for m in undecided if stream_teaser < m < article]):
                if model_says_body(n):
                    stream_end, gap = n, 0
                elif (gap := gap + 1) > 3:
                    break

    # The article's first paragraph split over two lines (an inline formula, link or code
    # cut out of it): the line above runs on into it. Read the same way without the model,
    # so the clean body's second reading opens there too.
    split_opening = _split_opening(result.body_start, shapes, has_stoplist, split_opening_min_words)

    footer_reads_body = model_says_body
    if scores is None and footer_prose_check:
        footer_reads_body = lambda n: shapes[n].is_body_like(has_stoplist)  # noqa: E731
    mostly_chrome_after = _MostlyChromeAfter(undecided, shapes, footer_reads_body, scores, footer_max_body_ratio,
                                             shingles_of, without_model=footer_prose_check)
    article_resumes = _ArticleResumes(undecided, shapes, model_says_body, stopwords, has_stoplist, *footer_resume)
    result.footer_start = next(
        (n for n, s in shapes.items() if n > result.body_start and s.lexicon and s.lexicon.starts_footer
         and mostly_chrome_after(n)
         and not (scores is not None and footer_resume[0] > 0 and article_resumes(n))),
        None
    )
    header_run: set[int] = set()
    if scores is None and clean_layout and header_keep_probability >= 1.0 and header_run_min_lines > 0:
        header_run = _clean_header_run(undecided, result.body_start, shapes, stopwords, header_run_min_lines,
                                       header_run_cohesion)
    def model_rule(n: int) -> str:
        """The line model's verdict inside the body: its own, or its labelling's."""
        alone = scores is None or scores.body_prob[n - 1] >= threshold
        if model_says_body(n):
            return "keep.body" if alone else "sequence.body"
        return "sequence.chrome" if alone else "model.chrome"

    verdicts = []  # (line, rule): the position and the model decide, in this order
    for n in undecided:
        if n == split_opening:
            verdicts.append((n, "keep.split_opening"))
            continue
        if stream_teaser is not None and stream_teaser <= n < result.body_start:
            verdicts.append((n, "position.stream" if n < stream_end else model_rule(n)))
            continue
        if n < result.body_start:
            if scores is None and clean_layout and (header_keep_probability < 1.0 or n in header_run):
                verdicts.append((n, "keep.clean_header"))
                continue
            reads_as_body = scores is not None and scores.body_prob[n - 1] >= header_keep_probability
            verdicts.append((n, "keep.header_body" if reads_as_body else "position.header"))
        elif result.footer_start is not None and n > result.footer_start:
            verdicts.append((n, "position.footer"))
        elif n == result.body_start:
            verdicts.append((n, "keep.body_start"))
        else:
            verdicts.append((n, model_rule(n)))
    if scores is not None and list_keep_probability < threshold:
        verdicts = _keep_between_body(verdicts, shapes, scores.body_prob, list_keep_probability, list_page_share,
                                      between_min_lines, between_min_cohesion, stopwords)
    if scores is not None and introduced_min_words > 0:
        verdicts = _keep_introduced(verdicts, shapes, introduced_min_words)
    # The model's reasons (its top signals) cost about as much as its scores: worked out
    # only for the lines whose decision it made, and of those it keeps only when asked.
    explained = _MODEL_EXPLAINS if explain_kept else _MODEL_REMOVES
    reasons = scores.reasons(n - 1 for n, rule in verdicts if rule in explained) if scores is not None else {}

    def model_note(n: int) -> str:
        if scores is None or not explain_kept:
            return ""
        return f"; line model: body probability {scores.body_prob[n - 1]:.2f} ({', '.join(reasons[n - 1])})"

    for n, rule in verdicts:
        if rule == "keep.header_body":
            result.decide(n, True, rule, "before the first paragraph, but reads as body" + model_note(n))
        elif rule == "keep.split_opening":
            result.decide(n, True, rule, f"runs on into the article's first paragraph (line {result.body_start}, which "
                                         "opens in lower case): one paragraph split over two lines")
        elif rule == "keep.clean_header":
            result.decide(n, True, rule, "before the first paragraph of a text in the clean body's layout (one paragraph "
                                         "a line, read without the line model): header lines the model read as body "
                                         "are kept, so nothing positional is removed")
        elif rule == "position.header":
            result.decide(n, False, rule, "before the article's first paragraph (page header)")
        elif rule == "position.stream":
            result.decide(n, False, rule, f"in a news stream above the article: the stream's teaser on line "
                                          f"{stream_teaser} repeats the article's opening on line {result.body_start}")
        elif rule == "position.footer":
            marker = lines[result.footer_start - 1]
            result.decide(n, False, rule, f"after the footer marker {marker!r} on line {result.footer_start}")
        elif rule == "keep.body_start":
            result.decide(n, True, rule, "first paragraph of the article" + model_note(n))
        elif rule == "keep.body":
            result.decide(n, True, rule, "inside the article body" + model_note(n))
        elif rule == "keep.between_body":
            result.decide(n, True, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} < {threshold:.2f}, "
                                         f"but >= {list_keep_probability:.2f}, between body lines, once on the page, "
                                         "whose body is mostly short lines (lists, tables, headings)" + model_note(n))
        elif rule == "keep.between_cohesive":
            result.decide(n, True, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} < {threshold:.2f}, "
                                         f"but >= {list_keep_probability:.2f}, once on the page, in a run of "
                                         f"{between_min_lines}+ removed lines between body lines whose content words are "
                                         f"mostly (>= {between_min_cohesion:.2f}) the body paragraphs'" + model_note(n))
        elif rule == "keep.introduced":
            result.decide(n, True, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} < {threshold:.2f}, "
                                         f"but in a run of removed lines between body lines that a body line of "
                                         f"{introduced_min_words}+ words ending in a colon introduces" + model_note(n))
        elif rule == "sequence.body":
            result.decide(n, True, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} < {threshold:.2f}, "
                                         "but the page's body/chrome labelling keeps it with the body lines around it"
                                         + model_note(n))
        elif rule == "sequence.chrome":
            result.decide(n, False, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} >= {threshold:.2f}, "
                                          "but the page's body/chrome labelling puts it with the chrome lines around it "
                                          f"({', '.join(reasons[n - 1])})")
        else:
            result.decide(n, False, rule, f"line model: body probability {scores.body_prob[n - 1]:.2f} < {threshold:.2f} "
                                          f"({', '.join(reasons[n - 1])})")
    if site_rule is not None:
        _apply_site_rule(result, site_rule, has_stoplist)
    return result


def _split_opening(body_start: int, shapes: dict[int, LineShape], has_stoplist: bool, min_words: int) -> int | None:
    """The line right above the article's first paragraph (no other line between, blank
    lines aside) when the two are one paragraph: it ends no sentence, it is prose (at
    least `min_words` words, the stoplist's share of stopwords where the language has
    one), and the first paragraph opens in lower case, the sentence going on ("... This
    expression" / "is an example of an inline equation."). A headline, a menu or a byline
    above an article is not followed by a line opening mid-sentence. None: no such line,
    or `min_words` 0 (off)."""
    if min_words <= 0:
        return None
    above = next((n for n in range(body_start - 1, 0, -1) if n in shapes), None)
    if above is None:
        return None
    first = next((c for c in shapes[body_start].text if not c.isspace()), "")
    if not (first.isalpha() and first.islower()):
        return None
    shape = shapes[above]
    if shape.ends_sentence or shape.length_units() < min_words or not shape.reads_as_prose(has_stoplist):
        return None
    return above


def _wrapped_prose(lines: list[str], width: int, stopwords: frozenset[str], has_stoplist: bool) -> frozenset[int]:
    """The lines of the page's hard-wrapped paragraphs that read as prose joined up."""
    found = set()
    for paragraph in wrapped_paragraphs(lines, width):
        joined = " ".join(lines[n - 1].strip() for n in paragraph)
        if shape_line(paragraph[0], joined, stopwords, None).is_body_like(has_stoplist):
            found.update(paragraph)
    return frozenset(found)


def _prose(shape: LineShape) -> bool:
    """A paragraph of prose: 8 words or more, ending a sentence."""
    return shape.ends_sentence and shape.length_units() >= 8


def _keep_between_body(verdicts: list[tuple[int, str]], shapes: dict[int, LineShape], body_prob: list[float],
                       bar: float, page_share: float, run_min_lines: int = 0, run_min_cohesion: float = 0.5,
                       stopwords: frozenset[str] = frozenset()) -> list[tuple[int, str]]:
    """Lines the model removed between body lines, kept on a page whose body is mostly
    short lines (`keep.between_body`).

    An article laid out as lists, tables, steps, code or headings with short text under
    them is what the line model misses most inside the body (list items, table rows and
    subheadings it scores just under its threshold), while an article of prose paragraphs
    carries chrome between them (captions, teasers, ad labels) that looks the same. So a
    page qualifies when at least `page_share` of the lines the model keeps as body are
    not prose paragraphs (_prose); then in each run of consecutive non-blank lines the
    model removed (`model.chrome`) whose neighbours above and below it keeps as body, a
    line whose body probability reaches `bar` and whose text is not repeated elsewhere on
    the page (a repeated "Book now", "Article content" is a template) is kept. Structure
    only: no phrase, any language.

    On any other page (`keep.between_cohesive`, `run_min_lines` > 0), such a run of at
    least `run_min_lines` lines keeps the same lines when its lines share, on average, at
    least `run_min_cohesion` of their content words with the prose paragraphs (_prose) kept
    as body, the article's own words (kept teaser titles would vouch for teasers): a table,
    a list, a stretch of dialogue or paragraphs the model cut out of the article speaks
    its vocabulary, a caption with its credit line or a teaser block mostly does not (a
    caption alone is a run of one line)."""
    rule_of = dict(verdicts)
    body = [n for n, rule in verdicts if rule in _MODEL_KEEPS_BODY]
    if not body:
        return verdicts
    list_page = sum(not _prose(shapes[n]) for n in body) >= page_share * len(body)
    if not list_page and run_min_lines <= 0:
        return verdicts
    vocabulary: set[str] = set()
    if not list_page:
        vocabulary = set().union(*(_content_without(shapes[n].text, stopwords) for n in body if _prose(shapes[n])))
    key: dict[int, str] = {}  # each line's text, spaces collapsed, case-folded; made at the first run kept
    counts: Counter = Counter()  # how often each is on the page
    # The page's non-blank lines, less the captions the lexicon removed: a picture's
    # caption standing between two parts of a list does not end the list.
    order = [n for n in sorted(shapes) if n in rule_of or not shapes[n].lexicon
             or shapes[n].lexicon.rule not in _CAPTION_RULES]
    keep: set[int] = set()
    k = 0
    while k < len(order):
        if rule_of.get(order[k]) != "model.chrome":
            k += 1
            continue
        end = k
        while end + 1 < len(order) and rule_of.get(order[end + 1]) == "model.chrome":
            end += 1
        if (k > 0 and end + 1 < len(order) and rule_of.get(order[k - 1]) in _MODEL_KEEPS_BODY
                and rule_of.get(order[end + 1]) in _MODEL_KEEPS_BODY
                and (list_page or _cohesive(order[k:end + 1], shapes, vocabulary, stopwords,
                                            run_min_lines, run_min_cohesion))):
            if not key:
                key = {n: " ".join(shapes[n].text.split()).casefold() for n in shapes}
                counts = Counter(key.values())
            keep.update(n for n in order[k:end + 1] if body_prob[n - 1] >= bar
                        and counts[key[n]] == 1)
        k = end + 1
    kept_rule = "keep.between_body" if list_page else "keep.between_cohesive"
    return [(n, kept_rule if n in keep else rule) for n, rule in verdicts]


_KEPT_BELOW = _MODEL_KEEPS_BODY | {"keep.between_body", "keep.between_cohesive"}
_COLONS = (":", "\uff1a")  # ":" and the full-width "："


def _keep_introduced(verdicts: list[tuple[int, str]], shapes: dict[int, LineShape],
                     min_words: int) -> list[tuple[int, str]]:
    """Lines the model removed right below a body line that ends in a colon, kept
    (`keep.introduced`): in a run of removed lines between two body lines, when the body
    line right above the run ends in a colon and has at least `min_words` words, the
    run's first block (its lines up to the first blank line) is kept, unless a line of
    it is a prose paragraph (_prose).

    A sentence that ends in a colon announces what follows it: a list, a table, code,
    steps. When the model keeps that sentence and a body line below, the block right
    under it is the thing announced, whatever its lines look like alone (short items,
    numbers, code), which is what the model misses when it reads them one by one. A
    prose paragraph the model removed it read with all its words, and a blank line ends
    the block (a box or another story may follow). A short line ending in a colon
    ("Photo:", "Sources:") is a label, not a sentence, and does not count. Structure
    only: no phrase, any language (the full-width colon too)."""
    # The body lines ending in a colon are few: the runs are looked for right under them.
    intros = [n for n, rule in verdicts if rule in _MODEL_KEEPS_BODY and shapes[n].text.rstrip().endswith(_COLONS)
              and shapes[n].length_units() >= min_words]
    if not intros:
        return verdicts
    rule_of = dict(verdicts)
    order = list(shapes)  # the non-blank lines, in order (made so, in classify)
    at = {n: i for i, n in enumerate(order)}
    keep: set[int] = set()
    for intro in intros:
        k = at[intro] + 1
        end = k
        while end < len(order) and rule_of.get(order[end]) == "model.chrome":
            end += 1
        # order[k:end]: the run of removed lines right under it; order[end]: the line below
        if end == k or end == len(order) or rule_of.get(order[end]) not in _KEPT_BELOW:
            continue
        block = [order[k]]  # the block it announces: up to the first blank line
        for n in order[k + 1:end]:
            if n != block[-1] + 1:
                break
            block.append(n)
        if not any(_prose(shapes[n]) for n in block):
            keep.update(block)
    if not keep:
        return verdicts
    return [(n, "keep.introduced" if n in keep else rule) for n, rule in verdicts]


def _cohesive(run: list[int], shapes: dict[int, LineShape], vocabulary: set[str], stopwords: frozenset[str],
              min_lines: int, min_cohesion: float) -> bool:
    """A run of at least `min_lines` lines whose lines (those with content words) share on
    average at least `min_cohesion` of their content words with the body's vocabulary."""
    if len(run) < min_lines:
        return False
    shares = []
    for n in run:
        words = _content_without(shapes[n].text, stopwords)
        if words:
            shares.append(len(words & vocabulary) / len(words))
    return bool(shares) and sum(shares) >= min_cohesion * len(shares)


def _clean_header_run(undecided: list[int], body_start: int, shapes: dict[int, LineShape], stopwords: frozenset[str],
                      min_lines: int, min_cohesion: float) -> set[int]:
    """In a text read by the rules alone, the run of undecided lines right above the first
    paragraph when it passes keep_header_run's test against the lines from there on."""
    open_lines = set(undecided)
    run = []
    for n in sorted((n for n in shapes if n < body_start), reverse=True):
        if n not in open_lines:
            break
        run.append(n)
    if len(run) < min_lines:
        return set()
    vocabulary = set().union(*(_content_without(shapes[n].text, stopwords) for n in undecided if n >= body_start))
    return set(run) if _cohesive(run, shapes, vocabulary, stopwords, min_lines, min_cohesion) else set()


def keep_header_run(result: Classification, stopwords: frozenset[str], min_lines: int, bar: float,
                    min_cohesion: float) -> None:
    """Keep the run of header lines right above the article's first kept line when it
    continues the article (`keep.header_run`): at least `min_lines` consecutive lines that
    only their position removed (`position.header`; the metadata reader has claimed the
    title, byline and dates), each read as body by the line model (probability >=
    `bar`), whose content words share on average at least `min_cohesion` with the kept
    body. A list, a changelog, a lede and its first points that open the article read as
    body and speak its words; a menu under the site's name is cut off from the body by
    the title or the byline, or speaks other words; a lone headline is a run of one.
    Called on pages the line model read, after the metadata reader and the duplicate
    rules; the clean body's second reading keeps its header lines (`keep.clean_header`)."""
    if min_lines <= 0 or result.body_prob is None:
        return
    kept = result.kept_numbers()
    if not kept:
        return
    run = []
    for n in sorted((n for n in result.shapes if n < kept[0]), reverse=True):
        decision = result.decisions.get(n)
        if decision is None or decision.rule != "position.header" or result.body_prob[n - 1] < bar:
            break
        run.append(n)
    if len(run) < min_lines:
        return
    vocabulary = set().union(*(_content_without(result.lines[n - 1], stopwords) for n in kept))
    if not _cohesive(run, result.shapes, vocabulary, stopwords, min_lines, min_cohesion):
        return
    for n in run:
        result.decide(n, True, "keep.header_run",
                      f"above the first paragraph, in a run of {len(run)} header lines read as body (line model: "
                      f"body probability {result.body_prob[n - 1]:.2f} >= {bar:.2f}) whose content words are "
                      f"mostly (>= {min_cohesion:.2f}) the article's")


def keep_prose_above(result: Classification, stopwords: frozenset[str], min_paragraphs: int) -> None:
    """Keep the article's opening paragraphs that the page-header rule cut
    (`keep.prose_above`): the lines right above the first kept line (blank lines between
    allowed) that only their position removed (`position.header`), each ending a sentence
    and reading as prose (the stoplist's share of stopwords, where the language has one),
    the topmost a full paragraph (is_body_like), at least `min_paragraphs` of them full
    paragraphs. The line model read the article's start lower (a chapter's dialogue, a
    story's first paragraphs under a menu); a page header does not run into the article
    as unbroken prose: a menu, a title, a byline, a kicker end no sentence, a standfirst
    is one paragraph. Layout only, any language. Called on pages the line model read,
    after keep_header_run; the clean body's second reading opens at the topmost line,
    a full paragraph, so the body stays a fixed point."""
    if min_paragraphs <= 0 or result.body_prob is None:
        return
    kept = result.kept_numbers()
    if not kept:
        return
    has_stoplist = bool(stopwords)
    run = []
    for n in sorted((n for n in result.shapes if n < kept[0]), reverse=True):
        decision, shape = result.decisions.get(n), result.shapes[n]
        if decision is None or decision.rule != "position.header" or not shape.ends_sentence:
            break
        if not shape.reads_as_prose(has_stoplist):
            break
        run.append(n)
    while run and not result.shapes[run[-1]].is_body_like(has_stoplist):
        run.pop()  # the run opens with a full paragraph, not a line ending one
    paragraphs = sum(result.shapes[n].is_body_like(has_stoplist) for n in run)
    if paragraphs < min_paragraphs:
        return
    for n in run:
        result.decide(n, True, "keep.prose_above",
                      f"above the first kept line, in an unbroken run of {len(run)} prose lines ({paragraphs} full "
                      f"paragraphs, >= {min_paragraphs}) that runs into the article: its opening, not a page header")


def keep_header_zone(result: Classification) -> None:
    """Keep the header-zone lines that nothing but their position removed (HTML: the
    text trafilatura extracted starts at the article, its page header already cut, and
    there the position rule removed ledes, short first paragraphs and lists). Called
    after the metadata reader, which reads the header zone for the title, byline and
    site name and claims those lines under its own rules."""
    for n, decision in list(result.decisions.items()):
        if decision.rule == "position.header":
            result.decide(n, True, "keep.html_header",
                          "before the first paragraph of the text trafilatura extracted (it has cut the page header)")


def _apply_site_rule(result: Classification, site_rule, has_stoplist: bool) -> None:
    """Remove kept lines the site repeats on many pages, unless the line sits between two
    prose paragraphs the site does not repeat: a heading the site's articles share
    ("Who should buy it?") belongs to each one's body."""
    kept = result.kept_numbers()
    texts = [result.lines[n - 1] for n in kept]
    words = [result.shapes[n].length_units() for n in kept]
    prepare = getattr(site_rule, "prepare", None)  # siteprofile.SiteVerdicts: the keys in one call
    if prepare is not None:
        prepare(texts, words)
    recurring = {n: v for n, text, count in zip(kept, texts, words) if (v := site_rule(text, count))}

    def prose(m: int | None) -> bool:
        return m is not None and m not in recurring and result.shapes[m].is_body_like(has_stoplist)

    for n, (rule, reason) in recurring.items():
        position = kept.index(n)
        before = kept[position - 1] if position > 0 else None
        after = kept[position + 1] if position + 1 < len(kept) else None
        if not (prose(before) and prose(after)):
            result.decide(n, False, rule, reason)


class _MostlyChromeAfter:
    """A footer marker opens the footer only once the bulk of the body is above it: the
    body-like words after it (copies of earlier lines, as in news streams, left out) are
    fewer than max_ratio times the body-like words before it.

    Asked for footer markers in ascending order. Worked out for each marker from scratch,
    this read the whole page per marker: quadratic on long pages, which hold a marker per
    article (issue 12, item 16). Here the counts move with the marker: each body line
    joins `before` once and leaves `after` once, and a later line's share of 4-grams
    already seen above the marker only grows, so each of its 4-grams is counted once (an
    index from 4-gram to the later lines holding it). The same integers as the scan from
    scratch, so the same verdicts (tests/test_long_pages.py compares them)."""

    def __init__(self, undecided: list[int], shapes, says_body, scores, max_ratio: float, shingles_of,
                 without_model: bool = False):
        self.max_ratio, self.shingles_of = max_ratio, shingles_of
        # Without the model the first marker opens the footer, unless asked to check
        # anyway (`says_body` then reads the line's shape).
        self.checks = scores is not None or without_model
        self.body = [n for n in undecided if says_body(n)] if self.checks else []  # ascending
        self.units = [shapes[n].length_units() for n in self.body]
        self.n_before = 0  # body[:n_before] are above the marker, their 4-grams in `seen`
        self.first_after = 0  # body[first_after:] are below the marker
        self.body_before = 0
        self.units_after = sum(self.units)
        self.copies_after = 0  # units of the lines below the marker that repeat lines above it
        self.seen: set[str] = set()
        self.index: dict[str, list[int]] | None = None
        self.own: list[set[str]] = []
        self.overlap: list[int] = []
        self.copy: list[bool] = []
        self.last = 0

    def _build_index(self, marker: int) -> None:
        """4-gram -> body lines holding it, for the lines below the first marker asked (no
        line above it is ever below a later one)."""
        self.index = {}
        self.own = [set() if n <= marker else self.shingles_of(n) for n in self.body]
        self.overlap = [0] * len(self.body)
        self.copy = [False] * len(self.body)
        for k, grams in enumerate(self.own):
            for gram in grams:
                self.index.setdefault(gram, []).append(k)

    def __call__(self, marker: int) -> bool:
        if not self.checks:
            return True
        if marker < self.last:
            raise ValueError("footer markers must be asked in ascending order")
        self.last = marker
        if self.index is None:
            self._build_index(marker)
        body, units = self.body, self.units
        while self.first_after < len(body) and body[self.first_after] <= marker:
            k = self.first_after
            self.units_after -= units[k]
            if self.copy[k]:
                self.copies_after -= units[k]
            self.first_after += 1
        while self.n_before < len(body) and body[self.n_before] < marker:
            k = self.n_before
            self.body_before += units[k]
            new = self.shingles_of(body[k]) - self.seen
            self.seen |= new
            # Only the 4-grams a line below holds change a count (few: most are the line's
            # own); within a line the order they are counted in changes no final count or flag.
            for gram in new & self.index.keys():
                for later in self.index[gram]:
                    self.overlap[later] += 1
                    own = self.own[later]
                    if not self.copy[later] and self.overlap[later] >= 0.8 * len(own):
                        self.copy[later] = True  # repeats the article: a news-stream copy, not more body
                        if later >= self.first_after:
                            self.copies_after += units[later]
            self.n_before += 1
        body_after = self.units_after - self.copies_after
        return body_after < self.max_ratio * self.body_before


class _ArticleResumes:
    """The article goes on below a footer marker: a widget inside it ("Related Content:"
    and two teasers), not its end. Told by a run of `min_lines` prose paragraphs the
    model reads as body, starting within `reach` lines below the marker (a widget is
    short; a footer's legal prose comes after its menus), two of them in a row (a list
    of teasers alternates titles and blurbs), whose content words are on average at least
    `min_cohesion` the article's above it. Lines other rules removed (captions) and short
    lines the model reads as body (subheadings) do not break the run.

    Asked for footer markers in ascending order (as _MostlyChromeAfter): the article's
    vocabulary above the marker grows with each, not worked out again."""

    def __init__(self, undecided: list[int], shapes: dict[int, LineShape], says_body, stopwords,
                 has_stoplist: bool, min_lines: int = 3, reach: int = 12, min_cohesion: float = 0.35):
        self.shapes, self.says_body, self.stopwords, self.has_stoplist = shapes, says_body, stopwords, has_stoplist
        self.min_lines, self.reach, self.min_cohesion = min_lines, reach, min_cohesion
        self.undecided = undecided
        self.prose: list[int] | None = None  # made at the first marker asked: most pages ask none
        self.vocabulary: set[str] = set()
        self.in_vocabulary = 0  # prose[:in_vocabulary] are above the last marker asked
        self.last = 0

    def __call__(self, marker: int) -> bool:
        if marker < self.last:
            raise ValueError("footer markers must be asked in ascending order")
        self.last = marker
        shapes, says_body, has_stoplist = self.shapes, self.says_body, self.has_stoplist
        if self.prose is None:
            self.undecided = sorted(self.undecided)
            self.prose = [n for n in self.undecided if says_body(n) and shapes[n].is_body_like(has_stoplist)]
        while self.in_vocabulary < len(self.prose) and self.prose[self.in_vocabulary] < marker:
            self.vocabulary |= _content_without(shapes[self.prose[self.in_vocabulary]].text, self.stopwords)
            self.in_vocabulary += 1
        vocabulary = self.vocabulary
        if not vocabulary:
            return False
        run: list[float] = []
        in_a_row = previous_prose = False
        for k, n in enumerate(self.undecided[bisect_right(self.undecided, marker):]):
            if not says_body(n) or not shapes[n].is_body_like(has_stoplist):
                if not says_body(n):
                    run, in_a_row = [], False
                previous_prose = False
                continue
            if not run and k >= self.reach:
                return False
            in_a_row = in_a_row or previous_prose
            previous_prose = True
            words = _content_without(shapes[n].text, self.stopwords)
            run.append(len(words & vocabulary) / len(words) if words else 0.0)
            if len(run) >= self.min_lines and in_a_row \
                    and sum(run[-self.min_lines:]) >= self.min_cohesion * self.min_lines:
                return True
        return False


def _article_below(start: int, undecided: list[int], says_body, prose, shingles_of,
                   share: float, span: int = 12, stories: int = 3) -> int | None:
    """The line where the article opens when the page's first paragraph is a news
    stream's teaser of it: the teaser joins the article's first paragraphs into one, so
    at least `share` of its word 4-grams recur in two or more body lines further down,
    within `span` lines of each other, none holding `share` of them alone (one line
    repeating it is a copy of the page's first paragraph, as pages that print their
    article twice have). The first of those lines opens the article; None when the
    first paragraph is its own, or when fewer than `stories` lines between read as body
    (`says_body`) or as prose paragraphs (`prose`)."""
    own = shingles_of(start)
    if len(own) < 8:
        return None
    needed = share * len(own)
    holders = []
    for n in undecided:
        if n > start and says_body(n):
            shared = len(own & shingles_of(n))
            if shared >= needed:
                return None
            if shared >= 3:
                holders.append((n, shared))
    for i, (first, _) in enumerate(holders):
        covered = 0
        for n, shared in holders[i:]:
            if n - first > span:
                break
            covered += shared
            if covered >= needed and n > first:
                # A stream lists other stories between its teaser and the article (their
                # teasers read as prose, whether or not the model keeps them); a summary
                # right above the article ("TLDR: ...") is the article's own.
                between = sum(1 for m in undecided if start < m < first and (says_body(m) or prose(m)))
                return first if between >= stories else None
    return None


def _shingles(text: str) -> set[str]:
    """The line's word 4-grams, each as its case-folded words joined by spaces (words hold
    no space; a string keeps its hash through the many set operations)."""
    # One casefold for the line, not one a word: casefold maps each character on its own
    # and never yields a space, and words hold none (as dedup_page._tokens).
    words = words_of(text)
    return word_ngrams(" ".join(words).casefold().split(" ") if words else [], 4)
