"""Structured logs without secrets, and execution retention."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

from services.logs import JsonFormatter
from tests.helpers import make_schedule, make_workflow


async def test_request_logs_are_json_with_request_id_and_no_token(client, auth, token, caplog) -> None:
    secret_token = token()
    caplog.set_level(logging.INFO, logger="chime.http")
    resp = await client.get("/api/v1/schedules", headers={"Authorization": f"Bearer {secret_token}",
                                                           "X-Request-ID": "req-42"})
    assert resp.status_code == 200
    lines = [json.loads(JsonFormatter().format(r)) for r in caplog.records if r.name == "chime.http"]
    assert lines, "no request log line"
    line = lines[-1]
    assert line["event_type"] == "http" and line["action"] == "GET /api/v1/schedules"
    assert line["result"] == 200 and line["request_id"] == "req-42"
    assert secret_token not in json.dumps(lines)


def test_formatter_masks_secret_fields() -> None:
    record = logging.LogRecord("chime", logging.INFO, __file__, 1, "x", None, None)
    record.data = {"authorization": "Bearer abc", "jwt_secret": "s", "note": "ok"}
    line = json.loads(JsonFormatter().format(record))
    assert line["authorization"] == "***" and line["jwt_secret"] == "***" and line["note"] == "ok"


async def test_retention_prunes_old_executions_in_batches(chime, client, auth) -> None:
    headers = auth()
    wf = await make_workflow(client, headers)
    sched = await make_schedule(client, headers, wf, {"schedule_type": "cron", "cron_expression": "0 0 1 1 *"})
    sid, wid = uuid.UUID(sched["schedule_id"]), uuid.UUID(wf)
    old = datetime.now(UTC) - timedelta(days=31)
    rows = [(uuid.uuid4(), sid, wid, 1, old - timedelta(seconds=i), "completed", "schedule", old) for i in range(2500)]
    rows.append((uuid.uuid4(), sid, wid, 1, old - timedelta(days=1), "running", "schedule", old))  # never pruned
    recent = datetime.now(UTC) - timedelta(days=1)
    rows.append((uuid.uuid4(), sid, wid, 1, recent, "completed", "schedule", recent))
    async with chime.dal.connection() as conn:
        await conn.copy_records_to_table(
            "workflow_executions", records=rows,
            columns=["execution_id", "schedule_id", "workflow_id", "community_id", "scheduled_for", "status",
                     "trigger", "created_at"])
    await next(d for d in chime.runtime.leadership.maintenance if d.name == "pruner").run_once()
    left = await chime.dal.fetch("SELECT status, created_at FROM workflow_executions WHERE schedule_id = $1", sid)
    assert sorted(r["status"] for r in left) == ["completed", "running"]
    assert any(r["created_at"] > datetime.now(UTC) - timedelta(days=2) for r in left)
