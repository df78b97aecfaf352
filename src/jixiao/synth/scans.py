"""Synthetic scans with exact truth, one kind of paper defect each (``jixiao synth --scans``).

Clean forms come from the same seed pool as every synthetic set (no perturbation, so the truth
is the record itself); each is printed as a PDF (``render.to_pdf``), rasterised as a scanner
would, and damaged in one way a real archive is:

* ``plain``: the scanner's own damage (slight rotation, blur, noise, JPEG) and nothing else;
* ``upside_down`` / ``sideways``: the page fed turned by 180° / 90°;
* ``skew``: fed crooked, 3–5°;
* ``seal``: a red 公章 stamped over the value and unit columns (the text under it must be read);
* ``two_pages``: the table cut at a row rule and continued on a second page, heading not
  repeated (one form across two pages);
* ``perspective``: photographed with a phone: the sheet on a darker desk, its four corners
  pulled in unevenly (a four-corner perspective warp, the camera 10–20° off the normal),
  light falling off across the sheet;
* ``handwriting``: a reviewer's ballpoint marks: ticks in the margin and over cells, a ring
  around a value, digits scribbled in the margin and across a name cell (none of it is part
  of the form: the truth is the printed form).
* ``black_pen``: the same marks in black ink, which no colour tells apart from print: a mark
  over a cell may be read with it, so the cell's row must come back right or flagged.

Each case is one image file (JPEG, or a two-page TIFF) beside its truth, in the golden-set
layout, so ``jixiao eval`` and ``eval/bench_scans.py`` score it like any other set.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jixiao.synth import render
from jixiao.synth.builder import Builder
from jixiao.synth.layouts import cell_per_line
from jixiao.synth.pool import load_pool

SCAN_DEFECTS: tuple[str, ...] = (
    "plain",
    "upside_down",
    "sideways",
    "skew",
    "seal",
    "two_pages",
    "perspective",
    "handwriting",
    "black_pen",
)
DPI = 200


def parse_defects(spec: str) -> tuple[str, ...]:
    """``all`` or a comma list of ``SCAN_DEFECTS``; unknown names raise ``ValueError``."""
    if spec.strip() in ("", "all"):
        return SCAN_DEFECTS
    chosen = tuple(s.strip() for s in spec.split(",") if s.strip())
    unknown = [s for s in chosen if s not in SCAN_DEFECTS]
    if unknown:
        raise ValueError(f"unknown scan defect(s): {', '.join(unknown)}; known: "
                         f"{', '.join(SCAN_DEFECTS)}")  # fmt: skip
    return chosen


def clean_records(n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` clean synthetic forms (seed pool recombined, nothing perturbed): their truth."""
    pool = load_pool()
    builder = Builder(pool, random.Random(f"jixiao-scans:{seed}"), cell_per_line.LAYOUT, 0.0)
    return [builder.form().record() for _ in range(n)]


def _jpeg(image: Any, quality: int = 70) -> Any:
    from PIL import Image

    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return Image.open(buf).convert(image.mode)


def _stamp(page: Any, rng: random.Random) -> Any:
    """The page in colour with a red seal (ring, star, arc of text) over its right-hand columns."""
    from PIL import ImageDraw, ImageFont

    rgb = page.convert("RGB")
    w, h = rgb.size
    r = int(w * 0.09)
    rules = _rules(page.convert("L"))
    # Over the indicator rows' value and unit columns, where a stamp hurts most.
    lo, hi = (rules[len(rules) // 2], rules[-1]) if len(rules) >= 4 else (h // 4, h // 2)
    cx = int(w * rng.uniform(0.58, 0.72))
    cy = int(rng.uniform(lo, max(lo + 1, hi)))
    overlay = rgb.copy()
    draw = ImageDraw.Draw(overlay)
    red = (215, 30, 35)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(4, r // 14))
    star = [
        (
            cx + (r * 0.32 if k % 2 == 0 else r * 0.13) * math.cos(math.pi / 2 + k * math.pi / 5),
            cy - (r * 0.32 if k % 2 == 0 else r * 0.13) * math.sin(math.pi / 2 + k * math.pi / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=red)
    path, index = render.find_font()
    font = ImageFont.truetype(path, size=max(12, r // 4), index=index)
    text = "某某区财政局专用章"
    for k, ch in enumerate(text):
        a = math.radians(200 - k * (220 / (len(text) - 1)))
        x, y = cx + r * 0.72 * math.cos(a), cy - r * 0.72 * math.sin(a)
        draw.text((x, y), ch, fill=red, font=font, anchor="mm")
    # Stamp ink is translucent: the print under it shows through (multiply blend).
    from PIL import ImageChops

    return ImageChops.multiply(rgb, overlay)


def _photo(page: Any, rng: random.Random, seed: int) -> Any:
    """A phone photo of the sheet: on a desk, corners pulled in unevenly, light falling off."""
    import cv2
    import numpy as np
    from PIL import Image

    sheet = np.asarray(page.convert("L"), dtype=np.float32)
    h, w = sheet.shape
    # The camera leans towards one side: that side's edge comes out shorter.
    d = [rng.uniform(0.02, 0.05) for _ in range(8)]
    lean = rng.choice(("top", "bottom", "left", "right"))
    extra = rng.uniform(0.05, 0.09)
    tl = [d[0] * w, d[1] * h]
    tr = [w - d[2] * w, d[3] * h]
    br = [w - d[4] * w, h - d[5] * h]
    bl = [d[6] * w, h - d[7] * h]
    if lean == "top":
        tl[0] += extra * w
        tr[0] -= extra * w
    elif lean == "bottom":
        bl[0] += extra * w
        br[0] -= extra * w
    elif lean == "left":
        tl[1] += extra * h
        bl[1] -= extra * h
    else:
        tr[1] += extra * h
        br[1] -= extra * h
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = np.array([tl, tr, br, bl], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    # Light falls off from one corner: the sheet is 75–100 % as bright across.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gx, gy = rng.uniform(-1, 1), rng.uniform(-1, 1)
    shade = (xx / w - 0.5) * gx + (yy / h - 0.5) * gy
    lit = sheet * (0.88 + 0.12 * shade / max(abs(gx) / 2 + abs(gy) / 2, 1e-6))
    photo = cv2.warpPerspective(lit, matrix, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0)  # fmt: skip
    desk = rng.uniform(70, 120) + np.random.default_rng(seed).normal(0, 6, (h, w))
    photo = np.where(photo < 0, desk, photo)
    img = Image.fromarray(np.clip(photo, 0, 255).astype(np.uint8), mode="L")
    return render.degrade(img, seed, rotate=0.0, blur=0.8)


Ink = tuple[int, int, int]
#: A reviewer's ballpoint (blue-black, as most pens on archived forms).
PEN: Ink = (28, 52, 150)
#: A black pen or a gel pen: as dark and neutral as the print (``black_pen``).
BLACK_PEN: Ink = (30, 30, 34)


def _stroke(
    draw: Any, points: list[tuple[float, float]], rng: random.Random, width: int, ink: Ink = PEN
) -> None:
    """A pen stroke through ``points``, each point wobbled by a pixel or two."""
    wobbly = [(x + rng.uniform(-1.5, 1.5), y + rng.uniform(-1.5, 1.5)) for x, y in points]
    draw.line(wobbly, fill=ink, width=width, joint="curve")


def _ring(cx: float, cy: float, rx: float, ry: float, start: float = 0.0, turn: float = 1.08,
          n: int = 40) -> list[tuple[float, float]]:  # fmt: skip
    return [
        (cx + rx * math.cos(start + 2 * math.pi * turn * t / n),
         cy + ry * math.sin(start + 2 * math.pi * turn * t / n))
        for t in range(n + 1)
    ]  # fmt: skip


#: Handwritten digits as pen paths in a unit box (x right, y down), one list per stroke.
_DIGITS: dict[str, list[list[tuple[float, float]]]] = {
    "0": [_ring(0.5, 0.5, 0.4, 0.5, -math.pi / 2, 1.05)],
    "1": [[(0.3, 0.2), (0.55, 0.0), (0.55, 1.0)]],
    "2": [[(0.1, 0.25), (0.3, 0.02), (0.7, 0.02), (0.85, 0.3), (0.1, 1.0), (0.95, 0.98)]],
    "3": [[(0.1, 0.1), (0.5, 0.0), (0.85, 0.2), (0.45, 0.48), (0.9, 0.7), (0.5, 1.0), (0.1, 0.9)]],
    "5": [
        [(0.85, 0.0), (0.2, 0.0), (0.15, 0.45), (0.7, 0.42), (0.9, 0.72), (0.5, 1.0), (0.1, 0.9)]
    ],  # fmt: skip
    "7": [[(0.05, 0.02), (0.95, 0.0), (0.4, 1.0)]],
    "8": [_ring(0.5, 0.25, 0.3, 0.25), _ring(0.5, 0.74, 0.38, 0.26)],
    "9": [_ring(0.5, 0.28, 0.35, 0.28), [(0.85, 0.28), (0.8, 1.0)]],
}


def _write(
    draw: Any, text: str, x: float, y: float, size: float, rng: random.Random, ink: Ink = PEN
) -> None:
    """Digits written by hand from (x, y), ``size`` pixels tall, slanted a little."""
    slant = rng.uniform(0.1, 0.25)
    for ch in text:
        for path in _DIGITS[ch]:
            pts = [(x + (px * 0.6 + (1 - py) * slant) * size, y + py * size) for px, py in path]
            _stroke(draw, pts, rng, max(3, int(size / 12)), ink)
        x += size * rng.uniform(0.7, 0.85)


def _tick(draw: Any, x: float, y: float, size: float, rng: random.Random, ink: Ink = PEN) -> None:
    _stroke(draw, [(x, y + size * 0.55), (x + size * 0.35, y + size),
                   (x + size * rng.uniform(1.0, 1.3), y - size * 0.1)], rng,
            max(3, int(size / 10)), ink)  # fmt: skip


def handwrite(page: Any, rng: random.Random, clean: Any = None, ink: Ink | None = None) -> Any:
    """The page in colour with a reviewer's ballpoint marks over it (ink multiplied in, blue
    ``PEN`` unless ``ink`` is given); the rows and columns are found on ``clean`` (the page
    before the scanner's damage)."""
    ink = ink or PEN
    import numpy as np
    from PIL import ImageChops, ImageDraw

    rgb = page.convert("RGB")
    w, h = rgb.size
    arr = np.asarray((clean or page).convert("L"))
    rules = _rules((clean or page).convert("L"))
    cols = np.flatnonzero((arr < 110).sum(axis=0) > h * 0.15)
    left = int(cols.min()) if len(cols) else int(w * 0.07)
    right = int(cols.max()) if len(cols) else int(w * 0.93)
    overlay = rgb.copy()
    draw = ImageDraw.Draw(overlay)
    rows = list(zip(rules, rules[1:], strict=False))
    body = rows[len(rows) // 2 :] or rows
    size = (body[0][1] - body[0][0]) * 0.8 if body else 30
    # Ticks in the left margin beside some indicator rows, and one over a row's last cell.
    for top, bottom in rng.sample(body, min(3, len(body))):
        _tick(draw, max(left - size * 1.6, 4), top + (bottom - top) * 0.1, size * 0.8, rng, ink)
    top, bottom = rng.choice(body)
    _tick(draw, right - size * 1.6, top + (bottom - top) * 0.05, size * 0.8, rng, ink)
    # A ring around a value (the value column starts about 57 % across the table).
    top, bottom = rng.choice(body)
    vx = left + (right - left) * 0.585
    _stroke(draw, _ring(vx + size * 0.8, (top + bottom) / 2, size * 1.3, (bottom - top) * 0.42,
                        rng.uniform(0, math.pi), 1.1), rng, 3, ink)  # fmt: skip
    # Digits scribbled in the right margin, and across the middle of a name cell.
    top, bottom = rng.choice(body)
    _write(draw, rng.choice(("98", "5", "30")), min(right + size * 0.4, w - size * 2),
           top, size * 0.9, rng, ink)  # fmt: skip
    top, bottom = rng.choice(body)
    _write(draw, rng.choice(("7", "20", "85")), left + (right - left) * 0.22, top + 2,
           (bottom - top) * 0.85, rng, ink)  # fmt: skip
    return ImageChops.multiply(rgb, overlay)


def _rules(gray: Any) -> list[int]:
    """The y of each table row rule (a dark line across more than half the page), top down."""
    import numpy as np

    arr = np.asarray(gray, dtype=np.uint8)
    w = arr.shape[1]
    dark = (arr < 110).sum(axis=1)
    rules: list[int] = []
    for y in np.flatnonzero(dark > w * 0.5):
        if not rules or int(y) - rules[-1] > 3:
            rules.append(int(y))
    return rules


def _row_cut(gray: Any) -> int:
    """A y on a table row rule inside the indicator block (about two thirds down the table)."""
    rules = _rules(gray)
    if len(rules) < 4:
        return int(gray.size[1]) // 2
    return rules[(len(rules) * 2) // 3]


def _split(page: Any) -> list[Any]:
    """One page → two: the top up to a row rule, and the rest on a page of its own."""
    from PIL import Image

    gray = page.convert("L")
    y = _row_cut(gray)
    w, h = gray.size
    top = Image.new("L", (w, h), 255)
    top.paste(gray.crop((0, 0, w, y + 2)), (0, 0))
    bottom = Image.new("L", (w, h), 255)
    margin = int(h * 0.07)
    bottom.paste(gray.crop((0, y - 1, w, h)), (0, margin))
    return [top, bottom]


def scan_pages(record: dict[str, Any], defect: str, seed: int) -> list[Any]:
    """The page images of one form as scanned with ``defect`` (Pillow images)."""
    rng = random.Random(f"jixiao-scan:{defect}:{seed}")
    pages = render.rasterise(render.to_pdf([record]), DPI)
    if defect == "two_pages":
        pages = _split(pages[0]) + pages[1:]
    out = []
    for k, page in enumerate(pages):
        angle = rng.uniform(3.0, 5.0) * rng.choice((-1, 1)) if defect == "skew" else 0.0
        img = render.degrade(page, seed * 7 + k, rotate=0.5) if not angle else page
        if angle:
            from PIL import Image

            img = img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
            img = render.degrade(img, seed * 7 + k, rotate=0.0)
        if defect == "seal" and k == 0:
            img = _jpeg(_stamp(img, rng))
        elif defect == "perspective":
            img = _photo(page, rng, seed * 7 + k)
        elif defect == "handwriting" and k == 0:
            img = _jpeg(handwrite(img, rng, page))
        elif defect == "black_pen" and k == 0:
            img = _jpeg(handwrite(img, rng, page, BLACK_PEN))
        elif defect == "upside_down":
            img = img.rotate(180)
        elif defect == "sideways":
            img = img.rotate(rng.choice((90, 270)), expand=True)
        out.append(img)
    return out


def _save(images: Sequence[Any]) -> tuple[bytes, str]:
    buf = io.BytesIO()
    if len(images) == 1:
        images[0].convert("RGB").save(buf, format="JPEG", quality=80)
        return buf.getvalue(), "jpg"
    images[0].save(buf, format="TIFF", save_all=True, append_images=list(images[1:]),
                   compression="tiff_lzw")  # fmt: skip
    return buf.getvalue(), "tif"


def write_scan_set(out: Path, forms: int, seed: int, defects: Sequence[str]) -> int:
    """Write ``forms`` forms per defect as images with their truth; the number of cases."""
    (out / "inputs").mkdir(parents=True, exist_ok=True)
    (out / "expected").mkdir(parents=True, exist_ok=True)
    records = clean_records(forms, seed)
    meta: dict[str, Any] = {}
    for defect in defects:
        for k, rec in enumerate(records):
            name = f"scan_{defect}_{k:04d}"
            data, ext = _save(scan_pages(rec, defect, seed + k))
            (out / "inputs" / f"{name}.{ext}").write_bytes(data)
            (out / "expected" / f"{name}.jsonl").write_text(
                json.dumps(rec, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            meta[name] = {"layout": defect, "source": "synth-scan", "seed": seed, "forms": 1}
    (out / "cases.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return len(meta)
