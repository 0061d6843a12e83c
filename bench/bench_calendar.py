"""20-working-day deadlines per second: the index against day-by-day stepping.

Run by hand:  python bench/bench_calendar.py
The baseline steps one day at a time with ``holidays.China().is_working_day``,
as a hand-written deadline function would.
"""

from __future__ import annotations

import datetime as dt
import random
import time

import holidays

from disclosure import CalendarRegistry


def naive_add(cal: holidays.HolidayBase, day: dt.date, n: int) -> dt.date:
    while n > 0:
        day += dt.timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


def run() -> dict[str, float]:
    rng = random.Random(7)
    base = dt.date(2019, 1, 1)
    starts = [base + dt.timedelta(days=rng.randrange(0, 365 * 7)) for _ in range(20_000)]
    cal = CalendarRegistry.default().get("cn")
    china = holidays.China(years=range(2019, 2028))
    for d in starts[:100]:  # warm up, and check both agree
        assert cal.add_working_days(d, 20) == naive_add(china, d, 20)

    t0 = time.perf_counter()
    for _ in range(10):
        for d in starts:
            cal.add_working_days(d, 20)
    indexed = (time.perf_counter() - t0) / 10

    t0 = time.perf_counter()
    for d in starts:
        naive_add(china, d, 20)
    naive = time.perf_counter() - t0

    n = len(starts)
    return {
        "deadlines": n,
        "indexed_per_s": n / indexed,
        "naive_per_s": n / naive,
        "ratio": naive / indexed,
    }


def main() -> None:
    r = run()
    print(f"deadlines: {r['deadlines']}")
    print(f"indexed : {r['indexed_per_s']:12,.0f} deadlines/s")
    print(f"naive   : {r['naive_per_s']:12,.0f} deadlines/s")
    print(f"ratio   : {r['ratio']:.0f}x")


if __name__ == "__main__":
    main()
