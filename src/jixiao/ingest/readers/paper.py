"""Paper as it is scanned: red seals and blue pen taken out by colour, pages turned upright.

* **Seals**: a 公章 is printed in red over the text. Red ink (red well above green and blue)
  becomes paper; black print under the seal is dark in every channel, so it is not red and
  is kept. (Taking the red channel's value instead leaves the seal as light grey text that
  OCR still reads: 财政局 rows under the table.)
* **Handwriting**: a reviewer's ticks, rings and scribbled figures are in ballpoint, blue
  (blue well above red and green); they become paper the same way, so they are never read
  as values. Marks in black ink are not told apart from print here: OCR reads them, with a
  low score where they cross print (then the row is flagged).
* **Orientation**: a page fed sideways or upside down is found from its text lines on a
  small copy of the page (PP-OCR detection, about a tenth of a full pass): lines taller than
  wide mean the page lies on its side (turned a quarter); PP-OCR's own 0°/180° line
  classifier, asked about the widest lines, says whether it is upside down. No recognition
  is run here, so the page still costs one recognition pass.
"""

from __future__ import annotations

from typing import Any

#: Blue ink (a ballpoint's, handwritten marks): blue above red and green by this much.
PEN_BLUE = 40
#: Longest side of the small copy orientation is judged on.
PROBE_SIDE = 960
#: Lines the 0°/180° classifier is asked about (the widest ones: most text, least noise).
PROBE_LINES = 12


def gray_without_seals(image: Any) -> Any:
    """A Pillow page → greyscale numpy array, red stamp ink turned to paper."""
    import numpy as np

    if image.mode in ("L", "1", "I;16", "I"):
        return np.ascontiguousarray(np.asarray(image.convert("L")))
    rgb = np.asarray(image.convert("RGB")).astype(np.int16)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    gray = np.asarray(image.convert("L")).astype(np.int16)
    red = (r - np.maximum(g, b) > 50) & (r > 120)
    if red.any():
        import cv2

        # Fringes of the stamp's strokes (anti-aliased, JPEG-smeared) are pinkish, not red:
        # grow the mask by a pixel, but only over pixels lighter than black print.
        grown = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        red = red | (grown & (gray > 120) & (r > g + 15))
    pen = _pen(r, g, b, gray)
    # Stamp and pen ink become paper; black print under them is neither red nor blue
    # (multiplied ink stays dark in every channel).
    out = np.where(red | pen, 255, gray)
    return np.ascontiguousarray(out.astype(np.uint8))


def _pen(r: Any, g: Any, b: Any, gray: Any) -> Any:
    """Pixels of blue ballpoint strokes (a boolean mask).

    A stroke is two to four pixels wide and JPEG keeps colour at half resolution, so only a
    stroke's core is clearly blue; its edges are faintly blue or grey. The mask is grown from
    the clearly blue pixels (blue above red and green by ``PEN_BLUE``) through the faintly
    blue ones connected to them, then by a pixel for the grey edge, never over pixels as dark
    and neutral as black print (the print a stroke crosses or touches stays).
    """
    import numpy as np

    excess = b - np.maximum(r, g)
    seeds = excess > PEN_BLUE
    if not bool(seeds.any()):
        return seeds
    import cv2

    bluish = ((excess > 8) & (gray < 215)).astype(np.uint8)
    n, labels = cv2.connectedComponents(bluish, connectivity=8)
    keep = np.zeros(n, bool)
    keep[np.unique(labels[seeds])] = True
    keep[0] = False
    pen = keep[labels].astype(np.uint8)
    pen = cv2.dilate(pen, np.ones((3, 3), np.uint8)).astype(bool)
    pen &= ~(((gray < 120) & (excess < 35)) | (gray < 45))
    # Specks of a stroke's core that JPEG left neutral: small dark pieces the stroke surrounds.
    left = ((gray < 170) & ~pen).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(left, connectivity=8)
    near = cv2.dilate(pen.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[near & (left > 0)])] = True
    speck = touching & (stats[:, cv2.CC_STAT_AREA] < 40)
    speck[0] = False
    return pen | speck[labels]


def _probe(engine: Any, gray: Any) -> tuple[list[Any], Any]:
    """Text-line quads on a small copy of ``gray`` and that copy (RGB)."""
    import cv2
    import numpy as np

    h, w = gray.shape
    scale = min(1.0, PROBE_SIDE / max(h, w))
    small = cv2.resize(gray, (max(int(w * scale), 32), max(int(h * scale), 32)))
    rgb = np.ascontiguousarray(np.stack([small] * 3, axis=-1))
    boxes, _elapsed = engine.text_det(rgb)
    return ([] if boxes is None else list(boxes)), rgb


def _extent(quad: Any) -> tuple[float, float]:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return max(xs) - min(xs), max(ys) - min(ys)


def quarter_turns(engine: Any, gray: Any) -> tuple[int, float]:
    """Counter-clockwise quarter turns (0–3) that make the page upright, and the skew left
    after them (degrees, the median slope of the wide text lines; Pillow's sign)."""
    import numpy as np

    quads, rgb = _probe(engine, gray)
    if len(quads) < 3:
        return 0, 0.0
    sizes = [_extent(q) for q in quads]
    tall = sum(h * h for w, h in sizes if h > 1.5 * w)
    wide = sum(w * h for w, h in sizes if w > 1.5 * h)
    turns = 0
    if tall > wide:
        turns = 1  # lying on its side: a quarter turn, then upright or upside down
        quads, rgb = _probe(engine, np.ascontiguousarray(np.rot90(gray, 1)))
        if len(quads) < 3:
            return turns, 0.0
    widest = sorted(quads, key=lambda q: -_extent(q)[0])[:PROBE_LINES]
    crops = engine.get_crop_img_list(rgb, np.array(widest))
    _imgs, labels, _elapsed = engine.text_cls(crops)
    flipped = sum(score for label, score in labels if "180" in str(label))
    upright = sum(score for label, score in labels if "180" not in str(label))
    if flipped > upright:
        turns += 2
    return turns % 4, _skew(widest)


def _skew(quads: list[Any]) -> float:
    """Median slope of text-line quads (top edge), in degrees; counter-clockwise positive."""
    import math

    slopes = []
    for q in quads:
        (x0, y0), (x1, y1) = (float(q[0][0]), float(q[0][1])), (float(q[1][0]), float(q[1][1]))
        if x1 - x0 > 20:
            slopes.append(-math.degrees(math.atan2(y1 - y0, x1 - x0)))
    slopes.sort()
    return slopes[len(slopes) // 2] if slopes else 0.0


def upright(engine: Any, gray: Any) -> tuple[Any, int]:
    """The page turned upright (quarter turns, then any skew over 1°), and the turns applied.

    Small skews are left to ``ocr.deskew``, which measures them more finely on the rules.
    """
    import cv2
    import numpy as np

    turns, skew = quarter_turns(engine, gray)
    if turns:
        gray = np.ascontiguousarray(np.rot90(gray, turns))
    if abs(skew) > 1.0:
        h, w = gray.shape
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
        gray = cv2.warpAffine(
            gray,
            matrix,
            (w, h),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=255,
        )
    return gray, turns
