"""The language detector's trials in C (pipeline._langtrials) against langdetect itself
and against the numpy trials they replace (the fallback without the C build), on real
pages; one trial against a plain transcription of langdetect's loop, where the stream
runs out and where the iteration limit ends it; and the sample's shortcut sort against
the plain sort."""
import random
from array import array

import numpy as np
import pytest
from langdetect import detector_factory
from langdetect.detector import Detector
from langdetect.lang_detect_exception import LangDetectException

from conftest import PAGES, SEEDS, SHARED_EVAL, skip_without_c_build
from pipeline import language
from pipeline.normalise import normalise


def _samples(paths, chars=(3000, 300)):
    for path in paths:
        lines = normalise(path.read_bytes().decode("utf-8", "replace")).split("\n")
        for limit in chars:
            yield language._sample(lines, limit)


def _guesses(detect, text, seed):
    try:
        return [(g.lang, g.prob) for g in detect(text, seed)]
    except LangDetectException:
        return "no features"


def _numpy_only(text, seed):
    kernel, language._kernel_trial = language._kernel_trial, None
    try:
        return language._detect_langs(text, seed)
    finally:
        language._kernel_trial = kernel


def _compare(samples, seeds):
    compared = 0
    for text in samples:
        for seed in seeds:
            library = _guesses(language._detect_langs_library, text, seed)
            assert _guesses(language._detect_langs, text, seed) == library, text[:80]
            assert _guesses(_numpy_only, text, seed) == library, text[:80]
            compared += 1
    return compared


def test_the_trials_module_is_built_and_used():
    skip_without_c_build("the numpy trials")
    assert language._kernel_trial is not None


def test_c_and_numpy_trials_equal_langdetect_on_the_repos_real_pages():
    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    extra = ["ÉCOLE Ünïcode ДОМ дом 東京 한국어 हिंदी में पढें  ABC abc Ab aB\u0219\u021b", "A", "Hello world http://x.org a@b.cc"]
    assert _compare(list(_samples(paths)) + extra, seeds=(0, 7, 2**40 + 3)) == 3 * (2 * len(paths) + 3)


@pytest.mark.skipif(not (SHARED_EVAL / "dev" / "text").is_dir(), reason="needs the development set (../shared/eval)")
def test_c_and_numpy_trials_equal_langdetect_on_all_dev_pages():
    """The 1,086 dev pages' 3,000-character samples (what detect reads), seed 0."""
    paths = sorted((SHARED_EVAL / "dev" / "text").glob("*.txt"))
    assert _compare(_samples(paths, chars=(3000,)), seeds=(0,)) == len(paths) > 1000


def _plain_trial(rows, words, position, weight, threshold, limit, n_lang):
    """langdetect's trial loop (Detector._detect_block's inner loop, _update_lang_prob,
    _normalize_prob) over Python lists, random.choice read from the stream words."""
    n = len(rows)
    shift = 32 - n.bit_length()
    prob = [1.0 / n_lang] * n_lang
    i = 0
    while True:
        while True:
            if position >= len(words):
                return None, position
            r = words[position] >> shift
            position += 1
            if r < n:
                break
        row = rows[r]
        for k in range(n_lang):
            prob[k] *= weight + row[k]
        if i % 5 == 0:
            maxp, sump = 0.0, sum(prob)
            for k in range(n_lang):
                p = prob[k] / sump
                if maxp < p:
                    maxp = p
                prob[k] = p
            if maxp > threshold or i >= limit:
                break
        i += 1
    return prob, position


def test_one_trial_equals_langdetects_loop_at_its_edges():
    """Real profile rows; thresholds that stop early, late and never (the iteration
    limit); a stream that runs out (-1, langprob untouched); a start inside the stream;
    one n-gram (choice from one) and many."""
    skip_without_c_build("the numpy trials")
    detector_factory.init_factory()
    known = detector_factory._factory.word_lang_prob_map
    n_lang = len(detector_factory._factory.langlist)
    text = sorted((PAGES / "text").glob("*.txt"))[0].read_text("utf-8")
    ids = np.frombuffer(language._rows(language._ngrams(language._prepare(text[:2000]), known), known), dtype=np.int32)
    matrix = language._MATRIX
    rng = random.Random(5)
    words = random.Random(11).getrandbits(32 * 4000).to_bytes(4 * 4000, "little")
    word_list = list(np.frombuffer(words, dtype="<u4").tolist())
    finished = ran_out = 0
    for n in (1, 2, 3, 50, len(ids)):
        rows = matrix[ids[:n]].tolist()
        for threshold, limit in ((0.5, 10000), (0.99999, 10000), (2.0, 37), (2.0, 0), (2.0, 5000)):
            start = rng.randrange(0, 50)
            weight = (0.5 + rng.gauss(0.0, 1.0) * 0.05) / 10000
            prob, end = _plain_trial(rows, word_list, start, weight, threshold, limit, n_lang)
            langprob = array("d", [0.25] * n_lang)
            got = language._kernel_trial(ids[:n].tobytes(), matrix, words, start, weight, threshold, limit, langprob, 7)
            if prob is None:
                assert got == -1 and list(langprob) == [0.25] * n_lang
                ran_out += 1
            else:
                assert got == end and list(langprob) == [0.25 + p / 7 for p in prob]
                finished += 1
    assert finished >= 15 and ran_out >= 3


def test_sample_equals_the_plain_sort():
    """_sample picks the same lines as sorting them all by (-len, text)."""
    def plain(lines, limit):
        return language._sample_of(sorted((l for l in lines if l), key=lambda l: (-len(l), l)), limit)

    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    cases = [normalise(p.read_text("utf-8", errors="replace")).split("\n") for p in paths]
    cases += [[], [""], ["a", "b", "a", "c", "bb", "ab", "ba", ""], ["x" * 5] * 3 + ["y" * 5, "a" * 5, "b" * 4]]
    for lines in cases:
        for limit in (-1, 0, 1, 4, 5, 6, 10, 11, 300, 3000, 10**6):
            assert language._sample(lines, limit) == plain(lines, limit)


def test_a_short_stream_is_made_longer_mid_trial():
    """The seed's stream cached at 1,024 words (its true first words): where the trials
    run out of words they ask again with a longer stream and still give langdetect's
    result."""
    skip_without_c_build("the numpy trials")
    seed = 12345
    paths = sorted(SEEDS.glob("*.txt")) + sorted((PAGES / "text").glob("*.txt"))
    first = np.frombuffer(random.Random(seed).getrandbits(32 * 1024).to_bytes(4 * 1024, "little"), dtype="<u4")
    longer = 0
    try:
        # short, ambiguous texts converge slowly ("e" runs to thousands of choices a trial)
        for text in list(_samples(paths[:4], chars=(3000,))) + ["casa", "de la de la de la", "a e i o u", "e",
                                                               "Bom dia, buenos días, bon dia", "x"]:
            language._STREAMS[seed] = first
            assert _guesses(language._detect_langs, text, seed) == _guesses(language._detect_langs_library, text, seed)
            longer += len(language._STREAMS[seed]) > 1024  # it ran out, and was made longer
    finally:
        language._STREAMS.pop(seed, None)
    assert longer >= 4
