"""A weak OCR score looked at again: is the reading doubtful, or only the score?

RapidOCR's score for a text box is the mean, over the characters it emits, of the top
character's probability. For a lone short string that mean is one or two numbers, and the
runner-up is often a character that means the same thing: a lone ``0`` scores 0.75 with
``o``/``O`` taking most of the rest, ``%`` shares its mass with the full-width ``％``. Such a
cell is not doubtful, yet a flat threshold flags it.

So a short box that scored below the threshold is recognised once more on its own crop, and
at each character the probability of every character *equivalent in this cell* is summed:
NFKC equivalents (``％``/``%``, ``５``/``5``) always, and in a numeric text the letters that
are drawn as a zero (``o O 〇``). Spaces are left out (the cell's text is stripped anyway).
A lone ``0`` is one class with the round marks
(``.``/``。``/``°``): the recogniser, shown one round glyph, hesitates between them, and in a
numeric cell every one of them means a zero. The box's score becomes that equivalence-class score when the crop decodes to the same
text; when it reads something else the original score stands. A misread, a smudge or a
scribble keeps real competitors (``I``/``1``, ``A``/``Λ``) and stays low.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

#: Boxes this short (characters, blanks excluded) are re-checked; longer ones are left alone.
MAX_CHARS = 3
_NUMERIC = re.compile(r"^[0-9０-９.．%％]+$")
#: Letters drawn as a zero: in a numeric text they are one with ``0``.
_ZERO_LIKE = frozenset("oO〇")
#: Round marks PP-OCR's recogniser hesitates between when shown a lone ``0`` (measured: a clean
#: printed lone ``0`` gets ``.``/``。`` as often as ``0``): in a cell that is only that mark, each
#: of them means the mark is a zero, none is another number.
_ROUND_MARKS = frozenset("0oO〇○.。°·")


def _key(ch: str, numeric: bool, lone_zero: bool = False) -> str:
    k = unicodedata.normalize("NFKC", ch)
    if lone_zero and k in _ROUND_MARKS:
        return "0"
    return "0" if numeric and k in _ZERO_LIKE else k


@lru_cache(maxsize=4)
def _keys(chars: tuple[str, ...], numeric: bool, lone_zero: bool) -> tuple[list[str], Any]:
    """Each character's equivalence key, and the keys as integer ids (for a mask per class)."""
    import numpy as np

    keys = [_key(c, numeric, lone_zero) for c in chars]
    index: dict[str, int] = {}
    return keys, np.array([index.setdefault(k, len(index)) for k in keys])


def class_score(engine: Any, crop: Any, text: str) -> float | None:
    """The equivalence-class score of ``text`` read again from ``crop`` (greyscale array),
    or None when the crop does not decode to ``text`` (then nothing is proven)."""
    return class_scores(engine, [(crop, text)])[0]


def class_scores(engine: Any, items: list[tuple[Any, str]]) -> list[float | None]:
    """``class_score`` of each (crop, text). Each crop is recognised at its own width, as
    RapidOCR shapes a line alone (padded to the recogniser's minimum width): batched with
    wider crops, a lone glyph's scores move with the padding (``%``: 0.999 alone, 0.59
    padded to three glyphs' width), and a batch costs as much as its crops one by one."""
    import numpy as np

    out: list[float | None] = [None] * len(items)
    rec = engine.text_rec
    _c, img_h, img_w = rec.rec_image_shape[:3]
    chars = rec.postprocess_op.character  # index 0 is CTC's blank
    for i, (crop, text) in enumerate(items):
        want = re.sub(r"\s+", "", text)
        if not want or len(want) > MAX_CHARS or crop.size == 0 or min(crop.shape[:2]) < 4:
            continue
        rgb = np.ascontiguousarray(np.stack([crop] * 3, axis=-1))
        h, w = rgb.shape[:2]
        norm = rec.resize_norm_img(rgb, max(img_w / img_h, w / h))
        preds = rec.session(norm[np.newaxis].astype(np.float32))[0][0]
        out[i] = _score(preds, chars, want)
    return out


def _score(preds: Any, chars: list[str], want: str) -> float | None:
    """The class score of ``want`` from one line's CTC probabilities, or None if it decodes
    to something else."""
    numeric = bool(_NUMERIC.match(want))
    lone_zero = _key(want, numeric) == "0"
    keys, ids = _keys(tuple(chars), numeric, lone_zero)
    best = preds.argmax(axis=1)
    got: list[str] = []
    masses: list[float] = []
    prev = -1
    for t, k in enumerate(best.tolist()):
        if k == prev or k == 0:
            prev = k
            continue
        prev = k
        if chars[k].isspace():
            continue
        key = keys[k]
        got.append(key)
        masses.append(float(preds[t][ids == ids[k]].sum()))
    if "".join(got) != "".join(_key(c, numeric, lone_zero) for c in want):
        return None
    return sum(masses) / len(masses) if masses else None
