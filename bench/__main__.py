"""`make bench`: run every bench/bench_*.py module's main(); `python -m bench NAME...` runs a subset."""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

from bench.common import machine


def main(argv: list[str]) -> int:
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or names
    print(f"# machine: {machine()}", flush=True)
    failed = 0
    for name in wanted:
        print(f"# {name}", flush=True)
        try:
            importlib.import_module(f"bench.{name}").main()
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            failed += 1
            traceback.print_exc()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
