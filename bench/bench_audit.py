"""Auditing a folder in worker processes: reports per second by number of jobs.

    python bench/bench_audit.py [N] [JOBS...]     # default 200 reports, jobs 1 and 2

The reports are those of ``bench_checker`` (text, HTML and flattened web
copies); each run goes through ``check_many`` as ``report check --jobs``
does, pool start-up included, so the figure is what a user waits for.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_checker import make_reports

from disclosure.reports.audit import check_many, find_reports, status


def run(n: int = 200, jobs: tuple[int, ...] = (1, 2)) -> dict[str, float]:
    out: dict[str, float] = {"reports": n}
    with tempfile.TemporaryDirectory() as tmp:
        make_reports(Path(tmp), n)
        files = find_reports([tmp])
        for j in jobs:
            t0 = time.perf_counter()
            outcomes = check_many(files, jobs=j)
            out[f"jobs_{j}_reports_per_s"] = n / (time.perf_counter() - t0)
            out[f"jobs_{j}_unreadable"] = sum(status(o) == "unreadable" for o in outcomes)
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    jobs = tuple(int(a) for a in sys.argv[2:]) or (1, 2)
    result = run(n, jobs)
    for j in jobs:
        print(f"--jobs {j}: {result[f'jobs_{j}_reports_per_s']:,.0f} reports/s over {n} reports")


if __name__ == "__main__":
    main()
