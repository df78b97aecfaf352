"""Encodings and line endings give identical records; bad bytes give a reason, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.errors import InputError
from jixiao.ingest.decode import decode
from jixiao.pipeline import normalize_bytes


def records(data: bytes, name: str) -> list[dict[str, object]]:
    return [f.contract() for f in normalize_bytes(data, name).forms]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("gb18030", "gb18030"),
        ("utf-16", "utf-16"),
        ("utf-8-sig", "utf-8-bom"),
        ("utf-16-le", "utf-16-le"),
    ],
)
def test_reencoded_seed_gives_identical_records(seed: Path, encoding: str, expected: str) -> None:
    text = seed.read_text(encoding="utf-8")
    baseline = records(text.encode("utf-8"), seed.name)
    result = normalize_bytes(text.encode(encoding), seed.name)
    assert result.encoding == expected
    assert [f.contract() for f in result.forms] == baseline


def test_crlf_gives_identical_records(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8")
    assert records(text.replace("\n", "\r\n").encode("utf-8"), seed.name) == records(
        text.encode("utf-8"), seed.name
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"   \n\n", "empty file"),
        (bytes(range(256)) * 40, "binary"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02\xff" * 500, "binary"),
    ],
)
def test_bad_bytes_raise_input_error_naming_the_file(data: bytes, reason: str) -> None:
    with pytest.raises(InputError) as info:
        decode(data, "bad.txt")
    assert "bad.txt" in str(info.value)
    assert reason in info.value.reason


def test_converter_debris_removed() -> None:
    text = decode("\t[bookmark: _GoBack]\u3000100\n".encode(), "x.txt").text
    assert "bookmark" not in text


def test_character_references_a_web_page_keeps_are_read_as_characters() -> None:
    text = decode(
        "≥ &ge;95% &le;3天 &gt;=2 a&amp;b&nbsp;c &#8805;1 &#x2264;2".encode(), "x.txt"
    ).text
    assert text == "≥ ≥95% ≤3天 >=2 a&b\u00a0c ≥1 ≤2"
    # an unknown name, a NUL or an invalid number stays as printed
    assert decode(b"&foo; &#0; &#1114112; R&D", "x.txt").text == "&foo; &#0; &#1114112; R&D"
