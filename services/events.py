"""EventService: accepts events (POST /api/v1/events), fans each out to the matching event schedules, lists them.

One transaction per request (a batch included):
1. The events are inserted with `ON CONFLICT DO NOTHING`. The delivery key `(community_id, event_id)` decides
   which delivery is first: a concurrent duplicate waits on the first one's uncommitted key, then finds it and
   answers its stored result, starting nothing. `received_at` is distinct per community (`events_instant_key`);
   the rare collision of two different events on one instant is retried with another instant.
2. The community's event schedules answering the batch's types (exact or prefix `*`) are locked in schedule_id
   order (services.schedule_state owns them); each event's filter is evaluated (the engine's condition_if over
   `${event.*}`), and `schedule_state.event_fire` applies the gates and writes one execution per schedule and
   event through the fire module, with `scheduled_for = received_at`. So the executions' fire key
   `(schedule_id, scheduled_for)` is one row per (schedule, event) as well, independently of the events key.
3. Each event's answer is stored on its row (`result`) for duplicate deliveries; then commit, and the runs this
   process may start are handed to its runner.

Group commit: concurrent requests in one process are coalesced. A request queues its events and waits; up to
`PARALLEL` drains each take what is queued (whole requests, up to `MAX_EVENTS` events) into one transaction,
communities in ascending order (so two transactions always lock schedules in the same order). An idle process
starts a drain at once (no added latency); under load the queue fills while a transaction runs, so a transaction
carries many events and their round trips and commit are shared. Nothing is acknowledged before its commit; when
a shared transaction fails, each of its requests is tried again alone, so only a request that fails by itself
fails.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg

from services import schedule_state
from services.auth import Principal
from services.dal import AsyncDAL
from services.engine.conditions import condition_problems, evaluate
from services.engine.templates import TemplateScope
from services.engine.types import NodeError
from services.errors import ValidationFailed
from services.event_schemas import EventIn
from services.firing import Owner
from services.pagination import decode_cursor, page
from services.schedule_state import EventOutcome, Fired

if TYPE_CHECKING:
    from services.scheduler.runtime import SchedulerRuntime

log = logging.getLogger("chime.events")

# An event filter is a condition_if tree: bounded like a small workflow node's config.
EVENT_FILTER_MAX_BYTES = 16 * 1024
PAYLOAD_MAX_BYTES = 64 * 1024
PAYLOAD_MAX_DEPTH = 16
# Attempts at a free instant when two different events of a community land on the same microsecond.
INSTANT_ATTEMPTS = 5
# Group commit: event transactions at once per process, and events per transaction (whole requests; one larger
# request goes alone). One at a time coalesces most: on the 2-core bench machine 1 drain carried 3.5 events per
# transaction and accepted twice the events/s of 4 drains (1.7 per transaction), whose commits and round trips
# each cost a context switch.
PARALLEL = 1
MAX_EVENTS = 200

_INSERT_SQL = """
INSERT INTO events (community_id, event_id, type, payload, occurred_at, received_at)
SELECT $1, * FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[])
ON CONFLICT DO NOTHING
RETURNING received_at
"""

_FIND_SQL = """
SELECT event_id, type, occurred_at, received_at, result FROM events
WHERE community_id = $1 AND event_id = ANY($2::text[])
"""

_RESULT_SQL = """
UPDATE events e SET result = v.result
FROM unnest($2::text[], $3::jsonb[]) AS v(event_id, result)
WHERE e.community_id = $1 AND e.event_id = v.event_id
"""

_LIST_SQL = """
SELECT event_id, community_id, type, payload, occurred_at, received_at, result, seq FROM events
WHERE community_id = $1
  AND ($2::text IS NULL OR type = $2)
  AND ($3::timestamptz IS NULL OR received_at >= $3)
  AND ($4::timestamptz IS NULL OR received_at < $4)
  AND ($5::bigint IS NULL OR seq < $5)
ORDER BY seq DESC
LIMIT $6
"""


def utcnow() -> datetime:
    return datetime.now(UTC)


def patterns_for(event_type: str) -> list[str]:
    """The schedule event_types that answer `event_type`: itself and every prefix of it followed by '*'."""
    return [event_type] + [event_type[:i] + "*" for i in range(len(event_type) + 1)]


def answers(pattern: str, event_type: str) -> bool:
    return pattern == event_type or (pattern.endswith("*") and event_type.startswith(pattern[:-1]))


def check_payload(payload: Any, field: str) -> None:
    """Bounded in size and depth (the request hook, services/json_guard.py, has already refused NUL, lone
    surrogates, non-finite numbers and the global limits): a payload is copied onto every run it starts."""
    size = len(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    if size > PAYLOAD_MAX_BYTES:
        raise ValidationFailed(field, f"is {size} bytes; the limit is {PAYLOAD_MAX_BYTES}", code="payload_too_large")
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > PAYLOAD_MAX_DEPTH:
            raise ValidationFailed(field, f"nests objects/arrays deeper than {PAYLOAD_MAX_DEPTH}",
                                   code="nesting_too_deep")
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))


def check_event_filter(event_filter: dict[str, Any] | None, field: str = "schedule_config.event_filter") -> None:
    """A schedule's event_filter must be a valid condition_if tree (refused before anything is written)."""
    if event_filter is None:
        return
    size = len(json.dumps(event_filter).encode())
    if size > EVENT_FILTER_MAX_BYTES:
        raise ValidationFailed(field, f"is {size} bytes; the limit is {EVENT_FILTER_MAX_BYTES}",
                               code="invalid_event_filter")
    problems = condition_problems(event_filter, "event_filter")
    if problems:
        raise ValidationFailed(field, problems[0][1].removeprefix("event_filter: "), code="invalid_event_filter")


def filter_verdict(event_filter: dict[str, Any] | None, event: dict[str, Any]) -> str | None:
    """None when the schedule's filter holds for the event, else why not. A filter that cannot be evaluated
    (a missing payload field, a type mismatch) does not hold: the event starts nothing there, and says why."""
    if not event_filter:
        return None
    try:
        if evaluate(event_filter, TemplateScope({"event": event}), "event_filter", []):
            return None
    except NodeError as exc:
        return f"event_filter could not be evaluated: {exc.message}"[:500]
    return "event_filter did not match"


@dataclass
class _Event:
    event_id: str
    type: str
    payload: dict[str, Any]
    occurred_at: datetime | None  # as given; the received_at when absent
    received_at: datetime | None = None
    result: dict[str, Any] | None = None
    duplicate: bool = False
    given_occurred_at: datetime | None = None
    same_as: _Event | None = None  # a duplicate of an event first delivered in the same transaction
    given_type: str = ""  # as sent (a duplicate answers the stored type)

    def template_vars(self) -> dict[str, Any]:
        """What `${event.*}` reads in the runs it starts (also stored on each execution row)."""
        assert self.received_at is not None and self.occurred_at is not None
        return {"type": self.type, "event_id": self.event_id, "occurred_at": self.occurred_at.isoformat(),
                "received_at": self.received_at.isoformat(), "payload": self.payload}

    def answer(self) -> dict[str, Any]:
        result = self.result or {"executions": [], "skipped": []}
        return {"event_id": self.event_id, "type": self.type, "occurred_at": self.occurred_at,
                "received_at": self.received_at, "duplicate": self.duplicate, **result}


def _result(outcomes: list[EventOutcome], filtered: list[tuple[UUID, str]]) -> dict[str, Any]:
    runs = [o for o in outcomes if o.execution_id is not None and o.status != "skipped"]
    skips = [o for o in outcomes if o not in runs]
    return {
        "executions": [{"execution_id": str(o.execution_id), "schedule_id": str(o.schedule_id), "status": o.status}
                       for o in runs],
        "skipped": [{"schedule_id": str(o.schedule_id), "reason": o.reason or o.status,
                     "execution_id": str(o.execution_id) if o.execution_id else None} for o in skips]
        + [{"schedule_id": str(sid), "reason": why, "execution_id": None} for sid, why in filtered],
    }


@dataclass
class _Request:
    community_id: int
    events: list[_Event]
    done: asyncio.Future


class EventService:
    def __init__(self, dal: AsyncDAL, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.dal = dal
        self.clock = clock
        self.scheduler: SchedulerRuntime | None = None  # set by the container once this process runs one
        self._queue: list[_Request] = []
        self._drains: set[asyncio.Task] = set()  # references, so running drains are not garbage-collected
        self._draining = 0  # drains running; changed only where no await separates it from the queue check

    def _owner(self) -> Owner | None:
        return self.scheduler.owner() if self.scheduler is not None else None

    @staticmethod
    def validate(items: list[EventIn], prefix: str | None = None) -> list[_Event]:
        """Checks every event before anything is written; generates the missing event ids."""
        out: list[_Event] = []
        seen: set[str] = set()
        for i, item in enumerate(items):
            where = f"{prefix}[{i}]." if prefix else ""
            check_payload(item.payload, f"{where}payload")
            event_id = item.event_id or str(uuid.uuid4())
            if event_id in seen:
                raise ValidationFailed(f"{where}event_id", "repeats an event_id of this batch",
                                       code="duplicate_event_id")
            seen.add(event_id)
            occurred = item.occurred_at.astimezone(UTC) if item.occurred_at else None  # as stored and read back
            out.append(_Event(event_id, item.type, item.payload, occurred, given_occurred_at=occurred,
                              given_type=item.type))
        return out

    async def accept(self, principal: Principal, events: list[_Event]) -> list[dict[str, Any]]:
        """Stores and fans out `events` (validated) in one transaction, possibly shared with other requests of
        this process (group commit); returns each one's answer once that transaction has committed."""
        request = _Request(principal.community_id, events, asyncio.get_running_loop().create_future())
        self._queue.append(request)
        if self._draining < PARALLEL:
            self._draining += 1
            task = asyncio.create_task(self._drain(), name="events-drain")
            self._drains.add(task)
            task.add_done_callback(self._drains.discard)
        await asyncio.shield(request.done)  # a client that goes away does not cancel the others' transaction
        # One line per request (a batch of 100 is one line): event ids only, never payloads.
        log.info("events accepted", extra={
            "event_type": "event", "action": "accept", "result": "ok", "community_id": principal.community_id,
            "data": {"events": len(events), "duplicates": sum(ev.duplicate for ev in events),
                     "runs": sum(len((ev.result or {}).get("executions", ())) for ev in events),
                     "event_ids": [ev.event_id for ev in events[:10]]}})
        return [ev.answer() for ev in events]

    async def _drain(self) -> None:
        try:
            while self._queue:
                await self._drain_once()
        finally:
            # The last queue check and this decrement run without an await between them: a request queued after
            # it finds no drain running and starts one.
            self._draining -= 1

    async def _drain_once(self) -> None:
        taken: list[_Request] = []
        size = 0
        while self._queue and (not taken or size + len(self._queue[0].events) <= MAX_EVENTS):
            request = self._queue.pop(0)
            taken.append(request)
            size += len(request.events)
        try:
            fired = await self._commit(taken)
        except BaseException as exc:  # also a cancelled drain (shutdown): its requests fail instead of waiting
            if isinstance(exc, Exception) and len(taken) > 1:
                # Whatever failed, it rolled back: each request again in its own transaction, so one that cannot
                # be stored fails alone.
                for request in taken:
                    await self._drain_alone(request)
                return
            for request in taken:
                if not request.done.done():
                    request.done.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))
            if not isinstance(exc, Exception):
                raise
            return
        self._answer(taken, fired)

    async def _drain_alone(self, request: _Request) -> None:
        for ev in request.events:  # a fresh start: nothing of the rolled-back attempt is kept
            ev.received_at, ev.result, ev.duplicate, ev.same_as = None, None, False, None
            ev.occurred_at, ev.type = ev.given_occurred_at, ev.given_type
        try:
            fired = await self._commit([request])
        except Exception as exc:
            if not request.done.done():
                request.done.set_exception(exc)
            return
        self._answer([request], fired)

    def _answer(self, taken: list[_Request], fired: Fired) -> None:
        for request in taken:  # committed: answered whatever happens to the hand-over below
            if not request.done.done():
                request.done.set_result(None)
        if self.scheduler is not None:
            try:
                self.scheduler.deliver(fired)
            except Exception:  # runs not handed over here stay pending; the reaper and queue take them
                log.exception("event runs not handed to the runner", extra={
                    "event_type": "event", "action": "deliver", "result": "error"})

    async def _commit(self, requests: list[_Request]) -> Fired:
        """One transaction for the requests: each community's events stored and fanned out, in community order."""
        by_community: dict[int, list[_Event]] = {}
        for request in requests:
            by_community.setdefault(request.community_id, []).extend(request.events)
        fired = Fired()
        async with self.dal.transaction() as conn:
            for community_id in sorted(by_community):
                events = by_community[community_id]
                fresh = await self._store(conn, community_id, events, self.clock())
                if fresh:
                    fired.merge(await self._fan_out(conn, community_id, fresh, self.clock()))
                for ev in events:
                    if ev.same_as is not None:  # delivered twice within this transaction: the first one's answer
                        ev.result, ev.received_at = ev.same_as.result, ev.same_as.received_at
        return fired

    async def _store(self, conn: asyncpg.Connection, community_id: int, events: list[_Event],
                     now: datetime) -> list[_Event]:
        """Inserts the events; returns the ones this delivery is first for (the others carry the stored answer)."""
        pending, fresh = list(events), []
        for attempt in range(INSTANT_ATTEMPTS):
            # Distinct microseconds within the transaction. A retry comes after the other transaction that held
            # an instant has committed (the insert waited for it), so a fresh clock reading is past its instants.
            base = now if attempt == 0 else max(self.clock(), now + timedelta(microseconds=attempt * len(events)))
            for i, ev in enumerate(pending):
                ev.received_at = base + timedelta(microseconds=i)
                ev.occurred_at = ev.given_occurred_at or ev.received_at
            # Rows are told apart by their instant (distinct here): two deliveries of one event_id may share the
            # statement, and only the first of them is inserted.
            inserted = {r["received_at"] for r in await conn.fetch(
                _INSERT_SQL, community_id, [e.event_id for e in pending], [e.type for e in pending],
                [e.payload for e in pending], [e.occurred_at for e in pending], [e.received_at for e in pending])}
            fresh += [e for e in pending if e.received_at in inserted]
            rest = [e for e in pending if e.received_at not in inserted]
            if not rest:
                return fresh
            found = {r["event_id"]: r for r in await conn.fetch(_FIND_SQL, community_id, [e.event_id for e in rest])}
            first = {e.event_id: e for e in fresh}
            pending = []
            for ev in rest:
                row = found.get(ev.event_id)
                if row is None:  # not a duplicate: its instant was taken by another event; try the next one
                    pending.append(ev)
                    continue
                if ev.event_id in first and first[ev.event_id] is not ev:  # first delivered in this transaction
                    ev.duplicate, ev.same_as = True, first[ev.event_id]
                    ev.type, ev.occurred_at = row["type"], row["occurred_at"]
                    continue
                ev.duplicate, ev.type, ev.occurred_at, ev.received_at = True, row["type"], row["occurred_at"], \
                    row["received_at"]
                ev.result = row["result"]
            if not pending:
                return fresh
        raise RuntimeError(f"no free instant for {len(pending)} events after {INSTANT_ATTEMPTS} attempts")

    async def _fan_out(self, conn: asyncpg.Connection, community_id: int, events: list[_Event],
                       now: datetime) -> Fired:
        """Fires the matching schedules of `events` (first deliveries, in order) and stores each one's answer.

        A batch is cut into waves in which no schedule appears twice; each wave is one `event_fire` (one INSERT,
        one UPDATE), and the rows a wave changed are read again before the next one, so a later event sees the
        counters and status an earlier one left (max_executions, completion)."""
        patterns = sorted({p for ev in events for p in patterns_for(ev.type)})
        current = {r["schedule_id"]: r for r in await schedule_state.lock_event_schedules(conn, community_id,
                                                                                          patterns)}
        fired, owner = Fired(), self._owner()
        wave: list[tuple[_Event, list[UUID]]] = []
        filtered: dict[str, list[tuple[UUID, str]]] = {}

        async def flush(reread: bool) -> None:
            items = [schedule_state.EventFire(current[sid], ev.template_vars(), ev.received_at)  # type: ignore[arg-type]
                     for ev, sids in wave for sid in sids]
            result, outcomes = await schedule_state.event_fire(conn, items, now, owner)
            fired.merge(result)
            at = 0
            for ev, sids in wave:
                ev.result = _result(outcomes[at:at + len(sids)], filtered[ev.event_id])
                at += len(sids)
            if reread:
                for row in await schedule_state.reread(conn, [sid for _, sids in wave for sid in sids]):
                    current[row["schedule_id"]] = row
            wave.clear()

        for ev in events:
            event = ev.template_vars()
            sids, skipped = [], []
            for row in current.values():
                if not answers(row["event_type"], ev.type):
                    continue
                verdict = filter_verdict(row["event_filter"], event)
                if verdict is None:
                    sids.append(row["schedule_id"])
                else:
                    skipped.append((row["schedule_id"], verdict))
            filtered[ev.event_id] = skipped
            if any(sid in taken for _, taken in wave for sid in sids):
                await flush(reread=True)
            wave.append((ev, sids))
        await flush(reread=False)
        await conn.execute(_RESULT_SQL, community_id, [e.event_id for e in events], [e.result for e in events])
        return fired

    async def list(self, principal: Principal, *, event_type: str | None, since: datetime | None,
                   until: datetime | None, limit: int, cursor: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """The community's events, newest first; the cursor continues below the last `seq` returned."""
        rows = await self.dal.fetch(_LIST_SQL, principal.community_id, event_type, since, until,
                                    decode_cursor(cursor), limit + 1)
        items, next_cursor = page(list(rows), limit)
        out = []
        for r in items:
            result = r["result"] or {"executions": [], "skipped": []}
            out.append({k: r[k] for k in ("event_id", "community_id", "type", "payload", "occurred_at",
                                          "received_at")} | result)
        return out, next_cursor
