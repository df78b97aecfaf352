"""Run the pipeline property test at full size and print figures.

Usage:
    python eval/bench_fuzz.py [N]      # default N = 10000 mutated inputs

Uses the same mutations and invariants as ``tests/test_fuzz_pipeline.py``: no exception
escapes, every input yields forms or a reject with a reason, untouched forms keep their rows.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_fuzz_pipeline import KINDS, SEEDS, check, mutate  # noqa: E402


def main(n: int) -> int:
    rnd = random.Random(20261123)
    kinds: Counter[str] = Counter()
    failures: list[str] = []
    start = time.perf_counter()
    for i in range(n):
        index = rnd.randrange(len(SEEDS))
        kind = rnd.choice(KINDS)
        kinds[kind] += 1
        try:
            check(index, mutate(index, kind, random.Random(rnd.getrandbits(32))))
        except Exception as exc:  # report every broken invariant, keep going
            failures.append(f"#{i} seed {SEEDS[index].stem[:3]} {kind}: {exc!r}")
    elapsed = time.perf_counter() - start
    print(f"mutated inputs: {n} in {elapsed:.1f} s ({n / elapsed:.0f}/s)")
    print("by mutation: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"invariant failures: {len(failures)}")
    for line in failures[:20]:
        print("  " + line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10000))
