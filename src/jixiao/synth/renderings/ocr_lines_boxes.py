"""OCR text of a scanned table whose names wrap, a recognised box per line, in reading order
(``ocr_wrapped_lines`` lays the visual lines out)."""

from __future__ import annotations

from jixiao.synth.renderings.ocr_wrapped_lines import item_ok, renderer

NAME = "ocr_lines_boxes"
render = renderer("boxes")

__all__ = ["NAME", "item_ok", "render"]
