"""The run's report, `report.html`: one self-contained page (inline CSS and JS, no
network: a Content-Security-Policy forbids any fetch) built from the output folder's
index and per-document JSON.

It shows the run's figures (documents by status, lines removed per rule, per site and
per language), the documents with the most lines removed, and for each document its
input lines with the removed ones struck through and labelled with rule and reason.

Deterministic: no clock, everything sorted, so the same output folder gives the same
bytes. Every piece of page text is HTML-escaped: pages are hostile input."""
from __future__ import annotations

import gzip
import hashlib
import heapq
import json
import operator
import os
from collections import Counter, defaultdict
from html import escape
from pathlib import Path, PurePosixPath

from pipeline.sites import folder_of
from pipeline.outdir import OutDir, write_atomic

# A run of at least this many lines removed by one rule folds into one row that opens
# on a click ("1,316 lines: position.header").
FOLD_MIN_LINES = 5
# A cleaned page that kept fewer words than this, or under this share of its lines, is
# flagged: it may have lost its article.
LITTLE_KEPT_WORDS = 40
LITTLE_KEPT_SHARE = 0.05

_CSS = """
:root{--fg:#1d232a;--muted:#5b6672;--line:#d9dee3;--bar:#3b7dd8;--rm:#b3261e;--kp:#1f7a3a;--bg:#fff;--alt:#f5f7f9}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1180px;padding:1.2rem 1.5rem 4rem}
h1{font-size:1.6rem;margin:.2rem 0 .2rem}h2{font-size:1.2rem;margin:2rem 0 .6rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:0 0 .4rem}
.muted{color:var(--muted)}
.cards{display:flex;gap:.8rem;flex-wrap:wrap;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:8px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.6rem}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(340px,1fr));gap:1.2rem}
.figure{min-width:0;overflow-x:auto}.figure.wide{grid-column:1/-1}
td.src{color:var(--muted);font-size:.85rem}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:.85rem}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.bar{background:var(--alt);border-radius:3px;min-width:80px;width:40%}
.bar span{display:block;height:.9rem;background:var(--bar);border-radius:3px}
.st-cleaned{color:var(--kp)}.st-duplicate{color:#8a5a00}.st-rejected{color:var(--rm)}
code{font-size:.85em}
details.doc{border:1px solid var(--line);border-radius:6px;margin:.4rem 0}
details.doc>summary{cursor:pointer;padding:.4rem .7rem;background:var(--alt)}
details.doc[open]>summary{border-bottom:1px solid var(--line)}
.doc .meta{padding:.4rem .8rem;font-size:.9rem}
.lines{padding:.2rem .4rem .6rem;font-size:.9rem}
.lines p{display:grid;grid-template-columns:3.2rem 1fr;column-gap:.5rem;margin:0;padding:.1rem .3rem;border-radius:3px}
.lines p::before{content:attr(data-n);color:var(--muted);text-align:right;font-variant-numeric:tabular-nums;grid-row:span 2}
.lines p.r{background:#fdf3f2}
.lines p.r s{color:var(--muted);text-decoration-color:var(--rm)}
.lines p.r em{font-style:normal;color:var(--rm);font-size:.8rem}
.lines em code{color:var(--rm)}
.note{padding:.4rem .8rem;color:var(--muted);font-style:italic}
#filter{width:100%;max-width:28rem;padding:.35rem .5rem;border:1px solid var(--line);border-radius:5px;font:inherit}
.hidden{display:none}
details.fold{margin:.1rem 0}
details.fold>summary{cursor:pointer;color:var(--rm);font-size:.85rem;padding:.1rem .3rem;list-style-position:inside}
details.fold>summary b{font-variant-numeric:tabular-nums}
.flag{color:var(--rm);font-weight:600}
#documents th{cursor:pointer;user-select:none;white-space:nowrap}
#documents th[aria-sort=ascending]::after{content:" \\25B2"}#documents th[aria-sort=descending]::after{content:" \\25BC"}
.doclist{max-height:34rem;overflow-y:auto;border:1px solid var(--line);border-radius:6px}
"""

# Runs first: any script error on the page lands in #js-errors (the browser test reads it).
_ERRORS_JS = """window.__errors=[];window.addEventListener("error",function(e){window.__errors.push(String(e.message||e));
var n=document.getElementById("js-errors");if(n){n.textContent=window.__errors.join("\\n");}});"""

_JS = """(function(){
var docs=Array.prototype.slice.call(document.querySelectorAll("details.doc"));
var box=document.getElementById("filter"),count=document.getElementById("shown");
function apply(){var q=box.value.trim().toLowerCase(),n=0;docs.forEach(function(d){
var hit=!q||d.getAttribute("data-search").indexOf(q)>=0;d.classList.toggle("hidden",!hit);if(hit){n++;}});
count.textContent=String(n);}
box.addEventListener("input",apply);
function openHash(){if(!location.hash){return;}var el=document.getElementById(decodeURIComponent(location.hash.slice(1)));
if(el&&el.tagName==="DETAILS"){el.open=true;el.scrollIntoView();}}
window.addEventListener("hashchange",openHash);openHash();apply();
var table=document.getElementById("documents");
if(table){var body=table.tBodies[0],heads=table.tHead.rows[0].cells;
Array.prototype.forEach.call(heads,function(th,col){th.addEventListener("click",function(){
var down=th.getAttribute("aria-sort")!=="descending",num=th.getAttribute("data-type")==="n";
Array.prototype.forEach.call(heads,function(h){h.removeAttribute("aria-sort");});
th.setAttribute("aria-sort",down?"descending":"ascending");
var rows=Array.prototype.slice.call(body.rows);
rows.sort(function(a,b){var x=a.cells[col].getAttribute("data-v"),y=b.cells[col].getAttribute("data-v");
var c=num?(Number(x)-Number(y)):(x<y?-1:x>y?1:0);return down?-c:c;});
rows.forEach(function(r){body.appendChild(r);});});});
// report.html?sort=words opens sorted by that column (a link can say how to look at a run).
var want=/[?&]sort=(\\w+)/.exec(location.search);
Array.prototype.forEach.call(heads,function(th){if(want&&th.textContent===want[1]){th.click();}});}
document.documentElement.setAttribute("data-ready","1");
})();"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _e(value) -> str:
    return escape(value if type(value) is str else "" if value is None else str(value), quote=True)


def _escaped(values: list) -> list[str]:
    """[_e(v) for v in values], in one call of escape when no value holds a line break:
    escape replaces each of its five characters on its own, none of them a line break,
    so the joined values escaped and split again at the breaks are the values escaped."""
    if not values:
        return []
    texts = [v if type(v) is str else "" if v is None else str(v) for v in values]
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        return [escape(t, quote=True) for t in texts]
    return escape(joined, quote=True).split("\n")


def _read_json(path: Path) -> dict | None:
    return _read_json_sized(path)[0]


def _read_json_sized(path: Path) -> tuple[dict | None, int]:
    """The file's JSON object (None if it holds none) and the length of its text."""
    try:
        text = path.read_text("utf-8")
    except (OSError, ValueError):  # ValueError: not UTF-8
        return None, 0
    try:
        data = json.loads(text)
    except ValueError:
        return None, len(text)
    return (data if isinstance(data, dict) else None), len(text)


def _index_rows(out: Path):
    """The index's rows, one at a time (a line that is not a row is skipped)."""
    try:
        handle = OutDir(out).index.open(encoding="utf-8")
    except OSError:
        return
    with handle:
        for line in handle:
            try:
                row = json.loads(line)
            except ValueError:
                continue
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                yield row


class _Reversed:
    """An id that sorts backwards, for a min-heap whose root is the greatest id."""

    __slots__ = ("value",)

    def __init__(self, value: str):
        self.value = value

    def __eq__(self, other) -> bool:
        return self.value == other.value

    def __lt__(self, other) -> bool:
        return self.value > other.value

    def __gt__(self, other) -> bool:
        return self.value < other.value


def _reread_input(meta: dict) -> list[str] | None:
    """The input's lines again, for a text page whose body file is gone (a duplicate):
    only when the file is still there with the same sha256."""
    from pipeline.decode import decode
    from pipeline.normalise import normalise

    source = meta.get("source")
    if meta.get("format") != "text" or not source or not meta.get("sha256"):
        return None
    try:
        with (gzip.open if source.lower().endswith(".gz") else open)(source, "rb") as handle:
            data = handle.read(int(meta.get("bytes") or 0) + 1)
    except (OSError, EOFError, ValueError):
        return None
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        return None
    try:
        text, _ = decode(data)
    except Exception:  # the run decoded it once; a changed decoder must not break the report
        return None
    return normalise(text).split("\n")


def document_lines(meta: dict, out: Path) -> tuple[list[dict], str | None]:
    """Every non-blank input line of a document, kept or removed, with a note when the
    kept lines could not be recovered. Removed lines come from the ledger; kept lines
    from the body file (one paragraph per kept line, in order) or the input itself."""
    rows, note = _line_rows(meta, out)
    return [{"line": n, "text": t, "keep": True} if keep else
            {"line": n, "text": t, "keep": False, "rule": rule, "reason": reason, "source": source}
            for n, t, keep, rule, reason, source in rows], note


_BY_NUMBER = operator.itemgetter(0)


def _line_rows(meta: dict, out: Path) -> tuple[list[tuple], str | None]:
    """document_lines as (line, text, keep, rule, reason, source) tuples (a kept line's
    rule, reason and source None): the report's view reads hundreds of lines a
    document, and a dict a line cost more than the rest of its markup."""
    # One pass over the removed lines: each row's number looked up once (json's dicts).
    lines = [(n, r.get("text", ""), False, r.get("rule", ""), r.get("reason", ""), r.get("source"))
             for r in meta.get("removed") or [] if isinstance(r, dict) and isinstance(n := r.get("line"), int)]
    kept_numbers = [n for n in meta.get("lines_kept") or [] if isinstance(n, int)]
    note = None
    if kept_numbers:
        texts = None
        body_path = OutDir(out).body(meta.get("id"))
        if meta.get("status") == "cleaned" and body_path.is_file():
            paragraphs = body_path.read_text("utf-8").rstrip("\n").split("\n\n")
            if len(paragraphs) == len(kept_numbers):
                texts = paragraphs
        if texts is None:
            source_lines = _reread_input(meta)
            if source_lines is not None and max(kept_numbers) <= len(source_lines):
                texts = [source_lines[n - 1] for n in kept_numbers]
        if texts is None:
            note = f"{len(kept_numbers)} kept line(s) not shown: the body file and the input are not available"
        else:
            lines += [(n, t, True, None, None, None) for n, t in zip(kept_numbers, texts)]
    lines.sort(key=_BY_NUMBER)  # stable, as sorted() by the number was
    return lines, note


def _bars(title: str, rows: list[tuple[str, int, str]], headers: tuple[str, str, str], note: str = "",
          wide: bool = False) -> str:
    """A table with a bar per row: (label, count, extra cell)."""
    top = max((c for _, c, _ in rows), default=0) or 1
    body = "".join(
        f'<tr><td>{label}</td><td class="n">{count:,}</td>'
        f'<td class="bar"><span style="width:{100 * count / top:.1f}%"></span></td><td class="src">{extra}</td></tr>'
        for label, count, extra in rows
    ) or '<tr><td colspan="4" class="muted">none</td></tr>'
    return (f'<section class="figure{" wide" if wide else ""}" data-figure="{_e(title)}"><h3>{_e(title)}</h3>'
            f'{f"<p class=muted>{note}</p>" if note else ""}'
            f'<table><tr><th>{headers[0]}</th><th>{headers[1]}</th><th></th><th>{headers[2]}</th></tr>{body}</table></section>')


MAX_DOCUMENT_VIEWS = 1000
# The views' metadata read on the first pass is kept for their turn while the kept files'
# text stays under this many characters (about 3x as much memory decoded); past it, a
# view's metadata is read again when its turn comes. Either way the same dict: the
# report is written after the run's files.
KEEP_VIEW_CHARS = 8_000_000


def _document_meta(out: Path, row: dict) -> dict:
    return _document_meta_sized(out, row)[0]


def _document_meta_sized(out: Path, row: dict) -> tuple[dict, int]:
    meta, size = _read_json_sized(OutDir(out).meta(row["id"]))
    meta = meta or {}
    meta = {**meta, "id": row["id"], "status": row.get("status", meta.get("status")),
            "reason": row.get("reason", meta.get("reason"))}
    # A page rejected before cleaning has no site yet: its folder is its site.
    meta["site"] = meta.get("site") or folder_of(meta.get("source") or row.get("source"))
    return meta, size


def little_kept(d: dict, kept: int, removed: int) -> bool:
    """A cleaned page that kept almost nothing: few words, or a tiny share of its lines."""
    return _little_kept(d.get("status"), d.get("words"), kept, removed)


def _little_kept(status, words, kept: int, removed: int) -> bool:
    if status != "cleaned":
        return False
    words = words if isinstance(words, int) else 0
    return words < LITTLE_KEPT_WORDS or kept < LITTLE_KEPT_SHARE * (kept + removed)


def _counts(meta: dict) -> list:
    """What the report's first pass takes of a document's metadata: [kept lines, removed
    lines, {rule: lines removed}, [[rule, rule file], ...] (distinct, sorted), site (None
    when the metadata names neither site nor source: the index row's source decides),
    language, title, words]. The same values whether `meta` is the dict a worker writes
    or that file parsed again: its removed rows' rule, reason and source are str (or a
    source None), which JSON gives back as they were."""
    removed = [r for r in meta.get("removed") or [] if isinstance(r, dict)]
    rules = Counter(str(r.get("rule")) for r in removed)
    pairs = sorted({(str(r.get("rule")), str(r["source"])) for r in removed if r.get("source")})
    site = meta.get("site") or (folder_of(meta["source"]) if meta.get("source") else None)
    return [len(meta.get("lines_kept") or []), len(removed), dict(rules), [list(p) for p in pairs], site,
            meta.get("language"), meta.get("title"), meta.get("words")]


def document_counts(meta: dict) -> str:
    """_counts(meta) as JSON text, as the state keeps it (its `report` column): the
    worker takes it of the metadata it has just written, and the report's first pass
    reads it instead of the file."""
    return json.dumps(_counts(meta), separators=(",", ":"))


class _StoredCounts:
    """The state's counts (document_counts) by id, read alongside the index: `rows` are
    (id, JSON text or None) in id order, as the index is written, so one row is held at
    a time. get(id): the counts, or None (none stored: an older state's row, a state
    that does not hold the id, a text that does not parse as counts); the caller then
    reads the document's file."""

    def __init__(self, rows):
        self.rows = iter(rows if rows is not None else ())
        self.current = next(self.rows, None)

    def get(self, ident: str) -> list | None:
        while self.current is not None and self.current[0] < ident:
            self.current = next(self.rows, None)
        if self.current is None or self.current[0] != ident or not self.current[1]:
            return None
        try:
            counts = json.loads(self.current[1])
        except ValueError:
            return None
        if type(counts) is not list or len(counts) != 8:
            return None
        return counts


def site_labels(sites) -> dict[str, str]:
    """How the report names each site: a host as it is; a folder (a text dump's site)
    relative to the folder all the run's folders share, so the column reads
    "bbc/world", not an absolute path of this machine (the full path is the cell's title)."""
    folders = [s for s in sites if "/" in s]
    labels = {s: s for s in sites}
    if not folders:
        return labels
    try:
        root = PurePosixPath(os.path.commonpath(folders))
    except ValueError:  # absolute and relative folders mixed
        return labels
    for folder in folders:
        relative = PurePosixPath(folder).relative_to(root).as_posix()
        labels[folder] = root.name if relative == "." else f"{root.name}/{relative}" if root.name else relative
    return labels


def build_report(out_dir: str | Path, counts=None) -> str:
    """The report page for an output folder, as a string."""
    return "".join(report_pieces(out_dir, counts))


def report_pieces(out_dir: str | Path, counts=None):
    """The report page in pieces, to write as they come.

    One pass over the documents keeps only counters and the index rows of the documents
    that get a view (at most MAX_DOCUMENT_VIEWS); each view's metadata is read again when
    its turn comes. The report's memory does not grow with the number of documents, and
    with views no more than the largest one.

    `counts`: the state's (id, document_counts text) rows in id order (the run's last
    step passes them): a document with counts there is not read on the first pass."""
    out = Path(out_dir)
    statuses: Counter = Counter()
    by_rule: Counter = Counter()
    rule_sources: dict[str, set[str]] = defaultdict(set)
    by_site: Counter = Counter()
    docs_by_site: Counter = Counter()
    by_language: Counter = Counter()
    docs_by_language: Counter = Counter()
    rejected_reasons: Counter = Counter()
    total_kept = total_removed = documents = little = 0
    # Min-heap on (removed, reversed id): its root is the first view to give up.
    viewed: list[tuple[int, _Reversed, dict]] = []
    kept_chars = 0  # the text length of the metadata the views in `viewed` hold
    stored = _StoredCounts(counts)
    for row in _index_rows(out):
        blob = stored.get(row["id"]) if "status" in row and "reason" in row else None
        if blob is not None:
            # The counts the worker took of the metadata it wrote (document_counts),
            # kept in the state: no file read on this pass; the view reads it at its turn.
            kept, removed_count, rules, pairs, site, language, title, words = blob
            d, size = None, 0
            status = row["status"]
            if site is None:  # the metadata named no site and no source: as _document_meta_sized
                site = folder_of(row.get("source"))
        else:
            d, size = _document_meta_sized(out, row)
            kept, removed_count, rules, pairs, site, language, title, words = _counts(d)
            status = d.get("status")
        documents += 1
        total_removed += removed_count
        statuses[status or "unknown"] += 1
        if status == "rejected":
            rejected_reasons[(row["reason"] if d is None else d.get("reason")) or ""] += 1
        total_kept += kept
        by_rule.update(rules)
        for rule, source in pairs:
            rule_sources[rule].add(source)
        site = site or "(unknown)"
        language = language or "(none)"
        by_site[site] += removed_count
        docs_by_site[site] += 1
        by_language[language] += removed_count
        docs_by_language[language] += 1
        flagged = _little_kept(status, words, kept, removed_count)
        little += flagged
        entry = (removed_count, _Reversed(row["id"]),
                 {"id": row["id"], "status": status, "site": site, "title": title,
                  "kept": kept, "removed": removed_count, "words": words or 0, "little": flagged,
                  "row": row, "meta": None, "size": 0})
        if len(viewed) < MAX_DOCUMENT_VIEWS:
            heapq.heappush(viewed, entry)
        elif entry[:2] > viewed[0][:2]:
            kept_chars -= heapq.heapreplace(viewed, entry)[2]["size"]
        else:
            continue
        if d is not None and kept_chars + size <= KEEP_VIEW_CHARS:
            entry[2]["meta"], entry[2]["size"] = d, size
            kept_chars += size
    # Most lines removed first, then by id.
    docs = [e[2] for e in sorted(viewed, key=lambda e: (-e[0], e[1].value))]
    labels = site_labels(by_site)

    def ranked(counter: Counter) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No folder name or clock: the same documents give the same bytes wherever they are.
        "<title>Cleaning report</title>",
        f"<script>{_ERRORS_JS}</script><style>{_CSS}</style></head><body>",
        f"<h1>Cleaning report</h1><p class=\"muted\">{documents:,} document(s), {total_kept:,} line(s) kept, {total_removed:,} line(s) removed. "
        "Timings are in <code>run.json</code>.</p>",
        '<pre id="js-errors" class="muted"></pre>',
        '<div class="cards" id="status-cards">',
    ]
    for status in ("cleaned", "duplicate", "rejected"):
        parts.append(f'<div class="card st-{status}" data-status="{status}"><b>{statuses.get(status, 0):,}</b>{status}</div>')
    for status, count in sorted(statuses.items()):
        if status not in ("cleaned", "duplicate", "rejected"):
            parts.append(f'<div class="card" data-status="{_e(status)}"><b>{count:,}</b>{_e(status)}</div>')
    parts.append(f'<div class="card" id="little-kept" title="cleaned pages that kept under {LITTLE_KEPT_WORDS} words '
                 f'or under {LITTLE_KEPT_SHARE:.0%} of their lines"><b class="{"flag" if little else ""}">{little:,}</b>'
                 'kept almost nothing</div>')
    parts.append("</div>")

    parts.append('<h2>Figures</h2><div class="grid">')
    parts.append(_bars("Documents by status", [(f'<span class="st-{_e(s)}">{_e(s)}</span>', c, "")
                                               for s, c in ranked(statuses)], ("status", "documents", "")))
    parts.append(_bars("Lines removed per rule",
                       [(f"<code>{_e(rule)}</code>", count, _e(", ".join(sorted(rule_sources.get(rule, ())))))
                        for rule, count in ranked(by_rule)], ("rule", "lines", "rule file"), wide=True))
    parts.append(_bars("Lines removed per site", [(f'<span title="{_e(site)}">{_e(labels[site])}</span>', count,
                                                   f"{docs_by_site[site]:,}")
                                                  for site, count in ranked(by_site)], ("site", "lines", "documents"),
                       "Site: the page's URL host when known (HTML), else the folder it was found in."))
    parts.append(_bars("Lines removed per language", [(_e(lang), count, f"{docs_by_language[lang]:,}")
                                                      for lang, count in ranked(by_language)],
                       ("language", "lines", "documents")))
    if rejected_reasons:
        parts.append(_bars("Rejected documents by reason", [(_e(reason), count, "")
                                                            for reason, count in ranked(rejected_reasons)],
                           ("reason", "documents", "")))
    parts.append("</div>")

    parts.append(f'<h2>Documents</h2><p class="muted">{len(docs):,} document(s), most lines removed first; '
                 'click a column to sort. <span class="flag">little kept</span>: a cleaned page that kept almost '
                 'nothing (check it).</p><div class="doclist"><table id="documents"><thead><tr>'
                 '<th data-type="s">document</th><th data-type="s">status</th><th data-type="s">site</th>'
                 '<th data-type="n">removed</th><th data-type="n">kept</th><th data-type="n">words</th>'
                 '<th data-type="s">title</th></tr></thead><tbody>')
    for d in docs:
        flag = ' <span class="flag">little kept</span>' if d["little"] else ""
        parts.append(f'<tr><td data-v="{_e(d["id"])}"><a href="#doc-{_e(d["id"])}">{_e(d["id"])}</a></td>'
                     f'<td data-v="{_e(d.get("status"))}{"!" if d["little"] else ""}" class="st-{_e(d.get("status"))}">'
                     f'{_e(d.get("status"))}{flag}</td>'
                     f'<td data-v="{_e(labels.get(d["site"], d["site"]))}" title="{_e(d["site"])}">'
                     f'{_e(labels.get(d["site"], d["site"]))}</td>'
                     f'<td class="n" data-v="{d["removed"]}">{d["removed"]:,}</td><td class="n" data-v="{d["kept"]}">'
                     f'{d["kept"]:,}</td><td class="n" data-v="{d["words"]}">{d["words"]:,}</td>'
                     f'<td data-v="{_e(d.get("title"))}">{_e(d.get("title"))}</td></tr>')
    parts.append("</tbody></table></div>")

    shown = sorted(docs, key=lambda d: d["id"])
    if documents > len(shown):
        # A big run's report stays a page a browser opens: the documents with the most
        # removed get a view; `pipeline explain FILE` shows any other.
        parts.append(f'<h2>Lines of each document</h2><p class="note">Views of the {len(shown):,} documents with the most lines '
                     f'removed, of {documents:,}; <code>pipeline explain FILE</code> shows any other.</p>')
    else:
        parts.append("<h2>Lines of every document</h2>")
    parts.append(f'<p><input id="filter" type="search" placeholder="filter by id, title, '
                 f'status, site, rule" aria-label="filter documents"> <span class="muted"><span id="shown">'
                 f'{len(shown)}</span> of {len(shown)} shown</span></p>')
    yield "".join(parts)
    for d in shown:
        meta, d["meta"] = d["meta"], None  # handed over: held no longer than its view
        yield _document(meta if meta is not None else _document_meta(out, d["row"]), out, d["removed"], labels)
    yield f"<script>{_JS}</script></body></html>\n"


def _folded(lines: list[tuple], markups: list[str]) -> list[str]:
    """The lines' markup, each run of FOLD_MIN_LINES or more lines removed by one rule
    folded into one row that opens on a click. `lines`: `_line_rows` tuples; `markups`:
    each one's markup. A kept line is never part of a run: it is passed on at once."""
    out: list[str] = []
    append = out.append
    n = len(lines)
    k = 0
    while k < n:
        line = lines[k]
        if line[2]:
            append(markups[k])
            k += 1
            continue
        rule = line[3]
        end = k + 1
        while end < n and not lines[end][2] and lines[end][3] == rule:
            end += 1
        count = end - k
        if count >= FOLD_MIN_LINES:
            append(f'<details class="fold"><summary><b>{count:,} lines</b>: <code>{_e(rule)}</code> '
                   f'(lines {line[0]}-{lines[end - 1][0]})</summary>{"".join(markups[k:end])}</details>')
        elif count == 1:
            append(markups[k])
        else:
            out += markups[k:end]
        k = end
    return out


def _tails(keys: list[tuple]) -> list[str]:
    """A removed line's markup after its text, for each (rule, reason, source): the rule
    and reason, and the rule file when the reason does not name it."""
    escaped = _escaped([part for key in keys for part in key])
    return [f'<em><code>{escaped[i]}</code> {escaped[i + 1]}'
            f'{f" [{escaped[i + 2]}]" if source and f"[{source}]" not in (reason or "") else ""}</em></p>'
            for i, (_, reason, source) in zip(range(0, 3 * len(keys), 3), keys)]


def _document(d: dict, out: Path, removed: int, labels: dict[str, str] | None = None) -> str:
    lines, note = _line_rows(d, out)
    rules = sorted({l[3] for l in lines if not l[2]})
    search = " ".join(str(x) for x in (d["id"], d.get("title") or "", d.get("status"), d.get("site") or "", *rules)).lower()
    meta_bits = []
    for key, label in (("source", "input"), ("title", "title"), ("author", "author"), ("published", "published"),
                       ("page_date", "page date"), ("site", "site"), ("url", "url"), ("language", "language"),
                       ("format", "format"), ("reason", "reason")):
        if d.get(key):
            shown = (labels or {}).get(d[key], d[key]) if key == "site" else d[key]
            meta_bits.append(f"<b>{label}</b>: {_e(shown)}")
    dups = [x for x in d.get("duplicates") or [] if isinstance(x, dict)]
    if dups:
        meta_bits.append("<b>duplicates</b>: " + ", ".join(
            f'<a href="#doc-{_e(x.get("id"))}">{_e(x.get("id"))}</a> ({_e(x.get("similarity"))})' for x in dups))
    # Compact markup (a run's report holds every input line): the line number is shown
    # from data-n by CSS; a removed line is <s>text</s> then <em>rule and reason</em>.
    # The lines' texts escaped in one call (a page holds hundreds); rules, reasons and
    # sources repeat: each distinct (rule, reason, source) made once, all escaped in one call.
    texts = _escaped([l[1] for l in lines])
    keys = [l[3:] for l in lines if not l[2]]
    try:
        distinct = list(dict.fromkeys(keys))
    except TypeError:  # a hand-edited metadata file's list or dict: a tail for each line
        tails = _tails(keys)
    else:
        tails = list(map(dict(zip(distinct, _tails(distinct))).__getitem__, keys))
    tail = iter(tails).__next__
    markups = [f'<p data-n={number}>{text}</p>' if keep else f'<p class=r data-n={number}><s>{text}</s>{tail()}'
               for (number, _, keep, _, _, _), text in zip(lines, texts)]
    status = _e(d.get("status"))
    return (f'<details class="doc" id="doc-{_e(d["id"])}" data-search="{_e(search)}"><summary><b>{_e(d["id"])}</b> '
            f'<span class="st-{status}">{status}</span> · {removed:,} removed · {len(d.get("lines_kept") or []):,} kept'
            f'{" · " + _e(d.get("title")) if d.get("title") else ""}</summary>'
            f'<div class="meta">{" · ".join(meta_bits)}</div>'
            f'{f"<p class=note>{_e(note)}</p>" if note else ""}'
            f'<div class="lines">{"".join(_folded(lines, markups)) or "<p class=note>no lines</p>"}</div></details>')


def write_report(out_dir: str | Path, counts=None) -> Path:
    path = OutDir(out_dir).report
    write_atomic(path, report_pieces(out_dir, counts))
    return path
