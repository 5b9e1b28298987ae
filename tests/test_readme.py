"""The documentation's examples work when pasted: every shell block of README.md and
docs/*.md that is preceded by `<!-- tested -->` runs, in order, in a temporary copy of
the repository, with this environment's `pipeline` and `python`, and exits 0."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

MARK = re.compile(r"^<!-- tested -->[ \t]*\n```(?:sh|bash|console)[ \t]*\n(.*?)^```", re.M | re.S)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def marked_blocks(text: str) -> list[str]:
    return [block for block in MARK.findall(text)]


def _tracked_files() -> list[str]:
    """The repository's files as a clone has them (git's list; without git, the tree
    less what is never committed)."""
    try:
        done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT, capture_output=True, check=True)
        return [f for f in done.stdout.decode("utf-8").split("\0") if f and (ROOT / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "artifacts", "__pycache__", ".pytest_cache", ".hypothesis"}
        return [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def copy_repo(target: Path) -> Path:
    for name in _tracked_files():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    # `.venv/bin/pipeline` as the README writes it: this environment, not a new one.
    (target / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    return target


def test_the_marker_finds_blocks_and_only_marked_ones():
    text = ("<!-- tested -->\n```sh\necho one\n```\n\n```sh\necho unmarked\n```\n"
            "<!-- tested -->\n```bash\necho two\necho three\n```\n")
    assert marked_blocks(text) == ["echo one\n", "echo two\necho three\n"]


@pytest.mark.parametrize("doc", [d for d in DOCS if marked_blocks(d.read_text("utf-8"))],
                         ids=lambda d: d.relative_to(ROOT).as_posix())
def test_marked_shell_examples_run_in_a_copy_of_the_repo(doc, tmp_path):
    repo = copy_repo(tmp_path / "repo")
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PIPELINE_STATE_DIR"] = str(tmp_path / "state")  # Prefect's database, not the user's
    if doc.name == "README.md":
        # The README as a new user pastes it: no Prefect server, each run starts its own.
        # The reference pages in docs/ use the session's shared server (conftest.py): what
        # a run does without one is what the README block and test_cli_faults.py check.
        env.pop("PREFECT_API_URL", None)
    for number, block in enumerate(marked_blocks(doc.read_text("utf-8")), 1):
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, (f"{doc.name} block {number} exited {done.returncode}:\n{block}\n"
                                      f"stderr:\n{done.stderr[-3000:]}")
