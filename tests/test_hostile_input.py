"""Issue 15: strings stay strings, ids are printable, files are only what they claim.

The bad-input corpus (tests/data/bad, the ``hostile-*`` entries) checks the
command-line messages; these tests check the rules themselves.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import case_open
from disclosure.calendars import registry as calendar_registry
from disclosure.cli import cli
from disclosure.documents.source import ReadError, load_file, load_text, read_limited
from disclosure.documents.structure import parse_date
from disclosure.engine import Engine
from disclosure.errors import DocumentError, InvalidIdError, NotFoundError, TypeMismatch
from disclosure.lifecycle.case import Case, id_problem, load_cases
from disclosure.rules.fields import FieldProblem, value_check, value_from_text

# -- YAML 1.2 core-schema typing ---------------------------------------------------

TYPED = [
    ("01065432100", "01065432100"),  # 1.1: octal 148255808
    ("0777", "0777"),  # 1.1: 511
    ("1_234", "1_234"),  # 1.1: 1234
    ("0042", "0042"),  # 1.1: 34
    ("12:30", "12:30"),  # 1.1: sexagesimal 750
    ("0x1F", "0x1F"),  # 1.1: 31
    ("0o17", "0o17"),
    ("0b101", "0b101"),
    ("010.5", "010.5"),
    ("yes", "yes"),
    ("no", "no"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("true", True),
    ("True", True),
    ("TRUE", True),
    ("false", False),
    ("FALSE", False),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("~", None),
    ("", None),
    ("42", 42),
    ("-7", -7),
    ("+3", 3),
    ("0", 0),
    ("1.5", 1.5),
    ("1e3", 1000.0),
    ("2024-03-01", dt.date(2024, 3, 1)),
    ("'0042'", "0042"),
    ("!!int 0x1F", "0x1F"),  # an explicit tag does not bring back hex
]


@pytest.mark.parametrize(("written", "read"), TYPED, ids=[w or "empty" for w, _ in TYPED])
def test_plain_scalars_are_typed_the_yaml_1_2_way(written: str, read: object) -> None:
    value = load_text(f"v: {written}\n", "t").data["v"]
    assert value == read and type(value) is type(read)


def test_nan_and_inf_are_read_but_never_accepted_as_numbers() -> None:
    data = load_text("a: .nan\nb: -.inf\nc: .Inf\n", "t").data
    assert math.isnan(data["a"]) and data["b"] == -math.inf and data["c"] == math.inf
    for value in data.values():
        with pytest.raises(FieldProblem, match="must be a finite number"):
            value_check("number", minimum=0)(value)


def test_a_time_zone_is_refused_not_cut_to_a_day() -> None:
    with pytest.raises(DocumentError, match="is a time with a time zone, not a day"):
        load_text("on: 2024-03-01T23:30:00-05:00\n", "t")
    aware = dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.timezone.utc)
    with pytest.raises(TypeMismatch, match="time zone"):
        parse_date(aware)
    assert parse_date(dt.datetime(2024, 3, 1, 23, 30)) == dt.date(2024, 3, 1)  # no zone: its day


def test_text_fields_of_a_case_keep_the_characters_written(tmp_path: Path) -> None:
    f = tmp_path / "c.yaml"
    f.write_text(
        "id: 0042\napplicant: natural_person\nchannel: online\nreceived: 2024-03-01\n"
        "subject: 1.50\ncontact: 01065432100\nid_number: 1_234\napplicant_name: yes\n",
        encoding="utf-8",
    )
    (case,) = load_cases(f)
    assert (case.id, case.subject, case.contact, case.id_number, case.applicant_name) == (
        "0042",
        "1.50",
        "01065432100",
        "1_234",
        "yes",
    )


@pytest.mark.parametrize("text", ["010", "0x1F", "1_234", "12:30", "08"])
def test_int_fields_refuse_numbers_not_written_in_decimal(text: str) -> None:
    with pytest.raises(FieldProblem, match="written in decimal without leading zeros"):
        value_check("int")(text)
    with pytest.raises(FieldProblem, match="written in decimal without leading zeros"):
        value_from_text("int", text)


def test_command_line_values_follow_the_declared_type() -> None:
    assert value_from_text("int", "10") == 10
    assert value_from_text("int", "-3") == -3
    assert value_from_text("number", "2.5") == 2.5
    assert value_from_text("number", "7") == 7
    assert value_from_text("bool", "TRUE") is True
    assert value_from_text("str", "010") == "010"
    assert value_from_text("choice", "yes") == "yes"
    assert value_from_text("date", "2024-03-01") == "2024-03-01"  # the field check parses it
    for type_, text in (("number", "nan"), ("number", "1_0"), ("bool", "yes"), ("int", "1.0")):
        with pytest.raises(FieldProblem):
            value_from_text(type_, text)


def test_case_event_reads_key_value_by_the_field_type(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    run = CliRunner().invoke
    assert run(cli, ["init", "--db", db]).exit_code == 0
    opened = run(
        cli,
        [
            *case_open("E-1"),
            "--db",
            db,
        ],
    )
    assert opened.exit_code == 0, opened.stderr
    bad = run(
        cli,
        [
            "case",
            "event",
            "E-1",
            "request_correction",
            "correction_period=010",
            "--on",
            "2024-03-04",
            "--db",
            db,
        ],
    )
    assert bad.exit_code != 0 and "Traceback" not in bad.stderr
    assert "field 'correction_period'" in bad.stderr
    assert "must be a whole number written in decimal without leading zeros" in bad.stderr
    good = run(
        cli,
        [
            "case",
            "event",
            "E-1",
            "request_correction",
            "correction_period=10",
            "items=010",
            "--on",
            "2024-03-04",
            "--db",
            db,
        ],
    )
    assert good.exit_code == 0, good.stderr
    shown = run(cli, ["case", "show", "E-1", "--json", "--as-of", "2024-03-05", "--db", db])
    assert '"correction_period": 10' in shown.stdout and '"items": "010"' in shown.stdout


# -- ids -------------------------------------------------------------------------

BAD_IDS = [
    "",
    "   ",
    "\t",
    "A\x00",
    "A\x1b[31m",
    "A\x7f",
    "A\x85",
    "A\x9b",
    "A\u200b",
    "A\u200d",
    "A\u200f",
    "A\u2060",
    "\ufeffA",
    "A\u202a",
    "A\u202e1",
    "A\u2066",
    "A\u2069",
    "A\nB",
]


@pytest.mark.parametrize("case_id", BAD_IDS, ids=[repr(i) for i in BAD_IDS])
def test_one_rule_for_ids_in_the_api(case_id: str) -> None:
    assert id_problem(case_id) is not None
    with pytest.raises(InvalidIdError):
        Case(case_id, "natural_person", "online", dt.date(2024, 3, 1))


@pytest.mark.parametrize("case_id", ["A-1", "0042", "依申请〔2024〕1号", "A 1", "ＡＢ"])
def test_ordinary_ids_are_fine(case_id: str) -> None:
    assert id_problem(case_id) is None
    assert Case(case_id, "natural_person", "online", dt.date(2024, 3, 1)).id == case_id


def test_case_open_refuses_an_invisible_id_in_one_line(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    CliRunner().invoke(cli, ["init", "--db", db])
    result = CliRunner().invoke(
        cli,
        [
            *case_open("A\u202e1"),
            "--db",
            db,
        ],
    )
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "U+202E" in result.stderr


# -- files are only what they claim ---------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for args in (
        ["rules", "lint", str(fifo)],
        ["case", "replay", str(fifo)],
        ["report", "check", str(fifo)],
        ["calendar", "show", "2024-01", "--calendar-file", str(fifo)],
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code != 0, args
        assert "is not a regular file" in result.stdout + result.stderr, args


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_the_size_cap_is_enforced_while_reading_not_taken_from_stat() -> None:
    assert os.stat("/proc/self/status").st_size == 0  # stat claims the file is empty
    with pytest.raises(ReadError, match="file is larger than 16 bytes"):
        read_limited("/proc/self/status", cap=16)


def test_devices_are_refused() -> None:
    for device in ("/dev/zero", "/dev/urandom"):
        if Path(device).exists():
            with pytest.raises(DocumentError, match="is not a regular file"):
                load_file(device)


def test_a_case_naming_a_ruleset_file_never_reads_it(tmp_path: Path) -> None:
    secret = tmp_path / "config.yaml"
    secret.write_text("database_password: hunter2\n", encoding="utf-8")
    case_file = tmp_path / "case.yaml"
    case_file.write_text(
        f"id: A-1\nruleset: {secret}\napplicant: natural_person\nchannel: online\n"
        "received: 2024-03-01\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["case", "replay", str(case_file)])
    assert result.exit_code == 1 and "database_password" not in result.stderr
    assert "must be the name of a ruleset, not a file" in result.stderr
    # through the API: the engine refuses before opening anything
    secret.chmod(0)
    case = Case("A-1", "natural_person", "online", dt.date(2024, 3, 1), ruleset=str(secret))
    with pytest.raises(NotFoundError, match="is a file path, not a ruleset name"):
        Engine().fold(case, dt.date(2024, 3, 2))


# -- calendars --------------------------------------------------------------------------


def test_national_calendars_come_from_a_known_list_only() -> None:
    with pytest.raises(NotFoundError, match="no national calendar '__class__'"):
        calendar_registry._national_days("__class__", 2020, 2021)
    with pytest.raises(NotFoundError, match="outside 1949-2100"):
        calendar_registry._national_days("China", 2020, 9999)


def test_a_calendar_of_huge_ranges_is_refused_quickly(tmp_path: Path) -> None:
    import time

    f = tmp_path / "cal.yaml"
    f.write_text(
        "calendar: {id: x, first_year: 2000, last_year: 2030}\nholidays:\n"
        + "".join(f"  - {{from: 0001-01-01, to: 9999-12-31, name: r{i}}}\n" for i in range(20)),
        encoding="utf-8",
    )
    start = time.perf_counter()
    with pytest.raises(DocumentError, match="covers only the years 1949 to 2100"):
        calendar_registry.read_calendar_file(f)
    assert time.perf_counter() - start < 2


def test_too_many_days_in_one_calendar_file_are_refused(tmp_path: Path) -> None:
    f = tmp_path / "cal.yaml"
    ranges = "".join(
        f"  - {{from: {y}-01-01, to: {y}-12-31, name: r}}\n" for y in range(1949, 2101)
    )
    f.write_text(
        "calendar: {id: x, first_year: 1949, last_year: 2100}\nholidays:\n" + ranges,
        encoding="utf-8",
    )
    with pytest.raises(DocumentError, match="may name at most 20000 days"):
        calendar_registry.read_calendar_file(f)


def test_adding_natural_days_past_year_9999_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["calendar", "add", "9999-12-31", "1", "--natural"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "9999-12-31 + 1 days is outside calendar" in result.stderr


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip(reason="POSIX file types")


def test_exported_text_reads_back_as_the_same_text() -> None:
    from disclosure.lifecycle.case import dump_cases_yaml

    tricky = ["1e3", ".5", "0042", "yes", "TRUE", "2024-03-01", "~", "-.inf", "12:30", "", "x"]
    doc = {"id": "A", "data": tricky}
    assert load_text(dump_cases_yaml([doc]), "t").data == {"cases": [doc]}
