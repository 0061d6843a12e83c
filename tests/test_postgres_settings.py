"""Each agency's settings on a PostgreSQL store: kept per agency, applied, isolated, migrated.

Skipped unless ``DISCLOSURE_TEST_POSTGRES`` is set.
"""

from __future__ import annotations

import pytest

from conftest import make_case
from disclosure import Engine
from disclosure.errors import StoreError
from disclosure.plugins import Plugins
from disclosure.settings import Settings

psycopg = pytest.importorskip("psycopg")

from disclosure.store.postgres import (  # noqa: E402
    _GRANTS,
    PG_MIGRATIONS,
    PG_SCHEMA_VERSION,
    PostgresStore,
)


def engine() -> Engine:
    return Engine(plugins=Plugins.builtin_only())


FIFTEEN = Settings(parameters={"cn-ogi-2019": {"correction_period": 15}})


def test_each_agency_folds_with_its_own_settings(pg_fresh: tuple[str, str]) -> None:
    url, prefix = pg_fresh
    with PostgresStore(url, engine()) as owner:
        owner.add_agency("A", f"{prefix}_a")
        owner.add_agency("B", f"{prefix}_b")
        assert owner.stored_settings() is None  # the owner acts for no agency
        with pytest.raises(StoreError, match="writing needs an agency"):
            owner.store_settings(FIFTEEN)
    with PostgresStore(url, engine(), agency="A") as a:
        a.store_settings(FIFTEEN)
        assert a.engine.parameters["cn-ogi-2019"]["correction_period"] == 15
    case = make_case("2024-09-10", ("request_correction", "2024-09-11"))
    with PostgresStore(url, engine(), agency="A") as a:  # applied when opened
        assert a.stored_settings() == FIFTEEN
        assert a.open_case(case).deadlines["correction"].limit == 15
    with PostgresStore(url, engine(), agency="B") as b:  # B keeps the ruleset's default
        assert b.stored_settings() is None
        assert b.open_case(case).deadlines["correction"].limit != 15


def test_an_agency_role_cannot_read_or_change_another_agencys_settings(
    pg_fresh: tuple[str, str],
) -> None:
    url, prefix = pg_fresh
    with PostgresStore(url, engine()) as owner:
        role_b = owner.add_agency("B", f"{prefix}_b")
        owner.add_agency("A", f"{prefix}_a")
        owner.db.execute(f'CREATE ROLE "{prefix}_clerk_b" LOGIN IN ROLE "{role_b}"')
    with PostgresStore(url, engine(), agency="A") as a:
        a.store_settings(FIFTEEN)
    with psycopg.connect(url, user=f"{prefix}_clerk_b", autocommit=True) as clerk:
        assert clerk.execute("SELECT count(*) FROM agency_settings").fetchone() == (0,)
        changed = clerk.execute(
            "UPDATE agency_settings SET document = '' WHERE agency = 'A'"
        ).rowcount
        assert changed == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            clerk.execute("INSERT INTO agency_settings VALUES ('A', '')")
    with PostgresStore(url, engine(), agency="A") as a:
        assert a.stored_settings() == FIFTEEN


def test_a_version_1_store_is_migrated_with_its_agencies_and_cases(
    pg_fresh: tuple[str, str],
) -> None:
    """A database as version 1 left it (no settings table) opens, upgrades, and works."""
    assert PG_SCHEMA_VERSION >= 2
    url, prefix = pg_fresh
    role = f"{prefix}_a"
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute(PG_MIGRATIONS[1].encode())
        db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        db.execute(f'CREATE ROLE "{role}" NOLOGIN')
        db.execute(f'GRANT "{role}" TO CURRENT_USER')
        v1_grants = _GRANTS.replace(
            "GRANT SELECT, INSERT, UPDATE ON agency_settings TO {role};", ""
        )
        db.execute(v1_grants.format(schema="public", role=f'"{role}"').encode())
        db.execute("INSERT INTO agencies VALUES ('A', %s)", (role,))
    with PostgresStore(url, engine(), create=False) as owner:  # the owner upgrades it
        assert owner.schema_version == PG_SCHEMA_VERSION
    with PostgresStore(url, engine(), agency="A", create=False) as a:
        a.open_case(make_case("2024-09-10", case_id="OLD-1"))
        a.store_settings(FIFTEEN)  # the role got its grant on the new table
        assert a.stored_settings() == FIFTEEN
        assert a.verify() == []
