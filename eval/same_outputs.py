"""Say whether two output directories of ``jixiao normalize`` hold the same outputs, byte for byte.

Usage:
    jixiao normalize golden/inputs -o /tmp/before      # on the old commit
    jixiao normalize golden/inputs -o /tmp/after       # on the new one
    python eval/same_outputs.py /tmp/before /tmp/after

Workbooks are compared member by member, ``docProps/core.xml`` (the creation time) aside, so
outputs written before the creation time was fixed still compare. Exit 0 when all are the same.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

_SKIP = {"docProps/core.xml"}


def same(a: Path, b: Path) -> bool:
    """Whether two output files hold the same content."""
    if a.suffix != ".xlsx":
        return a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as za, zipfile.ZipFile(b) as zb:
        names = sorted(set(za.namelist()) - _SKIP)
        if names != sorted(set(zb.namelist()) - _SKIP):
            return False
        return all(za.read(n) == zb.read(n) for n in names)


def main(before: Path, after: Path) -> int:
    names = sorted(
        {p.name for d in (before, after) for p in d.iterdir() if not p.name.startswith(".")}
    )
    differ = 0
    for name in names:
        a, b = before / name, after / name
        if not (a.is_file() and b.is_file()):
            print(f"only in one: {name}")
            differ += 1
        elif same(a, b):
            print(f"same     {name} ({a.stat().st_size:,} bytes)")
        else:
            print(f"DIFFERS  {name}")
            differ += 1
    print(f"{len(names) - differ} of {len(names)} outputs identical")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
