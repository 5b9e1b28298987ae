"""Property-based tests (hypothesis) on the cleaner, whatever classifier is plugged in:
it never raises, it only removes (never invents) lines, cleaning its own output removes
nothing, and the same input always gives the same output."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from pipeline.document import Status
from pipeline.normalise import normalise
from pipeline.process import Engine, clean_bytes, clean_text

# Repeatable in CI: a fixed search, modest example counts (the suite stays fast).
settings.register_profile("pipeline", derandomize=True, max_examples=200, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("pipeline")

ENGINE = Engine.load()

# Words that make lines look like prose, chrome, dates, bylines and headlines, so the
# search reaches the header, footer, metadata and duplicate rules, not only noise.
_WORDS = st.sampled_from([
    "the", "a", "of", "and", "to", "in", "is", "was", "that", "for", "on", "with", "China", "minerals",
    "export", "rules", "said", "government", "Reuters", "Monday", "November", "24,", "2025", "By", "John",
    "Smith", "Share", "Facebook", "Twitter", "Read", "more", "Also", "read:", "Copyright", "©", "Home", ">",
    "Photo:", "(Photo:", "PTI)", "Advertisement", "Subscribe", "newsletter", "12:42", "PM", "IST", "|",
    "हिंदी", "में", "पढें", "Москва", "заявил", "서울", "기자", "中国", "。", ".", ",", "!", "?", "—",
])
_PUNCT_END = st.sampled_from(["", ".", "!", "?", ":", "…", "\u201d", " |"])
_LINE = st.one_of(
    st.builds(lambda ws, end: " ".join(ws) + end, st.lists(_WORDS, min_size=1, max_size=40), _PUNCT_END),
    st.text(max_size=80),
    st.just(""),
)
_PAGE = st.lists(_LINE, min_size=0, max_size=40).map("\n".join)


def _lines(text: str) -> list[str]:
    return [l for l in text.split("\n") if l]


@given(st.text(max_size=2000))
def test_never_raises_on_any_text(text):
    result = clean_text(text, ENGINE)
    assert result.status in (Status.CLEANED, Status.REJECTED)
    if result.status is Status.REJECTED:
        assert result.reason


@given(st.binary(max_size=2000))
def test_never_raises_on_any_bytes(data):
    result = clean_bytes(data, "page.txt", ENGINE)
    assert result.status in (Status.CLEANED, Status.REJECTED)


@given(_PAGE)
def test_removes_lines_never_invents_them(text):
    result = clean_text(text, ENGINE)
    source = normalise(text).split("\n")
    kept = _lines(result.body)
    # Every body line is a line of the normalised input, in the input's order.
    assert kept == [source[n - 1] for n in result.metadata.get("lines_kept", [])] if kept else True
    position = 0
    for line in kept:
        assert line in source[position:], line
        position = source.index(line, position) + 1


@given(_PAGE)
def test_cleaning_the_clean_body_removes_nothing(text):
    first = clean_text(text, ENGINE)
    if first.status is not Status.CLEANED:
        return
    second = clean_text(first.body, ENGINE)
    assert second.status is Status.CLEANED, second.reason
    assert second.metadata["removed"] == []
    assert second.body == first.body


@given(_PAGE)
def test_same_input_same_output(text):
    first, second = clean_text(text, ENGINE), clean_text(text, ENGINE)
    assert (first.status, first.reason, first.body, first.metadata) == (second.status, second.reason, second.body, second.metadata)
