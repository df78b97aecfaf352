"""OCR text of a scanned table whose names wrap, the boxes of a visual line joined by a blank
(``ocr_wrapped_lines`` lays the visual lines out)."""

from __future__ import annotations

from jixiao.synth.renderings.ocr_wrapped_lines import item_ok, renderer

NAME = "ocr_lines_spaced"
render = renderer("spaced")

__all__ = ["NAME", "item_ok", "render"]
