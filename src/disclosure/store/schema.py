"""The case store's schema: its migrations, one per version, and the column lists.

Plain SQL text shared by every statement that names the columns, so that the
hashed row (``CASE_COLUMNS``) and the stored row can never drift apart.
"""

from __future__ import annotations

SCHEMA_VERSION = 6

MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE cases (
        id TEXT PRIMARY KEY,
        ruleset TEXT,
        calendar TEXT,
        applicant TEXT NOT NULL,
        channel TEXT NOT NULL,
        received TEXT NOT NULL,
        subject TEXT NOT NULL DEFAULT '',
        applicant_name TEXT NOT NULL DEFAULT '',
        id_number TEXT NOT NULL DEFAULT '',
        contact TEXT NOT NULL DEFAULT '',
        seq INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE TABLE events (
        case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        type TEXT NOT NULL,
        on_date TEXT NOT NULL,
        data TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        by TEXT NOT NULL DEFAULT '',
        recorded_at TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    ) WITHOUT ROWID;
    CREATE TABLE projection (
        case_id TEXT PRIMARY KEY REFERENCES cases(id) ON DELETE CASCADE,
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
        findings INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX projection_state ON projection(state);
    CREATE INDEX projection_waiting ON projection(waiting_on, closed);
    CREATE INDEX projection_due ON projection(next_due) WHERE next_due IS NOT NULL;
    CREATE INDEX projection_lapse ON projection(next_lapse) WHERE next_lapse IS NOT NULL;
    CREATE INDEX projection_received ON projection(received);
    CREATE INDEX projection_closed_on ON projection(closed_on);
    """,
    # 2: dashboards read due and lapse lists in order without sorting, and count
    # open cases by party from an index.
    2: """
    DROP INDEX projection_due;
    DROP INDEX projection_lapse;
    DROP INDEX projection_waiting;
    CREATE INDEX projection_due ON projection(next_due, case_id) WHERE next_due IS NOT NULL;
    CREATE INDEX projection_lapse ON projection(next_lapse, case_id)
        WHERE next_lapse IS NOT NULL;
    CREATE INDEX projection_open ON projection(closed, waiting_on);
    """,
    # 3: the tamper-evident log. ``genesis`` hashes the case row, each event's
    # ``hash`` chains the previous hash with every column of the event, and
    # ``head`` is the last hash (so a removed last event is noticed too). The
    # chains of existing cases are computed once, in the migration.
    3: """
    ALTER TABLE cases ADD COLUMN genesis TEXT NOT NULL DEFAULT '';
    ALTER TABLE cases ADD COLUMN head TEXT NOT NULL DEFAULT '';
    ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
    """,
    # 4: fields a ruleset declares for its cases (the FOIA ``component``), as
    # JSON; '' for none, which keeps the hashes of existing rows valid.
    4: """
    ALTER TABLE cases ADD COLUMN fields TEXT NOT NULL DEFAULT '';
    """,
    # 5: reports read only the cases a period needs (store/period.py): the
    # review, lawsuit and fee events of a period, and the cases open across it,
    # come from these indexes instead of a scan of the store.
    5: """
    CREATE INDEX IF NOT EXISTS events_type_on ON events(type, on_date);
    DROP INDEX IF EXISTS projection_received;
    DROP INDEX IF EXISTS projection_closed_on;
    CREATE INDEX IF NOT EXISTS projection_received_closed ON projection(received, closed_on);
    CREATE INDEX IF NOT EXISTS projection_closed_received ON projection(closed_on, received);
    """,
    # 6: a busy year groups its cases by closing day, applicant and outcome
    # (period.alike); the closing-day index now holds every column that
    # grouping reads, in that order, so the groups stream out of one scan of
    # it with no sort. It replaces (closed_on, received): one index, not two.
    6: """
    DROP INDEX IF EXISTS projection_closed_received;
    CREATE INDEX IF NOT EXISTS projection_closed_alike
        ON projection(closed_on, applicant, outcome, received);
    """,
}

CASE_COLUMNS = (
    "id, ruleset, calendar, applicant, channel, received, subject, applicant_name, "
    "id_number, contact, fields"
)
#: How many columns ``CASE_COLUMNS`` names (the hashed part of a case row).
CASE_WIDTH = 11
EVENT_COLUMNS = "case_id, seq, type, on_date, data, note, by, recorded_at"
