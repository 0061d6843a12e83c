"""Annual report over 1,000,000 synthetic cases: in memory and from the store.

    python bench/bench_report.py [N] [--store FILE]

In memory, the cases are generated first (their generation is timed
apart), then the report is built from the list. With --store, the report
reads an existing store (build one with bench/bench_store.py) through its
projection, as `disclosure report annual --db` does. Prints seconds and peak
resident memory (RSS of the whole process, the cases included).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import cases

from disclosure import Engine, build_report, load_template


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--store", default=None)
    parser.add_argument(
        "--no-trace", action="store_true", help="skip per-cell case ids (drill-down)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()
    engine = Engine()
    machine = engine.machine()
    template = load_template("cn-annual-2021", machine.ruleset)
    if args.store:
        from disclosure import Store
        from disclosure.reports.build import report_event_types

        before = peak_mb()
        start = time.perf_counter()
        store = Store.open_existing(args.store, engine)
        source = store.summaries(report_event_types(template))
        label = f"from store {args.store}"
    else:
        t0 = time.perf_counter()
        source = list(cases(args.n))
        if not args.json:
            print(
                f"generated {len(source):,} cases in {time.perf_counter() - t0:.2f} s "
                f"(RSS {peak_mb():.0f} MB)"
            )
        before = peak_mb()
        start = time.perf_counter()
        label = "in memory"
    report = build_report(source, 2024, template, machine, trace=not args.no_trace)
    seconds = time.perf_counter() - start
    total = report.table3.value("new", "total") + report.table3.value("carried_in", "total")
    ok = all(c.passed for c in report.checks)
    if args.json:
        print(
            json.dumps(
                {
                    "source": "store" if args.store else "memory",
                    "cases": args.n,
                    "seconds": seconds,
                    "peak_rss_mb": peak_mb(),
                    "rss_before_mb": before,
                    "checks_pass": ok,
                }
            )
        )
        return
    print(
        f"report 2024 {label}: {seconds:.2f} s, peak RSS {peak_mb():.0f} MB "
        f"(before {before:.0f} MB); cases counted {total:,}; "
        f"checks {'all pass' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
