"""Generate a realistic synthetic agency-year of cases (deterministic, seeded).

    python examples/make_example_year.py 2024 examples/agency-2024/cases.yaml --count 320
    python examples/make_example_year.py 2020 examples/agency-2020/cases.yaml --count 60

Every case is built event by event through the national ruleset (so every
log is valid), with the mix of applicants, paths and outcomes an agency
sees: most requests decided directly, some corrected, consulted, extended,
charged, withdrawn or abandoned; some received in the previous December and
carried in, some still open at year end; a few reviews and lawsuits. The
output is a case file that `disclosure report annual` reads.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path
from typing import Any

from disclosure import Case, Engine, Event, EventRejected
from disclosure.lifecycle.case import dump_cases_yaml
from disclosure.plugins import Plugins

KINDS = [
    ("natural_person", 70),
    ("commercial_enterprise", 10),
    ("research_institution", 3),
    ("social_welfare_org", 3),
    ("legal_service_org", 8),
    ("other_org", 6),
]
CHANNELS = [
    ("online", 55),
    ("in_person", 20),
    ("post_signed", 15),
    ("post_unsigned", 5),
    ("fax", 2),
    ("oral", 3),
]
DECIDED = [
    ("disclosed", 40),
    ("disclosed.already_public", 6),
    ("partially_disclosed", 10),
    ("withheld.state_secret", 1),
    ("withheld.prohibited_by_law", 1),
    ("withheld.security_stability", 1),
    ("withheld.third_party_rights", 3),
    ("withheld.internal_affairs", 2),
    ("withheld.process_information", 3),
    ("withheld.enforcement_file", 2),
    ("withheld.administrative_query", 2),
    ("unavailable.not_held", 10),
    ("unavailable.not_responsible", 3),
    ("unavailable.needs_creation", 3),
    ("not_processed.petition_complaint", 3),
    ("not_processed.repeat", 2),
    ("not_processed.publication", 1),
    ("not_processed.confirmation", 1),
    ("other.other", 1),
]


def pick(rng: random.Random, table: list[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in table], weights=[w for _, w in table])[0]


class Builder:
    def __init__(self, engine: Engine, rng: random.Random, as_of: dt.date) -> None:
        self.engine = engine
        self.rng = rng
        self.as_of = as_of
        self.cal = engine.calendars.get("cn")

    def wd(self, day: dt.date, lo: int, hi: int) -> dt.date:
        return self.cal.add_working_days(day, self.rng.randint(lo, hi))

    def add(self, case: Case, etype: str, on: dt.date, note: str = "", **data: Any) -> Case:
        if on > self.as_of:
            raise StopIteration
        return self.engine.apply(case, Event(etype, on, data, note=note))

    def lifecycle(self, case: Case, path: str) -> Case:
        r, day = self.rng, case.received
        try:
            if path == "spot":
                return self.add(
                    case,
                    "reply_on_the_spot",
                    day,
                    outcome=r.choice(
                        ["disclosed.already_public", "disclosed", "unavailable.not_held"]
                    ),
                )
            if path == "correction":
                day = self.wd(day, 1, 6)
                case = self.add(case, "request_correction", day)
                if r.random() < 0.3:
                    for event in self.engine.advance(case, self.as_of):
                        case = self.engine.apply(case, event)
                    return case
                day = self.wd(day, 1, 9)
                case = self.add(case, "correction_received", day)
                if r.random() < 0.2:
                    return self.add(
                        case,
                        "decide",
                        self.wd(day, 3, 18),
                        outcome="unavailable.unclear_after_correction",
                    )
            elif path in ("third_party", "agency"):
                day = self.wd(day, 2, 8)
                consult = "consult_third_party" if path == "third_party" else "consult_agency"
                case = self.add(case, consult, day, delivered=self.wd(day, 0, 2))
                if r.random() < 0.25:
                    lapses = self.engine.advance(case, self.as_of)
                    if not lapses:  # the window is still open on the data's last day
                        return case
                    for event in lapses:
                        case = self.engine.apply(case, event)
                    day = case.events[-1].on
                else:
                    day = self.wd(day, 3, 14)
                    replied = "third_party_replied" if path == "third_party" else "agency_replied"
                    case = self.add(case, replied, day)
                if path == "third_party" and r.random() < 0.5:
                    return self.add(
                        case,
                        "decide",
                        self.wd(day, 2, 10),
                        outcome=r.choice(
                            ["withheld.third_party_rights", "partially_disclosed", "disclosed"]
                        ),
                    )
            elif path == "fee":
                day = self.wd(day, 3, 10)
                count = r.randint(11, 45)
                amount = 100 if count <= 30 else 100 * (1 + -(-(count - 30) // 10))
                method = r.choice(["per_item", "per_volume"])
                if method == "per_volume":
                    amount = r.choice([700, 1200, 2700])
                case = self.add(case, "issue_fee_notice", day, amount=amount, method=method)
                if r.random() < 0.35:
                    for event in self.engine.advance(case, self.as_of):
                        case = self.engine.apply(case, event)
                    return case
                day = self.wd(day, 2, 15)
                case = self.add(case, "fee_paid", day, amount=amount)
            elif path == "excessive":
                day = self.wd(day, 2, 6)
                case = self.add(case, "request_reasons", day)
                return self.add(
                    case, "decide", self.wd(day, 3, 10), outcome="not_processed.excessive"
                )
            elif path == "withdraw":
                return self.add(case, "withdraw", self.wd(day, 1, 12), note="applicant withdrew")
            if r.random() < 0.12:
                day = self.wd(day, 12, 19)
                case = self.add(
                    case,
                    "extend",
                    day,
                    working_days=r.choice([10, 15, 20]),
                    approved_by="head of the OGI office",
                )
            due = self.engine.fold(case, self.as_of).deadlines["reply"].due or day
            lo = max(0, self.cal.count_working_days(day, due) - 12)
            decided = self.wd(day, min(lo, 3), max(3, self.cal.count_working_days(day, due)))
            if r.random() < 0.03:
                decided = self.wd(due, 1, 5)  # a few late decisions: findings in the report
            return self.add(case, "decide", decided, outcome=pick(r, DECIDED))
        except StopIteration:
            return case

    def appeal(self, case: Case) -> Case:
        r = self.rng
        state = self.engine.fold(case, self.as_of)
        if state.state != "concluded" or state.closed_on is None:
            return case
        try:
            day = state.closed_on + dt.timedelta(days=r.randint(20, 55))
            if r.random() < 0.7:
                case = self.add(case, "review_filed", day)
                day += dt.timedelta(days=r.randint(40, 80))
                case = self.add(
                    case,
                    "review_decided",
                    day,
                    result=r.choice(["upheld", "upheld", "corrected", "other"]),
                )
                if r.random() < 0.3:
                    day += dt.timedelta(days=r.randint(10, 14))
                    case = self.add(case, "lawsuit_filed", day, after_review=True)
            else:
                case = self.add(case, "lawsuit_filed", day, after_review=False)
                day += dt.timedelta(days=r.randint(60, 150))
                case = self.add(
                    case, "lawsuit_decided", day, result=r.choice(["upheld", "other", "corrected"])
                )
        except StopIteration:
            pass
        return case


PATHS = [
    ("direct", 62),
    ("correction", 10),
    ("third_party", 8),
    ("agency", 5),
    ("fee", 4),
    ("excessive", 2),
    ("withdraw", 3),
    ("spot", 3),
]


def generate(year: int, count: int, seed: int) -> list[Case]:
    engine = Engine(plugins=Plugins.builtin_only())
    rng = random.Random(seed)
    as_of = dt.date(year + 1, 1, 6)  # the day the data was exported
    b = Builder(engine, rng, as_of)
    cal = b.cal
    cases: list[Case] = []
    carried = max(3, count // 12)
    for i in range(count + carried):
        if i < carried:  # received late in the previous year
            received = cal.add_working_days(dt.date(year - 1, 12, 1), rng.randint(0, 20))
        else:
            received = cal.add_working_days(dt.date(year, 1, 1), rng.randint(0, 245))
        if not cal.is_working_day(received):
            received = cal.add_working_days(received, 1)
        case = Case(
            f"{received.year}-{i + 1:04d}",
            pick(rng, KINDS),
            pick(rng, CHANNELS),
            received,
            subject=rng.choice(SUBJECTS),
            # a national agency's cases: the national calendar, whatever regional
            # plugin is installed beside the examples
            calendar="cn",
        )
        case = b.lifecycle(case, pick(rng, PATHS))
        if rng.random() < 0.05:
            case = b.appeal(case)
        cases.append(case)
    cases.sort(key=lambda c: (c.received, c.id))
    for case in cases:
        engine.fold(case, as_of)  # every generated log is valid
    return cases


SUBJECTS = [
    "某路段道路改造工程的立项批复",
    "本单位上年度部门预算和决算",
    "某企业环境影响评价文件",
    "某小区规划许可及总平面图",
    "某行政处罚决定书",
    "某项目征收补偿方案",
    "某会议纪要",
    "本市某专项资金分配情况",
    "某许可证的审批材料",
    "某学校建设项目的招投标文件",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("year", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--count", type=int, default=320)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    try:
        cases = generate(args.year, args.count, args.seed if args.seed is not None else args.year)
    except EventRejected as exc:  # a bug in this generator, not in the data
        raise SystemExit(f"generator produced an invalid event: {exc}") from None
    args.output.parent.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Synthetic agency-year {args.year}: {len(cases)} cases, generated by\n"
        f"# examples/make_example_year.py (seeded; rerun to reproduce).\n"
    )
    body = dump_cases_yaml([c.to_dict() for c in cases])
    args.output.write_text(header + body, encoding="utf-8")
    print(f"wrote {len(cases)} cases to {args.output}")


if __name__ == "__main__":
    main()
