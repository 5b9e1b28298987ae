"""The benchmark scripts' own logic, on a few generated pages (no valgrind, no timing
asserted): a benchmark that silently measures the wrong thing is worse than none."""
import json
import subprocess
import sys

from conftest import ROOT

sys.path.insert(0, str(ROOT / "bench"))


def test_a_step_cut_runs_the_steps_up_to_it_and_no_further(tmp_path):
    from bench import STEPS, measure_steps
    from generate import generate

    generate(12, tmp_path / "pages", seed=5)
    whole = measure_steps(tmp_path / "pages", 12)
    assert sorted(whole["steps"]) == sorted(STEPS)
    cut = measure_steps(tmp_path / "pages", 12, last_step="language")
    assert sorted(cut["steps"]) == sorted(STEPS[:STEPS.index("language") + 1])
    assert cut["pages"] == whole["pages"] == 12


def test_the_instruction_counts_children_clean_the_pages_they_count(tmp_path):
    """What valgrind would count, run plainly: each child mode cleans exactly the pages
    after the warm-up that it is asked to count."""
    from generate import generate

    generate(25, tmp_path / "pages", seed=6)  # 20 warm-up pages, then those counted
    for mode, expected in (("clean", {"cleaned": 3}), ("library", {"cleaned": 3}), ("steps", {"stepped": 3})):
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "instructions.py"), "--child", mode,
                               "--pages", str(tmp_path / "pages"), "--count", "3", "--last-step", "metadata"],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (mode, done.stderr)
        assert json.loads(done.stdout.strip().splitlines()[-1]) == {"mode": mode, "statuses": expected}


def test_scale_pages_keep_each_dumps_size_and_line_count_but_not_its_text(tmp_path):
    """Scale runs must be real-size pages that are no copies of one another."""
    from conftest import PAGES
    from scale_pages import make_scale_pages

    real = sorted((PAGES / "text").glob("*.txt"))
    out = make_scale_pages(real, 2 * len(real) + 1, tmp_path / "scale")
    made = sorted(out.rglob("*.txt"))
    assert len(made) == 2 * len(real) + 1
    assert sorted(p.parent.name for p in made) == ["r0000"] * len(real) + ["r0001"] * len(real) + ["r0002"]
    for path in made:
        original = (PAGES / "text" / path.name).read_bytes()
        copy = path.read_bytes()
        assert len(copy) == len(original) and copy.count(b"\n") == original.count(b"\n")
        assert copy != original  # every real page has a long line or a digit
    assert len({p.read_bytes() for p in made}) == len(made)
    again = make_scale_pages(real, 2 * len(real) + 1, tmp_path / "again")
    assert [p.read_bytes() for p in sorted(again.rglob("*.txt"))] == [p.read_bytes() for p in made]


def test_real_pages_without_the_dev_set_says_so_and_fails(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "real_pages.py"), "--dev", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "development set is not at" in done.stderr and str(tmp_path / "none") in done.stderr


def test_real_pages_children_clean_and_extract_the_pages_they_time():
    """The library child cleans exactly the first N1, then N2 pages (each into a new
    folder), after its warm-up; the trafilatura child extracts each page's HTML."""
    from conftest import PAGES

    def child(mode, counts):
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "real_pages.py"), "--child", mode,
                               "--pages", str(PAGES / "text"), "--counts", *map(str, counts)],
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    library = child("library", [2, 6])
    assert [(r["pages"], r["cleaned"]) for r in library["runs"]] == [(2, 2), (6, 6)]
    assert all(r["cpu_seconds"] > 0 and r["mb"] > 0 for r in library["runs"])
    # The CPU time split by process: the pages are cleaned in the kept cleaning worker.
    for r in library["runs"]:
        assert r["cpu_by_process"]["worker"] > 0, r
        assert abs(sum(r["cpu_by_process"].values()) - r["cpu_seconds"]) < 0.05, r
        # and how often something else took a process's core (the worker's, counted
        # while it lives: it is kept between the runs)
        preempted = r["preempted_by_process"]
        assert set(preempted) == {"run", "worker", "server", "other"} and preempted["server"] == 0, r
        assert all(type(n) is int and n >= 0 for n in preempted.values()), r
    extracted = child("trafilatura", [])
    assert extracted["pages"] == len(list((PAGES / "html").glob("*.html.gz")))


def test_profile_steps_without_the_dev_set_says_so_and_fails(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_steps.py"), "--dev", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and str(tmp_path / "none") in done.stderr


def test_profile_steps_times_every_step_of_a_real_run():
    """On the six test pages (laid out as the dev set is): the run cleans them all and
    the table has a row for each step the brief names."""
    from conftest import PAGES

    done = subprocess.run([sys.executable, str(ROOT / "bench" / "profile_steps.py"), "--dev", str(PAGES), "--n", "6"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "(6 cleaned;" in done.stdout
    rows = {line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| ")}
    for step in ("normalise", "language", "line classifier", "metadata", "comment sections", "in-page duplicates",
                 "settle pass", "corpus dedup", "write", "finalize"):
        assert step in rows, step


def test_scale_pages_of_every_round_reach_the_timed_folder(tmp_path):
    """The scale set holds each dump once per round folder, under the same name: the
    timed copy must keep every round (copied by name alone, only one round was left)."""
    from real_pages import pages_of, subset
    from scale_pages import make_scale_pages

    from conftest import PAGES

    sources = pages_of(PAGES / "text")
    made = make_scale_pages(sources, 3 * len(sources), tmp_path / "scale")
    copied = pages_of(subset(pages_of(made), 3 * len(sources), tmp_path / "timed"))
    assert len(copied) == 3 * len(sources)
    assert len({p.read_bytes() for p in copied}) == 3 * len(sources)  # mutated: no two alike


def test_lexicon_calls_times_the_lines_a_run_asks_and_replays_them(tmp_path):
    """On the six test pages: both functions are asked lines, and the saved lines replay."""
    from conftest import PAGES

    saved = tmp_path / "lines.pickle"
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "lexicon_calls.py"), "--dev", str(PAGES), "--n", "6",
                           "--save", str(saved)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    counts = [int(word) for word in done.stdout.replace(",", " ").split() if word.isdigit()]
    assert counts[0] == 6 and counts[1] > 100 and counts[2] > 100, done.stdout
    for only in ("match", "kind", "none"):
        again = subprocess.run([sys.executable, str(ROOT / "bench" / "lexicon_calls.py"), "--replay", str(saved),
                                "--only", only], capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stderr
