"""Generate a synthetic US agency's FOIA requests for fiscal year 2025 (deterministic, seeded).

    python examples/us-agency-2025/make_cases.py examples/us-agency-2025/cases.yaml --count 300

Two components receive requests from August 2024 (some are still pending on
1 October 2024, the start of FY2025) to September 2025 (some still pending
on 30 September). Every case is built event by event through the ``us-foia``
ruleset, so every log is valid: most requests are granted or denied in part
within the 20 working days, some are tolled for information, extended for
unusual circumstances, referred, withdrawn or closed for other reasons;
denials cite exemptions, and some are appealed.

Two further strands are drawn from their own random stream, so that adding
them left every earlier figure of the report as it was: some requesters ask
for expedited processing (decided, usually within the ten calendar days),
and a few requests and appeals stall, still undecided past their time limit
on 30 September 2025 (the report's backlog and oldest pending items).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path
from typing import Any

from disclosure import Case, Engine, Event
from disclosure.errors import DisclosureError
from disclosure.lifecycle.case import dump_cases_yaml
from disclosure.plugins import Plugins

COMPONENTS = [("Office of Records", 60), ("Field Investigations", 40)]
KINDS = [
    ("other", 55),
    ("commercial", 20),
    ("news_media", 12),
    ("educational", 5),
    ("noncommercial_scientific", 3),
]
CHANNELS = [("online", 70), ("email", 20), ("mail", 5), ("fax", 2), ("in_person", 3)]
PATHS = [
    ("grant", 30),
    ("partial", 28),
    ("denial", 6),
    ("no_records", 12),
    ("tolled_then_partial", 8),
    ("extended_then_grant", 6),
    ("refer", 4),
    ("withdraw", 4),
    ("fee", 2),
]
EXEMPTIONS = [("b6", 40), ("b5", 25), ("b7c", 15), ("b4", 8), ("b7e", 6), ("b3", 4), ("b7a", 2)]


def pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    names, weights = zip(*table, strict=True)
    return str(rng.choices(names, weights)[0])


class Agency:
    def __init__(self, engine: Engine, rng: random.Random, until: dt.date) -> None:
        self.engine, self.rng, self.until = engine, rng, until
        self.cal = engine.calendars.get("us-federal")

    def wd(self, day: dt.date, lo: int, hi: int) -> dt.date:
        return self.cal.add_working_days(day, self.rng.randint(lo, hi))

    def add(self, case: Case, etype: str, on: dt.date, **data: Any) -> Case:
        """The event if it happens by the end of the data (else the case stays pending)."""
        if on > self.until:
            raise _Pending
        return self.engine.apply(case, Event(etype, on, data))

    def exemptions(self) -> list[str]:
        cited = {pick(self.rng, EXEMPTIONS) for _ in range(self.rng.randint(1, 3))}
        return sorted(cited)

    def lifecycle(self, case: Case) -> Case:
        path = pick(self.rng, PATHS)
        day = case.received
        try:
            if path == "tolled_then_partial":
                day = self.wd(day, 2, 6)
                case = self.add(case, "seek_clarification", day)
                day = self.wd(day, 3, 15)
                case = self.add(case, "clarification_received", day)
                path = "partial"
            if path == "extended_then_grant":
                day = self.wd(day, 10, 18)
                case = self.add(
                    case,
                    "notify_unusual",
                    day,
                    working_days=10,
                    circumstance="voluminous_records",
                )
                path = "grant"
            day = self.wd(day, 3, 24)
            if path == "withdraw":
                return self.add(case, "withdraw", day)
            disposition = {
                "grant": "full_grant",
                "refer": "other.referred",
                "partial": "partial_grant",
                "denial": "full_denial_exemption",
                "no_records": "other.no_records",
                "fee": "other.fee_related",
            }[path]
            data: dict[str, Any] = {"disposition": disposition}
            if disposition in ("partial_grant", "full_denial_exemption"):
                data["exemptions"] = self.exemptions()
            case = self.add(case, "respond", day, **data)
            if disposition in ("full_grant", "other.referred"):
                return case
            if self.rng.random() < 0.15:
                day = day + dt.timedelta(days=self.rng.randint(10, 80))
                case = self.add(case, "appeal_filed", day)
                day = self.wd(day, 5, 25)
                result = pick(
                    self.rng,
                    [
                        ("affirmed", 60),
                        ("partially_affirmed", 20),
                        ("reversed", 10),
                        ("closed_other", 10),
                    ],
                )
                case = self.add(case, "appeal_decided", day, result=result)
        except _Pending:
            pass
        return case


class _Pending(Exception):
    """The next event would fall after the end of the data."""


EXPEDITE_GROUNDS = [("urgency_to_inform", 70), ("imminent_threat", 10), ("agency_regulation", 20)]


def with_expedite(agency: Agency, case: Case, rng: random.Random) -> Case:
    """The case with a request for expedited processing on receipt, and its decision.

    The decision comes 1 to 14 calendar days later (within the ten days most
    of the time) and before the agency's next step; the case is replayed
    event by event, and left as it was if the extra events do not fit.
    """
    asked = case.received
    decided = asked + dt.timedelta(days=rng.choice([1, 2, 3, 5, 6, 8, 9, 10, 12, 14]))
    granted = rng.random() < 0.4
    ground = pick(rng, EXPEDITE_GROUNDS)
    first = case.events[0].on if case.events else None
    extra = [Event("request_expedite", asked, {"ground": ground})]
    if decided <= agency.until and (first is None or decided <= first):
        extra.append(Event("decide_expedite", decided, {"granted": granted}))
    replayed = Case(
        case.id,
        case.applicant,
        case.channel,
        case.received,
        ruleset=case.ruleset,
        fields=dict(case.fields),
    )
    try:
        for event in [*extra, *case.events]:
            replayed = agency.engine.apply(replayed, event)
    except DisclosureError:
        return case
    return replayed


def stalled(agency: Agency, rng: random.Random, number: int, appeal: bool) -> Case:
    """A request (or an appeal) received in spring 2025 and still undecided at the year's end."""
    received = dt.date(2025, 3, 3) + dt.timedelta(days=rng.randint(0, 120))
    while not agency.cal.is_working_day(received):
        received += dt.timedelta(days=1)
    case = Case(
        f"FOIA-{received.year}-{number:04d}",
        pick(rng, KINDS),
        pick(rng, CHANNELS),
        received,
        ruleset="us-foia",
        fields={"component": pick(rng, COMPONENTS)},
    )
    if rng.random() < 0.5:
        case = agency.add(
            case,
            "notify_unusual",
            agency.wd(received, 15, 19),
            working_days=10,
            circumstance="consultation",
        )
    if appeal:
        day = agency.wd(received, 21, 30)
        case = agency.add(
            case, "respond", day, disposition="partial_grant", exemptions=agency.exemptions()
        )
        case = agency.add(case, "appeal_filed", day + dt.timedelta(days=rng.randint(5, 30)))
    return case


def generate(count: int, seed: int = 2025) -> list[Case]:
    rng = random.Random(seed)
    engine = Engine(plugins=Plugins.builtin_only(), default_ruleset="us-foia")
    agency = Agency(engine, rng, until=dt.date(2025, 9, 30))
    first, last = dt.date(2024, 8, 1), dt.date(2025, 9, 26)
    cases = []
    for i in range(count):
        received = first + dt.timedelta(days=rng.randint(0, (last - first).days))
        while not agency.cal.is_working_day(received):  # requests arrive on working days
            received += dt.timedelta(days=1)
        case = Case(
            f"FOIA-{received.year}-{i + 1:04d}",
            pick(rng, KINDS),
            pick(rng, CHANNELS),
            received,
            ruleset="us-foia",
            fields={"component": pick(rng, COMPONENTS)},
        )
        cases.append(agency.lifecycle(case))
    # the later strands: their own stream, so the cases above stay as they were
    more = random.Random(seed + 1)
    cases = [with_expedite(agency, c, more) if more.random() < 0.08 else c for c in cases]
    for k in range(count // 50):
        cases.append(stalled(agency, more, count + k + 1, appeal=k % 2 == 1))
    return sorted(cases, key=lambda c: (c.received, c.id))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()
    cases = generate(args.count, args.seed)
    header = (
        "# Synthetic FOIA requests of a made-up agency, FY2025 (made by make_cases.py;\n"
        "# regenerate rather than edit).\n"
    )
    args.output.write_text(header + dump_cases_yaml([c.to_dict() for c in cases]), "utf-8")


if __name__ == "__main__":
    main()
