"""The twenty-second round's cuts to the run's own process (issue 15), each against the
way it stands in for, on real runs over the seeds and tests/data's pages:

- the report's first pass takes each document's counts from the state
  (report.document_counts, the worker's, a `report` column) instead of reading its
  metadata file; a row without them (an older state) reads the file;
- the guarded batch parses its "done" messages after the batch;
- sources_to_wire without asdict's deep copy;
- site profiles saved from a plain copy of the counts (write_json sorts the keys);
- _sitekeys.text_key_sets: a page's key sets from its text in one call."""
import json
import shutil
import sqlite3
from dataclasses import asdict

import pytest

from pipeline import report, siteprofile
from pipeline.memo import Remembered
from pipeline.options import Options
from pipeline.outdir import OutDir

from conftest import DATA, SEEDS, run_seeds_and_pages


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    return run_seeds_and_pages(tmp_path_factory.mktemp("round22"))


def _state(out):
    return sqlite3.connect(OutDir(out).state / "state.sqlite")


def _stored(out):
    return list(_state(out).execute("SELECT id, report FROM docs ORDER BY id"))


def test_the_state_holds_each_documents_counts_as_its_file_gives_them(real_run):
    """Every document of the run has counts in the state, and they are what the report's
    first pass takes of its metadata file as the run left it (status and duplicates
    settled after the worker wrote it)."""
    rows = _stored(real_run)
    assert len(rows) > 10 and all(text for _, text in rows)
    for ident, text in rows:
        meta = json.loads(OutDir(real_run).meta(ident).read_text("utf-8"))
        assert json.loads(text) == report._counts(meta)
    # Rules with a rule file, several sites and languages: the counts carry them all.
    counts = [json.loads(text) for _, text in rows]
    assert any(c[3] for c in counts) and len({c[4] for c in counts}) > 1 and len({c[5] for c in counts}) > 1


def test_the_report_from_the_states_counts_is_the_report_from_the_files(real_run, monkeypatch):
    """report.html as the run wrote it (counts from the state) equals the report built
    from the files alone, with all views and with fewer views than documents, and
    with the views' metadata budget at 0 (each view reads its file)."""
    written = (real_run / "report.html").read_text("utf-8")
    assert report.build_report(real_run) == written
    assert report.build_report(real_run, _stored(real_run)) == written
    monkeypatch.setattr(report, "MAX_DOCUMENT_VIEWS", 3)
    monkeypatch.setattr(report, "KEEP_VIEW_CHARS", 0)
    few = report.build_report(real_run)
    assert few != written and report.build_report(real_run, _stored(real_run)) == few


def test_rows_without_counts_read_their_files(real_run):
    """An older state's rows (no counts), counts that do not parse, ids the state does
    not hold or holds out of order: those documents are read from their files, and the
    page is the same."""
    written = (real_run / "report.html").read_text("utf-8")
    rows = _stored(real_run)
    holes = [(ident, None if number % 2 else text) for number, (ident, text) in enumerate(rows)]
    garbled = [(ident, "[1, 2" if number % 3 == 0 else "{}" if number % 3 == 1 else text)
               for number, (ident, text) in enumerate(rows)]
    for stored in (holes, garbled, rows[::2], rows[1:], list(reversed(rows)), [], [("zzz", rows[0][1])]):
        assert report.build_report(real_run, stored) == written


def test_the_report_reads_the_states_counts_where_it_has_them(real_run):
    """The check above can fail: counts changed in the state show in the page (so the
    first pass took them, not the file)."""
    rows = _stored(real_run)
    counts = json.loads(rows[0][1])
    counts[1] += 1000  # lines removed
    changed = [(rows[0][0], json.dumps(counts))] + rows[1:]
    assert report.build_report(real_run, changed) != (real_run / "report.html").read_text("utf-8")


def test_a_rerun_over_an_older_state_without_the_column_writes_the_same_report(tmp_path):
    """A state of an earlier version (no `report` column): the next run adds the column,
    skips the unchanged pages (their rows without counts) and writes the same report,
    read from their files; a page cleaned again gets its counts."""
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    out = tmp_path / "out"
    from pipeline import run
    from pipeline.source import safe_id

    run([str(inputs)], out)
    first = (out / "report.html").read_bytes()
    with _state(out) as db:
        db.execute("ALTER TABLE docs DROP COLUMN report")
    assert "report" not in {row[1] for row in _state(out).execute("PRAGMA table_info(docs)")}
    page = sorted((inputs / "seeds").glob("*.txt"))[0]
    page.write_text(page.read_text("utf-8") + "\n", "utf-8")  # cleaned again: new counts
    summary = run([str(inputs)], out)
    assert summary.skipped == len(list((inputs / "seeds").glob("*.txt"))) - 1 and summary.processed == 1
    rows = dict(_stored(out))
    assert rows[safe_id(f"seeds/{page.name}")] is not None and sum(text is None for text in rows.values()) == len(rows) - 1
    assert (out / "report.html").read_bytes() == report.build_report(out).encode("utf-8")
    assert (out / "report.html").read_bytes() == first


def test_the_guarded_batch_gives_the_summaries_the_batch_in_process_gives(tmp_path):
    """The worker's "done" messages parsed after the batch: the same summaries, in the
    same order, as cleaning the batch in this process (the signature, the counts)."""
    from pipeline.runner import process_batch
    from pipeline.sources import discover

    sources = discover([str(SEEDS), str(DATA / "pages")], False, Options())
    guarded = process_batch(sources, tmp_path / "guarded", Options(doc_time_limit=30))
    plain = process_batch(sources, tmp_path / "plain", Options(doc_time_limit=0))
    assert len(guarded) == len(sources) > 5
    assert [s.to_wire() for s in guarded] == [s.to_wire() for s in plain]
    assert all(s.report for s in guarded) and any(s.signature for s in guarded)


def test_sources_to_wire_is_asdict(tmp_path):
    """Plain files, a skipped symlink, a URL from urls.tsv and a corpus file's records:
    the wire dicts equal asdict's, keys in the same order."""
    from pipeline.batch import sources_from_wire, sources_to_wire
    from pipeline.sources import discover

    folder = tmp_path / "in"
    shutil.copytree(SEEDS, folder / "seeds")
    (folder / "urls.tsv").write_text("seeds/" + sorted(p.name for p in SEEDS.glob("*.txt"))[0]
                                     + "\thttps://example.org/a\n", "utf-8")
    (folder / "outside.txt").symlink_to(SEEDS.parent / "README.md")
    records = [{"text": (SEEDS / name).read_text("utf-8"), "url": f"https://example.com/{n}"}
               for n, name in enumerate(sorted(p.name for p in SEEDS.glob("*.txt"))[:2])]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    sources = discover([str(folder)], False, Options())
    assert any(s.record for s in sources) and any(s.skip for s in sources) and any(s.url for s in sources)
    wire = sources_to_wire(sources)
    assert wire == [asdict(s) for s in sources]
    assert [list(w) for w in wire] == [list(asdict(s)) for s in sources]
    assert sources_from_wire(wire) == sources


def test_a_profile_saved_from_its_counts_is_the_same_file(tmp_path, monkeypatch):
    """to_file (the counts as they are; write_json sorts) writes the bytes to_dict (sorted
    by key) writes, on the run's profiles; over the line limit it is to_dict's cut."""
    from collections import Counter

    from pipeline.sources import discover
    from pipeline.write import to_json

    sources = discover([str(SEEDS), str(DATA)], False, Options())
    siteprofile.learn_sites(sources, tmp_path, Options().max_input_bytes)
    files = sorted((tmp_path / "sites").glob("*.json"))
    assert len(files) >= 2
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        lines = list(data["lines"].items())
        # The counts in another order than sorted, as a run's Counter holds them.
        profile = siteprofile.SiteProfile(data["site"], set(data["pages"]), Counter(dict(reversed(lines))),
                                          set(data["copies"]))
        assert to_json(profile.to_file()) == to_json(profile.to_dict()) == path.read_text("utf-8")
        monkeypatch.setattr(siteprofile, "_MAX_LINES_KEPT", max(1, len(lines) // 3))
        assert profile.to_file() == profile.to_dict() and len(profile.to_file()["lines"]) < len(lines)
        monkeypatch.undo()


def _texts() -> list[str]:
    texts = [p.read_text("utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt")) + sorted(DATA.rglob("*.txt"))]
    return texts + ["", "\n", "\n\n", "a", "a\n", "\na b c d\n\n a  b c d ", "x\ny\nx\ny\n",
                    "  \n-- x --\n\u00c4\u00d6 stra\u00dfe STRASSE Stra\u00dfe x y\n\n", "line\r\nother\u2028third\x85"]


@pytest.mark.parametrize("min_words", [0, 1, 4, 6])
def test_text_key_sets_equal_the_pythons(min_words, monkeypatch):
    """The kernel's key sets of a page's text equal _page_key_sets over its lines split at
    "\\n" (the kernel and, with the kernel off, the Python's), set for set in the same
    iteration order, with one memo across the pages that ends holding the same lines in
    the same order, whatever it held before."""
    kernel = pytest.importorskip("pipeline._sitekeys")
    texts = _texts()
    by_kernel, by_lines = Remembered(siteprofile.line_key), Remembered(siteprofile.line_key)
    by_kernel["a b c d"] = by_lines["a b c d"] = siteprofile.line_key("a b c d")
    for text in texts:
        made = kernel.text_key_sets(text, by_kernel, min_words, siteprofile._EDGE_PUNCT)
        wanted = siteprofile._page_key_sets(text.split("\n"), min_words, by_lines)
        assert made == wanted and [list(s) for s in made] == [list(s) for s in wanted]
        assert siteprofile._text_key_sets(text, min_words, {}) == wanted
    assert list(by_kernel.items()) == list(by_lines.items())
    monkeypatch.setattr(siteprofile, "_sitekeys", None)
    monkeypatch.setattr(siteprofile, "_text_kernel", None)
    for text in texts[:8]:
        assert siteprofile._text_key_sets(text, min_words, {}) == siteprofile._page_key_sets(
            text.split("\n"), min_words, {})


def test_text_key_sets_refuse_a_surrogate_and_the_python_answers():
    """A lone surrogate: the kernel raises ValueError, with the memo holding only right
    keys; _text_key_sets then runs the Python, which raises as it did."""
    kernel = pytest.importorskip("pipeline._sitekeys")
    memo = {}
    with pytest.raises(ValueError):
        kernel.text_key_sets("fine line\na\udc80b\nother", memo, 4, siteprofile._EDGE_PUNCT)
    assert all(memo[line] == siteprofile.line_key(line) for line in memo)
    with pytest.raises(UnicodeEncodeError):
        siteprofile._text_key_sets("fine line\na\udc80b", 4, {})
