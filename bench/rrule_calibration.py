"""How well rrule step-budget ticks track CPU time: one row per rule, sorted by 0.1 us per tick.

    .venv/bin/python bench/rrule_calibration.py

services/timing/rrule.py counts work in ticks meant to be about 0.1 us of CPU each. A row with "x0.1us/tick"
well above 1 means that kind of rule costs more than its ticks say (the budget lets it run longer); well below
1 means it is charged more than it costs (the budget refuses it sooner). "est" is the per-evaluation bound that
validate_spec compares with RRULE_STEP_BUDGET.
"""

from __future__ import annotations

import itertools
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from services.timing import ScheduleSpec  # noqa: E402
from services.timing import rrule as timing_rrule  # noqa: E402
from services.timing.base import floor_ts  # noqa: E402


def Z(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


HOURS, MINUTES = ",".join(map(str, range(24))), ",".join(map(str, range(60)))
CASES = [  # (rule, zone, after, fires to take)
    ("FREQ=DAILY", "UTC", Z(2026, 5, 1), 100),
    ("FREQ=SECONDLY", "UTC", Z(2026, 5, 1), 100),
    ("FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0", "Europe/Berlin", Z(2026, 5, 1), 100),
    ("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=29", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYHOUR=3", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30", "UTC", Z(2026, 5, 1), 1),
    ("FREQ=MINUTELY;BYDAY=MO;BYHOUR=9", "UTC", Z(2026, 5, 5), 100),
    ("FREQ=SECONDLY;INTERVAL=7;BYHOUR=3;BYMINUTE=5", "UTC", Z(2026, 5, 5), 30),
    ("FREQ=SECONDLY;BYSECOND=0;BYHOUR=3", "UTC", Z(2026, 5, 5, 4), 1),
    ("FREQ=MINUTELY;BYMINUTE=0;BYHOUR=3", "UTC", Z(2026, 5, 5, 4), 1),
    (f"FREQ=DAILY;BYHOUR={HOURS};BYMINUTE={MINUTES}", "UTC", Z(2026, 5, 5, 23, 58), 100),
    (f"FREQ=HOURLY;BYMINUTE={MINUTES};BYSECOND={MINUTES}", "UTC", Z(2026, 5, 5, 3, 59), 100),
    (f"FREQ=HOURLY;BYDAY=MO;BYMINUTE={MINUTES};BYSECOND=0,30", "UTC", Z(2026, 5, 5, 3, 59), 10),
    ("FREQ=YEARLY;BYWEEKNO=1,10,20,30,40,50;BYDAY=MO", "UTC", Z(2026, 5, 1), 50),
    ("FREQ=YEARLY;BYSETPOS=1,-1,5,100,200,300;BYDAY=MO,TU,WE,TH,FR", "UTC", Z(2026, 5, 1), 50),
    ("FREQ=MONTHLY;BYDAY=1MO,-1FR,3WE;BYHOUR=9,17", "America/New_York", Z(2026, 5, 1), 50),
    ("FREQ=YEARLY;BYYEARDAY=1,100,200,366", "UTC", Z(2026, 5, 1), 20),
    ("FREQ=YEARLY;BYYEARDAY=" + ",".join(map(str, range(-200, 0))), "UTC", Z(2026, 1, 1), 1),
    (f"FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR,SA,SU;BYHOUR={HOURS};BYMINUTE=0,30", "UTC", Z(2026, 5, 31, 20), 100),
]


def measure(rule: str, tz: str, after: datetime, n: int) -> tuple[int, float]:
    spec = ScheduleSpec("rrule", tz, rrule=rule, start_at=Z(2026, 1, 1))
    info = timing_rrule.rule_info(rule, tz)

    def run() -> int:
        budget = timing_rrule.Budget(10**12, info.jstep)
        for _ in itertools.islice(timing_rrule.rrule_instants(spec, floor_ts(after), budget), n):
            pass
        return 10**12 - budget.left

    ticks, calls, t0 = run(), 0, time.process_time()
    while time.process_time() - t0 < 0.3:
        run()
        calls += 1
    return ticks, (time.process_time() - t0) / calls * 1e6


def main() -> None:
    rows = []
    for rule, tz, after, n in CASES:
        ticks, micros = measure(rule, tz, after, n)
        estimate = timing_rrule.rule_info(rule, tz).estimate
        rows.append((micros / ticks * 10, ticks, micros, estimate, f"{rule[:64]} {tz} n={n}"))
    print(f"{'x0.1us/tick':>11} {'ticks':>9} {'us':>9} {'est':>9}  rule")
    for ratio, ticks, micros, estimate, label in sorted(rows):
        print(f"{ratio:11.2f} {ticks:9d} {micros:9.0f} {estimate:9d}  {label}")


if __name__ == "__main__":
    main()
