"""PostgreSQL beside SQLite in one run: import, dashboard and case latency, concurrent appends.

    python bench/bench_postgres.py [--cases N] [--agencies A] [--writers W] [--seconds S]
                                   [--url URL] [--out bench/results/postgres.json]

Issue 18's workloads, each with SQLite's figure from the same run as the
baseline (the machine is shared: only ratios from one run compare):

- import: N synthetic cases (``synthetic.py``) into a database of A agencies,
  the store opened for each agency in turn (its role) and its cases imported
  in batches; the same cases into one SQLite file; and into one agency on
  PostgreSQL with SQLite's batches (like for like). Case generation is not
  timed, store opening is. A sample is also imported stage by stage (normalize
  and fold, hash chain, projection, database write by COPY and by executemany)
  to show where the time goes.
- the ``due`` dashboard (``due_counts`` and the queries ``cli/due.py`` runs)
  and ``case show`` (get, the fold as of the day, the projection row) for one
  agency's role on the A-agency database; the same on SQLite and on the
  one-agency database (as many cases as the SQLite file).
- appends: 1 writer process vs W concurrent ones, each on its own cases, and
  all on one case (read, append with the expected sequence, retry on
  ``ConflictError``); appends/s over S seconds, on both adapters.

Without ``--url`` a throwaway server is started with ``scripts/pg-test-server``
(fsync off: figures for durable settings will be lower for commits) and
stopped at the end; with ``--url`` (a role with CREATEDB and CREATEROLE) the
benchmark creates and drops its own databases and roles there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import multiprocessing as mp
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("DISCLOSURE_LOAD_PLUGINS", "")  # the core alone

from synthetic import cases  # noqa: E402

from disclosure import Case, Engine, Event, Store  # noqa: E402
from disclosure.errors import ConflictError  # noqa: E402

RESULTS = HERE / "results"
SERVER = HERE.parent / "scripts" / "pg-test-server"
AS_OF = dt.date(2024, 12, 2)  # the synthetic cases are received over 2023-2024
SHOWN = 20  # rows per dashboard section, as in cli/due.py
#: The events the append runs cycle through (each returns to under_review).
CYCLE = ("consult_agency", "agency_replied", "consult_third_party", "third_party_replied")
APPEND_DAY = dt.date(2024, 3, 5)


# -- the server and its databases ---------------------------------------------------------


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/" + name))


class Server:
    """The PostgreSQL server the run uses: given, or a throwaway one it starts and stops."""

    def __init__(self, url: str | None) -> None:
        self.root: str | None = None
        if url is None:
            self.root = tempfile.mkdtemp(prefix="disclosure-bench-pg-")
            done = subprocess.run(
                [sys.executable, str(SERVER), "start", self.root],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"pg-test-server start failed: {done.stderr.strip()}")
            url = done.stdout.strip()
        self.url = url
        self.prefix = f"bench{os.getpid()}_"
        self.databases: list[str] = []

    def database(self, name: str) -> str:
        import psycopg

        full = self.prefix + name
        with psycopg.connect(self.url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {full} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {full}")
        self.databases.append(full)
        return with_database(self.url, full)

    def about(self) -> dict[str, str]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as admin:
            out = {"server": str(admin.execute("SHOW server_version").fetchone()[0])}  # type: ignore[index]
            for name in ("fsync", "synchronous_commit", "shared_buffers", "max_connections"):
                out[name] = str(admin.execute(f"SHOW {name}").fetchone()[0])  # type: ignore[index]
        out["throwaway"] = str(self.root is not None)
        return out

    def close(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True) as admin:
                for name in self.databases:
                    admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
                for (role,) in admin.execute(
                    "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (self.prefix + "%",)
                ).fetchall():
                    admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        finally:
            if self.root is not None:
                subprocess.run([sys.executable, str(SERVER), "stop", self.root], check=False)
                shutil.rmtree(self.root, ignore_errors=True)


def add_agencies(url: str, names: list[str], prefix: str) -> None:
    from disclosure.store.postgres import PostgresStore

    with PostgresStore(url) as owner:
        for name in names:
            owner.add_agency(name, prefix + name.replace("-", "_"))


def analyze(url: str) -> None:
    """Fresh statistics after a bulk load (autovacuum would do it soon after)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute("ANALYZE")


# -- (a) import ---------------------------------------------------------------------------


def agency_name(i: int) -> str:
    return f"ag-{i:04d}"


def share(n: int, parts: int) -> list[int]:
    """``n`` cases split into ``parts`` nearly equal blocks."""
    return [n // parts + (1 if i < n % parts else 0) for i in range(parts)]


def warm_engine() -> Engine:
    """One engine for every store of the run, its ruleset and calendar loaded (a platform's
    import service keeps one; a new one per store would time YAML loading)."""
    engine = Engine()
    engine.fold(next(cases(1)))
    return engine


def import_postgres_agencies(
    url: str, n: int, agencies: int, batch: int, engine: Engine
) -> dict[str, float]:
    """Each agency's block of the N cases, the store opened for that agency (its role)."""
    from disclosure.store.postgres import PostgresStore

    source = cases(n, seed=1)
    opening = importing = 0.0
    events = 0
    for i, size in enumerate(share(n, agencies)):
        block = list(itertools.islice(source, size))
        events += sum(len(c.events) for c in block)
        t0 = time.perf_counter()
        store = PostgresStore(url, engine, agency=agency_name(i))
        t1 = time.perf_counter()
        store.import_stream(block, batch_size=batch)
        store.close()
        t2 = time.perf_counter()
        opening += t1 - t0
        importing += t2 - t1
    total = opening + importing
    return {
        "seconds": total,
        "cases_per_s": n / total,
        "open_seconds": opening,
        "import_seconds": importing,
        "cases_per_s_without_opening": n / importing,
        "events": events,
    }


def timed_batches(
    import_batch: Callable[[list[Case]], object], n: int, batch: int
) -> dict[str, float]:
    """The N cases in batches of ``batch``; only the store's work is timed."""
    source = cases(n, seed=1)
    spent = 0.0
    while chunk := list(itertools.islice(source, batch)):
        t0 = time.perf_counter()
        import_batch(chunk)
        spent += time.perf_counter() - t0
    return {"seconds": spent, "cases_per_s": n / spent}


def import_sqlite(path: Path, n: int, batch: int, engine: Engine) -> dict[str, float]:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    t0 = time.perf_counter()
    store = Store(path, engine)
    opened = time.perf_counter() - t0
    r = timed_batches(store.import_cases, n, batch)
    store.close()
    r["seconds"] += opened
    r["cases_per_s"] = n / r["seconds"]
    return r


def import_postgres_one(url: str, n: int, batch: int, engine: Engine) -> dict[str, float]:
    from disclosure.store.postgres import PostgresStore

    t0 = time.perf_counter()
    store = PostgresStore(url, engine, agency="one")
    opened = time.perf_counter() - t0
    r = timed_batches(store.import_cases, n, batch)
    store.close()
    r["seconds"] += opened
    r["cases_per_s"] = n / r["seconds"]
    return r


STAGES = ("fold", "chain", "project", "write")


def stages(
    url: str, agency: str, sample: list[Case], batch: int, copy: bool, engine: Engine
) -> dict[str, Any]:
    """``import_cases``'s steps one by one, timed, on a fresh agency (real rows written):
    normalize and fold (``fold_batch``), hash chain, projection rows, database write."""
    from disclosure.store.ahead import ImportRows
    from disclosure.store.port import fold_batch
    from disclosure.store.postgres import PostgresStore, _stored_projection
    from disclosure.store.projection import project

    spent = dict.fromkeys(STAGES, 0.0)
    with PostgresStore(url, engine, agency=agency) as store:
        for start in range(0, len(sample), batch):
            t0 = time.perf_counter()
            folded = fold_batch(store.engine, sample[start : start + batch], replace=False)
            t1 = time.perf_counter()
            case_rows, event_rows = store._chained(folded.cases, agency)
            t2 = time.perf_counter()
            projections = [
                _stored_projection(project(s, store.engine), agency) for s in folded.states
            ]
            t3 = time.perf_counter()
            settings = store._settings.current[0]
            rows = ImportRows(list(folded.cases), case_rows, event_rows, projections, settings)
            store._write_batch(agency, rows, replace=False, folded=folded, copy=copy)
            t4 = time.perf_counter()
            for key, a, b in zip(STAGES, (t0, t1, t2, t3), (t1, t2, t3, t4), strict=True):
                spent[key] += b - a
    total = sum(spent.values())
    return {
        "cases": len(sample),
        "seconds": total,
        "cases_per_s": len(sample) / total,
        "stages": {
            k: {"seconds": v, "share": v / total, "cases_per_s": len(sample) / v}
            for k, v in spent.items()
        },
    }


# -- (b) dashboard and case show ----------------------------------------------------------


def dashboard(store: Any, today: dt.date) -> int:
    """What ``disclosure due`` asks the store (cli/due.py), without the printing."""
    week = today + dt.timedelta(days=7)
    t = today.isoformat()
    counts = store.due_counts(today, week)
    shown = len(store.query(overdue_as_of=today, limit=SHOWN))
    soon = store.query(due_by=week, limit=SHOWN * 4)
    shown += len([p for p in soon if p.next_due and p.next_due >= t][:SHOWN])
    shown += len(store.query(lapsed_as_of=today, limit=SHOWN))
    shown += len(store.open_by_party())
    shown += len(store.query(window_open_on=today, limit=SHOWN))
    return shown + int(counts.overdue)


def case_show(store: Any, case_id: str, today: dt.date) -> None:
    """What ``disclosure case show`` reads and computes (get, fold as of the day), and
    the projection row a case's page shows beside it."""
    case = store.get(case_id)
    store.engine.fold(case, today)
    store.projection(case_id)


def latencies(run: Callable[[int], object], repeat: int) -> dict[str, float]:
    """Milliseconds per call: median, 95th percentile and worst, after 3 warm-up calls."""
    for i in range(3):
        run(i)
    times = []
    for i in range(repeat):
        t0 = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, int(len(times) * 0.95))],
        "max_ms": times[-1],
        "calls": repeat,
    }


def read_latencies(store: Any, ids: list[str], repeat: int) -> dict[str, Any]:
    counts = store.due_counts(AS_OF, AS_OF + dt.timedelta(days=7))
    return {
        "cases_in_scope": store.count(),
        "due_counts": {
            "overdue": counts.overdue,
            "due_soon": counts.due_soon,
            "lapsed": counts.lapsed,
            "waiting": counts.waiting,
        },
        "due_counts_only": latencies(
            lambda _: store.due_counts(AS_OF, AS_OF + dt.timedelta(days=7)), repeat
        ),
        "dashboard": latencies(lambda _: dashboard(store, AS_OF), repeat),
        "case_show": latencies(lambda i: case_show(store, ids[i % len(ids)], AS_OF), repeat),
    }


def agency_ids(n: int, agencies: int, which: int, want: int) -> list[str]:
    """Ids of cases in agency ``which``'s block, spread over it."""
    start = sum(share(n, agencies)[:which])
    size = share(n, agencies)[which]
    step = max(1, size // want)
    return [f"S{i:07d}" for i in range(start, start + size, step)][:want]


# -- (c) appends --------------------------------------------------------------------------


def open_target(kind: str, target: str, agency: str | None) -> Any:
    if kind == "sqlite":
        return Store(target, create=False)
    from disclosure.store.postgres import PostgresStore

    return PostgresStore(target, agency=agency, create=False)


def writer(spec: dict[str, Any], ready: Any, go: Any, results: Any) -> None:
    """One writer process: wait for the start, append for ``seconds``, report the count."""
    store = open_target(spec["kind"], spec["target"], spec["agency"])
    ids: list[str] = spec["ids"]
    done = conflicts = 0
    store.engine.fold(store.get(ids[0]))  # rulesets loaded, the connection's caches warm
    ready.put(os.getpid())
    go.wait()
    start = time.perf_counter()
    end = start + spec["seconds"]
    if spec["mode"] == "own":
        for cid, etype in itertools.product(ids, CYCLE):
            if time.perf_counter() >= end:
                break
            store.append(cid, Event(etype, APPEND_DAY), expected_seq=done % len(CYCLE))
            done += 1
        else:
            conflicts = -1  # ran out of cases before the time was up (reported)
    else:
        cid = ids[0]
        while time.perf_counter() < end:
            case = store.get(cid)
            n = len(case.events)
            last = case.events[-1].type if n else None
            etype = "agency_replied" if last == "consult_agency" else "consult_agency"
            try:
                store.append(cid, Event(etype, APPEND_DAY), expected_seq=n)
                done += 1
            except ConflictError:
                conflicts += 1
    results.put((done, conflicts, start, time.perf_counter()))
    store.close()


def appends(
    kind: str, target: str, agency: str | None, mode: str, writers: int, seconds: float, tag: str
) -> dict[str, Any]:
    """Appends/s of ``writers`` processes on their own new cases, or all on one new case."""
    per_writer = int(seconds * 1500 / len(CYCLE)) + 10 if mode == "own" else 1
    ids = [[f"AP-{tag}-{w}-{i:05d}" for i in range(per_writer)] for w in range(writers)]
    if mode == "one":
        ids = [[f"AP-{tag}-one"]] * writers
    owner = open_target(kind, target, agency)
    fresh = {cid for group in ids for cid in group}
    owner.import_stream(
        (Case(cid, "natural_person", "online", dt.date(2024, 3, 1)) for cid in sorted(fresh)),
        batch_size=2000,
    )
    owner.close()
    ctx = mp.get_context("spawn")
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(
            target=writer,
            args=(
                {
                    "kind": kind,
                    "target": target,
                    "agency": agency,
                    "ids": ids[w],
                    "mode": mode,
                    "seconds": seconds,
                },
                ready,
                go,
                results,
            ),
        )
        for w in range(writers)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    go.set()
    reports = [results.get(timeout=seconds + 120) for _ in procs]
    for p in procs:
        p.join()
        if p.exitcode != 0:
            raise SystemExit(f"a writer failed (exit {p.exitcode})")
    total = sum(r[0] for r in reports)
    wall = max(r[3] for r in reports) - min(r[2] for r in reports)
    return {
        "writers": writers,
        "appends": total,
        "seconds": wall,
        "appends_per_s": total / wall,
        "conflicts": sum(max(r[1], 0) for r in reports),
        "ran_out_of_cases": any(r[1] < 0 for r in reports),
    }


def append_runs(kind: str, target: str, agency: str | None, w: int, s: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mode in ("own", "one"):
        one = appends(kind, target, agency, mode, 1, s, f"{mode}1")
        many = appends(kind, target, agency, mode, w, s, f"{mode}{w}")
        out[mode] = {
            "one_writer": one,
            "writers": many,
            "ratio": many["appends_per_s"] / one["appends_per_s"],
        }
    return out


# -- the run ------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> dict[str, Any]:
    n, agencies, batch = args.cases, args.agencies, args.batch
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    server = Server(args.url)
    doc: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "date": dt.date.today().isoformat(),
            "load_average_at_start": os.getloadavg(),
        },
        "parameters": {
            "cases": n,
            "agencies": agencies,
            "batch": batch,
            "writers": args.writers,
            "append_seconds": args.seconds,
            "as_of": AS_OF.isoformat(),
        },
    }
    try:
        doc["postgres"] = server.about()
        say = print if not args.quiet else (lambda *a, **k: None)
        many = server.database("agencies")
        one = server.database("one")
        stage_db = server.database("stages")
        t0 = time.perf_counter()
        add_agencies(many, [agency_name(i) for i in range(agencies)], server.prefix)
        add_agencies(one, ["one"], server.prefix)
        add_agencies(stage_db, ["copy", "executemany"], server.prefix)
        doc["setup_seconds"] = time.perf_counter() - t0
        say(f"{agencies:,} agencies set up in {doc['setup_seconds']:.1f} s", flush=True)

        # (a) import
        sqlite_path = work / f"postgres-bench-{n}.db"
        imp: dict[str, Any] = {}
        engine = warm_engine()
        imp["sqlite"] = import_sqlite(sqlite_path, n, batch, engine)
        say(f"import SQLite          {imp['sqlite']['cases_per_s']:,.0f} cases/s", flush=True)
        imp["postgres_agencies"] = import_postgres_agencies(many, n, agencies, batch, engine)
        imp["postgres_one_agency"] = import_postgres_one(one, n, batch, engine)
        say(
            f"import PostgreSQL      {imp['postgres_agencies']['cases_per_s']:,.0f} cases/s "
            f"({agencies:,} agencies); {imp['postgres_one_agency']['cases_per_s']:,.0f} "
            "(one agency)",
            flush=True,
        )
        for key in ("postgres_agencies", "postgres_one_agency"):
            imp[key]["ratio_to_sqlite"] = imp[key]["cases_per_s"] / imp["sqlite"]["cases_per_s"]
        sample = list(cases(min(n, args.sample), seed=3))
        imp["stages_copy"] = stages(stage_db, "copy", sample, batch, True, engine)
        imp["stages_executemany"] = stages(stage_db, "executemany", sample, batch, False, engine)
        doc["import"] = imp
        analyze(many)
        analyze(one)

        # (b) reads
        from disclosure.store.postgres import PostgresStore

        which = agencies // 2
        ids = agency_ids(n, agencies, which, 200)
        all_ids = [f"S{i:07d}" for i in range(0, n, max(1, n // 200))]
        reads: dict[str, Any] = {}
        with PostgresStore(many, engine, agency=agency_name(which)) as store:
            reads["postgres_agencies"] = read_latencies(store, ids, args.repeat)
        with PostgresStore(one, engine, agency="one") as store:
            reads["postgres_one_agency"] = read_latencies(store, all_ids, args.repeat)
        with Store(sqlite_path, engine, create=False) as lite:
            reads["sqlite"] = read_latencies(lite, all_ids, args.repeat)
        doc["reads"] = reads
        med = {k: v["dashboard"]["median_ms"] for k, v in reads.items()}
        say(
            f"dashboard median      PostgreSQL {med['postgres_agencies']:.1f} ms (one of "
            f"{agencies:,} agencies), {med['postgres_one_agency']:.1f} ms (one agency of "
            f"{n:,}); SQLite {med['sqlite']:.1f} ms",
            flush=True,
        )

        # (c) appends
        doc["appends"] = {
            "postgres": append_runs("postgres", many, agency_name(0), args.writers, args.seconds),
            "sqlite": append_runs("sqlite", str(sqlite_path), None, args.writers, args.seconds),
        }
        doc["machine"]["load_average_at_end"] = os.getloadavg()
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(str(sqlite_path) + suffix).unlink(missing_ok=True)
    finally:
        server.close()
    return doc


def table(doc: dict[str, Any]) -> str:
    p, imp, reads, app = doc["parameters"], doc["import"], doc["reads"], doc["appends"]
    lite, many, one = imp["sqlite"], imp["postgres_agencies"], imp["postgres_one_agency"]

    def ms(m: dict[str, float]) -> str:
        return f"{m['median_ms']:.1f} ms (p95 {m['p95_ms']:.1f})"

    def stage_line(name: str, r: dict[str, Any]) -> str:
        parts = ", ".join(
            f"{k} {v['share']:.0%} ({v['cases_per_s']:,.0f}/s)" for k, v in r["stages"].items()
        )
        return f"  stages, {name:<11} {r['cases_per_s']:,.0f} cases/s: {parts}"

    lines = [
        f"== {p['cases']:,} cases ({many['events']:,} events), {p['agencies']:,} agencies, "
        f"batches of {p['batch']:,}; load average {doc['machine']['load_average_at_start'][0]:.2f}",
        f"import   SQLite {lite['cases_per_s']:,.0f} cases/s | PostgreSQL, {p['agencies']:,} "
        f"agencies {many['cases_per_s']:,.0f} cases/s ({many['ratio_to_sqlite']:.2f}x SQLite; "
        f"{many['cases_per_s_without_opening']:,.0f}/s without the {many['open_seconds']:.1f} s of "
        f"store opening) | one agency {one['cases_per_s']:,.0f} cases/s "
        f"({one['ratio_to_sqlite']:.2f}x)",
        stage_line("COPY", imp["stages_copy"]),
        stage_line("executemany", imp["stages_executemany"]),
    ]
    for key, title in (
        ("postgres_agencies", f"PostgreSQL, one of {p['agencies']:,} agencies"),
        ("postgres_one_agency", "PostgreSQL, one agency"),
        ("sqlite", "SQLite"),
    ):
        r = reads[key]
        lines.append(
            f"reads    {title} ({r['cases_in_scope']:,} cases): "
            f"due dashboard {ms(r['dashboard'])}, "
            f"due_counts {ms(r['due_counts_only'])}, case show {ms(r['case_show'])}"
        )
    for kind in ("postgres", "sqlite"):
        for mode, title in (("own", "own cases"), ("one", "one case")):
            r = app[kind][mode]
            lines.append(
                f"appends  {kind:<8} {title:<9}: 1 writer {r['one_writer']['appends_per_s']:,.0f}/s"
                f", {r['writers']['writers']} writers {r['writers']['appends_per_s']:,.0f}/s "
                f"({r['ratio']:.2f}x; {r['writers']['conflicts']:,} conflicts retried)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--batch", type=int, default=2000, help="cases per transaction")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0, help="per append run")
    parser.add_argument("--repeat", type=int, default=50, help="timed calls per latency")
    parser.add_argument("--sample", type=int, default=20_000, help="cases timed stage by stage")
    parser.add_argument("--url", help="an existing server (default: start a throwaway one)")
    parser.add_argument("--out", default=str(RESULTS / "postgres.json"))
    parser.add_argument("--work", default=str(RESULTS / "scale"), help="for the SQLite file")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    doc = run(args)
    print(table(doc))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
