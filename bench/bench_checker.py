"""Report checker throughput: reports checked per second over a folder of reports.

    python bench/bench_checker.py [N]      # default 1,000 reports

Generates N reports (text, HTML and flattened web-copy forms in turn) from
seeded synthetic case populations, writes them to a temporary folder, then
times `check_file` over the folder.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import cases

from disclosure import AgencyData, Engine, build_report, load_template
from disclosure.plugins import Plugins
from disclosure.reports.checker import check_file
from disclosure.reports.render import render


def make_reports(folder: Path, n: int) -> None:
    engine = Engine(plugins=Plugins.builtin_only())
    machine = engine.machine()
    template = load_template("cn-annual-2021", machine.ruleset)
    rng = random.Random(3)
    for i in range(n):
        population = list(cases(rng.randrange(5, 400), seed=i))
        agency = AgencyData(
            agency=f"示例县第{i}局",
            table2={
                row: {
                    c.key: rng.randrange(0, 50) if c.type == "int" else round(rng.random() * 9, 2)
                    for c in cols
                }
                for row, cols in template.table2.row_columns().items()
            },
        )
        report = build_report(population, 2024, template, machine, agency=agency, trace=False)
        form = i % 3
        if form == 0:
            (folder / f"r{i:04d}.txt").write_text(str(render(report, "text")), encoding="utf-8")
        elif form == 1:
            (folder / f"r{i:04d}.html").write_text(str(render(report, "html")), encoding="utf-8")
        else:
            flat = " ".join(str(render(report, "text")).split())
            (folder / f"r{i:04d}.txt").write_text(flat, encoding="utf-8")


def run(n: int = 1000) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_reports(folder, n)
        files = sorted(folder.iterdir())
        t0 = time.perf_counter()
        errors = sum(1 for f in files if check_file(f).errors)
        seconds = time.perf_counter() - t0
    return {
        "reports": n,
        "seconds": seconds,
        "reports_per_s": n / seconds,
        "reports_with_errors": errors,
    }


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_reports(folder, n)
        print(f"generated {n} reports in {time.perf_counter() - t0:.1f} s")
        files = sorted(folder.iterdir())
        t0 = time.perf_counter()
        errors = sum(1 for f in files if check_file(f).errors)
        seconds = time.perf_counter() - t0
    print(
        f"checked {n} reports in {seconds:.2f} s: {n / seconds:,.0f} reports/s "
        f"({errors} with errors)"
    )


if __name__ == "__main__":
    main()
