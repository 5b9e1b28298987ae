"""Corpus files in and out, for real: JSONL, JSONL.gz, WARC and WET files built from real
dev pages (WARC / WET with warcio's own writer), a urls.tsv sidecar, stdin through the
CLI's Prefect run, and documents.jsonl / documents.parquet read back with datasets and
pandas."""
from __future__ import annotations

import gzip
import io
import json
import shutil
from pathlib import Path

import pytest

from conftest import DATA, PAGES, SEEDS
from pipeline.options import Options
from pipeline.runner import run

MANIFEST = [json.loads(line) for line in (PAGES / "manifest.jsonl").read_text("utf-8").splitlines()]
URLS = {row["id"]: row["url"] for row in MANIFEST}
IDS = sorted(URLS)
# In-process cleaning: a test's pages are few; one test runs the worker processes.
FAST = dict(doc_time_limit=0)


def read_out(out: Path) -> tuple[list[dict], dict[str, dict], dict[str, str]]:
    index = [json.loads(line) for line in (out / "index.jsonl").read_text("utf-8").splitlines()]
    metas = {row["id"]: json.loads((out / f"{row['id']}.json").read_text("utf-8")) for row in index}
    bodies = {row["id"]: (out / f"{row['id']}.txt").read_text("utf-8") for row in index if (out / f"{row['id']}.txt").exists()}
    return index, metas, bodies


def folder_with_urls(tmp_path: Path, kind: str) -> Path:
    """The six dev pages as plain files (text dumps or HTML) with a urls.tsv: the
    reference each corpus file's run must match."""
    folder = tmp_path / f"plain-{kind}"
    folder.mkdir()
    lines = ["path\turl"]
    for ident in IDS:
        if kind == "text":
            shutil.copy(PAGES / "text" / f"{ident}.txt", folder / f"{ident}.txt")
            lines.append(f"{ident}.txt\t{URLS[ident]}")
        else:
            (folder / f"{ident}.html").write_bytes(gzip.decompress((PAGES / "html" / f"{ident}.html.gz").read_bytes()))
            lines.append(f"{ident}.html\t{URLS[ident]}")
    (folder / "urls.tsv").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def jsonl_lines() -> list[str]:
    """The six text dumps as datatrove-like records (URL nested in metadata), then three
    bad records: not JSON, no page in it, and a list instead of an object."""
    lines = [json.dumps({"id": ident, "text": (PAGES / "text" / f"{ident}.txt").read_text("utf-8"),
                         "metadata": {"url": URLS[ident]}}, ensure_ascii=False) for ident in IDS]
    lines.insert(2, "")  # a blank line is no record
    lines += ['{"id": "broken", "text": "no closing', json.dumps({"id": "empty", "text": "  "}), "[1, 2]"]
    return lines


def assert_same_pages(out: Path, reference: Path, ids=IDS) -> None:
    """Each page's body and site are those of the same page given as a file with a URL."""
    _, metas, bodies = read_out(out)
    _, ref_metas, ref_bodies = read_out(reference)
    for ident in ids:
        assert metas[ident]["status"] == ref_metas[ident]["status"], ident
        assert bodies.get(ident) == ref_bodies.get(ident), ident
        assert metas[ident]["site"] == ref_metas[ident]["site"] != "", ident
        assert metas[ident]["url"] == URLS[ident]


# -- JSONL ------------------------------------------------------------------------------

def test_jsonl_records_clean_like_the_same_pages_as_files_and_bad_records_are_rejected(tmp_path):
    corpus = tmp_path / "pages.jsonl"
    corpus.write_text("\n".join(jsonl_lines()) + "\n", "utf-8")
    options = Options(url_field="metadata.url", **FAST)
    summary = run([str(corpus)], tmp_path / "out", options)
    reference = tmp_path / "ref"
    run([str(folder_with_urls(tmp_path, "text"))], reference, Options(**FAST))
    assert_same_pages(tmp_path / "out", reference)

    index, metas, _ = read_out(tmp_path / "out")
    assert summary.documents == 9 == len(index)
    again = run([str(corpus)], tmp_path / "out", options)  # bad records too are unchanged
    assert (again.processed, again.skipped, again.rejected) == (0, 9, 3)
    # Records with no id of their own are named by the file and their line number.
    rejected = {row["id"]: row["reason"] for row in index if row["status"] == "rejected"}
    assert set(rejected) == {"pages-000008", "empty", "pages-000010"}
    assert rejected["pages-000010"] == "not a JSON object but a list"
    assert rejected["empty"].startswith("no page in the record: no text in field 'text' or 'html'")
    broken = next(row for row in index if row["source"] == f"{corpus}#8")
    assert broken["status"] == "rejected" and broken["reason"].startswith("not a JSON record:")
    # Provenance: the file, the line number and the byte offset of the line.
    data = corpus.read_bytes()
    for ident in IDS:
        record = metas[ident]["record"]
        assert record["file"] == str(corpus) and record["field"] == "text"
        line = data[record["offset"]:].split(b"\n", 1)[0]
        assert json.loads(line)["id"] == ident
        assert data[:record["offset"]].count(b"\n") + 1 == record["number"]
        assert metas[ident]["source"] == f"{corpus}#{record['number']}"


def test_jsonl_gz_html_field_and_a_truncated_tail(tmp_path):
    """HTML pages from the html field of a gzipped JSONL; the file breaks off in its last
    record: the records before are cleaned, the rest is one rejection saying where."""
    lines = [json.dumps({"id": ident, "html": gzip.decompress((PAGES / "html" / f"{ident}.html.gz").read_bytes()).decode("utf-8"),
                         "url": URLS[ident]}, ensure_ascii=False) for ident in IDS]
    whole = gzip.compress(("\n".join(lines) + "\n").encode("utf-8"))
    corpus = tmp_path / "pages.jsonl.gz"
    corpus.write_bytes(whole)
    run([str(corpus)], tmp_path / "out", Options(**FAST))
    reference = tmp_path / "ref"
    run([str(folder_with_urls(tmp_path, "html"))], reference, Options(**FAST))
    assert_same_pages(tmp_path / "out", reference)
    _, metas, _ = read_out(tmp_path / "out")
    assert {metas[i]["format"] for i in IDS} == {"html"} and {metas[i]["record"]["field"] for i in IDS} == {"html"}

    cut = tmp_path / "cut" / "pages.jsonl.gz"
    cut.parent.mkdir()
    cut.write_bytes(whole[: len(whole) - 2000])
    run([str(cut)], tmp_path / "out-cut", Options(**FAST))
    index, _, _ = read_out(tmp_path / "out-cut")
    statuses = {row["id"]: (row["status"], row["reason"]) for row in index}
    assert statuses.pop("pages-000006") == ("rejected", "corrupt gzip data from line 6 on: "
                                                        "Compressed file ended before the end-of-stream marker was reached")
    assert statuses == {ident: ("cleaned", None) for ident in IDS[:5]}


def test_jsonl_rerun_cleans_only_changed_records(tmp_path):
    corpus = tmp_path / "pages.jsonl"
    lines = jsonl_lines()[:4]  # three records (one blank line)
    corpus.write_text("\n".join(lines) + "\n", "utf-8")
    options = Options(url_field="metadata.url", **FAST)
    first = run([str(corpus)], tmp_path / "out", options)
    assert first.processed == 3
    again = run([str(corpus)], tmp_path / "out", options)
    assert (again.processed, again.skipped) == (0, 3)
    # One page edited, one URL changed (the URL sets the site), one record added; the
    # third record stays on its line and is skipped.
    records = [json.loads(line) for line in lines if line]
    records[0]["text"] += "\nOne more paragraph, added to the page after the first run, long enough to keep."
    records[1]["metadata"]["url"] = "https://example.org/moved"
    added = json.loads(jsonl_lines()[5])
    new_lines = [json.dumps(r, ensure_ascii=False) for r in records]
    new_lines.insert(2, "")
    corpus.write_text("\n".join(new_lines + [json.dumps(added, ensure_ascii=False)]) + "\n", "utf-8")
    third = run([str(corpus)], tmp_path / "out", options)
    assert (third.processed, third.skipped) == (3, 1)
    assert third.reprocess_reasons == {"content changed": 1, "new": 1, "url changed": 1}
    _, metas, _ = read_out(tmp_path / "out")
    assert metas[records[1]["id"]]["site"] == "example.org"
    # A blank line on top: every record is on another line now, so each is cleaned again
    # and its metadata names its new line.
    corpus.write_text("\n" + corpus.read_text("utf-8"), "utf-8")
    fourth = run([str(corpus)], tmp_path / "out", options)
    assert fourth.reprocess_reasons == {"moved": 4}
    _, metas, _ = read_out(tmp_path / "out")
    assert metas[added["id"]]["record"]["number"] == 6


# -- WARC / WET ---------------------------------------------------------------------------

def build_warc(path: Path, pages: list[tuple[str, str, bytes]], gzip_records: bool = True) -> None:
    """A WARC as a crawler writes it: warcinfo, then a request and a response per page,
    then an image response and a 404 (kind, url, payload); with warcio's writer."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as handle:
        writer = WARCWriter(handle, gzip=gzip_records)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "tests/test_corpus.py"}))
        for kind, url, payload in pages:
            if kind == "conversion":
                writer.write_record(writer.create_warc_record(url, "conversion", payload=io.BytesIO(payload),
                                                              warc_content_type="text/plain"))
                continue
            status, ctype = {"html": ("200 OK", "text/html; charset=utf-8"), "image": ("200 OK", "image/png"),
                             "missing": ("404 Not Found", "text/html")}[kind]
            writer.write_record(writer.create_warc_record(url, "request", payload=io.BytesIO(b""),
                                                          http_headers=StatusAndHeaders(f"GET {url} HTTP/1.1", [], is_http_request=True)))
            headers = StatusAndHeaders(status, [("Content-Type", ctype)], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload), http_headers=headers))


def test_warc_response_records_are_html_pages_with_their_urls(tmp_path):
    """Cleaned in the worker processes (the default time limit): each reads its records
    by offset from the WARC.gz."""
    pages = [("html", URLS[i], gzip.decompress((PAGES / "html" / f"{i}.html.gz").read_bytes())) for i in IDS]
    pages += [("image", "https://example.com/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
              ("missing", "https://example.com/gone", b"<html>not here</html>")]
    warc = tmp_path / "crawl.warc.gz"
    build_warc(warc, pages)
    run([str(warc)], tmp_path / "out", Options())
    reference = tmp_path / "ref"
    run([str(folder_with_urls(tmp_path, "html"))], reference, Options(**FAST))
    index, metas, _ = read_out(tmp_path / "out")
    by_url = {metas[row["id"]]["url"]: row for row in index}
    # Ids: the file's id and the record's number (warcinfo is 1, then request/response pairs).
    assert [row["id"] for row in index] == [f"crawl-{n:06d}" for n in range(3, 3 + 2 * len(pages), 2)]
    assert by_url["https://example.com/logo.png"]["reason"] == "not a page: content type image/png"
    assert by_url["https://example.com/gone"]["reason"] == "HTTP status 404: not a page"
    _, ref_metas, ref_bodies = read_out(reference)
    for ident in IDS:
        row = by_url[URLS[ident]]
        meta = metas[row["id"]]
        assert meta["format"] == "html" and meta["record"]["field"] == "response"
        assert (tmp_path / "out" / f"{row['id']}.txt").read_text("utf-8") == ref_bodies[ident]
        assert meta["site"] == ref_metas[ident]["site"]
    # The offset is where warcio finds the record again.
    from warcio.archiveiterator import ArchiveIterator

    with open(warc, "rb") as handle:
        first = metas["crawl-000003"]["record"]
        handle.seek(first["offset"])
        assert next(iter(ArchiveIterator(handle))).rec_headers.get_header("WARC-Target-URI") == URLS[IDS[0]]


def test_wet_conversion_records_are_text_dumps(tmp_path):
    """Common Crawl's WET records: text dumps with the URL in WARC-Target-URI; an
    uncompressed .wet too, and a second WET whose tail is cut off."""
    pages = [("conversion", URLS[i], (PAGES / "text" / f"{i}.txt").read_bytes()) for i in IDS]
    wet = tmp_path / "in" / "CC-MAIN-test.warc.wet.gz"
    wet.parent.mkdir()
    build_warc(wet, pages)
    run([str(wet.parent)], tmp_path / "out", Options(**FAST))
    reference = tmp_path / "ref"
    run([str(folder_with_urls(tmp_path, "text"))], reference, Options(**FAST))
    index, metas, bodies = read_out(tmp_path / "out")
    by_url = {metas[row["id"]]["url"]: row["id"] for row in index}
    _, ref_metas, ref_bodies = read_out(reference)
    for ident in IDS:
        assert bodies[by_url[URLS[ident]]] == ref_bodies[ident]
        assert metas[by_url[URLS[ident]]]["format"] == "text"
        assert metas[by_url[URLS[ident]]]["site"] == ref_metas[ident]["site"]

    plain = tmp_path / "plain" / "dump.wet"
    plain.parent.mkdir()
    build_warc(plain, pages[:2], gzip_records=False)
    whole = plain.read_bytes()
    plain.write_bytes(whole[: len(whole) - 500])
    run([str(plain)], tmp_path / "out-cut", Options(**FAST))
    index, _, _ = read_out(tmp_path / "out-cut")
    assert [row["status"] for row in index] == ["cleaned", "rejected"]
    assert "corrupt WARC data from record 3 on" in index[1]["reason"]


# -- urls.tsv: sites learned apart --------------------------------------------------------

DW = {p.stem: url for p, url in zip(sorted((DATA / "multisite").glob("*.txt")), (
    "https://www.dw.com/de/ukrainische-gegenoffensive-ziele-chancen-risiken/a-65464327",
    "https://www.dw.com/de/post-vac-syndrom-nach-covid-19-impfung-was-wissen-wir/a-65897191",
    "https://www.dw.com/de/russland-wahl-nadeschdin-setzt-auf-ein-ende-der-putin-%C3%A4ra/a-68117411"))}
PCWORLD = {"wcxb-dev-0212": "https://www.pcworld.com/article/582896/best-streaming-tv-service.html",
           "wcxb-dev-4014": "https://www.pcworld.com/article/436674/best-pc-laptops.html",
           "wcxb-dev-4603": "https://www.pcworld.com/article/600008/best-home-security-camera.html"}


def test_a_flat_folder_of_two_sites_with_urls_tsv_learns_each_site_apart(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    for page in sorted((DATA / "multisite").glob("*.txt")) + sorted((DATA / "sites" / "pcworld").glob("*.txt")):
        shutil.copy(page, flat / page.name)
    pooled = tmp_path / "pooled"
    run([str(flat)], pooled, Options(**FAST))
    (flat / "urls.tsv").write_text("path\turl\n" + "".join(f"{i}.txt\t{u}\n" for i, u in {**DW, **PCWORLD}.items()), "utf-8")
    apart = tmp_path / "apart"
    run([str(flat)], apart, Options(**FAST))

    sites = sorted(json.loads(p.read_text("utf-8"))["site"] for p in (apart / ".pipeline" / "sites").glob("*.json"))
    assert sites == ["dw.com", "pcworld.com"]
    assert [json.loads(p.read_text("utf-8"))["site"] for p in (pooled / ".pipeline" / "sites").glob("*.json")] == [str(flat)]
    _, metas, _ = read_out(apart)
    assert {i: m["site"] for i, m in metas.items()} == {**{i: "dw.com" for i in DW}, **{i: "pcworld.com" for i in PCWORLD}}
    # A line the site repeats is judged against the other pages of its own site only.
    recurring = [r["reason"] for m in metas.values() for r in m["removed"] if r["rule"] == "site.recurring"]
    assert recurring and all(" of 2 other pages of site " in reason for reason in recurring)
    _, pooled_metas, _ = read_out(pooled)
    pooled_reasons = [r["reason"] for m in pooled_metas.values() for r in m["removed"] if r["rule"] == "site.recurring"]
    assert pooled_reasons and all(" of 5 other pages of site " in reason for reason in pooled_reasons)
    # The report's per-site table has a row a site.
    report = (apart / "report.html").read_text("utf-8")
    assert "dw.com" in report and "pcworld.com" in report


def test_urls_tsv_in_a_parent_folder_names_files_below_it(tmp_path):
    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    shutil.copy(SEEDS / "000_e6a63afea518df2a.txt", root / "a" / "page.txt")
    shutil.copy(SEEDS / "001_4d8637c95e606681.txt", root / "other.txt")
    (root / "urls.tsv").write_text("# comment\na/page.txt\thttps://www.Example.com/story\nother.txt\tnot a url\n", "utf-8")
    from pipeline.sources import discover

    listed = {s.relpath: s.url for s in discover([str(root)])}
    assert listed == {"a/page.txt": "https://www.Example.com/story", "other.txt": None}  # the sidecar is not a page
    first = run([str(root)], tmp_path / "out", Options(**FAST))
    assert first.documents == 2
    _, metas, _ = read_out(tmp_path / "out")
    assert (metas["a__page"]["url"], metas["a__page"]["site"]) == ("https://www.Example.com/story", "example.com")
    assert "url" not in metas["other"] and metas["other"]["site"] == str(root)
    # A page whose URL changes is cleaned again (its site changed); the other is skipped.
    (root / "urls.tsv").write_text("a/page.txt\thttps://news.example.net/story\n", "utf-8")
    again = run([str(root)], tmp_path / "out", Options(**FAST))
    assert (again.processed, again.skipped, again.reprocess_reasons) == (1, 1, {"url changed": 1})
    _, metas, _ = read_out(tmp_path / "out")
    assert metas["a__page"]["site"] == "news.example.net"


# -- outputs ------------------------------------------------------------------------------

def test_documents_jsonl_and_parquet_load_with_datasets_and_pandas(tmp_path):
    pd = pytest.importorskip("pandas")
    datasets = pytest.importorskip("datasets")
    out = tmp_path / "out"
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(PAGES / "text", inputs / "text")
    (inputs / "text" / "empty.txt").write_text("   \n", "utf-8")
    run([str(inputs)], out, Options(formats=("jsonl", "parquet"), **FAST))
    index, metas, bodies = read_out(out)
    cleaned = sorted(row["id"] for row in index if row["status"] == "cleaned")
    assert len(cleaned) >= 10 and "empty" not in cleaned

    rows = [json.loads(line) for line in (out / "documents.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == cleaned  # sorted by id, cleaned pages only
    loaded = datasets.load_dataset("json", data_files=str(out / "documents.jsonl"), split="train",
                                   cache_dir=str(tmp_path / "hf-cache"))
    assert loaded["id"] == cleaned and loaded["text"] == [bodies[i] for i in cleaned]
    frame = pd.read_json(out / "documents.jsonl", lines=True, dtype=False)
    assert list(frame["id"]) == cleaned
    assert [None if pd.isna(t) else t for t in frame["title"]] == [metas[i].get("title") for i in cleaned]
    assert list(frame.columns) == ["author", "format", "id", "language", "published", "sha256", "site", "source",
                                   "text", "title", "url", "words"]
    parquet = pd.read_parquet(out / "documents.parquet")
    assert list(parquet["id"]) == cleaned and list(parquet["text"]) == [bodies[i] for i in cleaned]
    assert list(parquet["words"]) == [metas[i]["words"] for i in cleaned]
    # Published dates as the metadata writes them (ISO 8601, some with a zone): pandas reads them all.
    published = parquet["published"].dropna()
    assert len(published) >= 5
    dates = pd.to_datetime(published, format="ISO8601", utc=True)
    assert dates.notna().all() and (dates.dt.year >= 2000).all()

    # A run that does not ask for them removes them: no corpus file out of date with the index.
    run([str(inputs)], out, Options(**FAST))
    assert not (out / "documents.jsonl").exists() and not (out / "documents.parquet").exists()


def test_stdin_jsonl_through_the_cli_and_its_prefect_flow(tmp_path):
    """`pipeline run -`: a real Prefect run reading JSONL from stdin; the corpus file is
    what the same records give through the library loop."""
    import os
    import subprocess
    import sys

    from conftest import ROOT

    payload = ("\n".join(jsonl_lines()) + "\n").encode("utf-8")
    env = {**os.environ, "PIPELINE_STATE_DIR": str(tmp_path / "state")}
    env.pop("PREFECT_HOME", None)
    done = subprocess.run([sys.executable, "-m", "flows.cli", "run", "-", "--out", str(tmp_path / "out"), "--json",
                           "--url-field", "metadata.url", "--format", "jsonl"],
                          input=payload, cwd=ROOT, env=env, capture_output=True, timeout=600)
    assert done.returncode == 0, done.stderr.decode()
    summary = json.loads(done.stdout)
    assert (summary["documents"], summary["cleaned"], summary["rejected"]) == (9, 6, 3)
    index, metas, _ = read_out(tmp_path / "out")
    assert {row["source"].split("#")[0] for row in index} == {"stdin"}
    assert all(metas[i]["url"] == URLS[i] for i in IDS)

    corpus = tmp_path / "pages.jsonl"
    corpus.write_bytes(payload)
    run([str(corpus)], tmp_path / "lib", Options(url_field="metadata.url", formats=("jsonl",), **FAST))
    flow_rows = [json.loads(line) for line in (tmp_path / "out" / "documents.jsonl").read_text("utf-8").splitlines()]
    lib_rows = [json.loads(line) for line in (tmp_path / "lib" / "documents.jsonl").read_text("utf-8").splitlines()]
    assert [r["id"] for r in flow_rows] == IDS
    assert [{k: v for k, v in r.items() if k != "source"} for r in flow_rows] == \
           [{k: v for k, v in r.items() if k != "source"} for r in lib_rows]
