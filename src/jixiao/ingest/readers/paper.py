"""Paper as it is scanned: red seals and blue pen taken out by colour, pages turned upright.

* **Seals**: a 公章 is printed in red over the text. Red ink (red well above green and blue)
  becomes paper; black print under the seal is dark in every channel, so it is not red and
  is kept. (Taking the red channel's value instead leaves the seal as light grey text that
  OCR still reads: 财政局 rows under the table.)
* **Handwriting**: a reviewer's ticks, rings and scribbled figures are in ballpoint, blue
  (blue well above red and green); they become paper the same way, so they are never read
  as values. Marks in black ink are not told apart from print here: OCR reads them, with a
  low score where they cross print (then the row is flagged).
* **Orientation**: a page fed sideways or upside down is found from the text lines of the
  page's one detection pass (``ocr.page_boxes`` detects, decides, then recognises): lines
  taller than wide mean the page lies on its side; PP-OCR's own 0°/180° line classifier,
  asked about the longest lines, says whether it is upside down. Only a page on its side
  is detected again, turned (detection reads horizontal lines).
* **Geometry**: each step that moves the page (``turn``, ``level``) returns the 3×3 matrix
  it applied, so text boxes found before it are carried to the page after it.
"""

from __future__ import annotations

from typing import Any

#: Seal ink: red above green and blue by this much (and red over 120).
SEAL_RED = 50
#: Blue ink (a ballpoint's, handwritten marks): blue above red and green by this much.
PEN_BLUE = 40
#: Lines the 0°/180° classifier is asked about (the longest ones: most text, least noise).
PROBE_LINES = 12


def gray_without_seals(image: Any) -> Any:
    """A Pillow page → greyscale numpy array (uint8), red stamp ink and blue pen turned to
    paper.

    Every mask is made with saturating uint8 differences (``cv2.subtract``: a negative
    difference is 0, below every threshold here), so no int16 copy of the page is made;
    the colour planes are let go as soon as the masks are made.
    """
    import cv2
    import numpy as np

    if image.mode in ("L", "1", "I;16", "I"):
        return np.ascontiguousarray(np.asarray(image.convert("L")))
    r, g, b = cv2.split(np.asarray(image.convert("RGB")))
    gray = np.array(image.convert("L"))  # Pillow's weights: the grey every reader uses
    red = cv2.subtract(r, cv2.max(g, b))
    seal = (red > SEAL_RED) & (r > 120)
    del red
    blue = cv2.subtract(b, cv2.max(r, g))
    if not (seal.any() or (blue > PEN_BLUE).any()):
        # Nothing red or blue enough to be a seal or a pen seed: the page is its plain grey.
        return gray
    if seal.any():
        # Fringes of the stamp's strokes (anti-aliased, JPEG-smeared) are pinkish, not red:
        # grow the mask by a pixel, but only over pixels lighter than black print.
        grown = cv2.dilate(seal.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        seal |= grown & (gray > 120) & (cv2.subtract(r, g) > 15)
        del grown
    del r, g, b
    pen = _pen(blue, gray)
    # Stamp and pen ink become paper; black print under them is neither red nor blue
    # (multiplied ink stays dark in every channel).
    gray[seal | pen] = 255
    return gray


def _pen(excess: Any, gray: Any) -> Any:
    """Pixels of blue ballpoint strokes (a boolean mask), from how much bluer than red and
    green each pixel is (``excess``, uint8, saturated at 0).

    A stroke is two to four pixels wide and JPEG keeps colour at half resolution, so only a
    stroke's core is clearly blue; its edges are faintly blue or grey. The mask is grown from
    the clearly blue pixels (blue above red and green by ``PEN_BLUE``) through the faintly
    blue ones connected to them, then by a pixel for the grey edge, never over pixels as dark
    and neutral as black print (the print a stroke crosses or touches stays).
    """
    import numpy as np

    seeds = excess > PEN_BLUE
    if not bool(seeds.any()):
        return seeds
    import cv2

    bluish = ((excess > 8) & (gray < 215)).view(np.uint8)
    n, labels = cv2.connectedComponents(bluish, connectivity=8)
    del bluish
    keep = np.zeros(n, bool)
    keep[np.unique(labels[seeds])] = True
    keep[0] = False
    del seeds
    pen = cv2.dilate(keep[labels].view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    del labels
    pen &= ~(((gray < 120) & (excess < 35)) | (gray < 45))
    # Specks of a stroke's core that JPEG left neutral: small dark pieces the stroke surrounds.
    left = ((gray < 170) & ~pen).view(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(left, connectivity=8)
    near = cv2.dilate(pen.view(np.uint8), np.ones((5, 5), np.uint8)).view(bool)
    touching = np.zeros(n, bool)
    touching[np.unique(labels[near & (left > 0)])] = True
    del near, left
    speck = touching & (stats[:, cv2.CC_STAT_AREA] < 40)
    speck[0] = False
    pen |= speck[labels]
    return pen


def _extent(quad: Any) -> tuple[float, float]:
    xs = [float(p[0]) for p in quad]
    ys = [float(p[1]) for p in quad]
    return max(xs) - min(xs), max(ys) - min(ys)


def quarter_turns(engine: Any, gray: Any, quads: list[Any]) -> int:
    """Counter-clockwise quarter turns (0–3) that make the page upright, judged from the
    text-line quads of the page's own detection (the one the page is read with).

    Lines taller than wide mean the page lies on its side. The longest lines are cropped as
    RapidOCR crops them (a tall crop is turned a quarter counter-clockwise, which makes a
    page lying on its side read left to right or upside down) and PP-OCR's 0°/180° line
    classifier says which: upside down adds a half turn.
    """
    import numpy as np

    if len(quads) < 3:
        return 0
    sizes = [_extent(q) for q in quads]
    tall = sum(h * h for w, h in sizes if h > 1.5 * w)
    wide = sum(w * h for w, h in sizes if w > 1.5 * h)
    side = tall > wide
    lines = [q for q, (w, h) in zip(quads, sizes, strict=True) if (h > 1.5 * w) == side]
    longest = sorted(lines, key=lambda q: -max(_extent(q)))[:PROBE_LINES]
    if not longest:
        return 0
    rgb = np.ascontiguousarray(np.stack([gray] * 3, axis=-1))
    crops = engine.get_crop_img_list(rgb, [np.asarray(q, np.float32) for q in longest])
    _imgs, labels, _elapsed = engine.text_cls(crops)
    flipped = sum(score for label, score in labels if "180" in str(label))
    upright = sum(score for label, score in labels if "180" not in str(label))
    return ((1 if side else 0) + (2 if flipped > upright else 0)) % 4


def skew(quads: list[Any]) -> float:
    """Median slope of the widest text lines' top edges (quads clockwise from top-left), in
    degrees, counter-clockwise positive (Pillow's sign)."""
    import math

    widest = sorted(quads, key=lambda q: -_extent(q)[0])[:PROBE_LINES]
    slopes = []
    for q in widest:
        (x0, y0), (x1, y1) = (float(q[0][0]), float(q[0][1])), (float(q[1][0]), float(q[1][1]))
        if x1 - x0 > 20:
            slopes.append(-math.degrees(math.atan2(y1 - y0, x1 - x0)))
    slopes.sort()
    return slopes[len(slopes) // 2] if slopes else 0.0


def turn(gray: Any, turns: int) -> tuple[Any, Any]:
    """The page turned ``turns`` quarter turns counter-clockwise, and the 3×3 matrix that
    takes a point of the page before to the page after."""
    import numpy as np

    h, w = gray.shape
    k = turns % 4
    matrix = {
        0: [[1, 0, 0], [0, 1, 0]],
        1: [[0, 1, 0], [-1, 0, w - 1]],
        2: [[-1, 0, w - 1], [0, -1, h - 1]],
        3: [[0, -1, h - 1], [1, 0, 0]],
    }[k]
    out = np.ascontiguousarray(np.rot90(gray, k)) if k else gray
    return out, np.array([*matrix, [0, 0, 1]], np.float64)


def level(gray: Any, angle: float) -> tuple[Any, Any]:
    """The page rotated by ``angle`` degrees (counter-clockwise, about its centre, same size,
    paper around), and the 3×3 matrix of that rotation."""
    import cv2
    import numpy as np

    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(
        gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )  # fmt: skip
    return out, np.vstack([matrix, [0.0, 0.0, 1.0]])
