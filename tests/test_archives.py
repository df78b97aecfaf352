"""Zip archives and OFD files through the CLI (issues 12 and 16).

A ``.zip`` is walked like a directory: each member is a source named ``archive.zip!member``,
with its own reject when it cannot be read (a bomb past the limit, a damaged or encrypted
member, an archive nested too deep), so one bad member never fails the archive; member names
made by Windows in GBK are read right; nothing is ever extracted. Every entry skipped while
walking (unknown suffix, hidden, a symlink out of the tree) is counted and named. An OFD file
(zip + positioned text) is read into rows like a PDF.

Expected values are read off the seed sources (golden/inputs), not the code's output.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from conftest import GOLDEN, SEEDS
from typer.testing import CliRunner

from jixiao import errors
from jixiao.cli import app
from jixiao.synth.ofd import rows_of_text, to_ofd

runner = CliRunner()


def rows(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line]


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def normalize(tmp_path: Path, *args: str) -> tuple[int, str, Path]:
    out = tmp_path / "out"
    result = runner.invoke(app, ["normalize", *args, "-o", str(out), "-q", "-j", "1"])
    return result.exit_code, result.output, out


def sources(out: Path) -> dict[str, str | None]:
    """Each form's source file → its project name."""
    return {f["source_file"]: f["project_name"] for f in rows(out / "forms.jsonl")}


def test_zip_of_three_forms(tmp_path: Path) -> None:
    # seed 004 holds three 部门项目支出预算绩效目标申报表: each its own member here
    text = (GOLDEN / "inputs" / "004_5de54c583fead5ac.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [k for k, ln in enumerate(lines) if ln.strip() == "部门项目支出预算绩效目标申报表"]
    assert len(starts) >= 3
    ends = [*starts[1:], len(lines)]
    parts = ["\n".join(lines[starts[k] : ends[k]]) for k in range(3)]
    archive = tmp_path / "三张表.zip"
    archive.write_bytes(make_zip({f"forms/{k + 1}.txt": p.encode() for k, p in enumerate(parts)}))
    code, output, out = normalize(tmp_path, str(archive))
    assert code in (errors.EXIT_OK, errors.EXIT_REJECTS), output
    got = sources(out)
    base = str(archive)
    assert got == {
        f"{base}!forms/1.txt": "疫情防控工作经费",
        f"{base}!forms/2.txt": "政府专项工作经费",
        f"{base}!forms/3.txt": "2023年沙坡头区电子政务外网建设及运行维护费",
    }
    assert "文件 3" in output
    table = (out / "indicators.csv").read_text("utf-8-sig")
    assert f"{base}!forms/1.txt" in table  # the member name in every output
    first = next(f for f in rows(out / "forms.jsonl") if f["source_file"].endswith("1.txt"))
    assert first["budget_total"] == 20  # 年度资金总额: 20
    # a rerun reuses every member: nothing parsed again
    again = runner.invoke(app, ["normalize", str(archive), "-o", str(out), "-q", "-j", "1"])
    assert "3 个未变" in again.output


def test_zip_bomb_member_is_its_own_reject(tmp_path: Path) -> None:
    seed = SEEDS[0].read_bytes()
    bomb = b"0" * 5_000_000  # deflates to a few KB
    data = make_zip({"a.txt": seed, "bomb.txt": bomb, "c.txt": SEEDS[1].read_bytes()})
    assert len(data) < 100_000
    # a second bomb whose directory lies: it says 1000 bytes, the stream inflates to 5 MB
    liar = bytearray(make_zip({"liar.txt": bomb}))
    size = (5_000_000).to_bytes(4, "little")
    assert liar.count(size) == 2  # local header and central directory
    liar = liar.replace(size, (1000).to_bytes(4, "little"))
    archive = tmp_path / "bombs.zip"
    archive.write_bytes(make_zip({"inner.zip": data, "liar.zip": bytes(liar)}))
    code, output, out = normalize(tmp_path, str(archive), "--max-member-bytes", "1000000")
    assert code == errors.EXIT_REJECTS, output
    by_file = {r["file"]: r for r in rows(out / "rejects.jsonl") if r["kind"] == "file"}
    bomb_reject = by_file[f"{archive}!inner.zip!bomb.txt"]
    assert bomb_reject["code"] == "limit_exceeded"
    assert "--max-member-bytes" in bomb_reject["reason"]
    assert "压缩包内单个部件解压后字节数" in bomb_reject["reason"]
    assert by_file[f"{archive}!liar.zip!liar.txt"]["code"] == "corrupt"  # stopped at 1000 bytes
    got = sources(out)
    assert f"{archive}!inner.zip!a.txt" in got and f"{archive}!inner.zip!c.txt" in got
    # the inner archive inflates past the limit too when its own limit is lower: one reject
    code, output, out2 = normalize(tmp_path / "x", str(archive), "--max-member-bytes", "1000")
    assert all(r["code"] == "limit_exceeded" for r in rows(out2 / "rejects.jsonl")), output


def gbk_zip(name: str, data: bytes) -> bytes:
    """A zip whose one member's name is GBK bytes with the UTF-8 flag unset (as Windows in a
    Chinese locale writes it)."""
    raw = name.encode("gbk")
    placeholder = ("x" * (len(raw) - 4) + ".txt").encode()
    assert len(placeholder) == len(raw)
    archive = make_zip({placeholder.decode(): data})
    assert archive.count(placeholder) == 2
    return archive.replace(placeholder, raw)


def test_gbk_member_name(tmp_path: Path) -> None:
    archive = tmp_path / "win.zip"
    archive.write_bytes(gbk_zip("绩效目标表.txt", SEEDS[0].read_bytes()))
    info = zipfile.ZipFile(archive).infolist()[0]
    assert not info.flag_bits & 0x800 and info.filename != "绩效目标表.txt"  # zipfile: CP437
    code, output, out = normalize(tmp_path, str(archive))
    assert code == errors.EXIT_OK, output
    assert set(sources(out)) == {f"{archive}!绩效目标表.txt"}


def test_nested_zip_and_depth_limit(tmp_path: Path) -> None:
    level3 = make_zip({"deep.txt": SEEDS[2].read_bytes()})
    level2 = make_zip({"b.zip": level3, "mid.txt": SEEDS[1].read_bytes()})
    archive = tmp_path / "outer.zip"
    archive.write_bytes(make_zip({"a.zip": level2, "top.txt": SEEDS[0].read_bytes()}))
    code, output, out = normalize(tmp_path, str(archive))
    assert code == errors.EXIT_OK, output
    base = str(archive)
    assert set(sources(out)) == {
        f"{base}!top.txt",
        f"{base}!a.zip!mid.txt",
        f"{base}!a.zip!b.zip!deep.txt",
    }
    code, output, out = normalize(tmp_path / "d", str(archive), "--max-zip-depth", "2")
    assert code == errors.EXIT_REJECTS
    [reject] = rows(out / "rejects.jsonl")
    assert reject["file"] == f"{base}!a.zip!b.zip"
    assert "--max-zip-depth" in reject["reason"] and "压缩包嵌套层数" in reject["reason"]
    assert f"{base}!a.zip!mid.txt" in sources(out)  # the rest of the archive is read


def test_damaged_encrypted_and_unsafe_members(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../escape.txt", SEEDS[0].read_bytes())
        z.writestr("/etc/abs.txt", SEEDS[1].read_bytes())
        z.writestr("damaged.txt", SEEDS[2].read_bytes())
        z.writestr("locked.txt", b"x" * 100)  # marked encrypted below
        z.writestr("notes.exe", b"MZ")
        z.writestr("__MACOSX/._damaged.txt", b"\x00")
        z.writestr("report.docx", _docx_bytes())
    data = bytearray(buffer.getvalue())
    seed2 = SEEDS[2].read_bytes()
    start = data.find(b"damaged.txt") + len(b"damaged.txt") + 40  # inside its deflate stream
    data[start] ^= 0xFF
    del seed2
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("locked.txt")
    data[info.header_offset + 6] |= 0x1  # the local header's flags: encrypted
    central = data.find(b"PK\x01\x02" + data[info.header_offset + 4 : info.header_offset + 6])
    while data[central + 46 : central + 46 + 10] != b"locked.txt":
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 8] |= 0x1  # and the central directory's
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "odd.zip"
    archive.write_bytes(bytes(data))
    before = {p for p in tmp_path.rglob("*")}
    code, output, out = normalize(tmp_path, str(archive))
    assert code == errors.EXIT_REJECTS, output
    base = str(archive)
    codes = {r["file"]: r["code"] for r in rows(out / "rejects.jsonl") if r["kind"] == "file"}
    assert codes[f"{base}!damaged.txt"] in ("corrupt", "no_form", "binary")
    assert codes[f"{base}!locked.txt"] == "encrypted"
    assert codes[f"{base}!notes.exe"] == "skipped"
    assert codes[f"{base}!__MACOSX/._damaged.txt"] == "skipped"
    got = sources(out)
    assert f"{base}!../../escape.txt" in got and f"{base}!/etc/abs.txt" in got  # read in memory
    assert f"{base}!report.docx" in got  # a .docx member stays a document
    made = {p for p in tmp_path.rglob("*")} - before
    assert all(p.is_relative_to(out) for p in made)  # nothing extracted anywhere
    assert not (tmp_path / "escape.txt").exists() and not Path("/etc/abs.txt").exists()
    assert "跳过 2" in output


def _docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("项目支出绩效目标表")
    table = document.add_table(rows=3, cols=3)
    for r, cells in enumerate(
        [
            ["项目名称", "文档里的项目", ""],
            ["一级指标", "三级指标", "指标值"],
            ["产出指标", "培训人数", "100人"],
        ]
    ):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_skipped_files_are_counted_and_listed(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_bytes(SEEDS[0].read_bytes())
    (src / "b.pages").write_bytes(b"PK\x03\x04")  # an Apple Pages document: not read
    (src / "sub" / "c.txt").write_bytes(SEEDS[1].read_bytes())
    (src / ".hidden.txt").write_text("x")
    (src / ".git").mkdir()
    (src / ".git" / "HEAD").write_text("ref")
    outside = tmp_path / "elsewhere.txt"
    outside.write_bytes(SEEDS[2].read_bytes())
    os.symlink(outside, src / "link.txt")
    os.symlink(src / "sub", src / "dirlink")
    (src / "archive.zip").write_bytes(make_zip({"d.txt": SEEDS[3].read_bytes(), "e.bin": b"1"}))
    code, output, out = normalize(tmp_path, str(src))
    assert code == errors.EXIT_REJECTS, output
    skipped = {
        Path(r["file"]).name: r["reason"]
        for r in rows(out / "rejects.jsonl")
        if r["code"] == "skipped"
    }
    assert set(skipped) == {
        "b.pages",
        ".hidden.txt",
        ".git",
        "link.txt",
        "dirlink",
        "archive.zip!e.bin",
    }
    assert "outside the input tree" in skipped["link.txt"]
    assert "'.pages'" in skipped["b.pages"]
    assert "文件 3" in output and "跳过 6" in output  # a.txt, sub/c.txt, archive.zip!d.txt
    assert "elsewhere.txt" not in {Path(s).name for s in sources(out)}


def seed_form_rows() -> list[list[str]]:
    """The first form of seed 004 (a tab-separated dump), row by row."""
    text = (GOLDEN / "inputs" / "004_5de54c583fead5ac.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    starts = [k for k, ln in enumerate(lines) if ln.strip() == "部门项目支出预算绩效目标申报表"]
    return rows_of_text("\n".join(lines[: starts[1]]))


@pytest.mark.parametrize("inside_zip", [False, True])
def test_ofd_file(tmp_path: Path, inside_zip: bool) -> None:
    data = to_ofd(seed_form_rows())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {"OFD.xml", "Doc_0/Document.xml", "Doc_0/Pages/Page_0/Content.xml"} <= set(
            z.namelist()
        )
        assert b"TextCode" in z.read("Doc_0/Pages/Page_0/Content.xml")
    path = tmp_path / "表.ofd"
    if inside_zip:
        path = tmp_path / "box.zip"
        path.write_bytes(make_zip({"表.ofd": data}))
    else:
        path.write_bytes(data)
    code, output, out = normalize(tmp_path, str(path))
    assert code == errors.EXIT_OK, output
    [form] = rows(out / "forms.jsonl")
    # read off the seed: 项目名称 疫情防控工作经费; 年度资金总额: 20; 其中:财政拨款 20; (2023年度)
    assert form["project_name"] == "疫情防控工作经费"
    assert form["department"] == "中卫市沙坡头区人民政府办公室"
    assert form["year"] == 2023 and form["budget_total"] == 20
    assert form["budget_breakdown"]["财政拨款"] == 20
    got = [
        (i["level2"], i["name"], i["operator"], i["value"], i["unit"]) for i in form["indicators"]
    ]
    assert got == [
        ("数量指标", "设立沙坡头区应对新冠肺炎疫情工作指挥部办公室", None, 1, "个"),
        ("质量指标", "根据国家政策完成疫情防控工作", None, 100, "%"),
        ("时效指标", "疫情防控及时性", None, 100, "%"),
        ("成本指标", "疫情防控工作总成本", "≤", 20, "万元"),
        ("社会效益指标", "保障人民群众生命安全", None, "明显", None),
        ("可持续影响指标", "卫生健康保障机制健全程度", None, "健全", None),
        ("服务对象满意度指标", "群众满意度", "≥", 95, "%"),
    ]
    assert form["source_file"] == (f"{path}!表.ofd" if inside_zip else str(path))


def test_time_and_memory_per_file_limits(tmp_path: Path) -> None:
    seed = SEEDS[2].read_text(encoding="utf-8")
    slow = tmp_path / "slow.txt"
    slow.write_text((seed + "\n\n") * 60, encoding="utf-8")  # many seconds of parsing
    code, output, out = normalize(tmp_path, str(slow), "--max-seconds", "1")
    assert code == errors.EXIT_REJECTS, output
    [reject] = rows(out / "rejects.jsonl")
    assert reject["file"] == str(slow) and reject["code"] == "limit_exceeded"
    assert "每个文件的处理时间（秒）" in reject["reason"] and "--max-seconds" in reject["reason"]
    code, output, out = normalize(tmp_path / "m", str(slow), "--max-memory-mb", "64")
    [reject] = rows(out / "rejects.jsonl")  # this test process holds more than 64 MB already
    assert "处理一个文件时进程的内存（MB）" in reject["reason"], output
    assert "--max-memory-mb" in reject["reason"]


def test_blank_and_tiny_image_frames_skip_ocr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    from jixiao.ingest.readers import ocr

    def no_ocr(*args: object, **kwargs: object) -> bool:
        raise AssertionError("a blank frame went to OCR")

    monkeypatch.setattr(ocr, "read_page", no_ocr)
    frames = [Image.new("L", (4, 4), color=k * 40) for k in range(5)]  # tiny
    frames += [Image.new("L", (400, 300), color=200) for _ in range(3)]  # one grey, no ink
    path = tmp_path / "frames.tif"
    frames[0].save(path, "TIFF", save_all=True, append_images=frames[1:])
    code, output, out = normalize(tmp_path, str(path))
    assert code == errors.EXIT_REJECTS, output
    [reject] = rows(out / "rejects.jsonl")
    assert reject["code"] == "no_text"
