"""Deadline clocks: start, pause, resume, restart, extend, replace, complete, stop.

A :class:`ClockRun` is the working copy of one clock while a case is folded;
after the fold it is left as it ended and a :class:`Deadline` reads it. This
module is the one place that says how each action moves a clock.

Clocks count in *day numbers* of the case's calendar (days since its first
day), so moving a clock is integer arithmetic on the calendar's index; dates
are made only when someone reads one. The explanation of a clock (each step
with its event and dates, the spans whose days were counted) is recorded only
by a fold asked to explain (``explain=True``): the same fold, asked for more.

Counting convention: the start day is not counted (domain reference T-3), so a
clock started on ``d`` with limit ``n`` is due on the n-th working day after
``d``. A pause with the default convention ``(pause, resume]`` stops counting
after the pause day and counts again from the day after the resume day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar, Protocol

import attrs

from disclosure.calendars.calendar import DayInfo, WorkingCalendar
from disclosure.errors import ClockRefusal
from disclosure.lifecycle.policy import DeadlinePolicy
from disclosure.rules.model import ClockSpec

RUNNING, PAUSED, MET, MISSED, STOPPED, IDLE = (
    "running",
    "paused",
    "met",
    "missed",
    "stopped",
    "idle",
)

#: The convention under which the pause day itself is counted and the resume day is not.
PAUSE_COUNTS_PAUSE_DAY = "(pause, resume]"

#: (date, event, action, format string, format arguments): a step before formatting.
RawStep = tuple[dt.date, str, str, str, tuple[object, ...]]


@attrs.frozen
class ClockStep:
    """One change to a clock, for the explanation."""

    on: dt.date
    event: str
    action: str
    detail: str


def _add_natural(number: int, n: int) -> int:
    return number + n


def _count_natural(start: int, end: int) -> int:
    return end - start


class ExplainsClocks(Protocol):
    """Whoever can run the fold again to explain a clock (a folded case's state)."""

    def _explained_clock(self, name: str) -> ClockRun: ...


class ClockKind:
    """What one clock of a ruleset is on one calendar: built once, shared by every fold."""

    __slots__ = (
        "add",
        "cal",
        "count",
        "count_trigger_day",
        "name",
        "pause_day_counts",
        "spec",
        "unit_word",
    )

    def __init__(
        self,
        name: str,
        spec: ClockSpec,
        cal: WorkingCalendar,
        pause_day_counts: bool,
        count_trigger_day: bool,
    ) -> None:
        self.name = name
        self.spec = spec
        self.cal = cal
        self.pause_day_counts = pause_day_counts
        self.count_trigger_day = count_trigger_day
        if spec.unit == "working_days":
            self.add: Callable[[int, int], int] = cal.add_working
            self.count: Callable[[int, int], int] = cal.count_working
            self.unit_word = "working days"
        else:
            self.add = _add_natural
            self.count = _count_natural
            self.unit_word = "days"

    def __reduce__(self) -> tuple[Any, ...]:
        return (
            ClockKind,
            (self.name, self.spec, self.cal, self.pause_day_counts, self.count_trigger_day),
        )


class ClockRun:
    """One clock's running state during a fold, in day numbers of the case's calendar.

    Only what a clock changes is set on it; everything else reads the class's
    defaults below, so starting a clock costs two assignments.
    """

    status = IDLE
    used = 0
    anchor: int | None = None
    fixed_due: int | None = None
    #: Since when a fixed-date clock has run (the day it was replaced): its days count
    #: as elapsed, though not toward a limit.
    fixed_since: int | None = None
    last_due: int | None = None
    paused_on: int | None = None
    started_on: int | None = None
    completed_on: int | None = None
    #: The current due day number: None unless running (or fixed).
    due: int | None = None
    #: The latest day number counted so far (for provisional years); -1 for none.
    last_counted = -1
    warn_at: int | None = None
    policy_name = ""
    extended = 0
    replaced = 0
    paused = 0
    steps: list[RawStep] | None = None
    spans: list[tuple[int, int]] | None = None

    def __init__(self, kind: ClockKind, explain: bool) -> None:
        self.kind = kind
        self.limit = kind.spec.limit
        if explain:
            self.steps = []
            self.spans = []

    #: What a pickled clock carries besides its kind (everything an action may change).
    _STATE: ClassVar[tuple[str, ...]] = (
        "status",
        "used",
        "anchor",
        "fixed_due",
        "fixed_since",
        "last_due",
        "paused_on",
        "started_on",
        "completed_on",
        "due",
        "last_counted",
        "warn_at",
        "policy_name",
        "extended",
        "replaced",
        "paused",
        "steps",
        "spans",
        "limit",
    )

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restored_clock, (self.kind, tuple(getattr(self, f) for f in self._STATE)))

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def spec(self) -> ClockSpec:
        return self.kind.spec

    @property
    def cal(self) -> WorkingCalendar:
        return self.kind.cal

    # -- derived values -------------------------------------------------
    def _refresh(self) -> None:
        if self.fixed_due is not None and (self.status == RUNNING or self.status == PAUSED):
            self.due = self.fixed_due
        elif self.status != RUNNING or self.anchor is None:
            self.due = None
        else:
            left = self.limit - self.used
            if left > 0:
                self.due = self.kind.add(self.anchor, left)
            else:
                self.due = self.last_due if self.last_due is not None else self.anchor

    def period_end(self) -> int | None:
        """The last day of the period: the due day, or where it stood when it ended."""
        return self.due if self.status == RUNNING else self.last_due

    def _close_span(self, end: int) -> None:
        anchor = self.anchor
        if anchor is not None and end > anchor:
            if end > self.last_counted:
                self.last_counted = end
            if self.spans is not None:
                self.spans.append((anchor, end))

    def _date(self, number: int | None) -> dt.date | None:
        return None if number is None else self.kind.cal.date_of(number)

    def _explain(self, on: int, event: str, action: str, fmt: str, *args: object) -> None:
        """Record one step of the explanation (explaining folds only)."""
        assert self.steps is not None
        day = self.kind.cal.date_of(on)
        self.steps.append((day, event, action, fmt, args))

    # -- actions ----------------------------------------------------------
    def start(
        self,
        on: int,
        event: str,
        limit: int | None = None,
        restart: bool = False,
        policy: tuple[str, DeadlinePolicy] | None = None,
    ) -> None:
        was = self.due if restart else None
        if restart:
            if self.status == RUNNING:
                self._close_span(on)
            self.used = 0
            self.extended = 0
        self.limit = self.kind.spec.limit if limit is None else limit
        self.status = RUNNING
        self.fixed_due = None
        self.fixed_since = None
        self.started_on = on
        self.completed_on = None
        self.anchor = on - 1 if self.kind.count_trigger_day else on
        if policy is not None:
            plugin, pol = policy
            self.warn_at = pol.warn_at
            self.policy_name = f"{pol.name or 'deadline policy'} (plugin {plugin})"
        self._refresh()
        if self.steps is None:
            return
        day, due = self._date(on), self._date(self.due)
        if restart:
            was_text = f" (was due {self._date(was)})" if was is not None else ""
            self._explain(
                on,
                event,
                "restart",
                "{} {} from {}, days used before are discarded{}: due {}",
                self.limit,
                self.kind.unit_word,
                day,
                was_text,
                due,
            )
        else:
            self._explain(
                on,
                event,
                "start",
                "{} {} from {}: due {}",
                self.limit,
                self.kind.unit_word,
                day,
                due,
            )
        if policy is not None:
            self._explain(
                on,
                event,
                "policy",
                "{}: limit {}, warn after {}",
                self.policy_name,
                self.limit,
                self.warn_at,
            )

    def pause(self, on: int, event: str, max_times: int | None = None) -> None:
        if self.status != RUNNING:
            return
        if max_times is not None:
            if self.paused >= max_times:
                raise ClockRefusal(
                    f"the {self.name} clock has already been paused "
                    f"{self.paused} time{'s' if self.paused != 1 else ''} (at most {max_times})"
                )
            self.paused += 1
        if self.fixed_due is not None:
            if self.steps is not None:
                self._explain(on, event, "pause", "not paused: the deadline is a fixed date")
            return
        self.last_due = self.due
        stop_at = on if self.kind.pause_day_counts else on - 1
        anchor = self.anchor
        assert anchor is not None
        if stop_at > anchor:
            self.used += self.kind.count(anchor, stop_at)
            self._close_span(stop_at)
        self.anchor = None
        self.status = PAUSED
        self.paused_on = on
        self.due = None
        if self.steps is not None:
            self._explain(
                on,
                event,
                "pause",
                "paused with {} {} used, {} left",
                self.used,
                self.kind.unit_word,
                self.limit - self.used,
            )

    def resume(self, on: int, event: str, as_of: int | None = None) -> None:
        if self.status != PAUSED:
            return
        when = on if as_of is None else as_of
        if self.fixed_due is None:
            self.anchor = when if self.kind.pause_day_counts else when - 1
        self.status = RUNNING
        self._refresh()
        if self.steps is None:
            return
        convention = PAUSE_COUNTS_PAUSE_DAY if self.kind.pause_day_counts else "[pause, resume)"
        excluded = (
            convention[0],
            self._date(self.paused_on),
            self._date(when),
            convention[-1],
            self._date(self.due),
        )
        if as_of is not None and as_of != on:
            self._explain(
                on,
                event,
                "resume",
                "resumed as of {2}, when the window ended; "
                "days in {0}{1}, {2}{3} not counted: due {4}",
                *excluded,
            )
        else:
            self._explain(
                on,
                event,
                "resume",
                "resumed; days in {0}{1}, {2}{3} not counted: due {4}",
                *excluded,
            )

    def extend(self, on: int, event: str, by: int, max_times: int | None) -> None:
        if self.status != RUNNING and self.status != PAUSED:
            raise ClockRefusal(f"the {self.name} clock is not running")
        done = self.extended
        if max_times is not None and done >= max_times:
            raise ClockRefusal(
                f"the {self.name} clock has already been extended "
                f"{done} time{'s' if done != 1 else ''} (at most {max_times})"
            )
        self.extended = done + 1
        if self.fixed_due is not None:
            self.fixed_due = self.kind.add(self.fixed_due, by)
        else:
            self.limit += by
        self._refresh()
        if self.steps is None:
            return
        if self.due is not None:
            self._explain(
                on,
                event,
                "extend",
                "extended by {} {}: due {}",
                by,
                self.kind.unit_word,
                self._date(self.due),
            )
        else:
            self._explain(
                on,
                event,
                "extend",
                "extended by {} {}, {} left",
                by,
                self.kind.unit_word,
                self.limit - self.used,
            )

    def replace(self, on: int, event: str, due: int, max_times: int | None) -> None:
        done = self.replaced
        if max_times is not None and done >= max_times:
            raise ClockRefusal(f"the {self.name} deadline has already been replaced {done} times")
        self.replaced = done + 1
        was = self.due
        if self.status == RUNNING:
            anchor = self.anchor
            if anchor is not None and on > anchor:  # the days run so far stay elapsed
                self.used += self.kind.count(anchor, on)
            self._close_span(on)
        if self.fixed_since is None:
            self.fixed_since = on
        self.fixed_due = due
        self.status = RUNNING
        self.anchor = None
        self.due = due
        if self.steps is not None:
            was_text = f" (was {self._date(was)})" if was is not None else ""
            self._explain(on, event, "replace", "deadline set to {}{}", self._date(due), was_text)

    def complete(self, on: int, event: str) -> None:
        status = self.status
        if status != RUNNING and status != PAUSED:
            return
        due = self.due if status == RUNNING else self.last_due
        late = due is not None and on > due
        if status == RUNNING and self.fixed_due is None:
            self._close_span(on if due is None or on < due else due)
        self.status = MISSED if late else MET
        self.completed_on = on
        self.last_due = due
        self.due = None
        if self.steps is None:
            return
        if late:
            self._explain(
                on,
                event,
                "complete",
                "done on {}, after the due date {}",
                self._date(on),
                self._date(due),
            )
        else:
            self._explain(
                on, event, "complete", "done on {}, due {}", self._date(on), self._date(due)
            )

    def stop(self, on: int, event: str, reason: str = "") -> None:
        status = self.status
        if status != RUNNING and status != PAUSED:
            return
        if status == RUNNING:
            self.last_due = self.due
            if self.fixed_due is None:
                self._close_span(on)
        self.status = STOPPED
        self.completed_on = on
        self.due = None
        if self.steps is not None:
            self._explain(on, event, "stop", reason or "stopped; no longer applies")


class Deadline:
    """A clock's state in a folded case, read from the clock as the fold left it.

    The due date and status are known at once; the days remaining, whether
    the deadline is provisional or approaching, and its explanation (steps,
    counted spans, special days) are worked out when read.
    """

    __slots__ = (
        "_as_of",
        "_compliance",
        "_optional_lapsed",
        "_run",
        "_running_due",
        "_state",
        "due",
        "status",
    )

    def __init__(
        self, run: ClockRun, as_of: dt.date, compliance: bool, state: ExplainsClocks | None = None
    ) -> None:
        self._run = run
        self._as_of = as_of
        self._compliance = compliance
        self._state = state
        status = run.status
        if status == RUNNING:
            number = run.due
        elif status in (MET, MISSED):
            number = run.last_due
        else:
            number = None
        #: The due date: while running, or when it was met or missed (else None).
        self.due: dt.date | None = None if number is None else run.kind.cal.dates[number]
        self._running_due = self.due if status == RUNNING else None
        self._optional_lapsed = (
            self._running_due is not None and run.kind.spec.optional and as_of > self._running_due
        )
        #: running, paused, met, missed, stopped or idle; an optional window that
        #: passed unused shows as stopped.
        self.status: str = STOPPED if self._optional_lapsed else status

    # -- what the fold decided -------------------------------------------------------
    @property
    def clock(self) -> str:
        return self._run.name

    @property
    def binds(self) -> str:
        return self._run.spec.binds

    @property
    def unit(self) -> str:
        return self._run.spec.unit

    @property
    def calendar(self) -> str:
        return self._run.cal.id

    @property
    def limit(self) -> int:
        return self._run.limit

    @property
    def used(self) -> int:
        return self._run.used

    @property
    def policy(self) -> str:
        """The deadline policy that set the limit, if any."""
        return self._run.policy_name

    @property
    def started_on(self) -> dt.date | None:
        return self._run._date(self._run.started_on)

    @property
    def elapsed(self) -> int | None:
        """Days counted from the start to completion (or the as-of day), paused days excluded.

        In the clock's own unit; what processing-time statistics count (the
        DOJ annual report's "days to process" leaves tolled days out). None
        for a clock that never started.
        """
        run = self._run
        if run.started_on is None:
            return None
        end = run.completed_on
        if end is None:
            end = run.cal.day_number(self._as_of)
        counted = run.used
        anchor = run.anchor if run.fixed_since is None else run.fixed_since
        if anchor is not None and end > anchor:
            counted += run.kind.count(anchor, end)
        return counted

    @property
    def completed_on(self) -> dt.date | None:
        return self._run._date(self._run.completed_on)

    # -- judged on the as-of day ---------------------------------------------------
    @property
    def remaining(self) -> int | None:
        """Days left as of the as-of day (negative when overdue).

        None when there is no running limit, and for working days counted
        from an as-of day outside the calendar, which cannot be counted
        (``overdue`` still says whether the due date has passed).
        """
        run = self._run
        if self._optional_lapsed:
            return None
        if run.status == PAUSED:
            return run.limit - run.used
        due = self._running_due
        if due is None:
            return None
        if run.spec.unit == "working_days":
            if not run.cal.covers(self._as_of):
                return None
            return run.cal.count_working_days(self._as_of, due)
        return (due - self._as_of).days

    @property
    def overdue(self) -> bool:
        if not self._compliance or self._optional_lapsed:
            return False
        due = self._running_due
        return due is not None and self._as_of > due

    @property
    def warning(self) -> bool:
        """The limit has passed the policy's warning threshold (e.g. 7 of 10 days used)."""
        run = self._run
        if run.warn_at is None or run.status != RUNNING or run.anchor is None:
            return False
        # an as-of day outside the calendar counts as its first or last day: the
        # due date is inside, so the answer is the same
        cal = run.cal
        as_of = cal.day_number(min(max(self._as_of, cal.date_of(0)), cal.date_of(cal.size - 1)))
        elapsed = run.used + (run.kind.count(run.anchor, as_of) if as_of > run.anchor else 0)
        return elapsed >= run.warn_at

    @property
    def provisional(self) -> bool:
        """Whether a counted day or the due date lies in a year not yet published."""
        run = self._run
        if run.spec.unit != "working_days":
            return False
        published = run.cal.published_through
        latest = run.last_counted
        due = self._running_due if run.status == RUNNING else self.due
        if run.status == RUNNING and run.anchor is not None and run.due is not None:
            latest = max(latest, run.due)
        if due is not None and due.year > published:
            return True
        return latest >= 0 and run.cal.date_of(latest).year > published

    # -- the explanation -------------------------------------------------------------
    def _explained(self) -> ClockRun:
        run = self._run
        if run.steps is not None or self._state is None:
            return run
        return self._state._explained_clock(run.name)

    @property
    def raw_steps(self) -> tuple[RawStep, ...]:
        return tuple(self._explained().steps or ())

    @property
    def steps(self) -> tuple[ClockStep, ...]:
        """The derivation, one step per event that changed the clock."""
        return tuple(
            ClockStep(on, event, action, fmt.format(*args))
            for on, event, action, fmt, args in self.raw_steps
        )

    @property
    def spans(self) -> tuple[tuple[dt.date, dt.date], ...]:
        """The intervals (start, end] in which days were counted."""
        run = self._explained()
        numbered = list(run.spans or ())
        if (
            run.status == RUNNING
            and not self._optional_lapsed
            and run.anchor is not None
            and run.due is not None
            and run.due > run.anchor
        ):
            numbered.append((run.anchor, run.due))
        date_of = run.cal.date_of
        return tuple((date_of(a), date_of(b)) for a, b in numbered)

    @property
    def calendar_ref(self) -> WorkingCalendar:
        return self._run.cal

    def special_days(self) -> tuple[tuple[DayInfo, ...], tuple[DayInfo, ...], int]:
        """Holidays skipped, make-up days counted and weekend days skipped in the spans."""
        if self.unit != "working_days":
            return (), (), 0
        off: list[DayInfo] = []
        makeup: list[DayInfo] = []
        weekend = 0
        for start, end in self.spans:
            for info in self._run.cal.days(start, end):
                if info.kind == "holiday":
                    off.append(info)
                elif info.kind == "makeup":
                    makeup.append(info)
                elif info.kind == "weekend":
                    weekend += 1
        return tuple(off), tuple(makeup), weekend

    # -- comparison and output -------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (
            self.clock,
            self.binds,
            self.unit,
            self.status,
            self.due,
            self.limit,
            self.used,
            self.remaining,
            self.provisional,
            self.overdue,
            self.started_on,
            self.completed_on,
            self.calendar,
            self.warning,
            self.policy,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Deadline):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (
            f"Deadline(clock={self.clock!r}, status={self.status!r}, due={self.due!r}, "
            f"limit={self.limit!r}, used={self.used!r}, remaining={self.remaining!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle with its explanation recorded, so it explains itself without a machine."""
        return (Deadline, (self._explained(), self._as_of, self._compliance, None))

    def to_dict(self) -> dict[str, object]:
        due = self.due
        started, completed = self.started_on, self.completed_on
        remaining = self.remaining
        working = self.unit == "working_days"
        running_due = None if self._optional_lapsed else self._running_due
        # calendar days to the due date; a paused clock has no date, only days left
        if running_due is not None:
            calendar_days: int | None = (running_due - self._as_of).days
        else:
            calendar_days = None if working else remaining
        return {
            "due": due.isoformat() if due else None,
            "status": self.status,
            "remaining_working_days": remaining if working else None,
            "remaining_days": calendar_days,
            "unit": self.unit,
            "limit": self.limit,
            "binds": self.binds,
            "provisional": self.provisional,
            "overdue": self.overdue,
            "started_on": started.isoformat() if started else None,
            "completed_on": completed.isoformat() if completed else None,
            "warning": self.warning,
            "policy": self.policy or None,
        }


def _restored_clock(kind: ClockKind, values: tuple[Any, ...]) -> ClockRun:
    """A pickled clock, as the fold left it."""
    run = ClockRun(kind, False)
    for name, value in zip(ClockRun._STATE, values, strict=True):
        setattr(run, name, value)
    return run
