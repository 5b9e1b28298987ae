"""`pipeline clean` (one page to stdout, no Prefect), the option knobs every cleaning
subcommand takes (--config, --set, --favor-precision/--favor-recall), help and version:
the real command as a subprocess on the seeds and real pages."""
import json
import re
import subprocess
import sys
from importlib.metadata import version

import pytest

from conftest import PAGES, ROOT, SEED_GOLD, SEEDS, seed_ids
from pipeline.knobs import OptionError, build_options, load_config, parse_assignment, preset
from pipeline.options import Options
from pipeline.single import clean_one

CODE = ("import sys\nfrom flows.cli import main\ncode = main(sys.argv[1:])\nsys.stdout.flush()\n"
        "print('PREFECT-IMPORTED' if 'prefect' in sys.modules else '', file=sys.stderr)\nsys.exit(code)")


def cli(*args, stdin: bytes | None = None, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CODE, *map(str, args)], cwd=cwd, input=stdin,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("seed", seed_ids())
def test_clean_prints_each_seeds_gold_body_exactly_without_prefect(seed):
    done = cli("clean", SEEDS / f"{seed}.txt")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (SEED_GOLD / f"{seed}.txt").read_bytes()
    assert b"PREFECT-IMPORTED" not in done.stderr


def test_clean_reads_stdin_and_prints_json_with_the_runs_metadata():
    seed = seed_ids()[0]
    piped = cli("clean", "-", stdin=(SEEDS / f"{seed}.txt").read_bytes())
    assert piped.returncode == 0 and piped.stdout == (SEED_GOLD / f"{seed}.txt").read_bytes()
    record = json.loads(cli("clean", SEEDS / f"{seed}.txt", "--json").stdout)
    committed = json.loads((ROOT / "clean" / f"{seed}.json").read_text("utf-8"))
    assert record["text"] == (ROOT / "clean" / f"{seed}.txt").read_text("utf-8")
    for key in ("title", "author", "published", "language", "lines_kept", "removed", "rules", "sha256", "words"):
        assert record[key] == committed[key], key
    assert record["id"] == seed and record["status"] == "cleaned"


def test_clean_markdown_keeps_headings_of_a_real_page():
    # Seed 003, a real news page with four subheadings (the retrained line model drops
    # wcxb-dev-4500's product headings as chrome, so that page no longer shows them).
    page = SEEDS / "003_3ee7487b8204e483.txt"
    done = cli("clean", page, "--format", "markdown")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert text.startswith("# China cracks down on illegal mining amid escalating US trade tensions")
    assert "\n\n## Regions step up action against illegal mining in China\n\n" in text
    # The same words as the plain body, plus the title and the marks.
    plain = cli("clean", page).stdout.decode("utf-8")
    assert [re.sub(r"^(## |- |\\)", "", l) for l in text.split("\n")[1:] if l] == [l for l in plain.split("\n") if l]
    both = json.loads(cli("clean", page, "--format", "markdown", "--json").stdout)
    assert both["markdown"] == text and both["text"] == plain


def test_clean_errors_name_the_file_and_the_cause(tmp_path):
    missing = cli("clean", tmp_path / "nope.txt")
    assert missing.returncode == 2 and b"nope.txt: no such file" in missing.stderr
    folder = cli("clean", tmp_path)
    assert folder.returncode == 2 and b"is a folder" in folder.stderr
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    rejected = cli("clean", empty)
    assert rejected.returncode == 1 and rejected.stdout == b""
    assert b"empty.txt: rejected: empty file" in rejected.stderr


def test_knobs_set_and_config_are_typed_from_options(tmp_path):
    assert parse_assignment("line_model_threshold=0.7") == ("line_model_threshold", 0.7)
    assert parse_assignment("line_model_threshold=none") == ("line_model_threshold", None)
    assert parse_assignment("site-learning=off") == ("site_learning", False)
    assert parse_assignment("batch_size=1_000") == ("batch_size", 1000)
    assert parse_assignment("rules=a.toml, b.toml") == ("rules", ("a.toml", "b.toml"))
    for bad, message in (("nokey=1", "unknown option 'nokey'"), ("batch_size=many", "batch_size takes int"),
                         ("workers", "expected KEY=VALUE")):
        with pytest.raises(OptionError, match=message):
            parse_assignment(bad)
    config = tmp_path / "conf" / "pipeline.toml"
    config.parent.mkdir()
    config.write_text('line_model_threshold = 0.5\nrepeat_min_words = 6\nrules = ["mine.toml"]\n', "utf-8")
    assert load_config(config) == {"line_model_threshold": 0.5, "repeat_min_words": 6,
                                   "rules": (str(config.parent / "mine.toml"),)}
    # Order: config, then preset, then the command's flags (rules add up), then --set.
    options = build_options(config, "recall", {"rules": ["cli.toml"], "workers": 2}, ["repeat_min_words=9"])
    assert options.line_model_threshold == preset("favor_recall")["line_model_threshold"]
    assert options.repeat_min_words == 9 and options.workers == 2
    assert options.rules == (str(config.parent / "mine.toml"), "cli.toml")
    config.write_text('repeat_min_words = "six"\n', "utf-8")
    with pytest.raises(OptionError, match="repeat_min_words takes int, not 'six'"):
        load_config(config)
    config.write_text('[favor]\nx = 1\n', "utf-8")
    with pytest.raises(OptionError, match="is a table"):
        load_config(config)


def test_presets_move_precision_and_recall_on_real_pages():
    """On real pages, --favor-precision keeps no line the default drops and drops some it
    keeps; --favor-recall the other way round. (The pages of tests/data/comments too: on
    the six of tests/data/pages alone the default, which keeps list lines between body
    lines, keeps what the recall preset keeps.)"""
    kept = {}
    pages = sorted((PAGES / "text").glob("*.txt")) + sorted((PAGES.parent / "comments" / "text").glob("*.txt"))
    for favor in (None, "precision", "recall"):
        options = build_options(favor=favor)
        kept[favor] = {p.name: set(clean_one(str(p), options).metadata["lines_kept"]) for p in pages}
    assert sum(len(v) for v in kept["precision"].values()) < sum(len(v) for v in kept[None].values())
    assert sum(len(v) for v in kept["recall"].values()) > sum(len(v) for v in kept[None].values())


def test_cli_knobs_reach_the_cleaning_and_bad_ones_stop_it(tmp_path):
    page = PAGES / "text" / "wcxb-dev-4500.txt"
    default = json.loads(cli("clean", page, "--json").stdout)
    strict = json.loads(cli("clean", page, "--json", "--set", "line_model_threshold=0.95").stdout)
    assert len(strict["lines_kept"]) < len(default["lines_kept"])
    config = tmp_path / "strict.toml"
    config.write_text("line_model_threshold = 0.95\n", "utf-8")
    assert json.loads(cli("clean", page, "--json", "--config", config).stdout)["lines_kept"] == strict["lines_kept"]
    bad = cli("explain", page, "--set", "nope=1")
    assert bad.returncode == 2 and b"pipeline: unknown option 'nope'" in bad.stderr
    both = cli("clean", page, "--favor-precision", "--favor-recall")
    assert both.returncode == 2 and b"not allowed with argument" in both.stderr


def test_help_version_and_short_out():
    alone = cli()
    assert alone.returncode == 0 and b"usage: pipeline" in alone.stdout and b"clean" in alone.stdout
    shown = cli("--version")
    assert shown.returncode == 0 and shown.stdout.decode().strip() == f"pipeline {version('news-pipeline')}"
    from flows.cli import _parser

    for command in (["run"], ["serve", "--cron", "0 * * * *"], ["eval", "x", "--gold", "g"]):
        args = _parser().parse_args([*command, "-o", "elsewhere", "--favor-recall", "--set", "workers=2"])
        assert args.out == "elsewhere" and args.favor == "recall" and args.set_options == ["workers=2"]
    for command in ("run", "serve", "eval", "clean", "explain"):
        help_text = cli(command, "--help").stdout.decode()
        for flag in ("--config", "--set", "--favor-precision", "--favor-recall", "--rules"):
            assert flag in help_text, (command, flag)


def test_options_defaults_are_unchanged_by_the_knobs():
    assert build_options() == Options()


def test_markdown_library_keeps_lists_and_step_headings_of_a_real_how_to_page(engine):
    from pipeline.markdown import blocks, to_markdown
    from pipeline.process import clean_bytes

    page = ROOT / "tests" / "data" / "markdown" / "readability-ehow-1.txt"
    result = clean_bytes(page.read_bytes(), page.name, engine)
    text = to_markdown(result)
    # The headline is read; whether it is shown (and becomes the heading) is its
    # confidence's call (pipeline/data/meta_confidence.json): this one sits at the threshold.
    title = result.metadata["title"]
    evidence = result.metadata["metadata_evidence"]["title"]
    assert (title or evidence.get("withheld")) == "How to Build a Terrarium"
    heading = f"# {title}\n\n" if title else ""
    assert text.startswith(heading) and not text[len(heading):].startswith("#")
    # The materials: lines that touch in the dump, on a page that sets paragraphs apart.
    assert "\n- Cloche\n- Planter saucer, small shallow dish or desired platform\n- Floral foam oasis\n" in text
    assert "\n\n## Step 5\n\nGently place the cloche over the oasis." in text
    kinds = dict((t, k) for k, t in blocks([(d.line, d.text) for d in result.decisions if d.keep], result.lines))
    assert kinds["Step 5"] == "heading" and kinds["Moss"] == "item"
    # A paragraph stays one: every kept line is in the Markdown once, in order.
    body_lines = [d.text for d in result.decisions if d.keep]
    md_lines = [re.sub(r"^(## |- )", "", l) for l in text[len(heading):].split("\n") if l]
    assert md_lines == body_lines
    # A news article's subheadings, and no structure invented where a page has none.
    seed = clean_bytes((SEEDS / "003_3ee7487b8204e483.txt").read_bytes(), "seed.txt", engine)
    assert [l for l in to_markdown(seed).split("\n") if l.startswith(("#", "-"))] == [
        "# " + seed.metadata["title"],
        "## Regions step up action against illegal mining in China", "## Stronger control follows US tech restrictions",
        "## US-China talks in Geneva fail to lift export curbs", "## US invokes Defence Production Act"]
    plain = clean_bytes((SEEDS / "001_4d8637c95e606681.txt").read_bytes(), "seed.txt", engine)
    assert to_markdown(plain, title=False) == plain.body
