"""What a fold returns: a case's state, its deadlines and, on request, their explanation.

State, outcome, closing day, next events, findings and the clocks are known
the moment a fold returns; each :class:`Deadline` is read from its clock when
first looked up. Explanations (clock steps, counted spans, the timeline) come
from the same fold run again with ``explain=True`` the first time someone asks,
so the folds a dashboard or a report runs never record them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, KeysView, Mapping
from typing import Any, Protocol, cast

import attrs

from disclosure.lifecycle.case import Case
from disclosure.lifecycle.clocks import RUNNING, ClockRun, Deadline
from disclosure.rules.model import Ruleset


@attrs.frozen
class Finding:
    """A compliance observation that does not block (e.g. a late decision)."""

    code: str
    severity: str
    message: str
    on: dt.date
    clock: str | None = None
    event: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "on": self.on.isoformat(),
            "clock": self.clock,
            "event": self.event,
        }


@attrs.frozen
class TimelineEntry:
    """One applied event with the state it moved the case from and to."""

    on: dt.date
    type: str
    from_state: str
    to_state: str
    data: Mapping[str, Any]
    note: str = ""
    by: str = ""


class Deadlines:
    """The deadlines of a folded case by clock name: a read-only mapping.

    Each deadline is read from its clock on first access. A plain class
    registered as a ``Mapping`` (rather than a subclass of it), so that the
    compiled build can make it a native class; ``values()`` and ``items()``
    build every deadline in one pass, as a dashboard reads them.
    """

    __slots__ = ("_as_of", "_built", "_compliance", "_runs", "_state")

    def __init__(
        self,
        runs: Mapping[str, ClockRun],
        compliance: Mapping[str, bool],
        as_of: dt.date,
        state: Explainer | None = None,
    ) -> None:
        self._runs = runs
        self._compliance = compliance
        self._as_of = as_of
        self._state = state
        self._built: dict[str, Deadline] = {}

    def __getitem__(self, name: str) -> Deadline:
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = Deadline(
                self._runs[name], self._as_of, self._compliance[name], self._state
            )
        return built

    def get(self, name: str, default: Deadline | None = None) -> Deadline | None:
        return self[name] if name in self._runs else default

    def __contains__(self, name: object) -> bool:
        return name in self._runs

    def __iter__(self) -> Iterator[str]:
        return iter(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def keys(self) -> KeysView[str]:
        return self._runs.keys()

    def values(self) -> list[Deadline]:
        """Every deadline, in the order the clocks started."""
        get = self.__getitem__
        return [get(name) for name in self._runs]

    def items(self) -> list[tuple[str, Deadline]]:
        return list(zip(self._runs, self.values(), strict=True))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Deadlines({list(self._runs)})"


Mapping.register(Deadlines)


class Folder(Protocol):
    """The machine that folded a case: its ruleset, allowed events, and explanations."""

    @property
    def ruleset(self) -> Ruleset: ...

    @property
    def allowed(self) -> Mapping[str, tuple[str, ...]]: ...

    @property
    def compliance(self) -> Mapping[str, bool]: ...

    def explain(self, case: Case, as_of: dt.date) -> Explained: ...


class Explained(Protocol):
    """What an explaining fold records: every clock with its steps, and the timeline."""

    @property
    def clocks(self) -> Mapping[str, ClockRun]: ...

    @property
    def timeline(self) -> list[TimelineEntry] | None: ...


@attrs.frozen
class Explanation:
    """A recorded explanation; stands in for the machine once a state is pickled."""

    clocks: Mapping[str, ClockRun]
    timeline: list[TimelineEntry] | None


@attrs.frozen
class RulesetFacts:
    """What a finished state reads of its machine; stands in for it once pickled."""

    ruleset: Ruleset
    allowed: Mapping[str, tuple[str, ...]]
    compliance: Mapping[str, bool]
    explanation: Explanation

    def explain(self, case: Case, as_of: dt.date) -> Explained:
        return self.explanation


class Explainer:
    """Runs the explaining fold of one state, once, and keeps it.

    The state's deadlines hold this rather than the state itself, so that a
    state and its deadlines form no reference cycle and are freed as soon as
    nobody holds them (a dashboard folds thousands of cases in a row).
    """

    __slots__ = ("_as_of", "_case", "_explained", "_machine")

    def __init__(self, machine: Folder, case: Case, as_of: dt.date) -> None:
        self._machine = machine
        self._case = case
        self._as_of = as_of
        self._explained: Explained | None = None

    def explained(self) -> Explained:
        explained = self._explained
        if explained is None:
            explained = self._explained = self._machine.explain(self._case, self._as_of)
        return explained

    def _explained_clock(self, name: str) -> ClockRun:
        return self.explained().clocks[name]


class CaseState:
    """Everything derived from a case's log, as of a given day (read-only).

    The fold hands over its clocks; deadlines are read from them on first
    access. The explanation (clock steps, counted spans, timeline) comes from
    the same fold run again to explain, once, when someone first asks.
    """

    __slots__ = (
        "_as_of",
        "_calendar",
        "_case",
        "_clocks",
        "_closed_on",
        "_deadlines",
        "_explainer",
        "_findings",
        "_machine",
        "_outcome",
        "_state",
    )

    def __init__(
        self,
        case: Case,
        machine: Folder,
        state: str,
        outcome: str | None,
        closed_on: dt.date | None,
        calendar: str,
        as_of: dt.date,
        clocks: Mapping[str, ClockRun],
        findings: tuple[Finding, ...] = (),
    ) -> None:
        self._case = case
        self._machine = machine
        self._state = state
        self._outcome = outcome
        self._closed_on = closed_on
        self._calendar = calendar
        self._as_of = as_of
        self._clocks = clocks
        self._findings = findings
        self._deadlines: Deadlines | None = None
        self._explainer: Explainer | None = None

    # -- known when the fold returns ---------------------------------------------
    @property
    def case(self) -> Case:
        """The case that was folded."""
        return self._case

    @property
    def case_id(self) -> str:
        return self._case.id

    @property
    def ruleset(self) -> str:
        return self._machine.ruleset.id

    @property
    def applicant(self) -> str:
        return self._case.applicant

    @property
    def channel(self) -> str:
        return self._case.channel

    @property
    def received(self) -> dt.date:
        return self._case.received

    @property
    def state(self) -> str:
        return self._state

    @property
    def waiting_on(self) -> str:
        return self._machine.ruleset.states[self._state].waiting_on

    @property
    def closed(self) -> bool:
        return self._machine.ruleset.states[self._state].closed

    @property
    def final(self) -> bool:
        return self._machine.ruleset.states[self._state].final

    @property
    def outcome(self) -> str | None:
        return self._outcome

    @property
    def outcome_group(self) -> str | None:
        return self._machine.ruleset.outcomes[self._outcome].group if self._outcome else None

    @property
    def closed_on(self) -> dt.date | None:
        return self._closed_on

    @property
    def next_events(self) -> tuple[str, ...]:
        return self._machine.allowed[self._state]

    @property
    def calendar(self) -> str:
        """The calendar the case's working days are counted with."""
        return self._calendar

    @property
    def as_of(self) -> dt.date:
        """The day deadlines and overdue findings are judged on."""
        return self._as_of

    # -- read from the clocks -------------------------------------------------------
    @property
    def deadlines(self) -> Mapping[str, Deadline]:
        deadlines = self._deadlines
        if deadlines is None:
            deadlines = self._deadlines = Deadlines(
                self._clocks, self._machine.compliance, self._as_of, self._explaining()
            )
        return cast(Mapping[str, Deadline], deadlines)

    def running_deadlines(self) -> list[tuple[str, Deadline]]:
        """(clock, deadline) of each clock still running: no other deadline can show as running.

        The others are not built, as a projection (made for every case written)
        reads no other. Each is the deadline :attr:`deadlines` gives.
        """
        running = [name for name, run in self._clocks.items() if run.status == RUNNING]
        if not running:  # a concluded case: nothing to build
            return []
        deadlines = self.deadlines
        return [(name, deadlines[name]) for name in running]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self._findings

    @property
    def overdue(self) -> bool:
        return any(d.overdue for d in self.deadlines.values())

    # -- the explanation, on first access ----------------------------------------
    def _explaining(self) -> Explainer:
        explainer = self._explainer
        if explainer is None:
            explainer = self._explainer = Explainer(self._machine, self._case, self._as_of)
        return explainer

    def _explanation(self) -> Explained:
        return self._explaining().explained()

    @property
    def timeline(self) -> tuple[TimelineEntry, ...]:
        """Each applied event with the states it moved the case between."""
        return tuple(self._explanation().timeline or ())

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle as a finished state: explanation recorded, the machine replaced by facts."""
        explained = self._explanation()
        facts = RulesetFacts(
            self._machine.ruleset,
            dict(self._machine.allowed),
            dict(self._machine.compliance),
            Explanation(dict(explained.clocks), list(explained.timeline or ())),
        )
        return (
            CaseState,
            (
                self._case,
                facts,
                self._state,
                self._outcome,
                self._closed_on,
                self._calendar,
                self._as_of,
                dict(explained.clocks),
                self._findings,
            ),
        )

    # -- comparison and output -----------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (
            self.case_id,
            self.ruleset,
            self.applicant,
            self.channel,
            self.received,
            self._state,
            self._outcome,
            self._closed_on,
            self.calendar,
            self.as_of,
            dict(self.deadlines),
            self.findings,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CaseState):
            return NotImplemented
        return self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"CaseState(case_id={self.case_id!r}, state={self._state!r}, "
            f"outcome={self._outcome!r}, closed_on={self._closed_on!r}, as_of={self.as_of!r})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "ruleset": self.ruleset,
            "applicant": self.applicant,
            "channel": self.channel,
            "received": self.received.isoformat(),
            "state": self.state,
            "waiting_on": self.waiting_on,
            "closed": self.closed,
            "outcome": self.outcome,
            "outcome_group": self.outcome_group,
            "closed_on": self.closed_on.isoformat() if self.closed_on else None,
            "next_events": list(self.next_events),
            "deadlines": {name: d.to_dict() for name, d in self.deadlines.items()},
            "overdue": self.overdue,
            "findings": [f.to_dict() for f in self.findings],
            "calendar": self.calendar,
            "as_of": self.as_of.isoformat(),
        }


__all__ = ["CaseState", "Deadlines", "Explanation", "Finding", "TimelineEntry"]
