"""Site-level learning on real pages of one site: lines the site repeats are its chrome,
body lines it repeats inside an article stay, and profiles persist across runs."""
import json
import shutil

from conftest import DATA, SEEDS
from test_html import token_f1
from pipeline.options import Options
from pipeline.runner import run
from pipeline.siteprofile import ProfileStore, SiteProfile, SiteRule, line_key

SITE = DATA / "sites" / "pcworld"
GOLD = DATA / "sites" / "gold-pcworld"


def gold_lines(page_id):
    return {l.strip() for l in (GOLD / f"{page_id}.txt").read_text("utf-8").splitlines() if l.strip()}


def test_repeated_site_lines_are_removed_and_body_lines_are_kept(tmp_path):
    inputs = tmp_path / "pcworld"
    shutil.copytree(SITE, inputs)
    out, without = tmp_path / "out", tmp_path / "without"
    run([str(inputs)], out, Options(doc_time_limit=0))
    run([str(inputs)], without, Options(doc_time_limit=0, site_learning=False))
    site_removed, site_removed_gold = 0, 0
    for page in sorted(SITE.glob("*.txt")):
        meta = json.loads((out / f"{page.stem}.json").read_text("utf-8"))
        for row in meta["removed"]:
            if row["rule"] == "site.recurring":
                assert "other pages of site" in row["reason"]
                site_removed += 1
                site_removed_gold += row["text"] in gold_lines(page.stem)
        gold = (GOLD / f"{page.stem}.txt").read_text("utf-8")
        with_sites = token_f1((out / f"{page.stem}.txt").read_text("utf-8"), gold)
        assert with_sites >= token_f1((without / f"{page.stem}.txt").read_text("utf-8"), gold) - 0.005, page.stem
    assert site_removed > 0
    # Only chrome: short labels the site repeats inside its articles ("Price", "Product",
    # list numbers; gold counts them as body) are left to the lexicon and the line model.
    assert site_removed_gold == 0, (site_removed_gold, site_removed)
    # The profile is saved in the output's state: three pages, each counted once.
    profile = ProfileStore(out / ".pipeline").get(str(inputs))
    assert profile is not None and len(profile.pages) == 3

    # A re-run counts nothing twice; a new page of the site is counted in.
    run([str(inputs)], out, Options(doc_time_limit=0))
    assert len(ProfileStore(out / ".pipeline").get(str(inputs)).pages) == 3
    # A near-copy of a page already counted is seen but not counted...
    copy = (SITE / "wcxb-dev-0212.txt").read_text("utf-8").replace("PCWorld", "PC World")
    (inputs / "copy.txt").write_text(copy, "utf-8")
    run([str(inputs)], out, Options(doc_time_limit=0))
    profile = ProfileStore(out / ".pipeline").get(str(inputs))
    assert (len(profile.pages), len(profile.copies)) == (3, 1)
    # ...a new article in the site's page template is.
    template = (SITE / "wcxb-dev-0212.txt").read_text("utf-8").split("\n")[:60]
    story = (DATA / "gold" / "seeds" / "001_4d8637c95e606681.txt").read_text("utf-8")
    (inputs / "new.txt").write_text("\n".join(template) + "\n" + story, "utf-8")
    run([str(inputs)], out, Options(doc_time_limit=0))
    assert len(ProfileStore(out / ".pipeline").get(str(inputs)).pages) == 4


def test_one_other_page_is_never_enough():
    profile = SiteProfile("example.org")
    shared = "Sign up for the Daily Digest"  # 6 words

    def page(name):
        own = line_key(f"The story of {name} as told by its own reporter")
        return {line_key(shared), own}

    profile.add_page("page-a", page("a"), page("a"))
    profile.add_page("page-b", page("b"), page("b"))
    rule = SiteRule(min_other_pages=2, min_share=0.3)
    # Page b is the page at hand: only page a (one other page) holds the line.
    assert rule.verdict(profile, shared, 6, page_counted=True) is None
    profile.add_page("page-c", page("c"), page("c"))
    verdict = rule.verdict(profile, shared, 6, page_counted=True)
    assert verdict[0] == "site.recurring" and "2 of 2 other pages" in verdict[1]


def test_copies_of_one_article_do_not_make_its_body_the_sites_chrome(tmp_path):
    inputs = tmp_path / "site"
    inputs.mkdir()
    article = (SEEDS / "003_3ee7487b8204e483.txt").read_text("utf-8")
    for n in range(4):  # the same story saved four times, with a different top bar each
        (inputs / f"copy{n}.txt").write_text(f"Edition {n} of the day\n" + article, "utf-8")
    out = tmp_path / "out"
    run([str(inputs)], out, Options(doc_time_limit=0))
    profile = ProfileStore(out / ".pipeline").get(str(inputs))
    assert len(profile.pages) == 1 and len(profile.copies) == 3
    gold = (DATA / "gold" / "seeds" / "003_3ee7487b8204e483.txt").read_text("utf-8")
    assert (out / "copy0.txt").read_text("utf-8") == gold
    for n in range(4):
        assert "site.recurring" not in json.loads((out / f"copy{n}.json").read_text("utf-8"))["rules"]


def test_site_learning_can_be_turned_off(tmp_path):
    out = tmp_path / "out"
    run([str(SITE)], out, Options(doc_time_limit=0, site_learning=False))
    for page in SITE.glob("*.txt"):
        meta = json.loads((out / f"{page.stem}.json").read_text("utf-8"))
        assert "site.recurring" not in meta["rules"]
    assert not (out / ".pipeline" / "sites").exists()


def test_learning_in_several_processes_writes_the_same_profiles(tmp_path, monkeypatch):
    """With workers, the cleaning workers read the pages for learning, a chunk each, and
    the pages are counted in their order: the profiles must be the very files one
    process writes, with a copy of a page and a second site among the pages (whether a
    page counts as a copy depends on the pages before it)."""
    from pipeline import guard, siteprofile
    from pipeline.runner import learn
    from pipeline.sources import discover
    from pipeline.state import STATE_DIR

    monkeypatch.setattr(guard, "PARALLEL_LEARNING_MIN_PAGES", 1)
    monkeypatch.setattr(guard, "LEARN_CHUNK_PAGES", 2)  # several chunks, spread over both workers
    inputs = tmp_path / "in"
    shutil.copytree(SITE, inputs / "pcworld")
    shutil.copytree(SEEDS, inputs / "seeds")
    first = sorted((inputs / "pcworld").glob("*.txt"))[0]
    shutil.copy(first, inputs / "pcworld" / "zz-copy.txt")
    sources = discover([str(inputs)], False)
    one, two = tmp_path / "one", tmp_path / "two"
    counted = learn(sources, one, Options(workers=1))

    def not_here(*args):
        raise AssertionError("with two workers, the pages are read in the workers, not here")

    monkeypatch.setattr(siteprofile, "read_pages", not_here)  # this process's only: workers are fresh interpreters
    assert learn(sources, two, Options(workers=2)) == counted
    site = next(name for name in counted if name.endswith("pcworld"))
    assert counted[site] == 4  # pages read; the copy adds no page to the profile
    written = sorted(p.name for p in (one / STATE_DIR / "sites").iterdir())
    assert written == sorted(p.name for p in (two / STATE_DIR / "sites").iterdir()) and len(written) >= 2
    for name in written:
        assert (one / STATE_DIR / "sites" / name).read_bytes() == (two / STATE_DIR / "sites" / name).read_bytes(), name
    assert len(ProfileStore(two / STATE_DIR).get(site).pages) == 3


def test_profiles_set_aside_during_learning_are_saved_as_if_all_were_kept(tmp_path):
    """A long run's learning holds few sites' profiles in memory: pages it reads itself
    are read site by site, and pages read by the workers (in the sources' order) go to
    profiles of which a few are held, the others set aside on disk. With one held at a
    time and the sites' pages interleaved (each site comes round again after being set
    aside), and with sources interleaved, the saved profiles are the very files that
    keeping every profile in memory writes."""
    from pipeline.siteprofile import learn_sites, read_pages
    from pipeline.sources import discover

    inputs = tmp_path / "in"
    shutil.copytree(SITE, inputs / "pcworld")
    shutil.copytree(SEEDS, inputs / "seeds")
    shutil.copytree(DATA / "multisite", inputs / "multisite")
    sources = discover([str(inputs)], False)
    read = [seen for seen in read_pages(sources, Options().max_input_bytes) if seen is not None]
    by_site: dict = {}
    for seen in read:
        by_site.setdefault(seen[0], []).append(seen)
    assert len(by_site) >= 3
    interleaved = [seen for round_ in zip(*by_site.values()) for seen in round_]
    interleaved += [seen for seen in read if seen not in interleaved]
    kept, aside = tmp_path / "kept", tmp_path / "aside"
    counted = learn_sites(sources, kept, 0, pages=interleaved, held=len(by_site))
    assert learn_sites(sources, aside, 0, pages=interleaved, held=1) == counted
    # Read by learn_sites itself from sources whose sites are interleaved: it reads them
    # site by site (one profile in memory), and writes the same files.
    site_of = {seen[1]: seen[0] for seen in read}
    by_folder: dict = {}
    for source in sources:
        by_folder.setdefault(source.path.rsplit("/", 2)[-2], []).append(source)
    mixed = [s for round_ in zip(*by_folder.values()) for s in round_]
    mixed += [s for s in sources if s not in mixed]
    grouped = tmp_path / "grouped"
    assert learn_sites(mixed, grouped, Options().max_input_bytes) == counted
    written = sorted(p.name for p in (kept / "sites").iterdir())
    assert len(written) == len(by_site) and len(site_of) >= 3
    for other in (aside, grouped):
        assert written == sorted(p.name for p in (other / "sites").iterdir())
        for name in written:
            assert (kept / "sites" / name).read_bytes() == (other / "sites" / name).read_bytes(), name


def test_site_verdicts_keyed_in_one_call_are_the_per_line_verdicts(tmp_path, monkeypatch):
    """SiteVerdicts.prepare keys a page's kept lines in one call (the C kernel where built):
    the pcworld pages, whose site rule removes lines, clean to the same bytes as with each
    line keyed on its own by line_key when asked; and the keys it made are line_key's."""
    from pipeline import siteprofile

    made = {}
    prepare = siteprofile.SiteVerdicts.prepare

    def recording(self, lines, words):
        before = set(self.keys)
        prepare(self, lines, words)
        made.update({line: key for line, key in self.keys.items() if line not in before})

    inputs = tmp_path / "pcworld"
    shutil.copytree(SITE, inputs)
    monkeypatch.setattr(siteprofile.SiteVerdicts, "prepare", recording)
    run([str(inputs)], tmp_path / "one_call", Options(doc_time_limit=0))
    monkeypatch.setattr(siteprofile.SiteVerdicts, "prepare", lambda self, lines, words: None)
    run([str(inputs)], tmp_path / "per_line", Options(doc_time_limit=0))
    assert made and all(key == line_key(line) for line, key in made.items())
    removed = 0
    for page in sorted(SITE.glob("*.txt")):
        for suffix in (".txt", ".json"):
            one = (tmp_path / "one_call" / f"{page.stem}{suffix}").read_bytes()
            assert one == (tmp_path / "per_line" / f"{page.stem}{suffix}").read_bytes(), page.stem
        removed += one.count(b'"site.recurring"')
    assert removed > 0
