"""Opening a PostgreSQL store: from an empty database, from schema version 1, and refusals.

Version 1 is built here by hand, as that version left a database: its
migration (``PG_MIGRATIONS[1]``), its version in ``meta``, an agency role
with the grants of that version and cases written as rows. Opening it must
bring it to ``PG_SCHEMA_VERSION`` without touching a row, so every chain
still verifies. Skipped unless ``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from conftest import EXAMPLES, D
from disclosure import Case, Engine, Event, load_cases
from disclosure.plugins import Plugins
from disclosure.settings import parse_settings
from disclosure.store import StoreError, project
from disclosure.store.chain import chained_rows
from disclosure.store.schema import CASE_COLUMNS, EVENT_COLUMNS

psycopg = pytest.importorskip("psycopg")

from disclosure.store.postgres import (  # noqa: E402
    PG_MIGRATIONS,
    PG_SCHEMA_VERSION,
    PROJECTION_COLUMNS,
    PostgresStore,
)

AGENCY = "agency-1"

#: What ``add_agency`` granted an agency's role under version 1.
V1_GRANTS = """
GRANT USAGE ON SCHEMA public TO "{role}";
GRANT SELECT ON meta, agencies TO "{role}";
GRANT SELECT, INSERT, DELETE ON cases TO "{role}";
GRANT UPDATE (seq, head) ON cases TO "{role}";
GRANT SELECT, INSERT ON events TO "{role}";
GRANT SELECT, INSERT, UPDATE, DELETE ON projection TO "{role}";
"""


def builtin_engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


def _cases() -> list[Case]:
    personal = Case(
        "P-1",
        "natural_person",
        "online",
        D("2024-03-01"),
        (Event("extend", D("2024-03-20"), note="张三 13812345678", by="clerk li"),),
        subject="住址 南宁市青秀区 1 号",
        applicant_name="张三",
        id_number="110101199003071234",
        contact="zhang@example.com",
    )
    return [*load_cases(EXAMPLES / "agency-2024" / "cases.yaml")[:40], personal]


def _version_1(url: str, role: str, engine: Engine) -> list[Case]:
    """Make the empty database at ``url`` a version-1 store holding one agency's cases."""
    cases = [engine.normalize(c) for c in _cases()]
    with psycopg.connect(url) as con:
        con.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        con.execute(PG_MIGRATIONS[1].encode())
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        con.execute(f'CREATE ROLE "{role}" NOLOGIN')
        con.execute(V1_GRANTS.format(role=role).encode())
        con.execute("INSERT INTO agencies VALUES (%s, %s)", (AGENCY, role))
        for case in cases:
            row, events = chained_rows(case, "2023-05-06T07:08:09+00:00")
            con.execute(
                f"INSERT INTO cases ({CASE_COLUMNS}, seq, genesis, head, agency) "
                f"VALUES ({', '.join(['%s'] * 15)})",
                (*row, AGENCY),
            )
            for ev in events:
                con.execute(
                    f"INSERT INTO events ({EVENT_COLUMNS}, hash, agency) "
                    f"VALUES ({', '.join(['%s'] * 10)})",
                    (*ev, AGENCY),
                )
            values = list(_values(project(engine.fold(case), engine)))
            values[4], values[13] = int(values[4]), int(values[13])
            con.execute(
                f"INSERT INTO projection ({PROJECTION_COLUMNS}, agency) "
                f"VALUES ({', '.join(['%s'] * 16)})",
                (*values, AGENCY),
            )
    return cases


def _values(projection: Any) -> tuple[Any, ...]:
    import attrs

    return tuple(getattr(projection, f.name) for f in attrs.fields(type(projection)))


def _snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the case tables and meta, as the owner sees them."""
    with psycopg.connect(url) as con:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("meta", "agencies", "cases", "events", "projection")
        }


def _version(url: str) -> str:
    with psycopg.connect(url) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    assert row is not None
    return str(row[0])


def _login(url: str, role: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=role + "@" + parts.netloc.split("@", 1)[-1]))


def test_version_1_is_the_oldest_version_and_every_later_one_migrates_from_it() -> None:
    """If this fails, a version was added: the version-1 database built here now
    runs its migration too (the test below); check that this still says enough."""
    assert PG_SCHEMA_VERSION == 3 and sorted(PG_MIGRATIONS) == [1, 2, 3]


def test_an_empty_database_becomes_a_current_store(pg_fresh: tuple[str, str]) -> None:
    url, prefix = pg_fresh
    with pytest.raises(StoreError, match="no case store in this database"):
        PostgresStore(url, builtin_engine(), create=False)
    with PostgresStore(url, builtin_engine()) as owner:
        assert owner.schema_version == PG_SCHEMA_VERSION
        owner.add_agency(AGENCY, f"{prefix}_a1")
    with psycopg.connect(url) as con:
        secured = dict(
            con.execute(
                "SELECT relname, relrowsecurity FROM pg_class WHERE relname = ANY(%s)",
                (["cases", "events", "projection", "agency_settings"],),
            ).fetchall()
        )
    assert secured == dict.fromkeys(["cases", "events", "projection", "agency_settings"], True)
    with PostgresStore(url, builtin_engine(), agency=AGENCY) as store:
        store.open_case(Case("N-1", "natural_person", "online", D("2024-03-01")))
        assert store.verify() == [] and store.count() == 1


def test_version_1_is_migrated_without_touching_a_row(pg_fresh: tuple[str, str]) -> None:
    url, prefix = pg_fresh
    role, engine = f"{prefix}_a1", builtin_engine()
    cases = _version_1(url, role, engine)
    before = _snapshot(url)
    with PostgresStore(url, engine, create=False) as owner:
        assert owner.schema_version == PG_SCHEMA_VERSION
    after = _snapshot(url)
    assert after["meta"] == [("schema_version", str(PG_SCHEMA_VERSION))]
    assert {t: r for t, r in after.items() if t != "meta"} == {
        t: r for t, r in before.items() if t != "meta"
    }
    with psycopg.connect(url) as con:
        granted = con.execute(
            "SELECT has_table_privilege(%s, 'agency_settings', 'SELECT'), "
            "has_table_privilege(%s, 'agency_settings', 'INSERT'), "
            "has_table_privilege(%s, 'agency_settings', 'UPDATE')",
            (role, role, role),
        ).fetchone()
    assert granted == (True, True, True)  # the agency registered under version 1 may use it
    with PostgresStore(url, engine, agency=AGENCY) as store:
        assert store.verify() == []
        assert [c.id for c in store.iter_cases()] == sorted(c.id for c in cases)
        assert store.get("P-1") == next(c for c in cases if c.id == "P-1")
        store.store_settings(parse_settings('[agency]\nname = "Agency One"\n', "test"))
        store.open_case(Case("N-1", "natural_person", "online", D("2024-03-01")))
        assert store.verify() == []
    with PostgresStore(url, engine, agency=AGENCY) as again:
        settings = again.stored_settings()
        assert settings is not None and 'name = "Agency One"' in settings.to_toml()


def test_a_role_that_may_not_migrate_is_told_to_ask_the_owner(pg_fresh: tuple[str, str]) -> None:
    url, prefix = pg_fresh
    role = f"{prefix}_a1"
    _version_1(url, role, builtin_engine())
    clerk = f"{prefix}_clerk"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f'CREATE ROLE "{clerk}" LOGIN IN ROLE "{role}"')
    before = _snapshot(url)
    with pytest.raises(StoreError) as refused:
        PostgresStore(_login(url, clerk), builtin_engine(), create=False)
    message = str(refused.value)
    assert f"upgrading to {PG_SCHEMA_VERSION}" in message and "owner" in message
    assert "\n" not in message
    assert _snapshot(url) == before and _version(url) == "1"  # nothing half-migrated


def test_reopening_a_current_store_changes_nothing(pg_fresh: tuple[str, str]) -> None:
    url, prefix = pg_fresh
    with PostgresStore(url, builtin_engine()) as owner:
        owner.add_agency(AGENCY, f"{prefix}_a1")
    with PostgresStore(url, builtin_engine(), agency=AGENCY) as store:
        store.import_cases(_cases())
    before = _snapshot(url)
    for _ in range(2):
        with PostgresStore(url, builtin_engine(), create=False) as again:
            assert again.schema_version == PG_SCHEMA_VERSION
    assert _snapshot(url) == before


def test_concurrent_openers_of_an_empty_database_migrate_it_once(
    pg_fresh: tuple[str, str],
) -> None:
    url, _ = pg_fresh
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_it() -> None:
        start.wait()
        try:
            PostgresStore(url, builtin_engine()).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert _version(url) == str(PG_SCHEMA_VERSION)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (str(PG_SCHEMA_VERSION + 1), f"newer disclosure \\(schema {PG_SCHEMA_VERSION + 1}"),
        ("two", "'two', not a number"),
    ],
)
def test_a_newer_or_unreadable_version_is_refused(
    pg_fresh: tuple[str, str], value: str, expected: str
) -> None:
    url, _ = pg_fresh
    PostgresStore(url, builtin_engine()).close()
    with psycopg.connect(url) as con:
        con.execute("UPDATE meta SET value = %s WHERE key = 'schema_version'", (value,))
    before = _snapshot(url)
    with pytest.raises(StoreError, match=expected):
        PostgresStore(url, builtin_engine())
    assert _snapshot(url) == before


def test_a_database_of_something_else_is_left_alone(pg_fresh: tuple[str, str]) -> None:
    url, _ = pg_fresh
    with psycopg.connect(url) as con:
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    with pytest.raises(StoreError, match="not a disclosure case store"):
        PostgresStore(url, builtin_engine())
    with psycopg.connect(url) as con:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
    assert tables == ["invoices"]
