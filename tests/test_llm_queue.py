"""repair/queue.py: review-queue entries and the JSONL writer."""

from __future__ import annotations

from jixiao.repair.queue import QueueEntry, read_queue, write_queue


def _entry(**kw) -> QueueEntry:
    base = dict(
        file="a.txt",
        form=2,
        indicator=1,
        field="name",
        raw="民生监察平",
        flags=["name_truncated"],
        tried=["rules: lexicon", "llm:m@repair_form:3"],
        reason="quote not in document",
    )
    base.update(kw)
    return QueueEntry(**base)


def test_roundtrip_keeps_chinese_readable(tmp_path):
    path = tmp_path / "out" / "review_queue.jsonl"
    entries = [_entry(), _entry(field="unit", raw="23", proposal="%", confidence=0.3)]
    assert write_queue(entries, path) == 2
    text = path.read_text(encoding="utf-8")
    assert "民生监察平" in text and "\\u" not in text and text.count("\n") == 2
    assert read_queue(path) == entries


def test_append_mode(tmp_path):
    path = tmp_path / "review_queue.jsonl"
    write_queue([_entry()], path)
    write_queue([_entry(form=3)], path, append=True)
    assert [e.form for e in read_queue(path)] == [2, 3]
