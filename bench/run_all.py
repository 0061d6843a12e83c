"""Run every benchmark and print one table (and write bench/results/latest.json).

    python bench/run_all.py            # everything, 1M-case sizes included (~10 minutes)
    python bench/run_all.py --quick    # up to 100k cases (~1 minute)

Each comparison runs both sides in the same process and reports the ratio.
The 1M-case store is built once under bench/results/ and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DISCLOSURE_LOAD_PLUGINS", "")  # the core alone

import bench_calendar  # noqa: E402
import bench_checker  # noqa: E402
import bench_fold  # noqa: E402
import bench_store  # noqa: E402

RESULTS = HERE / "results"


def report_run(n: int, store: Path | None = None) -> dict[str, float]:
    args = [sys.executable, str(HERE / "bench_report.py"), str(n), "--json"]
    if store is not None:
        args += ["--store", str(store)]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def machine() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": str(os.cpu_count()),
        "date": time.strftime("%Y-%m-%d"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    results: dict[str, object] = {"machine": machine()}
    rows: list[tuple[str, str, str]] = []

    fold = bench_fold.run()
    results["fold"] = fold
    for workload, label in (("lifecycle", "6-event lifecycle"), ("short_logs", "short logs")):
        r = fold[workload]
        rows.append(
            (
                f"fold + every deadline, {label}",
                f"{r['every_deadline_events_per_s']:,.0f} events/s",
                f"{r['ratio_every_deadline']:.1f}x transitions; reply only "
                f"{r['ratio_reply_deadline']:.1f}x; no deadline {r['ratio_state_only']:.1f}x",
            )
        )
    cal = bench_calendar.run()
    results["calendar"] = cal
    rows.append(
        (
            "20-working-day deadline",
            f"{cal['indexed_per_s']:,.0f} /s",
            f"{cal['ratio']:.0f}x day-by-day stepping with holidays",
        )
    )

    reports = []
    for n in sizes:
        store = RESULTS / f"store-{n}.db"
        if not store.exists():
            imported = bench_store.build(str(store), n, quiet=True)
            results[f"import_{n}"] = imported
            rows.append(
                (
                    f"store import, {n:,} cases",
                    f"{imported['events_per_s']:,.0f} events/s",
                    f"{imported['cases_per_s']:,.0f} cases/s",
                )
            )
        mem = report_run(n)
        db = report_run(n, store)
        reports.append({"cases": n, "memory": mem, "store": db})
        rows.append(
            (
                f"report, {n:,} cases",
                f"{mem['seconds']:.2f} s in memory",
                f"{db['seconds']:.2f} s from SQLite; peak RSS "
                f"{mem['peak_rss_mb']:.0f} MB (cases included) / {db['peak_rss_mb']:.0f} MB",
            )
        )
    results["reports"] = reports
    cli = bench_store.cli_times(str(RESULTS / f"store-{sizes[-1]}.db"), f"S{sizes[-1] // 2:07d}")
    results["cli"] = cli
    rows.append(
        (
            f"CLI on a {sizes[-1]:,}-case store",
            f"case show {cli['case_show_s']:.3f} s, due {cli['due_s']:.3f} s",
            f"--help {cli['help_s']:.3f} s (wall, interpreter start included)",
        )
    )
    chk = bench_checker.run(1000)
    results["checker"] = chk
    rows.append(
        (
            "report checker, 1,000 reports",
            f"{chk['reports_per_s']:,.0f} reports/s",
            f"{chk['reports_with_errors']} false alarms",
        )
    )

    (RESULTS / "latest.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  result")
    for name, value, note in rows:
        print(f"{name:<{width}}  {value}  ({note})")
    print(f"\nwritten to {RESULTS / 'latest.json'}")


if __name__ == "__main__":
    main()
