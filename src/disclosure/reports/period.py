"""Where a request (or an appeal) falls in a reporting period: the one attribution rule.

Every annual report counts the same four things about a period: what was
received in it, what was still open when it began, what was concluded in
it, and what was still open when it ended. The national report's 一/二/三/四
rows and the DOJ report's pending/received/processed/pending columns are
both this rule; their templates only name the positions.
"""

from __future__ import annotations

import datetime as dt

#: The positions a template can count (``count:`` in a template).
POSITIONS = ("received", "open_at_start", "concluded", "open_at_end")


def positions(
    received: dt.date, closed_on: dt.date | None, start: dt.date, end: dt.date
) -> tuple[str, ...]:
    """The positions of something received on ``received`` and closed on ``closed_on``.

    Received in the period, or else open at its start; concluded in it, or
    else open at its end. Nothing for what was received after the period or
    closed before it.
    """
    if received > end:
        return ()
    out: list[str] = []
    if received >= start:
        out.append("received")
    elif closed_on is None or closed_on >= start:
        out.append("open_at_start")
    else:
        return ()
    if closed_on is not None and start <= closed_on <= end:
        out.append("concluded")
    else:
        out.append("open_at_end")
    return tuple(out)
