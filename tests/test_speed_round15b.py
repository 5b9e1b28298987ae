"""The fifteenth round's part B (the run's own work) against what it replaces, on real
data: normalise's two substitutions skipped when they cannot match, and a site
profile's lines put in order by their keys, not by (key, count) pairs."""
import json
import random
import shutil
from collections import Counter

from pipeline import normalise as norm
from pipeline import siteprofile
from pipeline.decode import decode
from pipeline.options import Options
from pipeline.runner import run
from pipeline.write import to_json

from conftest import PAGES, SEEDS, plain_normalise


def _texts() -> list[str]:
    paths = sorted(SEEDS.glob("*.txt")) + sorted(PAGES.parent.rglob("*.txt"))
    texts = []
    for path in paths:
        try:
            texts.append(decode(path.read_bytes())[0])
        except Exception:  # a test file the decoder rejects: nothing to normalise
            continue
    return texts


def test_normalise_equals_every_substitution_run():
    texts = _texts()
    assert len(texts) > 100
    # Real pages with each line break and space run the patterns match put in.
    rng = random.Random(15)
    pieces = ["\r\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "  ", "   ", "\u00a0 ", " \t ", "\t\t",
              "\u3000\u3000", "\n  \n", "\r\r\n"]
    mixed = []
    for text in texts[:60]:
        cut = list(text)
        for _ in range(8):
            cut.insert(rng.randrange(len(cut) + 1), rng.choice(pieces))
        mixed.append("".join(cut))
    changed = 0
    for text in texts + mixed + pieces + ["", "a", "a  b", "a\r\nb", "a\u00a0\u00a0b"]:
        assert norm.normalise(text) == plain_normalise(text), repr(text[:200])
        changed += norm.normalise(text) != text
    assert changed > 60  # the substitutions did change texts: both branches were taken


def _plain_to_dict(profile) -> dict:
    """SiteProfile.to_dict as it was: the (key, count) pairs sorted."""
    lines = profile.lines
    items = lines.items() if len(lines) <= siteprofile._MAX_LINES_KEPT else lines.most_common(siteprofile._MAX_LINES_KEPT)
    return {"site": profile.site, "pages": sorted(profile.pages), "copies": sorted(profile.copies),
            "lines": dict(sorted(items))}


def test_site_profile_to_dict_equals_the_sorted_pairs(tmp_path, monkeypatch):
    """to_dict (its keys sorted) gives the dict sorting the (key, count) pairs gave, item
    for item and in order, and the same file text, on the profiles a run learns from
    real pages (their lines shuffled, as a Counter holds them after many pages); with a
    kept-line limit (most_common cuts, ties included) and on small and odd profiles."""
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(PAGES / "text", inputs / "pages")
    out = tmp_path / "out"
    run([str(inputs)], out, Options(doc_time_limit=0))
    files = sorted((out / ".pipeline" / "sites").glob("*.json"))
    assert files
    profiles = []
    for path in files:
        profile = siteprofile.SiteProfile.from_dict(json.loads(path.read_text("utf-8")))
        assert len(profile.lines) > 10
        assert path.read_text("utf-8") == to_json(_plain_to_dict(profile))  # the file the run saved
        items = list(profile.lines.items())
        random.Random(1).shuffle(items)
        profile.lines = Counter(dict(items))
        profiles.append(profile)
    profiles += [siteprofile.SiteProfile("s", {"b", "a"}, Counter({f"line {k}": k % 4 for k in range(50, 0, -1)}), {"c"}),
                 siteprofile.SiteProfile("t", set(), Counter({"z": 1, "y": 2.5, "x": 3}), set()),
                 siteprofile.SiteProfile("u")]
    for limit in (None, 1, 10, 49, 50, 51):
        if limit is not None:
            monkeypatch.setattr(siteprofile, "_MAX_LINES_KEPT", limit)
        for profile in profiles:
            new, plain = profile.to_dict(), _plain_to_dict(profile)
            assert list(new["lines"].items()) == list(plain["lines"].items())
            assert new == plain and to_json(new) == to_json(plain)


def test_profile_store_reads_a_kept_parse_as_the_file_says(tmp_path, monkeypatch):
    """ProfileStore.get parses a profile file once for all the stores that read the same
    text (each batch's Engine has one): the profile equals the one parsed from the file,
    lines in the same order; changing what a store got, or the file, never shows in
    what the next store gets; the kept parses stay under their bounds."""
    inputs = tmp_path / "in"
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(PAGES / "text", inputs / "pages")
    out = tmp_path / "out"
    run([str(inputs)], out, Options(doc_time_limit=0))
    state = out / ".pipeline"
    files = sorted((state / "sites").glob("*.json"))
    sites = [json.loads(path.read_text("utf-8"))["site"] for path in files]
    assert len(sites) >= 2

    def fresh(site):
        path = siteprofile.ProfileStore(state)._path(site)
        return siteprofile.SiteProfile.from_dict(json.loads(path.read_text("utf-8")))

    def same(a, b):
        return (a.site, a.pages, a.copies, list(a.lines.items())) == (b.site, b.pages, b.copies, list(b.lines.items()))

    for site in sites:
        first = siteprofile.ProfileStore(state).get(site)
        assert same(first, fresh(site))
        first.add_page("a page of its own", {"k1", "k2"}, {"k1"})  # what one store does to its copy
        first.lines["k3"] += 5
        again = siteprofile.ProfileStore(state).get(site)
        assert again is not first and same(again, fresh(site)) and "k3" not in again.lines
    # The file changed (the next run's profile): the new text is read, not the kept one.
    changed = fresh(sites[0])
    changed.lines["a new line key"] = 7
    siteprofile.ProfileStore(state).save(changed)
    now = siteprofile.ProfileStore(state).get(sites[0])
    assert same(now, fresh(sites[0])) and now.lines["a new line key"] == 7
    assert siteprofile.ProfileStore(state).get("no such site") is None
    monkeypatch.setattr(siteprofile, "_PARSED", {})
    monkeypatch.setattr(siteprofile, "_PARSED_FILES", 2)
    for site in sites:
        siteprofile.ProfileStore(state).get(site)
    assert len(siteprofile._PARSED) <= 2
    monkeypatch.setattr(siteprofile, "_PARSED", {})
    monkeypatch.setattr(siteprofile, "_PARSED_LINES", 5)  # every profile here is larger: none kept
    for site in sites:
        assert same(siteprofile.ProfileStore(state).get(site), fresh(site))
    assert siteprofile._PARSED == {}
