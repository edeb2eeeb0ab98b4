"""Previews across DST changes, through the API, against hand-computed instants (Debian cron rules)."""

from __future__ import annotations

from datetime import datetime

import pytest


def z(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


CASES = [
    # Europe/Berlin: 2026-03-29 02:00 CET -> 03:00 CEST; 2026-10-25 03:00 CEST -> 02:00 CET.
    ("Europe/Berlin", "30 2 * * *", "2026-03-27T12:00Z",
     ["2026-03-28T01:30Z", "2026-03-29T01:00Z", "2026-03-30T00:30Z"]),  # skipped 02:30 runs at 03:00 CEST
    ("Europe/Berlin", "30 2 * * *", "2026-10-23T12:00Z",
     ["2026-10-24T00:30Z", "2026-10-25T00:30Z", "2026-10-26T01:30Z"]),  # repeated 02:30 runs once, first one
    ("Europe/Berlin", "*/30 * * * *", "2026-10-24T23:59Z",
     ["2026-10-25T00:00Z", "2026-10-25T00:30Z", "2026-10-25T01:00Z", "2026-10-25T01:30Z", "2026-10-25T02:00Z"]),
    ("Europe/Berlin", "*/30 * * * *", "2026-03-28T23:59Z",
     ["2026-03-29T00:00Z", "2026-03-29T00:30Z", "2026-03-29T01:00Z", "2026-03-29T01:30Z"]),
    # America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT; 2026-11-01 02:00 EDT -> 01:00 EST.
    ("America/New_York", "30 2 * * *", "2026-03-07T00:00Z",
     ["2026-03-07T07:30Z", "2026-03-08T07:00Z", "2026-03-09T06:30Z"]),
    ("America/New_York", "30 1 * * *", "2026-10-31T00:00Z",
     ["2026-10-31T05:30Z", "2026-11-01T05:30Z", "2026-11-02T06:30Z"]),
    ("America/New_York", "*/30 * * * *", "2026-11-01T04:59Z",
     ["2026-11-01T05:00Z", "2026-11-01T05:30Z", "2026-11-01T06:00Z", "2026-11-01T06:30Z", "2026-11-01T07:00Z"]),
    ("America/New_York", "0 9 * * *", "2026-10-31T00:00Z",
     ["2026-10-31T13:00Z", "2026-11-01T14:00Z"]),  # wall time holds, UTC shifts by an hour
    # Australia/Lord_Howe: 2026-04-05 02:00 +11 -> 01:30 +10:30; 2026-10-04 02:00 +10:30 -> 02:30 +11.
    ("Australia/Lord_Howe", "45 1 * * *", "2026-04-03T00:00Z",
     ["2026-04-03T14:45Z", "2026-04-04T14:45Z", "2026-04-05T15:15Z"]),  # repeated 01:45 only once
    ("Australia/Lord_Howe", "15 2 * * *", "2026-10-02T00:00Z",
     ["2026-10-02T15:45Z", "2026-10-03T15:30Z", "2026-10-04T15:15Z"]),  # skipped 02:15 runs at 02:30 +11
    ("Australia/Lord_Howe", "*/15 * * * *", "2026-10-03T14:59Z",
     ["2026-10-03T15:00Z", "2026-10-03T15:15Z", "2026-10-03T15:30Z", "2026-10-03T15:45Z"]),
]


@pytest.mark.parametrize(("tz", "expr", "after", "expected"), CASES,
                         ids=[f"{c[0].split('/')[-1]}-{c[1]}-{c[2][:10]}" for c in CASES])
async def test_preview_across_dst(client, auth, tz, expr, after, expected) -> None:
    resp = await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": {"schedule_type": "cron", "cron_expression": expr, "timezone": tz},
        "after": after.replace("Z", ":00+00:00"), "count": len(expected)})
    body = await resp.get_json()
    assert resp.status_code == 200, body
    assert [z(r["utc"]) for r in body["next_runs"]] == [z(e.replace("Z", ":00Z")) for e in expected]
    for run in body["next_runs"]:
        local = datetime.fromisoformat(run["local"])
        assert local.utcoffset() is not None and local == z(run["utc"])


async def test_stored_schedule_uses_the_same_function(client, auth, workflow) -> None:
    config = {"schedule_type": "cron", "cron_expression": "30 2 * * *", "timezone": "America/New_York"}
    created = await (await client.post("/api/v1/schedules", headers=auth(), json={
        "workflow_id": workflow["workflow_id"], "schedule_config": config})).get_json()
    after = "2026-03-07T00:00:00+00:00"
    stored = await (await client.get(f"/api/v1/schedules/{created['schedule_id']}/next-runs?count=3&after={after}"
                                     .replace("+", "%2B"), headers=auth())).get_json()
    preview = await (await client.post("/api/v1/schedules/preview", headers=auth(), json={
        "schedule_config": config, "after": after, "count": 3})).get_json()
    assert stored["next_runs"] == preview["next_runs"]
    assert z(stored["next_runs"][1]["utc"]) == z("2026-03-08T07:00:00Z")
