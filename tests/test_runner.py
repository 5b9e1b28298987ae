"""The library loop over a real folder: every input accounted for, ids safe, writes atomic."""
import gzip
import json
import shutil

from conftest import PAGES, SEEDS, SEED_GOLD
from pipeline.options import Options
from pipeline.runner import run
from pipeline.sources import discover, safe_id


def make_mixed_folder(root):
    root.mkdir()
    shutil.copy(SEEDS / "003_3ee7487b8204e483.txt", root / "business standard.txt")
    (root / "nested").mkdir()
    (root / "nested" / "page.html.gz").write_bytes((PAGES / "html" / "sh-14cc2a0ca59c62a8.html.gz").read_bytes())
    (root / "nested" / "dump.txt.gz").write_bytes(gzip.compress((SEEDS / "002_6b2440b7a94c438e.txt").read_bytes()))
    (root / "empty.txt").write_bytes(b"")
    (root / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (root / "notes.pdf").write_bytes(b"%PDF-1.4 whatever")
    (root / "Ünïcode név.txt").write_bytes((SEEDS / "004_d30738805927d43f.txt").read_bytes())
    return root


def test_every_input_is_accounted_for(tmp_path):
    inputs = make_mixed_folder(tmp_path / "in")
    out = tmp_path / "out"
    summary = run([str(inputs)], out)
    index = [json.loads(l) for l in (out / "index.jsonl").read_text("utf-8").splitlines()]
    assert len(index) == summary.documents == 7
    assert [r["id"] for r in index] == sorted(r["id"] for r in index)
    by_id = {r["id"]: r for r in index}
    assert by_id["business_standard"]["status"] == "cleaned"
    assert by_id["nested__page"]["status"] == "cleaned"
    assert by_id["nested__dump"]["status"] == "cleaned"
    assert (out / "nested__dump.txt").read_text("utf-8") == (SEED_GOLD / "002_6b2440b7a94c438e.txt").read_text("utf-8")
    assert by_id["empty"]["status"] == "rejected" and "empty" in by_id["empty"]["reason"]
    assert by_id["photo"]["status"] == "rejected" and "PNG" in by_id["photo"]["reason"]
    assert by_id["notes.pdf"]["status"] == "rejected" and "unsupported" in by_id["notes.pdf"]["reason"]
    assert by_id["Ünïcode_név"]["status"] == "cleaned"
    for row in index:
        meta = json.loads((out / row["outputs"]["metadata"]).read_text("utf-8"))
        assert meta["status"] == row["status"] and meta["source"] == row["source"]
        assert (out / f"{row['id']}.txt").exists() == (row["status"] != "rejected")
    assert not list(out.glob(".*.tmp")), "no temporary files are left behind"
    assert summary.rejected == 3 and summary.cleaned == 4


def test_same_input_same_bytes(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    run([str(SEEDS)], first)
    run([str(SEEDS)], second)
    # run.json holds clock time; .pipeline/ is the machine-specific re-run state.
    names = sorted(p.name for p in first.iterdir() if p.name not in ("run.json", ".pipeline"))
    assert names == sorted(p.name for p in second.iterdir() if p.name not in ("run.json", ".pipeline"))
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_ids_are_safe_unique_and_stable(tmp_path):
    assert safe_id("../../etc/passwd") == "etc__passwd"
    assert safe_id("a/b c.txt") == "a__b_c"
    assert "/" not in safe_id("x/" * 100 + "y.txt") and len(safe_id("x" * 500 + ".txt").encode()) <= 120
    root = tmp_path / "in"
    root.mkdir()
    for name in ("a.txt", "a.html", "a.txt.gz"):
        (root / name).write_text("x", "utf-8")
    ids = [s.id for s in discover([str(root)])]
    assert len(set(ids)) == 3 and "a" in ids
    assert ids == [s.id for s in discover([str(root)])]


def test_symlinks_leaving_the_input_folder_are_not_followed(tmp_path):
    outside = tmp_path / "secret.txt"
    outside.write_text("private", "utf-8")
    root = tmp_path / "in"
    root.mkdir()
    (root / "link.txt").symlink_to(outside)
    (root / "real.txt").write_text("x", "utf-8")
    listed = discover([str(root)])
    assert [(s.id, s.skip is None) for s in listed] == [("link", False), ("real", True)]
    assert sorted(s.id for s in discover([str(root)], follow_symlinks=True)) == ["link", "real"]
    assert all(s.skip is None for s in discover([str(root)], follow_symlinks=True))


def test_cross_document_duplicates_are_recorded_in_both(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    original = (SEEDS / "003_3ee7487b8204e483.txt").read_text("utf-8")
    (root / "a.txt").write_text(original, "utf-8")
    (root / "b.txt").write_text(original, "utf-8")
    # A syndicated copy: same article with one paragraph cut and a different footer.
    lines = original.split("\n")
    near = "\n".join(l for l in lines if not l.startswith("Diplomats, automakers")) + "\nCopyright 2025 Other Site"
    (root / "c.txt").write_text(near, "utf-8")
    (root / "d.txt").write_bytes((SEEDS / "001_4d8637c95e606681.txt").read_bytes())
    out = tmp_path / "out"
    summary = run([str(root)], out, Options(batch_size=1))
    index = {json.loads(l)["id"]: json.loads(l) for l in (out / "index.jsonl").read_text("utf-8").splitlines()}
    assert index["a"]["status"] == "cleaned" and index["d"]["status"] == "cleaned"
    assert index["b"]["status"] == "duplicate" and index["c"]["status"] == "duplicate"
    assert summary.duplicates == 2
    a = json.loads((out / "a.json").read_text("utf-8"))
    assert {d["id"] for d in a["duplicates"]} == {"b", "c"}
    b = json.loads((out / "b.json").read_text("utf-8"))
    assert b["duplicates"][0]["canonical"] == "a" and b["duplicates"][0]["similarity"] == 1.0
    c = json.loads((out / "c.json").read_text("utf-8"))
    assert 0.8 <= c["duplicates"][0]["similarity"] < 1.0
    # Nothing is lost: a duplicate keeps its body; the index says which one is canonical.
    assert (out / "b.txt").read_text("utf-8") == (out / "a.txt").read_text("utf-8")
    assert index["b"]["outputs"]["body"] == "b.txt"
