"""Loading rulesets: the built-ins, another regime in YAML alone, and every kind of error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import DATA, D
from disclosure import (
    CalendarRegistry,
    Case,
    Machine,
    NotFoundError,
    RulesetError,
    builtin_rulesets,
    lint_ruleset,
    load_ruleset,
    read_calendar_file,
    ruleset_to_dict,
)

NATIONAL_TEXT = (
    Path(__file__).resolve().parent.parent / "rulesets" / "cn-ogi-2019.yaml"
).read_text(encoding="utf-8")


def test_builtin_national_ruleset_declares_the_public_vocabulary() -> None:
    rs = load_ruleset("cn-ogi-2019")
    assert "cn-ogi-2019" in builtin_rulesets()
    assert set(rs.applicant_kinds) == {
        "natural_person",
        "commercial_enterprise",
        "research_institution",
        "social_welfare_org",
        "legal_service_org",
        "other_org",
    }
    assert set(rs.channels) == {
        "in_person",
        "post_signed",
        "post_unsigned",
        "online",
        "fax",
        "oral",
    }
    for event in (
        "request_correction",
        "correction_received",
        "correction_lapsed",
        "consult_third_party",
        "third_party_replied",
        "third_party_lapsed",
        "consult_agency",
        "agency_replied",
        "agency_lapsed",
        "extend",
        "request_reasons",
        "reasons_received",
        "set_reply_date",
        "issue_fee_notice",
        "fee_paid",
        "fee_lapsed",
        "decide",
        "withdraw",
        "review_filed",
        "review_decided",
        "lawsuit_filed",
        "lawsuit_decided",
    ):
        assert event in rs.events, event
    groups = {o.group for o in rs.outcomes.values()}
    assert groups == {
        "disclosed",
        "partially_disclosed",
        "withheld",
        "unavailable",
        "not_processed",
        "other",
    }
    assert sum(1 for o in rs.outcomes.values() if o.group == "withheld") == 8
    assert rs.events["extend"].fields["working_days"].max == 20
    assert rs.ruleset.effective_from == D("2019-05-15")


def test_ruleset_round_trips_through_plain_data() -> None:
    rs = load_ruleset("cn-ogi-2019")
    data = ruleset_to_dict(rs)
    assert data["events"]["decide"]["from"] == ["received", "under_review", "awaiting_reasons"]
    assert data["clocks"]["reply"]["limit"] == 20


def test_another_regime_needs_only_yaml() -> None:
    rs = load_ruleset(DATA / "rulesets" / "toy-foi.yaml")
    cals = CalendarRegistry([read_calendar_file(DATA / "calendars-weekdays.yaml")])
    machine = Machine(rs, calendars=cals)
    case = Case("REQ-1", "press", "email", D("2024-01-05"))
    state = machine.fold(case, D("2024-01-05"))
    assert state.deadlines["answer"].due == D("2024-02-02")
    assert (
        machine.advance(
            case.with_event(__import__("disclosure").Event("ask_clarification", D("2024-01-08"))),
            D("2024-03-01"),
        )[0].type
        == "clarification_lapsed"
    )


def test_unknown_name_suggests() -> None:
    with pytest.raises(NotFoundError, match="did you mean 'cn-ogi-2019'"):
        load_ruleset("cn-ogi-2091")


def _lint(tmp_path: Path, text: str) -> list[str]:
    f = tmp_path / "r.yaml"
    f.write_text(text, encoding="utf-8")
    return [str(p).replace(str(f), "r.yaml") for p in lint_ruleset(f)]


def _mutate(old: str, new: str) -> str:
    assert old in NATIONAL_TEXT, old
    return NATIONAL_TEXT.replace(old, new, 1)


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "  title: 政府",
            "  titel: 政府",
            "ruleset.titel: unknown key 'titel' (did you mean 'title'?)",
        ),
        (
            "    limit: 20\n    unit: working_days\n    binds: agency\n    compliance: true\n    basis: Art. 33;",
            "    limit: twenty\n    unit: working_days\n    binds: agency\n    compliance: true\n    basis: Art. 33;",
            "clocks.reply.limit: expected an integer, got text",
        ),
        (
            "    to: under_review\n    zh: 收到补正",
            "    to: under_reveiw\n    zh: 收到补正",
            "events.correction_received.to: state 'under_reveiw' is not defined (did you mean 'under_review'?)",
        ),
        (
            "    resume: {on: [third_party_replied,",
            "    resume: {on: [third_party_replid,",
            "clocks.reply.resume.on[0]: event 'third_party_replid' is not defined (did you mean 'third_party_replied'?)",
        ),
        (
            "    group: withheld\n    zh: 属于国家秘密",
            "    group: witheld\n    zh: 属于国家秘密",
            "outcomes.withheld.state_secret.group: outcome group 'witheld' is not defined (did you mean 'withheld'?)",
        ),
        (
            "  awaiting_fee:\n    waiting_on: applicant",
            "  awaiting_fee:\n    waiting_on: aplicant",
            "states.awaiting_fee.waiting_on: party 'aplicant' is not defined (did you mean 'applicant'?)",
        ),
        (
            "    start: {on: [issue_fee_notice], from_field: delivered}",
            "    start: {on: [issue_fee_notice], from_field: deliverd}",
            "clocks.fee_payment.start.from_field: event 'issue_fee_notice' has no field 'deliverd' (did you mean 'delivered'?)",
        ),
        (
            "      working_days: {type: int, default: 20, min: 1, max: 20}",
            "      working_days: {type: integer, default: 20, min: 1, max: 20}",
            "events.extend.fields.working_days.type: unknown field type 'integer' (did you mean 'int'?)",
        ),
        (
            "default_from: correction_period,",
            "default_from: correction_days,",
            "events.request_correction.fields.correction_period.default_from: parameter 'correction_days' is not defined",
        ),
        (
            "  other.other:\n",
            "  other.unused: {group: other}\n  other.other:\n",
            "outcomes.other.unused: no event can produce outcome 'other.unused'",
        ),
        (
            "  litigation_concluded:\n    closed: true\n    final: true",
            "  litigation_concluded:\n    closed: true\n    final: false",
            "states.litigation_concluded: state 'litigation_concluded' is not final but no event leaves it",
        ),
        (
            "    from: [in_litigation]\n    to: litigation_concluded",
            "    from: [in_litigation, litigation_concluded]\n    to: litigation_concluded",
            "events.lawsuit_decided.from[1]: state 'litigation_concluded' is final but has outgoing event 'lawsuit_decided'",
        ),
        (
            "  correction_lapsed:\n    from: [awaiting_correction]\n    to: concluded\n    outcome: other.correction_lapsed\n",
            "  correction_lapsed:\n    from: [awaiting_correction]\n    to: concluded\n",
            "events.correction_lapsed.to: event leads from open state 'awaiting_correction' to closed state 'concluded' but gives no outcome",
        ),
    ],
)
def test_each_kind_of_error_names_line_and_column(tmp_path, old, new, expected) -> None:
    text = _mutate(old, new)
    problems = _lint(tmp_path, text)
    matching = [p for p in problems if expected in p]
    assert matching, problems
    line = int(matching[0].split(":")[1])
    col = int(matching[0].split(":")[2])
    assert line >= 1 and col >= 1
    assert matching[0].startswith("r.yaml:")


def test_error_line_points_at_the_mistake(tmp_path) -> None:
    text = _mutate(
        "    to: under_review\n    zh: 收到补正", "    to: under_reveiw\n    zh: 收到补正"
    )
    (problem,) = _lint(tmp_path, text)
    assert problem.startswith(f"r.yaml:{_line_of(text, 'to: under_reveiw')}:9:")


def test_unreachable_state_is_reported(tmp_path) -> None:
    text = _mutate("  concluded:\n", "  limbo:\n    waiting_on: agency\n  concluded:\n")
    problems = _lint(tmp_path, text)
    assert any("state 'limbo' cannot be reached from 'received'" in p for p in problems)
    assert any("state 'limbo' is not final but no event leaves it" in p for p in problems)


def test_duplicate_keys_are_found_with_both_lines(tmp_path) -> None:
    text = _mutate(
        "  disclosed: {zh: 予以公开, en: Disclosed}\n",
        "  disclosed: {zh: 予以公开, en: Disclosed}\n  disclosed: {zh: x}\n",
    )
    (problem,) = _lint(tmp_path, text)
    first = _line_of(text, "  disclosed: {zh: 予以公开")
    assert (
        f"r.yaml:{first + 1}:3: outcome_groups.disclosed: duplicate key 'disclosed' "
        f"(first defined on line {first})" in problem
    )


def test_all_errors_are_collected(tmp_path) -> None:
    problems = _lint(tmp_path, (DATA / "rulesets" / "broken.yaml").read_text(encoding="utf-8"))
    assert len(problems) == 3
    assert "duplicate key 'done'" in problems[0]
    assert "unknown key 'titel'" in problems[1]
    assert "expected an integer" in problems[2]


def test_broken_semantics_all_reported(tmp_path) -> None:
    text = (DATA / "rulesets" / "broken.yaml").read_text(encoding="utf-8")
    text = text.replace("  titel: misspelt key", "  title: x").replace("limit: twenty", "limit: 20")
    text = text.replace("  done: {closed: true}\n", "")
    problems = _lint(tmp_path, text)
    assert len(problems) >= 10
    assert any("'agncy' is not defined (did you mean 'agency'?)" in p for p in problems)
    assert any("'reciept' is not defined (did you mean 'receipt'?)" in p for p in problems)
    assert any("no event can produce outcome 'never'" in p for p in problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("ruleset: [1, 2\n", "invalid YAML"),
        ("ruleset:\n\tid: x\n", "indent with spaces, not tabs"),
        ("- 1\n- 2\n", "expected a mapping, got a list"),
        ("ruleset: !!python/object/apply:os.system [echo]\n", "only plain data is allowed"),
    ],
)
def test_malformed_files(tmp_path, text, expected) -> None:
    assert any(expected in p for p in _lint(tmp_path, text))


def test_missing_required_sections(tmp_path) -> None:
    problems = _lint(tmp_path, "ruleset: {id: x}\n")
    assert any("missing required key 'states'" in p for p in problems)


def test_non_utf8_file(tmp_path) -> None:
    f = tmp_path / "r.yaml"
    f.write_bytes("ruleset: {id: x}\n# \u00e9\n".encode("latin-1"))
    (problem,) = lint_ruleset(f)
    assert "not valid UTF-8" in str(problem) and ":2" in str(problem)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(RulesetError, match="file not found"):
        load_ruleset(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("  case_fields: {contact: hide}\n", "unknown mask 'hide'"),
        (
            "  patterns:\n    - {name: p, regex: '(unclosed', mask: last_four}\n",
            "not a valid regular",
        ),
        (
            "  patterns:\n    - {name: p, regex: 'x', mask: everything}\n",
            "unknown mask 'everything'",
        ),
        ("  patterns:\n    - {name: addr, regex: 'addr.*', mask: marker}\n", "no (?P<marker>"),
        (
            "  patterns:\n    - {name: long, regex: '" + "a" * 501 + "', mask: ends}\n",
            "longer than 500",
        ),
    ],
)
def test_personal_data_masks_and_patterns_are_checked(
    tmp_path: Path, section: str, message: str
) -> None:
    start = NATIONAL_TEXT.index("personal_data:\n")
    end = NATIONAL_TEXT.index("parameters:\n", start)
    text = NATIONAL_TEXT[:start] + "personal_data:\n" + section + NATIONAL_TEXT[end:]
    f = tmp_path / "rs.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(RulesetError, match=re.escape(message)):
        load_ruleset(f)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            "      why: {type: list, required_for: [nope]}\n",
            "'nope' is neither an outcome nor a group",
        ),
        ("      why: {type: str, choices: [a]}\n", "'choices' is only for choice and list fields"),
    ],
)
def test_outcome_conditions_and_list_fields_are_linted(
    tmp_path: Path, fields: str, message: str
) -> None:
    anchor = "      outcome:\n"
    start = NATIONAL_TEXT.index("  decide:\n")
    at = NATIONAL_TEXT.index(anchor, start)
    text = NATIONAL_TEXT[:at] + fields + NATIONAL_TEXT[at:]
    assert message in "\n".join(_lint(tmp_path, text))


def test_outcome_conditions_need_an_outcome_field(tmp_path: Path) -> None:
    text = _mutate(
        "correction_period: {type: int,",
        "note2: {type: str, forbidden_for: [disclosed]}\n      correction_period: {type: int,",
    )
    assert any("need an outcome field" in p for p in _lint(tmp_path, text))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "    outcome: other.withdrawn\n",
            "    outcome: other.withdrawn\n    to_for: {disclosed: concluded}\n",
            "'to_for' needs an outcome field in the event",
        ),
        (
            "    outcome: other.withdrawn\n",
            "    outcome: other.withdrawn\n    max_times: 0\n",
            "'max_times' must be at least 1",
        ),
        (
            "    to: concluded\n    zh: 作出答复\n",
            "    to: concluded\n    to_for: {disclosd: concluded, withheld: received}\n"
            "    zh: 作出答复\n",
            "'disclosd' is neither an outcome nor a group",
        ),
        (
            "    to: concluded\n    zh: 作出答复\n",
            "    to: concluded\n    to_for: {withheld: received}\n    zh: 作出答复\n",
            "state 'received' is open",
        ),
        (
            "    complete: {on: [request_correction]}",
            "    complete: {on: [request_correction], outcomes: [disclosed]}",
            "'outcomes' needs every event in 'on' to give an outcome",
        ),
    ],
)
def test_outcome_targets_event_limits_and_trigger_outcomes_are_linted(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert any(message in p for p in _lint(tmp_path, _mutate(old, new)))
