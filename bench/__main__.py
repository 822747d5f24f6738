"""`make bench`: run every bench/bench_*.py module's main(); `python -m bench NAME...` runs a subset.

`--quick` runs each at its smoke size (CI): it sets `bench.common.QUICK` (and `LIANXIN_BENCH_QUICK=1`
for the processes a module starts), and a module whose `main` takes an argument list gets `["--quick"]`.
Exit status 1 when any module failed (the others still run and print their figures).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import traceback
from pathlib import Path

from bench import common


def _run(name: str, quick: bool) -> None:
    module = importlib.import_module(f"bench.{name}")
    main = module.main
    takes_args = any(
        p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
        for p in inspect.signature(main).parameters.values()
    )
    if takes_args:
        main(["--quick"] if quick else [])
    else:
        main()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke sizes (CI); the figures need the full size"
    )
    parser.add_argument("names", nargs="*", help="modules to run (bench_x or x); default: all")
    args = parser.parse_args(argv)
    common.quick_set(args.quick or common.QUICK)
    names = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in args.names] or names
    print(f"# machine: {common.machine()}{' (quick sizes)' if common.QUICK else ''}", flush=True)
    failed = []
    for name in wanted:
        print(f"# {name}", flush=True)
        try:
            _run(name, common.QUICK)
        except SystemExit as exc:  # a module that exits: a failure unless it exits 0
            if exc.code not in (0, None):
                failed.append(name)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others' figures
            failed.append(name)
            traceback.print_exc()
    if failed:
        print(f"# failed: {', '.join(failed)}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
