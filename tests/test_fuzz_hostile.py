"""The hostile-input fuzz of issue 12 at a small size: ``eval/fuzz_hostile.py`` runs 3,000.

Mutated and hostile inputs of every format (text, docx, xlsx, html, pdf, ofd, images, zips,
odd file names incl. GBK bytes) through the CLI: no crash, no file missing from both outputs
and rejects, no indicator-looking source line unaccounted for.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "eval"))

from fuzz_hostile import main  # noqa: E402


def test_hostile_inputs_small(tmp_path: Path) -> None:
    result = main(40, jobs=1, keep=tmp_path, quiet=True, small=True)
    report = result["report"]
    assert result["crashes"] == 0, (report["internal"], result["stderr"][-2000:])
    assert report["missing"] == []
    assert report["unaccounted"] == []
    assert result["exit"] == 1  # hostile inputs are rejected: exit 1, never a crash code
    assert report["looking"] > 100  # the accounting checked real lines
    assert len(result["kinds"]) >= 8  # every format was in the mix
