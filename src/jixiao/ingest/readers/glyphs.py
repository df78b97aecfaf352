"""Symbols OCR drops (``≥ ≤ = < > ±`` and ``%``), told apart by template matching.

PP-OCR's detector often finds no text box around a lone ``≥`` in its own cell, or reads the
digits after it and leaves the symbol out. The ink is still on the page, so it is classified
here: the ink's bounding box is cut out, normalised to a small square (aspect ratio kept)
and compared, by normalised correlation, with the same symbols rendered from the Debian CJK
fonts installed (WenQuanYi, Noto CJK: the 宋体/黑体 equivalents forms are printed in) at a few
sizes and blurs. The best symbol counts only when its score is high and clearly ahead of
every other symbol's; otherwise nothing is returned and the caller leaves the operator null
and flags the cell. Never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jixiao.schema import GLYPH_SYMBOLS

#: The symbols classified (operators and the percent sign).
SYMBOLS: tuple[str, ...] = GLYPH_SYMBOLS
#: Marks that are none of them but could be taken for one (digits, letters OCR gives for ``≥``,
#: strokes of common characters): when one of these matches best, nothing is read.
DISTRACTORS: tuple[str, ...] = (
    *"0123456789",
    "V",
    "v",
    "Z",
    "-",
    "一",
    "二",
    "个",
    "人",
    "次",
    "元",
)
#: Fonts the templates are rendered from, when installed (path, face index).
FONTS: tuple[tuple[str, int], ...] = (
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
)
#: Template sizes (pixels per em) and blurs (Gaussian radius) rendered per font.
SIZES: tuple[int, ...] = (14, 18, 24, 32, 40)
BLURS: tuple[float, ...] = (0.0, 0.8, 1.4)
#: Ink cuts a blurred template is thresholded at: print's (128), and a lighter one (170) for
#: small blurred glyphs, whose strokes come out bold: a faint ``≥`` on a photo, cut halfway
#: between its paper and its darkest ink (``ink_mask``), is a 14-pixel blob with thick strokes.
CUTS: tuple[int, ...] = (128, 170)
#: Largest size (pixels per em) the lighter cut is rendered at.
BOLD_UP_TO = 24
#: Side of the normalised square every glyph is compared at.
SIDE = 24
#: A match counts when its correlation reaches this and leads the runner-up symbol by MARGIN.
MIN_SCORE = 0.60
MARGIN = 0.15
#: A piece of ink under this share of the glyph's largest piece is a speck (scan noise, a
#: seal's JPEG fringe) and left out before the glyph is boxed: one 4-pixel speck under a
#: ``%`` stretched its box by half and it matched ``1`` best.
SPECK_SHARE = 0.10
#: Provenance id of this classifier (``Repair.by``).
CLASSIFIER = "ocr:glyph_template@1"


@dataclass(frozen=True)
class Glyph:
    """A classified symbol: what it is, how well it matched, and the runner-up's score."""

    symbol: str
    score: float
    runner_up: float

    @property
    def sure(self) -> bool:
        """High enough and clearly ahead of every other symbol."""
        return (
            self.symbol in SYMBOLS
            and self.score >= MIN_SCORE
            and self.score - self.runner_up >= MARGIN
        )


def normalise(ink: Any) -> Any | None:
    """A boolean ink mask → float32 SIDE×SIDE square, the ink's box centred, aspect kept."""
    import cv2
    import numpy as np

    ys, xs = np.nonzero(ink)
    if len(xs) < 4:
        return None
    crop = ink[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float32)
    h, w = crop.shape
    side = max(h, w)
    square = np.zeros((side, side), np.float32)
    y0, x0 = (side - h) // 2, (side - w) // 2
    square[y0 : y0 + h, x0 : x0 + w] = crop
    out = cv2.resize(square, (SIDE, SIDE), interpolation=cv2.INTER_AREA)
    out -= out.mean()
    norm = float(np.linalg.norm(out))
    return out / norm if norm > 0 else None


def installed_fonts() -> list[tuple[str, int]]:
    """The template fonts present on this machine."""
    return [(p, i) for p, i in FONTS if Path(p).exists()]


@lru_cache(maxsize=1)
def templates() -> tuple[tuple[str, ...], Any]:
    """The symbol of every template and the templates stacked (one normalised, flattened
    template a row), for every installed font, size, blur and cut; built once per process."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    names: list[str] = []
    rows: list[Any] = []
    for path, index in installed_fonts():
        for size in SIZES:
            font = ImageFont.truetype(path, size, index=index)
            for symbol in (*SYMBOLS, *DISTRACTORS):
                base = Image.new("L", (size * 3, size * 3), 255)
                ImageDraw.Draw(base).text((size, size // 2), symbol, font=font, fill=0)
                for blur in BLURS:
                    img = base.filter(ImageFilter.GaussianBlur(blur)) if blur else base
                    for cut in CUTS:
                        if cut != CUTS[0] and (not blur or size > BOLD_UP_TO):
                            continue
                        t = normalise(np.asarray(img) < cut)
                        if t is not None:
                            names.append(symbol)
                            rows.append(t.ravel())
    matrix = np.stack(rows) if rows else np.zeros((0, SIDE * SIDE), np.float32)
    return tuple(names), matrix


def classify(ink: Any) -> Glyph | None:
    """The symbol a boolean ink mask shows, with its score; None when no template font exists.

    The caller decides with ``Glyph.sure``: a low score or a close runner-up is not a reading.
    """

    probe = normalise(without_specks(ink))
    names, matrix = templates()
    if probe is None or not names:
        return None
    scores = matrix @ probe.ravel()  # correlation with every template at once
    best: dict[str, float] = {}
    for symbol, score in zip(names, scores.tolist(), strict=True):
        if score > best.get(symbol, -1.0):
            best[symbol] = score
    ranked = sorted(best.items(), key=lambda kv: -kv[1])
    runner = ranked[1][1] if len(ranked) > 1 else -1.0
    return Glyph(ranked[0][0], ranked[0][1], runner)


def without_specks(ink: Any) -> Any:
    """A boolean ink mask without the pieces much smaller than its largest (``SPECK_SHARE``):
    every part of a symbol (the bar of ``≥``, the rings of ``%``) is a fair share of it."""
    import cv2
    import numpy as np

    if ink.size == 0:
        return ink
    n, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if n <= 2:
        return ink
    area = stats[:, cv2.CC_STAT_AREA]
    keep = area >= SPECK_SHARE * area[1:].max()
    keep[0] = False
    return keep[labels]


def ink_mask(gray: Any, x0: int, y0: int, x1: int, y1: int, dark: int | None = None) -> Any:
    """Dark pixels of a page region as a boolean mask, lone specks (noise) removed.

    The cut between ink and paper is halfway between the region's paper (its median) and its
    darkest ink, no darker than 128: on a photo's shaded paper a small symbol's strokes are
    grey, and a fixed cut keeps only their cores (a ``≥`` then matches nothing well)."""
    import cv2
    import numpy as np

    region = gray[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)]
    if region.size == 0:
        return np.zeros((0, 0), bool)
    if dark is None:
        paper = float(np.median(region))
        darkest = float(cv2.GaussianBlur(region, (3, 3), 0).min())
        dark = max(128, int((paper + darkest) / 2)) if paper - darkest >= 60 else 128
    mask = (region < dark).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    keep = np.zeros(n, bool)
    for i in range(1, n):
        if stats[i, cv2.CC_STAT_AREA] >= 4:
            keep[i] = True
    return keep[labels]
