"""Audit many published reports at once: find them, check them in parallel, summarise.

A supervising office checks every report of a city or province, hundreds to
thousands of files, and one odd file among them must not stop the run: each
file is checked in a worker process, and anything that goes wrong there — an
exception, even a worker that dies — becomes that file's ``unreadable`` row
with a one-line reason. The summary is one row per report, as CSV, JSON or a
self-contained HTML page (:mod:`.audit_html`).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from pathlib import Path
from typing import Any

import attrs

from disclosure.documents.source import ReadError
from disclosure.reports.checker import CheckedReport, check_file
from disclosure.reports.checker.sources import Unreadable as CheckerUnreadable

#: The file names a directory is searched for.
REPORT_SUFFIXES = (".txt", ".text", ".md", ".html", ".htm", ".docx", ".pdf")
#: The summary formats, by the suffix of the file they are written to.
SUMMARY_SUFFIXES = (".csv", ".json", ".html", ".htm")
#: The columns of a summary row, in order.
COLUMNS = (
    "file",
    "status",
    "agency",
    "year",
    "format",
    "tables_read",
    "errors",
    "warnings",
    "first_error",
)
#: The tables whose cells the checker reads and reconciles.
CHECKED_TABLES = ("table3", "table4")


@attrs.frozen
class Unreadable:
    """A file that could not be checked, and why, in one line."""

    source: str
    reason: str


Outcome = CheckedReport | Unreadable
Check = Callable[[Path], Outcome]


def find_reports(paths: Iterable[str | Path]) -> list[Path]:
    """The files named, and the report files under each directory named, in a stable order."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = (f for f in p.rglob("*") if f.suffix.lower() in REPORT_SUFFIXES)
            files.extend(sorted(f for f in found if f.is_file()))
        else:
            files.append(p)
    return files


def default_jobs() -> int:
    """The CPUs this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def one_line(exc: BaseException) -> str:
    """An exception as a one-line reason: the OS's words for OS errors, else its message.

    The checker's own refusal gives its reason without the file, which the
    outcome names already.
    """
    if isinstance(exc, (CheckerUnreadable, ReadError)):
        return " ".join(exc.reason.split())[:300]
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if not isinstance(exc, (OSError, ValueError, ImportError)):
        text = f"{type(exc).__name__}: {text}"  # an unexpected failure says what kind
    return " ".join(str(text).split())[:300]


def check_one(
    path: Path,
    previous: CheckedReport | Mapping[str, Any] | None = None,
    format_year: int | None = None,
) -> Outcome:
    """Check one file; whatever it raises becomes its ``Unreadable`` outcome."""
    try:
        return check_file(path, previous=previous, format_year=format_year)
    except Exception as exc:  # one bad file must never stop the run
        return Unreadable(str(path), one_line(exc))


def checker(
    previous: CheckedReport | Mapping[str, Any] | None = None, format_year: int | None = None
) -> Check:
    """``check_one`` with the run's options bound, in a form worker processes can receive."""
    return partial(check_one, previous=previous, format_year=format_year)


def check_many(
    files: Sequence[Path],
    *,
    jobs: int,
    check: Check | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Check ``files`` in ``jobs`` worker processes; the outcomes in the order of ``files``.

    ``on_done`` is called in this process as each file finishes (a progress
    bar). A single file is checked here: there is nothing to share out.
    """
    run = check or checker()
    if len(files) == 1:
        outcome = _guarded(run, files[0])
        if on_done:
            on_done(outcome)
        return [outcome]
    outcomes: dict[int, Outcome] = {}

    def record(i: int, outcome: Outcome) -> None:
        outcomes[i] = outcome
        if on_done:
            on_done(outcome)

    pending = deque(range(len(files)))
    while pending:
        suspects = _run_pool(run, files, pending, max(1, jobs), record)
        # A worker died (killed, out of memory): the files it may have held are
        # checked again one per process, so the crash is pinned to its file.
        for i in suspects:
            again = _run_pool(run, files, deque([i]), 1, record)
            if again:
                record(i, Unreadable(str(files[i]), "the worker process checking it stopped"))
    return [outcomes[i] for i in range(len(files))]


def _guarded(run: Check, path: Path) -> Outcome:
    try:
        return run(path)
    except Exception as exc:
        return Unreadable(str(path), one_line(exc))


def _quiet_worker() -> None:
    """Ctrl-C is the main process's to handle, and a worker whose parent is gone stops.

    Workers finish their file and stop with the pool; if the main process is
    killed outright they would wait on the task queue for ever instead.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _run_pool(
    run: Check,
    files: Sequence[Path],
    pending: deque[int],
    jobs: int,
    record: Callable[[int, Outcome], None],
) -> list[int]:
    """Work through ``pending`` in one pool; the files in flight if a worker died."""
    in_flight: dict[Future[Outcome], int] = {}
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), initializer=_quiet_worker)
    try:
        while pending or in_flight:
            # a short queue: progress stays live and a crash has few suspects
            while pending and len(in_flight) < 2 * jobs:
                i = pending.popleft()
                in_flight[pool.submit(run, files[i])] = i
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            suspects: list[int] = []
            for future in done:
                i = in_flight.pop(future)
                try:
                    record(i, future.result())
                except BrokenProcessPool:
                    suspects.append(i)
                except Exception as exc:  # e.g. a result that cannot be sent back
                    record(i, Unreadable(str(files[i]), one_line(exc)))
            if suspects:  # the pool is gone: keep what finished, the rest are suspects
                for future, i in in_flight.items():
                    if future.done() and not future.cancelled() and future.exception() is None:
                        record(i, future.result())
                    else:
                        suspects.append(i)
                return sorted(suspects)
        return []
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- the summary ------------------------------------------------------------------


def tables_read(report: CheckedReport) -> int:
    """How many of tables 三 and 四 were read whole (no unread, ambiguous or missing row)."""
    count = 0
    for key in CHECKED_TABLES:
        table = report.tables.get(key) or {}
        rows = table.get("rows", table) if key == "table3" else table
        cells = [
            v for row in rows.values() for v in (row.values() if isinstance(row, dict) else row)
        ]
        failed = any(f.table == key and f.rule.startswith("READ-") for f in report.errors)
        if cells and None not in cells and not failed:
            count += 1
    return count


def status(outcome: Outcome) -> str:
    """``unreadable``, ``errors``, ``warnings`` or ``clean``: what a reader sorts by first."""
    if isinstance(outcome, Unreadable):
        return "unreadable"
    if outcome.errors:
        return "errors"
    return "warnings" if outcome.warnings else "clean"


def summary_row(outcome: Outcome) -> dict[str, Any]:
    """One report's row: the ``COLUMNS``, with an unreadable file's reason as its first error."""
    if isinstance(outcome, Unreadable):
        return {
            "file": outcome.source,
            "status": "unreadable",
            "agency": "",
            "year": None,
            "format": "",
            "tables_read": 0,
            "errors": None,
            "warnings": None,
            "first_error": outcome.reason,
        }
    first = outcome.errors[0] if outcome.errors else None
    return {
        "file": outcome.source,
        "status": status(outcome),
        "agency": outcome.agency,
        "year": outcome.year,
        "format": outcome.format,
        "tables_read": tables_read(outcome),
        "errors": len(outcome.errors),
        "warnings": len(outcome.warnings),
        "first_error": f"{first.rule}: {' '.join(first.message.split())}" if first else "",
    }


def totals(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """How many reports were checked, and how many fall under each status."""
    counts = {"reports": len(outcomes), "clean": 0, "warnings": 0, "errors": 0, "unreadable": 0}
    for outcome in outcomes:
        counts[status(outcome)] += 1
    return counts


def summary_csv(outcomes: Sequence[Outcome]) -> str:
    """The rows as CSV; text that a spreadsheet would run as a formula is quoted with ``'``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for outcome in outcomes:
        row = summary_row(outcome)
        writer.writerow({k: _inert(v) for k, v in row.items()})
    return out.getvalue()


def _inert(value: Any) -> Any:
    # Names and messages come from the reports: `=HYPERLINK(...)` must stay text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def summary_json(outcomes: Sequence[Outcome]) -> str:
    """The totals and the rows as one JSON document."""
    doc = {"totals": totals(outcomes), "reports": [summary_row(o) for o in outcomes]}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
