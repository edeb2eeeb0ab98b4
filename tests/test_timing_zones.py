"""UTC-offset transitions found by probing zoneinfo, checked against the TZif data itself, and the cron
search's shortcuts (skipping ahead to a far match, not probing last year) checked against the long way."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest

from services.timing import cron as timing_cron
from services.timing.base import floor_ts
from services.timing.zones import PROBE_STEP, year_transitions
from tests.timing_helpers import Z

pure = pytest.importorskip("zoneinfo._zoneinfo")  # the pure-Python reader exposes the transition table


def table(name: str) -> list[tuple[int, int, int]]:
    """(instant, offset before, offset after) of every UTC-offset change in the zone's TZif table.

    The table ends where the zone's rule becomes regular; zoneinfo computes later years from a TZ string.
    """
    zone = pure.ZoneInfo.no_cache(name)
    out = []
    for i, instant in enumerate(zone._trans_utc):
        before = zone._ttinfos[i - 1].utcoff if i else zone._tti_before.utcoff
        after = zone._ttinfos[i].utcoff
        if before != after:
            out.append((instant, int(before.total_seconds()), int(after.total_seconds())))
    return out


def test_installed_tzdata_has_no_offset_change_that_probing_would_miss() -> None:
    # Two changes closer than PROBE_STEP that cancel out would be invisible to year_transitions.
    closest = None
    for name in zoneinfo.available_timezones():
        changes = table(name)
        for (t1, before, _), (t2, _, after) in zip(changes, changes[1:], strict=False):
            if before == after and (closest is None or t2 - t1 < closest[0]):
                closest = (t2 - t1, name, datetime.fromtimestamp(t1, UTC))
    assert closest is None or closest[0] >= PROBE_STEP, closest


@pytest.mark.parametrize("name", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Gaza",
                                  "Africa/Casablanca", "Pacific/Apia", "Antarctica/Troll", "Europe/Dublin",
                                  "America/Santiago", "Asia/Tehran"])
def test_probed_transitions_match_the_tzif_table(name: str) -> None:
    expected = table(name)
    table_end = pure.ZoneInfo.no_cache(name)._trans_utc[-1]
    years = [y for y in range(1950, 2090, 3) if floor_ts(datetime(y + 1, 1, 1, tzinfo=UTC)) <= table_end]
    assert years, name
    for year in years:
        lo, hi = floor_ts(datetime(year, 1, 1, tzinfo=UTC)), floor_ts(datetime(year + 1, 1, 1, tzinfo=UTC))
        want = [t for t in expected if lo <= t[0] < hi]
        assert list(year_transitions(name, year)[1]) == want, (name, year)


SPARSE = [
    "0 0 29 2 *",  # every four (or eight) years
    "0 0 * 2 1#5",  # up to 40 years apart
    "30 1 * 11 0#1",  # New York's fall-back Sunday, fixed time
    "*/30 1 * 11 0#1",  # ... and wildcard: both passes
    "30 2 * 3 0#2",  # New York's spring-forward Sunday
    "15 2 LW 3,10 *",
    "* 2 29 2 *",
    "0 3 * 10 0L",  # Berlin's fall-back Sunday
    "59 23 31 12 *",
    "0 0 1 1 *",
]


@pytest.mark.parametrize("tz_name", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Gaza",
                                     "Pacific/Apia", "America/Santiago"])
@pytest.mark.parametrize("expr", SPARSE)
def test_skipping_ahead_changes_no_fire(monkeypatch, tz_name: str, expr: str) -> None:
    c = timing_cron.parse_cron(expr)
    afters = [floor_ts(Z(2010, 1, 1) + k * timedelta(days=41, hours=7, minutes=13)) for k in range(360)]

    def chain(start: int, n: int) -> list[int]:
        out, ts = [], start
        for _ in range(n):
            nxt = timing_cron.cron_next_ts(c, tz_name, ts)
            if nxt is None:
                break
            out.append(nxt)
            ts = nxt
        return out

    fast = [timing_cron.cron_next_ts(c, tz_name, a) for a in afters] + chain(afters[0], 40)
    monkeypatch.setattr(timing_cron, "_SKIP_AHEAD", 10**12)  # the long way: every transition in between
    slow = [timing_cron.cron_next_ts(c, tz_name, a) for a in afters] + chain(afters[0], 40)
    assert fast == slow
