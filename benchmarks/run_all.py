"""Run every benchmarks/bench_*.py one after another and print what each printed.

Each runs in its own process (a fresh interpreter, its own peak memory), from the
repository root so `benchmarks.*` imports resolve. Arguments are passed to none of them:
`make bench` measures the issue's configurations. Exits 1 if a benchmark failed to run;
a missed target is printed, not an error (the figures are what the run is for).

    python -m benchmarks.run_all [name ...]   # e.g. `dispatch claim` to run only those
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    chosen = set(argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if chosen:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in chosen]
    failed = []
    started = time.monotonic()
    for script in scripts:
        module = f"benchmarks.{script.stem}"
        print(f"\n=== {module}", flush=True)
        begun = time.monotonic()
        code = subprocess.run([sys.executable, "-m", module], cwd=HERE.parent).returncode
        print(f"=== {module}: {time.monotonic() - begun:.0f} s, exit {code}", flush=True)
        if code != 0:
            failed.append(script.stem)
    print(f"\n{len(scripts)} benchmark(s) in {time.monotonic() - started:.0f} s", end="")
    print(f"; failed: {', '.join(failed)}" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
