"""Agencies on one PostgreSQL server cannot read or change each other's cases.

Enforced by the database (row-level security keyed on the agency's role), so
most checks here bypass disclosure's code and speak SQL as a clerk's own login
role. Skipped unless ``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import attrs
import pytest

from conftest import D, make_case
from disclosure import Engine, Event
from disclosure.errors import NotFoundError, StoreError

psycopg = pytest.importorskip("psycopg")

from disclosure.store.postgres import PostgresStore  # noqa: E402


@attrs.define
class Platform:
    url: str
    role_a: str
    role_b: str
    clerk_a: str
    clerk_b: str

    def login(self, role: str) -> Any:
        """A connection as ``role`` itself (a clerk logging in), not through disclosure."""
        return psycopg.connect(self.url, user=role, autocommit=True)

    def login_url(self, role: str) -> str:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(self.url)
        netloc = role + "@" + parts.netloc.split("@", 1)[-1]
        return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def platform(pg_fresh: tuple[str, str], engine: Engine) -> Iterator[Platform]:
    url, prefix = pg_fresh
    with PostgresStore(url, engine) as owner:
        role_a = owner.add_agency("A", f"{prefix}_a")
        role_b = owner.add_agency("B", f"{prefix}_b")
        owner.db.execute(f'CREATE ROLE "{prefix}_clerk_a" LOGIN IN ROLE "{role_a}"')
        owner.db.execute(f'CREATE ROLE "{prefix}_clerk_b" LOGIN IN ROLE "{role_b}"')
    with PostgresStore(url, engine, agency="A") as a:
        a.import_cases(
            [make_case("2024-09-10", case_id="A-1"), make_case("2024-09-11", case_id="SAME")]
        )
    with PostgresStore(url, engine, agency="B") as b:
        b.import_cases([make_case("2024-09-12", case_id="SAME")])
    yield Platform(url, role_a, role_b, f"{prefix}_clerk_a", f"{prefix}_clerk_b")


def test_each_agency_sees_only_its_cases_through_the_store(
    platform: Platform, engine: Engine
) -> None:
    with PostgresStore(platform.url, engine, agency="B") as b:
        assert [c.id for c in b.iter_cases()] == ["SAME"]
        assert b.count() == 1 and b.count_query() == 1
        assert b.get("SAME").received == D("2024-09-12")  # B's own case of that id
        with pytest.raises(NotFoundError, match="no case 'A-1'"):
            b.get("A-1")
        with pytest.raises(NotFoundError):
            b.append("A-1", Event("request_correction", D("2024-09-13")))
        assert b.verify() == []
    with PostgresStore(platform.url, engine, agency="A") as a:
        assert a.get("A-1").events == ()  # B's attempt changed nothing
        assert a.get("SAME").received == D("2024-09-11")


def test_a_clerk_login_reads_and_writes_only_its_agency_in_sql(platform: Platform) -> None:
    with platform.login(platform.clerk_b) as con:
        assert con.execute("SELECT id, agency FROM cases ORDER BY id").fetchall() == [("SAME", "B")]
        assert con.execute("SELECT count(*) FROM events WHERE agency = 'A'").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM projection WHERE agency = 'A'").fetchone() == (0,)
        # changing or deleting A's rows finds no rows to change
        assert con.execute("UPDATE projection SET state = 'x' WHERE agency = 'A'").rowcount == 0
        assert con.execute("DELETE FROM cases WHERE agency = 'A'").rowcount == 0
        # writing a row into A is refused by the policy
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            con.execute(
                "INSERT INTO cases (agency, id, applicant, channel, received, genesis, head) "
                "VALUES ('A', 'A-FAKE', 'natural_person', 'online', '2024-09-10', '', '')"
            )
        # moving its own case into A is refused too
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            con.execute("UPDATE projection SET agency = 'A' WHERE case_id = 'SAME'")
        # it may not become A's role, nor switch the policies off
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(f'SET ROLE "{platform.role_a}"')
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("ALTER TABLE cases DISABLE ROW LEVEL SECURITY")
        # the event log is append-only for clerks, even in their own agency
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("UPDATE events SET note = 'x' WHERE case_id = 'SAME'")
    with platform.login(platform.clerk_a) as con:
        assert con.execute("SELECT count(*) FROM cases").fetchone() == (2,)
        assert con.execute("SELECT count(*) FROM cases WHERE id = 'A-FAKE'").fetchone() == (0,)


def test_what_a_clerk_may_delete_is_what_deployment_md_says(
    platform: Platform, engine: Engine
) -> None:
    """One event cannot be changed or removed; a whole case can (``--replace`` does it),
    and ``store verify`` does not notice a case removed whole."""
    with platform.login(platform.clerk_a) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("DELETE FROM events WHERE case_id = 'A-1'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # hashed columns
            con.execute("UPDATE cases SET applicant = 'x' WHERE id = 'A-1'")
        assert con.execute("DELETE FROM cases WHERE id = 'A-1'").rowcount == 1
        for table in ("events", "projection"):  # gone with it, by cascade
            found = con.execute(f"SELECT count(*) FROM {table} WHERE case_id = 'A-1'").fetchone()
            assert found == (0,)
    with PostgresStore(platform.url, engine, agency="A") as a:
        assert [c.id for c in a.iter_cases()] == ["SAME"] and a.verify() == []
    with platform.login(platform.clerk_a) as con:  # a projection row may be rewritten...
        con.execute("UPDATE projection SET state = 'concluded' WHERE case_id = 'SAME'")
    with PostgresStore(platform.url, engine, agency="A") as a:
        assert a.verify() != []  # ...and the replay finds it


def test_a_temporary_table_cannot_stand_in_for_the_agency_map(platform: Platform) -> None:
    with platform.login(platform.clerk_b) as con:
        con.execute("CREATE TEMP TABLE agencies (agency TEXT, role_name TEXT)")
        con.execute("INSERT INTO pg_temp.agencies VALUES ('A', %s)", (platform.role_b,))
        assert con.execute("SELECT count(*) FROM cases WHERE agency = 'A'").fetchone() == (0,)


def test_a_clerk_login_opens_the_store_for_its_only_agency(
    platform: Platform, engine: Engine
) -> None:
    with PostgresStore(platform.login_url(platform.clerk_a), engine) as a:
        assert a.agency == "A"
        a.append("A-1", Event("request_correction", D("2024-09-13")), expected_seq=0)
        assert [c.id for c in a.iter_cases()] == ["A-1", "SAME"]
    with pytest.raises(StoreError, match="may not act for agency 'A'"):
        PostgresStore(platform.login_url(platform.clerk_b), engine, agency="A")
    with pytest.raises(StoreError, match="no agency 'C' \\(expected one of: A, B.*disclosure init"):
        PostgresStore(platform.url, engine, agency="C")


def test_the_owner_sees_every_agency_but_writes_only_for_one(
    platform: Platform, engine: Engine
) -> None:
    with PostgresStore(platform.url, engine) as owner:
        assert owner.agency is None and owner.count() == 3
        with pytest.raises(StoreError, match="several agencies"):
            owner.get("SAME")
        with pytest.raises(StoreError, match="writing needs an agency"):
            owner.import_cases([make_case("2024-09-10", case_id="NEW")])
        assert owner.verify() == []
        # a report is one agency's: the cases of A and B are not counted together
        start, end = D("2024-01-01"), D("2024-12-31")
        with pytest.raises(StoreError, match=r"several agencies \(A, B\).*give --agency"):
            owner.period_summaries(["review_filed"], start, end)
        with pytest.raises(StoreError, match="several agencies"):
            next(owner.iter_cases(period=(start, end)))
    with PostgresStore(platform.url, engine, agency="A") as a:
        assert a.period_summaries(["review_filed"], start, end).total == 2


def test_agency_keys_in_chinese_or_long_ones_get_roles_of_their_own(
    pg_fresh: tuple[str, str], engine: Engine
) -> None:
    url, prefix = pg_fresh
    keys = [
        f"{prefix}北海市教育局",
        f"{prefix}钦州市教育局",
        f"{prefix}-guangxi-zhuang-autonomous-region-nanning-bureau-of-education",
        f"{prefix}-guangxi-zhuang-autonomous-region-nanning-bureau-of-health",
        f"{prefix}-a-b",
        f"{prefix}-a_b",
    ]
    made: list[str] = []
    try:
        with PostgresStore(url, engine) as owner:
            for key in keys:
                made.append(owner.add_agency(key))
            assert owner.add_agency(keys[0]) == made[0]  # registered again: the same role
            with pytest.raises(StoreError, match="longer than PostgreSQL's 63 bytes"):
                owner.add_agency(f"{prefix}-x", "r" * 64)
        assert len(set(made)) == len(keys) and all(len(r.encode()) <= 63 for r in made)
        for key in keys:  # each agency works: a case written and read through its role
            with PostgresStore(url, engine, agency=key) as store:
                store.open_case(make_case("2024-03-01", case_id="K-1"))
                assert [c.id for c in store.iter_cases()] == ["K-1"]
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(
                "DROP OWNED BY " + ", ".join(f'"{r}"' for r in made) if made else "SELECT 1"
            )
            for role in made:
                admin.execute(f'DROP ROLE IF EXISTS "{role}"')
