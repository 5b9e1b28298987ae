"""The twenty-first round's report views: each document's view made with its removed
lines' tails built once per distinct (rule, reason, source) and escaped in one call,
and the folds found over the lines and their markups, against the plain code they
stand in for (as it was written before), on a real run's metadata and on odd ledgers."""
import json
from pathlib import Path

import pytest

from pipeline import report
from pipeline.report import FOLD_MIN_LINES, _e, _escaped, _line_rows

from conftest import run_seeds_and_pages



def _plain_folded(rows):
    out = []
    k = 0
    while k < len(rows):
        line, _ = rows[k]
        end = k
        if not line[2]:
            rule = line[3]
            while end + 1 < len(rows) and not rows[end + 1][0][2] and rows[end + 1][0][3] == rule:
                end += 1
        if end - k + 1 >= FOLD_MIN_LINES:
            first, last = rows[k][0][0], rows[end][0][0]
            out.append(f'<details class="fold"><summary><b>{end - k + 1:,} lines</b>: <code>{_e(line[3])}</code> '
                       f'(lines {first}-{last})</summary>{"".join(markup for _, markup in rows[k:end + 1])}</details>')
        elif end == k:
            out.append(rows[k][1])
        else:
            out.extend(markup for _, markup in rows[k:end + 1])
        k = end + 1
    return out


def _plain_line_rows(meta, out):
    """_line_rows as it was written before: the removed lines filtered, then made rows."""
    removed = [r for r in meta.get("removed") or [] if isinstance(r, dict) and isinstance(r.get("line"), int)]
    rows = [(r["line"], r.get("text", ""), False, r.get("rule", ""), r.get("reason", ""), r.get("source"))
            for r in removed]
    kept = [n for n in meta.get("lines_kept") or [] if isinstance(n, int)]
    return rows, kept


def _plain_document(d, out, removed, labels=None):
    """report._document as it was before this round: a tail cached a key, escaped a value
    at a time, and (line, markup) pairs folded."""
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
    texts = _escaped([l[1] for l in lines])
    tails = {}
    rows = []
    for l, text in zip(lines, texts):
        number, _, keep, rule, reason, source = l
        if keep:
            rows.append((l, f'<p data-n={number}>{text}</p>'))
        else:
            key = (rule, reason, source)
            try:
                tail = tails.get(key)
            except TypeError:
                key, tail = None, None
            if tail is None:
                origin = f" [{_e(source)}]" if source and f"[{source}]" not in (reason or "") else ""
                tail = f'<em><code>{_e(rule)}</code> {_e(reason)}{origin}</em></p>'
                if key is not None:
                    tails[key] = tail
            rows.append((l, f'<p class=r data-n={number}><s>{text}</s>{tail}'))
    status = _e(d.get("status"))
    return (f'<details class="doc" id="doc-{_e(d["id"])}" data-search="{_e(search)}"><summary><b>{_e(d["id"])}</b> '
            f'<span class="st-{status}">{status}</span> · {removed:,} removed · {len(d.get("lines_kept") or []):,} kept'
            f'{" · " + _e(d.get("title")) if d.get("title") else ""}</summary>'
            f'<div class="meta">{" · ".join(meta_bits)}</div>'
            f'{f"<p class=note>{_e(note)}</p>" if note else ""}'
            f'<div class="lines">{"".join(_plain_folded(rows)) or "<p class=note>no lines</p>"}</div></details>')


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    return run_seeds_and_pages(tmp_path_factory.mktemp("round21"))


def _metas(out: Path) -> list[dict]:
    return [report._document_meta(out, row) for row in report._index_rows(out)]


def test_views_equal_the_plain_views_on_a_real_run(real_run):
    """Every document of the seeds and test pages: the view, its rows and its folds as
    the plain code made them (the run folds some runs and escapes markup characters)."""
    metas = _metas(real_run)
    assert len(metas) > 8
    labels = report.site_labels({m["site"] for m in metas})
    folds = removed = 0
    for meta in metas:
        count = len(meta.get("removed") or [])
        view = report._document(meta, real_run, count, labels)
        assert view == _plain_document(meta, real_run, count, labels)
        rows, kept = _plain_line_rows(meta, real_run)
        assert [l for l in _line_rows(meta, real_run)[0] if not l[2]] == sorted(rows, key=lambda r: r[0])
        folds += view.count('<details class="fold">')
        removed += count
    assert folds > 5 and removed > 200  # the checks reach folds and removed lines


def _ledger(*rules, kept=()):
    """A metadata dict whose removed lines have these rules in order (None: a kept line)."""
    removed, lines_kept = [], []
    for n, rule in enumerate(rules, 1):
        if rule is None:
            lines_kept.append(n)
        else:
            removed.append({"line": n, "text": f"line <{n}> & more", "rule": rule, "reason": f"why {rule}",
                            "source": "rules.toml"})
    return {"id": "p", "status": "rejected", "removed": removed, "lines_kept": lines_kept, "title": "T"}


@pytest.mark.parametrize("rules", [
    (), ("a",) * 4, ("a",) * 5, ("a",) * 6, ("a",) * 5 + ("b",) * 5, ("a",) * 4 + (None,) + ("a",) * 4,
    ("a",) * 5 + (None,) * 3 + ("a",) * 7 + ("b",), (None,) * 5, ("a", "b") * 6, ("b",) + ("a",) * 9 + ("b",) * 4,
])
def test_folds_at_their_boundaries(tmp_path, rules):
    """Runs one short of a fold, exactly a fold, folds side by side, kept lines between
    (whose text is not there: the note), alternating rules."""
    meta = _ledger(*rules)
    assert report._document(meta, tmp_path, len(meta["removed"])) == _plain_document(meta, tmp_path, len(meta["removed"]))


def test_odd_ledgers_as_the_plain_code(tmp_path):
    """Values a hand-edited file may hold: a NaN rule (json's one NaN object), numbers as
    reasons and sources, a reason that names its source, lines with a break, a reason or
    source that cannot be a dict key (the lines' tails then made one by one), rows that
    are not rows, a bool line number."""
    nan = json.loads("NaN")
    nans = [{"line": n, "text": "t\nu" if n == 3 else f"<{n}>", "rule": nan, "reason": "r", "source": "s"}
            for n in range(1, 8)]
    meta = {"id": "p<&>", "status": "rejected", "removed": nans, "lines_kept": []}
    assert report._document(meta, tmp_path, 7) == _plain_document(meta, tmp_path, 7)
    removed = [{"line": n, "text": f"<{n}>", "rule": "k", "reason": "r", "source": "s"} for n in range(1, 7)]
    removed += [{"line": 7, "text": "x", "rule": "k", "reason": 5.5, "source": 0},
                {"line": 8, "text": "y", "rule": "k", "reason": "named [s.toml]", "source": "s.toml"},
                {"line": 9, "text": "z", "rule": "k", "reason": "a\nb", "source": "s\n.toml"},
                {"line": 10, "text": "w", "rule": "k", "reason": None, "source": None},
                {"line": True, "text": "bool", "rule": "k"}, ["not", "a", "row"], {"text": "no number"},
                {"line": 11}]
    meta = {"id": "p", "status": "rejected", "removed": removed, "lines_kept": []}
    assert report._document(meta, tmp_path, 9) == _plain_document(meta, tmp_path, 9)
    unhashable = [dict(r) for r in removed if isinstance(r, dict)]
    unhashable[1]["reason"] = {"k": [1]}
    unhashable[7]["source"] = ["y"]
    meta = {**meta, "removed": unhashable}
    view = report._document(meta, tmp_path, 9)
    assert view == _plain_document(meta, tmp_path, 9) and "{&#x27;k&#x27;: [1]}" in view
