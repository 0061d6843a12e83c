"""Case store: bulk import rate, and CLI wall times on a large store.

    python bench/bench_store.py build FILE [N]     # import N synthetic cases (default 1M)
    python bench/bench_store.py cli FILE           # time case show, due, --help

Wall times include interpreter start, as a clerk experiences them.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import cases


def build(path: str, n: int, batch: int = 5000, quiet: bool = False) -> dict[str, float]:
    from disclosure import Store

    Path(path).unlink(missing_ok=True)
    store = Store(path)
    start = time.perf_counter()
    done = events = 0
    chunk = []
    for case in cases(n):
        chunk.append(case)
        events += len(case.events)
        if len(chunk) == batch:
            store.import_cases(chunk)
            done += len(chunk)
            chunk = []
            if done % 100_000 == 0 and not quiet:
                rate = done / (time.perf_counter() - start)
                print(f"  {done:,} cases ({rate:,.0f} cases/s)", flush=True)
    if chunk:
        store.import_cases(chunk)
    seconds = time.perf_counter() - start
    store.close()
    if not quiet:
        print(
            f"imported {n:,} cases / {events:,} events in {seconds:.1f} s: "
            f"{n / seconds:,.0f} cases/s, {events / seconds:,.0f} events/s"
        )
    return {
        "cases": n,
        "events": events,
        "seconds": seconds,
        "cases_per_s": n / seconds,
        "events_per_s": events / seconds,
    }


def wall(cmd: list[str], runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cli_times(path: str, case_id: str = "S0500000") -> dict[str, float]:
    """Median wall time of each command, interpreter start included."""
    exe = [sys.executable, "-m", "disclosure"]
    return {
        "help_s": wall([*exe, "--help"]),
        "case_show_s": wall([*exe, "case", "show", case_id, "--db", path]),
        "due_s": wall([*exe, "due", "--db", path, "--as-of", "2024-12-20"]),
    }


def cli(path: str) -> None:
    t = cli_times(path)
    print(f"disclosure --help          : {t['help_s']:.3f} s (median of 7)")
    print(f"disclosure case show       : {t['case_show_s']:.3f} s")
    print(f"disclosure due             : {t['due_s']:.3f} s")


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000)
    else:
        cli(sys.argv[2])
