"""Synthetic scans with exact truth, one kind of paper defect each (``jixiao synth --scans``).

Clean forms come from the same seed pool as every synthetic set (no perturbation, so the truth
is the record itself); each is printed as a PDF (``render.to_pdf``), rasterised as a scanner
would, and damaged in one way a real archive is:

* ``plain``: the scanner's own damage (slight rotation, blur, noise, JPEG) and nothing else;
* ``upside_down`` / ``sideways``: the page fed turned by 180° / 90°;
* ``skew``: fed crooked, 3–5°;
* ``seal``: a red 公章 stamped over the value and unit columns (the text under it must be read);
* ``two_pages``: the table cut at a row rule and continued on a second page, heading not
  repeated (one form across two pages).

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

SCAN_DEFECTS: tuple[str, ...] = ("plain", "upside_down", "sideways", "skew", "seal", "two_pages")
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
    from jixiao.synth import _Builder, load_pool

    pool = load_pool()
    builder = _Builder(pool, random.Random(f"jixiao-scans:{seed}"), "cell_per_line", 0.0)
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
