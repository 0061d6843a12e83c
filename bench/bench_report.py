"""Annual report over 1,000,000 synthetic cases: in memory and from the store.

    python bench/bench_report.py [N] [--store FILE]

In memory the cases are generated as a stream (never all held at once).
With --store, the cases are read from an existing store (build one with
bench/bench_store.py). Prints seconds and peak resident memory of the build.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import cases  # noqa: E402

from disclosure import Engine, build_report, load_template  # noqa: E402


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--store", default=None)
    parser.add_argument("--no-trace", action="store_true",
                        help="skip per-cell case ids (drill-down)")
    args = parser.parse_args()
    engine = Engine()
    machine = engine.machine()
    template = load_template("cn-annual-2021", machine.ruleset)
    before = peak_mb()
    start = time.perf_counter()
    if args.store:
        from disclosure import Store

        source = Store.open_existing(args.store, engine).iter_cases()
        label = f"from store {args.store}"
    else:
        source = cases(args.n)
        label = "in memory (streamed)"
    report = build_report(source, 2024, template, machine, trace=not args.no_trace)
    seconds = time.perf_counter() - start
    total = report.table3.value("new", "total") + report.table3.value("carried_in", "total")
    print(f"report 2024 {label}: {seconds:.2f} s, peak RSS {peak_mb():.0f} MB "
          f"(before {before:.0f} MB); cases counted {total:,}; "
          f"checks {'all pass' if all(c.passed for c in report.checks) else 'FAIL'}")


if __name__ == "__main__":
    main()
