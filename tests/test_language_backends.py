"""pipeline.language keeps its own implementation of langdetect's detector for speed,
behind one interface (`detect(..., backend=)`): on real pages it must say exactly what
langdetect itself says (language, probability, script)."""
import pytest

from conftest import PAGES, SEEDS, SHARED_EVAL
from pipeline.language import detect
from pipeline.normalise import normalise


def _lines(path):
    return normalise(path.read_bytes().decode("utf-8", "replace")).split("\n")


def _same_on(paths, seeds=(0,)):
    compared = 0
    for path in paths:
        lines = _lines(path)
        for seed in seeds:
            for sample_chars in (3000, 300):
                fast = detect(lines, sample_chars, seed)
                library = detect(lines, sample_chars, seed, backend="langdetect")
                assert fast == library, (path.name, seed, sample_chars)
                compared += 1
    return compared


def test_both_backends_agree_on_the_repos_real_pages():
    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    assert _same_on(paths, seeds=(0, 7)) == 4 * len(paths) > 0


def test_the_library_backend_leaves_langdetects_seed_as_it_was():
    from langdetect import DetectorFactory

    before = DetectorFactory.seed
    detect(_lines(sorted(SEEDS.glob("*.txt"))[0]), 3000, 3, backend="langdetect")
    assert DetectorFactory.seed == before


def test_an_unknown_backend_is_refused():
    with pytest.raises(KeyError):
        detect(["Some text in English, long enough to be read."], 3000, 0, backend="nope")


@pytest.mark.skipif(not (SHARED_EVAL / "dev" / "text").is_dir(), reason="needs the development set (../shared/eval)")
def test_both_backends_agree_on_a_fifth_of_the_dev_pages():
    """Every fifth of the 1,086 dev pages: 19 languages, several scripts."""
    paths = sorted((SHARED_EVAL / "dev" / "text").glob("*.txt"))[::5]
    assert _same_on(paths) == 2 * len(paths) > 200
