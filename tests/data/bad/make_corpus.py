"""Generate the bad-input corpus: files that must each fail with one exact error.

    python tests/data/bad/make_corpus.py

Writes the files beside this script and `manifest.json`, which
tests/test_bad_inputs.py reads: for each case, the command to run, the text
the one-line error must contain, and the line it must point at. The files
are committed; rerun after changing the national ruleset or the templates.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
NATIONAL = (ROOT / "rulesets" / "cn-ogi-2019.yaml").read_text(encoding="utf-8")
TEMPLATE = (ROOT / "rulesets" / "reports" / "cn-annual-2021.yaml").read_text(encoding="utf-8")
CASE_HEAD = "id: B-1\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n"

entries: list[dict[str, object]] = []


def add(
    name: str,
    content: str | bytes,
    kind: str,
    expect: str,
    marker: str | None = None,
    args: list[str] | None = None,
) -> None:
    path = HERE / kind / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
        text = content.decode("utf-8", "replace")
    else:
        path.write_text(content, encoding="utf-8")
        text = content
    line = None
    if marker is not None:
        assert marker in text, (name, marker)
        line = text[: text.index(marker)].count("\n") + 1
    entries.append(
        {"file": f"{kind}/{name}", "kind": kind, "expect": expect, "line": line, "args": args or []}
    )


def mutate(n: int, old: str, new: str, expect: str, marker: str | None = None) -> None:
    assert old in NATIONAL, old
    add(
        f"ruleset-{n:03d}.yaml",
        NATIONAL.replace(old, new, 1),
        "rulesets",
        expect,
        marker if marker is not None else (new.strip().splitlines()[0] if new.strip() else None),
    )


# -- rulesets: every kind of semantic mistake -----------------------------------
R = [
    ("  title: 政府", "  titel: 政府", "unknown key 'titel' (did you mean 'title'?)"),
    ('  version: "1.0"', "  version: 1.0", "expected text, got a number"),
    (
        "  effective_from: 2019-05-15",
        "  effective_from: 2019-02-30",
        "'2019-02-30' is not a valid date",
    ),
    ("  default_calendar: cn\n", "  default_calendar: [cn]\n", "expected text, got a list"),
    (
        "  agency: {zh: 行政机关, en: Agency}",
        "  agency: {zh: 行政机关, en: Agency, color: red}",
        "unknown key 'color'",
    ),
    (
        "  natural_person: {zh: 自然人, en: Natural person}",
        "  natural_person: {zh: 自然人, en: Natural person}\n  natural_person: {zh: x}",
        "duplicate key 'natural_person'",
        "  natural_person: {zh: x}",
    ),
    ("  in_person: {zh: 当面提交", "  in_perosn: {zh: 当面提交", "no event"),
    (
        "    type: int\n    default: 10",
        "    type: integer\n    default: 10",
        "unknown parameter type 'integer'",
    ),
    (
        '    default: "(pause, resume]"',
        '    default: "(pause, resume)"',
        "default does not fit: '(pause, resume)' is not one of",
    ),
    (
        "    default: false\n    en: Count",
        "    default: no-way\n    en: Count",
        "default does not fit",
    ),
    (
        "    initial: true\n    waiting_on: agency",
        "    initial: false\n    waiting_on: agency",
        "exactly one state must be 'initial: true' (found 0)",
        "states:\n  received:",
    ),
    (
        "  awaiting_correction:\n    waiting_on: applicant",
        "  awaiting_correction:\n    initial: true\n    waiting_on: applicant",
        "exactly one state must be 'initial: true' (found 2)",
        "states:\n  received:",
    ),
    (
        "  under_review:\n    waiting_on: agency",
        "  under_review:\n    waiting_on: agncy",
        "party 'agncy' is not defined (did you mean 'agency'?)",
        "agncy",
    ),
    (
        "  litigation_concluded:\n    closed: true\n    final: true",
        "  litigation_concluded:\n    final: true",
        "a final state must also be closed",
        "final: true",
    ),
    (
        "  concluded:\n    closed: true",
        "  concluded:\n    closed: yes-please",
        "expected true or false",
        "yes-please",
    ),
    (
        "  disclosed: {zh: 予以公开, en: Disclosed}",
        "  disclosed: {zh: 予以公开, en: Disclosed}\n  unused_group: {zh: x}",
        None,
    ),
    (
        "  withheld.state_secret:\n    group: withheld",
        "  withheld.state_secret:\n    group: witheld",
        "outcome group 'witheld' is not defined (did you mean 'withheld'?)",
    ),
    (
        "  other.other:\n    group: other",
        "  other.unreached:\n    group: other\n  other.other:\n    group: other",
        "no event can produce outcome 'other.unreached'",
    ),
    (
        "    limit: 20\n    unit: working_days\n    binds: agency\n    compliance: true\n    basis: Art. 33;",
        "    limit: -1\n    unit: working_days\n    binds: agency\n    compliance: true\n    basis: Art. 33;",
        "a limit cannot be negative",
    ),
    (
        "    limit: 7\n    unit: working_days",
        "    limit: 7\n    unit: work_days",
        "unknown unit 'work_days' (did you mean 'working_days'?)",
        "work_days",
    ),
    (
        "    limit: 15\n    unit: working_days\n    binds: third_party",
        "    limit: 15\n    unit: working_days\n    binds: third_partie",
        "party 'third_partie' is not defined (did you mean 'third_party'?)",
        "third_partie",
    ),
    (
        "    lapse_event: correction_lapsed",
        "    lapse_event: correction_lapse",
        "event 'correction_lapse' is not defined (did you mean 'correction_lapsed'?)",
    ),
    (
        "    start: {on: [receipt]}\n    stop: {on: [request_correction]}",
        "    start: {on: [reciept]}\n    stop: {on: [request_correction]}",
        "event 'reciept' is not defined (did you mean 'receipt'?)",
    ),
    (
        "    stop: {on: [request_correction]}",
        "    stop: {on: [request_corection]}",
        "event 'request_corection' is not defined (did you mean 'request_correction'?)",
    ),
    (
        "    restart: {on: [correction_received]}",
        "    restart: {on: correction_received, by_field: x}",
        "'by_field' does not apply to 'restart'",
    ),
    (
        "    extend: {on: [extend], by_field: working_days, max_times: 1}",
        "    extend: {on: [extend], max_times: 1}",
        "an extend trigger needs 'by_field'",
    ),
    (
        "    extend: {on: [extend], by_field: working_days, max_times: 1}",
        "    extend: {on: [extend], by_field: working_dayz, max_times: 1}",
        "event 'extend' has no field 'working_dayz' (did you mean 'working_days'?)",
    ),
    (
        "    replace: {on: [set_reply_date], date_field: due}",
        "    replace: {on: [set_reply_date]}",
        "a replace trigger needs 'date_field'",
    ),
    (
        "    replace: {on: [set_reply_date], date_field: due}",
        "    replace: {on: [set_reply_date], date_field: due, by_field: x}",
        "'by_field' does not apply to 'replace'",
    ),
    (
        "    start: {on: [issue_fee_notice], from_field: delivered}",
        "    start: {on: [issue_fee_notice], from_field: amount}",
        "field 'issue_fee_notice.amount' is number, 'from_field' needs date",
    ),
    (
        "    start: {on: [request_correction], limit_field: correction_period}",
        "    start: {on: [request_correction], limit_field: items}",
        "field 'request_correction.items' is str, 'limit_field' needs int",
    ),
    (
        "    complete: {on: [decide, reply_on_the_spot]}",
        "    complete: {on: []}",
        "a trigger needs at least one event in 'on'",
    ),
    (
        "    start: {on: [consult_third_party], from_field: delivered}",
        "    strat: {on: [consult_third_party], from_field: delivered}",
        "unknown key 'strat' (did you mean 'start'?)",
    ),
    (
        "  reply_on_the_spot:\n    from: [received]",
        "  reply_on_the_spot:\n    from: []",
        "an event needs at least one state in 'from'",
        "from: []",
    ),
    (
        "  correction_received:\n    from: [awaiting_correction]\n    to: under_review",
        "  correction_received:\n    from: [awaiting_corection]\n    to: under_review",
        "state 'awaiting_corection' is not defined (did you mean 'awaiting_correction'?)",
        "awaiting_corection",
    ),
    (
        "    from: [in_litigation]\n    to: litigation_concluded",
        "    from: [in_litigation, litigation_concluded]\n    to: litigation_concluded",
        "state 'litigation_concluded' is final but has outgoing event 'lawsuit_decided'",
    ),
    (
        "    to: concluded\n    outcome: other.correction_lapsed",
        "    to: concluded\n    outcome: other.correction_lapse",
        "outcome 'other.correction_lapse' is not defined (did you mean 'other.correction_lapsed'?)",
        "other.correction_lapse\n",
    ),
    (
        "    to: concluded\n    outcome: other.fee_lapsed\n",
        "    to: concluded\n",
        "gives no outcome",
        "to: concluded\n    zh: 逾期未缴费",
    ),
    (
        "      correction_period: {type: int, default_from: correction_period,",
        "      correction_period: {type: int, default_from: correction_days,",
        "parameter 'correction_days' is not defined",
    ),
    (
        "      working_days: {type: int, default: 20, min: 1, max: 20}",
        "      working_days: {type: int, default: twenty, min: 1, max: 20}",
        "default does not fit: must be a whole number, got text",
    ),
    (
        "      working_days: {type: int, default: 20, min: 1, max: 20}",
        "      working_days: {type: int, default: 20, required: true}",
        "a required field cannot have a default",
    ),
    (
        "      working_days: {type: int, default: 20, min: 1, max: 20}",
        "      working_days: {type: int, default: 20, default_from: correction_period}",
        "give either 'default' or 'default_from', not both",
    ),
    (
        "      method: {type: choice, choices: [per_item, per_volume], required: true}",
        "      method: {type: choice, required: true}",
        "a choice field needs 'choices'",
    ),
    (
        "      method: {type: choice, choices: [per_item, per_volume], required: true}",
        "      method: {type: choice, choices: [per_item, per_volume], required: true, allowed: [x]}",
        "'allowed' is only for outcome fields",
    ),
    (
        "        allowed: [disclosed, partially_disclosed, withheld, unavailable, not_processed, other.other]\n\n  request_correction",
        "        allowed: [disclosed, partially_disclosed, withheld, unavailabel, not_processed, other.other]\n\n  request_correction",
        "'unavailabel' is neither an outcome nor a group",
    ),
    (
        "      delivered: {type: date, description: day the third party received the letter}",
        "      delivered: {type: date, min: 1, description: day the third party received the letter}",
        "'min'/'max' only apply to int, number and list fields",
    ),
    (
        "      consents: {type: bool}",
        "      note: {type: str}",
        "'note' is reserved for every event",
    ),
    (
        "      consents: {type: bool}",
        "      consents: {type: boolean}",
        "unknown field type 'boolean' (did you mean 'bool'?)",
    ),
    (
        "  withdraw:\n    from:",
        "  receipt:\n    from: [received]\n    to: concluded\n    outcome: other.withdrawn\n  withdraw:\n    from:",
        "'receipt' is reserved for the receipt of the case",
    ),
    (
        "  set_reply_date:\n    from: [received, under_review, awaiting_reasons]\n    to: under_review",
        "  set_reply_date:\n    from: [received, under_review, awaiting_reasons]\n    to: under_review\n    outcome: disclosed",
        "an event that gives an outcome must lead to a closed state",
        "outcome: disclosed",
    ),
    (
        "  review_decided:\n    closed: true\n    waiting_on: nobody",
        "  review_decided:\n    closed: true\n    waiting_on: nobody\n  limbo:\n    waiting_on: agency",
        "state 'limbo' cannot be reached from 'received'",
        "  limbo:",
    ),
    (
        "  in_litigation:\n    closed: true",
        "  in_litigation:\n    initial: true\n    closed: true",
        "the initial state cannot be closed",
        "    initial: true\n    closed: true",
    ),
    (
        "  reasons_received:\n    from: [awaiting_reasons]\n    to: under_review",
        "  reasons_received:\n    from: [awaiting_reasons]\n    to: under_review\n    on_receipt_day: sometimes",
        "expected true or false",
        "sometimes",
    ),
    (
        "      amount: {type: number, required: true, min: 0, description: yuan}",
        "      amount: {type: number, required: true, min: zero, description: yuan}",
        "expected a number, got text",
    ),
    (
        "applicant_kinds:\n",
        "applicant_kinds: []\napplicant_kindz:\n",
        "unknown key 'applicant_kindz'",
    ),
    (
        "events:\n  reply_on_the_spot:",
        "events:\n  reply_on_the_spot: 5\n  reply_on_the_spot_2:",
        "expected a mapping, got an integer",
        "reply_on_the_spot: 5",
    ),
]
for i, item in enumerate(R, 1):
    old, new, expect = item[:3]
    if expect is None or expect == "no event":  # not errors by themselves
        continue
    mutate(i, old, new, expect, item[3] if len(item) > 3 else None)

# -- malformed and hostile YAML (shared by every document kind) -----------------
Y = [
    ("empty.yaml", "", "the file is empty", None),
    ("blank-lines.yaml", "\n\n\n", "the file is empty", None),
    ("comment-only.yaml", "# nothing here\n", "the file is empty", None),
    ("tab-indent.yaml", "ruleset:\n\tid: x\n", "indent with spaces, not tabs", "\tid"),
    ("unclosed-flow.yaml", "ruleset: {id: x\n", "invalid YAML", None),
    ("unclosed-list.yaml", "states: [a, b\n", "invalid YAML", None),
    ("bad-indent.yaml", "ruleset:\n  id: x\n    title: y\n", "invalid YAML", None),
    ("unclosed-quote.yaml", 'ruleset:\n  id: "x\n', "invalid YAML", None),
    ("two-documents.yaml", "ruleset: {id: a}\n---\nruleset: {id: b}\n", "invalid YAML", None),
    (
        "python-object.yaml",
        "ruleset: !!python/object/apply:os.system [echo hi]\n",
        "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        None,
    ),
    ("python-name.yaml", "ruleset: !!python/name:os.system\n", "unsupported YAML value", None),
    ("custom-tag.yaml", "ruleset: !secret {id: x}\n", "is not allowed", None),
    ("set-tag.yaml", "ruleset: !!set {a, b}\n", "is not allowed", None),
    ("list-top.yaml", "- 1\n- 2\n", "expected a mapping, got a list", None),
    ("scalar-top.yaml", "just some text\n", "expected a mapping, got text", None),
    ("number-top.yaml", "42\n", "expected a mapping, got an integer", None),
    ("null-key.yaml", "? [a, b]\n: c\n", "keys must be plain text", None),
    (
        "duplicate-top.yaml",
        "ruleset: {id: a}\nruleset: {id: b}\n",
        "duplicate key 'ruleset'",
        "ruleset: {id: b}",
    ),
    (
        "alias-bomb.yaml",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
        "document refused: more than 500000 values",
        None,
    ),
    (
        "deep-nesting.yaml",
        "a: " + "[" * 200 + "]" * 200 + "\n",
        "document refused: nesting deeper than 64 levels",
        None,
    ),
]
for name, content, expect, marker in Y:
    add(name, content, "yaml", expect, marker)
add("non-utf8.yaml", "ruleset:\n  title: 政府\n".encode("gb18030"), "yaml", "not valid UTF-8", None)
add(
    "latin1.yaml", "ruleset:\n  title: caf\xe9\n".encode("latin-1"), "yaml", "not valid UTF-8", None
)
add(
    "nul-byte.yaml",
    b"ruleset:\n  id: a\x00b\n",
    "yaml",
    "unacceptable character U+0000: control characters are not allowed",
    "a\x00b",
)

# -- calendars --------------------------------------------------------------------
C = [
    (
        "calendar: {id: x, extends: cn, weekend: [saturday, sundy]}\n",
        "'sundy' is not a weekday (did you mean 'sunday'?)",
        "sundy",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {date: 2024-02-30, name: x}\n",
        "'2024-02-30' is not a valid date",
        "2024-02-30",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {from: 2024-05-03, to: 2024-05-01, name: y}\n",
        "'to' is before 'from'",
        "2024-05-01",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {name: z}\n",
        "give either 'date' or both 'from' and 'to'",
        "{name: z}",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {from: 2024-05-01, name: z}\n",
        "a range needs both 'from' and 'to'",
        "{from: 2024-05-01",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {date: 2024-05-01, name: z, date2: 1}\n",
        "unknown key 'date2'",
        "date2",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {date: 2024-05-01}\n",
        "missing required key 'name'",
        None,
    ),
    (
        "calendar: {id: x, extends: cn}\nschedules:\n  '27': {holidays: []}\n",
        "'27' is not a year",
        "'27'",
    ),
    (
        "calendar: {id: x, extends: cn}\nschedules:\n  '2027': {holidays: [{date: 2028-01-01, name: w}]}\n",
        "day outside the schedule's year 2027",
        "2028-01-01",
    ),
    (
        "calendar: {id: x, extends: cn}\nschedules:\n  '2027': {holidayz: []}\n",
        "unknown key 'holidayz' (did you mean 'holidays'?)",
        "holidayz",
    ),
    ("calendar: {id: x}\n", "needs 'first_year' and 'last_year'", None),
    ("calendar: {id: x, national: 'Chi na!'}\n", "is not a country name", "Chi na!"),
    (
        "calendar: {id: x, extends: cn, published_through: soon}\n",
        "expected an integer, got text",
        "soon",
    ),
    ("calendar: {id: x, extends: cn}\nholidays: {date: 2024-05-01}\n", "expected a list", None),
    (
        "calendar: {id: x, extends: cn}\nworking_days:\n  - {date: 2024-05-01, name: 1}\n",
        "expected text, got an integer",
        None,
    ),
    ("calender: {id: x}\n", "unknown key 'calender' (did you mean 'calendar'?)", "calender"),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {date: 2024-05-01, name: a}\nholidays: []\n",
        "duplicate key 'holidays'",
        "holidays: []",
    ),
]
for i, (content, expect, marker) in enumerate(C, 1):
    add(f"calendar-{i:03d}.yaml", content, "calendars", expect, marker)

# -- case files -------------------------------------------------------------------
E = [
    ("received: 2024-02-30\n", "'2024-02-30' is not a valid date", "2024-02-30", "header"),
    ("received: 2024-13-01\n", "'2024-13-01' is not a valid date", "2024-13-01", "header"),
    ("received: yesterday\n", "'yesterday' is not a valid date", "yesterday", "header"),
    ("received: 1999-05-01\n", "is outside calendar 'cn' (2000-2040)", None, "header"),
    ("received: 2099-05-01\n", "is outside calendar 'cn' (2000-2040)", None, "header"),
]
for i, (received, expect, marker, _) in enumerate(E, 1):
    add(
        f"case-header-{i:03d}.yaml",
        CASE_HEAD.replace("received: 2024-03-01\n", received),
        "cases",
        expect,
        marker,
    )
H = [
    (
        "id: B-1\napplicant: natural_person\nchannel: online\n",
        "missing required key 'received'",
        None,
    ),
    ("id: B-1\nchannel: online\nreceived: 2024-03-01\n", "missing required key 'applicant'", None),
    (
        "applicant: natural_person\nchannel: online\nreceived: 2024-03-01\n",
        "missing required key 'id'",
        None,
    ),
    (
        "id: B-1\napplicant: citizen\nchannel: online\nreceived: 2024-03-01\n",
        "unknown applicant kind 'citizen'",
        None,
    ),
    (
        "id: B-1\napplicant: natural_persn\nchannel: online\nreceived: 2024-03-01\n",
        "did you mean 'natural_person'",
        None,
    ),
    (
        "id: B-1\napplicant: natural_person\nchannel: carrier-pigeon\nreceived: 2024-03-01\n",
        "unknown channel 'carrier-pigeon'",
        None,
    ),
    (
        "id: B-1\napplicant: natural_person\nchanel: online\nreceived: 2024-03-01\n",
        "unknown case key 'chanel' (did you mean 'channel'?)",
        "chanel",
    ),
    (
        "id: [B, 1]\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n",
        "'id' must be text, got a list",
        "[B, 1]",
    ),
    (
        "id: B-1\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\ncalendar: mars\n",
        "no calendar 'mars'",
        None,
    ),
    (
        "id: B-1\nruleset: uk-foi\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n",
        "case B-1: no ruleset named 'uk-foi'",
        "id: B-1",
    ),
    (
        "id: B-1\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\nevents: 5\n",
        "'events' must be a list",
        "events: 5",
    ),
    (
        "cases:\n  - {id: A, applicant: natural_person, channel: online, received: 2024-01-01}\n  - {id: A, applicant: natural_person, channel: online, received: 2024-01-02}\n",
        "duplicate case id 'A'",
        "id: A, applicant: natural_person, channel: online, received: 2024-01-02",
    ),
    ("cases: {id: A}\n", "'cases' must be a list", None),
    ("cases:\n  - 5\n", "a case must be a mapping, got an integer", None),
]
for i, (content, expect, marker) in enumerate(H, 1):
    add(f"case-file-{i:03d}.yaml", content, "cases", expect, marker)
EVENTS = [
    ("  - {on: 2024-03-04}\n", "an event needs a 'type'", "{on: 2024-03-04}"),
    ("  - {type: decide}\n", "an event needs a date 'on'", "{type: decide}"),
    (
        "  - {type: decide, on: 2024-02-30, outcome: disclosed}\n",
        "'2024-02-30' is not a valid date",
        "2024-02-30",
    ),
    (
        "  - {type: decide, on: 2024-02-28, outcome: disclosed}\n",
        "is before the application was received (2024-03-01)",
        "2024-02-28",
    ),
    (
        "  - {type: extend, on: 2024-03-10}\n  - {type: decide, on: 2024-03-05, outcome: disclosed}\n",
        "is before the previous event (2024-03-10)",
        "2024-03-05",
    ),
    (
        "  - {type: decid, on: 2024-03-05}\n",
        "unknown event type 'decid' (did you mean 'decide'?)",
        "decid",
    ),
    ("  - {type: decide, on: 2024-03-05}\n", "needs field 'outcome'", "type: decide"),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosd}\n",
        "unknown outcome code 'disclosd' (did you mean 'disclosed'?)",
        "disclosd",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: other.withdrawn}\n",
        "outcome 'other.withdrawn' cannot be given by 'decide'",
        "other.withdrawn",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: 5}\n",
        "must be text, got an integer",
        "outcome: 5",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed, reason: x}\n",
        "has no field 'reason'",
        "reason",
    ),
    (
        "  - {type: request_correction, on: 2024-03-04}\n  - {type: decide, on: 2024-03-05, outcome: disclosed}\n",
        "event 'decide' is not allowed in state 'awaiting_correction'; allowed: correction_received, correction_lapsed, withdraw",
        "type: decide",
    ),
    (
        "  - {type: correction_received, on: 2024-03-04}\n",
        "not allowed in state 'received'",
        "correction_received",
    ),
    ("  - {type: extend, on: 2024-03-04, working_days: 21}\n", "must be at most 20, got 21", "21"),
    (
        "  - {type: extend, on: 2024-03-04, working_days: 0}\n",
        "must be at least 1, got 0",
        "working_days: 0",
    ),
    (
        "  - {type: extend, on: 2024-03-04, working_days: '20'}\n",
        "must be a whole number, got text",
        "'20'",
    ),
    (
        "  - {type: extend, on: 2024-03-04, working_days: 2.5}\n",
        "must be a whole number, got a number",
        "2.5",
    ),
    (
        "  - {type: extend, on: 2024-03-04}\n  - {type: extend, on: 2024-03-05}\n",
        "has already been extended 1 time (at most 1)",
        "2024-03-05",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: 100, method: cash}\n",
        "'cash' is not one of per_item, per_volume",
        "cash",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: -100, method: per_item}\n",
        "must be at least 0, got -100",
        "-100",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, method: per_item}\n",
        "needs field 'amount'",
        "issue_fee_notice",
    ),
    (
        "  - {type: set_reply_date, on: 2024-03-04, due: soon}\n",
        "'soon' is not a valid date",
        "soon",
    ),
    (
        "  - {type: consult_third_party, on: 2024-03-04, delivered: 2024-02-01}\n",
        "2024-02-01 is before receipt",
        "2024-02-01",
    ),
    (
        "  - {type: reply_on_the_spot, on: 2024-03-02, outcome: disclosed}\n",
        "must happen on the day of receipt",
        "reply_on_the_spot",
    ),
    (
        "  - {type: request_correction, on: 2024-03-04}\n  - {type: correction_lapsed, on: 2024-03-18}\n",
        "too early: the correction period runs until 2024-03-18",
        "correction_lapsed",
    ),
    (
        "  - {type: consult_third_party, on: 2024-03-04}\n  - {type: third_party_lapsed, on: 2024-03-10}\n",
        "too early: the third_party period runs until",
        "third_party_lapsed",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: 1, method: per_item}\n  - {type: fee_lapsed, on: 2024-03-10}\n",
        "too early: the fee_payment period runs until",
        "fee_lapsed",
    ),
    (
        "  - {type: lawsuit_filed, on: 2024-03-04}\n",
        "not allowed in state 'received'",
        "lawsuit_filed",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n  - {type: review_decided, on: 2024-05-01, result: upheld}\n",
        "not allowed in state 'concluded'",
        "review_decided",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n  - {type: review_filed, on: 2024-04-01}\n  - {type: review_decided, on: 2024-05-01, result: won}\n",
        "'won' is not one of upheld, corrected, other",
        "won",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n  - {type: lawsuit_filed, on: 2024-04-01, after_review: maybe}\n",
        "must be true or false, got text",
        "maybe",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n  - {type: withdraw, on: 2024-03-06}\n",
        "not allowed in state 'concluded'",
        "withdraw",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed, note: 5}\n",
        "'note' must be text",
        "note: 5",
    ),
    ("  - [decide, 2024-03-05]\n", "an event must be a mapping, got a list", "[decide"),
    ("  - {type: extend, on: 2024-03-04, by: [a]}\n", "'by' must be text", "by: [a]"),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n  - {type: decide, on: 2024-03-06, outcome: disclosed}\n",
        "not allowed in state 'concluded'",
        "2024-03-06",
    ),
    (
        "  - {type: consult_agency, on: 2024-03-04}\n  - {type: consult_agency, on: 2024-03-05}\n",
        "not allowed in state 'consulting_agency'",
        "2024-03-05",
    ),
    (
        "  - {type: request_reasons, on: 2024-03-04}\n  - {type: request_reasons, on: 2024-03-05}\n",
        "not allowed in state 'awaiting_reasons'",
        "2024-03-05",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: 1, method: per_item}\n  - {type: extend, on: 2024-03-05}\n",
        "not allowed in state 'awaiting_fee'",
        "type: extend",
    ),
    ("  - {type: decide, on: 2041-01-05, outcome: disclosed}\n", "outside calendar 'cn'", None),
]
for i, (events, expect, marker) in enumerate(EVENTS, 1):
    add(f"case-events-{i:03d}.yaml", CASE_HEAD + "events:\n" + events, "cases", expect, marker)
add(
    "case-jsonl-001.jsonl",
    '{"id": "A", "applicant": "natural_person", "channel": "online", "received": "2024-03-01"}\n{"id": "B", "applicant": \n',
    "cases",
    "not valid JSON: Expecting value",
    '{"id": "B"',
)
add(
    "case-json-001.json",
    '{"id": "A", "applicant": "natural_person", "channel": "online", "received": "2024-03-01"',
    "cases",
    "invalid YAML",
    None,
)

# -- report templates --------------------------------------------------------------
T = [
    (
        "    other.withdrawn: other.other\n",
        "",
        "outcome 'other.withdrawn' of ruleset cn-ogi-2019 has no row in the report",
        None,
    ),
    (
        "    other.withdrawn: other.other\n",
        "    other.withdrawn: other.other\n    disclosed: other.other\n",
        "outcome 'disclosed' is counted in more than one place",
        None,
    ),
    (
        "    other.withdrawn: other.other\n",
        "    other.withdrawn: other.othr\n",
        "row 'other.othr' is not defined (did you mean 'other.other'?)",
        "other.othr",
    ),
    (
        "    left: [new, carried_in]",
        "    left: [nwe, carried_in]",
        "'nwe' is not a row of table3 (did you mean 'new'?)",
        "nwe",
    ),
    (
        "    per: column\n    left: [new, carried_in]",
        "    per: diagonal\n    left: [new, carried_in]",
        "'per' must be one of column, row",
        "diagonal",
    ),
    (
        "  - id: RC-1\n    severity: error",
        "  - id: RC-1\n    severity: fatal",
        "severity must be one of error, warning",
        "fatal",
    ),
    (
        "    table: table3\n    per: column\n    left: [new, carried_in]",
        "    table: table9\n    per: column\n    left: [new, carried_in]",
        "unknown table 'table9'",
        "table9",
    ),
    (
        "    right: [total, carried_out]",
        "    right: [total, carried_out]\n    previous: [carried_out]",
        "give either 'right' or 'previous'",
        None,
    ),
    (
        "    - {key: disclosed, label: （一）予以公开, parent: results, outcomes: [disclosed]}",
        "    - {key: disclosed, label: （一）予以公开, parent: resluts, outcomes: [disclosed]}",
        "row 'resluts' is not defined (did you mean 'results'?)",
        "resluts",
    ),
    (
        "    - {key: disclosed, label: （一）予以公开, parent: results, outcomes: [disclosed]}",
        "    - {key: disclosed, label: （一）予以公开, parent: results, count: received, outcomes: [disclosed]}",
        "a row is exactly one of: a heading, a count, or a list of outcomes",
        None,
    ),
    (
        "    - {key: new, label: 一、本年新收政府信息公开申请数量, count: received}",
        "    - {key: new, label: 一、本年新收政府信息公开申请数量, count: recieved}",
        "unknown count 'recieved' (did you mean 'received'?)",
        "recieved",
    ),
    (
        "    - {key: total, label: 总计, sum: true}\n  rows:",
        "    - {key: total, label: 总计}\n  rows:",
        "exactly one column must be the sum",
        None,
    ),
    (
        "    - {key: other_org, label: 其他, group: 法人或其他组织}\n",
        "",
        "'other_org' is not a column of table3",
        None,
    ),
    (
        "  - {key: overview, number: 一, title: 总体情况, narrative: overview}",
        "  - {key: overview, number: 一, title: 总体情况, table: table7}",
        "unknown table 'table7'",
        "table7",
    ),
    (
        "template:\n  id: cn-annual-2021",
        "tempalte:\n  id: cn-annual-2021",
        "unknown key 'tempalte' (did you mean 'template'?)",
        "tempalte",
    ),
]
for i, (old, new, expect, marker) in enumerate(T, 1):
    assert old in TEMPLATE, old
    add(f"template-{i:03d}.yaml", TEMPLATE.replace(old, new, 1), "templates", expect, marker)

# -- agency data and narratives ------------------------------------------------------
A = [
    (
        "agency: x\ntable2:\n  rulez: {issued: 1}\n",
        "'rulez' is not a row of table 二 in cn-annual-2021 (did you mean 'rules'?)",
        "rulez",
    ),
    ("agency: x\ntable2:\n  licensing: {decisions: -1}\n", "cannot be negative", "decisions: -1"),
    (
        "agency: x\ntable2:\n  penalty: {decisons: 3}\n",
        "'decisons' is not a column of row 'penalty' (did you mean 'decisions'?)",
        "decisons",
    ),
    ("agency: x\ntable2:\n  fees: {amount: abc}\n", "expected a number", "amount: abc"),
    ("agency: x\ntable2:\n  licensing: {decisions: 2.5}\n", "expected a whole number", "2.5"),
    ("agency: x\ntable2:\n  licensing: 5\n", "expected a mapping of columns", "licensing: 5"),
    ("agency: [x]\n", "agency must be text", "[x]"),
    ("agncy: x\n", "unknown key 'agncy' (did you mean 'agency'?)", "agncy"),
    ("agency: x\ntable2: [1]\n", "table2 must be a mapping of rows", "[1]"),
    ("agency: x\nvalues: [1]\n", "values must be a mapping", "[1]"),
]
for i, (content, expect, marker) in enumerate(A, 1):
    add(f"agency-{i:03d}.yaml", content, "agency", expect, marker)
N = [
    (
        "## 总体情况\n\n申请{{table3.new.totl}}件。\n",
        "unknown figure 'table3.new.totl' (did you mean 'table3.new.total'?)",
        "{{table3.new.totl}}",
    ),
    ("## 总体情况况\n", "unknown section heading '总体情况况'", "## 总体情况况"),
    ("开头没有标题。\n## 总体情况\n", "text before the first '## section' heading", "开头没有标题"),
    ("## 总体情况\n{{values.missing}}\n", "unknown figure 'values.missing'", "{{values.missing}}"),
    (
        "## 其他需要报告的事项\n本年度{{fee.amout}}元\n",
        "unknown figure 'fee.amout' (did you mean 'fee.amount'?)",
        "{{fee.amout}}",
    ),
]
for i, (content, expect, marker) in enumerate(N, 1):
    add(f"narrative-{i:03d}.md", content, "narratives", expect, marker)

# -- published reports the checker must not pass -------------------------------------
SEED_LIKE = (ROOT / "examples" / "zhangshu-2021" / "report" / "report.txt").read_text(
    encoding="utf-8"
)
P = [
    ("truncated.txt", SEED_LIKE[: SEED_LIKE.index("（五）不予处理")], "READ-3"),
    ("no-table3.txt", SEED_LIKE[: SEED_LIKE.index("三、收到和处理")], "READ-1"),
    (
        "garbled-numbers.txt",
        SEED_LIKE.replace("一、本年新收政府信息公开申请数量", "一、本年新收政府信息公开申请数量 x"),
        "READ-3",
    ),
    (
        "text-mismatch.txt",
        SEED_LIKE.replace("全年收到政府信息公开申请1件", "全年收到政府信息公开申请2件"),
        "TXT-1",
    ),
    (
        "period-mismatch.txt",
        SEED_LIKE.replace(
            "自2021年1月1日起至2021年12月31日止", "自2020年1月1日起至2020年12月31日止"
        ),
        "STR-1",
    ),
    (
        "proactive-breakdown.txt",
        SEED_LIKE.replace(
            "全年主动公开政府信息35条。", "全年主动公开政府信息35条，其中规章1条、文件2条。"
        ),
        "TXT-7",
    ),
    ("reviews-claim.txt", SEED_LIKE.replace("被申请行政复议0件", "被申请行政复议4件"), "TXT-5"),
]
for name, content, expect in P:
    add(name, content, "published", expect, None)
add("not-a-docx.docx", b"PK-not-really", "published", "unreadable", None)
add("binary.txt", bytes(range(256)) * 4, "published", "cannot decode the file", None)

# -- command-line arguments --------------------------------------------------------------
CLI = [
    (["case", "replay"], "Missing argument"),
    (
        ["case", "replay", "examples/cases/worked-examples.yaml", "--as-of", "tomorrow"],
        "is not a date",
    ),
    (
        ["case", "replay", "examples/cases/worked-examples.yaml", "--as-of", "2024-02-30"],
        "is not a date",
    ),
    (["case", "explain", "examples/cases/worked-examples.yaml"], "choose one with --case"),
    (
        [
            "case",
            "explain",
            "examples/cases/worked-examples.yaml",
            "--case",
            "EX-01",
            "--clock",
            "replly",
        ],
        "did you mean 'reply'",
    ),
    (["calendar", "show", "2026"], "is not a month"),
    (["calendar", "show", "2026-13"], "is not a month"),
    (["calendar", "show", "02-2026"], "is not a month"),
    (["calendar", "add", "2024-09-10", "ten"], "is not a valid integer"),
    (["calendar", "add", "2024-09-10", "-1"], "-1"),
    (["calendar", "add", "2040-12-20", "30"], "past the end of calendar 'cn'"),
    (["calendar", "add", "2041-12-20", "30"], "outside calendar 'cn'"),
    (["calendar", "add", "1990-01-01", "3"], "outside calendar 'cn'"),
    (["calendar", "show", "2026-02", "--calendar", "cn-mars"], "no calendar 'cn-mars'"),
    (
        ["rules", "show", "cn-ogi-2091"],
        "no ruleset named 'cn-ogi-2091' (did you mean 'cn-ogi-2019'?)",
    ),
    (["rules", "lint"], "Missing argument"),
    (["rules", "graph", "cn-ogi-2019", "--format", "svg"], "Invalid value for '--format'"),
    (["report", "annual"], "Missing option '--year'"),
    (["report", "annual", "--year", "abc", "--cases", "x.yaml"], "is not a valid integer"),
    (
        [
            "report",
            "annual",
            "--year",
            "2024",
            "--cases",
            "examples/agency-2024/cases.yaml",
            "--format",
            "pdf",
        ],
        "no report renderer 'pdf'",
    ),
    (
        [
            "report",
            "annual",
            "--year",
            "2024",
            "--cases",
            "examples/agency-2024/cases.yaml",
            "--template",
            "cn-annual-2019",
        ],
        "not 2024",
    ),
    (
        [
            "report",
            "annual",
            "--year",
            "2024",
            "--cases",
            "examples/agency-2024/cases.yaml",
            "--template",
            "cn-annual-2031",
        ],
        "no report template 'cn-annual-2031'",
    ),
    (
        [
            "report",
            "annual",
            "--year",
            "2024",
            "--cases",
            "examples/agency-2024/cases.yaml",
            "--explain",
            "new",
            "everyone",
        ],
        "no column 'everyone'",
    ),
    (
        [
            "report",
            "annual",
            "--year",
            "2024",
            "--cases",
            "examples/agency-2024/cases.yaml",
            "--previous",
            "missing.json",
        ],
        "file not found",
    ),
    (["report", "annual", "--year", "2024", "--cases", "missing.yaml"], "file not found"),
    (["report", "check"], "Missing argument"),
    (["report", "check", "missing-report.txt"], "unreadable"),
    (["case", "list", "--received-in", "1800"], "1800"),
    (["case", "list", "--limit", "-1"], "-1"),
    (["case", "event", "A", "decide", "outcome"], "is not KEY=VALUE"),
    (["frobnicate"], "No such command 'frobnicate'"),
    (["case", "replay", "examples/cases/worked-examples.yaml", "--bogus"], "No such option"),
    (["due", "--as-of", "2024-02-30"], "is not a date"),
]
for args, expect in CLI:
    entries.append({"file": None, "kind": "cli", "expect": expect, "line": None, "args": args})

# -- issue 15: strings stay strings, ids, files, calendars --------------------------
HEAD_NO_ID = CASE_HEAD.replace("id: B-1\n", "")
HOSTILE_CASES = [
    # YAML 1.1 would read these as 8, 16 and 10: YAML 1.2 keeps them as text
    (
        "  - {type: request_correction, on: 2024-03-04, correction_period: 010}\n",
        "must be a whole number written in decimal without leading zeros, got '010'",
        "010",
    ),
    (
        "  - {type: extend, on: 2024-03-04, working_days: 0x10}\n",
        "must be a whole number written in decimal without leading zeros, got '0x10'",
        "0x10",
    ),
    (
        "  - {type: extend, on: 2024-03-04, working_days: 1_0}\n",
        "must be a whole number written in decimal without leading zeros, got '1_0'",
        "1_0",
    ),
    (
        "  - {type: extend, on: 2024-03-04, working_days: 0:10}\n",
        "must be a whole number written in decimal without leading zeros, got '0:10'",
        "0:10",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: .nan, method: per_item}\n",
        "must be a finite number, got nan",
        ".nan",
    ),
    (
        "  - {type: issue_fee_notice, on: 2024-03-04, amount: .inf, method: per_item}\n",
        "must be a finite number, got inf",
        ".inf",
    ),
    (
        "  - {type: decide, on: 2024-03-05, outcome: disclosed}\n"
        "  - {type: lawsuit_filed, on: 2024-04-01, after_review: yes}\n",
        "must be true or false, got text",
        "yes}",
    ),
    (
        "  - {type: request_correction, on: 2024-03-04T23:30:00-05:00}\n",
        "is a time with a time zone, not a day",
        "2024-03-04T23:30:00-05:00",
    ),
]
for i, (events, expect, marker) in enumerate(HOSTILE_CASES, 1):
    add(f"hostile-events-{i:03d}.yaml", CASE_HEAD + "events:\n" + events, "cases", expect, marker)
HOSTILE_HEADERS = [
    ('id: "B\\e[31m"\n', "found U+001B", "B\\e[31m"),
    ('id: "B\\0"\n', "found U+0000", "B\\0"),
    ('id: "B\\x85"\n', "found U+0085", "B\\x85"),
    ('id: "B\\u200b1"\n', "found U+200B", "B\\u200b1"),
    ('id: "B\\u2060"\n', "found U+2060", "B\\u2060"),
    ('id: "B\\ufeff"\n', "found U+FEFF", "B\\ufeff"),
    ('id: "B\\u202e1-B"\n', "found U+202E", "B\\u202e1-B"),
    ('id: "B\\u2066"\n', "found U+2066", "B\\u2066"),
    ('id: " \\t "\n', "'id' must not be empty", '" \\t "'),
    (
        "id: B-1\nruleset: /tmp/secret/config.yaml\n",
        "'ruleset' must be the name of a ruleset, not a file",
        "/tmp/secret",
    ),
    ("id: B-1\nruleset: ../cn-ogi-2019.yaml\n", "not a file", "../cn-ogi"),
    ("id: B-1\nreceived: 2024-03-01 23:30:00+08:00\n", "is a time with a time zone", "23:30"),
]
for i, (head, expect, marker) in enumerate(HOSTILE_HEADERS, 1):
    content = head + HEAD_NO_ID
    if "received:" in head:
        content = head + HEAD_NO_ID.replace("received: 2024-03-01\n", "")
    add(f"hostile-header-{i:03d}.yaml", content, "cases", expect, marker)
HOSTILE_CALENDARS = [
    (
        "calendar: {id: x, first_year: 2000, last_year: 9999}\n",
        "'last_year' must be a year from 1949 to 2100, got 9999",
        "9999",
    ),
    (
        "calendar: {id: x, first_year: 1, last_year: 2000}\n",
        "'first_year' must be a year from 1949 to 2100, got 1",
        "1, last",
    ),
    (
        "calendar: {id: x, first_year: 2030, last_year: 2020}\n",
        "'last_year' (2020) is before 'first_year' (2030)",
        "2020",
    ),
    (
        "calendar: {id: x, extends: cn, published_through: 9999}\n",
        "'published_through' must be a year from 1949 to 2100",
        "9999",
    ),
    (
        "calendar: {id: x, national: __class__, first_year: 2000, last_year: 2030}\n",
        "'__class__' is not a country name",
        "__class__",
    ),
    (
        "calendar: {id: x, national: country_holidays, first_year: 2000, last_year: 2030}\n",
        "known national calendars: China",
        "country_holidays",
    ),
    (
        "calendar: {id: x, first_year: 2000, last_year: 2030}\nholidays:\n"
        + "".join(f"  - {{from: 0001-01-01, to: 9999-12-31, name: r{i}}}\n" for i in range(20)),
        "a calendar covers only the years 1949 to 2100",
        "{from: 0001-01-01",
    ),
    (
        "calendar: {id: x, first_year: 2000, last_year: 2030}\nholidays:\n"
        "  - {from: 2001-01-01, to: 2030-12-31, name: r}\n",
        "a range may cover at most 366 days, this one covers 10957",
        "{from: 2001-01-01",
    ),
    (
        "calendar: {id: x, extends: cn}\nschedules:\n  '9999': {holidays: []}\n",
        "a calendar covers only the years 1949 to 2100",
        "'9999'",
    ),
    (
        "calendar: {id: x, extends: cn}\nholidays:\n  - {date: 2024-05-01T10:00:00Z, name: z}\n",
        "is a time with a time zone, not a day",
        "2024-05-01T10",
    ),
    (
        "calendar: {id: x, extends: cn, published_through: 02026}\n",
        "without leading zeros",
        "02026",
    ),
]
for i, (content, expect, marker) in enumerate(HOSTILE_CALENDARS, 1):
    add(f"hostile-calendar-{i:03d}.yaml", content, "calendars", expect, marker)
add(
    "hostile-agency-001.yaml",
    "agency: x\ntable2:\n  fees: {amount: .nan}\n",
    "agency",
    "expected a finite number, got nan",
    ".nan",
)
add(
    "hostile-agency-003.yaml",
    "agency: x\ntable2:\n  licensing: {decisions: 010}\n",
    "agency",
    "expected a whole number written in decimal without leading zeros",
    "010",
)
add(
    "hostile-agency-002.yaml",
    "agency: x\ntable2:\n  fees: {amount: -.inf}\n",
    "agency",
    "expected a finite number, got -inf",
    "-.inf",
)
HOSTILE_CLI = [
    (["rules", "lint", "/dev/zero"], "/dev/zero: is not a regular file"),
    (["case", "replay", "/dev/urandom"], "/dev/urandom: is not a regular file"),
    (["calendar", "show", "2024-01", "--calendar-file", "/dev/zero"], "is not a regular file"),
    (["report", "check", "/dev/zero"], "is not a regular file"),
    (
        ["report", "annual", "--year", "2021", "--cases", "/dev/zero"],
        "/dev/zero: is not a regular file",
    ),
    (["calendar", "add", "9999-12-31", "1", "--natural"], "9999-12-31 + 1 days is outside"),
]
for args, expect in HOSTILE_CLI:
    entries.append({"file": None, "kind": "cli", "expect": expect, "line": None, "args": args})

(HERE / "manifest.json").write_text(
    json.dumps(entries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
)
print(f"{len(entries)} bad inputs")
