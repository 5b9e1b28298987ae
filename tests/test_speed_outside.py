"""The eleventh round's shortcuts outside the line classifier, each against the plain
code it stands in for, on real pages (the seeds and the test pages)."""

import pytest

from pipeline import report

from conftest import run_seeds_and_pages



@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    return run_seeds_and_pages(tmp_path_factory.mktemp("outside"))


def test_report_keeps_the_views_metadata_and_writes_the_same_page(real_run, monkeypatch):
    """The views' metadata kept from the first pass (all of it, part of it under a small
    budget, none) and fewer views than documents (a view evicted from the heap hands
    back its share of the budget): the same report as reading each view's file again."""
    sizes = sorted(len(p.read_text("utf-8")) for p in real_run.glob("*.json"))
    assert len(sizes) > 10
    full, budgets = report.MAX_DOCUMENT_VIEWS, (0, sizes[len(sizes) // 2] * 2, report.KEEP_VIEW_CHARS)
    pages = {}
    for views in (full, 3):
        for budget in budgets:
            monkeypatch.setattr(report, "MAX_DOCUMENT_VIEWS", views)
            monkeypatch.setattr(report, "KEEP_VIEW_CHARS", budget)
            pages[views, budget] = report.build_report(real_run)
        assert len({pages[views, budget] for budget in budgets}) == 1
    assert pages[3, 0] != pages[full, 0]  # the view limit shows: the check can fail
    assert (real_run / "report.html").read_text("utf-8") == pages[full, 0]


def test_report_reads_a_meta_file_that_is_not_utf8_as_none(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_bytes(b'{"a": "\xff"}')
    assert report._read_json(bad) is None and report._read_json_sized(bad) == (None, 0)
    good = tmp_path / "y.json"
    good.write_text('{"a": 1}', "utf-8")
    assert report._read_json_sized(good) == ({"a": 1}, 8)
    listed = tmp_path / "z.json"
    listed.write_text("[1]", "utf-8")
    assert report._read_json_sized(listed) == (None, 3)


def test_site_profile_to_dict_equals_the_ranked_lines(real_run, monkeypatch):
    """to_dict's lines without the count ranking (all kept) equal the ranked and cut ones,
    item for item and in order, on the run's profiles; over the limit the ranking still
    cuts (ties included)."""
    import json
    from collections import Counter

    from pipeline import siteprofile
    from pipeline.write import to_json

    def ranked(profile):
        return list(dict(sorted(profile.lines.most_common(siteprofile._MAX_LINES_KEPT))).items())

    files = sorted((real_run / ".pipeline" / "sites").glob("*.json"))
    assert files
    for path in files:
        profile = siteprofile.SiteProfile.from_dict(json.loads(path.read_text("utf-8")))
        assert len(profile.lines) > 10
        assert list(profile.to_dict()["lines"].items()) == ranked(profile)
        assert path.read_text("utf-8") == to_json(profile.to_dict())  # the file as the run saved it
    profile = siteprofile.SiteProfile("s", set(), Counter({f"line {k}": k % 4 for k in range(50)}), set())
    for limit in (10, 49, 50, 51):
        monkeypatch.setattr(siteprofile, "_MAX_LINES_KEPT", limit)
        assert list(profile.to_dict()["lines"].items()) == ranked(profile)
        assert len(profile.to_dict()["lines"]) == min(limit, 50)
