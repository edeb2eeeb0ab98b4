"""Stateful property test: the real services and the real claim against PostgreSQL, with a simulated clock.

Hypothesis drives create / replace / patch / pause / resume / snooze / cancel / run-now / delete, run completion
and failure (with retries), queue pick-up, claims and clock jumps (beyond the grace period, across DST changes)
and checks after every step:
- no duplicate (schedule_id, scheduled_for);
- execution_count equals the counted rows and never exceeds max_executions;
- every scheduled row is a nominal fire of a period in which the schedule was in force (so nothing fires before
  start_at, after end_at, or while paused, snoozed or cancelled);
- after a claim, no active schedule is left due;
- every nominal fire of every in-force period up to the last claim is accounted for: a row (run, skipped, missed)
  or coalesced into the next row, which is then a catch-up;
- skip / buffer_one schedules never have two live scheduled runs at once.

`CHIME_PROPERTY_EXAMPLES` sets the number of examples (CI profile: 150).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from services.dal import AsyncDAL
from services.errors import ApiError
from services.migrations import apply_migrations
from services.schemas import ScheduleConfig, ScheduleCreate, SchedulePatch, ScheduleReplace
from services.timing import due_at, first_fire, next_fire_time, spec_from
from tests.sim import PRINCIPAL, Sim

EXAMPLES = int(os.environ.get("CHIME_PROPERTY_EXAMPLES", "150"))
STEPS = int(os.environ.get("CHIME_PROPERTY_STEPS", "30"))
# Europe/Berlin changes clocks at 01:00 UTC on both days; runs start shortly before.
STARTS = (datetime(2026, 3, 29, 0, 20, tzinfo=UTC), datetime(2026, 10, 25, 0, 20, tzinfo=UTC))
ZONES = ("Europe/Berlin", "UTC", "America/New_York")
CRONS = ("*/7 * * * *", "30 2 * * *", "0 */2 * * *", "15 1,2,3 * * *", "*/50 * * * * *", "30 2 * * 0L",
         "0 3 * * 7#4")
RRULES = ("FREQ=HOURLY;COUNT=5", "FREQ=MINUTELY;INTERVAL=13", "FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30")
MAX_WALK = 5000


@st.composite
def configs(draw: Any, now: datetime) -> dict[str, Any]:
    kind = draw(st.sampled_from(("cron", "interval", "one_time", "rrule")))
    cfg: dict[str, Any] = {"schedule_type": kind, "timezone": draw(st.sampled_from(ZONES))}
    if kind == "cron":
        cfg["cron_expression"] = draw(st.sampled_from(CRONS))
    elif kind == "interval":
        cfg["interval_seconds"] = draw(st.sampled_from((45, 60, 600, 3600, 5400)))
    elif kind == "one_time":
        cfg["scheduled_time"] = now + timedelta(seconds=draw(st.integers(-60, 4 * 3600)))
    else:
        cfg["rrule"] = draw(st.sampled_from(RRULES))
    cfg["jitter_seconds"] = draw(st.sampled_from((0, 0, 10, 30)))
    cfg["grace_period_seconds"] = draw(st.sampled_from((0, 5, 20, 120, 900, 7200)))
    cfg["max_executions"] = draw(st.sampled_from((None, None, 1, 3)))
    cfg["overlap_policy"] = draw(st.sampled_from(("skip", "allow", "buffer_one", "cancel_other")))
    if draw(st.booleans()):
        cfg["start_at"] = now + timedelta(seconds=draw(st.integers(-600, 3600)))
    if draw(st.booleans()):
        cfg["end_at"] = now + timedelta(seconds=draw(st.integers(1800, 6 * 3600)))
    return cfg


@dataclass
class Period:
    """A stretch of time in which the schedule was in force with one timing: fires from `first` while due <= end."""

    config: dict[str, Any]
    anchor: datetime
    first: datetime | None
    began: int  # the step that began it
    end: datetime | None = None

    def fires(self, schedule_id: uuid.UUID, bound: datetime | None, bound_step: int) -> list[datetime]:
        """Fires due by `bound` (a claim in a later step), or by the period's own end (transitions settle)."""
        if self.end is not None:
            limit = self.end
        elif bound is None or bound_step <= self.began:
            return []
        else:
            limit = bound
        spec = spec_from(self.config, self.anchor)
        out: list[datetime] = []
        f = self.first
        while f is not None and len(out) < MAX_WALK:
            if due_at(schedule_id, f, self.config["jitter_seconds"]) > limit:
                break
            out.append(f)
            f = next_fire_time(spec, f)
        return out


@dataclass
class Model:
    periods: list[Period] = field(default_factory=list)
    snoozed_until: datetime | None = None

    def close(self, at: datetime) -> None:
        if self.periods and self.periods[-1].end is None:
            self.periods[-1].end = at


class ScheduleMachine(RuleBasedStateMachine):
    def __init__(self, loop: asyncio.AbstractEventLoop, dal: AsyncDAL, start: datetime) -> None:
        super().__init__()
        self.loop = loop
        self.sim = Sim(dal, start)
        self.run(self.sim.reset())
        self.models: dict[uuid.UUID, Model] = {}
        self.last_claim: datetime | None = None
        self.last_claim_step = 0
        self.step = 0
        self.claimed_now = False

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def fetch(self, sql: str, *args: Any) -> list[Any]:
        return self.run(self.sim.dal.fetch(sql, *args))

    def row(self, sid: uuid.UUID) -> Any:
        return self.run(self.sim.dal.fetchrow("SELECT * FROM workflow_schedules WHERE schedule_id = $1", sid))

    def after_step(self) -> None:
        """Ends the in-force period of every schedule that the last step completed, paused or cancelled."""
        self.step += 1
        self.claimed_now = False
        stopped = {r["schedule_id"] for r in self.fetch("SELECT schedule_id FROM workflow_schedules"
                                                        " WHERE status <> 'active'")}
        for sid in stopped & self.models.keys():
            self.models[sid].close(self.sim.now)

    def start_period(self, sid: uuid.UUID, first: datetime | None) -> None:
        row = self.row(sid)
        config = {f: row[f] for f in ScheduleConfig.model_fields}
        self.models[sid].periods.append(Period(config, row["anchor_at"], first, self.step + 1))

    def _try(self, coro: Any) -> Any:
        try:
            return self.run(coro)
        except ApiError:
            return None

    # --- schedules -----------------------------------------------------------------------------------------
    @rule(data=st.data(), work=st.booleans())
    def create(self, data: Any, work: bool) -> None:
        cfg = data.draw(configs(self.sim.now))
        body = ScheduleCreate(workflow_id=self.sim.work_workflow if work else self.sim.empty_workflow,
                              schedule_config=ScheduleConfig(**cfg))
        created = self._try(self.sim.schedules.create(PRINCIPAL, body))
        if created is not None:
            sid = created["schedule_id"]
            self.models[sid] = Model()
            spec = spec_from(body.schedule_config.model_dump(), created["anchor_at"])
            self.start_period(sid, first_fire(spec, self.sim.now))
        self.after_step()

    def pick(self, data: Any) -> uuid.UUID:
        # An index, not sampled_from(ids): ids are random per run, and the draws must not depend on them.
        ids = list(self.models)
        return ids[data.draw(st.integers(0, 1000)) % len(ids)]

    @precondition(lambda self: self.models)
    @rule(data=st.data(), how=st.sampled_from(("put", "patch_timing", "patch_name")))
    def update(self, data: Any, how: str) -> None:
        sid = self.pick(data)
        before = self.row(sid)
        if how == "patch_name":
            out = self._try(self.sim.schedules.patch(PRINCIPAL, sid, SchedulePatch(name="renamed"), None))
        else:
            cfg = data.draw(configs(self.sim.now))
            if how == "put":
                body: Any = ScheduleReplace(schedule_config=ScheduleConfig(**cfg), name="replaced")
                out = self._try(self.sim.schedules.replace(PRINCIPAL, sid, body, None))
            else:
                body = SchedulePatch.model_validate({"schedule_config": {k: cfg[k] for k in (
                    "schedule_type", "cron_expression", "interval_seconds", "scheduled_time", "rrule") if k in cfg}})
                out = self._try(self.sim.schedules.patch(PRINCIPAL, sid, body, None))
        if out is not None and how != "patch_name":
            assert out["version"] == before["version"] + 1
            timing_moved = any(out[f] != before[f] for f in ("schedule_type", "cron_expression", "interval_seconds",
                                                             "scheduled_time", "rrule", "timezone", "start_at",
                                                             "end_at", "max_executions", "jitter_seconds",
                                                             "anchor_at"))
            if timing_moved:
                model = self.models[sid]
                model.close(self.sim.now)
                if out["status"] == "active":
                    self.start_period(sid, out["next_execution_at"] and self._first_after_update(out))
        if out is not None and how == "patch_name":
            for col in ("status", "next_execution_at", "execution_count"):
                assert out[col] == before[col], f"metadata-only PATCH changed {col}"
        self.after_step()

    def _first_after_update(self, row: Any) -> datetime | None:
        spec = spec_from({f: row[f] for f in ScheduleConfig.model_fields}, row["anchor_at"])
        snooze = self.models[row["schedule_id"]].snoozed_until
        if snooze is not None and snooze > self.sim.now:
            return next_fire_time(spec, snooze - timedelta(microseconds=1))
        return first_fire(spec, self.sim.now)

    @precondition(lambda self: self.models)
    @rule(data=st.data())
    def pause(self, data: Any) -> None:
        sid = self.pick(data)
        self._try(self.sim.schedules.pause(PRINCIPAL, sid, "note"))
        self.after_step()

    @precondition(lambda self: self.models)
    @rule(data=st.data())
    def resume(self, data: Any) -> None:
        sid = self.pick(data)
        before = self.row(sid)
        out = self._try(self.sim.schedules.resume(PRINCIPAL, sid))
        if out is not None and before["status"] == "paused" and out["status"] == "active":
            model = self.models[sid]
            spec = spec_from({f: out[f] for f in ScheduleConfig.model_fields}, out["anchor_at"])
            if model.snoozed_until is not None and model.snoozed_until > self.sim.now:
                first = next_fire_time(spec, model.snoozed_until - timedelta(microseconds=1))
            else:
                first = first_fire(spec, self.sim.now)
            self.start_period(sid, first)
        self.after_step()

    @precondition(lambda self: self.models)
    @rule(data=st.data(), seconds=st.integers(1, 3 * 3600))
    def snooze(self, data: Any, seconds: int) -> None:
        sid = self.pick(data)
        before = self.row(sid)
        until = self.sim.now + timedelta(seconds=seconds)
        out = self._try(self.sim.schedules.snooze(PRINCIPAL, sid, until))
        if out is not None:
            model = self.models[sid]
            model.snoozed_until = out["snoozed_until"]  # None when the settled fire completed the schedule
            if before["status"] == "active":
                model.close(self.sim.now)
                if out["status"] == "active":
                    spec = spec_from({f: out[f] for f in ScheduleConfig.model_fields}, out["anchor_at"])
                    self.start_period(sid, next_fire_time(spec, until - timedelta(microseconds=1)))
        self.after_step()

    @precondition(lambda self: self.models)
    @rule(data=st.data())
    def cancel(self, data: Any) -> None:
        self._try(self.sim.schedules.cancel(PRINCIPAL, self.pick(data)))
        self.after_step()

    @precondition(lambda self: self.models)
    @rule(data=st.data(), force=st.booleans())
    def run_now(self, data: Any, force: bool) -> None:
        self._try(self.sim.schedules.run_now(PRINCIPAL, self.pick(data), force))
        self.after_step()

    @precondition(lambda self: self.models)
    @rule(data=st.data())
    def delete(self, data: Any) -> None:
        sid = self.pick(data)
        self._try(self.sim.schedules.delete(PRINCIPAL, sid))
        if self.row(sid) is None:
            del self.models[sid]
        self.after_step()

    # --- time, claims and runs -----------------------------------------------------------------------------
    @rule(seconds=st.one_of(st.integers(1, 40), st.integers(1, 120), st.integers(600, 3 * 3600)),
          claim=st.booleans())
    def advance(self, seconds: int, claim: bool) -> None:
        self.sim.advance(seconds)
        if claim:
            self._claim()
        self.after_step()

    @rule(late=st.sampled_from((0.0, 0.5, 3.0, 12.0, 25.0)))
    def tick(self, late: float) -> None:
        """What the service does: wake at the next due instant (a little late) and claim."""
        due = self.run(self.sim.dal.fetchval("SELECT min(next_due_at) FROM workflow_schedules"
                                             " WHERE status = 'active'"))
        if due is not None and due + timedelta(seconds=late) > self.sim.now:
            self.sim.now = due + timedelta(seconds=late)
        self._claim()
        self.after_step()
        self.claimed_now = True

    @rule()
    def claim(self) -> None:
        self._claim()
        self.after_step()
        self.claimed_now = True

    def _claim(self) -> None:
        while self.run(self.sim.claim()).claimed:
            pass
        self.last_claim = self.sim.now
        self.last_claim_step = self.step + 1  # the step now running (after_step counts it)

    @rule()
    def take_queued(self) -> None:
        self.run(self.sim.take())
        self.after_step()

    @rule(data=st.data(), ok=st.booleans())
    def finish_a_run(self, data: Any, ok: bool) -> None:
        live = self.fetch("SELECT execution_id FROM workflow_executions WHERE instance_id = 'sim'"
                          " AND status IN ('pending', 'running') ORDER BY seq")
        if live:
            eid = live[data.draw(st.integers(0, 1000)) % len(live)]["execution_id"]
            self.run(self.sim.finish(eid, "completed" if ok else "failed"))
        self.after_step()

    # --- invariants ----------------------------------------------------------------------------------------
    @invariant()
    def no_duplicate_fires(self) -> None:
        dup = self.fetch("SELECT schedule_id, scheduled_for FROM workflow_executions WHERE schedule_id IS NOT NULL"
                         " AND trigger <> 'retry' GROUP BY 1, 2 HAVING count(*) > 1")
        assert not dup, dup
        dup = self.fetch("SELECT parent_execution_id, attempt FROM workflow_executions WHERE trigger = 'retry'"
                         " GROUP BY 1, 2 HAVING count(*) > 1")
        assert not dup, dup

    @invariant()
    def counters_match_rows(self) -> None:
        rows = self.fetch(
            "SELECT s.schedule_id, s.execution_count, s.max_executions, count(e.*) FILTER (WHERE e.trigger <> 'retry'"
            " AND e.status NOT IN ('skipped', 'missed')) AS counted FROM workflow_schedules s"
            " LEFT JOIN workflow_executions e ON e.schedule_id = s.schedule_id GROUP BY s.schedule_id")
        for r in rows:
            assert r["execution_count"] == r["counted"], dict(r)
            assert r["max_executions"] is None or r["counted"] <= r["max_executions"], dict(r)
        for r in self.fetch("SELECT parent_execution_id, attempt FROM workflow_executions WHERE trigger = 'retry'"):
            assert r["attempt"] <= 3

    @invariant()
    def nothing_due_after_a_claim(self) -> None:
        if self.claimed_now:
            due = self.fetch("SELECT schedule_id FROM workflow_schedules WHERE status = 'active'"
                             " AND next_due_at <= $1", self.sim.now)
            assert not due, due

    @invariant()
    def fires_only_while_in_force_and_none_lost(self) -> None:
        if self.last_claim is None:
            return
        by_schedule: dict[uuid.UUID, list[Any]] = {}
        for r in self.fetch("SELECT schedule_id, scheduled_for, fired_at, trigger, status FROM workflow_executions"
                            " WHERE trigger IN ('schedule', 'catchup') ORDER BY scheduled_for"):
            by_schedule.setdefault(r["schedule_id"], []).append(r)
        for sid, model in self.models.items():
            rows = by_schedule.get(sid, [])
            owed = [f for p in model.periods for f in p.fires(sid, self.last_claim, self.last_claim_step)]
            # rows past the last claim come from transitions that settle a due fire at "now"
            every = {f: p for p in reversed(model.periods) for f in p.fires(sid, self.sim.now, self.step + 2)}
            for r in rows:
                period = every.get(r["scheduled_for"])
                assert period is not None, (
                    f"{sid}: {r['trigger']} row at {r['scheduled_for']} is no nominal fire of an in-force period")
                if r["status"] != "skipped":  # missed exactly when later than the grace period after its due time
                    due = due_at(sid, r["scheduled_for"], period.config["jitter_seconds"])
                    late = (r["fired_at"] - due).total_seconds() > period.config["grace_period_seconds"]
                    assert late == (r["status"] == "missed"), (sid, dict(r), period.config)
            times = [r["scheduled_for"] for r in rows]
            for f in owed:
                if f in times:
                    continue
                later = [r for r in rows if r["scheduled_for"] > f]
                assert later and later[0]["trigger"] == "catchup", f"{sid}: fire {f} lost (rows {times})"

    @invariant()
    def one_live_run_unless_allowed(self) -> None:
        rows = self.fetch(
            "SELECT e.schedule_id, count(*) AS n FROM workflow_executions e JOIN workflow_schedules s"
            " USING (schedule_id) WHERE s.overlap_policy IN ('skip', 'buffer_one') AND e.instance_id IS NOT NULL"
            " AND e.status IN ('pending', 'running') AND e.trigger <> 'manual' GROUP BY 1 HAVING count(*) > 1")
        assert not rows, rows


@pytest.mark.timeout(600)
def test_schedule_state_machine(database_url: str) -> None:
    loop = asyncio.new_event_loop()
    # Commits need not wait for the disk here: crash durability is not what this test checks.
    dal = AsyncDAL(database_url, min_size=1, max_size=2, server_settings={"synchronous_commit": "off"})
    loop.run_until_complete(dal.connect())
    loop.run_until_complete(apply_migrations(dal))
    try:
        for start in STARTS:
            run_state_machine_as_test(
                lambda start=start: ScheduleMachine(loop, dal, start),
                settings=settings(max_examples=max(1, EXAMPLES // len(STARTS)), stateful_step_count=STEPS,
                                  deadline=None, database=None, derandomize=os.environ.get("CI") == "true",
                                  suppress_health_check=list(HealthCheck)),
            )
    finally:
        loop.run_until_complete(dal.execute("TRUNCATE workflow_executions, workflow_schedules, workflows,"
                                            " scheduler_instances CASCADE"))
        loop.run_until_complete(dal.close())
        loop.close()
