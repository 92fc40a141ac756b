"""Run every ``bench_*.py`` in this folder, one after the other, each in its own interpreter.

    python benchmarks/run_all.py                 all of them, in name order
    python benchmarks/run_all.py engine render   only bench_engine.py and bench_render.py

Output of each script is passed through unchanged. Benchmarks report figures and never assert;
this runner exits non-zero only if a script itself crashed.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def scripts(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removeprefix("bench_").removesuffix(".py") for n in names}
    chosen = [p for p in found if p.stem.removeprefix("bench_") in wanted]
    missing = wanted - {p.stem.removeprefix("bench_") for p in chosen}
    if missing:
        sys.exit(f"no such benchmark: {', '.join(sorted(missing))} "
                 f"(have: {', '.join(p.stem.removeprefix('bench_') for p in found)})")
    return chosen


def main() -> int:
    results = []
    for path in scripts(sys.argv[1:]):
        print(f"\n{'=' * 100}\n{path.name}\n{'=' * 100}", flush=True)
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, str(path)], cwd=HERE.parent)
        results.append((path.name, code, time.perf_counter() - t0))
    print(f"\n{'=' * 100}")
    for name, code, seconds in results:
        print(f"{name:<28} {'ok' if code == 0 else f'CRASHED (exit {code})':<20} {seconds:6.1f} s")
    return 1 if any(code for _, code, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main())
