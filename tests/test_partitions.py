"""Executions and steps partitioned by day: the conversion of a populated table, keys, and retention by DROP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from services.dal import AsyncDAL
from services.migrations import apply_migrations, migration_files
from services.scheduler.maintenance.partitions import drop_expired, ensure_partitions, partition_name

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def fresh(make_database):
    dsn = await make_database()
    dal = AsyncDAL(dsn, min_size=1, max_size=2)
    await dal.connect()
    yield dal
    await dal.close()


async def _where(dal: AsyncDAL, execution_id: uuid.UUID) -> str:
    return await dal.fetchval("SELECT tableoid::regclass::text FROM workflow_executions WHERE execution_id = $1",
                              execution_id)


async def test_conversion_of_a_populated_table_keeps_every_row(fresh: AsyncDAL) -> None:
    # The schema as it was before 0006, with rows in it.
    async with fresh.connection() as conn:
        await conn.execute("CREATE TABLE schema_migrations (version text PRIMARY KEY,"
                           " applied_at timestamptz NOT NULL DEFAULT now())")
        for version, path in migration_files():
            if version >= "0006":
                break
            await conn.execute(path.read_text())
            await conn.execute("INSERT INTO schema_migrations (version) VALUES ($1)", version)
    wid, sid = uuid.uuid4(), uuid.uuid4()
    await fresh.execute("INSERT INTO workflows (workflow_id, community_id, name) VALUES ($1, 1, 'w')", wid)
    await fresh.execute(
        "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, schedule_type, interval_seconds,"
        " next_execution_at, next_due_at) VALUES ($1, $2, 1, 'interval', 60, $3, $3)", sid, wid, NOW)
    days = [-400, -45, -3, -1, 0]
    ids = {d: uuid.uuid4() for d in days}
    for d, eid in ids.items():
        await fresh.execute(
            "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
            " status, trigger) VALUES ($1, $2, $3, 1, $4, 'completed', 'schedule')", eid, sid, wid,
            NOW + timedelta(days=d))
        await fresh.execute(
            "INSERT INTO execution_steps (execution_id, sequence, node_id, node_type, status, started_at)"
            " VALUES ($1, 1, 'n', 'action_delay', 'completed', now())", eid)
    seq_before = await fresh.fetchval("SELECT max(seq) FROM workflow_executions")

    applied = await apply_migrations(fresh)
    assert applied[0] == "0006_partitions"

    assert await fresh.fetchval("SELECT relkind::text FROM pg_class WHERE relname = 'workflow_executions'") == "p"
    assert await fresh.fetchval("SELECT count(*) FROM workflow_executions") == len(days)
    assert await fresh.fetchval("SELECT count(*) FROM execution_steps") == len(days)
    assert await _where(fresh, ids[-400]) == "workflow_executions_default"  # older than the window it creates
    for d in (-45, -3, -1, 0):
        day = (NOW + timedelta(days=d)).date()
        assert await _where(fresh, ids[d]) == partition_name("workflow_executions", day)
        step_day = await fresh.fetchval(
            "SELECT tableoid::regclass::text FROM execution_steps WHERE execution_id = $1", ids[d])
        assert step_day == partition_name("execution_steps", day)
    # partitions exist a week ahead, and new rows keep numbering after the old ones
    ahead = (NOW + timedelta(days=7)).date()
    assert await fresh.fetchval("SELECT to_regclass($1) IS NOT NULL", partition_name("workflow_executions", ahead))
    new = uuid.uuid4()
    await fresh.execute(
        "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
        " status, trigger) VALUES ($1, $2, $3, 1, $4, 'completed', 'schedule')", new, sid, wid,
        NOW + timedelta(hours=1))
    assert await fresh.fetchval("SELECT seq FROM workflow_executions WHERE execution_id = $1", new) > seq_before


async def test_fire_and_retry_keys_hold_in_a_partitioned_table(fresh: AsyncDAL) -> None:
    await apply_migrations(fresh)
    wid, sid = uuid.uuid4(), uuid.uuid4()
    await fresh.execute("INSERT INTO workflows (workflow_id, community_id, name) VALUES ($1, 1, 'w')", wid)
    await fresh.execute(
        "INSERT INTO workflow_schedules (schedule_id, workflow_id, community_id, schedule_type, interval_seconds,"
        " next_execution_at, next_due_at) VALUES ($1, $2, 1, 'interval', 60, $3, $3)", sid, wid, NOW)
    insert = ("INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
              " status, trigger, parent_execution_id, attempt) VALUES ($1, $2, $3, 1, $4, 'completed', $5, $6, $7)")
    first = uuid.uuid4()
    await fresh.execute(insert, first, sid, wid, NOW, "schedule", None, 1)
    with pytest.raises(asyncpg.UniqueViolationError):
        await fresh.execute(insert, uuid.uuid4(), sid, wid, NOW, "catchup", None, 1)
    # the same schedule on another day is another partition, and fine
    await fresh.execute(insert, uuid.uuid4(), sid, wid, NOW + timedelta(days=2), "schedule", None, 1)
    # a retry keeps its fire's instant: allowed once per attempt
    await fresh.execute(insert, uuid.uuid4(), sid, wid, NOW, "retry", first, 2)
    with pytest.raises(asyncpg.UniqueViolationError):
        await fresh.execute(insert, uuid.uuid4(), sid, wid, NOW, "retry", first, 2)


async def test_retention_drops_whole_partitions_but_not_one_with_a_live_run(fresh: AsyncDAL) -> None:
    await apply_migrations(fresh)
    old = (NOW - timedelta(days=50)).date()
    await ensure_partitions(fresh, old, old + timedelta(days=1))
    wid = uuid.uuid4()
    insert = ("INSERT INTO workflow_executions (execution_id, workflow_id, community_id, scheduled_for, status,"
              " trigger, instance_id, lease_epoch) VALUES ($1, $2, 1, $3, $4, 'manual', 'x', 1)")
    done, live = uuid.uuid4(), uuid.uuid4()
    await fresh.execute(insert, done, wid, datetime.combine(old, datetime.min.time(), UTC), "completed")
    await fresh.execute(insert, live, wid, datetime.combine(old + timedelta(days=1), datetime.min.time(), UTC),
                        "running")
    await fresh.execute("INSERT INTO execution_steps (execution_id, scheduled_for, sequence, node_id, node_type,"
                        " status, started_at) VALUES ($1, $2, 1, 'n', 't', 'completed', now())", done,
                        datetime.combine(old, datetime.min.time(), UTC))

    dropped = await drop_expired(fresh, NOW - timedelta(days=30))
    assert partition_name("workflow_executions", old) in dropped
    assert partition_name("workflow_executions", old + timedelta(days=1)) not in dropped  # it holds a live run
    assert not await fresh.fetchval("SELECT to_regclass($1) IS NOT NULL", partition_name("execution_steps", old))
    assert await fresh.fetchval("SELECT count(*) FROM workflow_executions WHERE execution_id = $1", done) == 0
    assert await fresh.fetchval("SELECT count(*) FROM workflow_executions WHERE execution_id = $1", live) == 1
    # today's and the coming days' partitions are never candidates
    assert partition_name("workflow_executions", NOW.date()) not in dropped
