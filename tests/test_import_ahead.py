"""Imports prepared ahead on worker processes end exactly as imports in one process.

Whatever the file holds (unreadable lines, rejected events, ids given twice
or already stored) and wherever the batches fall, ``case import --workers 2``
must land the same cases, skip the same ones with the same words, stop at the
same one and write the same rows as ``--workers 1``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from disclosure.cli import cli
from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import Case
from disclosure.store import Store
from disclosure.store.ahead import can_fork, forked_pool

pytestmark = pytest.mark.skipif(not can_fork(), reason="workers are forked")


def _good(i: int) -> dict[str, Any]:
    day = 1 + i % 27
    return {
        "id": f"C-{i:03d}",
        "applicant": "natural_person",
        "channel": "online",
        "received": f"2024-03-{day:02d}",
        "events": [{"type": "decide", "on": f"2024-04-{day:02d}", "outcome": "disclosed"}],
    }


def _line(kind: str, i: int) -> str:
    """One line of a JSONL file: a good case or one of the ways a case goes wrong."""
    doc = _good(i)
    if kind == "blank":  # no record: it counts toward no batch
        return "  "
    if kind == "unreadable":
        return '{"id": "broken", "applicant": '
    if kind == "bad_date":
        doc["received"] = "2024-02-30"
    elif kind == "rejected":  # a second decision on a concluded case
        doc["events"] = doc["events"] * 2
    elif kind == "twice":  # the id of an earlier line
        doc["id"] = "C-000"
    elif kind == "stored":  # an id the store holds before the import
        doc["id"] = "OLD-1"
    return json.dumps(doc)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.stdout


def _rows(db: Path) -> list[list[Any]]:
    """What the store holds, less the hash chain and the time of recording."""
    con = sqlite3.connect(db)
    try:
        return [
            con.execute(
                "SELECT id, ruleset, applicant, received, subject, seq FROM cases ORDER BY id"
            ).fetchall(),
            con.execute(
                "SELECT case_id, seq, type, on_date, data FROM events ORDER BY case_id, seq"
            ).fetchall(),
            con.execute("SELECT * FROM projection ORDER BY case_id").fetchall(),
        ]
    finally:
        con.close()


def _import(tmp: Path, name: str, lines: list[str], *options: str) -> tuple[Any, ...]:
    db = tmp / f"{name}.db"
    f = tmp / "cases.jsonl"
    f.write_text("\n".join(lines) + "\n", "utf-8")
    assert _run("init", "--db", str(db))[0] == 0
    with Store(db) as s:
        s.import_cases([Case.from_dict({**_good(999), "id": "OLD-1"})])
    code, out = _run("case", "import", str(f), "--json", "--db", str(db), *options)
    return code, json.loads(out.replace(str(db), "DB")), _rows(db)


def _import_reading_and_skipping_at_once(
    tmp: Path, lines: list[str], batch: int, max_errors: int, replace: bool
) -> tuple[Any, ...]:
    """The import as it was before workers: the reader skips each bad record as it meets it."""
    from disclosure.cli._stream import cases_skipping
    from disclosure.store.port import ImportLog, import_in_batches

    db = tmp / "before.db"
    f = tmp / "cases.jsonl"
    log = ImportLog(max_errors)
    with Store(db) as s:
        s.import_cases([Case.from_dict({**_good(999), "id": "OLD-1"})])
        with contextlib.suppress(DisclosureError):  # too many bad cases: the log says so
            import_in_batches(
                s.import_cases,
                cases_skipping(str(f), log.skip),
                batch_size=batch,
                replace=replace,
                progress=None,
                earlier=0,
                log=log,
            )
    skipped = sorted(b.where for b in log.skipped)
    return log.imported, skipped, log.stopped and log.stopped.where, _rows(db)


KINDS = ["good"] * 6 + ["unreadable", "bad_date", "rejected", "twice", "stored", "blank"]


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=40),
    batch=st.integers(1, 7),
    max_errors=st.integers(0, 4),
    replace=st.booleans(),
)
def test_workers_end_an_import_as_one_process_does(
    tmp_path_factory: pytest.TempPathFactory,
    kinds: list[str],
    batch: int,
    max_errors: int,
    replace: bool,
) -> None:
    lines = [_line(kind, i) for i, kind in enumerate(kinds)]
    options = ["--batch-size", str(batch), "--max-errors", str(max_errors)]
    options += ["--replace"] if replace else []
    tmp = tmp_path_factory.mktemp("ahead")
    alone = _import(tmp, "alone", lines, *options, "--workers", "1")
    ahead = _import(tmp, "ahead", lines, *options, "--workers", "2")
    assert ahead == alone
    _, report, rows = ahead
    before = _import_reading_and_skipping_at_once(tmp, lines, batch, max_errors, replace)
    stopped = report["stopped"] and report["stopped"]["where"]
    skipped = sorted(b["where"] for b in report["skipped"])
    assert (report["imported"], skipped, stopped, rows) == before


def test_hostile_lines_read_by_the_workers_end_as_in_one_process(tmp_path: Path) -> None:
    """Lines only the workers read (bad UTF-8, a NUL, YAML, over 10 MiB, CR LF) are
    reported with the same words and places as when this process reads them."""
    good = [json.dumps(_good(i)) for i in range(12)]
    lines = [
        good[0],
        good[1][:-1] + ', "subject": "\u0000"}',
        "id: Y-1\napplicant: natural_person",  # two lines of YAML, neither a whole record
        "{id: C-900, applicant: natural_person, channel: online, received: 2024-03-02}",
        good[2],
        good[3] + "\r",
        '{"id": "' + "x" * (10 * 1024 * 1024) + '"}',
        good[4],
        "\t",
        good[5],
    ]
    raw = "\n".join(lines).encode("utf-8") + b"\n\xff\xfe not utf-8\n" + good[6].encode() + b"\n"
    outcomes = []
    for workers in ("1", "2"):
        db = tmp_path / f"w{workers}.db"
        f = tmp_path / "cases.jsonl"
        f.write_bytes(raw)
        assert _run("init", "--db", str(db))[0] == 0
        code, out = _run(
            "case",
            "import",
            str(f),
            "--json",
            "--db",
            str(db),
            "--batch-size",
            "2",
            "--workers",
            workers,
        )
        outcomes.append((code, json.loads(out.replace(str(db), "DB")), _rows(db)))
    assert outcomes[0] == outcomes[1]
    code, report, rows = outcomes[0]
    assert code == 1 and report["imported"] == len(rows[0]) == 7  # C-900 from a YAML line
    places = [b["where"].rsplit(":", 1)[1] for b in report["skipped"]]
    assert places == ["2", "3", "4", "8", "12"]  # NUL, two YAML lines, > 10 MiB, not UTF-8


def test_a_clean_file_lands_whole_and_verifies(tmp_path: Path) -> None:
    lines = [_line("good", i) for i in range(60)]
    code, report, rows = _import(tmp_path, "s", lines, "--batch-size", "7", "--workers", "2")
    assert code == 0 and report["imported"] == 60 and len(rows[0]) == 61
    with Store(tmp_path / "s.db") as s:
        assert s.verify() == []


def _cases(n: int, fail_at: int | None = None) -> Iterator[Case]:
    for i in range(n):
        if i == fail_at:
            raise DisclosureError(f"the source broke at case {i}")
        yield Case.from_dict(_good(i))


@pytest.mark.parametrize("fail_at", [None, 3, 11, 24])
def test_import_stream_with_workers_keeps_the_batches_before_a_failing_read(
    tmp_path: Path, fail_at: int | None
) -> None:
    outcomes = []
    for workers in (1, 2):
        with Store(tmp_path / f"w{workers}.db") as s:
            try:
                n: int | str = s.import_stream(_cases(30, fail_at), batch_size=5, workers=workers)
            except DisclosureError as exc:  # with the count of cases that stay, after one batch
                n = str(exc)
            outcomes.append((n, s.count()))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == (30 if fail_at is None else fail_at // 5 * 5)


def test_read_skips_need_a_log() -> None:
    from disclosure.store.port import import_in_batches

    with pytest.raises(ValueError, match="needs a log"):
        import_in_batches(
            lambda *a, **k: [],
            [],
            batch_size=1,
            replace=False,
            progress=None,
            earlier=0,
            read_skips=[],
        )


def _square(n: int) -> int:
    return n * n


def test_a_pool_whose_work_is_done_is_joined_not_killed() -> None:
    with forked_pool(2) as pool:
        assert pool.map(_square, range(5)) == [0, 1, 4, 9, 16]
        workers = list(pool._pool)  # type: ignore[attr-defined]
    # Closed and joined (terminate() would leave the state "TERMINATE"), and
    # every worker has run to its end.
    assert pool._state == "CLOSE"  # type: ignore[attr-defined]
    assert workers
    assert [w.exitcode for w in workers] == [0] * len(workers)


def test_a_pool_left_by_a_failure_finishes_its_queued_work_and_is_joined() -> None:
    with pytest.raises(ZeroDivisionError), forked_pool(2) as pool:
        workers = list(pool._pool)  # type: ignore[attr-defined]
        jobs = [pool.apply_async(_square, (n,)) for n in range(6)]
        1 // 0  # noqa: B018
    assert pool._state == "CLOSE"  # type: ignore[attr-defined]
    assert [j.get(timeout=0) for j in jobs] == [0, 1, 4, 9, 16, 25]
    assert [w.exitcode for w in workers] == [0] * len(workers)


_STOPPED_EARLY = """
import sys
from disclosure.store.ahead import forked_pool

def big(n):
    return b"x" * (8 << 20)

for trial in range(20):
    try:
        with forked_pool(2) as pool:
            jobs = [pool.apply_async(big, (i,)) for i in range(8)]
            jobs[0].get()
            raise RuntimeError("stop")
    except RuntimeError:
        pass
print("ended")
"""


def test_a_pool_stopped_while_its_workers_send_large_results_ends() -> None:
    # Terminating workers that are writing 8 MB results kills one holding the
    # result queue's lock, and the pool then waits for ever (this very script
    # with multiprocessing's own Pool hangs within 20 trials).
    proc = subprocess.Popen(
        [sys.executable, "-c", _STOPPED_EARLY],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its workers too can be killed if it hangs
    )
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the pool did not end within 120 s")
    assert proc.returncode == 0, err
    assert out.strip() == "ended"


def test_ctrl_c_stops_an_import_with_workers_at_once_and_leaves_a_sound_store(
    tmp_path: Path,
) -> None:
    """The terminal sends SIGINT to the whole process group: the workers ignore it, so
    the pool is not left waiting on tasks that died (an import once hung here)."""
    f = tmp_path / "big.jsonl"
    with f.open("w", encoding="utf-8") as out:
        for i in range(120_000):
            out.write(json.dumps({**_good(i), "id": f"B-{i:06d}"}) + "\n")
    db = tmp_path / "s.db"
    assert _run("init", "--db", str(db))[0] == 0
    env = {**os.environ, "DISCLOSURE_LOAD_PLUGINS": ""}
    args = [sys.executable, "-m", "disclosure", "case", "import", str(f), "--db", str(db)]
    proc = subprocess.Popen(
        [*args, "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        con = sqlite3.connect(db)
        try:
            landed = con.execute("SELECT count(*) FROM cases").fetchone()[0]
        except sqlite3.OperationalError:
            landed = 0
        finally:
            con.close()
        if landed >= 6000:  # the workers are busy: batches after the first have landed
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail("the import did not end after Ctrl-C")
    assert "Traceback" not in err.decode(), err.decode()
    with Store(db) as s:
        assert s.verify() == []
