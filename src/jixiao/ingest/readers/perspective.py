"""Phone photos straightened from the table's outer border (a four-corner perspective warp).

A photographed sheet is a plane seen at an angle: the table's ruled outer border, a rectangle
on paper, comes out as a general quadrilateral. Its four corners fix the homography that
makes it a rectangle again, and the same homography straightens the whole sheet (title and
编制单位 lines above the table included), since they lie on the same plane.

* **The border**: the page's ink (adaptive threshold, as the ruling finder uses) is traced
  into contours; the table is the largest outer contour with many holes (its cells). The
  sheet's own edge on a darker desk is also an outer contour, but a ring with one hole, and
  text blocks have no large holes, so neither is taken for the table.
* **Corners**: the contour's convex hull simplified to four points (or, failing that, its
  extreme points along the two diagonals).
* **Only when needed**: a border whose corners are all right angles and whose opposite sides
  are equal is a flat scan, perhaps rotated; it is left to ``ocr.deskew``, which measures
  rotation more finely. A border off by more than ``MAX_SQUARE_OFF`` is warped.
* **The desk**: what lies outside the sheet after the warp (a darker, even region) becomes
  paper, so its edge is not taken for a ruling line.
"""

from __future__ import annotations

import math
from typing import Any

#: Largest deviation (degrees) of a corner from 90°, and of opposite sides' directions from
#: parallel, that still counts as a flat (scanned) page.
MAX_SQUARE_OFF = 0.8
#: Holes (cells) an outer contour needs to be taken for a ruled table.
MIN_CELLS = 4


def table_quad(gray: Any) -> Any | None:
    """The four corners (tl, tr, br, bl; float32 4×2) of the page's largest ruled table."""
    import cv2
    import numpy as np

    h, w = gray.shape
    ink = cv2.adaptiveThreshold(
        255 - gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY, 15, -10
    )
    ink = cv2.dilate(ink, np.ones((3, 3), np.uint8))
    contours, hierarchy = cv2.findContours(ink, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return None
    tree = hierarchy[0]
    best, best_area = None, 0.05 * w * h
    min_hole = max(200.0, 1e-4 * w * h)
    for i, contour in enumerate(contours):
        if tree[i][3] != -1:
            continue  # a hole, not an outer contour
        area = cv2.contourArea(contour)
        if area <= best_area:
            continue
        holes, child = 0, tree[i][2]
        while child != -1:
            if cv2.contourArea(contours[child]) >= min_hole:
                holes += 1
            child = tree[child][0]
        if holes >= MIN_CELLS:
            best, best_area = contour, area
    if best is None:
        return None
    hull = cv2.convexHull(best)
    approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    pts = (approx if len(approx) == 4 else hull).reshape(-1, 2).astype(np.float32)
    s, d = pts.sum(axis=1), pts[:, 0] - pts[:, 1]
    return np.array(
        [pts[s.argmin()], pts[d.argmax()], pts[s.argmax()], pts[d.argmin()]], np.float32
    )


def off_square(quad: Any) -> float:
    """How far ``quad`` is from a rectangle: the largest corner angle off 90° and the largest
    angle between opposite sides, in degrees."""

    def direction(a: Any, b: Any) -> float:
        return math.degrees(math.atan2(float(b[1] - a[1]), float(b[0] - a[0])))

    tl, tr, br, bl = quad
    top, bottom = direction(tl, tr), direction(bl, br)
    left, right = direction(tl, bl), direction(tr, br)
    corners = [left - top, right - top, left - bottom, right - bottom]
    off = [abs(abs(c) % 180 - 90) for c in corners]
    off += [abs(top - bottom), abs(left - right)]
    return max(off)


def straighten(gray: Any) -> tuple[Any, Any | None]:
    """The page with its table's border made a rectangle, and the warp applied (a 3×3
    homography from the page before to the page after), or None when it was flat."""
    import cv2
    import numpy as np

    quad = table_quad(gray)
    if quad is None or off_square(quad) <= MAX_SQUARE_OFF:
        return gray, None
    tl, tr, br, bl = quad
    width = max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl)))
    height = max(float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr)))
    x0, y0 = float(min(tl[0], bl[0])), float(min(tl[1], tr[1]))
    target = np.array(
        [[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(quad, target)
    h, w = gray.shape
    margin = int(0.05 * max(h, w))
    size = (max(w, int(x0 + width) + margin), max(h, int(y0 + height) + margin))
    flat = cv2.warpPerspective(
        gray, matrix, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )  # fmt: skip
    centre = (int(x0 + width / 2), int(y0 + height / 2))
    return _desk_to_paper(flat, centre), matrix


def _desk_to_paper(gray: Any, inside: tuple[int, int]) -> Any:
    """Everything outside the sheet holding ``inside`` (a point on it) turned to paper."""
    import cv2
    import numpy as np

    h, w = gray.shape
    small = cv2.resize(gray, (max(w // 4, 8), max(h // 4, 8)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _t, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    _n, labels = cv2.connectedComponents(bright, connectivity=4)
    sx, sy = min(inside[0] // 4, small.shape[1] - 1), min(inside[1] // 4, small.shape[0] - 1)
    label = int(labels[sy, sx])
    if label == 0:
        return gray
    sheet = (labels == label).astype(np.uint8) * 255
    contours, _ = cv2.findContours(sheet, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(sheet)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    filled = cv2.erode(filled, np.ones((3, 3), np.uint8))  # the sheet's shaded edge, too
    mask = cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST) > 0
    return np.ascontiguousarray(np.where(mask, gray, 255).astype(np.uint8))
