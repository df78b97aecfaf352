"""The command-line contract a person meets (issue 16): one test per promise, through the CLI."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- a fresh clone


def test_no_test_reads_a_file_outside_the_repository() -> None:
    """A fresh clone has no ``../shared`` beside it: no test may reach for it."""
    outside = re.compile(r"ROOT\.parent\b|\.parent\.parent\.parent|/work/shared|\.\./shared")
    hits = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "tests").glob("*.py"))
        if p.name != Path(__file__).name
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if outside.search(line)
    ]
    assert hits == []


def test_readme_names_the_system_packages_the_skips_name() -> None:
    from conftest import CHROMIUM_PACKAGE, FONT_PACKAGE

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert FONT_PACKAGE in readme and CHROMIUM_PACKAGE in readme and "fonts-noto-cjk" in readme
