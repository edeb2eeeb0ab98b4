"""ScheduleService: the schedule API's logic (validation, CRUD, previews) and the owner of the scheduler."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from services.firing import QUEUE_CHANNEL, manual_fire
from services.pagination import decode_cursor, page
from services.schemas import ScheduleConfig, ScheduleCreate, SchedulePatch, ScheduleReplace
from services.timing import (
    ScheduleSpec,
    TimingError,
    describe,
    due_at,
    first_fire,
    next_fire_time,
    next_fire_times,
    spec_from_row,
    to_local,
)
from services.timing.rules import check_config, check_context

if TYPE_CHECKING:
    from config import Settings
    from services.engine import WorkflowEngine
    from services.runner import ExecutionRunner
    from services.scheduler import SchedulerRuntime

CHANGES_CHANNEL = "chime_schedule_changes"
CONFIG_COLUMNS = ("schedule_type", "cron_expression", "interval_seconds", "scheduled_time", "rrule", "timezone",
                  "start_at", "end_at", "max_executions", "jitter_seconds", "grace_period_seconds", "overlap_policy")


def utcnow() -> datetime:
    return datetime.now(UTC)


def schedule_out(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    try:
        out["description"] = describe(spec_from_row(row))
    except TimingError as exc:  # stored before a check that now refuses it: still listable, and fixable
        out["description"] = f"(cannot be described: {exc.message})"
    return out


def timing_failed(exc: TimingError) -> ValidationFailed:
    return ValidationFailed(f"schedule_config.{exc.field}", exc.message.removeprefix(f"{exc.field}: "), code=exc.code)


def preview_runs(spec: ScheduleSpec, after: datetime, count: int) -> dict[str, Any]:
    """The preview endpoints' body; a spec whose timing cannot be evaluated is a 400, as at create."""
    try:
        runs = [{"utc": t, "local": to_local(t, spec.timezone)} for t in next_fire_times(spec, after, count)]
        return {"next_runs": runs, "description": describe(spec)}
    except TimingError as exc:
        raise timing_failed(exc) from None


def config_of(row: asyncpg.Record) -> dict[str, Any]:
    return {c: row[c] for c in CONFIG_COLUMNS}


async def notify_change(conn: asyncpg.Connection, schedule_id: UUID, due: datetime | None = None) -> None:
    # Delivered at commit to every process LISTENing; the due instant lets each add a wake-up without a query.
    payload = f"{schedule_id} {due.timestamp()}" if due is not None else str(schedule_id)
    await conn.execute("SELECT pg_notify($1, $2)", CHANGES_CHANNEL, payload)


class ScheduleService:
    """Owns this process's scheduler (an APScheduler AsyncIOScheduler inside SchedulerRuntime), which
    dispatches claimed fires to the WorkflowEngine through the ExecutionRunner."""

    def __init__(self, dal: AsyncDAL) -> None:
        self.dal = dal
        self.runner: ExecutionRunner | None = None
        self.runtime: SchedulerRuntime | None = None

    async def start_scheduler(self, settings: Settings, instance_id: str, engine: WorkflowEngine) -> ExecutionRunner:
        from services.exec_writer import ExecutionWriter
        from services.runner import ExecutionRunner
        from services.scheduler import SchedulerRuntime

        writer = ExecutionWriter(self.dal)
        writer.start()
        runner = ExecutionRunner(self.dal, writer, engine, instance_id, settings.max_concurrent_workflows)
        runtime = SchedulerRuntime(self.dal, settings, instance_id, runner, writer)
        await runtime.start()
        self.runner, self.runtime = runner, runtime
        return runner

    async def stop_scheduler(self, grace: float) -> None:
        if self.runtime is not None:
            await self.runtime.stop(grace)

    @property
    def scheduler_running(self) -> bool:
        return self.runtime is not None and self.runtime.started and not self.runtime.stopping

    async def _workflow_exists(self, conn: asyncpg.Connection, principal: Principal, workflow_id: UUID) -> None:
        found = await conn.fetchval(
            "SELECT 1 FROM workflows WHERE workflow_id = $1 AND community_id = $2", workflow_id, principal.community_id
        )
        if not found:
            raise NotFound(f"workflow {workflow_id} not found", code="workflow_not_found")

    async def get_row(self, principal: Principal, schedule_id: UUID) -> asyncpg.Record:
        row = await self.dal.fetchrow(
            "SELECT * FROM workflow_schedules WHERE schedule_id = $1 AND community_id = $2",
            schedule_id, principal.community_id,
        )
        if row is None:
            raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
        return row

    async def create(self, principal: Principal, body: ScheduleCreate) -> asyncpg.Record:
        now = utcnow()
        cfg = body.schedule_config
        spec = check_config(cfg, now, now)
        context = check_context(body.context_data)
        schedule_id = uuid4()
        nxt = first_fire(spec, now)
        async with self.dal.transaction() as conn:
            await self._workflow_exists(conn, principal, body.workflow_id)
            row = await conn.fetchrow(
                "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, name, schedule_type,"
                " cron_expression, interval_seconds, scheduled_time, rrule, timezone, start_at, end_at, anchor_at,"
                " max_executions, jitter_seconds, grace_period_seconds, overlap_policy, context_data,"
                " next_execution_at, next_due_at, created_by, updated_by, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,"
                " $21, $21, $22, $22) RETURNING *",
                schedule_id, body.workflow_id, principal.community_id, body.name, cfg.schedule_type,
                cfg.cron_expression, cfg.interval_seconds, cfg.scheduled_time, cfg.rrule, cfg.timezone,
                cfg.start_at, cfg.end_at, spec.anchor, cfg.max_executions, cfg.jitter_seconds,
                cfg.grace_period_seconds, cfg.overlap_policy, context, nxt,
                due_at(schedule_id, nxt, cfg.jitter_seconds), principal.user_id, now,
            )
            await notify_change(conn, schedule_id, row["next_due_at"])
        return row

    async def list(self, principal: Principal, *, workflow_id: UUID | None, status: str | None,
                   schedule_type: str | None, limit: int, cursor: str | None) -> tuple[list, str | None]:
        after = decode_cursor(cursor)
        rows = await self.dal.fetch(
            "SELECT * FROM workflow_schedules WHERE community_id = $1"
            " AND ($2::uuid IS NULL OR workflow_id = $2) AND ($3::text IS NULL OR status = $3)"
            " AND ($4::text IS NULL OR schedule_type = $4)"
            " AND ($5::timestamptz IS NULL OR (created_at, schedule_id) > ($5, $6))"
            " ORDER BY created_at, schedule_id LIMIT $7",
            principal.community_id, workflow_id, status, schedule_type, after and after[0], after and after[1],
            limit + 1,
        )
        return page(list(rows), limit, "schedule_id")

    async def list_for_workflow(self, principal: Principal, workflow_id: UUID) -> list[asyncpg.Record]:
        async with self.dal.connection() as conn:
            await self._workflow_exists(conn, principal, workflow_id)
            return await conn.fetch(
                "SELECT * FROM workflow_schedules WHERE workflow_id = $1 AND community_id = $2"
                " ORDER BY created_at, schedule_id",
                workflow_id, principal.community_id,
            )

    async def replace(self, principal: Principal, schedule_id: UUID, body: ScheduleReplace,
                      if_match: int | None) -> asyncpg.Record:
        current = await self.get_row(principal, schedule_id)
        context = check_context(body.context_data) if body.context_data is not None else current["context_data"]
        return await self._update(principal, current, body.schedule_config, body.name, context, if_match,
                                  body.workflow_id)

    async def patch(self, principal: Principal, schedule_id: UUID, body: SchedulePatch,
                    if_match: int | None) -> asyncpg.Record:
        current = await self.get_row(principal, schedule_id)
        merged = config_of(current)
        if body.schedule_config is not None:
            changes = body.schedule_config.model_dump(exclude_unset=True)
            if "schedule_type" in changes and changes["schedule_type"] != current["schedule_type"]:
                # A new type replaces the old type's timing field instead of failing on it.
                for field in ("cron_expression", "interval_seconds", "scheduled_time", "rrule"):
                    merged[field] = None
            merged.update(changes)
        try:
            cfg = ScheduleConfig.model_validate(merged)
        except ValueError as exc:
            raise ValidationFailed("schedule_config", str(exc).splitlines()[0]) from None
        context = check_context(body.context_data) if body.context_data is not None else current["context_data"]
        name = body.name if "name" in body.model_fields_set else current["name"]
        return await self._update(principal, current, cfg, name, context, if_match, None)

    async def _update(self, principal: Principal, current: asyncpg.Record, cfg: ScheduleConfig, name: str | None,
                      context: dict[str, Any], if_match: int | None, workflow_id: UUID | None) -> asyncpg.Record:
        now = utcnow()
        schedule_id = current["schedule_id"]
        if if_match is not None and if_match != current["version"]:
            raise PreconditionFailed(f"schedule {schedule_id} is at version {current['version']}, not {if_match}")
        anchor = cfg.start_at or current["anchor_at"]
        spec = check_config(cfg, anchor, now)
        nxt = first_fire(spec, now)
        async with self.dal.transaction() as conn:
            if workflow_id is not None and workflow_id != current["workflow_id"]:
                await self._workflow_exists(conn, principal, workflow_id)
            row = await conn.fetchrow(
                "UPDATE workflow_schedules SET name = $3, schedule_type = $4, cron_expression = $5,"
                " interval_seconds = $6, scheduled_time = $7, rrule = $8, timezone = $9, start_at = $10,"
                " end_at = $11, anchor_at = $12, max_executions = $13, jitter_seconds = $14,"
                " grace_period_seconds = $15, overlap_policy = $16, context_data = $17, next_execution_at = $18,"
                " next_due_at = $19, updated_by = $20, workflow_id = COALESCE($21, workflow_id),"
                " status = CASE WHEN status = 'completed' THEN 'active' ELSE status END,"
                " is_active = CASE WHEN status IN ('completed', 'active') THEN true ELSE is_active END,"
                " version = version + 1, updated_at = $22"
                " WHERE schedule_id = $1 AND community_id = $2 AND version = $23 AND status <> 'cancelled'"
                " RETURNING *",
                schedule_id, principal.community_id, name, cfg.schedule_type, cfg.cron_expression,
                cfg.interval_seconds, cfg.scheduled_time, cfg.rrule, cfg.timezone, cfg.start_at, cfg.end_at,
                anchor, cfg.max_executions, cfg.jitter_seconds, cfg.grace_period_seconds, cfg.overlap_policy,
                context, nxt, due_at(schedule_id, nxt, cfg.jitter_seconds), principal.user_id, workflow_id, now,
                current["version"],
            )
            if row is None:
                fresh = await conn.fetchrow("SELECT status, version FROM workflow_schedules WHERE schedule_id = $1",
                                            schedule_id)
                if fresh is None:
                    raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
                if fresh["status"] == "cancelled":
                    raise PreconditionFailed(f"schedule {schedule_id} is cancelled", code="schedule_cancelled")
                raise PreconditionFailed(f"schedule {schedule_id} changed concurrently (now {fresh['version']})")
            await notify_change(conn, schedule_id, row["next_due_at"])
        return row

    async def delete(self, principal: Principal, schedule_id: UUID) -> None:
        async with self.dal.transaction() as conn:
            deleted = await conn.fetchval(
                "DELETE FROM workflow_schedules WHERE schedule_id = $1 AND community_id = $2 RETURNING schedule_id",
                schedule_id, principal.community_id,
            )
            if deleted is None:
                raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")

    @staticmethod
    def preview(cfg: ScheduleConfig, after: datetime | None, count: int) -> dict[str, Any]:
        now = utcnow()
        return preview_runs(check_config(cfg, now, now), after or now, count)

    async def next_runs(self, principal: Principal, schedule_id: UUID, count: int,
                        after: datetime | None) -> dict[str, Any]:
        return preview_runs(spec_from_row(await self.get_row(principal, schedule_id)), after or utcnow(), count)

    # --- lifecycle: each change is committed with a NOTIFY, so every process sees it within a second ------
    async def _transition(self, principal: Principal, schedule_id: UUID, allowed: tuple[str, ...], action: str,
                          sql_set: str, *args: Any) -> asyncpg.Record:
        async with self.dal.transaction() as conn:
            row = await conn.fetchrow(
                "SELECT * FROM workflow_schedules WHERE schedule_id = $1 AND community_id = $2 FOR UPDATE",
                schedule_id, principal.community_id,
            )
            if row is None:
                raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
            if row["status"] not in allowed:
                raise Conflict(f"cannot {action} a schedule that is {row['status']}", code="invalid_state")
            values = await self._lifecycle_values(row, action, *args)
            updated = await conn.fetchrow(
                f"UPDATE workflow_schedules SET {sql_set}, updated_by = $2, updated_at = now(), version = version + 1"
                " WHERE schedule_id = $1 RETURNING *",
                schedule_id, principal.user_id, *values,
            )
            await notify_change(conn, schedule_id, updated["next_due_at"])
        return updated

    async def _lifecycle_values(self, row: asyncpg.Record, action: str, *args: Any) -> tuple[Any, ...]:
        now = utcnow()
        if action == "pause":
            return (args[0],)
        if action == "cancel":
            return ()
        spec = spec_from_row(row)
        # resume: next fire from now, no burst of catch-ups; snooze: first fire at or after `until`.
        after = now if action == "resume" else max(args[0], now) - timedelta(microseconds=1)
        try:
            nxt = next_fire_time(spec, after)
        except TimingError as exc:
            raise timing_failed(exc) from None
        base = (nxt, due_at(row["schedule_id"], nxt, row["jitter_seconds"]), "active" if nxt else "completed")
        return base if action == "resume" else (*base, args[0])

    async def pause(self, principal: Principal, schedule_id: UUID, note: str | None) -> asyncpg.Record:
        return await self._transition(
            principal, schedule_id, ("active", "paused"), "pause",
            "status = 'paused', is_active = false, paused_note = $3, paused_by = $2, paused_at = now()", note)

    async def resume(self, principal: Principal, schedule_id: UUID) -> asyncpg.Record:
        return await self._transition(
            principal, schedule_id, ("paused", "active"), "resume",
            "status = $5, is_active = ($5 = 'active'), next_execution_at = $3, next_due_at = $4,"
            " paused_note = NULL, paused_by = NULL, paused_at = NULL, snoozed_until = NULL")

    async def snooze(self, principal: Principal, schedule_id: UUID, until: datetime) -> asyncpg.Record:
        return await self._transition(
            principal, schedule_id, ("active", "paused"), "snooze",
            "next_execution_at = $3, next_due_at = $4,"
            " status = CASE WHEN status = 'paused' THEN 'paused' ELSE $5 END, snoozed_until = $6,"
            " is_active = (CASE WHEN status = 'paused' THEN 'paused' ELSE $5 END) = 'active'", until)

    async def cancel(self, principal: Principal, schedule_id: UUID) -> asyncpg.Record:
        return await self._transition(
            principal, schedule_id, ("active", "paused", "completed"), "cancel",
            "status = 'cancelled', is_active = false, next_execution_at = NULL, next_due_at = NULL")

    async def run_now(self, principal: Principal, schedule_id: UUID, force: bool) -> tuple[UUID, str]:
        if self.runner is None:
            raise Conflict("this process is not running a scheduler", code="scheduler_unavailable")
        async with self.dal.transaction() as conn:
            fired = await manual_fire(conn, schedule_id, principal.community_id, now=utcnow(),
                                      instance_id=self.runner.instance_id, force=force)
            if fired is None:
                raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
            if fired[1] == "pending" and fired[2] is None:  # buffered: whoever sees the running one end starts it
                await conn.execute("SELECT pg_notify($1, '')", QUEUE_CHANNEL)
        execution_id, state, dispatch, cancel = fired
        for eid in cancel:
            self.runner.cancel(eid)
        if dispatch is not None:
            self.runner.submit(dispatch)
        return execution_id, state
