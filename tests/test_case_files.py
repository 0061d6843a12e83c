"""Reading case files: one case, lists, JSON Lines, and every kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLES, D
from disclosure import CaseFileError, load_cases


def write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_single_case_with_the_issue_example(tmp_path) -> None:
    f = write(
        tmp_path,
        """\
id: 2024-0042
ruleset: cn-ogi-2019
applicant: legal_service_org
channel: post_signed
received: 2024-09-10
events:
  - {type: request_correction, on: 2024-09-13, correction_period: 10}
  - {type: correction_received, on: 2024-09-23}
  - {type: decide, on: 2024-10-18, outcome: partially_disclosed}
""",
    )
    (case,) = load_cases(f)
    assert case.id == "2024-0042" and case.received == D("2024-09-10")
    assert [e.type for e in case.events] == ["request_correction", "correction_received", "decide"]
    assert case.events[0].data == {"correction_period": 10}
    assert case.events[0].where == f"{f}:7"


def test_json_and_jsonl(tmp_path, engine) -> None:
    one = {
        "id": "J-1",
        "applicant": "natural_person",
        "channel": "online",
        "received": "2025-03-03",
        "events": [{"type": "decide", "on": "2025-03-10", "outcome": "disclosed"}],
    }
    f = write(tmp_path, json.dumps([one, {**one, "id": "J-2"}]), "c.json")
    assert [c.id for c in load_cases(f)] == ["J-1", "J-2"]
    g = write(
        tmp_path, json.dumps(one) + "\n\n" + json.dumps({**one, "id": "J-3"}) + "\n", "c.jsonl"
    )
    cases = load_cases(g)
    assert [c.id for c in cases] == ["J-1", "J-3"]
    assert engine.fold(cases[0]).outcome == "disclosed"
    assert cases[0].to_dict()["events"][0] == {
        "type": "decide",
        "on": "2025-03-10",
        "outcome": "disclosed",
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: A\napplicant: natural_person\nchannel: online\nreceived: 2024-02-30\n",
            "c.yaml:4:11: received: '2024-02-30' is not a valid date",
        ),
        ("id: A\napplicant: natural_person\nchannel: online\n", "missing required key 'received'"),
        (
            "id: A\napplicant: natural_person\nchanel: online\nreceived: 2024-02-01\n",
            "c.yaml:3:1: chanel: unknown case key 'chanel' (did you mean 'channel'?)",
        ),
        (
            "id: A\napplicant: natural_person\nchannel: online\nreceived: 2024-02-01\n"
            "events:\n  - {on: 2024-02-02}\n",
            "c.yaml:6:5: events[0]: an event needs a 'type'",
        ),
        (
            "id: A\napplicant: natural_person\nchannel: online\nreceived: 2024-02-01\n"
            "events:\n  - {type: decide}\n",
            "an event needs a date 'on'",
        ),
        (
            "cases:\n  - {id: A, applicant: x, channel: y, received: 2024-01-01}\n"
            "  - {id: A, applicant: x, channel: y, received: 2024-01-01}\n",
            "c.yaml:3:10: cases[1].id: duplicate case id 'A'",
        ),
        (
            "id: A\napplicant: natural_person\nchannel: online\nreceived: 2024-02-01\nevents: 5\n",
            "'events' must be a list",
        ),
        ("just text\n", "a case must be a mapping, got text"),
    ],
)
def test_case_file_errors(tmp_path, text, expected) -> None:
    f = write(tmp_path, text)
    with pytest.raises(CaseFileError) as info:
        load_cases(f)
    assert expected in str(info.value).replace(str(f), "c.yaml")


def test_fold_error_names_file_and_line(tmp_path, engine) -> None:
    from disclosure import EventRejected

    f = write(
        tmp_path,
        "id: A\napplicant: natural_person\nchannel: online\n"
        "received: 2024-02-01\nevents:\n"
        "  - {type: request_correction, on: 2024-02-02}\n"
        "  - {type: decide, on: 2024-02-05, outcome: disclosed}\n",
    )
    (case,) = load_cases(f)
    with pytest.raises(EventRejected) as info:
        engine.fold(case)
    assert str(info.value).startswith(f"{f}:7: case A: event 'decide' is not allowed")


def test_cases_round_trip_through_json_with_from_dict() -> None:
    import json

    from disclosure import Case, Event, load_cases

    for case in load_cases(EXAMPLES / "agency-2024" / "cases.yaml")[:50]:
        again = Case.from_dict(json.loads(json.dumps(case.to_dict(), ensure_ascii=False)))
        assert again == case
        for event in case.events:
            assert Event.from_dict(json.loads(json.dumps(event.to_dict()))) == event


def test_text_dates_are_read_and_bad_ones_are_disclosure_errors() -> None:
    import datetime as dt

    from disclosure import Case, Event
    from disclosure.errors import DisclosureError

    case = Case("T-1", "natural_person", "online", "2024-03-01", (Event("extend", "2024-03-05"),))
    assert case.received == dt.date(2024, 3, 1) and case.events[0].on == dt.date(2024, 3, 5)
    with pytest.raises(DisclosureError, match="received: '2024-02-30' is not a valid date"):
        Case("T-1", "natural_person", "online", "2024-02-30")
    with pytest.raises(DisclosureError, match="on: "):
        Event("extend", 20240305)  # type: ignore[arg-type]
    with pytest.raises(DisclosureError, match="missing required key 'channel'"):
        Case.from_dict({"id": "T-2", "applicant": "natural_person", "received": "2024-03-01"})
    with pytest.raises(DisclosureError, match="an event needs a date 'on'"):
        Event.from_dict({"type": "extend"})
