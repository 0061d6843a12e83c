"""The URL messages show and suggested commands carry: everything but the password.

No server is needed: a URL is read with libpq's own parser.
"""

from __future__ import annotations

import pytest

psycopg = pytest.importorskip("psycopg")

from psycopg.conninfo import conninfo_to_dict  # noqa: E402

from disclosure.store.postgres import redacted  # noqa: E402


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://clerk:secret@/repro?host=/var/run/agency-pg",
        "postgresql://u:p@db.example.org:5433/agency?sslmode=require&application_name=x",
        "postgresql://u@localhost/x",
        "postgresql:///disclosure",
        "postgresql://u:pw@[::1]:5432/d",
        "host=/tmp/a,/tmp/b port=5433 dbname=d user=a password=x options=-csearch_path=x",
        "postgresql://%E5%8D%97%E5%AE%81:pw@h/%E6%95%99%E8%82%B2",
    ],
)
def test_a_redacted_url_connects_where_the_url_did_without_its_password(url: str) -> None:
    shown = redacted(url)
    assert shown.startswith("postgresql://")
    assert "secret" not in shown and ":pw@" not in shown and "password" not in shown
    expected = {k: v for k, v in conninfo_to_dict(url).items() if k != "password"}
    assert conninfo_to_dict(shown) == expected


def test_an_unreadable_url_is_named_without_repeating_it() -> None:
    assert redacted("postgresql://u:secret@host/d?nonsense=1") == "the PostgreSQL server"
