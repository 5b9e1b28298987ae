"""report.html: figures that match the run, every document's lines, escaping of hostile
page text, byte-stable output, and a real headless browser (Debian's chromium) that
loads it with no script errors and no network, keeping a screenshot in artifacts/."""
import json
import re
import shutil
import subprocess
import tempfile
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS
from pipeline.report import build_report, write_report
from pipeline.runner import run

HOSTILE = ("</div></details><script>document.title='pwned';document.body.setAttribute('data-pwned','1')</script>"
           "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\"> & \"quotes\"")
ARTIFACTS = ROOT / "artifacts"


def make_run(tmp_path):
    """The seeds, an exact copy (a duplicate), and a page whose lines carry markup."""
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs)
    shutil.copy(SEEDS / "003_3ee7487b8204e483.txt", inputs / "zz_copy.txt")
    body = ("Researchers in the valley said the survey of the river took three years, and they "
            "published the results on Monday after a long review by the regional authority.")
    (inputs / "hostile.txt").write_text(f"Hostile Headline For The Test Page\n\n{HOSTILE}\n\n{body}\n\n{body} Again.\n", "utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    # A menu of eight lines above a short article: one folded run, and a page that kept little.
    menu = "\n".join(["Home", "World", "Business", "Sport", "Culture", "Travel", "Weather", "Video"])
    (inputs / "menu.txt").write_text(f"{menu}\n\nA short note on the river survey, published on Monday by the "
                                     "regional authority.\n", "utf-8")
    out = tmp_path / "out"
    summary = run([str(inputs)], out)
    return inputs, out, summary


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    inputs, out, summary = make_run(tmp)
    return inputs, out, summary, (out / "report.html").read_text("utf-8")


def figure(html: str, title: str) -> dict[str, int]:
    section = re.search(rf'<section class="figure[^"]*" data-figure="{re.escape(title)}">(.*?)</section>', html, re.S).group(1)
    rows = re.findall(r"<tr><td>(.*?)</td><td class=\"n\">([\d,]+)</td>", section)
    return {unescape(re.sub(r"<[^>]+>", "", label)): int(count.replace(",", "")) for label, count in rows}


def doc_block(html: str, ident: str) -> str:
    """One document's view (its folds are <details> inside it)."""
    return re.search(rf'<details class="doc" id="doc-{re.escape(ident)}"(.*?)</div></details>', html, re.S).group(1)


def test_long_runs_of_one_rule_fold_and_pages_that_kept_little_are_flagged(report_run):
    _, out, _, html = report_run
    meta = json.loads((out / "menu.json").read_text("utf-8"))
    block = doc_block(html, "menu")
    fold = re.search(r'<details class="fold"><summary><b>(\d+) lines</b>: <code>([\w.]+)</code> '
                     r'\(lines (\d+)-(\d+)\)</summary>(.*?)</details>', block, re.S)
    assert fold, block[:500]
    count, rule, first, last = int(fold.group(1)), fold.group(2), int(fold.group(3)), int(fold.group(4))
    run = [r for r in meta["removed"] if first <= r["line"] <= last]
    assert count == len(run) >= 5 and {r["rule"] for r in run} == {rule}
    assert len(re.findall(r"<p class=r ", fold.group(5))) == count  # every line still there, behind the click
    # Short runs stay unfolded: no fold in a seed whose removed lines alternate rules.
    rows = re.findall(r'<tr><td data-v="([^"]+)">.*?</tr>', re.search(r'<table id="documents">(.*?)</table>',
                                                                   html, re.S).group(1), re.S)
    flagged = re.findall(r'<td data-v="([^"]+)"><a[^>]*>[^<]*</a></td><td data-v="cleaned!"', html)
    assert "menu" in flagged and meta["words"] < 40
    assert not any(seed.startswith("00") for seed in flagged)  # the seeds' articles are whole
    assert len(rows) == 9
    assert re.search(rf'id="little-kept"[^>]*><b class="flag">{len(flagged)}</b>', html)


def test_site_labels_name_folders_relative_to_the_runs_common_folder():
    from pipeline.report import site_labels

    assert site_labels(["/data/scrapes/bbc/world", "/data/scrapes/cnn", "example.com"]) == {
        "/data/scrapes/bbc/world": "scrapes/bbc/world", "/data/scrapes/cnn": "scrapes/cnn", "example.com": "example.com"}
    assert site_labels(["/tmp/x/in"]) == {"/tmp/x/in": "in"}
    assert site_labels([".", "bbc"]) == {".": ".", "bbc": "bbc"}


def test_report_figures_match_the_run(report_run):
    inputs, out, summary, html = report_run
    assert summary.cleaned == 7 and summary.duplicates == 1 and summary.rejected == 1
    assert figure(html, "Documents by status") == {"cleaned": 7, "duplicate": 1, "rejected": 1}
    assert figure(html, "Lines removed per rule") == summary.removed_by_rule
    metas = [json.loads(p.read_text("utf-8")) for p in sorted(out.glob("*.json")) if p.name != "run.json"]
    total = sum(len(m.get("removed", [])) for m in metas)
    # The site is named by its folder relative to the run's inputs, not by this machine's path.
    assert figure(html, "Lines removed per site") == {inputs.name: total}
    assert inputs.as_posix() not in re.search(r'<table id="documents">(.*?)</table>', html, re.S).group(1).replace(
        f'title="{inputs.as_posix()}"', "")
    by_language = Counter()
    for m in metas:
        by_language[m.get("language") or "(none)"] += len(m.get("removed", []))
    assert figure(html, "Lines removed per language") == dict(by_language)
    assert figure(html, "Rejected documents by reason") == {"empty file (no text at all)": 1}
    top = re.search(r'<table id="documents">(.*?)</table>', html, re.S).group(1)
    first = re.findall(r'<a href="#doc-([^"]+)">', top)
    assert first[0] == max(metas, key=lambda m: (len(m.get("removed", [])), [-ord(c) for c in m["id"]]))["id"]


def test_every_document_shows_its_lines_struck_or_kept(report_run):
    inputs, out, summary, html = report_run
    for meta_path in sorted(out.glob("*.json")):
        if meta_path.name == "run.json":
            continue
        meta = json.loads(meta_path.read_text("utf-8"))
        block = doc_block(html, meta["id"])
        struck = [unescape(t) for t in re.findall(r"<p class=r data-n=\d+><s>(.*?)</s>", block)]
        kept = [unescape(t) for t in re.findall(r"<p data-n=\d+>(.*?)</p>", block)]
        assert struck == [r["text"] for r in meta.get("removed", [])], meta["id"]
        # Kept lines come from the body file, or for a duplicate (no body file) from its input.
        assert len(kept) == len(meta.get("lines_kept", [])), meta["id"]
        for r in meta.get("removed", []):
            assert f'<code>{r["rule"]}</code>' in block
    copy = doc_block(html, "zz_copy")
    assert "duplicate" in copy and "003_3ee7487b8204e483" in copy


def test_report_escapes_page_text_and_loads_nothing_from_outside(report_run):
    _, _, _, html = report_run
    assert "<script>document.title='pwned'" not in html and "<img src=x" not in html
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;" in html
    assert len(re.findall(r"<script>", html)) == 2  # the page's own two inline scripts, nothing else
    assert "default-src 'none'" in html
    for attr in re.findall(r'\s(?:src|href)="([^"]*)"', html):
        assert attr.startswith("#"), attr


def test_report_is_byte_stable_and_notes_what_it_cannot_show(tmp_path):
    inputs, out, _ = make_run(tmp_path)
    first = (out / "report.html").read_bytes()
    assert write_report(out).read_bytes() == first
    # The duplicate's input is gone and it has no body file: the report says so.
    (inputs / "zz_copy.txt").unlink()
    later = build_report(out)
    assert re.search(r'id="doc-zz_copy".*?kept line\(s\) not shown', later, re.S)


def _chromium() -> str | None:
    return shutil.which("chromium")


def _browser(args: list[str], page: Path, profile: str, query: str = "") -> subprocess.CompletedProcess:
    base = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0"]
    return subprocess.run(base + args + [page.as_uri() + query], capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(_chromium() is None, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_report_in_a_real_headless_browser(report_run, tmp_path):
    _, out, summary, _ = report_run
    page = out / "report.html"
    dom = _browser(["--dump-dom"], page, tempfile.mkdtemp(dir=tmp_path))
    assert dom.returncode == 0, dom.stderr[-2000:]
    # Our script ran to the end, recorded no errors, and the hostile line stayed text.
    assert re.search(r'<html lang="en" data-ready="1">', dom.stdout)
    assert re.search(r'<pre id="js-errors" class="muted"></pre>', dom.stdout)
    assert "data-pwned" not in re.search(r"<body[^>]*>", dom.stdout).group(0)
    assert "<title>Cleaning report</title>" in dom.stdout
    assert "Uncaught" not in dom.stderr and "Refused to" not in dom.stderr, dom.stderr[-2000:]
    assert f'<b>{summary.cleaned}</b>cleaned' in dom.stdout
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = _browser(["--window-size=1280,2400", "--hide-scrollbars", f"--screenshot={shot}"],
                    page, tempfile.mkdtemp(dir=tmp_path))
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    # The document list sorts by a column (report.html?sort=words clicks that header).
    sorted_dom = _browser(["--dump-dom"], page, tempfile.mkdtemp(dir=tmp_path), query="?sort=words")
    table = re.search(r'<table id="documents">(.*?)</table>', sorted_dom.stdout, re.S).group(1)
    assert 'aria-sort="descending">words</th>' in table
    words = [int(w) for w in re.findall(r'<td class="n" data-v="(\d+)">[\d,]+</td><td data-v="[^"]*">', table)]
    assert len(words) == 9 and words == sorted(words, reverse=True) and words != [w for w in words if False]
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2400)


def test_a_big_run_shows_views_of_the_most_removed_documents_only(report_run, monkeypatch):
    import pipeline.report as report

    out = report_run[1]
    index = [json.loads(l) for l in (out / "index.jsonl").read_text("utf-8").splitlines()]
    monkeypatch.setattr(report, "MAX_DOCUMENT_VIEWS", 2)
    page = build_report(out)
    views = re.findall(r'<details class="doc" id="doc-([^"]+)"', page)
    assert len(views) == 2 < len(index)
    assert f"of {len(index):,}; <code>pipeline explain FILE</code> shows any other" in page
    # The figures still count every document.
    assert figure(page, "Documents by status") == figure(report_run[3], "Documents by status")


def test_escaped_lines_equal_each_line_escaped():
    """report._escaped (a document's lines escaped in one call) equals _e on each value:
    the seeds' real lines, markup characters, values that are not text, and values
    holding a line break (then escaped one by one)."""
    from pipeline.report import _e, _escaped

    lines = [l for p in sorted(SEEDS.rglob("*.txt")) for l in p.read_text("utf-8", errors="replace").split("\n")]
    assert len(lines) > 100
    odd = ["<b>&amp;</b>", "\"quoted\" 'single'", "", None, 12, "a\nb", "\r\n", "\u2028&\u2029"]
    for values in (lines, odd, odd[:5], lines[:50] + odd, [], [""], [None]):
        assert _escaped(values) == [_e(v) for v in values]


def test_report_view_of_odd_ledger_values(tmp_path):
    """A removed line whose reason or source is not text (a hand-edited metadata file) is
    shown as before, each value as its str, and does not stop the report."""
    from pipeline.report import _document

    lines = [{"line": 1, "text": "a <b>", "rule": "x", "reason": {"k": 1}, "source": ["y"]},
             {"line": 2, "text": "c", "rule": "r", "reason": "why", "source": "s.toml"},
             {"line": 3, "text": "d", "rule": "r", "reason": "why", "source": "s.toml"}]
    meta = {"id": "p", "status": "cleaned", "removed": lines, "lines_kept": []}
    html = _document(meta, tmp_path, 3)
    assert "<code>x</code> {&#x27;k&#x27;: 1} [[&#x27;y&#x27;]]" in html
    assert html.count("<code>r</code> why [s.toml]") == 2
