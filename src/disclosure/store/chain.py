"""The rows a case is stored as, and the hash chain that makes edits evident.

Independent of the database: any adapter writes these tuples as they are, so
a chain written by one verifies in another. ``genesis`` hashes the case row,
each event's hash chains the previous one with every column of the event, and
``head`` is the chain's last hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from types import MappingProxyType
from typing import Any

from disclosure.engine import Engine
from disclosure.lifecycle.case import Case, Event
from disclosure.store.schema import CASE_WIDTH

#: The encoders of the hashed text and of event data, made once: ``json.dumps`` with
#: options builds a new encoder on every call, and an import calls it several times a case.
_CHAIN_TEXT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _flat_list_text() -> Callable[[list[Any]], str]:
    """:data:`_CHAIN_TEXT`'s ``encode`` for the flat lists of text and numbers hashed here.

    ``JSONEncoder.encode`` makes a new C encoder for each call, a third of a
    link's cost when ``store verify`` rehashes millions of rows; this one is
    made once, without the check for circular lists (a hashed list holds
    only text, numbers and null). It is the standard library's own encoder,
    reached through ``json.encoder``; where that differs from ``encode`` on a
    sample, or is missing (another Python), ``encode`` itself is used.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython has it
        return _CHAIN_TEXT.encode
    try:
        steps = make(
            None,
            _CHAIN_TEXT.default,
            json.encoder.encode_basestring,
            None,
            ":",
            ",",
            False,
            False,
            True,
        )
        sample = ["event", "", '案件 "1"\n\u2028\ud800', 1, -7, None, 2**70]
        if "".join(steps(sample, 0)) != _CHAIN_TEXT.encode(sample):
            return _CHAIN_TEXT.encode  # pragma: no cover - another encoder
    except Exception:  # pragma: no cover - a changed signature
        return _CHAIN_TEXT.encode
    return lambda values: "".join(steps(values, 0))


_chain_text = _flat_list_text()


def _digest(kind: str, prev: str, values: Sequence[Any]) -> str:
    text = _chain_text([kind, prev, *values])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def case_hash(values: Sequence[Any]) -> str:
    """The chain's genesis: a hash of every column of the case row (personal data too).

    A case without declared fields hashes as it did before the column existed.
    """
    if len(values) == CASE_WIDTH and values[-1] == "":
        values = values[:-1]
    return _digest("case", "", values)


def event_hash(prev: str, values: Sequence[Any]) -> str:
    """An event's link: the previous hash and every column of the event row."""
    return _digest("event", prev, values)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__}")


def case_values(case: Case) -> tuple[Any, ...]:
    """The hashed columns of a case row (``CASE_COLUMNS``)."""
    return (
        case.id,
        case.ruleset,
        case.calendar,
        case.applicant,
        case.channel,
        case.received.isoformat(),
        case.subject,
        case.applicant_name,
        case.id_number,
        case.contact,
        json.dumps(dict(case.fields), ensure_ascii=False, sort_keys=True) if case.fields else "",
    )


_EVENT_DATA = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=_json_default)


def event_values(case_id: str, seq: int, event: Event, recorded_at: str) -> tuple[Any, ...]:
    """The hashed columns of an event row (``EVENT_COLUMNS``)."""
    return (
        case_id,
        seq,
        event.type,
        event.on.isoformat(),
        _EVENT_DATA.encode(dict(event.data)),
        event.note,
        event.by,
        recorded_at,
    )


def now_text() -> str:
    """When rows are recorded (UTC, to the second), as stored in ``recorded_at``."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def chained_rows(case: Case, recorded_at: str) -> tuple[tuple[Any, ...], list[tuple[Any, ...]]]:
    """A new case as rows: the case row (columns, seq, genesis, head) and its chained events."""
    values = case_values(case)
    head = genesis = case_hash(values)
    events: list[tuple[Any, ...]] = []
    for seq, event in enumerate(case.events, 1):
        ev = event_values(case.id, seq, event, recorded_at)
        head = event_hash(head, ev)
        events.append((*ev, head))
    return (*values, len(case.events), genesis, head), events


def case_from_rows(row: Sequence[Any], events: Iterable[Sequence[Any]], engine: Engine) -> Case:
    """The case a stored row and its events (``type, on_date, data, note, by``) hold."""
    fields = json.loads(row[10]) if row[10] else {}
    parsed = [
        (etype, dt.date.fromisoformat(on), json.loads(data), note, by)
        for etype, on, data, note, by in events
    ]
    return case_from_parsed(row, fields, parsed, engine)


def case_from_parsed(
    row: Sequence[Any], fields: Any, events: Iterable[Sequence[Any]], engine: Engine
) -> Case:
    """:func:`case_from_rows` once the fields and each event's day and data are read.

    For a caller that has read them already (``store verify`` checks each
    before it replays the case).
    """
    cid, ruleset, calendar, applicant, channel, received, subject, name, idn, contact = row[:10]
    evs = tuple(
        Event(etype, on, MappingProxyType(data), note, by) for etype, on, data, note, by in events
    )
    case = Case(
        cid,
        applicant,
        channel,
        dt.date.fromisoformat(received),
        evs,
        ruleset=ruleset,
        calendar=calendar,
        subject=subject,
        applicant_name=name,
        id_number=idn,
        contact=contact,
        fields=fields,
    )
    return engine.normalize(case)
