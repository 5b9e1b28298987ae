"""The atomic writes with four system calls a file (pipeline/outdir.py): a temporary file
made with O_EXCL under a per-process name, written with os.write, renamed. The same
files, the mode the umask gives, taken names and planted links skipped, a partial write
finished or refused whole, nothing half-written left."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest

from conftest import ROOT
from pipeline import outdir
from pipeline.outdir import OutputError, atomic_path, write_atomic


def test_a_whole_content_or_its_pieces_are_written_as_given(tmp_path):
    text = "é\U0001F600 line\n" * 1000
    big = bytes(range(256)) * 20_000  # 5 MB
    write_atomic(tmp_path / "a.txt", text)
    write_atomic(str(tmp_path / "b.bin"), big)
    write_atomic(tmp_path / "c.jsonl", (f"{k} {text[:k]}\n" for k in range(500)))
    write_atomic(tmp_path / "d.txt", "")
    write_atomic(tmp_path / "a.txt", "again")  # over an existing file
    assert (tmp_path / "a.txt").read_text("utf-8") == "again"
    assert (tmp_path / "b.bin").read_bytes() == big
    assert (tmp_path / "c.jsonl").read_text("utf-8") == "".join(f"{k} {text[:k]}\n" for k in range(500))
    assert (tmp_path / "d.txt").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.bin", "c.jsonl", "d.txt"]
    with atomic_path(tmp_path / "e.bin") as temporary:
        assert temporary.parent == tmp_path and temporary.name.startswith(".e.bin.") and temporary.name.endswith(".tmp")
        temporary.write_bytes(b"e")
    assert (tmp_path / "e.bin").read_bytes() == b"e" and not list(tmp_path.glob(".*.tmp"))


_MODES = """
import os, sys
os.umask(int(sys.argv[2], 8))
from pathlib import Path
from pipeline.outdir import atomic_path, write_atomic
folder = Path(sys.argv[1])
write_atomic(folder / "whole.json", b"{}")
write_atomic(folder / "pieces.jsonl", iter(["a", "b"]))
with atomic_path(folder / "named.bin") as temporary:
    temporary.write_bytes(b"x")
"""


@pytest.mark.parametrize("umask, mode", [("022", 0o644), ("077", 0o600), ("002", 0o664), ("000", 0o666)])
def test_files_take_the_mode_the_umask_gives(tmp_path, umask, mode):
    subprocess.run([sys.executable, "-c", _MODES, str(tmp_path), umask], cwd=ROOT, check=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    for name in ("whole.json", "pieces.jsonl", "named.bin"):
        assert (tmp_path / name).stat().st_mode & 0o777 == mode, name


def test_a_taken_name_or_a_planted_link_is_never_opened(tmp_path, monkeypatch):
    monkeypatch.setattr(outdir, "_counts", itertools.count(5))
    taken = tmp_path / f".a.json.{outdir._token}5.tmp"
    taken.write_bytes(b"a killed run's")
    victim = tmp_path / "victim"
    victim.write_bytes(b"untouched")
    link = tmp_path / f".a.json.{outdir._token}6.tmp"
    link.symlink_to(victim)
    write_atomic(tmp_path / "a.json", b"{}\n")
    assert (tmp_path / "a.json").read_bytes() == b"{}\n"
    assert taken.read_bytes() == b"a killed run's" and victim.read_bytes() == b"untouched" and link.is_symlink()
    # Every name taken: the write fails as an output error, and writes nothing.
    monkeypatch.setattr(outdir, "_counts", itertools.count(5))
    monkeypatch.setattr(outdir, "_TMP_TRIES", 2)
    with pytest.raises(OutputError, match="EEXIST"):
        write_atomic(tmp_path / "a.json", b"new")
    assert (tmp_path / "a.json").read_bytes() == b"{}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.json", "victim", taken.name, link.name])


def test_a_forked_child_draws_its_own_names(tmp_path):
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        try:
            os.write(write, outdir._token.encode("ascii"))
        finally:
            os._exit(0)
    os.close(write)
    token = os.read(read, 100).decode("ascii")
    os.close(read)
    os.waitpid(child, 0)
    assert token and token != outdir._token


_LIMITED = """
import resource, sys
from pathlib import Path
from pipeline.outdir import OutputError, write_atomic
folder = Path(sys.argv[1])
write_atomic(folder / "small.txt", b"old")
resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))
write_atomic(folder / "fits.bin", b"f" * 10_000)
try:
    write_atomic(folder / "small.txt", b"n" * 25_000)  # the first write takes 10,000 bytes, the next fails
except OutputError as exc:
    print(exc)
"""


def test_a_partial_write_is_continued_then_refused_whole(tmp_path):
    """Past a file size limit os.write takes part of the data, then refuses: the run
    stops with an output error and the old file stays whole (Python ignores SIGXFSZ)."""
    done = subprocess.run([sys.executable, "-c", _LIMITED, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    assert f"cannot write {tmp_path}/small.txt" in done.stdout and "EFBIG" in done.stdout
    assert (tmp_path / "small.txt").read_bytes() == b"old"
    assert (tmp_path / "fits.bin").read_bytes() == b"f" * 10_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fits.bin", "small.txt"]
