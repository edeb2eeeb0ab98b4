"""Retry policy: a failed or abandoned run becomes a new pending execution at a computed time."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

RETRYABLE = ("failed", "timeout", "abandoned")


def retry_delay(config: dict[str, Any], attempt: int, rng: random.Random | None = None) -> float:
    """Seconds before retry number `attempt` (1 = first retry)."""
    base = float(config.get("base_seconds", 1.0))
    cap = float(config.get("max_seconds", 300.0))
    if config.get("backoff", "exponential_jitter") == "fixed":
        return min(base, cap)
    ceiling = min(cap, base * (2 ** (attempt - 1)))
    # "Equal jitter": at least half the exponential step, so retries never bunch up at zero.
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


async def schedule_retry(conn: asyncpg.Connection, execution: Any, retry_config: dict[str, Any] | None,
                         now: datetime) -> UUID | None:
    """Inserts the next attempt of `execution` (a workflow_executions row) if its workflow allows one."""
    if not retry_config or execution["status"] not in RETRYABLE:
        return None
    attempt = execution["attempt"]
    if attempt > int(retry_config.get("max_retries", 0)):
        return None
    run_after = now + timedelta(seconds=retry_delay(retry_config, attempt))
    retry_id = uuid.uuid4()
    inserted = await conn.fetchval(
        "INSERT INTO workflow_executions (execution_id, schedule_id, workflow_id, community_id, scheduled_for,"
        " fired_at, status, trigger, attempt, parent_execution_id, context_data, run_after)"
        " SELECT $1, $2, $3, $4, $5, $6, 'pending', 'retry', $7, $8, $9, $5"
        " WHERE NOT EXISTS (SELECT 1 FROM workflow_executions WHERE parent_execution_id = $8)"
        " ON CONFLICT DO NOTHING RETURNING execution_id",
        retry_id, execution["schedule_id"], execution["workflow_id"], execution["community_id"], run_after, now,
        attempt + 1, execution["execution_id"], execution["context_data"],
    )
    return inserted
