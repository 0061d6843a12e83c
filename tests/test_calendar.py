"""Working-day calendars: national data, regional files, index vs naive stepping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, GUANGXI, D
from disclosure import (
    CalendarError,
    CalendarRangeError,
    CalendarRegistry,
    NotFoundError,
    read_calendar_file,
)

NATIONAL = CalendarRegistry.default().get("cn")
_CHINA = holidays.China(years=range(2003, 2032))


def naive_add(day: dt.date, n: int) -> dt.date:
    """Day-by-day stepping with the holidays package: the oracle."""
    while n > 0:
        day += dt.timedelta(days=1)
        if _CHINA.is_working_day(day):
            n -= 1
    return day


def test_make_up_days_are_working_days_and_holidays_are_not() -> None:
    assert NATIONAL.is_working_day(D("2024-09-14"))  # Saturday worked (调休上班)
    assert not NATIONAL.is_working_day(D("2024-10-03"))  # National Day
    assert not NATIONAL.is_working_day(D("2024-09-15"))  # Sunday
    assert NATIONAL.is_working_day(D("2024-02-09"))  # 2024 New Year's Eve was a working day
    info = NATIONAL.day_info(D("2024-09-29"))
    assert (info.kind, info.working, info.source) == ("makeup", True, "holidays.China")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2024-10-03", 20, "2024-11-01"),  # receipt on a holiday
        ("2024-09-14", 20, "2024-10-18"),  # receipt on a make-up Saturday
        ("2024-09-09", 20, "2024-10-12"),  # deadline lands on a make-up Saturday
        ("2024-09-10", 0, "2024-09-10"),
        ("2026-02-13", 1, "2026-02-14"),  # 2026-02-14 Saturday is worked
    ],
)
def test_boundaries(start: str, n: int, expected: str) -> None:
    assert NATIONAL.add_working_days(D(start), n) == D(expected)


def test_count_is_half_open() -> None:
    assert NATIONAL.count_working_days(D("2024-09-10"), D("2024-10-14")) == 20
    assert NATIONAL.count_working_days(D("2024-09-10"), D("2024-09-10")) == 0
    assert NATIONAL.count_working_days(D("2024-10-01"), D("2024-10-07")) == 0


def test_provisional_years() -> None:
    assert NATIONAL.published_through == 2026
    assert not NATIONAL.is_provisional(D("2026-12-31"))
    assert NATIONAL.is_provisional(D("2027-01-04"))


def test_out_of_range_is_a_clear_error() -> None:
    with pytest.raises(CalendarRangeError, match="outside calendar 'cn'"):
        NATIONAL.add_working_days(D("1999-12-31"), 3)
    with pytest.raises(CalendarRangeError, match="past the end"):
        NATIONAL.add_working_days(D("2040-12-20"), 30)


@pytest.mark.parametrize("n", [1, 5, 60, 1000])
def test_last_day_with_room_is_the_last_day_a_deadline_fits(n: int) -> None:
    day = NATIONAL.last_day_with_room(n)
    assert NATIONAL.add_working_days(day, n) <= D("2040-12-31")
    with pytest.raises(CalendarRangeError, match="past the end"):
        NATIONAL.add_working_days(day + dt.timedelta(days=1), n)


def test_last_day_with_room_at_the_extremes() -> None:
    assert NATIONAL.last_day_with_room(0) == D("2040-12-31")
    assert NATIONAL.last_day_with_room(10**6) < D("2000-01-01")


def test_regional_calendar_adds_local_holidays() -> None:
    reg = CalendarRegistry.default([GUANGXI])
    gx = reg.get("cn-guangxi")
    assert not gx.is_working_day(D("2024-04-11"))
    assert gx.day_info(D("2024-04-11")).name == "壮族三月三"
    assert gx.is_working_day(D("2021-04-18"))  # a Sunday worked in exchange
    assert NATIONAL.is_working_day(D("2024-04-11"))


def test_schedule_replaces_a_year_and_extends_published_years(tmp_path: Path) -> None:
    f = tmp_path / "cn-next.yaml"
    f.write_text(
        "calendar: {id: cn-next, extends: cn}\n"
        "schedules:\n"
        "  '2027':\n"
        "    holidays: [{from: 2027-02-05, to: 2027-02-12, name: 春节}]\n"
        "    working_days: [{date: 2027-02-14, name: 春节调休上班}]\n",
        encoding="utf-8",
    )
    cal = CalendarRegistry(
        [
            *[
                read_calendar_file(p)
                for p in (DATA.parent.parent / "rulesets" / "calendars").glob("*.yaml")
            ],
            read_calendar_file(f),
        ]
    ).get("cn-next")
    assert cal.published_through == 2027
    assert not cal.is_provisional(D("2027-06-01"))
    assert cal.is_working_day(D("2027-02-14"))
    assert not cal.is_working_day(D("2027-02-12"))
    # the package's guesses for 2027 (e.g. 2027-05-03 "observed") are gone
    assert cal.is_working_day(D("2027-05-03"))


def test_calendar_file_errors_are_positioned(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "calendar: {id: bad, extends: cn, weekend: [saturday, sundy]}\n"
        "holidays:\n"
        "  - {date: 2024-02-30, name: x}\n"
        "  - {from: 2024-05-03, to: 2024-05-01, name: y}\n"
        "  - {name: z}\n"
        "schedules:\n"
        "  '2027': {holidays: [{date: 2028-01-01, name: w}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CalendarError) as info:
        read_calendar_file(f)
    text = str(info.value)
    assert f"{f}:3:" in text and "'2024-02-30' is not a valid date" in text


def test_semantic_calendar_errors(tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(
        "calendar: {id: bad, extends: cn, weekend: [saturday, sundy]}\n"
        "holidays:\n"
        "  - {from: 2024-05-03, to: 2024-05-01, name: y}\n"
        "  - {name: z}\n"
        "schedules:\n"
        "  '2027': {holidays: [{date: 2028-01-01, name: w}]}\n",
        encoding="utf-8",
    )
    with pytest.raises(CalendarError) as info:
        read_calendar_file(f)
    messages = [str(p) for p in info.value.problems]
    assert any(":1:" in m and "'sundy' is not a weekday" in m for m in messages)
    assert any(":3:" in m and "'to' is before 'from'" in m for m in messages)
    assert any(":4:" in m and "give either 'date' or both" in m for m in messages)
    assert any(":6:" in m and "outside the schedule's year 2027" in m for m in messages)


def test_unknown_calendar_id_suggests() -> None:
    from disclosure import NotFoundError

    with pytest.raises(NotFoundError, match="did you mean 'cn'"):
        CalendarRegistry.default().get("cnn")


@settings(max_examples=400, deadline=None)
@given(st.dates(D("2004-01-01"), D("2029-12-31")), st.integers(0, 60))
def test_index_equals_naive_stepping(day: dt.date, n: int) -> None:
    assert NATIONAL.add_working_days(day, n) == naive_add(day, n)


@settings(max_examples=300, deadline=None)
@given(st.dates(D("2004-01-01"), D("2030-06-30")), st.integers(1, 60))
def test_add_then_count_round_trips(day: dt.date, n: int) -> None:
    end = NATIONAL.add_working_days(day, n)
    assert NATIONAL.count_working_days(day, end) == n
    assert NATIONAL.is_working_day(end)


@settings(max_examples=300, deadline=None)
@given(st.dates(D("2004-01-01"), D("2030-06-30")), st.integers(0, 90))
def test_count_then_add_lands_on_last_working_day(day: dt.date, span: int) -> None:
    end = day + dt.timedelta(days=span)
    k = NATIONAL.count_working_days(day, end)
    if k:
        back = NATIONAL.add_working_days(day, k)
        assert back <= end
        assert all(
            not NATIONAL.is_working_day(back + dt.timedelta(days=i))
            for i in range(1, (end - back).days + 1)
        )


def test_national_table_cache_round_trips(tmp_path, monkeypatch) -> None:
    from disclosure.calendars import registry as calendar_load

    monkeypatch.setenv("DISCLOSURE_CACHE_DIR", str(tmp_path))
    calendar_load._national_days.cache_clear()
    computed = calendar_load._national_days("China", 2020, 2027)
    assert list(tmp_path.glob("holidays-*-China-en_US-2020-2027.json"))
    calendar_load._national_days.cache_clear()
    cached = calendar_load._national_days("China", 2020, 2027)
    assert cached == computed and D("2024-09-14") in cached[1]
    (next(tmp_path.glob("*.json"))).write_text("{broken", encoding="utf-8")
    calendar_load._national_days.cache_clear()
    assert calendar_load._national_days("China", 2020, 2027) == computed  # recomputed
    calendar_load._national_days.cache_clear()


def test_a_calendar_names_its_days_in_its_own_language_and_inherits_it() -> None:
    reg = CalendarRegistry.default([GUANGXI])
    assert reg.get("cn").day_info(D("2025-10-01")).name == "国庆节"
    assert reg.get("cn").day_info(D("2025-10-11")).name == "调休上班"
    assert reg.display("cn-guangxi").holiday_mark == "休"  # from the calendar it extends
    us = reg.display("us-federal")
    assert (us.language, us.holiday_mark, us.makeup_mark) == ("en_US", "*", "+")
    assert reg.get("us-federal").day_info(D("2025-11-11")).source == "us-federal.yaml"


def test_an_unsupported_holiday_language_is_named(tmp_path: Path) -> None:
    f = tmp_path / "cn-fr.yaml"
    f.write_text(
        "calendar: {id: cn-fr, national: China, first_year: 2024, last_year: 2025}\n"
        "display: {language: fr}\n",
        encoding="utf-8",
    )
    reg = CalendarRegistry.default([f])
    with pytest.raises(NotFoundError, match=r"names China's holidays in .*zh_CN.*not 'fr'"):
        reg.get("cn-fr")
