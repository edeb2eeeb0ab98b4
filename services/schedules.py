"""ScheduleService: the schedule API's logic (validation, reads, previews) over the schedule state machine.

Every change runs in one transaction under the schedule's row lock (services.schedule_state), with its audit
event (services.audit); what a change fires is handed to this process's scheduler after the commit. The service
holds the process's SchedulerRuntime (and through it the APScheduler AsyncIOScheduler); the container builds
and starts it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from services import audit, schedule_state
from services.auth import Principal
from services.dal import AsyncDAL
from services.errors import NotFound, ValidationFailed
from services.events import check_event_filter
from services.firing import Owner
from services.pagination import Order, decode_cursor, keyset, like_prefix, page
from services.schedule_state import CONFIG_FIELDS, Fired
from services.schemas import ScheduleConfig, ScheduleCreate, SchedulePatch, ScheduleReplace
from services.timing import ScheduleSpec, TimingError, describe, next_fire_times, spec_from_row, to_local
from services.timing.rules import check_config, check_context
from services.workflows import insert_workflow, require_valid, workflow_not_found

if TYPE_CHECKING:
    from services.scheduler.runtime import SchedulerRuntime

_READ_SQL = """
SELECT s.*, e.status AS last_status
FROM workflow_schedules s
LEFT JOIN workflow_executions e ON e.execution_id = s.last_execution_id AND e.scheduled_for = s.last_scheduled_for
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


def schedule_out(row: asyncpg.Record | dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["is_active"] = out["status"] == "active"
    try:
        out["description"] = describe(spec_from_row(row))
    except TimingError as exc:  # stored before a check that now refuses it: still listable, and fixable
        out["description"] = f"(cannot be described: {exc.message})"
    return out


def preview_runs(spec: ScheduleSpec, after: datetime, count: int) -> dict[str, Any]:
    """The preview endpoints' body; a spec whose timing cannot be evaluated is a 400, as at create."""
    try:
        runs = [{"utc": t, "local": to_local(t, spec.timezone)} for t in next_fire_times(spec, after, count)]
        return {"next_runs": runs, "description": describe(spec)}
    except TimingError as exc:
        raise schedule_state.timing_failed(exc) from None


class ScheduleService:
    def __init__(self, dal: AsyncDAL, *, catchup_after: float = 5.0,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.catchup_after = catchup_after
        self.clock = clock
        self.scheduler: SchedulerRuntime | None = None  # set by the container once this process runs one

    @property
    def scheduler_running(self) -> bool:
        return self.scheduler is not None and self.scheduler.started and not self.scheduler.stopping

    def _owner(self) -> Owner | None:
        return self.scheduler.owner() if self.scheduler is not None else None

    def _deliver(self, fired: Fired) -> None:
        if self.scheduler is not None:
            self.scheduler.deliver(fired)

    # --- reads ---------------------------------------------------------------------------------------------
    async def _read(self, conn: asyncpg.Connection | AsyncDAL, community_id: int,
                    schedule_id: UUID) -> asyncpg.Record:
        row = await conn.fetchrow(_READ_SQL + " WHERE s.schedule_id = $1 AND s.community_id = $2",
                                  schedule_id, community_id)
        if row is None:
            raise NotFound(f"schedule {schedule_id} not found", code="schedule_not_found")
        return row

    async def get_row(self, principal: Principal, schedule_id: UUID) -> asyncpg.Record:
        return await self._read(self.dal, principal.community_id, schedule_id)

    async def _workflow_exists(self, conn: asyncpg.Connection, principal: Principal, workflow_id: UUID) -> None:
        found = await conn.fetchval(
            "SELECT 1 FROM workflows WHERE workflow_id = $1 AND community_id = $2", workflow_id, principal.community_id
        )
        if not found:
            raise workflow_not_found(workflow_id)

    async def list(self, principal: Principal, *, workflow_id: UUID | None, status: str | None,
                   schedule_type: str | None, limit: int, cursor: str | None, order: Order = "asc",
                   created_by: str | None = None, name: str | None = None) -> tuple[list, str | None]:
        after, order_by = keyset("s.seq", "$5", order)
        rows = await self.dal.fetch(
            _READ_SQL + " WHERE s.community_id = $1"
            " AND ($2::uuid IS NULL OR s.workflow_id = $2) AND ($3::text IS NULL OR s.status = $3)"
            f" AND ($4::text IS NULL OR s.schedule_type = $4) AND {after}"
            " AND ($7::text IS NULL OR s.created_by = $7) AND ($8::text IS NULL OR s.name LIKE $8)"
            f" ORDER BY {order_by} LIMIT $6",
            principal.community_id, workflow_id, status, schedule_type, decode_cursor(cursor, order), limit + 1,
            created_by, like_prefix(name) if name else None,
        )
        return page(list(rows), limit, order)

    async def list_for_workflow(self, principal: Principal, workflow_id: UUID) -> list[asyncpg.Record]:
        async with self.dal.connection() as conn:
            await self._workflow_exists(conn, principal, workflow_id)
            return await conn.fetch(_READ_SQL + " WHERE s.workflow_id = $1 AND s.community_id = $2 ORDER BY s.seq",
                                    workflow_id, principal.community_id)

    @staticmethod
    def preview(cfg: ScheduleConfig, after: datetime | None, count: int, now: datetime | None = None) -> dict:
        now = now or utcnow()
        spec = check_config(cfg, now, now)
        check_event_filter(cfg.event_filter)
        return preview_runs(spec, after or now, count)

    async def next_runs(self, principal: Principal, schedule_id: UUID, count: int,
                        after: datetime | None) -> dict[str, Any]:
        return preview_runs(spec_from_row(await self.get_row(principal, schedule_id)), after or self.clock(), count)

    # --- writes --------------------------------------------------------------------------------------------
    async def create(self, principal: Principal, body: ScheduleCreate) -> asyncpg.Record:
        """With `workflow` instead of `workflow_id`, the workflow is created in the same transaction: both or
        neither."""
        if (body.workflow_id is None) == (body.workflow is None):
            raise ValidationFailed("workflow_id", "give exactly one of 'workflow_id' or 'workflow'",
                                   code="invalid_workflow_choice")
        now = self.clock()
        cfg = body.schedule_config
        spec = check_config(cfg, now, now)  # validation runs before any write
        check_event_filter(cfg.event_filter)
        context = check_context(body.context_data)
        if body.workflow is not None:
            require_valid(body.workflow.definition)
        async with self.dal.transaction() as conn:
            if body.workflow is not None:
                workflow_id = (await insert_workflow(conn, principal, body.workflow))["workflow_id"]
            else:
                workflow_id = body.workflow_id
            out = await schedule_state.create(
                conn, schedule_id=uuid4(), workflow_id=workflow_id, community_id=principal.community_id,
                name=body.name, config=cfg.model_dump(), anchor=spec.anchor, context=context,
                user_id=principal.user_id, now=now)
            if out is None:
                raise workflow_not_found(workflow_id)
            await audit.record(conn, principal, "schedule.create", "schedule", out["schedule_id"], None, out, at=now)
            return out

    async def replace(self, principal: Principal, schedule_id: UUID, body: ScheduleReplace,
                      if_match: int | None) -> asyncpg.Record:
        return await self._update(principal, schedule_id, if_match, lambda _row: (
            body.schedule_config, body.name, body.context_data, body.workflow_id))

    async def patch(self, principal: Principal, schedule_id: UUID, body: SchedulePatch,
                    if_match: int | None) -> asyncpg.Record:
        def merge(row: asyncpg.Record) -> tuple[ScheduleConfig, str | None, dict | None, UUID | None]:
            merged = {f: row[f] for f in CONFIG_FIELDS}
            if body.schedule_config is not None:
                changes = body.schedule_config.model_dump(exclude_unset=True)
                if "schedule_type" in changes and changes["schedule_type"] != row["schedule_type"]:
                    # A new type replaces the old type's timing field instead of failing on it.
                    for field in ("cron_expression", "interval_seconds", "scheduled_time", "rrule", "event_type",
                                  "event_filter"):
                        merged[field] = None
                merged.update(changes)
            try:
                cfg = ScheduleConfig.model_validate(merged)
            except ValueError as exc:
                raise ValidationFailed("schedule_config", str(exc).splitlines()[0]) from None
            name = body.name if "name" in body.model_fields_set else row["name"]
            return cfg, name, body.context_data, None

        return await self._update(principal, schedule_id, if_match, merge)

    async def _update(self, principal: Principal, schedule_id: UUID, if_match: int | None,
                      changes: Callable[[asyncpg.Record], tuple]) -> asyncpg.Record:
        now = self.clock()
        async with self.dal.transaction() as conn:
            row = await schedule_state.lock(conn, principal.community_id, schedule_id)
            schedule_state.check_version(row, if_match)
            schedule_state.check_allowed(row, "update")
            cfg, name, context, workflow_id = changes(row)
            config = cfg.model_dump()
            anchor = cfg.start_at or row["anchor_at"]
            if schedule_state.timing_changed(row, config, anchor):
                check_config(cfg, anchor, now)  # metadata-only changes never re-validate timing
                check_event_filter(cfg.event_filter)
            context = check_context(context) if context is not None else row["context_data"]
            if workflow_id is not None and workflow_id != row["workflow_id"]:
                await self._workflow_exists(conn, principal, workflow_id)
            updated, fired = await schedule_state.update(
                conn, row, name=name, config=config, anchor=anchor, context=context,
                workflow_id=workflow_id or row["workflow_id"], user_id=principal.user_id, now=now,
                owner=self._owner(), catchup_after=self.catchup_after)
            out = await self._read(conn, principal.community_id, schedule_id)
            await audit.record(conn, principal, "schedule.update", "schedule", schedule_id, row, out, at=now)
        self._deliver(fired)
        return out

    async def delete(self, principal: Principal, schedule_id: UUID, if_match: int | None = None) -> None:
        async with self.dal.transaction() as conn:
            row = await schedule_state.lock(conn, principal.community_id, schedule_id)
            schedule_state.check_version(row, if_match)
            before = await self._read(conn, principal.community_id, schedule_id)
            now = self.clock()
            await schedule_state.delete(conn, row, now)
            await audit.record(conn, principal, "schedule.delete", "schedule", schedule_id, before, None, at=now)

    async def _lifecycle(self, principal: Principal, schedule_id: UUID, if_match: int | None, name: str,
                         action: Callable[..., Any]) -> asyncpg.Record:
        async with self.dal.transaction() as conn:
            row = await schedule_state.lock(conn, principal.community_id, schedule_id)
            schedule_state.check_version(row, if_match)
            result = await action(conn, row)
            fired = result[1] if isinstance(result, tuple) else Fired()
            out = await self._read(conn, principal.community_id, schedule_id)
            await audit.record(conn, principal, f"schedule.{name}", "schedule", schedule_id, row, out)
        self._deliver(fired)
        return out

    async def pause(self, principal: Principal, schedule_id: UUID, note: str | None,
                    if_match: int | None = None) -> asyncpg.Record:
        return await self._lifecycle(principal, schedule_id, if_match, "pause", lambda c, r: schedule_state.pause(
            c, r, note=note, user_id=principal.user_id, now=self.clock(), owner=self._owner(),
            catchup_after=self.catchup_after))

    async def resume(self, principal: Principal, schedule_id: UUID, if_match: int | None = None) -> asyncpg.Record:
        return await self._lifecycle(principal, schedule_id, if_match, "resume", lambda conn, row:
                                     schedule_state.resume(conn, row, user_id=principal.user_id, now=self.clock()))

    async def snooze(self, principal: Principal, schedule_id: UUID, until: datetime,
                     if_match: int | None = None) -> asyncpg.Record:
        return await self._lifecycle(principal, schedule_id, if_match, "snooze", lambda c, r: schedule_state.snooze(
            c, r, until=until, user_id=principal.user_id, now=self.clock(), owner=self._owner(),
            catchup_after=self.catchup_after))

    async def cancel(self, principal: Principal, schedule_id: UUID, if_match: int | None = None) -> asyncpg.Record:
        return await self._lifecycle(principal, schedule_id, if_match, "cancel", lambda c, r: schedule_state.cancel(
            c, r, user_id=principal.user_id, now=self.clock(), owner=self._owner(),
            catchup_after=self.catchup_after))

    async def run_now(self, principal: Principal, schedule_id: UUID, force: bool,
                      if_match: int | None = None) -> tuple[UUID, str]:
        async with self.dal.transaction() as conn:
            row = await schedule_state.lock(conn, principal.community_id, schedule_id)
            schedule_state.check_version(row, if_match)
            now = self.clock()
            execution_id, status, fired = await schedule_state.manual_fire(
                conn, row, now, self._owner(), force=force, catchup_after=self.catchup_after)
            await audit.record(conn, principal, "schedule.run_now", "schedule", schedule_id, None,
                               {"execution_id": execution_id, "status": status, "force": force}, at=now)
        self._deliver(fired)
        return execution_id, status
