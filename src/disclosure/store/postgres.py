"""The case store on PostgreSQL: many agencies on one server, isolated by the database.

The same contract as the SQLite adapter (:class:`~disclosure.store.port.CaseStore`)
with the same rows: the columns, the hash chain (:mod:`.chain`) and the
projection (:mod:`.projection`) are shared, and dates stay ISO text, so a case
copied from one adapter to the other verifies the same way.

Tenancy: every row carries ``agency``. Row-level security policies let a
database role see and write only the rows of the agencies it is a member of
(``agencies`` maps each agency to its role). A store opened for an agency
``SET ROLE``\\ s to that role, so even a bug in this module cannot reach
another agency's rows; the table owner (the platform's administrator, who
runs the migrations) bypasses the policies. Why roles and not a session
setting such as ``current_setting('disclosure.agency')``: any session may
change a setting, so it only separates agencies whose clients are all trusted;
a role is granted by the administrator and checked by the server.

Appends race the database's way: the case row is locked (``FOR UPDATE``, a
row lock, never a table lock) while its sequence number is checked against
the one the writer folded, and ``(agency, case_id, seq)`` is unique.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
from collections.abc import Collection, Iterable, Iterator, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import attrs

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
except ImportError as exc:  # pragma: no cover - depends on the installation
    raise ImportError(
        "the PostgreSQL case store needs psycopg 3: pip install 'disclosure[postgres]'"
    ) from exc

import disclosure.store.verify as verify
from disclosure.engine import Engine
from disclosure.errors import ConflictError, NotFoundError, StoreError
from disclosure.lifecycle.case import Case, Event
from disclosure.lifecycle.state import CaseState
from disclosure.settings import Settings, parse_settings
from disclosure.store.ahead import ImportRows, cores
from disclosure.store.chain import (
    case_from_rows,
    chained_rows,
    event_hash,
    event_values,
    now_text,
)
from disclosure.store.period import (
    ALIKE_COLUMNS,
    CAN_COUNT,
    ID_SEPARATOR,
    members_by_receipt,
    merge_alike,
)
from disclosure.store.port import (
    FoldedBatch,
    PeriodCases,
    Progress,
    Refold,
    RefoldTally,
    SettingsFollower,
    fold_batch,
    import_in_batches,
    readable_cases,
    refold_batch,
    refolded,
    refuse_future,
    settings_kept_changing,
)
from disclosure.store.projection import (
    DueCounts,
    Projection,
    active_clause,
    project,
    projection_from_row,
    projection_values,
    query_clauses,
)
from disclosure.store.schema import CASE_COLUMNS, EVENT_COLUMNS

if TYPE_CHECKING:
    from disclosure.reports.build import CaseSummary

__all__ = ["PG_SCHEMA_VERSION", "PostgresStore"]

PROJECTION_COLUMNS = (
    "case_id, ruleset, state, waiting_on, closed, outcome, closed_on, applicant, received, "
    "next_due, next_due_clock, next_lapse, next_lapse_event, provisional, findings"
)

#: A projection row written whole, over the case's old one.
_PROJECTION_UPSERT = (
    f"INSERT INTO projection ({PROJECTION_COLUMNS}, agency) "
    f"VALUES ({', '.join(['%s'] * 16)}) ON CONFLICT (agency, case_id) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in PROJECTION_COLUMNS.split(", ")[1:])
)

#: Times a batch is folded again because new settings were stored meanwhile.
SETTINGS_RETRIES = 5

#: Cases that ``refold`` reads, folds and writes in one transaction.
REFOLD_BATCH = 2000


def _stored_projection(projection: Projection, agency: str) -> tuple[Any, ...]:
    """A projection's row values: flags as 0/1, as in the SQLite file (so rows compare)."""
    values = list(projection_values(projection))
    values[4], values[13] = int(values[4]), int(values[13])
    return (*values, agency)


#: Who may act for which agency: the policies below read it.
_SCOPE = (
    "agency IN (SELECT a.agency FROM agencies a JOIN pg_roles r ON r.rolname = a.role_name "
    "WHERE pg_has_role(current_user, r.oid, 'USAGE'))"
)

PG_SCHEMA_VERSION = 3

#: Schema 3's policy: the row's own agency is looked up by its key, so a statement
#: costs the same with 10 agency roles or 10,000 (``_SCOPE`` tested every role).
_ROW_SCOPE = (
    "EXISTS (SELECT 1 FROM agencies a JOIN pg_roles r ON r.rolname = a.role_name "
    "WHERE a.agency = {table}.agency AND pg_has_role(current_user, r.oid, 'USAGE'))"
)


def _row_policies(*tables: str) -> str:
    return "\n".join(
        f"DROP POLICY agency_rows ON {t}; CREATE POLICY agency_rows ON {t} "
        f"USING ({_ROW_SCOPE.format(table=t)}) WITH CHECK ({_ROW_SCOPE.format(table=t)});"
        for t in tables
    )


#: The PostgreSQL schema, one migration per version (its own numbering: the
#: SQLite history of ALTERs is not replayed; version 1 is SQLite's schema 5
#: plus ``agency`` and the policies). Table names in the policies are bound
#: when they are created, so a temporary table cannot stand in for ``agencies``.
PG_MIGRATIONS: dict[int, str] = {
    1: f"""
    CREATE TABLE agencies (
        agency TEXT PRIMARY KEY,
        role_name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE cases (
        agency TEXT NOT NULL REFERENCES agencies(agency),
        id TEXT NOT NULL,
        ruleset TEXT,
        calendar TEXT,
        applicant TEXT NOT NULL,
        channel TEXT NOT NULL,
        received TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        applicant_name TEXT NOT NULL DEFAULT '',
        id_number TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        fields TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL DEFAULT 0,
        genesis TEXT NOT NULL,
        head TEXT NOT NULL,
        PRIMARY KEY (agency, id)
    );
    CREATE INDEX cases_id ON cases(id);
    CREATE TABLE events (
        agency TEXT NOT NULL,
        case_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        on_date TEXT NOT NULL,
        data TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        by TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (agency, case_id, seq),
        FOREIGN KEY (agency, case_id) REFERENCES cases(agency, id) ON DELETE CASCADE
    );
    CREATE INDEX events_type_on ON events(type, on_date);
    CREATE TABLE projection (
        case_id TEXT NOT NULL,
        ruleset TEXT NOT NULL,
        state TEXT NOT NULL,
        waiting_on TEXT NOT NULL,
        closed INTEGER NOT NULL,
        outcome TEXT,
        closed_on TEXT,
        applicant TEXT NOT NULL,
        received TEXT NOT NULL,
        next_due TEXT,
        next_due_clock TEXT,
        next_lapse TEXT,
        next_lapse_event TEXT,
        provisional INTEGER NOT NULL DEFAULT 0,
        findings INTEGER NOT NULL DEFAULT 0,
        agency TEXT NOT NULL,
        PRIMARY KEY (agency, case_id),
        FOREIGN KEY (agency, case_id) REFERENCES cases(agency, id) ON DELETE CASCADE
    );
    CREATE INDEX projection_due ON projection(agency, next_due, case_id)
        WHERE next_due IS NOT NULL;
    CREATE INDEX projection_lapse ON projection(agency, next_lapse, case_id)
        WHERE next_lapse IS NOT NULL;
    CREATE INDEX projection_open ON projection(agency, closed, waiting_on);
    CREATE INDEX projection_state ON projection(agency, state);
    CREATE INDEX projection_received_closed ON projection(agency, received, closed_on);
    CREATE INDEX projection_closed_received ON projection(agency, closed_on, received);
    ALTER TABLE cases ENABLE ROW LEVEL SECURITY;
    ALTER TABLE events ENABLE ROW LEVEL SECURITY;
    ALTER TABLE projection ENABLE ROW LEVEL SECURITY;
    CREATE POLICY agency_rows ON cases USING ({_SCOPE}) WITH CHECK ({_SCOPE});
    CREATE POLICY agency_rows ON events USING ({_SCOPE}) WITH CHECK ({_SCOPE});
    CREATE POLICY agency_rows ON projection USING ({_SCOPE}) WITH CHECK ({_SCOPE});
    """,
    # each agency's own settings (ruleset, calendar, parameters), as their TOML text;
    # agencies registered under version 1 get the grant their role now needs
    2: f"""
    CREATE TABLE agency_settings (
        agency TEXT PRIMARY KEY REFERENCES agencies(agency) ON DELETE CASCADE,
        document TEXT NOT NULL
    );
    ALTER TABLE agency_settings ENABLE ROW LEVEL SECURITY;
    CREATE POLICY agency_rows ON agency_settings USING ({_SCOPE}) WITH CHECK ({_SCOPE});
    DO $$
    DECLARE r TEXT;
    BEGIN
        FOR r IN SELECT role_name FROM agencies LOOP
            EXECUTE format('GRANT SELECT, INSERT, UPDATE ON agency_settings TO %I', r);
        END LOOP;
    END $$;
    """,
    # the same rows admitted, found by the row's agency instead of a list of all of them
    3: _row_policies("cases", "events", "projection", "agency_settings"),
}

#: What an agency's role may do: events are insert-only (no one event can be
#: changed or removed), the case row's hashed columns cannot be updated; a whole
#: case may be deleted (``import --replace``), its events and projection with it.
_GRANTS = """
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON meta, agencies TO {role};
GRANT SELECT, INSERT, DELETE ON cases TO {role};
GRANT UPDATE (seq, head) ON cases TO {role};
GRANT SELECT, INSERT ON events TO {role};
GRANT SELECT, INSERT, UPDATE, DELETE ON projection TO {role};
GRANT SELECT, INSERT, UPDATE ON agency_settings TO {role};
"""


#: The tables an import writes, in order (cases first: the others reference them),
#: with the columns it writes.
_IMPORTED = (
    ("cases", f"{CASE_COLUMNS}, seq, genesis, head, agency"),
    ("events", f"{EVENT_COLUMNS}, hash, agency"),
    ("projection", f"{PROJECTION_COLUMNS}, agency"),
)
#: The prefix of the session's staging tables (``pg_temp``: never another session's,
#: and never a name the statements on the real tables could resolve to).
_STAGE = "pg_temp.disclosure_copy_"


def _one_line(exc: BaseException) -> str:
    """The server's own message, without the SQL context lines psycopg adds."""
    diag = getattr(exc, "diag", None)
    primary = getattr(diag, "message_primary", None)
    return verify.one_line(primary or str(exc).split("\n", 1)[0])


def redacted(url: str) -> str:
    """The URL without its password: for messages, and for the ``--db`` of the commands
    they suggest, so it keeps every other parameter (a socket folder, ``sslmode``).

    A host that is a socket folder (or several hosts) goes in the query, where
    a URL can hold it; with no host the URL names none, as libpq then picks
    its default socket, not ``localhost``.
    """
    try:
        parts = {k: str(v) for k, v in conninfo_to_dict(url).items()}
    except psycopg.Error:
        return "the PostgreSQL server"
    parts.pop("password", None)
    user, db = parts.pop("user", ""), parts.pop("dbname", "")
    host, port = parts.pop("host", ""), parts.pop("port", "")
    query: dict[str, str] = {}
    if host.startswith("/") or "," in host:
        query["host"] = host
        host = ""
    elif ":" in host:  # an IPv6 address
        host = f"[{host}]"
    if port and not host:
        query["port"] = port
    elif port:
        host = f"{host}:{port}"
    query.update(parts)
    login = f"{quote(user, safe='')}@" if user else ""
    tail = f"?{urlencode(query, safe='/,')}" if query else ""
    return f"postgresql://{login}{host}/{quote(db, safe='')}{tail}"


#: PostgreSQL cuts longer identifiers (NAMEDATALEN - 1).
MAX_ROLE_BYTES = 63


def role_for(agency: str, *, hashed: bool = False) -> str:
    """The role an agency key gets: ``disclosure_`` and the key in lower case with
    ``_`` for other characters, when the key is ASCII and that fits; else (or with
    ``hashed``) a readable part of it and a hash of the whole key, so keys in
    Chinese, or long ones sharing a beginning, get roles of their own."""
    readable = re.sub(r"[^a-z0-9_]", "_", agency.lower())
    plain = "disclosure_" + readable
    if not hashed and agency.isascii() and len(plain) <= MAX_ROLE_BYTES:
        return plain
    digest = hashlib.sha256(agency.encode("utf-8")).hexdigest()[:12]
    part = readable.strip("_")[:38]
    return "disclosure_" + (f"{part}_" if part else "") + digest


class PostgresStore:
    """A case store in a PostgreSQL database, scoped to one agency or to what the role sees."""

    def __init__(
        self,
        url: str,
        engine: Engine | None = None,
        *,
        agency: str | None = None,
        create: bool = True,
    ) -> None:
        self.url = url
        self.where = redacted(url)
        self._settings = SettingsFollower(engine or Engine(), self._parsed_settings)
        self._role: str | None = None
        self._staged = False  # this session's COPY staging tables exist (``_may_stage``)
        self._may_create_temp: bool | None = None
        try:
            self.db = psycopg.connect(url, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"{self.where}: cannot connect: {_one_line(exc)}") from None
        try:
            self._open(create)
            self.agency = self._become(agency)
            self._follow_settings()  # the agency's own choices travel with its cases
        except psycopg.Error as exc:
            self.close()
            raise StoreError(
                f"{self.where}: cannot open the case store: {_one_line(exc)}"
            ) from None
        except BaseException:
            self.close()
            raise

    # -- opening ------------------------------------------------------------------
    def _open(self, create: bool) -> None:
        version = self._version()
        if version == PG_SCHEMA_VERSION:
            return
        if version > PG_SCHEMA_VERSION:
            raise StoreError(
                f"{self.where}: written by a newer disclosure (schema {version}, this one "
                f"knows {PG_SCHEMA_VERSION}); upgrade disclosure"
            )
        if version == 0 and not create:
            raise StoreError(
                f"{self.where}: no case store in this database (create one with "
                f"'disclosure init --db {self.where}')"
            )
        self._migrate()

    def _version(self) -> int:
        found = self.db.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
        if not found or not found[0]:
            return 0
        row = self.db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row is None:
            return 0
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise StoreError(
                f"{self.where}: the schema version in the meta table is {row[0]!r}, not a number"
            ) from None

    def _has_foreign_tables(self) -> bool:
        row = self.db.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename <> 'meta'"
        ).fetchone()
        return bool(row and row[0])

    def _migrate(self) -> None:
        """Bring the schema to ``PG_SCHEMA_VERSION``; concurrent openers wait for each other."""
        try:
            with self.db.transaction():
                self.db.execute("SELECT pg_advisory_xact_lock(hashtext('disclosure-migrate'))")
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
                )
                version = self._version()  # again, now that no other opener migrates
                if version == 0 and self._has_foreign_tables():
                    raise StoreError(
                        f"{self.where}: not a disclosure case store (the schema has other "
                        "tables); refusing to touch it — use an empty database"
                    )
                for target in range(version + 1, PG_SCHEMA_VERSION + 1):
                    self.db.execute(PG_MIGRATIONS[target].encode())
                    self.db.execute(
                        "INSERT INTO meta VALUES ('schema_version', %s) "
                        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                        (str(target),),
                    )
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreError(
                f"{self.where}: the schema needs creating or upgrading to {PG_SCHEMA_VERSION}, "
                f"which this role may not do ({_one_line(exc)}); open it once as the "
                "database's owner"
            ) from None

    @property
    def schema_version(self) -> int:
        return self._version()

    def _become(self, agency: str | None) -> str | None:
        """Act as ``agency``'s role (SET ROLE); without one, the login role's only agency."""
        if agency is not None:
            row = self.db.execute(
                "SELECT role_name FROM agencies WHERE agency = %s", (agency,)
            ).fetchone()
            if row is None:
                from disclosure.errors import did_you_mean

                known = [r[0] for r in self.db.execute("SELECT agency FROM agencies ORDER BY 1")]
                hint = did_you_mean(agency, known) if known else "none is registered"
                raise StoreError(
                    f"{self.where}: no agency '{agency}' ({hint}; the database owner registers "
                    "one with 'disclosure init --db URL --agency KEY', or "
                    "PostgresStore.add_agency)"
                )
            try:
                self.db.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(row[0])))
            except psycopg.errors.InsufficientPrivilege:
                user = self.db.execute("SELECT session_user").fetchone()
                raise StoreError(
                    f"{self.where}: role {user[0] if user else '?'} may not act for agency "
                    f"'{agency}' (GRANT {row[0]} TO it)"
                ) from None
            self._role = row[0]
            return agency
        mine = [
            r[0]
            for r in self.db.execute(
                "SELECT a.agency FROM agencies a JOIN pg_roles r ON r.rolname = a.role_name "
                "WHERE pg_has_role(current_user, r.oid, 'USAGE') "
                "AND NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user) ORDER BY 1"
            )
        ]
        return mine[0] if len(mine) == 1 else None

    @classmethod
    def open_existing(
        cls, url: str, engine: Engine | None = None, *, agency: str | None = None
    ) -> PostgresStore:
        return cls(url, engine, agency=agency, create=False)

    def add_agency(self, agency: str, role: str | None = None) -> str:
        """Register an agency and its role (created NOLOGIN if missing); return the role.

        Needs the owner's rights. The role gets exactly what a clerk needs;
        clerks log in as their own roles, granted this one. Without ``role``,
        an agency registered before keeps its role, a new one gets
        :func:`role_for` its key.
        """
        if role is not None and len(role.encode("utf-8")) > MAX_ROLE_BYTES:
            raise StoreError(
                f"{self.where}: role name '{role}' is longer than PostgreSQL's "
                f"{MAX_ROLE_BYTES} bytes; nothing was written (give a shorter --role)"
            )
        try:
            with self.db.transaction():
                if role is None:
                    known = self.db.execute(
                        "SELECT role_name FROM agencies WHERE agency = %s", (agency,)
                    ).fetchone()
                    role = known[0] if known else role_for(agency)
                    taken = self.db.execute(
                        "SELECT 1 FROM agencies WHERE role_name = %s AND agency <> %s",
                        (role, agency),
                    ).fetchone()
                    if taken:  # another key that reads the same (a-b, a_b)
                        role = role_for(agency, hashed=True)
                exists = self.db.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)
                ).fetchone()
                if not exists:
                    self.db.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(role)))
                # the owner may SET ROLE to it (needed unless the owner is a superuser)
                self.db.execute(
                    sql.SQL("GRANT {} TO {}").format(sql.Identifier(role), sql.SQL("CURRENT_USER"))
                )
                schema = self.db.execute("SELECT current_schema()").fetchone()
                assert schema is not None
                self.db.execute(
                    sql.SQL(_GRANTS).format(
                        schema=sql.Identifier(schema[0]), role=sql.Identifier(role)
                    )
                )
                self.db.execute(
                    "INSERT INTO agencies VALUES (%s, %s) "
                    "ON CONFLICT (agency) DO UPDATE SET role_name = EXCLUDED.role_name",
                    (agency, role),
                )
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.where}: cannot add agency '{agency}' (role {role}): {_one_line(exc)}"
            ) from None
        return role

    # -- the agency's settings -----------------------------------------------------
    def stored_settings(self) -> Settings | None:
        """The settings of the agency the store acts for (None for none, or no agency)."""
        text = self._settings_row()
        return None if text is None else self._parsed_settings(text)

    def _settings_row(self) -> str | None:
        if self.agency is None:
            return None
        try:
            row = self.db.execute(
                "SELECT document FROM agency_settings WHERE agency = %s", (self.agency,)
            ).fetchone()
        except psycopg.Error as exc:
            raise self._read("read the agency's settings", exc) from None
        return None if row is None else str(row[0])

    def _parsed_settings(self, text: str) -> Settings:
        return parse_settings(text, f"{self.where} agency '{self.agency}' (stored settings)")

    def _settings_lock(self, agency: str, *, shared: bool) -> None:
        """The agency's settings lock, to the end of the transaction: taken shared by each
        write that checks the settings it folded with, alone by ``store_settings``.

        A new case has no row for ``store_settings`` to lock or to fold again, and
        the settings row may not exist yet: without this lock an import could check
        the old settings and commit while new ones are being stored.
        """
        key = int.from_bytes(hashlib.sha256(f"settings:{agency}".encode()).digest()[:8], "big")
        kind = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        self.db.execute(f"SELECT {kind}(%s)", (key - (1 << 63),))

    def _follow_settings(self) -> Engine:
        """The engine for the agency's settings as stored now, made this store's engine.

        Another session may have stored new settings since this store was
        opened: each write folds with what its own transaction reads.
        """
        return self._settings.follow(self._settings_row())

    @property
    def engine(self) -> Engine:
        """The rulesets, calendars and plugins cases are folded with: the engine the store
        was opened with (or last given), with the settings its agency holds."""
        return self._settings.engine

    @engine.setter
    def engine(self, engine: Engine) -> None:
        self._settings.rebase(engine)

    def store_settings(self, settings: Settings) -> None:
        """Keep the agency's settings in the database and fold with them from now on.

        Every case of the agency is folded again with them and its projection
        row rewritten, in the same transaction, as on SQLite (a case that no
        longer folds refuses the settings, and nothing changes). The case rows
        are locked as they are read, so that no append lands between a case's
        fold and its row; an append that waited for the lock, or folded before
        these settings, sees them in its own transaction and folds again
        (:meth:`_follow_settings`).
        """
        agency = self._writer_agency()
        text = settings.to_toml()
        engine = self._settings.engine_for(text)  # the base engine with them, as a new store's
        try:
            with self.db.transaction(), self.db.cursor() as cur:
                self._settings_lock(agency, shared=False)
                cur.execute(
                    "INSERT INTO agency_settings VALUES (%s, %s) "
                    "ON CONFLICT (agency) DO UPDATE SET document = EXCLUDED.document",
                    (agency, text),
                )
                # the rows stay locked to the end: an append waits, and is folded with these
                for states in refolded(self._agency_cases(cur, agency, engine), engine):
                    rows = [_stored_projection(project(st, engine), agency) for st in states]
                    cur.executemany(_PROJECTION_UPSERT, rows)
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.where}: cannot store the settings of agency '{agency}': {_one_line(exc)}"
            ) from None
        self._settings.follow(text)  # only once they are the agency's

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scope --------------------------------------------------------------------
    def _scope(self, column: str = "agency") -> tuple[str, list[Any]]:
        """The agency condition every statement adds (the policies enforce it anyway;
        this lets the planner use the agency-first indexes)."""
        if self.agency is None:
            return "TRUE", []
        return f"{column} = %s", [self.agency]

    def _report_scope(self, column: str = "agency") -> tuple[str, list[Any]]:
        """:meth:`_scope` for a report, which is one agency's: a login that sees the cases
        of several agencies must say which (their cases would be counted together)."""
        if self.agency is None:
            try:
                seen = [
                    r[0]
                    for r in self.db.execute(
                        # a probe of the primary key per registered agency, not a
                        # DISTINCT over every row (PostgreSQL has no skip scan)
                        "SELECT a.agency FROM agencies a WHERE EXISTS (SELECT 1 FROM "
                        "projection p WHERE p.agency = a.agency) ORDER BY 1 LIMIT 6"
                    )
                ]
            except psycopg.Error as exc:
                raise self._read("tell whose cases it sees", exc) from None
            if len(seen) > 1:
                shown = ", ".join(seen[:5]) + (", …" if len(seen) > 5 else "")
                raise StoreError(
                    f"{self.where}: this login sees the cases of several agencies ({shown}); "
                    "a report is one agency's: give --agency (agency=...)"
                )
        return self._scope(column)

    def _writer_agency(self) -> str:
        if self.agency is None:
            raise StoreError(
                f"{self.where}: writing needs an agency: give --agency (agency=... in "
                "Python), or log in as a role of exactly one agency"
            )
        return self.agency

    # -- writing ------------------------------------------------------------------
    def open_case(self, case: Case) -> CaseState:
        """Add a new case (its events too, if any); the id must be new in the agency."""
        return self.import_cases([case])[0]

    def import_cases(self, cases: Iterable[Case], *, replace: bool = False) -> list[CaseState]:
        """One batch in one transaction: every case lands, or none does.

        Each case is folded once before the transaction starts (a bad log is
        refused with nothing written); the rows go in by ``COPY`` (see
        :meth:`_write_batch`).
        """
        agency = self._writer_agency()
        batch = list(cases)
        for _ in range(SETTINGS_RETRIES):
            self._follow_settings()  # settings stored since the store was opened
            text, engine = self._settings.current
            folded = fold_batch(engine, batch, replace=replace)
            rows = self._rows(folded, agency, text, engine)
            if self._write_batch(agency, rows, replace=replace, folded=folded):
                return folded.states
        raise settings_kept_changing(f"{self.where} (agency {agency})")

    def prepare_rows(self, cases: list[Case], *, replace: bool) -> ImportRows:
        """A batch's rows, as :meth:`import_cases` writes them; sends nothing to the server.

        For an import's worker processes (:mod:`.ahead`): raises the error
        :meth:`import_cases` would raise for a case that cannot land.
        """
        agency = self._writer_agency()
        text, engine = self._settings.current
        return self._rows(fold_batch(engine, cases, replace=replace), agency, text, engine)

    def write_rows(self, rows: ImportRows, *, replace: bool) -> bool:
        """Write a prepared batch in one transaction; False, with nothing written, if
        (without ``replace``) an id exists, or the agency holds other settings than the
        batch was folded with: :meth:`import_cases` then says which, or folds it again."""
        agency = self._writer_agency()
        return self._write_batch(agency, rows, replace=replace, folded=None)

    def _rows(
        self, folded: FoldedBatch, agency: str, settings: str | None, engine: Engine
    ) -> ImportRows:
        case_rows, event_rows = self._chained(folded.cases, agency)
        projections = [_stored_projection(project(st, engine), agency) for st in folded.states]
        return ImportRows(list(folded.cases), case_rows, event_rows, projections, settings)

    @staticmethod
    def _chained(
        batch: dict[str, Case], agency: str
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The case rows and event rows (hash chain included) of a batch, for ``agency``."""
        recorded = now_text()
        case_rows: list[tuple[Any, ...]] = []
        event_rows: list[tuple[Any, ...]] = []
        for case in batch.values():
            row, events = chained_rows(case, recorded)
            case_rows.append((*row, agency))
            event_rows.extend((*ev, agency) for ev in events)
        return case_rows, event_rows

    def _write_batch(
        self,
        agency: str,
        rows: ImportRows,
        *,
        replace: bool,
        folded: FoldedBatch | None,
        copy: bool = True,
    ) -> bool:
        """The rows of one batch in one transaction, after the existence check (or delete).

        Ids that exist already (without ``replace``) are refused by name
        (``folded``), or make it return False with nothing written (no ``folded``).
        Settings stored since the batch was folded make it return False, nothing
        written (the caller folds it again); the transaction holds the agency's
        settings lock shared (:meth:`_settings_lock`), so that none are stored
        between that check and its commit.

        PostgreSQL refuses ``COPY FROM`` into a table with row-level security,
        so the rows are copied into this session's temporary staging tables
        (no constraints, no policies) and moved with one ``INSERT … SELECT``
        per table: the policies, keys and constraints check them exactly as
        they check an ``INSERT`` (the same errors), at a fraction of the cost
        of a statement per row. Without the ``TEMPORARY`` privilege on the
        database (granted to everyone by default), or with ``copy=False``
        (kept to measure against), the rows go in with ``executemany``.
        """
        ids = rows.ids
        try:
            with self.db.transaction(), self.db.cursor() as cur:
                self._settings_lock(agency, shared=True)
                if self._settings_row() != rows.settings:  # stored since it was folded
                    return False
                if replace:
                    cur.execute(
                        "DELETE FROM cases WHERE agency = %s AND id = ANY(%s)", (agency, ids)
                    )
                else:
                    found = cur.execute(
                        "SELECT id FROM cases WHERE agency = %s AND id = ANY(%s)", (agency, ids)
                    ).fetchall()
                    if found:
                        if folded is None:
                            return False
                        raise folded.refuse_existing(
                            (r[0] for r in found), f"{self.where} (agency {agency})"
                        )
                tables = zip(_IMPORTED, (rows.cases, rows.events, rows.projections), strict=True)
                if copy and self._may_stage(cur):
                    for (table, columns), values in tables:
                        with cur.copy(f"COPY {_STAGE}{table} ({columns}) FROM STDIN") as out:
                            for value in values:
                                out.write_row(value)
                    # one round trip; cases first (the others reference them)
                    cur.execute(
                        "; ".join(
                            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {_STAGE}{table}"
                            for table, columns in _IMPORTED
                        )
                    )
                else:
                    for (table, columns), values in tables:
                        marks = ", ".join(["%s"] * (columns.count(",") + 1))
                        cur.executemany(
                            f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                            values,
                        )
        except psycopg.errors.UniqueViolation as exc:
            self._staged = False
            # another writer stored one of these ids after the check: refused by name,
            # as if the check had found it
            taken = [] if replace else self._existing(agency, ids)
            if not taken:
                raise StoreError(
                    f"{self.where}: import failed, nothing was written: {_one_line(exc)}"
                ) from None
            if folded is None:
                return False
            raise folded.refuse_existing(taken, f"{self.where} (agency {agency})") from None
        except psycopg.Error as exc:
            self._staged = False  # a rollback takes staging tables it created with it
            raise StoreError(
                f"{self.where}: import failed, nothing was written: {_one_line(exc)}"
            ) from None
        except BaseException:
            self._staged = False
            raise
        return True

    def _existing(self, agency: str, ids: Sequence[str]) -> list[str]:
        """Which of ``ids`` the agency holds now (none when that cannot be read)."""
        try:
            rows = self.db.execute(
                "SELECT id FROM cases WHERE agency = %s AND id = ANY(%s)", (agency, list(ids))
            ).fetchall()
        except psycopg.Error:
            return []
        return [r[0] for r in rows]

    def _may_stage(self, cur: psycopg.Cursor[Any]) -> bool:
        """Whether the staging tables exist (creating them, once per session, if allowed)."""
        if self._staged:
            return True
        if self._may_create_temp is None:
            row = cur.execute(
                "SELECT has_database_privilege(current_database(), 'TEMPORARY')"
            ).fetchone()
            self._may_create_temp = bool(row and row[0])
        if not self._may_create_temp:
            return False
        # the columns and types of the real tables, without their constraints and
        # policies; emptied at every commit (rows of a failed batch go with its rollback)
        cur.execute(
            "; ".join(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE}{table} ON COMMIT DELETE ROWS "
                f"AS SELECT {columns} FROM {table} WITH NO DATA"
                for table, columns in _IMPORTED
            )
        )
        self._staged = True
        return True

    def import_stream(
        self,
        cases: Iterable[Case],
        *,
        batch_size: int = 2000,
        replace: bool = False,
        progress: Progress | None = None,
        earlier: int = 0,
        workers: int | None = None,
    ) -> int:
        """Any number of cases, ``batch_size`` to a transaction, in flat memory.

        ``workers`` processes (default: one per core; 1: none) fold and hash
        the batches after the first while this one reads and writes.
        """
        if self.agency is not None:
            self._follow_settings()  # here and in the workers forked below
        return import_in_batches(
            self.import_cases,
            cases,
            batch_size=batch_size,
            replace=replace,
            progress=progress,
            earlier=earlier,
            writer=self,
            workers=cores() if workers is None else workers,
        )

    def append(self, case_id: str, event: Event, expected_seq: int | None = None) -> CaseState:
        """One event; :class:`ConflictError` if the log is not ``expected_seq`` long.

        The case is read and folded outside the write transaction (plugins may
        be slow); the transaction locks the case row, checks that its sequence
        number is still the one folded, and inserts the event and projection.
        """
        agency = self._writer_agency()
        refuse_future(case_id, f"event '{event.type}'", event.on)
        try:
            with self.db.transaction():  # one snapshot for the row and its log
                self.db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                engine = self._follow_settings()  # settings stored since it was opened
                case, seqs, header = self._load(case_id, agency, with_seqs=True)
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.where}: cannot read case {case_id}: {_one_line(exc)}"
            ) from None
        n = len(case.events)
        if seqs != list(range(1, n + 1)) or header != n:
            raise StoreError(
                f"case {case_id}: the event log is damaged (sequence numbers "
                f"{verify.ranges(seqs)}, case header says {header}); nothing was written — "
                f"run 'disclosure store verify --db {self.where}'"
            )
        if expected_seq is not None and expected_seq != n:
            raise ConflictError(
                f"case {case_id}: expected {expected_seq} events but the store has "
                f"{n}; someone else changed it — reload and retry"
            )
        event = attrs.evolve(event, data=MappingProxyType(dict(event.data)))
        state = engine.append(case, event, notify=False)
        seq = len(state.case.events)
        try:
            with self.db.transaction():
                # the settings lock before the row's, in the order new settings take them
                self._settings_lock(agency, shared=True)
                now = self.db.execute(
                    "SELECT seq, head FROM cases WHERE agency = %s AND id = %s FOR UPDATE",
                    (agency, case_id),
                ).fetchone()
                if now is None or now[0] != n:
                    raise ConflictError(
                        f"case {case_id}: another writer appended event {n + 1} first; "
                        "reload and retry"
                    )
                settled = self._follow_settings()
                if settled is not engine:  # new settings were stored meanwhile
                    engine, state = settled, settled.append(case, event, notify=False)
                values = event_values(case_id, seq, state.case.events[-1], now_text())
                head = event_hash(now[1], values)
                self.db.execute(
                    f"INSERT INTO events ({EVENT_COLUMNS}, hash, agency) "
                    f"VALUES ({', '.join(['%s'] * 10)})",
                    (*values, head, agency),
                )
                self.db.execute(
                    "UPDATE cases SET seq = %s, head = %s WHERE agency = %s AND id = %s",
                    (seq, head, agency, case_id),
                )
                self.db.execute(
                    _PROJECTION_UPSERT, _stored_projection(project(state, engine), agency)
                )
        except psycopg.errors.UniqueViolation:
            raise StoreError(
                f"case {case_id}: event {seq} already exists although the case header "
                f"says {n} events: the event log is damaged; nothing was written — run "
                f"'disclosure store verify --db {self.where}'"
            ) from None
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.where}: append failed, nothing was written: {_one_line(exc)}"
            ) from None
        engine.notify(state)
        return state

    def refold(self, *, dry_run: bool = False, progress: Progress | None = None) -> Refold:
        """Fold every case of the agency again with its engine; rewrite the rows that differ
        (see :class:`~disclosure.store.port.Refold`).

        Each batch runs in one transaction that locks its case rows (``FOR
        UPDATE``): an event a clerk appends meanwhile waits for it and is never
        overwritten by an older fold. ``dry_run`` writes and locks nothing. A
        case that no longer folds is listed and its row left as it was.
        """
        if self.agency is None:
            raise StoreError(
                f"{self.where}: refold needs an agency: give --agency (agency=... in Python), "
                "or log in as a role of exactly one agency"
            )
        agency = self.agency
        tally, last = RefoldTally(progress), ""
        try:
            while True:
                with self.db.transaction(), self.db.cursor() as cur:
                    if not dry_run:  # no settings stored between this fold and its rows
                        self._settings_lock(agency, shared=True)
                    engine = self._follow_settings()  # as stored now, if changed meanwhile
                    unreadable: list[tuple[str, str]] = []
                    cases, end = self._agency_page(
                        cur, agency, last, engine, lock=not dry_run, unreadable=unreadable
                    )
                    if end is None:
                        break
                    ids = [c.id for c in cases]
                    stored = {
                        r[0]: r
                        for r in cur.execute(
                            f"SELECT {PROJECTION_COLUMNS} FROM projection "
                            "WHERE agency = %s AND case_id = ANY(%s)",
                            (agency, ids),
                        )
                    }
                    new, bad = refold_batch(cases, stored, engine)
                    if new and not dry_run:
                        cur.executemany(
                            _PROJECTION_UPSERT, [_stored_projection(p, agency) for p in new]
                        )
                tally.add(cases, new, unreadable, bad)
                last = end
        except psycopg.Error as exc:
            raise StoreError(
                f"{self.where}: cannot refold the cases of agency '{agency}' "
                f"({tally.done} done and kept): {_one_line(exc)}"
            ) from None
        return tally.result()

    def _agency_page(
        self,
        cur: psycopg.Cursor[Any],
        agency: str,
        last: str,
        engine: Engine,
        *,
        lock: bool,
        unreadable: list[tuple[str, str]] | None = None,
    ) -> tuple[list[Case], str | None]:
        """The agency's next :data:`REFOLD_BATCH` cases after id ``last``, made by
        ``engine``, and the last id read (None for none: the next page starts after it,
        as the database orders ids). With ``lock``, their rows stay locked (``FOR
        UPDATE``) until the transaction ends, so that no append lands between the fold
        and the projection it writes. With ``unreadable``, a case whose rows no longer
        parse goes there instead of raising."""
        rows = cur.execute(
            f"SELECT {CASE_COLUMNS} FROM cases WHERE agency = %s AND id > %s "
            f"ORDER BY id LIMIT %s{' FOR UPDATE' if lock else ''}",
            (agency, last, REFOLD_BATCH),
        ).fetchall()
        if not rows:
            return [], None
        ids = [r[0] for r in rows]
        by_case: dict[str, list[Any]] = {i: [] for i in ids}
        for ev in cur.execute(
            "SELECT case_id, type, on_date, data, note, by FROM events "
            "WHERE agency = %s AND case_id = ANY(%s) ORDER BY case_id, seq",
            (agency, ids),
        ):
            by_case[ev[0]].append(ev[1:])
        if unreadable is not None:
            return readable_cases(rows, by_case, engine, unreadable), ids[-1]
        return [case_from_rows(r, by_case[r[0]], engine) for r in rows], ids[-1]

    def _agency_cases(
        self, cur: psycopg.Cursor[Any], agency: str, engine: Engine
    ) -> Iterator[Case]:
        """Every case of the agency, page by page in the caller's transaction, each page's
        rows locked (``FOR UPDATE``) until it ends."""
        last: str | None = ""
        while True:
            cases, last = self._agency_page(cur, agency, last or "", engine, lock=True)
            if last is None:
                return
            yield from cases

    # -- reading ------------------------------------------------------------------
    def _load(
        self, case_id: str, agency: str | None, *, with_seqs: bool = False
    ) -> tuple[Case, list[int], int]:
        """The case, its events' sequence numbers and the header's count."""
        if agency is None:
            rows = self.db.execute(
                f"SELECT {CASE_COLUMNS}, seq, agency FROM cases WHERE id = %s LIMIT 2", (case_id,)
            ).fetchall()
        else:
            rows = self.db.execute(
                f"SELECT {CASE_COLUMNS}, seq, agency FROM cases WHERE agency = %s AND id = %s",
                (agency, case_id),
            ).fetchall()
        if not rows:
            raise NotFoundError(self._unknown(case_id))
        if len(rows) > 1:
            raise StoreError(
                f"{self.where}: case {case_id} exists in several agencies; open the store "
                "for one agency"
            )
        row = rows[0]
        events = self.db.execute(
            "SELECT seq, type, on_date, data, note, by FROM events "
            "WHERE agency = %s AND case_id = %s ORDER BY seq",
            (row[-1], case_id),
        ).fetchall()
        case = case_from_rows(row[:11], [e[1:] for e in events], self.engine)
        return case, [e[0] for e in events], int(row[11])

    def _unknown(self, case_id: str) -> str:
        scope, args = self._scope()
        try:
            like = [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM cases WHERE {scope} AND id LIKE %s LIMIT 50",
                    [*args, case_id[:4].replace("%", r"\%").replace("_", r"\_") + "%"],
                )
            ]
        except psycopg.Error:  # the hint is a courtesy; the case is missing either way
            like = []
        from disclosure.errors import did_you_mean

        hint = did_you_mean(case_id, like) if like else ""
        return f"no case '{case_id}' in {self.where}" + (f" ({hint})" if hint else "")

    def _read(self, what: str, exc: psycopg.Error) -> StoreError:
        return StoreError(f"{self.where}: cannot {what}: {_one_line(exc)}")

    def get(self, case_id: str) -> Case:
        try:
            return self._load(case_id, self.agency)[0]
        except psycopg.Error as exc:
            raise self._read(f"read case {case_id}", exc) from None

    def projection(self, case_id: str) -> Projection:
        scope, args = self._scope()
        try:
            row = self.db.execute(
                f"SELECT {PROJECTION_COLUMNS} FROM projection WHERE {scope} AND case_id = %s",
                [*args, case_id],
            ).fetchone()
        except psycopg.Error as exc:
            raise self._read(f"read the projection of case {case_id}", exc) from None
        if row is None:
            raise NotFoundError(self._unknown(case_id))
        return projection_from_row(row)

    def iter_cases(
        self,
        batch: int = 2000,
        *,
        period: tuple[dt.date, dt.date] | None = None,
        final_states: Collection[str] = (),
    ) -> Iterator[Case]:
        """Every case this store sees with its events, in id order, streamed (keyset pages);
        with ``period`` (for a report: one agency's), only those that can count in it."""
        scope, args = self._scope() if period is None else self._report_scope()
        if period is not None:
            same = "{x}.case_id = cases.id AND {x}.agency = cases.agency"
            clause, more = active_clause("%s", same, *period, final_states)
            scope, args = f"{scope} AND {clause}", [*args, *more]
        last: tuple[str, str] = ("", "")
        try:
            while True:
                rows = self.db.execute(
                    f"SELECT {CASE_COLUMNS}, agency FROM cases WHERE {scope} "
                    "AND (id, agency) > (%s, %s) ORDER BY id, agency LIMIT %s",
                    [*args, *last, batch],
                ).fetchall()
                if not rows:
                    return
                keys = [(r[0], r[-1]) for r in rows]
                by_case: dict[tuple[str, str], list[Any]] = {k: [] for k in keys}
                for ev in self.db.execute(
                    "SELECT case_id, agency, type, on_date, data, note, by FROM events "
                    "WHERE (case_id, agency) IN (SELECT * FROM unnest(%s::text[], %s::text[])) "
                    "ORDER BY case_id, agency, seq",
                    ([k[0] for k in keys], [k[1] for k in keys]),
                ):
                    by_case[(ev[0], ev[1])].append(ev[2:])
                for r, k in zip(rows, keys, strict=True):
                    yield case_from_rows(r[:11], by_case[k], self.engine)
                last = keys[-1]
        except psycopg.Error as exc:
            raise self._read("read the cases", exc) from None

    def count(self) -> int:
        scope, args = self._scope()
        try:
            row = self.db.execute(f"SELECT count(*) FROM cases WHERE {scope}", args).fetchone()
        except psycopg.Error as exc:
            raise self._read("count the cases", exc) from None
        return int(row[0]) if row else 0

    def iter_query(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[Projection]:
        """Cases matching every filter, by next due date then id (as on SQLite)."""
        return map(projection_from_row, self.iter_query_rows(limit=limit, offset=offset, **filters))

    def iter_query_rows(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> Iterator[tuple[Any, ...]]:
        """The rows of :meth:`iter_query`: values in the order of :class:`Projection`'s fields."""
        where, args, order = self._where(**filters)
        try:
            cursor = self.db.execute(
                f"SELECT {PROJECTION_COLUMNS} FROM projection{where}{order} LIMIT %s OFFSET %s",
                [*args, limit, offset],
            )
            yield from cursor
        except psycopg.Error as exc:
            raise self._read("query the cases", exc) from None

    def _where(self, **filters: Any) -> tuple[str, list[Any], str]:
        where, args, order = query_clauses("%s", **filters)
        scope, scope_args = self._scope()
        if scope_args:
            where = (where + " AND " if where else " WHERE ") + scope
            args = [*args, *scope_args]
        return where, args, order

    def query(
        self, *, limit: int | None = None, offset: int = 0, **filters: Any
    ) -> list[Projection]:
        return list(self.iter_query(limit=limit, offset=offset, **filters))

    def count_query(self, **filters: Any) -> int:
        where, args, _ = self._where(**filters)
        try:
            row = self.db.execute(f"SELECT count(*) FROM projection{where}", args).fetchone()
        except psycopg.Error as exc:
            raise self._read("count the cases", exc) from None
        return int(row[0]) if row else 0

    def open_by_party(self) -> dict[str, int]:
        """Open cases by who must act next."""
        scope, args = self._scope()
        try:
            rows = self.db.execute(
                f"SELECT waiting_on, count(*) FROM projection WHERE {scope} AND closed = 0 "
                "GROUP BY waiting_on",
                args,
            ).fetchall()
        except psycopg.Error as exc:
            raise self._read("count the open cases", exc) from None
        return {party: int(n) for party, n in rows}

    def due_counts(self, as_of: dt.date, due_by: dt.date) -> DueCounts:
        """The dashboard's four counts, with the conditions of the SQLite adapter, in one scan."""
        scope, args = self._scope()
        day, until = as_of.isoformat(), due_by.isoformat()
        try:
            row = self.db.execute(
                "SELECT count(*) FILTER (WHERE next_due < %s), "
                "count(*) FILTER (WHERE next_due >= %s AND next_due <= %s), "
                "count(*) FILTER (WHERE next_lapse < %s), "
                "count(*) FILTER (WHERE next_lapse >= %s) "
                f"FROM projection WHERE {scope} "
                "AND (next_due IS NOT NULL OR next_lapse IS NOT NULL)",
                [day, day, until, day, day, *args],
            ).fetchone()
        except psycopg.Error as exc:
            raise self._read("count the dashboard", exc) from None
        assert row is not None
        return DueCounts(*(int(v) for v in row))

    def period_summaries(
        self,
        event_types: Iterable[str],
        start: dt.date,
        end: dt.date,
        *,
        pending: Sequence[tuple[str, str]] = (),
        ids: bool = True,
    ) -> PeriodCases:
        """The cases a report for ``start``..``end`` needs (the rule of :mod:`.period`).

        The cases with events of ``event_types`` come one by one, in id order
        through a server-side cursor on a connection of its own, those the
        period needs: received in it, open at its start (received before it
        and not closed before it), with such events in it, or with more filings
        than decisions of a ``pending`` pair by its end. Every other case that
        can count comes first, in a group of cases that count alike
        (:func:`.period.alike`, the same grouping; without ``ids``, counted
        instead of listed).
        """
        kinds = sorted(set(event_types))
        s, e = start.isoformat(), end.isoformat()
        scope, scope_args = self._report_scope("p.agency")
        escope, escope_args = self._scope("e.agency")
        can_count = CAN_COUNT.format(r="p.received", m="%s", n="%s")
        has_events = (
            "EXISTS (SELECT 1 FROM events e WHERE e.agency = p.agency "
            "AND e.case_id = p.case_id AND e.type = ANY(%s))"
        )
        parts = [
            f"SELECT p.agency, p.case_id FROM projection p WHERE {scope} AND {can_count} "
            f"AND {has_events}",
            f"SELECT e.agency, e.case_id FROM events e WHERE {escope} AND e.type = ANY(%s) "
            "AND e.on_date BETWEEN %s AND %s",
        ]
        args: list[Any] = [*scope_args, e, s, s, kinds, *escope_args, kinds, s, e]
        if pending:
            both = sorted({t for pair in pending for t in pair})
            open_at_end = " OR ".join(
                "count(*) FILTER (WHERE e.type = %s AND e.on_date <= %s) > "
                "count(*) FILTER (WHERE e.type = %s AND e.on_date <= %s)"
                for _ in pending
            )
            parts.append(
                f"SELECT e.agency, e.case_id FROM events e WHERE {escope} AND e.type = ANY(%s) "
                f"AND e.on_date <= %s GROUP BY e.agency, e.case_id HAVING {open_at_end}"
            )
            args += [*escope_args, both, e, *(v for f, d in pending for v in (f, e, d, e))]
        wanted = " UNION ".join(parts)
        members = members_by_receipt(ids, "%s", "%s", "string_agg", "p.case_id")
        alike = (
            f"SELECT {ALIKE_COLUMNS}, {members} FROM projection p "
            f"WHERE {scope} AND {can_count} AND NOT {has_events} "
            "GROUP BY p.closed_on, p.applicant, p.outcome"
        )
        # the placeholders of ``members``: the first day (and the separator) for each part
        marks = [s, ID_SEPARATOR, s, ID_SEPARATOR] if ids else [s, s]
        # the count, the groups and the single cases are read in one snapshot, on the
        # connection that then streams the singles: a case a clerk changes meanwhile
        # is counted once, as it stood when the report began
        try:
            con = self._snapshot_reader()
        except psycopg.Error as exc:
            raise self._read("select the period's cases", exc) from None
        try:
            row = con.execute(f"SELECT count(*) FROM ({wanted}) w", args).fetchone()
            grouped = con.execute(alike, [*marks, *scope_args, e, s, s, kinds]).fetchall()
        except psycopg.Error as exc:
            con.close()
            raise self._read("select the period's cases", exc) from None
        groups = merge_alike(grouped, start, end)
        total = (int(row[0]) if row else 0) + sum(g.size for g in groups)
        select = (
            "SELECT p.case_id, p.applicant, p.received, p.outcome, p.closed_on, "
            "(SELECT coalesce(json_agg(json_build_array(e.type, e.on_date, e.data) "
            "ORDER BY e.seq), '[]'::json) FROM events e WHERE e.agency = p.agency "
            "AND e.case_id = p.case_id AND e.type = ANY(%s)) "
            f"FROM ({wanted}) w JOIN projection p ON p.agency = w.agency AND p.case_id = w.case_id "
            "ORDER BY p.case_id, p.agency"
        )
        singles = self._stream_summaries(con, select, [kinds, *args])
        return PeriodCases(total, itertools.chain(groups, singles))

    def _stream_summaries(
        self, con: psycopg.Connection[Any], select: str, args: list[Any]
    ) -> Iterator[CaseSummary]:
        """The single cases, read in ``con``'s snapshot; ``con`` is closed at the end."""
        from disclosure.store.period import summary_of

        try:
            with con, con.cursor(name="period") as cur:
                cur.itersize = 2000
                cur.execute(select, args)
                for cid, applicant, received, outcome, closed_on, evs in cur:
                    events = (
                        Event(t, dt.date.fromisoformat(on), json.loads(data)) for t, on, data in evs
                    )
                    yield summary_of(cid, applicant, received, outcome, closed_on, events)
        except psycopg.Error as exc:
            raise self._read("read the period's cases", exc) from None

    def _reader(self) -> psycopg.Connection[Any]:
        """A second connection with this store's role, for a stream read while it is used."""
        con = psycopg.connect(self.url)
        if self._role is not None:
            con.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(self._role)))
        return con

    def _snapshot_reader(self) -> psycopg.Connection[Any]:
        """:meth:`_reader` whose next statements share one read-only snapshot."""
        con = self._reader()
        try:
            con.commit()  # the role stays set for the session
            con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
            con.read_only = True
        except psycopg.Error:
            con.close()
            raise
        return con

    def _loaded_batches(self, scope: str, args: list[Any]) -> Iterator[verify.AgencyBatch]:
        """The cases in id order, a chunk at a time (split by agency, with the text of its
        settings): row, event rows, projection row."""
        last: tuple[str, str] = ("", "")
        while True:
            # a chunk's rows, events and projection in one snapshot: a clerk's event
            # landing between the reads is not a broken chain
            with self.db.transaction():
                self.db.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                rows = self.db.execute(
                    f"SELECT {CASE_COLUMNS}, seq, genesis, head, agency FROM cases "
                    f"WHERE {scope} AND (id, agency) > (%s, %s) ORDER BY id, agency LIMIT %s",
                    [*args, *last, verify.CHUNK],
                ).fetchall()
                if not rows:
                    return
                last = (rows[-1][0], rows[-1][-1])
                ids = sorted({r[0] for r in rows})
                events: dict[tuple[str, str], list[Any]] = {}
                for ev in self.db.execute(
                    f"SELECT {EVENT_COLUMNS}, hash, agency FROM events WHERE {scope} "
                    "AND case_id = ANY(%s) ORDER BY case_id, agency, seq",
                    [*args, ids],
                ):
                    events.setdefault((ev[0], ev[-1]), []).append(ev[:-1])
                stored = {
                    (r[0], r[-1]): r[:-1]
                    for r in self.db.execute(
                        f"SELECT {PROJECTION_COLUMNS}, agency FROM projection WHERE {scope} "
                        "AND case_id = ANY(%s)",
                        [*args, ids],
                    )
                }
                agencies = sorted({r[-1] for r in rows})
                settings: dict[str, str] = dict(
                    self.db.execute(
                        "SELECT agency, document FROM agency_settings WHERE agency = ANY(%s)",
                        (agencies,),
                    ).fetchall()
                )
            by_agency: dict[str, list[verify.LoadedCase]] = {}
            for row in rows:
                key = (row[0], row[-1])
                by_agency.setdefault(row[-1], []).append(
                    (row[:-1], events.get(key, []), stored.get(key))
                )
            for agency, batch in by_agency.items():
                yield agency, settings.get(agency), batch

    def verify(self, *, workers: int | None = None, progress: Progress | None = None) -> list[str]:
        """Every case's rows against their hashes and sequence, and a replay against the
        projection (:func:`.verify.check_case`, as on SQLite); one line per problem.

        Checks what this store's role can see, in chunks of ids: this process
        reads them and ``workers`` forked processes replay them (default:
        every core when the store is large). Never raises on a damaged store; a
        lost connection or a cancelled statement (a timeout) raises :class:`StoreError`.
        """
        problems: list[str] = []
        scope, args = self._scope()
        try:
            if workers is None:
                total = self.db.execute(f"SELECT count(*) FROM cases WHERE {scope}", args)
                row = total.fetchone()
                large = bool(row and row[0] >= verify.PARALLEL_FROM)
                workers = cores() if large else 1
            problems += verify.check_loaded(
                self._loaded_batches(scope, args),
                self._settings.any_for(
                    lambda text, agency: parse_settings(
                        text, f"{self.where} agency '{agency}' (stored settings)"
                    )
                ),
                workers=workers,
                progress=progress,
                read_errors=(psycopg.Error, *verify.READ_ERRORS),
                name_agency=self.agency is None,
            )
            extra = self.db.execute(
                f"SELECT count(*) FROM projection p WHERE {scope} AND NOT EXISTS "
                "(SELECT 1 FROM cases c WHERE c.agency = p.agency AND c.id = p.case_id)",
                args,
            ).fetchone()
            if extra and extra[0]:
                problems.append(f"{extra[0]} projection row(s) without a case")
        except psycopg.OperationalError as exc:
            # a lost connection or a cancelled statement says nothing about the rows:
            # an error of this run, not a problem of the store
            raise self._read("verify the store", exc) from None
        except (psycopg.Error, *verify.READ_ERRORS) as exc:
            problems.append(f"the store cannot be read any further: {_one_line(exc)}")
        return problems
