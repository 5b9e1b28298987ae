"""The output's JSON text in C (pipeline/_jsonout.c) against what it stands in for:
json.dumps(ensure_ascii=False, sort_keys=True, indent=1) + "\\n", and write.to_json_python
(the Python kept for a build without a compiler)."""
from __future__ import annotations

import enum
import json
import random

import pytest

from conftest import DATA, SEEDS, SHARED_EVAL, skip_without_c_build
from pipeline import write

kernel = pytest.importorskip("pipeline._jsonout")


def reference(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def assert_written_as_json_writes(value) -> None:
    """The kernel's bytes, to_json's text and write_json's file are json.dumps' text."""
    expected = reference(value)
    raw = kernel.encode(value, False)
    assert raw is not None, repr(value)[:200]
    assert raw.decode("utf-8", "surrogatepass") == expected
    assert write.to_json(value) == expected
    assert write.to_json_python(value) == expected
    if kernel.encode(value, True) is not None:
        assert kernel.encode(value, True) == expected.encode("utf-8")


def test_the_kernel_is_built_where_a_compiler_is():
    """setup.py builds it at install when there is a C compiler and Python's headers; it
    is optional, so a failed build would otherwise go unseen."""
    skip_without_c_build("to_json_python")
    assert write._encode is kernel.encode


def _metadata_of(sources, engine, tmp_path):
    """Each source's metadata as the run writes it (batch.write_result's dict, in memory,
    tuples and all), and the file write_result writes for it."""
    from pipeline.batch import clean_source, provenance, write_result

    for source in sources:
        _, result = clean_source(source, engine)
        meta = {"id": source.id, "source": source.display, "status": result.status.value,
                "reason": result.reason, "duplicates": [], **provenance(source, dict(result.metadata))}
        write_result(source, result, tmp_path, engine.options)
        yield meta, (tmp_path / f"{source.id}.json").read_bytes()


def test_every_seed_and_test_page_metadata_is_written_as_json_writes(engine, tmp_path):
    from pipeline.sources import discover

    sources = list(discover([str(SEEDS), str(DATA / "pages")], False))
    assert len(sources) > 20
    for meta, written in _metadata_of(sources, engine, tmp_path):
        assert_written_as_json_writes(meta)
        assert written == reference(meta).encode("utf-8")
    shipped = sorted((SEEDS.parent / "clean").glob("*.json")) + sorted(DATA.rglob("*.json"))
    assert shipped
    for path in shipped:
        data = json.loads(path.read_text("utf-8"))
        assert_written_as_json_writes(data)


@pytest.mark.skipif(not (SHARED_EVAL / "dev" / "text").is_dir(), reason="needs the development set (../shared/eval)")
def test_dev_pages_metadata_is_written_as_json_writes(engine, tmp_path):
    """Every 8th dev text dump (all 1,086 were compared as whole runs, docs/speed.md)."""
    from pipeline.sources import discover

    sources = list(discover([str(SHARED_EVAL / "dev" / "text")], False))[::8]
    assert len(sources) > 100
    for meta, written in _metadata_of(sources, engine, tmp_path):
        assert_written_as_json_writes(meta)
        assert written == reference(meta).encode("utf-8")


def test_a_site_profile_is_written_as_json_writes(tmp_path):
    from pipeline.siteprofile import learn_sites
    from pipeline.sources import discover

    learn_sites(list(discover([str(SEEDS)], False)), tmp_path, 10_000_000)
    saved = sorted((tmp_path / "sites").glob("*.json"))
    assert saved
    for path in saved:
        data = json.loads(path.read_text("utf-8"))
        assert path.read_bytes() == reference(data).encode("utf-8")
        assert_written_as_json_writes(data)


ODD_STRINGS = ["", "a", "\x00", "\x01\x08\x09\x0a\x0b\x0c\x0d\x1e\x1f", "\x7f\x80\x9f\xa0\xff", '"', "\\", "/",
               "\\\"\\", "\u2028\u2029", "\ufeff\ufffe\uffff", "é", "ü" * 50, "日本語", "\U0001F600", "\U0010FFFF",
               "a\U0001F600b\x00", "ǅ", "\ud7ff\ue000", "x" * 5000, "é\n" * 700, "\t", "Ω" + "\x1f"]
SURROGATES = ["\ud800", "\udfff", "a\udc80b", "\ud83d\ude00", "é\ud800", "\U0001F600\udc00"]
ODD_NUMBERS = [0, 1, -1, 9, 10, -10, 2**31, 2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, -2**64, 2**200, -(10**300),
               0.0, -0.0, 0.1, 1.5, -2.5, 1e16, 1e15, 1e-5, 1e-4, 1e300, 1e-300, 5e-324, -2.5e-310, 1.7976931348623157e308,
               float("nan"), float("inf"), float("-inf"), 123456789.123456789, 2.0**53, 1 / 3]


def _random(rng: random.Random, depth: int = 0, surrogates: bool = False):
    strings = ODD_STRINGS + (SURROGATES if surrogates else [])
    kinds = ["str", "num", "const"] + (["dict", "list", "tuple"] * 2 if depth < 6 else [])
    kind = rng.choice(kinds)
    if kind == "str":
        return "".join(rng.choice(strings) for _ in range(rng.randint(0, 3)))
    if kind == "num":
        return rng.choice(ODD_NUMBERS + [rng.randint(-10**6, 10**6), rng.random(), rng.uniform(-1e20, 1e20)])
    if kind == "const":
        return rng.choice([None, True, False])
    items = [_random(rng, depth + 1, surrogates) for _ in range(rng.randint(0, 5))]
    if kind == "list":
        return items
    if kind == "tuple":
        return tuple(items)
    return {"".join(rng.choice(strings) for _ in range(rng.randint(0, 2))) + rng.choice(["", "k", "K", "é", "\U0001F600"]):
            item for item in items}


def test_random_and_adversarial_values_are_written_as_json_writes():
    for value in ODD_STRINGS + ODD_NUMBERS + [None, True, False, [], {}, (), [[]], [{}], {"": ""}, {"a": ()}]:
        assert_written_as_json_writes(value)
        assert_written_as_json_writes([value, {"k": value}])
    # keys sorted by code point: case, accents, astral after the rest of the BMP
    keys = ["b", "a", "B", "A", "é", "e", "\uffff", "\U0001F600", "", " ", "a\x00", "a", "ab", "\ud7ff", "\ue000", "10", "9"]
    assert_written_as_json_writes({key: k for k, key in enumerate(keys)})
    assert_written_as_json_writes({key: None for key in reversed(keys)})
    rng = random.Random(15)
    for _ in range(20_000):
        assert_written_as_json_writes(_random(rng))
    for _ in range(3_000):  # lone surrogates: the same str; write_json's bytes left to str.encode
        value = _random(rng, surrogates=True)
        assert kernel.encode(value, False).decode("utf-8", "surrogatepass") == reference(value)
        assert write.to_json(value) == reference(value) == write.to_json_python(value)


def test_nesting_to_the_kernels_depth_and_past_it():
    """MAX_DEPTH (200) containers are the kernel's; deeper, json.dumps writes it."""
    for levels in (1, 2, 50, 199, 200, 201, 300):
        for make, per in ((lambda v: [v], 1), (lambda v: {"k": v}, 1), (lambda v: (v,), 1),
                          (lambda v: [1, {"a": [v, "x"]}], 3)):
            value = "leaf"
            for _ in range(levels // per):
                value = make(value)
            expected = reference(value)
            assert write.to_json(value) == expected
            raw = kernel.encode(value)
            assert (raw is None) == (levels // per * per > 200)
            assert raw is None or raw.decode("utf-8") == expected


class _Colour(enum.IntEnum):
    RED = 1


class _Text(str):
    pass


class _Map(dict):
    pass


def test_what_the_kernel_leaves_to_json():
    """Subclasses, non-str keys, circular containers: None, and to_json gives json.dumps'
    text (or its exception)."""
    for value in ({1: "a"}, {"a": {2.5: None}}, {None: 1}, {3: 2, 1: 1}, [_Colour.RED], {"c": _Colour.RED}, _Text("s"),
                  [_Text("s")], {_Text("k"): 1}, _Map(a=1), [_Map(a=1)], {"x": [1.5, True, _Map()]}):
        assert kernel.encode(value) is None and kernel.encode(value, False) is None
        assert write.to_json(value) == reference(value) == write.to_json_python(value)
    loop: list = []
    loop.append(loop)
    ring: dict = {}
    ring["self"] = [ring]
    for value in (loop, ring):
        assert kernel.encode(value) is None
        with pytest.raises(ValueError, match="Circular"):
            write.to_json(value)
    for value in ({"b": 1, 2: 3}, {"a": [{"b": 1, 2: 3}]}, {1: 1, "a": 2}, {None: 1, "x": 2}):  # json cannot sort them either
        assert kernel.encode(value) is None
        with pytest.raises(TypeError):
            write.to_json(value)
    with pytest.raises(TypeError):
        write.to_json({"a": object()})
    with pytest.raises(ValueError):  # past int's digit limit: json's ValueError, and the kernel's
        reference(10**5000)
    with pytest.raises(ValueError):
        kernel.encode({"n": 10**5000})


def test_write_json_writes_the_kernels_bytes_and_refuses_a_surrogate(tmp_path, monkeypatch):
    value = {"text": "é\U0001F600\x00", "n": [1, 2.5, None]}
    write.write_json(tmp_path / "a.json", value)
    assert (tmp_path / "a.json").read_bytes() == reference(value).encode("utf-8")
    for encode in (kernel.encode, None):
        monkeypatch.setattr(write, "_encode", encode)
        with pytest.raises(UnicodeEncodeError):
            write.write_json(tmp_path / "b.json", {"text": "a\ud800"})
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]  # nothing half-written, no temporary left
        write.write_json(tmp_path / "c.json", value)
        assert (tmp_path / "c.json").read_bytes() == reference(value).encode("utf-8")
        assert write.to_json(value) == reference(value)
        (tmp_path / "c.json").unlink()
