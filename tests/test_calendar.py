"""Working-day calendars: national data, regional files, index vs naive stepping."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, GUANGXI, ROOT, D
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
    assert reg.get("us-federal").day_info(D("2025-11-11")).source == "holidays.US"


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


# -- any country of the holidays package --------------------------------------------

#: The federal holidays as rulesets/calendars/us-federal.yaml listed them by hand
#: (observed days, weekdays only) before it took them from the holidays package:
#: the oracle for fiscal years 2024 to 2026.
HAND_LISTED_FY2024_FY2026 = [
    "2023-10-09",
    "2023-11-10",
    "2023-11-23",
    "2023-12-25",
    "2024-01-01",
    "2024-01-15",
    "2024-02-19",
    "2024-05-27",
    "2024-06-19",
    "2024-07-04",
    "2024-09-02",
    "2024-10-14",
    "2024-11-11",
    "2024-11-28",
    "2024-12-25",
    "2025-01-01",
    "2025-01-20",
    "2025-02-17",
    "2025-05-26",
    "2025-06-19",
    "2025-07-04",
    "2025-09-01",
    "2025-10-13",
    "2025-11-11",
    "2025-11-27",
    "2025-12-25",
    "2026-01-01",
    "2026-01-19",
    "2026-02-16",
    "2026-05-25",
    "2026-06-19",
    "2026-07-03",
    "2026-09-07",
]


def test_the_federal_calendar_from_the_package_equals_the_old_hand_list() -> None:
    cal = CalendarRegistry.default().get("us-federal")
    hand = {D(d) for d in HAND_LISTED_FY2024_FY2026}
    day, last = D("2023-10-01"), D("2026-09-30")
    differ = []
    while day <= last:
        if cal.is_working_day(day) != (day.weekday() < 5 and day not in hand):
            differ.append(day)
        day += dt.timedelta(days=1)
    assert differ == []
    # the observance rules: Saturday to Friday, Sunday to Monday
    assert cal.day_info(D("2026-07-03")).name == "Independence Day (observed)"
    assert cal.day_info(D("2023-11-10")).name == "Veterans Day (observed)"
    # and the file no longer lists holidays by hand
    assert read_calendar_file(ROOT / "rulesets/calendars/us-federal.yaml").holidays == ()


def _calendar(tmp_path: Path, text: str, name: str = "cal.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


def test_any_country_subdivision_and_category_can_be_named(tmp_path: Path) -> None:
    files = [
        _calendar(
            tmp_path, "calendar: {id: de, national: DE, first_year: 2025, last_year: 2025}\n"
        ),
        _calendar(
            tmp_path,
            "calendar: {id: us-dc, national: {country: UnitedStates, subdiv: DC},"
            " first_year: 2021, last_year: 2021}\n",
            "dc.yaml",
        ),
        # executive-order closures: the package's government category, on top of us-federal
        _calendar(
            tmp_path,
            "calendar: {id: us-closures, extends: us-federal,"
            " national: {country: US, categories: [government]}}\n",
            "closures.yaml",
        ),
    ]
    reg = CalendarRegistry.default(files)
    german = reg.get("de").day_info(D("2025-10-03"))
    assert (german.working, german.source) == (False, "holidays.DE")
    assert not reg.get("us-dc").is_working_day(D("2021-01-20"))  # Inauguration Day in DC
    assert reg.get("us-dc").day_info(D("2021-01-20")).source == "holidays.UnitedStates-DC"
    federal, closures = reg.get("us-federal"), reg.get("us-closures")
    for closed in ("2024-12-24", "2025-01-09", "2025-12-26"):
        assert federal.is_working_day(D(closed)) and not closures.is_working_day(D(closed))
    assert closures.is_working_day(D("2021-01-20"))


@pytest.mark.parametrize(
    ("national", "message"),
    [
        ("Germny", r"'Germny' is not a country name.*did you mean 'Germany'"),
        ("{country: US, subdiv: XX}", r"'XX' is not a subdivision of US"),
        ("{country: US, categories: [Public Holidays]}", r"is not a holiday category"),
        ("{country: US, state: DC}", r"unknown key 'state'"),
        ("[US]", r"expected a country name or a mapping"),
        ("country_holidays", r"known national calendars: China \(CN\)"),
    ],
)
def test_a_national_source_the_package_does_not_know_is_refused_in_place(
    tmp_path: Path, national: str, message: str
) -> None:
    f = _calendar(tmp_path, f"calendar: {{id: x, national: {national}}}\n")
    with pytest.raises(CalendarError, match=message) as caught:
        read_calendar_file(f)
    assert ":1:" in str(caught.value)


def test_a_category_the_country_lacks_is_named_when_built(tmp_path: Path) -> None:
    f = _calendar(
        tmp_path,
        "calendar: {id: x, national: {country: CN, categories: [goverment]},"
        " first_year: 2025, last_year: 2025}\n",
    )
    with pytest.raises(NotFoundError, match="no category 'goverment' for CN"):
        CalendarRegistry.default([f]).get("x")


def test_the_country_catalogue_is_cached_per_package_version(tmp_path, monkeypatch) -> None:
    from disclosure.calendars import registry as calendar_load

    monkeypatch.setenv("DISCLOSURE_CACHE_DIR", str(tmp_path))
    calendar_load.national_catalogue.cache_clear()
    try:
        computed = calendar_load.national_catalogue()
        assert computed.names["UnitedStates"] == "US" and "DC" in computed.subdivisions["US"]
        assert "country_holidays" not in computed.names
        assert list(tmp_path.glob("holidays-*-catalogue.json"))
        calendar_load.national_catalogue.cache_clear()
        assert calendar_load.national_catalogue() == computed
    finally:
        calendar_load.national_catalogue.cache_clear()
