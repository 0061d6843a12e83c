"""The store under faults: killed writers, concurrent writers, full and read-only disks."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import D, make_case
from disclosure import Engine, Event
from disclosure.plugins import Plugins
from disclosure.store import ConflictError, Store, StoreError

WRITER = """
import sys, datetime as dt
from disclosure import Event, Engine
from disclosure.plugins import Plugins
from disclosure.store import Store
store = Store(sys.argv[1], Engine(plugins=Plugins.builtin_only()))
cases = [f"K-{i}" for i in range(5)]
i = 0
while True:
    cid = cases[i % 5]
    seq = len(store.get(cid).events)
    store.append(cid, Event("set_reply_date", dt.date(2024, 3, 2), {"due": "2024-12-31"},
                            note=f"n{i}"), expected_seq=seq)
    print(f"{cid} {seq + 1}", flush=True)   # printed only after the commit
    i += 1
"""


def builtin_engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


def test_sigkill_at_random_points_loses_no_committed_event(tmp_path: Path) -> None:
    db = tmp_path / "k.db"
    with Store(db, builtin_engine()) as store:
        store.import_cases([make_case("2024-03-01", case_id=f"K-{i}") for i in range(5)])
    rng = random.Random(11)
    committed: dict[str, int] = {}
    for _ in range(20):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(db)],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "DISCLOSURE_LOAD_PLUGINS": ""},
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the writer is running and has committed once
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        rest, _ = proc.communicate()
        for line in (first + rest).splitlines():
            cid, seq = line.split()
            committed[cid] = max(committed.get(cid, 0), int(seq))
        with Store(db, builtin_engine()) as store:
            assert store.verify() == []
            for cid, seq in committed.items():
                assert len(store.get(cid).events) >= seq  # every reported commit is there


def _hammer(path: str, case_ids: list[str], seconds: float, worker: int) -> tuple[int, int]:
    os.environ["DISCLOSURE_LOAD_PLUGINS"] = ""
    store = Store(path, Engine(plugins=Plugins.builtin_only()), timeout=30)
    ok = conflicts = 0
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        cid = case_ids[i % len(case_ids)]
        i += 1
        seq = len(store.get(cid).events)
        try:
            store.append(
                cid,
                Event("set_reply_date", D("2024-03-02"), {"due": "2024-12-31"}, note=f"w{worker}"),
                expected_seq=seq,
            )
            ok += 1
        except ConflictError:
            conflicts += 1
    store.close()
    return ok, conflicts


@pytest.mark.parametrize("writers", [2, 4])
@pytest.mark.parametrize("shared", [True, False], ids=["same-case", "different-cases"])
def test_concurrent_writers_lose_and_duplicate_nothing(
    tmp_path: Path, writers: int, shared: bool
) -> None:
    db = tmp_path / "c.db"
    ids = [f"C-{i}" for i in range(writers)]
    with Store(db, builtin_engine()) as store:
        store.import_cases([make_case("2024-03-01", case_id=cid) for cid in ids])
    jobs = [(str(db), ids if shared else [ids[w]], 1.5, w) for w in range(writers)]
    with multiprocessing.get_context("spawn").Pool(writers) as pool:
        results = pool.starmap(_hammer, jobs)
    appended = sum(ok for ok, _ in results)
    with Store(db, builtin_engine()) as store:
        assert store.verify() == []
        total = sum(len(store.get(cid).events) for cid in ids)
        assert total == appended  # nothing lost, nothing duplicated
        for cid in ids:
            seqs = [
                r[0]
                for r in store.db.execute(
                    "SELECT seq FROM events WHERE case_id = ? ORDER BY seq", (cid,)
                )
            ]
            assert seqs == list(range(1, len(seqs) + 1))
    if not shared:
        assert sum(c for _, c in results) == 0  # different cases never conflict
    assert appended > 0


@pytest.fixture
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_full_disk_gives_a_clear_error_and_corrupts_nothing(small_disk: Path) -> None:
    db = small_disk / "full.db"
    store = Store(db, builtin_engine())
    store.open_case(make_case("2024-03-01", case_id="F-0"))
    error = None
    for i in range(1, 100_000):
        try:
            store.import_cases(
                [
                    make_case(
                        "2024-03-01",
                        ("decide", "2024-03-05", {"outcome": "disclosed"}),
                        case_id=f"F-{i}",
                    )
                ]
            )
        except StoreError as exc:
            error = str(exc)
            break
    assert error is not None and "full" in error and "nothing was written" in error
    store.close()
    with Store(db, builtin_engine()) as again:
        assert again.verify() == []
        assert again.count() == i  # every case before the failing one, whole


def test_read_only_disk_gives_a_clear_error(small_disk: Path) -> None:
    db = small_disk / "ro.db"
    with Store(db, builtin_engine()) as store:
        store.open_case(make_case("2024-03-01", case_id="R-1"))
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "disclosure",
                "case",
                "event",
                "R-1",
                "extend",
                "--on",
                "2024-03-04",
                "--db",
                str(db),
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DISCLOSURE_LOAD_PLUGINS": ""},
        )
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        # the message itself says read-only, not only the path (pytest puts the test's name in it)
        message = proc.stderr.replace(str(db), "DB")
        assert "read-only" in message and proc.stderr.startswith("error: ")
        listed = subprocess.run(
            [sys.executable, "-m", "disclosure", "case", "list", "--db", str(db)],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "DISCLOSURE_LOAD_PLUGINS": ""},
        )
        assert listed.returncode == 0 and "R-1" in listed.stdout, listed.stderr
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    with Store(db, builtin_engine()) as store:
        assert store.verify() == [] and store.get("R-1").events == ()


def _capped(store: Store, pages: int) -> Store:
    """Make SQLite answer 'database or disk is full' past ``pages`` pages, as a full disk would."""
    store.db.execute(f"PRAGMA max_page_count = {pages}")
    return store


def test_a_full_store_refuses_whole_imports_and_keeps_every_earlier_one(tmp_path: Path) -> None:
    db = tmp_path / "capped.db"
    store = Store(db, builtin_engine())
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    _capped(store, pages + 8)
    landed, error = 0, None
    for i in range(10_000):
        batch = [
            make_case(
                "2024-03-01",
                ("decide", "2024-03-05", {"outcome": "disclosed"}),
                case_id=f"C-{i}-{j}",
            )
            for j in range(5)
        ]
        try:
            store.import_cases(batch)
        except StoreError as exc:
            error = str(exc)
            break
        landed += len(batch)
    assert error is not None and "full" in error and "nothing was written" in error
    assert landed > 0 and store.count() == landed
    store.close()
    with Store(db, builtin_engine()) as again:
        assert again.count() == landed and again.verify() == []


def test_cli_import_on_a_full_disk_says_how_many_cases_landed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import yaml
    from click.testing import CliRunner

    import disclosure.cli.stored_cases as stored_cases
    from disclosure.cli import cli

    db = tmp_path / "capped.db"
    Store(db, builtin_engine()).close()
    cases = [
        make_case(
            "2024-03-01", ("decide", "2024-03-05", {"outcome": "disclosed"}), case_id=f"I-{i}"
        ).to_dict()
        for i in range(400)
    ]
    source = tmp_path / "cases.yaml"
    source.write_text(yaml.safe_dump({"cases": cases}), encoding="utf-8")
    real_open = stored_cases.open_store

    def open_small(db_path: str, *args: object) -> Store:
        store = real_open(db_path)
        pages = store.db.execute("PRAGMA page_count").fetchone()[0]
        return _capped(store, pages + 12)

    monkeypatch.setattr(stored_cases, "open_store", open_small)
    result = CliRunner().invoke(
        cli, ["case", "import", str(source), "--batch-size", "20", "--db", str(db)]
    )
    assert result.exit_code == 1
    message = " ".join(result.output.split())
    assert "disk is full" in message, message
    import re

    found = re.search(r"\((\d+) case\(s\) (?:from earlier batches )?were imported", message)
    assert found, message
    landed = int(found.group(1))
    assert landed > 0 and landed % 20 == 0
    with Store(db, builtin_engine()) as store:
        assert store.count() == landed and store.verify() == []
