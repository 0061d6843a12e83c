"""Guangxi: the regional calendar and an example agency service promise."""

from __future__ import annotations

from pathlib import Path

from disclosure.lifecycle.case import Case
from disclosure.plugins import DeadlinePolicy, Resources, hookimpl
from disclosure.rules.model import Ruleset

CALENDAR = Path(__file__).with_name("cn-guangxi.yaml")
#: Case ids of the (fictional) regional government service centre.
PROMISE_PREFIX = "GXZW-"


@hookimpl
def disclosure_resources() -> Resources:
    """Offer the calendar; an agency in Guangxi turns it on in its settings.

    ``disclosure init --calendar cn-guangxi`` (or ``calendar = "cn-guangxi"``
    under ``[agency]`` in ``disclosure.toml``) makes it the default for cases
    that name no calendar; a case may always name it itself.
    """
    return Resources(calendars=[CALENDAR])


@hookimpl
def disclosure_deadline_policy(case: Case, clock: str, ruleset: Ruleset) -> DeadlinePolicy | None:
    """The centre promises a reply in 10 working days (law: 20) and warns after 7."""
    if clock == "reply" and case.id.startswith(PROMISE_PREFIX) and "reply" in ruleset.clocks:
        return DeadlinePolicy(limit=10, warn_at=7, name="服务承诺：10个工作日内答复")
    return None
