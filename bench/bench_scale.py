"""Scale: each workload of issue 17 on stores of N cases, with its reference in the same run.

    python bench/bench_scale.py 10000 100000 [1000000] [--out bench/results/scale.json]

For each size: a JSON Lines file of N synthetic cases (1.27 events per case,
``synthetic.py``) is imported with ``disclosure case import`` into an empty
store, then a tenth of that size into an empty store and into the full one
(issue 17: no more than 1.2x slower when the store is full), twice: cases
whose days fall among the store's, and the next period's cases (received,
and numbered, after every stored case, as a yearly import is); then a second
file of N into the full one; the reference is parse + insert
of the same file without folding (the rows and hash chain written, no fold
and no projection). Then ``case list`` (table, --jsonl, --csv, --json),
``report annual`` for a busy and an empty year (reference: the same report
built from a scan of the whole store, as before; for the empty year also the
same command on a store with no cases, which is start-up alone), ``store
verify`` on every core (reference: one process), ``store refold`` and ``case
export``. Every command runs in
its own process; wall time and that process's peak RSS (``os.wait4``) are
recorded, interpreter start included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DISCLOSURE_LOAD_PLUGINS", "")  # the core alone
# every command is timed as an installed package runs: from compiled bytecode
# (with PYTHONDONTWRITEBYTECODE set, each process would compile ~80 modules again)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

from synthetic import BASE as SYNTHETIC_BASE  # noqa: E402
from synthetic import cases  # noqa: E402

RESULTS = HERE / "results"
EXE = [sys.executable, "-m", "disclosure"]


def measure(cmd: list[str], stdout: Any = subprocess.DEVNULL) -> dict[str, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err[-2000:]}")
    return {"seconds": seconds, "peak_rss_mb": usage.ru_maxrss / 1024}


def write_jsonl(path: Path, n: int, seed: int, prefix: str, **dates: Any) -> int:
    events = 0
    with path.open("w", encoding="utf-8") as f:
        for case in cases(n, seed=seed, **dates):
            doc = case.to_dict()
            doc["id"] = prefix + doc["id"]
            events += len(doc["events"])
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    return events


def reference_import(source: str, db: str) -> None:
    """Parse + insert without folding: JSON per line, rows and hash chain, no projection."""
    from disclosure.lifecycle.case import Case
    from disclosure.store import Store
    from disclosure.store.chain import chained_rows, now_text
    from disclosure.store.schema import CASE_COLUMNS, EVENT_COLUMNS

    store = Store(db)
    recorded = now_text()
    with open(source, encoding="utf-8") as fh:
        while True:
            lines = [fh.readline() for _ in range(2000)]
            lines = [line for line in lines if line]
            if not lines:
                break
            case_rows, event_rows = [], []
            for line in lines:
                row, evs = chained_rows(Case.from_dict(json.loads(line)), recorded)
                case_rows.append(row)
                event_rows += evs
            with store._write() as con:
                con.executemany(
                    f"INSERT INTO cases ({CASE_COLUMNS}, seq, genesis, head) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    case_rows,
                )
                con.executemany(
                    f"INSERT INTO events ({EVENT_COLUMNS}, hash) VALUES (?,?,?,?,?,?,?,?,?)",
                    event_rows,
                )
    store.close()


def reference_report(db: str, year: int) -> None:
    """The report built from a scan of the whole store (the way before this issue)."""
    from disclosure import Engine
    from disclosure.reports.build import build_report, report_event_types
    from disclosure.store import Store

    engine = Engine()
    tpl = engine.template(year=year)
    with Store.open_existing(db, engine) as store:
        build_report(store.summaries(report_event_types(tpl)), year, tpl, engine.machine())


def run_size(n: int, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    first, second = work / f"cases-{n}.jsonl", work / f"more-{n}.jsonl"
    tenth, later = work / f"tenth-{n}.jsonl", work / f"later-{n}.jsonl"
    events = write_jsonl(first, n, 1, "")
    write_jsonl(second, n, 2, "M")
    write_jsonl(tenth, max(n // 10, 1), 3, "T")
    # the next period's cases: received (and ids) after every case of the store
    after = SYNTHETIC_BASE + dt.timedelta(days=720)
    write_jsonl(later, max(n // 10, 1), 4, "U", base=after, span=365)
    db, ref_db, empty_db = work / f"store-{n}.db", work / f"ref-{n}.db", work / f"empty-{n}.db"
    for p in (db, ref_db, empty_db):
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
    r: dict[str, Any] = {"cases": n, "events": events}
    subprocess.run([*EXE, "init", "--db", str(db)], check=True, capture_output=True)
    r["import"] = measure([*EXE, "case", "import", str(first), "--db", str(db)])
    subprocess.run([*EXE, "init", "--db", str(ref_db)], check=True, capture_output=True)
    r["import_reference"] = measure(
        [sys.executable, __file__, "_reference_import", str(first), str(ref_db)]
    )
    # the same tenth of N cases into an empty store and into the store of N
    subprocess.run([*EXE, "init", "--db", str(empty_db)], check=True, capture_output=True)
    r["tenth_into_empty"] = measure([*EXE, "case", "import", str(tenth), "--db", str(empty_db)])
    r["tenth_into_full"] = measure([*EXE, "case", "import", str(tenth), "--db", str(db)])
    # the same for the next period's cases, whose rows go after the store's in every index
    for p in (empty_db,):
        for suffix in ("", "-wal", "-shm"):
            Path(str(p) + suffix).unlink(missing_ok=True)
    subprocess.run([*EXE, "init", "--db", str(empty_db)], check=True, capture_output=True)
    r["later_into_empty"] = measure([*EXE, "case", "import", str(later), "--db", str(empty_db)])
    r["later_into_full"] = measure([*EXE, "case", "import", str(later), "--db", str(db)])
    r["import_into_full"] = measure([*EXE, "case", "import", str(second), "--db", str(db)])
    total = 2 * n + 2 * max(n // 10, 1)
    for key in ("import", "import_reference"):
        r[key]["cases_per_s"] = n / r[key]["seconds"]
    r["import_into_full"]["cases_per_s"] = n / r["import_into_full"]["seconds"]
    lst = [*EXE, "case", "list", "--received-in", "2024", "--db", str(db)]
    r["list_text"] = measure(lst)
    r["list_jsonl"] = measure([*lst, "--jsonl"])
    r["list_csv"] = measure([*lst, "--csv"])
    r["list_json"] = measure([*lst, "--json"])
    r["list_overdue"] = measure(
        [*EXE, "case", "list", "--overdue", "--as-of", "2025-01-10", "--db", str(db)]
    )
    rep = [*EXE, "report", "annual", "--format", "json", "--db", str(db)]
    r["report_2024"] = measure([*rep, "--year", "2024"])
    r["report_2024_reference"] = measure(
        [sys.executable, __file__, "_reference_report", str(db), "2024"]
    )
    r["report_empty_2021"] = measure([*rep, "--year", "2021"])
    r["report_empty_2021_reference"] = measure(
        [sys.executable, __file__, "_reference_report", str(db), "2021"]
    )
    # the same command on a store with no cases: what is start-up, not reading the store
    for suffix in ("", "-wal", "-shm"):
        Path(str(empty_db) + suffix).unlink(missing_ok=True)
    subprocess.run([*EXE, "init", "--db", str(empty_db)], check=True, capture_output=True)
    r["report_empty_2021_no_cases"] = measure(
        [*EXE, "report", "annual", "--format", "json", "--db", str(empty_db), "--year", "2021"]
    )
    r["verify"] = measure([*EXE, "store", "verify", "--db", str(db)])
    r["verify_one_process"] = measure([*EXE, "store", "verify", "--workers", "1", "--db", str(db)])
    r["refold"] = measure([*EXE, "store", "refold", "--db", str(db)])  # every row as it is
    out = work / f"export-{n}.jsonl"
    r["export_jsonl"] = measure(
        [*EXE, "case", "export", "--show-personal-data", "-o", str(out), "--db", str(db)]
    )
    r["store_cases"] = total
    for p in (first, second, tenth, later, out):
        p.unlink(missing_ok=True)
    return r


def table(results: list[dict[str, Any]]) -> str:
    def t(m: dict[str, float]) -> str:
        return f"{m['seconds']:.2f} s, {m['peak_rss_mb']:.0f} MB"

    lines = []
    for r in results:
        n = r["cases"]
        imp, ref, full = r["import"], r["import_reference"], r["import_into_full"]
        lines += [
            f"== {n:,} cases ({r['events']:,} events); store then holds {r['store_cases']:,}",
            f"case import (JSONL)      {imp['cases_per_s']:,.0f} cases/s, {t(imp)}; reference "
            f"parse+insert {ref['cases_per_s']:,.0f}/s ({ref['seconds'] / imp['seconds']:.2f}x); "
            f"into the full store {full['cases_per_s']:,.0f}/s "
            f"({imp['cases_per_s'] / full['cases_per_s']:.2f}x slower)",
            f"a tenth of N, imported   into an empty store {t(r['tenth_into_empty'])}; into the "
            f"store of N {t(r['tenth_into_full'])} "
            f"({r['tenth_into_full']['seconds'] / r['tenth_into_empty']['seconds']:.2f}x)",
            f"the next period's tenth  into an empty store {t(r['later_into_empty'])}; into the "
            f"store of N {t(r['later_into_full'])} "
            f"({r['later_into_full']['seconds'] / r['later_into_empty']['seconds']:.2f}x)",
            f"case list --received-in  table {t(r['list_text'])}; --jsonl {t(r['list_jsonl'])}; "
            f"--csv {t(r['list_csv'])}; --json {t(r['list_json'])}",
            f"case list --overdue      {t(r['list_overdue'])}",
            f"report --year 2024       {t(r['report_2024'])}; reference full scan "
            f"{t(r['report_2024_reference'])}",
            f"report, empty year 2021  {t(r['report_empty_2021'])}; reference full scan "
            f"{t(r['report_empty_2021_reference'])}; on a store with no cases "
            f"{t(r['report_empty_2021_no_cases'])}",
            f"store verify             {t(r['verify'])}; one process {t(r['verify_one_process'])}"
            f" ({r['verify_one_process']['seconds'] / r['verify']['seconds']:.2f}x)",
            f"case export (JSONL)      {t(r['export_jsonl'])}",
            f"store refold             {t(r['refold'])} (no row changes)",
        ]
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_reference_import":
        reference_import(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_reference_report":
        reference_report(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--out", default=str(RESULTS / "scale.json"))
    parser.add_argument("--work", default=str(RESULTS / "scale"))
    args = parser.parse_args()
    results = []
    for n in args.sizes:
        results.append(run_size(n, Path(args.work)))
        print(table(results[-1:]), flush=True)
    doc = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "date": dt.date.today().isoformat(),
        },
        "sizes": results,
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
