"""Shared fixtures: the national machine and small helpers to build cases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from disclosure import CalendarRegistry, Case, Engine, Event, Machine, load_ruleset

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"
#: The Guangxi calendar ships with the example plugin; core tests read the file.
GUANGXI = ROOT / "plugins" / "disclosure-guangxi" / "src" / "disclosure_guangxi" / "cn-guangxi.yaml"


@pytest.fixture(autouse=True)
def _no_outside_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    """Core tests see the core only, whatever plugins are installed; output width and the
    agency's settings do not depend on the terminal or folder the tests run from."""
    monkeypatch.setenv("DISCLOSURE_LOAD_PLUGINS", "")
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("DISCLOSURE_CONFIG", raising=False)


def case_open(case_id: str, *extra: str, received: str = "2024-03-01") -> list[str]:
    """CLI arguments that open a plain case (a natural person, online); add ``--db``."""
    return [
        "case",
        "open",
        case_id,
        "--applicant",
        "natural_person",
        "--channel",
        "online",
        "--received",
        received,
        *extra,
    ]


def D(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def make_case(
    received: str,
    *events: tuple[str, str] | tuple[str, str, dict[str, Any]],
    applicant: str = "natural_person",
    channel: str = "in_person",
    case_id: str = "T-1",
    calendar: str | None = None,
) -> Case:
    evs = []
    for item in events:
        data = item[2] if len(item) == 3 else {}  # type: ignore[misc]
        evs.append(Event(item[0], D(item[1]), dict(data)))
    return Case(case_id, applicant, channel, D(received), tuple(evs), calendar=calendar)


@pytest.fixture(scope="session")
def calendars() -> CalendarRegistry:
    return CalendarRegistry.default([EXAMPLES / "calendars", GUANGXI])


@pytest.fixture(scope="session")
def machine(calendars: CalendarRegistry) -> Machine:
    return Machine(load_ruleset("cn-ogi-2019"), calendars=calendars)


@pytest.fixture(scope="session")
def engine(calendars: CalendarRegistry) -> Engine:
    from disclosure.plugins import Plugins

    return Engine(calendars=calendars, plugins=Plugins.builtin_only())


def event_data(draw: Any, ruleset: Any, etype: str, on: dt.date) -> dict[str, Any]:
    """Plausible, sometimes invalid, data for an event type, from its field specs.

    For hypothesis tests: ``draw`` is a ``st.data()`` draw function.
    """
    from hypothesis import strategies as st

    data: dict[str, Any] = {}
    for name, spec in ruleset.events[etype].fields.items():
        if not spec.required and draw(st.booleans()):
            continue
        if spec.type == "outcome":
            data[name] = draw(st.sampled_from(sorted(ruleset.outcomes)))
        elif spec.type == "choice":
            data[name] = draw(st.sampled_from(spec.choices))
        elif spec.type == "int":
            data[name] = draw(st.integers(-1, 25))
        elif spec.type == "number":
            data[name] = draw(st.integers(-5, 500))
        elif spec.type == "date":
            data[name] = on + dt.timedelta(days=draw(st.integers(-3, 120)))
        elif spec.type == "bool":
            data[name] = draw(st.booleans())
        else:
            data[name] = "x"
    return data


# -- a PostgreSQL server for the store's contract and tenancy tests ------------------


@pytest.fixture(scope="session")
def pg_url():  # type: ignore[no-untyped-def]
    """The test server's URL: $DISCLOSURE_TEST_POSTGRES, or a throwaway server it starts.

    Skips when the variable is unset (or psycopg is missing), so the suite
    passes on a machine without PostgreSQL.
    """
    import os
    import shutil
    import subprocess
    import sys
    import tempfile

    wanted = os.environ.get("DISCLOSURE_TEST_POSTGRES", "")
    if not wanted:
        pytest.skip("DISCLOSURE_TEST_POSTGRES is not set (a postgresql:// URL, or 'start')")
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install '.[postgres]')")
    if wanted != "start":
        yield wanted
        return
    script = [sys.executable, str(ROOT / "scripts" / "pg-test-server")]
    root = tempfile.mkdtemp(prefix="disclosure-pg-")
    done = subprocess.run([*script, "start", root], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"scripts/pg-test-server start failed: {done.stderr.strip()}")
    try:
        yield done.stdout.strip()
    finally:
        subprocess.run([*script, "stop", root], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


def pg_database(url: str, name: str) -> str:
    """``url`` with its database replaced by ``name``."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@pytest.fixture
def pg_fresh(pg_url: str):  # type: ignore[no-untyped-def]
    """A new, empty database on the test server (dropped afterwards) and a role prefix
    unique to it (roles are global to the server); yields (url, prefix)."""
    import uuid

    import psycopg

    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield pg_database(pg_url, name), name
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            roles = [
                r[0]
                for r in admin.execute(
                    "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (name + "%",)
                )
            ]
            for role in roles:
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')
