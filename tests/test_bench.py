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
