"""`pipeline explain` and user rule files (phrase lists and per-site rules), for real:
the library on real pages, the CLI as a subprocess (without Prefect), a pseudo-terminal."""
import json
import re
import os
import shutil
import subprocess
import sys

import pytest

from conftest import PAGES, ROOT, SEEDS
from test_progress import on_pty
from pipeline.explain import explain_file
from pipeline.lexicon import Lexicon, LexiconError
from pipeline.options import Options
from pipeline.process import Engine
from pipeline.runner import run
from pipeline.sites import SiteSelector, host_of

SEED = SEEDS / "000_e6a63afea518df2a.txt"
HTML_PAGE = PAGES / "html" / "sh-14cc2a0ca59c62a8.html.gz"  # og:url on www.sciencealert.com


def cli(*args, cwd=ROOT):
    code = ("import sys\nfrom flows.cli import main\ncode = main(sys.argv[1:])\n"
            "print('PREFECT-IMPORTED' if 'prefect' in sys.modules else '', file=sys.stderr)\nsys.exit(code)")
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_explain_marks_every_line_with_rule_reason_and_metadata(engine):
    explanation = explain_file(SEED, engine)
    assert explanation["status"] == "cleaned"
    assert explanation["metadata"]["title"] == "China Defends Mineral Curbs, Rolls Out Green Mining Plan"
    assert explanation["metadata"]["published"] == "2025-11-24"
    assert explanation["metadata"]["published_time_local"] == "01:16"
    assert explanation["metadata"]["site"] == SEED.parent.as_posix()
    lines = {l["line"]: l for l in explanation["lines"]}
    assert len(lines) == explanation["metadata"]["lines_total"] == 24
    assert lines[1]["status"] == "removed" and lines[1]["rule"] == "meta.title"
    assert lines[5]["status"] == "kept" and lines[5]["rule"] == "keep.body_start"
    assert lines[15]["rule"] == "lexicon.widget_header" and lines[15]["source"] == "pipeline/data/lexicon/en.toml"
    assert "source" not in lines[16]  # a positional rule comes from code, not from a rule file
    assert lines[2]["status"] == "blank"
    kept_text = "\n\n".join(l["text"] for l in explanation["lines"] if l["status"] == "kept") + "\n"
    assert kept_text == (ROOT / "clean" / "000_e6a63afea518df2a.txt").read_text("utf-8")
    assert [d["rule"] for d in explanation["duplicates"]["in_page"]] == ["dup.title", "dup.body_repeat"]
    assert explanation["rule_sources"] == {"lexicon.widget_header": "pipeline/data/lexicon/en.toml"}


def test_explain_against_a_run_finds_recorded_and_near_duplicates(tmp_path, engine):
    out = tmp_path / "out"
    run([str(SEEDS)], out)
    recorded = explain_file(SEEDS / "003_3ee7487b8204e483.txt", engine, against=out)["duplicates"]["across_run"]
    assert recorded["method"] == "recorded" and recorded["id"] == "003_3ee7487b8204e483"
    assert recorded["status"] == "cleaned" and recorded["matches"] == []
    # A syndicated copy, not in the run: one paragraph cut, another footer.
    lines = (SEEDS / "003_3ee7487b8204e483.txt").read_text("utf-8").split("\n")
    copy = tmp_path / "copy.txt"
    copy.write_text("\n".join(l for l in lines if not l.startswith("Diplomats, automakers")) + "\nCopyright 2025 Other", "utf-8")
    compared = explain_file(copy, engine, against=out)["duplicates"]["across_run"]
    assert compared["method"] == "compared"
    assert [m["id"] for m in compared["matches"]] == ["003_3ee7487b8204e483"]
    assert 0.8 <= compared["matches"][0]["similarity"] < 1.0
    other = explain_file(SEEDS / "001_4d8637c95e606681.txt", engine, against=out)["duplicates"]["across_run"]
    assert other["method"] == "recorded" and other["id"] == "001_4d8637c95e606681"


def test_explain_against_a_folder_without_a_run_fails_clearly(tmp_path, engine):
    with pytest.raises(ValueError, match="cannot read the run's index"):
        explain_file(SEED, engine, against=tmp_path)


def test_cli_explain_is_plain_when_piped_json_on_request_and_needs_no_prefect(tmp_path):
    done = cli("explain", str(SEED))
    assert done.returncode == 0, done.stderr
    assert "PREFECT-IMPORTED" not in done.stderr
    assert "\x1b[" not in done.stdout
    assert " 1 DROP China Defends Mineral Curbs" in done.stdout
    assert "-> lexicon.widget_header: widget header of a list of other stories" in done.stdout
    assert " 5 keep Premier Li Qiang" in done.stdout
    as_json = cli("explain", str(SEED), "--json")
    assert as_json.returncode == 0 and "PREFECT-IMPORTED" not in as_json.stderr
    assert json.loads(as_json.stdout) == json.loads(json.dumps(explain_file(SEED)))


def test_cli_explain_is_coloured_on_a_terminal():
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    code, screen = on_pty([sys.executable, "-m", "flows.cli", "explain", str(SEED)], ROOT, env, timeout=60)
    assert code == 0
    assert "\x1b[" in screen and "DROP" in screen and "China Defends Mineral Curbs" in screen


def test_cli_explain_rejects_a_bad_rule_file_naming_it(tmp_path):
    bad = tmp_path / "mine.toml"
    bad.write_text('[[sites]]\nrules = [{id = "x", reason = "y", exact = ["z"]}]\n', "utf-8")
    done = cli("explain", str(SEED), "--rules", str(bad))
    assert done.returncode == 2
    assert f"{bad}: site 1: needs 'host' or 'folder'" in done.stderr
    missing = cli("explain", str(tmp_path / "nope.txt"))
    assert missing.returncode == 2 and "not a file" in missing.stderr


def test_site_rules_apply_only_to_their_site_and_name_their_file(tmp_path):
    rules = tmp_path / "sites.toml"
    rules.write_text(
        '[[rules]]\nid = "house_promo"\nreason = "our own promo line"\nexact = ["Buy our mug"]\n\n'
        '[[sites]]\nhost = "sciencealert.com"\n'
        '[[sites.rules]]\nid = "sciencealert_recap"\nreason = "recap paragraph this site repeats"\n'
        'prefix = ["A mission to do just that"]\n\n'
        '[[sites]]\nfolder = ["mirror/seeds"]\n'
        '[[sites.rules]]\nid = "stream_intro"\nreason = "stream intro on the mirrored site"\n'
        'exact = ["Premier Li Qiang stressed the need to \\"cautiously manage\\" exports of minerals vital for military use, '
        'framing China’s sweeping curbs as a balance between security and cooperation."]\n', "utf-8")
    engine = Engine.load(Options(rules=(str(rules),)))
    html = explain_file(HTML_PAGE, engine)
    removed = {l["rule"]: l for l in html["lines"] if l["status"] == "removed"}
    assert removed["site.sciencealert_recap"]["text"].startswith("A mission to do just that")
    assert removed["site.sciencealert_recap"]["source"] == str(rules)
    # The same page as a text dump has no URL: its site is its folder, so the host rule does not apply.
    text_dump = explain_file(PAGES / "text" / "sh-14cc2a0ca59c62a8.txt", engine)
    assert not any(l.get("rule", "").startswith("site.") for l in text_dump["lines"])
    # A folder rule applies to pages found in that folder (matched on its last components).
    mirror = tmp_path / "mirror" / "seeds"
    mirror.mkdir(parents=True)
    shutil.copy(SEED, mirror / "page.txt")
    moved = {l["line"]: l for l in explain_file(mirror / "page.txt", engine)["lines"]}
    assert moved[5]["rule"] == "site.stream_intro" and moved[5]["status"] == "removed"
    assert explain_file(SEED, engine)["lines"][4]["rule"] == "keep.body_start"
    assert Lexicon.load((rules,)).match("Buy our mug!").rule == "lexicon.house_promo"


def test_site_selectors_and_rule_file_errors(tmp_path):
    selector = SiteSelector.build(["www.Example.com"], ["data/bbc"])
    assert selector.matches("example.com", None) and selector.matches("news.example.com", None)
    assert not selector.matches("badexample.com", None)
    assert selector.matches(None, "/in/data/bbc") and not selector.matches(None, "data/bbc/old")
    assert host_of("https://WWW.Example.com:8080/a") == "example.com" and host_of("not a url") is None
    cases = {
        'colour = "red"\n': "unknown top-level key(s) colour",
        '[[sites]]\nhost = "a.com"\nmatch = "x"\n': "site 1: unknown key(s) match",
        '[[sites]]\nhost = 3\n': "'host' must be a string or a list",
        '[[sites]]\nhost = "a.com"\n': "site 1: needs [[sites.rules]]",
        '[[sites]]\nhost = "a.com"\n[[sites.rules]]\nid = "x"\nreason = "y"\n': "site 1 rule 1 (x): needs at least one of",
        'rules = "x"\n': "expected a list of [[rules]] tables",
        '[[rules]\n': "not valid TOML",
    }
    for number, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"r{number}.toml"
        path.write_text(text, "utf-8")
        with pytest.raises(LexiconError, match=rf"{path.name}.*{message.replace('[', '.').replace(']', '.').replace('(', '.').replace(')', '.')}"):
            Lexicon.load((path,))


def test_explain_gives_kept_lines_the_models_signals_a_run_leaves_out(engine):
    """A run records reasons for removed lines only, so it skips the line model's signals
    for the lines it keeps; explain works them out, and decides every line the same."""
    from pipeline.process import clean_bytes

    ran = clean_bytes(SEED.read_bytes(), SEED.name, engine)
    explained = {l["line"]: l for l in explain_file(SEED, engine)["lines"]}
    assert engine.explain_kept is False
    assert [(d.line, d.keep, d.rule) for d in ran.decisions] == \
        [(n, l["status"] == "kept", l["rule"]) for n, l in sorted(explained.items()) if l["status"] != "blank"]
    by_model = [d for d in ran.decisions if d.keep and d.rule in ("keep.body", "keep.body_start")]
    assert by_model
    for d in by_model:
        assert "line model" not in d.reason
        assert explained[d.line]["reason"].startswith(d.reason + "; line model: body probability ")
    assert [d.reason for d in ran.removed] == [explained[d.line]["reason"] for d in ran.removed]


def test_cli_explain_wraps_long_lines_under_their_indent_and_says_why_kept_lines_stay():
    done = cli("explain", str(SEED))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.split("\n")
    at = next(k for k, l in enumerate(lines) if l.startswith(" 5 keep Premier Li Qiang"))
    # Piped, rich's console is 80 columns: the paragraph goes on under its text, not at the edge.
    assert all(len(l) <= 80 for l in lines)
    assert lines[at + 1].startswith(" " * 8) and lines[at + 1].strip()
    paragraph = " ".join(l.strip() for l in lines[at:at + 3])
    assert "framing China’s sweeping curbs as a balance between security and cooperation." in paragraph
    why = next(l for l in lines[at + 1:] if l.lstrip().startswith("+ "))
    assert why.lstrip().startswith("+ keep.body_start: first paragraph of the article; line model: body")
    reason = " ".join(l.strip() for l in lines[lines.index(why):lines.index(why) + 3])
    # The text view gives the same probability as the JSON view for this line.
    as_json = {l["line"]: l for l in json.loads(cli("explain", str(SEED), "--json").stdout)["lines"]}
    probability = re.search(r"body probability (\d\.\d\d)", as_json[5]["reason"]).group(1)
    assert f"body probability {probability}" in reason
