"""Working-day calendars with indexed arithmetic.

A calendar knows, for every day in its range, whether it is a working day and
why (weekend, a named holiday, a make-up working day and where that fact came
from). Arithmetic uses a precomputed index — for each day, how many working
days have passed since the start of the range — so adding or counting working
days is two list lookups, never day-by-day stepping.

Conventions (domain reference T-3): ``add_working_days(d, n)`` returns the
n-th working day *after* ``d`` (``d`` itself is not counted);
``count_working_days(a, b)`` counts working days in the half-open interval
``(a, b]``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from disclosure.errors import CalendarRangeError

ONE_DAY = dt.timedelta(days=1)


@attrs.frozen
class DayInfo:
    """What a calendar says about one day."""

    day: dt.date
    working: bool
    kind: str  # "workday", "weekend", "holiday", "makeup"
    name: str = ""
    source: str = ""


@attrs.frozen
class DayNote:
    """A reason a day is off or on: a name and where the fact came from."""

    name: str
    source: str


class WorkingCalendar:
    """An immutable working-day calendar over a range of whole years."""

    def __init__(
        self,
        id: str,
        *,
        first_year: int,
        last_year: int,
        published_through: int,
        holidays: Mapping[dt.date, DayNote],
        makeup_days: Mapping[dt.date, DayNote],
        weekend: frozenset[int] = frozenset({5, 6}),
        title: str = "",
    ) -> None:
        if last_year < first_year:
            raise ValueError("last_year must not be before first_year")
        self.id = id
        self.title = title
        self.first_year = first_year
        self.last_year = last_year
        self.published_through = published_through
        self.weekend = weekend
        self._holidays = dict(holidays)
        self._makeup = dict(makeup_days)
        self._first = dt.date(first_year, 1, 1)
        self._last = dt.date(last_year, 12, 31)
        self._base = self._first.toordinal()
        size = self._last.toordinal() - self._base + 1
        # _rank[i]: working days among offsets 0..i; _workdays[k]: offset of the (k+1)-th.
        rank: list[int] = [0] * size
        workdays: list[int] = []
        count = 0
        day = self._first
        for i in range(size):
            if self._compute_working(day):
                count += 1
                workdays.append(i)
            rank[i] = count
            day += ONE_DAY
        self._rank = rank
        self._workdays = workdays
        #: The ordinal of the calendar's first day: day number 0.
        self.base = self._base
        #: How many days the calendar covers: day numbers run from 0 to size - 1.
        self.size = size
        #: The date of each day number (made once, so reading a deadline allocates none).
        self.dates: list[dt.date] = [dt.date.fromordinal(self._base + i) for i in range(size)]

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the calendar's facts, not its indexes (rebuilt once per process on load)."""
        return (
            _rebuilt,
            (
                self.id,
                self.first_year,
                self.last_year,
                self.published_through,
                tuple(sorted(self._holidays.items())),
                tuple(sorted(self._makeup.items())),
                tuple(sorted(self.weekend)),
                self.title,
            ),
        )

    def __repr__(self) -> str:
        return (
            f"WorkingCalendar({self.id!r}, {self.first_year}-{self.last_year}, "
            f"published through {self.published_through})"
        )

    def _compute_working(self, day: dt.date) -> bool:
        if day in self._makeup:
            return True
        if day in self._holidays:
            return False
        return day.weekday() not in self.weekend

    def _offset(self, day: dt.date) -> int:
        offset = day.toordinal() - self._base
        if offset < 0 or offset >= len(self._rank):
            raise CalendarRangeError(
                f"{day.isoformat()} is outside calendar '{self.id}' "
                f"({self.first_year}-{self.last_year})"
            )
        return offset

    def covers(self, day: dt.date) -> bool:
        return self._first <= day <= self._last

    def is_working_day(self, day: dt.date | str) -> bool:
        offset = self._offset(_day(day, "day"))
        return self._rank[offset] != (self._rank[offset - 1] if offset else 0)

    # -- day numbers: the fold counts in these, never in dates ----------------------

    def day_number(self, day: dt.date) -> int:
        """``day`` as a day number, refused when the calendar does not cover it."""
        return self._offset(day)

    def date_of(self, number: int) -> dt.date:
        if 0 <= number < self.size:
            return self.dates[number]
        return dt.date.fromordinal(self._base + number)

    def add_working(self, number: int, n: int) -> int:
        """The day number of the n-th working day after day ``number`` (not counted)."""
        if n <= 0:
            if n < 0:
                raise ValueError("n must not be negative")
            return number
        if number < 0:
            raise CalendarRangeError(
                f"{self.date_of(number).isoformat()} is outside calendar '{self.id}' "
                f"({self.first_year}-{self.last_year})"
            )
        k = self._rank[number] + n - 1
        if k >= len(self._workdays):
            raise CalendarRangeError(
                f"{n} working days after {self.date_of(number).isoformat()} is past the end "
                f"of calendar '{self.id}' ({self.last_year})"
            )
        return self._workdays[k]

    def count_working(self, start: int, end: int) -> int:
        """Working days in the day numbers ``(start, end]``."""
        if start < 0 or end < 0:
            raise CalendarRangeError(
                f"{self.date_of(min(start, end)).isoformat()} is outside calendar "
                f"'{self.id}' ({self.first_year}-{self.last_year})"
            )
        return self._rank[end] - self._rank[start]

    # -- dates --------------------------------------------------------------------------
    def add_working_days(self, day: dt.date | str, n: int) -> dt.date:
        """The n-th working day after ``day`` (``day`` itself not counted)."""
        n = _count(n)
        if n < 0:
            raise ValueError("n must not be negative")
        return self.date_of(self.add_working(self._offset(_day(day, "day")), n))

    def count_working_days(self, start: dt.date | str, end: dt.date | str) -> int:
        """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
        first, last = _day(start, "start"), _day(end, "end")
        return self._rank[self._offset(last)] - self._rank[self._offset(first)]

    def last_day_with_room(self, n: int) -> dt.date:
        """The last day with at least ``n`` working days after it in the calendar.

        ``add_working_days(day, n)`` stays inside the calendar exactly for
        days up to this one; a fold uses it to know in advance that no
        deadline can fall off the end.
        """
        if n <= 0:
            return self._last
        if n > len(self._workdays):
            return self._first - ONE_DAY
        # Days before the (len - n + 1)-th working day have rank <= len - n.
        return dt.date.fromordinal(self._base + self._workdays[len(self._workdays) - n] - 1)

    def add_natural_days(self, day: dt.date | str, n: int) -> dt.date:
        day, n = _day(day, "day"), _count(n)
        try:
            return day + dt.timedelta(days=n)
        except OverflowError:  # past 9999-12-31 (or before year 1)
            raise CalendarRangeError(
                f"{day.isoformat()} + {n} days is outside calendar '{self.id}' "
                f"({self.first_year}-{self.last_year})"
            ) from None

    def day_info(self, day: dt.date | str) -> DayInfo:
        day = _day(day, "day")
        self._offset(day)
        if day in self._makeup:
            note = self._makeup[day]
            return DayInfo(day, True, "makeup", note.name, note.source)
        if day in self._holidays:
            note = self._holidays[day]
            return DayInfo(day, False, "holiday", note.name, note.source)
        if day.weekday() in self.weekend:
            return DayInfo(day, False, "weekend", "weekend", self.id)
        return DayInfo(day, True, "workday")

    def days(self, start: dt.date, end: dt.date) -> Iterator[DayInfo]:
        """Describe each day in ``(start, end]``."""
        day = start + ONE_DAY
        while day <= end:
            yield self.day_info(day)
            day += ONE_DAY

    def is_provisional(self, day: dt.date) -> bool:
        """Whether ``day`` lies in a year whose official schedule is not yet known."""
        return day.year > self.published_through


@functools.lru_cache(maxsize=32)
def _rebuilt(
    id: str,
    first_year: int,
    last_year: int,
    published_through: int,
    holidays: tuple[tuple[dt.date, DayNote], ...],
    makeup_days: tuple[tuple[dt.date, DayNote], ...],
    weekend: tuple[int, ...],
    title: str,
) -> WorkingCalendar:
    """A calendar from its pickled facts; the same facts give the same object in a process."""
    return WorkingCalendar(
        id,
        first_year=first_year,
        last_year=last_year,
        published_through=published_through,
        holidays=dict(holidays),
        makeup_days=dict(makeup_days),
        weekend=frozenset(weekend),
        title=title,
    )


def _count(value: int) -> int:
    """A number of days given to the calendar: a whole number."""
    if type(value) is int:
        return value
    from disclosure.documents.arguments import count

    return count(value, "n")


def _day(value: dt.date | str, name: str) -> dt.date:
    """A day given to the calendar's public methods: a date, or ISO text."""
    if type(value) is dt.date:
        return value
    from disclosure.documents.arguments import day

    return day(value, name)
