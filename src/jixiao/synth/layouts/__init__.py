"""The seed layouts of the synthetic sets, one module each (as ``jixiao.layouts``), by name.

Each module holds one ``SeedLayout`` (``jixiao.synth.builder``): the header it fills, the cells
it prints for a row, where a perturbation's truth differs, and its text. A new seed layout is
a module here and a line in ``SEED_LAYOUTS``.
"""

from __future__ import annotations

from jixiao.synth.builder import SeedLayout
from jixiao.synth.layouts import cell_per_line, ocr_4col, pdf_tab7

#: The seed layouts by their ``cases.json`` tag, in the order ``all`` writes them.
SEED_LAYOUTS: dict[str, SeedLayout] = {
    m.LAYOUT.name: m.LAYOUT for m in (cell_per_line, pdf_tab7, ocr_4col)
}
