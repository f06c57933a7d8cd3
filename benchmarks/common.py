"""Shared by the benchmarks: what machine this is, and one way to print a figure and a ratio.

Every benchmark compares with a baseline measured in the same run, because these
machines are noisy: the ratio is the claim, the absolute figures are context.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager


def machine() -> str:
    """One line naming the CPU, cores, memory, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}"
    )


def postgres_version(bin_dir: str) -> str:
    """`postgres --version` of the binaries a benchmark starts."""
    out = subprocess.run([f"{bin_dir}/postgres", "--version"], capture_output=True, text=True)
    return out.stdout.strip()


def header(title: str) -> None:
    """Print the benchmark's name, the machine and the command that ran it."""
    print(f"## {title}")
    print(f"machine: {machine()}")
    print(f"command: {' '.join([os.path.basename(sys.executable), *sys.argv])}")


def figure(name: str, value: float, unit: str) -> None:
    print(f"  {name}: {value:,.1f} {unit}")


def ratio(
    name: str, ours: float, baseline: float, target: float, higher_is_better: bool = True
) -> bool:
    """Print ours/baseline against its target; True when the target is met."""
    value = ours / baseline if baseline else float("inf")
    met = value >= target if higher_is_better else value <= target
    sign = "≥" if higher_is_better else "≤"
    print(f"  {name}: {value:.2f}x (target {sign} {target}x) {'OK' if met else 'MISSED'}")
    return met


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0 to 100) by nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def rss_mib(field: str = "VmHWM") -> float:
    """This process's peak (VmHWM) or current (VmRSS) resident memory, from /proc.

    Not `ru_maxrss`: in a child started by fork and exec, Linux keeps the parent's
    resident size at the fork in it, so every child would report at least the parent's.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith(f"{field}:"))
    return int(line.split()[1]) / 1024


def reset_peak_rss() -> None:
    """Start VmHWM again from the current RSS (Linux 4.0+), so start-up does not count."""
    with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
        clear.write("5")


@contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as t:` … `t[0]` is the elapsed seconds afterwards."""
    elapsed = [0.0]
    start = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed[0] = time.perf_counter() - start
