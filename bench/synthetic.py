"""Synthetic cases for benchmarks: cheap to make, valid under cn-ogi-2019."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from disclosure import Case, Event

KINDS = [
    "natural_person",
    "natural_person",
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
]
OUTCOMES = [
    "disclosed",
    "disclosed",
    "partially_disclosed",
    "withheld.state_secret",
    "withheld.third_party_rights",
    "unavailable.not_held",
    "unavailable.needs_creation",
    "not_processed.repeat",
    "not_processed.petition_complaint",
    "other.other",
]
BASE = dt.date(2023, 1, 2)


def cases(n: int, seed: int = 1, base: dt.date = BASE, span: int = 720) -> Iterator[Case]:
    """``n`` cases received over ``span`` days from ``base`` (by default 2023-2024) with
    typical short lifecycles."""
    rng = random.Random(seed)
    for i in range(n):
        received = base + dt.timedelta(days=rng.randrange(0, span))
        kind = KINDS[rng.randrange(len(KINDS))]
        r = rng.random()
        day = received + dt.timedelta(days=rng.randrange(1, 25))
        if r < 0.70:
            events: tuple[Event, ...] = (
                Event("decide", day, {"outcome": OUTCOMES[rng.randrange(len(OUTCOMES))]}),
            )
        elif r < 0.80:
            events = (
                Event("request_correction", received + dt.timedelta(days=2)),
                Event("correction_received", received + dt.timedelta(days=6)),
                Event("decide", day + dt.timedelta(days=8), {"outcome": "disclosed"}),
            )
        elif r < 0.87:
            events = (
                Event("consult_third_party", received + dt.timedelta(days=3)),
                Event("third_party_replied", received + dt.timedelta(days=12)),
                Event(
                    "decide",
                    day + dt.timedelta(days=14),
                    {"outcome": "withheld.third_party_rights"},
                ),
            )
        elif r < 0.92:
            events = (Event("withdraw", day),)
        elif r < 0.95 and i % 7 == 0:
            events = (
                Event("decide", day, {"outcome": "withheld.process_information"}),
                Event("review_filed", day + dt.timedelta(days=30)),
                Event("review_decided", day + dt.timedelta(days=80), {"result": "upheld"}),
            )
        else:
            events = ()
        yield Case(f"S{i:07d}", kind, "online", received, events)
