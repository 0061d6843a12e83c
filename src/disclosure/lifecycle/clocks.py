"""Deadline clocks: start, pause, resume, restart, extend, replace, complete, stop.

A :class:`ClockRun` is the mutable working copy of one clock while a case is
being folded; :meth:`ClockRun.deadline` freezes it into a :class:`Deadline`
that can explain itself: each step with its event and dates, the paused
intervals, and the holidays and make-up working days inside the counted spans.

Counting convention: the start day is not counted (domain reference T-3), so a
clock started on ``d`` with limit ``n`` is due on the n-th working day after
``d``. A pause with the default convention ``(pause, resume]`` stops counting
after the pause day and counts again from the day after the resume day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import attrs

from disclosure.calendars.calendar import ONE_DAY, DayInfo, WorkingCalendar
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


#: (date, event, action, format string, format arguments): a step before formatting.
RawStep = tuple[dt.date, str, str, str, tuple[object, ...]]


@attrs.frozen
class ClockStep:
    """One change to a clock, for the explanation."""

    on: dt.date
    event: str
    action: str
    detail: str


@attrs.frozen
class Deadline:
    """A clock's state in a folded case, with its derivation."""

    clock: str
    binds: str
    unit: str
    status: str
    due: dt.date | None
    limit: int
    used: int
    remaining: int | None
    provisional: bool
    overdue: bool
    started_on: dt.date | None
    completed_on: dt.date | None
    calendar: str
    #: The limit has passed the policy's warning threshold (e.g. 7 of 10 days used).
    warning: bool = False
    #: The deadline policy that set the limit, if any.
    policy: str = ""
    raw_steps: tuple[RawStep, ...] = attrs.field(default=(), repr=False)
    #: The intervals (start, end] in which days were counted.
    spans: tuple[tuple[dt.date, dt.date], ...] = ()
    calendar_ref: WorkingCalendar | None = attrs.field(default=None, eq=False, repr=False)

    @property
    def steps(self) -> tuple[ClockStep, ...]:
        """The derivation, one step per event that changed the clock (formatted on demand)."""
        return tuple(
            ClockStep(on, event, action, fmt.format(*args))
            for on, event, action, fmt, args in self.raw_steps
        )

    def special_days(self) -> tuple[tuple[DayInfo, ...], tuple[DayInfo, ...], int]:
        """Holidays skipped, make-up days counted and weekend days skipped in the spans.

        Computed on demand: folding stays free of day-by-day work.
        """
        if self.unit != "working_days" or self.calendar_ref is None:
            return (), (), 0
        off: list[DayInfo] = []
        makeup: list[DayInfo] = []
        weekend = 0
        for start, end in self.spans:
            for info in self.calendar_ref.days(start, end):
                if info.kind == "holiday":
                    off.append(info)
                elif info.kind == "makeup":
                    makeup.append(info)
                elif info.kind == "weekend":
                    weekend += 1
        return tuple(off), tuple(makeup), weekend

    def to_dict(self) -> dict[str, object]:
        return {
            "due": self.due.isoformat() if self.due else None,
            "status": self.status,
            "remaining_working_days": self.remaining if self.unit == "working_days" else None,
            "remaining_days": self.remaining,
            "unit": self.unit,
            "limit": self.limit,
            "binds": self.binds,
            "provisional": self.provisional,
            "overdue": self.overdue,
            "started_on": self.started_on.isoformat() if self.started_on else None,
            "completed_on": self.completed_on.isoformat() if self.completed_on else None,
            "warning": self.warning,
            "policy": self.policy or None,
        }


class ClockRun:
    """One clock's running state during a fold (not shared, not frozen).

    The due date is recomputed only when the clock changes, and the text of
    each explanation step is formatted only when someone reads it: folding
    is the hot path, explaining is not.
    """

    __slots__ = (
        "_add",
        "_count",
        "_due",
        "anchor",
        "cal",
        "completed_on",
        "convention",
        "count_trigger_day",
        "fixed_due",
        "last_due",
        "limit",
        "name",
        "paused_on",
        "policy_name",
        "spans",
        "spec",
        "started_on",
        "status",
        "steps",
        "times",
        "unit_word",
        "used",
        "warn_at",
    )

    def __init__(
        self,
        name: str,
        spec: ClockSpec,
        cal: WorkingCalendar,
        convention: str,
        count_trigger_day: bool,
    ) -> None:
        self.name = name
        self.spec = spec
        self.cal = cal
        self.convention = convention
        self.count_trigger_day = count_trigger_day
        self.status = IDLE
        self.limit = spec.limit
        self.used = 0
        self.anchor: dt.date | None = None
        self.fixed_due: dt.date | None = None
        self.last_due: dt.date | None = None
        self.paused_on: dt.date | None = None
        self.started_on: dt.date | None = None
        self.completed_on: dt.date | None = None
        self._due: dt.date | None = None
        self.warn_at: int | None = None
        self.policy_name = ""
        self.times: dict[str, int] = {}
        self.steps: list[RawStep] = []
        self.spans: list[tuple[dt.date, dt.date]] = []
        if spec.unit == "working_days":
            self._add: Callable[[dt.date, int], dt.date] = cal.add_working_days
            self._count: Callable[[dt.date, dt.date], int] = cal.count_working_days
            self.unit_word = "working days"
        else:
            self._add = _add_natural
            self._count = _count_natural
            self.unit_word = "days"

    # -- derived values -------------------------------------------------
    def _refresh(self) -> None:
        if self.fixed_due is not None and self.status in (RUNNING, PAUSED):
            self._due = self.fixed_due
        elif self.status != RUNNING or self.anchor is None:
            self._due = None
        else:
            left = self.limit - self.used
            self._due = (
                (self.last_due or self.anchor) if left <= 0 else self._add(self.anchor, left)
            )

    def due(self) -> dt.date | None:
        """The current due date (None unless running or fixed)."""
        return self._due

    def period_end(self) -> dt.date | None:
        """The last day of the period: the due date, or where it stood when it ended."""
        return self._due if self.status == RUNNING else self.last_due

    def _close_span(self, end: dt.date) -> None:
        if self.anchor is not None and end > self.anchor:
            self.spans.append((self.anchor, end))

    # -- actions ----------------------------------------------------------
    def start(
        self,
        on: dt.date,
        event: str,
        limit: int | None = None,
        restart: bool = False,
        policy: tuple[str, DeadlinePolicy] | None = None,
    ) -> None:
        was = self._due if restart else None
        if restart:
            if self.status == RUNNING:
                self._close_span(on)
            self.used = 0
            self.times.pop("extend", None)
        self.limit = self.spec.limit if limit is None else limit
        self.status = RUNNING
        self.fixed_due = None
        self.started_on = on
        self.completed_on = None
        self.anchor = on - ONE_DAY if self.count_trigger_day else on
        if policy is not None:
            plugin, pol = policy
            self.warn_at = pol.warn_at
            self.policy_name = f"{pol.name or 'deadline policy'} (plugin {plugin})"
        self._refresh()
        if restart:
            self.steps.append(
                (
                    on,
                    event,
                    "restart",
                    "{} {} from {}, days used before are discarded{}: due {}",
                    (self.limit, self.unit_word, on, f" (was due {was})" if was else "", self._due),
                )
            )
        else:
            self.steps.append(
                (
                    on,
                    event,
                    "restart" if restart else "start",
                    "{} {} from {}: due {}",
                    (self.limit, self.unit_word, on, self._due),
                )
            )
        if policy is not None:
            self.steps.append(
                (
                    on,
                    event,
                    "policy",
                    "{}: limit {}, warn after {}",
                    (self.policy_name, self.limit, self.warn_at),
                )
            )

    def pause(self, on: dt.date, event: str) -> None:
        if self.status != RUNNING:
            return
        if self.fixed_due is not None:
            self.steps.append((on, event, "pause", "not paused: the deadline is a fixed date", ()))
            return
        self.last_due = self._due
        stop_at = on if self.convention == "(pause, resume]" else on - ONE_DAY
        assert self.anchor is not None
        if stop_at > self.anchor:
            self.used += self._count(self.anchor, stop_at)
            self._close_span(stop_at)
        self.anchor = None
        self.status = PAUSED
        self.paused_on = on
        self._refresh()
        self.steps.append(
            (
                on,
                event,
                "pause",
                "paused with {} {} used, {} left",
                (self.used, self.unit_word, self.limit - self.used),
            )
        )

    def resume(self, on: dt.date, event: str, as_of: dt.date | None = None) -> None:
        if self.status != PAUSED:
            return
        when = as_of or on
        if self.fixed_due is None:
            self.anchor = when if self.convention == "(pause, resume]" else when - ONE_DAY
        self.status = RUNNING
        self._refresh()
        excluded = (self.convention[0], self.paused_on, when, self.convention[-1], self._due)
        if as_of is not None and as_of != on:
            self.steps.append(
                (
                    on,
                    event,
                    "resume",
                    "resumed as of {2}, when the window ended; "
                    "days in {0}{1}, {2}{3} not counted: due {4}",
                    excluded,
                )
            )
        else:
            self.steps.append(
                (
                    on,
                    event,
                    "resume",
                    "resumed; days in {0}{1}, {2}{3} not counted: due {4}",
                    excluded,
                )
            )

    def extend(self, on: dt.date, event: str, by: int, max_times: int | None) -> None:
        if self.status not in (RUNNING, PAUSED):
            raise ClockRefusal(f"the {self.name} clock is not running")
        done = self.times.get("extend", 0)
        if max_times is not None and done >= max_times:
            raise ClockRefusal(
                f"the {self.name} clock has already been extended "
                f"{done} time{'s' if done != 1 else ''} (at most {max_times})"
            )
        self.times["extend"] = done + 1
        if self.fixed_due is not None:
            self.fixed_due = self._add(self.fixed_due, by)
        else:
            self.limit += by
        self._refresh()
        if self._due is not None:
            self.steps.append(
                (on, event, "extend", "extended by {} {}: due {}", (by, self.unit_word, self._due))
            )
        else:
            self.steps.append(
                (
                    on,
                    event,
                    "extend",
                    "extended by {} {}, {} left",
                    (by, self.unit_word, self.limit - self.used),
                )
            )

    def replace(self, on: dt.date, event: str, due: dt.date, max_times: int | None) -> None:
        done = self.times.get("replace", 0)
        if max_times is not None and done >= max_times:
            raise ClockRefusal(f"the {self.name} deadline has already been replaced {done} times")
        self.times["replace"] = done + 1
        was = self._due
        if self.status == RUNNING:
            self._close_span(on)
        self.fixed_due = due
        self.status = RUNNING
        self.anchor = None
        self._refresh()
        self.steps.append(
            (on, event, "replace", "deadline set to {}{}", (due, f" (was {was})" if was else ""))
        )

    def complete(self, on: dt.date, event: str) -> None:
        if self.status not in (RUNNING, PAUSED):
            return
        due = self._due if self.status == RUNNING else self.last_due
        late = due is not None and on > due
        if self.status == RUNNING and self.fixed_due is None:
            self._close_span(min(on, due) if due else on)
        self.status = MISSED if late else MET
        self.completed_on = on
        self.last_due = due
        self._refresh()
        if late:
            self.steps.append(
                (on, event, "complete", "done on {}, after the due date {}", (on, due))
            )
        else:
            self.steps.append((on, event, "complete", "done on {}, due {}", (on, due)))

    def stop(self, on: dt.date, event: str, reason: str = "") -> None:
        if self.status not in (RUNNING, PAUSED):
            return
        if self.status == RUNNING:
            self.last_due = self._due
            if self.fixed_due is None:
                self._close_span(on)
        self.status = STOPPED
        self.completed_on = on
        self._refresh()
        self.steps.append((on, event, "stop", reason or "stopped; no longer applies", ()))

    # -- result -------------------------------------------------------------
    def deadline(self, as_of: dt.date, compliance: bool) -> Deadline:
        due = self._due
        if self.spec.optional and self.status == RUNNING and due is not None and as_of > due:
            return attrs.evolve(
                self._frozen(as_of, compliance, due), status=STOPPED, remaining=None, overdue=False
            )
        return self._frozen(as_of, compliance, due)

    def _frozen(self, as_of: dt.date, compliance: bool, due: dt.date | None) -> Deadline:
        remaining: int | None = None
        if self.status == RUNNING and due is not None:
            remaining = self._count(as_of, due)
        elif self.status == PAUSED:
            remaining = self.limit - self.used
        spans = list(self.spans)
        if (
            self.status == RUNNING
            and self.anchor is not None
            and due is not None
            and (due > self.anchor)
        ):
            spans.append((self.anchor, due))
        if self.status == RUNNING:
            shown_due = due
        else:
            shown_due = self.last_due if self.status in (MET, MISSED) else None
        return Deadline(
            clock=self.name,
            binds=self.spec.binds,
            unit=self.spec.unit,
            status=self.status,
            due=shown_due,
            limit=self.limit,
            used=self.used,
            remaining=remaining,
            provisional=self._provisional(spans, shown_due),
            overdue=compliance and self.status == RUNNING and due is not None and as_of > due,
            warning=self._warning(as_of),
            policy=self.policy_name,
            started_on=self.started_on,
            completed_on=self.completed_on,
            calendar=self.cal.id,
            raw_steps=tuple(self.steps),
            spans=tuple(spans),
            calendar_ref=self.cal,
        )

    def _warning(self, as_of: dt.date) -> bool:
        if self.warn_at is None or self.status != RUNNING or self.anchor is None:
            return False
        elapsed = self.used + (self._count(self.anchor, as_of) if as_of > self.anchor else 0)
        return elapsed >= self.warn_at

    def _provisional(self, spans: list[tuple[dt.date, dt.date]], due: dt.date | None) -> bool:
        if self.spec.unit != "working_days":
            return False
        published = self.cal.published_through
        if due is not None and due.year > published:
            return True
        return any(end.year > published for _, end in spans)


def _add_natural(day: dt.date, n: int) -> dt.date:
    return day + dt.timedelta(days=n)


def _count_natural(start: dt.date, end: dt.date) -> int:
    return (end - start).days
