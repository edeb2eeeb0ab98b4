"""Backfill: run the fires a schedule would have run in a past range [start, end), each at most once.

Fires come from the timing door (`services.timing.next_fire_times` over the schedule's own spec), at their
nominal instants, so a backfill fire has the same fire key `(schedule_id, scheduled_for)` as the claim's row
for that instant: a fire that already has an execution (run, missed, skipped, an earlier backfill) is left
alone, and two backfills of one range create each fire once. Rows are queued (trigger `backfill`, unowned,
`run_after` spaced by BACKFILL_RATE_PER_SECOND) and started by any worker's queue taker; they are background
work: they neither block nor cancel on-time runs (services.firing.Live) and start only while no run of the
schedule is live. They do not count toward max_executions (history, not the cadence) and leave the schedule's
state (next fire, counters, last_*) untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from services import audit, firing, notify, schedule_state
from services.approvals import tokens
from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import Conflict, ValidationFailed
from services.timing import TimingError, next_fire_times, spec_from_row

MAX_FIRES = 1000


def utcnow() -> datetime:
    return datetime.now(UTC)


class BackfillService:
    def __init__(self, dal: AsyncDAL, *, rate_per_second: float, clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.spacing = timedelta(seconds=1 / rate_per_second)
        self.rate = rate_per_second
        self.clock = clock

    async def backfill(self, principal: Principal, schedule_id: UUID, start: datetime, end: datetime,
                       dry_run: bool) -> dict[str, Any]:
        now = self.clock()
        if end <= start:
            raise ValidationFailed("end", "must be after start", code="invalid_range")
        if end > now:
            raise ValidationFailed("end", "must not be in the future: the schedule's cadence runs future fires",
                                   code="backfill_in_future")
        async with self.dal.transaction() as conn:
            row = await schedule_state.lock(conn, principal.community_id, schedule_id)
            schedule_state.check_allowed(row, "backfill")
            if row["workflow_status"] != "active":
                raise Conflict(f"workflow {row['workflow_id']} is {row['workflow_status']}", code="workflow_inactive")
            try:
                fires = [f for f in next_fire_times(spec_from_row(row), start - timedelta(microseconds=1),
                                                    MAX_FIRES + 1) if start <= f < end]
            except TimingError as exc:
                raise schedule_state.timing_failed(exc) from None
            truncated = len(fires) > MAX_FIRES
            next_start = fires[MAX_FIRES] if truncated else None
            fires = fires[:MAX_FIRES]
            existing = {r["scheduled_for"]: r["execution_id"] for r in await conn.fetch(
                "SELECT scheduled_for, execution_id FROM workflow_executions WHERE schedule_id = $1"
                " AND scheduled_for = ANY($2::timestamptz[]) AND trigger <> 'retry'", schedule_id, fires)}
            new = [f for f in fires if f not in existing]
            rows = [firing.plan_backfill(row, fire, now, now + i * self.spacing) for i, fire in enumerate(new)]
            created: set[UUID] = set()
            if not dry_run:
                created = await firing.insert(conn, rows)
                if any(r.status == "pending" and r.execution_id in created for r in rows):
                    await notify.queue_ready(conn)
                await tokens.issue_for_runs(conn, rows, created, now)
            planned = {r.scheduled_for: r for r in rows}
            out_fires = []
            for fire in fires:
                if fire in existing:
                    out_fires.append({"scheduled_for": fire, "execution_id": existing[fire], "status": "exists",
                                      "run_after": None})
                    continue
                ex = planned[fire]
                run_after = ex.run_after if ex.status == "pending" else None  # awaiting: decided by the approval
                if dry_run:
                    out_fires.append({"scheduled_for": fire, "execution_id": None, "status": "planned",
                                      "run_after": run_after})
                elif ex.execution_id in created:
                    out_fires.append({"scheduled_for": fire, "execution_id": ex.execution_id, "status": "created",
                                      "run_after": run_after})
                else:  # raced by a claim or another backfill since the read above: that one stands
                    out_fires.append({"scheduled_for": fire, "execution_id": None, "status": "exists",
                                      "run_after": None})
            counts = {k: sum(f["status"] == k for f in out_fires) for k in ("created", "exists", "planned")}
            result = {
                "schedule_id": schedule_id, "dry_run": dry_run, "start": start, "end": end, "fires": out_fires,
                "created": counts["created"], "existing": counts["exists"], "planned": counts["planned"],
                "truncated": truncated, "next_start": next_start, "rate_per_second": self.rate,
                "awaiting_approval": firing.gated(row) and not dry_run and counts["created"] > 0,
                "message": self._message(dry_run, counts, truncated),
            }
            if not dry_run:
                await audit.record(conn, principal, "schedule.backfill", "schedule", schedule_id, None, {
                    "start": start, "end": end, "created": counts["created"], "existing": counts["exists"],
                    "truncated": truncated}, at=now)
            return result

    @staticmethod
    def _message(dry_run: bool, counts: dict[str, int], truncated: bool) -> str:
        more = f"; more than {MAX_FIRES} fires in the range, continue from next_start" if truncated else ""
        if dry_run:
            return f"dry run: {counts['planned']} fires would run, {counts['exists']} already have an execution{more}"
        return f"queued {counts['created']} fires, {counts['exists']} already had an execution{more}"
